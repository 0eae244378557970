"""The household list: a lazy table model over household ids (cf. Anki's browser table).

The model holds the ordered ids of the matching households (ints: cheap even at 300,000)
and fetches display rows in blocks on demand, keeping a bounded cache of blocks. A long list
(the whole city, a one-character surname) comes in two steps: its first page at once, the
rest of the ids from the event loop right after, appended as rows (countChanged tells the
count once it is known).
"""

from __future__ import annotations


from PySide6.QtCore import (QAbstractTableModel, QCoreApplication, QEvent, QModelIndex,
                            QPersistentModelIndex, Qt, QTimer, Signal)
from PySide6.QtGui import QColor

from assistcase.core import Core
from assistcase.db import Database
from assistcase.services.queries import (BROAD_KEYS, PAGE, ROWS_BLOCK, HouseholdFilter,
                                         HouseholdRow, first_household_ids, household_rows,
                                         search_household_ids)

from .block_cache import BlockCache
from .labels import label
from .ops import as_core
from .widgets import CONFLICT_COLOUR, sync_header, sync_texts

BLOCK = ROWS_BLOCK
MAX_BLOCKS = 256  # 12,800 rows kept

# (column key, sort key of assistcase.queries.SORT_KEYS or None); headers are in __init__.
COLUMNS = [
    ("number", "number"),
    ("head", "head"),
    ("head_id", None),
    ("township", "village"),
    ("village", "village"),
    ("class", None),
    ("category", "category"),
    ("members", "members"),
    ("status", "status"),
    ("sync", None),      # shown only where an exchange is set up (RegistryPage)
]
SYNC_COLUMN = len(COLUMNS) - 1


# The rest of a long list is read once a view has asked for the first page's rows (they are
# painted first), or after REST_DELAY_MS without a view: a 0 ms timer ran before the first
# paint and held the first window back by the reading of 300,000 ids (issue 20).
REST_DELAY_MS = 250
_LOAD_REST = QEvent.Type(QEvent.registerEventType())


class _LoadRest(QEvent):
    def __init__(self, generation: int):
        super().__init__(_LOAD_REST)
        self.generation = generation


