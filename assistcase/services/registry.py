"""Registry services: households, members, incomes, property (DOMAIN §3).

Every function takes the :class:`~assistcase.db.Database`, the acting user (username or id)
and plain input; it validates everything first, writes in one transaction, audits each
change, and returns a :class:`~assistcase.errors.ServiceResult` naming what changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import (ConcurrentEditError, DuplicatePersonError, FieldError, NotFoundError, ServiceResult, StateError,
                      ValidationError, Warning_)
from ..rules.idnumber import check_account, parse_resident_id
from ..models import Area, Household, HouseholdMembership, Income, Person, PropertyItem
from ..models.registry import (CATEGORIES, INCOME_SOURCES, LEAVE_KINDS, PROPERTY_KINDS,
                               RELATIONSHIPS, RESIDENCE_CLASSES, SELF_CARE, SINCE_ALWAYS)
from .audit import Auditor, resolve_user
from .cases import end_coverage_for_persons, end_household_cases
# The derived columns and search keys have one writer; these names stay importable from here.
from .registry_writer import (household_summary, household_values, person_values,  # noqa: F401
                              refresh_household, write_keys)
from .auth import requires

# --- input --------------------------------------------------------------------------------


@dataclass(slots=True)
class HouseholdData:
    """Household fields a caseworker enters. ``number`` is assigned when left empty."""

    village_id: int
    residence_class: str
    category: str = "none"
    address: str = ""
    phone: str = ""
    account_type: str = "none"
    account_number: str = ""
    bank_name: str = ""
    number: str = ""


@dataclass(slots=True)
class PersonData:
    """Member fields. Birth date and sex are derived from the ID number, never entered."""

    name: str
    id_number: str
    relation: str = "head"
    disability_grade: int | None = None
    disability_category: str = ""
    serious_illness: bool = False
    self_care: str = "full"
    in_school: bool = False
    able_to_work: bool = True
    phone: str = ""


HOUSEHOLD_EDITABLE = {f.name for f in fields(HouseholdData)} - {"number"}
PERSON_EDITABLE = {f.name for f in fields(PersonData)}


def _choice(errors: list[FieldError], field: str, value: Any, allowed: tuple[str, ...],
            label_zh: str) -> None:
    if value not in allowed:
        errors.append(FieldError(field, f"{value!r} is not one of {', '.join(allowed)}",
                                 f"{label_zh}取值无效：{value}"))


def validate_household(s: Session, data: HouseholdData, errors: list[FieldError],
                       warnings: list[Warning_], villages: dict[int, Area] | None = None
                       ) -> None:
    """Check household fields, appending refusals to ``errors`` and notices to ``warnings``.
    Public so the spreadsheet import checks rows by the same rules; it gives the areas it has
    loaded as ``villages`` (id → area: one ``Session.get`` per household costs more than the
    other checks together)."""
    if villages is not None:
        village = villages.get(data.village_id) if data.village_id else None
    else:
        village = s.get(Area, data.village_id) if data.village_id else None
    if village is None or village.level != "village":
        errors.append(FieldError("village_id", "choose the village the household lives in",
                                 "请选择所属村（社区）"))
    _choice(errors, "residence_class", data.residence_class, RESIDENCE_CLASSES, "城乡类别")
    _choice(errors, "category", data.category, CATEGORIES, "救助类别")
    phone = (data.phone or "").strip()
    if phone and not phone.replace("-", "").isdigit():
        errors.append(FieldError("phone", "phone number may contain digits and '-' only",
                                 "联系电话只能包含数字和“-”"))
    try:
        for w in check_account(data.account_type, data.account_number):
            warnings.append(Warning_(w.field, w.message_en, w.message_zh))
    except ValidationError as e:
        errors.extend(e.errors)


def validate_person(data: PersonData, prefix: str, errors: list[FieldError]) -> Any:
    """Check member fields; returns the parsed ID number (or None when it is refused)."""
    name = (data.name or "").strip()
    if not name:
        errors.append(FieldError(f"{prefix}name", "name is required", "请填写姓名"))
    elif len(name) > 64:
        errors.append(FieldError(f"{prefix}name", "name is too long", "姓名过长"))
    parsed = None
    try:
        parsed = parse_resident_id(data.id_number, f"{prefix}id_number")
    except ValidationError as e:
        errors.extend(e.errors)
    _choice(errors, f"{prefix}relation", data.relation, RELATIONSHIPS, "与户主关系")
    _choice(errors, f"{prefix}self_care", data.self_care, SELF_CARE, "自理能力")
    if data.disability_grade is not None and data.disability_grade not in (1, 2, 3, 4):
        errors.append(FieldError(f"{prefix}disability_grade", "disability grade must be 1–4",
                                 "残疾等级应为1至4级"))
    return parsed


def _holder(s: Session, id_number: str) -> Person | None:
    return s.scalar(select(Person).where(Person.id_number == id_number))


def _refuse_if_held(s: Session, person: Person | None, field: str,
                    except_household: int | None = None) -> None:
    if person is None or person.household_id is None or person.household_id == except_household:
        return
    hh = s.get(Household, person.household_id)
    if hh is not None and hh.status == "active":
        raise DuplicatePersonError(field, person.id_number, hh.id, hh.number, hh.head_name)


def next_household_number(s: Session, village: Area) -> str:
    prefix = village.code + "-"
    last = s.scalar(select(func.max(Household.number))
                    .where(Household.number.like(prefix + "%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def raise_all(errors: list[FieldError], duplicates: list[DuplicatePersonError]) -> None:
    """Refuse with every problem found at once; a duplicate person keeps its own type (and
    the other household it names) with the other problems added to its list."""
    if not duplicates:
        raise ValidationError(errors)
    dup = duplicates[0]
    dup.errors = list(errors)
    dup.message_en = "; ".join(f"{e.field}: {e.message_en}" for e in errors)
    dup.message_zh = "；".join(e.message_zh for e in errors)
    dup.args = (dup.message_en,)
    raise dup


# Categories that only a confirmed case gives (DOMAIN §4, §8: 低保 and 特困 are decided by the
# township's confirmation, 审核确认, never typed into the registry).
CASE_CATEGORIES = {"dibao": ("subsistence allowance", "低保"),
                   "tekun": ("extreme hardship", "特困")}


def check_category(s: Session, hh: Household | None, category: str,
                   errors: list[FieldError]) -> None:
    """A household is 低保 or 特困 only with a confirmed (active or suspended) case of that
    program; the cases page's confirmation sets the category itself."""
    if category not in CASE_CATEGORIES:
        return
    from ..models.assistance import AssistanceCase

    confirmed = hh is not None and s.scalar(
        select(AssistanceCase.id).where(AssistanceCase.household_id == hh.id,
                                        AssistanceCase.program == category,
                                        AssistanceCase.status.in_(("active", "suspended")))
        .limit(1)) is not None
    if not confirmed:
        en, zh = CASE_CATEGORIES[category]
        errors.append(FieldError(
            "category",
            f"the category {en} comes from a confirmed {en} case; this household has none: "
            f"apply and confirm on the cases page",
            f"本户没有已审核确认的{zh}案件，不能设为{zh}：请在“救助审批”中申请并审核确认"))


