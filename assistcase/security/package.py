"""Exchange packages between a township and its bureau (DOMAIN §13): the file format.

A package is one file::

    b"ACX2"                       magic and format version
    u32 header length, header     JSON: from_site, to_site, seq, base_seq, full, created_at,
                                  counts, payload_sha256, payload_length (bytes)
    12-byte nonce
    u64 ciphertext length, ciphertext (AES-256-GCM of the zlib-compressed payload, tag last;
                                  the header is its associated data, so neither can be
                                  changed unnoticed)

The payload is JSON lines (one record or decision a line), so a package of a whole city is
written and read in constant memory: the encryption and the decompression stream (ACX1, the
first format, held the payload as one JSON document in memory).

The key (32 bytes) is set up when the township is registered at the bureau and known to both
sites only. Reading checks, in this order, and refuses the whole package naming which:
not a package / truncated / for another site / altered (authentication fails, or the
payload's checksum differs) — sequence checks against what the receiver already imported are
the service's (:mod:`assistcase.services.exchange`). Encryption is ``cryptography``'s AES-GCM
(the streaming ``Cipher`` interface; the file is byte for byte what ``AESGCM`` seals);
nothing here is home-made cryptography.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import AssistCaseError

MAGIC = b"ACX2"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
CHUNK = 1 << 20       # bytes read, compressed or encrypted at a time
# zlib's level for the payload: a city's 570 MB of JSON lines measured 2.3x cheaper to
# compress at 3 than at the default 6, for a package 18 % larger (97 MB instead of 82 MB)
ZLIB_LEVEL = 3


class PackageError(AssistCaseError):
    """A package refused whole; ``reason`` is one of: not_a_package, truncated, other_site,
    altered, out_of_sequence, wrong_key."""

    def __init__(self, reason: str, en: str, zh: str):
        super().__init__(en, zh)
        self.reason = reason


@dataclass(frozen=True)
class Manifest:
    from_site: str
    to_site: str
    seq: int                 # this package's number in the sender's sequence to the receiver
    base_seq: int            # the last package from the receiver the sender had imported
    created_at: str
    full: bool = False       # every record of the township's area (the first package)
    counts: dict[str, int] = field(default_factory=dict)
    payload_sha256: str = ""
    payload_length: int = 0


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class PackageWriter:
    """Write a package one payload item at a time, in constant memory::

        with PackageWriter(path, key, manifest) as w:
            for item in items:
                w.write(item)            # one JSON line of the payload
            w.counts.update(...)         # the manifest's counts, known at the end

    The payload (JSON lines) is compressed into a scratch file while its SHA-256 and length
    are taken; the header (the manifest, with them) is then the associated data of the
    AES-256-GCM encryption of the scratch file, streamed into the package. The package
    appears atomically on success; on an error (a cancel) neither file is left."""

    def __init__(self, path: str | os.PathLike[str], key: bytes, manifest: Manifest):
        self.path = Path(path)
        self.key = key
        self.manifest = manifest
        self.counts: dict[str, int] = dict(manifest.counts)
        self._scratch = self.path.with_name(self.path.name + ".raw.part")
        self._part = self.path.with_name(self.path.name + ".part")
        self._sha = hashlib.sha256()
        self._length = 0
        self._zip = zlib.compressobj(ZLIB_LEVEL)
        self._buf: list[bytes] = []
        self._buffered = 0
        self._out = None

    def __enter__(self) -> "PackageWriter":
        self._out = open(self._scratch, "wb")
        return self

    def write(self, item: Any) -> None:
        self.write_raw(json.dumps(item, ensure_ascii=False, sort_keys=True,
                                  separators=(",", ":"), default=_json_default))

    def write_raw(self, line_json: str) -> None:
        """One payload item already as JSON text (one line: no newline inside)."""
        line = line_json.encode("utf-8") + b"\n"
        self._buf.append(line)
        self._buffered += len(line)
        if self._buffered >= CHUNK:
            self._drain()

    def _drain(self) -> None:
        raw = b"".join(self._buf)
        self._buf, self._buffered = [], 0
        self._sha.update(raw)
        self._length += len(raw)
        self._out.write(self._zip.compress(raw))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._seal()
        finally:
            if not self._out.closed:
                self._out.close()
            for p in (self._scratch, self._part):
                p.unlink(missing_ok=True)

    def _seal(self) -> None:
        self._drain()
        self._out.write(self._zip.flush())
        self._out.close()
        manifest = Manifest(**{**asdict(self.manifest), "counts": self.counts,
                               "payload_sha256": self._sha.hexdigest(),
                               "payload_length": self._length})
        header = json.dumps(asdict(manifest), ensure_ascii=False, sort_keys=True).encode("utf-8")
        nonce = os.urandom(NONCE_BYTES)
        enc = Cipher(algorithms.AES(self.key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(header)
        sealed_length = self._scratch.stat().st_size + TAG_BYTES
        with open(self._scratch, "rb") as src, open(self._part, "wb") as f:
            f.write(MAGIC)
            f.write(struct.pack(">I", len(header)))
            f.write(header)
            f.write(nonce)
            f.write(struct.pack(">Q", sealed_length))
            while chunk := src.read(CHUNK):
                f.write(enc.update(chunk))
            f.write(enc.finalize())
            f.write(enc.tag)
            f.flush()
            os.fsync(f.fileno())
        os.replace(self._part, self.path)
        self.manifest = manifest


def write_package(path: str | os.PathLike[str], key: bytes, manifest: Manifest,
                  items: Iterable[Any]) -> Path:
    """Seal the payload ``items`` (JSON-serialisable, one line each) for the manifest's
    receiver; written atomically."""
    with PackageWriter(path, key, manifest) as w:
        for item in items:
            w.write(item)
    return Path(path)


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """The manifest as written (not yet authenticated: :func:`open_package` checks it)."""
    manifest, _, _ = _split(Path(path))
    return manifest


def open_package(path: str | os.PathLike[str], key: bytes,
                 my_site: str) -> tuple[Manifest, Callable[[], Iterator[Any]]]:
    """Check a package addressed to ``my_site`` (refused whole otherwise) and return its
    manifest and a function that streams its payload items.

    The whole package is authenticated first (decrypted and decompressed in chunks, the
    plaintext discarded: memory stays small whatever its size); the items are then read in a
    second pass, which checks the tag and checksum again at its end and raises
    :class:`PackageError` if the file changed in between (the caller's transaction then
    rolls back)."""
    path = Path(path)
    manifest, header, (nonce_at, sealed_at, sealed_length) = _split(path)
    name = path.name
    if manifest.to_site != my_site:
        raise PackageError(
            "other_site",
            f"{name}: the package is for site {manifest.to_site}, not for this site ({my_site})",
            f"{name}：该数据包是发给 {manifest.to_site} 的，不是本站点（{my_site}）")

    def chunks() -> Iterator[bytes]:
        """The payload's bytes; PackageError at the end unless authentic and whole."""
        with open(path, "rb") as f:
            f.seek(nonce_at)
            nonce = f.read(NONCE_BYTES)
            f.seek(sealed_at + sealed_length - TAG_BYTES)
            tag = f.read(TAG_BYTES)
            dec = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
            dec.authenticate_additional_data(header)
            unzip = zlib.decompressobj()
            sha, length = hashlib.sha256(), 0
            f.seek(sealed_at)
            left = sealed_length - TAG_BYTES
            try:
                while left > 0:
                    data = f.read(min(CHUNK, left))
                    left -= len(data)
                    raw = unzip.decompress(dec.update(data))
                    sha.update(raw)
                    length += len(raw)
                    yield raw
                dec.finalize()
                raw = unzip.flush()
            except (InvalidTag, zlib.error):
                raise _altered(name) from None
            sha.update(raw)
            length += len(raw)
            yield raw
            if sha.hexdigest() != manifest.payload_sha256 or length != manifest.payload_length:
                raise PackageError("altered",
                                   f"{name}: the payload's checksum differs from the manifest",
                                   f"{name}：数据内容与清单中的校验值不符")

    for _ in chunks():   # authenticate the whole package before anything is applied
        pass

    def items() -> Iterator[Any]:
        # whole lines decoded a block at a time (a line break never falls inside a UTF-8
        # character), then parsed as text: no encoding sniffed per line
        decode = json.JSONDecoder().decode
        rest = b""
        for raw in chunks():
            block, _, rest = (rest + raw).rpartition(b"\n")
            if block:
                for line in block.decode("utf-8").split("\n"):
                    yield decode(line)
        if rest:
            yield decode(rest.decode("utf-8"))

    return manifest, items


