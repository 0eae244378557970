"""Forms of the liaison page: one small dialog per record kind, each showing the core's refusals
next to the field they name. A dialog opened read-only (the supervisor) shows the same fields
disabled and only a Close button.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget)

from assistcase.errors import AssistCaseError, ValidationError

ERROR_STYLE = "color: #B00020"


def qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def date_edit(day: dt.date) -> QDateEdit:
    w = QDateEdit(qdate(day))
    w.setCalendarPopup(True)
    w.setDisplayFormat("yyyy-MM-dd")
    return w


def combo(items: list[tuple[object, str]], current: object = None) -> QComboBox:
    w = QComboBox()
    for key, text in items:
        w.addItem(text, key)
    if current is not None and w.findData(current) >= 0:
        w.setCurrentIndex(w.findData(current))
    return w


def spin(value: int = 0, low: int = 0, high: int = 1_000_000) -> QSpinBox:
    w = QSpinBox()
    w.setRange(low, high)
    w.setValue(value)
    return w


def line(text: str = "") -> QLineEdit:
    return QLineEdit(text)


class RecordForm(QDialog):
    """Fields (key, label, widget) in a form; ``submit`` calls the core. A ValidationError's
    field errors appear under the field of the same key (the rest above the buttons).
    ``submit`` None: read-only."""

    saved = Signal()

    def __init__(self, title: str, fields: list[tuple[str, str, QWidget]],
                 submit: Callable[[], None] | None, lang: str, parent: QWidget | None = None,
                 note: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.lang = lang
        self.submit = submit
        self.read_only = submit is None
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        if note:
            lbl = QLabel(note)
            lbl.setWordWrap(True)
            layout.addWidget(lbl)
        form = QFormLayout()
        for key, label, widget in fields:
            holder = QWidget()
            v = QVBoxLayout(holder)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            v.addWidget(widget)
            err = QLabel()
            err.setStyleSheet(ERROR_STYLE)
            err.setWordWrap(True)
            err.setVisible(False)
            v.addWidget(err)
            form.addRow(label, holder)
            self.widgets[key] = widget
            self.errors[key] = err
            if self.read_only:
                widget.setEnabled(False)
        layout.addLayout(form)
        self.general_error = QLabel()
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        layout.addWidget(self.general_error)
        if self.read_only:
            box = QDialogButtonBox(QDialogButtonBox.Close)
            box.rejected.connect(self.reject)
            self.save_button = None
        else:
            box = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
            box.accepted.connect(self.save)
            box.rejected.connect(self.reject)
            self.save_button = box.button(QDialogButtonBox.Save)
        self.buttons = box
        layout.addWidget(box)

    def error_text(self, key: str) -> str:
        return self.errors[key].text() if key in self.errors else ""

    def _clear(self) -> None:
        for err in self.errors.values():
            err.clear()
            err.setVisible(False)
        self.general_error.clear()

    def save(self) -> bool:
        if self.submit is None:
            return False
        self._clear()
        try:
            self.submit()
        except ValidationError as e:
            rest = []
            for fe in e.errors:
                key = fe.field.split(".")[-1]
                label = self.errors.get(key)
                if label is None:
                    rest.append(fe.message(self.lang))
                    continue
                label.setText("\n".join(filter(None, [label.text(), fe.message(self.lang)])))
                label.setVisible(True)
            self.general_error.setText("\n".join(rest))
            return False
        except AssistCaseError as e:
            self.general_error.setText(e.message(self.lang))
            return False
        self.saved.emit()
        self.accept()
        return True
