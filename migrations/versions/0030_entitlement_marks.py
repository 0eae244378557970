"""Which month's entitlements are current: a generation of their inputs and marks (issue 14)

A roster build recomputes the month's entitlements of its area inside its own transaction
(the lines and the amounts they pay are written together). Right after the month's
recalculation of the same area nothing it reads has changed, and the recomputation wrote the
same rows again: at city scale on PostgreSQL, 5 of the build's 10 seconds.

``entitlement_guard`` holds one row whose ``generation`` the database advances whenever
something a month's computation reads is written, by anyone (a service, an import, an
exchange, SQL typed by hand):

- any row of ``standards``, ``policy_settings``, ``household_memberships``, ``incomes``,
  ``case_members`` (inserted, updated, deleted);
- ``areas``, ``assistance_cases``, ``households`` and ``persons`` inserted or deleted, and
  updated in the columns the computation reads (a phone number or a name does not count).

SQLite: a trigger per table and kind of write, each row; PostgreSQL: one statement trigger
per table (INSERT, UPDATE OF those columns, DELETE, TRUNCATE) calling one function. The bulk
writers of the registry and the demo bypass the SQLite row triggers as they do the others and
advance the generation once (services/registry_writer.guard_bypassed).

``entitlement_marks`` records, for a month, an area and a program, the generation its
entitlements were computed at (services/recalc.py). A build whose area, month and program
have a mark at the current generation pays the rows as they are; any other build recomputes.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 21:00:00
"""
import sqlalchemy as sa
from alembic import op

from assistcase.sqldialect import is_pg

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

# table: the columns whose update changes a computation (None: every column)
INPUTS = {
    "areas": ("parent_id", "level", "code"),
    "standards": None,
    "policy_settings": None,
    "assistance_cases": ("program", "household_id", "self_care", "paid_from", "paid_until"),
    "households": ("village_id", "residence_class"),
    "household_memberships": None,
    "incomes": None,
    "case_members": None,
    "persons": ("birth_date", "disability_grade", "serious_illness", "in_school"),
}
ADVANCE = "UPDATE entitlement_guard SET generation = generation + 1 WHERE id = 1;"
PG_FUNCTION = "entitlement_inputs_changed_fn"


def _update(table: str) -> str:
    """The kind of update that counts: of the columns the computation reads, or any."""
    columns = INPUTS[table]
    return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"


def sqlite_triggers(table: str) -> dict[str, str]:
    """The SQLite triggers on ``table``, by name."""
    update = _update(table)
    return {f"trg_{table}_inputs_{kind}":
            f"CREATE TRIGGER trg_{table}_inputs_{kind} AFTER {when} ON {table}"
            f" BEGIN {ADVANCE} END"
            for kind, when in (("insert", "INSERT"), ("update", update), ("delete", "DELETE"))}


def pg_trigger_sql(table: str) -> str:
    return (f"CREATE TRIGGER trg_{table}_inputs AFTER INSERT OR {_update(table)} OR DELETE"
            " OR TRUNCATE"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()")


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "entitlement_guard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_entitlement_guard_one_row"),
        sa.PrimaryKeyConstraint("id", name="pk_entitlement_guard"))
    op.execute("INSERT INTO entitlement_guard (id, generation) VALUES (1, 0)")
    op.create_table(
        "entitlement_marks",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("program", sa.String(length=8), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("rules", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "area_id", "program", name="pk_entitlement_marks"))
    if is_pg(bind):
        op.execute(f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$"
                   f" BEGIN {ADVANCE} RETURN NULL; END $fn$")
        for table in INPUTS:
            op.execute(pg_trigger_sql(table))
    else:
        for table in INPUTS:
            for sql in sqlite_triggers(table).values():
                op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    for table in INPUTS:
        if is_pg(bind):
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_inputs ON {table}")
        else:
            for name in sqlite_triggers(table):
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if is_pg(bind):
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    op.drop_table("entitlement_marks")
    op.drop_table("entitlement_guard")
