"""The audit log's hash chain (issue 19, part 3): every writer keeps it whole, migration 0015
links the rows written before it, and `assistcase db verify` names the row changed, deleted or
inserted with plain SQL outside the app."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import sqlite3

import pytest

from assistcase.cli import main
from assistcase.db import Database, open_database
from assistcase.io import import_registry
from assistcase.services import registry as reg
from assistcase.services.audit import verify_audit_log

from ..conftest import ACTOR, demo_city, make_id
from .test_import import good_rows, write_xlsx


def _verify(path, capsys) -> tuple[int, str]:
    code = main(["--db", str(path), "db", "verify"])
    return code, capsys.readouterr().out


def _sql(path, *statements) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for st in statements:
            conn.execute(st)
        conn.commit()


@pytest.fixture
def city(db, db_path, village_ids, tmp_path):
    """A demo city, a registration through the services, an update, and a bulk import: every
    kind of writer has added rows."""
    demo_city(db, households=200, seed=6, today=dt.date(2026, 11, 22))
    db = open_database(db_path)
    hh = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "urban", "dibao"),
                              [reg.PersonData("张三", make_id(seq=1))])
    reg.update_household(db, ACTOR, hh.created_id, {"phone": "13800000000"})
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "good.xlsx", good_rows()))
    assert report.ok and report.written
    db.dispose()
    return db_path


def _rows(path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_every_writer_keeps_the_chain_whole(city, capsys):
    code, out = _verify(city, capsys)
    assert code == 0, out
    assert f"audit log intact: {_rows(city)} rows" in out
    with contextlib.closing(sqlite3.connect(city)) as conn:
        sources = {r[0] for r in conn.execute("SELECT DISTINCT source FROM audit_log")}
        assert conn.execute("SELECT count(*) FROM audit_log WHERE hash IS NULL").fetchone() == (0,)
    assert "import: good.xlsx" in sources  # the bulk writer's rows are in the chain too


def _middle_row(path, action: str = "update") -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM audit_log ORDER BY id")]
        updates = [r[0] for r in conn.execute(
            "SELECT id FROM audit_log WHERE action = ? ORDER BY id", (action,))]
    rid = updates[0] if updates else ids[len(ids) // 2]
    assert rid != ids[-1]
    return rid


def test_an_edited_old_value_is_reported_with_its_row(city, tmp_path, capsys):
    copy = shutil.copyfile(city, tmp_path / "edited.sqlite3")
    rid = _middle_row(copy)
    _sql(copy, f"UPDATE audit_log SET old_value = 'nothing to see' WHERE id = {rid}")
    code, out = _verify(copy, capsys)
    assert code == 1
    assert f"changed: row {rid} was changed outside AssistCase" in out
    assert f"(the first: row {rid})" in out


def test_an_edit_with_its_own_hash_recomputed_is_still_found(city, tmp_path, capsys):
    from assistcase.security.auditchain import COLUMNS, link

    copy = shutil.copyfile(city, tmp_path / "forged.sqlite3")
    rid = _middle_row(copy)
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        conn.execute(f"UPDATE audit_log SET new_value = 'forged' WHERE id = {rid}")
        row = conn.execute(f"SELECT {', '.join(COLUMNS)}, prev_hash FROM audit_log "
                           f"WHERE id = {rid}").fetchone()
        conn.execute("UPDATE audit_log SET hash = ? WHERE id = ?", (link(row[-1], row[:-1]), rid))
        conn.commit()
    code, out = _verify(copy, capsys)
    assert code == 1 and f"row {rid} was changed outside AssistCase and its hash" in out


def test_a_deleted_row_is_reported(city, tmp_path, capsys):
    copy = shutil.copyfile(city, tmp_path / "deleted.sqlite3")
    rid = _middle_row(copy)
    _sql(copy, f"DELETE FROM audit_log WHERE id = {rid}")
    code, out = _verify(copy, capsys)
    assert code == 1
    assert f"deleted: row(s) {rid} were deleted outside AssistCase" in out


def test_an_inserted_row_is_reported(city, tmp_path, capsys):
    copy = shutil.copyfile(city, tmp_path / "inserted.sqlite3")
    _sql(copy, "INSERT INTO audit_log (at, user_id, action, entity, entity_id, field, "
               "old_value, new_value) VALUES ('2026-11-29 10:00:00.000000', 1, 'update', "
               "'household', 1, 'account_number', '6228480402564890018', '6222000000000000')")
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        rid = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    code, out = _verify(copy, capsys)
    assert code == 1 and f"inserted: row {rid} has no chain hash" in out

    # a row appended with a hash that fits the last one: the chain alone cannot tell (a head
    # recorded in a backup manifest can, see test_backups.py)
    from assistcase.security.auditchain import COLUMNS, link

    copy2 = shutil.copyfile(city, tmp_path / "appended.sqlite3")
    with contextlib.closing(sqlite3.connect(copy2)) as conn:
        last, h = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC").fetchone()
        values = (last + 1, "2026-11-29 10:00:00.000000", 1, "update", "household", 1,
                  None, "phone", "a", "b", None)
        conn.execute(f"INSERT INTO audit_log ({', '.join(COLUMNS)}, prev_hash, hash) "
                     f"VALUES ({', '.join('?' * (len(COLUMNS) + 2))})",
                     (*values, h, link(h, values)))
        conn.commit()
    assert _verify(copy2, capsys)[0] == 0


def test_migration_links_the_rows_written_before_it(tmp_path, capsys):
    path = tmp_path / "old.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.upgrade("0012")
    db.dispose()
    _sql(path, "INSERT INTO users (id, username, display_name, active, created_at) "
               "VALUES (1, 'old', 'old', 1, '2026-01-01 00:00:00.000000')",
         *[f"INSERT INTO audit_log (id, at, user_id, action, entity, entity_id, new_value) "
           f"VALUES ({i}, '2026-01-0{i} 08:00:00.000000', 1, 'create', 'household', {i}, "
           f"'户{i}')" for i in (1, 2, 4, 5)])
    db = open_database(path)
    result = verify_audit_log(db)
    assert result.ok and result.rows == 4 and result.head_id == 5
    # the chain goes on from the migrated rows
    reg_user = "tester"
    from assistcase.services.areas import load_areas_csv

    from ..conftest import add_test_users

    add_test_users(db)   # users are registered, never made by acting (issue 13)
    load_areas_csv(db, reg_user)
    result = verify_audit_log(db)
    assert result.ok and result.rows > 4
    db.dispose()
    _sql(path, "UPDATE audit_log SET new_value = '户9' WHERE id = 2")
    code, out = _verify(path, capsys)
    assert code == 1 and "row 2 was changed" in out
    assert re.search(r"problem\(s\) in \d+ rows", out)
