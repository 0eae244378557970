"""roster_sums: what each approved roster pays per township and class

The statistics of a year (issue 17: ≤ 5 s at 300,000 households) read these sums, recorded
when a roster is approved (its lines are frozen from then on), instead of aggregating the
year's 2.5 million lines. Filled here for the rosters already approved.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 02:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# As services/roster_sums.py sums them today (a migration keeps its own copy).
_CASH_LINE = ("(l.account_type = 'none' OR l.account_number < '0'"
              " AND trim(l.account_number) = '')")


def upgrade() -> None:
    op.create_table(
        'roster_sums',
        sa.Column('roster_id', sa.Integer(), nullable=False),
        sa.Column('township_code', sa.String(length=12), nullable=False),
        sa.Column('residence_class', sa.String(length=8), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('cash_fen', sa.BigInteger(), nullable=False),
        sa.Column('grants', sa.Integer(), nullable=False),
        sa.Column('persons', sa.Integer(), nullable=False),
        sa.Column('base_fen', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['roster_id'], ['rosters.id'],
                                name=op.f('fk_roster_sums_roster_id_rosters'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('roster_id', 'township_code', 'residence_class',
                                name=op.f('pk_roster_sums')),
    )
    op.execute(f"""
        INSERT INTO roster_sums (roster_id, township_code, residence_class, lines, amount_fen,
                                 cash_fen, grants, persons, base_fen)
        SELECT l.roster_id, l.township_code, l.residence_class, COUNT(*), SUM(l.amount_fen),
               SUM(CASE WHEN {_CASH_LINE} THEN l.amount_fen ELSE 0 END),
               COUNT(CASE WHEN l.persons > 0 THEN 1 END), SUM(l.persons),
               SUM(CASE WHEN l.persons > 0 THEN l.base_fen ELSE 0 END)
        FROM roster_lines AS l JOIN rosters AS r ON r.id = l.roster_id
        WHERE r.status = 'approved'
        GROUP BY l.roster_id, l.township_code, l.residence_class""")


def downgrade() -> None:
    op.drop_table('roster_sums')
