import datetime as dt

import pytest
from sqlalchemy import func, select

from assistcase.errors import DuplicatePersonError, StateError, ValidationError
from assistcase.models import Area, AuditEntry, Household, Person, PersonSearchKey
from assistcase.services.queries import HouseholdFilter, household_detail, search_household_ids
from assistcase.services import registry as reg

from ..conftest import ACTOR, make_id

CARD = "6222021234567890128"


def new_household(db, village_id, members, **kw):
    data = reg.HouseholdData(village_id=village_id, residence_class=kw.pop("cls", "rural"),
                             account_type=kw.pop("account_type", "card"),
                             account_number=kw.pop("account_number", CARD), **kw)
    return reg.create_household(db, ACTOR, data, members)


def counts(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Household)),
                s.scalar(select(func.count()).select_from(Person)))


def audit(db, entity, entity_id):
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.entity == entity,
                                                       AuditEntry.entity_id == entity_id)))


def test_create_household_with_members_and_derived_fields(db, village_ids):
    r = new_household(db, village_ids[0], [
        reg.PersonData("张三", make_id(seq=11), "head"),
        reg.PersonData("李四", make_id(birth=dt.date(1982, 5, 6), seq=22), "spouse"),
        reg.PersonData("张小明", make_id(birth=dt.date(2012, 9, 1), seq=33), "child",
                       in_school=True),
    ])
    with db.read() as s:
        d = household_detail(s, r.created_id, today=dt.date(2026, 11, 22))
        hh = s.get(Household, r.created_id)
    assert hh.head_name == "张三" and hh.head_pinyin == "zhangsan" and hh.member_count == 3
    assert hh.number.endswith("-0001") and hh.number.startswith(hh.village.code)
    assert [m.name for m in d.members] == ["张三", "李四", "张小明"]
    child = d.members[2]
    assert child.birth_date == dt.date(2012, 9, 1) and child.sex == "M" and child.age == 14
    assert child.minor and not d.members[0].elderly
    assert d.members[1].sex == "F"
    with db.read() as s:   # the path from the city down, read in one statement
        names, area = [], s.get(Area, village_ids[0])
        while area is not None and area.level != "province":
            names.append(area.name)
            area = area.parent
    assert len(names) >= 3 and d.village_path == " / ".join(reversed(names))


def test_household_validation_collects_every_problem_and_writes_nothing(db, village_ids):
    before = counts(db)
    bad_id = make_id(seq=5)[:17] + "0"
    bad_id = bad_id if bad_id != make_id(seq=5) else make_id(seq=5)[:17] + "1"
    with pytest.raises(ValidationError) as e:
        new_household(db, village_ids[0], [
            reg.PersonData("王五", bad_id, "head"),
            reg.PersonData("", make_id(seq=6), "head"),
        ], account_number="6222021234567890129")
    fields = {err.field for err in e.value.errors}
    assert {"members[0].id_number", "members[1].name", "members", "account_number"} <= fields
    assert counts(db) == before


def test_duplicate_person_is_refused_naming_the_other_household(db, village_ids):
    first = new_household(db, village_ids[0], [reg.PersonData("张三", make_id(seq=1))])
    with db.read() as s:
        number = s.get(Household, first.created_id).number
    before = counts(db)
    with pytest.raises(DuplicatePersonError) as e:
        new_household(db, village_ids[1], [reg.PersonData("赵六", make_id(seq=3)),
                                            reg.PersonData("张三", make_id(seq=1), "spouse")])
    err = e.value
    assert err.household_id == first.created_id
    assert err.errors[0].field == "members[1].id_number"
    assert number in err.message_en and "张三" in err.message_en
    assert number in err.message_zh and "不能重复登记" in err.message_zh
    assert counts(db) == before
    # adding as a member of another household is refused the same way
    other = new_household(db, village_ids[1], [reg.PersonData("赵六", make_id(seq=3))])
    with pytest.raises(DuplicatePersonError):
        reg.add_member(db, ACTOR, other.created_id,
                       reg.PersonData("张三", make_id(seq=1), "other"))


def test_person_of_a_closed_household_can_be_registered_again(db, village_ids):
    first = new_household(db, village_ids[0], [reg.PersonData("张三", make_id(seq=1))])
    reg.close_household(db, ACTOR, first.created_id, "迁出本市")
    second = new_household(db, village_ids[1], [reg.PersonData("张三", make_id(seq=1))])
    with db.read() as s:
        persons = s.scalars(select(Person).where(Person.id_number == make_id(seq=1))).all()
    assert len(persons) == 1 and persons[0].household_id == second.created_id


