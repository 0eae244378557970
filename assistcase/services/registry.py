"""Registry services: households, members, incomes, property (DOMAIN §3).

Every function takes the :class:`~assistcase.db.Database`, the acting user (username or id)
and plain input; it validates everything first, writes in one transaction, audits each
change, and returns a :class:`~assistcase.errors.ServiceResult` naming what changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import (DuplicatePersonError, FieldError, NotFoundError, ServiceResult, StateError,
                      ValidationError, Warning_)
from ..idnumber import check_account, parse_resident_id
from ..models import Area, Household, Income, Person, PersonSearchKey, PropertyItem
from ..models.registry import (CATEGORIES, INCOME_SOURCES, PROPERTY_KINDS, RELATIONSHIPS,
                               RESIDENCE_CLASSES, SELF_CARE)
from ..searchkeys import full_pinyin, name_keys
from .audit import Auditor, resolve_user

# --- input --------------------------------------------------------------------------------


@dataclass
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


@dataclass
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
                       warnings: list[Warning_]) -> None:
    """Check household fields, appending refusals to ``errors`` and notices to ``warnings``.
    Public so the spreadsheet import checks rows by the same rules."""
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


def _shallow_dict(data: Any) -> dict[str, Any]:
    # dataclasses.asdict deep-copies; these fields are plain values (imports call this a lot).
    return {f.name: getattr(data, f.name) for f in fields(data)}


def person_values(data: PersonData, parsed: Any) -> dict[str, Any]:
    """The ``persons`` column values for validated input, derived columns included."""
    values = _shallow_dict(data)
    values["name"] = data.name.strip()
    values["id_number"] = parsed.number
    values["id_number_rev"] = parsed.number[::-1]
    values["birth_date"] = parsed.birth_date
    values["sex"] = parsed.sex
    return values


def _holder(s: Session, id_number: str) -> Person | None:
    return s.scalar(select(Person).where(Person.id_number == id_number))


def _refuse_if_held(s: Session, person: Person | None, field: str,
                    except_household: int | None = None) -> None:
    if person is None or person.household_id is None or person.household_id == except_household:
        return
    hh = s.get(Household, person.household_id)
    if hh is not None and hh.status == "active":
        raise DuplicatePersonError(field, person.id_number, hh.id, hh.number, hh.head_name)


def write_keys(s: Session, person: Person) -> None:
    s.execute(delete(PersonSearchKey).where(PersonSearchKey.person_id == person.id))
    s.add_all(PersonSearchKey(key=k, person_id=person.id) for k in name_keys(person.name))


def household_summary(head_name: str | None, member_count: int) -> dict[str, Any]:
    """The denormalised ``households`` columns: head's name and pinyin, member count."""
    return {"member_count": member_count, "head_name": head_name or "",
            "head_pinyin": full_pinyin(head_name) if head_name else ""}


def household_values(data: HouseholdData, number: str) -> dict[str, Any]:
    """The ``households`` column values for validated input (account number without spaces)."""
    values = _shallow_dict(data)
    values["number"] = number
    values["account_number"] = (data.account_number or "").replace(" ", "")
    return values


def refresh_household(s: Session, hh: Household) -> None:
    """Recompute the denormalised head and member count after membership changes."""
    s.flush()
    count = s.scalar(select(func.count()).select_from(Person)
                     .where(Person.household_id == hh.id)) or 0
    head = s.get(Person, hh.head_person_id) if hh.head_person_id else None
    for field, value in household_summary(head.name if head else None, count).items():
        setattr(hh, field, value)


