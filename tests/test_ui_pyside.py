"""The PySide6 workaround in ui/_pyside_workaround.py is in effect wherever ui is imported."""

import sys

from PySide6.QtCore import QObject

import ui  # noqa: F401 - importing ui applies the workaround
from ui._pyside_workaround import void_calls_release_none


def test_void_calls_cannot_exhaust_none():
    if not void_calls_release_none():
        return  # a PySide6 without the leak needs nothing
    # the leak is there: None must hold far more references than any session makes calls
    assert sys.getrefcount(None) > 1 << 39
    probe = QObject()
    for _ in range(50_000):  # more than None's own count (~5,000 at start) without the fix
        probe.setObjectName("x")
    assert sys.getrefcount(None) > 1 << 39


def test_signal_emits_cannot_exhaust_true():
    from PySide6.QtCore import Signal

    from ui._pyside_workaround import emit_releases_true

    if not emit_releases_true():
        return  # a PySide6 without the leak needs nothing
    assert sys.getrefcount(True) > 1 << 39 and sys.getrefcount(False) > 1 << 39

    class Emitter(QObject):
        fired = Signal()

    emitter = Emitter()
    for _ in range(50_000):  # True holds a few thousand references at start
        emitter.fired.emit()
    assert sys.getrefcount(True) > 1 << 39
