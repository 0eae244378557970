"""Running a core function off the GUI thread with a progress dialog and a working cancel
(the thread-level piece under :class:`ui.ops.Op`, which pages use).

The core function takes ``progress(fraction, message)`` and ``cancel`` (a CancelToken) keyword
arguments. Its result or exception comes back on the GUI thread through signals; cancelling
raises the core's ``Cancelled`` in the worker, which the caller sees as ``cancelled``.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog

from assistcase.errors import Cancelled
from assistcase.progress import CancelToken, message_part

log = logging.getLogger(__name__)


class _Worker(QObject):
    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()

    def __init__(self, fn: Callable[..., Any], token: CancelToken):
        super().__init__()
        self._fn = fn
        self._token = token
        self._last = -1

    def _progress(self, fraction: float, message: str) -> None:
        step = int(fraction * 1000)
        if step != self._last:  # throttled: at most one signal per 0.1 %
            self._last = step
            self.progressed.emit(fraction, message)

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(progress=self._progress, cancel=self._token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # delivered to the GUI thread, never swallowed
            log.exception("background task failed")
            self.failed.emit(exc, traceback.format_exc())
        else:
            self.succeeded.emit(result)


def _zh() -> bool:
    from PySide6.QtCore import QLocale

    return QLocale().name().startswith("zh")


def progress_text(message: str, zh: bool, title: str = "") -> str:
    """The part of a core progress message in the window's language, or the task's title
    (see :func:`assistcase.progress.message_part`)."""
    return message_part(message, zh) or title


class BackgroundTask(QObject):
    """One background run. Connect to ``succeeded`` / ``failed`` / ``cancelled``, then
    :meth:`start`. ``finished`` is emitted after any of them."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], title: str = "", parent: QObject | None = None,
                 show_progress: bool = True):
        super().__init__(parent)
        self.token = CancelToken()
        self._ended = False
        self._thread = QThread()
        self._worker = _Worker(fn, self.token)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._dialog: QProgressDialog | None = None
        self._title = title
        if show_progress:
            dlg = QProgressDialog(title, self.tr("Cancel"), 0, 1000, parent)
            dlg.setWindowTitle(title)
            dlg.setWindowModality(Qt.WindowModality.WindowModal)
            dlg.setMinimumDuration(300)
            dlg.setAutoClose(False)
            dlg.setAutoReset(False)
            dlg.canceled.connect(self.cancel)
            self._dialog = dlg
        # Bound slots of this GUI-thread object, so Qt queues each call to the GUI thread
        # (a lambda would run in the worker thread).
        self._worker.progressed.connect(self._on_progress)
        self._worker.succeeded.connect(self._on_succeeded)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)

    def start(self) -> "BackgroundTask":
        self._thread.start()
        if self._dialog is not None:
            # QProgressDialog shows itself only from a setValue after its minimum duration
            # (else after 4 s); work that reports progress rarely would show nothing for
            # seconds, so show it once the minimum duration has passed.
            QTimer.singleShot(self._dialog.minimumDuration(), self, self._show_if_running)
        return self

    @Slot()
    def _show_if_running(self) -> None:
        if self._dialog is not None and not self._ended and self._thread.isRunning():
            self._dialog.show()

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def wait(self) -> None:
        """Cancel and block until the worker has stopped (e.g. when its window closes)."""
        self.cancel()
        self._thread.quit()
        self._thread.wait()

    @Slot(object)
    def _on_succeeded(self, result: Any) -> None:
        self._done(self.succeeded.emit, result)

    @Slot(object, str)
    def _on_failed(self, exc: BaseException, tb: str) -> None:
        self._done(self.failed.emit, exc, tb)

    @Slot()
    def _on_cancelled(self) -> None:
        self._done(self.cancelled.emit)

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(fraction, message)
        if self._dialog is not None:
            self._dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
            self._dialog.setLabelText(progress_text(message, _zh(), self._title))

    def _done(self, emit: Callable[..., None], *args: Any) -> None:
        self._ended = True
        self._thread.quit()
        self._thread.wait()
        if self._dialog is not None:
            self._dialog.close()
        emit(*args)
        self.finished.emit()