def village_classes(db: Database) -> dict[int, str]:
    """Each village's proposed urban/rural class (:func:`assistcase.rules.residence.village_residence_class`)."""
    from ..rules.residence import village_residence_class

    township = Area.__table__.alias("township")
    with db.read() as s:
        rows = s.execute(select(Area.id, township.c.name, Area.name)
                         .join(township, township.c.id == Area.parent_id)
                         .where(Area.level == "village"))
        return {vid: village_residence_class(tname, vname) for vid, tname, vname in rows}


# The former private names, kept for existing callers.
_validate_household = validate_household
_validate_person = validate_person
_person_values = person_values
_write_keys = write_keys
_refresh_household = refresh_household


def _household(s: Session, household_id: int) -> Household:
    hh = s.get(Household, household_id)
    if hh is None:
        raise NotFoundError("household", household_id, "户")
    return hh


def _active_household(s: Session, household_id: int) -> Household:
    hh = _household(s, household_id)
    if hh.status != "active":
        raise StateError(f"household {hh.number} is closed", f"户 {hh.number} 已注销，不能修改")
    return hh


def _person(s: Session, person_id: int) -> Person:
    p = s.get(Person, person_id)
    if p is None:
        raise NotFoundError("person", person_id, "人员")
    return p


# --- life events: dates and membership history ---------------------------------------------

LEAVE_LABELS = {"died": ("died", "死亡"), "moved_out": ("moved out", "迁出"),
                "married_out": ("married out", "嫁出"), "other": ("other", "其他")}


def _event_date(on: Any, field: str = "on", label_zh: str = "事件") -> dt.date:
    """The date of a life event: a date, not after today (default today)."""
    if on is None:
        return dt.date.today()
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise ValidationError.single(field, "give the date", f"请填写{label_zh}日期")
    if on > dt.date.today():
        raise ValidationError.single(field, f"the date {on} is after today",
                                     f"{label_zh}日期 {on} 晚于今天")
    return on


def _open_membership(s: Session, person_id: int, household_id: int) -> HouseholdMembership | None:
    return s.scalar(select(HouseholdMembership).where(
        HouseholdMembership.person_id == person_id,
        HouseholdMembership.household_id == household_id,
        HouseholdMembership.left_on.is_(None)).order_by(HouseholdMembership.id.desc()))


def _refuse_before_joining(s: Session, p: Person, on: dt.date, field: str = "on") -> None:
    """A member cannot leave before the day they joined."""
    m = _open_membership(s, p.id, p.household_id) if p.household_id else None
    if m is not None and m.joined_on is not None and on < m.joined_on:
        raise ValidationError.single(
            field, f"{p.name} joined the household on {m.joined_on}, after {on}",
            f"{p.name} 于 {m.joined_on} 加入本户，晚于 {on}")


