"""The to-do page (待办): everything due in the caseworker's area, first in the navigation.

A thin view over :func:`assistcase.services.todo.load_todo` (plain frozen dataclasses; the
page reads no database itself), which runs in the background (:class:`ui.ops.Op`): the window
does not wait for a city-sized list; ``loaded`` tells when the list shown is the one asked for
last. Overdue rows first, in red. Enter or a double-click opens the row's
record: a monitoring task in :class:`TaskDialog` (record its outcome; "newly included"
opens the application and links it), a case in the cases page, a temporary-aid file in the
aid page (the main window does the last two through :attr:`TodoPage.open_case_requested` and
:attr:`TodoPage.open_aid_requested`). :attr:`TodoPage.counts_changed` carries the number of
items and of overdue ones for the navigation.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QLocale, QSettings, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from typing import TYPE_CHECKING

from assistcase.core import Core
from assistcase.db import Database
from assistcase.errors import AssistCaseError
from assistcase.services.todo import TodoItem, load_todo, todo_areas

from .ops import Op, as_core
from .widgets import (ERROR_STYLE, date_edit, error_text, fill_area_combo, pydate,
                      read_only_table, table_item)

if TYPE_CHECKING:  # the task dialog's services are imported when it opens, not for the window
    from assistcase.services import monitoring as M

OVERDUE_COLOUR = "#B00020"


def _lang() -> str:
    return "zh" if QLocale().language() == QLocale.Language.Chinese else "en"


class TaskDialog(QDialog):
    """One monitoring task: what the warning found, and its outcome."""

    def __init__(self, parent: QWidget, db: Database, actor: str | int, task: M.TaskView,
                 read_only: bool = False):
        super().__init__(parent)
        self.db, self.actor, self.task = db, actor, task
        self.result_case_id: int | None = None
        self.setWindowTitle(self.tr("Task %1").replace("%1", str(task.id)))
        lay = QVBoxLayout(self)
        kind = {"home_check": self.tr("Home check"),
                "eligibility_check": self.tr("Eligibility check"),
                "payment_review": self.tr("Payment review")}[task.kind]
        info = QLabel(
            f"<b>{kind}</b>：{task.rule_label_zh}<br>{task.detail}<br>"
            + self.tr("Household %1, %2 (%3)").replace("%1", task.household_number)
            .replace("%2", task.head_name).replace("%3", task.village)
            + "<br>" + self.tr("Raised %1, due %2").replace("%1", task.raised_on.isoformat())
            .replace("%2", task.due_on.isoformat())
            + ("<br><b>" + self.tr("The payment is held until this check is closed.") + "</b>"
               if task.hold_payment and task.status == "open" else ""))
        info.setWordWrap(True)
        info.setObjectName("task_info")
        lay.addWidget(info)
        form = QFormLayout()
        self.outcome = QComboBox()
        outcomes = [("included", self.tr("Newly included")), ("changed", self.tr("Benefit changed")),
                    ("terminated", self.tr("Terminated")), ("no_action", self.tr("No action"))]
        if task.person_id is not None:
            outcomes += [("deceased", self.tr("Deceased: end the coverage")),
                         ("wrong_match", self.tr("Wrong match: release the payment"))]
        for code, text in outcomes:
            self.outcome.addItem(text, code)
        form.addRow(self.tr("Outcome"), self.outcome)
        self.on = date_edit(dt.date.today())
        form.addRow(self.tr("Checked on"), self.on)
        self.program = QComboBox()
        self.program.addItem(self.tr("Subsistence allowance (dibao)"), "dibao")
        self.program_label = QLabel(self.tr("Program"))
        form.addRow(self.program_label, self.program)
        self.death_on = date_edit(task.event_on or dt.date.today())
        self.death_label = QLabel(self.tr("Date of death"))
        form.addRow(self.death_label, self.death_on)
        self.reason = QPlainTextEdit()
        self.reason.setFixedHeight(60)
        form.addRow(self.tr("Findings / reason"), self.reason)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        if read_only or task.status != "open":
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self._outcome_changed()

    def _outcome_changed(self) -> None:
        code = self.outcome.currentData()
        self.program.setVisible(code == "included")
        self.program_label.setVisible(code == "included")
        self.death_on.setVisible(code == "deceased")
        self.death_label.setVisible(code == "deceased")

    def choose(self, outcome: str) -> None:
        self.outcome.setCurrentIndex(self.outcome.findData(outcome))

    def accept(self) -> None:
        from assistcase.services import monitoring as M
        from assistcase.services.cases import CaseInput

        code = self.outcome.currentData()
        on = pydate(self.on.date())
        reason = self.reason.toPlainText().strip()
        try:
            if code == "included":
                result = M.include_from_task(
                    self.db, self.actor, self.task.id,
                    CaseInput(self.program.currentData(), self.task.household_id, on,
                              reason or self.tr("Newly included after the check")), on)
                self.result_case_id = result.created_id
            else:
                M.close_task(self.db, self.actor, self.task.id, code, on, reason,
                             death_on=pydate(self.death_on.date()) if code == "deceased"
                             else None)
        except AssistCaseError as e:
            self.error.setText(error_text(e, _lang()))
            self.error.show()
            return
        super().accept()


class TodoPage(QWidget):
    """Everything due in an area (待办)."""

    counts_changed = Signal(int, int)           # items, overdue
    open_case_requested = Signal(int, int)      # household id, case id
    open_aid_requested = Signal(int)            # temporary-aid case id
    loaded = Signal()                           # the last load ended (shown, or its error)

    def __init__(self, core: Core | Database, actor: str | int | None = None,
                 read_only: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.core = as_core(core, actor, read_only)
        self.db, self.actor, self.read_only = self.core.db, self.core.actor, self.core.read_only
        self.items: list[TodoItem] = []
        self.last_counts = (0, 0)  # (items, overdue) of the last refresh
        self.dialog: TaskDialog | None = None
        self._op: Op | None = None          # the load running (or the last one)
        self._last_op: Op | None = None     # kept: an op is not freed inside its own signal
        self._pending: tuple[int, dt.date] | None = None  # asked for while a load ran
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Area")))
        self.area = QComboBox()
        self.area.setObjectName("todo_area")
        saved = QSettings().value("todo/area")
        fill_area_combo(self.area, todo_areas(self.db),
                        int(saved) if saved not in (None, "") else None)
        bar.addWidget(self.area, 1)
        bar.addWidget(QLabel(self.tr("As of")))
        self.as_of = date_edit(dt.date.today())
        bar.addWidget(self.as_of)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        bar.addWidget(self.refresh_button)
        lay.addLayout(bar)
        self.summary = QLabel()
        self.summary.setObjectName("todo_summary")
        lay.addWidget(self.summary)
        self.table = read_only_table([self.tr("Kind"), self.tr("Due"), self.tr("Household"),
                             self.tr("Village"), self.tr("What")])
        self.table.setObjectName("todo_table")
        # fixed widths: measuring every cell's text costs more than the rows at city scale
        for column, width in enumerate((110, 140, 220, 120)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        self.open_button = QPushButton(self.tr("Open"))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.open_button)
        lay.addLayout(row)
        self.table.cellDoubleClicked.connect(lambda r, _c: self.open_row(r))
        self.table.itemActivated.connect(lambda item: self.open_row(item.row()))
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        self.refresh_button.clicked.connect(self.refresh)
        self.area.currentIndexChanged.connect(self.refresh)
        self.as_of.dateChanged.connect(self.refresh)
        self.refresh()

    def first_rows_shown(self) -> bool:
        """Whether the list shows what was asked for (its rows, or that there are none, or
        why it could not be read), not "Loading…"."""
        return not self.loading

    @property
    def loading(self) -> bool:
        return self._pending is not None or (self._op is not None and self._op.running)

    def refresh(self) -> None:
        """Load the list of the chosen area and day in the background; asked again while a
        load runs, the newest request is loaded once it ends."""
        area_id = self.area.currentData()
        if area_id is None:
            return
        request = (area_id, pydate(self.as_of.date()))
        if self._op is not None and self._op.running:
            self._pending = request
            return
        self._load(request)

    def _load(self, request: tuple[int, dt.date]) -> None:
        self._pending = None
        db, (area_id, as_of) = self.db, request
        self.summary.setStyleSheet("")
        self.summary.setText(self.tr("Loading…"))
        op = Op(self, lambda progress, cancel: load_todo(db, area_id, as_of),
                self.tr("To-do list"), self.core, show_progress=False)
        op.on_success(self._show).on_failure(self._failed)
        op.finished.connect(self._load_finished)
        self._last_op, self._op = self._op, op
        op.run()

    def _load_finished(self, _outcome: str) -> None:
        if self._pending is not None:
            self._load(self._pending)
        else:
            self.loaded.emit()

    def _failed(self, exc: BaseException, _tb: str) -> None:
        if self._pending is not None:
            return
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setText(error_text(exc, _lang()) if isinstance(exc, AssistCaseError)
                             else self.tr("The to-do list could not be read: %1")
                             .replace("%1", str(exc)))

    def _show(self, todo) -> None:
        if self._pending is not None:  # an older request: the newest is read next
            return
        self.items = list(todo.items)
        lang = _lang()
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(self.items))
        for r, i in enumerate(self.items):
            colour = OVERDUE_COLOUR if i.overdue else None
            due = i.due_on.isoformat() if i.due_on else ""
            if i.overdue:
                due += " " + self.tr("overdue")
            for c, value in enumerate((i.kind_label(lang), due, i.who, i.village, i.what)):
                self.table.setItem(r, c, table_item(value, colour=colour,
                                                    data=r if c == 0 else None))
        self.table.setUpdatesEnabled(True)
        self.summary.setText(self.tr("%1 items due in %2, %3 overdue")
                             .replace("%1", str(len(self.items)))
                             .replace("%2", todo.area_name).replace("%3", str(todo.overdue)))
        self.last_counts = (len(self.items), todo.overdue)
        self.counts_changed.emit(*self.last_counts)

    def rows_of(self, kind: str) -> list[int]:
        return [r for r, i in enumerate(self.items) if i.kind == kind]

    def open_row(self, row: int) -> TaskDialog | None:
        """Open the row's record: a task's dialog (returned), else ask the main window."""
        if not 0 <= row < len(self.items):
            return None
        item = self.items[row]
        if item.record == "task":
            from assistcase.services import monitoring as M

            task = M.load_task(self.db, item.record_id)
            self.dialog = TaskDialog(self, self.db, self.actor, task, self.read_only)
            self.dialog.finished.connect(self._task_finished)
            self.dialog.open()
            return self.dialog
        if item.record == "case":
            self.open_case_requested.emit(item.household_id or 0, item.record_id)
        elif item.record == "aid":
            self.open_aid_requested.emit(item.record_id)
        return None

    def _task_finished(self, result: int) -> None:
        dialog = self.dialog
        if result == QDialog.DialogCode.Accepted:
            self.refresh()
            if dialog is not None and dialog.result_case_id is not None:
                self.open_case_requested.emit(dialog.task.household_id, dialog.result_case_id)

    def save_state(self) -> None:
        """Called when the window closes: a load still running is waited for."""
        if self._op is not None and self._op.running:
            self._pending = None
            self._op.wait()
        QSettings().setValue("todo/area", self.area.currentData())
