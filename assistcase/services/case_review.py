"""Exit review (退出核查) and marginal households (低保边缘家庭), DOMAIN §4, §6, §8.

The monthly recalculation (:func:`assistcase.recalc.recalculate_area`) flags a dibao case whose
per-capita income reaches the standard (``entitlements.exit_review``): that month pays nothing
for it. :func:`exit_reviews_due` lists the flagged cases of an area and month with the figures
the flag came from. It reads the computed month and writes nothing: the amounts shown are the
ones a roster of that month pays, and a month not yet computed (or computed before an income
changed) is recomputed by the caller through ``recalculate_area`` (the cases page offers it).

The caseworker records the review with :func:`record_exit_review`; its outcome takes effect
from the month after the review date:

- ``continue`` (继续保障): the case goes on as it is;
- ``reduce`` (减少保障): fewer covered members;
- ``suspend`` (暂停) / ``terminate`` (终止): nothing is paid from the next month. A household
  whose case is terminated with a per-capita income inside the marginal band is marked
  ``category = 'marginal'`` (低保边缘) in the same transaction.

:func:`marginal_households` computes, read-only, the households of an area whose per-capita
income is above the dibao standard and at most ``marginal_threshold_pct`` (default 150 %) of it
in a month: the list a caseworker monitors, whether or not the household had a case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import FieldError, NotFoundError, ServiceResult, StateError, ValidationError
from ..models import Area, AssistanceCase, CaseMember, Household, Person
from ..rules.areas import code_like
from .recalc import _counties
from ..rules.standards import first_of_month, next_month
from .audit import Auditor, resolve_user
from .cases import (_case, _close, _date, _event, _open_coverage, _terminate,
                    next_review_date)
from .standards import policy_for, standard_for


# outcome: (English, Chinese)
OUTCOMES = {
    "continue": ("continue assistance", "继续保障"),
    "reduce": ("reduce assistance", "减少保障"),
    "suspend": ("suspend", "暂停"),
    "terminate": ("terminate", "终止"),
}

# A review, suspension or termination recorded after the month's computation answers its flag.
_ANSWERED_STEPS = ("review", "suspend", "terminate")


def _area(s: Session, area_id: int) -> Area:
    area = s.get(Area, area_id)
    if area is None:
        raise NotFoundError("area", area_id, "区划")
    return area


# --- the exit-review list -----------------------------------------------------------------


@dataclass(frozen=True)
class ExitReviewDue:
    """A dibao case flagged for exit review in a month, with the figures of the flag."""

    case_id: int
    household_id: int
    household_number: str
    head_name: str
    village: str
    status: str
    month: dt.date
    standard_fen: int
    household_income_fen: int
    household_size: int
    covered_members: int
    amount_fen: int
    computed_at: dt.datetime

    @property
    def per_capita_income(self) -> Fraction:
        """Per-capita monthly income in fen (exact; shown to the fen)."""
        return Fraction(self.household_income_fen, max(self.household_size, 1))


_DUE_SQL = """
SELECT e.case_id, h.id, h.number, h.head_name, v.name, c.status, e.standard_fen,
       e.household_income_fen, e.household_size, e.covered_members, e.amount_fen, e.computed_at
FROM entitlements AS e
JOIN assistance_cases AS c ON c.id = e.case_id
JOIN households AS h ON h.id = e.household_id
JOIN areas AS v ON v.id = h.village_id
WHERE e.month = :month AND e.exit_review AND e.program = 'dibao' AND v.code LIKE :prefix
  AND c.status IN ('active', 'suspended')
  AND NOT EXISTS (SELECT 1 FROM case_events AS ev
                  WHERE ev.case_id = e.case_id AND ev.step IN ('review', 'suspend', 'terminate')
                    AND ev.at > e.computed_at)
ORDER BY h.number, e.case_id
"""


def exit_reviews_due(s: Session, area_id: int, month: dt.date,
                     limit: int | None = 1000) -> list[ExitReviewDue]:
    """Dibao cases of ``area_id`` (any level) whose computed entitlement for ``month`` is
    flagged for exit review (per-capita income reaches the standard), by household number.
    A case is left out once a review (or a suspension or termination) has been recorded for
    it after that month's computation, and when it is no longer active or suspended."""
    area = _area(s, area_id)
    sql = _DUE_SQL + (f" LIMIT {int(limit)}" if limit else "")
    rows = s.execute(text(sql), {"month": first_of_month(month).isoformat(),
                                 "prefix": code_like(area.code, area.level)})
    out = []
    for r in rows:
        at = r[11] if isinstance(r[11], dt.datetime) else dt.datetime.fromisoformat(str(r[11]))
        out.append(ExitReviewDue(r[0], r[1], r[2], r[3], r[4], r[5], first_of_month(month),
                                 r[6], r[7], r[8], r[9], r[10], at))
    return out


