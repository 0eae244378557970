"""Keep Python's ``None`` (and ``True``/``False``) alive under a PySide6 that releases them.

PySide6 6.12.0 on CPython 3.11 returns ``None`` from each void method (``setText``,
``addItem``, …) without taking a new reference, so ``None``'s reference count drops by one per
call. A few thousand calls later CPython aborts with "Fatal Python error: none_dealloc"
(at exit, or mid-session in a long one). CPython 3.12+ makes ``None`` immortal, which hides it.
We detect the leak rather than trust a version number, and then give ``None`` a reference
count no session can exhaust, which is what 3.12 does anyway.

The same PySide6 releases ``True`` on every ``Signal.emit()`` from Python (emit returns it
without a new reference): "Fatal Python error: bool_dealloc". The booleans get the same
treatment when a probe shows that leak.
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


def emit_releases_true() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        probed = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBE_CALLS):
        probe.probed.emit()
    return sys.getrefcount(True) <= before - _PROBE_CALLS // 2


def _pin(obj: object) -> None:
    # ob_refcnt is the first field of every object in a release build of CPython 3.11
    ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40


def keep_none_alive() -> bool:
    """Apply the workarounds needed (None; True and False); True when any was applied."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    applied = False
    if void_calls_release_none():
        _pin(None)
        applied = True
    if emit_releases_true():
        _pin(True)
        _pin(False)
        applied = True
    return applied
