"""The funds report (资金发放情况统计) on paper: PDF and Excel of a :class:`FundsReport` that
:func:`assistcase.services.funds.funds_report` computes (what is counted is stated there)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from ..rules.money import yuan
from ..rules.standards import CLASS_ZH
from ..services.funds import (FUNDS_HEAD, FundsReport, PROGRAM_SHORT_ZH)


def program_table(rep: FundsReport) -> list[list]:
    """Rows of section 1 (label, class, households, persons, then fen amounts); the last is
    the grand total (amounts only)."""
    out = []
    for row in rep.by_program:
        t = row.tally
        cls = CLASS_ZH[row.residence_class] if row.residence_class else "小计"
        out.append([PROGRAM_SHORT_ZH[row.program], cls, t.households, t.persons, t.base_fen,
                    t.adjust_fen, t.amount_fen, t.failed_fen, t.paid_fen])
    t = rep.total
    out.append(["合计", "", None, None, t.base_fen, t.adjust_fen, t.amount_fen, t.failed_fen,
                t.paid_fen])
    return out


LEVEL_HEAD = ("城乡类别", "人次（人·月）", "当期应发(元)", "实际月人均(元)", "要求补助水平(元)",
              "结果")


def level_table(rep: FundsReport) -> list[list]:
    out = []
    for lv in rep.levels:
        verdict = ("无补助水平标准" if lv.required_fen is None else
                   "低于要求" if lv.below else "达到要求")
        if lv.required_fen is not None and lv.person_months_without_standard:
            verdict += f"（{lv.person_months_without_standard} 人次无标准，未计入要求）"
        out.append([CLASS_ZH[lv.residence_class], lv.person_months, lv.base_fen, lv.average_fen,
                    lv.required_fen, verdict])
    return out


def place_head(rep: FundsReport) -> tuple[list[str], list[str]]:
    """Two header rows of section 3: groups (programs), then their columns."""
    top = ["乡镇（街道）", "村（社区）"]
    sub = ["", ""]
    for p in rep.programs:
        top += [PROGRAM_SHORT_ZH[p], "", ""]
        sub += ["户数", "人数" if rep.month else "人次", "实发(元)"]
    top.append("实发合计(元)")
    sub.append("")
    return top, sub


def place_table(rep: FundsReport) -> list[list]:
    out = []
    for pl in rep.places:
        row = [f"{pl.township_name}（小计）" if pl.is_township else "",
               "" if pl.is_township else pl.village_name]
        for p in rep.programs:
            t = pl.by_program.get(p)
            row += [t.households, t.persons, t.paid_fen] if t else [None, None, None]
        row.append(pl.total.paid_fen)
        out.append(row)
    return out


NOTES = (
    "统计口径：仅统计已审批的花名册。实发金额 = 花名册金额 − 银行退回失败金额；退回的款项在"
    "重发的当月计入（列入该月“补发/扣减/重发”），每笔资金只统计一次。",
    "户数、人数只计当期享受待遇的对象；仅补发或重发上期款项的明细只计金额。年度统计的人数为"
    "各月人数之和（人次），户数为年内发放过的不同户数。各项目分别计数，合计行只汇总金额。",
    "低保补助水平 = 当期应发金额（不含补发、扣减、重发）÷ 人次，与各县（区）各月的补助水平标准"
    "（按人次加权）比较。",
)


def _money(fen: int | None) -> str:
    return "" if fen is None else yuan(fen)


def _count(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


# --- PDF ----------------------------------------------------------------------------------


def write_funds_pdf(rep: FundsReport, path: str | os.PathLike[str]) -> Path:
    """The report as a landscape A4 PDF with the embedded CJK font; written beside ``path``
    and renamed into place."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, KeepTogether, LongTable, Paragraph

    from .layout import HEADER_BG, build_pdf, grid_table, styles
    from .layout import para as _para

    st = styles()
    left, center, right, bad = st.left, st.center, st.right, st.bad
    title, sub, h2, note = st.title, st.sub, st.h2, st.note

    def para(value, style=left) -> Paragraph:
        return _para(value, style)

    def table(head_rows, rows, cols_mm, cell_styles, extra=()) -> LongTable:
        return grid_table(st, head_rows, rows, cols_mm, cell_styles, extra)

    months = "、".join(f"{m.month}月" for m in rep.months) or "无"
    story = [para(rep.title, title),
             para(f"统计区划：{rep.area_name}（{rep.area_code}）；统计期间：{rep.period_zh()}；"
                  f"已审批花名册 {len(rep.roster_ids)} 份（发放月份：{months}）", sub)]

    # 1. By program and class.
    rows = []
    extra = []
    for i, r in enumerate(program_table(rep), start=1):
        rows.append([r[0], r[1], _count(r[2]), _count(r[3])] + [_money(v) for v in r[4:]])
        if r[1] in ("小计", ""):
            extra.append(("BACKGROUND", (0, i), (-1, i), HEADER_BG))
    head = list(FUNDS_HEAD)
    head[3] = rep.persons_label
    story.append(KeepTogether([
        para("一、按救助项目和城乡类别", h2),
        table([head], rows, [36, 18, 20, 24, 30, 30, 30, 28, 30],
              [left, center] + [right] * 7, extra)]))

    # 2. Subsidy level.
    rows = []
    for r in level_table(rep):
        below = r[-1].startswith("低于")
        rows.append([r[0], _count(r[1]), _money(r[2]), _money(r[3]), _money(r[4]),
                     para(r[5], bad if below else center)])
    if not rows:
        rows.append(["本期间没有已审批的低保花名册", "", "", "", "", ""])
    story.append(KeepTogether([
        para("二、低保补助水平（实际月人均与要求的补助水平）", h2),
        table([list(LEVEL_HEAD)], rows, [30, 30, 36, 32, 36, 80],
              [center, right, right, right, right, center])]))

    # 3. By township and village.
    story.append(CondPageBreak(35 * mm))
    story.append(para("三、按乡镇（街道）和村（社区）", h2))
    top, second = place_head(rep)
    n_prog = len(rep.programs)
    spans = [("SPAN", (2 + 3 * i, 0), (4 + 3 * i, 0)) for i in range(n_prog)]
    spans += [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)),
              ("SPAN", (len(top) - 1, 0), (len(top) - 1, 1))]
    rows = []
    for i, (pl, r) in enumerate(zip(rep.places, place_table(rep)), start=2):
        cells = [r[0], r[1]]
        for j in range(n_prog):
            hh, persons, paid = r[2 + 3 * j: 5 + 3 * j]
            cells += [_count(hh), _count(persons), _money(paid)]
        cells.append(_money(r[-1]))
        rows.append(cells)
        if pl.is_township:
            spans.append(("BACKGROUND", (0, i), (-1, i), HEADER_BG))
    if not rows:
        rows.append(["本期间没有发放记录"] + [""] * (len(top) - 1))
    cols = [34, 34] + [14, 16, 26] * n_prog + [28]
    story.append(table([top, second], rows, cols,
                       [left, left] + [right] * (3 * n_prog + 1), spans))
    for n in NOTES:
        story.append(para(n, note))

    footer = (f"{rep.title} · 生成于 {rep.generated_at:%Y-%m-%d %H:%M}")
    return build_pdf(path, story, rep.title, rep.period_zh(), footer)


