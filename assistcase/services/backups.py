"""Automatic backups, their rotation, and restore (自动备份与恢复).

A backup is a consistent copy of the database file (encrypted with the same key when the
database is encrypted, its key slots beside it) plus a small manifest ``<backup>.json``: when
and why it was made, the schema version, the integrity check, every table's row count, the
audit log's chain head and the file's SHA-256. Each copy is checked after writing (it opens,
SQLite's check is ok, counts are read from the copy itself) before it counts as a backup.

The copy is the file's bytes, taken under the write lock with the WAL emptied and hashed as
they are copied (an encrypted file stays encrypted as it is, no page decrypted); SQLite's
backup API is the fallback when readers keep the WAL from being emptied. Which check: an
automatic backup (the day's, before an import, an approval, a restore) runs ``quick_check``
(every page and record read, no index looked up row by row: linear in the file, the ≤ 30 s
of issue 19 at 300,000 households); a backup asked for by hand runs the full
``integrity_check``, as does every restore on the backup it puts back.

When: the first start of each day (:func:`ensure_daily_backup`), before every roster approval
and every import (:func:`backup_before`, called by those services), before a restore, and on
demand. Rotation keeps the newest backup of each of the last 7 days, 4 ISO weeks and 12
months (configurable), and all of today's; a second folder (a USB stick) gets the same files and rotation.

Settings, most specific first: arguments, the environment (``ASSISTCASE_BACKUP_DIR``,
``ASSISTCASE_BACKUP_MIRROR``, ``ASSISTCASE_BACKUP_KEEP=7,4,12``, ``ASSISTCASE_BACKUP=off``,
``ASSISTCASE_BACKUP_CHECK=quick|full`` for the automatic backups), then
``<database>.backup.json`` beside the database ({"folder", "mirror", "daily", "weekly",
"monthly", "enabled", "check", "lock_wait_ms"}), then the defaults (a ``backups`` folder
beside the database, quick, a writer's commit awaited 10 s).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DatabaseError, ValidationError

if TYPE_CHECKING:
    from ..security.cipher import CipherFormat
    from ..db import Database

log = logging.getLogger(__name__)

MANIFEST_FORMAT = "assistcase-backup"
ENV_DIR = "ASSISTCASE_BACKUP_DIR"
ENV_MIRROR = "ASSISTCASE_BACKUP_MIRROR"
ENV_KEEP = "ASSISTCASE_BACKUP_KEEP"
ENV_ENABLED = "ASSISTCASE_BACKUP"
ENV_CHECK = "ASSISTCASE_BACKUP_CHECK"
# the setting's words and SQLite's pragmas
CHECKS = {"quick": "quick_check", "full": "integrity_check"}
RESTORE_LOG = "restore-log.json"


@dataclass
class BackupSettings:
    folder: Path
    mirror: Path | None = None
    daily: int = 7
    weekly: int = 4
    monthly: int = 12
    enabled: bool = True
    check: str = "quick_check"  # of the automatic backups; by hand: always integrity_check
    # how long a backup waits for a writer's commit (its byte copy needs the write lock)
    # before it copies through SQLite's backup API beside the writer instead
    lock_wait_ms: int = 10_000


@dataclass
class BackupInfo:
    path: Path
    created: dt.datetime
    reason: str
    source: str
    encrypted: bool
    schema: str | None
    integrity: str
    counts: dict[str, int]
    audit_head: tuple[int, str] | None
    sha256: str
    size: int
    check: str = "integrity_check"  # the check ``integrity`` is the result of

    @property
    def manifest(self) -> Path:
        return manifest_path(self.path)

    def summary(self) -> str:
        c = self.counts
        return (f"{self.created:%Y-%m-%d %H:%M:%S}  {self.reason:<15} "
                f"households {c.get('households', 0):,}  persons {c.get('persons', 0):,}  "
                f"audit rows {c.get('audit_log', 0):,}  "
                f"{'encrypted' if self.encrypted else 'plain'}  {self.size / 1e6:.1f} MB")

    def to_json(self) -> str:
        return json.dumps({
            "format": MANIFEST_FORMAT, "version": 1, "file": self.path.name,
            "created": self.created.isoformat(timespec="microseconds"), "reason": self.reason,
            "source": self.source, "encrypted": self.encrypted, "schema": self.schema,
            "integrity": self.integrity, "check": self.check, "counts": self.counts,
            "audit_head": ({"id": self.audit_head[0], "hash": self.audit_head[1]}
                           if self.audit_head else None),
            "sha256": self.sha256, "size": self.size}, ensure_ascii=False, indent=1)

    @classmethod
    def load(cls, manifest: Path) -> "BackupInfo":
        d = json.loads(manifest.read_text(encoding="utf-8"))
        if d.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"{manifest} is not a backup manifest")
        head = d.get("audit_head")
        return cls(path=manifest.with_name(d["file"]),
                   created=dt.datetime.fromisoformat(d["created"]), reason=d["reason"],
                   source=d["source"], encrypted=d["encrypted"], schema=d["schema"],
                   integrity=d["integrity"], counts=d["counts"],
                   audit_head=(head["id"], head["hash"]) if head else None,
                   sha256=d["sha256"], size=d["size"],
                   # manifests written before the quick check had only the full one
                   check=d.get("check", "integrity_check"))


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".json")


def _keys(path: Path) -> Path:
    from ..security.keyslots import sidecar_path

    return sidecar_path(path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _keep_arg(text: str) -> tuple[int, int, int]:
    try:
        d, w, m = (int(x) for x in text.split(","))
    except ValueError:
        raise ValidationError.single(
            ENV_KEEP, f"backups to keep must be DAILY,WEEKLY,MONTHLY numbers, not {text!r}",
            f"保留份数应为 日,周,月 三个数字，而不是 {text!r}") from None
    if min(d, w, m) < 0 or d < 1:
        raise ValidationError.single(ENV_KEEP, "at least one daily backup is kept",
                                     "至少保留一份每日备份")
    return d, w, m


def _check_arg(text: str, where: str) -> str:
    try:
        return CHECKS[str(text).strip().lower()]
    except KeyError:
        raise ValidationError.single(
            where, f"the backup check must be quick or full, not {text!r}",
            f"备份检查方式应为 quick（快速）或 full（完整），而不是 {text!r}") from None


def settings_for(db_path: Path, folder: str | Path | None = None,
                 mirror: str | Path | None = None, keep: str | None = None) -> BackupSettings:
    """The backup settings of the database at ``db_path`` (see the module docstring)."""
    cfg: dict[str, Any] = {}
    cfg_file = db_path.with_name(db_path.name + ".backup.json")
    if cfg_file.exists():
        try:
            cfg = json.loads(cfg_file.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DatabaseError(f"the backup settings {cfg_file} cannot be read ({exc})",
                                f"无法读取备份设置 {cfg_file}（{exc}）") from exc
    folder = folder or os.environ.get(ENV_DIR) or cfg.get("folder") or db_path.parent / "backups"
    mirror = mirror or os.environ.get(ENV_MIRROR) or cfg.get("mirror")
    s = BackupSettings(folder=Path(folder).expanduser(),
                       mirror=Path(mirror).expanduser() if mirror else None,
                       daily=int(cfg.get("daily", 7)), weekly=int(cfg.get("weekly", 4)),
                       monthly=int(cfg.get("monthly", 12)),
                       enabled=bool(cfg.get("enabled", True)),
                       lock_wait_ms=int(cfg.get("lock_wait_ms", 10_000)))
    keep = keep or os.environ.get(ENV_KEEP)
    if keep:
        s.daily, s.weekly, s.monthly = _keep_arg(keep)
    if os.environ.get(ENV_ENABLED, "").lower() in ("off", "0", "no"):
        s.enabled = False
    check = os.environ.get(ENV_CHECK)
    if check:
        s.check = _check_arg(check, ENV_CHECK)
    elif "check" in cfg:
        s.check = _check_arg(cfg["check"], f"{cfg_file.name}: check")
    return s


# --- reading a database file ------------------------------------------------------------


def inspect_file(path: Path, key: bytes | None, check: str = "integrity_check",
                 fmt: "CipherFormat | None" = None
                 ) -> tuple[str, str | None, dict[str, int], tuple[int, str] | None]:
    """Open a database file on its own and read its integrity check (``check``: SQLite's
    integrity_check or quick_check), schema version, row counts and audit chain head.
    ``fmt``: an encrypted file's page format (default: what its key slots record)."""
    from ..security.cipher import connect, integrity, row_counts

    with contextlib.closing(connect(path, key, fmt)) as conn:
        conn.execute("PRAGMA query_only=ON")
        # plain SQLite reads the pages in place, not copied (a fifth less CPU for the check
        # at city scale); SQLCipher decrypts every page and maps nothing
        conn.execute("PRAGMA mmap_size=2147418112").fetchall()
        result = integrity(conn, check)
        counts = row_counts(conn)
        schema = None
        if "alembic_version" in counts:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            schema = row[0] if row else None
        head = None
        cols = {r[1] for r in conn.execute("PRAGMA table_info(audit_log)")}
        if "hash" in cols:
            row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
                               ).fetchone()
            head = (row[0], row[1]) if row else None
    return result, schema, counts, head


