"""One writer of registry rows (issue 12): the service, the spreadsheet import and the demo
generator store the same derived columns, search keys, household summary and memberships for
the same persons, and no other module computes them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from assistcase.demo import generate_demo
from assistcase.io import export_registry, import_registry
from assistcase.models.base import utcnow
from assistcase.services import registry as reg
from assistcase.services.registry_writer import BULK_TRIGGERS

from ..conftest import ACTOR, make_id, open_test_db
from .test_import import person_row, write_xlsx, HEADER

ROOT = Path(__file__).resolve().parents[2] / "assistcase"


def _state(path: Path) -> dict:
    """Per person (by ID number): the derived columns, the search keys, the household's
    summary and the memberships; what the writers must agree on."""
    with sqlite3.connect(path) as conn:
        keys: dict[int, set[str]] = {}
        for key, pid in conn.execute("SELECT key, person_id FROM person_search_keys"):
            keys.setdefault(pid, set()).add(key)
        members: dict[int, list] = {}
        for pid, number, joined, left, reason in conn.execute(
                "SELECT m.person_id, h.number, m.joined_on, m.left_on, m.reason"
                " FROM household_memberships AS m JOIN households AS h ON h.id = m.household_id"
                " ORDER BY m.id"):
            members.setdefault(pid, []).append((number, joined, left, reason))
        out = {}
        for row in conn.execute(
                "SELECT p.id, p.id_number, p.id_number_rev, p.name, p.birth_date, p.sex,"
                " p.relation, h.number, h.head_name, h.head_pinyin, h.member_count,"
                " hp.id_number FROM persons AS p JOIN households AS h ON h.id = p.household_id"
                " LEFT JOIN persons AS hp ON hp.id = h.head_person_id"
                " WHERE h.status = 'active'"):
            pid, number = row[0], row[1]
            out[number] = (row[2:], frozenset(keys.get(pid, ())), tuple(members.get(pid, ())))
        return out


def test_service_import_and_demo_write_identical_derived_values(db, tmp_path):
    """A small demo city; the same households registered again through the service (one by
    one) and through the import of the demo's own export: every person's reversed ID, birth
    date, sex, search keys, household summary and membership are identical."""
    demo_path = tmp_path / "demo.sqlite3"
    shutil.copyfile(db.path, demo_path)
    demo = open_test_db(demo_path)
    generate_demo(demo, ACTOR, households=60, seed=7)
    xlsx = tmp_path / "demo.xlsx"
    export_registry(demo, xlsx)
    demo.dispose()
    expected = _state(demo_path)
    assert len(expected) > 100

    # the import, into a copy of the empty database
    imported_path = tmp_path / "imported.sqlite3"
    shutil.copyfile(db.path, imported_path)
    imported = open_test_db(imported_path)
    report = import_registry(imported, ACTOR, xlsx)
    assert report.ok and report.written, [i.line() for i in report.errors[:3]]
    imported.dispose()

    # the service, household by household, into the test's database
    with sqlite3.connect(demo_path) as conn:
        households = conn.execute(
            "SELECT id, number, village_id, residence_class, category, address, phone,"
            " account_type, account_number, bank_name FROM households WHERE status = 'active'"
            " ORDER BY id").fetchall()
        persons = conn.execute(
            "SELECT household_id, name, id_number, relation, disability_grade,"
            " disability_category, serious_illness, self_care, in_school, able_to_work, phone"
            " FROM persons ORDER BY id").fetchall()
    by_household: dict[int, list] = {}
    for p in persons:
        by_household.setdefault(p[0], []).append(p[1:])
    for hid, number, village_id, cls, category, address, phone, atype, anumber, bank \
            in households:
        members = [reg.PersonData(name, id_number, relation, grade, dcat, bool(ill), care,
                                  bool(school), bool(able), pphone)
                   for name, id_number, relation, grade, dcat, ill, care, school, able, pphone
                   in by_household[hid]]
        reg.create_household(db, ACTOR, reg.HouseholdData(
            village_id, cls, category, address, phone, atype, anumber, bank, number), members)

    assert _state(db.path) == expected
    assert _state(imported_path) == expected


def test_bulk_write_keeps_the_membership_triggers_and_dates_a_new_member_as_they_do(
        db, village_ids, tmp_path):
    """A person the import adds to a household registered before today joins today (UTC),
    as the persons trigger dates a member added by a writer that gives no date; the trigger
    the bulk path bypasses is back afterwards, the same SQL."""
    with sqlite3.connect(db.path) as conn:
        before = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural", "dibao"),
                         [reg.PersonData("王建国", make_id(birth=dt.date(1950, 3, 1), seq=11))])
    with sqlite3.connect(db.path) as conn:
        conn.execute("UPDATE households SET created_at = '2020-01-01 08:00:00.000000'")
        village = conn.execute("SELECT a.name, t.name FROM areas AS a JOIN areas AS t"
                               " ON t.id = a.parent_id WHERE a.id = ?",
                               (village_ids[0],)).fetchone()
    rows = [list(HEADER),
            person_row(1, "王建国", make_id(birth=dt.date(1950, 3, 1), seq=11), "户主", 2,
                       village=village[0], township=village[1]),
            person_row(2, "李秀英", make_id(birth=dt.date(1952, 6, 2), seq=12), "配偶", 2,
                       village=village[0], township=village[1])]
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", rows))
    assert report.ok and report.written and report.persons_created == 1
    with sqlite3.connect(db.path) as conn:
        after = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
        joined = conn.execute(
            "SELECT m.joined_on, m.left_on FROM household_memberships AS m"
            " JOIN persons AS p ON p.id = m.person_id WHERE p.name = '李秀英'").fetchall()
        rev, name_keys = conn.execute(
            "SELECT id_number_rev, (SELECT COUNT(*) FROM person_search_keys AS k"
            " WHERE k.person_id = p.id) FROM persons AS p WHERE p.name = '李秀英'").fetchone()
    assert after == before and set(BULK_TRIGGERS) <= set(after)
    assert joined == [(utcnow().date().isoformat(), None)]
    assert rev == make_id(birth=dt.date(1952, 6, 2), seq=12)[::-1] and name_keys > 0


def test_no_other_module_computes_search_keys_or_the_reversed_id():
    """Only the writer derives person_search_keys, id_number_rev, the head's pinyin and
    memberships written in bulk (rules/searchkeys.py defines the key functions)."""
    writer = ROOT / "services" / "registry_writer.py"
    patterns = {
        "search keys": re.compile(r"\b(name_keys|full_pinyin|initials)\(|(?<!class )"
                                  r"PersonSearchKey\(|INSERT INTO person_search_keys", re.I),
        "reversed ID": re.compile(r"id_number_rev\s*=(?!=)|\[\"id_number_rev\"\]\s*=(?!=)"
                                  r"|(number|\bq|tail)\w*\s*\[::-1\]"),
        "memberships": re.compile(r"INSERT INTO household_memberships", re.I),
    }
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path == writer or path == ROOT / "rules" / "searchkeys.py":
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in patterns.items():
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line}: {what}")
    assert offenders == []


def test_bulk_memberships_are_the_triggers_and_the_trigger_fires_again_after(db, village_ids):
    """Both engines: the bulk writer bypasses the membership trigger only inside its own
    transaction (SQLite: dropped and re-created; PostgreSQL: a transaction-local setting,
    migration 0021) and writes the memberships the trigger would; the next writer, on the same
    pooled connection, gets its membership from the trigger again."""
    from sqlalchemy import text

    generate_demo(db, ACTOR, households=40, seed=3)
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.id, p.household_id, h.status, h.closed_on, m.household_id, m.joined_on,"
            " m.left_on, m.reason FROM persons AS p JOIN households AS h"
            " ON h.id = p.household_id LEFT JOIN household_memberships AS m"
            " ON m.person_id = p.id ORDER BY p.id, m.id")).all()
    assert len({r[0] for r in rows}) == len(rows) > 40          # one membership each
    for _pid, hid, status, closed_on, m_hid, joined, left, reason in rows:
        assert (m_hid, joined, reason) == (hid, None, "")      # founding members
        assert left == (closed_on if status == "closed" else None)
    assert any(r[2] == "closed" for r in rows)
    person = make_id(birth=dt.date(1961, 4, 5), seq=77)
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural", "dibao"),
                         [reg.PersonData("赵新民", person)])
    with db.engine.connect() as conn:
        opened = conn.execute(text(
            "SELECT COUNT(*) FROM household_memberships AS m JOIN persons AS p"
            " ON p.id = m.person_id WHERE p.id_number = :n"), {"n": person}).scalar()
    assert opened == 1


def test_an_error_inside_the_bulk_writer_is_the_error_raised(db):
    """When the transaction is already gone (a cancel interrupts SQLite and rolls it back;
    PostgreSQL refuses every statement of an aborted transaction), the bulk writer's clean-up
    (the temporary table, the bypassed triggers) must not replace the error: it used to
    surface as "no such table registry_writer_name_keys"."""
    from sqlalchemy import text

    from assistcase.services.registry_writer import BulkWriter

    class Original(Exception):
        pass

    with db.engine.connect() as conn:
        conn.begin()
        with pytest.raises(Original):
            with BulkWriter(conn):
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("ROLLBACK")   # as an interrupt does
                else:
                    with pytest.raises(Exception):
                        conn.exec_driver_sql("SELECT 1 / 0")
                raise Original()
        conn.rollback()
        # the connection is usable and the triggers are still there
        conn.begin()
        assert conn.execute(text("SELECT COUNT(*) FROM persons")).scalar() >= 0
        if conn.dialect.name == "sqlite":
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            assert set(BULK_TRIGGERS) <= names
        conn.rollback()
