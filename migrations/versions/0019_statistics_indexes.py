"""statistics: two covering indexes on roster_lines

The statistics of a year (issue 17: ≤ 5 s at 300,000 households, 2.5 million lines) read the
lines in two passes, each over a narrow index instead of the wide rows: money per roster,
township and class (ix_roster_lines_statistics, led by the roster), and the headcount per
case (ix_roster_lines_case_persons, led by the case, only the lines that cover persons).
Plain CREATE INDEX: the table and its freeze triggers are untouched.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 23:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_COVERED = "case_id IS NOT NULL AND persons > 0"


def upgrade() -> None:
    op.create_index('ix_roster_lines_statistics', 'roster_lines',
                    ['roster_id', 'township_code', 'residence_class', 'persons', 'base_fen',
                     'amount_fen', 'account_type', 'account_number'])
    op.create_index('ix_roster_lines_case_persons', 'roster_lines',
                    ['case_id', 'category', 'household_id', 'residence_class', 'township_code',
                     'roster_id', 'persons'],
                    sqlite_where=sa.text(_COVERED), postgresql_where=sa.text(_COVERED))


def downgrade() -> None:
    op.drop_index('ix_roster_lines_case_persons', table_name='roster_lines')
    op.drop_index('ix_roster_lines_statistics', table_name='roster_lines')