# --- making backups ----------------------------------------------------------------------


def _unique(folder: Path, stem: str, suffix: str) -> Path:
    dest = folder / f"{stem}{suffix}"
    n = 1
    while dest.exists() or manifest_path(dest).exists():
        dest = folder / f"{stem}-{n}{suffix}"
        n += 1
    return dest


def _remove(backup: Path) -> None:
    for p in (backup, manifest_path(backup), _keys(backup)):
        p.unlink(missing_ok=True)


def _write_copy(db: "Database", folder: Path, reason: str, now: dt.datetime,
                check: str = "integrity_check", lock_wait_ms: int = 10_000) -> BackupInfo:
    from ..security.cipher import copy_database, copy_file_hashed

    src = db.path
    assert src is not None
    folder.mkdir(parents=True, exist_ok=True)
    dest = _unique(folder, f"{src.stem}-{now:%Y%m%d-%H%M%S}-{reason}", src.suffix or ".sqlite3")
    try:
        digest = copy_file_hashed(src, dest, db.key, lock_wait_ms=lock_wait_ms)
        if digest is None:  # readers kept the WAL: a copy through the backup API, hashed after
            copy_database(src, dest, db.key)
        result, schema, counts, head = inspect_file(dest, db.key, check)
        if result != "ok":
            raise DatabaseError(f"the backup {dest} fails its integrity check: {result}",
                                f"备份 {dest} 完整性检查失败：{result}")
        if digest is None:
            digest = _sha256(dest)
        info = BackupInfo(path=dest, created=now, reason=reason, source=str(src),
                          encrypted=db.key is not None, schema=schema, integrity=result,
                          counts=counts, audit_head=head, sha256=digest,
                          size=dest.stat().st_size, check=check)
        # The manifest is written last: a backup without one is incomplete and never listed.
        from ..files import replaced_on_success

        with replaced_on_success(info.manifest) as tmp:
            tmp.write_text(info.to_json(), encoding="utf-8")
    except BaseException:
        _remove(dest)
        raise
    return info


