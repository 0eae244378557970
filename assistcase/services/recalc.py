"""Entitlements from the database: one case (through the pure functions of
:mod:`assistcase.entitlement`) and a whole area's month as one set-based SQL statement.

The set-based recalculation resolves the rules once per county and class (standards in force
on the month's first day, policy settings; a handful of small queries through the same
functions the single-case path uses) and then computes every paying case of the area in one
``INSERT … SELECT`` with aggregates over the incomes in force on the month's first day, the
household's members of that month (membership history) and the persons covered that month,
the formula of
:func:`~assistcase.entitlement.dibao_entitlement` in integer SQL arithmetic. A test holds the
two paths equal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import Date, DateTime, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from ..db import Database
from ..rules.entitlement import (CoveredMember, DibaoInputs, DibaoRules, Entitlement, TekunInputs,
                          dibao_entitlement, tekun_entitlement)
from ..errors import NotFoundError, ValidationError
from ..models import (Area, AssistanceCase, CaseMember, Household, HouseholdMembership, Income,
                     Person)
from ..models.base import utcnow
from ..sqldialect import greatest, is_pg
from ..progress import CancelToken, ProgressFn
from .audit import Auditor, resolve_user
from .standards import policy_for, standard_history, standard_notices, standards_for
from ..rules.areas import code_like, code_prefix
from ..rules.standards import CARE_KIND, first_of_month
from .auth import requires


# --- one case -----------------------------------------------------------------------------


def case_inputs(s: Session, case_id: int,
                month: dt.date | None = None) -> DibaoInputs | TekunInputs:
    """The pure function's inputs for a case and a month (default this month), read from the
    registry and the standards as they were in that month: the incomes in force on its first
    day, the household's members of that month (:class:`~assistcase.models.HouseholdMembership`),
    the persons covered in it and the policy settings in force on that day."""
    case = s.get(AssistanceCase, case_id)
    if case is None:
        raise NotFoundError("case", case_id, "救助案件")
    month = first_of_month(month or dt.date.today())
    hh = s.get(Household, case.household_id)
    if case.program == "tekun":
        person = s.get(Person, case.person_id)
        return TekunInputs(
            basic_standards=tuple(standard_history(s, hh.village_id, hh.residence_class,
                                                   "tekun_basic")),
            care_standards={level: tuple(standard_history(s, hh.village_id, hh.residence_class,
                                                          kind))
                            for level, kind in CARE_KIND.items()},
            self_care=case.self_care or person.self_care, name=person.name,
            support_mode=case.support_mode, institution_name=case.institution_name,
            residence_class=hh.residence_class,
            notices=tuple(standard_notices(s, hh.village_id, hh.residence_class, "tekun_basic")))
    income = s.scalar(select(func.coalesce(func.sum(Income.monthly_fen), 0))
                      .where(Income.household_id == hh.id, Income.valid_from <= month,
                             or_(Income.valid_until.is_(None), Income.valid_until > month)))
    size = s.scalar(select(func.count()).select_from(HouseholdMembership)
                    .where(HouseholdMembership.household_id == hh.id,
                           or_(HouseholdMembership.joined_on.is_(None),
                               HouseholdMembership.joined_on < month),
                           or_(HouseholdMembership.left_on.is_(None),
                               HouseholdMembership.left_on >= month)))
    covered = tuple(CoveredMember(p.name, p.birth_date, p.in_school, p.disability_grade,
                                  p.serious_illness)
                    for p in s.scalars(select(Person).join(CaseMember,
                                                           CaseMember.person_id == Person.id)
                                       .where(CaseMember.case_id == case.id,
                                              CaseMember.covered_from <= month,
                                              or_(CaseMember.covered_until.is_(None),
                                                  CaseMember.covered_until > month))
                                       .order_by(Person.id)))
    return DibaoInputs(
        standards=tuple(standard_history(s, hh.village_id, hh.residence_class, "dibao")),
        household_income_fen=income, household_size=max(size, 1), covered=covered,
        rules=DibaoRules.from_policy(policy_for(s, hh.village_id, month)),
        residence_class=hh.residence_class,
        notices=tuple(standard_notices(s, hh.village_id, hh.residence_class, "dibao")))


def case_entitlement(s: Session, case_id: int, month: dt.date) -> Entitlement:
    """The amount and breakdown for a case and a month (whether or not the case is paid that
    month: see :meth:`~assistcase.services.cases.CaseView.paid_in`)."""
    inputs = case_inputs(s, case_id, month)
    if isinstance(inputs, TekunInputs):
        return tekun_entitlement(inputs, month)
    return dibao_entitlement(inputs, month)


# --- a whole area -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecalcResult:
    area_id: int
    month: dt.date
    cases: int
    amount_fen: int
    exit_review: int
    skipped_no_standard: int
    seconds: float


def _counties(s: Session, area: Area) -> list[Area]:
    """The counties whose rules apply to the households under ``area``."""
    if area.level in ("province", "city"):
        prefix = code_prefix(area.code, area.level)
        return list(s.scalars(select(Area).where(Area.level == "county",
                                                 Area.code.like(prefix + "%"))))
    county = area
    while county is not None and county.level != "county":
        county = s.get(Area, county.parent_id) if county.parent_id else None
    return [county] if county is not None else []


def _years_before(day: dt.date, years: int) -> dt.date:
    return dt.date(day.year - years, day.month, 1)


_DATE_PARAMS = ("month", "elderly_born", "minor_born", "pupil_born")


def _typed(sql: str):
    """``text(sql)`` with its date and time parameters typed: dates are dates on both
    engines (a bare string in a SELECT list would be text on PostgreSQL)."""
    binds = [bindparam(k, type_=Date) for k in _DATE_PARAMS if f":{k}" in sql]
    if ":now" in sql:
        binds.append(bindparam("now", type_=DateTime))
    return text(sql).bindparams(*binds)


# the standards a county's rules need, in the order of their columns in _PARAM_COLUMNS
_KINDS = ("dibao", "tekun_basic", "care_full", "care_partial", "care_none")
_PARAM_COLUMNS = ("county_id", "residence_class", "dibao", "basic", "care_full", "care_partial",
                  "care_none", "p_eld", "p_dis", "p_ill", "p_min", "floor_fen", "rounding")

# ``{paying}``: the cases paid in the month with their rules, household size and income
# (_SQLITE_PAYING after _SQLITE_STAGE, or _PG_PAYING after _PG_STAGES); ``{dib}``: the dibao
# cases with their covered members (_SQLITE_DIB, _DIB).
# Dibao amount as an exact fraction num/den of fen (den = 100 × household size), then rounded
# once: the gap method with extras and the floor, exactly as entitlement.dibao_entitlement.
_RECALC_SQL = """
INSERT INTO entitlements (month, case_id, household_id, program, standard_fen,
                          household_income_fen, household_size, covered_members, extra_percent,
                          amount_fen, exit_review, computed_at)
{paying}{dib}SELECT :month, case_id, household_id, 'dibao', dibao, income, size, covered, pct,
       CASE WHEN income >= dibao * size OR covered = 0 THEN 0
            WHEN rounding = 'up_yuan' THEN (num + 100 * den - 1) / (100 * den) * 100
            WHEN rounding = 'nearest_yuan' THEN (2 * num + 100 * den) / (200 * den) * 100
            ELSE (2 * num + den) / (2 * den) END,
       income >= dibao * size, :now
