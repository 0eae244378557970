"""The bureau's return package: standards and policy as read-only copies, received rosters

``standards.origin_site`` and ``policy_settings.origin_site``: the bureau whose return package
brought the row (NULL: entered here); a township cannot change them. ``received_rosters`` and
``received_roster_lines``: the bureau's rosters covering a township's households, with the
bank's result per line, kept apart from the township's own rosters (docs/exchange.md).
``duplicate_tickets.note``: the outcome of a ticket as it reached a township.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 07:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

MONEY = sa.BigInteger()


def upgrade() -> None:
    op.add_column('standards', sa.Column('origin_site', sa.String(length=16), nullable=True))
    op.add_column('policy_settings', sa.Column('origin_site', sa.String(length=16),
                                               nullable=True))
    op.add_column('duplicate_tickets', sa.Column('note', sa.Text(), server_default='',
                                                 nullable=False))
    op.create_table('received_rosters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_code', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=False),
    sa.Column('residence_class', sa.String(length=8), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('built_by_name', sa.String(length=64), nullable=False),
    sa.Column('reviewed_by_name', sa.String(length=64), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_name', sa.String(length=64), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('household_count', sa.Integer(), nullable=False),
    sa.Column('person_count', sa.Integer(), nullable=False),
    sa.Column('total_fen', MONEY, nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('amount_fen', MONEY, nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_rosters')),
    sa.UniqueConstraint('site_code', 'ref', name=op.f('uq_received_rosters_site_code_ref'))
    )
    op.create_table('received_roster_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_roster_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('household_gid', sa.String(length=32), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('household_number', sa.String(length=32), nullable=False),
    sa.Column('payee_name', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['received_roster_id'], ['received_rosters.id'],
                            name=op.f('fk_received_roster_lines_received_roster_id_received_rosters'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_roster_lines'))
    )
    op.create_index('ix_received_roster_lines_roster', 'received_roster_lines',
                    ['received_roster_id'])
    op.create_index('ix_received_roster_lines_household_id', 'received_roster_lines',
                    ['household_id'])


def downgrade() -> None:
    op.drop_index('ix_received_roster_lines_household_id', table_name='received_roster_lines')
    op.drop_index('ix_received_roster_lines_roster', table_name='received_roster_lines')
    op.drop_table('received_roster_lines')
    op.drop_table('received_rosters')
    # plain DROP COLUMN (SQLite ≥ 3.35 and PostgreSQL), as 0018's downgrade
    op.execute("ALTER TABLE duplicate_tickets DROP COLUMN note")
    op.execute("ALTER TABLE policy_settings DROP COLUMN origin_site")
    op.execute("ALTER TABLE standards DROP COLUMN origin_site")
