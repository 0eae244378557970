"""The one writer of registry rows (户籍登记): households, persons and what follows from them.

Every writer of the registry (the services in :mod:`.registry`, the spreadsheet import, the
demo generator) stores households and persons through this module, so the columns derived
from what a caseworker enters are computed in one place:

- ``persons.id_number_rev`` (the ID number reversed: a search by its last characters is an
  indexed prefix range) and the person's search keys (``person_search_keys``: every suffix
  of the name, its pinyin and initials, :func:`~assistcase.rules.searchkeys.name_keys`,
  each with the person's household, which the database's trigger of migration 0026 moves
  with the person);
- the household's summary (``head_name``, ``head_pinyin``, ``member_count``: the list sorts
  and shows without joins at city scale; ``head_id_number`` is the database's, kept by the
  triggers of migration 0028, and written here only in bulk);
- the membership history (``household_memberships``) of persons written in bulk.

Two paths share that code: the single-row path (:func:`person_values`, :func:`write_keys`,
:func:`refresh_household`; the ORM inside a service's transaction) and the bulk path
(:class:`BulkWriter`; one ``executemany`` per chunk and set-based ``INSERT … SELECT`` for
hundreds of thousands of rows). The bulk path writes the memberships itself, set-based,
with the same values the persons triggers of migration 0007 give one row at a time, and
bypasses those triggers while it runs (SQLite: dropped and re-created inside the
transaction, so a rollback restores them; on other databases the triggers run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import fields
from functools import lru_cache
from typing import Any, Iterable, Iterator

from sqlalchemy import Connection, Date, bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from ..models import Household, Person, PersonSearchKey
from ..models.base import utcnow
from ..rules.searchkeys import full_pinyin, name_keys

log = logging.getLogger(__name__)

# --- derived values (both paths) ----------------------------------------------------------


def id_number_rev(number: str) -> str:
    """``persons.id_number_rev``: the ID number reversed."""
    return number[::-1]


def id_derived(number: str) -> dict[str, str]:
    """The columns a person's ID number determines that are stored beside it and that a
    writer which takes birth date and sex from elsewhere (an exchange package) still sets."""
    return {"id_number_rev": id_number_rev(number)}


def search_keys(name: str) -> set[str]:
    """The ``person_search_keys`` of a person with this name."""
    return name_keys(name)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _shallow_dict(data: Any) -> dict[str, Any]:
    # dataclasses.asdict deep-copies; these fields are plain values (imports call this a lot,
    # so the names are looked up once per class: dataclasses.fields costs more than the copy).
    names = _FIELD_NAMES.get(type(data))
    if names is None:
        names = _FIELD_NAMES[type(data)] = tuple(f.name for f in fields(data))
    return {name: getattr(data, name) for name in names}


def person_values(data: Any, parsed: Any) -> dict[str, Any]:
    """The ``persons`` column values for validated input (a ``PersonData``) and its parsed ID
    number, derived columns included (reversed ID, birth date and sex from the ID)."""
    values = _shallow_dict(data)
    values["name"] = data.name.strip()
    values["id_number"] = parsed.number
    values["id_number_rev"] = id_number_rev(parsed.number)
    values["birth_date"] = parsed.birth_date
    values["sex"] = parsed.sex
    return values


def household_values(data: Any, number: str) -> dict[str, Any]:
    """The ``households`` column values for validated input (a ``HouseholdData``; account
    number without spaces)."""
    values = _shallow_dict(data)
    values["number"] = number
    values["account_number"] = (data.account_number or "").replace(" ", "")
    return values


def household_summary(head_name: str | None, member_count: int) -> dict[str, Any]:
    """The denormalised ``households`` columns: head's name and pinyin, member count."""
    return {"member_count": member_count, "head_name": head_name or "",
            "head_pinyin": full_pinyin(head_name) if head_name else ""}


# --- the single-row path ------------------------------------------------------------------


