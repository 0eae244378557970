"""PostgreSQL: the generated tables' references checked once per statement (issue 14)

A city's dibao roster writes 179,224 lines in one ``INSERT … SELECT`` and its recalculation
228,660 entitlements. PostgreSQL checks a foreign key row by row (one trigger call and one
index probe per row and key): the lines' four keys (roster, case, household, person) were
about 22 s of the build's 41 s INSERT, the entitlements' case key about 4 s, and discarding
the draft ran the five keys naming a line (its items, adjustments, bank results, holds) per
line. Here those ten foreign keys become statement triggers that check the statement's rows
at once (a join of its transition table with the other table):

- an INSERT into ``roster_lines`` / ``entitlements`` (or into the tables naming a line) is
  refused (SQLSTATE 23503, ``foreign_key_violation``, an ``IntegrityError`` as before) if any
  row names a roster, case, household, person or line that does not exist; an UPDATE that
  changes a key is checked row by row (only rows whose key changed: the renumbering and the
  items' totals touch none);
- a DELETE from ``assistance_cases``, ``households``, ``persons`` or ``roster_lines`` is
  refused if a row still names a deleted row; a case's entitlements go with it, a roster's
  lines with it, a line's items and holds with it (the cascades the foreign keys had, one
  DELETE per statement, before the refusals are checked); changing the ``id`` of a row that is
  referred to is refused.

Concurrency, as the foreign keys' row locks had it: the inserting statement locks the rosters
it writes to (FOR KEY SHARE, a handful of rows); the deleting side locks the tables that name
its rows in SHARE ROW EXCLUSIVE mode (in the order a roster build writes them: entitlements,
lines, the lines' items) before it looks, so a row being written by a transaction in flight
is waited for and then seen, and a writer that comes after sees the row gone. Deletions of
cases, households and persons are rare registry corrections, of lines a draft's rebuild or
discard; they wait for writers of those tables in progress.

SQLite keeps its foreign keys (checked in the same B-tree pass as the insert).

Both engines: ``ix_roster_lines_aid_case_id`` is dropped. Every query by a line's temporary-aid
case also asks ``persons > 0`` (services/aid.py), which ``uq_roster_lines_aid_grant`` (partial,
unique) answers; the plain index only cost an entry per line, NULL for every monthly line.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 12:40:00
"""
from alembic import op

from assistcase.sqldialect import is_pg

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# (table, column, referred table, ON DELETE): the foreign keys this replaces on PostgreSQL
REFERENCES = (("roster_lines", "roster_id", "rosters", "CASCADE"),
              ("roster_lines", "case_id", "assistance_cases", None),
              ("roster_lines", "household_id", "households", None),
              ("roster_lines", "person_id", "persons", None),
              ("entitlements", "case_id", "assistance_cases", "CASCADE"),
              # what names a line: deleting a draft's 179,224 lines ran five foreign-key
              # triggers and three key look-ups per line (9 s at city scale)
              ("roster_line_items", "line_id", "roster_lines", "CASCADE"),
              ("roster_line_items", "ref_line_id", "roster_lines", None),
              ("roster_adjustments", "original_line_id", "roster_lines", None),
              ("payment_results", "line_id", "roster_lines", None),
              ("held_lines", "line_id", "roster_lines", "CASCADE"))
# in the order a roster build writes them (entitlements, lines, the lines' items): a deletion
# locks them in this order
CHILDREN = ("entitlements", "roster_lines", "roster_line_items", "roster_adjustments",
            "payment_results", "held_lines")
PARENTS = ("rosters", "assistance_cases", "households", "persons", "roster_lines")


def _fk_name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def _refuse(message: str) -> str:
    assert "'" not in message
    return (f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
            f"MESSAGE = '{message}';")


