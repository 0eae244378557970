"""Where the data key of an encrypted database comes from when it is opened.

The window's unlock dialog (``ui.signin.UnlockDialog``) calls :func:`key_for` with the name
and password typed (then signs in with them); the command line passes ``--password`` /
``--recovery-key`` or asks on the terminal; both also read the environment
(``ASSISTCASE_PASSWORD`` with the slot ``ASSISTCASE_USER`` or the login name, or
``ASSISTCASE_RECOVERY_KEY``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..config import current_username
from ..errors import DatabaseLockedError
from .cipher import is_encrypted

ENV_PASSWORD = "ASSISTCASE_PASSWORD"
ENV_RECOVERY = "ASSISTCASE_RECOVERY_KEY"


def key_for(db_path: str | os.PathLike[str] | None, slot: str | None = None,
            password: str | None = None, recovery_key: str | None = None,
            ask: bool = False) -> bytes | None:
    """The data key of ``db_path``, or None when the file is not encrypted. Raises
    WrongPasswordError for a password or recovery key that does not open its slot and
    DatabaseLockedError when nothing was given (and ``ask`` is off or there is no terminal)."""
    if db_path is None or not is_encrypted(db_path):
        return None  # a plain file: the key slots (and the cryptography library) stay unloaded
    from .keyslots import sidecar_path, unlock, unlock_recovery

    if not sidecar_path(db_path).exists():
        # Not a plain SQLite file and no key slots: not a database, or an encrypted one whose
        # key file is missing – SQLite's refusal ("file is not a database") says which file.
        return None
    recovery_key = recovery_key or os.environ.get(ENV_RECOVERY)
    if recovery_key and password is None:
        return unlock_recovery(db_path, recovery_key)
    slot = slot or current_username()
    password = password if password is not None else os.environ.get(ENV_PASSWORD)
    if password is None and ask and sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"password of {slot} for {Path(db_path).name}: ")
    if password is None:
        raise DatabaseLockedError(
            f"the database {db_path} is encrypted: give the password of a user with a key "
            f"slot (--password, or ${ENV_PASSWORD}) or the recovery key (--recovery-key)",
            f"数据库 {db_path} 已加密：请输入有密钥槽的用户的密码，或恢复密钥")
    return unlock(db_path, slot, password)
