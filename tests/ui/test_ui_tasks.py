"""ui.tasks.BackgroundTask: a core function on a worker thread, results on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread, Qt
from PySide6.QtWidgets import QApplication, QPushButton

from assistcase.errors import ValidationError
from ui.tasks import BackgroundTask


def on_gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    worker_threads = []

    def work(progress, cancel):
        worker_threads.append(threading.current_thread())
        progress(0.5, "half")
        return 42

    task = BackgroundTask(work, "working")
    seen = []
    task.progressed.connect(lambda f, m: seen.append((f, m, on_gui_thread())))
    task.succeeded.connect(lambda result: seen.append((result, on_gui_thread())))
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
    assert seen == [(0.5, "half", True), (42, True)]
    assert worker_threads[0] is not threading.main_thread()
    assert not task.running


def test_an_exception_is_delivered_with_its_traceback(qtbot):
    def work(progress, cancel):
        raise ValidationError.single("x", "bad input", "输入有误")

    task = BackgroundTask(work, "working", show_progress=False)
    with qtbot.waitSignal(task.failed, timeout=5000) as blocker:
        task.start()
    exc, tb = blocker.args
    assert isinstance(exc, ValidationError) and exc.message_zh == "输入有误"
    assert "raise ValidationError" in tb  # the worker's own frame, not just the type


@pytest.mark.parametrize("how", ["button", "escape", "method"])
def test_cancel_reaches_the_core_and_rolls_back_to_cancelled(qtbot, request, how):
    started = threading.Event()
    finished_work = []

    def work(progress, cancel):
        started.set()
        progress(0.1, "started")
        while not cancel.cancelled:
            cancel._event.wait(1)  # the core's loops call cancel.check() the same way
        cancel.check()  # raises Cancelled
        finished_work.append(True)  # never reached

    task = BackgroundTask(work, "working")
    outcomes = []
    task.succeeded.connect(lambda r: outcomes.append("succeeded"))
    task.failed.connect(lambda e, tb: outcomes.append("failed"))
    task.cancelled.connect(lambda: outcomes.append("cancelled"))
    # a failing check must not leave the thread running (Qt aborts on destroying it)
    request.addfinalizer(task.wait)
    with qtbot.waitSignal(task.progressed, timeout=5000):
        task.start()
    assert started.is_set()
    with qtbot.waitSignal(task.finished, timeout=5000):
        if how == "button":
            task._dialog.findChild(QPushButton).click()
        elif how == "escape":
            qtbot.waitUntil(task._dialog.isVisible)  # shown once the work takes a while
            # a user presses Escape in the active dialog; offscreen, a dialog shown while
            # another test window had focus may not be active yet, and drops the key
            task._dialog.activateWindow()
            qtbot.waitUntil(task._dialog.isActiveWindow)
            qtbot.keyClick(task._dialog, Qt.Key.Key_Escape)
        else:
            task.cancel()
    assert outcomes == ["cancelled"]
    assert finished_work == []
    assert not task._dialog.isVisible()


def test_the_dialog_shows_while_the_work_runs_and_never_after_it_ended(qtbot, request):
    """Work that reports progress once and then runs long still gets its dialog (shown by a
    timer after the minimum duration, not only from a later progress report); a task that
    has ended never shows it again."""
    def work(progress, cancel):
        progress(0.0, "started")
        while not cancel.cancelled:
            cancel._event.wait(1)
        cancel.check()

    task = BackgroundTask(work, "working")
    request.addfinalizer(task.wait)
    with qtbot.waitSignal(task.progressed, timeout=5000):
        task.start()
    task._show_if_running()  # what the start timer calls
    assert task._dialog.isVisible()
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.cancel()
    assert not task._dialog.isVisible()
    task._show_if_running()
    assert not task._dialog.isVisible()
