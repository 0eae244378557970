"""The bundled CJK font for PDFs (``resources/fonts/DroidSansFallbackFull.ttf``).

ReportLab's built-in fonts have no Chinese glyphs; registering the TrueType font makes every
PDF embed (a subset of) it, so the file prints the same on any machine. Register once, then
use :data:`CJK_FONT` as the font name in styles and table commands.

ReportLab reads the font's metrics (28,602 characters' glyphs and widths) in Python each time
a process registers it: 60-100 ms, a sixth of a 10,000-line roster's PDF made from the
command line. What it reads is kept in the user's cache directory (:func:`_face_cache`) and
loaded from there in about 25 ms; a cache that is missing, stale (another font file or
ReportLab) or unreadable is made again from the font.
"""

from __future__ import annotations

import logging
import os
import pickle
import secrets
import sys
from fnmatch import fnmatch
from pathlib import Path
from weakref import WeakKeyDictionary

import reportlab
from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace

from ..config import RESOURCES_DIR, cache_dir
from ..gcpause import cyclic_gc_paused

log = logging.getLogger(__name__)

CJK_FONT = "DroidSansFallback"
CJK_FONT_PATH = RESOURCES_DIR / "fonts" / "DroidSansFallbackFull.ttf"
# the parsed face's attributes that are not kept: the file's bytes (read again) and a lambda
_NOT_KEPT = ("_ttf_data", "_pdfScale")


def _face_cache(font: Path) -> Path:
    """The cache file of ``font``'s parsed face: named by the font's size and time and the
    versions of ReportLab and Python that read it."""
    st = font.stat()
    return (cache_dir() / "fonts" / f"{font.stem}-{st.st_size}-{st.st_mtime_ns}"
            f"-rl{reportlab.Version}-py{sys.version_info[0]}{sys.version_info[1]}.pickle")


class _FaceUnpickler(pickle.Unpickler):
    """The cache holds plain data and ReportLab's name strings: nothing else is loaded."""

    def find_class(self, module: str, name: str):  # noqa: ANN201
        if (module, name) == ("reportlab.pdfbase.ttfonts", "TTFNameBytes"):
            return ttfonts.TTFNameBytes
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a font cache")


def _scale(units_per_em: int):  # noqa: ANN202
    """Glyph units to 1/1000 em, as ReportLab's parser sets ``face._pdfScale``."""
    if units_per_em == 1000:
        return lambda x: x
    factor = 1000 / units_per_em
    return lambda x: x * factor


def _cached_face(path: Path) -> TTFontFace | None:
    """The face kept for ``path``, or None (no cache, or one that cannot be used)."""
    try:
        cache = _face_cache(path)
        with open(cache, "rb") as f, cyclic_gc_paused():   # 100,000 entries, no cycles
            kept = _FaceUnpickler(f).load()
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 (a damaged cache is made again)
        log.warning("font cache for %s unreadable (%s); the font is read again", path.name, e)
        return None
    if not isinstance(kept, dict) or kept.get("filename") != str(path):
        return None
    face = TTFontFace.__new__(TTFontFace)
    face.__dict__.update(kept)
    face._ttf_data = data
    face._pdfScale = _scale(face.unitsPerEm)
    return face


def _save_face(path: Path, face: TTFontFace) -> None:
    kept = {k: v for k, v in vars(face).items() if k not in _NOT_KEPT}
    try:
        cache = _face_cache(path)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{secrets.token_hex(4)}.part")
        try:
            tmp.write_bytes(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, cache)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as e:   # a read-only home: the font is parsed each time, as before
        log.info("font cache for %s not written: %s", path, e)


def load_ttfont(name: str, path: Path) -> TTFont:
    """ReportLab's ``TTFont(name, path)``, its parsed face taken from the cache when there
    is one (made there when there is not)."""
    face = _cached_face(path)
    if face is None:
        font = TTFont(name, str(path))
        _save_face(path, font.face)
        return font
    # what TTFont.__init__ does besides parsing the file (tests/core/test_fonts.py checks
    # that the two fonts have the same attributes and draw the same PDF)
    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, g) for g in rl_config.unShapedFontGlob)
    return font


def register_cjk_font() -> str:
    """Register the font with ReportLab (idempotent) and return its name. The font has no
    bold or italic face; the mapping sends <b>/<i> in paragraphs to the same face."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(load_ttfont(CJK_FONT, CJK_FONT_PATH))
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
