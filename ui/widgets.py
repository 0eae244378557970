"""Small widget helpers the pages share: dates between Python and Qt, a date field, the
colour of an inline refusal, a read-only table and its cells, the core's message of an error.
(Kept light: the to-do page, the window's first page, builds from these without importing
the rosters page and its services.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QDateEdit, QTableWidget, QTableWidgetItem

from assistcase.errors import AssistCaseError, ValidationError

ERROR_STYLE = "color: #B00020;"


def table_item(value: Any, align_right: bool = False, colour: str | None = None,
               data: Any = None) -> QTableWidgetItem:
    """A read-only cell: its text, alignment, colour and user data."""
    item = QTableWidgetItem("" if value is None else str(value))
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if colour:
        item.setForeground(QBrush(QColor(colour)))
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def read_only_table(headers: list[str]) -> QTableWidget:
    """A table of whole-row single selection that nobody edits in place."""
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    return t


def error_text(e: BaseException, lang: str) -> str:
    """The core's message in the user's language (every problem of a validation error)."""
    if isinstance(e, ValidationError):
        return "\n".join(x.message(lang) for x in e.errors)
    if isinstance(e, AssistCaseError):
        return e.message(lang)
    return str(e) or type(e).__name__


def qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def date_edit(d: dt.date | None = None) -> QDateEdit:
    """A date field with a calendar, yyyy-MM-dd, set to ``d`` (default today)."""
    e = QDateEdit(qdate(d or dt.date.today()))
    e.setCalendarPopup(True)
    e.setDisplayFormat("yyyy-MM-dd")
    return e


AREA_INDENT = {"city": "  ", "county": "    ", "township": "      "}


def fill_area_combo(combo, areas, chosen: int | None = None) -> None:
    """The areas a signed-in user may pick (``services.areas.scoped_areas``), indented by
    level; ``chosen`` selected when offered, else where the user's work starts
    (``services.areas.start_area``)."""
    from assistcase.services.areas import start_area

    for a in areas:
        combo.addItem(AREA_INDENT.get(a.level, "") + a.name, a.id)
    index = combo.findData(chosen) if chosen is not None else -1
    if index < 0:
        first = start_area(areas)
        index = combo.findData(first.id) if first is not None else -1
    combo.setCurrentIndex(max(index, 0))


CONFLICT_COLOUR = "#b00020"


def sync_header() -> str:
    """The heading of a list's sync-state column (shown where an exchange is set up)."""
    return QCoreApplication.translate("SyncState", "Sync state")


def sync_texts() -> dict[str, str]:
    """The words for a record's sync state (``services.sync_state``); "" for none."""
    return {"synced": QCoreApplication.translate("SyncState", "synced"),
            "pending": QCoreApplication.translate("SyncState", "to be sent"),
            "conflict": QCoreApplication.translate("SyncState", "conflict"), "": ""}
