"""What happens to an error nobody expected: it is written to a rotating log file in the data
directory and shown in one dialog, in the user's language, with "copy details" (the
traceback) for whoever supports the office. Modelled on calibre's ``error_dialog(det_msg)``
and Anki's "copy debug info".

Errors the core expects (:class:`~assistcase.errors.AssistCaseError`) carry their own
bilingual message; anything else shows a short general sentence, never a bare ``str(e)``.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from assistcase.config import data_dir
from assistcase.errors import AssistCaseError

log = logging.getLogger("assistcase.ui")

LOG_NAME = "assistcase.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 5
_state: dict[str, object] = {}


def log_path() -> Path:
    return data_dir() / "logs" / LOG_NAME


def setup_logging(path: Path | None = None) -> Path:
    """Log warnings and errors of the whole app to a rotating file (5 × 1 MB) in the data
    directory; the console keeps its own handler. Idempotent."""
    path = path or log_path()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                  encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    root.addHandler(handler)
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    return path


def _zh() -> bool:
    return QLocale().language() == QLocale.Language.Chinese


def error_text(exc: BaseException) -> str:
    """The sentence shown to the user for ``exc``."""
    if isinstance(exc, AssistCaseError):
        return exc.message("zh" if _zh() else "en")
    return QCoreApplication.translate(
        "crash", "An unexpected error occurred. The work in progress was not saved. "
                 "The details are in the log file:\n%1").replace("%1", str(log_path()))


class ErrorDialog(QMessageBox):
    """The message, the details folded away, and "copy details", which copies without
    closing the dialog."""

    def __init__(self, parent: QWidget | None, title: str, message: str, details: str):
        super().__init__(QMessageBox.Icon.Critical, title, message,
                         QMessageBox.StandardButton.Close, parent)
        self.setObjectName("errorDialog")
        self.details = details
        self.setDetailedText(details)
        self.copy_button = QPushButton(QCoreApplication.translate("crash", "Copy details"))
        self.copy_button.setObjectName("copyDetails")
        self.addButton(self.copy_button, QMessageBox.ButtonRole.ActionRole)

    def done(self, result: int) -> None:  # noqa: D401 - Qt override
        if self.clickedButton() is self.copy_button:
            QApplication.clipboard().setText(self.details)
            return
        super().done(result)


def error_dialog(parent: QWidget | None, title: str, message: str, details: str) -> ErrorDialog:
    """One error dialog for the app, shown window-modal without blocking the caller."""
    box = ErrorDialog(parent, title, message, details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class _Reporter(QObject):
    """Delivers errors raised on any thread to the GUI thread."""

    raised = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.raised.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.last: ErrorDialog | None = None

    @Slot(str, str)
    def _show(self, message: str, details: str) -> None:
        parent = QApplication.activeWindow()
        title = QCoreApplication.translate("crash", "AssistCase: error")
        self.last = error_dialog(parent, title, message, details)


def report_exception(exc: BaseException, tb=None) -> None:
    """Log ``exc`` with its traceback and show it (from any thread)."""
    details = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
    log.error("unexpected error\n%s", details)
    reporter = _state.get("reporter")
    if isinstance(reporter, _Reporter):
        reporter.raised.emit(error_text(exc), details)
    else:
        print(details, file=sys.stderr)


def install_exception_hook() -> Path:
    """Route uncaught exceptions of the GUI thread and of worker threads to the log file and
    the error dialog. Returns the log file's path."""
    path = setup_logging()
    if "reporter" not in _state:
        _state["reporter"] = _Reporter()

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        report_exception(exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            report_exception(args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
    return path


def last_dialog() -> ErrorDialog | None:
    reporter = _state.get("reporter")
    return reporter.last if isinstance(reporter, _Reporter) else None
