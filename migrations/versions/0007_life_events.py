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


def _steps_check(steps):
    return "step IN (" + ", ".join(repr(s) for s in steps) + ")"


def _rebuild_case_events(steps) -> None:
    op.create_table('_case_events_new',
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
    op.execute("INSERT INTO _case_events_new (id, case_id, step, happened_on, user_id, reason,"
               " details, at) SELECT id, case_id, step, happened_on, user_id, reason, details, at"
               " FROM case_events WHERE step IN (" + ", ".join(repr(s) for s in steps) + ")")
    op.drop_index('ix_case_events_case_id', table_name='case_events')
    op.drop_table('case_events')
    op.rename_table('_case_events_new', 'case_events')
    op.create_index('ix_case_events_case_id', 'case_events', ['case_id'], unique=False)


def upgrade() -> None:
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
               " CASE WHEN h.status = 'closed' THEN COALESCE(h.closed_on, date('now')) END,"
               " CASE WHEN h.status = 'closed' THEN 'household closed' ELSE '' END"
               " FROM persons AS p JOIN households AS h ON h.id = p.household_id ORDER BY p.id")

    # case_members: a new table (its primary key changes), then the rows with their dates.
    op.create_table('_case_members_new',
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
    op.execute("""
        INSERT INTO _case_members_new (case_id, person_id, program, covered_from, covered_until,
                                       end_reason)
        SELECT cm.case_id, cm.person_id, c.program, f.covered_from,
               CASE WHEN c.status = 'terminated'
                    THEN MAX(f.covered_from, COALESCE(c.paid_until, f.covered_from)) END,
               CASE WHEN c.status = 'terminated' THEN 'case terminated' ELSE '' END
        FROM case_members AS cm
        JOIN assistance_cases AS c ON c.id = cm.case_id
        JOIN (SELECT id, MIN(date(applied_on, 'start of month'),
                             COALESCE(paid_from, '9999-12-31')) AS covered_from
              FROM assistance_cases) AS f ON f.id = c.id
        ORDER BY cm.case_id, cm.person_id""")
    # Looked up per person below: without an index the correlated EXISTS is quadratic (a
    # city's half a million coverage rows would never finish).
    op.execute("CREATE INDEX ix_tmp_case_members_open ON _case_members_new"
               " (person_id, program, case_id) WHERE covered_until IS NULL")
    # Open coverage that the rules no longer allow ends from next month (see the docstring).
    op.execute("""
        UPDATE _case_members_new
           SET covered_until = MAX(covered_from, date('now', 'start of month', '+1 month')),
               end_reason = 'not a member of the case''s household at upgrade 0007'
         WHERE covered_until IS NULL AND id IN (
            SELECT cm.id FROM _case_members_new AS cm
            JOIN assistance_cases AS c ON c.id = cm.case_id
            JOIN households AS h ON h.id = c.household_id
            JOIN persons AS p ON p.id = cm.person_id
            WHERE h.status = 'closed' OR p.household_id IS NOT c.household_id)""")
    op.execute("""
        UPDATE _case_members_new
           SET covered_until = MAX(covered_from, date('now', 'start of month', '+1 month')),
               end_reason = 'covered by a later case at upgrade 0007'
         WHERE covered_until IS NULL AND EXISTS (
            SELECT 1 FROM _case_members_new AS o
            WHERE o.person_id = _case_members_new.person_id
              AND o.program = _case_members_new.program
              AND o.covered_until IS NULL AND o.case_id > _case_members_new.case_id)""")
    op.execute("DROP INDEX ix_tmp_case_members_open")
    op.drop_index('ix_case_members_person_id', table_name='case_members')
    op.drop_table('case_members')
    op.rename_table('_case_members_new', 'case_members')
    op.create_index('ix_case_members_case_id', 'case_members', ['case_id'], unique=False)
    op.create_index('ix_case_members_person_id', 'case_members', ['person_id'], unique=False)
    op.create_index('ux_case_members_open_coverage', 'case_members', ['person_id', 'program'],
                    unique=True, sqlite_where=sa.text('covered_until IS NULL'))

    _rebuild_case_events(STEPS_NEW)

    for table in ('incomes', 'property_items'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('valid_from', sa.Date(), server_default=SINCE_ALWAYS,
                                          nullable=False))
            batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
            batch_op.create_check_constraint(
                'valid_period', 'valid_until IS NULL OR valid_until > valid_from')

    for sql in TRIGGERS.values():
        op.execute(sql)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ('property_items', 'incomes'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint('valid_period', type_='check')
            batch_op.drop_column('valid_until')
            batch_op.drop_column('valid_from')

    _rebuild_case_events(STEPS_OLD)  # 'coverage' steps are dropped

    # Back to one row per case and person: the latest coverage of each pair.
    op.create_table('_case_members_old',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['assistance_cases.id'], name=op.f('fk_case_members_case_id_assistance_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_case_members_person_id_persons')),
    sa.PrimaryKeyConstraint('case_id', 'person_id', name=op.f('pk_case_members'))
    )
    op.execute("INSERT INTO _case_members_old (case_id, person_id) SELECT DISTINCT case_id,"
               " person_id FROM case_members WHERE covered_until IS NULL"
               " OR case_id IN (SELECT id FROM assistance_cases WHERE status = 'terminated')")
    op.drop_index('ux_case_members_open_coverage', table_name='case_members')
    op.drop_index('ix_case_members_person_id', table_name='case_members')
    op.drop_index('ix_case_members_case_id', table_name='case_members')
    op.drop_table('case_members')
    op.rename_table('_case_members_old', 'case_members')
    op.create_index('ix_case_members_person_id', 'case_members', ['person_id'], unique=False)

    op.drop_index('ix_household_memberships_person_id', table_name='household_memberships')
    op.drop_index('ix_household_memberships_household', table_name='household_memberships')
    op.drop_table('household_memberships')