def _mark_left(s: Session, person_id: int, household_id: int, on: dt.date, reason: str) -> None:
    """Put the event's date and reason on the membership the trigger just closed."""
    s.flush()
    m = s.scalar(select(HouseholdMembership).where(
        HouseholdMembership.person_id == person_id,
        HouseholdMembership.household_id == household_id,
        HouseholdMembership.left_on.is_not(None)).order_by(HouseholdMembership.id.desc()))
    if m is not None:
        m.left_on, m.reason = on, reason[:200]


def _mark_joined(s: Session, person_id: int, household_id: int, on: dt.date) -> None:
    """Put the event's date on the membership the trigger just opened: a member who joins
    counts from the month after ``on``."""
    s.flush()
    m = _open_membership(s, person_id, household_id)
    if m is not None:
        m.joined_on = on


# --- households ---------------------------------------------------------------------------


@requires("registry.write", area="household.village_id")
def create_household(db: Database, actor: str | int, household: HouseholdData,
                     members: list[PersonData], source: str | None = None) -> ServiceResult:
    """Register a household with its members (exactly one of them the head, 户主).

    A member already in another active household is refused with that household named; a
    person whose household was closed is taken over with their existing record."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        errors: list[FieldError] = []
        warnings: list[Warning_] = []
        _validate_household(s, household, errors, warnings)
        if not members:
            errors.append(FieldError("members", "a household needs at least one member",
                                     "每户至少要有一名成员"))
        heads = [m for m in members if m.relation == "head"]
        if members and len(heads) != 1:
            errors.append(FieldError("members", f"a household needs exactly one head, got {len(heads)}",
                                     f"每户必须有且只有一名户主，现有{len(heads)}名"))
        parsed = [_validate_person(m, f"members[{i}].", errors) for i, m in enumerate(members)]
        seen: dict[str, int] = {}
        for i, p in enumerate(parsed):
            if p is None:
                continue
            if p.number in seen:
                errors.append(FieldError(f"members[{i}].id_number",
                                         f"the same ID number is entered twice (members {seen[p.number] + 1} and {i + 1})",
                                         f"同一身份证号录入了两次（第{seen[p.number] + 1}和第{i + 1}名成员）"))
            seen.setdefault(p.number, i)
        number = household.number.strip()
        if number and s.scalar(select(Household.id).where(Household.number == number)):
            errors.append(FieldError("number", f"household number {number} is already used",
                                     f"户编号 {number} 已被使用"))
        existing = []
        duplicates: list[DuplicatePersonError] = []
        for i, p in enumerate(parsed):
            person = _holder(s, p.number) if p is not None else None
            try:
                _refuse_if_held(s, person, f"members[{i}].id_number")
            except DuplicatePersonError as dup:  # reported with every other problem
                errors.extend(dup.errors)
                duplicates.append(dup)
            existing.append(person)
        if errors:
            raise_all(errors, duplicates)

        audit = Auditor(s, user, source)
        village = s.get(Area, household.village_id)
        values = household_values(household, number or next_household_number(s, village))
        hh = Household(**values, status="active")
        s.add(hh)
        s.flush()
        audit.created("household", hh.id, values, hh.id)
        result = ServiceResult(household_ids={hh.id}, created_id=hh.id,
                               warnings=warnings)
        for data, p, person in zip(members, parsed, existing):
            pv = _person_values(data, p)
            if person is None:
                person = Person(**pv, household_id=hh.id)
                s.add(person)
                s.flush()
                audit.created("person", person.id, {**pv, "household_id": hh.id}, hh.id)
            else:
                audit.apply(person, "person", {**pv, "household_id": hh.id}, hh.id)
            _write_keys(s, person)
            result.person_ids.add(person.id)
            if data.relation == "head":
                hh.head_person_id = person.id
        _refresh_household(s, hh)
        return result


@requires("registry.write", household="household_id")
def update_household(db: Database, actor: str | int, household_id: int,
                     changes: dict[str, Any], source: str | None = None) -> ServiceResult:
    """Change household fields (not membership); each changed field is audited."""
    return save_household(db, actor, household_id, changes, [], source)


@requires("registry.write", household="household_id")
def close_household(db: Database, actor: str | int, household_id: int, reason: str,
                    on: dt.date | None = None) -> ServiceResult:
    """Close (注销) a household on ``on`` (default today). Its members stay linked for the
    record but may be registered in another household afterwards; their memberships end on
    ``on``. Its open cases end and its coverage stops from the month after (the month of
    closing is paid as before), each recorded in the case's history."""
    if not (reason or "").strip():
        raise ValidationError.single("closed_reason", "give the reason for closing",
                                     "请填写注销原因")
    on = _event_date(on, "closed_on", "注销")
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        joined = s.scalar(select(func.max(HouseholdMembership.joined_on)).where(
            HouseholdMembership.household_id == hh.id, HouseholdMembership.left_on.is_(None)))
        if joined is not None and on < joined:
            raise ValidationError.single("closed_on", f"a member joined on {joined}, after {on}",
                                         f"有成员于 {joined} 加入本户，晚于注销日期 {on}")
        close_in(s, user, Auditor(s, user), hh, on, reason)
        return ServiceResult(household_ids={hh.id})


