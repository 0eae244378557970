"""A broad search (a one-character surname) shows its first page at once and the rest after,
and loses nothing: on a 2,000-household demo every surname finds exactly the households the
original one-step query found, in the same order."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from assistcase.db import open_database
from assistcase.demo import generate_demo
from assistcase.services.queries import (HouseholdFilter, first_household_ids, household_query,
                                search_household_ids)
from assistcase.rules.searchkeys import prefix_upper_bound

from ..conftest import ACTOR, open_test_db

# The household search as it was before the first-page plan (kept here as plain SQL): the
# persons whose search keys start with the text, their households, plus households of
# villages whose name contains it; active ones, by household number.
BEFORE_SQL = """
SELECT h.id FROM households h
WHERE h.status = 'active'
  AND (h.id IN (SELECT p.household_id FROM persons p
                WHERE p.id IN (SELECT k.person_id FROM person_search_keys k
                               WHERE k.key >= ? AND k.key < ?))
       OR h.village_id IN (SELECT a.id FROM areas a
                           WHERE a.level = 'village' AND a.name LIKE '%' || ? || '%'))
ORDER BY h.number
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("broad") / "demo.sqlite3"
    database = open_test_db(path)
    generate_demo(database, ACTOR, households=2000, seed=5, today=dt.date(2026, 11, 22))
    yield database
    database.dispose()


def _before(path, text: str) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute(BEFORE_SQL, (text, prefix_upper_bound(text), text))]


def _surnames(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return sorted({r[0][0] for r in conn.execute("SELECT name FROM persons")})


def test_every_surname_finds_the_same_households_as_before(demo):
    surnames = _surnames(demo.path)
    assert len(surnames) >= 20
    broad = 0
    with demo.read() as s:
        for text in surnames:
            before = _before(demo.path, text)
            flt = HouseholdFilter(text=text)
            assert search_household_ids(s, flt) == before, text
            # forced onto the first-page plan (any text counts as broad), pages of 50
            page, complete = first_household_ids(s, flt, limit=50, broad_at=1)
            assert page == before[:50], text
            assert complete == (len(before) < 50), text
            # a pick list's first 50: the same, by either plan
            assert search_household_ids(s, flt, limit=50, broad_at=1) == before[:50], text
            assert search_household_ids(s, flt, limit=50) == before[:50], text
            broad += not complete
            # at this size no surname is broad by default: the whole list at once
            assert first_household_ids(s, flt) == (before, True), text
    assert broad >= 5  # the paged plan really ran on long lists


def test_the_first_page_walks_the_number_index(demo):
    """The first-page plan reads households in number order and stops at the page; the
    one-step plan is driven by the matching persons (then sorts)."""
    with demo.read() as s:
        conn = s.connection()

        def plan(**kw) -> str:
            stmt = household_query(s, HouseholdFilter(text="王"), **kw).limit(50)
            compiled = stmt.compile(dialect=conn.dialect,
                                    compile_kwargs={"literal_binds": True})
            return " ".join(r[-1] for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled)))

        assert "ix_households_status_number" in plan(walk_index=True)
        assert "TEMP B-TREE FOR ORDER BY" not in plan(walk_index=True)
        assert "TEMP B-TREE FOR ORDER BY" in plan()


@pytest.mark.parametrize("text, listed", [("秀英", True), ("wxy", True), ("411402001001", False),
                                          ("0012", False)])
def test_a_driven_search_reads_its_households_from_the_small_list_index(demo, text, listed):
    """Name and pinyin searches (hundreds of households at city scale) look their households
    up in ix_households_list (id, status, number, village, category), not in the table (issue
    19: a page of an encrypted file is decrypted each time it is read); ID-tail and
    household-number searches (a few) by their rowid. A Chinese text's villages join the
    persons' households as one list of ids: an OR would scan the households."""
    with demo.read() as s:
        conn = s.connection()
        stmt = household_query(s, HouseholdFilter(text=text, category="dibao"))
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        steps = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled))]
    outer = steps[0]
    assert outer.startswith(
        "SEARCH households USING COVERING INDEX ix_households_list (id=?)" if listed
        else "SEARCH households USING INTEGER PRIMARY KEY (rowid=?)"), steps
    assert not any(step.startswith("SCAN households") for step in steps), steps


def test_whole_city_list_comes_in_two_steps(demo):
    with sqlite3.connect(demo.path) as conn:
        everyone = [r[0] for r in conn.execute(
            "SELECT id FROM households WHERE status = 'active' ORDER BY number")]
    with demo.read() as s:
        page, complete = first_household_ids(s, HouseholdFilter(), limit=200)
        assert page == everyone[:200] and not complete
        assert search_household_ids(s, HouseholdFilter()) == everyone


def test_model_shows_the_first_page_then_all_rows(qtbot, demo):
    from ui.household_model import HouseholdTableModel

    text = "王"
    before = _before(demo.path, text)
    assert len(before) > 30
    model = HouseholdTableModel(demo)
    model.page_size, model.broad_at = 30, 1  # a small demo: pages of 30, every text broad
    inserted = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    with qtbot.waitSignal(model.countChanged, timeout=10_000) as counted:
        model.set_filter(HouseholdFilter(text=text))
        assert model.rowCount() == 30 and not model.complete
        assert [model.household_id(r) for r in range(30)] == before[:30]
    assert counted.args == [len(before)]
    assert model.complete and model.rowCount() == len(before)
    assert [model.household_id(r) for r in range(model.rowCount())] == before
    assert inserted == [(30, len(before) - 1)]
    assert model.data(model.index(len(before) - 1, 0)) is not None


def test_model_finds_a_household_past_the_first_page(qtbot, demo):
    from ui.household_model import HouseholdTableModel

    model = HouseholdTableModel(demo)
    model.page_size = 30
    model.reload()  # the whole city: first page only
    assert not model.complete and model.rowCount() == 30
    with sqlite3.connect(demo.path) as conn:
        last = conn.execute("SELECT id FROM households WHERE status = 'active'"
                            " ORDER BY number DESC LIMIT 1").fetchone()[0]
    row = model.row_of(last)  # reads the rest at once
    assert model.complete and row == model.rowCount() - 1


def test_a_pick_list_of_a_broad_text_walks_the_number_index(demo):
    """search_household_ids with a limit (the pick lists of the case and aid pages) reads a
    broad text's first households by walking the number index, as the list's first page
    does; a narrow text's are found by its persons."""
    def statements(**kw) -> list[str]:
        seen: list[str] = []
        with demo.read() as s:
            raw = s.connection().connection.dbapi_connection
            raw.set_trace_callback(seen.append)   # the statements SQLite runs
            try:
                search_household_ids(s, HouseholdFilter(text="王"), limit=20, **kw)
            finally:
                raw.set_trace_callback(None)
        return [q for q in seen if "ORDER BY households.number" in q]

    walked, driven = statements(broad_at=1), statements()
    assert len(walked) == 1 and "EXISTS" in walked[0], walked
    assert len(driven) == 1 and "EXISTS" not in driven[0], driven
