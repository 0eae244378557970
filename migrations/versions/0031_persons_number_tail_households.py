"""An ID number's tail finds its households from one index (issues 12 and 20)

A search by the last characters of an ID number ranged over ``ix_persons_id_number_rev`` (the
number reversed) for the persons, then looked each person's household up in
``ix_persons_id_household``: a second page per person found, a disk read each when the file
is not in the OS cache (a township laptop's first searches after it starts).
``ix_persons_id_number_rev_household`` holds the reversed number and the household, and the
search reads it alone. Both old indexes are dropped: the new one serves every range on the
reversed number, and the other served only this search.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 01:00:00
"""
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_persons_id_number_rev_household", "persons",
                    ["id_number_rev", "household_id"])
    op.drop_index("ix_persons_id_number_rev", table_name="persons")
    op.drop_index("ix_persons_id_household", table_name="persons")


def downgrade() -> None:
    op.create_index("ix_persons_id_household", "persons", ["id", "household_id"])
    op.create_index("ix_persons_id_number_rev", "persons", ["id_number_rev"])
    op.drop_index("ix_persons_id_number_rev_household", table_name="persons")