def close_in(s: Session, user: Any, audit: Auditor, hh: Household, on: dt.date,
             reason: str) -> None:
    """Close a household inside the caller's transaction: its cases end, audited."""
    end_household_cases(s, user, hh.id, on, f"household closed 户注销: {reason.strip()}")
    audit.apply(hh, "household", {"status": "closed", "closed_on": on,
                                  "closed_reason": reason.strip()}, hh.id)


# --- members ------------------------------------------------------------------------------


@requires("registry.write", household="household_id")
def add_member(db: Database, actor: str | int, household_id: int, person: PersonData,
               source: str | None = None, on: dt.date | None = None) -> ServiceResult:
    """Add a member (not the head: use :func:`change_head` for that) who joined on ``on``
    (birth, marriage, moving in; default today). The member counts in the household from the
    month after and is covered by no case until a change of coverage is confirmed
    (:func:`~assistcase.services.cases.set_covered_members`, 增人增保)."""
    on = _event_date(on, "joined_on", "加入")
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        errors: list[FieldError] = []
        parsed = _validate_person(person, "", errors)
        if person.relation == "head":
            errors.append(FieldError("relation", "the household already has a head; use change of head",
                                     "该户已有户主，如需更换请使用“变更户主”"))
        if errors:
            raise ValidationError(errors)
        existing = _holder(s, parsed.number)
        if existing is not None and existing.household_id == hh.id:
            raise ValidationError.single("id_number", "this person is already a member of this household",
                                         "此人已是本户成员")
        _refuse_if_held(s, existing, "id_number")
        audit = Auditor(s, user, source)
        pv = _person_values(person, parsed)
        if existing is None:
            existing = Person(**pv, household_id=hh.id)
            s.add(existing)
            s.flush()
            audit.created("person", existing.id, {**pv, "household_id": hh.id}, hh.id)
        else:
            audit.apply(existing, "person", {**pv, "household_id": hh.id}, hh.id)
        _write_keys(s, existing)
        _mark_joined(s, existing.id, hh.id, on)
        _refresh_household(s, hh)
        return ServiceResult(household_ids={hh.id}, person_ids={existing.id},
                             created_id=existing.id)


@requires("registry.write", person="person_id")
def update_person(db: Database, actor: str | int, person_id: int, changes: dict[str, Any],
                  source: str | None = None) -> ServiceResult:
    """Change a member's fields. Changing the ID number re-derives birth date and sex."""
    unknown = set(changes) - PERSON_EDITABLE
    if unknown:
        raise ValidationError([FieldError(f, "this field cannot be changed here",
                                          "此项不能在这里修改") for f in sorted(unknown)])
    with db.begin() as s:
        user = resolve_user(s, actor)
        p = _person(s, person_id)
        current = {f: getattr(p, f) for f in PERSON_EDITABLE}
        merged = PersonData(**{**current, **changes})
        errors: list[FieldError] = []
        parsed = _validate_person(merged, "", errors)
        if "relation" in changes and (changes["relation"] == "head") != (p.relation == "head"):
            errors.append(FieldError("relation", "use change of head to change who is the head",
                                     "请使用“变更户主”更换户主"))
        if errors:
            raise ValidationError(errors)
        if parsed.number != p.id_number:
            other = _holder(s, parsed.number)
            if other is not None:
                hh = s.get(Household, other.household_id) if other.household_id else None
                if hh is not None:
                    raise DuplicatePersonError("id_number", parsed.number, hh.id, hh.number,
                                               hh.head_name)
                raise ValidationError.single("id_number", "another person record has this ID number",
                                             "已有其他人员使用此身份证号")
        new = _person_values(merged, parsed)
        new = {k: v for k, v in new.items() if getattr(p, k) != v}
        Auditor(s, user, source).apply(p, "person", new, p.household_id)
        if "name" in new:
            _write_keys(s, p)
        result = ServiceResult(person_ids={p.id})
        if p.household_id:
            hh = s.get(Household, p.household_id)
            _refresh_household(s, hh)
            result.household_ids.add(hh.id)
        return result


@requires("registry.write", household="household_id")
def change_head(db: Database, actor: str | int, household_id: int, new_head_id: int,
                old_head_relation: str = "other") -> ServiceResult:
    """Make another member the head (e.g. after the head's death); the former head gets
    ``old_head_relation``."""
    if old_head_relation not in RELATIONSHIPS or old_head_relation == "head":
        raise ValidationError.single("relation", "choose the former head's new relationship",
                                     "请选择原户主与新户主的关系")
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        new_head = _person(s, new_head_id)
        if new_head.household_id != hh.id:
            raise ValidationError.single("head_person_id", "the new head must be a member of this household",
                                         "新户主必须是本户成员")
        audit = Auditor(s, user)
        if hh.head_person_id and hh.head_person_id != new_head.id:
            old = s.get(Person, hh.head_person_id)
            if old is not None:
                audit.apply(old, "person", {"relation": old_head_relation}, hh.id)
        audit.apply(new_head, "person", {"relation": "head"}, hh.id)
        audit.apply(hh, "household", {"head_person_id": new_head.id}, hh.id)
        _refresh_household(s, hh)
        return ServiceResult(household_ids={hh.id}, person_ids={new_head.id})


