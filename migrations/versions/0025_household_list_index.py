"""The household list's columns as a small covering index (issue 19)

A search's households are tested for their status (and the user's villages, a category) and
sorted by number: read from the table, that is a page per household (some 1,200 pages for a
common given name at city scale, each decrypted on an encrypted file); from
``ix_households_list`` (id, status, number, village_id, category) the same answer reads a
small index that stays in the page cache. SQLite is told to use it (``INDEXED BY`` in
services/queries.py); PostgreSQL may use it as an index-only scan.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 13:00:00
"""
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_households_list', 'households',
                    ['id', 'status', 'number', 'village_id', 'category'])


def downgrade() -> None:
    op.drop_index('ix_households_list', table_name='households')
