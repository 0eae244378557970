"""standards and policy settings: the notice each figure comes from; dated policy settings

(DOMAIN §5, §8; issue 11.)
- standards and policy_settings get the notice they come from: source_title (文件标题),
  source_number (文号), source_issued_on (发文日期); empty for the rows entered before.
- policy_settings get effective_from: the value in force on a date is the row with the latest
  effective_from on or before it, so a change from a date adds a row and past months keep the
  value they had. Existing rows are given 1900-01-01, earlier than any month the app pays, so
  every month computed before this revision resolves to the same value after it.
  The unique constraint becomes (area_id, key, effective_from); SQLite rebuilds
  policy_settings for it (batch mode; the table has no triggers).

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

EARLY = '1900-01-01'


def _source_columns(table: str) -> None:
    op.add_column(table, sa.Column('source_title', sa.String(length=200), nullable=False,
                                   server_default=''))
    op.add_column(table, sa.Column('source_number', sa.String(length=64), nullable=False,
                                   server_default=''))
    op.add_column(table, sa.Column('source_issued_on', sa.Date(), nullable=True))


def upgrade() -> None:
    _source_columns('standards')
    _source_columns('policy_settings')
    op.add_column('policy_settings', sa.Column('effective_from', sa.Date(), nullable=True))
    op.execute(f"UPDATE policy_settings SET effective_from = '{EARLY}'")
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.alter_column('effective_from', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint('uq_policy_settings_area_id_key', type_='unique')
        batch_op.create_unique_constraint('uq_policy_settings_area_id_key_effective_from',
                                          ['area_id', 'key', 'effective_from'])


def downgrade() -> None:
    # Keep only the latest value of each area and key (the one in force today).
    op.execute("DELETE FROM policy_settings WHERE EXISTS (SELECT 1 FROM policy_settings AS p "
               "WHERE p.area_id = policy_settings.area_id AND p.key = policy_settings.key "
               "AND p.effective_from > policy_settings.effective_from)")
    with op.batch_alter_table('policy_settings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_policy_settings_area_id_key_effective_from', type_='unique')
        batch_op.create_unique_constraint('uq_policy_settings_area_id_key', ['area_id', 'key'])
        batch_op.drop_column('effective_from')
        batch_op.drop_column('source_issued_on')
        batch_op.drop_column('source_number')
        batch_op.drop_column('source_title')
    with op.batch_alter_table('standards', schema=None) as batch_op:
        batch_op.drop_column('source_issued_on')
        batch_op.drop_column('source_number')
        batch_op.drop_column('source_title')