def test_audit_rows_for_create_update_and_delete(db, village_ids):
    r = new_household(db, village_ids[0], [reg.PersonData("张三", make_id(seq=1))])
    hid = r.created_id
    created = audit(db, "household", hid)
    assert {a.action for a in created} == {"create"}
    assert {"village_id", "residence_class", "account_number", "number"} <= {a.field for a in created}
    assert all(a.user_id is not None for a in created)

    reg.update_household(db, "另一位工作人员", hid, {"phone": "13800000000", "address": "人民路1号"})
    updates = [a for a in audit(db, "household", hid) if a.action == "update"]
    assert {(a.field, a.old_value, a.new_value) for a in updates} == {
        ("phone", "", "13800000000"), ("address", "", "人民路1号")}
    with db.read() as s:
        from assistcase.models import User
        assert s.get(User, updates[0].user_id).username == "另一位工作人员"

    # an update that changes nothing writes nothing
    reg.update_household(db, ACTOR, hid, {"phone": "13800000000"})
    assert len([a for a in audit(db, "household", hid) if a.action == "update"]) == 2

    m = reg.add_member(db, ACTOR, hid, reg.PersonData("张小红", make_id(seq=2), "child"))
    reg.delete_person(db, ACTOR, m.created_id)
    deleted = [a for a in audit(db, "person", m.created_id) if a.action == "delete"]
    assert ("name", "张小红") in {(a.field, a.old_value) for a in deleted}
    inc = reg.add_income(db, ACTOR, hid, "wages", 150_000)
    reg.delete_income(db, ACTOR, inc.created_id)
    assert {a.action for a in audit(db, "income", inc.created_id)} == {"create", "delete"}
    with db.read() as s:
        assert s.get(Household, hid).member_count == 1
        assert s.scalar(select(func.count()).select_from(PersonSearchKey)
                        .where(PersonSearchKey.person_id == m.created_id)) == 0


def test_change_head_move_member_and_close(db, village_ids):
    a = new_household(db, village_ids[0], [reg.PersonData("张三", make_id(seq=1)),
                                           reg.PersonData("李四", make_id(seq=2), "spouse")])
    b = new_household(db, village_ids[0], [reg.PersonData("王五", make_id(seq=3))])
    with db.read() as s:
        li = s.scalar(select(Person).where(Person.name == "李四"))
        zhang = s.scalar(select(Person).where(Person.name == "张三"))
    reg.change_head(db, ACTOR, a.created_id, li.id, old_head_relation="spouse")
    with db.read() as s:
        hh = s.get(Household, a.created_id)
        assert hh.head_name == "李四" and s.get(Person, zhang.id).relation == "spouse"
    with pytest.raises(StateError):
        reg.move_member(db, ACTOR, li.id, b.created_id, "other")  # the head cannot move
    reg.move_member(db, ACTOR, zhang.id, b.created_id, "sibling")
    with db.read() as s:
        assert s.get(Household, a.created_id).member_count == 1
        assert s.get(Household, b.created_id).member_count == 2
    reg.close_household(db, ACTOR, a.created_id, "死亡注销", on=dt.date(2026, 11, 1))
    with pytest.raises(StateError):
        reg.update_household(db, ACTOR, a.created_id, {"phone": "1"})
    fields = {a.field for a in audit(db, "household", a.created_id) if a.action == "update"}
    assert {"head_person_id", "status", "closed_on", "closed_reason"} <= fields


def _keys_off_their_household(s) -> list:
    """Search keys whose household is not their person's (none may be)."""
    return s.execute(select(PersonSearchKey.key, PersonSearchKey.household_id, Person.id,
                            Person.household_id)
                     .join(Person, Person.id == PersonSearchKey.person_id)
                     .where(PersonSearchKey.household_id != Person.household_id)).all()


def test_search_keys_carry_their_persons_household_through_moves_and_renames(db, village_ids):
    """A key holds its person's household (a name search reads the households from the
    keys, migration 0026): set by the writer, moved with the person by the database."""
    a = new_household(db, village_ids[0], [reg.PersonData("张三", make_id(seq=1)),
                                           reg.PersonData("李四", make_id(seq=2), "spouse")])
    b = new_household(db, village_ids[0], [reg.PersonData("王五", make_id(seq=3))])
    with db.read() as s:
        li = s.scalar(select(Person.id).where(Person.name == "李四"))
        assert set(s.scalars(select(PersonSearchKey.household_id)
                             .where(PersonSearchKey.person_id == li))) == {a.created_id}
    reg.move_member(db, ACTOR, li, b.created_id, "sibling")
    reg.update_person(db, ACTOR, li, {"name": "李丽"})
    with db.read() as s:
        assert set(s.scalars(select(PersonSearchKey.household_id)
                             .where(PersonSearchKey.person_id == li))) == {b.created_id}
        assert search_household_ids(s, HouseholdFilter(text="李丽")) == [b.created_id]
        assert search_household_ids(s, HouseholdFilter(text="lili")) == [b.created_id]
        assert _keys_off_their_household(s) == []
    # any writer that moves a person (here plain SQL) moves the keys: the database's trigger
    with db.begin() as s:
        s.execute(Person.__table__.update().where(Person.id == li)
                  .values(household_id=a.created_id))
    with db.read() as s:
        assert _keys_off_their_household(s) == []
        assert search_household_ids(s, HouseholdFilter(text="李丽")) == [a.created_id]


