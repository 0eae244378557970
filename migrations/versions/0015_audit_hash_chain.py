"""audit log hash chain: prev_hash and hash on every audit row

(Issue 19.) Two plain ADD COLUMNs, then the rows written before this version are linked in id
order, so `assistcase db verify` checks the whole log from its first row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 23:10:00
"""
from alembic import op
import sqlalchemy as sa

from assistcase.security.auditchain import COLUMNS, GENESIS, link


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CHUNK = 20_000


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('prev_hash', sa.String(length=64), nullable=True))
    op.add_column('audit_log', sa.Column('hash', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    prev = GENESIS
    last_id = 0
    # qmark on both engines: the PostgreSQL engine rewrites driver SQL for psycopg
    # (assistcase.sqldialect.pg_driver_sql)
    select = f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE id > ? ORDER BY id LIMIT {CHUNK}"
    update = "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?"
    while True:
        rows = conn.exec_driver_sql(select, (last_id,)).fetchall()
        if not rows:
            break
        params = []
        for row in rows:
            h = link(prev, row)
            params.append((prev, h, row[0]))
            prev = h
        conn.exec_driver_sql(update, params)
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
