"""Period arithmetic and compliance for leadership liaison (DOMAIN §11). Pure functions.

Periods are calendar-aligned and nest: month ⊂ quarter ⊂ half-year ⊂ year. A rule says "at
least ``min_contacts`` contacts per period of kind ``k``"; each period of kind ``k`` during an
assignment is one *duty*.

Mid-period assignments (the fairness rule, stated in docs/liaison.md): the requirement of a
period is **prorated** by the days the assignment covers, rounded half up::

    required = round_half_up(min_contacts × covered_days / period_days)

For the notice's once-per-period rows this means a period is a duty when the assignment covers
at least half of its days. A leader is not charged for a half-year they held for three weeks,
nor excused for one they held for five months; the same rule applies to an assignment that
ends mid-period. Only visits inside the covered days count.

A report for a period P judges the duties whose rule period *ends within* P; a quarterly duty
is judged in the month, quarter, half-year and year reports that contain its last day, never
in January's. So a year's figures are the sum of its months' figures.

Rules hold from a date (:class:`RuleVersion`): a change applies from its date on and past
periods keep the rule in force then. Each version governs the days from its date to the
day before the next one; inside those days its periods are judged exactly as an assignment
that starts or ends there (prorated), so a change from monthly to quarterly on 1 July judges
January–June monthly and the second half quarterly, and a change mid-month charges the
partial month or quarter by the days it covers.

Contacts count at most once per day and institution: several visits on one day are one
contact.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from . import rates

PERIOD_KINDS = ("month", "quarter", "half", "year")
PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
PERIOD_ZH = {"month": "月", "quarter": "季度", "half": "半年", "year": "年"}
PERIOD_EN = {"month": "month", "quarter": "quarter", "half": "half-year", "year": "year"}

MET, MISSED, DUE = "met", "missed", "due"
# The same words on screen and on paper (issue 17/21): 达标 / 未达标 / 待联系, and 完成率.
STATUS_ZH = {MET: "达标", MISSED: "未达标", DUE: "待联系"}


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + (month - 1) + n
    return k // 12, k % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period; ``start`` and ``end`` are both inclusive."""

    start: dt.date
    end: dt.date
    kind: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> "Period":
        return period_containing(self.kind, self.end + dt.timedelta(days=1))

    def previous(self) -> "Period":
        return period_containing(self.kind, self.start - dt.timedelta(days=1))

    def label(self, lang: str = "en") -> str:
        y, m = self.start.year, self.start.month
        zh = lang.startswith("zh")
        if self.kind == "month":
            return f"{y}年{m}月" if zh else f"{y}-{m:02d}"
        if self.kind == "quarter":
            q = (m - 1) // 3 + 1
            return f"{y}年第{q}季度" if zh else f"{y}-Q{q}"
        if self.kind == "half":
            h = (m - 1) // 6 + 1
            return (f"{y}年{'上' if h == 1 else '下'}半年") if zh else f"{y}-H{h}"
        return f"{y}年" if zh else str(y)


def period_containing(kind: str, day: dt.date) -> Period:
    if kind not in PERIOD_MONTHS:
        raise ValueError(f"unknown period kind {kind!r}")
    n = PERIOD_MONTHS[kind]
    first_month = (day.month - 1) // n * n + 1
    start = dt.date(day.year, first_month, 1)
    y, m = _add_months(day.year, first_month, n)
    return Period(start, dt.date(y, m, 1) - dt.timedelta(days=1), kind)


def periods_overlapping(kind: str, start: dt.date, end: dt.date) -> list[Period]:
    """Every period of ``kind`` that shares at least one day with [start, end]."""
    out: list[Period] = []
    p = period_containing(kind, start)
    while p.start <= end:
        out.append(p)
        p = p.next()
    return out


def periods_ending_within(kind: str, outer: Period) -> list[Period]:
    """The periods of ``kind`` whose last day falls inside ``outer`` (the duties ``outer``
    judges). For a kind coarser than ``outer`` that is zero or one period."""
    return [p for p in periods_overlapping(kind, outer.start, outer.end) if outer.contains(p.end)]


