"""The liaison compliance report as a PDF: landscape A4, Chinese, "第 X 页 / 共 Y 页"."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, LongTable, Paragraph

from .. import liaison as P
from ..services.liaison import ORG_LEVEL_ZH, ComplianceReport
from .layout import HEADER_BG, build_pdf, grid_table, styles
from .layout import para as _para

TITLE = "领导定点联系救助管理机构情况统计"


def period_text(rep: ComplianceReport) -> str:
    level = ORG_LEVEL_ZH.get(rep.level or "", "全部级别")
    as_of = f"；截至 {rep.as_of:%Y-%m-%d}" if rep.as_of else ""
    return (f"统计期间：{rep.period.label('zh')}（{rep.period.start:%Y-%m-%d} 至 "
            f"{rep.period.end:%Y-%m-%d}）；领导级别：{level}{as_of}")


def summary_rows(rep: ComplianceReport) -> list[tuple[str, P.Tally]]:
    """(label, tally) for each level, each role, and the total — shared with the Excel writer."""
    out = [(ORG_LEVEL_ZH[k], rep.by_level[k]) for k in ("province", "city", "county")
           if k in rep.by_level]
    order = list(rep.role_names)
    out += [(f"{ORG_LEVEL_ZH[rep.role_levels[code]]}·{rep.role_names[code][0]}", t)
            for code, t in sorted(rep.by_role.items(), key=lambda kv: order.index(kv[0]))]
    out.append(("合计", rep.total))
    return out


def missed_labels(row) -> str:
    return "、".join(d.period.label("zh") for d, st in row.duties if st == P.MISSED)


def write_compliance_pdf(rep: ComplianceReport, path: str | os.PathLike[str],
                         generated_at: dt.datetime | None = None) -> Path:
    generated_at = generated_at or dt.datetime.now()
    st = styles()
    left, center, right, bad, bad_right = st.left, st.center, st.right, st.bad, st.bad_right
    title, sub, h2, note = st.title, st.sub, st.h2, st.note

    def para(text, style=left) -> Paragraph:
        return _para(text, style)

    def table(head, rows, cols_mm, cell_styles, extra=()) -> LongTable:
        return grid_table(st, [head], rows, cols_mm, cell_styles, extra, zebra=True)

    story = [para(TITLE, title), para(period_text(rep), sub)]

    # 1. Rates by level and by role.
    summary = summary_rows(rep)
    n_levels = len(rep.by_level)
    rows = [[label, t.judged + t.due, t.met, t.missed, t.due, P.format_rate(t.rate)]
            for label, t in summary]
    last = len(rows)
    extra = [("LINEBELOW", (0, n_levels), (-1, n_levels), 1.0, colors.HexColor("#333333")),
             ("BACKGROUND", (0, last), (-1, last), HEADER_BG)]
    story.append(KeepTogether([
        para("一、完成率（按级别、按职务）", h2),
        table(["类别", "应考核期次", "达标", "未达标", "待联系", "完成率"], rows,
              [78, 26, 22, 22, 22, 24], [left, right, right, right, right, right], extra)]))
    story.append(para("完成率 = 达标期次 ÷ (达标 + 未达标)；尚未到期的期次计为“待联系”，"
                      "不计入完成率。联系安排在期中开始或结束的，按覆盖天数折算应联系次数"
                      "（四舍五入），覆盖不足半期的不作要求。", note))

    # 2. Per leader and institution.
    story.append(CondPageBreak(35 * mm))  # no heading alone at the foot of a page
    story.append(para(f"二、领导联系情况明细（{len(rep.rows)} 项）", h2))
    rows = []
    for r in rep.rows:
        missed = r.status == P.MISSED
        rows.append([r.leader_name, r.area_name, r.rule_name_zh, r.institution_name,
                     "每" + P.PERIOD_ZH[r.period_kind], r.required, r.done, r.tally.met,
                     para(r.tally.missed, bad_right if missed else right), missed_labels(r),
                     para(P.STATUS_ZH[r.status], bad if missed else center)])
    if not rows:
        rows.append(["本期间没有需考核的联系任务"] + [""] * 10)
    story.append(table(
        ["领导", "所属单位", "职务", "联系机构", "频次", "应联系\n次数", "实际联系\n次数",
         "达标\n期次", "未达标\n期次", "未达标期间", "状态"], rows,
        [18, 20, 40, 42, 14, 15, 17, 14, 15, 57, 15],
        [left, left, left, left, center, right, right, right, right, left, center]))

    # 3. Open rectifications.
    story.append(CondPageBreak(35 * mm))
    story.append(para(f"三、未完成整改（{len(rep.open_rectifications)} 项）", h2))
    rows = [[f"{o.visited_on:%Y-%m-%d}", o.leader_name, o.institution_name, o.problems,
             o.action, f"{o.due_on:%Y-%m-%d}", para("是" if o.overdue else "否",
                                                    bad if o.overdue else center)]
            for o in rep.open_rectifications] or [["无"] + [""] * 6]
    story.append(table(["联系日期", "领导", "机构", "发现问题", "整改措施", "整改期限", "逾期"],
                       rows, [22, 18, 42, 70, 70, 22, 12],
                       [center, left, left, left, left, center, center]))

    footer = f"{TITLE} · {rep.period.label('zh')} · 生成于 {generated_at:%Y-%m-%d %H:%M}"
    return build_pdf(path, story, TITLE, rep.period.label("zh"), footer)
