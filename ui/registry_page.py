"""户籍登记: search, filters, the lazy household list, and the household editor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QCompleter, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget)

from assistcase.core import Core
from assistcase.db import Database
from assistcase.errors import ServiceResult
from assistcase.services.queries import HouseholdFilter, villages
from assistcase.services.sync_state import exchanging

from .household_model import SYNC_COLUMN, HouseholdTableModel
from .labels import choices
from .list_tools import header_key
from .ops import Change, Page

if TYPE_CHECKING:  # imported when first opened: the editor is not needed for the first window
    from .household_editor import HouseholdEditor

SEARCH_DELAY_MS = 250
# Item data of the "all …" filter entries. Not None: a None item data crashes PySide 6.12 at
# interpreter exit (Python's None is over-released), so a real value stands in for it.
ANY = ""


def _chosen(combo: QComboBox):
    """The filter value of a combo box, or None for its "all …" entry."""
    value = combo.currentData()
    return None if value == ANY or value is None else value


class RegistryPage(Page):
    editor_opened = Signal(object)  # HouseholdEditor: a new editor window was made
    refresh_on = Change.HOUSEHOLDS | Change.CASES

    def __init__(self, core: Core | Database, actor: str | int | None = None,
                 parent: QWidget | None = None, read_only: bool = False):
        super().__init__(core, actor, read_only, parent)  # read_only: look, never write
        self.editor: HouseholdEditor | None = None
        self._villages = self.core.read(villages)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr(
            "Search: name, pinyin or initials (zs), ID number or its last 4+ characters, "
            "household number, village  (Ctrl+F)"))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_filter)

        self.village = QComboBox()
        self.village.setObjectName("village_filter")
        self.village.setEditable(True)
        self.village.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.village.addItem(self.tr("All villages"), ANY)
        for vid, _code, text in self._villages:
            self.village.addItem(text, vid)
        completer = self.village.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.village.setMinimumContentsLength(18)
        self.category = QComboBox()
        self.category.addItem(self.tr("All categories"), ANY)
        for value, text in choices("category"):
            self.category.addItem(text, value)
        self.status = QComboBox()
        for value, text in choices("status"):
            self.status.addItem(text, value)
        self.status.addItem(self.tr("All statuses"), ANY)
        for combo in (self.village, self.category, self.status):
            combo.currentIndexChanged.connect(self.apply_filter)

        self.new_btn = QPushButton(self.tr("&New household"))
        self.new_btn.setToolTip(self.tr("Register a new household (Ctrl+N)"))
        self.new_btn.clicked.connect(self.new_household)
        self.open_btn = QPushButton(self.tr("&Open"))
        self.open_btn.clicked.connect(self.open_selected)
        self.import_btn = QPushButton(self.tr("&Import…"))
        self.import_btn.clicked.connect(self.import_spreadsheet)

        self.model = HouseholdTableModel(self.core, self)
        # connected before the table sorts (and so loads) the model for the first time
        self.count = QLabel()  # shown in the main window's status bar (status_widgets)
        self.count.setObjectName("household_count")
        self.status_widgets = [self.count]
        self.model.countChanged.connect(self._show_count)
        self.table = QTableView()
        self.table.setObjectName("households")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((150, 80, 170, 110, 120, 70, 110, 60)):
            self.table.setColumnWidth(col, width)
        # activated covers Enter and double-click (or the platform's single click);
        # connecting doubleClicked as well would open the editor twice
        self.table.activated.connect(self._open_index)
        header_state = QSettings().value(header_key("registry/header",
                                                    self.table.horizontalHeader()))
        if header_state is not None:
            self.table.horizontalHeader().restoreState(header_state)
        # the sync state of each household, where this database exchanges with another site
        self.table.setColumnHidden(SYNC_COLUMN, not self.core.read(exchanging))


        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.village, 2)
        top.addWidget(self.category)
        top.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_btn)
        buttons.addWidget(self.open_btn)
        buttons.addWidget(self.import_btn)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)

        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.focus_search)
        if read_only:
            self.new_btn.hide()
            self.import_btn.hide()
        else:
            QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_household)
        self.apply_filter()

    # --- list -----------------------------------------------------------------------------

    def current_filter(self) -> HouseholdFilter:
        return HouseholdFilter(text=self.search.text().strip(),
                               village_id=_chosen(self.village),
                               category=_chosen(self.category),
                               status=_chosen(self.status))

    def apply_filter(self) -> None:
        self._debounce.stop()
        flt = self.current_filter()
        if flt != self.model.filter or self.model.rowCount() == 0:
            self.model.set_filter(flt)
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def first_rows_shown(self) -> bool:
        """Whether the list has its first row's data (or matches nobody): asked during a paint,
        it reads the row the view is about to draw."""
        model = self.model
        return model.rowCount() == 0 or model.data(model.index(0, 0)) is not None

    def _show_count(self, n: int) -> None:
        self.count.setText(self.tr("{n} households").format(n=f"{n:,}"))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # --- editor ---------------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        hid = self.model.household_id(index.row())
        if hid is not None:
            self.open_household(hid)

    def open_selected(self) -> None:
        idx = self.table.currentIndex()
        if idx.isValid():
            self._open_index(idx)

    def open_household(self, household_id: int | None) -> HouseholdEditor:
        """Open the editor (populated synchronously) for a household, or for a new one."""
        from .household_editor import HouseholdEditor

        if (self.editor is not None and household_id is not None
                and self.editor.isVisible() and self.editor.household_id is not None
                and not self.editor.has_unsaved_changes()):
            # the editor on screen holds no unsaved change: it shows the next household
            # (editor_opened announced it when it was made)
            self.editor.show_household(household_id)
            self.editor.raise_()
            return self.editor
        if self.editor is not None:
            self.editor.close()
        self.editor = HouseholdEditor(self.core, self.actor, household_id, self._villages, self,
                                      read_only=self.read_only)
        self.editor.saved.connect(self._on_saved)
        self.editor.closed.connect(self._on_closed)
        self.editor.show()
        self.editor_opened.emit(self.editor)
        return self.editor

    def new_household(self) -> HouseholdEditor | None:
        if self.read_only:
            return None
        editor = self.open_household(None)
        vid = _chosen(self.village)
        if vid is not None:
            editor._set_combo(editor.village, vid)
        return editor

    def _on_saved(self, result: ServiceResult) -> None:
        known = [h for h in result.household_ids if self.model.row_of(h) is not None]
        if len(known) == len(result.household_ids) and result.created_id not in result.household_ids:
            self.model.refresh_households(result.household_ids)
        else:  # a new household: the id list changes
            self.model.reload()
        target = self.editor.household_id if self.editor else None
        row = self.model.row_of(target) if target else None
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        self.broadcast(Change.HOUSEHOLDS)

    def _on_closed(self, _household_id: int) -> None:
        self.model.reload()  # a closed household leaves the (active) id list
        self.broadcast(Change.HOUSEHOLDS)

    def on_changes(self, changes: Change) -> None:
        self.model.reload()

    def _on_imported(self, _report: object) -> None:
        self.model.reload()

    def save_state(self) -> None:
        super().save_state()
        header = self.table.horizontalHeader()
        QSettings().setValue(header_key("registry/header", header), header.saveState())

    def import_spreadsheet(self) -> None:
        from .import_wizard import ImportWizard

        wizard = ImportWizard(self.core, self.actor, self)
        wizard.imported.connect(self._on_imported)
        wizard.open()