FROM dib
UNION ALL
SELECT :month, case_id, household_id, 'tekun', basic, 0, size, 1, 0,
       basic + COALESCE(CASE self_care WHEN 'full' THEN care_full
                                        WHEN 'partial' THEN care_partial
                                        WHEN 'none' THEN care_none END, 0),
       FALSE, :now
FROM paying WHERE program = 'tekun' AND basic IS NOT NULL{order}
"""

# SQLite: the cases paid in the month with their rules, household size and income are staged
# in a temporary table keyed by the case (``temp.recalc_paying``, written in the cases' order:
# each row an append). Its rowid order lets the covered members be counted by a plain LEFT
# JOIN grouped by the case without a sort, and no automatic index is built to join them back
# (issue 20: against a materialized CTE whose GROUP BY sorted 500,000 member rows and whose
# join built an index of 179,224 rows, 0.3 of the statement's 2.1 CPU seconds at city scale);
# its row count is the cases in scope. The cases are the outer loop (CROSS JOIN: SQLite keeps
# the order written) and each finds its village's rules in ``vp`` (village × the county's
# rules): with the 18-row ``params`` first, SQLite scanned every case once per row of rules
# (issue 20: 6.8 → 3.4 CPU seconds for the recalculation). A dibao case's household income is
# looked up with the case (by index, once per case: against a CTE of the households' incomes
# that had to be listed, grouped and indexed to be joined).
_SQLITE_STAGE_COLUMNS = ("case_id INTEGER PRIMARY KEY, program VARCHAR(8), household_id INTEGER,"
                         " self_care VARCHAR(8), size INTEGER, income INTEGER, "
                         + ", ".join(f"{c} VARCHAR(16)" if c in ("residence_class", "rounding")
                                     else f"{c} INTEGER" for c in _PARAM_COLUMNS))
_SQLITE_STAGE = """WITH params({param_columns}) AS (VALUES {param_rows}),
vc(village_id, county_id) AS MATERIALIZED (
    SELECT v.id, t.parent_id FROM areas AS v JOIN areas AS t ON t.id = v.parent_id
    WHERE v.level = 'village' AND v.code LIKE :prefix),
