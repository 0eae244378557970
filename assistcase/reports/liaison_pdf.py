"""The liaison compliance report as a PDF: landscape A4, Chinese, "第 X 页 / 共 Y 页".

It opens with the leaders who fell short (who, which periods, last contact); then the rates
by level and role, weighted by duties and as the share of leaders fully compliant; overdue and
due-soon contacts per leader; the detail per leader and institution; the institutions'
quarterly results and the change since each leader's contacts began; open rectifications.
The words are the screen's: 达标 / 未达标 / 待联系 / 完成率.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, LongTable, Paragraph

from ..rules import liaison as P
from ..progress import CancelToken, ProgressFn
from ..services.liaison import ORG_LEVEL_ZH, ComplianceReport, LeaderSummary
from .layout import HEADER_BG, MISSED_FG, build_pdf, grid_table, styles
from .layout import para as _para

TITLE = "领导定点联系救助管理机构情况统计"
RATE_NOTE = ("完成率 = 达标期次 ÷ (达标 + 未达标)；尚未到期的期次计为“待联系”，不计入完成率。"
             "全部达标占比 = 本期无未达标期次的领导 ÷ 参加考核的领导。同一领导同一天联系同一机构只计"
             "一次；每期计入次数以应联系次数为限。联系安排在期中开始或结束、或联系规则在期中调整的，"
             "按覆盖天数折算应联系次数（四舍五入），覆盖不足半期的不作要求；各期按当时有效的规则考核。")


def period_text(rep: ComplianceReport) -> str:
    level = ORG_LEVEL_ZH.get(rep.level or "", "全部级别")
    as_of = f"；截至 {rep.as_of:%Y-%m-%d}" if rep.as_of else ""
    return (f"统计期间：{rep.period.label('zh')}（{rep.period.start:%Y-%m-%d} 至 "
            f"{rep.period.end:%Y-%m-%d}）；领导级别：{level}{as_of}")


def summary_rows(rep: ComplianceReport) -> list[tuple[str, P.Tally, P.LeaderTally]]:
    """(label, duty tally, leader tally) for each level, each role, and the total — shared
    with the Excel writer."""
    out = [(ORG_LEVEL_ZH[k], rep.by_level[k], rep.leaders_by_level.get(k, P.LeaderTally()))
           for k in ("province", "city", "county") if k in rep.by_level]
    order = list(rep.role_names)
    out += [(f"{ORG_LEVEL_ZH[rep.role_levels[code]]}·{rep.role_names[code][0]}", t,
             rep.leaders_by_role.get(code, P.LeaderTally()))
            for code, t in sorted(rep.by_role.items(), key=lambda kv: order.index(kv[0]))]
    out.append(("合计", rep.total, rep.leaders_total))
    return out


def missed_labels(row) -> str:
    return "、".join(d.period.label("zh") for d, st in row.duties if st == P.MISSED)


def leader_missed_text(ld: LeaderSummary) -> str:
    """Missed periods, grouped by institution when the leader links more than one."""
    by_inst: dict[str, list[str]] = {}
    for inst, period in ld.missed:
        by_inst.setdefault(inst, []).append(period.label("zh"))
    if len(by_inst) == 1:
        return "、".join(next(iter(by_inst.values())))
    return "；".join(f"{inst}：{'、'.join(ps)}" for inst, ps in by_inst.items())


def deadline_text(items: list[tuple[str, P.Duty]], with_end: bool = False) -> str:
    parts = []
    for inst, d in items:
        text = f"{inst} {d.period.label('zh')}"
        if with_end:
            text += f"（{d.period.end:%m-%d}前，已联系{d.done}/{d.required}）"
        parts.append(text)
    return "；".join(parts)


def signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def write_compliance_pdf(rep: ComplianceReport, path: str | os.PathLike[str],
                         generated_at: dt.datetime | None = None,
                         progress: ProgressFn | None = None,
                         cancel: CancelToken | None = None) -> Path:
    generated_at = generated_at or dt.datetime.now()
    st = styles()
    left, center, right, bad, bad_right = st.left, st.center, st.right, st.bad, st.bad_right
    title, sub, h2, note = st.title, st.sub, st.h2, st.note
    bad_left = ParagraphStyle("bad_left", parent=left, textColor=MISSED_FG)

    def para(text, style=left) -> Paragraph:
        return _para(text, style)

    def table(head, rows, cols_mm, cell_styles, extra=()) -> LongTable:
        return grid_table(st, [head], rows, cols_mm, cell_styles, extra, zebra=True)

    def step(fraction: float, message: str) -> None:
        if cancel is not None:
            cancel.check()
        if progress is not None:
            progress(fraction, message)

    story = [para(TITLE, title), para(period_text(rep), sub)]

    # 1. The leaders who fell short.
    step(0.05, "leaders not met 未达标领导")
    short = rep.shortfalls
    story.append(para(f"一、未达标领导（{len(short)} 人，参加考核 {rep.leaders_total.judged} 人）",
                      h2))
    rows = [[ld.leader_name, ld.area_name, ld.rule_name_zh, "、".join(ld.institutions),
             para(ld.tally.missed, bad_right), f"{ld.tally.judged}",
             para(leader_missed_text(ld), bad_left),
             f"{ld.last_contact:%Y-%m-%d}" if ld.last_contact else "无"] for ld in short]
    if not rows:
        rows.append(["本期间所有参加考核的领导均已达标"] + [""] * 7)
    story.append(table(["领导", "所属单位", "职务", "联系机构", "未达标\n期次", "应考核\n期次",
                        "未达标期间", "最近联系\n日期"], rows,
                       [18, 20, 40, 46, 15, 15, 93, 22],
                       [left, left, left, left, right, right, left, center]))

    # 2. Rates by level and by role, by duties and by leaders.
    step(0.2, "completion rates 完成率")
    summary = summary_rows(rep)
    n_levels = len(rep.by_level)
    rows = [[label, t.judged + t.due, t.met, t.missed, t.due, t.rate_text, lt.judged,
             lt.compliant, lt.rate_text] for label, t, lt in summary]
    last = len(rows)
    extra = [("LINEBELOW", (0, n_levels), (-1, n_levels), 1.0, colors.HexColor("#333333")),
             ("BACKGROUND", (0, last), (-1, last), HEADER_BG)]
    story.append(CondPageBreak(45 * mm))
    story.append(KeepTogether([
        para("二、完成率（按级别、按职务）", h2),
        table(["类别", "应考核期次", "达标", "未达标", "待联系", "完成率\n（按期次）",
               "参加考核\n领导", "全部达标\n领导", "全部达标\n占比"], rows,
              [74, 22, 18, 18, 18, 24, 22, 22, 22],
              [left] + [right] * 8, extra)]))
    story.append(para(RATE_NOTE, note))

    # 3. Overdue and due-soon contacts per leader.
    step(0.35, "overdue and due soon 逾期与即将到期")
    day = rep.as_of or rep.period.end
    due = rep.with_deadlines
    story.append(CondPageBreak(35 * mm))
    story.append(para(f"三、逾期与即将到期的联系（截至 {day:%Y-%m-%d}，逾期为此前一年内未达标的期次，"
                      f"即将到期为30天内到期尚未达标的期次；{len(due)} 人）", h2))
    rows = [[ld.leader_name, ld.rule_name_zh, para(len(ld.overdue), bad_right
                                                   if ld.overdue else right),
             para(deadline_text(ld.overdue), bad_left), deadline_text(ld.due_soon, True)]
            for ld in due] or [["无"] + [""] * 4]
    story.append(table(["领导", "职务", "逾期\n期次", "逾期期间", "即将到期"], rows,
                       [20, 40, 15, 97, 97], [left, left, right, left, left]))

    # 4. Per leader and institution.
    step(0.5, "details 明细")
    story.append(CondPageBreak(35 * mm))
    story.append(para(f"四、领导联系情况明细（{len(rep.rows)} 项）", h2))
    rows = []
    for r in rep.rows:
        missed = r.status == P.MISSED
        rows.append([r.leader_name, r.area_name, r.rule_name_zh, r.institution_name,
                     "每" + P.PERIOD_ZH[r.period_kind], r.required, r.done, r.credited,
                     r.tally.met, para(r.tally.missed, bad_right if missed else right),
                     missed_labels(r), para(P.STATUS_ZH[r.status], bad if missed else center)])
    if not rows:
        rows.append(["本期间没有需考核的联系任务"] + [""] * 11)
    story.append(table(
        ["领导", "所属单位", "职务", "联系机构", "频次", "应联系\n次数", "实际联系\n次数",
         "计入\n次数", "达标\n期次", "未达标\n期次", "未达标期间", "状态"], rows,
        [18, 20, 38, 40, 14, 14, 16, 12, 13, 14, 55, 15],
        [left, left, left, left, center, right, right, right, right, right, left, center]))

    # 5. Results: per institution and quarter, and per leader since the contacts began.
    step(0.65, "institutions 机构成效")
    story.append(CondPageBreak(35 * mm))
    story.append(para(f"五、机构季度成效（{len(rep.results)} 项）", h2))
    rows = [[x.institution_name, x.quarter.label("zh"), x.long_stay_start, x.long_stay_new,
             x.returned_home, x.long_stay_end, signed(x.long_stay_change), x.outside_placements]
            for x in rep.results] or [["本期间没有报送的机构季度成效"] + [""] * 7]
    story.append(table(["机构", "季度", "期初长期\n滞留人员", "新增长期\n滞留人员",
                        "寻亲返乡", "期末长期\n滞留人员", "增减", "外部托养"], rows,
                       [60, 32, 28, 28, 24, 28, 20, 24],
                       [left, left, right, right, right, right, right, right]))
    story.append(CondPageBreak(35 * mm))
    story.append(para(f"六、领导联系机构成效变化（自首次联系所在季度起，{len(rep.leader_results)} 项）",
                      h2))
    rows = [[x.leader_name, x.institution_name, f"{x.first_contact:%Y-%m-%d}",
             f"{x.since.label('zh')}—{x.latest.label('zh')}", x.long_stay_before,
             x.long_stay_now, signed(x.long_stay_change), x.long_stay_new, x.returned_home,
             x.outside_placements] for x in rep.leader_results] or [["无"] + [""] * 9]
    story.append(table(["领导", "联系机构", "首次联系", "季度范围", "期初长期\n滞留人员",
                        "最近期末长期\n滞留人员", "增减", "新增长期\n滞留人员", "寻亲返乡",
                        "外部托养"], rows,
                       [20, 46, 22, 50, 22, 26, 16, 22, 20, 20],
                       [left, left, center, left, right, right, right, right, right, right]))

    # 7. Open rectifications.
    step(0.8, "open rectifications 未完成整改")
    story.append(CondPageBreak(35 * mm))
    story.append(para(f"七、未完成整改（{len(rep.open_rectifications)} 项）", h2))
    rows = [[f"{o.visited_on:%Y-%m-%d}", o.leader_name, o.institution_name, o.problems,
             o.action, f"{o.due_on:%Y-%m-%d}", para("是" if o.overdue else "否",
                                                    bad if o.overdue else center)]
            for o in rep.open_rectifications] or [["无"] + [""] * 6]
    story.append(table(["联系日期", "领导", "机构", "发现问题", "整改措施", "整改期限", "逾期"],
                       rows, [22, 18, 42, 70, 70, 22, 12],
                       [center, left, left, left, left, center, center]))

    step(0.85, "layout 排版")
    footer = f"{TITLE} · {rep.period.label('zh')} · 生成于 {generated_at:%Y-%m-%d %H:%M}"
    out = build_pdf(path, story, TITLE, rep.period.label("zh"), footer)
    if progress is not None:
        progress(1.0, "done 完成")
    return out


def export_compliance(db, path: str | os.PathLike[str], period: P.Period,
                      level: str | None = None, as_of: dt.date | None = None, *,
                      progress: ProgressFn | None = None,
                      cancel: CancelToken | None = None) -> Path:
    """Compute the report in its own session and write it as PDF (or Excel for a ``.xlsx``
    path), reporting progress; cancelling leaves no file. For a background worker."""
    from ..services.liaison import compliance_report

    if progress is not None:
        progress(0.02, "statistics 统计")
    with db.read() as s:
        rep = compliance_report(s, period, level, as_of)
    if cancel is not None:
        cancel.check()

    def scaled(fraction: float, message: str) -> None:
        if progress is not None:
            progress(0.3 + 0.7 * fraction, message)

    if str(path).lower().endswith(".xlsx"):
        from .liaison_xlsx import write_compliance_xlsx

        return write_compliance_xlsx(rep, path, progress=scaled, cancel=cancel)
    return write_compliance_pdf(rep, path, progress=scaled, cancel=cancel)
