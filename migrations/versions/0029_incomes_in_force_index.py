"""The incomes in force of a household read from one index (issue 20)

A month's recalculation sums, for each dibao case, its household's incomes in force on the
month's first day. ``ix_incomes_household_id`` found the household's rows and each was then
read from the table for its dates and amount: at city scale (179,224 cases, 547,450 incomes)
0.16 of the recalculation's CPU seconds on SQLite. ``ix_incomes_household_in_force`` holds
the household, the dates and the amount, and the sum reads the index alone. It serves every
other look-up by household as the old index did (its first column), which is dropped.

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 18:00:00
"""
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

COLUMNS = ["household_id", "valid_from", "valid_until", "monthly_fen"]


def upgrade() -> None:
    op.create_index("ix_incomes_household_in_force", "incomes", COLUMNS)
    op.drop_index("ix_incomes_household_id", table_name="incomes")


def downgrade() -> None:
    op.create_index("ix_incomes_household_id", "incomes", ["household_id"])
    op.drop_index("ix_incomes_household_in_force", table_name="incomes")
