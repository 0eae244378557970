"""The statistics report as PDF (社会救助统计表), in two layouts:

- ``summary``: the figures seed 002 publishes, from the data, as its sentence and as a small
  table (dibao persons and funds, rural and urban; extreme-hardship persons and funds;
  temporary aid person-times and funds; one-time subsidies), with the change against the same
  period a year earlier;
- ``full``: the summary, then by program and class, by channel, temporary aid by type and
  cause, the dibao subsidy level, by township, and the charts.

Rates and averages follow :mod:`assistcase.rates` (half up, one decimal; money to the fen).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from ..services.statistics import (CLASSES, PROGRAM_ZH, PROGRAMS, MonthPoint, StatisticsReport,
                                   class_label, money_zh)
from ..rules.standards import CLASS_ZH
from ..rules.money import yuan

LAYOUTS = ("summary", "full")


def _count(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def summary_rows(rep: StatisticsReport) -> list[list[str]]:
    """(item, persons, funds, persons a year earlier, change, funds a year earlier, change)."""
    prev = rep.previous
    items = [("低保对象", "dibao", None, "persons"), ("其中：农村低保", "dibao", "rural", "persons"),
             ("　　　城市低保", "dibao", "urban", "persons"), ("特困人员", "tekun", None, "persons"),
             ("临时救助（人次）", "temp_aid", None, "person_months"),
             ("一次性生活补贴", "one_time", None, "persons")]
    out = []
    for label, program, cls, what in items:
        f = rep.figures(program, cls)
        p = prev.figures(program, cls) if prev else None
        out.append([label, _count(getattr(f, what)), money_zh(f.funds_fen),
                    _count(getattr(p, what)) if p else "", rep.change(program, what, cls),
                    money_zh(p.funds_fen) if p else "", rep.change(program, "funds_fen", cls)])
    return out


def write_statistics_pdf(rep: StatisticsReport, path: str | os.PathLike[str],
                         layout: str = "full", series: list[MonthPoint] | None = None) -> Path:
    """Write the report (``layout`` summary or full; the charts need ``series``)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph

    from . import charts
    from .layout import HEADER_BG, WIDTH, build_pdf, grid_table, styles
    from .layout import para as _para

    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    st = styles()
    left, center, right = st.left, st.center, st.right

    def para(value, style=left) -> Paragraph:
        return _para(value, style)

    def table(head, rows, cols, cell_styles, extra=()):
        return grid_table(st, head, rows, cols, cell_styles, extra)

    def chart(png: bytes, width_mm: float = 200) -> Image:
        img = Image(io.BytesIO(png))
        scale = min(width_mm * mm, WIDTH) / img.drawWidth
        img.drawWidth *= scale
        img.drawHeight *= scale
        return img

    title = rep.title + ("（摘要）" if layout == "summary" else "表")
    story = [para(title, st.title),
             para(f"统计区划：{rep.area_name}（{rep.area_code}）；统计期间：{rep.period.label_zh()}"
                  f"（{rep.period.start:%Y-%m-%d} 至 {rep.period.end:%Y-%m-%d} 前）；"
                  f"对比：上年同期", st.sub),
             para("一、概况", st.h2), para(rep.summary_zh(), left)]
    head = [["项目", "人数", "发放资金", "上年同期人数", "同比", "上年同期资金", "同比"]]
    story.append(table(head, summary_rows(rep), [50, 30, 34, 34, 22, 34, 22],
                       [left, right, right, right, right, right, right]))
    notes = ["人数为统计期间内享受待遇的人数（每人只计一次，不是人·月）；临时救助为人次。",
             "发放资金含已审批花名册（银行代发和现金发放，扣除银行退回）和直接发放的临时救助（含现金）。",
             "比率四舍五入保留一位小数；平均数四舍五入到分。"]
    if layout == "full":
        story.append(para("二、按救助项目和城乡类别", st.h2))
        rows, extra = [], []
        for i, r in enumerate(rep.by_program, start=1):
            f = r.figures
            temp = r.program == "temp_aid"
            rows.append([PROGRAM_ZH[r.program], class_label(r.residence_class),
                         "" if temp else _count(f.households), _count(f.persons),
                         _count(f.person_months), yuan(f.funds_fen),
                         rep.change(r.program, "funds_fen", r.residence_class)])
            if r.residence_class is None:
                extra.append(("BACKGROUND", (0, i), (-1, i), HEADER_BG))
        story.append(table([["项目", "城乡类别", "户数", "人数", "人·月（临时救助：人次）",
                             "发放资金（元）", "资金同比"]], rows or [["本期无发放"] + [""] * 6],
                           [46, 22, 24, 26, 40, 40, 24],
                           [left, center, right, right, right, right, right], extra))
        c = rep.channels
        story.append(KeepTogether([
            para("三、按发放渠道", st.h2),
            table([["渠道", "资金（元）"]],
                  [["花名册：银行代发", yuan(c.roster_bank_fen)],
                   ["花名册：现金发放", yuan(c.roster_cash_fen)],
                   ["临时救助直接发放：银行转账", yuan(c.aid_direct_bank_fen)],
                   ["临时救助直接发放：现金", yuan(c.aid_direct_cash_fen)],
                   ["合计", yuan(c.total_fen)]], [80, 40], [left, right])]))
        aid_rows = ([["按类型", r.label, _count(r.person_times), yuan(r.funds_fen)]
                     for r in rep.aid_by_type]
                    + [["按原因", r.label, _count(r.person_times), yuan(r.funds_fen)]
                       for r in rep.aid_by_cause])
        story.append(KeepTogether([
            para("四、临时救助（按类型、按原因）", st.h2),
            table([["分类", "类型/原因", "人次", "资金（元）"]],
                  aid_rows or [["本期无临时救助", "", "", ""]], [26, 40, 26, 40],
                  [left, left, right, right])]))
        lv_rows = []
        for lv in rep.levels:
            verdict = ("无补助水平标准" if lv.required_fen is None else
                       "低于要求" if lv.below else "达到要求")
            lv_rows.append([CLASS_ZH[lv.residence_class], _count(lv.person_months),
                            yuan(lv.base_fen), yuan(lv.average_fen) if lv.average_fen else "",
                            yuan(lv.required_fen) if lv.required_fen else "", verdict])
        story.append(KeepTogether([
            para("五、低保补助水平（月人均实际补助与要求的补助水平）", st.h2),
            table([["城乡类别", "人·月", "当期应发（元）", "月人均补助（元）", "要求补助水平（元）",
                    "结果"]], lv_rows or [["本期无低保发放", "", "", "", "", ""]],
                  [24, 26, 36, 32, 34, 30], [center, right, right, right, right, center])]))
        town_rows = []
        for a in rep.by_area:
            f = a.figures
            temp = a.program == "temp_aid"
            town_rows.append([a.township_name, PROGRAM_ZH[a.program],
                              "" if temp else _count(f.households),
                              "" if temp else _count(f.persons), _count(f.person_months),
                              yuan(f.funds_fen)])
        story.append(para("六、按乡镇（街道）", st.h2))
        story.append(table([["乡镇（街道）", "项目", "户数", "人数", "人·月（人次）", "资金（元）"]],
                           town_rows or [["本期无发放", "", "", "", "", ""]],
                           [44, 40, 22, 24, 30, 36], [left, left, right, right, right, right]))
        if series is not None:
            story += [PageBreak(), para("七、图表", st.h2),
                      chart(charts.caseload_chart(series)), chart(charts.funds_chart(series)),
                      PageBreak(), chart(charts.aid_by_cause_chart(rep.aid_by_cause))]
    for n in notes:
        story.append(para(n, st.note))
    footer = f"{rep.title} · 生成于 {rep.generated_at:%Y-%m-%d %H:%M}"
    return build_pdf(path, story, title, rep.period.label_zh(), footer)


__all__ = ["LAYOUTS", "summary_rows", "write_statistics_pdf", "CLASSES", "PROGRAMS"]
