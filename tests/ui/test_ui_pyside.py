"""The PySide6 we install does not leak references to None or True (PySide6-Essentials 6.12.0
on CPython 3.11 did: each void call released None and each Signal.emit released True, and the
interpreter aborted with none_dealloc / bool_dealloc). pyproject.toml excludes that release;
these tests hold the installed one to it, with no patch in the code."""

import sys

from PySide6.QtCore import QObject, Signal


def test_void_calls_keep_none_count():
    probe = QObject()
    probe.setObjectName("warm-up")
    before = sys.getrefcount(None)
    for _ in range(50_000):  # far more than None's own count (~5,000) at start
        probe.setObjectName("x")
    assert abs(sys.getrefcount(None) - before) < 100


def test_signal_emits_keep_true_count():
    class Emitter(QObject):
        fired = Signal()

    emitter = Emitter()
    emitter.fired.emit()
    before_true, before_false = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(50_000):  # True holds a few thousand references at start
        emitter.fired.emit()
    assert abs(sys.getrefcount(True) - before_true) < 100
    assert abs(sys.getrefcount(False) - before_false) < 100
