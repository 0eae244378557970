"""Assistance cases (救助案件) and their lifecycle (DOMAIN §8).

application (申请) → economic status check (家庭经济状况核对) → home investigation (入户调查)
→ publicity for 7 days (公示) → confirmation (审核确认): the case is active and paid from the
next month → periodic review (核查) → suspension / resumption / termination, each effective
from the next month.

Every step is a service function that validates, writes one transaction, records a
:class:`~assistcase.models.CaseEvent` (who, when, why) and audits the changed fields. A step
taken out of order is refused with :class:`~assistcase.errors.StateError` naming the missing
step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import Database
from ..rules.areas import code_like
from ..errors import FieldError, NotFoundError, ServiceResult, StateError, ValidationError
from ..rules.idnumber import age_on
from ..models import (Area, AssistanceCase, CaseEvent, CaseMember, Household,
                      HouseholdMembership, Person, User)
from ..models.assistance import PROGRAMS, SUPPORT_MODES
from ..models.registry import SELF_CARE
from ..rules.standards import add_months, next_month, review_interval_months
from .audit import Auditor, resolve_user
from .standards import policy_for
from .auth import reader, requires, separate

PUBLICITY_DAYS = 7  # 公示期

# The steps before confirmation, in order, and the status each one leaves the case in.
PRE_STEPS = ("apply", "economic_check", "investigation", "publicity")
STATUS_AFTER = {"apply": "applied", "economic_check": "checked",
                "investigation": "investigated", "publicity": "publicity"}
STEP_LABELS = {
    "apply": ("application", "申请"),
    "economic_check": ("economic status check", "家庭经济状况核对"),
    "investigation": ("home investigation", "入户调查"),
    "publicity": ("publicity", "公示"),
    "confirm": ("confirmation", "审核确认"),
    "suspend": ("suspension", "暂停"),
    "resume": ("resumption", "恢复"),
    "review": ("periodic review", "定期核查"),
    "terminate": ("termination", "终止"),
    "coverage": ("change of coverage", "保障对象变更"),
}
OPEN_STATUSES = ("applied", "checked", "investigated", "publicity", "active", "suspended")


@dataclass
class CaseInput:
    """An application. For ``program='tekun'`` the person supported defaults to the head
    of the household; for dibao the covered members default to the whole household."""

    program: str
    household_id: int
    applied_on: dt.date
    reason: str = ""
    person_id: int | None = None
    covered_person_ids: list[int] | None = None
    support_mode: str | None = None
    institution_name: str = ""
    self_care: str | None = None
    stable_income: bool = False


def _case(s: Session, case_id: int) -> AssistanceCase:
    case = s.get(AssistanceCase, case_id)
    if case is None:
        raise NotFoundError("case", case_id, "救助案件")
    return case


def _date(errors: list[FieldError], name: str, value: object, label_zh: str,
          future_ok: bool = False) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors.append(FieldError(name, "give the date", f"请填写{label_zh}日期"))
    elif not future_ok:
        not_after_today(errors, name, value, label_zh)


def not_after_today(errors: list[FieldError], name: str, on: object, label_zh: str) -> None:
    """A step is recorded when it has happened: its date may not be after today."""
    today = dt.date.today()
    if isinstance(on, dt.date) and on > today:
        errors.append(FieldError(name, f"the date {on} is after today ({today}): a step is "
                                       "recorded once it has happened",
                                 f"{label_zh}日期 {on} 晚于今天（{today}），只能登记已办理的事项"))


def _step_date(name: str, on: object, label_zh: str) -> None:
    """Refuse a missing date or one after today (the steps that validate nothing else first)."""
    errors: list[FieldError] = []
    _date(errors, name, on, label_zh)
    if errors:
        raise ValidationError(errors)


def _event(s: Session, case: AssistanceCase, user: User, step: str, on: dt.date,
           reason: str = "", details: str = "") -> None:
    s.add(CaseEvent(case_id=case.id, step=step, happened_on=on, user_id=user.id,
                    reason=reason.strip(), details=details.strip()))


def _require_step(case: AssistanceCase, step: str) -> None:
    """Refuse ``step`` unless every step before it is done (and it is not done already)."""
    label_en, label_zh = STEP_LABELS[step]
    if case.status == "terminated":
        raise StateError(f"case {case.id} is terminated: no {label_en} is possible",
                         f"案件 {case.id} 已终止，不能{label_zh}")
    order = PRE_STEPS + ("confirm",)
    done = PRE_STEPS.index(next(k for k, v in STATUS_AFTER.items() if v == case.status)) + 1 \
        if case.status in STATUS_AFTER.values() else len(order)
    wanted = order.index(step)
    if done > wanted:
        raise StateError(f"the {label_en} of case {case.id} is already recorded",
                         f"案件 {case.id} 已经{label_zh}，不能重复办理")
    if done < wanted:
        missing_en, missing_zh = STEP_LABELS[order[done]]
        raise StateError(
            f"cannot record the {label_en}: the {missing_en} ({missing_zh}) has not been recorded",
            f"不能{label_zh}：尚未完成“{missing_zh}”")


def _not_before(errors: list[FieldError], name: str, on: dt.date, earlier: dt.date | None,
                what_en: str, what_zh: str) -> None:
    if isinstance(on, dt.date) and earlier is not None and on < earlier:
        errors.append(FieldError(name, f"the date cannot be before the {what_en} ({earlier})",
                                 f"日期不能早于{what_zh}日期（{earlier}）"))


def has_special_members(s: Session, household_id: int, on: dt.date) -> bool:
    """Whether the household has an elderly, minor, severely disabled or seriously ill member."""
    for p in s.scalars(select(Person).where(Person.household_id == household_id)):
        age = age_on(p.birth_date, on)
        if age >= 60 or age < 16 or (p.in_school and age < 18) or p.disability_grade in (1, 2) \
                or p.serious_illness:
            return True
    return False


def next_review_date(s: Session, case: AssistanceCase, on: dt.date) -> dt.date:
    hh = s.get(Household, case.household_id)
    months = review_interval_months(policy_for(s, hh.village_id, on),
                                    has_special_members(s, hh.id, on), case.stable_income)
    return add_months(on, months)


# --- application --------------------------------------------------------------------------


@requires("case.write", household="data.household_id")
def open_case(db: Database, actor: str | int, data: CaseInput) -> ServiceResult:
    """Record an application (申请) and open the case."""
    errors: list[FieldError] = []
    if data.program not in PROGRAMS:
        errors.append(FieldError("program", "choose dibao or extreme hardship",
                                 "请选择低保或特困供养"))
    _date(errors, "applied_on", data.applied_on, "申请")
    if data.support_mode is not None and data.support_mode not in SUPPORT_MODES:
        errors.append(FieldError("support_mode", "support is dispersed or centralized",
                                 "供养方式应为分散供养或集中供养"))
    if data.self_care is not None and data.self_care not in SELF_CARE:
        errors.append(FieldError("self_care", "choose the self-care level", "请选择自理能力"))
    if data.program == "tekun":
        if data.support_mode == "centralized" and not data.institution_name.strip():
            errors.append(FieldError("institution_name",
                                     "name the institution for centralized support",
                                     "集中供养须填写供养机构"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = s.get(Household, data.household_id)
        if hh is None:
            raise NotFoundError("household", data.household_id, "户")
        if hh.status != "active":
            raise StateError(f"household {hh.number} is closed", f"户 {hh.number} 已注销")
        members = {p.id: p for p in
                   s.scalars(select(Person).where(Person.household_id == hh.id))}
        person = None
        if data.program == "tekun":
            if data.person_id is None and hh.head_person_id is None:
                raise ValidationError.single("person_id",
                                             "name the person for an extreme-hardship case",
                                             "特困供养案件须指定供养对象")
            person = members.get(data.person_id if data.person_id is not None
                                 else hh.head_person_id)
            if person is None:
                raise ValidationError.single("person_id", "the person must be a member of the household",
                                             "供养对象必须是本户成员")
            covered = [person.id]
        else:
            covered = list(data.covered_person_ids) if data.covered_person_ids is not None \
                else list(members)
            strangers = [pid for pid in covered if pid not in members]
            if strangers or not covered:
                raise ValidationError.single("covered_person_ids",
                                             "covered members must be members of the household",
                                             "保障对象必须是本户成员，且至少一人")
        open_q = select(AssistanceCase.id).where(AssistanceCase.program == data.program,
                                                 AssistanceCase.status.in_(OPEN_STATUSES))
        open_q = open_q.where(AssistanceCase.person_id == person.id) if person is not None \
            else open_q.where(AssistanceCase.household_id == hh.id)
        existing = s.scalar(open_q)
        if existing is not None:
            raise StateError(f"an open {data.program} case ({existing}) already exists",
                             f"已有未结的{'特困供养' if person else '低保'}案件（编号 {existing}）")
        values = {"program": data.program, "household_id": hh.id,
                  "person_id": person.id if person else None, "status": "applied",
                  "applied_on": data.applied_on, "application_reason": data.reason.strip(),
                  "support_mode": data.support_mode if data.program == "tekun" else None,
                  "institution_name": data.institution_name.strip(),
                  "self_care": (data.self_care or person.self_care) if person else None,
                  "stable_income": data.stable_income}
        case = AssistanceCase(**values)
        s.add(case)
        s.flush()
        # Covered from the month after the application: no case pays earlier (payment
        # starts the month after confirmation), and a coverage ended this month does not clash.
        start = next_month(data.applied_on)
        for pid in covered:
            _refuse_if_covered(s, data.program, members[pid], start)
        s.add_all(CaseMember(case_id=case.id, person_id=pid, program=case.program,
                             covered_from=start) for pid in covered)
        audit = Auditor(s, user)
        audit.created("case", case.id, {**values, "covered": ",".join(map(str, sorted(covered)))},
                      hh.id)
        _event(s, case, user, "apply", data.applied_on, data.reason)
        return ServiceResult(household_ids={hh.id}, created_id=case.id)


@requires("case.write", case="case_id")
def set_covered_members(db: Database, actor: str | int, case_id: int,
                        person_ids: list[int], reason: str = "",
                        on: dt.date | None = None) -> ServiceResult:
    """Confirm a change of who a dibao case covers (保障人口变更, e.g. 增人增保 after a birth
    or a marriage), dated ``on`` (default today): members added are covered, members left
    out stop being covered, both from the month after ``on``. Audited and recorded as a
    'coverage' step of the case. Adding a member to the household never covers them: this
    confirmation does. A person covered by another open case of the program is refused,
    naming it."""
    on = dt.date.today() if on is None else on
    errors: list[FieldError] = []
    _date(errors, "on", on, "变更")
    if errors:
        raise ValidationError(errors)
    if on > dt.date.today():
        raise ValidationError.single("on", f"the date {on} is after today",
                                     f"日期 {on} 晚于今天")
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        if case.program != "dibao" or case.status == "terminated":
            raise StateError("only an open dibao case's covered members can change",
                             "只能调整未终止低保案件的保障对象")
        members = {p.id: p for p in s.scalars(
            select(Person).where(Person.household_id == case.household_id))}
        if not person_ids or set(person_ids) - set(members):
            raise ValidationError.single("covered_person_ids",
                                         "covered members must be members of the household",
                                         "保障对象必须是本户成员，且至少一人")
        start = next_month(on)
        current = {m.person_id: m for m in _open_coverage(s, case.id)}
        new = set(person_ids)
        added = sorted(new - set(current))
        removed = sorted(set(current) - new)
        if not added and not removed:
            return ServiceResult(household_ids={case.household_id})
        for pid in added:
            joined = s.scalar(select(HouseholdMembership.joined_on).where(
                HouseholdMembership.person_id == pid,
                HouseholdMembership.household_id == case.household_id,
                HouseholdMembership.left_on.is_(None)))
            if joined is not None and joined > on:
                raise ValidationError.single(
                    "on", f"{members[pid].name} joined the household on {joined}, after {on}",
                    f"{members[pid].name} 于 {joined} 加入本户，晚于变更日期 {on}")
            _refuse_if_covered(s, case.program, members[pid], start)
        why = reason.strip() or "change of coverage confirmed"
        for pid in removed:
            _close(current[pid], start, why)
        s.add_all(CaseMember(case_id=case.id, person_id=pid, program=case.program,
                             covered_from=start) for pid in added)
        s.flush()
        def names(ids: list[int]) -> str:
            return "、".join(members[i].name for i in ids)

        details = "; ".join(part for part in (
            added and f"covered from {start:%Y-%m} 自{start:%Y年%m月}起保障: {names(added)}",
            removed and f"not covered from {start:%Y-%m} 自{start:%Y年%m月}起停保: {names(removed)}")
            if part)
        audit = Auditor(s, user)
        audit.updated("case", case.id, "covered", ",".join(map(str, sorted(current))),
                      ",".join(map(str, sorted(new))), case.household_id)
        _event(s, case, user, "coverage", on, why, details)
        return ServiceResult(household_ids={case.household_id})


# --- coverage (保障对象) --------------------------------------------------------------------


def _open_coverage(s: Session, case_id: int) -> list[CaseMember]:
    return list(s.scalars(select(CaseMember).where(CaseMember.case_id == case_id,
                                                   CaseMember.covered_until.is_(None))
                          .order_by(CaseMember.person_id)))


def _close(row: CaseMember, until: dt.date, reason: str) -> None:
    row.covered_until = max(row.covered_from, until)
    row.end_reason = reason[:200]


def _refuse_if_covered(s: Session, program: str, person: Person, start: dt.date) -> None:
    """A person is covered by at most one open case per program (the database holds it too,
    by a partial unique index); a new coverage may not begin before an earlier one ended."""
    label_zh = "特困供养" if program == "tekun" else "低保"
    other = s.execute(select(CaseMember.case_id, Household.number)
                      .join(AssistanceCase, AssistanceCase.id == CaseMember.case_id)
                      .join(Household, Household.id == AssistanceCase.household_id)
                      .where(CaseMember.person_id == person.id, CaseMember.program == program,
                             CaseMember.covered_until.is_(None))).first()
    if other is not None:
        raise StateError(
            f"{person.name} is already covered by {program} case {other[0]} (household "
            f"{other[1]}): end that coverage first",
            f"{person.name} 已由{label_zh}案件 {other[0]}（户 {other[1]}）保障，请先终止该保障")
    ended = s.execute(select(CaseMember.covered_until, CaseMember.case_id)
                      .where(CaseMember.person_id == person.id, CaseMember.program == program,
                             CaseMember.covered_until > start)
                      .order_by(CaseMember.covered_until.desc())).first()
    if ended is not None:
        raise StateError(
            f"{person.name} is covered by {program} case {ended[1]} until {ended[0]:%Y-%m}: "
            f"coverage from {start:%Y-%m} would pay that person twice",
            f"{person.name} 的{label_zh}保障（案件 {ended[1]}）至 {ended[0]:%Y-%m} 止，"
            f"自 {start:%Y-%m} 起保障将重复发放")


def end_coverage_for_persons(s: Session, user: User, person_ids: list[int], on: dt.date,
                             reason: str) -> set[int]:
    """A life event (death, moving out, marrying out, moving to another household) on ``on``:
    end every open coverage of these persons from the month after (the month of the event is
    paid as before), record a 'coverage' step in each case, and end a case left with nobody
    covered. Inside the caller's transaction; returns the households whose cases changed."""
    rows = list(s.scalars(select(CaseMember).where(CaseMember.person_id.in_(person_ids),
                                                   CaseMember.covered_until.is_(None))
                          .order_by(CaseMember.case_id, CaseMember.person_id)))
    stop = next_month(on)
    audit = Auditor(s, user)
    by_case: dict[int, list[CaseMember]] = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    changed: set[int] = set()
    for case_id, ending in by_case.items():
        case = _case(s, case_id)
        before = [m.person_id for m in _open_coverage(s, case.id)]
        for row in ending:
            _close(row, stop, reason)
        s.flush()
        after = [m.person_id for m in _open_coverage(s, case.id)]
        names = "、".join(s.get(Person, r.person_id).name for r in ending)
        audit.updated("case", case.id, "covered", ",".join(map(str, before)),
                      ",".join(map(str, after)), case.household_id)
        _event(s, case, user, "coverage", on, reason,
               f"not covered from {stop:%Y-%m} 自{stop:%Y年%m月}起停保: {names}")
        if not after and case.status != "terminated":
            _terminate(s, user, audit, case, on, f"no covered member left 无保障对象 ({reason})")
        changed.add(case.household_id)
    return changed