vp AS MATERIALIZED (
    SELECT vc.village_id, params.* FROM vc JOIN params ON params.county_id = vc.county_id)
INSERT INTO temp.recalc_paying
SELECT c.id, c.program, c.household_id, c.self_care,
       MAX((SELECT COUNT(*) FROM household_memberships AS hm
            WHERE hm.household_id = c.household_id
              AND (hm.joined_on IS NULL OR hm.joined_on < :month)
              AND (hm.left_on IS NULL OR hm.left_on >= :month)), 1),
       CASE WHEN c.program = 'dibao' THEN (
           SELECT COALESCE(SUM(i.monthly_fen), 0) FROM incomes AS i
           WHERE i.household_id = c.household_id AND i.valid_from <= :month
             AND (i.valid_until IS NULL OR i.valid_until > :month)) END,
       {rule_columns}
FROM assistance_cases AS c
CROSS JOIN households AS h
CROSS JOIN vp AS p
WHERE h.id = c.household_id AND p.village_id = h.village_id
  AND p.residence_class = h.residence_class
  AND c.paid_from <= :month AND (c.paid_until IS NULL OR c.paid_until > :month)
  AND (CAST(:program AS VARCHAR(8)) IS NULL OR c.program = :program)
"""
_SQLITE_PAYING = "WITH paying AS (SELECT * FROM temp.recalc_paying),\n"
# the covered members' count and extra percent of each dibao case, grouped in the staged
# table's order (a LEFT JOIN: a case without members covered that month has 0 and 0)
_SQLITE_DIB = """dib AS (
    SELECT case_id, household_id, dibao, size, rounding, income, covered, pct,
           MAX((dibao * size - income) * covered * 100 + dibao * pct * size,
               floor_fen * covered * 100 * size) AS num,
           100 * size AS den
    FROM (SELECT pay.case_id, pay.household_id, pay.dibao, pay.size, pay.rounding, pay.income,
                 pay.floor_fen, COUNT(pe.id) AS covered,
                 COALESCE(SUM(MAX(
                     CASE WHEN pe.birth_date <= :elderly_born THEN pay.p_eld ELSE 0 END,
                     CASE WHEN pe.disability_grade IN (1, 2) THEN pay.p_dis ELSE 0 END,
                     CASE WHEN pe.serious_illness THEN pay.p_ill ELSE 0 END,
                     CASE WHEN pe.birth_date > :minor_born
                            OR (pe.in_school AND pe.birth_date > :pupil_born)
                          THEN pay.p_min ELSE 0 END)), 0) AS pct
          FROM temp.recalc_paying AS pay
          LEFT JOIN case_members AS cm ON cm.case_id = pay.case_id AND cm.covered_from <= :month
                                      AND (cm.covered_until IS NULL OR cm.covered_until > :month)
          LEFT JOIN persons AS pe ON pe.id = cm.person_id
          WHERE pay.program = 'dibao' AND pay.dibao IS NOT NULL
          GROUP BY pay.case_id))