def _mirror(info: BackupInfo, folder: Path) -> BackupInfo:
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / info.path.name
    try:
        shutil.copyfile(info.path, dest)
        if _keys(info.path).exists():
            shutil.copyfile(_keys(info.path), _keys(dest))
        if _sha256(dest) != info.sha256:
            raise DatabaseError(f"the copy {dest} differs from the backup it was copied from",
                                f"第二备份 {dest} 与原备份不一致")
        copy = dataclasses.replace(info, path=dest)
        manifest_path(dest).write_text(copy.to_json(), encoding="utf-8")
    except BaseException:
        _remove(dest)
        raise
    return copy


def make_backup(db: "Database", reason: str = "manual", settings: BackupSettings | None = None,
                now: dt.datetime | None = None, check: str | None = None) -> BackupInfo:
    """Write, verify and record one backup, copy it to the second folder, rotate both.
    ``check``: SQLite's check of the copy; by default the full integrity_check for a backup
    asked for by hand ("manual"), the settings' (quick_check unless set) for the others."""
    if db.path is None:
        raise DatabaseError("only a SQLite file database is backed up here",
                            "只有 SQLite 文件数据库可以在此备份")
    settings = settings or settings_for(db.path)
    now = now or dt.datetime.now()
    check = check or ("integrity_check" if reason == "manual" else settings.check)
    info = _write_copy(db, settings.folder, reason, now, check, settings.lock_wait_ms)
    rotate(settings.folder, settings, now, db.path)
    if settings.mirror is not None:
        try:
            _mirror(info, settings.mirror)
            rotate(settings.mirror, settings, now, db.path)
        except (OSError, DatabaseError) as exc:
            # A missing USB stick must not stop the day's work: the first copy is made.
            log.warning("backup not copied to the second folder %s: %s", settings.mirror, exc)
    log.info("backup %s (%s) written and verified", info.path, reason)
    return info