@requires("registry.write", person="person_id", household="to_household_id")
def move_member(db: Database, actor: str | int, person_id: int, to_household_id: int,
                relation: str, on: dt.date | None = None) -> ServiceResult:
    """Move a member to another active household on ``on`` (default today; not the head:
    change the head first). The person's coverage in the former household's cases ends from
    the month after; in the new household they are covered only once a change of coverage is
    confirmed there."""
    errors: list[FieldError] = []
    _choice(errors, "relation", relation, RELATIONSHIPS, "与户主关系")
    if relation == "head":
        errors.append(FieldError("relation", "the moved member cannot become head directly",
                                 "迁入成员不能直接成为户主，请迁入后再变更户主"))
    if errors:
        raise ValidationError(errors)
    on = _event_date(on, "on", "迁移")
    with db.begin() as s:
        user = resolve_user(s, actor)
        p = _person(s, person_id)
        target = _active_household(s, to_household_id)
        source_hh = s.get(Household, p.household_id) if p.household_id else None
        if source_hh is not None and source_hh.id == target.id:
            raise ValidationError.single("household_id", "the person is already in that household",
                                         "此人已在该户中")
        if source_hh is not None and source_hh.head_person_id == p.id:
            raise StateError("the head cannot be moved; change the head first",
                             "户主不能迁出，请先变更户主")
        _refuse_before_joining(s, p, on)
        why = f"moved to household {target.number} 迁至户 {target.number}"
        end_coverage_for_persons(s, user, [p.id], on, why)
        Auditor(s, user).apply(p, "person", {"household_id": target.id, "relation": relation},
                               target.id)
        if source_hh is not None:
            _mark_left(s, p.id, source_hh.id, on, why)
        _mark_joined(s, p.id, target.id, on)
        result = ServiceResult(household_ids={target.id}, person_ids={p.id})
        _refresh_household(s, target)
        if source_hh is not None:
            _refresh_household(s, source_hh)
            result.household_ids.add(source_hh.id)
        return result


@requires("registry.write", person="person_id")
def remove_member(db: Database, actor: str | int, person_id: int, kind: str,
                  on: dt.date | None = None, reason: str = "") -> ServiceResult:
    """Take a member out of the household: ``kind`` is 'died' (死亡; ``on`` the date of
    death), 'moved_out' (迁出), 'married_out' (嫁出) or 'other' (其他, with a ``reason``);
    ``on`` defaults to today. The person record stays. The person's coverage ends from the
    month after ``on`` (the month of the event is paid as before), recorded in each case's
    history; a case left with nobody covered ends."""
    errors: list[FieldError] = []
    _choice(errors, "kind", kind, LEAVE_KINDS, "减员原因")
    if kind == "other" and not (reason or "").strip():
        errors.append(FieldError("reason", "give the reason", "请填写原因"))
    if errors:
        raise ValidationError(errors)
    on = _event_date(on, "on", "减员")
    en, zh = LEAVE_LABELS[kind]
    why = f"{en} {zh} {on}" + (f": {reason.strip()}" if (reason or "").strip() else "")
    with db.begin() as s:
        user = resolve_user(s, actor)
        p = _person(s, person_id)
        if p.household_id is None:
            raise StateError("the person is not in a household", "此人不在任何户中")
        hh = _active_household(s, p.household_id)
        if hh.head_person_id == p.id:
            raise StateError("the head cannot be removed; change the head first",
                             "不能移除户主，请先变更户主")
        take_out(s, user, Auditor(s, user), p, hh, on, why)
        return ServiceResult(household_ids={hh.id}, person_ids={p.id})


def take_out(s: Session, user: Any, audit: Auditor, p: Person, hh: Household, on: dt.date,
             why: str) -> None:
    """A member leaves the household on ``on`` inside the caller's transaction (DOMAIN §7's
    life event: coverage ends from the month after, the membership closes, audited): what
    :func:`remove_member` does, and the exchange when a duplicate ticket's outcome takes a
    person out of a township's household (services/exchange_return)."""
    _refuse_before_joining(s, p, on)
    end_coverage_for_persons(s, user, [p.id], on, why)
    audit.apply(p, "person", {"household_id": None}, hh.id)
    audit.note("update", "person", p.id, f"removed from household: {why}", hh.id)
    _mark_left(s, p.id, hh.id, on, why)
    _refresh_household(s, hh)


