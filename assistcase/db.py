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
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .config import MIGRATIONS_DIR, resolve_db_url
from .sqldialect import pg_driver_sql
from .errors import DatabaseError, DatabaseTooNewError, ReadOnlyError

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


# An encrypted file's pages are decrypted (AES-256 and an HMAC check) each time SQLite reads
# them from the OS: the OS cache keeps the ciphertext, so SQLite's own page cache is the only
# cache of decrypted pages, and a larger one saves re-decrypting what a search or a month's
# recalculation reads again (issue 19). It grows only as pages are read: a township's file of a
# few thousand households (some 20 MB) never fills it.
ENCRYPTED_CACHE_KIB = 256 * 1024


def _sqlcipher_cache(dbapi_conn, _record: object) -> None:  # noqa: ANN001
    dbapi_conn.execute(f"PRAGMA cache_size=-{ENCRYPTED_CACHE_KIB}")


def _sqlite_query_only(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # A read-only Database: SQLite itself refuses any write on its connections.
    dbapi_conn.execute("PRAGMA query_only=ON")


def _sqlcipher_engine(url: str, key: bytes) -> Engine:
    """The SQLite dialect over sqlcipher3 (the same DBAPI as sqlite3, SQLCipher inside): every
    new connection is keyed before anything else reads the file."""
    from sqlcipher3 import dbapi2

    from .security.cipher import NEW_FORMAT, apply_key, file_format

    database = make_url(url).database
    engine = create_engine(url, module=dbapi2, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "do_connect")
    def _connect_keyed(dialect, _rec, cargs, cparams):  # noqa: ANN001
        conn = dialect.loaded_dbapi.connect(*cargs, **cparams)
        # the page format the key slots record, read for each new connection (a restore of
        # an older backup can change it under a disposed engine)
        apply_key(conn, key, file_format(database) if database and database != ":memory:"
                  else NEW_FORMAT)
        return conn

    return engine


def make_engine(url: str, key: bytes | None = None, read_only: bool = False) -> Engine:
    """An engine for ``url``; a SQLite file with ``key`` is opened through SQLCipher; a
    ``read_only`` SQLite engine runs its connections with ``query_only``."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        if key is not None:
            engine = _sqlcipher_engine(url, key)
        else:
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        if key is not None:
            event.listen(engine, "connect", _sqlcipher_cache)
        if read_only:
            event.listen(engine, "connect", _sqlite_query_only)
        # pysqlite starts a transaction only at the first INSERT/UPDATE, so reads and DDL
        # before it are outside the transaction. Take over BEGIN ourselves (the recipe in
        # SQLAlchemy's SQLite dialect documentation) so a service's whole unit is atomic.
        # Write units (Database.begin) take the write lock up front with BEGIN IMMEDIATE, so a
        # second writer waits out the busy timeout instead of failing on a lock upgrade.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get("assistcase_write")
            else "BEGIN"))
        return engine
    if sa_url.get_backend_name() == "postgresql":
        return _pg_engine(sa_url, read_only)
    return create_engine(url)


def _pg_engine(sa_url, read_only: bool = False) -> Engine:
    """PostgreSQL (psycopg 3): sessions in UTC (the app stores naive UTC times; the
    triggers' CURRENT_DATE is then SQLite's date('now')); a plain ``postgresql://`` URL means
    psycopg 3, not psycopg2. A ``read_only`` engine's sessions default to read-only
    transactions, so the server itself refuses a write."""
    if sa_url.drivername == "postgresql":
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    options = "-c timezone=UTC"
    if read_only:
        options += " -c default_transaction_read_only=on"
    engine = create_engine(sa_url, connect_args={"options": options},
                           pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _pg_driver_sql, retval=True)
    # A write unit takes the database's one write lock first, as SQLite's BEGIN IMMEDIATE
    # does: services written for one writer at a time (a check, then the write; numbers from
    # max() + 1) stay correct with several clerks, and two write units never deadlock (each
    # holds at most this lock while it waits). Readers never wait (MVCC).
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(
        f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")
        if conn.get_execution_options().get("assistcase_write") else None)
    return engine


# The key of the write lock every write unit takes on PostgreSQL (pg_advisory_xact_lock).
PG_WRITE_LOCK = 0x41_53_43_57  # "ASCW"


_PARAM_IS_NULL = re.compile(r"%\((\w+)\)s\s+IS\s+(NOT\s+)?NULL\b", re.I)


def _pg_driver_sql(conn, cursor, statement, parameters, context, executemany):
    """SQLite-flavoured hand-written statements (exec_driver_sql: qmark parameters, the
    ``temp.`` schema) rewritten for psycopg. In hand-written text, ``:p IS NULL`` (an
    optional filter) is decided from the parameter's value here: PostgreSQL cannot type a
    parameter that only meets IS NULL."""
    if context is not None and context.compiled is None and not context.isddl:
        statement = pg_driver_sql(statement, bool(parameters))
    elif not executemany and isinstance(parameters, dict) and " IS " in statement.upper():
        def decide(m: "re.Match[str]") -> str:
            if m.group(1) not in parameters:
                return m.group(0)
            null = parameters[m.group(1)] is None
            return "TRUE" if null != bool(m.group(2)) else "FALSE"
        statement = _PARAM_IS_NULL.sub(decide, statement)
    return statement, parameters


def safe_url(url: object) -> str:
    """A database URL fit to print or log: the password masked."""
    text_ = str(url)
    if "://" not in text_:
        return text_
    try:
        return make_url(text_).render_as_string(hide_password=True)
    except Exception:
        return text_


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


# Alembic's ``op`` and ``context`` are process-wide proxies: two upgrades in two threads at
# once would run one database's migrations on the other's connection. One at a time.
_ALEMBIC_LOCK = threading.RLock()


class Database:
    """An opened AssistCase database. ``read_only``: :meth:`begin` raises ReadOnlyError and
    SQLite connections run with ``query_only`` and PostgreSQL sessions with
    ``default_transaction_read_only`` (a direct write is refused by the database too)."""

    def __init__(self, url: str, engine: Engine | None = None, key: bytes | None = None,
                 read_only: bool = False):
        self.url = url
        self.read_only = read_only
        self.key = key  # the SQLCipher data key of an encrypted file (never stored)
        self.engine = engine or make_engine(url, key, read_only=read_only)
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
        if self.read_only:
            raise ReadOnlyError()
        with self._session() as s, s.begin():
            s.connection(execution_options={"assistcase_write": True})
            yield s

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; never committed. It reads one consistent snapshot
        while others write (SQLite: its read transaction; PostgreSQL: REPEATABLE READ)."""
        with self._session() as s:
            if self.is_postgresql:
                s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield s

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()

    def settle_after_bulk_load(self) -> None:
        """PostgreSQL, after hundreds of thousands of rows written at once (the demo city):
        ``VACUUM (ANALYZE)``, as PostgreSQL's guide to populating a database advises. Until
        then every row still has its commit status to be looked up and written back by the
        first statement that reads it (a month's recalculation right after the demo paid for
        it, beside autovacuum doing the same work), the planner has no statistics of the
        rows, and no index-only scan can skip the table. SQLite needs nothing (the demo
        ANALYZEs; a page written is final)."""
        if not self.is_postgresql:
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")

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
                f"the database {self.path or safe_url(self.url)} has schema version {rev}, which this "
                f"AssistCase ({head}) does not know: it was written by a newer version. "
                "Install the newer AssistCase to open it.",
                f"数据库 {self.path or safe_url(self.url)} 的结构版本 {rev} 比本程序（{head}）新，"
                "是由更新版本的 AssistCase 写入的。请安装新版本后再打开。") from None
        return "older"

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    def backup(self, dest: Path | None = None) -> Path:
        """Copy the SQLite file (consistently, through SQLite's backup API). The copy of an
        encrypted database is encrypted with the same key, and its key slots go beside it."""
        if self.is_postgresql:
            return pg_dump(self.engine.url, dest)
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
        from .security.cipher import copy_database

        copy_database(src, dest, self.key)
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
            with _ALEMBIC_LOCK, self.engine.begin() as conn:
                cfg = alembic_config(self.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        return backup

    def downgrade(self, revision: str) -> None:
        from alembic import command

        with _ALEMBIC_LOCK, self.engine.begin() as conn:
            cfg = alembic_config(self.url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program (``pg_dump``, ``pg_restore``): on PATH, else
    the newest in Debian's /usr/lib/postgresql/<version>/bin."""
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not candidates:
        raise DatabaseError(f"{name} was not found: install PostgreSQL's client programs "
                            "(Debian: apt-get install postgresql-client)",
                            f"找不到 {name}：请安装 PostgreSQL 客户端程序"
                            "（Debian：apt-get install postgresql-client）")
    return str(candidates[-1])


def pg_connection_env(url) -> tuple[list[str], dict[str, str]]:
    """libpq options and environment for the client programs: the password goes through
    PGPASSWORD (never on a command line); without one, libpq reads ~/.pgpass."""
    import os

    url = make_url(str(url)) if not hasattr(url, "database") else url
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def pg_dump(url, dest: Path | None = None) -> Path:
    """Back a PostgreSQL database up with ``pg_dump --format=custom`` (a consistent snapshot
    while clerks keep working); by default into the data directory, named after the database
    and the time."""
    import subprocess

    from .config import data_dir

    args, env = pg_connection_env(url)
    if dest is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = make_url(str(url)).database if not hasattr(url, "database") else url.database
        dest = data_dir() / f"{name}.backup-{stamp}.pgdump"
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([pg_tool("pg_dump"), "--format=custom", "--file", str(dest), *args],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DatabaseError(f"pg_dump failed: {done.stderr.strip()}",
                            f"pg_dump 备份失败：{done.stderr.strip()}")
    log.info("backed up %s to %s", make_url(str(url)).render_as_string(hide_password=True)
             if not hasattr(url, "database") else url.render_as_string(hide_password=True), dest)
    return dest


# A read that streams a whole roster's lines once (its PDF, its public notice, its bank file)
# gains nothing from SQLite's page cache, each page being read once, but fills it: the
# connection's 64 MiB became the process's memory (the city's roster: 179,224 lines).
STREAM_CACHE_KIB = 2_048


@contextlib.contextmanager
def page_cache(s: Session, kib: int) -> Iterator[None]:
    """SQLite's page cache of the session's connection at ``kib`` KiB while the block runs;
    the pooled connection gets its own size back. A no-op on other databases (a server's own
    memory settings apply)."""
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


def _cipher_error() -> type[Exception]:
    try:
        from sqlcipher3.dbapi2 import Error
    except ImportError:  # pragma: no cover - sqlcipher3 is a dependency
        return sqlite3.Error
    return Error


@contextlib.contextmanager
def explained_open_errors(where: object) -> Iterator[None]:
    """Turn what SQLite or the OS refuses while opening ``where`` into a DatabaseError that
    names the file and the cause in both languages (never a traceback for the user)."""
    where = safe_url(where)
    try:
        yield
    except (SQLAlchemyError, OSError, sqlite3.Error, _cipher_error()) as exc:
        detail = getattr(exc, "orig", None) or exc
        raise DatabaseError(
            f"the database {where} cannot be opened: it may not be an AssistCase database, "
            f"or its folder may not be writable ({detail})",
            f"无法打开数据库 {where}：它可能不是 AssistCase 数据库，或所在文件夹不可写。"
            f"（{detail}）") from exc


def sqlite_file(url: str) -> Path | None:
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite" and sa_url.database not in (None, "", ":memory:"):
        return Path(sa_url.database)
    return None


def open_database(db: str | Path | None = None, upgrade: bool = True,
                  key: bytes | None = None, read_only: bool = False) -> Database:
    """Open (and by default upgrade) the database named by ``--db``, the environment, or the
    default location. An encrypted file is opened with ``key``, or with the password or
    recovery key in the environment (security/unlock.py). Raises DatabaseTooNewError for a
    database from a newer AssistCase, DatabaseLockedError / WrongPasswordError for an
    encrypted file without its key, and DatabaseError for anything SQLite or the OS refuses.
    A read-only database is never upgraded: an older one is refused with a message."""
    url = resolve_db_url(db)
    if key is None:
        from .security.unlock import key_for

        key = key_for(sqlite_file(url))
    database = Database(url, key=key, read_only=read_only)
    try:
        with explained_open_errors(database.path or url):
            if read_only and not database.is_current():
                if database.check_version() != "current":
                    raise DatabaseError(
                        f"the database {database.path or url} needs upgrading, which is a "
                        "write: open it once without read-only",
                        f"数据库 {database.path or url} 需要升级（升级会写入数据），"
                        "请先以非只读方式打开一次")
            elif upgrade:
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