"""
# PostgreSQL: the covered members aggregated once (a CTE), joined to the cases. Counted from
# case_members; of the persons only those who can add a percentage are joined (elderly,
# under 18, disability grade 1-2, serious illness: the CASEs below give 0 for anyone else and
# for a NULL row alike): a hash of 449,222 of a city's 704,389 persons instead of all, and
# the statement 2.85 -> 2.48 s at city scale (three pairs on one copy, same rows written).
_DIB = """cov AS MATERIALIZED (
    SELECT pay.case_id, COUNT(*) AS covered,
           -- an integer on both engines (PostgreSQL's SUM of BIGINT is NUMERIC, which would
           -- make the rounding below a decimal division)
           CAST(SUM({greatest}(CASE WHEN pe.birth_date <= :elderly_born THEN pay.p_eld ELSE 0 END,
                   CASE WHEN pe.disability_grade IN (1, 2) THEN pay.p_dis ELSE 0 END,
                   CASE WHEN pe.serious_illness THEN pay.p_ill ELSE 0 END,
                   CASE WHEN pe.birth_date > :minor_born
                          OR (pe.in_school AND pe.birth_date > :pupil_born)
                        THEN pay.p_min ELSE 0 END)) AS BIGINT) AS pct
    FROM paying AS pay
    JOIN case_members AS cm ON cm.case_id = pay.case_id AND cm.covered_from <= :month
                            AND (cm.covered_until IS NULL OR cm.covered_until > :month)
    LEFT JOIN persons AS pe ON pe.id = cm.person_id
        AND (pe.birth_date <= :elderly_born OR pe.birth_date > :minor_born
             OR pe.birth_date > :pupil_born OR pe.disability_grade IN (1, 2)
             OR pe.serious_illness)
    WHERE pay.program = 'dibao'
    GROUP BY pay.case_id),
dib AS (
    SELECT pay.case_id, pay.household_id, pay.dibao, pay.size, pay.rounding,
           pay.income, COALESCE(cov.covered, 0) AS covered, COALESCE(cov.pct, 0) AS pct,
           {greatest}((pay.dibao * pay.size - pay.income) * COALESCE(cov.covered, 0) * 100
               + pay.dibao * COALESCE(cov.pct, 0) * pay.size,
               pay.floor_fen * COALESCE(cov.covered, 0) * 100 * pay.size) AS num,
           100 * pay.size AS den
    FROM paying AS pay
    LEFT JOIN cov ON cov.case_id = pay.case_id
    WHERE pay.program = 'dibao' AND pay.dibao IS NOT NULL)
"""

# PostgreSQL: the rules of each village, the cases paid with their rules, then with their
# household's size and income are staged in temporary tables, each analysed before the next
# reads it (_PG_STAGES); the INSERT reads ``paying`` from the last and aggregates the covered
# persons of its dibao cases. PostgreSQL cannot estimate the rows of a CTE over joins of
# cases, households and villages nor a filter on a CTE: it took ``paying`` for 175 rows at
# city scale (228,660), and joined households by village and every case's incomes and
# covered persons by nested loops (issue 14: 10.8 s for this statement under load). With the
# staged tables' real sizes it hashes for a city and looks up for a village. The tables last
# until the transaction ends (ON COMMIT DROP).
_PG_STAGES = (("recalc_rules", "village_id INTEGER, {param_types}", """
WITH params({param_columns}) AS (VALUES {param_rows})
SELECT v.id, params.* FROM areas AS v
JOIN areas AS t ON t.id = v.parent_id
JOIN params ON params.county_id = t.parent_id
WHERE v.level = 'village' AND v.code LIKE :prefix"""),
              ("recalc_cases", "case_id INTEGER, program VARCHAR(8), household_id INTEGER,"
                               " self_care VARCHAR(8), {param_types}", """
SELECT c.id, c.program, c.household_id, c.self_care, {rule_columns}
FROM assistance_cases AS c
JOIN households AS h ON h.id = c.household_id
JOIN recalc_rules AS r ON r.village_id = h.village_id AND r.residence_class = h.residence_class
WHERE c.paid_from <= :month AND (c.paid_until IS NULL OR c.paid_until > :month)
  AND (CAST(:program AS VARCHAR(8)) IS NULL OR c.program = :program)"""),
              ("recalc_paying", "LIKE recalc_cases, size BIGINT, income BIGINT", """
WITH members AS (
    SELECT hm.household_id, COUNT(*) AS n FROM household_memberships AS hm
    WHERE hm.household_id IN (SELECT household_id FROM recalc_cases)
      AND (hm.joined_on IS NULL OR hm.joined_on < :month)
      AND (hm.left_on IS NULL OR hm.left_on >= :month)
    GROUP BY hm.household_id),
