"""PostgreSQL as the bureau's server (issue 14): pg_dump backups through `assistcase db backup`
and their restore, a cancelled statement stopped on the server, consistent report snapshots,
the database's rules enforced for any writer."""

from __future__ import annotations

import subprocess
import threading

import psycopg
import pytest
from sqlalchemy import func, select, text

from assistcase.cli import main
from assistcase.db import open_database, pg_connection_env, pg_tool
from assistcase.errors import Cancelled
from assistcase.models import AuditEntry
from assistcase.progress import CancelToken
from assistcase.services import registry as reg
from assistcase.services.rosters import interruptible

from ..conftest import ACTOR, first_village_and_county, make_id, one_line_dibao_roster


@pytest.fixture
def pg(_pg_work):
    _pg_work.reset("snap_areas")
    db = open_database(_pg_work.url)
    yield db
    db.dispose()


def test_db_backup_runs_pg_dump_and_the_dump_restores(pg, _pg_work, tmp_path, capsys):
    village, _county = first_village_and_county(pg)
    reg.create_household(pg, ACTOR, reg.HouseholdData(village, "rural"),
                         [reg.PersonData("张三", make_id(seq=1))])
    dest = tmp_path / "bureau.pgdump"
    assert main(["--db", _pg_work.url, "db", "backup", "--to", str(dest)]) == 0
    assert f"backup written to {dest}" in capsys.readouterr().out
    assert dest.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    _pg_work.cluster.drop("restored")
    _pg_work.cluster.create("restored")
    restored_url = _pg_work.cluster.url("restored")
    args, env = pg_connection_env(restored_url)
    subprocess.run([pg_tool("pg_restore"), "--no-owner", *args, str(dest)], env=env,
                   check=True, capture_output=True)
    restored = open_database(restored_url, upgrade=False)
    try:
        with restored.read() as s:
            assert s.execute(text("SELECT head_name FROM households")).scalars().all() == ["张三"]
        assert main(["--db", restored_url, "db", "check"]) == 0
    finally:
        restored.dispose()
        _pg_work.cluster.drop("restored")


def test_cancel_stops_the_running_statement_on_the_server_and_rolls_back(pg):
    token = CancelToken()
    with pg.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))

    def cancel_once_it_runs() -> None:
        with psycopg.connect(pg.engine.url.set(drivername="postgresql").render_as_string(
                hide_password=False), autocommit=True) as watch:
            while not watch.execute("SELECT 1 FROM pg_stat_activity WHERE query LIKE"
                                    " '%pg_sleep(600)%' AND state = 'active'"
                                    " AND pid <> pg_backend_pid()").fetchone():
                pass
        token.cancel()

    watcher = threading.Thread(target=cancel_once_it_runs)
    watcher.start()
    with pytest.raises(Cancelled) as err:
        with pg.begin() as s, interruptible(s, token):
            s.execute(text("INSERT INTO users (username, display_name, active, created_at)"
                           " VALUES ('cancelled', 'x', TRUE, LOCALTIMESTAMP)"))
            s.execute(text("SELECT pg_sleep(600)"))  # the server's sleep, cut short
    watcher.join()
    # stopped by the server (QueryCanceled), not after the statement ran to its end
    assert getattr(err.value.__cause__.orig, "sqlstate", None) == "57014"
    with pg.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM users WHERE username = 'cancelled'"
                              )).scalar_one() == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_a_report_reads_one_snapshot_while_a_clerk_writes(pg):
    village, _county = first_village_and_county(pg)
    with pg.read() as report:
        first = report.execute(text("SELECT COUNT(*) FROM households")).scalar_one()
        reg.create_household(pg, ACTOR, reg.HouseholdData(village, "rural"),
                             [reg.PersonData("张三", make_id(seq=1))])  # committed meanwhile
        assert report.execute(text("SELECT COUNT(*) FROM households")).scalar_one() == first
    with pg.read() as s:
        assert s.execute(text("SELECT COUNT(*) FROM households")).scalar_one() == first + 1


@pytest.mark.parametrize("sql", [
    "UPDATE roster_lines SET amount_fen = 1, base_fen = 1 WHERE roster_id = {r}",
    "DELETE FROM roster_lines WHERE roster_id = {r}",
    "UPDATE rosters SET status = 'draft' WHERE id = {r}",
    "DELETE FROM rosters WHERE id = {r}",
])
def test_postgresql_itself_refuses_to_change_an_approved_roster(pg, sql):
    """Through psql's driver, outside the app: the PL/pgSQL triggers refuse."""
    import datetime as dt

    from assistcase.services import rosters as R

    rid, _case = one_line_dibao_roster(pg, dt.date(2026, 11, 1))
    R.review_roster(pg, "reviewer", rid)
    R.approve_roster(pg, "approver", rid)
    with psycopg.connect(pg.engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)) as raw:
        before = raw.execute("SELECT * FROM roster_lines ORDER BY id").fetchall()
        assert before
        with pytest.raises(psycopg.IntegrityError, match="approved and frozen"):
            raw.execute(sql.format(r=rid))
        raw.rollback()
        assert raw.execute("SELECT * FROM roster_lines ORDER BY id").fetchall() == before


def test_the_demo_city_leaves_the_server_settled(pg):
    """After the demo's bulk load the database is vacuumed and analysed
    (Database.settle_after_bulk_load); 30 households are below autovacuum's thresholds, so
    only the demo can have done it. (This test once read the pages marked all-visible, which
    only a VACUUM does; but on the tests' cluster, whose commits are asynchronous, a VACUUM
    run at once after them sometimes leaves a page unmarked: measured, a 0.5 s pause before
    it marked every page, three runs of three.)"""
    import datetime as dt

    from assistcase.demo import generate_demo_city

    def counts() -> dict[str, tuple[int, int]]:
        with pg.read() as s:
            return {t: tuple(s.execute(text(
                "SELECT vacuum_count, analyze_count FROM pg_stat_user_tables"
                f" WHERE relid = 'public.{t}'::regclass")).one())
                for t in ("households", "persons", "assistance_cases")}

    before = counts()
    generate_demo_city(pg, ACTOR, households=30, seed=2, today=dt.date(2026, 11, 22))
    after = counts()
    assert all(after[t][0] > before[t][0] and after[t][1] > before[t][1] for t in after), \
        (before, after)
