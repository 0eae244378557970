"""Key slots: the database's random data key, wrapped once per user password and once by a
recovery key (密钥槽).

The SQLCipher data key is 32 random bytes and never changes, so adding a user or changing a
password rewrites one slot and never re-encrypts the data. The slots live in a small JSON
sidecar next to the database (``assistcase.sqlite3.keys``): it has to be readable before the
database is decrypted. Each password slot holds the data key sealed with AES-256-GCM under a
key derived from the password by Argon2id (memory-hard: a stolen laptop's sidecar costs an
attacker ~64 MiB and a fraction of a second per guess); the recovery slot uses HKDF, as the
recovery key itself is 160 random bits. A slot is named by the username it belongs to.

The sidecar also records the SQLCipher page format the database was written with (``cipher``:
HMAC algorithm and page size, see ``cipher.CipherFormat``): every opener keys its connection
with it. A sidecar without it belongs to a file written with SQLCipher 4's defaults.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import DatabaseError, NotFoundError, ValidationError, WrongPasswordError
from .hashcost import fast_hash_for_tests

FORMAT = "assistcase-keyslots"
VERSION = 1
KEY_BYTES = 32
RECOVERY_SLOT = "#recovery"
# Argon2id cost (RFC 9106's second recommended option lowered in time for a township laptop):
# about 0.3 s per unlock measured on the development machine.
ARGON2 = {"time_cost": 2, "memory_cost": 65_536, "parallelism": 1}
# The test suite's smallest cost (security/hashcost.py); a slot records its parameters, so a
# slot made either way opens either way.
ARGON2_TESTS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def _new_slot_params() -> dict[str, int]:
    return dict(ARGON2_TESTS if fast_hash_for_tests() else ARGON2)
MIN_PASSWORD = 8

# What unlocks the data key to add a slot: the data key itself, (slot name, password), or a
# recovery key text.
UnlockWith = Union[bytes, tuple[str, str], str]


def sidecar_path(db_path: str | os.PathLike[str]) -> Path:
    """The key-slot file of a database: ``<database file>.keys`` next to it."""
    p = Path(db_path)
    return p.with_name(p.name + ".keys")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _aad(file_id: str, name: str) -> bytes:
    # Binds a slot to its file and name: a slot copied under another name does not open.
    return f"{FORMAT}/{VERSION}/{file_id}/{name}".encode("utf-8")


def _argon2(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(password.encode("utf-8"), salt, hash_len=KEY_BYTES, type=Type.ID,
                           time_cost=params["time_cost"], memory_cost=params["memory_cost"],
                           parallelism=params["parallelism"])


def _hkdf(secret: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt,
                info=b"assistcase recovery slot").derive(secret)


def _recovery_bytes(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    try:
        raw = base64.b32decode(cleaned)
    except (ValueError, base64.binascii.Error):
        raw = b""
    if len(raw) != 20:
        raise WrongPasswordError(
            "the recovery key is not valid: it has 32 letters and digits in 8 groups",
            "恢复密钥无效：应为 8 组共 32 个字母和数字")
    return raw


def _format_recovery(raw: bytes) -> str:
    text = base64.b32encode(raw).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


@dataclass
class KeySlots:
    """The sidecar's content."""

    file_id: str
    slots: dict[str, dict[str, Any]]
    # the database file's page format ({"hmac": …, "page_size": …}); None: SQLCipher 4's
    # defaults (files encrypted before the format was recorded)
    cipher: dict[str, Any] | None = None

    def to_json(self) -> str:
        data = {"format": FORMAT, "version": VERSION, "file_id": self.file_id,
                "slots": self.slots}
        if self.cipher is not None:
            data["cipher"] = self.cipher
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def load(cls, db_path: str | os.PathLike[str]) -> "KeySlots":
        path = sidecar_path(db_path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DatabaseError(
                f"the key file {path} of the encrypted database is missing: copy it back "
                "beside the database (it comes with every backup)",
                f"加密数据库的密钥文件 {path} 不存在：请把它放回数据库旁边（每个备份都带有一份）") from None
        except (OSError, ValueError) as exc:
            raise DatabaseError(f"the key file {path} cannot be read ({exc})",
                                f"无法读取密钥文件 {path}（{exc}）") from exc
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise DatabaseError(f"{path} is not an AssistCase key file of version {VERSION}",
                                f"{path} 不是本版本的 AssistCase 密钥文件")
        return cls(file_id=data["file_id"], slots=dict(data["slots"]),
                   cipher=data.get("cipher"))

    def save(self, db_path: str | os.PathLike[str]) -> None:
        from ..files import replaced_on_success

        path = sidecar_path(db_path)
        with replaced_on_success(path) as tmp:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(self.to_json())
                f.flush()
                os.fsync(f.fileno())

    # --- sealing and opening one slot -----------------------------------------------------

    def _seal(self, name: str, wrapping_key: bytes, data_key: bytes,
              kdf: dict[str, Any]) -> None:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(wrapping_key).encrypt(nonce, data_key, _aad(self.file_id, name))
        self.slots[name] = {**kdf, "nonce": _b64(nonce), "sealed": _b64(sealed)}

    def _open(self, name: str, wrapping_key: bytes) -> bytes:
        slot = self.slots[name]
        try:
            return AESGCM(wrapping_key).decrypt(_unb64(slot["nonce"]), _unb64(slot["sealed"]),
                                                _aad(self.file_id, name))
        except InvalidTag:
            if name == RECOVERY_SLOT:
                raise WrongPasswordError("the recovery key does not open this database",
                                         "恢复密钥不能打开此数据库") from None
            raise WrongPasswordError(f"wrong password for {name}",
                                     f"用户 {name} 的密码错误") from None

    def seal_password(self, name: str, password: str, data_key: bytes) -> None:
        salt = secrets.token_bytes(16)
        params = _new_slot_params()
        self._seal(name, _argon2(password, salt, params), data_key,
                   {"kdf": "argon2id", "salt": _b64(salt), **params})

    def open_password(self, name: str, password: str) -> bytes:
        slot = self.slots.get(name)
        if slot is None or name == RECOVERY_SLOT:
            # Same message as a wrong password: the sidecar does not tell who has a slot.
            raise WrongPasswordError(f"wrong password for {name}", f"用户 {name} 的密码错误")
        if slot.get("kdf") != "argon2id":
            raise DatabaseError(f"key slot {name} uses an unknown method {slot.get('kdf')}",
                                f"密钥槽 {name} 的算法未知")
        params = {k: int(slot[k]) for k in ARGON2}
        return self._open(name, _argon2(password, _unb64(slot["salt"]), params))

    def seal_recovery(self, raw: bytes, data_key: bytes) -> None:
        salt = secrets.token_bytes(16)
        self._seal(RECOVERY_SLOT, _hkdf(raw, salt), data_key,
                   {"kdf": "hkdf-sha256", "salt": _b64(salt)})

    def open_recovery(self, text: str) -> bytes:
        raw = _recovery_bytes(text)
        slot = self.slots[RECOVERY_SLOT]
        return self._open(RECOVERY_SLOT, _hkdf(raw, _unb64(slot["salt"])))


def _check_password(name: str, password: str) -> None:
    if not name.strip() or name == RECOVERY_SLOT:
        raise ValidationError.single("name", "a key slot needs a username", "密钥槽需要用户名")
    if len(password) < MIN_PASSWORD:
        raise ValidationError.single(
            "password", f"the password must have at least {MIN_PASSWORD} characters",
            f"密码至少需要 {MIN_PASSWORD} 个字符")


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def create(db_path: str | os.PathLike[str], data_key: bytes | None = None,
           slots: dict[str, str] | None = None,
           cipher: dict[str, Any] | None = None) -> tuple[str, bytes]:
    """Write a new sidecar for ``db_path``: a recovery slot and one slot per ``{name:
    password}``, and the page format ``cipher`` of the file (``CipherFormat.to_dict()``).
    Returns (recovery key text – show it once, it is stored nowhere –, data key)."""
    data_key = data_key or new_data_key()
    for name, password in (slots or {}).items():
        _check_password(name, password)
    ks = KeySlots(file_id=secrets.token_hex(8), slots={}, cipher=cipher)
    raw = secrets.token_bytes(20)
    ks.seal_recovery(raw, data_key)
    for name, password in (slots or {}).items():
        ks.seal_password(name, password, data_key)
    ks.save(db_path)
    return _format_recovery(raw), data_key


def unlock(db_path: str | os.PathLike[str], name: str, password: str) -> bytes:
    """The data key, opened with ``name``'s password; WrongPasswordError otherwise."""
    return KeySlots.load(db_path).open_password(name, password)


def unlock_recovery(db_path: str | os.PathLike[str], recovery_key: str) -> bytes:
    return KeySlots.load(db_path).open_recovery(recovery_key)


def _data_key(ks: KeySlots, unlock_with: UnlockWith) -> bytes:
    if isinstance(unlock_with, bytes):
        return unlock_with
    if isinstance(unlock_with, tuple):
        return ks.open_password(*unlock_with)
    return ks.open_recovery(unlock_with)


def add_slot(db_path: str | os.PathLike[str], name: str, password: str,
             unlock_with: UnlockWith) -> None:
    """Give ``name`` a slot (or replace theirs, e.g. an administrator resetting a forgotten
    password) – unlocked by an existing slot, the recovery key or the data key."""
    _check_password(name, password)
    ks = KeySlots.load(db_path)
    data_key = _data_key(ks, unlock_with)
    if isinstance(unlock_with, bytes):
        # A caller-supplied key must be this database's: check it against the recovery slot's
        # neighbour? It cannot be opened without a secret, so verify against the database.
        _verify_key_opens(db_path, data_key)
    ks.seal_password(name, password, data_key)
    ks.save(db_path)


def change_password(db_path: str | os.PathLike[str], name: str, old: str, new: str) -> None:
    _check_password(name, new)
    ks = KeySlots.load(db_path)
    data_key = ks.open_password(name, old)
    ks.seal_password(name, new, data_key)
    ks.save(db_path)


def remove_slot(db_path: str | os.PathLike[str], name: str) -> None:
    ks = KeySlots.load(db_path)
    if name not in ks.slots or name == RECOVERY_SLOT:
        raise NotFoundError("key slot", name, "密钥槽")
    del ks.slots[name]
    ks.save(db_path)


def set_cipher(db_path: str | os.PathLike[str], cipher: dict[str, Any] | None) -> None:
    """Record the page format the database file now has (after a re-encryption or a restore
    of a file written in another format)."""
    ks = KeySlots.load(db_path)
    ks.cipher = cipher
    ks.save(db_path)


def slot_names(db_path: str | os.PathLike[str]) -> list[str]:
    return sorted(n for n in KeySlots.load(db_path).slots if n != RECOVERY_SLOT)


def new_recovery_key(db_path: str | os.PathLike[str], unlock_with: UnlockWith) -> str:
    """Replace the recovery slot (the old recovery key stops working); returns the new key."""
    ks = KeySlots.load(db_path)
    data_key = _data_key(ks, unlock_with)
    raw = secrets.token_bytes(20)
    ks.seal_recovery(raw, data_key)
    ks.save(db_path)
    return _format_recovery(raw)


def _verify_key_opens(db_path: str | os.PathLike[str], data_key: bytes) -> None:
    from .cipher import key_opens

    if not key_opens(Path(db_path), data_key):
        raise WrongPasswordError("the key given does not open this database",
                                 "所给密钥不能打开此数据库")
