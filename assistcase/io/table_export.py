"""A list as the window shows it, written to Excel: a title, the filter it was shown with,
when and by whom it was exported, then the header and the rows in the order shown.

The window gathers the rows (what the user sees, after filtering and sorting); this writes
them off the GUI thread for long lists. Cells are text as shown: a reader checks the file
against the screen, and amounts keep their two decimals.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from ..files import replaced_on_success
from ..progress import CancelToken

HEADER_LINES = 4  # title, filter, exported at/by, blank line; the column header follows


def write_table_xlsx(path: str | os.PathLike[str], title: str, filter_text: str,
                     exported_by: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
                     lang: str = "zh", progress: Callable[[float, str], None] | None = None,
                     cancel: CancelToken | None = None) -> int:
    """Write the list to ``path`` (replaced only when complete); returns the rows written."""
    zh = lang.startswith("zh")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31] or "list")
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    def cell(value: str, font: Font | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if font is not None:
            c.font = font
        return c

    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    ws.append([cell(title, Font(bold=True, size=14))])
    ws.append([("筛选条件：" if zh else "Filter: ") + (filter_text or ("无" if zh else "none"))])
    ws.append([(f"导出时间：{now}　导出人：{exported_by}　共 {len(rows)} 行" if zh
                 else f"Exported {now} by {exported_by}, {len(rows)} rows")])
    ws.append([])
    ws.append([cell(h, bold) for h in headers])
    step = max(1, len(rows) // 100)
    for i, row in enumerate(rows):
        if cancel is not None and i % step == 0:
            cancel.check()
        if progress is not None and i % step == 0:
            progress(i / max(1, len(rows)), "")
        ws.append(list(row))
    with replaced_on_success(path) as tmp:
        wb.save(tmp)
    return len(rows)
