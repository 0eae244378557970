"""rosters: payment rosters, lines, items, adjustments, bank returns

(DOMAIN §10.) The triggers freeze an approved roster in the database itself: no UPDATE or
DELETE of the roster, and no INSERT, UPDATE or DELETE of its lines or their items, whoever
issues the statement.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25 10:57:46.622513
"""
from alembic import op
import sqlalchemy as sa

from assistcase.sqldialect import drop_trigger, is_pg, pg_raise, pg_trigger


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


FROZEN = "roster is approved and frozen: {what} cannot be changed (record an adjustment instead)"

TRIGGERS = {
    "trg_rosters_frozen_update": f"""
        CREATE TRIGGER trg_rosters_frozen_update BEFORE UPDATE ON rosters
        WHEN OLD.status = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="the roster")}'); END""",
    "trg_rosters_frozen_delete": f"""
        CREATE TRIGGER trg_rosters_frozen_delete BEFORE DELETE ON rosters
        WHEN OLD.status = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="the roster")}'); END""",
    "trg_roster_lines_frozen_insert": f"""
        CREATE TRIGGER trg_roster_lines_frozen_insert BEFORE INSERT ON roster_lines
        WHEN (SELECT status FROM rosters WHERE id = NEW.roster_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="its lines")}'); END""",
    "trg_roster_lines_frozen_update": f"""
        CREATE TRIGGER trg_roster_lines_frozen_update BEFORE UPDATE ON roster_lines
        WHEN (SELECT status FROM rosters WHERE id = OLD.roster_id) = 'approved'
          OR (SELECT status FROM rosters WHERE id = NEW.roster_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="its lines")}'); END""",
    "trg_roster_lines_frozen_delete": f"""
        CREATE TRIGGER trg_roster_lines_frozen_delete BEFORE DELETE ON roster_lines
        WHEN (SELECT status FROM rosters WHERE id = OLD.roster_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="its lines")}'); END""",
    "trg_roster_line_items_frozen_insert": f"""
        CREATE TRIGGER trg_roster_line_items_frozen_insert BEFORE INSERT ON roster_line_items
        WHEN (SELECT r.status FROM roster_lines AS l JOIN rosters AS r ON r.id = l.roster_id
              WHERE l.id = NEW.line_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="its line items")}'); END""",
    "trg_roster_line_items_frozen_update": f"""
        CREATE TRIGGER trg_roster_line_items_frozen_update BEFORE UPDATE ON roster_line_items
        WHEN (SELECT r.status FROM roster_lines AS l JOIN rosters AS r ON r.id = l.roster_id
              WHERE l.id = OLD.line_id) = 'approved'
          OR (SELECT r.status FROM roster_lines AS l JOIN rosters AS r ON r.id = l.roster_id
              WHERE l.id = NEW.line_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="its line items")}'); END""",
    "trg_roster_line_items_frozen_delete": f"""
        CREATE TRIGGER trg_roster_line_items_frozen_delete BEFORE DELETE ON roster_line_items
        WHEN (SELECT r.status FROM roster_lines AS l JOIN rosters AS r ON r.id = l.roster_id
              WHERE l.id = OLD.line_id) = 'approved'
        BEGIN SELECT RAISE(ABORT, '{FROZEN.format(what="its line items")}'); END""",
}


# PostgreSQL: the same refusals as PL/pgSQL triggers. The lines and their items are checked
# once per statement over its rows (a city's roster inserts 180,000 lines in one statement).
_LINE_ROSTER = "SELECT 1 FROM {rows} AS x JOIN rosters AS r ON r.id = x.roster_id WHERE r.status = 'approved'"
_ITEM_ROSTER = ("SELECT 1 FROM {rows} AS x JOIN roster_lines AS l ON l.id = x.line_id"
                " JOIN rosters AS r ON r.id = l.roster_id WHERE r.status = 'approved'")


def _refuse_if(*queries: str, what: str) -> str:
    cond = " OR ".join(f"EXISTS ({q})" for q in queries)
    return f"IF {cond} THEN {pg_raise(FROZEN.format(what=what))} END IF;"