# --- Excel --------------------------------------------------------------------------------


def write_funds_xlsx(rep: FundsReport, path: str | os.PathLike[str]) -> Path:
    """The report as a workbook: 汇总 (by program and class, subsidy level) and 分地区 (by
    township and village). Amounts are numbers in yuan with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..files import replaced_on_success

    head_fill = PatternFill("solid", fgColor="DCE6F1")
    bold = Font(bold=True)
    red = Font(color="B00020", bold=True)
    path = Path(path)

    def put(ws, row: int, values: list, money_cols: set[int], strong: bool = False) -> None:
        for c, v in enumerate(values, start=1):
            if c in money_cols and v is not None:
                v = Decimal(v).scaleb(-2)
            cell = ws.cell(row, c, v)
            if c in money_cols:
                cell.number_format = "#,##0.00"
            if strong:
                cell.font = bold

    def header(ws, row: int, values: list) -> None:
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row, c, v)
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws["A1"] = rep.title
    ws["A1"].font = Font(bold=True, size=14)
    months = "、".join(f"{m.month}月" for m in rep.months) or "无"
    ws["A2"] = (f"统计区划：{rep.area_name}（{rep.area_code}）；统计期间：{rep.period_zh()}；"
                f"已审批花名册 {len(rep.roster_ids)} 份（发放月份：{months}）")
    ws["A4"] = "一、按救助项目和城乡类别"
    ws["A4"].font = bold
    head = list(FUNDS_HEAD)
    head[3] = rep.persons_label
    header(ws, 5, head)
    row = 6
    for r in program_table(rep):
        put(ws, row, r, {5, 6, 7, 8, 9}, strong=r[1] in ("小计", ""))
        row += 1
    row += 1
    ws.cell(row, 1, "二、低保补助水平（实际月人均与要求的补助水平）").font = bold
    header(ws, row + 1, list(LEVEL_HEAD))
    row += 2
    for r in level_table(rep):
        put(ws, row, r, {3, 4, 5})
        if r[-1].startswith("低于"):
            ws.cell(row, 6).font = red
        row += 1
    row += 1
    for n in NOTES:
        ws.cell(row, 1, n)
        row += 1
    for c, w in enumerate((18, 10, 10, 14, 16, 18, 16, 14, 16), start=1):
        ws.column_dimensions[get_column_letter(c)].width = w

    ws = wb.create_sheet("分地区")
    top, second = place_head(rep)
    header(ws, 1, top)
    header(ws, 2, second)
    for i in range(len(rep.programs)):
        ws.merge_cells(start_row=1, start_column=3 + 3 * i, end_row=1, end_column=5 + 3 * i)
    money = {5 + 3 * i for i in range(len(rep.programs))} | {len(top)}
    for i, (pl, r) in enumerate(zip(rep.places, place_table(rep)), start=3):
        put(ws, i, r, money, strong=pl.is_township)
    for c in range(1, len(top) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16 if c <= 2 else 12
    ws.freeze_panes = "C3"

    with replaced_on_success(path) as tmp:
        wb.save(tmp)
    return path