incomes_in_force AS (
    SELECT i.household_id, SUM(i.monthly_fen) AS income FROM incomes AS i
    WHERE i.household_id IN (SELECT household_id FROM recalc_cases WHERE program = 'dibao')
      AND i.valid_from <= :month AND (i.valid_until IS NULL OR i.valid_until > :month)
    GROUP BY i.household_id)
SELECT rc.*, GREATEST(COALESCE(m.n, 0), 1), COALESCE(inc.income, 0)
FROM recalc_cases AS rc
LEFT JOIN members AS m ON m.household_id = rc.household_id
LEFT JOIN incomes_in_force AS inc ON inc.household_id = rc.household_id"""))
_PG_PAYING = "WITH paying AS NOT MATERIALIZED (SELECT * FROM recalc_paying),\n"
# and what the rows written add up to, without reading them back; ``{keep}`` copies the rows
# that pay something into a caller's table as well (a roster build's, _PG_KEEP)
_PG_RETURNING = """WITH written AS ({insert} RETURNING *){keep}
SELECT {totals} FROM written"""
_PG_KEEP = """,
kept AS (INSERT INTO {table} SELECT * FROM written WHERE amount_fen > 0)"""
# the rows written: how many, their amount, how many flagged for exit review, how many dibao
_TOTALS = ("COUNT(*), COALESCE(SUM(amount_fen), 0),"
           " COALESCE(SUM(CASE WHEN exit_review THEN 1 ELSE 0 END), 0),"
           " COALESCE(SUM(CASE WHEN program = 'dibao' THEN 1 ELSE 0 END), 0)")
_PG_PARAM_TYPES = ", ".join(f"{c} VARCHAR(16)" if c in ("residence_class", "rounding")
                            else f"{c} BIGINT" for c in _PARAM_COLUMNS)


_SCOPE_SQL = """
SELECT COUNT(*) FROM assistance_cases AS c
JOIN households AS h ON h.id = c.household_id
JOIN areas AS v ON v.id = h.village_id
WHERE v.code LIKE :prefix AND c.paid_from <= :month
  AND (c.paid_until IS NULL OR c.paid_until > :month)
  AND (CAST(:program AS VARCHAR(8)) IS NULL OR c.program = :program)
