"""users, roles and sign-in (issue 13)

Users get a password hash (argon2id) and lockout fields; roles, the permissions each role has
(the table the administrator reads) and the roles users hold per area; command-line sign-in
tokens (digests only); the names signed on a roster at each step, kept with the roster.

Existing users keep their rows (the audit log names them) but have no password and no role:
nobody can sign in until the first administrator is created. Existing rosters get their
signature names from the users' names now (the freeze triggers are dropped for that one
UPDATE and created again exactly as they were).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 23:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ROLES = [
    # code, English, Chinese, usual level
    ("caseworker", "township caseworker", "经办人", "township"),
    ("township_reviewer", "township reviewer", "乡镇审核", "township"),
    ("county_clerk", "county clerk", "县级经办", "county"),
    ("county_approver", "county approver", "县级审批", "county"),
    ("standards_officer", "standards officer", "标准管理", "county"),
    ("supervisor", "supervisor", "督查", ""),
    ("administrator", "administrator", "系统管理员", ""),
]

ROLE_PERMISSIONS = {
    "caseworker": ["read", "personal.full", "export.personal", "registry.write",
                   "registry.import", "case.write", "entitlement.recalculate", "aid.record"],
    "township_reviewer": ["read", "personal.full", "export.personal", "audit.read",
                          "case.confirm", "aid.approve.township", "entitlement.recalculate"],
    "county_clerk": ["read", "personal.full", "export.personal", "roster.build",
                     "entitlement.recalculate", "care.write", "liaison.write"],
    "county_approver": ["read", "personal.full", "export.personal", "audit.read",
                        "roster.review", "roster.approve", "aid.approve.county",
                        "aid.approve.case_by_case"],
    "standards_officer": ["read", "standards.write"],
    "supervisor": ["read", "audit.read", "supervise"],
    "administrator": ["read", "audit.read", "users.admin", "areas.write", "liaison.write"],
}

ROSTER_TRIGGERS = ("trg_rosters_frozen_update",)


def upgrade() -> None:
    # plain ADD COLUMN: every table's foreign keys point at users, which is not rebuilt
    op.add_column('users', sa.Column('password_hash', sa.String(length=255), nullable=True))
    op.add_column('users', sa.Column('failed_attempts', sa.Integer(), server_default='0',
                                     nullable=False))
    op.add_column('users', sa.Column('locked_until', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('password_changed_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('demo', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    roles = op.create_table('roles',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('label_en', sa.String(length=64), nullable=False),
        sa.Column('label_zh', sa.String(length=64), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_roles')))
    perms = op.create_table('role_permissions',
        sa.Column('role_code', sa.String(length=32), nullable=False),
        sa.Column('permission', sa.String(length=48), nullable=False),
        sa.ForeignKeyConstraint(['role_code'], ['roles.code'],
                                name=op.f('fk_role_permissions_role_code_roles')),
        sa.PrimaryKeyConstraint('role_code', 'permission', name=op.f('pk_role_permissions')))
    op.create_table('user_roles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role_code', sa.String(length=32), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_user_roles_area_id_areas')),
        sa.ForeignKeyConstraint(['role_code'], ['roles.code'],
                                name=op.f('fk_user_roles_role_code_roles')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_roles')),
        sa.UniqueConstraint('user_id', 'role_code', 'area_id',
                            name=op.f('uq_user_roles_user_id_role_code_area_id')))
    op.create_index('ix_user_roles_user_id', 'user_roles', ['user_id'], unique=False)
    op.create_table('sign_in_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_sign_in_tokens_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_tokens')),
        sa.UniqueConstraint('digest', name=op.f('uq_sign_in_tokens_digest')))
    op.bulk_insert(roles, [dict(code=c, label_en=en, label_zh=zh, level=lv)
                           for c, en, zh, lv in ROLES])
    op.bulk_insert(perms, [dict(role_code=r, permission=p)
                           for r, ps in ROLE_PERMISSIONS.items() for p in ps])
    # plain ADD COLUMN on rosters (never rebuilt: its freeze triggers would go)
    for col in ('built_by_name', 'reviewed_by_name', 'approved_by_name'):
        op.add_column('rosters', sa.Column(col, sa.String(length=64), server_default='',
                                           nullable=False))
    conn = op.get_bind()
    trigger = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        ROSTER_TRIGGERS).scalar() if conn.dialect.name == 'sqlite' else None
    if trigger:
        op.execute(f"DROP TRIGGER {ROSTER_TRIGGERS[0]}")
    for col, by in (('built_by_name', 'built_by'), ('reviewed_by_name', 'reviewed_by'),
                    ('approved_by_name', 'approved_by')):
        op.execute(f"UPDATE rosters SET {col} = COALESCE((SELECT CASE WHEN u.display_name <> '' "
                   f"THEN u.display_name ELSE u.username END FROM users AS u "
                   f"WHERE u.id = rosters.{by}), '')")
    if trigger:
        op.execute(trigger)


def downgrade() -> None:
    conn = op.get_bind()
    for col in ('approved_by_name', 'reviewed_by_name', 'built_by_name'):
        if conn.dialect.name == 'sqlite':
            op.execute(f"ALTER TABLE rosters DROP COLUMN {col}")
        else:
            op.drop_column('rosters', col)
    op.drop_table('sign_in_tokens')
    op.drop_index('ix_user_roles_user_id', table_name='user_roles')
    op.drop_table('user_roles')
    op.drop_table('role_permissions')
    op.drop_table('roles')
    for col in ('demo', 'password_changed_at', 'locked_until', 'failed_attempts',
                'password_hash'):
        if conn.dialect.name == 'sqlite':
            op.execute(f"ALTER TABLE users DROP COLUMN {col}")
        else:
            op.drop_column('users', col)
