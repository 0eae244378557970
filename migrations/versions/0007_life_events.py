"""life events: dated coverage, household membership history, dated incomes and property

(DOMAIN §3, §6, §8.)
- ``household_memberships``: who belonged to which household from when to when. Triggers on
  ``persons`` (insert; change of ``household_id``) and on ``households`` (closing) keep it for
  every writer (services, spreadsheet import, demo generator); the services then set the
  exact event date. Existing persons get one membership each, ``joined_on`` NULL (a founding
  member: counted in every earlier month, which is what every recalculation before this
  revision counted), closed on ``closed_on`` for closed households.
- ``case_members`` rebuilt with its own id: the program (denormalised, a trigger refuses a
  mismatch), ``covered_from`` / ``covered_until`` (first month covered / first month no longer
  covered) and ``end_reason``; a partial unique index allows one open coverage per person and
  program. Existing rows are covered from the month of the application (never later than the
  first paid month); rows of terminated cases end when the case stopped paying. Open
  coverage that breaks the rules today (a person no longer in the case's household, a closed
  household, a second open coverage of the same person and program: the case with the higher
  id keeps it) ends from the month after this upgrade, so months already paid are unchanged.
- ``case_events.step`` accepts 'coverage' (a change of coverage, a life event).
- ``incomes`` and ``property_items``: ``valid_from`` (existing rows 1900-01-01: in force in
  every month, so past months are unchanged) and ``valid_until`` (NULL while in force).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 20:40:00
"""
from alembic import op
import sqlalchemy as sa

from assistcase.sqldialect import (drop_trigger, greatest, is_not, is_pg, least, month_start,
                                   next_month_start, pg_raise, pg_trigger, today)


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SINCE_ALWAYS = '1900-01-01'
STEPS_OLD = ('apply', 'economic_check', 'investigation', 'publicity', 'confirm', 'suspend',
             'resume', 'review', 'terminate')
STEPS_NEW = STEPS_OLD + ('coverage',)

# The date a membership starts when a writer adds a person without saying when: a person
# added on the day the household is registered (or to a closed household) is a founding
# member (NULL); later, the day of the write. Services overwrite it with the event date.
_JOINED = ("CASE WHEN h.status = 'closed' OR date(h.created_at) >= date('now') THEN NULL"
           " ELSE date('now') END")
_OPEN_MEMBERSHIP = f"""
        INSERT INTO household_memberships (household_id, person_id, joined_on, left_on, reason)
        SELECT h.id, NEW.id, {_JOINED},
               CASE WHEN h.status = 'closed' THEN COALESCE(h.closed_on, date('now')) END, ''
        FROM households AS h WHERE h.id = NEW.household_id;"""

TRIGGERS = {
    "trg_persons_membership_insert": f"""
        CREATE TRIGGER trg_persons_membership_insert AFTER INSERT ON persons
        WHEN NEW.household_id IS NOT NULL
        BEGIN{_OPEN_MEMBERSHIP}
        END""",
    # A person leaving a household (by any writer) ends the membership and, as a safety net
    # for writers that are not the registry services, any open coverage in that household's
    # cases from the next month (the services end it first, with the event's own date).
    "trg_persons_membership_move": f"""
        CREATE TRIGGER trg_persons_membership_move AFTER UPDATE OF household_id ON persons
        WHEN OLD.household_id IS NOT NEW.household_id
        BEGIN
        UPDATE household_memberships
           SET left_on = MAX(date('now'), COALESCE(joined_on, '')), reason = 'left'
         WHERE person_id = NEW.id AND household_id = OLD.household_id AND left_on IS NULL;
        UPDATE case_members
           SET covered_until = MAX(covered_from, date('now', 'start of month', '+1 month')),
               end_reason = 'left the household'
         WHERE person_id = NEW.id AND covered_until IS NULL
           AND case_id IN (SELECT id FROM assistance_cases WHERE household_id = OLD.household_id);
        {_OPEN_MEMBERSHIP}
        END""",
    "trg_households_closed_memberships": """
        CREATE TRIGGER trg_households_closed_memberships AFTER UPDATE OF status ON households
        WHEN NEW.status = 'closed' AND OLD.status <> 'closed'
        BEGIN
        UPDATE household_memberships
           SET left_on = MAX(COALESCE(NEW.closed_on, date('now')), COALESCE(joined_on, '')),
               reason = 'household closed'
         WHERE household_id = NEW.id AND left_on IS NULL;
        END""",
    "trg_case_members_program": """
        CREATE TRIGGER trg_case_members_program BEFORE INSERT ON case_members
        WHEN NEW.program IS NOT (SELECT program FROM assistance_cases WHERE id = NEW.case_id)
        BEGIN
        SELECT RAISE(ABORT, 'case_members.program must be the program of its case');
        END""",
}