def write_keys(s: Session, person: Person) -> None:
    """(Re)write the search keys of one person after its name was set."""
    s.execute(delete(PersonSearchKey).where(PersonSearchKey.person_id == person.id))
    household = person.household_id or 0   # 0: no household (found by no search)
    s.add_all(PersonSearchKey(key=k, household_id=household, person_id=person.id)
              for k in search_keys(person.name))


def refresh_household(s: Session, hh: Household) -> None:
    """Recompute the denormalised head and member count after membership changes."""
    s.flush()
    count = s.scalar(select(func.count()).select_from(Person)
                     .where(Person.household_id == hh.id)) or 0
    head = s.get(Person, hh.head_person_id) if hh.head_person_id else None
    for field, value in household_summary(head.name if head else None, count).items():
        setattr(hh, field, value)


# --- the bulk path ------------------------------------------------------------------------

# What a caller gives for each row, in this order (the writer adds the derived columns).
HOUSEHOLD_INPUT = ("id", "number", "village_id", "residence_class", "category", "status",
                   "address", "phone", "account_type", "account_number", "bank_name",
                   "head_person_id", "closed_on", "closed_reason", "created_at", "updated_at")
PERSON_INPUT = ("id", "household_id", "name", "id_number", "birth_date", "sex", "relation",
                "disability_grade", "disability_category", "serious_illness", "self_care",
                "in_school", "able_to_work", "phone", "created_at", "updated_at")
_HOUSEHOLD_COLS = HOUSEHOLD_INPUT + ("head_name", "head_pinyin", "member_count")
_HEAD_AT = HOUSEHOLD_INPUT.index("head_person_id")
_PERSON_COLS = PERSON_INPUT[:4] + ("id_number_rev",) + PERSON_INPUT[4:]

# The persons triggers of migration 0007 that the bulk path does the work of, set-based.
MEMBERSHIP_TRIGGERS = ("trg_persons_membership_insert",)
# The households triggers of migration 0028 (the head's ID number), likewise.
HEAD_ID_TRIGGERS = ("trg_households_head_id_insert", "trg_households_head_id_update")
BULK_TRIGGERS = MEMBERSHIP_TRIGGERS + HEAD_ID_TRIGGERS
# The tables a bulk writer fills that a month's computation reads (migration 0030).
BULK_INPUT_TABLES = ("households", "persons", "household_memberships", "incomes")
# PostgreSQL: the setting that tells those triggers a bulk writer does their work (0021, 0028).
BULK_SETTING = "assistcase.bulk_registry"

# Memberships of persons written in bulk, as trg_persons_membership_insert opens them: a
# person added on the day the household is registered (or to a closed household) is a
# founding member (joined_on NULL), else joined today; a closed household's membership ends
# when it closed. ``today`` is the UTC date, as SQLite's date('now') in the trigger.
_MEMBERSHIPS_SQL = text("""
INSERT INTO household_memberships (household_id, person_id, joined_on, left_on, reason)
SELECT h.id, p.id,
       CASE WHEN h.status = 'closed' OR h.created_at >= :today THEN NULL ELSE :today END,
       CASE WHEN h.status = 'closed' THEN COALESCE(h.closed_on, :today) END, ''
FROM persons AS p JOIN households AS h ON h.id = p.household_id
WHERE p.id >= :first AND p.id <= :last
ORDER BY p.id
""").bindparams(bindparam("today", type_=Date))

# The head's ID number of households written in bulk with their heads in the rows, as the
# triggers of migration 0028 set it (PostgreSQL: a join; SQLite: a primary-key lookup per
# household). Heads given by set_head get theirs in the same UPDATE.
_HEAD_ID_SQL = {
    "postgresql": (text("""
UPDATE households AS h SET head_id_number = p.id_number FROM persons AS p
WHERE h.id >= :first AND h.id <= :last AND p.id = h.head_person_id
  AND h.head_id_number <> p.id_number
"""), text("""
UPDATE households SET head_id_number = ''
WHERE id >= :first AND id <= :last AND head_person_id IS NULL AND head_id_number <> ''
""")),
    "sqlite": (text("""
UPDATE households SET head_id_number = COALESCE(
    (SELECT p.id_number FROM persons AS p WHERE p.id = households.head_person_id), '')
WHERE id >= :first AND id <= :last AND (head_person_id IS NOT NULL OR head_id_number <> '')
"""),),
}

