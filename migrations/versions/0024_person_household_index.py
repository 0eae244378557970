"""The persons' households as a small covering index (issue 19)

A name, pinyin or ID-tail search finds persons, then their households: read from the table
that is one page per person (some 1,800 pages for a common given name at city scale, each
decrypted on an encrypted file); from ``ix_persons_id_household`` (id, household_id) the
same answer reads a few pages of a small index that stays in the page cache. SQLite is told
to use it (``INDEXED BY`` in services/queries.py); PostgreSQL may use it as an index-only
scan.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 11:00:00
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_persons_id_household', 'persons', ['id', 'household_id'])


def downgrade() -> None:
    op.drop_index('ix_persons_id_household', table_name='persons')
