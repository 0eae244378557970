"""Passwords are hashed at argon2id's smallest cost in the test suite only."""

from __future__ import annotations

import os
import subprocess
import sys

from assistcase.security.hashcost import FAST_HASH_ENV, fast_hash_for_tests
from assistcase.services.auth import hash_password


def test_the_suite_hashes_at_the_smallest_cost():
    assert os.environ.get(FAST_HASH_ENV) == "1" and fast_hash_for_tests()
    assert hash_password("a-password-1").startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_outside_a_test_run_the_setting_is_ignored():
    """A process that is no test (no pytest, no PYTEST_CURRENT_TEST) with the variable set
    still hashes at the library's cost."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env[FAST_HASH_ENV] = "1"
    code = ("from assistcase.services.auth import hash_password; import sys;"
            "assert 'pytest' not in sys.modules;"
            "print(hash_password('a-password-1').split('$')[3])")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "m=65536,t=3,p=4"