TRIGGER_TABLES = {"trg_persons_membership_insert": "persons",
                  "trg_persons_membership_move": "persons",
                  "trg_households_closed_memberships": "households",
                  "trg_case_members_program": "case_members"}

# PostgreSQL: the same triggers in PL/pgSQL (sessions run in UTC: CURRENT_DATE is SQLite's
# date('now')).
_PG_OPEN_MEMBERSHIP = """
        INSERT INTO household_memberships (household_id, person_id, joined_on, left_on, reason)
        SELECT h.id, NEW.id,
               CASE WHEN h.status = 'closed' OR h.created_at::date >= CURRENT_DATE THEN NULL
                    ELSE CURRENT_DATE END,
               CASE WHEN h.status = 'closed' THEN COALESCE(h.closed_on, CURRENT_DATE) END, ''
        FROM households AS h WHERE h.id = NEW.household_id;"""
PG_TRIGGERS = {
    "trg_persons_membership_insert": pg_trigger(
        "trg_persons_membership_insert", "persons", "AFTER INSERT", _PG_OPEN_MEMBERSHIP,
        condition="NEW.household_id IS NOT NULL"),
    "trg_persons_membership_move": pg_trigger(
        "trg_persons_membership_move", "persons", "AFTER UPDATE OF household_id", f"""
        UPDATE household_memberships
           SET left_on = GREATEST(CURRENT_DATE, joined_on), reason = 'left'
         WHERE person_id = NEW.id AND household_id = OLD.household_id AND left_on IS NULL;
        UPDATE case_members
           SET covered_until = GREATEST(covered_from,
                   (date_trunc('month', CURRENT_DATE) + interval '1 month')::date),
               end_reason = 'left the household'
         WHERE person_id = NEW.id AND covered_until IS NULL
           AND case_id IN (SELECT id FROM assistance_cases WHERE household_id = OLD.household_id);
        {_PG_OPEN_MEMBERSHIP}""",
        condition="OLD.household_id IS DISTINCT FROM NEW.household_id"),
    "trg_households_closed_memberships": pg_trigger(
        "trg_households_closed_memberships", "households", "AFTER UPDATE OF status", """
        UPDATE household_memberships
           SET left_on = GREATEST(COALESCE(NEW.closed_on, CURRENT_DATE), joined_on),
               reason = 'household closed'
         WHERE household_id = NEW.id AND left_on IS NULL;""",
        condition="NEW.status = 'closed' AND OLD.status <> 'closed'"),
    # once per statement over its rows (the demo and the import insert coverage in bulk)
    "trg_case_members_program": pg_trigger(
        "trg_case_members_program", "case_members", "AFTER INSERT", f"""
        IF EXISTS (SELECT 1 FROM new_rows AS n LEFT JOIN assistance_cases AS c ON c.id = n.case_id
                   WHERE n.program IS DISTINCT FROM c.program) THEN
            {pg_raise('case_members.program must be the program of its case')}
        END IF;""", row=False, referencing="REFERENCING NEW TABLE AS new_rows"),
}


def _pg_set_aside(table: str) -> str:
    """PostgreSQL: rename ``table`` and its primary key out of the way, so the rebuilt table
    can be created under the real names (index names are unique per schema there)."""
    op.execute(f"ALTER TABLE {table} RENAME TO _{table}_old")
    op.execute(f"ALTER INDEX pk_{table} RENAME TO pk__{table}_old")
    return f"_{table}_old"


def _steps_check(steps):
    return "step IN (" + ", ".join(repr(s) for s in steps) + ")"


