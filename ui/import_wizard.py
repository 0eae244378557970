"""Import wizard (导入花名册): choose file and sheet, correct the column mapping, read the
validation report, confirm. Checking and importing run on a worker thread with a progress bar
and a cancel button; the core (:mod:`assistcase.io`) does all the work."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWizard, QWizardPage)

from assistcase.config import data_dir
from assistcase.core import Core
from assistcase.db import Database
from assistcase.errors import AssistCaseError, Cancelled
from assistcase.io import (ImportReport, import_registry, load_mapping, preview, save_mapping,
                           write_report_xlsx)
from assistcase.io.layout import FIELDS, IGNORE

from .ops import Change, Op, as_core

MAX_SHOWN_ISSUES = 2000  # the rest is in the exported report


def mappings_dir() -> Path:
    path = data_dir() / "import-mappings"
    path.mkdir(parents=True, exist_ok=True)
    return path


class _Runner(QObject):
    """One background job at a time (a :class:`ui.ops.Op`), driving the page's progress bar
    and cancel button."""

    finished = Signal(bool, object)  # ok, result or exception

    def __init__(self, bar: QProgressBar, status: QLabel, cancel: QPushButton):
        super().__init__()
        self.bar, self.status, self.cancel_button = bar, status, cancel
        self.task: Op | None = None
        cancel.clicked.connect(self.cancel)
        cancel.setEnabled(False)

    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self, fn: Callable[..., Any], core: Core | None = None,
              changes: Change = Change.NONE) -> None:
        self.task = Op(None, fn, core=core, changes=changes, show_progress=False)
        self.task.progressed.connect(self._on_progress)
        self.task.on_success(self._succeeded).on_failure(self._failed)
        self.task.on_cancel(self._cancelled)
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.task.run()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)

    def wait(self) -> None:
        """Cancel and wait for the worker (when the wizard is closed mid-run)."""
        if self.task is not None:
            self.task.wait()

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        self._done(True, result)

    @Slot(object, str)
    def _failed(self, error: object, _traceback: str) -> None:
        self._done(False, error)

    @Slot()
    def _cancelled(self) -> None:
        self._done(False, Cancelled())

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 100))
        self.status.setText(message)

    def _done(self, ok: bool, result: object) -> None:
        self._last_op, self.task = self.task, None  # freed once the next job ends
        self.cancel_button.setEnabled(False)
        self.bar.setValue(100 if ok else 0)
        self.finished.emit(ok, result)


def _progress_row(parent: QWizardPage, cancel_text: str
                  ) -> tuple[QHBoxLayout, QProgressBar, QLabel, QPushButton]:
    bar = QProgressBar(parent)
    status = QLabel(parent)
    cancel = QPushButton(cancel_text, parent)
    row = QHBoxLayout()
    row.addWidget(bar, 1)
    row.addWidget(cancel)
    return row, bar, status, cancel


class FilePage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("Choose the spreadsheet"))
        self.setSubTitle(self.tr("An Excel workbook (.xlsx, or the older .xls), an .ods or a "
                                 ".csv file (UTF-8 or GBK) with one row per person."))
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("path")
        browse = QPushButton(self.tr("Browse…"), self)
        browse.clicked.connect(self.browse)
        self.sheet_box = QComboBox(self)
        self.sheet_box.setObjectName("sheet")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("fileMessage")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("File:"), self))
        layout.addLayout(row)
        layout.addWidget(QLabel(self.tr("Sheet:"), self))
        layout.addWidget(self.sheet_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.path_edit.editingFinished.connect(lambda: self.load(self.path_edit.text()))
        self.sheet_box.currentTextChanged.connect(self._sheet_changed)

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the spreadsheet"), "",
                                              self.tr("Spreadsheets (*.xlsx *.xls *.ods *.csv)"))
        if path:
            self.load(path)

    def load(self, path: str, sheet: str | None = None) -> None:
        self.path_edit.setText(path)
        self.w.preview = None
        try:
            pv = preview(path, sheet, self.w.mapping or None)
        except AssistCaseError as e:
            self.message.setText(e.message_zh)
            self.sheet_box.blockSignals(True)
            self.sheet_box.clear()
            self.sheet_box.blockSignals(False)
        else:
            self.w.path = Path(path)
            self.w.preview = pv
            self.sheet_box.blockSignals(True)
            self.sheet_box.clear()
            self.sheet_box.addItems(pv.sheets)
            self.sheet_box.setCurrentText(pv.layout.sheet)
            self.sheet_box.blockSignals(False)
            self.message.setText(self.tr("Header found on row %1; %2 columns.")
                                 .replace("%1", str(pv.layout.header_row))
                                 .replace("%2", str(len(pv.layout.headers))))
        self.completeChanged.emit()

    def _sheet_changed(self, sheet: str) -> None:
        if sheet and self.w.path is not None:
            self.load(str(self.w.path), sheet)

    def isComplete(self) -> bool:
        return self.w.preview is not None


class MappingPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("Match the columns"))
        self.setSubTitle(self.tr("Each column of the sheet and the registry field it holds. "
                                 "Correct any that were guessed wrong; save the mapping to use "
                                 "it again."))
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("mapping")
        self.table.setHorizontalHeaderLabels([self.tr("Column"), self.tr("First value"),
                                              self.tr("Field")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        save = QPushButton(self.tr("Save mapping…"), self)
        save.clicked.connect(self.save)
        load = QPushButton(self.tr("Load mapping…"), self)
        load.clicked.connect(self.load)
        buttons = QHBoxLayout()
        buttons.addWidget(load)
        buttons.addWidget(save)
        buttons.addStretch(1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def initializePage(self) -> None:
        pv = self.w.preview
        assert pv is not None
        first = pv.rows[0] if pv.rows else ()
        self.table.setRowCount(len(pv.layout.headers))
        for i, (header, field) in enumerate(zip(pv.layout.headers, pv.layout.fields)):
            self.table.setItem(i, 0, QTableWidgetItem(pv.layout.column_label(i)))
            value = first[i] if i < len(first) and first[i] is not None else ""
            self.table.setItem(i, 1, QTableWidgetItem(str(value)))
            box = QComboBox(self.table)
            box.addItem(self.tr("(do not import)"), IGNORE)
            for f in FIELDS:
                box.addItem(f.header, f.key)
                box.setItemData(box.count() - 1, f.label_en, Qt.ItemDataRole.ToolTipRole)
            box.setCurrentIndex(max(0, box.findData(field)))
            box.setEnabled(bool(header))
            self.table.setCellWidget(i, 2, box)
        self.message.setText("")

    def mapping(self) -> dict[str, str]:
        pv = self.w.preview
        assert pv is not None
        out = {}
        for i, header in enumerate(pv.layout.headers):
            box = self.table.cellWidget(i, 2)
            if header and isinstance(box, QComboBox):
                out[header] = box.currentData()
        return out

    def set_field(self, header: str, field: str) -> None:
        """Choose the field of the column named ``header`` (as a user would)."""
        pv = self.w.preview
        assert pv is not None
        box = self.table.cellWidget(pv.layout.headers.index(header), 2)
        box.setCurrentIndex(box.findData(field))

    def save(self, path: str | None = None) -> None:
        if not path:
            stem = self.w.path.stem if self.w.path else "mapping"
            suggested = str(mappings_dir() / f"{stem}.json")
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save mapping"), suggested,
                                                  self.tr("Column mappings (*.json)"))
        if path:
            save_mapping(self.mapping(), path)
            self.message.setText(self.tr("Mapping saved to %1").replace("%1", str(path)))

    def load(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Load mapping"),
                                                  str(mappings_dir()),
                                                  self.tr("Column mappings (*.json)"))
        if not path:
            return
        try:
            self.w.mapping = load_mapping(path)
            self.w.file_page.load(str(self.w.path), self.w.preview.layout.sheet)
        except AssistCaseError as e:
            self.message.setText(e.message_zh)
            return
        if self.w.preview is not None:
            self.initializePage()

    def validatePage(self) -> bool:
        self.w.mapping = self.mapping()
        return True


def _issue_table(parent: QWizardPage, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


class CheckPage(QWizardPage):
    """Runs the dry run (every row checked against the registry) and shows the report."""

    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("Check"))
        self.setSubTitle(self.tr("Every row is checked before anything is written. Nothing is "
                                 "imported while there are errors."))
        row, self.bar, self.status, self.cancel_button = _progress_row(self, self.tr("Cancel"))
        self.runner = _Runner(self.bar, self.status, self.cancel_button)
        self.runner.finished.connect(self._finished)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("checkSummary")
        self.issues = _issue_table(self, [self.tr("Row"), self.tr("Column"), self.tr("Value"),
                                          self.tr("Level"), self.tr("Reason")])
        self.issues.setObjectName("issues")
        export = QPushButton(self.tr("Export report…"), self)
        export.clicked.connect(self.export_report)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        layout.addWidget(self.issues, 1)
        layout.addWidget(export)
        self.report: ImportReport | None = None

    def initializePage(self) -> None:
        self.report = None
        self.issues.setRowCount(0)
        self.summary.setText(self.tr("Checking…"))
        w = self.w
        path, sheet, mapping = w.path, w.preview.layout.sheet, dict(w.mapping)
        self.runner.start(lambda progress, cancel: w.core.call(
            import_registry, w.core.actor, path, sheet=sheet, mapping=mapping, dry_run=True,
            progress=progress, cancel=cancel))
        self.completeChanged.emit()

    def _finished(self, ok: bool, result: object) -> None:
        if not ok:
            self.summary.setText(self.tr("Cancelled.") if isinstance(result, Cancelled)
                                 else getattr(result, "message_zh", str(result)))
        else:
            self.report = result
            self.summary.setText(result.summary_zh())
            shown = result.issues[:MAX_SHOWN_ISSUES]
            self.issues.setRowCount(len(shown))
            for r, issue in enumerate(shown):
                level = self.tr("Error") if issue.severity == "error" else self.tr("Warning")
                for c, text in enumerate((str(issue.row or ""), issue.column, issue.value, level,
                                          issue.reason_zh)):
                    self.issues.setItem(r, c, QTableWidgetItem(text))
            if len(result.issues) > len(shown):
                self.summary.setText(result.summary_zh() + "\n" + self.tr(
                    "Only the first %1 problems are shown; export the report for all of them.")
                    .replace("%1", str(MAX_SHOWN_ISSUES)))
        self.w.job_finished.emit()
        self.completeChanged.emit()

    def export_report(self, path: str | None = None) -> None:
        if self.report is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export report"),
                                                  f"{self.w.path.stem}-report.xlsx",
                                                  self.tr("Excel workbooks (*.xlsx)"))
        if path:
            write_report_xlsx(self.report, path)

    def isComplete(self) -> bool:
        return self.report is not None and self.report.ok and not self.runner.running


class ConfirmPage(QWizardPage):
    """Shows what will be written; the import runs when the user presses Import."""

    def __init__(self, wizard: "ImportWizard"):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("Import"))
        self.setSubTitle(self.tr("The import is written in one step: if anything fails or you "
                                 "cancel, nothing is written."))
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("confirmSummary")
        self.start_button = QPushButton(self.tr("Import"), self)
        self.start_button.setObjectName("startImport")
        self.start_button.clicked.connect(self.start)
        row, self.bar, self.status, self.cancel_button = _progress_row(self, self.tr("Cancel"))
        self.runner = _Runner(self.bar, self.status, self.cancel_button)
        self.runner.finished.connect(self._finished)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.start_button)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.result: ImportReport | None = None

    def initializePage(self) -> None:
        self.result = None
        self.start_button.setEnabled(True)
        self.summary.setText(self.w.check_page.report.summary_zh())

    def start(self) -> None:
        w = self.w
        self.start_button.setEnabled(False)
        path, sheet, mapping = w.path, w.preview.layout.sheet, dict(w.mapping)
        self.runner.start(lambda progress, cancel: w.core.write(
            import_registry, path, sheet=sheet, mapping=mapping, progress=progress,
            cancel=cancel), w.core, Change.HOUSEHOLDS | Change.CASES)

    def _finished(self, ok: bool, result: object) -> None:
        if ok and result.ok:
            self.result = result
            self.summary.setText(result.summary_zh())
            self.w.imported.emit(result)
        else:
            self.start_button.setEnabled(True)
            if isinstance(result, Cancelled):
                self.summary.setText(self.tr("Cancelled; nothing was written."))
            elif isinstance(result, ImportReport):  # the registry changed since the check
                self.summary.setText(result.summary_zh())
            else:
                self.summary.setText(getattr(result, "message_zh", str(result)))
        self.w.job_finished.emit()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.result is not None


class ImportWizard(QWizard):
    """导入花名册. Emits ``imported(ImportReport)`` after a successful import, so the household
    list can refresh."""

    imported = Signal(object)
    job_finished = Signal()  # a check or import finished (for views and tests)

    def __init__(self, core: Core | Database, actor: str | int | None = None,
                 parent: Any = None):
        super().__init__(parent)
        self.core = as_core(core, actor)
        self.path: Path | None = None
        self.preview = None
        self.mapping: dict[str, str] = {}
        self.setWindowTitle(self.tr("Import households from a spreadsheet"))
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        self.confirm_page = ConfirmPage(self)
        for page in (self.file_page, self.mapping_page, self.check_page, self.confirm_page):
            self.addPage(page)

    def running(self) -> bool:
        return self.check_page.runner.running or self.confirm_page.runner.running

    def done(self, result: int) -> None:
        # Closing mid-run cancels the job and waits for it: the transaction rolls back.
        self.check_page.runner.wait()
        self.confirm_page.runner.wait()
        super().done(result)
