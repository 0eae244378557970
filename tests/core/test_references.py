"""The references of the generated tables (roster lines, entitlements) hold on both engines:
foreign keys on SQLite, statement triggers on PostgreSQL (migration 0027). Written as any
writer would, in SQL outside the services."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from assistcase.models import AssistanceCase, EntitlementRow, Household, Person, RosterLine

from ..conftest import ACTOR, make_id, one_line_dibao_roster

MONTH = dt.date(2026, 11, 1)
# every column but the line's id, so that only a reference can be what is refused
LINE_COLUMNS = ", ".join(c.name for c in RosterLine.__table__.columns if c.name != "id")
ENTITLEMENT_COLUMNS = ", ".join(c.name for c in EntitlementRow.__table__.columns)
# SQLite's foreign keys, PostgreSQL's statement triggers (and its foreign keys before them)
REFUSED = "(?i)foreign key|refers to a missing|still referred to"


@pytest.fixture
def line(db):
    """A draft dibao roster of one line (and the case's entitlement): (roster, line, case)."""
    rid, cid = one_line_dibao_roster(db, MONTH)
    with db.read() as s:
        lid = s.execute(text("SELECT id FROM roster_lines WHERE roster_id = :r"),
                        {"r": rid}).scalar_one()
        assert s.execute(text("SELECT COUNT(*) FROM entitlements WHERE case_id = :c"),
                         {"c": cid}).scalar_one() == 1
    return rid, lid, cid


def swap(columns: str, column: str, value: str) -> str:
    """``columns`` as a SELECT list with ``value`` in place of ``column``."""
    names = columns.split(", ")
    assert column in names
    return ", ".join(f"{value} AS {n}" if n == column else n for n in names)


def missing(s, table: str) -> int:
    return s.execute(text(f"SELECT COALESCE(MAX(id), 0) + 1000 FROM {table}")).scalar_one()


REFERRED = {"roster_id": "rosters", "case_id": "assistance_cases",
            "household_id": "households", "person_id": "persons"}


@pytest.mark.parametrize("column", list(REFERRED))
def test_a_line_naming_a_missing_row_is_refused(db, line, column):
    rid, lid, _cid = line
    with db.begin() as s:
        gone = missing(s, REFERRED[column])
    copy = swap(LINE_COLUMNS, column, str(gone))
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text(f"INSERT INTO roster_lines ({LINE_COLUMNS}) SELECT {copy}"
                           " FROM roster_lines WHERE id = :l"), {"l": lid})
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text(f"UPDATE roster_lines SET {column} = :g WHERE id = :l"),
                      {"g": gone, "l": lid})
    with db.begin() as s:   # a line naming rows that exist is taken, as before
        s.execute(text(f"INSERT INTO roster_lines ({LINE_COLUMNS}) SELECT {LINE_COLUMNS}"
                       " FROM roster_lines WHERE id = :l"), {"l": lid})
        assert s.execute(text("SELECT COUNT(*) FROM roster_lines WHERE roster_id = :r"),
                         {"r": rid}).scalar_one() == 2


def test_an_entitlement_of_a_missing_case_is_refused(db, line):
    _rid, _lid, cid = line
    with db.begin() as s:
        gone = missing(s, "assistance_cases")
    copy = swap(ENTITLEMENT_COLUMNS, "case_id", str(gone))
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text(f"INSERT INTO entitlements ({ENTITLEMENT_COLUMNS}) SELECT {copy}"
                           " FROM entitlements WHERE case_id = :c"), {"c": cid})
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text("UPDATE entitlements SET case_id = :g WHERE case_id = :c"),
                      {"g": gone, "c": cid})


def _fresh(s, column: str, line_id: int) -> int:
    """A new row of the kind ``column`` names that nothing but the line will refer to."""
    hid, pid = s.execute(text("SELECT household_id, person_id FROM roster_lines WHERE id = :l"),
                         {"l": line_id}).one()
    village = s.get(Household, hid).village_id
    if column == "household_id":
        row = Household(number="H-REF-1", village_id=village, residence_class="rural")
    elif column == "person_id":
        row = Person(household_id=hid, name="李四", id_number=make_id(seq=7),
                     id_number_rev=make_id(seq=7)[::-1], birth_date=dt.date(1980, 1, 1),
                     sex="M", relation="child")
    else:
        row = AssistanceCase(program="dibao", household_id=hid, applied_on=dt.date(2026, 9, 1))
    s.add(row)
    s.flush()
    return row.id


