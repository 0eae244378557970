"""households.version: optimistic versioning for several clerks (issue 14)

A plain ADD COLUMN (households has triggers: it is not rebuilt). Existing households start at
version 1. Every write to a household, its members, incomes or property through the core
gives it the next version; the household editor's save names the version it read and is
refused if someone saved since (services.registry.save_household, ConcurrentEditError).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 23:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('households', sa.Column('version', sa.Integer(), nullable=False,
                                          server_default=sa.text('1')))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite ≥ 3.35): households keeps its triggers.
    op.execute("ALTER TABLE households DROP COLUMN version")
