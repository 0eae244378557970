"""A search key carries its person's household (issues 14, 19, 20)

A name or pinyin search wants households: it read each matching person's household from
the persons (a probe per person; for a one-character surname 55,687 probes, a quarter of a
second on PostgreSQL, which hashed them all before showing a first page). The key's row now
holds ``household_id`` inside the primary key (key, household_id, person_id), so a key range
gives the households themselves: SQLite's rows without rowid are that index, PostgreSQL's
primary key answers it as an index-only scan.

A person without a household (none is, but the column allows it) has 0 there: found by no
search, as before. The writer (services/registry_writer) sets it with the keys; the trigger
``trg_persons_household_keys`` moves a person's keys with the person (a member moved to
another household, a household split), on both engines. No foreign key: each of a city's
four million keys would be checked on insert (row triggers on PostgreSQL); the persons' own
key already ties a key to a living person.

The table is rebuilt (not altered): an UPDATE of four million rows would leave PostgreSQL's
table twice its size until a VACUUM, and SQLite cannot change a primary key in place.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 13:30:00
"""
from alembic import op

from assistcase.sqldialect import drop_trigger, is_pg, pg_trigger

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TRIGGER = "trg_persons_household_keys"


def _rebuild(with_household: bool) -> None:
    bind = op.get_bind()
    cols = '"key", household_id, person_id' if with_household else '"key", person_id'
    household_col = "\n        household_id INTEGER NOT NULL," if with_household else ""
    rowid = "" if is_pg(bind) else " WITHOUT ROWID"
    # PostgreSQL's constraint names are the schema's (the old table still holds them until it
    # is dropped): the new ones are renamed after. SQLite's belong to the table.
    new = "_new" if is_pg(bind) else ""
    op.execute(f"""
        CREATE TABLE person_search_keys_new (
        "key" VARCHAR(128) NOT NULL,{household_col}
        person_id INTEGER NOT NULL,
        CONSTRAINT pk_person_search_keys{new} PRIMARY KEY ({cols}),
        CONSTRAINT fk_person_search_keys{new}_person_id_persons FOREIGN KEY(person_id)
            REFERENCES persons (id) ON DELETE CASCADE){rowid}""")
    source = ('SELECT k."key", COALESCE(p.household_id, 0), k.person_id '
              'FROM person_search_keys AS k '
              'JOIN persons AS p ON p.id = k.person_id' if with_household
              else 'SELECT "key", person_id FROM person_search_keys')
    op.execute(f"INSERT INTO person_search_keys_new ({cols}) {source} ORDER BY 1, 2"
               + (", 3" if with_household else ""))
    op.execute("DROP TABLE person_search_keys")
    op.execute("ALTER TABLE person_search_keys_new RENAME TO person_search_keys")
    if is_pg(bind):
        op.execute("ALTER TABLE person_search_keys RENAME CONSTRAINT pk_person_search_keys_new"
                   " TO pk_person_search_keys")
        op.execute("ALTER TABLE person_search_keys RENAME CONSTRAINT "
                   "fk_person_search_keys_new_person_id_persons TO "
                   "fk_person_search_keys_person_id_persons")
    op.execute("CREATE INDEX ix_person_search_keys_person_id ON person_search_keys (person_id)")


_SQLITE_TRIGGER = f"""
    CREATE TRIGGER {TRIGGER} AFTER UPDATE OF household_id ON persons
    WHEN NEW.household_id IS NOT OLD.household_id
    BEGIN
        UPDATE person_search_keys SET household_id = COALESCE(NEW.household_id, 0)
        WHERE person_id = NEW.id;
    END"""


def upgrade() -> None:
    bind = op.get_bind()
    _rebuild(with_household=True)
    if is_pg(bind):
        # a key range's rows are estimated from the column's histogram: at the default 100
        # buckets a one-character surname's 55,687 of four million keys came out as 525
        op.execute("ALTER TABLE person_search_keys ALTER COLUMN key SET STATISTICS 1000")
        for sql in pg_trigger(
                TRIGGER, "persons", "AFTER UPDATE OF household_id",
                "UPDATE person_search_keys SET household_id = COALESCE(NEW.household_id, 0)"
                " WHERE person_id = NEW.id;",
                condition="NEW.household_id IS DISTINCT FROM OLD.household_id"):
            op.execute(sql)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    for sql in drop_trigger(op.get_bind(), TRIGGER, "persons"):
        op.execute(sql)
    _rebuild(with_household=False)