def month_computed(s: Session, area_id: int, month: dt.date) -> bool:
    """Whether any entitlement of ``month`` is computed under the area (for the page to offer
    the recalculation when not)."""
    area = _area(s, area_id)
    return s.execute(text(
        "SELECT EXISTS (SELECT 1 FROM entitlements AS e JOIN households AS h"
        " ON h.id = e.household_id JOIN areas AS v ON v.id = h.village_id"
        " WHERE e.month = :month AND v.code LIKE :prefix)"),
        {"month": first_of_month(month).isoformat(), "prefix": code_like(area.code, area.level)}).scalar_one() == 1


# --- marginal households ------------------------------------------------------------------


@dataclass(frozen=True)
class MarginalHousehold:
    """A household whose per-capita income is above the dibao standard and at most the
    marginal threshold (低保边缘)."""

    household_id: int
    household_number: str
    head_name: str
    village: str
    residence_class: str
    category: str
    household_income_fen: int
    household_size: int
    standard_fen: int
    threshold_pct: int

    @property
    def per_capita_income(self) -> Fraction:
        return Fraction(self.household_income_fen, max(self.household_size, 1))

    @property
    def percent_of_standard(self) -> Fraction:
        return self.per_capita_income * 100 / self.standard_fen


# Driven by the incomes in force on the month's first day (a household without income is never
# above the standard), summed once per household, then the household by its key; the size is
# the members of that month (household_memberships, as the recalculation counts them).
_SIZE_SQL = """MAX((SELECT COUNT(*) FROM household_memberships AS hm
                WHERE hm.household_id = {h}
                  AND (hm.joined_on IS NULL OR hm.joined_on < :month)
                  AND (hm.left_on IS NULL OR hm.left_on >= :month)), 1)"""
_INCOME_IN_FORCE = "valid_from <= :month AND (valid_until IS NULL OR valid_until > :month)"
_MARGINAL_SQL = """
WITH params(county_id, residence_class, standard, pct) AS (VALUES {rows}),
inc AS MATERIALIZED (SELECT household_id, SUM(monthly_fen) AS income FROM incomes
                     WHERE """ + _INCOME_IN_FORCE + """
                     GROUP BY household_id HAVING SUM(monthly_fen) > 0),
hh AS MATERIALIZED (
    SELECT h.id, h.number, h.head_name, v.name AS village, h.residence_class, h.category,
           inc.income, """ + _SIZE_SQL.format(h="h.id") + """ AS size, p.standard, p.pct
    FROM inc  -- CROSS JOIN keeps this order: the incomes drive, the rest is found by key
    CROSS JOIN households AS h ON h.id = inc.household_id
    CROSS JOIN areas AS v ON v.id = h.village_id
    CROSS JOIN areas AS t ON t.id = v.parent_id
    CROSS JOIN params AS p ON p.county_id = t.parent_id AND p.residence_class = h.residence_class
    WHERE h.status = 'active' AND v.code LIKE :prefix)
SELECT id, number, head_name, village, residence_class, category, income, size, standard, pct
FROM hh
WHERE income > standard * size AND income * 100 <= standard * size * pct
ORDER BY number
"""


def marginal_households(s: Session, area_id: int, month: dt.date,
                        limit: int | None = 1000) -> list[MarginalHousehold]:
    """Active households under ``area_id`` whose per-capita income in ``month`` is above the
    dibao standard in force (their county's, by residence class) and at most
    ``marginal_threshold_pct`` % of it (policy, default 150), by household number. Exactly at
    the standard is not marginal (DOMAIN §4: "above"); exactly at the threshold is."""
    area = _area(s, area_id)
    month = first_of_month(month)
    rows, params = [], {}
    for i, county in enumerate(_counties(s, area)):
        pct = policy_for(s, county.id, month).marginal_threshold_pct
        for cls in ("urban", "rural"):
            std = standard_for(s, county.id, cls, "dibao", month)
            if std is None:
                continue
            names = (f"c{i}{cls}", f"r{i}{cls}", f"s{i}{cls}", f"p{i}{cls}")
            params.update(zip(names, (county.id, cls, std[1], pct)))
            rows.append(f"(CAST(:{names[0]} AS INTEGER), :{names[1]}, "
                        f"CAST(:{names[2]} AS INTEGER), CAST(:{names[3]} AS INTEGER))")
    if not rows:
        return []
    sql = _MARGINAL_SQL.format(rows=", ".join(rows)) + (f" LIMIT {int(limit)}" if limit else "")
    return [MarginalHousehold(*r) for r in s.execute(text(sql), {
        **params, "prefix": code_like(area.code, area.level), "month": month.isoformat()})]


