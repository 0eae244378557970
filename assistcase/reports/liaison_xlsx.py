"""The liaison compliance report as an Excel workbook, sheet by sheet in the PDF's order:
未达标领导, 汇总, 逾期与即将到期, 明细, 机构季度成效, 领导联系成效, 未完成整改. Rates are written
as the same text the screen and the PDF show (half up, one decimal)."""

from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..rules import liaison as P
from ..files import replaced_on_success
from ..progress import CancelToken, ProgressFn
from ..services.liaison import ComplianceReport
from .liaison_pdf import (RATE_NOTE, TITLE, deadline_text, leader_missed_text, missed_labels,
                          period_text, summary_rows)

HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
BOLD = Font(bold=True)
RED = Font(color="B00020")


def _table(ws, head: list[str], rows: list[list], widths: list[int], start_row: int = 1) -> int:
    for c, h in enumerate(head, start=1):
        cell = ws.cell(start_row, c, h)
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, start=start_row + 1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    return start_row + len(rows)


def write_compliance_xlsx(rep: ComplianceReport, path: str | os.PathLike[str],
                          progress: ProgressFn | None = None,
                          cancel: CancelToken | None = None) -> Path:
    path = Path(path)
    wb = Workbook()

    def step(fraction: float, message: str) -> None:
        if cancel is not None:
            cancel.check()
        if progress is not None:
            progress(fraction, message)

    step(0.05, "leaders not met 未达标领导")
    ws = wb.active
    ws.title = "未达标领导"
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = period_text(rep)
    ws["A3"] = f"未达标领导 {len(rep.shortfalls)} 人，参加考核 {rep.leaders_total.judged} 人"
    rows = [[ld.leader_name, ld.area_name, ld.rule_name_zh, "、".join(ld.institutions),
             ld.tally.missed, ld.tally.judged, leader_missed_text(ld), ld.last_contact]
            for ld in rep.shortfalls]
    _table(ws, ["领导", "所属单位", "职务", "联系机构", "未达标期次", "应考核期次", "未达标期间",
                "最近联系日期"], rows, [10, 10, 24, 30, 10, 10, 60, 12], start_row=5)
    for i in range(6, len(rows) + 6):
        ws.cell(i, 8).number_format = "yyyy-mm-dd"
        ws.cell(i, 7).font = RED
    ws.freeze_panes = "A6"

    step(0.2, "summary 汇总")
    ws = wb.create_sheet("汇总")
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = period_text(rep)
    ws["A3"] = RATE_NOTE
    rows = [[label, t.met, t.judged, t.missed, t.due, t.rate_text, lt.judged, lt.compliant,
             lt.rate_text] for label, t, lt in summary_rows(rep)]
    last = _table(ws, ["类别", "达标期次", "已考核期次", "未达标期次", "待联系期次",
                       "完成率（按期次）", "参加考核领导", "全部达标领导", "全部达标占比"],
                  rows, [34, 12, 12, 12, 12, 16, 14, 14, 14], start_row=5)
    for r in range(6, last + 1):
        for c in (6, 9):
            ws.cell(r, c).alignment = Alignment(horizontal="right")
    for c in range(1, 10):
        ws.cell(last, c).font = BOLD
    ws.freeze_panes = "A6"

    step(0.35, "overdue and due soon 逾期与即将到期")
    ws = wb.create_sheet("逾期与即将到期")
    rows = [[ld.leader_name, ld.rule_name_zh, len(ld.overdue), deadline_text(ld.overdue),
             deadline_text(ld.due_soon, True)] for ld in rep.with_deadlines]
    _table(ws, ["领导", "职务", "逾期期次", "逾期期间", "即将到期（30天内）"], rows,
           [10, 24, 10, 60, 60])
    ws.freeze_panes = "A2"

    step(0.5, "details 明细")
    ws = wb.create_sheet("明细")
    rows = []
    for r in rep.rows:
        rows.append([r.leader_name, r.area_name, r.rule_name_zh, r.institution_name,
                     "每" + P.PERIOD_ZH[r.period_kind], r.required, r.done, r.credited,
                     r.tally.met, r.tally.missed, r.tally.due, missed_labels(r),
                     P.STATUS_ZH[r.status]])
    _table(ws, ["领导", "所属单位", "职务", "联系机构", "频次", "应联系次数", "实际联系次数",
                "计入次数", "达标期次", "未达标期次", "待联系期次", "未达标期间", "状态"],
           rows, [10, 10, 24, 22, 8, 10, 12, 9, 9, 10, 10, 40, 8])
    for i, r in enumerate(rep.rows, start=2):
        if r.status == P.MISSED:
            ws.cell(i, 13).font = RED
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions

    step(0.65, "institutions by quarter 机构季度成效")
    ws = wb.create_sheet("机构季度成效")
    rows = [[x.institution_name, x.quarter.label("zh"), x.long_stay_start, x.long_stay_new,
             x.returned_home, x.long_stay_end, x.long_stay_change, x.outside_placements]
            for x in rep.results]
    _table(ws, ["机构", "季度", "期初长期滞留人员", "新增长期滞留人员", "寻亲返乡",
                "期末长期滞留人员", "增减", "外部托养"], rows, [26, 14, 14, 14, 10, 14, 8, 10])
    ws.freeze_panes = "A2"
    ws = wb.create_sheet("领导联系成效")
    rows = [[x.leader_name, x.institution_name, x.first_contact,
             f"{x.since.label('zh')}—{x.latest.label('zh')}", x.long_stay_before,
             x.long_stay_now, x.long_stay_change, x.long_stay_new, x.returned_home,
             x.outside_placements] for x in rep.leader_results]
    _table(ws, ["领导", "联系机构", "首次联系", "季度范围", "期初长期滞留人员",
                "最近期末长期滞留人员", "增减", "新增长期滞留人员", "寻亲返乡", "外部托养"], rows,
           [10, 24, 12, 28, 14, 16, 8, 14, 10, 10])
    for i in range(2, len(rows) + 2):
        ws.cell(i, 3).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"

    step(0.8, "open rectifications 未完成整改")
    ws = wb.create_sheet("未完成整改")
    rows = [[o.visited_on, o.leader_name, o.institution_name, o.problems, o.action, o.due_on,
             "是" if o.overdue else "否"] for o in rep.open_rectifications]
    _table(ws, ["联系日期", "领导", "机构", "发现问题", "整改措施", "整改期限", "逾期"], rows,
           [12, 10, 22, 36, 36, 12, 6])
    for i in range(2, len(rows) + 2):
        ws.cell(i, 1).number_format = ws.cell(i, 6).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"

    step(0.9, "saving 保存")
    with replaced_on_success(path) as tmp:
        wb.save(tmp)
    if progress is not None:
        progress(1.0, "done 完成")
    return path