def _rebuild_case_events(steps) -> None:
    pg = is_pg(op.get_bind())
    if pg:
        op.drop_index('ix_case_events_case_id', table_name='case_events')
        old = _pg_set_aside('case_events')
    op.create_table('case_events' if pg else '_case_events_new',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(_steps_check(steps), name=op.f('ck_case_events_step')),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'], name=op.f('fk_case_events_case_id_assistance_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    if pg:
        op.execute("INSERT INTO case_events (id, case_id, step, happened_on, user_id, reason,"
                   " details, at) SELECT id, case_id, step, happened_on, user_id, reason, details,"
                   f" at FROM {old} WHERE step IN (" + ", ".join(repr(s) for s in steps) + ")")
        op.execute("SELECT setval(pg_get_serial_sequence('case_events', 'id'),"
                   " COALESCE((SELECT max(id) FROM case_events), 0) + 1, false)")
        op.drop_table(old)
        op.create_index('ix_case_events_case_id', 'case_events', ['case_id'], unique=False)
        return
    op.execute("INSERT INTO _case_events_new (id, case_id, step, happened_on, user_id, reason,"
               " details, at) SELECT id, case_id, step, happened_on, user_id, reason, details, at"
               " FROM case_events WHERE step IN (" + ", ".join(repr(s) for s in steps) + ")")
    op.drop_index('ix_case_events_case_id', table_name='case_events')
    op.drop_table('case_events')
    op.rename_table('_case_events_new', 'case_events')
    op.create_index('ix_case_events_case_id', 'case_events', ['case_id'], unique=False)


def upgrade() -> None:
    bind = op.get_bind()
    pg = is_pg(bind)
    op.create_table('household_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=200), server_default='', nullable=False),
    sa.CheckConstraint('left_on IS NULL OR joined_on IS NULL OR left_on >= joined_on', name=op.f('ck_household_memberships_period')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_memberships_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_household_memberships_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_memberships'))
    )
    op.create_index('ix_household_memberships_household', 'household_memberships',
                    ['household_id', 'joined_on', 'left_on'], unique=False)
    op.create_index('ix_household_memberships_person_id', 'household_memberships',
                    ['person_id'], unique=False)
    op.execute("INSERT INTO household_memberships (household_id, person_id, joined_on, left_on,"
               " reason) SELECT p.household_id, p.id, NULL,"
               f" CASE WHEN h.status = 'closed' THEN COALESCE(h.closed_on, {today(bind)}) END,"
               " CASE WHEN h.status = 'closed' THEN 'household closed' ELSE '' END"
               " FROM persons AS p JOIN households AS h ON h.id = p.household_id ORDER BY p.id")

    # case_members: a new table (its primary key changes), then the rows with their dates.
    # (PostgreSQL: the old table is renamed first and the new one made under its own name.)
    old_members = _pg_set_aside('case_members') if pg else 'case_members'
    if pg:
        op.drop_index('ix_case_members_person_id', table_name=old_members)
    new_members = 'case_members' if pg else '_case_members_new'
    op.create_table(new_members,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('program', sa.String(length=8), nullable=False),
    sa.Column('covered_from', sa.Date(), nullable=False),
    sa.Column('covered_until', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=200), server_default='', nullable=False),
    sa.CheckConstraint('covered_until IS NULL OR covered_until >= covered_from', name=op.f('ck_case_members_covered_period')),
    sa.CheckConstraint("program IN ('dibao','tekun')", name=op.f('ck_case_members_program')),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'], name=op.f('fk_case_members_case_id_assistance_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_case_members_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_members'))
    )
    op.execute(f"""
        INSERT INTO {new_members} (case_id, person_id, program, covered_from, covered_until,
                                       end_reason)
        SELECT cm.case_id, cm.person_id, c.program, f.covered_from,
               CASE WHEN c.status = 'terminated'
                    THEN {greatest(bind)}(f.covered_from, COALESCE(c.paid_until, f.covered_from)) END,
               CASE WHEN c.status = 'terminated' THEN 'case terminated' ELSE '' END
        FROM {old_members} AS cm
        JOIN assistance_cases AS c ON c.id = cm.case_id
        JOIN (SELECT id, {least(bind)}({month_start(bind, 'applied_on')},
                             COALESCE(paid_from, '9999-12-31')) AS covered_from
              FROM assistance_cases) AS f ON f.id = c.id
        ORDER BY cm.case_id, cm.person_id""")
    # Looked up per person below: without an index the correlated EXISTS is quadratic (a
    # city's half a million coverage rows would never finish).
    op.execute(f"CREATE INDEX ix_tmp_case_members_open ON {new_members}"
               " (person_id, program, case_id) WHERE covered_until IS NULL")
    # Open coverage that the rules no longer allow ends from next month (see the docstring).
    op.execute(f"""
        UPDATE {new_members}
           SET covered_until = {greatest(bind)}(covered_from, {next_month_start(bind)}),
               end_reason = 'not a member of the case''s household at upgrade 0007'
         WHERE covered_until IS NULL AND id IN (
            SELECT cm.id FROM {new_members} AS cm
            JOIN assistance_cases AS c ON c.id = cm.case_id
            JOIN households AS h ON h.id = c.household_id
            JOIN persons AS p ON p.id = cm.person_id
            WHERE h.status = 'closed' OR p.household_id {is_not(bind)} c.household_id)""")
    op.execute(f"""
        UPDATE {new_members}
           SET covered_until = {greatest(bind)}(covered_from, {next_month_start(bind)}),
               end_reason = 'covered by a later case at upgrade 0007'
         WHERE covered_until IS NULL AND EXISTS (
            SELECT 1 FROM {new_members} AS o
            WHERE o.person_id = {new_members}.person_id
              AND o.program = {new_members}.program
              AND o.covered_until IS NULL AND o.case_id > {new_members}.case_id)""")
    op.execute("DROP INDEX ix_tmp_case_members_open")
    if pg:
        op.drop_table(old_members)
    else:
        op.drop_index('ix_case_members_person_id', table_name='case_members')
        op.drop_table('case_members')
        op.rename_table('_case_members_new', 'case_members')
    op.create_index('ix_case_members_case_id', 'case_members', ['case_id'], unique=False)
    op.create_index('ix_case_members_person_id', 'case_members', ['person_id'], unique=False)
    op.create_index('ux_case_members_open_coverage', 'case_members', ['person_id', 'program'],
                    unique=True, sqlite_where=sa.text('covered_until IS NULL'),
                    postgresql_where=sa.text('covered_until IS NULL'))

    _rebuild_case_events(STEPS_NEW)

    for table in ('incomes', 'property_items'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('valid_from', sa.Date(), server_default=SINCE_ALWAYS,
                                          nullable=False))
            batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
            batch_op.create_check_constraint(
                'valid_period', 'valid_until IS NULL OR valid_until > valid_from')

    for sql in TRIGGERS.values() if not pg else [s for v in PG_TRIGGERS.values() for s in v]:
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    pg = is_pg(bind)
    for name, table in TRIGGER_TABLES.items():
        for sql in drop_trigger(bind, name, table):
            op.execute(sql)
    for table in ('property_items', 'incomes'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint('valid_period', type_='check')
            batch_op.drop_column('valid_until')
            batch_op.drop_column('valid_from')

    _rebuild_case_events(STEPS_OLD)  # 'coverage' steps are dropped

    # Back to one row per case and person: the latest coverage of each pair.
    if pg:
        op.drop_index('ux_case_members_open_coverage', table_name='case_members')
        op.drop_index('ix_case_members_person_id', table_name='case_members')
        op.drop_index('ix_case_members_case_id', table_name='case_members')
        newer = _pg_set_aside('case_members')
    op.create_table('case_members' if pg else '_case_members_old',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'], name=op.f('fk_case_members_case_id_assistance_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_case_members_person_id_persons')),
    sa.PrimaryKeyConstraint('case_id', 'person_id', name=op.f('pk_case_members'))
    )
    op.execute(f"INSERT INTO {'case_members' if pg else '_case_members_old'} (case_id, person_id)"
               " SELECT DISTINCT case_id,"
               f" person_id FROM {newer if pg else 'case_members'} WHERE covered_until IS NULL"
               " OR case_id IN (SELECT id FROM assistance_cases WHERE status = 'terminated')")
    if pg:
        op.drop_table(newer)
    else:
        op.drop_index('ux_case_members_open_coverage', table_name='case_members')
        op.drop_index('ix_case_members_person_id', table_name='case_members')
        op.drop_index('ix_case_members_case_id', table_name='case_members')
        op.drop_table('case_members')
        op.rename_table('_case_members_old', 'case_members')
    op.create_index('ix_case_members_person_id', 'case_members', ['person_id'], unique=False)

    op.drop_index('ix_household_memberships_person_id', table_name='household_memberships')
    op.drop_index('ix_household_memberships_household', table_name='household_memberships')
    op.drop_table('household_memberships')