def backup_before(db: "Database", reason: str) -> BackupInfo | None:
    """The backup a service takes before a step that is hard to undo (a roster approval, an
    import); None where there is nothing to copy here (an in-memory or server database) or
    backups are switched off."""
    if db.path is None:
        return None
    settings = settings_for(db.path)
    if not settings.enabled:
        return None
    return make_backup(db, reason, settings)


def ensure_daily_backup(db: "Database", now: dt.datetime | None = None) -> BackupInfo | None:
    """The first start of a day makes the day's backup; later starts make none."""
    if db.path is None:
        return None
    settings = settings_for(db.path)
    if not settings.enabled:
        return None
    now = now or dt.datetime.now()
    if any(b.reason == "daily" and b.created.date() == now.date()
           for b in list_backups(settings.folder, db.path)):
        return None
    return make_backup(db, "daily", settings, now)


# --- listing and rotation --------------------------------------------------------------------


def list_backups(folder: Path, source: Path | None = None) -> list[BackupInfo]:
    """The complete backups in ``folder`` (those with a manifest whose file exists), newest
    first; with ``source``, only the backups of that database (several databases may share a
    folder: each one's rotation and recorded heads are its own)."""
    found = []
    if not folder.is_dir():
        return found
    for m in folder.glob("*.json"):
        if m.name == RESTORE_LOG:
            continue
        try:
            info = BackupInfo.load(m)
        except (ValueError, KeyError, OSError):
            continue
        if info.path.exists() and (source is None or _same(info.source, source)):
            found.append(info)
    return sorted(found, key=lambda b: b.created, reverse=True)


def _same(recorded: str, source: Path) -> bool:
    return Path(recorded).resolve() == Path(source).resolve()


def kept(backups: list[BackupInfo], daily: int, weekly: int, monthly: int,
         today: dt.date | None = None) -> set[Path]:
    """Grandfather-father-son: the newest backup of each of the ``daily`` latest days, the
    ``weekly`` latest ISO weeks and the ``monthly`` latest months that have backups – and
    every backup made ``today`` (the one before this morning's import stays until tomorrow)."""
    keep: set[Path] = {b.path for b in backups if today and b.created.date() == today}
    for count, bucket in ((daily, lambda d: d.date()),
                          (weekly, lambda d: tuple(d.isocalendar())[:2]),
                          (monthly, lambda d: (d.year, d.month))):
        seen: list[Any] = []
        for b in sorted(backups, key=lambda b: b.created, reverse=True):
            k = bucket(b.created)
            if k in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(k)
            keep.add(b.path)
    return keep


