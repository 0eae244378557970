"""Start-up: opening a current database reads its version with one query and does not import
Alembic; the head named by the migration files' text is Alembic's own head."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from assistcase.db import head_from_files, head_revision, stored_revision

ROOT = Path(__file__).resolve().parent.parent.parent


def test_head_read_from_the_migration_files_is_alembics_head():
    assert head_from_files() == head_revision()


def test_opening_a_current_database_does_not_import_alembic(db, db_path):
    assert stored_revision(db.engine) == [head_revision()]
    code = ("import sys; from assistcase.db import open_database; "
            f"d = open_database({str(db_path)!r}); d.dispose(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_an_older_database_still_upgrades_through_alembic(db_path):
    from assistcase.db import open_database

    first = open_database(db_path)
    first.downgrade("0005")
    assert stored_revision(first.engine) == ["0005"]
    first.dispose()
    again = open_database(db_path)
    assert stored_revision(again.engine) == [head_revision()]
    again.dispose()