"""


def city_scale(s: Session) -> None:
    """PostgreSQL, for the rest of the transaction: the hashes and sorts of a city's rows in
    memory, and no JIT compilation (its optimisation took 0.8 s a statement at city scale
    and saved less). Set by the recalculation, and by a roster build that does not compute
    (its lines' statement spilled its hashes and sort to disk: 6.5 s against 4)."""
    if is_pg(s.get_bind()):
        conn = s.connection()
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        conn.exec_driver_sql("SET LOCAL jit = off")


@contextlib.contextmanager
def no_nested_loops(s: Session) -> Iterator[None]:
    """PostgreSQL: no nested loops for the statements run in the block (a statement reading
    the month's rows by area right after they were written: see the DELETE below)."""
    if not is_pg(s.get_bind()):
        yield
        return
    conn = s.connection()
    was = conn.exec_driver_sql("SELECT current_setting('enable_nestloop')").scalar_one()
    conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
    yield
    conn.execute(text("SELECT set_config('enable_nestloop', :was, true)"), {"was": was})


@requires("entitlement.recalculate", area="area_id")
def recalculate_area(db: Database, actor: str | int, area_id: int, month: dt.date,
                     progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None) -> RecalcResult:
    """Recompute the entitlements of every case paid in ``month`` under ``area_id`` (any
    level), replacing the area's rows for that month, in one transaction. Cases whose county
    has no standard in force are skipped and counted."""
    if not isinstance(month, dt.date):
        raise ValidationError.single("month", "give the month", "请选择月份")
    t0 = time.perf_counter()
    with db.begin() as s:
        user = resolve_user(s, actor)
        area = s.get(Area, area_id)
        if area is None:
            raise NotFoundError("area", area_id, "区划")
        result = recalculate_in(s, user, area, month, progress, cancel)
    (progress or (lambda _f, _m: None))(1.0, "done 完成")
    return RecalcResult(area.id, result.month, result.cases, result.amount_fen,
                        result.exit_review, result.skipped_no_standard, time.perf_counter() - t0)


def recalculate_in(s: Session, user, area: Area, month: dt.date,
                   progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None,
                   program: str | None = None,
                   keep_paid_in: str | None = None) -> RecalcResult:
    """The recalculation inside the caller's write transaction (the roster build uses it so
    that entitlements and roster lines are written together or not at all). ``program``
    ('dibao' or 'tekun') limits it to that program's cases: a roster of one program
    recomputes only what it pays. PostgreSQL: ``keep_paid_in`` names a table shaped as
    ``entitlements`` (a temporary one of the caller's) that receives the rows written whose
    amount is above 0, from the same statement (the roster build reads its lines from it
    instead of finding the month's rows again)."""
    month = first_of_month(month)
    report = progress or (lambda _f, _m: None)
    t0 = time.perf_counter()
    generation = inputs_generation(s)   # before anything is read (PostgreSQL: locked)
    prefix = code_like(area.code, area.level)
    rows, params = [], {}
    for i, county in enumerate(_counties(s, area)):
        policy = policy_for(s, county.id, month)
        for cls in ("urban", "rural"):
            found = standards_for(s, county.id, cls, _KINDS, month)
            fen = [found[kind][1] if found[kind] else None for kind in _KINDS]
            values = (county.id, cls, *fen, policy.increment_elderly_pct,
                      policy.increment_severe_disability_pct,
                      policy.increment_serious_illness_pct, policy.increment_minor_pct,
                      policy.floor_fen_per_person, policy.rounding)
            names = [f"p{i}_{cls}_{c}" for c in _PARAM_COLUMNS]
            params.update(zip(names, values))
            rows.append("(" + ", ".join(f"CAST(:{n} AS BIGINT)" if c not in
                                        ("residence_class", "rounding") else f":{n}"
                                        for n, c in zip(names, _PARAM_COLUMNS)) + ")")
    report(0.1, "rules resolved 已取得标准")
    if cancel is not None:
        cancel.check()
    scope = {"prefix": prefix, "month": month, "program": program}
    # PostgreSQL: the area's households listed once and hashed (OFFSET 0 keeps the subquery
    # from becoming a join): the month's rows just written are not in the table's statistics
    # yet, and it probed households and villages once a row (1.3-2 s for a city's roster).
    # Nested loops are ruled out for this statement: on such an underestimate of the month's
    # rows (150 for 30,000 after a recalculation) PostgreSQL rescanned the listed households
    # once a row, 30,000 × 40,000 (a 40,000-household city's build after its recalculation:
    # 154 s for this DELETE; issue 14).
    delete = _typed("DELETE FROM entitlements WHERE month = :month"
                    " AND (CAST(:program AS VARCHAR(8)) IS NULL OR program = :program)"
                    " AND household_id IN "
                    "(SELECT h.id FROM households AS h JOIN areas AS v ON v.id = h.village_id"
                    " WHERE v.code LIKE :prefix"
                    + (" OFFSET 0)" if is_pg(s.get_bind()) else ")"))
    with no_nested_loops(s):
        s.execute(delete, scope)
    totals, staged = None, {}
    if rows:
        values = {**params, **scope,
                  "elderly_born": _years_before(month, 60),
                  "minor_born": _years_before(month, 16),
                  "pupil_born": _years_before(month, 18),
                  # UTC, as every other timestamp (case events are compared to it)
                  "now": utcnow()}
        rules = {"param_columns": ", ".join(_PARAM_COLUMNS), "param_rows": ", ".join(rows)}
        if is_pg(s.get_bind()):
            conn = s.connection()
            city_scale(s)
            # the staged tables are analysed for their sizes and the spread of their keys:
            # a sample of 3,000 rows tells that as well as 30,000 (default 100), and each
            # ANALYZE of a city's 228,660 cases took 0.2 s of statistics over 17 columns
            conn.exec_driver_sql("SET LOCAL default_statistics_target = 10")
            for table, columns, select_sql in _PG_STAGES:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{table}")
                conn.exec_driver_sql(f"CREATE TEMP TABLE {table} ("
                                     + columns.format(param_types=_PG_PARAM_TYPES)
                                     + ") ON COMMIT DROP")
                s.execute(_typed(f"INSERT INTO {table}" + select_sql.format(
                    rule_columns=", ".join(f"r.{c}" for c in _PARAM_COLUMNS), **rules)),
                    values)
                conn.exec_driver_sql(f"ANALYZE {table}")
            # in the order of the entitlements' keys ((month, case_id) and case_id): rows
            # coming out of the hash joins in hash order put each into a random leaf of both
            # indexes (a city's 228,660 rows: 1.7 s of index writes against 0.9 s in order)
            sql = _RECALC_SQL.format(paying=_PG_PAYING, dib=_DIB.format(greatest="GREATEST"),
                                     order="\nORDER BY 2")
            keep = _PG_KEEP.format(table=keep_paid_in) if keep_paid_in else ""
            totals = s.execute(_typed(_PG_RETURNING.format(insert=sql, keep=keep,
                                                           totals=_TOTALS)), values).one()
        else:
            totals, staged = _recalculate_sqlite(s, rules, values)
    report(0.8, "entitlements written 已计算")
    if cancel is not None:
        cancel.check()
    if totals is None:   # nothing to write: read back what the area has
        totals = s.execute(_typed(
            "SELECT COUNT(*), COALESCE(SUM(e.amount_fen), 0),"
            " COALESCE(SUM(CASE WHEN e.exit_review THEN 1 ELSE 0 END), 0)"
            " FROM entitlements AS e JOIN households AS h ON h.id = e.household_id"
            " JOIN areas AS v ON v.id = h.village_id"
            " WHERE e.month = :month AND v.code LIKE :prefix"
            " AND (CAST(:program AS VARCHAR(8)) IS NULL OR e.program = :program)"),
            scope).one()
    cases, amount, exits = totals[:3]
    if is_pg(s.get_bind()) and rows:
        # the staged cases are every case paid in the area (each village has rules for both
        # residence classes, without a standard too): counted there, not joined again
        staged = dict(s.execute(text("SELECT program, COUNT(*) FROM recalc_cases"
                                     " GROUP BY program")).all())
    if rows:
        in_scope = sum(staged.values())
        dibao = totals[3]
        _mark(s, month, area.id, generation,
              {p: (n, staged.get(p, 0) - n) for p, n in (("dibao", dibao),
                                                        ("tekun", cases - dibao))
               if program in (None, p)})
    else:
        in_scope = s.execute(_typed(_SCOPE_SQL), scope).scalar_one()
    what = f"{program} entitlements" if program else "entitlements"
    Auditor(s, user).note("recalculate", "entitlement", area.id,
                          f"{what} of {area.name} for {month:%Y-%m}: {cases} cases, "
                          f"{amount} fen, {exits} flagged for exit review, "
                          f"{in_scope - cases} without a standard")
    return RecalcResult(area.id, month, cases, amount, exits, in_scope - cases,
                        time.perf_counter() - t0)


def _recalculate_sqlite(s: Session, rules: dict, values: dict) -> tuple[tuple, dict]:
    """SQLite: the paying cases staged (_SQLITE_STAGE), then the month's rows written from
    them. Returns what the rows written add up to (:data:`_TOTALS`) and the cases in scope
    by program (the staged cases: every case paid in the area, with or without a standard,
    as on PostgreSQL)."""
    conn = s.connection()
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS recalc_paying"
                         f" ({_SQLITE_STAGE_COLUMNS})")
    conn.exec_driver_sql("DELETE FROM temp.recalc_paying")
    try:
        s.execute(_typed(_SQLITE_STAGE.format(
            rule_columns=", ".join(f"p.{c}" for c in _PARAM_COLUMNS), **rules)), values)
        staged = dict(s.execute(text("SELECT program, COUNT(*) FROM temp.recalc_paying"
                                     " GROUP BY program")).all())
        # the rows this INSERT writes are those above the table's largest rowid before it
        # (SQLite gives a new row the largest rowid + 1; the write lock is held): their totals
        # read from the table's last pages, not found again by area through households and
        # villages (0.12 CPU s at city scale against 0.02)
        before = conn.exec_driver_sql("SELECT COALESCE(MAX(rowid), 0) FROM entitlements"
                                      ).scalar_one()
        s.execute(_typed(_RECALC_SQL.format(paying=_SQLITE_PAYING, dib=_SQLITE_DIB, order="")),
                  values)
        totals = s.execute(text(f"SELECT {_TOTALS} FROM entitlements WHERE rowid > :before"),
                           {"before": before}).one()
    finally:
        if conn.in_transaction():
            conn.exec_driver_sql("DELETE FROM temp.recalc_paying")
    return tuple(totals), staged