def end_household_cases(s: Session, user: User, household_id: int, on: dt.date,
                        reason: str) -> set[int]:
    """A household closed on ``on``: every open coverage of its cases ends and every open
    case is terminated, from the month after. Inside the caller's transaction."""
    audit = Auditor(s, user)
    cases = list(s.scalars(select(AssistanceCase).where(
        AssistanceCase.household_id == household_id,
        AssistanceCase.status != "terminated").order_by(AssistanceCase.id)))
    stop = next_month(on)
    for case in cases:
        ending = _open_coverage(s, case.id)
        for row in ending:
            _close(row, stop, reason)
        if ending:
            _event(s, case, user, "coverage", on, reason,
                   f"not covered from {stop:%Y-%m} 自{stop:%Y年%m月}起停保: "
                   + "、".join(s.get(Person, r.person_id).name for r in ending))
        _terminate(s, user, audit, case, on, reason)
    return {household_id} if cases else set()


def _terminate(s: Session, user: User, audit: Auditor, case: AssistanceCase, on: dt.date,
               reason: str) -> None:
    """End the case (终止) from the month after ``on``, with its open coverage."""
    was_paying = case.status in ("active", "suspended")
    changes: dict[str, object] = {"status": "terminated", "next_review_on": None}
    stop = next_month(on)
    if case.paid_from is not None:
        stop = max(stop, case.paid_from)
        changes["paid_until"] = stop if case.paid_until is None else min(stop, case.paid_until)
    for row in _open_coverage(s, case.id):
        _close(row, changes.get("paid_until", stop), "case terminated 案件终止")
    audit.apply(case, "case", changes, case.household_id)
    _event(s, case, user, "terminate", on, reason)
    if was_paying:
        _set_category(s, audit, case, active=False)