def rotate(folder: Path, settings: BackupSettings, now: dt.datetime | None = None,
           source: Path | None = None) -> list[Path]:
    """Remove the backups (of ``source``) the rotation does not keep; returns the removed
    files."""
    backups = list_backups(folder, source)
    keep = kept(backups, settings.daily, settings.weekly, settings.monthly,
                (now or dt.datetime.now()).date())
    removed = [b.path for b in backups if b.path not in keep]
    for p in removed:
        _remove(p)
    return removed


# --- restore ---------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    restored: BackupInfo
    previous: Path | None  # the backup of the state that was replaced


def check_backup(info: BackupInfo, key: bytes | None, dest: Path) -> None:
    """Copy the backup to ``dest`` and check that the copy is the file its manifest describes
    (the SHA-256 of the bytes read while copying) and opens whole (the full integrity_check,
    the counts of the manifest): what is put in place is what was checked, in one read."""
    from ..security.cipher import copy_hashing, file_format

    # the copy has no key slots beside it yet: it is read in the format of the backup's
    fmt = file_format(info.path) if info.encrypted and key is not None else None
    if copy_hashing(info.path, dest) != info.sha256:
        raise DatabaseError(f"the backup {info.path} was changed or damaged since it was made "
                            "(its SHA-256 differs from its manifest)",
                            f"备份 {info.path} 在制作后被改动或损坏（校验值与清单不符）")
    import sqlite3

    from ..db import _cipher_error

    try:
        check, _schema, counts, _head = inspect_file(dest, key, fmt=fmt)
    except (sqlite3.Error, _cipher_error()) as exc:  # too damaged for the check to finish
        check, counts = str(exc), None
    if check != "ok" or counts != info.counts:
        raise DatabaseError(f"the backup {info.path} does not open whole ({check})",
                            f"备份 {info.path} 无法完整打开（{check}）")


def _save_aside(db: "Database", settings: BackupSettings, now: dt.datetime) -> Path:
    """Back the current state up before it is replaced; a damaged file (that cannot be backed
    up the normal way) is copied byte for byte, its WAL with it."""
    try:
        return _write_copy(db, settings.folder, "before-restore", now, settings.check,
                           settings.lock_wait_ms).path
    except Exception as exc:  # damaged: integrity fails, or SQLite refuses to read it
        log.warning("the current database could not be backed up normally (%s); "
                    "copying its bytes", exc)
        src = db.path
        assert src is not None
        settings.folder.mkdir(parents=True, exist_ok=True)
        dest = _unique(settings.folder, f"{src.stem}-{now:%Y%m%d-%H%M%S}-damaged", src.suffix)
        shutil.copyfile(src, dest)
        for extra in ("-wal", "-shm"):
            if Path(str(src) + extra).exists():
                shutil.copyfile(Path(str(src) + extra), Path(str(dest) + extra))
        if _keys(src).exists():
            shutil.copyfile(_keys(src), _keys(dest))
        return dest