class HouseholdTableModel(QAbstractTableModel):
    countChanged = Signal(int)

    def __init__(self, core: Core | Database, parent=None):
        super().__init__(parent)
        self._core = as_core(core)
        self._filter = HouseholdFilter()
        self._sort = "number"
        self._descending = False
        self._ids: list[int] = []
        self._row_of: dict[int, int] | None = None
        self._blocks: BlockCache[dict[int, HouseholdRow]] = BlockCache(
            self._fetch, BLOCK, MAX_BLOCKS)
        self.page_size = PAGE
        self.broad_at = BROAD_KEYS  # search keys that make a text broad (paged)
        self._complete = True  # False while only the first page of ids is loaded
        self._generation = 0  # a reload makes a pending "rest" call stale
        self._rest_pending: int | None = None
        self._headers = {
            "number": self.tr("Household No."), "head": self.tr("Head"),
            "head_id": self.tr("Head's ID number"), "township": self.tr("Township"),
            "village": self.tr("Village"), "class": self.tr("Urban/rural"),
            "category": self.tr("Category"), "members": self.tr("Members"),
            "status": self.tr("Status"), "sync": sync_header(),
        }
        self._sync_text = sync_texts()

    # --- queries ------------------------------------------------------------------------

    @property
    def filter(self) -> HouseholdFilter:
        return self._filter

    def set_filter(self, flt: HouseholdFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        """Re-run the query (new filter, sort, or households created/closed). A long list shows
        its first page at once and reads the rest when the event loop next runs."""
        self._generation += 1
        ids, complete = self._core.read(first_household_ids, self._filter, self._sort,
                                        self._descending, limit=self.page_size,
                                        broad_at=self.broad_at)
        self.beginResetModel()
        self._ids = ids
        self._row_of = None
        self._blocks.clear()
        self._complete = complete
        self.endResetModel()
        if complete:
            self.countChanged.emit(len(ids))
        else:
            generation = self._rest_pending = self._generation
            QTimer.singleShot(REST_DELAY_MS, self, lambda: self._post_rest(generation))

    def _post_rest(self, generation: int) -> None:
        """Read the rest from the event loop's next round (after the paint in progress)."""
        if self._rest_pending == generation:
            self._rest_pending = None
            QCoreApplication.postEvent(self, _LoadRest(generation),
                                       Qt.EventPriority.LowEventPriority.value)

    def event(self, e: QEvent) -> bool:
        if e.type() == _LOAD_REST:
            self._load_rest(e.generation)
            return True
        return super().event(e)

    @property
    def complete(self) -> bool:
        """Whether every matching id is loaded (not only the first page)."""
        return self._complete

    def load_rest(self) -> None:
        """Read the rest of a long list now (no-op when it is complete)."""
        self._load_rest(self._generation)

    def _load_rest(self, generation: int) -> None:
        if self._complete or generation != self._generation:
            return
        ids = self._core.read(search_household_ids, self._filter, self._sort, self._descending)
        self._complete = True
        self._row_of = None
        n = len(self._ids)
        if ids[:n] == self._ids:
            if len(ids) > n:
                self.beginInsertRows(QModelIndex(), n, len(ids) - 1)
                self._ids = ids
                self.endInsertRows()
        else:  # the registry changed in between: start over with the whole list
            self.beginResetModel()
            self._ids = ids
            self._blocks.clear()
            self.endResetModel()
        self.countChanged.emit(len(ids))

    def refresh_households(self, household_ids: set[int]) -> None:
        """Re-read only the given households' rows (after an edit)."""
        if not household_ids or not self._ids:
            return
        self.load_rest()
        if self._row_of is None:
            self._row_of = {hid: row for row, hid in enumerate(self._ids)}
        rows = [self._row_of[h] for h in household_ids if h in self._row_of]
        fresh = self._core.read(household_rows, [self._ids[r] for r in rows])
        for r in rows:
            block = self._blocks.cached(r)
            hid = self._ids[r]
            if block is not None and hid in fresh:
                block[hid] = fresh[hid]
            self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))

    def household_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, household_id: int) -> int | None:
        self.load_rest()  # the household may be past the first page
        if self._row_of is None:
            self._row_of = {hid: row for row, hid in enumerate(self._ids)}
        return self._row_of.get(household_id)

    def _fetch(self, b: int) -> dict[int, HouseholdRow]:
        return self._core.read(household_rows, self._ids[b * BLOCK:(b + 1) * BLOCK])

    def _row(self, row: int) -> HouseholdRow | None:
        return self._blocks.for_row(row).get(self._ids[row])

    # --- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
                return self._headers[COLUMNS[section][0]]
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if self._rest_pending is not None:
            self._post_rest(self._rest_pending)
        if role == Qt.ItemDataRole.UserRole:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[index.column()][0] == "members":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == SYNC_COLUMN:
            r = self._row(index.row())
            return QColor(CONFLICT_COLOUR) if r is not None and r.sync == "conflict" else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        r = self._row(index.row())
        if r is None:
            return None
        key = COLUMNS[index.column()][0]
        if key == "number":
            return r.number
        if key == "head":
            return r.head_name
        if key == "head_id":
            return r.head_id_number
        if key == "township":
            return r.township
        if key == "village":
            return r.village
        if key == "class":
            return label("residence_class", r.residence_class)
        if key == "category":
            return label("category", r.category)
        if key == "members":
            return r.member_count
        if key == "status":
            return label("status", r.status)
        if key == "sync":
            return self._sync_text.get(r.sync, "")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][1] is None:
            return
        self._sort = COLUMNS[column][1]
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.reload()
