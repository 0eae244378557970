"""The lines of one roster: a lazy table model (a city roster has some 230,000 lines).

Rows are the roster's sequence numbers 1…line_count, so the model holds no ids at all: it
fetches blocks of lines by sequence range (:func:`assistcase.services.rosters.lines_by_seq`)
when the view asks for them and keeps a bounded cache of blocks.
"""

from __future__ import annotations


from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from assistcase.core import Core
from assistcase.db import Database
from assistcase.services.rosters import LineRow, lines_by_seq

from .block_cache import BlockCache
from .labels import fen_to_yuan_text
from .ops import as_core

BLOCK = 200
MAX_BLOCKS = 32

COLUMNS = ("seq", "village", "payee", "id_number", "persons", "category", "amount", "account",
           "remark")
RIGHT = {"seq", "persons", "amount"}


class RosterLinesModel(QAbstractTableModel):
    def __init__(self, core: Core | Database, parent=None):
        super().__init__(parent)
        self._core = as_core(core)
        self._roster_id: int | None = None
        self._count = 0
        self._blocks: BlockCache[list[LineRow]] = BlockCache(self._fetch, BLOCK, MAX_BLOCKS)
        self._headers = {
            "seq": self.tr("No."), "village": self.tr("Village"), "payee": self.tr("Payee"),
            "id_number": self.tr("ID number"), "persons": self.tr("Persons"),
            "category": self.tr("Category"), "amount": self.tr("Amount (yuan)"),
            "account": self.tr("Account"), "remark": self.tr("Remark")}
        self._categories = {"dibao": self.tr("Dibao"), "tekun": self.tr("Extreme hardship"),
                            "temp_aid": self.tr("Temporary aid")}
        self._classes = {"urban": self.tr("urban"), "rural": self.tr("rural")}

    # --- the roster shown -------------------------------------------------------------------

    @property
    def roster_id(self) -> int | None:
        return self._roster_id

    def set_roster(self, roster_id: int | None, line_count: int) -> None:
        """Show another roster (or the same one rebuilt): ``line_count`` from its view."""
        self.beginResetModel()
        self._roster_id = roster_id
        self._count = line_count if roster_id is not None else 0
        self._blocks.clear()
        self.endResetModel()

    def _fetch(self, b: int) -> list[LineRow]:
        first = b * BLOCK + 1
        return self._core.read(lines_by_seq, self._roster_id, first, first + BLOCK - 1)

    def line(self, row: int) -> LineRow | None:
        """The line shown in ``row`` (fetched if need be)."""
        if not 0 <= row < self._count or self._roster_id is None:
            return None
        block = self._blocks.for_row(row)
        i = row % BLOCK
        return block[i] if i < len(block) and block[i].seq == row + 1 else None

    # --- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(COLUMNS)):
            return self._headers[COLUMNS[section]]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        key = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if key in RIGHT:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.UserRole):
            return None
        line = self.line(index.row())
        if line is None:
            return None
        if role == Qt.ItemDataRole.UserRole:
            return line.id
        if key == "seq":
            return line.seq
        if key == "village":
            return f"{line.township_name} {line.village_name}".strip()
        if key == "payee":
            return line.payee_name
        if key == "id_number":
            return line.id_number
        if key == "persons":
            return line.persons
        if key == "category":
            cat = self._categories.get(line.category, line.category)
            cls = self._classes.get(line.residence_class)
            return f"{cat} ({cls})" if cls else cat
        if key == "amount":
            return fen_to_yuan_text(line.amount_fen)
        if key == "account":
            return f"{line.bank_name} {line.account_number}".strip()
        if key == "remark":
            return line.remark
        return None
