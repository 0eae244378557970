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
