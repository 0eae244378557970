"""PostgreSQL: roster totals and bank-return sums as 64-bit integers

A city's monthly dibao roster pays about 136 million yuan, 13,637,711,900 fen: beyond a
32-bit INTEGER (2,147,483,647 fen, 21.5 million yuan). SQLite's INTEGER is 64-bit, so only
PostgreSQL refused the build ("integer out of range" in the totals' UPDATE). ``rosters.total_fen``
and ``bank_returns.paid_fen`` / ``failed_fen`` become BIGINT there; single lines and grants
stay INTEGER (one line is far below the limit). SQLite: nothing to do.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 05:35:00
"""
from alembic import op

from assistcase.sqldialect import is_pg

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

_COLUMNS = (("rosters", "total_fen"), ("bank_returns", "paid_fen"),
            ("bank_returns", "failed_fen"))


def upgrade() -> None:
    if is_pg(op.get_bind()):
        for table, column in _COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")


def downgrade() -> None:
    if is_pg(op.get_bind()):
        for table, column in _COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER")
