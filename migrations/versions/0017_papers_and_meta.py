"""papers (a household's documents) and app_meta (the database marked as demo data)

Issue 18: files attached to a household, a case step, a temporary-aid case or a liaison visit,
kept beside the database by content hash and never deleted (a removal is marked and audited);
and a key/value table for facts about the database itself. A database the demo generator
filled (its audit log says so) is marked demo = 1.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 23:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_meta'))
    )
    op.create_table('papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.String(length=32), nullable=True),
    sa.Column('aid_case_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('added_by', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by', sa.Integer(), nullable=True),
    sa.Column('removed_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['added_by'], ['users.id'], name=op.f('fk_papers_added_by_users')),
    sa.ForeignKeyConstraint(['aid_case_id'], ['aid_cases.id'], name=op.f('fk_papers_aid_case_id_aid_cases')),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'], name=op.f('fk_papers_case_id_assistance_cases')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_papers_household_id_households')),
    sa.ForeignKeyConstraint(['removed_by'], ['users.id'], name=op.f('fk_papers_removed_by_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['liaison_visits.id'], name=op.f('fk_papers_visit_id_liaison_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_papers'))
    )
    op.create_index('ix_papers_household_id', 'papers', ['household_id'], unique=False)
    op.create_index('ix_papers_case_id', 'papers', ['case_id'], unique=False)
    op.create_index('ix_papers_aid_case_id', 'papers', ['aid_case_id'], unique=False)
    op.create_index('ix_papers_visit_id', 'papers', ['visit_id'], unique=False)
    # a database the demo generator filled is demo data
    op.execute("INSERT INTO app_meta (key, value) SELECT 'demo', '1' WHERE EXISTS ("
               "SELECT 1 FROM audit_log WHERE entity = 'household' AND source LIKE 'demo seed=%')")


def downgrade() -> None:
    op.drop_index('ix_papers_visit_id', table_name='papers')
    op.drop_index('ix_papers_aid_case_id', table_name='papers')
    op.drop_index('ix_papers_case_id', table_name='papers')
    op.drop_index('ix_papers_household_id', table_name='papers')
    op.drop_table('papers')
    op.drop_table('app_meta')
