"""exchange: records that travel between a township and its bureau

Every record kind a township writes (households, persons, incomes, property, cases and their
steps, temporary-aid cases, liaison visits) gets a global id that never changes (``gid``, 32
hex digits, given to existing rows here), the site that created it and a revision; new tables
hold the sites, the packages, the common base of each exchanged record, conflicts and
duplicate tickets (DOMAIN §13). Plain ADD COLUMN / CREATE INDEX only (no table rebuilt).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 23:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLES = ("households", "persons", "incomes", "property_items", "assistance_cases",
          "case_events", "aid_cases", "liaison_visits")


def upgrade() -> None:
    bind = op.get_bind()
    new_gid = ("lower(hex(randomblob(16)))" if bind.dialect.name == "sqlite"
               else "replace(gen_random_uuid()::text, '-', '')")
    for table in TABLES:
        op.add_column(table, sa.Column('gid', sa.String(length=32), nullable=True))
        op.add_column(table, sa.Column('origin_site', sa.String(length=16), nullable=True))
        op.add_column(table, sa.Column('rev', sa.Integer(), server_default='0', nullable=False))
        op.execute(f"UPDATE {table} SET gid = {new_gid}")
        op.create_index(f'ix_{table}_gid', table, ['gid'], unique=True)

    op.create_table('exchange_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('is_self', sa.Boolean(), nullable=False),
    sa.Column('key_b64', sa.String(length=64), nullable=True),
    sa.Column('next_out_seq', sa.Integer(), nullable=False),
    sa.Column('last_in_seq', sa.Integer(), nullable=False),
    sa.Column('acked_feed_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_exchange_sites_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_sites')),
    sa.UniqueConstraint('code', name=op.f('uq_exchange_sites_code'))
    )
    op.create_table('exchange_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_code', sa.String(length=16), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('base_seq', sa.Integer(), nullable=False),
    sa.Column('feed_high', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('counts', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exchange_packages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_packages')),
    sa.UniqueConstraint('site_code', 'direction', 'seq', name=op.f('uq_exchange_packages_site_code_direction_seq'))
    )
    op.create_table('sync_base',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('gid', sa.String(length=32), nullable=False),
    sa.Column('rev', sa.Integer(), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_base')),
    sa.UniqueConstraint('entity', 'gid', name=op.f('uq_sync_base_entity_gid'))
    )
    op.create_table('sync_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('gid', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('base_value', sa.Text(), nullable=True),
    sa.Column('local_value', sa.Text(), nullable=True),
    sa.Column('remote_value', sa.Text(), nullable=True),
    sa.Column('local_by', sa.String(length=64), nullable=False),
    sa.Column('local_at', sa.String(length=32), nullable=False),
    sa.Column('remote_site', sa.String(length=16), nullable=False),
    sa.Column('remote_by', sa.String(length=64), nullable=False),
    sa.Column('remote_at', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('resolution', sa.String(length=8), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_sync_conflicts_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_conflicts'))
    )
    op.create_table('duplicate_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('person_gid', sa.String(length=32), nullable=False),
    sa.Column('other_person_gid', sa.String(length=32), nullable=False),
    sa.Column('household_gid', sa.String(length=32), nullable=True),
    sa.Column('other_household_gid', sa.String(length=32), nullable=True),
    sa.Column('other_site', sa.String(length=16), nullable=False),
    sa.Column('other_fields', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('keep', sa.String(length=8), nullable=True),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_duplicate_tickets_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_tickets'))
    )


def downgrade() -> None:
    for name in ('duplicate_tickets', 'sync_conflicts', 'sync_base', 'exchange_packages',
                 'exchange_sites'):
        op.drop_table(name)
    for table in TABLES:
        op.drop_index(f'ix_{table}_gid', table_name=table)
        for column in ('rev', 'origin_site', 'gid'):
            # plain DROP COLUMN (SQLite ≥ 3.35 and PostgreSQL): a batch rebuild would drop the
            # tables' triggers (roster freeze, memberships)
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
