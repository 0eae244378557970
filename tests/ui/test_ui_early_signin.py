"""A scripted start (``--user`` with ``--password-stdin``) checks the password on a thread while
the app loads (ui/early_signin.py), and starts without garbage collection until its first
window has painted (ui/app.py): the outcome is the same as before, only sooner."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from assistcase.db import open_database
from assistcase.models import AuditEntry, User
from tests.conftest import ACTOR, PASSWORD
from ui import app as app_module
from ui import early_signin

ROOT = Path(__file__).resolve().parents[2]


def run_app(path: Path, password: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ui.app", "--db", str(path), "--exit-when-shown",
                           "--user", ACTOR, "--password-stdin"], input=password + "\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def sign_ins(path: Path) -> tuple[int, int, int]:
    """The user's failure counter, and the audit's failed and successful sign-ins."""
    db = open_database(path)
    try:
        with db.read() as s:
            failed = s.scalar(select(User.failed_attempts).where(User.username == ACTOR))
            actions = dict(s.execute(select(AuditEntry.action, func.count())
                                     .where(AuditEntry.action.in_(("signin", "signin_failed")))
                                     .group_by(AuditEntry.action)).all())
    finally:
        db.dispose()
    return failed or 0, actions.get("signin_failed", 0), actions.get("signin", 0)


def test_a_scripted_start_signs_in_once_and_a_wrong_password_counts_once(db):
    path = db.path
    db.dispose()
    assert sign_ins(path) == (0, 0, 0)
    wrong = run_app(path, "not-the-password")
    assert "window shown" not in wrong.stdout
    assert "error: wrong user name or password" in wrong.stderr, wrong.stderr[-2000:]
    assert sign_ins(path) == (1, 1, 0)          # one failure, audited once
    right = run_app(path, PASSWORD)
    assert "assistcase: window shown" in right.stdout, right.stderr[-2000:]
    assert sign_ins(path) == (0, 1, 1)          # the counter reset by the sign-in
    # collection resumed after the first window (the start ran without it)
    assert "assistcase: garbage collection on" in right.stdout


def _start(monkeypatch, *argv: str, stdin: str = PASSWORD + "\n") -> io.StringIO:
    stream = io.StringIO(stdin)
    monkeypatch.setattr(sys, "stdin", stream)
    early_signin.start(app_module.parse_args(list(argv)))
    return stream


def test_the_password_is_checked_on_a_thread_of_its_own(db, monkeypatch):
    path = db.path
    db.dispose()
    _start(monkeypatch, "--db", str(path), "--user", ACTOR, "--password-stdin")
    opened, pending = early_signin.database(), early_signin.take()
    try:
        assert pending is not None and opened is not None
        assert pending.db is opened   # the window works on the database signed in to
        identity = pending.result()
        assert identity.username == ACTOR and identity.grants
        # each is handed over once
        assert early_signin.database() is None and early_signin.take() is None
    finally:
        opened.dispose()


def test_a_wrong_password_is_raised_where_the_window_takes_the_result(db, monkeypatch):
    from assistcase.errors import SignInError

    path = db.path
    db.dispose()
    _start(monkeypatch, "--db", str(path), "--user", ACTOR, "--password-stdin", stdin="wrong\n")
    opened, pending = early_signin.database(), early_signin.take()
    try:
        try:
            pending.result()
        except SignInError as exc:
            assert "wrong user name or password" in exc.message_en
        else:
            raise AssertionError("a wrong password signed in")
    finally:
        opened.dispose()


def test_the_usual_path_is_left_what_it_explains(tmp_path, monkeypatch):
    # without --password-stdin: nothing opened, nothing read
    stream = _start(monkeypatch, "--db", str(tmp_path / "a.sqlite3"), "--user", ACTOR)
    assert early_signin.database() is None and early_signin.take() is None
    assert stream.read() == PASSWORD + "\n"
    # a file that is not a database: the usual path opens it again and says why not
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    stream = _start(monkeypatch, "--db", str(bad), "--user", ACTOR, "--password-stdin")
    assert early_signin.database() is None and early_signin.take() is None
    assert stream.read() == PASSWORD + "\n"
    # a blank database: opened (and kept for the window), but the demo or the first
    # administrator comes before any sign-in, so the password is not read yet
    stream = _start(monkeypatch, "--db", str(tmp_path / "blank.sqlite3"), "--user", ACTOR,
                    "--password-stdin")
    opened = early_signin.database()
    assert opened is not None and early_signin.take() is None
    assert stream.read() == PASSWORD + "\n"
    opened.dispose()


def test_collection_resumes_once_with_what_the_start_built_frozen():
    gc.disable()
    try:
        app_module._startup_done()
        assert gc.isenabled()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        app_module._startup_done()      # again (the fallback timer): nothing more is frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        gc.enable()
