"""Unexpected errors: written to the rotating log in the data directory and shown in one
dialog, in the user's language, with "copy details"."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtWidgets import QApplication

from assistcase.errors import ValidationError
from ui import crash


@pytest.fixture
def hooked(tmp_path, monkeypatch, qapp):
    monkeypatch.setenv("ASSISTCASE_DATA_DIR", str(tmp_path))
    saved = sys.excepthook, threading.excepthook
    handlers = list(logging.getLogger().handlers)
    path = crash.install_exception_hook()
    yield path
    sys.excepthook, threading.excepthook = saved
    for h in logging.getLogger().handlers:
        if h not in handlers:
            logging.getLogger().removeHandler(h)
            h.close()


def _raise(exc):
    try:
        raise exc
    except BaseException as e:  # noqa: BLE001 - the hook's input
        return type(e), e, e.__traceback__


def test_uncaught_error_is_logged_and_shown_with_copyable_details(hooked, qtbot, zh):
    assert hooked.is_relative_to(hooked.parent.parent) and hooked.parent.name == "logs"
    with qtbot.waitSignal(crash._state["reporter"].raised, timeout=2000):
        sys.excepthook(*_raise(RuntimeError("boom in a slot")))
    qtbot.waitUntil(lambda: crash.last_dialog() is not None and crash.last_dialog().isVisible())
    box = crash.last_dialog()
    assert "意外错误" in box.text() and str(hooked) in box.text()
    assert "RuntimeError: boom in a slot" in box.details
    box.copy_button.click()
    assert box.isVisible()  # copying does not close the dialog
    assert "RuntimeError: boom in a slot" in QApplication.clipboard().text()
    for h in logging.getLogger().handlers:
        h.flush()
    text = hooked.read_text(encoding="utf-8")
    assert "unexpected error" in text and "RuntimeError: boom in a slot" in text
    box.close()


def test_worker_thread_error_reaches_the_gui_thread(hooked, qtbot):
    reporter = crash._state["reporter"]
    with qtbot.waitSignal(reporter.raised, timeout=2000) as blocker:
        t = threading.Thread(target=lambda: (_ for _ in ()).throw(KeyError("worker")))
        t.start()
        t.join()
    message, details = blocker.args
    assert "KeyError: 'worker'" in details
    qtbot.waitUntil(lambda: crash.last_dialog() is not None and crash.last_dialog().isVisible())
    crash.last_dialog().close()


def test_core_error_shows_its_own_message(hooked, qtbot):
    exc = ValidationError.single("amount_fen", "the amount must be positive", "金额必须大于0")
    assert "amount must be positive" in crash.error_text(exc)