def restore_backup(db: "Database", backup: Path, key: bytes | None = None,
                   now: dt.datetime | None = None) -> RestoreResult:
    """Replace the database with ``backup``, all or nothing: the backup is copied beside the
    database and the copy checked (its bytes against the manifest's SHA-256, the full
    integrity_check, the counts), the current state backed up, and only then is the copy put
    in its place by one rename. ``key`` opens an encrypted backup (default: the
    database's own key – a backup keeps the data key of the database it came from)."""
    from ..security.cipher import replace_file, temp_path

    path = db.path
    if path is None:
        raise DatabaseError("only a SQLite file database is restored here",
                            "只有 SQLite 文件数据库可以在此恢复")
    manifest = manifest_path(Path(backup))
    if not manifest.exists():
        raise DatabaseError(f"{backup} is not a backup made by AssistCase (no manifest "
                            f"{manifest.name} beside it)",
                            f"{backup} 不是 AssistCase 制作的备份（旁边没有清单 {manifest.name}）")
    info = BackupInfo.load(manifest)
    key = key if key is not None else db.key
    if info.encrypted and key is None:
        from ..errors import DatabaseLockedError

        raise DatabaseLockedError(f"the backup {backup} is encrypted: give a password",
                                  f"备份 {backup} 已加密：请输入密码")
    settings = settings_for(path)
    now = now or dt.datetime.now()
    if info.encrypted:
        from ..security.cipher import file_format

        fmt_restored = file_format(info.path)
    tmp = temp_path(path, "restoring")
    tmp.unlink(missing_ok=True)  # left by an interrupted restore
    try:
        # checked before anything changes: a changed or damaged backup leaves all as it was
        check_backup(info, key if info.encrypted else None, tmp)
        db.dispose()  # our connections close: the WAL is checkpointed into the file
        previous = _save_aside(db, settings, now) if path.exists() else None
        db.dispose()
        if info.encrypted and not _keys(path).exists():
            shutil.copyfile(_keys(info.path), _keys(path))
        # The replaced state (its WAL included) is in ``previous``: a WAL left behind would
        # be replayed onto the restored file.
        for extra in ("-wal", "-shm"):
            Path(str(path) + extra).unlink(missing_ok=True)
        replace_file(tmp, path)
        if info.encrypted:
            # the slots stay (passwords changed since the backup still open it); the page
            # format becomes the restored file's, which may predate a re-encryption
            from ..security.cipher import file_format
            from ..security.keyslots import set_cipher

            if file_format(path) != fmt_restored:
                set_cipher(path, fmt_restored.to_dict())
    finally:
        tmp.unlink(missing_ok=True)
    _log_restore(settings.folder, info, now)
    log.warning("database %s restored from %s", path, info.path)
    return RestoreResult(info, previous)


def _log_restore(folder: Path, info: BackupInfo, now: dt.datetime) -> None:
    log_file = folder / RESTORE_LOG
    entries = []
    if log_file.exists():
        with contextlib.suppress(ValueError):
            entries = json.loads(log_file.read_text(encoding="utf-8"))
    entries.append({"restored_at": now.isoformat(timespec="microseconds"),
                    "backup": info.path.name,
                    "backup_created": info.created.isoformat(timespec="microseconds")})
    log_file.write_text(json.dumps(entries, indent=1), encoding="utf-8")


def recorded_heads(db_path: Path) -> list[tuple[int, str, str]]:
    """The audit chain heads recorded in the backup manifests that belong to the database's
    present history: heads recorded between a restored backup's creation and its restore
    belong to a history the restore abandoned."""
    settings = settings_for(db_path)
    abandoned: list[tuple[dt.datetime, dt.datetime]] = []
    log_file = settings.folder / RESTORE_LOG
    if log_file.exists():
        with contextlib.suppress(ValueError, KeyError):
            for e in json.loads(log_file.read_text(encoding="utf-8")):
                abandoned.append((dt.datetime.fromisoformat(e["backup_created"]),
                                  dt.datetime.fromisoformat(e["restored_at"])))
    heads = []
    for b in list_backups(settings.folder, db_path):
        if b.audit_head is None or b.reason == "before-restore":
            continue
        if any(start < b.created <= end for start, end in abandoned):
            continue
        heads.append((b.audit_head[0], b.audit_head[1],
                      f"the backup of {b.created:%Y-%m-%d %H:%M:%S} ({b.path.name})"))
    return heads
