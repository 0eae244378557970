"""Small widget helpers the pages share: dates between Python and Qt, a date field, the
colour of an inline refusal."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit

ERROR_STYLE = "color: #B00020;"


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
