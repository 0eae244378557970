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

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..rules.aid import TYPE_LABELS
from ..errors import FieldError, ValidationError
from ..models import Area
from ..rules.rates import format_change, round_half_up
from ..rules.areas import code_like
from .funds import LevelCheck, levels_from_groups
from ..rules.standards import CLASS_ZH, add_months

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

# The lines of approved rosters of the period in the area, with what was paid (less failed
# payments) and whether it was paid in cash.
_LINES = """
WITH lines AS (
  SELECT r.program, l.category, l.residence_class, l.case_id, l.household_id, l.person_id,
         l.aid_case_id, l.persons, l.base_fen, l.township_code, l.township_name, r.month,
         l.amount_fen - CASE WHEN pr.line_id IS NOT NULL THEN l.amount_fen ELSE 0 END AS paid,
         (l.account_type = 'none' OR trim(l.account_number) = '') AS cash
  FROM roster_lines AS l
  JOIN rosters AS r ON r.id = l.roster_id
  LEFT JOIN payment_results AS pr ON pr.line_id = l.id AND pr.outcome = 'failed'
  WHERE r.status = 'approved' AND r.month >= :start AND r.month < :end
    AND (l.village_code LIKE :prefix OR (l.village_code = '' AND l.township_code LIKE :prefix))
)
"""

# Temporary aid paid directly (not by a roster) in the period in the area.
_DIRECT_AID = """
FROM aid_cases AS a JOIN areas AS t ON t.id = a.township_id
WHERE a.status = 'paid' AND a.paid_via = 'direct' AND a.paid_on >= :start AND a.paid_on < :end
  AND t.code LIKE :prefix
"""


def _params(area: Area, start: dt.date, end: dt.date) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(),
            "prefix": code_like(area.code, area.level)}


def _case_rows(s: Session, params: dict) -> list[tuple]:
    """One pass over the lines: per case of the programs paying cases (dibao, extreme
    hardship, one-time subsidy) its program, class, township, household, most persons
    covered in the period and person-months."""
    return s.execute(text(_LINES + """
        SELECT program, MAX(residence_class), MAX(township_code), MAX(township_name),
               MAX(household_id), MAX(persons), SUM(persons)
        FROM lines WHERE case_id IS NOT NULL AND persons > 0 AND program <> 'temp_aid'
        GROUP BY program, case_id"""), params).all()


def _headcounts(rows: list[tuple], key) -> dict[tuple, Figures]:
    """Figures (without funds) of the case rows grouped by ``key(row)``."""
    acc: dict[tuple, list] = {}
    for row in rows:
        a = acc.setdefault(key(row), [set(), 0, 0])
        a[0].add(row[4])
        a[1] += row[5]
        a[2] += row[6]
    return {k: Figures(len(h), p, m) for k, (h, p, m) in acc.items()}


def _money_rows(s: Session, params: dict) -> list[tuple]:
    """One pass over the lines: (program, class, township code, township name, month, cash,
    paid fen, grants (lines with persons), persons and entitlements of the lines with
    persons) per group, for the funds, the channels, temporary aid and the subsidy level."""
    return s.execute(text(_LINES + """
        SELECT program, residence_class, township_code, MAX(township_name), month, cash,
               SUM(paid), SUM(persons > 0), SUM(CASE WHEN persons > 0 THEN persons END),
               SUM(CASE WHEN persons > 0 THEN base_fen END)
        FROM lines GROUP BY program, residence_class, township_code, month, cash"""),
        params).all()


def _aid_rows(s: Session, params: dict, key: str) -> dict[str, tuple[int, int, int]]:
    """Temporary aid by ``key`` (aid_type or cause): (person-times, funds, distinct persons)
    over both channels: roster grant lines (persons > 0) and direct payments."""
    out: dict[str, list[int]] = {}
    rows = s.execute(text(_LINES + f"""
        SELECT a.{key}, SUM(l.persons > 0), SUM(l.paid) FROM lines AS l
        JOIN aid_cases AS a ON a.id = l.aid_case_id
        WHERE l.program = 'temp_aid' GROUP BY a.{key}"""), params).all()
    rows += s.execute(text(f"SELECT a.{key}, COUNT(*), SUM(a.amount_granted_fen) {_DIRECT_AID}"
                           f" GROUP BY a.{key}"), params).all()
    for k, times, fen in rows:
        acc = out.setdefault(k, [0, 0])
        acc[0] += times or 0
        acc[1] += fen or 0
    return {k: (v[0], v[1], 0) for k, v in out.items()}


