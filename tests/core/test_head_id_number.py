"""The household carries its head's ID number (issue 19, migration 0028): the database keeps
``households.head_id_number`` equal to the head's ``persons.id_number`` ('' without a head)
whoever writes (the services, plain SQL, the bulk writer of the demo and the import), on
both engines, and the household list reads it without joining the persons."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, select, text

from assistcase.demo import generate_demo
from assistcase.io import import_registry
from assistcase.models import Household, Person
from assistcase.services import registry as reg
from assistcase.services.queries import household_rows

from ..conftest import ACTOR, make_id
from .test_import import HEADER, person_row, write_xlsx

MISMATCHES = ("SELECT count(*) FROM households AS h LEFT JOIN persons AS p"
              " ON p.id = h.head_person_id WHERE h.head_id_number <> COALESCE(p.id_number, '')")


def mismatches(db) -> int:
    with db.read() as s:
        return s.scalar(text(MISMATCHES))


def head_id(db, household_id: int) -> str:
    with db.read() as s:
        return s.scalar(select(Household.head_id_number).where(Household.id == household_id))


def _household(db, village_id: int, *people: tuple[str, str, str]) -> tuple[int, list[int]]:
    reg.create_household(db, ACTOR, reg.HouseholdData(village_id, "rural", "dibao"),
                         [reg.PersonData(name, number, relation)
                          for name, number, relation in people])
    with db.read() as s:
        pids = [s.scalar(select(Person.id).where(Person.id_number == n)) for _, n, _ in people]
        hid = s.scalar(select(Person.household_id).where(Person.id == pids[0]))
    return hid, pids


def test_registering_changing_and_correcting_the_head(db, village_ids):
    """(a) registered: the head's number; (b) another member made head: theirs; (c) the
    head's ID number corrected: the corrected one (a member's correction changes nothing);
    the list shows it."""
    head, spouse = make_id(birth=dt.date(1960, 1, 2), seq=11), make_id(birth=dt.date(1962, 3, 4),
                                                                          seq=12)
    hid, (p_head, p_spouse) = _household(db, village_ids[0], ("王建国", head, "head"),
                                         ("李秀英", spouse, "spouse"))
    other, _ = _household(db, village_ids[0], ("赵新民", make_id(seq=21), "head"))
    assert head_id(db, hid) == head and mismatches(db) == 0

    reg.change_head(db, ACTOR, hid, p_spouse, "spouse")
    assert head_id(db, hid) == spouse and mismatches(db) == 0

    corrected = make_id(birth=dt.date(1962, 3, 5), seq=12)
    reg.update_person(db, ACTOR, p_spouse, {"id_number": corrected})
    reg.update_person(db, ACTOR, p_head, {"id_number": make_id(birth=dt.date(1960, 1, 3),
                                                               seq=11)})
    assert head_id(db, hid) == corrected and mismatches(db) == 0
    assert head_id(db, other) == make_id(seq=21)
    with db.read() as s:
        rows = household_rows(s, [hid, other])
    assert (rows[hid].head_name, rows[hid].head_id_number) == ("李秀英", corrected)
    assert rows[other].head_id_number == make_id(seq=21)


def test_any_writer_setting_the_head_or_deleting_it(db, village_ids):
    """(d) the head taken away (set NULL, as when the head leaves or its record is deleted):
    ''; set again by plain SQL: the number; a household row inserted with a head that already
    exists: the head's number; a number corrected by plain SQL: followed."""
    number = make_id(birth=dt.date(1970, 5, 6), seq=31)
    hid, (pid,) = _household(db, village_ids[0], ("张三", number, "head"))
    with db.begin() as s:
        s.execute(text("UPDATE households SET head_person_id = NULL WHERE id = :h"), {"h": hid})
    assert head_id(db, hid) == "" and mismatches(db) == 0
    with db.begin() as s:
        s.execute(text("UPDATE households SET head_person_id = :p WHERE id = :h"),
                  {"p": pid, "h": hid})
    assert head_id(db, hid) == number
    corrected = make_id(birth=dt.date(1970, 5, 7), seq=31)
    with db.begin() as s:
        s.execute(text("UPDATE persons SET id_number = :n WHERE id = :p"),
                  {"n": corrected, "p": pid})
    assert head_id(db, hid) == corrected and mismatches(db) == 0
    with db.begin() as s:   # a second household naming an existing person as head
        hh = Household(number="T-0001", village_id=village_ids[1], residence_class="rural",
                       head_person_id=pid)
        s.add(hh)
        s.flush()
        assert hh.head_id_number == corrected    # the ORM reads the database's value
        new = hh.id
    assert head_id(db, new) == corrected
    # the head's record deleted: the households it headed let go of it first
    with db.begin() as s:
        s.execute(text("UPDATE households SET head_person_id = NULL WHERE head_person_id = :p"),
                  {"p": pid})
        s.execute(text("DELETE FROM household_memberships WHERE person_id = :p"), {"p": pid})
        s.execute(text("DELETE FROM persons WHERE id = :p"), {"p": pid})
    assert head_id(db, hid) == head_id(db, new) == "" and mismatches(db) == 0