PG_TRIGGERS = {
    "trg_rosters_frozen_update": ("rosters", pg_trigger(
        "trg_rosters_frozen_update", "rosters", "BEFORE UPDATE",
        pg_raise(FROZEN.format(what="the roster")), condition="OLD.status = 'approved'")),
    "trg_rosters_frozen_delete": ("rosters", pg_trigger(
        "trg_rosters_frozen_delete", "rosters", "BEFORE DELETE",
        pg_raise(FROZEN.format(what="the roster")), condition="OLD.status = 'approved'")),
    "trg_roster_lines_frozen_insert": ("roster_lines", pg_trigger(
        "trg_roster_lines_frozen_insert", "roster_lines", "AFTER INSERT",
        _refuse_if(_LINE_ROSTER.format(rows="new_rows"), what="its lines"),
        row=False, referencing="REFERENCING NEW TABLE AS new_rows")),
    "trg_roster_lines_frozen_update": ("roster_lines", pg_trigger(
        "trg_roster_lines_frozen_update", "roster_lines", "AFTER UPDATE",
        _refuse_if(_LINE_ROSTER.format(rows="old_rows"), _LINE_ROSTER.format(rows="new_rows"),
                   what="its lines"),
        row=False, referencing="REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows")),
    "trg_roster_lines_frozen_delete": ("roster_lines", pg_trigger(
        "trg_roster_lines_frozen_delete", "roster_lines", "AFTER DELETE",
        _refuse_if(_LINE_ROSTER.format(rows="old_rows"), what="its lines"),
        row=False, referencing="REFERENCING OLD TABLE AS old_rows")),
    "trg_roster_line_items_frozen_insert": ("roster_line_items", pg_trigger(
        "trg_roster_line_items_frozen_insert", "roster_line_items", "AFTER INSERT",
        _refuse_if(_ITEM_ROSTER.format(rows="new_rows"), what="its line items"),
        row=False, referencing="REFERENCING NEW TABLE AS new_rows")),
    "trg_roster_line_items_frozen_update": ("roster_line_items", pg_trigger(
        "trg_roster_line_items_frozen_update", "roster_line_items", "AFTER UPDATE",
        _refuse_if(_ITEM_ROSTER.format(rows="old_rows"), _ITEM_ROSTER.format(rows="new_rows"),
                   what="its line items"),
        row=False, referencing="REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows")),
    "trg_roster_line_items_frozen_delete": ("roster_line_items", pg_trigger(
        "trg_roster_line_items_frozen_delete", "roster_line_items", "AFTER DELETE",
        _refuse_if(_ITEM_ROSTER.format(rows="old_rows"), what="its line items"),
        row=False, referencing="REFERENCING OLD TABLE AS old_rows")),
}


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('rosters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=False),
    sa.Column('residence_class', sa.String(length=8), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issuing_office', sa.String(length=100), nullable=False),
    sa.Column('pay_date', sa.Date(), nullable=True),
    sa.Column('amount_per_person_fen', sa.Integer(), nullable=True),
    sa.Column('categories', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('household_count', sa.Integer(), nullable=False),
    sa.Column('person_count', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('built_by', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('monthly', 'one_time', 'temp_aid')", name=op.f('ck_rosters_kind')),
    sa.CheckConstraint("program IN ('dibao', 'tekun', 'one_time', 'temp_aid')", name=op.f('ck_rosters_program')),
    sa.CheckConstraint("residence_class IS NULL OR residence_class IN ('urban','rural')", name=op.f('ck_rosters_residence_class')),
    sa.CheckConstraint("status IN ('draft', 'reviewed', 'approved')", name=op.f('ck_rosters_status')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_rosters_approved_by_users')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_rosters_area_id_areas')),
    sa.ForeignKeyConstraint(['built_by'], ['users.id'], name=op.f('fk_rosters_built_by_users')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_rosters_reviewed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rosters'))
    )
    with op.batch_alter_table('rosters', schema=None) as batch_op:
        batch_op.create_index('ix_rosters_month_program', ['month', 'program'], unique=False)

    op.create_table('bank_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roster_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=260), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('paid_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('paid_fen', sa.Integer(), nullable=False),
    sa.Column('failed_fen', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], name=op.f('fk_bank_returns_imported_by_users')),
    sa.ForeignKeyConstraint(['roster_id'], ['rosters.id'], name=op.f('fk_bank_returns_roster_id_rosters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_returns')),
    sa.UniqueConstraint('sha256', name=op.f('uq_bank_returns_sha256'))
    )
    op.create_table('roster_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roster_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('residence_class', sa.String(length=8), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('aid_case_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('household_number', sa.String(length=32), nullable=False),
    sa.Column('township_code', sa.String(length=12), nullable=False),
    sa.Column('township_name', sa.String(length=64), nullable=False),
    sa.Column('village_code', sa.String(length=12), nullable=False),
    sa.Column('village_name', sa.String(length=64), nullable=False),
    sa.Column('payee_name', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('account_type', sa.String(length=16), nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('bank_name', sa.String(length=64), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('standard_fen', sa.Integer(), nullable=False),
    sa.Column('income_fen', sa.Integer(), nullable=False),
    sa.Column('base_fen', sa.Integer(), nullable=False),
    sa.Column('adjust_fen', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('remark', sa.String(length=200), nullable=False),
    sa.CheckConstraint("category IN ('dibao', 'tekun', 'temp_aid')", name=op.f('ck_roster_lines_category')),
    sa.CheckConstraint('amount_fen = base_fen + adjust_fen', name=op.f('ck_roster_lines_amount')),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_roster_lines_not_negative')),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'], name=op.f('fk_roster_lines_case_id_assistance_cases')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_roster_lines_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_roster_lines_person_id_persons')),
    sa.ForeignKeyConstraint(['roster_id'], ['rosters.id'], name=op.f('fk_roster_lines_roster_id_rosters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_lines'))
    )
    with op.batch_alter_table('roster_lines', schema=None) as batch_op:
        batch_op.create_index('ix_roster_lines_aid_case_id', ['aid_case_id'], unique=False)
        batch_op.create_index('ix_roster_lines_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_roster_lines_household_id', ['household_id'], unique=False)
        batch_op.create_index('ix_roster_lines_roster_id_seq', ['roster_id', 'seq'], unique=False)

    op.create_table('payment_results',
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('bank_return_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint("outcome IN ('paid', 'failed')", name=op.f('ck_payment_results_outcome')),
    sa.ForeignKeyConstraint(['bank_return_id'], ['bank_returns.id'], name=op.f('fk_payment_results_bank_return_id_bank_returns')),
    sa.ForeignKeyConstraint(['line_id'], ['roster_lines.id'], name=op.f('fk_payment_results_line_id_roster_lines')),
    sa.PrimaryKeyConstraint('line_id', name=op.f('pk_payment_results'))
    )
    with op.batch_alter_table('payment_results', schema=None) as batch_op:
        batch_op.create_index('ix_payment_results_outcome', ['outcome'], unique=False)

    op.create_table('roster_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('original_line_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_roster_adjustments_not_zero')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_roster_adjustments_created_by_users')),
    sa.ForeignKeyConstraint(['original_line_id'], ['roster_lines.id'], name=op.f('fk_roster_adjustments_original_line_id_roster_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_adjustments'))
    )
    with op.batch_alter_table('roster_adjustments', schema=None) as batch_op:
        batch_op.create_index('ix_roster_adjustments_original_line_id', ['original_line_id'], unique=False)

    op.create_table('roster_line_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('ref_line_id', sa.Integer(), nullable=False),
    sa.Column('adjustment_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint("(kind = 'reissue') = (adjustment_id IS NULL)", name=op.f('ck_roster_line_items_source')),
    sa.CheckConstraint("kind IN ('supplement', 'deduction', 'reissue')", name=op.f('ck_roster_line_items_kind')),
    sa.ForeignKeyConstraint(['adjustment_id'], ['roster_adjustments.id'], name=op.f('fk_roster_line_items_adjustment_id_roster_adjustments')),
    sa.ForeignKeyConstraint(['line_id'], ['roster_lines.id'], name=op.f('fk_roster_line_items_line_id_roster_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ref_line_id'], ['roster_lines.id'], name=op.f('fk_roster_line_items_ref_line_id_roster_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_line_items'))
    )
    with op.batch_alter_table('roster_line_items', schema=None) as batch_op:
        batch_op.create_index('ix_roster_line_items_line_id', ['line_id'], unique=False)
        batch_op.create_index('ix_roster_line_items_ref_line_id', ['ref_line_id'], unique=False)
        batch_op.create_index('uq_roster_line_items_adjustment_id', ['adjustment_id'], unique=True)
        batch_op.create_index('uq_roster_line_items_reissue', ['ref_line_id'], unique=True, sqlite_where=sa.text("kind = 'reissue'"), postgresql_where=sa.text("kind = 'reissue'"))

    # ### end Alembic commands ###
    if is_pg(op.get_bind()):
        for _table, statements in PG_TRIGGERS.values():
            for sql in statements:
                op.execute(sql)
    else:
        for sql in TRIGGERS.values():
            op.execute(sql)


def downgrade() -> None:
    for name, (table, _sql) in PG_TRIGGERS.items():
        for sql in drop_trigger(op.get_bind(), name, table):
            op.execute(sql)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('roster_line_items', schema=None) as batch_op:
        batch_op.drop_index('uq_roster_line_items_reissue', sqlite_where=sa.text("kind = 'reissue'"))
        batch_op.drop_index('uq_roster_line_items_adjustment_id')
        batch_op.drop_index('ix_roster_line_items_ref_line_id')
        batch_op.drop_index('ix_roster_line_items_line_id')

    op.drop_table('roster_line_items')
    with op.batch_alter_table('roster_adjustments', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_adjustments_original_line_id')

    op.drop_table('roster_adjustments')
    with op.batch_alter_table('payment_results', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_results_outcome')

    op.drop_table('payment_results')
    with op.batch_alter_table('roster_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_lines_roster_id_seq')
        batch_op.drop_index('ix_roster_lines_household_id')
        batch_op.drop_index('ix_roster_lines_case_id')
        batch_op.drop_index('ix_roster_lines_aid_case_id')

    op.drop_table('roster_lines')
    op.drop_table('bank_returns')
    with op.batch_alter_table('rosters', schema=None) as batch_op:
        batch_op.drop_index('ix_rosters_month_program')

    op.drop_table('rosters')
    # ### end Alembic commands ###
