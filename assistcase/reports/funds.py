"""The funds report (资金发放情况统计, DOMAIN §10 last bullet, §5 subsidy level): households,
persons and amounts by program, urban/rural class, township and village, for an area and a
month or a whole year, with the dibao subsidy level check; as PDF and Excel.

What is counted:

- Only **approved** rosters (drafts may still change), of the months of the period, and of
  them the lines whose village (or township) lies in the area. The program is the roster's:
  dibao, extreme hardship (tekun), one-time subsidy, temporary aid.
- **Amounts** are cash paid: a line's amount (its own entitlement, 当期应发, plus the
  supplements, deductions and reissues it carries, 补发/扣减/重发) less what the bank
  returned as failed (银行退回). A failed payment is counted in the month of the roster that
  reissues it, inside that line's 补发/扣减/重发; so each yuan is counted once, in the month
  it reached the payee. The report shows the three parts, so 实发 = 花名册金额 − 退回.
- **Households and persons** count the recipients of the month: lines with ``persons`` > 0.
  A line that only carries a reissue or a supplement to a payee no longer on the roster has
  ``persons`` = 0 and counts in the amounts only. For a month, persons are the persons
  covered; for a year they are person-months (人次, the sum over the months), while
  households are the distinct households paid in the year. Counts are per program (the
  same person may receive dibao and a one-time subsidy); the grand total adds up amounts
  only.
- **Subsidy level** (补助水平): for dibao, the actual average per person per month = the
  months' own entitlements (当期应发, without reissues and adjustments, which belong to
  other months) ÷ person-months, per class, against the required level (standard kind
  ``subsidy_level`` in force in each month for each county, weighted by its
  person-months); flagged when below.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..errors import FieldError, ValidationError
from ..models import Area
from ..rates import average_fen
from ..recalc import CODE_DIGITS
from ..services.standards import standard_for
from ..standards import CLASS_ZH, yuan

PROGRAMS = ("dibao", "tekun", "one_time", "temp_aid")
PROGRAM_SHORT_ZH = {"dibao": "最低生活保障", "tekun": "特困人员救助供养",
                    "one_time": "一次性生活补贴", "temp_aid": "临时救助"}
CLASSES = ("urban", "rural")


@dataclass(frozen=True)
class Tally:
    """Counts and amounts (fen) of a group of lines."""

    lines: int = 0
    households: int = 0
    persons: int = 0
    base_fen: int = 0       # the months' own entitlements (当期应发)
    adjust_fen: int = 0     # supplements − deductions + reissues carried (补发/扣减/重发)
    amount_fen: int = 0     # on the rosters: base + adjust (花名册金额)
    failed_fen: int = 0     # returned by the bank as failed (银行退回)

    @property
    def paid_fen(self) -> int:
        """Cash paid (实发): the roster amount less the failed payments."""
        return self.amount_fen - self.failed_fen


@dataclass(frozen=True)
class ProgramRow:
    program: str
    residence_class: str | None   # None: the program's subtotal over both classes
    tally: Tally


@dataclass(frozen=True)
class PlaceRow:
    """A village, or a township's subtotal (``village_code`` empty)."""

    township_code: str
    township_name: str
    village_code: str
    village_name: str
    by_program: dict[str, Tally]
    total: Tally

    @property
    def is_township(self) -> bool:
        return self.village_code == ""


@dataclass(frozen=True)
class LevelCheck:
    """The dibao subsidy level of a class: actual average per person per month against the
    required level (fen)."""

    residence_class: str
    person_months: int
    base_fen: int
    average_fen: int | None
    required_fen: int | None
    person_months_without_standard: int = 0

    @property
    def below(self) -> bool:
        return (self.average_fen is not None and self.required_fen is not None
                and self.average_fen < self.required_fen)


