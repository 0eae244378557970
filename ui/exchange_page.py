"""数据交换: packages to and from the bureau (or the townships), the records waiting to be sent,
conflicts to decide and duplicate tickets (services/exchange.py holds every rule)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from assistcase.errors import AssistCaseError
from assistcase.services import exchange as X
from assistcase.services.history import VALUE_LABELS, describe_field
from assistcase.services import exchange_return as XR

from .ops import Change, Op, as_core


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _decision_box(title: str, table: QTableWidget, *buttons: QPushButton) -> QGroupBox:
    """A list to decide on, its decision buttons under it at the right."""
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    lay.addWidget(table)
    row = QHBoxLayout()
    row.addStretch(1)
    for b in buttons:
        row.addWidget(b)
    lay.addLayout(row)
    return box


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))


class ExchangePage(QWidget):
    changed = Signal()           # records were written by an import or a decision
    task_finished = Signal(object)  # the export's or import's result, or the error

    def __init__(self, db, actor=None, read_only: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.core = as_core(db, actor, read_only)
        self.db, self.actor, self.read_only = self.core.db, self.core.actor, self.core.read_only
        self._task = None

        self.site_label = QLabel()
        self.peer = QComboBox()
        self.export_button = QPushButton(self.tr("Export package…"))
        self.import_button = QPushButton(self.tr("Import package…"))
        self.sync_button = QPushButton(self.tr("Synchronise now…"))
        self.sync_button.setToolTip(self.tr(
            "Where this laptop can reach the bureau's database: the same packages, sent and "
            "received over the connection"))
        self.sync_button.clicked.connect(self._choose_sync)
        self.export_button.clicked.connect(self._choose_export)
        self.import_button.clicked.connect(self._choose_import)
        top = QHBoxLayout()
        top.addWidget(self.site_label)
        top.addStretch(1)
        top.addWidget(QLabel(self.tr("Exchange with:")))
        top.addWidget(self.peer)
        top.addWidget(self.export_button)
        top.addWidget(self.import_button)
        top.addWidget(self.sync_button)

        self.waiting = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.packages = _table([self.tr("Direction"), self.tr("Site"), self.tr("No."),
                                self.tr("Time")])
        self.conflict_table = _table([self.tr("Record"), self.tr("Field"), self.tr("Here"),
                                      self.tr("Changed here by"), self.tr("Other site"),
                                      self.tr("Changed there by")])
        self.keep_local = QPushButton(self.tr("Keep this site's value"))
        self.keep_remote = QPushButton(self.tr("Take the other site's value"))
        self.keep_local.clicked.connect(lambda: self._resolve("local"))
        self.keep_remote.clicked.connect(lambda: self._resolve("remote"))
        self.duplicate_table = _table([self.tr("ID number"), self.tr("Name"),
                                       self.tr("Household here"), self.tr("Also sent by"),
                                       self.tr("Status"), self.tr("Outcome")])
        # the bureau decides which household keeps the person (services/exchange_return)
        self.keep_here = QPushButton(self.tr("Keep in the household registered here"))
        self.keep_other = QPushButton(self.tr("Keep in the arriving household"))
        self.keep_here.clicked.connect(lambda: self.resolve_duplicate("here"))
        self.keep_other.clicked.connect(lambda: self.resolve_duplicate("other"))

        packages_box = QGroupBox(self.tr("Packages sent and received"))
        QVBoxLayout(packages_box).addWidget(self.packages)
        conflicts_box = _decision_box(self.tr("Conflicts (changed on both sides)"),
                                      self.conflict_table, self.keep_local, self.keep_remote)
        duplicates_box = _decision_box(
            self.tr("Duplicate tickets (one ID number in two townships)"),
            self.duplicate_table, self.keep_here, self.keep_other)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.waiting)
        lay.addWidget(self.message)
        lay.addWidget(conflicts_box, 2)
        lay.addWidget(duplicates_box, 1)
        lay.addWidget(packages_box, 1)
        for w in (self.export_button, self.import_button, self.sync_button, self.keep_local,
                  self.keep_remote, self.keep_here, self.keep_other):
            w.setVisible(not read_only)
        self.refresh()

    # --- showing ------------------------------------------------------------------------

    def refresh(self) -> None:
        try:
            st = X.status(self.db)
        except AssistCaseError as e:
            self.site_label.setText(e.message("zh") if self._zh() else e.message_en)
            for w in (self.export_button, self.import_button, self.sync_button, self.peer):
                w.setEnabled(False)
            return
        # a township that has joined its bureau may synchronise over a connection
        self.sync_button.setEnabled(st.site.kind == "township"
                                    and any(p.kind == "bureau" for p in st.peers))
        kind = self.tr("township") if st.site.kind == "township" else self.tr("bureau")
        self.site_label.setText(self.tr("This site: %1 (%2)").replace("%1", st.site.code)
                                .replace("%2", kind))
        current = self.peer.currentData()
        self.peer.clear()
        for p in st.peers:
            self.peer.addItem(f"{p.code} {p.name}".strip(), p.code)
        if current is not None and self.peer.findData(current) >= 0:
            self.peer.setCurrentIndex(self.peer.findData(current))
        parts = []
        for p in st.peers:
            counts = st.waiting.get(p.code, {})
            text = "、".join(f"{self._kind_label(k)} {n}" for k, n in counts.items()) \
                or self.tr("nothing")
            parts.append(self.tr("Waiting to be sent to %1: %2").replace("%1", p.code)
                         .replace("%2", text))
        self.waiting.setText("\n".join(parts))
        _fill(self.packages, [[self.tr("sent") if d == "out" else self.tr("received"), site,
                               seq, at.replace("T", " ")]
                              for d, site, seq, at in reversed(st.packages)])
        self._conflicts = X.conflicts(self.db)
        lang = "zh" if self._zh() else "en"
        _fill(self.conflict_table, [[f"{self._kind_label(c.entity)} {c.label}",
                                     describe_field(X.AUDIT_FIELD.get(c.field, c.field), lang),
                                     self._value(c.field, c.local_value),
                                     f"{c.local_by} {c.local_at}".strip(),
                                     f"{self._value(c.field, c.remote_value)} ({c.remote_site})",
                                     f"{c.remote_by} {c.remote_at}".strip()]
                                    for c in self._conflicts])
        # open tickets first; at a township the outcomes the bureau sent (closed or not)
        self._duplicates = X.duplicates(self.db) + X.duplicates(self.db, status="resolved")
        states = {"open": self.tr("open"), "resolved": self.tr("resolved")}
        _fill(self.duplicate_table, [[d.id_number, d.name, d.household_number or "",
                                      d.other_site, states.get(d.status, d.status), d.note]
                                     for d in self._duplicates])
        if not self.read_only:
            for w in (self.keep_here, self.keep_other):
                w.setVisible(st.site.kind == "bureau")

    def _value(self, field: str, value) -> str:
        """A conflict's value as the user reads it (a category's name, not its code)."""
        if value is None:
            return ""
        labels = VALUE_LABELS.get(field)
        if labels and value in labels:
            return labels[value][1 if self._zh() else 0]
        return str(value)

    def _kind_label(self, kind: str) -> str:
        label = {"household": self.tr("household"), "person": self.tr("person"),
                 "income": self.tr("income"), "property": self.tr("property")}.get(kind)
        if label is None:   # cases, steps, aid, visits: the service's labels
            return X.LABEL_ZH.get(kind, kind) if self._zh() else kind.replace("_", " ")
        return label

    def _zh(self) -> bool:
        return self.tr("household") != "household"

    def _say(self, text: str, error: bool = False) -> None:
        """The outcome of the last action, on the page (no dialog to click away)."""
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")
        self.message.setText(text)

    # --- actions ------------------------------------------------------------------------

    def _choose_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the package "
                                                                "(e.g. a USB stick)"))
        if folder:
            self.export_to(folder)

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Package to import"), "",
                                              self.tr("Exchange packages (*.acx)"))
        if path:
            self.import_file(path)

    def _choose_sync(self) -> None:
        from assistcase.config import configured_bureau_db

        from .signin import BureauSignInDialog

        name = getattr(self.actor, "username", "") or ""
        dialog = BureauSignInDialog(configured_bureau_db() or "", name, self)
        if dialog.exec() == BureauSignInDialog.DialogCode.Accepted:
            self.synchronise(*dialog.values())

    def synchronise(self, url: str, username: str, password: str,
                    folder: str | Path | None = None):
        """Synchronise now with the bureau's database (services/exchange_sync.py); the
        packages are kept in ``folder`` (default: exchange/ in the data directory)."""
        from assistcase.config import data_dir
        from assistcase.services.exchange_sync import synchronise_with

        db, actor = self.db, self.actor
        folder = Path(folder) if folder else data_dir() / "exchange"
        return self._run(lambda progress, cancel: synchronise_with(
            db, actor, url, username, password, folder, cancel=cancel),
            self.tr("Synchronising with the bureau"), self._synchronised)

    def _synchronised(self, result) -> None:
        self.refresh()
        self.changed.emit()
        self.task_finished.emit(result)
        sent = sum(sum(r.created.values()) + sum(r.updated.values()) for r in result.delivered)
        got = sum(sum(r.created.values()) + sum(r.updated.values()) for r in result.received)
        conflicts = sum(r.conflicts for r in result.delivered + result.received)
        self._say(self.tr("Synchronised with %1: %2 records taken by the bureau, %3 records "
                          "received, %4 conflicts.")
                  .replace("%1", result.bureau).replace("%2", str(sent))
                  .replace("%3", str(got)).replace("%4", str(conflicts)))

    def export_to(self, folder: str | Path):
        to = self.peer.currentData()
        db, actor = self.db, self.actor
        return self._run(lambda progress, cancel: X.export_package(db, actor, to, folder,
                                                                   cancel=cancel),
                         self.tr("Exporting the package"), self._exported)

    def import_file(self, path: str | Path):
        db, actor = self.db, self.actor
        return self._run(lambda progress, cancel: X.import_package(db, actor, path,
                                                                   cancel=cancel),
                         self.tr("Importing the package"), self._imported)

    def _run(self, fn, title: str, done):
        op = Op(None, fn, title, self.core, Change.HOUSEHOLDS)
        op.on_success(done).on_failure(self._failed).on_cancel(
            lambda: self.task_finished.emit(None))
        self._task = op   # kept until the next one (ops have no Qt parent: ui/ops.py)
        op.run()
        return op

    def _exported(self, result: X.ExportResult) -> None:
        self.refresh()
        self.task_finished.emit(result)
        self._say(self.tr("Package %1 written to %2").replace("%1", str(result.seq))
                  .replace("%2", str(result.path)))

    def _imported(self, result: X.ImportResult) -> None:
        self.refresh()
        self.changed.emit()
        self.task_finished.emit(result)
        if result.already_imported:
            text = self.tr("Package %1 was imported before: nothing changed.")
        else:
            text = (self.tr("Package %1 imported: %2 created, %3 updated, %4 conflicts, "
                            "%5 duplicates.")
                    .replace("%2", str(sum(result.created.values())))
                    .replace("%3", str(sum(result.updated.values())))
                    .replace("%4", str(result.conflicts))
                    .replace("%5", str(result.duplicates)))
        self._say(text.replace("%1", str(result.seq)))

    def _failed(self, exc: BaseException, details: str) -> None:
        self.task_finished.emit(exc)
        if isinstance(exc, AssistCaseError):
            self._say(exc.message("zh") if self._zh() else exc.message_en, error=True)
        else:
            raise exc

    def resolve_duplicate(self, keep: str) -> None:
        """The bureau decides the selected ticket: ``here`` or ``other`` keeps the person."""
        row = self.duplicate_table.currentRow()
        if row < 0 or row >= len(self._duplicates) or self._duplicates[row].status != "open":
            self._say(self.tr("Choose an open duplicate ticket first."), error=True)
            return
        try:
            self.core.write(XR.resolve_duplicate, self._duplicates[row].id, keep)
        except AssistCaseError as e:
            self._say(e.message("zh") if self._zh() else e.message_en, error=True)
            return
        self._say(self.tr("Decided: the outcome travels to both townships with the next "
                          "packages."))
        self.changed.emit()
        self.refresh()

    def _resolve(self, keep: str) -> None:
        row = self.conflict_table.currentRow()
        if row < 0 or row >= len(self._conflicts):
            self._say(self.tr("Choose a conflict first."), error=True)
            return
        try:
            X.resolve_conflict(self.db, self.actor, self._conflicts[row].id, keep)
        except AssistCaseError as e:
            self._say(e.message("zh") if self._zh() else e.message_en, error=True)
            return
        self.changed.emit()
        self.refresh()
