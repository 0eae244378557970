"""Whether passwords and key slots are hashed at argon2id's smallest cost: only in the tests.

The test suite creates and signs in hundreds of users, each hash 0.06-0.14 s at the real
cost on the 2-core test machine; tests/conftest.py sets ``ASSISTCASE_FAST_PASSWORD_HASH=1``.
It is honoured only inside a pytest run (pytest imported, or ``PYTEST_CURRENT_TEST``, which
the app and CLI processes a test starts inherit); set anywhere else it is ignored. A hash and
a key slot record their parameters, so what either cost made, either verifies.
"""

from __future__ import annotations

import os
import sys

FAST_HASH_ENV = "ASSISTCASE_FAST_PASSWORD_HASH"


def fast_hash_for_tests() -> bool:
    return (os.environ.get(FAST_HASH_ENV) == "1"
            and ("pytest" in sys.modules or "PYTEST_CURRENT_TEST" in os.environ))