@requires("registry.write", person="person_id")
def delete_person(db: Database, actor: str | int, person_id: int) -> ServiceResult:
    """Delete a person record entered by mistake (not the head). Audited field by field."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        p = _person(s, person_id)
        hh = s.get(Household, p.household_id) if p.household_id else None
        if hh is not None and hh.head_person_id == p.id:
            raise StateError("the head cannot be deleted; change the head first",
                             "不能删除户主，请先变更户主")
        if s.scalar(select(func.count()).select_from(Income).where(Income.person_id == p.id)):
            raise StateError("the person has incomes recorded; remove them first",
                             "此人名下有收入记录，请先删除收入")
        values = {c.key: getattr(p, c.key) for c in Person.__table__.columns
                  if c.key not in ("id", "id_number_rev", "created_at", "updated_at")}
        Auditor(s, user).deleted("person", p.id, values, hh.id if hh else None)
        s.delete(p)
        result = ServiceResult(person_ids={person_id})
        if hh is not None:
            _refresh_household(s, hh)
            result.household_ids.add(hh.id)
        return result


# --- incomes and property -----------------------------------------------------------------


def _check_fen(field: str, value: Any) -> list[FieldError]:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return [FieldError(field, "amount must be a whole, non-negative number of fen",
                           "金额必须是不小于0的数（以分计）")]
    return []


def _valid_dates(errors: list[FieldError], valid_from: Any, valid_until: Any) -> None:
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
            errors.append(FieldError(name, "give the date", "请填写日期"))
    if isinstance(valid_from, dt.date) and isinstance(valid_until, dt.date) \
            and valid_until <= valid_from:
        errors.append(FieldError("valid_until", f"the end ({valid_until}) must come after the "
                                                f"start ({valid_from})",
                                 f"截止日期（{valid_until}）必须晚于起始日期（{valid_from}）"))


@requires("registry.write", household="household_id")
def add_income(db: Database, actor: str | int, household_id: int, source: str, monthly_fen: int,
               person_id: int | None = None, note: str = "",
               valid_from: dt.date | None = None,
               valid_until: dt.date | None = None) -> ServiceResult:
    """Record a monthly income in force from ``valid_from`` until ``valid_until`` (exclusive;
    None: while it lasts). Without ``valid_from`` the income holds in every month (as entered
    at registration): to change an income from a date use :func:`change_income`."""
    errors = _check_fen("monthly_fen", monthly_fen)
    _choice(errors, "source", source, INCOME_SOURCES, "收入来源")
    _valid_dates(errors, valid_from, valid_until)
    if errors:
        raise ValidationError(errors)
    valid_from = valid_from or SINCE_ALWAYS
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        if person_id is not None and _person(s, person_id).household_id != hh.id:
            raise ValidationError.single("person_id", "the earner must be a member of this household",
                                         "收入人必须是本户成员")
        inc = Income(household_id=hh.id, person_id=person_id, source=source,
                     monthly_fen=monthly_fen, note=note, valid_from=valid_from,
                     valid_until=valid_until)
        s.add(inc)
        s.flush()
        Auditor(s, user).created("income", inc.id, {"source": source, "monthly_fen": monthly_fen,
                                                    "person_id": person_id, "note": note,
                                                    "valid_from": valid_from,
                                                    "valid_until": valid_until}, hh.id)
        return ServiceResult(household_ids={hh.id}, created_id=inc.id)


@requires("registry.write", income="income_id")
def change_income(db: Database, actor: str | int, income_id: int, on: dt.date,
                  monthly_fen: int, note: str | None = None) -> ServiceResult:
    """The income changes from ``on``: the row in force ends on ``on`` and a new row with the
    new amount (same source and earner) holds from ``on``, both audited. A month uses the
    row in force on its first day, so months before are computed as they were. Returns the
    new row's id. (Deleting a row stays for corrections of mistakes.)"""
    errors = _check_fen("monthly_fen", monthly_fen)
    _valid_dates(errors, on, None)
    if on is None:
        errors.append(FieldError("valid_from", "give the date of the change", "请填写变更日期"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        inc = s.get(Income, income_id)
        if inc is None:
            raise NotFoundError("income", income_id, "收入记录")
        _active_household(s, inc.household_id)
        if inc.valid_until is not None:
            raise StateError(f"this income ended on {inc.valid_until}; record a new one",
                             f"此项收入已于 {inc.valid_until} 截止，请另行登记")
        if on <= inc.valid_from:
            raise ValidationError.single(
                "valid_from", f"the change ({on}) must come after the income's start "
                              f"({inc.valid_from}); correct the row instead",
                f"变更日期（{on}）必须晚于该收入的起始日期（{inc.valid_from}），如属录入错误请更正")
        audit = Auditor(s, user)
        audit.apply(inc, "income", {"valid_until": on}, inc.household_id)
        new = Income(household_id=inc.household_id, person_id=inc.person_id, source=inc.source,
                     monthly_fen=monthly_fen, note=inc.note if note is None else note,
                     valid_from=on)
        s.add(new)
        s.flush()
        audit.created("income", new.id, {"source": new.source, "monthly_fen": monthly_fen,
                                         "person_id": new.person_id, "note": new.note,
                                         "valid_from": on, "replaces": inc.id},
                      inc.household_id)
        return ServiceResult(household_ids={inc.household_id}, created_id=new.id)


def _end_dated(db: Database, actor: str | int, model, row_id: int, on: dt.date, kind: str,
               what: tuple[str, str], refusal) -> ServiceResult:
    """End a dated income or property row on ``on`` (kept for the months before), audited.
    ``refusal(row, on)`` gives the (English, Chinese) message when it cannot end then."""
    errors: list[FieldError] = []
    _valid_dates(errors, on, None)
    if errors or on is None:
        raise ValidationError(errors or [FieldError("valid_until", "give the date",
                                                    "请填写日期")])
    with db.begin() as s:
        user = resolve_user(s, actor)
        row = s.get(model, row_id)
        if row is None:
            raise NotFoundError(what[0], row_id, what[1])
        _active_household(s, row.household_id)
        if row.valid_until is not None or on <= row.valid_from:
            raise ValidationError.single("valid_until", *refusal(row, on))
        Auditor(s, user).apply(row, kind, {"valid_until": on}, row.household_id)
        return ServiceResult(household_ids={row.household_id})


@requires("registry.write", income="income_id")
def end_income(db: Database, actor: str | int, income_id: int, on: dt.date) -> ServiceResult:
    """The income stops on ``on`` (the row is kept for the months before), audited."""
    def refusal(inc: Income, on: dt.date) -> tuple[str, str]:
        return (f"the income runs from {inc.valid_from}"
                + (f" to {inc.valid_until}" if inc.valid_until else "")
                + f": it cannot end on {on}",
                f"该收入起始于 {inc.valid_from}"
                + (f"，截止于 {inc.valid_until}" if inc.valid_until else "")
                + f"，不能在 {on} 截止")
    return _end_dated(db, actor, Income, income_id, on, "income", ("income", "收入记录"),
                      refusal)


@requires("registry.write", income="income_id")
def delete_income(db: Database, actor: str | int, income_id: int) -> ServiceResult:
    with db.begin() as s:
        user = resolve_user(s, actor)
        inc = s.get(Income, income_id)
        if inc is None:
            raise NotFoundError("income", income_id, "收入记录")
        _active_household(s, inc.household_id)
        Auditor(s, user).deleted("income", inc.id, {"source": inc.source,
                                                    "monthly_fen": inc.monthly_fen,
                                                    "person_id": inc.person_id, "note": inc.note},
                                 inc.household_id)
        s.delete(inc)
        return ServiceResult(household_ids={inc.household_id})


@requires("registry.write", household="household_id")
def add_property(db: Database, actor: str | int, household_id: int, kind: str, value_fen: int,
                 description: str = "", valid_from: dt.date | None = None,
                 valid_until: dt.date | None = None) -> ServiceResult:
    """Record a property item held from ``valid_from`` (None: in every month) until
    ``valid_until`` (exclusive; None while held)."""
    errors = _check_fen("value_fen", value_fen)
    _choice(errors, "kind", kind, PROPERTY_KINDS, "财产类别")
    _valid_dates(errors, valid_from, valid_until)
    if errors:
        raise ValidationError(errors)
    valid_from = valid_from or SINCE_ALWAYS
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        item = PropertyItem(household_id=hh.id, kind=kind, value_fen=value_fen,
                            description=description, valid_from=valid_from,
                            valid_until=valid_until)
        s.add(item)
        s.flush()
        Auditor(s, user).created("property", item.id, {"kind": kind, "value_fen": value_fen,
                                                       "description": description,
                                                       "valid_from": valid_from,
                                                       "valid_until": valid_until}, hh.id)
        return ServiceResult(household_ids={hh.id}, created_id=item.id)


@requires("registry.write", property="item_id")
def end_property(db: Database, actor: str | int, item_id: int, on: dt.date) -> ServiceResult:
    """The household no longer holds the item from ``on`` (the row is kept), audited."""
    return _end_dated(db, actor, PropertyItem, item_id, on, "property",
                      ("property item", "财产记录"),
                      lambda item, on: (f"the item is held from {item.valid_from}: it cannot "
                                        f"end on {on}",
                                        f"该财产起始于 {item.valid_from}，不能在 {on} 截止"))


@requires("registry.write", property="item_id")
def delete_property(db: Database, actor: str | int, item_id: int) -> ServiceResult:
    with db.begin() as s:
        user = resolve_user(s, actor)
        item = s.get(PropertyItem, item_id)
        if item is None:
            raise NotFoundError("property item", item_id, "财产记录")
        _active_household(s, item.household_id)
        Auditor(s, user).deleted("property", item.id, {"kind": item.kind,
                                                       "value_fen": item.value_fen,
                                                       "description": item.description},
                                 item.household_id)
        s.delete(item)
        return ServiceResult(household_ids={item.household_id})


# --- the household editor's save ------------------------------------------------------------


@dataclass
class MemberEdit:
    """One row of the editor's member table: an existing person (``person_id``) or a new one."""

    person_id: int | None
    data: PersonData


def _check_member(s: Session, hh: Household, person: Person | None, data: PersonData,
                  prefix: str, errors: list[FieldError],
                  duplicates: list[DuplicatePersonError] | None = None) -> Any:
    """Validate one member edit; returns the parsed ID number or None. A person held by
    another active household is added to ``errors`` and ``duplicates`` (all problems are
    reported together)."""
    duplicates = [] if duplicates is None else duplicates
    parsed = validate_person(data, prefix, errors)
    was_head = person is not None and hh.head_person_id == person.id
    if (data.relation == "head") != was_head and data.relation in RELATIONSHIPS:
        errors.append(FieldError(f"{prefix}relation",
                                 "use change of head to change who is the head",
                                 "请使用“变更户主”更换户主"))
    if parsed is None:
        return None
    holder = _holder(s, parsed.number)
    if holder is not None and (person is None or holder.id != person.id):
        if holder.household_id == hh.id:
            errors.append(FieldError(f"{prefix}id_number", "this person is already a member of this household",
                                     "此人已是本户成员"))
        else:
            held = s.get(Household, holder.household_id) if holder.household_id else None
            if held is not None and held.status == "active":
                dup = DuplicatePersonError(f"{prefix}id_number", parsed.number, held.id,
                                           held.number, held.head_name)
                errors.extend(dup.errors)
                duplicates.append(dup)
                return parsed
            if person is not None:  # renumbering onto another (inactive) person record
                errors.append(FieldError(f"{prefix}id_number", "another person record has this ID number",
                                         "已有其他人员使用此身份证号"))
    return parsed


def check_version(s: Session, hh: Household, expected_version: int | None) -> None:
    """Optimistic versioning (several clerks): refuse, naming who saved last and when, if
    ``hh`` changed since the caller read ``expected_version`` (None: no check)."""
    if expected_version is None or hh.version == expected_version:
        return
    from ..models import AuditEntry, User

    last = s.execute(select(User.display_name, User.username, AuditEntry.at)
                     .join(User, User.id == AuditEntry.user_id)
                     .where(AuditEntry.household_id == hh.id)
                     .order_by(AuditEntry.id.desc()).limit(1)).first()
    by = (last[0] or last[1]) if last else "?"
    raise ConcurrentEditError(hh.number, by, last[2] if last else hh.updated_at, hh.version,
                              expected_version)


@requires("registry.write", household="household_id", area="changes.village_id")
def save_household(db: Database, actor: str | int, household_id: int,
                   changes: dict[str, Any], members: list[MemberEdit],
                   source: str | None = None, joined_on: dt.date | None = None,
                   expected_version: int | None = None) -> ServiceResult:
    """Save the household editor in one transaction: household fields, changed members and
    new members (who joined on ``joined_on``, default today: they count from the month after
    and are covered only once a change of coverage is confirmed). Everything is validated
    first; any refusal writes nothing. Error fields are ``members[i].<field>`` with ``i`` the
    position in ``members``. ``expected_version``: the household's version the editor read
    (HouseholdDetail.version); if someone saved since, :class:`ConcurrentEditError` names
    them and nothing is written."""
    joined_on = _event_date(joined_on, "joined_on", "加入")
    unknown = set(changes) - HOUSEHOLD_EDITABLE
    if unknown:
        raise ValidationError([FieldError(f, "this field cannot be changed here",
                                          "此项不能在这里修改") for f in sorted(unknown)])
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        check_version(s, hh, expected_version)
        errors: list[FieldError] = []
        warnings: list[Warning_] = []
        current = {f: getattr(hh, f) for f in HOUSEHOLD_EDITABLE}
        merged = HouseholdData(**{**current, **changes}, number=hh.number)
        validate_household(s, merged, errors, warnings)
        if "category" in changes and changes["category"] != hh.category:
            check_category(s, hh, changes["category"], errors)
        persons: list[Person | None] = []
        parsed_all = []
        seen: dict[str, int] = {}
        duplicates: list[DuplicatePersonError] = []
        for i, edit in enumerate(members):
            person = None
            if edit.person_id is not None:
                person = _person(s, edit.person_id)
                if person.household_id != hh.id:
                    raise StateError(f"person {person.id} is not a member of household {hh.number}",
                                     f"人员 {person.name} 不是户 {hh.number} 的成员")
            parsed = _check_member(s, hh, person, edit.data, f"members[{i}].", errors,
                                   duplicates)
            if parsed is not None:
                if parsed.number in seen:
                    errors.append(FieldError(f"members[{i}].id_number",
                                             f"the same ID number is entered twice (rows {seen[parsed.number] + 1} and {i + 1})",
                                             f"同一身份证号录入了两次（第{seen[parsed.number] + 1}和第{i + 1}行）"))
                seen.setdefault(parsed.number, i)
            persons.append(person)
            parsed_all.append(parsed)
        if errors:
            raise_all(errors, duplicates)

        audit = Auditor(s, user, source)
        new_hh = {k: v for k, v in household_values(merged, hh.number).items() if k in changes}
        audit.apply(hh, "household", new_hh, hh.id)
        result = ServiceResult(household_ids={hh.id}, warnings=warnings)
        for edit, person, parsed in zip(members, persons, parsed_all):
            values = person_values(edit.data, parsed)
            if person is None:
                holder = _holder(s, parsed.number)  # a person released by a closed household
                if holder is None:
                    person = Person(**values, household_id=hh.id)
                    s.add(person)
                    s.flush()
                    audit.created("person", person.id, {**values, "household_id": hh.id}, hh.id)
                else:
                    person = holder
                    audit.apply(person, "person", {**values, "household_id": hh.id}, hh.id)
                write_keys(s, person)
                _mark_joined(s, person.id, hh.id, joined_on)
            else:
                old_name = person.name
                audit.apply(person, "person", values, hh.id)
                if person.name != old_name:
                    write_keys(s, person)
            result.person_ids.add(person.id)
        if members:   # the household's own fields name neither its head nor its members
            refresh_household(s, hh)
        return result
