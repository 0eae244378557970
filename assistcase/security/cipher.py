"""SQLCipher at the file level: telling an encrypted file from a plain one, opening one with its
raw key, fingerprinting every table, and converting a plain database in place, all or nothing
(加密存储).

The engine side (PRAGMA key on every pooled connection) is in ``db.make_engine``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import DatabaseError, StateError

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


def is_encrypted(path: str | os.PathLike[str]) -> bool:
    """True when the file exists, is not empty and does not start with SQLite's plain header
    (an SQLCipher file is random bytes from its first byte on: the salt)."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return False
    return bool(head) and head != SQLITE_HEADER


@dataclass(frozen=True)
class CipherFormat:
    """How SQLCipher lays out the pages of a file: every page is encrypted with AES-256 (CBC,
    a random IV per page write) and authenticated by an HMAC of ``hmac``; ``page_size`` is the
    SQLite page size. A file opens only with the format it was written in, so the format is
    recorded in the key slots' sidecar and every opener keys its connections with it."""

    hmac: str = "HMAC_SHA512"
    page_size: int = 4096

    HMACS = ("HMAC_SHA256", "HMAC_SHA512")  # no SHA-1: authentication strength stays

    def __post_init__(self) -> None:
        ps = self.page_size
        if self.hmac not in self.HMACS or ps < 1024 or ps > 65536 or ps & (ps - 1):
            raise DatabaseError(f"unknown SQLCipher page format {self.hmac}/{ps}",
                                f"未知的加密页格式 {self.hmac}/{ps}")

    def to_dict(self) -> dict[str, Any]:
        return {"hmac": self.hmac, "page_size": self.page_size}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "CipherFormat":
        return LEGACY_FORMAT if data is None else cls(str(data["hmac"]), int(data["page_size"]))

    def pragmas(self, schema: str = "") -> list[str]:
        prefix = f"{schema}." if schema else ""
        return [f"PRAGMA {prefix}cipher_page_size = {int(self.page_size)}",
                f"PRAGMA {prefix}cipher_hmac_algorithm = {self.hmac}"]


# SQLCipher 4's defaults: the files encrypted before the format was recorded.
LEGACY_FORMAT = CipherFormat("HMAC_SHA512", 4096)
# New files: HMAC-SHA256 instead of SHA-512 authenticates each page at about twice the speed
# on CPUs with SHA extensions (measured: the city's recalculation, issue 19); still a 256-bit
# HMAC over every page, AES-256 unchanged. Pages of 16 KiB: SQLCipher's cost is per page as
# much as per byte (a cipher and an HMAC context for each), and the city's recalculation read
# and wrote some 227,000 pages of 4 KiB; with 16 KiB pages it took the plain file's CPU time
# (3.89 s against 3.87 s; 5.56 s with 4 KiB pages). Random lookups decrypt more bytes per
# page, which the larger page cache of encrypted files (``db.ENCRYPTED_CACHE_KIB``) absorbs.
NEW_FORMAT = CipherFormat("HMAC_SHA256", 16384)


def file_format(path: str | os.PathLike[str]) -> CipherFormat:
    """The page format of the encrypted database at ``path`` as its key slots record it; a
    file without a sidecar yet (being created) gets the format of new files."""
    from .keyslots import KeySlots, sidecar_path

    if not sidecar_path(path).exists():
        return NEW_FORMAT
    return CipherFormat.from_dict(KeySlots.load(path).cipher)


def key_pragma(key: bytes, schema: str = "") -> str:
    # A raw 256-bit key in SQLCipher's x'…' form: no PBKDF2 on each connection (the password
    # KDF already ran once, in the key slot).
    prefix = f"{schema}." if schema else ""
    return f"PRAGMA {prefix}key = \"x'{key.hex()}'\""


def apply_key(dbapi_conn: Any, key: bytes, fmt: CipherFormat = LEGACY_FORMAT) -> None:
    """Key a fresh sqlcipher3 connection with ``key`` and the file's page format ``fmt``:
    must be its first statements."""
    cur = dbapi_conn.cursor()
    # SQLCipher logs a failed HMAC check to stderr; the caller reports the error itself.
    cur.execute("PRAGMA cipher_log_level = NONE")
    cur.execute(key_pragma(key))
    for pragma in fmt.pragmas():
        cur.execute(pragma)
    cur.close()


