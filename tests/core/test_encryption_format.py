"""SQLCipher's page format (issue 19, the speed of the encrypted city): new files are written
with HMAC-SHA256 page authentication, the format is recorded in the key slots and used by
every opener; files written before (SQLCipher 4's defaults, HMAC-SHA512) still open, are
re-encrypted in place, all or nothing, and a backup in the old format restores."""

from __future__ import annotations

import contextlib
import json
import sqlite3

import pytest
from sqlcipher3 import dbapi2

from assistcase.db import ENCRYPTED_CACHE_KIB, open_database
from assistcase.security import keyslots
from assistcase.security.cipher import (LEGACY_FORMAT, NEW_FORMAT, CipherFormat, connect,
                                        file_format, fingerprint, reencrypt_database)
from assistcase.services import backups as bk

from .test_encryption import _encrypt, _found_in, _plain_fingerprint, _secrets_of, plain_demo  # noqa: F401

pytestmark = pytest.mark.sqlite_only  # SQLCipher files: the PostgreSQL server encrypts its own


def _opens_as(path, key: bytes, fmt: CipherFormat) -> bool:
    try:
        with contextlib.closing(connect(path, key, fmt)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except dbapi2.DatabaseError:
        return False


def _forget_format(path) -> None:
    """The sidecar as the first encrypted databases had it: no page format recorded."""
    side = keyslots.sidecar_path(path)
    data = json.loads(side.read_text(encoding="utf-8"))
    data.pop("cipher", None)
    side.write_text(json.dumps(data), encoding="utf-8")


def test_a_new_encrypted_file_is_written_in_the_recorded_format(plain_demo, capsys):
    path = plain_demo
    before = _plain_fingerprint(path)
    _encrypt(path, capsys)
    key = keyslots.unlock(path, "alice", "alice-pass-1")
    side = json.loads(keyslots.sidecar_path(path).read_text(encoding="utf-8"))
    assert side["cipher"] == {"hmac": "HMAC_SHA256", "page_size": 16384}
    assert file_format(path) == NEW_FORMAT != LEGACY_FORMAT
    # the file really is in that format: SQLCipher's defaults do not read it
    assert _opens_as(path, key, NEW_FORMAT) and not _opens_as(path, key, LEGACY_FORMAT)
    with contextlib.closing(connect(path, key)) as conn:  # the recorded format by default
        assert conn.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0] == "HMAC_SHA256"
        assert int(conn.execute("PRAGMA page_size").fetchone()[0]) == 16384
        assert fingerprint(conn) == before
    # changing a password rewrites the slots and keeps the format
    keyslots.change_password(path, "alice", "alice-pass-1", "alice-pass-2")
    assert file_format(path) == NEW_FORMAT
    db = open_database(path, key=key)  # the app's engine keys its connections with it
    with db.read() as s:
        conn = s.connection()
        assert conn.exec_driver_sql("SELECT count(*) FROM households").scalar() == 200
        # its decrypted pages are kept in a larger cache than a plain file's (KiB, negative)
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -ENCRYPTED_CACHE_KIB
    db.dispose()
    plain = open_database(plain_demo.with_name("plain-again.sqlite3"))
    with plain.read() as s:
        assert s.connection().exec_driver_sql("PRAGMA cache_size").scalar() == -65536
    plain.dispose()


def test_an_old_format_file_opens_is_reencrypted_and_its_backup_restores(plain_demo, capsys,
                                                                         tmp_path):
    path = plain_demo
    names, ids, accounts = _secrets_of(path)
    before = _plain_fingerprint(path)
    _encrypt(path, capsys)
    key = keyslots.unlock(path, "alice", "alice-pass-1")
    # make it a file of the first encrypted version: SHA-512 pages, no format in the sidecar
    assert reencrypt_database(path, key, LEGACY_FORMAT) is True
    _forget_format(path)
    assert file_format(path) == LEGACY_FORMAT
    assert _opens_as(path, key, LEGACY_FORMAT) and not _opens_as(path, key, NEW_FORMAT)

    db = open_database(path, key=key)  # still opens
    old_backup = bk.make_backup(db, "manual", bk.BackupSettings(folder=tmp_path / "bk"))
    db.dispose()
    assert keyslots.KeySlots.load(old_backup.path).cipher is None

    assert reencrypt_database(path, key) is True
    assert reencrypt_database(path, key) is False  # already in the format
    assert file_format(path) == NEW_FORMAT
    assert _opens_as(path, key, NEW_FORMAT) and not _opens_as(path, key, LEGACY_FORMAT)
    assert not any(p.name.endswith(".reencrypting") for p in path.parent.iterdir())
    assert _found_in(path, names + ids + accounts) == []
    with contextlib.closing(connect(path, keyslots.unlock(path, "alice", "alice-pass-1"))) as c:
        assert fingerprint(c) == before
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()

    # the backup from before the re-encryption restores: the sidecar follows the file's format
    db = open_database(path, key=key)
    bk.restore_backup(db, old_backup.path)
    assert file_format(path) == LEGACY_FORMAT
    with db.read() as s:  # the same Database goes on: its new connections use the format
        assert s.connection().exec_driver_sql("SELECT count(*) FROM households").scalar() == 200
    db.dispose()
    with contextlib.closing(connect(path, key)) as conn:
        assert fingerprint(conn) == before


def test_an_unknown_format_is_refused():
    from assistcase.errors import DatabaseError

    for hmac, size in (("HMAC_SHA1", 4096), ("HMAC_SHA256", 3000), ("PLAINTEXT", 4096)):
        with pytest.raises(DatabaseError):
            CipherFormat(hmac, size)


def test_the_cli_shows_the_format_and_reencrypts_an_old_file(plain_demo, capsys):
    from assistcase.cli import main

    path = plain_demo
    before = _plain_fingerprint(path)
    _encrypt(path, capsys)
    key = keyslots.unlock(path, "alice", "alice-pass-1")
    reencrypt_database(path, key, LEGACY_FORMAT)
    _forget_format(path)
    creds = ["--user", "alice", "--password", "alice-pass-1"]
    assert main(["--db", str(path), *creds, "db", "check"]) == 0
    out = capsys.readouterr().out
    assert "authenticated by HMAC_SHA512" in out and "db encrypt` rewrites" in out

    assert main(["--db", str(path), *creds, "db", "encrypt"]) == 0
    assert "re-encrypted in the current page format" in capsys.readouterr().out
    assert file_format(path) == NEW_FORMAT and not _opens_as(path, key, LEGACY_FORMAT)
    assert main(["--db", str(path), *creds, "db", "check"]) == 0
    out = capsys.readouterr().out
    assert "authenticated by HMAC_SHA256" in out and "rewrites" not in out
    assert main(["--db", str(path), *creds, "db", "encrypt"]) == 0
    assert "already encrypted in the current page format" in capsys.readouterr().out
    with contextlib.closing(connect(path, key)) as conn:
        assert fingerprint(conn) == before