def statistics(s: Session, area_id: int, period: Period, compare: bool = True) -> StatisticsReport:
    """The statistics of ``area_id`` for ``period`` (see the module's description), with
    the same period a year earlier when ``compare``."""
    area = s.get(Area, area_id) if isinstance(area_id, int) else None
    if area is None:
        raise ValidationError.single("area_id", "choose the area of the statistics",
                                     "请选择统计区划")
    params = _params(area, period.start, period.end)

    # Two passes over the period's lines: per case (headcounts), per group (money).
    cases = _case_rows(s, params)
    by_class = _headcounts(cases, lambda r: (r[0], r[1]))
    by_town = _headcounts(cases, lambda r: (r[0], r[2], r[3]))
    money = _money_rows(s, params)
    funds_class: dict[tuple, int] = {}
    funds_town: dict[tuple, int] = {}
    bank = cash = 0
    aid_class: dict[str, list[int]] = {}
    aid_town: dict[tuple[str, str], list[int]] = {}
    level_groups: dict[tuple, list[int]] = {}
    for program, cls, town, tname, month, is_cash, paid, grants, persons, base in money:
        paid = paid or 0
        if is_cash:
            cash += paid
        else:
            bank += paid
        if program == "temp_aid":
            for acc in (aid_class.setdefault(cls, [0, 0]),
                        aid_town.setdefault((town, tname), [0, 0])):
                acc[0] += grants or 0
                acc[1] += paid
            continue
        funds_class[(program, cls)] = funds_class.get((program, cls), 0) + paid
        key = (program, town, tname)
        funds_town[key] = funds_town.get(key, 0) + paid
        if program == "dibao" and persons:
            g = level_groups.setdefault((town[:6], cls, month), [0, 0])
            g[0] += persons
            g[1] += base or 0
    # Temporary aid paid directly (not by a roster).
    for cls, town, tname, times, fen in s.execute(text(
            "SELECT a.residence_class, t.code, MAX(t.name), COUNT(*), SUM(a.amount_granted_fen)"
            f" {_DIRECT_AID} GROUP BY a.residence_class, t.code"), params).all():
        for acc in (aid_class.setdefault(cls, [0, 0]), aid_town.setdefault((town, tname), [0, 0])):
            acc[0] += times or 0
            acc[1] += fen or 0
    aid_people = dict(s.execute(text(_LINES + """
        SELECT residence_class, COUNT(DISTINCT person) FROM (
          SELECT l.residence_class, COALESCE(NULLIF(a.id_number, ''), 'case' || a.id) AS person
          FROM lines AS l JOIN aid_cases AS a ON a.id = l.aid_case_id
          WHERE l.program = 'temp_aid' AND l.persons > 0
          UNION ALL
          SELECT a.residence_class, COALESCE(NULLIF(a.id_number, ''), 'case' || a.id)
          """ + _DIRECT_AID + """) GROUP BY residence_class"""), params).all())

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

    direct = dict(s.execute(text("SELECT a.payment_method, SUM(a.amount_granted_fen)"
                                 f" {_DIRECT_AID} GROUP BY a.payment_method"), params).all())
    channels = Channels(bank, cash, direct.get("bank", 0) or 0, direct.get("cash", 0) or 0)

    by_type = _aid_rows(s, params, "aid_type")
    aid_by_type = [AidRow(k, TYPE_LABELS.get(k, (k, k))[1], v[0], v[1])
                   for k, v in sorted(by_type.items())]
    causes = dict(s.execute(text("SELECT code, label_zh FROM aid_causes"
                                 " ORDER BY sort_order")).all())
    by_cause = _aid_rows(s, params, "cause")
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
    area = s.get(Area, area_id)
    end = add_months(dt.date(last_month.year, last_month.month, 1), 1)
    start = add_months(end, -months)
    params = _params(area, start, end)
    acc: dict[tuple[dt.date, str], list[int]] = {}
    for month, program, persons, fen in s.execute(text(_LINES + """
            SELECT month, program,
                   SUM(CASE WHEN program = 'temp_aid' THEN persons > 0 ELSE persons END),
                   SUM(paid) FROM lines GROUP BY month, program"""), params):
        m = dt.date.fromisoformat(str(month)[:10])
        acc[(m, program)] = [persons or 0, fen or 0]
    for month, times, fen in s.execute(text(
            "SELECT substr(a.paid_on, 1, 7) || '-01', COUNT(*), SUM(a.amount_granted_fen)"
            f" {_DIRECT_AID} GROUP BY 1"), params):
        a = acc.setdefault((dt.date.fromisoformat(month), "temp_aid"), [0, 0])
        a[0] += times
        a[1] += fen or 0
    out = []
    m = start
    while m < end:
        for p in PROGRAMS:
            persons, fen = acc.get((m, p), (0, 0))
            out.append(MonthPoint(m, p, persons, fen))
        m = add_months(m, 1)
    return out


def class_label(residence_class: str | None) -> str:
    return CLASS_ZH.get(residence_class or "", "合计")
