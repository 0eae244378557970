"""A record's papers (材料) in the window: the list with who added each and when and its
content hash, attach (file dialog), open with the system viewer, remove with a reason, and
the step's required papers ticked off. All work is in assistcase/services/papers.py."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Qt, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout,
                               QInputDialog, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from assistcase.db import Database
from assistcase.errors import AssistCaseError
from assistcase.services import papers as P

ERROR_STYLE = "color: #b3261e;"


class PapersWidget(QWidget):
    changed = Signal()

    def __init__(self, db: Database, actor: str | int, read_only: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.read_only = db, actor, read_only
        self.record: dict[str, int] = {}
        self.step: str | None = None
        # How a paper is shown: the system's viewer (a test may give another opener).
        self.opener = lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("papers")
        self.table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Paper"),
                                              self.tr("Added by"), self.tr("Added at"),
                                              self.tr("Content hash (SHA-256)")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(36)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.doubleClicked.connect(lambda i: self.open_paper(self._id(i.row())))
        self.kind = QComboBox()
        self.kind.setEditable(True)
        self.kind.setObjectName("paper_kind")
        self.attach_btn = QPushButton(self.tr("Attach a file…"))
        self.open_btn = QPushButton(self.tr("Open"))
        self.remove_btn = QPushButton(self.tr("Remove…"))
        self.attach_btn.clicked.connect(self.ask_attach)
        self.open_btn.clicked.connect(lambda: self.open_paper(self._id(self.table.currentRow())))
        self.remove_btn.clicked.connect(self.ask_remove)
        self.checklist = QLabel()
        self.checklist.setObjectName("paper_checklist")
        self.checklist.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("paper_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        row = QHBoxLayout()
        self.controls = row  # a page may put its own selector in front (the case's step)
        row.addWidget(QLabel(self.tr("Paper:")))
        row.addWidget(self.kind, 1)
        for b in (self.attach_btn, self.open_btn, self.remove_btn):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.checklist)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(self.error)
        for w in (self.attach_btn, self.remove_btn, self.kind):
            w.setVisible(not read_only)

    def _lang(self) -> str:
        return "zh" if self.locale().name().startswith("zh") else "en"

    def set_record(self, step: str | None = None, **record: int) -> None:
        """Show the papers of one record (household_id=…, case_id=… with its step, …)."""
        self.record = {k: v for k, v in record.items() if v is not None}
        self.step = step
        self.kind.clear()
        for k in P.REQUIRED_PAPERS.get(step or "", ()):
            self.kind.addItem(k)
        self.refresh()

    def _filter(self) -> dict:
        f = dict(self.record)
        if self.step and self.step != "aid":
            f["step"] = self.step
        return f

    def refresh(self) -> None:
        self.table.setRowCount(0)
        self.setEnabled(bool(self.record))
        if not self.record:
            self.checklist.clear()
            return
        self.papers = P.list_papers(self.db, **self._filter())
        for p in self.papers:
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, text in enumerate((p.file_name, p.kind, p.added_by,
                                      p.added_at.strftime("%Y-%m-%d %H:%M"), p.sha256)):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, p.id)
                self.table.setItem(r, c, item)
        if self.step in P.REQUIRED_PAPERS:
            items = P.checklist(self.db, self.step, **self.record)
            self.checklist.setText(self.tr("Required papers: ") + "　".join(
                ("☑ " if done else "☐ ") + kind for kind, done in items))
        else:
            self.checklist.clear()

    def _id(self, row: int) -> int | None:
        item = self.table.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_error(self, exc: AssistCaseError) -> None:
        self.error.setText(exc.message(self._lang()))
        self.error.show()

    def ask_attach(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Attach a file"), "",
            self.tr("Scans, photos, documents") + " (" + " ".join(
                f"*{s}" for s in P.ALLOWED_SUFFIXES) + ")")
        if path:
            self.attach(path)

    def attach(self, path: str | Path, kind: str | None = None) -> int | None:
        self.error.hide()
        try:
            result = P.attach_paper(self.db, self.actor, path,
                                    kind=self.kind.currentText() if kind is None else kind,
                                    step=self.step if self.step != "aid" else None,
                                    **self.record)
        except AssistCaseError as exc:
            self._show_error(exc)
            return None
        self.refresh()
        self.changed.emit()
        return result.created_id

    def open_paper(self, paper_id: int | None) -> Path | None:
        """Open with the system viewer; a file that cannot be opened says so and where it is."""
        if paper_id is None:
            return None
        self.error.hide()
        try:
            path = P.paper_file(self.db, paper_id)
        except AssistCaseError as exc:
            self._show_error(exc)
            return None
        if not self.opener(path):
            self.error.setText(self.tr("No program on this computer opened the file. It is "
                                       "kept at: {path}").format(path=str(path)))
            self.error.show()
        return path

    def ask_remove(self) -> None:
        paper_id = self._id(self.table.currentRow())
        if paper_id is None:
            return
        reason, ok = QInputDialog.getText(self, self.tr("Remove the paper"),
                                          self.tr("Why is it removed? (kept, and recorded)"))
        if ok:
            self.remove(paper_id, reason)

    def remove(self, paper_id: int, reason: str) -> bool:
        self.error.hide()
        try:
            P.remove_paper(self.db, self.actor, paper_id, reason)
        except AssistCaseError as exc:
            self._show_error(exc)
            return False
        self.refresh()
        self.changed.emit()
        return True