def next_household_number(s: Session, village: Area) -> str:
    prefix = village.code + "-"
    last = s.scalar(select(func.max(Household.number))
                    .where(Household.number.like(prefix + "%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


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


# --- households ---------------------------------------------------------------------------


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
        if errors:
            raise ValidationError(errors)
        existing = []
        for i, p in enumerate(parsed):
            person = _holder(s, p.number)
            _refuse_if_held(s, person, f"members[{i}].id_number")
            existing.append(person)

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


def update_household(db: Database, actor: str | int, household_id: int,
                     changes: dict[str, Any], source: str | None = None) -> ServiceResult:
    """Change household fields (not membership); each changed field is audited."""
    return save_household(db, actor, household_id, changes, [], source)


def close_household(db: Database, actor: str | int, household_id: int, reason: str,
                    on: dt.date | None = None) -> ServiceResult:
    """Close (注销) a household. Its members stay linked for the record but may be registered
    in another household afterwards."""
    if not (reason or "").strip():
        raise ValidationError.single("closed_reason", "give the reason for closing",
                                     "请填写注销原因")
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        Auditor(s, user).apply(hh, "household", {"status": "closed",
                                                 "closed_on": on or dt.date.today(),
                                                 "closed_reason": reason.strip()}, hh.id)
        return ServiceResult(household_ids={hh.id})


# --- members ------------------------------------------------------------------------------


def add_member(db: Database, actor: str | int, household_id: int, person: PersonData,
               source: str | None = None) -> ServiceResult:
    """Add a member (not the head: use :func:`change_head` for that)."""
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
        _refresh_household(s, hh)
        return ServiceResult(household_ids={hh.id}, person_ids={existing.id},
                             created_id=existing.id)


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


def move_member(db: Database, actor: str | int, person_id: int, to_household_id: int,
                relation: str) -> ServiceResult:
    """Move a member to another active household (not the head: change the head first)."""
    errors: list[FieldError] = []
    _choice(errors, "relation", relation, RELATIONSHIPS, "与户主关系")
    if relation == "head":
        errors.append(FieldError("relation", "the moved member cannot become head directly",
                                 "迁入成员不能直接成为户主，请迁入后再变更户主"))
    if errors:
        raise ValidationError(errors)
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
        Auditor(s, user).apply(p, "person", {"household_id": target.id, "relation": relation},
                               target.id)
        result = ServiceResult(household_ids={target.id}, person_ids={p.id})
        _refresh_household(s, target)
        if source_hh is not None:
            _refresh_household(s, source_hh)
            result.household_ids.add(source_hh.id)
        return result


def remove_member(db: Database, actor: str | int, person_id: int, reason: str) -> ServiceResult:
    """Take a member out of the household (moved away, died, …). The person record stays."""
    if not (reason or "").strip():
        raise ValidationError.single("reason", "give the reason", "请填写原因")
    with db.begin() as s:
        user = resolve_user(s, actor)
        p = _person(s, person_id)
        if p.household_id is None:
            raise StateError("the person is not in a household", "此人不在任何户中")
        hh = _active_household(s, p.household_id)
        if hh.head_person_id == p.id:
            raise StateError("the head cannot be removed; change the head first",
                             "不能移除户主，请先变更户主")
        audit = Auditor(s, user)
        audit.apply(p, "person", {"household_id": None}, hh.id)
        audit.note("update", "person", p.id, f"removed from household: {reason.strip()}", hh.id)
        _refresh_household(s, hh)
        return ServiceResult(household_ids={hh.id}, person_ids={p.id})


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


def add_income(db: Database, actor: str | int, household_id: int, source: str, monthly_fen: int,
               person_id: int | None = None, note: str = "") -> ServiceResult:
    errors = _check_fen("monthly_fen", monthly_fen)
    _choice(errors, "source", source, INCOME_SOURCES, "收入来源")
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        if person_id is not None and _person(s, person_id).household_id != hh.id:
            raise ValidationError.single("person_id", "the earner must be a member of this household",
                                         "收入人必须是本户成员")
        inc = Income(household_id=hh.id, person_id=person_id, source=source,
                     monthly_fen=monthly_fen, note=note)
        s.add(inc)
        s.flush()
        Auditor(s, user).created("income", inc.id, {"source": source, "monthly_fen": monthly_fen,
                                                    "person_id": person_id, "note": note}, hh.id)
        return ServiceResult(household_ids={hh.id}, created_id=inc.id)


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


def add_property(db: Database, actor: str | int, household_id: int, kind: str, value_fen: int,
                 description: str = "") -> ServiceResult:
    errors = _check_fen("value_fen", value_fen)
    _choice(errors, "kind", kind, PROPERTY_KINDS, "财产类别")
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        item = PropertyItem(household_id=hh.id, kind=kind, value_fen=value_fen,
                            description=description)
        s.add(item)
        s.flush()
        Auditor(s, user).created("property", item.id, {"kind": kind, "value_fen": value_fen,
                                                       "description": description}, hh.id)
        return ServiceResult(household_ids={hh.id}, created_id=item.id)


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
                  prefix: str, errors: list[FieldError]) -> Any:
    """Validate one member edit; returns the parsed ID number or None."""
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
                raise DuplicatePersonError(f"{prefix}id_number", parsed.number, held.id,
                                           held.number, held.head_name)
            if person is not None:  # renumbering onto another (inactive) person record
                errors.append(FieldError(f"{prefix}id_number", "another person record has this ID number",
                                         "已有其他人员使用此身份证号"))
    return parsed


def save_household(db: Database, actor: str | int, household_id: int,
                   changes: dict[str, Any], members: list[MemberEdit],
                   source: str | None = None) -> ServiceResult:
    """Save the household editor in one transaction: household fields, changed members and
    new members. Everything is validated first; any refusal writes nothing. Error fields are
    ``members[i].<field>`` with ``i`` the position in ``members``."""
    unknown = set(changes) - HOUSEHOLD_EDITABLE
    if unknown:
        raise ValidationError([FieldError(f, "this field cannot be changed here",
                                          "此项不能在这里修改") for f in sorted(unknown)])
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = _active_household(s, household_id)
        errors: list[FieldError] = []
        warnings: list[Warning_] = []
        current = {f: getattr(hh, f) for f in HOUSEHOLD_EDITABLE}
        merged = HouseholdData(**{**current, **changes}, number=hh.number)
        validate_household(s, merged, errors, warnings)
        persons: list[Person | None] = []
        parsed_all = []
        seen: dict[str, int] = {}
        for i, edit in enumerate(members):
            person = None
            if edit.person_id is not None:
                person = _person(s, edit.person_id)
                if person.household_id != hh.id:
                    raise StateError(f"person {person.id} is not a member of household {hh.number}",
                                     f"人员 {person.name} 不是户 {hh.number} 的成员")
            parsed = _check_member(s, hh, person, edit.data, f"members[{i}].", errors)
            if parsed is not None:
                if parsed.number in seen:
                    errors.append(FieldError(f"members[{i}].id_number",
                                             f"the same ID number is entered twice (rows {seen[parsed.number] + 1} and {i + 1})",
                                             f"同一身份证号录入了两次（第{seen[parsed.number] + 1}和第{i + 1}行）"))
                seen.setdefault(parsed.number, i)
            persons.append(person)
            parsed_all.append(parsed)
        if errors:
            raise ValidationError(errors)

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
            else:
                old_name = person.name
                audit.apply(person, "person", values, hh.id)
                if person.name != old_name:
                    write_keys(s, person)
            result.person_ids.add(person.id)
        refresh_household(s, hh)
        return result
