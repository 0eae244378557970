"""Warning rules, warnings and tasks (低收入人口动态监测, DOMAIN §9).

**Rules as data** (:class:`~assistcase.models.WarningRule`, 困难指标体系): each active rule
watches one indicator over the register (or, for the comparison lists, the paying
households) on the day the rules run; its threshold and period are edited with
:func:`update_rule` (audited). The indicators:

=======================  ==============================================================
indicator                a warning when …
=======================  ==============================================================
medical_expense          the household's medical expenses listed in the last
                         ``period_months`` exceed ``threshold`` fen (once per period)
severe_disability        a person is listed with a disability grade ≤ ``threshold``
                         (1–2) that the registry does not already hold (once a person)
main_earner_death        the main earner (the member with the largest own income, else
                         the head) is listed as dead in the period (once a person)
main_earner_job_loss     the main earner's wages ended in the period (once an income)
income_below_standard    the per-capita income of a register household that is not
                         paid dibao or extreme hardship is below ``threshold`` % of the
                         dibao standard (again only when the income or size changes)
newly_monitored          a household entered the register as 三类户 from an outside list
covered_death            a person covered by an open case is listed as dead (once a
                         person): the task holds the payment (暂停发放)
vehicle_match, …         a vehicle / business / public-employee row names a member of a
                         household paid in that month (once a person and item)
=======================  ==============================================================

Each warning has an **event key**, unique in the database: running the rules again with
nothing new raises nothing. Each warning creates a **task** for the household's township
(:data:`~assistcase.models.monitoring.TASK_KINDS`) due ``monitoring_task_days`` working days
(policy, default 15) after it was raised. :func:`close_task` records the outcome.

**Holds.** A payment-review task with ``hold_payment`` holds the payment of every case that
covers its person while it is open: :func:`hold_lines` marks those lines of a roster being
built as held (暂停发放: base 0, ``held_fen`` what it would have paid; not in the bank file).
When the task is closed as a wrong match (or with no action / a changed benefit), and for a
confirmed death the months up to the month of death, :func:`release_held` turns each held
line of an approved roster into one supplement (补发) that the next roster of the program
pays, exactly once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Date, bindparam, insert, select, text
from sqlalchemy.orm import Session

from ..rules.aid import add_working_days
from ..db import Database
from ..errors import FieldError, NotFoundError, ServiceResult, StateError, ValidationError
from ..models import Area, AssistanceCase, Household, Person, User
from ..models.aid import AidCase
from ..models.monitoring import (INDICATORS, SEVERITIES, TASK_KINDS, TASK_OUTCOMES, HeldLine,
                                 MonitoringRun, MonitoringTask, MonitoringWarning, WarningRule)
from ..models.rosters import Adjustment, Roster
from ..progress import CancelToken, ProgressFn
from ..rules.standards import add_months, first_of_month, next_month
from .audit import Auditor, resolve_user
from .register import area_prefix
from .standards import policy_for, standard_for
from .auth import requires

TASK_KIND_LABELS = {"home_check": ("home check", "入户排查"),
                    "eligibility_check": ("eligibility check", "资格核查"),
                    "payment_review": ("payment review", "发放核查")}
OUTCOME_LABELS = {"included": ("newly included", "新纳入救助"),
                  "changed": ("benefit changed", "调整待遇"),
                  "terminated": ("terminated", "终止救助"),
                  "no_action": ("no action", "无需处理"),
                  "deceased": ("deceased: coverage ended", "确认死亡，停止保障"),
                  "wrong_match": ("wrong match: payment released", "比对有误，恢复发放")}
SEVERITY_LABELS = {"high": ("high", "高"), "medium": ("medium", "中"), "low": ("low", "低")}
# Outcomes after which a held payment is paid after all (a death pays up to its month).
RELEASING = ("wrong_match", "no_action", "changed", "included")


def _d(sql: str, *dates: str):
    """A text statement whose date parameters are typed (portable: no SQLite date strings)."""
    return text(sql).bindparams(*(bindparam(d, type_=Date) for d in dates if f":{d}" in sql))


# --- rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleView:
    id: int
    code: str
    indicator: str
    label_en: str
    label_zh: str
    threshold: int
    period_months: int
    severity: str
    task_kind: str
    active: bool


def list_rules(s: Session) -> list[RuleView]:
    return [RuleView(r.id, r.code, r.indicator, r.label_en, r.label_zh, r.threshold,
                     r.period_months, r.severity, r.task_kind, r.active)
            for r in s.scalars(select(WarningRule).order_by(WarningRule.id))]


@requires("standards.write")
def update_rule(db: Database, actor: str | int, rule_id: int, *, threshold: int | None = None,
                period_months: int | None = None, severity: str | None = None,
                task_kind: str | None = None, active: bool | None = None) -> RuleView:
    """Change a rule's threshold, period, severity, task or whether it runs (the standards
    officer's work; roles come with sign-in). Validated, audited field by field."""
    errors: list[FieldError] = []
    if threshold is not None and (not isinstance(threshold, int) or threshold < 0):
        errors.append(FieldError("threshold", "the threshold is a whole number ≥ 0",
                                 "阈值应为不小于0的整数"))
    if period_months is not None and (not isinstance(period_months, int)
                                      or not 0 <= period_months <= 60):
        errors.append(FieldError("period_months", "the period is 0 to 60 months",
                                 "周期应为0至60个月"))
    if severity is not None and severity not in SEVERITIES:
        errors.append(FieldError("severity", "severity is high, medium or low",
                                 "预警级别应为高、中、低"))
    if task_kind is not None and task_kind not in TASK_KINDS:
        errors.append(FieldError("task_kind", "the task is a home check, an eligibility check "
                                 "or a payment review", "核查方式应为入户排查、资格核查或发放核查"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        rule = s.get(WarningRule, rule_id)
        if rule is None:
            raise NotFoundError("warning rule", rule_id, "预警规则")
        changes = {k: v for k, v in (("threshold", threshold), ("period_months", period_months),
                                     ("severity", severity), ("task_kind", task_kind),
                                     ("active", active)) if v is not None}
        if rule.indicator == "severe_disability" and rule.threshold is not None \
                and changes.get("threshold", 2) not in (1, 2, 3, 4):
            raise ValidationError.single("threshold", "a disability grade is 1 to 4",
                                         "残疾等级应为1至4级")
        Auditor(s, user).apply(rule, "warning_rule", changes)
        s.flush()
        return next(r for r in list_rules(s) if r.id == rule.id)


# --- running the rules --------------------------------------------------------------------


@dataclass
class _Candidate:
    rule: WarningRule
    key: str
    household_id: int
    person_id: int | None
    list_row_id: int | None
    detail: str
    event_on: dt.date | None = None


@dataclass
class RunResult:
    as_of: dt.date
    persons_checked: int = 0
    raised: dict[str, int] = field(default_factory=dict)  # rule code → warnings
    tasks: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.raised.values())


def _in_register(household: str) -> str:
    """SQL: the household (an expression) is in the register on :on (any category)."""
    return (f"EXISTS (SELECT 1 FROM register_memberships AS rm WHERE rm.household_id = {household}"
            " AND rm.valid_from <= :on AND (rm.valid_until IS NULL OR rm.valid_until > :on))")


def _paying(household: str) -> str:
    """SQL: the household (an expression) is paid on :on (an active case whose payment period
    holds the day)."""
    return (f"EXISTS (SELECT 1 FROM assistance_cases AS c WHERE c.household_id = {household}"
            " AND c.status = 'active' AND c.paid_from <= :on"
            " AND (c.paid_until IS NULL OR c.paid_until > :on))")


# The household a listed person belongs to: the current one, else the last one (the registry
# may have recorded the death already).
_HH_OF = ("COALESCE(p.household_id, (SELECT MAX(hm.household_id) FROM household_memberships"
          " AS hm WHERE hm.person_id = p.id AND hm.left_on = (SELECT MAX(h2.left_on) FROM"
          " household_memberships AS h2 WHERE h2.person_id = p.id)))")
_LIST_DAY = "COALESCE(r.event_on, l.received_on)"


def _since(on: dt.date, months: int) -> dt.date:
    return add_months(on, -months) if months > 0 else dt.date(1900, 1, 1)


def _list_rows(s: Session, kind: str, where: str, params: dict) -> list:
    """Matched rows of a list kind with the person's household: (row id, person id, household
    id, day, amount, grade, detail, name)."""
    return list(s.execute(_d(
        f"SELECT r.id, p.id, {_HH_OF}, {_LIST_DAY}, r.amount_fen, r.grade, r.detail, p.name"
        " FROM outside_list_rows AS r JOIN outside_lists AS l ON l.id = r.list_id"
        " JOIN persons AS p ON p.id = r.person_id"
        f" WHERE r.kind = :kind AND r.person_id IS NOT NULL AND {where}", "on", "since"),
        {"kind": kind, **params}))


def _main_earners(s: Session, household_ids: set[int], on: dt.date) -> dict[int, int]:
    """The main earner of each household on ``on``: the member with the largest own income
    in force, else the head."""
    out: dict[int, int] = {}
    ids = sorted(household_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        best: dict[int, tuple[int, int]] = {}
        for hid, pid, total in s.execute(_d(
                "SELECT household_id, person_id, SUM(monthly_fen) FROM incomes"
                " WHERE person_id IS NOT NULL AND valid_from <= :on"
                " AND (valid_until IS NULL OR valid_until > :on)"
                " AND household_id IN (" + ",".join(str(int(h)) for h in chunk) + ")"
                " GROUP BY household_id, person_id", "on"), {"on": on}):
            if hid not in best or (total, -pid) > (best[hid][1], -best[hid][0]):
                best[hid] = (pid, total)
        for hid, head in s.execute(select(Household.id, Household.head_person_id)
                                   .where(Household.id.in_(chunk))):
            out[hid] = best[hid][0] if hid in best else head
    return out


def _candidates(s: Session, rule: WarningRule, on: dt.date) -> list[_Candidate]:
    """The warnings ``rule`` finds on ``on``, each found by one statement (the register, the
    paid households and the thresholds are conditions of the SQL, not sets in memory)."""
    since = _since(on, rule.period_months)
    p = {"on": on, "since": since}
    ind = rule.indicator
    out: list[_Candidate] = []
    if ind == "medical_expense":
        recent = set(s.scalars(_d(
            "SELECT household_id FROM monitoring_warnings WHERE rule_id = :r"
            " AND raised_on > :since", "since"), {"r": rule.id, "since": since}))
        for hid, total in s.execute(_d(
                "SELECT x.hid, SUM(x.amount) FROM ("
                f" SELECT {_HH_OF} AS hid, COALESCE(r.amount_fen, 0) AS amount"
                " FROM outside_list_rows AS r JOIN outside_lists AS l ON l.id = r.list_id"
                " JOIN persons AS p ON p.id = r.person_id"
                " WHERE r.kind = 'medical' AND r.person_id IS NOT NULL"
                f" AND {_LIST_DAY} > :since AND {_LIST_DAY} <= :on) AS x"
                f" WHERE {_in_register('x.hid')}"
                " GROUP BY x.hid HAVING SUM(x.amount) > :threshold ORDER BY x.hid",
                "on", "since"), {**p, "threshold": rule.threshold}):
            if hid not in recent:
                out.append(_Candidate(rule, f"{rule.code}:h{hid}:{on.isoformat()}", hid, None,
                                      None, f"医疗支出 {total / 100:.2f} 元（{rule.period_months}"
                                            f"个月内） medical expenses {total} fen"))
    elif ind == "severe_disability":
        rows = _list_rows(s, "disability", f"r.grade <= :g AND {_LIST_DAY} > :since"
                          f" AND {_LIST_DAY} <= :on AND (p.disability_grade IS NULL"
                          f" OR p.disability_grade > :g) AND {_in_register(_HH_OF)}",
                          {**p, "g": rule.threshold})
        for rid, pid, hid, day, _a, grade, _d2, name in rows:
            out.append(_Candidate(rule, f"{rule.code}:p{pid}", hid, pid, rid,
                                  f"{name} 残疾等级 {grade} 级 disability grade {grade}"))
    elif ind == "main_earner_death":
        # Only the dead who earned an own income the day before, or were the head, can have
        # been the main earner; each of those is checked on the day before the death.
        # (by the household's keys: incomes and heads are indexed by household)
        rows = _list_rows(s, "death", f"{_LIST_DAY} > :since AND {_LIST_DAY} <= :on AND ("
                          f"EXISTS (SELECT 1 FROM incomes AS i WHERE i.household_id = {_HH_OF}"
                          f" AND i.person_id = p.id AND i.valid_from < {_LIST_DAY}"
                          f" AND (i.valid_until IS NULL OR i.valid_until >= {_LIST_DAY}))"
                          f" OR EXISTS (SELECT 1 FROM households AS hh WHERE hh.id = {_HH_OF}"
                          f"  AND hh.head_person_id = p.id)) AND {_in_register(_HH_OF)}", p)
        for rid, pid, hid, day, *_rest, name in rows:
            before = _day(day) - dt.timedelta(days=1)
            if _main_earners(s, {hid}, before).get(hid) == pid:
                out.append(_Candidate(rule, f"{rule.code}:p{pid}", hid, pid, rid,
                                      f"主要劳动力 {name} 死亡（{day}） main earner died",
                                      _day(day)))
    elif ind == "main_earner_job_loss":
        rows = list(s.execute(_d(
            "SELECT i.id, i.person_id, i.household_id, i.valid_until, p.name FROM incomes AS i"
            " JOIN persons AS p ON p.id = i.person_id WHERE i.source = 'wages'"
            " AND i.valid_until > :since AND i.valid_until <= :on"
            " AND NOT EXISTS (SELECT 1 FROM incomes AS j WHERE j.household_id = i.household_id"
            "   AND j.person_id = i.person_id AND j.source = 'wages'"
            "   AND j.valid_from >= i.valid_until)"
            f" AND {_in_register('i.household_id')}", "on", "since"), p))
        for iid, pid, hid, until, name in rows:
            before = _day(until) - dt.timedelta(days=1)
            if _main_earners(s, {hid}, before).get(hid) == pid:
                out.append(_Candidate(rule, f"{rule.code}:i{iid}", hid, pid, None,
                                      f"主要劳动力 {name} 工资收入自 {until} 终止 wages ended"))
    elif ind == "income_below_standard":
        out.extend(_income_below(s, rule, on))
    elif ind == "newly_monitored":
        for mid, hid, since_day in s.execute(_d(
                "SELECT id, household_id, valid_from FROM register_memberships"
                " WHERE category = 'monitored' AND source LIKE 'list %' AND valid_from <= :on"
                " AND valid_from > :since AND (valid_until IS NULL OR valid_until > :on)",
                "on", "since"), p):
            out.append(_Candidate(rule, f"{rule.code}:m{mid}", hid, None, None,
                                  f"自 {since_day} 纳入三类户 listed as 三类户"))
    elif ind == "covered_death":
        rows = _list_rows(s, "death", f"{_LIST_DAY} <= :on AND EXISTS (SELECT 1 FROM"
                          " case_members AS cm JOIN assistance_cases AS c ON c.id = cm.case_id"
                          " WHERE cm.person_id = p.id AND cm.covered_until IS NULL"
                          " AND c.status IN ('active', 'suspended'))", p)
        for rid, pid, hid, day, *_rest, name in rows:
            out.append(_Candidate(rule, f"{rule.code}:p{pid}", hid, pid, rid,
                                  f"保障对象 {name} 死亡（{day}） covered person died",
                                  _day(day)))
    elif ind in ("vehicle_match", "business_match", "public_employee_match"):
        kind = ind.removesuffix("_match")
        rows = _list_rows(s, kind, f"{_LIST_DAY} <= :on AND {_paying(_HH_OF)}", p)
        label = {"vehicle": "车辆", "business": "工商登记",
                 "public_employee": "财政供养人员"}[kind]
        seen = set()
        for rid, pid, hid, day, _a, _g, detail, name in rows:
            key = f"{rule.code}:p{pid}:{''.join((detail or '').split())}"[:100]
            if key in seen:
                continue
            seen.add(key)
            out.append(_Candidate(rule, key, hid, pid, rid,
                                  f"{name} 比中{label}名单：{detail}".strip("：")))
    return out


def _day(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


_INCOME_BELOW_SQL = """
WITH params(county_id, residence_class, standard) AS (VALUES {rows})
SELECT id, income, size, standard FROM (
    SELECT h.id, (SELECT COALESCE(SUM(i.monthly_fen), 0) FROM incomes AS i
                  WHERE i.household_id = h.id AND i.valid_from <= :on
                    AND (i.valid_until IS NULL OR i.valid_until > :on)) AS income,
           CASE WHEN h.member_count > 1 THEN h.member_count ELSE 1 END AS size, p.standard
    FROM households AS h  -- SQLite keeps the CROSS JOIN order: the households drive
    CROSS JOIN areas AS v CROSS JOIN areas AS t CROSS JOIN params AS p
    WHERE v.id = h.village_id AND t.id = v.parent_id
      AND p.county_id = t.parent_id AND p.residence_class = h.residence_class
      AND h.status = 'active'
      AND EXISTS (SELECT 1 FROM register_memberships AS rm WHERE rm.household_id = h.id
                  AND rm.valid_from <= :on AND (rm.valid_until IS NULL OR rm.valid_until > :on))
      AND NOT EXISTS (SELECT 1 FROM assistance_cases AS c WHERE c.household_id = h.id
                      AND c.status = 'active' AND c.paid_from <= :on
                      AND (c.paid_until IS NULL OR c.paid_until > :on))) AS x
WHERE income * 100 < standard * :pct * size
ORDER BY id
"""


def _income_below(s: Session, rule: WarningRule, on: dt.date) -> list[_Candidate]:
    """Register households not paid dibao or extreme hardship whose per-capita income in
    force on ``on`` is below ``threshold`` % of their dibao standard (their county's, by
    residence class): one statement over the households, the standards passed in."""
    month = first_of_month(on)
    rows, params = [], {}
    # the areas two levels above the villages (counties, or a city's districts) with the
    # county whose standard applies there
    for i, (above,) in enumerate(s.execute(text(
            "SELECT DISTINCT t.parent_id FROM areas AS v JOIN areas AS t ON t.id = v.parent_id"
            " WHERE v.level = 'village' AND t.parent_id IS NOT NULL ORDER BY t.parent_id"))):
        county = _county(s, above)
        for cls in ("urban", "rural"):
            std = standard_for(s, county, cls, "dibao", month)
            if std is None:
                continue
            names = (f"a{i}{cls}", f"r{i}{cls}", f"s{i}{cls}")
            params.update(zip(names, (above, cls, std[1])))
            rows.append(f"(CAST(:{names[0]} AS INTEGER), :{names[1]},"
                        f" CAST(:{names[2]} AS INTEGER))")
    if not rows:
        return []
    out = []
    for hid, income, size, std in s.execute(_d(_INCOME_BELOW_SQL.format(rows=", ".join(rows)),
                                               "on"), {**params, "on": on,
                                                       "pct": rule.threshold}):
        out.append(_Candidate(
            rule, f"{rule.code}:h{hid}:{income}x{size}"[:100], hid, None, None,
            f"人均收入 {income / size / 100:.2f} 元，低于低保标准 {std / 100:.2f} 元的"
            f"{rule.threshold}% per-capita income below the standard"))
    return out


def _county(s: Session, area_id: int) -> int:
    """The county (or city, or province) an area lies in, the area itself at those levels."""
    area = s.get(Area, area_id)
    while area.level not in ("county", "city", "province") and area.parent_id is not None:
        area = s.get(Area, area.parent_id)
    return area.id


def _townships(s: Session, household_ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for i in range(0, len(household_ids), 500):
        chunk = household_ids[i:i + 500]
        for hid, tid in s.execute(select(Household.id, Area.parent_id)
                                  .join(Area, Area.id == Household.village_id)
                                  .where(Household.id.in_(chunk))):
            out[hid] = tid
    return out


def _existing_keys(s: Session, keys: list[str]) -> set[str]:
    out: set[str] = set()
    for i in range(0, len(keys), 500):
        out.update(s.scalars(select(MonitoringWarning.event_key)
                             .where(MonitoringWarning.event_key.in_(keys[i:i + 500]))))
    return out


@requires(("case.write", "standards.write"))
def run_rules(db: Database, actor: str | int, as_of: dt.date, area_id: int | None = None,
              progress: ProgressFn | None = None,
              cancel: CancelToken | None = None) -> RunResult:
    """Run every active rule over the register on ``as_of`` (under ``area_id``; None:
    everywhere), in one transaction: new warnings and their tasks, one run record per
    township (persons checked = the township's register on the day). Returns the counts."""
    report = progress or (lambda _f, _m: None)
    if not isinstance(as_of, dt.date):
        raise ValidationError.single("as_of", "give the date", "请填写日期")
    t0 = time.perf_counter()
    result = RunResult(as_of)
    with db.begin() as s:
        user = resolve_user(s, actor)
        prefix = "%"
        if area_id is not None:
            area = s.get(Area, area_id)
            if area is None:
                raise NotFoundError("area", area_id, "区划")
            prefix = area_prefix(area)
        rules = list(s.scalars(select(WarningRule).where(WarningRule.active)
                               .order_by(WarningRule.id)))
        found: list[_Candidate] = []
        for i, rule in enumerate(rules):
            if cancel is not None:
                cancel.check()
            report(0.8 * i / max(len(rules), 1), f"{rule.code} {rule.label_zh}")
            found.extend(_candidates(s, rule, as_of))
        report(0.8, "warnings 生成预警")
        seen: set[str] = set()
        unique = []
        for c in found:
            if c.key not in seen:
                seen.add(c.key)
                unique.append(c)
        existing = _existing_keys(s, [c.key for c in unique])
        new = [c for c in unique if c.key not in existing]
        townships = _townships(s, sorted({c.household_id for c in new}))
        allowed = None
        if prefix != "%":
            allowed = set(s.scalars(select(Area.id).where(Area.level == "township",
                                                          Area.code.like(prefix))))
            if area.level == "village":
                allowed = {area.parent_id}
        due_on: dict[int, dt.date] = {}
        per_township: dict[int, int] = defaultdict(int)
        warnings, tasks = [], []
        village_of: dict[int, int] = {}
        if area_id is not None and area.level == "village":
            village_of = dict(s.execute(select(Household.id, Household.village_id).where(
                Household.id.in_(sorted({c.household_id for c in new})))).all())
        for c in new:
            tid = townships.get(c.household_id)
            if tid is None or (allowed is not None and tid not in allowed):
                continue
            if village_of and village_of.get(c.household_id) != area.id:
                continue
            if tid not in due_on:  # one policy read and one due date per township
                due_on[tid] = add_working_days(
                    as_of, policy_for(s, tid, as_of).monitoring_task_days)
            warnings.append({"rule_id": c.rule.id, "event_key": c.key,
                             "household_id": c.household_id, "person_id": c.person_id,
                             "township_id": tid, "list_row_id": c.list_row_id,
                             "raised_on": as_of, "detail": c.detail})
            tasks.append({"kind": c.rule.task_kind, "household_id": c.household_id,
                          "person_id": c.person_id, "township_id": tid, "raised_on": as_of,
                          "due_on": due_on[tid],
                          "hold_payment": c.rule.indicator == "covered_death",
                          "event_on": c.event_on, "status": "open", "outcome_reason": ""})
            result.raised[c.rule.code] = result.raised.get(c.rule.code, 0) + 1
            per_township[tid] += 1
        # Set-based, on the tables (no ORM bookkeeping per row): the warnings with their ids
        # back (in the order given), then the tasks.
        warning_table, task_table = MonitoringWarning.__table__, MonitoringTask.__table__
        for i in range(0, len(warnings), 5000):
            ids = s.execute(insert(warning_table).returning(
                warning_table.c.id, sort_by_parameter_order=True),
                warnings[i:i + 5000]).scalars().all()
            for wid, task in zip(ids, tasks[i:i + 5000]):
                task["warning_id"] = wid
            s.execute(insert(task_table), tasks[i:i + 5000])
        result.tasks = len(tasks)
        report(0.9, "register 信息库人数")
        for tid, persons in s.execute(_d(
                "SELECT v.parent_id, COUNT(DISTINCT hm.person_id)"
                " FROM register_memberships AS rm"
                " JOIN households AS h ON h.id = rm.household_id"
                " JOIN areas AS v ON v.id = h.village_id"
                " JOIN household_memberships AS hm ON hm.household_id = h.id"
                "  AND (rm.person_id IS NULL OR hm.person_id = rm.person_id)"
                "  AND (hm.joined_on IS NULL OR hm.joined_on <= :on)"
                "  AND (hm.left_on IS NULL OR hm.left_on > :on)"
                " WHERE rm.valid_from <= :on AND (rm.valid_until IS NULL OR rm.valid_until > :on)"
                " AND v.code LIKE :prefix GROUP BY v.parent_id", "on"),
                {"on": as_of, "prefix": area.code if area_id is not None
                 and area.level == "village" else prefix}):
            s.add(MonitoringRun(run_on=as_of, township_id=tid, persons_checked=persons,
                                warnings_raised=per_township.get(tid, 0)))
            result.persons_checked += persons
        Auditor(s, user).note("run", "warning_rules", None,
                              f"rules run on {as_of}: {result.total} warning(s), "
                              f"{result.persons_checked} person(s) checked")
    result.seconds = time.perf_counter() - t0
    report(1.0, "done 完成")
    return result


# --- tasks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str
    status: str
    rule_code: str
    rule_label_zh: str
    severity: str
    detail: str
    household_id: int
    household_number: str
    head_name: str
    village: str
    person_id: int | None
    person_name: str
    raised_on: dt.date
    due_on: dt.date
    hold_payment: bool
    event_on: dt.date | None
    outcome: str | None
    outcome_reason: str
    closed_on: dt.date | None
    new_case_id: int | None
    new_aid_case_id: int | None

    def kind_label(self, lang: str = "zh") -> str:
        return TASK_KIND_LABELS[self.kind][1 if lang.startswith("zh") else 0]


_TASK_SQL = """
SELECT t.id, t.kind, t.status, r.code, r.label_zh, r.severity, w.detail, h.id, h.number,
       h.head_name, v.name, t.person_id, COALESCE(p.name, ''), t.raised_on, t.due_on,
       t.hold_payment, t.event_on, t.outcome, t.outcome_reason, t.closed_on, t.new_case_id,
       t.new_aid_case_id
FROM monitoring_tasks AS t
JOIN monitoring_warnings AS w ON w.id = t.warning_id
JOIN warning_rules AS r ON r.id = w.rule_id
JOIN households AS h ON h.id = t.household_id
JOIN areas AS v ON v.id = h.village_id
LEFT JOIN persons AS p ON p.id = t.person_id
"""


def _task_view(row) -> TaskView:
    r = list(row)
    for i in (13, 14, 16, 19):
        r[i] = _day(r[i]) if r[i] is not None else None
    r[15] = bool(r[15])
    return TaskView(*r)


def task_view(s: Session, task_id: int) -> TaskView:
    row = s.execute(text(_TASK_SQL + " WHERE t.id = :id"), {"id": task_id}).first()
    if row is None:
        raise NotFoundError("task", task_id, "核查任务")
    return _task_view(row)


def open_tasks(s: Session, area_id: int | None = None, limit: int | None = 1000) -> list[TaskView]:
    """Open tasks under ``area_id``, due first."""
    params: dict[str, object] = {}
    where = " WHERE t.status = 'open'"
    if area_id is not None:
        area = s.get(Area, area_id)
        if area is None:
            raise NotFoundError("area", area_id, "区划")
        # by the tasks' township (indexed), then the village code for a village's list
        where += (" AND t.township_id IN (SELECT a.id FROM areas AS a WHERE a.level = 'township'"
                  " AND a.code LIKE :tprefix) AND v.code LIKE :prefix")
        params["prefix"] = area_prefix(area)
        params["tprefix"] = area_prefix(s.get(Area, area.parent_id)) \
            if area.level == "village" else area_prefix(area)
    sql = _TASK_SQL + where + " ORDER BY t.due_on, t.id" + (f" LIMIT {int(limit)}" if limit else "")
    return [_task_view(r) for r in s.execute(text(sql), params)]


def _task(s: Session, task_id: int) -> MonitoringTask:
    task = s.get(MonitoringTask, task_id)
    if task is None:
        raise NotFoundError("task", task_id, "核查任务")
    return task


@requires("case.write")
def close_task(db: Database, actor: str | int, task_id: int, outcome: str, on: dt.date,
               reason: str = "", *, death_on: dt.date | None = None,
               case_id: int | None = None, aid_case_id: int | None = None) -> ServiceResult:
    """Record a task's outcome on ``on`` (the day of the check):

    - ``included``: the household was newly included; ``case_id`` (a dibao or
      extreme-hardship case of the household applied for on or after the warning) or
      ``aid_case_id`` (a temporary-aid case) is the case it started;
    - ``changed`` / ``terminated``: recorded (the case's own steps change the benefit);
    - ``no_action``: with the ``reason``;
    - ``deceased``: the person died on ``death_on`` (default the list's date): their
      coverage ends from the month after, and held payments of months up to the month of
      death are paid after all;
    - ``wrong_match``: the list named someone else: held payments are released, each once.
    """
    errors: list[FieldError] = []
    if outcome not in TASK_OUTCOMES:
        errors.append(FieldError("outcome", "choose the outcome", "请选择核查结果"))
    if not isinstance(on, dt.date):
        errors.append(FieldError("on", "give the date of the check", "请填写核查日期"))
    elif on > dt.date.today():
        errors.append(FieldError("on", f"the date {on} is after today",
                                 f"核查日期 {on} 晚于今天"))
    if outcome == "no_action" and not (reason or "").strip():
        errors.append(FieldError("reason", "give the reason no action is needed",
                                 "请填写无需处理的原因"))
    if outcome == "included" and case_id is None and aid_case_id is None:
        errors.append(FieldError("case_id", "name the case the inclusion started",
                                 "请指明新纳入的救助案件"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        task = _task(s, task_id)
        if task.status != "open":
            raise StateError(f"task {task.id} is already closed ({task.outcome})",
                             f"核查任务 {task.id} 已办结")
        if on < task.raised_on:
            raise ValidationError.single("on", f"the check cannot be before the warning "
                                         f"({task.raised_on})",
                                         f"核查日期不能早于预警日期（{task.raised_on}）")
        changes: dict[str, object] = {"status": "closed", "outcome": outcome,
                                      "outcome_reason": (reason or "").strip(),
                                      "closed_on": on, "closed_by": user.id}
        if outcome == "included":
            if case_id is not None:
                case = s.get(AssistanceCase, case_id)
                if case is None or case.household_id != task.household_id \
                        or case.applied_on < task.raised_on:
                    raise ValidationError.single(
                        "case_id", f"case {case_id} is not a case of this household applied "
                        f"for since {task.raised_on}",
                        f"案件 {case_id} 不是本户自 {task.raised_on} 起申请的救助案件")
                changes["new_case_id"] = case_id
            if aid_case_id is not None:
                aid = s.get(AidCase, aid_case_id)
                if aid is None or aid.household_id != task.household_id \
                        or aid.applied_on < task.raised_on:
                    raise ValidationError.single(
                        "aid_case_id", f"temporary-aid case {aid_case_id} is not this "
                        f"household's since {task.raised_on}",
                        f"临时救助 {aid_case_id} 不是本户自 {task.raised_on} 起的救助")
                changes["new_aid_case_id"] = aid_case_id
        result = ServiceResult(household_ids={task.household_id})
        if outcome == "deceased":
            if task.person_id is None:
                raise StateError("the task names no person", "该任务未指明人员")
            death = death_on or task.event_on
            if not isinstance(death, dt.date) or death > on:
                raise ValidationError.single("death_on", "give the date of death (not after "
                                             "the check)", "请填写死亡日期（不晚于核查日期）")
            changes["event_on"] = death
            from .cases import end_coverage_for_persons

            person = s.get(Person, task.person_id)
            result.household_ids |= end_coverage_for_persons(
                s, user, [task.person_id], death,
                f"死亡 died {death} (核查任务 task {task.id})")
            result.person_ids.add(person.id)
        Auditor(s, user).apply(task, "monitoring_task", changes, task.household_id)
        s.flush()
        release_held(s, user)
        return result


@requires("case.write")
def include_from_task(db: Database, actor: str | int, task_id: int, data,
                      on: dt.date | None = None) -> ServiceResult:
    """Newly included (新纳入): open the application (``data``: a
    :class:`~assistcase.services.cases.CaseInput` of the task's household) and close the task
    as ``included`` linked to it. Returns the new case's id as ``created_id``."""
    from .cases import open_case

    with db.read() as s:
        task = _task(s, task_id)
        if task.status != "open":
            raise StateError(f"task {task.id} is already closed ({task.outcome})",
                             f"核查任务 {task.id} 已办结")
        if data.household_id != task.household_id:
            raise ValidationError.single("household_id", "the application must be the task's "
                                         "household", "申请应为任务所指的家庭")
    opened = open_case(db, actor, data)
    close_task(db, actor, task_id, "included", on or data.applied_on,
               f"新纳入：案件 {opened.created_id}", case_id=opened.created_id)
    return ServiceResult(household_ids={data.household_id}, created_id=opened.created_id)


# --- holds (暂停发放) -------------------------------------------------------------------------


_HOLD_SQL = """
UPDATE roster_lines SET held = :yes, held_fen = base_fen, amount_fen = amount_fen - base_fen,
       base_fen = 0, remark = :remark
WHERE roster_id = :roster_id AND held = :no AND case_id IN (
    SELECT cm.case_id FROM case_members AS cm
    JOIN monitoring_tasks AS t ON t.person_id = cm.person_id
    WHERE t.status = 'open' AND t.hold_payment = :yes AND cm.covered_from <= :month
      AND (cm.covered_until IS NULL OR cm.covered_until > :month))
"""
_HELD_LINES_SQL = """
INSERT INTO held_lines (line_id, task_id)
SELECT l.id, MIN(t.id) FROM roster_lines AS l
JOIN case_members AS cm ON cm.case_id = l.case_id
JOIN monitoring_tasks AS t ON t.person_id = cm.person_id
WHERE l.roster_id = :roster_id AND l.held = :yes AND t.status = 'open' AND t.hold_payment = :yes
  AND cm.covered_from <= :month AND (cm.covered_until IS NULL OR cm.covered_until > :month)
GROUP BY l.id
"""


def hold_lines(s: Session, roster: Roster) -> int:
    """Inside a roster build, after its lines are inserted: hold (暂停发放) the lines of cases
    covering a person an open payment-review task holds. Returns the lines held."""
    params = {"roster_id": roster.id, "yes": True, "no": False, "month": roster.month,
              "remark": "暂停发放（死亡比对待核查） held: payment review"}
    n = s.execute(_d(_HOLD_SQL, "month"), params).rowcount
    if n:
        s.execute(_d(_HELD_LINES_SQL, "month"),
                  {"roster_id": roster.id, "yes": True, "month": roster.month})
    return n


def release_held(s: Session, user: User) -> int:
    """Inside the caller's transaction: every held line of an approved roster whose task is
    closed so that the month is owed gets one supplement (补发) for the next roster of its
    program. Idempotent: a line is released once (``held_lines.adjustment_id``)."""
    rows = s.execute(_d(
        "SELECT hl.line_id, l.held_fen, r.month, t.outcome, t.event_on, t.id"
        " FROM held_lines AS hl JOIN roster_lines AS l ON l.id = hl.line_id"
        " JOIN rosters AS r ON r.id = l.roster_id"
        " JOIN monitoring_tasks AS t ON t.id = hl.task_id"
        " WHERE hl.adjustment_id IS NULL AND r.status = 'approved' AND t.status = 'closed'"
        " AND l.held_fen > 0")).all()
    n = 0
    for line_id, held_fen, month, outcome, event_on, task_id in rows:
        month = _day(month)
        if outcome == "deceased":
            if event_on is None or month >= next_month(_day(event_on)):
                continue
        elif outcome not in RELEASING:
            continue
        label = OUTCOME_LABELS[outcome][1]
        adj = Adjustment(original_line_id=line_id, amount_fen=held_fen, created_by=user.id,
                         reason=f"暂停发放解除（{label}，核查任务 {task_id}）"
                                f"{month.year}年{month.month}月 released hold")
        s.add(adj)
        s.flush()
        s.get(HeldLine, line_id).adjustment_id = adj.id
        n += 1
    if n:
        s.flush()
    return n


def held_lines(s: Session, roster_id: int) -> list[tuple[int, int, str, int]]:
    """(line id, seq, payee, held fen) of a roster's held lines."""
    return [tuple(r) for r in s.execute(text(
        "SELECT id, seq, payee_name, held_fen FROM roster_lines WHERE roster_id = :r"
        " AND held = :yes ORDER BY seq"), {"r": roster_id, "yes": True})]


def load_task(db: Database, task_id: int) -> TaskView:
    """:func:`task_view` in a read session of its own (for the UI)."""
    with db.read() as s:
        return task_view(s, task_id)
