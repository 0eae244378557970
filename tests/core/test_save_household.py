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


def test_two_clerks_edit_the_same_household_the_second_save_is_refused_naming_the_first(
        db, village_ids):
    """Optimistic versioning (issue 14): both opened the same version; the first save wins,
    the second is refused naming the first clerk, and nothing of the first is lost."""
    from assistcase.errors import ConcurrentEditError
    from assistcase.services.queries import household_detail

    hid, (zhang, li) = setup_household(db, village_ids[0])
    with db.read() as s:
        opened = household_detail(s, hid).version
    members = [reg.MemberEdit(zhang, reg.PersonData("张三", make_id(seq=1), "head")),
               reg.MemberEdit(li, reg.PersonData("李四", make_id(seq=2), "spouse"))]
    reg.save_household(db, "wangfang", hid, {"phone": "13900000001"},
                       [members[0], reg.MemberEdit(li, reg.PersonData(
                           "李四", make_id(seq=2), "spouse", serious_illness=True))],
                       expected_version=opened)
    after_first = dump(db)
    with pytest.raises(ConcurrentEditError) as e:
        reg.save_household(db, "zhaojun", hid, {"phone": "13700000002", "address": "新地址"},
                           members, expected_version=opened)
    assert e.value.by == "wangfang" and "wangfang" in str(e.value)
    assert "wangfang" in e.value.message_zh and e.value.at is not None
    assert dump(db) == after_first  # nothing of the second save, all of the first
    with db.read() as s:
        hh = s.get(Household, hid)
        assert hh.phone == "13900000001" and s.get(Person, li).serious_illness is True
        reloaded = household_detail(s, hid).version
    assert reloaded > opened
    # after reloading, the second clerk's save goes through
    reg.save_household(db, "zhaojun", hid, {"address": "新地址"}, [], expected_version=reloaded)
    with db.read() as s:
        assert s.get(Household, hid).address == "新地址"
        assert household_detail(s, hid).version > reloaded


def test_every_write_to_a_household_or_its_members_gives_it_a_new_version(db, village_ids):
    hid, (zhang, li) = setup_household(db, village_ids[0])

    def version():
        with db.read() as s:
            return s.get(Household, hid).version

    seen = [version()]
    reg.update_person(db, ACTOR, li, {"phone": "13800000000"})
    seen.append(version())
    reg.add_income(db, ACTOR, hid, "wages", 50_000)
    seen.append(version())
    reg.update_household(db, ACTOR, hid, {"phone": "13900000009"})
    seen.append(version())
    assert seen == sorted(set(seen)), seen  # strictly increasing
