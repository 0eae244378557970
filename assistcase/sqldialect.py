"""The few SQL spellings that differ between SQLite and PostgreSQL, for migrations and the
services' hand-written statements (issue 14: one schema, both engines).

SQLite triggers are ``CREATE TRIGGER … BEGIN … RAISE(ABORT, …) END``; PostgreSQL's are a
PL/pgSQL function and a ``CREATE TRIGGER … EXECUTE FUNCTION``. :func:`pg_trigger` writes both
statements from the trigger's body; the error raised is SQLSTATE 23000 (integrity constraint
violation), so SQLAlchemy reports it as ``IntegrityError`` on both engines, with the same
message text.

PostgreSQL sessions run in UTC (``make_engine``), so ``CURRENT_DATE`` is SQLite's
``date('now')``.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.sql.visitors import InternalTraversal


def dialect_name(bind) -> str:
    return bind.dialect.name


def is_pg(bind) -> bool:
    return bind.dialect.name == "postgresql"


def pg_raise(message: str) -> str:
    """A PL/pgSQL statement refusing the row with ``message`` (no quotes in it)."""
    assert "'" not in message
    return (f"RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', "
            f"MESSAGE = '{message}';")


def pg_trigger(name: str, table: str, when: str, body: str, *, row: bool = True,
               condition: str | None = None, referencing: str = "") -> list[str]:
    """The function and the trigger for a PostgreSQL trigger named ``name`` on ``table``.

    ``when``: e.g. ``BEFORE UPDATE`` or ``AFTER INSERT``; ``body``: PL/pgSQL statements;
    ``row``: FOR EACH ROW (else FOR EACH STATEMENT, with ``referencing`` e.g.
    ``REFERENCING NEW TABLE AS new_rows`` for the statement's rows); ``condition``: the
    trigger's WHEN (no subqueries allowed there: they go into the body)."""
    ret = "RETURN NULL;" if not row else (
        "RETURN OLD;" if "DELETE" in when.upper() and "BEFORE" in when.upper() else
        "RETURN NEW;")
    fn = f"""
        CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
        {body}
        {ret}
        END
        $fn$"""
    each = "FOR EACH ROW" if row else "FOR EACH STATEMENT"
    cond = f" WHEN ({condition})" if condition else ""
    trg = (f"CREATE TRIGGER {name} {when} ON {table} {referencing} {each}{cond} "
           f"EXECUTE FUNCTION {name}_fn()")
    return [fn, trg]


def drop_trigger(bind, name: str, table: str) -> list[str]:
    if is_pg(bind):
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP FUNCTION IF EXISTS {name}_fn()"]
    return [f"DROP TRIGGER IF EXISTS {name}"]


# --- expressions -------------------------------------------------------------------------------

def today(bind) -> str:
    return "CURRENT_DATE" if is_pg(bind) else "date('now')"


def now(bind) -> str:
    """The current UTC time as stored in DateTime columns."""
    return "LOCALTIMESTAMP(0)" if is_pg(bind) else "datetime('now')"


def next_month_start(bind) -> str:
    return ("(date_trunc('month', CURRENT_DATE) + interval '1 month')::date" if is_pg(bind)
            else "date('now', 'start of month', '+1 month')")


def month_start(bind, expr: str) -> str:
    return (f"date_trunc('month', {expr})::date" if is_pg(bind)
            else f"date({expr}, 'start of month')")


def month_text(bind, expr: str) -> str:
    """The first of the month of a date column as 'YYYY-MM-01' text."""
    if is_pg(bind):
        return f"to_char({expr}, 'YYYY-MM') || '-01'"
    return f"substr({expr}, 1, 7) || '-01'"


def greatest(bind) -> str:
    """The scalar maximum of its arguments (SQLite's two-argument MAX)."""
    return "GREATEST" if is_pg(bind) else "MAX"


def least(bind) -> str:
    return "LEAST" if is_pg(bind) else "MIN"


def sql_bool(bind, value: bool) -> str:
    """A boolean literal: SQLite's 1/0 (its partial indexes are written with them, and the
    planner matches them literally), PostgreSQL's TRUE/FALSE."""
    if hasattr(bind, "get_bind"):
        bind = bind.get_bind()
    if is_pg(bind):
        return "TRUE" if value else "FALSE"
    return "1" if value else "0"


def is_not(bind) -> str:
    """Null-safe inequality."""
    return "IS DISTINCT FROM" if is_pg(bind) else "IS NOT"


# --- SQLite-flavoured driver SQL on PostgreSQL --------------------------------------------------
#
# The services' few hand-written statements for speed (``exec_driver_sql``) use SQLite's qmark
# parameters (``?``) and its ``temp.`` schema. On PostgreSQL (psycopg: ``%s``) they are
# rewritten once per statement text, outside string literals and quoted names.

import re as _re
from functools import lru_cache as _lru_cache

_TOKENS = _re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%|\btemp\.|\bWITHOUT ROWID\b",
                      _re.I)


@_lru_cache(maxsize=512)
def pg_driver_sql(sql: str, with_params: bool) -> str:
    def sub(m: "_re.Match[str]") -> str:
        tok = m.group(0)
        if tok == "?":
            return "%s"
        if tok == "%":
            return "%%" if with_params else "%"
        if tok.lower() == "temp.":
            return "pg_temp."
        if tok.upper() == "WITHOUT ROWID":
            return ""
        return tok  # a literal or a quoted name, unchanged
    return _TOKENS.sub(sub, sql)


# --- SQLite's index hint ------------------------------------------------------------------


class IndexedBy(Alias):
    """``table AS name INDEXED BY index`` on SQLite, a plain ``table AS name`` elsewhere.

    SQLite's planner prefers the rowid for ``id IN (…)`` even where a small covering index
    answers the query from pages that stay cached (each page of an encrypted file read from
    the disk is decrypted): ``INDEXED BY`` tells it which index to use. PostgreSQL chooses
    from its statistics and gets no hint. Build with :meth:`of`; SQLAlchemy's own ``with_hint``
    renders nothing on SQLite."""

    inherit_cache = True
    _index: str = ""
    _traverse_internals = Alias._traverse_internals + [("_index", InternalTraversal.dp_string)]

    @classmethod
    def of(cls, table: Table, index: str, name: str | None = None) -> "IndexedBy":
        alias = cls._construct(table, name=name or table.name)
        alias._index = index
        return alias


@compiles(IndexedBy)
def _plain_alias(element: IndexedBy, compiler, **kw) -> str:  # noqa: ANN001
    return compiler.visit_alias(element, **kw)


@compiles(IndexedBy, "sqlite")
def _sqlite_indexed_by(element: IndexedBy, compiler, **kw) -> str:  # noqa: ANN001
    text = compiler.visit_alias(element, **kw)
    if kw.get("asfrom") and not kw.get("ashint"):
        text += f" INDEXED BY {compiler.preparer.quote(element._index)}"
    return text

