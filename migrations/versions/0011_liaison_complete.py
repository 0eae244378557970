"""liaison complete: dated frequency rules, province-administered counties, one visit a day,
institutions' quarterly results (DOMAIN §2, §11; issue 21)

- ``areas.province_administered`` (省直管县(市)): a plain ADD COLUMN (``areas`` has no triggers,
  but every table refers to it, so it is not rebuilt), set for Henan's ten.
- ``liaison_rule_versions``: how often each rule requires contact from a date on; seeded with
  one version per rule (its current period and minimum) from 2000-01-01.
- ``liaison_visits``: duplicates (same leader, institution and day) are merged into the first
  one (their findings and problems appended, their rectifications moved to it), then the
  index on the three columns becomes unique.
- ``liaison_institution_results``: long-stay persons, family search, outside placements per
  quarter.

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-29 20:40:00
"""
from alembic import op
import sqlalchemy as sa

from assistcase.sqldialect import is_pg, now


revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None

# DOMAIN §2: Henan's ten province-administered counties and county-level cities (since 2014),
# by 6-digit county code and name (长垣市 also under its old code, 410728).
HENAN_PROVINCE_ADMINISTERED = {
    "410181": "巩义市", "410225": "兰考县", "410482": "汝州市", "410526": "滑县",
    "410783": "长垣市", "410728": "长垣市", "411381": "邓州市", "411481": "永城市",
    "411525": "固始县", "411628": "鹿邑县", "411729": "新蔡县",
}


def upgrade() -> None:
    op.add_column('areas', sa.Column('province_administered', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    names = sorted(set(HENAN_PROVINCE_ADMINISTERED.values()))
    op.get_bind().execute(sa.text(
        "UPDATE areas SET province_administered = TRUE WHERE level = 'county' "
        "AND code LIKE '41%' AND name IN (" + ", ".join(f"'{n}'" for n in names) + ")"))

    op.create_table('liaison_rule_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_code', sa.String(length=32), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('min_contacts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("period IN ('month','quarter','half','year')", name=op.f('ck_liaison_rule_versions_period')),
    sa.CheckConstraint('min_contacts >= 1', name=op.f('ck_liaison_rule_versions_min_contacts')),
    sa.ForeignKeyConstraint(['rule_code'], ['liaison_rules.code'], name=op.f('fk_liaison_rule_versions_rule_code_liaison_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_rule_versions')),
    sa.UniqueConstraint('rule_code', 'effective_from', name=op.f('uq_liaison_rule_versions_rule_code_effective_from'))
    )
    op.get_bind().execute(sa.text(
        "INSERT INTO liaison_rule_versions (rule_code, effective_from, period, min_contacts, "
        f"created_at) SELECT code, '2000-01-01', period, min_contacts, {now(op.get_bind())} "
        "FROM liaison_rules"))

    op.create_table('liaison_institution_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('quarter_start', sa.Date(), nullable=False),
    sa.Column('long_stay_start', sa.Integer(), nullable=False),
    sa.Column('long_stay_end', sa.Integer(), nullable=False),
    sa.Column('long_stay_new', sa.Integer(), nullable=False),
    sa.Column('returned_home', sa.Integer(), nullable=False),
    sa.Column('outside_placements', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('long_stay_start >= 0 AND long_stay_end >= 0 AND long_stay_new >= 0 AND returned_home >= 0 AND outside_placements >= 0', name=op.f('ck_liaison_institution_results_counts')),
    sa.ForeignKeyConstraint(['institution_id'], ['liaison_institutions.id'], name=op.f('fk_liaison_institution_results_institution_id_liaison_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_institution_results')),
    sa.UniqueConstraint('institution_id', 'quarter_start', name=op.f('uq_liaison_institution_results_institution_id_quarter_start'))
    )

    # Merge duplicate visits into the first of each (leader, institution, day).
    conn = op.get_bind()
    conn.execute(sa.text("""
        CREATE TEMP TABLE _visit_keep AS
        SELECT v.id AS id, k.keep AS keep FROM liaison_visits v JOIN (
            SELECT leader_id, institution_id, visited_on, min(id) AS keep
            FROM liaison_visits GROUP BY leader_id, institution_id, visited_on
            HAVING count(*) > 1) k
          ON k.leader_id = v.leader_id AND k.institution_id = v.institution_id
         AND k.visited_on = v.visited_on
        WHERE v.id <> k.keep"""))
    for col in ("findings", "problems"):  # the texts of the merged visits, in order
        if is_pg(conn):
            conn.execute(sa.text(f"""
            UPDATE liaison_visits SET {col} = coalesce((
                SELECT string_agg(d.{col}, '；' ORDER BY d.id) FROM liaison_visits d
                WHERE (d.id = liaison_visits.id OR d.id IN (
                       SELECT id FROM _visit_keep WHERE keep = liaison_visits.id))
                  AND d.{col} <> ''), '')
            WHERE id IN (SELECT keep FROM _visit_keep)"""))
            continue
        conn.execute(sa.text(f"""
            UPDATE liaison_visits SET {col} = coalesce((
                SELECT group_concat(x, '；') FROM (
                    SELECT d.{col} AS x FROM liaison_visits d
                    WHERE (d.id = liaison_visits.id OR d.id IN (
                           SELECT id FROM _visit_keep WHERE keep = liaison_visits.id))
                      AND d.{col} <> '' ORDER BY d.id)), '')
            WHERE id IN (SELECT keep FROM _visit_keep)"""))
    conn.execute(sa.text("""
        UPDATE liaison_rectifications
        SET visit_id = (SELECT keep FROM _visit_keep WHERE _visit_keep.id = visit_id)
        WHERE visit_id IN (SELECT id FROM _visit_keep)"""))
    conn.execute(sa.text("DELETE FROM liaison_visits WHERE id IN (SELECT id FROM _visit_keep)"))
    conn.execute(sa.text("DROP TABLE _visit_keep"))
    op.drop_index('ix_liaison_visits_pair', table_name='liaison_visits')
    op.create_index('ix_liaison_visits_pair', 'liaison_visits',
                    ['leader_id', 'institution_id', 'visited_on'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_liaison_visits_pair', table_name='liaison_visits')
    op.create_index('ix_liaison_visits_pair', 'liaison_visits',
                    ['leader_id', 'institution_id', 'visited_on'], unique=False)
    op.drop_table('liaison_institution_results')
    op.drop_table('liaison_rule_versions')
    # Plain DROP COLUMN (SQLite ≥ 3.35): rebuilding areas would fight every foreign key to it.
    op.execute("ALTER TABLE areas DROP COLUMN province_administered")
