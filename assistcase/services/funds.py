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
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..errors import FieldError, ValidationError
from ..models import Area
from ..rules.rates import average_fen
from ..rules.areas import code_prefix
from .standards import standard_for

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
  + COALESCE(SUM(l.persons > 0 AND l.household_id IS NULL), 0),
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
    prefix = code_prefix(area.code, area.level)
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