@dataclass(frozen=True)
class FundsReport:
    area_id: int
    area_code: str
    area_name: str
    year: int
    month: int | None
    months: tuple[dt.date, ...]          # the months with approved rosters in the period
    roster_ids: tuple[int, ...]
    programs: tuple[str, ...]            # the programs paid, in the usual order
    by_program: list[ProgramRow]
    places: list[PlaceRow]               # each township's subtotal, then its villages
    total: Tally
    levels: list[LevelCheck]
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        if self.month is None or self.month == 12:
            return dt.date(self.year + 1, 1, 1)
        return dt.date(self.year, self.month + 1, 1)

    def period_zh(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年"

    def period_en(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}"

    @property
    def persons_label(self) -> str:
        return "人数" if self.month else "人次（人·月）"

    @property
    def title(self) -> str:
        return f"{self.area_name}{self.period_zh()}社会救助资金发放情况统计表"

    def program_total(self, program: str) -> Tally:
        return next(r.tally for r in self.by_program
                    if r.program == program and r.residence_class is None)


# --- reading ------------------------------------------------------------------------------

_FROM = """
FROM roster_lines AS l
JOIN rosters AS r ON r.id = l.roster_id
LEFT JOIN payment_results AS pr ON pr.line_id = l.id AND pr.outcome = 'failed'
WHERE r.status = 'approved' AND r.month >= :start AND r.month < :end
  AND (l.village_code LIKE :prefix OR (l.village_code = '' AND l.township_code LIKE :prefix))
"""
_AGGREGATES = """
COUNT(*),
COUNT(DISTINCT CASE WHEN l.persons > 0 THEN l.household_id END)
  + COALESCE(SUM(CASE WHEN l.persons > 0 AND l.household_id IS NULL THEN 1 ELSE 0 END), 0),
COALESCE(SUM(l.persons), 0), COALESCE(SUM(l.base_fen), 0), COALESCE(SUM(l.adjust_fen), 0),
COALESCE(SUM(l.amount_fen), 0),
COALESCE(SUM(CASE WHEN pr.line_id IS NOT NULL THEN l.amount_fen ELSE 0 END), 0)
"""


def _grouped(s: Session, params: dict, keys: tuple[str, ...]) -> dict[tuple, Tally]:
    cols = ", ".join(keys)
    select_keys = f"{cols}, " if keys else ""
    group = f" GROUP BY {cols}" if keys else ""
    out = {}
    for row in s.execute(text(f"SELECT {select_keys}{_AGGREGATES}{_FROM}{group}"), params):
        out[tuple(row[:len(keys)])] = Tally(*row[len(keys):])
    return out


def _area(s: Session, area_id: int) -> Area:
    area = s.get(Area, area_id) if isinstance(area_id, int) else None
    if area is None:
        raise ValidationError.single("area_id", "choose the area of the report",
                                     "请选择统计区划")
    return area


def funds_report(s: Session, area_id: int, year: int, month: int | None = None) -> FundsReport:
    """The funds report of ``area_id`` for ``month`` of ``year``, or the whole year when
    ``month`` is None (see the module's description for what is counted)."""
    errors = []
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.append(FieldError("year", "the year must be from 2000 to 2100",
                                 "年份应在2000至2100之间"))
    if month is not None and (not isinstance(month, int) or not 1 <= month <= 12):
        errors.append(FieldError("month", "the month must be from 1 to 12", "月份应在1至12之间"))
    if errors:
        raise ValidationError(errors)
    area = _area(s, area_id)
    start = dt.date(year, month or 1, 1)
    end = (dt.date(year + 1, 1, 1) if month in (None, 12) else dt.date(year, month + 1, 1))
    prefix = area.code[:CODE_DIGITS[area.level]]
    params = {"start": start.isoformat(), "end": end.isoformat(), "prefix": prefix + "%"}

    rosters = s.execute(text(
        "SELECT r.id, r.month FROM rosters AS r WHERE r.status = 'approved'"
        " AND r.month >= :start AND r.month < :end AND EXISTS (SELECT 1 FROM roster_lines AS l"
        " WHERE l.roster_id = r.id AND (l.village_code LIKE :prefix OR"
        " (l.village_code = '' AND l.township_code LIKE :prefix))) ORDER BY r.month, r.id"),
        params).all()
    months = tuple(sorted({dt.date.fromisoformat(str(m)[:10]) for _, m in rosters}))

    by_class = _grouped(s, params, ("r.program", "l.residence_class"))
    by_prog = _grouped(s, params, ("r.program",))
    programs = tuple(p for p in PROGRAMS if (p,) in by_prog)
    rows: list[ProgramRow] = []
    for p in programs:
        for c in CLASSES:
            if (p, c) in by_class:
                rows.append(ProgramRow(p, c, by_class[(p, c)]))
        rows.append(ProgramRow(p, None, by_prog[(p,)]))
    total = _grouped(s, params, ()).get((), Tally())

    village_prog = _grouped(s, params, ("l.township_code", "l.village_code", "r.program"))
    village_all = _grouped(s, params, ("l.township_code", "l.village_code"))
    town_prog = _grouped(s, params, ("l.township_code", "r.program"))
    town_all = _grouped(s, params, ("l.township_code",))
    names = {(t, v): (tn, vn) for t, v, tn, vn in s.execute(text(
        "SELECT l.township_code, l.village_code, MAX(l.township_name), MAX(l.village_name)"
        f"{_FROM} GROUP BY l.township_code, l.village_code"), params)}
    town_names = {t: tn for (t, _v), (tn, _vn) in names.items()}
    villages_of: dict[str, list[str]] = {}
    for t, v in sorted(village_all):
        villages_of.setdefault(t, []).append(v)
    places: list[PlaceRow] = []
    for (t,) in sorted(town_all):
        places.append(PlaceRow(t, town_names[t], "", "",
                               {p: town_prog[(t, p)] for p in programs if (t, p) in town_prog},
                               town_all[(t,)]))
        for v in villages_of[t]:
            places.append(PlaceRow(t, town_names[t], v, names[(t, v)][1],
                                   {p: village_prog[(t, v, p)] for p in programs
                                    if (t, v, p) in village_prog},
                                   village_all[(t, v)]))

    levels = _levels(s, params)
    return FundsReport(area.id, area.code, area.name, year, month, months,
                       tuple(r for r, _ in rosters), programs, rows, places, total, levels)


def _levels(s: Session, params: dict) -> list[LevelCheck]:
    """The dibao subsidy level per class: entitlements ÷ person-months of the monthly dibao
    rosters, against the required level of each county and month, weighted."""
    groups = s.execute(text(
        "SELECT substr(CASE WHEN l.village_code <> '' THEN l.village_code"
        " ELSE l.township_code END, 1, 6), l.residence_class, r.month, SUM(l.persons),"
        f" SUM(l.base_fen) {_FROM} AND r.kind = 'monthly' AND r.program = 'dibao'"
        " AND l.persons > 0 GROUP BY 1, 2, 3"), params).all()
    return levels_from_groups(s, groups)


def levels_from_groups(s: Session, groups) -> list[LevelCheck]:
    """The subsidy level per class from (county code's 6 digits, class, month, persons,
    entitlements fen) of the monthly dibao lines with persons: also used by the statistics,
    which read these groups in their own pass over the lines."""
    county_ids = {code: aid for aid, code in s.execute(
        select(Area.id, Area.code).where(Area.level == "county"))}
    out = []
    for cls in CLASSES:
        persons = base = weighted = covered = 0
        for county, c, month, n, fen in groups:
            if c != cls:
                continue
            persons, base = persons + n, base + fen
            county_id = county_ids.get(county + "000000")
            std = (standard_for(s, county_id, cls, "subsidy_level",
                                dt.date.fromisoformat(str(month)[:10]))
                   if county_id is not None else None)
            if std is not None:
                weighted, covered = weighted + std[1] * n, covered + n
        if persons == 0:
            continue
        average = average_fen(base, persons)  # the one rounding rule (assistcase/rates.py)
        required = average_fen(weighted, covered)
        out.append(LevelCheck(cls, persons, base, average, required, persons - covered))
    return out


# --- shared by the writers ----------------------------------------------------------------

FUNDS_HEAD = ("项目", "城乡类别", "户数", "人数", "当期应发(元)", "补发/扣减/重发(元)",
              "花名册金额(元)", "银行退回(元)", "实发金额(元)")


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
