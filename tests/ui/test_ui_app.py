"""The app as the README starts it: a fresh database gets a demo city, the window opens."""

import os
import subprocess
import sys

from assistcase.db import open_database
from assistcase.services.queries import count_households


def run_app(*args, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASSISTCASE_DATA_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "ui.app", *args, "--exit-when-shown"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_first_run_creates_a_demo_database_and_shows_the_window(tmp_path):
    path = tmp_path / "first.sqlite3"
    out = run_app("--db", str(path), "--demo-households", "40", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "assistcase: window shown" in out.stdout
    db = open_database(path)
    with db.read() as s:
        assert count_households(s) == 40
    db.dispose()
    # second start: the existing database is opened as it is
    again = run_app("--db", str(path), "--lang", "en", tmp_path=tmp_path)
    assert again.returncode == 0, again.stderr
    db = open_database(path)
    with db.read() as s:
        assert count_households(s) == 40
    db.dispose()


def test_default_database_lives_in_the_data_directory(tmp_path):
    out = run_app("--demo-households", "5", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "assistcase.sqlite3").exists()
