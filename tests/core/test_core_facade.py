"""The core façade (assistcase/core.py): reads and writes through one object; a read-only one
refuses every write the same way from the CLI and the UI, and SQLite refuses a direct write."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assistcase import cli
from assistcase.core import Core
from assistcase.errors import ReadOnlyError
from assistcase.services import standards as S

from ..conftest import ACTOR, token_file

REFUSED_EN = "the database is open read-only: nothing can be changed"
REFUSED_ZH = "数据库以只读方式打开，不能修改任何数据"


def _policy(core: Core):
    area_id = core.read(S.standard_areas)[0][0]
    return core.write(S.set_policy, area_id, {"aid_repeat_months": 6}, dt.date(2026, 1, 1))


def test_a_writable_core_reads_and_writes_as_its_actor(db):
    core = Core(db, ACTOR)
    assert core.may_write
    result = _policy(core)
    assert result is not None
    with db.read() as s:
        who = s.execute(text("SELECT count(*) FROM audit_log")).scalar()
    assert who > 0


def test_read_only_core_refuses_a_write_before_the_service_runs(db, db_path):
    db.dispose()
    core = Core.open(db_path, ACTOR, read_only=True)
    try:
        assert core.read_only and not core.may_write
        assert core.read(S.standard_areas)  # reads work
        with pytest.raises(ReadOnlyError) as err:
            _policy(core)
        assert err.value.message("en") == REFUSED_EN
        assert err.value.message("zh_CN") == REFUSED_ZH
        # the database refuses a write service that bypasses the façade, with the same error
        with pytest.raises(ReadOnlyError):
            S.set_policy(core.db, ACTOR, 1, {"aid_repeat_months": 6})
        with pytest.raises(ReadOnlyError):
            with core.db.begin():
                pass
    finally:
        core.close()


def test_the_database_refuses_a_direct_write_on_a_read_only_connection(db, db_path):
    """SQLite runs a read-only core's connections with ``query_only``, PostgreSQL its
    sessions with ``default_transaction_read_only``: a write that bypasses the façade is
    refused by the database itself."""
    sqlite = db.engine.dialect.name == "sqlite"
    flag = "PRAGMA query_only" if sqlite else "SHOW default_transaction_read_only"
    db.dispose()
    core = Core.open(db_path, ACTOR, read_only=True)
    try:
        with core.db.read() as s:
            with pytest.raises(DBAPIError, match="readonly" if sqlite else "read-only"):
                s.execute(text("UPDATE areas SET name = 'x'"))
        with core.db.engine.connect() as conn:
            assert str(conn.exec_driver_sql(flag).scalar()) in ("1", "on")
    finally:
        core.close()
    writable = Core.open(db_path, ACTOR)  # the database itself is untouched and writable
    try:
        with writable.db.engine.connect() as conn:
            assert str(conn.exec_driver_sql(flag).scalar()) in ("0", "off")
            assert conn.exec_driver_sql("SELECT count(*) FROM areas WHERE name = 'x'").scalar() == 0
    finally:
        writable.close()


def test_cli_refuses_a_write_with_the_same_message(db, db_path, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTCASE_TOKEN", str(token_file(db, ACTOR, tmp_path)))
    db.dispose()
    code = cli.main(["roster", "approve", "1", "--db", str(db_path), "--read-only"])
    assert code == 2
    assert capsys.readouterr().err.strip() == f"error: {REFUSED_EN}"
    # and the same command without --read-only reaches the service (which finds no roster)
    code = cli.main(["roster", "approve", "1", "--db", str(db_path)])
    assert code == 2
    assert REFUSED_EN not in capsys.readouterr().err
