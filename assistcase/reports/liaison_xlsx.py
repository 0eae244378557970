"""The liaison compliance report as an Excel workbook: summary, detail, open rectifications."""

from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import liaison as P
from ..files import replaced_on_success
from ..services.liaison import ComplianceReport
from .liaison_pdf import TITLE, missed_labels, period_text, summary_rows

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


def write_compliance_xlsx(rep: ComplianceReport, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    wb = Workbook()

    ws = wb.active
    ws.title = "汇总"
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = period_text(rep)
    ws["A3"] = "完成率 = 达标期次 ÷ (达标 + 未达标)；未到期的期次计为待联系，不计入完成率；" \
               "期中开始或结束的联系安排按覆盖天数折算应联系次数（四舍五入）。"
    rows = [[label, t.met, t.judged, t.missed, t.due, t.rate]
            for label, t in summary_rows(rep)]
    last = _table(ws, ["类别", "达标期次", "已考核期次", "未达标期次", "待联系期次", "完成率"],
                  rows, [34, 12, 12, 12, 12, 12], start_row=5)
    for r in range(6, last + 1):
        ws.cell(r, 6).number_format = "0.0%"
    for c in range(1, 7):
        ws.cell(last, c).font = BOLD
    ws.freeze_panes = "A6"

    ws = wb.create_sheet("明细")
    rows = []
    for r in rep.rows:
        rows.append([r.leader_name, r.area_name, r.rule_name_zh, r.institution_name,
                     "每" + P.PERIOD_ZH[r.period_kind], r.required, r.done, r.tally.met,
                     r.tally.missed, r.tally.due, missed_labels(r), P.STATUS_ZH[r.status]])
    _table(ws, ["领导", "所属单位", "职务", "联系机构", "频次", "应联系次数", "实际联系次数",
                "达标期次", "未达标期次", "待联系期次", "未达标期间", "状态"],
           rows, [10, 10, 24, 22, 8, 10, 12, 9, 10, 10, 40, 8])
    for i, r in enumerate(rep.rows, start=2):
        if r.status == P.MISSED:
            ws.cell(i, 12).font = RED
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions

    ws = wb.create_sheet("未完成整改")
    rows = [[o.visited_on, o.leader_name, o.institution_name, o.problems, o.action, o.due_on,
             "是" if o.overdue else "否"] for o in rep.open_rectifications]
    _table(ws, ["联系日期", "领导", "机构", "发现问题", "整改措施", "整改期限", "逾期"], rows,
           [12, 10, 22, 36, 36, 12, 6])
    for i in range(2, len(rows) + 2):
        ws.cell(i, 1).number_format = ws.cell(i, 6).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"

    with replaced_on_success(path) as tmp:
        wb.save(tmp)
    return path
