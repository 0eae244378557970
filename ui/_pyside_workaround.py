"""Keep Python's ``None`` alive under a PySide6 that releases it on every void call.

PySide6 6.12.0 on CPython 3.11 returns ``None`` from each void method (``setText``,
``addItem``, …) without taking a new reference, so ``None``'s reference count drops by one per
call. A few thousand calls later CPython aborts with "Fatal Python error: none_dealloc"
(at exit, or mid-session in a long one). CPython 3.12+ makes ``None`` immortal, which hides it.
We detect the leak rather than trust a version number, and then give ``None`` a reference
count no session can exhaust, which is what 3.12 does anyway.
"""

from __future__ import annotations

import ctypes
import sys

_PROBE_CALLS = 100


def void_calls_release_none() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        probe.setObjectName("probe")  # a void method
    return sys.getrefcount(None) <= before - _PROBE_CALLS // 2


def keep_none_alive() -> bool:
    """Apply the workaround when needed; True when it was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not void_calls_release_none():
        return False
    # ob_refcnt is the first field of every object in a release build of CPython 3.11
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
    return True
