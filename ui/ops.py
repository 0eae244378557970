"""The UI operations layer (cf. Anki's ``aqt.operations``): a core call run in the background
with progress, cancel and error display, and the change broadcast pages refresh from.

- :class:`Change` names what a write changed (households, cases, rosters, aid, liaison,
  standards); :func:`change_bus` is the one broadcaster of a :class:`~assistcase.core.Core`:
  every page of a window shares it.
- :class:`Op` runs ``fn(progress, cancel)`` on a worker (:class:`ui.tasks.BackgroundTask`),
  delivers the outcome on the GUI thread, broadcasts its changes after a success, and shows a
  failure in the error dialog (ui/crash.py) unless the caller handles it.
- :class:`Page` is the base of the main window's pages: the façade, read-only, one op at a time
  (``task`` / ``task_finished``), refresh on a broadcast, saved splitter and header state.
- :func:`after_first_paint` runs a call once a widget has painted (and shows what it should):
  work that can wait, such as the day's backup, starts after the first window is on screen.
"""

from __future__ import annotations

import enum
import logging
import traceback
import weakref
from typing import Any, Callable

from PySide6.QtCore import (QByteArray, QCoreApplication, QEvent, QObject, QSettings, QTimer,
                            Signal)
from PySide6.QtWidgets import QHeaderView, QSplitter, QWidget

from assistcase.core import Core
from assistcase.db import Database
from assistcase.errors import AssistCaseError

from .tasks import BackgroundTask

log = logging.getLogger("assistcase.ui")


class Change(enum.Flag):
    """What a write changed, so pages refresh only what shows it (Anki's ``OpChanges``)."""

    NONE = 0
    HOUSEHOLDS = enum.auto()
    CASES = enum.auto()
    ROSTERS = enum.auto()
    AID = enum.auto()
    LIAISON = enum.auto()
    STANDARDS = enum.auto()


class ChangeBus(QObject):
    """The broadcaster of one core's changes: (what changed, the page that changed it or
    None); the initiating page has refreshed itself already."""

    changed = Signal(object, object)  # Change, initiator


_buses: "weakref.WeakKeyDictionary[Core, ChangeBus]" = weakref.WeakKeyDictionary()


def change_bus(core: Core) -> ChangeBus:
    """The broadcaster every page holding ``core`` (or a read-only view of it) listens to."""
    core = getattr(core, "origin", core)
    bus = _buses.get(core)
    if bus is None:
        bus = _buses[core] = ChangeBus()
    return bus


def as_core(core: Core | Database, actor: Any = None, read_only: bool = False) -> Core:
    """The façade a page works through: the window's own, or one made around a database
    (pages built on their own, as in tests)."""
    if isinstance(core, Core):
        return core
    return Core(core, actor, read_only)


def show_error(parent: QWidget | None, exc: BaseException, tb: str = "",
               title: str | None = None):
    """The one error dialog (ui/crash.py) for an op's failure: the core's own message for an
    error it raises on purpose; anything else is logged with its traceback and shown with
    "copy details"."""
    from .crash import error_dialog, error_text

    details = tb or "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if not isinstance(exc, AssistCaseError):
        log.error("unexpected error in an operation\n%s", details)
    return error_dialog(parent, title or QCoreApplication.translate("crash", "AssistCase: error"),
                        error_text(exc), details)