def test_bulk_writes_fill_it_and_leave_the_triggers_working(db, tmp_path):
    """(e) the demo generator and the spreadsheet import write through the bulk writer,
    which bypasses the households' triggers and fills the column set-based; the triggers
    work again after (same connection pool, the next transaction)."""
    generate_demo(db, ACTOR, households=40, seed=3)
    with db.read() as s:
        headed = s.scalar(text("SELECT count(*) FROM households WHERE head_person_id IS NOT NULL"))
        filled = s.scalar(text("SELECT count(*) FROM households WHERE head_id_number <> ''"))
    assert mismatches(db) == 0 and filled == headed > 30
    rows = [list(HEADER),
            person_row(1, "孙立新", make_id(birth=dt.date(1955, 7, 8), seq=41), "户主", 2),
            person_row(2, "周桂兰", make_id(birth=dt.date(1957, 9, 10), seq=42), "配偶", 2)]
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", rows))
    assert report.ok and report.written
    with db.read() as s:
        hid, p_head, p_spouse = s.execute(text(
            "SELECT h.id, h.head_person_id, (SELECT id FROM persons WHERE name = '周桂兰')"
            " FROM households AS h JOIN persons AS p ON p.id = h.head_person_id"
            " WHERE p.name = '孙立新'")).one()
    assert head_id(db, hid) == make_id(birth=dt.date(1955, 7, 8), seq=41)
    assert mismatches(db) == 0
    reg.change_head(db, ACTOR, hid, p_spouse, "spouse")
    assert head_id(db, hid) == make_id(birth=dt.date(1957, 9, 10), seq=42)
    assert mismatches(db) == 0


def test_migration_0028_fills_the_column_and_downgrade_drops_it(db, village_ids):
    """Upgraded from 0027 with households: each gets its head's number ('' without a head);
    down again: the column, its index and triggers are gone."""
    number = make_id(birth=dt.date(1980, 2, 3), seq=51)
    hid, (pid,) = _household(db, village_ids[0], ("钱多多", number, "head"))
    headless, _ = _household(db, village_ids[0], ("吴用", make_id(seq=53), "head"))
    db.downgrade("0027")
    try:
        with db.engine.begin() as c:
            cols = {col["name"] for col in inspect(c).get_columns("households")}
            assert "head_id_number" not in cols
            c.execute(text("UPDATE households SET head_person_id = NULL WHERE id = :h"),
                      {"h": headless})
            c.execute(text("UPDATE persons SET id_number = :n WHERE id = :p"),
                      {"n": make_id(birth=dt.date(1980, 2, 4), seq=51), "p": pid})
    finally:
        db.upgrade()
    assert head_id(db, hid) == make_id(birth=dt.date(1980, 2, 4), seq=51)
    assert head_id(db, headless) == "" and mismatches(db) == 0
