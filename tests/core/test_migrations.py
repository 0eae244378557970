"""Schema versions: Alembic history, upgrade/downgrade, backups, and a too-new database."""

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from assistcase.db import Database, alembic_config, head_revision, open_database
from assistcase.errors import DatabaseError, DatabaseTooNewError
from assistcase.models import Base


def url(path):
    return f"sqlite:///{path}"


def revisions():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return list(reversed(list(script.walk_revisions())))  # base first


def test_history_is_linear():
    revs = revisions()
    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
    assert revs[0].down_revision is None
    for prev, rev in zip(revs, revs[1:]):
        assert rev.down_revision == prev.revision


def test_empty_to_head_matches_the_models(tmp_path):
    db = Database(url(tmp_path / "a.sqlite3"))
    assert db.check_version() == "empty"
    db.upgrade()
    assert db.revision() == head_revision()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    db = Database(url(tmp_path / "b.sqlite3"))
    db.upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"households", "persons", "audit_log", "users", "areas"} <= tables
    for rev in reversed(revisions()[:-1]):  # step down one revision at a time
        db.downgrade(rev.revision)
        assert db.revision() == rev.revision
    db.downgrade("base")
    db.engine.dispose()
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    db.upgrade()
    assert set(inspect(db.engine).get_table_names()) == tables
    assert db.revision() == head_revision()


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path):
    db = open_database(tmp_path / "c.sqlite3")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        with pytest.raises(Exception, match="FOREIGN KEY"):
            conn.execute(text("INSERT INTO persons (household_id, name, id_number, "
                              "id_number_rev, birth_date, sex, relation, disability_category,"
                              " serious_illness, self_care, in_school, able_to_work, phone, "
                              "created_at, updated_at) VALUES (999, 'x', 'x', 'x', "
                              "'2000-01-01', 'M', 'head', '', 0, 'full', 0, 1, '', "
                              "'2026-01-01', '2026-01-01')"))


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    db = open_database(path)
    db.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(DatabaseTooNewError) as e:
        open_database(path)
    assert "newer" in e.value.message_en and "9999_from_the_future" in e.value.message_en
    assert "新" in e.value.message_zh
    with sqlite3.connect(path) as conn:  # and it was left untouched
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == \
            "9999_from_the_future"
    assert not list(tmp_path.glob("new.backup-*"))


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE something (id INTEGER)")
    with pytest.raises(DatabaseError, match="not an AssistCase database"):
        open_database(path)


@pytest.mark.skipif(len(revisions()) < 2, reason="needs a second schema revision")
def test_older_database_is_backed_up_then_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = Database(url(path))
    db.upgrade(revisions()[-2].revision)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (username, display_name, active, created_at) "
                          "VALUES ('old-user', '', 1, '2026-01-01')"))
    db.dispose()
    db = open_database(path)
    assert db.revision() == head_revision()
    backups = list(tmp_path.glob("old.backup-*.sqlite3"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == \
            revisions()[-2].revision
        assert conn.execute("SELECT username FROM users").fetchall() == [("old-user",)]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM users")).scalar() == "old-user"


def test_two_writers_wait_for_each_other_instead_of_failing(tmp_path):
    """A service's unit reads then writes; the second writer must queue behind the first
    (BEGIN IMMEDIATE + busy timeout), not fail with 'database is locked' on lock upgrade."""
    import threading

    from assistcase.models import User

    db = open_database(tmp_path / "w.sqlite3")
    first_holds = threading.Event()
    release = threading.Event()
    errors = []

    def first():
        try:
            with db.begin() as s:
                s.add(User(username="first", display_name=""))
                s.flush()
                first_holds.set()
                release.wait(5)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=first)
    t.start()
    assert first_holds.wait(5)
    with db.read() as s:  # readers are not blocked by the writer (WAL)
        assert s.query(User).count() == 0
    done = threading.Event()

    def second():
        try:
            with db.begin() as s:
                n = s.query(User).count()  # read, then write in the same unit
                s.add(User(username=f"second-{n}", display_name=""))
        except Exception as e:
            errors.append(e)
        done.set()

    t2 = threading.Thread(target=second)
    t2.start()
    assert not done.wait(0.3)  # queued behind the first writer
    release.set()
    t.join(5)
    t2.join(10)
    assert errors == []
    with db.read() as s:
        assert sorted(u.username for u in s.query(User)) == ["first", "second-1"]
