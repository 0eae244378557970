"""Opening the database: engine settings, sessions, Alembic upgrades with a backup first.

The caller owns the lifecycle: one :class:`Database` per process, one session per user action
or worker job (``with db.begin() as s:``), never shared between threads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .config import MIGRATIONS_DIR, resolve_db_url
from .errors import DatabaseError, DatabaseTooNewError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (and the mako, pygments and dialect modules it pulls in) is imported only when a
# schema has to be checked in depth or upgraded: opening a current database reads its version
# with one query and compares it with the head named in the migration files (start-up time).

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.isolation_level = None  # no implicit BEGIN: see make_engine
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
    cur.close()


def make_engine(url: str) -> Engine:
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite starts a transaction only at the first INSERT/UPDATE, so reads and DDL
        # before it are outside the transaction. Take over BEGIN ourselves (the recipe in
        # SQLAlchemy's SQLite dialect documentation) so a service's whole unit is atomic.
        # Write units (Database.begin) take the write lock up front with BEGIN IMMEDIATE, so a
        # second writer waits out the busy timeout instead of failing on a lock upgrade.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get("assistcase_write")
            else "BEGIN"))
        return engine
    return create_engine(url)


def alembic_config(url: str) -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


_ASSIGNED = re.compile(r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


@lru_cache(maxsize=1)
def head_from_files() -> str | None:
    """The head revision read from the migration files' text, without importing Alembic or
    the migrations; None unless there is exactly one head (then Alembic decides)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    try:
        files = sorted((MIGRATIONS_DIR / "versions").glob("*.py"))
        for f in files:
            found = dict((k, v) for k, v in _ASSIGNED.findall(f.read_text(encoding="utf-8")))
            if "revision" not in found or "down_revision" not in found:
                return None
            rev = re.fullmatch(r"""['"]([^'"]+)['"]""", found["revision"])
            if rev is None:
                return None
            revisions.add(rev[1])
            downs.update(re.findall(r"""['"]([^'"]+)['"]""", found["down_revision"]))
    except OSError:
        return None
    heads = revisions - downs
    return heads.pop() if files and len(heads) == 1 and downs <= revisions else None


