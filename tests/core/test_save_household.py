"""The household editor's one-transaction save."""

import pytest
from sqlalchemy import func, select

from assistcase.errors import DuplicatePersonError, ValidationError
from assistcase.models import AuditEntry, Household, Person
from assistcase.services import registry as reg

from ..conftest import ACTOR, make_id


def setup_household(db, village_id):
    r = reg.create_household(db, ACTOR, reg.HouseholdData(village_id, "rural"),
                             [reg.PersonData("张三", make_id(seq=1)),
                              reg.PersonData("李四", make_id(seq=2), "spouse")])
    with db.read() as s:
        ids = [p.id for p in s.scalars(select(Person).order_by(Person.id))]
    return r.created_id, ids


def dump(db):
    with db.read() as s:
        return (s.execute(select(Household.__table__)).all(),
                s.execute(select(Person.__table__)).all(),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def test_save_changes_and_new_members_in_one_go(db, village_ids):
    hid, (zhang, li) = setup_household(db, village_ids[0])
    r = reg.save_household(db, ACTOR, hid, {"phone": "13900000000"}, [
        reg.MemberEdit(zhang, reg.PersonData("张三", make_id(seq=1), "head")),
        reg.MemberEdit(li, reg.PersonData("李四", make_id(seq=2), "spouse", serious_illness=True)),
        reg.MemberEdit(None, reg.PersonData("张小", make_id(seq=3), "child")),
    ])
    with db.read() as s:
        hh = s.get(Household, hid)
        assert hh.phone == "13900000000" and hh.member_count == 3
        assert s.get(Person, li).serious_illness is True
        fields = {(a.entity, a.field) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "update"))}
    assert ("person", "serious_illness") in fields and ("household", "phone") in fields
    assert len(r.person_ids) == 3


def test_one_bad_row_writes_nothing(db, village_ids):
    hid, (zhang, li) = setup_household(db, village_ids[0])
    before = dump(db)
    bad = make_id(seq=3)[:17] + ("1" if make_id(seq=3)[17] != "1" else "2")
    with pytest.raises(ValidationError) as e:
        reg.save_household(db, ACTOR, hid, {"phone": "13900000000"}, [
            reg.MemberEdit(zhang, reg.PersonData("张三", make_id(seq=1), "head")),
            reg.MemberEdit(li, reg.PersonData("李四改", make_id(seq=2), "spouse")),
            reg.MemberEdit(None, reg.PersonData("张小", bad, "child")),
        ])
    assert [err.field for err in e.value.errors] == ["members[2].id_number"]
    assert dump(db) == before


def test_new_member_held_elsewhere_is_refused_with_that_household(db, village_ids):
    hid, (zhang, li) = setup_household(db, village_ids[0])
    other = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[1], "rural"),
                                 [reg.PersonData("王五", make_id(seq=5))])
    before = dump(db)
    with pytest.raises(DuplicatePersonError) as e:
        reg.save_household(db, ACTOR, hid, {}, [
            reg.MemberEdit(None, reg.PersonData("王五", make_id(seq=5), "other"))])
    assert e.value.household_id == other.created_id
    assert e.value.errors[0].field == "members[0].id_number"
    assert dump(db) == before


def test_head_cannot_be_changed_through_the_member_table(db, village_ids):
    hid, (zhang, li) = setup_household(db, village_ids[0])
    with pytest.raises(ValidationError, match="change of head"):
        reg.save_household(db, ACTOR, hid, {}, [
            reg.MemberEdit(li, reg.PersonData("李四", make_id(seq=2), "head"))])
