"""The house style of the tabular PDF reports (liaison compliance, funds): landscape A4, the
CJK font, paragraph styles, grid tables with repeated headers, "第 X 页 / 共 Y 页" footers.

The payment roster and the public notice draw straight onto the canvas instead
(:mod:`.roster_pdf`): they run to thousands of pages."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

from ..files import replaced_on_success
from .fonts import draw_string, markup, register_cjk_font

PAGE = landscape(A4)
MARGIN = 14 * mm
HEADER_BG = colors.HexColor("#DCE6F1")
ZEBRA = colors.HexColor("#F5F7FA")
MISSED_FG = colors.HexColor("#B00020")
GRID = colors.HexColor("#9AA5B1")
WIDTH = PAGE[0] - 2 * MARGIN


class NumberedCanvas(rl_canvas.Canvas):
    """Defers page output until the page count is known, then stamps "X of Y" on each."""

    def __init__(self, *args, footer_left: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._footer_left = footer_left

    def showPage(self):  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        w, _ = PAGE
        self.saveState()
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        self.line(MARGIN, 10 * mm, w - MARGIN, 10 * mm)
        self.setFillColor(colors.HexColor("#444444"))
        draw_string(self, MARGIN, 6 * mm, self._footer_left, 8)
        draw_string(self, w - MARGIN, 6 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页", 8,
                    align="right")
        self.restoreState()


@dataclass(frozen=True)
class Styles:
    left: ParagraphStyle
    center: ParagraphStyle
    right: ParagraphStyle
    bad: ParagraphStyle
    bad_right: ParagraphStyle
    head: ParagraphStyle
    title: ParagraphStyle
    sub: ParagraphStyle
    h2: ParagraphStyle
    note: ParagraphStyle


def styles() -> Styles:
    """The paragraph styles of the reports, in the embedded CJK font."""
    base = ParagraphStyle("base", fontName=register_cjk_font(), fontSize=8.5, leading=11,
                          wordWrap="CJK")
    center = ParagraphStyle("center", parent=base, alignment=1)
    right = ParagraphStyle("right", parent=base, alignment=2)
    return Styles(
        left=ParagraphStyle("left", parent=base), center=center, right=right,
        bad=ParagraphStyle("bad", parent=center, textColor=MISSED_FG),
        bad_right=ParagraphStyle("bad_right", parent=right, textColor=MISSED_FG),
        head=ParagraphStyle("head", parent=center, leading=10.5),
        title=ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1,
                             spaceAfter=2 * mm),
        sub=ParagraphStyle("sub", parent=base, fontSize=9.5, leading=13, alignment=1,
                           spaceAfter=3 * mm),
        h2=ParagraphStyle("h2", parent=base, fontSize=11.5, leading=16, spaceBefore=4 * mm,
                          spaceAfter=2 * mm),
        note=ParagraphStyle("note", parent=base, fontSize=8, leading=11,
                            textColor=colors.HexColor("#555555"), spaceBefore=1.5 * mm))


def para(value: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of ``value`` with each run in a font that has its glyphs."""
    return Paragraph(markup(value), style)


def grid_table(st: Styles, head_rows: Sequence[Sequence[str]], rows: Iterable[Sequence[Any]],
               cols_mm: Sequence[float], cell_styles: Sequence[ParagraphStyle],
               extra: Iterable[tuple] = (), zebra: bool = False) -> LongTable:
    """A grid table as wide as the page at most, its header rows repeated on every page;
    cells that are not paragraphs yet get their column's style."""
    scale = WIDTH / (sum(cols_mm) * mm) if sum(cols_mm) * mm > WIDTH else 1
    data = [[para(h, st.head) for h in head] for head in head_rows]
    data += [[c if isinstance(c, Paragraph) else para(c, cs) for c, cs in zip(row, cell_styles)]
             for row in rows]
    n_head = len(head_rows)
    t = LongTable(data, colWidths=[c * mm * scale for c in cols_mm], repeatRows=n_head,
                  hAlign="LEFT")
    cmds = [("BACKGROUND", (0, 0), (-1, n_head - 1), HEADER_BG),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    if zebra:
        cmds += [("BACKGROUND", (0, i), (-1, i), ZEBRA) for i in range(n_head + 1, len(data), 2)]
    t.setStyle(TableStyle(cmds + list(extra)))
    return t


def build_pdf(path: str | os.PathLike[str], story: list, title: str, subject: str,
              footer: str) -> Path:
    """Lay ``story`` out on landscape A4 pages with the numbered footer and write it to
    ``path``, all or nothing."""
    path = Path(path)
    with replaced_on_success(path) as tmp:
        doc = SimpleDocTemplate(str(tmp), pagesize=PAGE, leftMargin=MARGIN,
                                rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=16 * mm,
                                title=title, author="AssistCase", subject=subject)
        doc.build(story, canvasmaker=lambda *a, **k: NumberedCanvas(*a, footer_left=footer, **k))
    return path
