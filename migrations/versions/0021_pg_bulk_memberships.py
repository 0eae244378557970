"""PostgreSQL: the bulk registry writer bypasses the membership trigger per transaction

SQLite's bulk path (services/registry_writer.py, BulkWriter) drops
``trg_persons_membership_insert`` inside its transaction and writes the memberships itself,
set-based. On PostgreSQL the trigger fired for every person written in bulk (a PL/pgSQL call
and a one-row INSERT each: about 0.3 ms, minutes for a city's 700,000 persons). Its WHEN now
also reads the transaction-local setting ``assistcase.bulk_registry``, which only the bulk
writer sets (``SET LOCAL``, so it ends with the transaction, as SQLite's drop is rolled back
or the trigger re-created); the writer then writes the same memberships set-based. No table
lock, nothing changes for any other writer. SQLite: nothing to do.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 02:50:00
"""
from alembic import op

from assistcase.sqldialect import is_pg

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

_TRIGGER = "trg_persons_membership_insert"
_WHEN_BEFORE = "NEW.household_id IS NOT NULL"
_WHEN_AFTER = ("NEW.household_id IS NOT NULL"
               " AND current_setting('assistcase.bulk_registry', true) IS DISTINCT FROM 'on'")


def _recreate(when: str) -> None:
    op.execute(f"DROP TRIGGER {_TRIGGER} ON persons")
    op.execute(f"CREATE TRIGGER {_TRIGGER} AFTER INSERT ON persons FOR EACH ROW"
               f" WHEN ({when}) EXECUTE FUNCTION {_TRIGGER}_fn()")


def upgrade() -> None:
    if is_pg(op.get_bind()):
        _recreate(_WHEN_AFTER)


def downgrade() -> None:
    if is_pg(op.get_bind()):
        _recreate(_WHEN_BEFORE)