def stored_revision(engine: Engine) -> list[str] | None:
    """The revision(s) in the database's alembic_version table, by one plain query; None when
    there is no such table."""
    with engine.connect() as conn:
        try:
            return [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
        except SQLAlchemyError:
            return None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class Database:
    """An opened AssistCase database."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.url = url
        self.engine = engine or make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Who this process is signed in as (issue 13): read services take the user from here
        # (services.auth.reader); write services are given their ``actor``.
        self.signed_in: object | None = None

    def _session(self) -> Session:
        s = self._sessions()
        s.info["identity"] = self.signed_in
        return s

    @property
    def path(self) -> Path | None:
        sa_url = make_url(self.url)
        if sa_url.get_backend_name() == "sqlite" and sa_url.database not in (None, "", ":memory:"):
            return Path(sa_url.database)
        return None

    def session(self) -> Session:
        return self._session()

    @contextlib.contextmanager
    def begin(self) -> Iterator[Session]:
        """A write session in one transaction: committed on success, rolled back on any error."""
        with self._session() as s, s.begin():
            s.connection(execution_options={"assistcase_write": True})
            yield s

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; never committed."""
        with self._session() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()

    # --- schema version -------------------------------------------------------------------

    def revision(self) -> str | None:
        return current_revision(self.engine)

    def check_version(self) -> str:
        """Return 'current', 'empty' or 'older'; raise DatabaseTooNewError for a newer database."""
        rev = self.revision()
        head = head_revision()
        if rev == head:
            return "current"
        if rev is None:
            if set(inspect(self.engine).get_table_names()) - {"alembic_version"}:
                raise DatabaseError(
                    "the database holds tables but no AssistCase schema version; "
                    "it is not an AssistCase database",
                    "该数据库不是 AssistCase 数据库（有数据表但没有版本信息）")
            return "empty"
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config(self.url))
        try:
            script.get_revision(rev)
        except Exception:  # alembic raises several kinds for an unknown revision
            raise DatabaseTooNewError(
                f"the database {self.path or self.url} has schema version {rev}, which this "
                f"AssistCase ({head}) does not know: it was written by a newer version. "
                "Install the newer AssistCase to open it.",
                f"数据库 {self.path or self.url} 的结构版本 {rev} 比本程序（{head}）新，"
                "是由更新版本的 AssistCase 写入的。请安装新版本后再打开。") from None
        return "older"

    def backup(self, dest: Path | None = None) -> Path:
        """Copy the SQLite file (consistently, through SQLite's backup API)."""
        src = self.path
        if src is None:
            raise DatabaseError("only a SQLite file database can be backed up",
                                "只有 SQLite 文件数据库可以备份")
        if dest is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = src.with_name(f"{src.stem}.backup-{stamp}{src.suffix}")
            n = 1
            while dest.exists():
                dest = src.with_name(f"{src.stem}.backup-{stamp}-{n}{src.suffix}")
                n += 1
        with contextlib.closing(sqlite3.connect(src)) as s_conn, \
                contextlib.closing(sqlite3.connect(dest)) as d_conn:
            s_conn.backup(d_conn)
        log.info("backed up %s to %s", src, dest)
        return dest

    def is_current(self) -> bool:
        """True when the database is at the head revision of this AssistCase (the quick check
        made on every start; anything else goes through Alembic)."""
        head = head_from_files()
        return head is not None and stored_revision(self.engine) == [head]

    def upgrade(self, revision: str = "head") -> Path | None:
        """Bring the schema to ``revision``; back the file up first if it holds data."""
        if revision == "head" and self.is_current():
            return None
        from alembic import command

        state = self.check_version()
        backup = None
        if state == "older" and self.path is not None:
            backup = self.backup()
        if state != "current" or revision != "head":
            with self.engine.begin() as conn:
                cfg = alembic_config(self.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        return backup

    def downgrade(self, revision: str) -> None:
        from alembic import command

        with self.engine.begin() as conn:
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)


# The page cache of a connection doing one large set-based write (a city's roster: 179,224
# lines inserted into indexed tables) – measured: the lines' INSERT … SELECT took half the time
# with 256 MiB instead of the default 64 MiB.
BULK_CACHE_KIB = 262_144


@contextlib.contextmanager
def bulk_cache(s: Session, kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """A larger SQLite page cache for the session's connection while a large set-based
    statement runs; the pooled connection gets its size back. A no-op on other databases.
    (temp_store cannot be changed inside a transaction, and measured no gain anyway.)"""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")


@contextlib.contextmanager
def explained_open_errors(where: object) -> Iterator[None]:
    """Turn what SQLite or the OS refuses while opening ``where`` into a DatabaseError that
    names the file and the cause in both languages (never a traceback for the user)."""
    try:
        yield
    except (SQLAlchemyError, OSError, sqlite3.Error) as exc:
        detail = getattr(exc, "orig", None) or exc
        raise DatabaseError(
            f"the database {where} cannot be opened: it may not be an AssistCase database, "
            f"or its folder may not be writable ({detail})",
            f"无法打开数据库 {where}：它可能不是 AssistCase 数据库，或所在文件夹不可写。"
            f"（{detail}）") from exc


def open_database(db: str | Path | None = None, upgrade: bool = True) -> Database:
    """Open (and by default upgrade) the database named by ``--db``, the environment, or the
    default location. Raises DatabaseTooNewError for a database from a newer AssistCase and
    DatabaseError for anything SQLite or the OS refuses."""
    url = resolve_db_url(db)
    database = Database(url)
    try:
        with explained_open_errors(database.path or url):
            if upgrade:
                backup = database.upgrade()
                if backup:
                    log.warning("database upgraded; the previous version was saved as %s",
                                backup)
            elif not database.is_current():
                database.check_version()
    except Exception:
        database.dispose()
        raise
    return database
