"""Automatic backups and restore (issue 19, part 2): verified backups with a manifest, the
rotation, a damaged database restored from the CLI table for table, the hooks before an
import and a roster approval, and audit heads recorded in the manifests."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from assistcase.cli import main
from assistcase.db import open_database
from assistcase.errors import DatabaseError, ValidationError
from assistcase.io import import_registry
from assistcase.models import Area
from assistcase.security import keyslots
from assistcase.security.cipher import connect, fingerprint
from assistcase.services import backups as bk
from assistcase.services import registry as reg

from ..conftest import ACTOR, demo_city, make_id, token_file
from .test_import import good_rows, write_xlsx


def _fp(path: Path, key: bytes | None = None) -> dict:
    with contextlib.closing(connect(path, key)) as conn:
        return fingerprint(conn)


def _damage(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:  # overwrite bytes in the middle of the file
        f.seek(size // 2)
        f.write(b"\xa5" * 16384)


@pytest.fixture
def city(db, db_path):
    demo_city(db, households=200, seed=6, today=dt.date(2026, 11, 22))
    db.dispose()
    return db_path


def _only_backup(folder: Path, reason: str) -> bk.BackupInfo:
    found = [b for b in bk.list_backups(folder) if b.reason == reason]
    assert len(found) == 1, found
    return found[0]


def test_backup_damage_restore_from_the_cli(city, capsys):
    assert main(["--db", str(city), "db", "backup"]) == 0
    assert "backup written and verified" in capsys.readouterr().out
    info = _only_backup(city.parent / "backups", "manual")
    assert info.integrity == "ok" and info.counts["households"] == 200
    assert info.audit_head is not None and info.sha256
    backup_fp = _fp(info.path)
    assert backup_fp == _fp(city)

    _damage(city)
    with pytest.raises(sqlite3.DatabaseError):
        _fp(city)  # the damage is real: the file no longer reads whole
    assert main(["--db", str(city), "db", "backups"]) == 0
    assert "1 backup(s)" in capsys.readouterr().out
    assert main(["--db", str(city), "db", "restore", str(info.path), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "households" in out and "200" in out and "restored" in out
    assert _fp(city) == backup_fp  # every table equals the backup
    assert main(["--db", str(city), "db", "check"]) == 0
    # the damaged state was kept aside before it was replaced
    assert any("-damaged" in p.name for p in (city.parent / "backups").iterdir())


def test_restore_without_yes_does_nothing(city, capsys):
    db = open_database(city)
    info = bk.make_backup(db, "manual")
    db.dispose()
    before = city.read_bytes()
    assert main(["--db", str(city), "db", "restore", str(info.path)]) == 2
    assert city.read_bytes() == before


def test_encrypted_backup_damage_restore(city, capsys):
    assert main(["--db", str(city), "--user", "alice", "db", "encrypt", "--password",
                 "alice-pass-1", "--no-plain-backup"]) == 0
    key = keyslots.unlock(city, "alice", "alice-pass-1")
    creds = ["--user", "alice", "--password", "alice-pass-1"]
    assert main(["--db", str(city), *creds, "db", "backup"]) == 0
    info = _only_backup(city.parent / "backups", "manual")
    assert info.encrypted
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        _fp(info.path)  # the backup is encrypted too
    backup_fp = _fp(info.path, key)
    _damage(city)
    assert main(["--db", str(city), *creds, "db", "restore", str(info.path), "--yes"]) == 0
    assert _fp(city, key) == backup_fp


def test_a_changed_backup_file_is_refused(city, capsys):
    db = open_database(city)
    info = bk.make_backup(db, "manual")
    db.dispose()
    _damage(info.path)
    before = city.read_bytes()
    assert main(["--db", str(city), "db", "restore", str(info.path), "--yes"]) == 2
    assert "was changed or damaged" in capsys.readouterr().err
    assert city.read_bytes() == before


def test_rotation_keeps_the_configured_numbers(db, db_path, tmp_path):
    settings = bk.BackupSettings(folder=tmp_path / "b", mirror=tmp_path / "usb",
                                 daily=3, weekly=2, monthly=2)
    day = dt.datetime(2026, 8, 1, 9, 0)
    while day.date() <= dt.date(2026, 10, 14):  # every other day: 38 backups
        bk.make_backup(db, "daily", settings, now=day)
        day += dt.timedelta(days=2)
    kept = sorted(b.created.date().isoformat() for b in bk.list_backups(settings.folder))
    # 3 latest days; newest of the 2 latest ISO weeks (Mon 10-12… and Mon 10-05…);
    # newest of the 2 latest months
    assert kept == ["2026-09-30", "2026-10-10", "2026-10-12", "2026-10-14"]
    mirrored = sorted(b.created.date().isoformat() for b in bk.list_backups(settings.mirror))
    assert mirrored == kept
    # nothing but the kept backups, their manifests (no stray files) in either folder
    assert len(list(settings.folder.iterdir())) == 2 * len(kept)

    # all of today's backups stay until the next day's rotation
    bk.make_backup(db, "before-import", settings, now=dt.datetime(2026, 10, 14, 11, 0))
    assert len(bk.list_backups(settings.folder)) == 5
    bk.make_backup(db, "daily", settings, now=dt.datetime(2026, 10, 16, 9, 0))
    kept = sorted((b.created.date().isoformat(), b.reason)
                  for b in bk.list_backups(settings.folder))
    # days 16, 14 (its newest: the import's), 12; weeks: 16 and 10; months: 16 and 9-30
    assert kept == [("2026-09-30", "daily"), ("2026-10-10", "daily"), ("2026-10-12", "daily"),
                    ("2026-10-14", "before-import"), ("2026-10-16", "daily")]

    wide = bk.BackupSettings(folder=tmp_path / "w", daily=7, weekly=4, monthly=12)
    day = dt.datetime(2025, 1, 1, 9, 0)
    while day.date() <= dt.date(2026, 3, 31):  # weekly for 15 months
        bk.make_backup(db, "daily", wide, now=day)
        day += dt.timedelta(days=7)
    found = bk.list_backups(wide.folder)
    months = {(b.created.year, b.created.month) for b in found}
    assert len(months) == 12 and len(found) <= 7 + 4 + 12
    assert min(months) == (2025, 4)


def test_daily_backup_once_a_day(db, db_path, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTCASE_BACKUP_DIR", str(tmp_path / "daily"))
    monday = dt.datetime(2026, 11, 30, 8, 0)
    assert bk.ensure_daily_backup(db, now=monday) is not None
    assert bk.ensure_daily_backup(db, now=monday + dt.timedelta(hours=5)) is None
    assert bk.ensure_daily_backup(db, now=monday + dt.timedelta(days=1)) is not None
    assert len(bk.list_backups(tmp_path / "daily")) == 2


def test_import_and_roster_approval_back_up_first(city, tmp_path, capsys):
    db = open_database(city)
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "good.xlsx", good_rows()))
    assert report.written
    before_import = _only_backup(city.parent / "backups", "before-import")
    assert before_import.counts["households"] == 200  # the state before the file
    with db.read() as s:
        county = s.scalars(select(Area).where(Area.level == "county").order_by(Area.code)
                           ).first().code
    tokens = {u: str(token_file(db, u, tmp_path)) for u in ("clerk", "reviewer", "approver")}
    db.dispose()
    base = ["--db", str(city), "--token", tokens["clerk"]]
    assert main([*base, "roster", "build", "--area", county, "--month", "2026-11",
                 "--program", "dibao", "--quiet"]) == 0
    rid = capsys.readouterr().out.split()[2].rstrip(":")
    assert main([*base, "--token", tokens["reviewer"], "roster", "review", rid]) == 0
    assert not [b for b in bk.list_backups(city.parent / "backups")
                if b.reason == "before-approval"]
    assert main([*base, "--token", tokens["approver"], "roster", "approve", rid]) == 0
    before_approval = _only_backup(city.parent / "backups", "before-approval")
    assert before_approval.counts["rosters"] == 1


def test_verify_checks_the_heads_recorded_in_backup_manifests(city, village_ids, capsys):
    db = open_database(city)
    bk.make_backup(db, "manual")
    db.dispose()
    assert main(["--db", str(city), "db", "verify"]) == 0
    assert "1 head(s) recorded in backup manifests checked" in capsys.readouterr().out
    # the log's last rows cut off: the chain alone still fits, the recorded head is missing
    with contextlib.closing(sqlite3.connect(city)) as conn:
        last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        conn.execute(f"DELETE FROM audit_log WHERE id >= {last - 1}")
        conn.commit()
    assert main(["--db", str(city), "db", "verify"]) == 1
    assert f"row {last}, the head recorded in the backup of" in capsys.readouterr().out


def test_a_restore_abandons_the_later_heads(city, village_ids, capsys):
    db = open_database(city)
    first = bk.make_backup(db, "manual", now=dt.datetime(2026, 11, 20, 9))
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "urban", "dibao"),
                         [reg.PersonData("张三", make_id(seq=1))])
    bk.make_backup(db, "manual", now=dt.datetime(2026, 11, 21, 9))
    bk.restore_backup(db, first.path, now=dt.datetime(2026, 11, 22, 9))
    db = open_database(city)
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[1], "urban", "dibao"),
                         [reg.PersonData("李四", make_id(seq=3))])
    db.dispose()
    # the 21st's head is from the history the restore left; the 20th's still holds
    assert main(["--db", str(city), "db", "verify"]) == 0
    assert "1 head(s) recorded" in capsys.readouterr().out


def test_databases_sharing_a_folder_keep_their_own_backups_and_heads(city, capsys):
    import shutil

    other = city.with_name("other.sqlite3")
    shutil.copyfile(city, other)
    folder = city.parent / "backups"
    settings = bk.BackupSettings(folder=folder, daily=1, weekly=0, monthly=0)
    a, b = open_database(city), open_database(other)
    mine = bk.make_backup(a, "daily", settings, now=dt.datetime(2026, 11, 20, 9))
    bk.make_backup(b, "daily", settings, now=dt.datetime(2026, 11, 21, 9))
    bk.make_backup(b, "daily", settings, now=dt.datetime(2026, 11, 22, 9))
    a.dispose()
    b.dispose()
    # the other database's rotation left this one's backup alone
    assert [x.path for x in bk.list_backups(folder, city)] == [mine.path]
    assert len(bk.list_backups(folder, other)) == 1
    # and only a database's own heads are checked against its log
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
        conn.commit()
    assert main(["--db", str(city), "db", "verify"]) == 0
    assert "1 head(s) recorded" in capsys.readouterr().out
    assert main(["--db", str(other), "db", "verify"]) == 1


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_automatic_backups_run_the_quick_check_one_by_hand_the_full(city, tmp_path,
                                                                     monkeypatch):
    db = open_database(city)
    settings = bk.settings_for(city)
    assert settings.check == "quick_check"  # the default of the automatic backups
    daily = bk.make_backup(db, "daily", settings, now=dt.datetime(2026, 11, 20, 9))
    manual = bk.make_backup(db, "manual", settings, now=dt.datetime(2026, 11, 20, 10))
    assert (daily.check, manual.check) == ("quick_check", "integrity_check")
    for info in (daily, manual):
        loaded = bk.BackupInfo.load(info.manifest)
        assert loaded.check == info.check and loaded.integrity == "ok"
        # the SHA-256 taken while copying is the file's, after the check opened it
        assert loaded.sha256 == _sha256(info.path)
        assert loaded.counts == daily.counts and loaded.counts["households"] == 200
    assert _fp(daily.path) == _fp(city)

    # the setting beside the database, and the environment over it
    city.with_name(city.name + ".backup.json").write_text('{"check": "full"}')
    assert bk.settings_for(city).check == "integrity_check"
    monkeypatch.setenv("ASSISTCASE_BACKUP_CHECK", "quick")
    assert bk.settings_for(city).check == "quick_check"
    monkeypatch.setenv("ASSISTCASE_BACKUP_CHECK", "fast")
    with pytest.raises(ValidationError, match="quick or full"):
        bk.settings_for(city)
    monkeypatch.delenv("ASSISTCASE_BACKUP_CHECK")
    full = bk.ensure_daily_backup(db, now=dt.datetime(2026, 11, 21, 9))
    assert full is not None and full.check == "integrity_check"
    db.dispose()

    # a manifest written before the quick check names the full one
    old = city.parent / "old.json"
    manifest = json.loads(daily.to_json())
    del manifest["check"]
    old.write_text(json.dumps(manifest))
    assert bk.BackupInfo.load(old).check == "integrity_check"


def test_the_quick_check_refuses_a_damaged_copy(city):
    folder = city.parent / "backups"
    _damage(city)  # copied byte for byte: the copy is as damaged as the database
    db = open_database(city, upgrade=False)
    with pytest.raises((DatabaseError, sqlite3.DatabaseError)):
        bk.make_backup(db, "daily", bk.BackupSettings(folder=folder))
    db.dispose()
    assert not list(folder.iterdir())  # nothing half-made is left, nothing is listed


def test_the_copy_holds_the_wal_and_a_reader_is_copied_round(city, tmp_path, village_ids):
    from assistcase.security.cipher import copy_file_hashed

    db = open_database(city)
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "urban", "dibao"),
                         [reg.PersonData("张三", make_id(seq=1))])
    # the new household is in the WAL (the engine keeps its connection): the byte copy
    # checkpoints it into the file first
    assert Path(str(city) + "-wal").stat().st_size > 0
    digest = copy_file_hashed(city, tmp_path / "a.sqlite3")
    assert digest == _sha256(tmp_path / "a.sqlite3")
    assert _fp(tmp_path / "a.sqlite3") == _fp(city)
    assert _fp(city)["households"][0] == 201

    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[1], "urban", "dibao"),
                         [reg.PersonData("李四", make_id(seq=3))])
    with contextlib.closing(sqlite3.connect(city, isolation_level=None)) as reader:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM households").fetchone()[0] == 202
        # a reader's snapshot keeps the WAL from being emptied: no byte copy, nothing written
        assert copy_file_hashed(city, tmp_path / "b.sqlite3", tries=1,
                                checkpoint_wait_ms=0) is None
        assert not (tmp_path / "b.sqlite3").exists()
        # the backup goes through SQLite's backup API instead, as whole and as verified
        info = bk.make_backup(db, "daily", bk.BackupSettings(folder=tmp_path / "bk"))
        reader.execute("ROLLBACK")
    assert info.counts["households"] == 202 and info.sha256 == _sha256(info.path)
    db.dispose()
    assert _fp(info.path) == _fp(city)


def test_a_damaged_backup_with_a_matching_hash_is_refused_before_anything_changes(city):
    db = open_database(city)
    info = bk.make_backup(db, "daily")
    db.dispose()
    _damage(info.path)
    # the manifest rewritten to the damaged bytes: only SQLite's check can tell now
    manifest = json.loads(info.manifest.read_text(encoding="utf-8"))
    manifest["sha256"] = _sha256(info.path)
    info.manifest.write_text(json.dumps(manifest), encoding="utf-8")
    before = city.read_bytes()
    db = open_database(city)
    with pytest.raises(DatabaseError, match="does not open whole"):
        bk.restore_backup(db, info.path)
    db.dispose()
    assert city.read_bytes() == before
    # no copy beside the database, no backup of the state that stayed
    assert sorted(p.name for p in city.parent.iterdir() if p.name.startswith(".")) == []
    assert [b.reason for b in bk.list_backups(city.parent / "backups")] == ["daily"]


@pytest.mark.parametrize("kernel", ["copy_file_range", "refused", "absent"])
def test_the_byte_copy_and_its_hash_with_and_without_the_kernel_copy(tmp_path, monkeypatch,
                                                                       kernel):
    import errno
    import os

    from assistcase.security import cipher

    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 * cipher.COPY_BLOCK + 12345))
    if kernel == "refused":  # e.g. EXDEV from an older kernel between two file systems
        def refuse(*_a):
            raise OSError(errno.EXDEV, "cross-device")
        monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    elif kernel == "absent":  # not Linux
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    digest = cipher.copy_hashing(src, tmp_path / "dest.bin")
    assert (tmp_path / "dest.bin").read_bytes() == src.read_bytes()
    assert digest == _sha256(src)
    (tmp_path / "empty").write_bytes(b"")
    assert cipher.copy_hashing(tmp_path / "empty", tmp_path / "empty2") == _sha256(
        tmp_path / "empty")
    # never over a file that is there
    with pytest.raises(FileExistsError):
        cipher.copy_hashing(src, tmp_path / "empty2")
    assert (tmp_path / "empty2").exists()


def test_a_writer_holding_the_lock_sends_the_backup_through_the_backup_api(city, tmp_path):
    from assistcase.security.cipher import copy_file_hashed

    with contextlib.closing(sqlite3.connect(city, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM alembic_version")  # not committed: no backup sees it
        assert copy_file_hashed(city, tmp_path / "a.sqlite3", lock_wait_ms=0) is None
        assert not (tmp_path / "a.sqlite3").exists()
        # the backup API reads the last committed state beside the writer
        db = open_database(city)
        # (the byte copy waits for the writer 0.2 s here, 10 s by default)
        info = bk.make_backup(db, "daily", bk.BackupSettings(folder=tmp_path / "bk",
                                                             lock_wait_ms=200))
        writer.execute("ROLLBACK")
    db.dispose()
    assert info.integrity == "ok" and info.sha256 == _sha256(info.path)
    assert _fp(info.path) == _fp(city)