# --- which month's entitlements are current (migration 0030) --------------------------------

# The version of the computation: a mark written by other rules is not current. Raise it
# whenever what the recalculation writes from the same inputs changes.
RULES = 1


def inputs_generation(s: Session) -> int:
    """The generation of what a month's computation reads (``entitlement_guard``, advanced by
    the database on every write to it). On PostgreSQL the row is locked until the transaction
    ends: a writer outside the app's write lock (SQL typed by hand) that is changing an input
    is waited for first, and one that starts now counts its change after this transaction,
    so nothing this transaction reads can change under the generation it records. SQLite's
    write unit holds the file's one write lock already."""
    sql = "SELECT generation FROM entitlement_guard WHERE id = 1"
    return s.execute(text(sql + (" FOR UPDATE" if is_pg(s.get_bind()) else ""))).scalar_one()


def _mark(s: Session, month: dt.date, area_id: int, generation: int,
          counts: dict[str, tuple[int, int]]) -> None:
    """Record that the month's entitlements of the area were computed, per program (rows
    written, cases skipped for want of a standard), at ``generation``."""
    for program, (cases, skipped) in counts.items():
        s.execute(_typed("DELETE FROM entitlement_marks WHERE month = :month"
                       " AND area_id = :area AND program = :program"),
                  {"month": month, "area": area_id, "program": program})
        s.execute(_typed("INSERT INTO entitlement_marks (month, area_id, program, generation,"
                       " rules, cases, skipped) VALUES (:month, :area, :program, :generation,"
                       " :rules, :cases, :skipped)"),
                  {"month": month, "area": area_id, "program": program,
                   "generation": generation, "rules": RULES, "cases": cases,
                   "skipped": skipped})