@requires("case.write", case="case_id")
def update_case(db: Database, actor: str | int, case_id: int,
                changes: dict[str, object]) -> ServiceResult:
    """Change the extreme-hardship details (support mode, institution, self-care level) or
    the stable-income judgement, audited."""
    allowed = {"support_mode", "institution_name", "self_care", "stable_income"}
    errors = [FieldError(k, "this field cannot be changed here", "此项不能在这里修改")
              for k in changes if k not in allowed]
    if "support_mode" in changes and changes["support_mode"] not in SUPPORT_MODES + (None,):
        errors.append(FieldError("support_mode", "support is dispersed or centralized",
                                 "供养方式应为分散供养或集中供养"))
    if "self_care" in changes and changes["self_care"] not in SELF_CARE:
        errors.append(FieldError("self_care", "choose the self-care level", "请选择自理能力"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        if case.status == "terminated":
            raise StateError("the case is terminated", "案件已终止")
        merged_mode = changes.get("support_mode", case.support_mode)
        merged_inst = str(changes.get("institution_name", case.institution_name) or "").strip()
        if case.program == "tekun" and merged_mode == "centralized" and not merged_inst:
            raise ValidationError.single("institution_name",
                                         "name the institution for centralized support",
                                         "集中供养须填写供养机构")
        if "institution_name" in changes:
            changes = {**changes, "institution_name": merged_inst}
        Auditor(s, user).apply(case, "case", changes, case.household_id)
        return ServiceResult(household_ids={case.household_id})


# --- the steps before confirmation --------------------------------------------------------


@requires("case.write", case="case_id")
def record_economic_check(db: Database, actor: str | int, case_id: int, on: dt.date,
                          findings: str, passed: bool = True) -> ServiceResult:
    """Record the economic status check (家庭经济状况核对). A failed check ends the case."""
    errors: list[FieldError] = []
    _date(errors, "on", on, "核对")
    if not (findings or "").strip():
        errors.append(FieldError("findings", "record what the check found", "请填写核对结果"))
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        _require_step(case, "economic_check")
        _not_before(errors, "on", on, case.applied_on, "application", "申请")
        if errors:
            raise ValidationError(errors)
        details = findings if passed else f"not passed: {findings}"
        Auditor(s, user).apply(case, "case", {"checked_on": on, "check_findings": findings.strip(),
                                              "status": "checked" if passed else "terminated"},
                               case.household_id)
        _event(s, case, user, "economic_check", on, details=details)
        if not passed:
            for row in _open_coverage(s, case.id):
                _close(row, next_month(on), "economic check not passed 核对未通过")
            _event(s, case, user, "terminate", on, reason="economic check not passed")
        return ServiceResult(household_ids={case.household_id})


@requires("case.write", case="case_id")
def record_investigation(db: Database, actor: str | int, case_id: int, on: dt.date,
                         investigators: str, findings: str) -> ServiceResult:
    """Record the home investigation (入户调查): date, who went, what they found."""
    errors: list[FieldError] = []
    _date(errors, "on", on, "入户调查")
    if not (investigators or "").strip():
        errors.append(FieldError("investigators", "name who investigated (at least two people)",
                                 "请填写入户调查人员"))
    if not (findings or "").strip():
        errors.append(FieldError("findings", "record what the investigation found",
                                 "请填写入户调查情况"))
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        _require_step(case, "investigation")
        _not_before(errors, "on", on, case.checked_on, "economic check", "核对")
        if errors:
            raise ValidationError(errors)
        Auditor(s, user).apply(case, "case", {"investigated_on": on,
                                              "investigators": investigators.strip(),
                                              "investigation_findings": findings.strip(),
                                              "status": "investigated"}, case.household_id)
        _event(s, case, user, "investigation", on, details=f"{investigators.strip()}: {findings.strip()}")
        return ServiceResult(household_ids={case.household_id})


@requires("case.write", case="case_id")
def record_publicity(db: Database, actor: str | int, case_id: int, start: dt.date,
                     end: dt.date, place: str = "") -> ServiceResult:
    """Record the publicity at the village (公示): start and end dates, at least 7 days."""
    errors: list[FieldError] = []
    _date(errors, "start", start, "公示开始")
    _date(errors, "end", end, "公示结束", future_ok=True)
    if not errors and (end - start).days + 1 < PUBLICITY_DAYS:
        errors.append(FieldError("end", f"publicity lasts at least {PUBLICITY_DAYS} days "
                                        f"({start} to {start + dt.timedelta(days=PUBLICITY_DAYS - 1)})",
                                 f"公示期不少于{PUBLICITY_DAYS}天（{start} 至 "
                                 f"{start + dt.timedelta(days=PUBLICITY_DAYS - 1)}）"))
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        _require_step(case, "publicity")
        _not_before(errors, "start", start, case.investigated_on, "home investigation", "入户调查")
        if errors:
            raise ValidationError(errors)
        Auditor(s, user).apply(case, "case", {"publicity_start": start, "publicity_end": end,
                                              "status": "publicity"}, case.household_id)
        _event(s, case, user, "publicity", start, details=f"{start} – {end} {place}".strip())
        return ServiceResult(household_ids={case.household_id})


# --- confirmation and after ---------------------------------------------------------------


def _set_category(s: Session, audit: Auditor, case: AssistanceCase, active: bool) -> None:
    """Keep ``households.category`` in step with the household's active cases, and the
    low-income register's membership of the case's category."""
    from .register import sync_case_membership

    sync_case_membership(s, audit, case, active)
    hh = s.get(Household, case.household_id)
    others = set(s.scalars(select(AssistanceCase.program).where(
        AssistanceCase.household_id == hh.id, AssistanceCase.id != case.id,
        AssistanceCase.status.in_(("active", "suspended")))))
    if active:
        new = case.program if not (others & set(PROGRAMS)) or hh.category not in PROGRAMS \
            else hh.category
    else:
        if hh.category != case.program:
            return
        new = next(iter(sorted(others)), "none")
    audit.apply(hh, "household", {"category": new}, hh.id)


@requires("case.confirm", case="case_id")
def confirm_case(db: Database, actor: str | int, case_id: int, on: dt.date,
                 reason: str = "") -> ServiceResult:
    """Township confirmation (审核确认): the case becomes active and is paid from the next
    month. Refused, naming the missing step, without a home investigation and a completed
    7-day publicity."""
    errors: list[FieldError] = []
    _date(errors, "on", on, "审核确认")
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        _require_step(case, "confirm")
        investigator = s.scalar(select(CaseEvent.user_id).where(
            CaseEvent.case_id == case.id, CaseEvent.step == "investigation")
            .order_by(CaseEvent.id.desc()).limit(1))
        village = s.scalar(select(Household.village_id).where(Household.id == case.household_id))
        separate(s, user, "sod_case_confirm", village, {"investigator": investigator}, "case",
                 case.id, case.household_id)
        if on <= case.publicity_end:
            raise StateError(
                f"cannot confirm: the publicity (公示) runs until {case.publicity_end} and is "
                f"not completed on {on}",
                f"不能审核确认：公示期至 {case.publicity_end}，{on} 尚未期满")
        audit = Auditor(s, user)
        audit.apply(case, "case", {"status": "active", "confirmed_on": on,
                                   "paid_from": next_month(on), "paid_until": None,
                                   "next_review_on": next_review_date(s, case, on)},
                    case.household_id)
        _event(s, case, user, "confirm", on, reason)
        _set_category(s, audit, case, active=True)
        return ServiceResult(household_ids={case.household_id})


def _reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError.single("reason", "give the reason", "请填写原因")


@requires("case.write", case="case_id")
def suspend_case(db: Database, actor: str | int, case_id: int, on: dt.date,
                 reason: str) -> ServiceResult:
    """Suspend payment (暂停) from the month after ``on``."""
    _step_date("on", on, "暂停")
    _reason(reason)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        if case.status != "active":
            raise StateError("only an active case can be suspended", "只有在保案件可以暂停")
        until = max(next_month(on), case.paid_from)
        Auditor(s, user).apply(case, "case", {"status": "suspended", "paid_until": until},
                               case.household_id)
        _event(s, case, user, "suspend", on, reason, details=f"no payment from {until:%Y-%m}")
        return ServiceResult(household_ids={case.household_id})


@requires("case.write", case="case_id")
def resume_case(db: Database, actor: str | int, case_id: int, on: dt.date,
                reason: str) -> ServiceResult:
    """Resume payment (恢复) from the month after ``on``."""
    _step_date("on", on, "恢复")
    _reason(reason)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        if case.status != "suspended":
            raise StateError("only a suspended case can be resumed", "只有暂停的案件可以恢复")
        start = next_month(on)
        Auditor(s, user).apply(case, "case", {"status": "active", "paid_from": start,
                                              "paid_until": None}, case.household_id)
        _event(s, case, user, "resume", on, reason, details=f"paid from {start:%Y-%m}")
        return ServiceResult(household_ids={case.household_id})


@requires("case.write", case="case_id")
def terminate_case(db: Database, actor: str | int, case_id: int, on: dt.date,
                   reason: str) -> ServiceResult:
    """End the case (终止). Payment and coverage stop from the month after ``on``."""
    _step_date("on", on, "终止")
    _reason(reason)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        if case.status == "terminated":
            raise StateError("the case is already terminated", "案件已终止")
        _terminate(s, user, Auditor(s, user), case, on, reason)
        return ServiceResult(household_ids={case.household_id})


@requires("case.write", case="case_id")
def record_review(db: Database, actor: str | int, case_id: int, on: dt.date, findings: str,
                  stable_income: bool | None = None) -> ServiceResult:
    """Record a periodic review (核查) and set the next review date from the policy. The
    outcome (suspend, terminate, change of covered members) is its own step."""
    _step_date("on", on, "核查")
    if not (findings or "").strip():
        raise ValidationError.single("findings", "record what the review found", "请填写核查情况")
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _case(s, case_id)
        if case.status not in ("active", "suspended"):
            raise StateError("only an active or suspended case is reviewed",
                             "只有在保或暂停的案件需要核查")
        audit = Auditor(s, user)
        if stable_income is not None:
            audit.apply(case, "case", {"stable_income": stable_income}, case.household_id)
        audit.apply(case, "case", {"last_review_on": on,
                                   "next_review_on": next_review_date(s, case, on)},
                    case.household_id)
        _event(s, case, user, "review", on, details=findings)
        return ServiceResult(household_ids={case.household_id})


# --- reading ------------------------------------------------------------------------------


# Phrases the steps store in their reason and details (some in both languages at once), and
# how each language reads them: (pattern, English, Chinese).
_EVENT_PHRASES = [
    (r"exit review 退出核查: (.+?) (\S+) from (\d{4}-\d{2})", r"exit review: \1 from \3",
     r"退出核查：\2，自\3起"),
    (r"(?:退出核查减少保障|退出核查) exit review: ", "exit review: ", "退出核查："),
    (r"exit review: (continue|reduce|suspend|terminate)\b", r"exit review: \1", r"退出核查：\1"),
    (r"not covered from (\d{4}-\d{2}) 自(\S+?)起停保", r"not covered from \1", r"自\2起停保"),
    (r"covered from (\d{4}-\d{2}) 自(\S+?)起保障", r"covered from \1", r"自\2起保障"),
    (r"economic check not passed", "economic check not passed", "家庭经济状况核对未通过"),
    (r"not passed: ", "not passed: ", "未通过："),
    (r"no payment from ", "no payment from ", "停发自 "),
    (r"paid from ", "paid from ", "发放自 "),
]
_OUTCOME_ZH = {"continue": "继续保障", "reduce": "减少保障", "suspend": "暂停", "terminate": "终止"}


def _event_text(text: str, lang: str) -> str:
    import re

    zh = lang.startswith("zh")
    for pattern, en_repl, zh_repl in _EVENT_PHRASES:
        text = re.sub(pattern, zh_repl if zh else en_repl, text)
    if zh:
        text = re.sub(r"退出核查：(continue|reduce|suspend|terminate)\b",
                      lambda m: "退出核查：" + _OUTCOME_ZH[m.group(1)], text)
    return text


@dataclass(frozen=True)
class EventView:
    step: str
    happened_on: dt.date
    username: str
    reason: str
    details: str
    at: dt.datetime

    def step_label(self, lang: str = "zh") -> str:
        """申请, 家庭经济状况核对, … (the stored step code in the reader's language)."""
        pair = STEP_LABELS.get(self.step)
        return (pair[1] if lang.startswith("zh") else pair[0]) if pair else self.step

    def text(self, lang: str = "zh") -> str:
        """One line of the case log in the reader's language."""
        return " ".join(x for x in (str(self.happened_on), self.step_label(lang), self.username,
                                     _event_text(self.reason, lang),
                                     _event_text(self.details, lang)) if x)


@dataclass(frozen=True)
class CoverageView:
    """One period of a person's coverage by the case: first month covered, first month no
    longer covered (None while it lasts), and why it ended."""

    person_id: int
    name: str
    covered_from: dt.date
    covered_until: dt.date | None
    end_reason: str


@dataclass
class CaseView:
    id: int
    program: str
    status: str
    household_id: int
    household_number: str
    head_name: str
    person_id: int | None
    person_name: str
    applied_on: dt.date
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    confirmed_on: dt.date | None
    paid_from: dt.date | None
    paid_until: dt.date | None
    next_review_on: dt.date | None
    support_mode: str | None
    institution_name: str
    self_care: str | None
    stable_income: bool
    covered: list[tuple[int, str]] = field(default_factory=list)  # covered now (open)
    events: list[EventView] = field(default_factory=list)
    coverage: list["CoverageView"] = field(default_factory=list)  # every period, oldest first

    def paid_in(self, month: dt.date) -> bool:
        return self.paid_from is not None and self.paid_from <= month \
            and (self.paid_until is None or month < self.paid_until)


def case_view(s: Session, case_id: int) -> CaseView:
    case = _case(s, case_id)
    hh = s.get(Household, case.household_id)
    reader(s, area_id=hh.village_id)
    person = s.get(Person, case.person_id) if case.person_id else None
    view = CaseView(case.id, case.program, case.status, hh.id, hh.number, hh.head_name,
                    case.person_id, person.name if person else "", case.applied_on,
                    case.publicity_start, case.publicity_end, case.confirmed_on, case.paid_from,
                    case.paid_until, case.next_review_on, case.support_mode,
                    case.institution_name, case.self_care, case.stable_income)
    view.covered = [(pid, name) for pid, name in s.execute(
        select(Person.id, Person.name).join(CaseMember, CaseMember.person_id == Person.id)
        .where(CaseMember.case_id == case.id, CaseMember.covered_until.is_(None))
        .order_by(Person.id))]
    view.coverage = [CoverageView(*r) for r in s.execute(
        select(Person.id, Person.name, CaseMember.covered_from, CaseMember.covered_until,
               CaseMember.end_reason).join(CaseMember, CaseMember.person_id == Person.id)
        .where(CaseMember.case_id == case.id)
        .order_by(CaseMember.covered_from, Person.id, CaseMember.id))]
    view.events = [EventView(e.step, e.happened_on, name, e.reason, e.details, e.at)
                   for e, name in s.execute(
                       select(CaseEvent, User.username).join(User, User.id == CaseEvent.user_id)
                       .where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
    return view


@dataclass(frozen=True)
class CoverageChoice:
    """What the change of covered members (增人增保 / 减人减保) chooses from: the household's
    members (id, name) and those the case covers now."""

    case_id: int
    members: tuple[tuple[int, str], ...]
    covered: frozenset[int]


def coverage_choice(s: Session, case_id: int) -> CoverageChoice:
    """The members of an open dibao case's household and who is covered; refused (as
    :func:`set_covered_members` would) for any other case."""
    case = _case(s, case_id)
    if case.program != "dibao" or case.status == "terminated":
        raise StateError("only an open dibao case's covered members can change",
                         "只能调整未终止低保案件的保障对象")
    members = s.execute(select(Person.id, Person.name)
                        .where(Person.household_id == case.household_id)
                        .order_by(Person.relation != "head", Person.id)).all()
    view = case_view(s, case_id)
    return CoverageChoice(case_id, tuple((pid, name) for pid, name in members),
                          frozenset(pid for pid, _name in view.covered))


def household_cases(s: Session, household_id: int) -> list[tuple[int, str, str, str]]:
    """(case id, program, status, person name) of a household's cases, newest first."""
    stmt = (select(AssistanceCase.id, AssistanceCase.program, AssistanceCase.status,
                   func.coalesce(Person.name, ""))
            .join(Person, Person.id == AssistanceCase.person_id, isouter=True)
            .where(AssistanceCase.household_id == household_id)
            .order_by(AssistanceCase.id.desc()))
    return [tuple(r) for r in s.execute(stmt)]


@dataclass(frozen=True)
class ReviewDue:
    case_id: int
    program: str
    status: str
    household_id: int
    household_number: str
    head_name: str
    next_review_on: dt.date
    overdue: bool


def reviews_due(s: Session, as_of: dt.date, within_days: int = 30,
                area_id: int | None = None, limit: int | None = 1000) -> list[ReviewDue]:
    """Active and suspended cases whose review is overdue (before ``as_of``) or due within
    ``within_days``, soonest first; optionally only under ``area_id``."""
    horizon = as_of + dt.timedelta(days=within_days)
    stmt = (select(AssistanceCase.id, AssistanceCase.program, AssistanceCase.status,
                   Household.id, Household.number, Household.head_name,
                   AssistanceCase.next_review_on)
            .join(Household, Household.id == AssistanceCase.household_id)
            .where(AssistanceCase.status.in_(("active", "suspended")),
                   AssistanceCase.next_review_on <= horizon)
            .order_by(AssistanceCase.next_review_on, AssistanceCase.id))
    if area_id is not None:
        area = s.get(Area, area_id)
        if area is None:
            raise NotFoundError("area", area_id, "区划")
        villages = select(Area.id).where(Area.level == "village",
                                         Area.code.like(code_like(area.code, area.level)))
        stmt = stmt.where(Household.village_id.in_(villages))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [ReviewDue(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[6] < as_of)
            for r in s.execute(stmt)]



