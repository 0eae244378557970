"""Encryption at rest (issue 19, part 1): SQLCipher files, key slots, the recovery key, and the
all-or-nothing conversion of a plain database – on real files and a real killed process."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistcase.cli import main
from assistcase.db import open_database
from assistcase.errors import DatabaseLockedError, WrongPasswordError
from assistcase.security import keyslots
from assistcase.security.cipher import connect, fingerprint, is_encrypted

from ..conftest import demo_city

PROJECT = Path(__file__).resolve().parents[2]


def _plain_fingerprint(path: Path) -> dict:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return fingerprint(conn)


def _secrets_of(path: Path) -> tuple[list[str], list[str], list[str]]:
    """Names, ID numbers and bank accounts from the demo (read from the plain file)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM persons WHERE length(name) >= 3 ORDER BY id LIMIT 40")]
        ids = [r[0] for r in conn.execute("SELECT id_number FROM persons ORDER BY id LIMIT 40")]
        accounts = [r[0] for r in conn.execute(
            "SELECT account_number FROM households WHERE length(account_number) >= 8 "
            "ORDER BY id LIMIT 40")]
    assert names and ids and accounts
    return names, ids, accounts


def _found_in(path: Path, texts: list[str]) -> list[str]:
    data = path.read_bytes()
    for extra in (Path(str(path) + "-wal"),):
        if extra.exists():
            data += extra.read_bytes()
    found = [t for t in texts if t.encode("utf-8") in data]
    strings = shutil.which("strings")
    if strings:  # the acceptance line's own tool, for the ASCII ones (IDs, accounts)
        out = subprocess.run([strings, "-n", "6", str(path)], capture_output=True,
                             text=True, errors="replace").stdout
        found += [t for t in texts if t.isascii() and t in out]
    return found


def _recovery_key(out: str) -> str:
    m = re.search(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})\b", out)
    assert m, out
    return m[1]


@pytest.fixture
def plain_demo(db, db_path) -> Path:
    demo_city(db, households=200, seed=6, today=dt.date(2026, 11, 22))
    db.dispose()
    return db_path


def _encrypt(path: Path, capsys, user: str = "alice", password: str = "alice-pass-1") -> str:
    assert main(["--db", str(path), "--user", user, "db", "encrypt",
                 "--password", password, "--no-plain-backup"]) == 0
    return _recovery_key(capsys.readouterr().out)


def test_encrypted_file_is_unreadable_without_a_key_and_opens_with_each_slot(plain_demo,
                                                                           capsys):
    path = plain_demo
    names, ids, accounts = _secrets_of(path)
    assert _found_in(path, names + ids + accounts)  # the check finds them in a plain file
    before = _plain_fingerprint(path)

    recovery = _encrypt(path, capsys)
    assert is_encrypted(path)
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli:
        res = subprocess.run([sqlite3_cli, str(path), "SELECT count(*) FROM persons"],
                             capture_output=True, text=True)
        assert res.returncode != 0 and "file is not a database" in res.stderr
    assert _found_in(path, names + ids + accounts) == []

    # a second user, added with the first one's password: the data file is not rewritten
    data_before = path.read_bytes()
    assert main(["--db", str(path), "--user", "alice", "--password", "alice-pass-1",
                 "db", "add-slot", "--name", "bob", "--new-password", "bob-pass-22"]) == 0
    assert path.read_bytes() == data_before
    assert keyslots.slot_names(path) == ["alice", "bob"]

    keys = {keyslots.unlock(path, "alice", "alice-pass-1"),
            keyslots.unlock(path, "bob", "bob-pass-22"),
            keyslots.unlock_recovery(path, recovery),
            keyslots.unlock_recovery(path, recovery.lower().replace("-", " "))}
    assert len(keys) == 1
    key = keys.pop()
    with contextlib.closing(connect(path, key)) as conn:
        assert fingerprint(conn) == before
    for name, wrong in (("alice", "alice-pass-2"), ("bob", "alice-pass-1"),
                        ("carol", "alice-pass-1")):
        with pytest.raises(WrongPasswordError):
            keyslots.unlock(path, name, wrong)
    with pytest.raises(WrongPasswordError):
        keyslots.unlock_recovery(path, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")

    # the app's open path: a password from the environment, or refused
    with pytest.raises(DatabaseLockedError):
        open_database(path)
    db = open_database(path, key=keyslots.unlock(path, "bob", "bob-pass-22"))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM persons").scalar() == before[
            "persons"][0]
    db.dispose()

    # a changed password: the old one no longer opens, the new one does, the key is the same
    keyslots.change_password(path, "alice", "alice-pass-1", "alice-new-pass")
    with pytest.raises(WrongPasswordError):
        keyslots.unlock(path, "alice", "alice-pass-1")
    assert keyslots.unlock(path, "alice", "alice-new-pass") == key
    assert path.read_bytes() == data_before


