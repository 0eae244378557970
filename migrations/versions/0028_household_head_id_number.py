"""The household carries its head's ID number (issue 19)

The household list shows the head's ID number. It was read from the head's ``persons`` row:
for a block of 50 households, besides the households' pages, some 20 pages of the persons
table, each decrypted on an encrypted file (the search by pinyin initials was 1.34× the
plain file's time, the target 1.3×). ``households.head_id_number`` holds it beside
``head_name``, and the list reads no person.

It is kept by the database, on both engines, whoever writes:

- a household inserted with a head, or whose ``head_person_id`` changes (set, changed, set
  NULL when the head leaves or is deleted): the head's ID number, '' without a head;
- a person's ID number corrected: every household it heads (an index on
  ``households.head_person_id`` finds them; PostgreSQL's key checks on deleting a person
  use it too).

The bulk registry writer (services/registry_writer.BulkWriter: the demo, the spreadsheet
import, an exchange's first package) bypasses the two households triggers as it does the
membership trigger (SQLite: dropped inside its transaction; PostgreSQL: the transaction-local
setting ``assistcase.bulk_registry`` of migration 0021 in their WHEN) and fills the column
set-based for the households it wrote.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 15:30:00
"""
import sqlalchemy as sa
from alembic import op

from assistcase.sqldialect import drop_trigger, is_pg, pg_trigger

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

INSERT_TRIGGER = "trg_households_head_id_insert"
UPDATE_TRIGGER = "trg_households_head_id_update"
PERSON_TRIGGER = "trg_persons_head_id_number"
TRIGGER_TABLES = {INSERT_TRIGGER: "households", UPDATE_TRIGGER: "households",
                  PERSON_TRIGGER: "persons"}

_NOT_BULK = "current_setting('assistcase.bulk_registry', true) IS DISTINCT FROM 'on'"

# SQLite: a trigger cannot change the row being written; the row is updated after.
_SQLITE_HEAD = ("UPDATE households SET head_id_number = COALESCE("
                "(SELECT id_number FROM persons WHERE id = NEW.head_person_id), '')"
                " WHERE id = NEW.id;")
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON households
    WHEN NEW.head_person_id IS NOT NULL
    BEGIN
        {_SQLITE_HEAD}
    END""",
    f"""CREATE TRIGGER {UPDATE_TRIGGER} AFTER UPDATE OF head_person_id ON households
    WHEN NEW.head_person_id IS NOT OLD.head_person_id
    BEGIN
        {_SQLITE_HEAD}
    END""",
    f"""CREATE TRIGGER {PERSON_TRIGGER} AFTER UPDATE OF id_number ON persons
    WHEN NEW.id_number IS NOT OLD.id_number
    BEGIN
        UPDATE households SET head_id_number = NEW.id_number WHERE head_person_id = NEW.id;
    END""",
]

# PostgreSQL: the households' row is set before it is written (no second row version).
_PG_HEAD = ("NEW.head_id_number := COALESCE("
            "(SELECT id_number FROM persons WHERE id = NEW.head_person_id), '');")


def _pg_triggers() -> list[str]:
    return [
        *pg_trigger(INSERT_TRIGGER, "households", "BEFORE INSERT", _PG_HEAD,
                    condition=f"NEW.head_person_id IS NOT NULL AND {_NOT_BULK}"),
        *pg_trigger(UPDATE_TRIGGER, "households", "BEFORE UPDATE OF head_person_id", _PG_HEAD,
                    condition="NEW.head_person_id IS DISTINCT FROM OLD.head_person_id"
                              f" AND {_NOT_BULK}"),
        *pg_trigger(PERSON_TRIGGER, "persons", "AFTER UPDATE OF id_number",
                    "UPDATE households SET head_id_number = NEW.id_number"
                    " WHERE head_person_id = NEW.id;",
                    condition="NEW.id_number IS DISTINCT FROM OLD.id_number"),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("households", sa.Column("head_id_number", sa.String(18), nullable=False,
                                          server_default=""))
    if is_pg(bind):   # a hash join over the two tables
        op.execute("UPDATE households AS h SET head_id_number = p.id_number"
                   " FROM persons AS p WHERE p.id = h.head_person_id")
    else:             # SQLite: a primary-key lookup per household
        op.execute("UPDATE households SET head_id_number = COALESCE("
                   "(SELECT p.id_number FROM persons AS p WHERE p.id = households.head_person_id),"
                   " '') WHERE head_person_id IS NOT NULL")
    op.create_index("ix_households_head_person_id", "households", ["head_person_id"])
    for sql in _pg_triggers() if is_pg(bind) else _SQLITE_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    for name, table in TRIGGER_TABLES.items():
        for sql in drop_trigger(bind, name, table):
            op.execute(sql)
    op.drop_index("ix_households_head_person_id", table_name="households")
    # SQLite drops the column in place (3.35+): a batch rebuild of the table would lose the
    # other triggers on households
    op.execute("ALTER TABLE households DROP COLUMN head_id_number")