def covered_span(period: Period, span_start: dt.date,
                 span_end: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """The days of ``period`` inside an assignment [span_start, span_end]; None if none."""
    start = max(period.start, span_start)
    end = period.end if span_end is None else min(period.end, span_end)
    return (start, end) if start <= end else None


def prorated_requirement(min_contacts: int, covered_days: int, period_days: int) -> int:
    """``min_contacts × covered / period`` rounded half up, in integers (no float edge cases)."""
    return (2 * min_contacts * covered_days + period_days) // (2 * period_days)


@dataclass(frozen=True)
class Duty:
    """One period's contact duty under one assignment."""

    period: Period
    covered_start: dt.date
    covered_end: dt.date
    required: int
    done: int

    @property
    def met(self) -> bool:
        return self.done >= self.required

    def status(self, as_of: dt.date | None = None) -> str:
        """met; missed once the period is over (``as_of`` None: judge as if over); else due."""
        if self.met:
            return MET
        if as_of is None or self.period.end < as_of:
            return MISSED
        return DUE


def count_between(sorted_days: Sequence[dt.date], start: dt.date, end: dt.date) -> int:
    return bisect.bisect_right(sorted_days, end) - bisect.bisect_left(sorted_days, start)


def duty_for(kind: str, min_contacts: int, period: Period, span_start: dt.date,
             span_end: dt.date | None, visit_days: Sequence[dt.date]) -> Duty | None:
    """The duty of ``period`` under an assignment, or None when the prorated requirement is 0.
    ``visit_days`` must be sorted."""
    cov = covered_span(period, span_start, span_end)
    if cov is None:
        return None
    required = prorated_requirement(min_contacts, (cov[1] - cov[0]).days + 1, period.days)
    if required == 0:
        return None
    return Duty(period, cov[0], cov[1], required, count_between(visit_days, *cov))


def duties_judged_in(kind: str, min_contacts: int, report_period: Period, span_start: dt.date,
                     span_end: dt.date | None, visit_days: Iterable[dt.date]) -> list[Duty]:
    """The duties of one assignment that a report for ``report_period`` judges."""
    days = sorted(set(visit_days))
    out = []
    for p in periods_ending_within(kind, report_period):
        d = duty_for(kind, min_contacts, p, span_start, span_end, days)
        if d is not None:
            out.append(d)
    return out


@dataclass(frozen=True, order=True)
class RuleVersion:
    """How often a rule requires contact from ``effective_from`` on (until the next one)."""

    effective_from: dt.date
    period: str
    min_contacts: int


def rule_segments(versions: Sequence[RuleVersion], span_start: dt.date,
                  span_end: dt.date | None) -> list[tuple[RuleVersion, dt.date, dt.date | None]]:
    """The parts of [span_start, span_end] each version governs, in order. Days before the
    first version are governed by the first (the seeded versions start in 2000)."""
    vs = sorted(versions)
    out = []
    for i, v in enumerate(vs):
        seg_start = span_start if i == 0 else max(span_start, v.effective_from)
        nxt = vs[i + 1].effective_from - dt.timedelta(days=1) if i + 1 < len(vs) else None
        seg_end = span_end if nxt is None else (nxt if span_end is None else min(span_end, nxt))
        if seg_end is None or seg_start <= seg_end:
            out.append((v, seg_start, seg_end))
    return out


def version_on(versions: Sequence[RuleVersion], day: dt.date) -> RuleVersion:
    """The version in force on ``day``."""
    vs = sorted(versions)
    current = vs[0]
    for v in vs:
        if v.effective_from <= day:
            current = v
    return current


def duties_under_versions(versions: Sequence[RuleVersion], report_period: Period,
                          span_start: dt.date, span_end: dt.date | None,
                          visit_days: Iterable[dt.date]) -> list[Duty]:
    """The duties of one assignment that ``report_period`` judges, each period judged by the
    rule version in force in it."""
    days = sorted(set(visit_days))
    out: list[Duty] = []
    for v, a, b in rule_segments(versions, span_start, span_end):
        out += duties_judged_in(v.period, v.min_contacts, report_period, a, b, days)
    return sorted(out, key=lambda d: (d.period.end, d.period.start))


@dataclass(frozen=True)
class Tally:
    """Duties counted together (per leader, per role, per level)."""

    met: int = 0
    missed: int = 0
    due: int = 0

    def add(self, status: str) -> "Tally":
        return Tally(self.met + (status == MET), self.missed + (status == MISSED),
                     self.due + (status == DUE))

    @property
    def judged(self) -> int:
        return self.met + self.missed

    @property
    def rate(self) -> float | None:
        """met / (met + missed); duties still due are not judged yet."""
        return self.met / self.judged if self.judged else None

    @property
    def rate_text(self) -> str:
        """The rate as shown everywhere (half up, one decimal: 81.25 % → '81.3%')."""
        return rates.format_rate(self.met, self.judged)


def month_starts(first: dt.date, months: int) -> list[dt.date]:
    out = []
    y, m = first.year, first.month
    for i in range(months):
        yy, mm = _add_months(y, m, i)
        out.append(dt.date(yy, mm, 1))
    return out


@dataclass(frozen=True)
class LeaderTally:
    """Leaders counted together: those judged (at least one duty met or missed) and those
    fully compliant (none missed)."""

    judged: int = 0
    compliant: int = 0

    def add(self, tally: Tally) -> "LeaderTally":
        if not tally.judged:
            return self
        return LeaderTally(self.judged + 1, self.compliant + (tally.missed == 0))

    @property
    def short(self) -> int:
        return self.judged - self.compliant

    @property
    def rate_text(self) -> str:
        return rates.format_rate(self.compliant, self.judged)


def duties_ending_between(versions: Sequence[RuleVersion], start: dt.date, end: dt.date,
                          span_start: dt.date, span_end: dt.date | None,
                          visit_days: Iterable[dt.date]) -> list[Duty]:
    """The duties of one assignment whose period ends in [start, end] (schedule windows)."""
    return duties_under_versions(versions, Period(start, end, "span"), span_start, span_end,
                                 visit_days)