def test_cli_check_reports_encryption_and_opens_with_a_password(plain_demo, capsys,
                                                                monkeypatch):
    path = plain_demo
    assert main(["--db", str(path), "db", "check"]) == 0
    assert "encryption: none" in capsys.readouterr().out
    _encrypt(path, capsys)
    assert main(["--db", str(path), "db", "check"]) == 0
    out = capsys.readouterr().out
    assert "encryption: SQLCipher" in out and "alice" in out
    assert main(["--db", str(path), "--user", "alice", "--password", "wrong-pass",
                 "db", "check"]) == 2
    assert "wrong password for alice" in capsys.readouterr().err
    monkeypatch.setenv("ASSISTCASE_PASSWORD", "alice-pass-1")
    assert main(["--db", str(path), "--user", "alice", "db", "check"]) == 0
    assert "integrity: ok" in capsys.readouterr().out
    # a search signs in (issue 13) as a registered user; the key slot stays alice's
    import io

    from ..conftest import ACTOR, PASSWORD

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", str(path), "--user", ACTOR, "--slot", "alice", "search", "0015"]) == 0


def test_backup_of_an_encrypted_database_is_encrypted_and_opens_with_its_keys(plain_demo,
                                                                              capsys):
    path = plain_demo
    _encrypt(path, capsys)
    key = keyslots.unlock(path, "alice", "alice-pass-1")
    db = open_database(path, key=key)
    dest = db.backup(path.with_name("copy.sqlite3"))
    db.dispose()
    assert is_encrypted(dest)
    assert keyslots.unlock(dest, "alice", "alice-pass-1") == key  # its slots came along
    with contextlib.closing(connect(dest, key)) as a, contextlib.closing(connect(path, key)) as b:
        assert fingerprint(a) == fingerprint(b)


def test_conversion_killed_midway_leaves_the_original_usable(plain_demo, tmp_path):
    path = plain_demo
    before = _plain_fingerprint(path)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistcase", "--db", str(path), "--user", "alice",
         "db", "encrypt", "--password", "alice-pass-1", "--no-plain-backup"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=tmp_path)
    try:
        for line in proc.stderr:
            if line.startswith("exporting"):
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # killed before the rename: the original is the plain file it was, whole and usable
    assert not is_encrypted(path)
    assert _plain_fingerprint(path) == before
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db = open_database(path)
    db.dispose()
    # and converting again succeeds (the interrupted attempt's temporary file is replaced)
    recovery, backup = __import__("assistcase.security.cipher", fromlist=["x"]).encrypt_database(
        path, {"alice": "alice-pass-1"}, keep_plain_backup=True)
    assert is_encrypted(path) and backup is not None and not is_encrypted(backup)
    assert not any(p.name.endswith(".encrypting") for p in path.parent.iterdir())
    with contextlib.closing(connect(path, keyslots.unlock_recovery(path, recovery))) as conn:
        assert fingerprint(conn) == before