def _altered(name: str) -> PackageError:
    return PackageError(
        "altered",
        f"{name}: the package was altered or sealed with another key (authentication "
        "failed); nothing was imported",
        f"{name}：数据包已被改动或密钥不符（校验失败），未导入任何数据")


def _split(path: Path) -> tuple[Manifest, bytes, tuple[int, int, int]]:
    """Manifest, header bytes and (nonce offset, ciphertext offset, ciphertext length), the
    lengths checked against the file's size (only the header is read)."""
    name = path.name
    size = path.stat().st_size
    with open(path, "rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise PackageError("not_a_package", f"{name} is not an AssistCase exchange package",
                               f"{name} 不是 AssistCase 交换数据包")
        pos = len(MAGIC)

        def take(n: int) -> bytes:
            nonlocal pos
            if pos + n > size:
                raise PackageError(
                    "truncated",
                    f"{name} is truncated ({size:,} bytes, more expected); copy it again",
                    f"{name} 不完整（只有 {size:,} 字节），请重新拷贝")
            f.seek(pos)
            out = f.read(n) if n < (1 << 24) else b""
            pos += n
            return out

        (hlen,) = struct.unpack(">I", take(4))
        header = take(hlen)
        try:
            manifest = Manifest(**json.loads(header))
        except (ValueError, TypeError):
            raise PackageError("altered", f"{name}: the manifest cannot be read",
                               f"{name}：清单无法读取，数据包已损坏") from None
        nonce_at = pos
        take(NONCE_BYTES)
        (slen,) = struct.unpack(">Q", take(8))
        sealed_at = pos
        if slen < TAG_BYTES:
            raise PackageError("altered", f"{name}: the package cannot be read",
                               f"{name}：数据包已损坏")
        if sealed_at + slen > size:
            take(slen)      # raises "truncated"
        if sealed_at + slen != size:
            raise PackageError("altered", f"{name}: unexpected bytes after the package",
                               f"{name}：数据包末尾有多余内容")
    return manifest, header, (nonce_at, sealed_at, slen)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a package")