def _function(name: str, body: str, result: str = "NULL") -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
        {body}
        RETURN {result};
        END
        $fn$"""


def _child_statements(table: str) -> list[str]:
    """The INSERT check (one per statement) and the UPDATE check (per row whose key changed)
    of a child table."""
    refs = [(col, ref) for t, col, ref, _ in REFERENCES if t == table]
    insert_body = ""
    if table == "roster_lines":
        # the rosters written to stay until this transaction ends (a concurrent discard
        # waits, then deletes these lines with the roster)
        insert_body += ("PERFORM 1 FROM rosters WHERE id IN (SELECT DISTINCT roster_id"
                        " FROM new_rows) FOR KEY SHARE;\n")
    update_body, changed = "", []
    for col, ref in refs:
        message = f"{table}.{col} refers to a missing {ref} row"
        insert_body += f"""
        IF EXISTS (SELECT 1 FROM new_rows AS x WHERE x.{col} IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM {ref} AS p WHERE p.id = x.{col})) THEN
            {_refuse(message)}
        END IF;"""
        update_body += f"""
        IF NEW.{col} IS DISTINCT FROM OLD.{col} AND NEW.{col} IS NOT NULL THEN
            PERFORM 1 FROM {ref} WHERE id = NEW.{col} FOR KEY SHARE;
            IF NOT FOUND THEN {_refuse(message)} END IF;
        END IF;"""
        changed.append(f"OLD.{col} IS DISTINCT FROM NEW.{col}")
    return [
        _function(f"trg_{table}_refs_insert_fn", insert_body),
        f"CREATE TRIGGER trg_{table}_refs_insert AFTER INSERT ON {table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        f" EXECUTE FUNCTION trg_{table}_refs_insert_fn()",
        _function(f"trg_{table}_refs_update_fn", update_body),
        f"CREATE TRIGGER trg_{table}_refs_update AFTER UPDATE ON {table} FOR EACH ROW"
        f" WHEN ({' OR '.join(changed)}) EXECUTE FUNCTION trg_{table}_refs_update_fn()",
    ]


def _parent_statements(parent: str) -> list[str]:
    """The DELETE guard and cascade (one per statement) and the refusal to change a referred
    row's id."""
    refs = [(t, col, on_delete) for t, col, ref, on_delete in REFERENCES if ref == parent]
    children = [t for t in CHILDREN if any(t == r[0] for r in refs)]
    delete_body = ""
    if parent != "rosters":
        # in a roster build's order (entitlements, then lines): see the module docstring
        delete_body += f"LOCK TABLE {', '.join(children)} IN SHARE ROW EXCLUSIVE MODE;\n"
    update_body = ""
    for table, col, on_delete in sorted(refs, key=lambda r: r[2] != "CASCADE"):
        message = f"{parent} row is still referred to by {table}.{col}"
        if on_delete == "CASCADE":
            delete_body += (f"DELETE FROM {table} WHERE {col} IN"
                            f" (SELECT id FROM old_rows);\n")
        else:
            delete_body += f"""
        IF EXISTS (SELECT 1 FROM old_rows AS o JOIN {table} AS c ON c.{col} = o.id) THEN
            {_refuse(message)}
        END IF;"""
        update_body += f"""
        IF EXISTS (SELECT 1 FROM {table} WHERE {col} = OLD.id) THEN
            {_refuse(message)}
        END IF;"""
    return [
        _function(f"trg_{parent}_refs_delete_fn", delete_body),
        f"CREATE TRIGGER trg_{parent}_refs_delete AFTER DELETE ON {parent}"
        f" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
        f" EXECUTE FUNCTION trg_{parent}_refs_delete_fn()",
        _function(f"trg_{parent}_refs_key_fn", update_body, result="NEW"),
        f"CREATE TRIGGER trg_{parent}_refs_key BEFORE UPDATE ON {parent} FOR EACH ROW"
        f" WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION trg_{parent}_refs_key_fn()",
    ]


def _triggers() -> list[tuple[str, str]]:
    """(trigger, table) of every trigger this migration makes."""
    return ([(f"trg_{t}_refs_{w}", t) for t in CHILDREN for w in ("insert", "update")]
            + [(f"trg_{p}_refs_{w}", p) for p in PARENTS for w in ("delete", "key")])


def upgrade() -> None:
    op.drop_index('ix_roster_lines_aid_case_id', table_name='roster_lines')
    if not is_pg(op.get_bind()):
        return
    for table, column, referred, _ in REFERENCES:
        op.drop_constraint(_fk_name(table, column, referred), table, type_='foreignkey')
    for table in CHILDREN:
        for sql in _child_statements(table):
            op.execute(sql)
    for parent in PARENTS:
        for sql in _parent_statements(parent):
            op.execute(sql)


def downgrade() -> None:
    if is_pg(op.get_bind()):
        for name, table in _triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
        for table, column, referred, on_delete in REFERENCES:
            op.create_foreign_key(_fk_name(table, column, referred), table, referred,
                                  [column], ['id'], ondelete=on_delete)
    op.create_index('ix_roster_lines_aid_case_id', 'roster_lines', ['aid_case_id'])
