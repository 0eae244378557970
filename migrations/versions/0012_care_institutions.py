"""care institutions: the accounts that receive institutional-care payments

(DOMAIN §10: persons in 集中供养 are paid to the institution.) One new table, keyed by the
institution's name as cases record it; nothing else changes.

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-29 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('care_institutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('account_name', sa.String(length=100), nullable=False),
    sa.Column('bank_name', sa.String(length=64), nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_institutions')),
    sa.UniqueConstraint('name', name=op.f('uq_care_institutions_name'))
    )


def downgrade() -> None:
    op.drop_table('care_institutions')