def is_marginal(s: Session, household_id: int, month: dt.date) -> bool:
    """Whether the household's per-capita income in ``month`` is in the marginal band."""
    hh = s.get(Household, household_id)
    if hh is None:
        raise NotFoundError("household", household_id, "户")
    std = standard_for(s, hh.village_id, hh.residence_class, "dibao", first_of_month(month))
    if std is None:
        return False
    month = first_of_month(month)
    pct = policy_for(s, hh.village_id, month).marginal_threshold_pct
    income, size = s.execute(text(
        "SELECT (SELECT COALESCE(SUM(monthly_fen), 0) FROM incomes WHERE household_id = :h AND "
        + _INCOME_IN_FORCE + "), " + _SIZE_SQL.format(h=":h")),
        {"h": hh.id, "month": month.isoformat()}).one()
    return std[1] * size < income and income * 100 <= std[1] * size * pct


# --- recording the review -----------------------------------------------------------------


def record_exit_review(db: Database, actor: str | int, case_id: int, on: dt.date,
                       outcome: str, findings: str,
                       covered_person_ids: list[int] | None = None) -> ServiceResult:
    """Record an exit review (退出核查) of a dibao case and its outcome, effective from the
    month after ``on``: ``continue``, ``reduce`` (``covered_person_ids``: the members still
    covered, fewer than now), ``suspend`` or ``terminate``. One transaction: a ``review``
    case event naming the outcome, the outcome's own event (suspend / terminate), the audit
    of every changed field; a terminated household in the marginal band is marked marginal."""
    errors: list[FieldError] = []
    _date(errors, "on", on, "核查")
    if outcome not in OUTCOMES:
        errors.append(FieldError("outcome", "choose continue, reduce, suspend or terminate",
                                 "请选择继续保障、减少保障、暂停或终止"))
    if not (findings or "").strip():
        errors.append(FieldError("findings", "record what the review found", "请填写核查情况"))
    if outcome == "reduce" and not covered_person_ids:
        errors.append(FieldError("covered_person_ids", "name the members who stay covered",
                                 "请选择继续保障的成员"))
    if errors:
        raise ValidationError(errors)
    label_en, label_zh = OUTCOMES[outcome]
    findings = findings.strip()
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        if case.program != "dibao":
            raise StateError(f"case {case.id} is not a dibao case: exit review applies to dibao",
                             f"案件 {case.id} 不是低保案件，退出核查只适用于低保")
        if case.status not in ("active", "suspended") or case.paid_from is None:
            raise StateError(f"case {case.id} is {case.status}: only an active or suspended "
                             "case is reviewed",
                             f"案件 {case.id} 不在保，只有在保或暂停的案件需要核查")
        if outcome == "suspend" and case.status != "active":
            raise StateError(f"case {case.id} is already suspended", f"案件 {case.id} 已暂停")
        effective = max(next_month(on), case.paid_from)
        audit = Auditor(s, user)
        audit.apply(case, "case", {"last_review_on": on,
                                   "next_review_on": next_review_date(s, case, on)},
                    case.household_id)
        details = f"exit review 退出核查: {label_en} {label_zh} from {effective:%Y-%m}; {findings}"
        if outcome == "reduce":
            details += "; " + _reduce(s, user, audit, case, covered_person_ids or [], on,
                                      effective, f"退出核查减少保障 exit review: {findings}")
        _event(s, case, user, "review", on, reason=f"exit review: {outcome}", details=details)
        reason = f"退出核查 exit review: {findings}"
        if outcome == "suspend":
            audit.apply(case, "case", {"status": "suspended", "paid_until": effective},
                        case.household_id)
            _event(s, case, user, "suspend", on, reason,
                   details=f"no payment from {effective:%Y-%m}")
        elif outcome == "terminate":
            _terminate(s, user, audit, case, on, reason)
            if is_marginal(s, case.household_id, effective):
                hh = s.get(Household, case.household_id)
                if hh.category == "none":
                    audit.apply(hh, "household", {"category": "marginal"}, hh.id)
        return ServiceResult(household_ids={case.household_id})


def _reduce(s: Session, user, audit: Auditor, case: AssistanceCase, keep: list[int],
            on: dt.date, effective: dt.date, why: str) -> str:
    """Fewer covered members from ``effective``: the others' coverage rows are closed there
    (the month of the review keeps its members), recorded as a 'coverage' step."""
    rows = _open_coverage(s, case.id)
    old = sorted(r.person_id for r in rows)
    new = sorted(set(keep))
    if not new or set(new) - set(old) or len(new) >= len(old):
        raise ValidationError.single(
            "covered_person_ids",
            f"a reduction keeps some of the {len(old)} covered members, fewer than now",
            f"减少保障须保留现有 {len(old)} 名保障对象中的一部分（少于现在）")
    ending = [r for r in rows if r.person_id not in new]
    for row in ending:
        _close(row, effective, why)
    s.flush()
    names = "、".join(s.get(Person, r.person_id).name for r in ending)
    audit.updated("case", case.id, "covered", ",".join(map(str, old)), ",".join(map(str, new)),
                  case.household_id)
    _event(s, case, user, "coverage", on, why,
           f"not covered from {effective:%Y-%m} 自{effective:%Y年%m月}起停保: {names}")
    return f"covered {len(old)} → {len(new)} from {effective:%Y-%m}"
