"""An encrypted database opened from the window (issue 19): the user's password unlocks the
file through their key slot and signs them in, typed once; a wrong one says so and the
dialog stays; the recovery key opens it too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QDialog  # noqa: E402

from assistcase.cli import main as cli  # noqa: E402
from assistcase.errors import DatabaseLockedError  # noqa: E402
from assistcase.db import open_database  # noqa: E402
from ui.signin import UnlockDialog  # noqa: E402

from ..conftest import ACTOR, PASSWORD, open_test_db  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def encrypted(tmp_path, capsys, monkeypatch):
    for name in ("ASSISTCASE_PASSWORD", "ASSISTCASE_RECOVERY_KEY"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "township.sqlite3"
    open_test_db(path).dispose()
    # the key slot is the app user's name with the same password
    assert cli(["--db", str(path), "--user", ACTOR, "db", "encrypt", "--password", PASSWORD,
                "--no-plain-backup"]) == 0
    out = capsys.readouterr().out
    import re
    recovery = re.search(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})\b", out)[1]
    with pytest.raises(DatabaseLockedError):
        open_database(path)
    return path, recovery


def test_a_wrong_password_is_refused_and_the_right_one_opens_and_is_kept(qtbot, encrypted):
    path, _ = encrypted
    dialog = UnlockDialog(str(path), ACTOR)
    qtbot.addWidget(dialog)
    dialog.password.setText("not-the-password")
    assert dialog.try_unlock() is False
    assert dialog.message.text() and dialog.db is None and dialog.password.text() == ""
    dialog.password.setText(PASSWORD)
    assert dialog.try_unlock() is True
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.credentials == (ACTOR, PASSWORD)
    with dialog.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar() >= 1
    dialog.db.dispose()


def test_the_recovery_key_opens_it_and_signs_nobody_in(qtbot, encrypted):
    path, recovery = encrypted
    dialog = UnlockDialog(str(path))
    qtbot.addWidget(dialog)
    dialog.recovery.setText(recovery.lower())
    assert dialog.try_unlock() is True
    assert dialog.credentials is None  # the sign-in window still asks who works
    dialog.db.dispose()


def test_the_app_opens_an_encrypted_database_with_the_password_typed_once(encrypted):
    """The command line's name and password (as the window's would) unlock the file and
    sign in: one password, read once from stdin."""
    path, _ = encrypted
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ASSISTCASE_PASSWORD", None)
    run = subprocess.run([sys.executable, "-m", "ui.app", "--db", str(path),
                          "--exit-when-shown", "--user", ACTOR, "--password-stdin"],
                         input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=120)
    assert "assistcase: window shown" in run.stdout, run.stderr[-2000:]
    wrong = subprocess.run([sys.executable, "-m", "ui.app", "--db", str(path),
                            "--exit-when-shown", "--user", ACTOR, "--password-stdin"],
                           input="wrong-password\n", capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=120)
    assert "window shown" not in wrong.stdout
    assert "password" in wrong.stderr.lower(), wrong.stderr[-2000:]