def test_update_person_rederives_and_reindexes(db, village_ids):
    r = new_household(db, village_ids[0], [reg.PersonData("张三", make_id(seq=1))])
    pid = next(iter(r.person_ids))
    reg.update_person(db, ACTOR, pid, {"name": "赵四", "id_number": make_id(seq=2)})
    with db.read() as s:
        p = s.get(Person, pid)
        assert p.sex == "F" and p.id_number_rev == make_id(seq=2)[::-1]
        assert s.get(Household, r.created_id).head_name == "赵四"
        assert search_household_ids(s, HouseholdFilter(text="zhangsan")) == []
        assert search_household_ids(s, HouseholdFilter(text="zhaosi")) == [r.created_id]
    with pytest.raises(ValidationError, match="change of head"):
        reg.update_person(db, ACTOR, pid, {"relation": "spouse"})


def test_search_by_name_pinyin_id_number_household_number_and_village(db, village_ids):
    zs = new_household(db, village_ids[0], [reg.PersonData("张三", make_id(seq=1)),
                                            reg.PersonData("李梅", make_id(seq=2), "spouse")])
    zss = new_household(db, village_ids[1], [reg.PersonData("赵思思", make_id(seq=4))])
    ww = new_household(db, village_ids[2], [reg.PersonData("王五", make_id(seq=5))])
    with db.read() as s:
        def find(text, **kw):
            return set(search_household_ids(s, HouseholdFilter(text=text, **kw)))

        assert find("zs") == {zs.created_id, zss.created_id}
        assert find("zhangsan") == {zs.created_id}
        assert find("ZhangS") == {zs.created_id}
        assert find("三") == {zs.created_id}
        assert find("李梅") == {zs.created_id}  # any member, not only the head
        assert find("思") == {zss.created_id}
        assert find(make_id(seq=5)) == {ww.created_id}
        assert find(make_id(seq=5)[-4:]) == {ww.created_id}
        assert find(make_id(seq=5)[-6:].lower()) == {ww.created_id}
        number = s.get(Household, zss.created_id).number
        assert find(number) == {zss.created_id}
        village = s.get(Household, ww.created_id).village.name
        assert ww.created_id in find(village)
        assert find("zs", village_id=village_ids[0]) == {zs.created_id}
        # any area level: the county holding the first village (an expanding IN list)
        from assistcase.models import Area
        county = s.get(Area, s.get(Area, s.get(Area, village_ids[0]).parent_id).parent_id)
        assert county.level == "county"
        in_county = set(search_household_ids(s, HouseholdFilter(area_id=county.id)))
        assert zs.created_id in in_county and len(in_county) <= 3
        assert find("zs", category="none") == {zs.created_id, zss.created_id}
        assert find("zs", category="dibao") == set()
        assert find("xyzxyz") == set()
        assert find("1") == set()  # too short for an ID tail or a household number
    reg.close_household(db, ACTOR, zs.created_id, "迁出")
    with db.read() as s:
        assert search_household_ids(s, HouseholdFilter(text="zhangsan")) == []
        assert search_household_ids(s, HouseholdFilter(text="zhangsan", status=None)) == [
            zs.created_id]


def test_the_first_page_of_a_broad_text_is_the_start_of_its_whole_list(db, village_ids):
    """The paged plan (walking households by number, each tested against the text's keys:
    on PostgreSQL a hashed filter) gives the first households of the full search, on both
    engines."""
    from assistcase.services.queries import first_household_ids
    made = [new_household(db, village_ids[i % 3], [reg.PersonData(n, make_id(seq=i + 1))])
            .created_id for i, n in enumerate(["张三", "张四", "李五", "张六", "赵七"])]
    with db.read() as s:
        for text in ("zh", "张", "z", "li"):
            flt = HouseholdFilter(text=text)
            whole = search_household_ids(s, flt)
            assert whole, text
            page, complete = first_household_ids(s, flt, limit=2, broad_at=1)
            assert page == whole[:2] and complete == (len(whole) < 2), text
            assert search_household_ids(s, flt, limit=2, broad_at=1) == whole[:2], text
        assert set(search_household_ids(s, HouseholdFilter(text="张"))) == {
            made[0], made[1], made[3]}


def test_search_sorts(db, village_ids):
    ids = [new_household(db, village_ids[0], [reg.PersonData(n, make_id(seq=i))]).created_id
           for i, n in enumerate(["王五", "艾一", "张三"], start=1)]
    with db.read() as s:
        assert search_household_ids(s, HouseholdFilter(), sort="head") == [ids[1], ids[0], ids[2]]
        assert search_household_ids(s, HouseholdFilter(), sort="head", descending=True) == [
            ids[2], ids[0], ids[1]]
