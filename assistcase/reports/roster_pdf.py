"""The payment roster (发放花名册) and the public notice (公示名单) as PDF (DOMAIN §10).

A city's roster has some 230,000 lines (about 7,000 pages), so the pages are not laid out by
platypus: every row has the same height and is written straight into the page's content
stream as PDF text operators, the lines streamed from the database with
:func:`~assistcase.services.rosters.iter_lines`. The layout is deterministic, so the page
count is worked out from the village totals before the first page is drawn ("第 X 页 共 Y 页"
needs no second pass), and each finished page's stream is compressed at once: ReportLab keeps
every page in memory until it writes the file, and compressed they take a fifth of the room.

The encoded text of repeated values (village names, categories, payees' names, remarks) is
cached per document, so most cells cost a dictionary look-up; digits-only cells (ID numbers,
accounts, amounts) go to Helvetica without escaping. The bundled CJK font is embedded as
subsets (:mod:`assistcase.reports.fonts`), so the file prints the same anywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import os
import zlib
from collections import namedtuple
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from ..services.auth import audit_export
from ..db import STREAM_CACHE_KIB, Database, page_cache
from ..errors import StateError
from ..files import replaced_on_success
from ..gcpause import cyclic_gc_paused
from ..rules.capitals import rmb_capitals
from ..rules.idnumber import mask_id
from ..progress import CancelToken, ProgressFn
from ..rules.areas import CODE_DIGITS
from ..services import rosters as R
from ..services.care import CASH_SQL, INSTITUTION_JOIN
from ..rules.standards import CLASS_ZH
from ..rules.money import yuan
from .fonts import LATIN_FONT, register_cjk_font

PAGE_W, PAGE_H = landscape(A4)
MARGIN_X = 28.0
TOP_Y = PAGE_H - 24.0         # top of the page's header
BODY_BOTTOM = 32.0            # the last row ends here; the footer sits below
FOOTER_Y = 16.0
ROW_H = 14.0
BASELINE = 4.3             # of a row's text above its bottom
HEAD_H = 18.0
SIZE = 8.0                    # body text
MIN_SIZE = 5.5                # a cell's text is shrunk down to this before it is cut
PAD = 3.0
SIGNATURE_ROWS = 5
SEAL_ROWS = 3                 # blank rows above the office's name on a notice: the seal
NOTICE_END_ROWS = 5 + SEAL_ROWS
PUBLICITY_DAYS = 7            # DOMAIN §8

# Colours as PDF operators: g/rg fill, G/RG stroke.
INK = "0 g"
RED = "0.69 0 0.13 rg"
GRID = "0.55 0.6 0.65 RG"
HEAD_FILL = "0.86 0.9 0.95 rg"
TOWNSHIP_FILL = "0.93 0.95 0.97 rg"
SUBTOTAL_FILL = "0.95 0.95 0.95 rg"
TOTAL_FILL = "0.88 0.88 0.88 rg"
COUNTY_FILL = "0.84 0.88 0.93 rg"
PAGE_TOTAL_FILL = "1 0.97 0.88 rg"
WATERMARK_FILL = "1 0.86 0.86 rg"

# Column kinds: TEXT is any text (placed once per distinct value and cached); DIGITS is
# usually ASCII letters and digits (Helvetica, needs no escaping; checked per value); NUMBER
# is formatted by us (digits, comma, point).
TEXT, DIGITS, NUMBER = "text", "digits", "number"


@dataclass(frozen=True)
class Column:
    title: str
    width: float          # points; 0 takes what the others leave
    align: str            # l, c, r
    kind: str = TEXT      # TEXT, DIGITS or NUMBER


ROSTER_COLUMNS = (
    Column("序号", 36, "c", NUMBER),
    Column("村（社区）", 88, "l"),
    Column("户主/领款人姓名", 66, "l"),
    Column("身份证号", 94, "l", DIGITS),
    Column("保障人数", 40, "c", NUMBER),
    Column("类别", 52, "c"),
    Column("金额（元）", 66, "r", NUMBER),
    Column("银行账号", 112, "l", DIGITS),
    Column("开户行", 84, "l"),
    Column("备注", 0, "l"),
)

NOTICE_COLUMNS = (
    Column("序号", 44, "c", NUMBER),
    Column("村（社区）", 150, "l"),
    Column("姓名", 110, "l"),
    Column("身份证号", 120, "l", DIGITS),
    Column("家庭人口", 70, "c", NUMBER),
    Column("保障人数", 70, "c", NUMBER),
    Column("类别", 90, "c"),
    Column("金额（元）", 0, "r", NUMBER),
)


_CATEGORY_LABELS: dict[tuple[str, str], str] = {}


def category_label(line: "R.LineRow | PrintLine") -> str:
    """城市低保, 农村特困, …"""
    key = (line.residence_class, line.category)
    label = _CATEGORY_LABELS.get(key)
    if label is None:
        label = _CATEGORY_LABELS[key] = (CLASS_ZH.get(line.residence_class, "")
                                         + R.CATEGORY_ZH.get(line.category, line.category))
    return label


_YUAN: dict[int, str] = {}


def _yuan(fen: int) -> str:
    """:func:`yuan`, cached: a roster repeats a few thousand amounts 180,000 times."""
    text = _YUAN.get(fen)
    if text is None:
        if len(_YUAN) > 50_000:
            _YUAN.clear()
        text = _YUAN[fen] = yuan(fen)
    return text


CASH_MARK = "现金发放"              # the account cell of a payee paid in cash
TO_INSTITUTION = "转入供养机构账户"    # … of a person in institutional care, paid to it


def _roster_cells(line: "R.LineRow | PrintLine", institution: str = "",
                  institution_cash: bool = False) -> tuple[str, ...]:
    """The cells of a roster line. A line of a person in institutional care (集中供养) is
    paid to its institution (named in the group's heading with its account); a payee with
    no account is marked 现金发放."""
    if institution:
        account, bank = (CASH_MARK if institution_cash else TO_INSTITUTION), ""
    elif R.pays_in_cash(line.account_type, line.account_number):
        account, bank = CASH_MARK, ""
    else:
        account, bank = line.account_number, line.bank_name
    return (str(line.seq), line.village_name, line.payee_name, line.id_number,
            str(line.persons), category_label(line), _yuan(line.amount_fen),
            account, bank, line.remark)


def _notice_cells(line: "R.LineRow | PrintLine", institution: str = "",
                  institution_cash: bool = False) -> tuple[str, ...]:
    # Only what the public may see: never the ID number in full, never the account.
    return (str(line.seq), line.village_name, line.payee_name, mask_id(line.id_number),
            str(line.household_size), str(line.persons), category_label(line),
            _yuan(line.amount_fen))


def _n(v: float) -> str:
    """A coordinate for the content stream."""
    return "%.2f" % v


# Helvetica's advance widths (WinAnsi codes, 1/1000 em): numbers are measured with this table
# rather than pdfmetrics.stringWidth, whose pure-Python path costs ~15 µs a call.
_LATIN_WIDTHS = pdfmetrics.getFont(LATIN_FONT).widths


def latin_width(text: str, size: float) -> float:
    """The width of ASCII ``text`` in Helvetica at ``size``."""
    return sum(map(_LATIN_WIDTHS.__getitem__, text.encode("ascii"))) * size / 1000


_DIGIT_W = latin_width("0", SIZE)   # every digit
_POINT_W = latin_width(".", SIZE)   # the point and the comma


# --- text as PDF operators ------------------------------------------------------------------


class _Ink:
    """PDF text operators for one document, cached by text and size.

    ``canvas.drawString`` costs tens of microseconds a call, too much for ten cells on each
    of 230,000 lines; :meth:`text` returns the ``Tf``/``Tj`` operators (to follow a ``Tm``
    inside ``BT … ET``) and the text's width. CJK runs use the bundled font's subsets of
    this document (:meth:`TTFont.splitString`), the rest Helvetica."""

    def __init__(self, canvas: Canvas):
        self.doc = canvas._doc
        self.cjk = pdfmetrics.getFont(register_cjk_font())
        self.glyphs = self.cjk.face.charToGlyph
        canvas.setFont(LATIN_FONT, SIZE)  # registers Helvetica with the document
        self.latin = self.doc.getInternalFontName(LATIN_FONT)
        self._cache: dict[tuple[str, float], tuple[str, float]] = {}
        # character → (subset's font name, escaped code, advance width in 1/1000 em): a
        # payee's name is encoded from these (most of 180,000 names are new to the cache)
        self._chars: dict[str, tuple[str, str, float]] = {}
        self._widths = self.cjk.face.charWidths.get
        self._default_width = self.cjk.face.defaultWidth

    def _runs(self, text: str) -> Iterator[tuple[bool, str]]:
        """(is CJK, run) pieces, as :func:`assistcase.reports.fonts.font_runs` cuts them."""
        glyphs = self.glyphs
        start, cjk = 0, None
        for i, ch in enumerate(text):
            this = ch != " " and ord(ch) in glyphs
            if this is not cjk:
                if i:
                    yield cjk, text[start:i]
                start, cjk = i, this
        if text:
            yield cjk, text[start:]

    def text(self, text: str, size: float = SIZE) -> tuple[str, float]:
        """(operators, width) of ``text`` (cached)."""
        key = (text, size)
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) > 20_000:
                self._cache.clear()
            hit = self._cache[key] = self.encode(text, size)
        return hit

    def encode(self, text: str, size: float = SIZE) -> tuple[str, float]:
        """(operators, width) of ``text``."""
        ops: list[str] = []
        width = 0.0
        for cjk, run in self._runs(text):
            if cjk:
                # As the font's splitString and stringWidth would (the same operators and
                # width), from each character's code assigned once per document.
                chars = self._chars
                name = None
                codes: list[str] = []
                widths = 0
                for ch in run:
                    hit = chars.get(ch)
                    if hit is None:
                        hit = chars[ch] = self._learn(ch)
                    if hit[0] != name:
                        if codes:
                            ops.append(f"{name} {size:g} Tf ({''.join(codes)}) Tj")
                        name, codes = hit[0], []
                    codes.append(hit[1])
                    widths += hit[2]
                if codes:
                    ops.append(f"{name} {size:g} Tf ({''.join(codes)}) Tj")
                width += 0.001 * size * widths
            else:
                ops.append(f"{self.latin} {size:g} Tf "
                           f"({escapePDF(run.encode('cp1252', 'replace'))}) Tj")
                width += pdfmetrics.stringWidth(run, LATIN_FONT, size)
        return " ".join(ops), width

    def _learn(self, ch: str) -> tuple[str, str, float]:
        """The subset font, escaped code and width of a CJK character (its code assigned
        by the font's splitString, in the order the characters first appear)."""
        (subset, code), = self.cjk.splitString(ch, self.doc)
        return (self.cjk.getSubsetInternalName(subset, self.doc), escapePDF(code),
                self._widths(ord(ch), self._default_width))

    def compose(self, parts: Iterable[str], size: float) -> tuple[str, float]:
        """Several pieces one after the other (the page number: 第, 12, 页 共, 300, 页)."""
        ops, width = [], 0.0
        for part in parts:
            if part.isdigit() and part.isascii():
                ops.append(f"{self.latin} {size:g} Tf ({part}) Tj")
                width += latin_width(part, size)
            else:
                o, w = self.text(part, size)
                ops.append(o)
                width += w
        return " ".join(ops), width

    def fit(self, text: str, room: float, size: float = SIZE,
            cached: bool = True) -> tuple[str, float]:
        """``text`` in ``room`` points: shrunk down to MIN_SIZE, then cut with an ellipsis.
        ``cached`` False when the caller caches the result itself."""
        ops, width = self.text(text, size) if cached else self.encode(text, size)
        if width <= room:
            return ops, width
        smaller = int(size * room / width * 10) / 10
        if smaller >= MIN_SIZE:
            return self.text(text, smaller)
        cut = text
        while cut:
            cut = cut[:-1]
            ops, width = self.text(cut + "…", MIN_SIZE)
            if width <= room:
                return ops, width
        return "", 0.0

    @staticmethod
    def place(x: float, y: float, ops: str, width: float, align: str = "l",
              color: str = INK) -> str:
        if align == "r":
            x -= width
        elif align == "c":
            x -= width / 2
        return f"BT {color} 1 0 0 1 {_n(x)} {_n(y)} Tm {ops} ET"

    def at(self, x: float, y: float, text: str, size: float = SIZE, align: str = "l",
           color: str = INK) -> str:
        """A whole ``BT … ET`` block drawing ``text`` at (x, y)."""
        ops, width = self.text(text, size)
        return self.place(x, y, ops, width, align, color)


# --- layout ---------------------------------------------------------------------------------

# Row kinds, in the order the printed roster has them.
(COUNTY_HEAD, TOWNSHIP_HEAD, INSTITUTION_HEAD, LINES, GROUP_TOTAL, TOWNSHIP_TOTAL, COUNTY_TOTAL,
 GRAND_TOTAL) = range(8)
# Rows kept on one page with the first row of a kind (a heading with what follows it; the
# grand total with its bank / cash split and the amount in capitals).
TOGETHER = {COUNTY_HEAD: 3, TOWNSHIP_HEAD: 2, INSTITUTION_HEAD: 2, GRAND_TOTAL: 4}
GRAND_ROWS = 4
PAGE_TOTAL_ROWS = 2           # 本页小计 and 累计 at the foot of every page of a roster


@dataclass(frozen=True)
class PrintGroup:
    """The lines printed together under one subtotal: a village's, or in a township the
    persons in institutional care of one institution (``institution`` set), whose payments go
    to the institution's account (``institution_bank``, ``institution_account``; none
    registered: paid in cash)."""

    county_code: str
    county_name: str
    township_code: str
    township_name: str
    institution: str
    village_code: str
    village_name: str
    lines: int
    households: int
    persons: int
    amount_fen: int
    cash_lines: int
    cash_fen: int
    institution_bank: str = ""
    institution_account: str = ""

    @property
    def name(self) -> str:
        return self.institution or self.village_name


# A roster line of a person in institutional care (集中供养) with a named institution, and
# the institution's registered account; whether a line is paid in cash (the bank file uses
# the same definitions).
_INSTITUTION_JOIN = INSTITUTION_JOIN
_CASH = CASH_SQL
_NO_INSTITUTION_JOIN = """
LEFT JOIN (SELECT NULL AS id, '' AS institution_name) AS c ON 1 = 0
LEFT JOIN (SELECT '' AS bank_name, '' AS account_number) AS ci ON 1 = 0"""


def print_groups(s, roster_id: int, institutions: bool = True) -> list[PrintGroup]:
    """The roster's lines grouped as they are printed, with counts, amounts and the cash
    part: per township its villages in sequence order, then (``institutions``) the persons
    in institutional care grouped by institution. The page count is known from these
    before any page is drawn."""
    join = _INSTITUTION_JOIN if institutions else _NO_INSTITUTION_JOIN
    # Each line's group key and figures first, then the groups: every grouped column is a
    # key or an aggregate (PostgreSQL allows nothing else; SQLite gives the same result).
    rows = s.connection().exec_driver_sql(f"""
        SELECT township_code, MAX(township_name), inst, vcode, MAX(vname),
               COUNT(*), COUNT(DISTINCT household_id) + COUNT(*) - COUNT(household_id),
               SUM(persons), SUM(amount_fen), SUM(cash), SUM(cash_fen),
               COALESCE(MAX(bank_name), ''), COALESCE(MAX(account_number), '')
        FROM (SELECT l.township_code, l.township_name,
                     COALESCE(c.institution_name, '') AS inst,
                     CASE WHEN c.id IS NULL THEN l.village_code ELSE '' END AS vcode,
                     CASE WHEN c.id IS NULL THEN l.village_name ELSE '' END AS vname,
                     l.household_id, l.persons, l.amount_fen, l.seq,
                     CASE WHEN {_CASH} THEN 1 ELSE 0 END AS cash,
                     CASE WHEN {_CASH} THEN l.amount_fen ELSE 0 END AS cash_fen,
                     ci.bank_name, ci.account_number
              FROM roster_lines AS l {join}
              WHERE l.roster_id = ?) AS x
        GROUP BY township_code, inst, vcode
        ORDER BY township_code, inst <> '', inst, MIN(seq)""", (roster_id,)).all()
    digits = CODE_DIGITS["county"]
    counties = dict(s.connection().exec_driver_sql(
        "SELECT substr(code, 1, ?), name FROM areas WHERE level = 'county'", (digits,)).all())
    return [PrintGroup(t[:digits], counties.get(t[:digits], ""), t, tn, inst, v, vn, n, hh, p,
                       a, cn, ca, bank, account)
            for t, tn, inst, v, vn, n, hh, p, a, cn, ca, bank, account in rows]


# A roster line as printed: the fields of R.LineRow, read by name, as a plain tuple (made
# for each of 180,000 lines: a tuple costs a fraction of the frozen dataclass).
PrintLine = namedtuple("PrintLine", R.LINE_COLUMNS)
_make_line = functools.partial(tuple.__new__, PrintLine)


def print_lines(s, roster_id: int, institutions: bool) -> Iterator[tuple[PrintLine, str]]:
    """(line, institution or '') in the order of :func:`print_groups`; without
    institutions the lines stream in sequence order straight from the index."""
    cols = ", ".join(f"l.{c}" for c in R.LINE_COLUMNS)
    if not institutions:
        cursor = s.connection().exec_driver_sql(
            f"SELECT {cols} FROM roster_lines AS l WHERE l.roster_id = ? ORDER BY l.seq",
            (roster_id,))
        make = _make_line
        while rows := cursor.fetchmany(2000):
            for row in rows:
                yield make(row), ""
        return
    cursor = s.connection().exec_driver_sql(f"""
        SELECT {cols}, COALESCE(c.institution_name, '') AS inst
        FROM roster_lines AS l {_INSTITUTION_JOIN}
        WHERE l.roster_id = ?
        ORDER BY l.township_code, COALESCE(c.institution_name, '') <> '', inst, l.seq""", (roster_id,))
    while rows := cursor.fetchmany(2000):
        for row in rows:
            yield _make_line(row[:-1]), row[-1]


def _structure(groups: list[PrintGroup], totals: bool,
               counties: bool = False) -> Iterator[tuple[int, int]]:
    """(row kind, index of the group) in printing order: a heading row at each county (a
    city's roster) and township, and at each institution; the group's lines, its subtotal,
    the township's total after its last group, the county's after its last township, the
    grand total at the end (the totals only if ``totals``)."""
    last = len(groups) - 1
    for i, g in enumerate(groups):
        prev = groups[i - 1] if i else None
        nxt = groups[i + 1] if i < last else None
        if counties and (prev is None or prev.county_code != g.county_code):
            yield COUNTY_HEAD, i
        if prev is None or prev.township_code != g.township_code:
            yield TOWNSHIP_HEAD, i
        if g.institution:
            yield INSTITUTION_HEAD, i
        yield LINES, i
        if totals:
            yield GROUP_TOTAL, i
            if nxt is None or nxt.township_code != g.township_code:
                yield TOWNSHIP_TOTAL, i
            if counties and (nxt is None or nxt.county_code != g.county_code):
                yield COUNTY_TOTAL, i
    if totals:
        yield GRAND_TOTAL, -1


class _Pager:
    """Places fixed-height rows on pages: the first page has fewer rows (the title), a
    township heading never ends a page, the closing block needs its rows together. The same
    rules count the pages beforehand (:meth:`skip`) and place the rows while drawing."""

    def __init__(self, first_rows: int, rows: int):
        if first_rows < 1 or rows < 1:
            raise ValueError("no room for rows on a page")
        self.rows = rows
        self.page = 1
        self.used = 0
        self.capacity = first_rows

    def place(self, together: int = 1) -> bool:
        """Take a row (keeping ``together`` rows on one page); True if a new page began."""
        new = self.used + together > self.capacity
        if new:
            self.page += 1
            self.used = 0
            self.capacity = self.rows
        self.used += 1
        return new

    def skip(self, n: int) -> None:
        """The same as ``n`` calls of :meth:`place`."""
        free = self.capacity - self.used
        if n <= free:
            self.used += n
            return
        full, rest = divmod(n - free, self.rows)
        self.capacity = self.rows
        if rest:
            self.page += full + 1
            self.used = rest
        else:
            self.page += full
            self.used = self.rows


# --- the canvas -----------------------------------------------------------------------------


# zlib's default. Level 1 (measured 2026-12-01 on the 10,000-line roster, three runs each):
# 0.28-0.29 s against 0.32-0.34 s, but a file 26 % larger (1,436 against 1,140 KiB); a
# bureau mails and archives these files, so the smaller file is kept.
PAGE_ZLIB_LEVEL = 6


class _CompressingCanvas(Canvas):
    """Compresses each page's content stream when the page is finished instead of when the
    file is saved: ReportLab holds all pages until :meth:`save`."""

    def showPage(self):  # noqa: N802 (ReportLab's name)
        super().showPage()
        page = self._doc.Pages.pages[-1]
        content = zlib.compress(page.stream.encode("utf8"), PAGE_ZLIB_LEVEL)
        stream = pdfdoc.PDFStream(content=content)
        stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        page.Contents = stream
        page.stream = None


@dataclass(frozen=True)
class _Doc:
    """What one printed list needs besides its rows."""

    title: str
    info_lines: tuple[tuple[str, str], ...]   # (text, colour) centred under the title
    running: str                              # the header of later pages, left
    running_right: tuple[str, str]            # … right, with its colour
    footer_left: str
    footer_right: str
    columns: tuple[Column, ...]
    cells: Callable[[R.LineRow, str, bool], tuple[str, ...]]
    totals: bool
    end_rows: int
    watermark: str
    page_totals: bool = False    # 本页小计 and 累计 at the foot of every page
    institutions: bool = False   # persons in institutional care grouped by institution
    counties: bool = False       # county headings and totals (a city's roster)


class _Sheet:
    """Draws one list: page furniture, rows, totals, the closing block."""

    def __init__(self, canvas: Canvas, spec: _Doc, total_pages: int):
        self.c = canvas
        self.spec = spec
        self.ink = ink = _Ink(canvas)
        self.total_pages = total_pages
        width = PAGE_W - 2 * MARGIN_X
        fixed = sum(col.width for col in spec.columns)
        x = MARGIN_X
        self.lefts, self.rights = [], []
        for col in spec.columns:
            w = col.width or (width - fixed)
            self.lefts.append(x)
            x += w
            self.rights.append(x)
        self.x0, self.x1 = MARGIN_X, x
        # Per column: kind, alignment, left/centre/right anchors, room, the cache of placed
        # text (value → "1 0 0 1 x", operators).
        self._cols = [(col.kind, col.align, left + PAD, (left + right) / 2, right - PAD,
                       right - left - 2 * PAD, {})
                      for col, left, right in zip(spec.columns, self.lefts, self.rights)]
        self._latin_tf = f"{ink.latin} {SIZE:g} Tf ("
        titles = [col.title for col in spec.columns]
        self.persons_col = titles.index("保障人数")
        self.amount_col = titles.index("金额（元）")
        self.carried = (0, 0, 0)       # lines, persons, fen printed on the pages before
        self.page_total_drawn = False
        # each finished page's (lines, persons, fen)
        self.page_sums: list[tuple[int, int, int]] = []
        self.buf: list[str] = []
        self.page = 0
        self.head_top = 0.0     # top of this page's column header
        self.y = 0.0            # bottom of the last row drawn
        self.grid_bottom = 0.0  # bottom of the last row in the grid
        self.bands: list[float] = []   # bottoms of this page's heading rows (no column rules)
        self._grids: dict[tuple, str] = {}
        # What every page repeats, as operators: the watermark, the first page's title and
        # the later pages' running header, the column header row.
        self.section_page = 0   # page within the section (a village's notice)
        self.start_section(spec)

    def start_section(self, spec: _Doc) -> None:
        """What follows is printed under ``spec``'s title, its next page being a first page
        (a village's notice; the columns stay the same)."""
        self.spec = spec
        self.section_page = 0
        self._watermark = self._watermark_ops() if spec.watermark else ""
        self._first_top, self._first_head = self._top_ops(True)
        self._later_top, self._later_head = self._top_ops(False)

    # Geometry shared with the page count.
    @staticmethod
    def body_top(first: bool, spec: _Doc) -> float:
        if first:
            return TOP_Y - 22 - 14 * len(spec.info_lines) - 6 - HEAD_H
        return TOP_Y - 14 - 6 - HEAD_H

    @classmethod
    def capacity(cls, first: bool, spec: _Doc) -> int:
        """Rows on a page, less those of the page's subtotal."""
        rows = int((cls.body_top(first, spec) - BODY_BOTTOM) // ROW_H)
        return rows - (PAGE_TOTAL_ROWS if spec.page_totals else 0)

    def _watermark_ops(self) -> str:
        ops, width = self.ink.text(self.spec.watermark, 88)
        return (f"q {WATERMARK_FILL} 0.866 0.5 -0.5 0.866 {_n(PAGE_W / 2)} {_n(PAGE_H / 2)} cm"
                f" BT 1 0 0 1 {_n(-width / 2)} -30 Tm {ops} ET Q")

    def _top_ops(self, first: bool) -> tuple[float, str]:
        """(top of the column header, operators above and of it) for the first or a later
        page."""
        ink, spec = self.ink, self.spec
        room = self.x1 - self.x0
        out = []
        y = TOP_Y
        if first:
            y -= 16
            out.append(ink.place(PAGE_W / 2, y, *ink.fit(spec.title, room, 16), "c"))
            y -= 6
            for text, color in spec.info_lines:
                y -= 14
                out.append(ink.place(PAGE_W / 2, y, *ink.fit(text, room, 9), "c", color))
        else:
            y -= 10
            text, color = spec.running_right
            ops, width = ink.fit(text, room / 2, 9)
            out.append(ink.place(self.x1, y, ops, width, "r", color))
            out.append(ink.place(self.x0, y, *ink.fit(spec.running, room - width - 20, 9)))
            y -= 4
        y -= 6
        out.append(f"{HEAD_FILL} {_n(self.x0)} {_n(y - HEAD_H)} {_n(self.x1 - self.x0)} "
                   f"{_n(HEAD_H)} re f")
        for col, left, right in zip(spec.columns, self.lefts, self.rights):
            ops, width = ink.fit(col.title, right - left - 2, SIZE + 0.5)
            out.append(ink.place((left + right) / 2, y - 12, ops, width, "c"))
        assert abs(y - HEAD_H - self.body_top(first, spec)) < 0.01
        return y, "\n".join(out)

    # --- pages

    def begin_page(self) -> None:
        self.page += 1
        self.section_page += 1
        first = self.section_page == 1
        self.head_top = self._first_top if first else self._later_top
        self.buf = [self._watermark, self._first_head if first else self._later_head]
        self.y = self.grid_bottom = self.head_top - HEAD_H
        self.bands = []
        self.page_total_drawn = False

    def _grid(self) -> str:
        """Row rules, and column rules down to the last row except across heading rows
        (cached: most pages have the same grid)."""
        top, bottom = self.head_top, self.grid_bottom
        key = (top, bottom, tuple(self.bands))
        hit = self._grids.get(key)
        if hit is not None:
            return hit
        x0, x1 = _n(self.x0), _n(self.x1)
        grid = [f"{GRID} 0.4 w"]
        y = top - HEAD_H
        rules = [top]
        while y >= bottom - 0.01:
            rules.append(y)
            y -= ROW_H
        grid += [f"{x0} {_n(y)} m {x1} {_n(y)} l" for y in rules]
        grid += [f"{_n(x)} {_n(top)} m {_n(x)} {_n(bottom)} l" for x in (self.x0, self.x1)]
        # Column rules run in segments between heading rows.
        segments, upper = [], top
        for band in sorted(self.bands, reverse=True):
            if upper - (band + ROW_H) > 0.01:
                segments.append((upper, band + ROW_H))
            upper = band
        if upper - bottom > 0.01:
            segments.append((upper, bottom))
        for x in self.rights[:-1]:
            grid += [f"{_n(x)} {_n(a)} m {_n(x)} {_n(b)} l" for a, b in segments]
        hit = self._grids[key] = " ".join(grid) + " S"
        return hit

    def page_total(self, cumulative: tuple[int, int, int]) -> None:
        """本页小计 (the lines of this page) and 累计 (of this page and those before), from
        the running totals ``cumulative`` (lines, persons, fen) at the end of the page."""
        if not self.spec.page_totals or self.page_total_drawn:
            return
        lines, persons, fen = (c - p for c, p in zip(cumulative, self.carried))
        self.total("本页小计", f"{lines:,} 笔", persons, fen, PAGE_TOTAL_FILL)
        self.total("累计", f"{cumulative[0]:,} 笔", cumulative[1], cumulative[2],
                   PAGE_TOTAL_FILL)
        self.page_sums.append((lines, persons, fen))
        self.carried = cumulative
        self.page_total_drawn = True

    def end_page(self, cumulative: tuple[int, int, int] | None = None) -> None:
        """Finish the page: its subtotal (if not drawn yet; ``cumulative`` as for
        :meth:`page_total`, else what was carried), grid, footer."""
        self.page_total(cumulative or self.carried)
        buf, ink = self.buf, self.ink
        buf.append(self._grid())
        buf.append(f"{GRID} 0.5 w {_n(self.x0)} {FOOTER_Y + 10} m {_n(self.x1)} "
                   f"{FOOTER_Y + 10} l S")
        side = PAGE_W / 2 - self.x0 - 70  # room beside the page number
        buf.append(ink.place(self.x0, FOOTER_Y, *ink.fit(self.spec.footer_left, side, 7.5)))
        ops, width = ink.compose(("第 ", str(self.page), " 页 共 ", str(self.total_pages), " 页"),
                                 8.5)
        buf.append(ink.place(PAGE_W / 2, FOOTER_Y, ops, width, "c"))
        buf.append(ink.place(self.x1, FOOTER_Y, *ink.fit(self.spec.footer_right, side, 7.5),
                             "r"))
        self.c._code.append("\n".join(buf))
        self.c.showPage()

    # --- rows

    def _next_row(self, fill: str = "") -> float:
        """The baseline of the next row (its band filled with ``fill``)."""
        self.y -= ROW_H
        self.grid_bottom = self.y
        if fill:
            self.buf.append(f"{fill} {_n(self.x0)} {_n(self.y)} {_n(self.x1 - self.x0)} "
                            f"{_n(ROW_H)} re f")
        return self.y + BASELINE

    def _placed(self, value: str, col: tuple) -> tuple[str, str]:
        """("1 0 0 1 x", operators) of a value in a column, fitted to it (cached)."""
        _kind, align, left, centre, right, room, cache = col
        hit = cache.get(value)
        if hit is None:
            ops, width = self.ink.fit(value, room, cached=False)
            x = left if align == "l" else right - width if align == "r" else centre - width / 2
            if len(cache) > 150_000:  # payees' names: most are cached, memory stays bounded
                cache.clear()
            hit = cache[value] = (f"1 0 0 1 {_n(x)}", ops)
        return hit

    def line(self, cells: tuple[str, ...]) -> None:
        """One line of the list: the hot loop (once per cell of 230,000 lines)."""
        self.y -= ROW_H
        self.grid_bottom = self.y
        tm = " %.2f Tm " % (self.y + BASELINE)
        latin_tf = self._latin_tf
        digit, point = _DIGIT_W, _POINT_W
        out = ["BT 0 g"]
        for value, col in zip(cells, self._cols):
            if not value:
                continue
            kind = col[0]
            # Digits-only text is measured by its length (Helvetica's digits are all as wide).
            if kind == NUMBER:
                if value.isdigit():
                    width = len(value) * digit
                else:
                    sep = value.count(",") + value.count(".")
                    width = ((len(value) - sep) * digit + sep * point if "-" not in value
                             else latin_width(value, SIZE))
            elif kind == DIGITS and value.isascii() and value.isalnum():
                width = len(value) * digit if value.isdigit() else latin_width(value, SIZE)
            else:
                x, ops = self._placed(value, col)
                out.append(x + tm + ops)
                continue
            if width > col[5]:
                x, ops = self._placed(value, col)
                out.append(x + tm + ops)
                continue
            align = col[1]
            x = col[2] if align == "l" else col[4] - width if align == "r" else col[3] - width / 2
            out.append(f"1 0 0 1 {x:.2f}{tm}{latin_tf}{value}) Tj")
        out.append("ET")
        self.buf.append(" ".join(out))

    def band(self, text: str, fill: str) -> None:
        """A heading row: ``text`` across the row, no column rules."""
        base = self._next_row(fill)
        self.bands.append(self.y)
        self.buf.append(self.ink.at(self.x0 + PAD, base, text, SIZE + 0.5))

    def total(self, label: str, count: int | str, persons: int | None, amount_fen: int,
              fill: str, note: str = "") -> None:
        """A subtotal or total row: the label in the village column, the count (households,
        or a text such as "12 笔") in the name column, persons and amount in theirs, a
        ``note`` in the last (remark) column."""
        base = self._next_row(fill)
        ink = self.ink
        size = SIZE + 0.5
        ops, width = ink.fit(label, self.rights[1] - self.lefts[1] - 2 * PAD, size)
        count_text = f"{count:,} 户" if isinstance(count, int) else count
        out = [ink.place(self.lefts[1] + PAD, base, ops, width),
               ink.at(self.rights[2] - PAD, base, count_text, size, "r")]
        p, a = self.persons_col, self.amount_col
        if persons is not None:
            ops, width = ink.text(f"{persons:,}", size)
            out.append(ink.place((self.lefts[p] + self.rights[p]) / 2, base, ops, width, "c"))
        ops, width = ink.text(yuan(amount_fen), size)
        out.append(ink.place(self.rights[a] - PAD, base, ops, width, "r"))
        if note:
            ops, width = ink.fit(note, self.x1 - self.lefts[-1] - 2 * PAD, SIZE)
            out.append(ink.place(self.lefts[-1] + PAD, base, ops, width))
        self.buf.append(" ".join(out))

    def wide(self, text: str, fill: str, size: float = SIZE + 0.5) -> None:
        """A row with one text across it (the amount in capitals), no column rules."""
        base = self._next_row(fill)
        self.bands.append(self.y)
        ops, width = self.ink.fit(text, self.x1 - self.x0 - 2 * PAD, size)
        self.buf.append(self.ink.place(self.x0 + PAD, base, ops, width))

    def free_text(self, x: float, text: str, size: float = 9, align: str = "l",
                  room: float = 0) -> None:
        """Text in the next row's space, outside the grid (the closing block), fitted into
        ``room`` points if given."""
        ops, width = self.ink.fit(text, room, size) if room else self.ink.text(text, size)
        self.buf.append(self.ink.place(x, self.y - ROW_H + BASELINE, ops, width, align))

    def rule(self, x: float, width: float) -> None:
        """A line to sign or write on, in the next row's space."""
        y = _n(self.y - ROW_H + 3)
        self.buf.append(f"0 G 0.6 w {_n(x)} {y} m {_n(x + width)} {y} l S")

    def skip_row(self) -> None:
        self.y -= ROW_H


# --- the writer -----------------------------------------------------------------------------


@dataclass
class _Tally:
    lines: int = 0
    households: int = 0
    persons: int = 0
    amount_fen: int = 0
    cash_lines: int = 0
    cash_fen: int = 0

    def add(self, other: "_Tally") -> None:
        self.lines += other.lines
        self.households += other.households
        self.persons += other.persons
        self.amount_fen += other.amount_fen
        self.cash_lines += other.cash_lines
        self.cash_fen += other.cash_fen

    def cash_note(self) -> str:
        """The bank / cash split of a total row (only when some of it is cash)."""
        if not self.cash_lines:
            return ""
        return f"含现金发放 {self.cash_lines:,} 笔 {yuan(self.cash_fen)} 元"


def _together(kind: int, spec: _Doc) -> int:
    """Rows kept on one page from the first row of ``kind``: the grand total keeps its split,
    the capitals and the closing block (signatures) with it, so the signatures never stand
    alone on a last page under an empty 本页小计."""
    if kind == GRAND_TOTAL:
        return GRAND_ROWS + spec.end_rows
    return TOGETHER.get(kind, 1)


def _paginate(groups: list[PrintGroup], spec: _Doc) -> tuple[int, int]:
    """(the page the grand total starts on or 0, the number of pages), by the rules the
    drawing follows."""
    pager = _Pager(_Sheet.capacity(True, spec), _Sheet.capacity(False, spec))
    grand_page = 0
    for kind, i in _structure(groups, spec.totals, spec.counties):
        if kind == LINES:
            pager.skip(groups[i].lines)
        else:
            pager.place(_together(kind, spec))
            if kind == GRAND_TOTAL:
                grand_page = pager.page
                pager.skip(GRAND_ROWS - 1)
    pager.place(spec.end_rows)
    return grand_page, pager.page


def _count_pages(groups: list[PrintGroup], spec: _Doc) -> int:
    return _paginate(groups, spec)[1]


def _date(value: dt.date | dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "____年__月__日"


def _write(db: Database, roster_id: int, path: str | os.PathLike[str],
           make_spec: Callable[[R.RosterView, dt.datetime], _Doc],
           closing: Callable[[_Sheet, R.RosterView], None],
           progress: ProgressFn | None, cancel: CancelToken | None,
           printed_at: dt.datetime | None) -> Path:
    report = progress or (lambda _f, _m: None)
    path = Path(path)
    printed_at = printed_at or dt.datetime.now()
    register_cjk_font()
    # the rows' strings are freed as they go: no cyclic collection (gcpause: 0.45 s of 6.45)
    with cyclic_gc_paused(), replaced_on_success(path) as tmp:
        # one read transaction: totals and lines from the same snapshot; the lines are
        # streamed once, so SQLite keeps a small page cache for them (db.STREAM_CACHE_KIB)
        with db.read() as s, page_cache(s, STREAM_CACHE_KIB):
            view = R.roster_view(s, roster_id)
            spec = _marked_if_demo(s, make_spec(view, printed_at))
            groups = print_groups(s, roster_id, spec.institutions)
            total_pages = _count_pages(groups, spec)
            report(0.0, f"pages 0/{total_pages} 第0/{total_pages}页")
            canvas = _CompressingCanvas(str(tmp), pagesize=(PAGE_W, PAGE_H), pageCompression=1)
            canvas.setTitle(spec.title)
            canvas.setAuthor(view.issuing_office)
            canvas.setCreator("AssistCase")
            sheet = _Sheet(canvas, spec, total_pages)
            pager = _Pager(sheet.capacity(True, spec), sheet.capacity(False, spec))
            grand = _draw_rows(sheet, pager, s, view, groups, spec, report, cancel)
            if cancel is not None:
                cancel.check()
            done = (grand.lines, grand.persons, grand.amount_fen)
            if pager.place(spec.end_rows):
                sheet.end_page(done)
                sheet.begin_page()
            sheet.page_total(done)
            closing(sheet, view)
            sheet.end_page(done)
            if sheet.page != total_pages:  # the count and the drawing follow the same rules
                raise AssertionError(f"drew {sheet.page} pages, counted {total_pages}")
        report(0.96, "saving 保存文件")
        canvas.save()
    report(1.0, "done 完成")
    return path


def _draw_rows(sheet: _Sheet, pager: _Pager, s, view: R.RosterView,
               groups: list[PrintGroup], spec: _Doc, report: ProgressFn,
               cancel: CancelToken | None) -> _Tally:
    """Draw every row but the closing block; returns the grand total."""
    lines = print_lines(s, view.id, spec.institutions and any(g.institution for g in groups))
    cells = spec.cells
    grand = _Tally()
    county = _Tally()
    township = _Tally()
    group = _Tally()
    sheet.begin_page()
    last_step = 0

    def turn_page(lines_: int = 0, persons_: int = 0, fen_: int = 0) -> None:
        """The page is full: its subtotal counts the lines drawn so far (those of the
        group being drawn are not in ``grand`` yet: passed in)."""
        nonlocal last_step
        sheet.end_page((grand.lines + lines_, grand.persons + persons_,
                        grand.amount_fen + fen_))
        if cancel is not None:
            cancel.check()
        step = sheet.page * 200 // sheet.total_pages  # at most 200 reports
        if step != last_step:
            last_step = step
            report(0.95 * sheet.page / sheet.total_pages,
                   f"pages {sheet.page}/{sheet.total_pages} 第{sheet.page}/{sheet.total_pages}页")
        sheet.begin_page()

    def take(together: int = 1) -> None:
        if pager.place(together):
            turn_page()

    place, draw = pager.place, sheet.line
    for kind, i in _structure(groups, spec.totals, spec.counties):
        g = groups[i] if i >= 0 else None
        if kind == COUNTY_HEAD:
            take(TOGETHER[kind])
            sheet.band(g.county_name or "（未分县区）", COUNTY_FILL)
            county = _Tally()
        elif kind == TOWNSHIP_HEAD:
            take(TOGETHER[kind])
            name = g.township_name or "（未分乡镇）"
            sheet.band(f"{g.county_name}　{name}" if spec.counties and g.county_name else name,
                       TOWNSHIP_FILL)
            township = _Tally()
        elif kind == INSTITUTION_HEAD:
            take(TOGETHER[kind])
            account = (f"开户行：{g.institution_bank or '—'}　账号：{g.institution_account}"
                       if g.institution_account else "未登记机构账户：现金发放")
            sheet.band(f"集中供养　供养机构：{g.institution}（支付至机构）　{account}",
                       TOWNSHIP_FILL)
        elif kind == LINES:
            # The hot loop: every line of the roster.
            n = households = persons = amount = 0
            seen: set[int] = set()
            inst = g.institution
            inst_cash = bool(inst) and not g.institution_account
            for line, line_inst in itertools.islice(lines, g.lines):
                if line.township_code != g.township_code or line_inst != inst or (
                        not inst and line.village_code != g.village_code):
                    break
                if place():
                    turn_page(n, persons, amount)
                draw(cells(line, inst, inst_cash))
                n += 1
                persons += line.persons
                amount += line.amount_fen
                household = line.household_id
                if household is None:
                    households += 1
                elif household not in seen:
                    seen.add(household)
                    households += 1
            if (n, persons, amount) != (g.lines, g.persons, g.amount_fen):
                raise StateError(
                    f"roster {view.id}: the lines of {g.name} do not match its subtotal (the "
                    "roster changed while it was printed, or its lines are not grouped by "
                    "village)", f"花名册 {view.id}：{g.name}的明细与小计不一致")
            group = _Tally(n, households, persons, amount, g.cash_lines, g.cash_fen)
            township.add(group)
            county.add(group)
            grand.add(group)
        elif kind == GROUP_TOTAL:
            take()
            sheet.total(f"{g.name}小计", group.households, group.persons, group.amount_fen,
                        SUBTOTAL_FILL, group.cash_note())
        elif kind == TOWNSHIP_TOTAL:
            take()
            sheet.total(f"{g.township_name}合计", township.households, township.persons,
                        township.amount_fen, TOTAL_FILL, township.cash_note())
        elif kind == COUNTY_TOTAL:
            take()
            sheet.total(f"{g.county_name or '（未分县区）'}合计", county.households,
                        county.persons, county.amount_fen, COUNTY_FILL, county.cash_note())
        elif kind == GRAND_TOTAL:
            take(_together(kind, spec))
            sheet.total("总计", grand.households, grand.persons, grand.amount_fen, TOTAL_FILL)
            take()
            sheet.total("其中：银行代发", f"{grand.lines - grand.cash_lines:,} 笔", None,
                        grand.amount_fen - grand.cash_fen, SUBTOTAL_FILL)
            take()
            sheet.total("其中：现金发放", f"{grand.cash_lines:,} 笔", None, grand.cash_fen,
                        SUBTOTAL_FILL)
            take()
            sheet.wide(f"合计人民币（大写）：{rmb_capitals(grand.amount_fen)}"
                       f"　　（小写）¥{yuan(grand.amount_fen)}", TOTAL_FILL)
    if next(lines, None) is not None or (grand.lines, grand.amount_fen) != (
            view.line_count, view.total_fen):
        raise StateError(
            f"roster {view.id}: the lines ({grand.lines}, {grand.amount_fen} fen) do not add up "
            f"to the roster's totals ({view.line_count}, {view.total_fen} fen)",
            f"花名册 {view.id} 明细合计与花名册总额不一致")
    return grand


def _status_text(view: R.RosterView) -> tuple[str, str]:
    if view.status == "approved":
        return f"状态：已审批（{view.approved_at:%Y-%m-%d}）", INK
    return f"状态：{R.STATUS_ZH[view.status]}，未审批，不得据此发放", RED


def _period(view: R.RosterView) -> str:
    text = f"发放月份：{view.month.year}年{view.month.month}月"
    if view.pay_date:
        text += f"　发放日期：{view.pay_date:%Y-%m-%d}"
    return text


DEMO_MARK = "演示数据"


def _marked_if_demo(s, spec: _Doc) -> _Doc:
    """A demo database's printouts say 演示数据 on every page (watermark and footer): a
    printed demo roster must never pass for a real one."""
    from dataclasses import replace

    from ..models import AppMeta

    demo = s.info.get("demo_printout")
    if demo is None:  # read once per session: a notice asks for each of 2,000 villages
        row = s.get(AppMeta, "demo")
        demo = s.info["demo_printout"] = row is not None and row.value == "1"
    if not demo:
        return spec
    mark = f"{DEMO_MARK}（非真实救助对象）"
    return replace(spec, footer_left=f"{mark}　{spec.footer_left}",
                   watermark=f"{DEMO_MARK}　{spec.watermark}".strip())


def _roster_spec(view: R.RosterView, printed_at: dt.datetime) -> _Doc:
    status = _status_text(view)
    return _Doc(
        title=view.title,
        info_lines=(
            (f"{_period(view)}　　发放单位：{view.issuing_office}　　{status[0]}", status[1]),
            (f"共 {view.line_count:,} 条　{view.household_count:,} 户　{view.person_count:,} 人"
             f"　　金额合计 {yuan(view.total_fen)} 元", INK)),
        running=f"{view.title}（续）",
        running_right=(f"{_period(view)}　{status[0]}", status[1]),
        footer_left=f"{view.issuing_office}　花名册编号 {view.id}",
        footer_right=f"打印时间 {printed_at:%Y-%m-%d %H:%M}",
        columns=ROSTER_COLUMNS,
        cells=_roster_cells,
        totals=True,
        end_rows=SIGNATURE_ROWS,
        watermark="" if view.status == "approved" else f"{R.STATUS_ZH[view.status]}　未审批",
        page_totals=True,
        institutions=True,
        counties=view.area_level == "city",
    )


def _signatures(sheet: _Sheet, view: R.RosterView) -> None:
    """制表人 / 审核人 / 审批人 with the names and dates recorded on the roster, a line to sign
    on, and the issuing office with its date (SIGNATURE_ROWS rows)."""
    sheet.skip_row()
    third = (sheet.x1 - sheet.x0) / 3
    people = (("制表人", view.built_by, view.built_at), ("审核人", view.reviewed_by,
                                                        view.reviewed_at),
              ("审批人", view.approved_by, view.approved_at))
    for k, (label, name, _when) in enumerate(people):
        x = sheet.x0 + k * third
        sheet.free_text(x, f"{label}：{name or ''}", room=105)
        sheet.free_text(x + 110, "签字：")
        sheet.rule(x + 140, 80)
        if not name:
            sheet.rule(x + 40, 60)
    sheet.skip_row()
    for k, (_label, _name, when) in enumerate(people):
        sheet.free_text(sheet.x0 + k * third, f"日期：{_date(when)}")
    sheet.skip_row()
    sheet.skip_row()
    office_date = view.pay_date or (view.approved_at.date() if view.approved_at else None)
    sheet.free_text(sheet.x0, f"发放单位（盖章）：{view.issuing_office}", room=2 * third - 20)
    sheet.free_text(sheet.x0 + 2 * third, f"日期：{_date(office_date)}")
    sheet.skip_row()


def notice_title(view: R.RosterView) -> str:
    cls = CLASS_ZH.get(view.residence_class or "", "")
    what = {"dibao": "最低生活保障对象", "tekun": "特困人员救助供养对象",
            "one_time": "一次性生活补贴发放对象", "temp_aid": "临时救助对象"}[view.program]
    if view.kind == "one_time" and view.purpose:
        # "商丘市2022年一次性生活补贴发放对象公示名单"; a purpose without its year
        # ("春节慰问金") gets the month paid: "商丘市2027年1月春节慰问金发放对象公示名单"
        when = "" if "年" in view.purpose else f"{view.month.year}年{view.month.month}月"
        return f"{view.area_name}{when}{cls}{view.purpose}发放对象公示名单"
    return f"{view.area_name}{view.month.year}年{view.month.month}月{cls}{what}公示名单"


def _notice_spec(view: R.RosterView, printed_at: dt.datetime,
                 village: PrintGroup | None = None, days: int = PUBLICITY_DAYS) -> _Doc:
    """The notice of ``village`` (the whole roster's heading without one)."""
    title = notice_title(view)
    counts = village or view
    info = ((f"村（社区）：{village.county_name}　{village.township_name}　{village.village_name}",
             INK),) if village else ()
    return _Doc(
        title=title,
        info_lines=info + ((f"公示单位：{view.issuing_office}　　公示期：{days}天　　"
                            f"共 {counts.households if village else view.household_count:,} 户 "
                            f"{counts.persons if village else view.person_count:,} 人", INK),),
        running=(f"{title}（续）" if village is None else
                 f"{title}（续）　{village.township_name}{village.village_name}"),
        running_right=(view.issuing_office, INK),
        footer_left=view.issuing_office,
        footer_right=f"{printed_at:%Y-%m-%d}",
        columns=NOTICE_COLUMNS,
        cells=_notice_cells,
        totals=False,
        end_rows=NOTICE_END_ROWS,
        watermark="",
    )


def _notice_end(sheet: _Sheet, view: R.RosterView, days: int = PUBLICITY_DAYS,
                phone: str = "") -> None:
    """The publicity period, where to object, the supervision telephone (a line to write
    it on when none is set), room for the seal over the office and the date
    (NOTICE_END_ROWS rows)."""
    sheet.skip_row()
    sheet.free_text(sheet.x0, f"公示期：{days}天，自____年__月__日至____年__月__日。"
                              f"公示期间对公示对象有异议的，可向{view.issuing_office}反映。",
                    room=sheet.x1 - sheet.x0)
    sheet.skip_row()
    if phone:
        sheet.free_text(sheet.x0, f"监督电话：{phone}", room=(sheet.x1 - sheet.x0) / 2)
    else:
        sheet.free_text(sheet.x0, "监督电话：")
        sheet.rule(sheet.x0 + 46, 160)
    sheet.skip_row()
    for _ in range(SEAL_ROWS):  # room for the seal (盖章) over the office's name
        sheet.skip_row()
    sheet.free_text(sheet.x1, f"{view.issuing_office}（盖章）", align="r",
                    room=sheet.x1 - sheet.x0)
    sheet.skip_row()
    sheet.free_text(sheet.x1, "____年__月__日", align="r")
    sheet.skip_row()


def _village_pages(group: PrintGroup, spec: _Doc) -> int:
    pager = _Pager(_Sheet.capacity(True, spec), _Sheet.capacity(False, spec))
    pager.skip(group.lines)
    pager.place(spec.end_rows)
    return pager.page


def _notice_policies(s, view: R.RosterView, groups: list[PrintGroup]) -> dict[str, tuple[int, str]]:
    """(notice days, supervision phone) per county code, from the policy settings."""
    from ..services.standards import policy_for

    digits = CODE_DIGITS["county"]
    ids = dict(s.connection().exec_driver_sql(
        "SELECT substr(code, 1, ?), id FROM areas WHERE level = 'county'", (digits,)).all())
    out = {}
    for g in groups:
        if g.county_code not in out:
            policy = policy_for(s, ids.get(g.county_code, view.area_id))
            out[g.county_code] = (policy.notice_days, policy.notice_supervision_phone.strip())
    return out


def _safe_name(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in text).strip() or "_"


def _write_notices(db: Database, roster_id: int, path: Path | None, folder: Path | None,
                   progress: ProgressFn | None, cancel: CancelToken | None,
                   printed_at: dt.datetime | None) -> list[Path]:
    """The public notice, each village on its own pages: in one file (``path``, pages
    numbered through the file) or one file per village in ``folder``; all files or none."""
    report = progress or (lambda _f, _m: None)
    printed_at = printed_at or dt.datetime.now()
    register_cjk_font()
    written: list[Path] = []
    with contextlib.ExitStack() as files, db.read() as s, page_cache(s, STREAM_CACHE_KIB):
        view = R.roster_view(s, roster_id)
        groups = print_groups(s, roster_id, institutions=False)
        policies = _notice_policies(s, view, groups)
        specs = [_marked_if_demo(s, _notice_spec(view, printed_at, g, policies[g.county_code][0]))
                 for g in groups]
        pages = [_village_pages(g, spec) for g, spec in zip(groups, specs)]
        total = sum(pages)
        lines = print_lines(s, roster_id, False)
        report(0.0, f"pages 0/{total} 第0/{total}页")
        done_pages = 0
        sheet = canvas = None
        for k, (g, spec, n_pages) in enumerate(zip(groups, specs, pages)):
            if folder is not None or canvas is None:
                if canvas is not None:
                    canvas.save()
                target = (path if folder is None else
                          folder / _safe_name(f"{k + 1:04d}-{g.township_name}{g.village_name}"
                                              f"-公示名单.pdf"))
                tmp = files.enter_context(replaced_on_success(target))
                written.append(target)
                canvas = _CompressingCanvas(str(tmp), pagesize=(PAGE_W, PAGE_H),
                                            pageCompression=1)
                canvas.setTitle(f"{spec.title} {g.township_name}{g.village_name}")
                canvas.setAuthor(view.issuing_office)
                canvas.setCreator("AssistCase")
                sheet = _Sheet(canvas, spec, total if folder is None else n_pages)
            else:
                sheet.start_section(spec)
            pager = _Pager(sheet.capacity(True, spec), sheet.capacity(False, spec))
            sheet.begin_page()
            drawn = 0
            for line, _inst in itertools.islice(lines, g.lines):
                if pager.place():
                    sheet.end_page()
                    sheet.begin_page()
                if (line.township_code, line.village_code) != (g.township_code, g.village_code):
                    raise StateError(f"roster {view.id}: the lines of {g.village_name} are not "
                                     "together", f"花名册 {view.id}：{g.village_name}的明细不连续")
                sheet.line(_notice_cells(line))
                drawn += 1
            if drawn != g.lines:
                raise StateError(f"roster {view.id} changed while it was printed",
                                 f"花名册 {view.id} 在打印时被修改")
            if pager.place(spec.end_rows):
                sheet.end_page()
                sheet.begin_page()
            days, phone = policies[g.county_code]
            _notice_end(sheet, view, days, phone)
            sheet.end_page()
            done_pages += n_pages
            if cancel is not None:
                cancel.check()
            report(0.95 * done_pages / max(total, 1), f"pages {done_pages}/{total} "
                                                     f"第{done_pages}/{total}页")
        if canvas is None:  # a roster without lines: an empty notice
            raise StateError(f"roster {view.id} has no lines to publish",
                             f"花名册 {view.id} 没有可公示的明细")
        report(0.96, "saving 保存文件")
        canvas.save()
    report(1.0, "done 完成")
    return written


def write_roster_pdf(db: Database, roster_id: int, path: str | os.PathLike[str],
                     progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                     *, printed_at: dt.datetime | None = None) -> Path:
    """The payment roster (发放花名册) as a landscape A4 PDF: lines grouped by village with
    subtotals, township totals and the grand total, page X of Y, the signature block. A
    roster not yet approved carries a watermark and "不得据此发放". Written to a temporary
    file beside ``path`` and renamed into place; nothing is left on cancel or error."""
    audit_export(db, "roster_pdf", "roster", roster_id, path, record="roster")
    return _write(db, roster_id, path, _roster_spec, _signatures, progress, cancel,
                  printed_at)


def write_notice_pdf(db: Database, roster_id: int, path: str | os.PathLike[str],
                     progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                     *, printed_at: dt.datetime | None = None) -> Path:
    """The public notice (公示名单) of a roster in one file, each village starting on its
    own page with its own heading and closing block (notice period and supervision phone
    from the policy settings, room for the seal): name, village, household size, persons,
    category and amount, the ID number masked (``410***********1234``); never a full ID
    number, never an account."""
    audit_export(db, "notice_pdf", "roster", roster_id, path, record="roster")
    return _write_notices(db, roster_id, Path(path), None, progress, cancel, printed_at)[0]


def write_village_notices(db: Database, roster_id: int, folder: str | os.PathLike[str],
                          progress: ProgressFn | None = None,
                          cancel: CancelToken | None = None, *,
                          printed_at: dt.datetime | None = None) -> list[Path]:
    """The public notice as one file per village in ``folder`` (``0001-乡镇村-公示名单.pdf``,
    in roster order), each as :func:`write_notice_pdf` prints a village; all or none."""
    folder = Path(folder)
    audit_export(db, "village_notices", "roster", roster_id, folder, record="roster")
    folder.mkdir(parents=True, exist_ok=True)
    return _write_notices(db, roster_id, None, folder, progress, cancel, printed_at)
