"""Which month's entitlements are current (migration 0030): a roster build right after the
month's recalculation of its area pays the rows as computed; a write to anything the
computation reads, by a service or by SQL typed by hand, makes the next build compute them
again, on both engines."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select, text

from assistcase.models import AuditEntry
from assistcase.services import rosters as R
from assistcase.services.recalc import case_entitlement, recalculate_area

from ..conftest import ACTOR
from .test_rosters import city  # noqa: F401  (the same demo city, its template shared)

NOV = dt.date(2026, 11, 1)
OLD = "2000-01-01 00:00:00"


def computed_then_stamped(db, area_id):
    """The month computed, then every row stamped as computed long ago: a build that
    computes them again writes them with a new time."""
    recalculate_area(db, ACTOR, area_id, NOV)
    with db.begin() as s:
        s.execute(text("UPDATE entitlements SET computed_at = :t WHERE month = :m"),
                  {"t": OLD, "m": NOV.isoformat()})


def recomputed(db, program="dibao") -> bool:
    with db.read() as s:
        old, new = s.execute(text(
            "SELECT SUM(CASE WHEN computed_at = :t THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN computed_at = :t THEN 0 ELSE 1 END)"
            " FROM entitlements WHERE month = :m AND program = :p"),
            {"t": OLD, "m": NOV.isoformat(), "p": program}).one()
    assert (old or 0) + (new or 0) > 0
    assert not (old and new), "part of the month recomputed"
    return bool(new)


def build(db, area_id, program="dibao"):
    return R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(area_id, NOV, program))


def printed(db, roster_id):
    with db.read() as s:
        return [(l.seq, l.case_id, l.household_id, l.payee_name, l.id_number, l.account_number,
                 l.household_size, l.persons, l.standard_fen, l.income_fen, l.base_fen,
                 l.amount_fen) for l in R.iter_lines(s, roster_id)]


@pytest.mark.parametrize("program", ["dibao", "tekun"])
def test_a_build_right_after_the_recalculation_pays_the_rows_as_computed(db, city, program):
    computed_then_stamped(db, city["county"])
    first = build(db, city["county"], program)
    assert not recomputed(db, program)
    with db.read() as s:
        notes = s.scalars(select(AuditEntry.new_value).where(
            AuditEntry.action == "reuse", AuditEntry.entity == "entitlement")).all()
    assert len(notes) == 1 and "nothing they are computed from has changed" in notes[0]
    reused = printed(db, first.roster_id)
    assert len(reused) == first.lines > 0

    # the same roster with the month computed again: the same lines, amounts and counts
    R.discard_roster(db, ACTOR, first.roster_id, "built again to compare")
    with db.begin() as s:
        s.execute(text("UPDATE incomes SET monthly_fen = monthly_fen"))
    again = build(db, city["county"], program)
    assert recomputed(db, program)
    assert printed(db, again.roster_id) == reused
    assert (again.lines, again.total_fen, again.skipped_no_standard) == (
        first.lines, first.total_fen, first.skipped_no_standard)


# SQL typed by hand writing one row of each table the computation reads (values unchanged:
# the write counts, not what it wrote)
WRITES = {
    "areas": ["UPDATE areas SET code = code WHERE id = (SELECT MAX(id) FROM areas)"],
    "standards": ["UPDATE standards SET monthly_fen = monthly_fen"
                  " WHERE id = (SELECT MIN(id) FROM standards)"],
    "policy_settings": [
        "INSERT INTO policy_settings (area_id, key, value, effective_from, updated_at)"
        " SELECT MIN(id), 'assistcase.test', '0', '2000-01-01', '2000-01-01' FROM areas",
        "DELETE FROM policy_settings WHERE key = 'assistcase.test'"],
    "assistance_cases": ["UPDATE assistance_cases SET paid_from = paid_from"
                         " WHERE id = (SELECT MIN(id) FROM assistance_cases)"],
    "households": ["UPDATE households SET residence_class = residence_class"
                   " WHERE id = (SELECT MIN(id) FROM households)"],
    "household_memberships": ["UPDATE household_memberships SET joined_on = joined_on"
                              " WHERE id = (SELECT MIN(id) FROM household_memberships)"],
    "incomes": ["DELETE FROM incomes WHERE id = (SELECT MIN(id) FROM incomes)"],
    "case_members": ["UPDATE case_members SET covered_from = covered_from"
                     " WHERE id = (SELECT MIN(id) FROM case_members)"],
    "persons": ["UPDATE persons SET birth_date = birth_date"
                " WHERE id = (SELECT MIN(id) FROM persons)"],
}


@pytest.mark.parametrize("table", sorted(WRITES))
def test_a_write_to_what_the_computation_reads_makes_the_build_compute_again(db, city, table):
    computed_then_stamped(db, city["county"])
    with db.begin() as s:
        for sql in WRITES[table]:
            assert s.execute(text(sql)).rowcount == 1
    build(db, city["county"])
    assert recomputed(db)


def test_every_table_the_computation_reads_is_watched():
    """The tables the set-based computation names in its SQL, with those its rules are read
    from (standards_for, policy_for), are the tables migration 0030 watches: a new input
    not watched would let a build pay what it no longer owes."""
    import importlib.util
    import re
    from pathlib import Path

    from assistcase.models import Base
    from assistcase.services import recalc

    path = Path(__file__).parents[2] / "migrations" / "versions" / "0030_entitlement_marks.py"
    spec = importlib.util.spec_from_file_location("migration_0030", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    sql = " ".join([recalc._SQLITE_STAGE, recalc._SQLITE_DIB, recalc._DIB, recalc._RECALC_SQL]
                   + [q for _, _, q in recalc._PG_STAGES])
    named = set(re.findall(r"(?:FROM|JOIN)\s+([a-z_]+)", sql)) & set(Base.metadata.tables)
    assert named - {"entitlements"} | {"standards", "policy_settings"} == set(migration.INPUTS)


def test_a_phone_number_or_a_name_changed_does_not(db, city):
    computed_then_stamped(db, city["county"])
    with db.begin() as s:
        s.execute(text("UPDATE households SET phone = '13900000000', address = 'x'"
                       " WHERE id = (SELECT MIN(id) FROM households)"))
        s.execute(text("UPDATE persons SET phone = '13900000001', name = '张三'"
                       " WHERE id = (SELECT MIN(id) FROM persons)"))
    build(db, city["county"])
    assert not recomputed(db)


def test_a_changed_income_is_paid_by_the_next_build(db, city):
    recalculate_area(db, ACTOR, city["county"], NOV)
    with db.read() as s:
        case_id, household_id, before = s.execute(text(
            "SELECT e.case_id, e.household_id, e.amount_fen FROM entitlements AS e"
            " WHERE e.month = :m AND e.program = 'dibao' AND e.amount_fen > 20000"
            " ORDER BY e.case_id LIMIT 1"), {"m": NOV.isoformat()}).one()
    with db.begin() as s:   # 100 yuan more a month: the household is owed less
        s.execute(text("UPDATE incomes SET monthly_fen = monthly_fen + 10000 WHERE id ="
                       " (SELECT MIN(id) FROM incomes WHERE household_id = :h"
                       " AND valid_until IS NULL)"), {"h": household_id})
    built = build(db, city["county"])
    with db.read() as s:
        owed = case_entitlement(s, case_id, NOV).amount_fen
        paid = s.execute(text("SELECT amount_fen FROM roster_lines WHERE roster_id = :r"
                              " AND case_id = :c"), {"r": built.roster_id, "c": case_id}).scalar()
    assert paid == owed < before


def test_a_recalculation_of_a_larger_area_is_not_taken_for_its_county(db, city):
    computed_then_stamped(db, city["city"])
    build(db, city["county"])
    with db.read() as s:   # the county's rows computed again, the others' left
        counts = s.execute(text(
            "SELECT SUM(CASE WHEN computed_at = :t THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN computed_at = :t THEN 0 ELSE 1 END)"
            " FROM entitlements WHERE month = :m AND program = 'dibao'"),
            {"t": OLD, "m": NOV.isoformat()}).one()
    assert counts[0] > 0 and counts[1] > 0


def test_a_writer_outside_the_app_is_waited_for(db, city):
    """A change typed by hand, not yet committed when the build starts: the build waits for
    it and computes the month again (PostgreSQL: the generation's row is locked; SQLite: the
    file's write lock)."""
    computed_then_stamped(db, city["county"])
    with db.engine.connect() as other:
        other.execute(text("UPDATE incomes SET monthly_fen = monthly_fen + 1"
                           " WHERE id = (SELECT MIN(id) FROM incomes)"))
        result = {}

        def run():
            try:
                result["built"] = build(db, city["county"])
            except BaseException as e:  # pragma: no cover - reported below
                result["error"] = e
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(1.0)   # the build is waiting for the writer (either engine's lock)
        assert worker.is_alive()
        other.commit()
        worker.join(60)
    assert "error" not in result, result.get("error")
    assert recomputed(db)


def test_a_bulk_writer_advances_the_generation_and_leaves_the_triggers(db, city):
    """The registry's bulk writer (the import, the demo, an exchange's first package) writes
    without SQLite's row triggers and advances the generation once; the triggers are back
    after it, and the next build computes the month again."""
    from assistcase.services.registry_writer import BULK_INPUT_TABLES, BulkWriter, input_triggers

    computed_then_stamped(db, city["county"])
    generation = "SELECT generation FROM entitlement_guard WHERE id = 1"
    with db.engine.connect() as conn:
        conn.begin()
        before = conn.execute(text(generation)).scalar()
        household, income = conn.execute(text(
            "SELECT MIN(h.id), (SELECT MAX(id) FROM incomes) FROM households AS h"
            " JOIN assistance_cases AS c ON c.household_id = h.id")).one()
        with BulkWriter(conn) as writer:
            writer.insert_rows("incomes", ("id", "household_id", "person_id", "source",
                                           "monthly_fen", "note"),
                               [(income + 1, household, None, "wages", 1000, "bulk"),
                                (income + 2, household, None, "wages", 2000, "bulk")])
        after = conn.execute(text(generation)).scalar()
        conn.commit()
    if db.engine.dialect.name == "sqlite":
        assert after == before + 1       # once, not once a row
        with db.engine.connect() as conn:
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert set(input_triggers(BULK_INPUT_TABLES)) <= names
    else:
        assert after > before            # once a statement
    build(db, city["county"])
    assert recomputed(db)
