"""The case list: a lazy table model over case ids (as :mod:`ui.household_model`).

The model holds the ordered ids of the cases under the filter (ints: cheap at 228,000) and
fetches display rows in blocks on demand, keeping a bounded cache of blocks.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from assistcase.core import Core
from assistcase.db import Database
from assistcase.services.case_list import CaseFilter, CaseRow, case_ids, case_rows

from .block_cache import BlockCache
from .ops import as_core
from .widgets import sync_header, sync_texts

BLOCK = 200
MAX_BLOCKS = 64
COLUMNS = ("id", "program", "state", "household", "head", "person", "village", "applied",
           "paid_from", "review", "sync")
SYNC_COLUMN = len(COLUMNS) - 1      # shown only where an exchange is set up (CasesPage)


class CaseTableModel(QAbstractTableModel):
    countChanged = Signal(int)

    def __init__(self, core: Core | Database, parent=None):
        super().__init__(parent)
        self._core = as_core(core)
        self._filter = CaseFilter()
        self._ids: list[int] = []
        self._blocks: BlockCache[dict[int, CaseRow]] = BlockCache(self._fetch, BLOCK,
                                                                  MAX_BLOCKS)
        self._headers = {
            "id": self.tr("Case"), "program": self.tr("Program"), "state": self.tr("State"),
            "household": self.tr("Household No."), "head": self.tr("Head"),
            "person": self.tr("Supported person"), "village": self.tr("Village"),
            "applied": self.tr("Applied on"), "paid_from": self.tr("Paid from"),
            "review": self.tr("Next review"), "sync": sync_header()}
        self._sync_text = sync_texts()
        self.program_names = {"dibao": self.tr("Dibao"), "tekun": self.tr("Extreme hardship")}
        self.state_names: dict[str, str] = {}

    @property
    def filter(self) -> CaseFilter:
        return self._filter

    def set_filter(self, flt: CaseFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        ids = self._core.read(case_ids, self._filter, dt.date.today())
        self.beginResetModel()
        self._ids = ids
        self._blocks.clear()
        self.endResetModel()
        self.countChanged.emit(len(ids))

    def case_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def _fetch(self, b: int) -> dict[int, CaseRow]:
        return self._core.read(case_rows, self._ids[b * BLOCK:(b + 1) * BLOCK], dt.date.today())

    def _row(self, row: int) -> CaseRow | None:
        return self._blocks.for_row(row).get(self._ids[row])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(COLUMNS):
            return self._headers[COLUMNS[section]]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == Qt.ItemDataRole.UserRole:
            return self._ids[index.row()]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self._row(index.row())
        if r is None:
            return None
        key = COLUMNS[index.column()]
        values = {
            "id": str(r.id), "program": self.program_names.get(r.program, r.program),
            "state": self.state_names.get(r.state, r.state), "household": r.household_number,
            "head": r.head_name, "person": r.person_name, "village": r.village,
            "applied": r.applied_on.isoformat(),
            "paid_from": f"{r.paid_from:%Y-%m}" if r.paid_from else "",
            "review": r.next_review_on.isoformat() if r.next_review_on else "",
            "sync": self._sync_text.get(r.sync, "")}
        return values[key]