@dataclass(frozen=True)
class CurrentMonth:
    """A month's entitlements of an area and a program that nothing has changed since they
    were computed: ``cases`` rows, ``skipped`` cases without a standard."""

    cases: int
    skipped: int


def current_entitlements(s: Session, month: dt.date, area_id: int,
                         program: str) -> CurrentMonth | None:
    """The month's entitlements of exactly this area and program if they are current (marked
    at today's generation of their inputs by these rules), else None: to be computed."""
    generation = inputs_generation(s)
    row = s.execute(_typed(
        "SELECT cases, skipped FROM entitlement_marks WHERE month = :month AND area_id = :area"
        " AND program = :program AND generation = :generation AND rules = :rules"),
        {"month": first_of_month(month), "area": area_id, "program": program,
         "generation": generation, "rules": RULES}).first()
    return CurrentMonth(row[0], row[1]) if row is not None else None


@dataclass(frozen=True)
class EntitlementLine:
    case_id: int
    household_id: int
    household_number: str
    head_name: str
    program: str
    standard_fen: int
    household_income_fen: int
    household_size: int
    covered_members: int
    amount_fen: int
    exit_review: bool


def area_entitlements(s: Session, area_id: int, month: dt.date, exit_review_only: bool = False,
                      limit: int | None = 1000) -> list[EntitlementLine]:
    """The computed entitlements of an area and month (optionally only those flagged for exit
    review), by household number."""
    area = s.get(Area, area_id)
    if area is None:
        raise NotFoundError("area", area_id, "区划")
    prefix = code_like(area.code, area.level)
    sql = ("SELECT e.case_id, h.id, h.number, h.head_name, e.program, e.standard_fen,"
           " e.household_income_fen, e.household_size, e.covered_members, e.amount_fen,"
           " e.exit_review FROM entitlements AS e JOIN households AS h ON h.id = e.household_id"
           " JOIN areas AS v ON v.id = h.village_id"
           " WHERE e.month = :month AND v.code LIKE :prefix"
           + (" AND e.exit_review" if exit_review_only else "")
           + " ORDER BY h.number, e.case_id" + (f" LIMIT {int(limit)}" if limit else ""))
    return [EntitlementLine(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                            bool(r[10]))
            for r in s.execute(text(sql), {"month": first_of_month(month).isoformat(),
                                           "prefix": prefix})]
