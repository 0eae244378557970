"""Statistics of social assistance (社会救助统计, DOMAIN §10 last bullet, §7 reporting): read only.

For an area and a period (a month, a quarter, January to a month, a year; :class:`Period`):

- **Persons** are a headcount (人数), not person-months: a case (a dibao household's case, an
  extreme-hardship person's case) paid in any month of the period counts once, with the most
  persons it covered in the period; person-months (人·月) are given beside. **Households** are
  the distinct households paid. Counted per program, urban/rural class and township.
- **Funds** are what was paid, by every channel: the approved rosters (what the bank paid into
  accounts, what the township handed over in cash, less payments the bank returned as failed,
  which are counted when reissued) and temporary aid paid directly (现金 or a transfer
  recorded outside a roster, ``aid_cases.paid_via = 'direct'``, on its ``paid_on`` date).
- **Temporary aid**: person-times (人次: grants paid) and funds by type (急难型 / 支出型) and by
  cause, whichever channel paid them.
- **One-time subsidies** (一次性生活补贴): households, persons and funds.
- **Subsidy level**: the dibao average paid per person per month against the required level
  (补助水平), as in the funds report.
- **Change** against the same period a year earlier (:attr:`StatisticsReport.previous`).
- **Monthly series** (:func:`monthly_series`) for the charts: caseload and funds per program
  per month over 24 months.

Rates and averages follow the one rounding rule (:mod:`assistcase.rates`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from .auth import reader
from ..errors import FieldError, ValidationError
from ..models import Area
from ..rules import liaison as P
from ..rules.aid import TYPE_LABELS
from ..rules.areas import code_like, code_prefix, county_code
from ..rules.rates import format_change, format_rate, rate_percent, round_half_up
from ..rules.standards import CLASS_ZH, add_months
from .funds import LevelCheck, levels_from_groups
from .roster_sums import CASH_LINE, SUMS_GROUP, SUMS_SELECT, summed
from .liaison import ORG_LEVEL_ZH, compliance_report

PROGRAMS = ("dibao", "tekun", "one_time", "temp_aid")
PROGRAM_ZH = {"dibao": "最低生活保障", "tekun": "特困人员救助供养", "one_time": "一次性生活补贴",
              "temp_aid": "临时救助"}
CLASSES = ("urban", "rural")
PERIOD_KINDS = ("month", "quarter", "to_month", "year")


@dataclass(frozen=True)
class Period:
    """From ``start`` (a first of month) up to ``end`` (the first day after)."""

    kind: str
    year: int
    number: int   # the month (month, to_month), the quarter, or 0 (year)

    @classmethod
    def of(cls, kind: str, year: int, number: int = 0) -> "Period":
        errors = []
        if kind not in PERIOD_KINDS:
            errors.append(FieldError("kind", "the period is a month, quarter, January to a "
                                     "month or a year", "统计期间应为月、季度、1月至某月或年度"))
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            errors.append(FieldError("year", "the year must be from 2000 to 2100",
                                     "年份应在2000至2100之间"))
        top = {"month": 12, "to_month": 12, "quarter": 4, "year": 0}.get(kind, 0)
        if kind in PERIOD_KINDS and not (isinstance(number, int) and
                                         (1 <= number <= top if top else number == 0)):
            errors.append(FieldError("number", f"the {kind} number must be from 1 to {top}",
                                     f"月份或季度应在1至{top}之间"))
        if errors:
            raise ValidationError(errors)
        return cls(kind, year, number)

    @property
    def start(self) -> dt.date:
        if self.kind == "month":
            return dt.date(self.year, self.number, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.number - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        last = {"month": self.number, "to_month": self.number, "quarter": 3 * self.number,
                "year": 12}[self.kind]
        return add_months(dt.date(self.year, last, 1), 1)

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    def year_before(self) -> "Period":
        return Period(self.kind, self.year - 1, self.number)

    def label_zh(self) -> str:
        return {"month": f"{self.year}年{self.number}月", "quarter": f"{self.year}年第{self.number}季度",
                "to_month": f"{self.year}年1—{self.number}月", "year": f"{self.year}年"}[self.kind]


@dataclass(frozen=True)
class Figures:
    """Households, persons (headcount), person-months and funds paid (fen) of a group."""

    households: int = 0
    persons: int = 0
    person_months: int = 0
    funds_fen: int = 0


@dataclass(frozen=True)
class ProgramRow:
    program: str
    residence_class: str | None      # None: both classes
    figures: Figures


@dataclass(frozen=True)
class AreaRow:
    township_code: str
    township_name: str
    program: str
    figures: Figures


@dataclass(frozen=True)
class AidRow:
    """Temporary aid of one type or cause: person-times and funds."""

    key: str
    label: str
    person_times: int
    funds_fen: int


@dataclass(frozen=True)
class Channels:
    """Funds by the way they were paid (fen)."""

    roster_bank_fen: int = 0
    roster_cash_fen: int = 0
    aid_direct_bank_fen: int = 0
    aid_direct_cash_fen: int = 0

    @property
    def total_fen(self) -> int:
        return (self.roster_bank_fen + self.roster_cash_fen + self.aid_direct_bank_fen
                + self.aid_direct_cash_fen)


@dataclass(frozen=True)
class StatisticsReport:
    area_id: int
    area_code: str
    area_name: str
    period: Period
    by_program: list[ProgramRow]
    by_area: list[AreaRow]
    channels: Channels
    aid_by_type: list[AidRow]
    aid_by_cause: list[AidRow]
    levels: list[LevelCheck]
    previous: "StatisticsReport | None" = None
    generated_at: dt.datetime = field(default_factory=dt.datetime.now)

    def figures(self, program: str, residence_class: str | None = None) -> Figures:
        return next((r.figures for r in self.by_program
                     if r.program == program and r.residence_class == residence_class),
                    Figures())

    @property
    def total_funds_fen(self) -> int:
        return self.channels.total_fen

    @property
    def title(self) -> str:
        return f"{self.area_name}{self.period.label_zh()}社会救助统计"

    def change(self, program: str, what: str, residence_class: str | None = None) -> str:
        """'+12.5%' against the same period a year earlier ('—' if nothing then)."""
        if self.previous is None:
            return "—"
        now = getattr(self.figures(program, residence_class), what)
        before = getattr(self.previous.figures(program, residence_class), what)
        return format_change(now, before)

    def summary_zh(self) -> str:
        """The figures seed 002 publishes, from the data: dibao persons and funds (rural and
        urban), extreme hardship, temporary aid person-times and funds, one-time subsidies."""
        d, dr, du = (self.figures("dibao"), self.figures("dibao", "rural"),
                     self.figures("dibao", "urban"))
        tk, ta, ot = self.figures("tekun"), self.figures("temp_aid"), self.figures("one_time")
        return (f"{self.area_name}{self.period.label_zh()}共保障低保对象{persons_zh(d.persons)}，"
                f"发放资金{money_zh(d.funds_fen)}，其中农村低保{persons_zh(dr.persons)}，发放资金"
                f"{money_zh(dr.funds_fen)}，城市低保{persons_zh(du.persons)}，发放资金"
                f"{money_zh(du.funds_fen)}；特困人员{persons_zh(tk.persons)}，发放资金"
                f"{money_zh(tk.funds_fen)}；临时救助{persons_zh(ta.person_months, '人次')}，"
                f"发放资金{money_zh(ta.funds_fen)}；发放一次性生活补贴{money_zh(ot.funds_fen)}。")


def persons_zh(n: int, unit: str = "人") -> str:
    """30.6万人 from 10,000 up, else 46960人 (half up, one decimal)."""
    return f"{round_half_up(n, 10_000)}万{unit}" if n >= 10_000 else f"{n}{unit}"


def money_zh(fen: int) -> str:
    """8.9亿元, 8038.6万元, or 3,456.00元 (half up, one decimal)."""
    if fen >= 100_000_000_00:
        return f"{round_half_up(fen, 100_000_000_00)}亿元"
    if fen >= 10_000_00:
        return f"{round_half_up(fen, 10_000_00)}万元"
    whole, cents = divmod(fen, 100)
    return f"{whole:,}.{cents:02d}元"


# --- reading ------------------------------------------------------------------------------
#
# Set-based and sized for a city (300,000 households, 2.5 million roster lines a year), never
# through the wide table rows:
#
# - money: per roster, township and class from the sums recorded when each roster was
#   approved (roster_sums, migration 0020: a few thousand rows for a year; its lines are
#   frozen, so the sums never go stale); a roster without complete sums, or a village's
#   figures, from the lines over the covering index ix_roster_lines_statistics (migration
#   0019); failed payments are subtracted afterwards from their few lines;
# - headcount: one pass per case (partial covering index ix_roster_lines_case_persons, led by
#   the case: the cases come in index order, nothing is sorted).
#
# The rosters of the period are chosen first (approved, paying in the period, in or above
# the area); a roster above the area (a city's roster for a county's figures) has its lines
# filtered by township code. The SQL is plain (CASE, IN, LIKE, GROUP BY) for other databases.


@dataclass(frozen=True)
class _Scope:
    """The approved rosters of a period that pay in an area: id → (program, month)."""

    rosters: dict[int, tuple[str, dt.date]]
    line_filter: str          # '' or an AND clause on the lines (a roster above the area)
    params: dict

    def ids(self, *programs: str) -> list[int]:
        return sorted(i for i, (p, _m) in self.rosters.items() if not programs or p in programs)


def _params(area: Area, start: dt.date, end: dt.date) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(),
            "prefix": code_like(area.code, area.level)}


def _scope(s: Session, area: Area, start: dt.date, end: dt.date) -> _Scope:
    params = _params(area, start, end)
    prefix = params["prefix"][:-1]
    rosters: dict[int, tuple[str, dt.date]] = {}
    partial = False
    for rid, program, month, code, level in s.execute(text(
            "SELECT r.id, r.program, r.month, a.code, a.level FROM rosters AS r"
            " JOIN areas AS a ON a.id = r.area_id"
            " WHERE r.status = 'approved' AND r.month >= :start AND r.month < :end"),
            params).all():
        own = code_prefix(code, level)
        if own.startswith(prefix):
            pass                      # the roster lies inside the area: all its lines count
        elif prefix.startswith(own):
            partial = True            # the roster covers more than the area
        else:
            continue
        rosters[rid] = (program, dt.date.fromisoformat(str(month)[:10]))
    # A village's code begins with its township's 9 digits, so down to a township the
    # township code decides (and is in the covering index); a village needs its own code.
    column = "village_code" if area.level == "village" else "township_code"
    line_filter = f" AND l.{column} LIKE :prefix" if partial else ""
    return _Scope(rosters, line_filter, params)


def _in(name: str):
    return bindparam(name, expanding=True)



def _money_groups(s: Session, scope: _Scope) -> dict[tuple[int, str, str], list[int]]:
    """(roster, township code, class) → [paid fen, of it in cash, grants (lines with
    persons), persons of those lines, their entitlements (fen)]: the roster's amounts less
    the payments the bank returned as failed; cash as the printed roster and the bank file
    count it (a payee without an account; a person in institutional care whose institution
    has no account). The amounts come from the sums recorded at approval
    (services/roster_sums.py), from the lines for a roster without them or for a village."""
    ids = scope.ids()
    out: dict[tuple[int, str, str], list[int]] = {}
    if not ids:
        return out
    # The sums are per township: down to a township they serve (a village's figures need
    # its lines).
    from_sums = sorted(summed(s, ids)) if "village_code" not in scope.line_filter else []
    from_lines = sorted(set(ids) - set(from_sums))
    params = {**scope.params, "rosters": ids}
    rows: list[tuple] = []
    if from_sums:
        rows += s.execute(text(f"""
            SELECT l.roster_id, l.township_code, l.residence_class, l.amount_fen, l.cash_fen,
                   l.grants, l.persons, l.base_fen
            FROM roster_sums AS l
            WHERE l.roster_id IN :rosters{scope.line_filter}""").bindparams(
            _in("rosters")), {**scope.params, "rosters": from_sums}).all()
    if from_lines:
        rows += [tuple(row[:3]) + tuple(row[4:]) for row in s.execute(text(
            f"{SUMS_SELECT} WHERE l.roster_id IN :rosters{scope.line_filter}{SUMS_GROUP}")
            .bindparams(_in("rosters")), {**scope.params, "rosters": from_lines}).all()]
    for rid, town, cls, fen, cash, grants, persons, base in rows:
        out[(rid, town, cls)] = [fen or 0, cash or 0, grants or 0, persons or 0, base or 0]
    # Less the failed payments (few lines; they are paid when reissued).
    for rid, town, cls, fen, cash in s.execute(text(f"""
            SELECT l.roster_id, l.township_code, l.residence_class, SUM(l.amount_fen),
                   SUM(CASE WHEN {CASH_LINE} THEN l.amount_fen ELSE 0 END)
            FROM payment_results AS pr JOIN roster_lines AS l ON l.id = pr.line_id
            WHERE pr.outcome = 'failed' AND +l.roster_id IN :rosters{scope.line_filter}
            GROUP BY l.roster_id, l.township_code, l.residence_class""").bindparams(
            _in("rosters")), params):
        g = out[(rid, town, cls)]
        g[0] -= fen or 0
        g[1] -= cash or 0
    # Persons in institutional care are paid to their institution (services/care.py): in
    # cash when it has no account, by the bank when it has one, whatever their own account.
    for rid, town, cls, fen, own_cash, failed, inst_account in s.execute(text(f"""
            SELECT l.roster_id, l.township_code, l.residence_class, l.amount_fen,
                   CASE WHEN {CASH_LINE} THEN 1 ELSE 0 END,
                   CASE WHEN pr.line_id IS NULL THEN 0 ELSE 1 END,
                   COALESCE(ci.account_number, '')
            FROM roster_lines AS l
            JOIN assistance_cases AS c ON c.id = l.case_id
            LEFT JOIN care_institutions AS ci ON ci.name = c.institution_name
            LEFT JOIN payment_results AS pr ON pr.line_id = l.id AND pr.outcome = 'failed'
            WHERE l.case_id IN (SELECT id FROM assistance_cases
                                WHERE support_mode = 'centralized' AND institution_name <> '')
              AND +l.roster_id IN :rosters{scope.line_filter}""").bindparams(
            _in("rosters")), params):
        if failed or bool(own_cash) == (inst_account == ""):
            continue
        out[(rid, town, cls)][1] += fen if inst_account == "" else -fen
    return out


def _only_rosters_in_range(s: Session, ids: list[int]) -> bool:
    """Whether no roster with an id between the first and the last of ``ids`` (sorted) but
    not among them has lines that cover persons of a case."""
    return not s.execute(text("""
        SELECT 1 FROM rosters AS r
        WHERE r.id BETWEEN :lo AND :hi AND r.id NOT IN :ids
          AND EXISTS (SELECT 1 FROM roster_lines AS l WHERE l.roster_id = r.id
                      AND l.case_id IS NOT NULL AND l.persons > 0)""").bindparams(
        _in("ids")), {"lo": ids[0], "hi": ids[-1], "ids": ids}).first()


def _case_rows(s: Session, scope: _Scope) -> list[tuple]:
    """One row per program and case paid in the period: (program, case id, household,
    class, township code, most persons covered in one month, person-months). Monthly rosters
    (dibao, extreme hardship: the line's category is the program) and one-time subsidies
    apart; a case whose household, class or township changed in the period is counted once,
    with the line that covered the most persons."""
    out: list[tuple] = []
    group = ("l.case_id, l.category, l.household_id, l.residence_class, l.township_code")
    for program, ids, hint in (("", scope.ids("dibao", "tekun"), "+"),
                               ("one_time", scope.ids("one_time"), "")):
        if not ids:
            continue
        # Monthly rosters: "+l.roster_id" keeps the roster a filter, so the case leads (the
        # partial index ix_roster_lines_case_persons: groups in index order, nothing sorted).
        # The rosters as a range of ids when no other roster in it has such lines: two
        # comparisons a line instead of a look-up in the list (a quarter of the pass).
        if _only_rosters_in_range(s, ids):
            where, bind = f"{hint}l.roster_id BETWEEN :lo AND :hi", {"lo": ids[0], "hi": ids[-1]}
        else:
            where, bind = f"{hint}l.roster_id IN :rosters", {"rosters": ids}
        stmt = text(f"""
            SELECT {group}, MAX(l.persons), SUM(l.persons)
            FROM roster_lines AS l
            WHERE l.case_id IS NOT NULL AND l.persons > 0
              AND {where}{scope.line_filter}
            GROUP BY {group} ORDER BY {group}""")
        if "rosters" in bind:
            stmt = stmt.bindparams(_in("rosters"))
        rows = s.execute(stmt, {**scope.params, **bind}).all()  # one fetch, not one per row
        last = None
        for case_id, category, household, cls, town, most, months in rows:
            if last is not None and last[1] == case_id:
                prog, _c, hh, c, t, m, mm = last
                if most > m:
                    hh, c, t = household, cls, town
                last = (prog, case_id, hh, c, t, max(m, most), mm + months)
                continue
            if last is not None:
                out.append(last)
            last = (program or category, case_id, household, cls, town, most, months)
        if last is not None:
            out.append(last)
    return out


def _headcounts(cases: list[tuple]) -> tuple[dict[tuple, Figures], dict[tuple, Figures]]:
    """Figures (without funds) per (program, class) and per (program, township code)."""
    acc: dict[tuple, list] = {}
    for program, _case, household, cls, town, most, months in cases:
        for key in ((0, program, cls), (1, program, town)):
            a = acc.get(key)
            if a is None:
                a = acc[key] = [set(), 0, 0]
            a[0].add(household)
            a[1] += most
            a[2] += months
    by_class = {k[1:]: Figures(len(h), p, m) for k, (h, p, m) in acc.items() if k[0] == 0}
    by_town = {k[1:]: Figures(len(h), p, m) for k, (h, p, m) in acc.items() if k[0] == 1}
    return by_class, by_town


# Temporary aid paid directly (not by a roster) in the period in the area.
_DIRECT_AID = """
FROM aid_cases AS a JOIN areas AS t ON t.id = a.township_id
WHERE a.status = 'paid' AND a.paid_via = 'direct' AND a.paid_on >= :start AND a.paid_on < :end
  AND t.code LIKE :prefix
"""


class _DirectAid(NamedTuple):
    """A grant of temporary aid paid directly (not by a roster)."""

    residence_class: str
    township_code: str
    township_name: str
    aid_type: str
    cause: str
    payment_method: str
    person: str
    amount_fen: int
    paid_on: dt.date


def _direct_aid(s: Session, params: dict) -> list[_DirectAid]:
    """The period's direct grants in the area, read once (a city pays some ten thousand a
    year) and counted in Python by every key the report needs."""
    return [_DirectAid(cls, code, name, aid_type, cause, method,
                       idn or f"case{case_id}", fen or 0,
                       day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10]))
            for cls, code, name, aid_type, cause, method, idn, case_id, fen, day in s.execute(
                text("SELECT a.residence_class, t.code, t.name, a.aid_type, a.cause,"
                     " a.payment_method, a.id_number, a.id, a.amount_granted_fen, a.paid_on"
                     + _DIRECT_AID), params)]


def _aid_lines(s: Session, scope: _Scope, select_: str, group: str = "") -> list[tuple]:
    """A query over the temporary-aid rosters' lines joined to their aid cases (``a``),
    with ``paid`` the amount less a failed payment."""
    ids = scope.ids("temp_aid")
    if not ids:
        return []
    return s.execute(text(f"""
        SELECT {select_} FROM (
          SELECT l.*, l.amount_fen - CASE WHEN pr.line_id IS NULL THEN 0
                                          ELSE l.amount_fen END AS paid
          FROM roster_lines AS l
          LEFT JOIN payment_results AS pr ON pr.line_id = l.id AND pr.outcome = 'failed'
          WHERE l.roster_id IN :rosters{scope.line_filter}) AS l
        JOIN aid_cases AS a ON a.id = l.aid_case_id {group}""").bindparams(_in("rosters")),
        {**scope.params, "rosters": ids}).all()


def _aid_rows(s: Session, scope: _Scope, key: str,
              direct: list[_DirectAid]) -> dict[str, tuple[int, int, int]]:
    """Temporary aid by ``key`` (aid_type or cause): (person-times, funds, 0) over both
    channels: roster grant lines (persons > 0) and direct payments."""
    out: dict[str, list[int]] = {}
    rows = _aid_lines(s, scope, f"a.{key}, SUM(CASE WHEN l.persons > 0 THEN 1 ELSE 0 END),"
                      " SUM(l.paid)", f"GROUP BY a.{key}")
    rows += [(getattr(d, key), 1, d.amount_fen) for d in direct]
    for k, times, fen in rows:
        acc = out.setdefault(k, [0, 0])
        acc[0] += times or 0
        acc[1] += fen or 0
    return {k: (v[0], v[1], 0) for k, v in out.items()}


def _township_names(s: Session) -> dict[str, str]:
    return dict(s.execute(text("SELECT code, name FROM areas WHERE level = 'township'")).all())


def statistics(s: Session, area_id: int, period: Period, compare: bool = True) -> StatisticsReport:
    """The statistics of ``area_id`` for ``period`` (see the module's description), with
    the same period a year earlier when ``compare``."""
    reader(s, area_id=area_id)  # a report of another area is refused, naming it
    area = s.get(Area, area_id) if isinstance(area_id, int) else None
    if area is None:
        raise ValidationError.single("area_id", "choose the area of the statistics",
                                     "请选择统计区划")
    scope = _scope(s, area, period.start, period.end)
    names = _township_names(s)
    direct = _direct_aid(s, scope.params)

    # Two passes over the period's lines: per case (headcounts), per roster group (money).
    by_class, by_town_code = _headcounts(_case_rows(s, scope))
    by_town = {(p, t, names.get(t, t)): f for (p, t), f in by_town_code.items()}
    funds_class: dict[tuple, int] = {}
    funds_town: dict[tuple, int] = {}
    bank = cash = 0
    aid_class: dict[str, list[int]] = {}
    aid_town: dict[tuple[str, str], list[int]] = {}
    level_groups: dict[tuple, list[int]] = {}
    for (rid, town, cls), (paid, in_cash, grants, persons, base) in _money_groups(
            s, scope).items():
        program, month = scope.rosters[rid]
        tname = names.get(town, town)
        cash += in_cash
        bank += paid - in_cash
        if program == "temp_aid":
            for acc in (aid_class.setdefault(cls, [0, 0]),
                        aid_town.setdefault((town, tname), [0, 0])):
                acc[0] += grants
                acc[1] += paid
            continue
        funds_class[(program, cls)] = funds_class.get((program, cls), 0) + paid
        key = (program, town, tname)
        funds_town[key] = funds_town.get(key, 0) + paid
        if program == "dibao" and persons:
            g = level_groups.setdefault((county_code(town), cls, month), [0, 0])
            g[0] += persons
            g[1] += base
    # Temporary aid paid directly (not by a roster).
    for d in direct:
        for acc in (aid_class.setdefault(d.residence_class, [0, 0]),
                    aid_town.setdefault((d.township_code, d.township_name), [0, 0])):
            acc[0] += 1
            acc[1] += d.amount_fen
    people: dict[str, set] = {}
    for cls, person in _aid_lines(s, scope, "l.residence_class,"
                                  " COALESCE(NULLIF(a.id_number, ''), 'case' || a.id)",
                                  "WHERE l.persons > 0") + [(d.residence_class, d.person)
                                                            for d in direct]:
        people.setdefault(cls, set()).add(person)
    aid_people = {cls: len(v) for cls, v in people.items()}

    rows: list[ProgramRow] = []
    for p in PROGRAMS:
        per_class = []
        for c in CLASSES:
            if p == "temp_aid":
                times, fen = aid_class.get(c, (0, 0))
                f = Figures(0, aid_people.get(c, 0), times, fen)
            else:
                base = by_class.get((p, c), Figures())
                f = Figures(base.households, base.persons, base.person_months,
                            funds_class.get((p, c), 0))
            per_class.append(f)
            if f != Figures():
                rows.append(ProgramRow(p, c, f))
        total = Figures(*(sum(getattr(f, a) for f in per_class)
                          for a in ("households", "persons", "person_months", "funds_fen")))
        if p != "temp_aid":  # lines whose class is neither (none expected) still count funds
            total = Figures(total.households, total.persons, total.person_months,
                            sum(v for (pp, _c), v in funds_class.items() if pp == p))
        if total != Figures():
            rows.append(ProgramRow(p, None, total))

    by_area: list[AreaRow] = []
    towns = sorted({(t, n) for (_p, t, n) in funds_town} | set(aid_town))
    for t, n in towns:
        for p in PROGRAMS:
            if p == "temp_aid":
                if (t, n) in aid_town:
                    times, fen = aid_town[(t, n)]
                    by_area.append(AreaRow(t, n, p, Figures(0, 0, times, fen)))
                continue
            f = by_town.get((p, t, n))
            fen = funds_town.get((p, t, n))
            if f is not None or fen is not None:
                f = f or Figures()
                by_area.append(AreaRow(t, n, p, Figures(f.households, f.persons,
                                                         f.person_months, fen or 0)))

    channels = Channels(bank, cash,
                        sum(d.amount_fen for d in direct if d.payment_method == "bank"),
                        sum(d.amount_fen for d in direct if d.payment_method == "cash"))

    by_type = _aid_rows(s, scope, "aid_type", direct)
    aid_by_type = [AidRow(k, TYPE_LABELS.get(k, (k, k))[1], v[0], v[1])
                   for k, v in sorted(by_type.items())]
    causes = dict(s.execute(text("SELECT code, label_zh FROM aid_causes"
                                 " ORDER BY sort_order")).all())
    by_cause = _aid_rows(s, scope, "cause", direct)
    order = list(causes)
    aid_by_cause = [AidRow(k, causes.get(k, k), v[0], v[1]) for k, v in
                    sorted(by_cause.items(), key=lambda kv: (order.index(kv[0])
                                                             if kv[0] in order else 999, kv[0]))]

    levels = levels_from_groups(s, [(c, cls, m, n, fen) for (c, cls, m), (n, fen)
                                    in sorted(level_groups.items())])
    previous = statistics(s, area_id, period.year_before(), compare=False) if compare else None
    return StatisticsReport(area.id, area.code, area.name, period, rows, by_area, channels,
                            aid_by_type, aid_by_cause, levels, previous)


@dataclass(frozen=True)
class MonthPoint:
    month: dt.date
    program: str
    persons: int      # persons covered in the month (person-months of the month)
    funds_fen: int


def monthly_series(s: Session, area_id: int, last_month: dt.date,
                   months: int = 24) -> list[MonthPoint]:
    """Caseload (persons paid in the month; temporary aid: grants) and funds per program for
    each of the ``months`` months up to ``last_month``, both channels (for the charts)."""
    reader(s, area_id=area_id)  # a report of another area is refused, naming it
    area = s.get(Area, area_id)
    end = add_months(dt.date(last_month.year, last_month.month, 1), 1)
    start = add_months(end, -months)
    scope = _scope(s, area, start, end)
    acc: dict[tuple[dt.date, str], list[int]] = {}
    for (rid, _town, _cls), (paid, _cash, grants, persons, _base) in _money_groups(
            s, scope).items():
        program, month = scope.rosters[rid]
        a = acc.setdefault((month, program), [0, 0])
        a[0] += grants if program == "temp_aid" else persons
        a[1] += paid
    for d in _direct_aid(s, scope.params):
        a = acc.setdefault((dt.date(d.paid_on.year, d.paid_on.month, 1), "temp_aid"), [0, 0])
        a[0] += 1
        a[1] += d.amount_fen
    out = []
    m = start
    while m < end:
        for p in PROGRAMS:
            persons, fen = acc.get((m, p), (0, 0))
            out.append(MonthPoint(m, p, persons, fen))
        m = add_months(m, 1)
    return out


@dataclass(frozen=True)
class LiaisonLevel:
    """Leadership liaison (领导定点联系, DOMAIN §11) of one level of leaders in a period:
    contact duties met (达标), missed (未达标) and not yet due (待联系), as the liaison
    compliance report counts them."""

    level: str
    label: str
    met: int
    missed: int
    due: int

    @property
    def rate(self) -> Decimal | None:
        """完成率 = met / (met + missed), half up to one decimal (assistcase.rates)."""
        return rate_percent(self.met, self.met + self.missed)

    @property
    def rate_text(self) -> str:
        return format_rate(self.met, self.met + self.missed)


def liaison_by_level(s: Session, period: Period,
                     today: dt.date | None = None) -> list[LiaisonLevel]:
    """Liaison compliance by leader level (province, city, county) for the duties the
    statistics' ``period`` judges, from the liaison compliance report; a period not over by
    ``today`` counts its open duties as 待联系, not 未达标."""
    kind = {"month": "month", "quarter": "quarter", "year": "year"}.get(period.kind, "span")
    judged = P.Period(period.start, period.end - dt.timedelta(days=1), kind)
    as_of = today if today is not None and today < judged.end else None
    rep = compliance_report(s, judged, as_of=as_of)
    return [LiaisonLevel(k, ORG_LEVEL_ZH[k], t.met, t.missed, t.due)
            for k in ("province", "city", "county") if (t := rep.by_level.get(k)) is not None]
def report_with_series(s: Session, area_id: int, period: Period,
                       today: dt.date) -> tuple[StatisticsReport, list[MonthPoint]]:
    """The statistics of a period and the monthly series for its charts, read together: the
    series ends with the period's last month, or the month before ``today``'s when the period
    runs on past it."""
    last = min(dt.date(today.year, today.month, 1),
               dt.date(period.end.year, period.end.month, 1) - dt.timedelta(days=1))
    return statistics(s, area_id, period), monthly_series(s, area_id, last)


def class_label(residence_class: str | None) -> str:
    return CLASS_ZH.get(residence_class or "", "合计")
