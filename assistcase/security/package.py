"""Exchange packages between a township and its bureau (DOMAIN §13): the file format.

A package is one file::

    b"ACX1"                       magic and format version
    u32 header length, header     JSON: from_site, to_site, seq, base_seq, created_at,
                                  counts, payload_sha256, payload_length (bytes)
    12-byte nonce
    u64 ciphertext length, ciphertext (AES-256-GCM of the zlib-compressed payload; the header
                                  is its associated data, so neither can be changed unnoticed)

The key (32 bytes) is set up when the township is registered at the bureau and known to both
sites only. Reading checks, in this order, and refuses the whole package naming which:
not a package / truncated / for another site / altered (authentication fails, or the
payload's checksum differs) — sequence checks against what the receiver already imported are
the service's (:mod:`assistcase.services.exchange`). Encryption is ``cryptography``'s AESGCM;
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
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import AssistCaseError

MAGIC = b"ACX1"
KEY_BYTES = 32
NONCE_BYTES = 12


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
    counts: dict[str, int] = field(default_factory=dict)
    payload_sha256: str = ""
    payload_length: int = 0


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def write_package(path: str | os.PathLike[str], key: bytes, manifest: Manifest,
                  payload: dict[str, Any]) -> Path:
    """Seal ``payload`` (JSON-serialisable) for the manifest's receiver; written atomically."""
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                     default=_json_default).encode("utf-8")
    manifest = Manifest(**{**asdict(manifest), "payload_sha256": hashlib.sha256(raw).hexdigest(),
                           "payload_length": len(raw)})
    header = json.dumps(asdict(manifest), ensure_ascii=False, sort_keys=True).encode("utf-8")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, zlib.compress(raw, 6), header)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack(">I", len(header)))
        f.write(header)
        f.write(nonce)
        f.write(struct.pack(">Q", len(sealed)))
        f.write(sealed)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def read_manifest(path: str | os.PathLike[str]) -> Manifest:
    """The manifest as written (not yet authenticated: :func:`open_package` checks it)."""
    data = Path(path).read_bytes()
    manifest, _, _ = _split(data, Path(path).name)
    return manifest


def open_package(path: str | os.PathLike[str], key: bytes, my_site: str) -> tuple[Manifest, dict]:
    """Check and decrypt a package addressed to ``my_site``; refuse it whole otherwise."""
    name = Path(path).name
    data = Path(path).read_bytes()
    manifest, header, rest = _split(data, name)
    if manifest.to_site != my_site:
        raise PackageError(
            "other_site",
            f"{name}: the package is for site {manifest.to_site}, not for this site ({my_site})",
            f"{name}：该数据包是发给 {manifest.to_site} 的，不是本站点（{my_site}）")
    nonce, sealed = rest
    try:
        packed = AESGCM(key).decrypt(nonce, sealed, header)
    except InvalidTag:
        raise PackageError(
            "altered",
            f"{name}: the package was altered or sealed with another key (authentication "
            "failed); nothing was imported",
            f"{name}：数据包已被改动或密钥不符（校验失败），未导入任何数据") from None
    raw = zlib.decompress(packed)
    if hashlib.sha256(raw).hexdigest() != manifest.payload_sha256 \
            or len(raw) != manifest.payload_length:
        raise PackageError("altered", f"{name}: the payload's checksum differs from the manifest",
                           f"{name}：数据内容与清单中的校验值不符")
    return manifest, json.loads(raw)


def _split(data: bytes, name: str) -> tuple[Manifest, bytes, tuple[bytes, bytes]]:
    if not data.startswith(MAGIC):
        raise PackageError("not_a_package", f"{name} is not an AssistCase exchange package",
                           f"{name} 不是 AssistCase 交换数据包")
    pos = len(MAGIC)

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(data):
            raise PackageError(
                "truncated",
                f"{name} is truncated ({len(data):,} bytes, more expected); copy it again",
                f"{name} 不完整（只有 {len(data):,} 字节），请重新拷贝")
        out = data[pos:pos + n]
        pos += n
        return out

    (hlen,) = struct.unpack(">I", take(4))
    header = take(hlen)
    try:
        manifest = Manifest(**json.loads(header))
    except (ValueError, TypeError):
        raise PackageError("altered", f"{name}: the manifest cannot be read",
                           f"{name}：清单无法读取，数据包已损坏") from None
    nonce = take(NONCE_BYTES)
    (slen,) = struct.unpack(">Q", take(8))
    sealed = take(slen)
    if pos != len(data):
        raise PackageError("altered", f"{name}: unexpected bytes after the package",
                           f"{name}：数据包末尾有多余内容")
    return manifest, header, (nonce, sealed)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a package")
