"""The bundled CJK font for PDFs (``resources/fonts/DroidSansFallbackFull.ttf``).

ReportLab's built-in fonts have no Chinese glyphs; registering the TrueType font makes every
PDF embed (a subset of) it, so the file prints the same on any machine. Register once, then
use :data:`CJK_FONT` as the font name in styles and table commands.
"""

from __future__ import annotations

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..config import RESOURCES_DIR

CJK_FONT = "DroidSansFallback"
CJK_FONT_PATH = RESOURCES_DIR / "fonts" / "DroidSansFallbackFull.ttf"


def register_cjk_font() -> str:
    """Register the font with ReportLab (idempotent) and return its name. The font has no
    bold or italic face; the mapping sends <b>/<i> in paragraphs to the same face."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(CJK_FONT_PATH)))
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(CJK_FONT, bold, italic, CJK_FONT)
    return CJK_FONT


# DroidSansFallback carries CJK (and CJK punctuation) but no Latin letters or digits; text
# is drawn in runs: the CJK font where it has the glyph, Helvetica (one of the PDF base-14
# fonts every viewer has) for the rest.
LATIN_FONT = "Helvetica"


def _cjk_glyphs() -> dict[int, int]:
    return pdfmetrics.getFont(register_cjk_font()).face.charToGlyph


def font_runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (font name, run) pieces."""
    glyphs = _cjk_glyphs()
    runs: list[tuple[str, str]] = []
    for ch in text:
        font = CJK_FONT if (ord(ch) in glyphs and ch != " ") else LATIN_FONT
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markup(text: object) -> str:
    """Paragraph markup for ``text`` with each run in a font that has its glyphs."""
    out = []
    for font, run in font_runs(str(text)):
        body = _escape(run).replace("\n", "<br/>")
        out.append(body if font == CJK_FONT else f'<font name="{font}">{body}</font>')
    return "".join(out)


def string_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in font_runs(text))


def draw_string(canvas, x: float, y: float, text: str, size: float,
                align: str = "left") -> None:
    """Draw ``text`` on a ReportLab canvas with mixed fonts; ``align`` left, right or center."""
    width = string_width(text, size)
    if align == "right":
        x -= width
    elif align == "center":
        x -= width / 2
    for font, run in font_runs(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)
