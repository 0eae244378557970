"""low-income dynamic monitoring: the register, outside lists, warning rules, tasks, holds

(DOMAIN §9; issue 16.)
- ``register_memberships``: the low-income register as dated category memberships, several
  at once. Existing households of a category (``households.category``) get one membership
  each, from the first month their open case of that category is paid, else from the day the
  household was registered (extreme hardship: the case's person, else the head).
- ``outside_lists`` / ``outside_list_rows``: lists from other offices matched by ID number.
- ``warning_rules`` (with the default indicators), ``monitoring_warnings`` (unique by event
  key), ``monitoring_tasks``, ``monitoring_runs``.
- ``roster_lines.held`` / ``held_fen`` by plain ADD COLUMN (the table is never rebuilt: its
  freeze triggers would be lost), and ``held_lines``: the lines a payment-review task held.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 22:53:51
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('warning_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('indicator', sa.String(length=32), nullable=False),
    sa.Column('label_en', sa.String(length=100), nullable=False),
    sa.Column('label_zh', sa.String(length=64), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('period_months', sa.Integer(), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('task_kind', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("indicator IN ('medical_expense', 'severe_disability', 'main_earner_death', 'main_earner_job_loss', 'income_below_standard', 'newly_monitored', 'covered_death', 'vehicle_match', 'business_match', 'public_employee_match')", name=op.f('ck_warning_rules_indicator')),
    sa.CheckConstraint("severity IN ('high', 'medium', 'low')", name=op.f('ck_warning_rules_severity')),
    sa.CheckConstraint("task_kind IN ('home_check', 'eligibility_check', 'payment_review')", name=op.f('ck_warning_rules_task_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_rules')),
    sa.UniqueConstraint('code', name=op.f('uq_warning_rules_code'))
    )
    op.create_table('monitoring_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('persons_checked', sa.Integer(), nullable=False),
    sa.Column('warnings_raised', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['township_id'], ['areas.id'], name=op.f('fk_monitoring_runs_township_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_runs'))
    )
    with op.batch_alter_table('monitoring_runs', schema=None) as batch_op:
        batch_op.create_index('ix_monitoring_runs_run_on', ['run_on', 'township_id'], unique=False)

    op.create_table('outside_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=260), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('sanlei', 'death', 'medical', 'disability', 'vehicle', 'business', 'public_employee')", name=op.f('ck_outside_lists_kind')),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], name=op.f('fk_outside_lists_imported_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_lists')),
    sa.UniqueConstraint('sha256', name=op.f('uq_outside_lists_sha256'))
    )
    op.create_table('outside_list_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('event_on', sa.Date(), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=True),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.CheckConstraint("kind IN ('sanlei', 'death', 'medical', 'disability', 'vehicle', 'business', 'public_employee')", name=op.f('ck_outside_list_rows_kind')),
    sa.ForeignKeyConstraint(['list_id'], ['outside_lists.id'], name=op.f('fk_outside_list_rows_list_id_outside_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_outside_list_rows_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_list_rows'))
    )
    with op.batch_alter_table('outside_list_rows', schema=None) as batch_op:
        batch_op.create_index('ix_outside_list_rows_id_number', ['id_number'], unique=False)
        batch_op.create_index('ix_outside_list_rows_kind_person', ['kind', 'person_id'], unique=False)
        batch_op.create_index('ix_outside_list_rows_list_id', ['list_id'], unique=False)

    op.create_table('register_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("category IN ('dibao', 'tekun', 'marginal', 'monitored', 'hardship')", name=op.f('ck_register_memberships_category')),
    sa.CheckConstraint('valid_until IS NULL OR valid_until > valid_from', name=op.f('ck_register_memberships_period')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_register_memberships_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_register_memberships_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_memberships'))
    )
    with op.batch_alter_table('register_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_register_memberships_category', ['category', 'valid_from'], unique=False)
        batch_op.create_index('ix_register_memberships_household', ['household_id', 'category'], unique=False)

    op.create_table('monitoring_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=100), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('list_row_id', sa.Integer(), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_monitoring_warnings_household_id_households')),
    sa.ForeignKeyConstraint(['list_row_id'], ['outside_list_rows.id'], name=op.f('fk_monitoring_warnings_list_row_id_outside_list_rows')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_monitoring_warnings_person_id_persons')),
    sa.ForeignKeyConstraint(['rule_id'], ['warning_rules.id'], name=op.f('fk_monitoring_warnings_rule_id_warning_rules')),
    sa.ForeignKeyConstraint(['township_id'], ['areas.id'], name=op.f('fk_monitoring_warnings_township_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_warnings')),
    sa.UniqueConstraint('event_key', name=op.f('uq_monitoring_warnings_event_key'))
    )
    with op.batch_alter_table('monitoring_warnings', schema=None) as batch_op:
        batch_op.create_index('ix_monitoring_warnings_household_id', ['household_id'], unique=False)
        batch_op.create_index('ix_monitoring_warnings_raised_on', ['raised_on'], unique=False)

    op.create_table('monitoring_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('hold_payment', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.Column('event_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('new_case_id', sa.Integer(), nullable=True),
    sa.Column('new_aid_case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('home_check', 'eligibility_check', 'payment_review')", name=op.f('ck_monitoring_tasks_kind')),
    sa.CheckConstraint("outcome IS NULL OR outcome <> 'no_action' OR outcome_reason <> ''", name=op.f('ck_monitoring_tasks_no_action_reason')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('included', 'changed', 'terminated', 'no_action', 'deceased', 'wrong_match')", name=op.f('ck_monitoring_tasks_outcome')),
    sa.CheckConstraint("status = 'open' OR (outcome IS NOT NULL AND closed_on IS NOT NULL)", name=op.f('ck_monitoring_tasks_closed_recorded')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_monitoring_tasks_status')),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_monitoring_tasks_closed_by_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_monitoring_tasks_household_id_households')),
    sa.ForeignKeyConstraint(['new_aid_case_id'], ['aid_cases.id'], name=op.f('fk_monitoring_tasks_new_aid_case_id_aid_cases')),
    sa.ForeignKeyConstraint(['new_case_id'], ['assistance_cases.id'], name=op.f('fk_monitoring_tasks_new_case_id_assistance_cases')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_monitoring_tasks_person_id_persons')),
    sa.ForeignKeyConstraint(['township_id'], ['areas.id'], name=op.f('fk_monitoring_tasks_township_id_areas')),
    sa.ForeignKeyConstraint(['warning_id'], ['monitoring_warnings.id'], name=op.f('fk_monitoring_tasks_warning_id_monitoring_warnings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_tasks'))
    )
    with op.batch_alter_table('monitoring_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_monitoring_tasks_person_hold', ['person_id', 'status'], unique=False)
        batch_op.create_index('ix_monitoring_tasks_township_status', ['township_id', 'status', 'due_on'], unique=False)
        batch_op.create_index('ix_monitoring_tasks_warning_id', ['warning_id'], unique=True)

    op.create_table('held_lines',
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('adjustment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['adjustment_id'], ['roster_adjustments.id'], name=op.f('fk_held_lines_adjustment_id_roster_adjustments')),
    sa.ForeignKeyConstraint(['line_id'], ['roster_lines.id'], name=op.f('fk_held_lines_line_id_roster_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['monitoring_tasks.id'], name=op.f('fk_held_lines_task_id_monitoring_tasks')),
    sa.PrimaryKeyConstraint('line_id', name=op.f('pk_held_lines'))
    )
    op.add_column('roster_lines', sa.Column('held', sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.add_column('roster_lines', sa.Column('held_fen', sa.Integer(), server_default='0',
                                            nullable=False))
    _fill_register()
    _default_rules()


# (code, indicator, label_en, label_zh, threshold, period_months, severity, task_kind)
DEFAULT_RULES = (
    ("medical_expense", "medical_expense", "large medical expense in the period",
     "大额医疗支出", 2_000_000, 12, "high", "home_check"),
    ("severe_disability", "severe_disability", "new disability grade 1-2",
     "新增重度残疾（一、二级）", 2, 12, "medium", "home_check"),
    ("main_earner_death", "main_earner_death", "death of the main earner",
     "主要劳动力死亡", 0, 12, "high", "home_check"),
    ("main_earner_job_loss", "main_earner_job_loss", "main earner lost work",
     "主要劳动力失业", 0, 12, "medium", "home_check"),
    ("income_below_standard", "income_below_standard",
     "per-capita income fallen below the dibao standard", "人均收入低于低保标准",
     100, 0, "high", "eligibility_check"),
    ("newly_monitored", "newly_monitored", "newly listed as 三类户",
     "新纳入三类户", 0, 0, "medium", "home_check"),
    ("covered_death", "covered_death", "death of a covered person",
     "保障对象死亡", 0, 0, "high", "payment_review"),
    ("vehicle_match", "vehicle_match", "vehicle registered to a paying household",
     "在保家庭登记车辆", 0, 0, "medium", "eligibility_check"),
    ("business_match", "business_match", "business registered to a paying household",
     "在保家庭登记工商企业", 0, 0, "medium", "eligibility_check"),
    ("public_employee_match", "public_employee_match",
     "public employee in a paying household", "在保家庭有财政供养人员", 0, 0, "high",
     "eligibility_check"),
)


def _default_rules() -> None:
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    table = sa.table("warning_rules", *(sa.column(c) for c in (
        "code", "indicator", "label_en", "label_zh", "threshold", "period_months", "severity",
        "task_kind", "active", "updated_at")))
    op.bulk_insert(table, [dict(zip(("code", "indicator", "label_en", "label_zh", "threshold",
                                     "period_months", "severity", "task_kind"), r),
                                active=True, updated_at=now) for r in DEFAULT_RULES])


def _fill_register() -> None:
    """One membership per household of a category (portable SQL; dates in Python)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT h.id, h.category, h.created_at,"
        " (SELECT MIN(c.paid_from) FROM assistance_cases AS c WHERE c.household_id = h.id"
        "   AND c.program = h.category AND c.status IN ('active', 'suspended')),"
        " CASE WHEN h.category = 'tekun' THEN COALESCE((SELECT MIN(c.person_id) FROM"
        "   assistance_cases AS c WHERE c.household_id = h.id AND c.program = 'tekun'"
        "   AND c.status IN ('active', 'suspended')), h.head_person_id) END"
        " FROM households AS h WHERE h.category <> 'none' AND h.status = 'active'")).all()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    table = sa.table("register_memberships", *(sa.column(c) for c in (
        "household_id", "person_id", "category", "valid_from", "valid_until", "source",
        "created_at")))

    def day(value) -> dt.date:
        if value is None:
            return now.date()
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value)[:10])

    batch = []
    for hid, category, created, paid_from, person_id in rows:
        batch.append({"household_id": hid, "person_id": person_id, "category": category,
                      "valid_from": day(paid_from if paid_from is not None else created),
                      "valid_until": None, "source": "migration 0016", "created_at": now})
        if len(batch) >= 5000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35): batch mode would rebuild the table and lose the
    # freeze triggers.
    op.execute("ALTER TABLE roster_lines DROP COLUMN held_fen")
    op.execute("ALTER TABLE roster_lines DROP COLUMN held")

    op.drop_table('held_lines')
    with op.batch_alter_table('monitoring_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_monitoring_tasks_warning_id')
        batch_op.drop_index('ix_monitoring_tasks_township_status')
        batch_op.drop_index('ix_monitoring_tasks_person_hold')

    op.drop_table('monitoring_tasks')
    with op.batch_alter_table('monitoring_warnings', schema=None) as batch_op:
        batch_op.drop_index('ix_monitoring_warnings_raised_on')
        batch_op.drop_index('ix_monitoring_warnings_household_id')

    op.drop_table('monitoring_warnings')
    with op.batch_alter_table('register_memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_register_memberships_household')
        batch_op.drop_index('ix_register_memberships_category')

    op.drop_table('register_memberships')
    with op.batch_alter_table('outside_list_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_outside_list_rows_list_id')
        batch_op.drop_index('ix_outside_list_rows_kind_person')
        batch_op.drop_index('ix_outside_list_rows_id_number')

    op.drop_table('outside_list_rows')
    op.drop_table('outside_lists')
    with op.batch_alter_table('monitoring_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_monitoring_runs_run_on')

    op.drop_table('monitoring_runs')
    op.drop_table('warning_rules')