class Op(QObject):
    """One core call in the background: ``Op(parent, fn, ...).on_success(cb).run()``.

    ``fn(progress, cancel)`` runs on a worker thread; ``progress(fraction, message)`` drives the
    progress dialog, its Cancel sets ``cancel`` (the core raises Cancelled and rolls back).
    After a success ``changes`` is broadcast on the core's bus, then the success callback runs.
    A failure goes to the failure callback, else to the error dialog. ``finished(outcome)``
    ends every run: "succeeded", "failed" or "cancelled".
    """

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()
    finished = Signal(str)

    def __init__(self, parent: QWidget | None, fn: Callable[..., Any], title: str = "",
                 core: Core | None = None, changes: Change = Change.NONE,
                 show_progress: bool = True):
        # No QObject parent: the caller holds the op (a page its one op) and Python frees it;
        # deleting it from Qt (deleteLater) right after its own signals crashed PySide.
        super().__init__(None)
        self._parent_widget = parent
        self._core = core
        self._changes = changes
        self._title = title
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[BaseException, str], None] | None = None
        self._on_cancel: Callable[[], None] | None = None
        self.outcome: str | None = None
        self.error_dialog = None
        self.task = BackgroundTask(fn, title, parent, show_progress=show_progress)
        self.task.progressed.connect(self.progressed)
        self.task.succeeded.connect(self._succeeded)
        self.task.failed.connect(self._failed)
        self.task.cancelled.connect(self._cancelled)

    # --- building ---------------------------------------------------------------------------

    def on_success(self, fn: Callable[[Any], None]) -> "Op":
        self._on_success = fn
        return self

    def on_failure(self, fn: Callable[[BaseException, str], None]) -> "Op":
        """Handle a failure here instead of the error dialog (e.g. a message next to the
        field); an unexpected error is still logged with its traceback."""
        self._on_failure = fn
        return self

    def on_cancel(self, fn: Callable[[], None]) -> "Op":
        self._on_cancel = fn
        return self

    def run(self) -> "Op":
        self.task.start()
        return self

    # --- control ----------------------------------------------------------------------------

    def cancel(self) -> None:
        self.task.cancel()

    def wait(self) -> None:
        """Cancel and block until the worker has stopped (the window closes)."""
        self.task.wait()

    @property
    def running(self) -> bool:
        return self.outcome is None

    # --- outcomes (GUI thread) --------------------------------------------------------------

    def _succeeded(self, result: Any) -> None:
        if self._core is not None and self._changes:
            change_bus(self._core).changed.emit(self._changes, self._parent_widget)
        if self._on_success is not None:
            self._on_success(result)
        self.succeeded.emit(result)
        self._end("succeeded")

    def _failed(self, exc: BaseException, tb: str) -> None:
        if self._on_failure is not None:
            if not isinstance(exc, AssistCaseError):
                log.error("unexpected error in an operation\n%s", tb)
            self._on_failure(exc, tb)
        else:
            self.error_dialog = show_error(self._parent_widget, exc, tb, self._title or None)
        self.failed.emit(exc, tb)
        self._end("failed")

    def _cancelled(self) -> None:
        if self._on_cancel is not None:
            self._on_cancel()
        self.cancelled.emit()
        self._end("cancelled")

    def _end(self, outcome: str) -> None:
        self.outcome = outcome
        self.task.deleteLater()
        self.finished.emit(outcome)


class _AfterFirstPaint(QObject):
    def __init__(self, widget: QWidget, fn: Callable[[], None], ready: Callable[[], bool]):
        super().__init__(widget)
        self._fn: Callable[[], None] | None = fn
        self._ready = ready
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Paint and self._fn is not None
                and obj.isVisible() and self._ready()):
            fn, self._fn = self._fn, None
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, fn)  # after this paint has finished, not inside it
        return False


def after_first_paint(widget: QWidget, fn: Callable[[], None],
                      ready: Callable[[], bool] = lambda: True) -> None:
    """Call ``fn`` once, from the event loop, after the first paint of ``widget`` at which
    ``ready()`` holds (e.g. a list has its first rows, not "Loading…"). Whoever makes
    ``ready`` true without a repaint (an empty list loaded) calls ``widget.update()``."""
    _AfterFirstPaint(widget, fn, ready)