_NAME_KEYS_TABLE = "registry_writer_name_keys"
_SEARCH_KEYS_SQL = text(f"""
INSERT INTO person_search_keys (key, household_id, person_id)
SELECT k.key, COALESCE(p.household_id, 0), p.id
FROM persons AS p JOIN {_NAME_KEYS_TABLE} AS k ON k.name = p.name
WHERE p.id >= :first AND p.id <= :last
ORDER BY k.key, p.household_id, p.id
""")

# Columns whose Python values (dates, datetimes, booleans) SQLite stores converted.
_TYPED_COLUMNS = {"birth_date", "serious_illness", "in_school", "able_to_work", "closed_on",
                  "created_at", "updated_at"}
_SQLITE_TEXT_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite (dates as ISO text, booleans as 0/1)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.strftime(_SQLITE_TEXT_DATETIME)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# The same conversion remembered per distinct value (typed: True and 1 are equal keys): a
# bulk write stamps every row with one time and repeats a few thousand birth dates.
_sqlite_value_of = lru_cache(maxsize=65536, typed=True)(_sqlite_value)


def _placeholder(conn: Connection) -> str | None:
    """SQLite's qmark for the fast driver-level executemany; None elsewhere (PostgreSQL goes
    through SQLAlchemy with typed values)."""
    return "?" if conn.dialect.name == "sqlite" else None


def _typed_for(table: str, cols: tuple[str, ...], rows: list[tuple]) -> list[dict]:
    """Rows as SQLAlchemy parameters with the column types the table declares: booleans from
    0/1 and dates from ISO text, as the SQLite-shaped rows of the demo give them."""
    from ..models import Base

    columns = Base.metadata.tables[table].c if table in Base.metadata.tables else None
    kinds = []
    for c in cols:
        kind = None
        if columns is not None and c in columns:
            name = type(columns[c].type).__name__
            kind = {"Boolean": "bool", "Date": "date", "DateTime": "datetime"}.get(name)
        kinds.append(kind)
    out = []
    for r in rows:
        d = {}
        for c, kind, v in zip(cols, kinds, r):
            if v is not None and kind == "bool" and not isinstance(v, bool):
                v = bool(v)
            elif isinstance(v, str) and kind == "date":
                v = dt.date.fromisoformat(v[:10])
            elif isinstance(v, str) and kind == "datetime":
                v = dt.datetime.fromisoformat(v)
            d[c] = v
        out.append(d)
    return out


@contextlib.contextmanager
def triggers_bypassed(conn: Connection, names: Iterable[str]) -> Iterator[bool]:
    """While the block runs, the named triggers do not fire: on SQLite they are dropped and
    re-created from their exact stored SQL inside the caller's transaction (a rollback
    restores them as well); on PostgreSQL the bulk triggers (:data:`BULK_TRIGGERS`) are told
    so by a transaction-local setting (migrations 0021, 0028). Yields whether they were
    bypassed: otherwise they fire, and the caller must not do their work a second time."""
    names = tuple(names)
    if conn.dialect.name == "postgresql" and set(names) <= set(BULK_TRIGGERS):
        # migrations 0021, 0028: the triggers' WHEN reads this transaction-local setting
        conn.exec_driver_sql(f"SET LOCAL {BULK_SETTING} = 'on'")
        yield True
        # (after an error the transaction is rolled back, and the setting with it)
        conn.exec_driver_sql(f"SET LOCAL {BULK_SETTING} = 'off'")
        return
    if conn.dialect.name != "sqlite":
        yield False
        return
    marks = ",".join("?" * len(names))
    rows = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})"
        " ORDER BY name", names).all()
    for name, _ in rows:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    try:
        yield True
    except BaseException:
        # Re-created even when the block fails: an error that is caught and the transaction
        # committed anyway must not leave the registry without them. When the transaction is
        # already rolled back (a cancel), the rollback has restored them and re-creating fails:
        # that failure must not hide the error.
        for _, sql in rows:
            try:
                conn.exec_driver_sql(sql)
            except Exception:
                log.debug("trigger not re-created after an error", exc_info=True)
        raise
    for _, sql in rows:
        conn.exec_driver_sql(sql)