def connect(path: str | os.PathLike[str], key: bytes | None = None,
            fmt: CipherFormat | None = None, **kw: Any) -> Any:
    """A DBAPI connection to ``path``: sqlcipher3 keyed with ``key`` and the page format
    ``fmt`` (default: the one ``path``'s key slots record), or plain sqlite3."""
    if key is None:
        return sqlite3.connect(str(path), **kw)
    from sqlcipher3 import dbapi2

    fmt = fmt or file_format(path)
    conn = dbapi2.connect(str(path), **kw)
    apply_key(conn, key, fmt)
    return conn


def key_opens(path: Path, key: bytes) -> bool:
    try:
        with contextlib.closing(connect(path, key)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except Exception:  # sqlcipher3.DatabaseError: "file is not a database"
        return False


def tables(conn: Any) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def row_counts(conn: Any) -> dict[str, int]:
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables(conn)}


def _order_by(conn: Any, table: str) -> str:
    # By primary key where there is one (rowids of other tables may be renumbered by a copy),
    # else by every column: the order depends on the data only.
    info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    pk = sorted((r[5], r[1]) for r in info if r[5])
    cols = [name for _, name in pk] or [r[1] for r in info]
    return ", ".join(f'"{c}"' for c in cols)


def fingerprint(conn: Any) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 over its rows in primary-key order: two
    databases with equal fingerprints hold the same data."""
    result = {}
    for t in tables(conn):
        h = hashlib.sha256()
        n = 0
        for row in conn.execute(f'SELECT * FROM "{t}" ORDER BY {_order_by(conn, t)}'):
            h.update(repr(row).encode("utf-8"))
            n += 1
        result[t] = (n, h.hexdigest())
    return result


CHECKS = ("integrity_check", "quick_check")


def integrity(conn: Any, check: str = "integrity_check") -> str:
    """SQLite's ``integrity_check`` (every page, every index entry against its row) or
    ``quick_check`` (every page and record, no index-against-table lookups: linear in the file
    instead of one index search per row and index); "ok" when the file is whole."""
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}")
    return "; ".join(r[0] for r in conn.execute(f"PRAGMA {check}").fetchall())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temp_path(path: Path, what: str) -> Path:
    return path.with_name(f".{path.name}.{what}")


def remove_wal(path: Path) -> None:
    """Remove ``path``'s -wal and -shm files; refuse when the WAL still holds pages (another
    program has the database open)."""
    wal = Path(str(path) + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StateError(
            f"the database {path} is open in another program (its WAL file holds changes): "
            "close AssistCase everywhere and try again",
            f"数据库 {path} 正被其他程序使用：请关闭所有 AssistCase 后重试")
    wal.unlink(missing_ok=True)
    Path(str(path) + "-shm").unlink(missing_ok=True)


def replace_file(tmp: Path, path: Path) -> None:
    """Put ``tmp`` in the place of ``path`` in one rename, leaving no stale WAL behind (a
    stale WAL would be replayed onto the new file)."""
    remove_wal(path)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@contextlib.contextmanager
def _quiet_close(conn: Any) -> Iterator[Any]:
    try:
        yield conn
    finally:
        conn.close()


def encrypt_database(path: Path, slots: dict[str, str],
                     progress: Callable[[str], None] | None = None,
                     keep_plain_backup: bool = True) -> tuple[str, Path | None]:
    """Convert the plain database at ``path`` to SQLCipher in place, all or nothing.

    A backup of the plain file is made first; the data go into a new file with
    ``sqlcipher_export``, are compared table by table with the original (fingerprints), the key
    slots are written, and only then does the new file replace the original in one rename.
    A crash or a kill at any point before the rename leaves the original as it was.
    Returns (recovery key, plain backup path or None)."""
    from .keyslots import create, new_data_key

    say = progress or (lambda _m: None)
    path = Path(path)
    if not path.exists():
        raise DatabaseError(f"{path} does not exist", f"{path} 不存在")
    if is_encrypted(path):
        raise StateError(f"{path} is already encrypted", f"{path} 已经加密")
    tmp = temp_path(path, "encrypting")
    tmp.unlink(missing_ok=True)  # left by an earlier, interrupted conversion

    backup = None
    if keep_plain_backup:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.stem}.plain-backup-{stamp}{path.suffix}")
        say(f"backing up the plain database to {backup}")
        with _quiet_close(sqlite3.connect(str(path))) as src, \
                _quiet_close(sqlite3.connect(str(backup))) as dst:
            src.backup(dst)

    data_key = new_data_key()
    from sqlcipher3 import dbapi2

    with _quiet_close(dbapi2.connect(str(path), isolation_level=None)) as src:
        _export_checked(src, tmp, data_key, NEW_FORMAT, say)
    say("writing the key slots")
    recovery, _ = create(path, data_key=data_key, slots=slots, cipher=NEW_FORMAT.to_dict())
    say("replacing the plain file")
    replace_file(tmp, path)
    log.warning("database %s encrypted", path)
    return recovery, backup


def _export_checked(src: Any, tmp: Path, data_key: bytes, fmt: CipherFormat,
                    say: Callable[[str], None]) -> None:
    """Copy the database open on ``src`` (an autocommit sqlcipher3 connection, keyed or
    plain) into the new file ``tmp`` encrypted with ``data_key`` in the page format ``fmt``,
    and check the copy (integrity, a fingerprint of every table equal to the source's); the
    new file is removed on any failure."""
    try:
        say(f"exporting into the encrypted file {tmp}")
        src.execute("PRAGMA busy_timeout=10000")
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        user_version = src.execute("PRAGMA user_version").fetchone()[0]
        src.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{data_key.hex()}'\"",
                    (str(tmp),))
        for pragma in fmt.pragmas("encrypted"):  # before the first page is written
            src.execute(pragma)
        # Writers wait while the copy is made and checked: nothing changes in between.
        src.execute("BEGIN IMMEDIATE")
        src.execute("SELECT sqlcipher_export('encrypted')").fetchall()
        src.execute(f"PRAGMA encrypted.user_version = {int(user_version)}")
        src.execute("COMMIT")
        src.execute("DETACH DATABASE encrypted")
        src.execute("BEGIN IMMEDIATE")
        say("comparing every table of the encrypted copy with the original")
        with _quiet_close(connect(tmp, data_key, fmt)) as enc:
            check = integrity(enc)
            if check != "ok":
                raise DatabaseError(f"the encrypted copy fails its integrity check: {check}",
                                    f"加密副本完整性检查失败：{check}")
            before, after = fingerprint(src), fingerprint(enc)
            enc.execute("PRAGMA journal_mode=WAL")
        if before != after:
            diff = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
            raise DatabaseError(f"the encrypted copy differs from the original in {diff}",
                                f"加密副本与原数据库不一致：{diff}")
        src.execute("ROLLBACK")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def reencrypt_database(path: Path, key: bytes, fmt: CipherFormat = NEW_FORMAT,
                       progress: Callable[[str], None] | None = None) -> bool:
    """Rewrite the encrypted database at ``path`` in the page format ``fmt`` (same data key:
    the key slots stay valid), checked like a conversion and put in place by one rename;
    the sidecar then records the new format. False when the file already has it.

    A crash before the rename leaves the file as it was; between the rename and the
    sidecar's update (one small file written) the file opens only after
    ``keyslots.set_cipher`` records the new format."""
    from sqlcipher3 import dbapi2

    from .keyslots import set_cipher

    say = progress or (lambda _m: None)
    path = Path(path)
    old = file_format(path)
    if old == fmt:
        return False
    tmp = temp_path(path, "reencrypting")
    tmp.unlink(missing_ok=True)
    with _quiet_close(dbapi2.connect(str(path), isolation_level=None)) as src:
        apply_key(src, key, old)
        _export_checked(src, tmp, key, fmt, say)
    say("replacing the file")
    replace_file(tmp, path)
    set_cipher(path, fmt.to_dict())
    log.warning("database %s re-encrypted in the page format %s", path, fmt)
    return True


COPY_BLOCK = 1 << 20


def _copy_in_kernel(f: Any, g: Any, size: int, h: Any) -> bool:
    """Linux: the bytes go from file to file inside the kernel (copy_file_range) while the
    hash reads the same pages through a map of the source, one window at a time (the
    process does not grow by the file's size); False (nothing written) where the kernel or
    the file system cannot."""
    import mmap

    if not hasattr(os, "copy_file_range"):
        return False
    window = COPY_BLOCK * 16  # a multiple of mmap.ALLOCATIONGRANULARITY
    off = 0
    while off < size:
        n = min(window, size - off)
        with mmap.mmap(f.fileno(), n, offset=off, access=mmap.ACCESS_READ) as m, \
                memoryview(m) as view:
            done = 0
            while done < n:
                try:
                    k = os.copy_file_range(f.fileno(), g.fileno(), n - done, off + done,
                                           off + done)
                except OSError:  # EXDEV on an older kernel, ENOSYS, EINVAL…
                    if off + done:
                        raise
                    return False
                if k <= 0:
                    raise OSError(f"copying {f.name} stopped at byte {off + done} of {size}")
                h.update(view[done:done + k])
                done += k
        off += n
    return True


def copy_hashing(src: Path, dest: Path) -> str:
    """Copy ``src`` to the new file ``dest`` (synced to disk) and return the SHA-256 of the
    bytes copied: one pass over the source for both."""
    h = hashlib.sha256()
    with open(src, "rb", buffering=0) as f, open(dest, "xb") as g:
        try:
            if not _copy_in_kernel(f, g, os.fstat(f.fileno()).st_size, h):
                buf = bytearray(COPY_BLOCK)
                view = memoryview(buf)
                while n := f.readinto(buf):
                    h.update(view[:n])
                    g.write(view[:n])  # buffered: writes every byte or raises
                g.flush()
            os.fsync(g.fileno())
        except BaseException:
            dest.unlink(missing_ok=True)  # ours: "xb" refused any file already there
            raise
    return h.hexdigest()


def copy_file_hashed(src: Path, dest: Path, key: bytes | None = None, tries: int = 3,
                     checkpoint_wait_ms: int = 1000, lock_wait_ms: int = 10_000
                     ) -> str | None:
    """Copy the database file byte for byte while nobody can change it, hashing the bytes on
    the way; returns their SHA-256, or None when the copy could not be made this way (readers
    kept the WAL from being emptied, a writer kept the lock, the file cannot be written) and
    nothing was written.

    The WAL is checkpointed into the file and truncated, then the write lock is taken
    (``BEGIN IMMEDIATE``: writers wait, readers go on); with the lock held and the WAL empty
    the file is the whole database and nothing can write to it, not even another
    connection's checkpoint. An encrypted file is copied as it is: its pages stay encrypted
    with the same key (no page is decrypted and encrypted again), its key slots go beside it.
    Writers wait for the length of one sequential file copy (well within the busy timeout
    at city scale)."""
    from .keyslots import sidecar_path

    wal = Path(str(src) + "-wal")
    refused: tuple[type[Exception], ...] = (sqlite3.Error,)
    if key is not None:
        from sqlcipher3 import dbapi2

        refused += (dbapi2.Error,)
    with _quiet_close(connect(src, key, isolation_level=None)) as conn:
        for _ in range(tries):
            try:
                # a reader holding a snapshot keeps the WAL: wait for it a little, not the
                # full busy timeout (the backup API is the way round it)
                conn.execute(f"PRAGMA busy_timeout={int(checkpoint_wait_ms)}")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                conn.execute(f"PRAGMA busy_timeout={int(lock_wait_ms)}")  # a writer's commit
                conn.execute("BEGIN IMMEDIATE")
            except refused as exc:  # locked past the wait, a read-only file…
                log.info("no byte copy of %s (%s): the backup API copies it", src, exc)
                return None
            try:
                if not wal.exists() or wal.stat().st_size == 0:
                    digest = copy_hashing(src, dest)
                    break
            finally:
                conn.execute("ROLLBACK")
        else:
            return None
    if key is not None and sidecar_path(src).exists():
        import shutil

        shutil.copyfile(sidecar_path(src), sidecar_path(dest))
    return digest


def copy_database(src: Path, dest: Path, key: bytes | None = None) -> None:
    """A consistent copy of ``src`` through SQLite's backup API in one step (one read
    transaction: writers go on in WAL mode). An encrypted source gives a copy encrypted with
    the same key, and its key slots are copied beside it so the copy opens on its own."""
    import shutil

    from .keyslots import sidecar_path

    fmt = file_format(src) if key is not None else None
    with _quiet_close(connect(src, key, fmt)) as s_conn, \
            _quiet_close(connect(dest, key, fmt)) as d_conn:
        s_conn.backup(d_conn)
    if key is not None and sidecar_path(src).exists():
        shutil.copyfile(sidecar_path(src), sidecar_path(dest))