class Page(QWidget):
    """Base of the main window's pages.

    ``core`` is the window's façade (a Database, with ``actor`` and ``read_only``, is wrapped in
    one). A page refreshes from the change broadcast: when a change in ``refresh_on`` arrives it
    calls :meth:`on_changes` (by default :meth:`refresh`) if it is shown, else on its next
    showing. It writes through :meth:`run_op` (background) or ``self.core.write`` followed by
    :meth:`broadcast`. Its splitters and table headers with an object name keep their state.
    """

    refresh_on: Change = Change.NONE
    changed = Signal(object)      # Change: this page's writes, handed on to the bus
    task_finished = Signal(str)   # "succeeded" / "failed" / "cancelled", after a background run

    def __init__(self, core: Core | Database, actor: Any = None, read_only: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.core = as_core(core, actor, read_only)
        self.actor = self.core.actor
        self.read_only = self.core.read_only
        self.task: Op | None = None
        self._stale = Change.NONE
        self._state_restored = False
        self.changed.connect(self._hand_on)
        change_bus(self.core).changed.connect(self._changes_arrived)

    @property
    def db(self) -> Database:
        """The opened database, for whoever holds the page (the window, tests); the page
        itself reaches the core only through ``self.core``."""
        return self.core.db

    # --- changes ----------------------------------------------------------------------------

    def broadcast(self, changes: Change) -> None:
        """Tell every page of the window what a write of this page changed."""
        if changes:
            self.changed.emit(changes)

    def _hand_on(self, changes: Change) -> None:
        change_bus(self.core).changed.emit(changes, self)

    def _changes_arrived(self, changes: Change, initiator: object) -> None:
        relevant = changes & self.refresh_on
        if not relevant or initiator is self:
            return
        if self.isVisible():
            self.on_changes(relevant)
        else:
            self._stale |= relevant

    def on_changes(self, changes: Change) -> None:  # noqa: ARG002 - overridden by pages
        refresh = getattr(self, "refresh", None)
        if callable(refresh):
            refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._state_restored:
            self._state_restored = True
            self.restore_state()
        if self._stale:
            stale, self._stale = self._stale, Change.NONE
            self.on_changes(stale)

    # --- background ops ---------------------------------------------------------------------

    def run_op(self, fn: Callable[..., Any], title: str,
               on_success: Callable[[Any], None] | None = None,
               changes: Change = Change.NONE,
               on_failure: Callable[[BaseException, str], None] | None = None,
               on_cancel: Callable[[], None] | None = None,
               show_progress: bool = True) -> Op | None:
        """Run ``fn(progress, cancel)`` as this page's one op (None while another runs);
        :meth:`busy_changed` is called as it starts and ends, ``task_finished`` after."""
        if self.task is not None:
            return None
        op = Op(self, fn, title, self.core, changes, show_progress)
        if on_success is not None:
            op.on_success(on_success)
        if on_failure is not None:
            op.on_failure(on_failure)
        if on_cancel is not None:
            op.on_cancel(on_cancel)
        op.finished.connect(self._op_finished)
        self.task = op
        self.busy_changed()
        return op.run()

    def _op_finished(self, outcome: str) -> None:
        # kept until the next op ends: freeing it inside its own signal is not safe
        self._last_op, self.task = self.task, None
        self.busy_changed()
        self.task_finished.emit(outcome)

    def busy_changed(self) -> None:
        """Enable or disable the page's actions as an op starts or ends."""

    # --- window state -----------------------------------------------------------------------

    def _state_widgets(self):
        key = type(self).__name__
        for w in self.findChildren(QSplitter):
            if w.objectName():
                yield f"pages/{key}/{w.objectName()}", w
        for w in self.findChildren(QHeaderView):
            if w.objectName():      # keyed by its number of columns (list_tools.header_key)
                yield f"pages/{key}/{w.objectName()}/{w.count()}", w

    def restore_state(self) -> None:
        settings = QSettings()
        for name, w in self._state_widgets():
            state = settings.value(name)
            if isinstance(state, QByteArray):
                w.restoreState(state)

    def save_state(self) -> None:
        """Called when the window closes: a running op is cancelled and waited for; splitter
        and header states are kept."""
        if self.task is not None:
            self.task.wait()
        settings = QSettings()
        for name, w in self._state_widgets():
            settings.setValue(name, w.saveState())