# Migration 0030: what a month's computation reads has a generation, advanced by the database
# on every write to it (SQLite: a trigger per table and kind of write, each row).
ADVANCE_INPUTS = "UPDATE entitlement_guard SET generation = generation + 1 WHERE id = 1"


def input_triggers(tables: Iterable[str]) -> tuple[str, ...]:
    """SQLite: the names of migration 0030's triggers on ``tables``."""
    return tuple(f"trg_{t}_inputs_{kind}" for t in tables
                 for kind in ("insert", "update", "delete"))


@contextlib.contextmanager
def inputs_advanced_once(conn: Connection, tables: Iterable[str]) -> Iterator[None]:
    """While a bulk writer fills ``tables``, SQLite's row triggers that advance the
    generation of the entitlements' inputs are bypassed (:func:`triggers_bypassed`), and the
    generation is advanced once at the end, whatever happened (an error caught and the
    transaction committed anyway must not leave rows written without it). PostgreSQL's are
    statement triggers: they fire, once a statement."""
    if conn.dialect.name != "sqlite":
        yield
        return
    try:
        with triggers_bypassed(conn, input_triggers(tables)):
            yield
    finally:
        try:
            conn.exec_driver_sql(ADVANCE_INPUTS)
        except Exception:   # the transaction is gone (a cancel): nothing was written
            log.debug("generation not advanced after an error", exc_info=True)


def drop_indexes(conn: Connection, tables: tuple[str, ...],
                 keep: tuple[str, ...] = ()) -> list[str]:
    """Drop the secondary indexes of ``tables`` but those named in ``keep`` (inside the
    transaction: a rollback restores them) and return their exact CREATE statements, to run
    once the rows are in: an index built at the end is a sort, where rows inserted into it
    one by one each seek a page of a key larger than the page cache. The indexes of primary
    keys and unique constraints stay."""
    marks = ",".join("?" * len(tables))
    if conn.dialect.name == "postgresql":  # not those of primary keys and unique constraints
        rows = conn.exec_driver_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes AS i"
            " WHERE i.schemaname = current_schema() AND i.tablename IN (" + marks + ")"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c"
            "                 WHERE c.conindid = (quote_ident(i.indexname))::regclass)"
            " ORDER BY i.indexname", tables).all()
        rows = [(name, sql) for name, sql in rows if name not in keep]
        for name, _ in rows:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _, sql in rows]
    rows = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({marks}) ORDER BY name", tables).all()
    rows = [(name, sql) for name, sql in rows if name not in keep]
    for name, _ in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in rows]


