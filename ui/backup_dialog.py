"""Backups and restore in the window (备份与恢复): the list of verified backups with their date
and counts, "back up now", and restore all or nothing. The work is in
assistcase/services/backups.py; this dialog only shows it and runs it off the GUI thread.

:func:`attach` is the one hook the main window needs: a menu/shortcut action that opens the
dialog, and the day's first backup started in the background.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout,
                               QLabel, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from assistcase.db import Database
from assistcase.errors import AssistCaseError
from assistcase.services import backups as bk

from .ops import after_first_paint
from .tasks import BackgroundTask


class BackupDialog(QDialog):
    """Pick a backup, see its date and counts, restore it; or back up now."""

    restored = Signal(object)  # the RestoreResult: the window must reopen the database

    COLUMNS = ("date", "reason", "households", "persons", "audit", "encrypted", "size", "file")

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.task: BackgroundTask | None = None
        self.setWindowTitle(self.tr("Backups and restore"))
        self.resize(960, 440)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("backups")
        self.table.setHorizontalHeaderLabels([
            self.tr("Made at"), self.tr("Why"), self.tr("Households"), self.tr("Persons"),
            self.tr("Audit rows"), self.tr("Encrypted"), self.tr("Size (MB)"), self.tr("File")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.backup_button = QPushButton(self.tr("Back up now"))
        self.restore_button = QPushButton(self.tr("Restore the selected backup…"))
        self.restore_button.setEnabled(False)
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button.clicked.connect(self.ask_restore)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.where)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self.backups: list[bk.BackupInfo] = []
        self.refresh()

    # --- the list ---------------------------------------------------------------------------

    def _reason(self, reason: str) -> str:
        return {"daily": self.tr("daily"), "manual": self.tr("by hand"),
                "before-import": self.tr("before an import"),
                "before-approval": self.tr("before a roster approval"),
                "before-restore": self.tr("before a restore")}.get(reason, reason)

    def refresh(self) -> None:
        if self.db.path is None:
            self.where.setText(self.tr("This database is not a file on this computer: it is "
                                       "backed up on its server."))
            self.backup_button.setEnabled(False)
            self.backups = []
        else:
            settings = bk.settings_for(self.db.path)
            text = self.tr("Folder: {folder}; kept: the newest of each of the last {d} days, "
                           "{w} weeks and {m} months.").format(
                folder=settings.folder, d=settings.daily, w=settings.weekly, m=settings.monthly)
            if settings.mirror:
                text += " " + self.tr("Copied to {mirror} too.").format(mirror=settings.mirror)
            self.where.setText(text)
            self.backups = bk.list_backups(settings.folder, self.db.path)
        self.table.setRowCount(len(self.backups))
        for row, b in enumerate(self.backups):
            values = (f"{b.created:%Y-%m-%d %H:%M:%S}", self._reason(b.reason),
                      f"{b.counts.get('households', 0):,}", f"{b.counts.get('persons', 0):,}",
                      f"{b.counts.get('audit_log', 0):,}",
                      self.tr("yes") if b.encrypted else self.tr("no"),
                      f"{b.size / 1e6:.1f}", b.path.name)
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if 2 <= col <= 6 and col != 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self._selection_changed()

    def selected(self) -> bk.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        busy = self.task is not None
        self.restore_button.setEnabled(self.selected() is not None and not busy)
        self.backup_button.setEnabled(self.db.path is not None and not busy)

    # --- actions ----------------------------------------------------------------------------

    def _run(self, fn, title: str, on_success) -> None:
        self.task = BackgroundTask(lambda progress, cancel: fn(), title, self)
        self.task.succeeded.connect(on_success)
        self.task.failed.connect(self._failed)
        self.task.finished.connect(self._finished)
        self._selection_changed()
        self.task.start()

    def _finished(self) -> None:
        self.task = None
        self._selection_changed()

    def _failed(self, exc: BaseException, tb: str) -> None:
        if isinstance(exc, AssistCaseError):
            lang = "zh" if QLocale().name().startswith("zh") else "en"
            QMessageBox.critical(self, self.tr("Backups and restore"), exc.message(lang))
        else:
            from .crash import report_exception

            report_exception(exc)

    def back_up_now(self) -> None:
        self._run(lambda: bk.make_backup(self.db, "manual"), self.tr("Backing up…"),
                  lambda _info: self.refresh())

    def restore_text(self, b: bk.BackupInfo) -> str:
        return self.tr(
            "Restore the backup made at {date} ({why})?\n\nHouseholds {hh:,}, persons "
            "{persons:,}, audit rows {audit:,}.\n\nThe database as it is now is backed up "
            "first; then it is replaced by this backup as a whole. AssistCase closes "
            "afterwards: start it again.").format(
            date=f"{b.created:%Y-%m-%d %H:%M:%S}", why=self._reason(b.reason),
            hh=b.counts.get("households", 0), persons=b.counts.get("persons", 0),
            audit=b.counts.get("audit_log", 0))

    def ask_restore(self) -> None:
        b = self.selected()
        if b is None:
            return
        answer = QMessageBox.question(self, self.tr("Restore a backup"), self.restore_text(b))
        if answer == QMessageBox.StandardButton.Yes:
            self.restore(b)

    def restore(self, b: bk.BackupInfo) -> None:
        self._run(lambda: bk.restore_backup(self.db, b.path), self.tr("Restoring…"),
                  self._restored)

    def _restored(self, result) -> None:
        self.refresh()
        self.restored.emit(result)


def attach(window, db: Database, read_only: bool = False) -> QAction:
    """Give ``window`` a "Backups and restore…" action (Ctrl+Shift+B; a menu bar may list it)
    and make the day's first backup in the background once the window is on screen (the main
    window's ``first_shown``, else its first paint): copying and checking a city's database
    must not hold back the first window. A restore closes the window: the pages' caches
    belong to the replaced database."""
    action = QAction(QCoreApplication.translate("BackupDialog", "Backups and restore…"), window)
    action.setObjectName("backupsAction")
    action.setShortcut(QKeySequence("Ctrl+Shift+B"))

    def open_dialog() -> BackupDialog:
        dlg = BackupDialog(db, window)
        dlg.restored.connect(lambda _r: _closed_after_restore(window, dlg))
        dlg.open()
        window._backup_dialog = dlg
        return dlg

    action.triggered.connect(open_dialog)
    window.addAction(action)
    window.open_backups = open_dialog
    if not read_only and db.path is not None:
        task = BackgroundTask(lambda progress, cancel: bk.ensure_daily_backup(db), "", window,
                              show_progress=False)
        task.failed.connect(lambda exc, tb: _daily_failed(window, exc))
        QCoreApplication.instance().aboutToQuit.connect(task.wait)
        window._daily_backup = task
        first_shown = getattr(window, "first_shown", None)
        if first_shown is not None:
            first_shown.connect(lambda: task.start())
        else:
            after_first_paint(window, lambda: task.start())
    return action


def _daily_failed(window, exc: BaseException) -> None:
    import logging

    logging.getLogger(__name__).warning("the daily backup failed: %s", exc)
    window.statusBar().showMessage(
        QCoreApplication.translate("BackupDialog", "The daily backup failed: {error}").format(
            error=getattr(exc, "message_en", str(exc))), 15_000)


def _closed_after_restore(window, dlg: BackupDialog) -> None:
    QMessageBox.information(dlg, dlg.windowTitle(), QCoreApplication.translate(
        "BackupDialog", "The backup was restored. AssistCase closes now; start it again to "
                        "work on the restored database."))
    dlg.accept()
    window.close()
    QCoreApplication.instance().quit()