@pytest.mark.parametrize("column", ["case_id", "household_id", "person_id"])
def test_a_row_a_line_names_cannot_be_deleted(db, line, column):
    rid, lid, _cid = line
    table = REFERRED[column]
    with db.begin() as s:
        was = s.execute(text(f"SELECT {column} FROM roster_lines WHERE id = :l"),
                        {"l": lid}).scalar_one()
        new = _fresh(s, column, lid)
        s.execute(text(f"UPDATE roster_lines SET {column} = :n WHERE id = :l"),
                  {"n": new, "l": lid})
        if column == "case_id":   # an entitlement of the new case, which goes with it
            s.execute(text(f"INSERT INTO entitlements ({ENTITLEMENT_COLUMNS}) SELECT "
                           + swap(ENTITLEMENT_COLUMNS, "case_id", ":n")
                           + " FROM entitlements WHERE case_id = :c"),
                      {"n": new, "c": was})
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text(f"DELETE FROM {table} WHERE id = :n"), {"n": new})
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text(f"UPDATE {table} SET id = :g WHERE id = :n"),
                      {"g": missing(s, table), "n": new})
    with db.begin() as s:
        assert s.execute(text(f"SELECT COUNT(*) FROM {table} WHERE id = :n"),
                         {"n": new}).scalar_one() == 1
        # once no line names it, it goes (with its entitlements)
        s.execute(text(f"UPDATE roster_lines SET {column} = :w WHERE id = :l"),
                  {"w": was, "l": lid})
        s.execute(text(f"DELETE FROM {table} WHERE id = :n"), {"n": new})
        assert s.execute(text("SELECT COUNT(*) FROM entitlements WHERE case_id = :n"),
                         {"n": new}).scalar_one() == 0
        assert s.execute(text("SELECT COUNT(*) FROM roster_lines WHERE roster_id = :r"),
                         {"r": rid}).scalar_one() == 1


def test_a_deleted_draft_roster_takes_its_lines(db, line):
    rid, _lid, _cid = line
    with db.begin() as s:
        s.execute(text("DELETE FROM rosters WHERE id = :r"), {"r": rid})
    with db.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM roster_lines WHERE roster_id = :r"),
                         {"r": rid}).scalar_one() == 0


def test_what_names_a_line_holds_it(db, line):
    """An adjustment (or an item, a bank result) naming a line: refused if the line is
    missing, and the line cannot be deleted while it is named; a line's items go with it."""
    rid, lid, _cid = line
    adjust = ("INSERT INTO roster_adjustments (original_line_id, amount_fen, reason, created_by,"
              " created_at) SELECT :l, 100, '补发', id, created_at FROM users"
              " WHERE username = :u")
    with db.begin() as s:
        gone = missing(s, "roster_lines")
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text(adjust), {"l": gone, "u": ACTOR})
    with db.begin() as s:
        s.execute(text(adjust), {"l": lid, "u": ACTOR})
        adj = missing(s, "roster_adjustments") - 1000
    with pytest.raises(IntegrityError, match=REFUSED):
        with db.begin() as s:
            s.execute(text("DELETE FROM roster_lines WHERE id = :l"), {"l": lid})
    with db.begin() as s:   # the adjustment paid on a line of the same roster: the item goes
        s.execute(text(f"INSERT INTO roster_lines ({LINE_COLUMNS}) SELECT {LINE_COLUMNS}"
                       " FROM roster_lines WHERE id = :l"), {"l": lid})
        other = missing(s, "roster_lines") - 1000
        s.execute(text("INSERT INTO roster_line_items (line_id, kind, amount_fen, ref_line_id,"
                       " adjustment_id, note) VALUES (:o, 'supplement', 100, :l, :a, '')"),
                  {"o": other, "l": lid, "a": adj})
        s.execute(text("DELETE FROM roster_lines WHERE id = :o"), {"o": other})
        assert s.execute(text("SELECT COUNT(*) FROM roster_line_items")).scalar_one() == 0
        s.execute(text("DELETE FROM roster_adjustments WHERE id = :a"), {"a": adj})
        s.execute(text("DELETE FROM roster_lines WHERE id = :l"), {"l": lid})
        assert s.execute(text("SELECT COUNT(*) FROM roster_lines WHERE roster_id = :r"),
                         {"r": rid}).scalar_one() == 0