class BulkWriter:
    """Households and persons in bulk, inside the caller's transaction.

    Rows are given in :data:`HOUSEHOLD_INPUT` / :data:`PERSON_INPUT` order with the caller's
    ids (new persons must take ids above every existing one: :meth:`finish` writes search
    keys and memberships for the id range written), Python values (dates, booleans) or
    values already as SQLite stores them. The writer adds ``id_number_rev``, the household
    summary, the heads' ID numbers, the search keys and the memberships. Use it as a context
    manager::

        with BulkWriter(conn) as w:
            w.add_household(row, head_name, member_count)
            w.add_person(row)
            w.set_head(person_id, household_id)   # when the head was not in the row

    ``extra`` names further columns that every household and person row carries after its
    input columns (an exchange package's ``gid``, ``origin_site``, ``rev``).
    """

    def __init__(self, conn: Connection, chunk: int = 5000, stored_values: bool = False,
                 extra: tuple[str, ...] = ()):
        self.conn = conn
        self.chunk = chunk
        self.extra = extra
        self._household_cols = _HOUSEHOLD_COLS + extra
        self._person_cols = _PERSON_COLS + extra
        # stored_values: the caller gives dates, datetimes and booleans as SQLite stores them
        # (the demo's 700,000 persons skip a conversion per value).
        self.convert = conn.dialect.name == "sqlite" and not stored_values
        self._mark = _placeholder(conn)
        self._hh: list[tuple] = []
        self._persons: list[tuple] = []
        self._heads: list[tuple[int, int]] = []
        self._names: set[str] = set()          # names whose keys are in the temp table
        self._name_rows: list[tuple[str, str]] = []
        self._pinyin: dict[str, str] = {}
        self.first_person: int | None = None
        self.last_person: int | None = None
        self.first_household: int | None = None
        self.last_household: int | None = None
        self._heads_in_rows = False   # a household row gave its head (else set_head does)
        self.households = 0
        self.persons = 0
        self._stack = contextlib.ExitStack()

    # -- the caller's rows --

    def add_household(self, row: tuple | list, head_name: str, member_count: int) -> None:
        head_name = head_name.strip()
        pinyin = self._pinyin.get(head_name)
        if pinyin is None:
            pinyin = self._pinyin[head_name] = (household_summary(head_name, member_count)
                                                ["head_pinyin"])
        n = len(HOUSEHOLD_INPUT)
        self._hh.append((*row[:n], head_name, pinyin, member_count, *row[n:]))
        hid = row[0]
        if row[_HEAD_AT] is not None:
            self._heads_in_rows = True
        if self.first_household is None or hid < self.first_household:
            self.first_household = hid
        if self.last_household is None or hid > self.last_household:
            self.last_household = hid
        if len(self._hh) >= self.chunk:
            self.flush_households()

    def add_person(self, row: tuple | list) -> None:
        pid, name = row[0], row[2]
        self._persons.append((*row[:4], id_number_rev(row[3]), *row[4:]))
        if self.first_person is None or pid < self.first_person:
            self.first_person = pid
        if self.last_person is None or pid > self.last_person:
            self.last_person = pid
        if name not in self._names:
            self._names.add(name)
            self._name_rows.extend((name, k) for k in sorted(search_keys(name)))
        if len(self._persons) >= self.chunk:
            self.flush_persons()

    def set_head(self, person_id: int, household_id: int) -> None:
        self._heads.append((person_id, household_id))

    # -- writing --

    def insert_rows(self, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
        """Rows of a table that depends on the registry's (a household's incomes, its
        property), written the writer's fast way (SQLite: one executemany; PostgreSQL: COPY)."""
        self._insert(table, cols, rows)


    def _insert(self, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        typed = [i for i, c in enumerate(cols) if c in _TYPED_COLUMNS]
        if self.convert and typed:
            conv = _sqlite_value_of
            converted = []
            for r in rows:
                r = list(r)
                for i in typed:
                    r[i] = conv(r[i])
                converted.append(tuple(r))
            rows = converted
        if self._mark is not None:
            marks = ", ".join([self._mark] * len(cols))
            self.conn.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
        elif self.conn.dialect.name == "postgresql":
            # COPY: one stream per chunk instead of a statement per row. Its text format
            # takes the values as given (dates as dates or ISO text, booleans as bool or 0/1):
            # the server reads them as the columns' types.
            cursor = self.conn.connection.dbapi_connection.cursor()
            try:
                with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            finally:
                cursor.close()
        else:  # any other database: through SQLAlchemy, values typed as the columns declare
            stmt = text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                        f"({', '.join(':' + c for c in cols)})")
            self.conn.execute(stmt, _typed_for(table, cols, rows))

    def flush_households(self) -> None:
        self._insert("households", self._household_cols, self._hh)
        self.households += len(self._hh)
        self._hh = []

    def flush_persons(self) -> None:
        self.flush_households()  # the persons' households exist first
        self._insert("persons", self._person_cols, self._persons)
        self.persons += len(self._persons)
        self._persons = []
        self._insert(_NAME_KEYS_TABLE, ("name", "key"), self._name_rows)
        self._name_rows = []

    def __enter__(self) -> "BulkWriter":
        bypassed = self._stack.enter_context(triggers_bypassed(self.conn, BULK_TRIGGERS))
        self._stack.enter_context(inputs_advanced_once(self.conn, BULK_INPUT_TABLES))
        self.write_memberships = bypassed
        # No key while it fills: each name's keys are added once (the writer remembers the
        # names), and an index built at the end (finish) costs half of 300,000 inserts into
        # a key in the order names come.
        self.conn.execute(text(f"CREATE TEMPORARY TABLE {_NAME_KEYS_TABLE} ("
                               "name VARCHAR(64) NOT NULL, key VARCHAR(128) NOT NULL)"))
        self._stack.push(self._drop_name_keys)
        return self

    def _drop_name_keys(self, exc_type, exc, tb) -> bool:
        """Drop the temporary table. After an error the transaction may already be gone
        (a cancel interrupts SQLite and rolls back, taking the table with it; PostgreSQL
        refuses every statement in an aborted transaction): the drop's own failure must not
        replace the error the user should see."""
        try:
            self.conn.execute(text(f"DROP TABLE IF EXISTS {_NAME_KEYS_TABLE}"))
        except Exception:
            if exc_type is None:
                raise
            log.debug("temporary table not dropped after %s", exc_type.__name__, exc_info=True)
        return False

    def __exit__(self, exc_type, exc, tb) -> None:
        # the error, if any, goes into the stack: what runs only after success is skipped
        try:
            if exc_type is None:
                self.finish()
        except BaseException as failed:
            self._stack.__exit__(type(failed), failed, failed.__traceback__)
            raise
        self._stack.__exit__(exc_type, exc, tb)

    def finish(self) -> None:
        """Write what is buffered, then the set-based part: heads and their ID numbers,
        search keys, memberships."""
        self.flush_persons()
        if self._heads:
            # the head's ID number in the same statement: one write of each row
            mark = self._mark or "?"
            self.conn.exec_driver_sql(
                f"UPDATE households SET head_person_id = {mark}, head_id_number = COALESCE("
                f"(SELECT id_number FROM persons WHERE id = {mark}), '') WHERE id = {mark}",
                [(pid, pid, hid) for pid, hid in self._heads])
            self._heads = []
        if self._heads_in_rows:   # heads given in the rows (the demo): set-based
            span = {"first": self.first_household, "last": self.last_household}
            for stmt in _HEAD_ID_SQL.get(self.conn.dialect.name, _HEAD_ID_SQL["sqlite"]):
                self.conn.execute(stmt, span)
            self._heads_in_rows = False
        self.first_household = self.last_household = None
        if self.first_person is None:
            return
        span = {"first": self.first_person, "last": self.last_person}
        self.conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {_NAME_KEYS_TABLE}_name "
                                  f"ON {_NAME_KEYS_TABLE} (name, key)")
        if self.conn.dialect.name == "postgresql":
            # fresh rows have no statistics (autovacuum never sees the temporary table): the
            # join below would be planned for empty tables, as nested loops
            self.conn.exec_driver_sql(f"ANALYZE {_NAME_KEYS_TABLE}")
            self.conn.exec_driver_sql("ANALYZE persons")
        self.conn.execute(_SEARCH_KEYS_SQL, span)
        if self.write_memberships:
            self.conn.execute(_MEMBERSHIPS_SQL, {**span, "today": utcnow().date()})
        self.first_person = self.last_person = None
