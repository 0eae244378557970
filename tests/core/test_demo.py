"""The demo city generator: valid, consistent, deterministic, searchable, cancellable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select, text
from stdnum import luhn

from assistcase.db import open_database
from assistcase.demo import generate_demo
from assistcase.errors import Cancelled, StateError
from assistcase.rules.idnumber import age_on, parse_resident_id
from assistcase.models import (Area, AuditEntry, Household, Income, Person, PersonSearchKey,
                               PropertyItem)
from assistcase.progress import CancelToken
from assistcase.services.queries import HouseholdFilter, household_detail, search_household_ids
from assistcase.rules.searchkeys import full_pinyin, initials, name_keys

from ..conftest import ACTOR, open_test_db, schema_names

N = 300
TODAY = dt.date(2024, 6, 1)


def _dump(db) -> dict[str, list[tuple]]:
    """Every generated row, without the creation timestamps."""
    out = {}
    with db.read() as s:
        for table in ("households", "persons", "incomes", "property_items", "person_search_keys"):
            cols = [c["name"] for c in inspect(s.connection()).get_columns(table)
                    if c["name"] not in ("created_at", "updated_at")]
            order = "key, person_id" if table == "person_search_keys" else "id"
            out[table] = [tuple(r) for r in s.execute(
                text(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}"))]
    return out


@pytest.fixture
def demo_db(db):
    summary = generate_demo(db, ACTOR, households=N, seed=7, today=TODAY)
    assert summary.households == N
    return db


def test_summary_and_sizes(db):
    summary = generate_demo(db, ACTOR, households=N, seed=7, today=TODAY)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == N
        persons = s.scalar(select(func.count()).select_from(Person))
    assert summary.persons == persons
    assert 2.0 <= persons / N <= 2.7  # ~2.33 on average
    assert summary.seconds > 0


def test_ids_valid_unique_and_consistent(demo_db):
    with demo_db.read() as s:
        rows = s.execute(select(Person.id_number, Person.id_number_rev, Person.birth_date,
                                Person.sex, Household.number)
                         .join(Household, Household.id == Person.household_id)).all()
    assert len({r[0] for r in rows}) == len(rows)
    for number, rev, birth, sex, hh_number in rows:
        parsed = parse_resident_id(number, today=TODAY)
        assert parsed.birth_date == birth and parsed.sex == sex
        assert rev == number[::-1]
        # the area code is the county of the household's village
        assert number[:6] == hh_number[:6]


def test_accounts_pass_luhn_and_banks_named(demo_db):
    with demo_db.read() as s:
        rows = s.execute(select(Household.account_type, Household.account_number,
                                Household.bank_name)).all()
    cards = [r for r in rows if r[0] == "card"]
    assert len(cards) > N // 2
    for _, number, bank in cards:
        assert 16 <= len(number) <= 19 and number.isdigit()
        assert luhn.is_valid(number)
        assert bank
    for kind, number, bank in rows:
        if kind == "none":
            assert number == "" and bank == ""


def test_households_consistent(demo_db):
    with demo_db.read() as s:
        for hh in s.scalars(select(Household)):
            members = list(s.scalars(select(Person).where(Person.household_id == hh.id)))
            assert hh.member_count == len(members)
            heads = [m for m in members if m.relation == "head"]
            assert len(heads) == 1
            assert hh.head_person_id == heads[0].id
            assert hh.head_name == heads[0].name
            assert hh.head_pinyin == full_pinyin(heads[0].name)
            village = s.get(Area, hh.village_id)
            township = s.get(Area, village.parent_id)
            assert hh.number.startswith(village.code + "-")
            assert hh.residence_class == ("urban" if township.name.endswith("街道") else "rural")
            head = heads[0]
            for m in members:
                if m.relation == "spouse":
                    assert m.sex != head.sex
                    assert abs(m.birth_date.year - head.birth_date.year) <= 10
                if m.relation == "child":
                    assert 18 <= m.birth_date.year - head.birth_date.year <= 42
                if m.relation == "parent":
                    assert head.birth_date.year - m.birth_date.year >= 18
                if m.relation == "grandchild":
                    assert m.birth_date.year - head.birth_date.year >= 35
                age = age_on(m.birth_date, TODAY)
                if m.in_school:
                    assert 6 <= age <= 18
                if m.disability_grade is not None:
                    assert m.disability_grade in (1, 2, 3, 4) and m.disability_category
        # 特困 only for one-person or elderly households
        for hh in s.scalars(select(Household).where(Household.category == "tekun")):
            assert hh.member_count <= 2
        n_unique = s.execute(text("SELECT count(*) FROM (SELECT number FROM households "
                                  "GROUP BY number HAVING count(*) > 1)")).scalar()
        assert n_unique == 0
        assert s.execute(text("PRAGMA foreign_key_check")).all() == []
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_realistic_spread(demo_db):
    with demo_db.read() as s:
        cats = dict(s.execute(select(Household.category, func.count()).group_by(Household.category)).all())
        surnames = dict(s.execute(select(func.substr(Person.name, 1, 1), func.count())
                                  .group_by(func.substr(Person.name, 1, 1))).all())
        lengths = {r[0] for r in s.execute(select(func.length(Person.name)))}
        sources = {r[0] for r in s.execute(select(Income.source).distinct())}
        assert s.scalar(select(func.count()).select_from(PropertyItem)) > 0
        assert s.scalar(select(func.count()).select_from(Income).where(Income.monthly_fen < 0)) == 0
    assert cats["dibao"] == max(cats.values())
    assert {"dibao", "tekun", "marginal", "monitored"} <= set(cats)
    top = sorted(surnames, key=surnames.get, reverse=True)[:6]
    assert {"王", "李", "张"} <= set(top)
    assert {2, 3} <= lengths  # one- and two-character given names
    assert {"wages", "pension"} <= sources


def test_search_keys_match_the_core(demo_db):
    with demo_db.read() as s:
        for p in s.scalars(select(Person).order_by(Person.id).limit(50)):
            keys = set(s.scalars(select(PersonSearchKey.key)
                                 .where(PersonSearchKey.person_id == p.id)))
            assert keys == name_keys(p.name)


def test_search_finds_generated_households(demo_db):
    with demo_db.read() as s:
        people = s.execute(select(Person.name, Person.id_number, Person.household_id)
                           .join(Household, Household.id == Person.household_id)
                           .where(Household.status == "active")
                           .order_by(Person.id).limit(20)).all()
        for name, number, hid in people:
            assert hid in search_household_ids(s, HouseholdFilter(text=initials(name)))
            assert hid in search_household_ids(s, HouseholdFilter(text=name[1:]))
            assert hid in search_household_ids(s, HouseholdFilter(text=number[-6:]))
        detail = household_detail(s, people[0][2], today=TODAY)
        assert detail is not None and detail.members


def test_same_seed_same_data_other_seed_differs(tmp_path, demo_db):
    other = open_test_db(tmp_path / "again.sqlite3")
    try:
        generate_demo(other, ACTOR, households=N, seed=7, today=TODAY)
        assert _dump(other) == _dump(demo_db)
    finally:
        other.dispose()
    third = open_test_db(tmp_path / "third.sqlite3")
    try:
        generate_demo(third, ACTOR, households=N, seed=8, today=TODAY)
        assert _dump(third)["persons"] != _dump(demo_db)["persons"]
    finally:
        third.dispose()


def test_loads_areas_when_empty_and_audits_once(tmp_path):
    database = open_test_db(tmp_path / "empty.sqlite3")
    try:
        generate_demo(database, "demo-maker", households=20, seed=3, today=TODAY)
        with database.read() as s:
            assert s.scalar(select(func.count()).select_from(Area).where(Area.level == "village")) == 1944
            rows = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "household")))
        assert len(rows) == 1
        assert "demo-maker" in rows[0].new_value and "seed 3" in rows[0].new_value
    finally:
        database.dispose()


def test_cancel_rolls_everything_back(db):
    token = CancelToken()
    calls = []

    def progress(fraction: float, message: str) -> None:
        calls.append(fraction)
        if fraction > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        generate_demo(db, ACTOR, households=N, seed=1, progress=progress, cancel=token)
    assert calls
    with db.read() as s:
        for model in (Household, Person, PersonSearchKey, Income, PropertyItem):
            assert s.scalar(select(func.count()).select_from(model)) == 0
        # the indexes dropped for the load are back, and foreign keys are on again
        assert {"ix_persons_household_id", "ix_person_search_keys_person_id"} <= \
            schema_names(db, "index")
        if not db.is_postgresql:  # PostgreSQL's keys are never turned off
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    # and a later run works
    assert generate_demo(db, ACTOR, households=10, seed=1).households == 10


def test_refuses_a_registry_with_households(demo_db):
    with pytest.raises(StateError) as err:
        generate_demo(demo_db, ACTOR, households=10, seed=2)
    assert "empty" in err.value.message_en and "已有" in err.value.message_zh
    with demo_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == N


def test_indexes_restored_after_load(demo_db):
    assert {"ix_persons_id_number_rev_household", "ix_households_head_pinyin",
            "ix_incomes_household_in_force"} <= schema_names(demo_db, "index")
    if demo_db.is_postgresql:  # the plan below is SQLite's; PostgreSQL's is checked in
        return                 # the benchmarks at city size
    with demo_db.read() as s:
        plan = " ".join(str(r) for r in s.execute(text(
            "EXPLAIN QUERY PLAN SELECT household_id FROM persons"
            " WHERE id_number_rev >= '1234'")))
        assert "COVERING INDEX ix_persons_id_number_rev_household" in plan


def test_demo_city_adds_the_seed_standards_and_liaison_records(db):
    import datetime as dt

    from assistcase.demo import generate_demo_city
    from assistcase.models import Area
    from assistcase.services import liaison, standards
    from sqlalchemy import select

    generate_demo_city(db, "demo", households=30, seed=2, today=dt.date(2026, 11, 22))
    with db.read() as s:
        village = s.scalar(select(Area).where(Area.level == "village").order_by(Area.code))
        month = dt.date(2026, 11, 1)
        assert standards.standard_for(s, village.id, "urban", "dibao", month)[1] == 63_000
        assert standards.standard_for(s, village.id, "rural", "tekun_basic", month)[1] == 54_600
        assert len(liaison.leaders(s)) >= 50
        visits = liaison.recent_visits(s)
        assert visits and max(v.visited_on for v in visits) <= dt.date(2026, 11, 22)
