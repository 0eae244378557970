"""Standards page (保障标准).

A thin view over :mod:`assistcase.services.standards`: the standards of an area and class with
their history and an add form (a refusal is shown inline, in red). ``read_only=True`` hides the
add form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from assistcase.db import Database
from assistcase.errors import AssistCaseError
from assistcase.services import standards as S
from assistcase.standards import yuan

ERROR_STYLE = "color: #B00020;"


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


def _date_edit(d: dt.date | None = None) -> QDateEdit:
    e = QDateEdit(_qdate(d or dt.date.today()))
    e.setCalendarPopup(True)
    e.setDisplayFormat("yyyy-MM-dd")
    return e


def _fen(text: str) -> int | None:
    """Yuan as typed ("630", "4,260.5") to integer fen; None if not a positive amount."""
    try:
        value = Decimal(text.replace(",", "").strip()) * 100
    except InvalidOperation:
        return None
    if value <= 0 or value != value.to_integral_value():
        return None
    return int(value)


class StandardsPage(QWidget):
    def __init__(self, db: Database, actor: str | int, read_only: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.read_only = db, actor, read_only
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.kind_names = {
            "dibao": self.tr("Dibao standard"),
            "tekun_basic": self.tr("Extreme-hardship basic living standard"),
            "care_full": self.tr("Care standard: fully self-caring"),
            "care_partial": self.tr("Care standard: partly disabled"),
            "care_none": self.tr("Care standard: fully disabled"),
            "subsidy_level": self.tr("Required average subsidy level"),
        }
        self.class_names = {"urban": self.tr("Urban"), "rural": self.tr("Rural")}
        layout = QVBoxLayout(self)
        layout.addWidget(self._standards_panel())
        self.refresh_standards()

    def _error_text(self, e: AssistCaseError) -> str:
        return e.message(self.lang)

    # --- standards --------------------------------------------------------------------------

    def _standards_panel(self) -> QWidget:
        box = QGroupBox(self.tr("Standards"))
        v = QVBoxLayout(box)
        top = QHBoxLayout()
        self.area = QComboBox()
        with self.db.read() as s:
            for area_id, name, _level in S.standard_areas(s):
                self.area.addItem(name, area_id)
        self.area.setCurrentIndex(min(1, self.area.count() - 1))
        self.std_class = QComboBox()
        for key, label in self.class_names.items():
            self.std_class.addItem(label, key)
        top.addWidget(QLabel(self.tr("Area")))
        top.addWidget(self.area, 1)
        top.addWidget(QLabel(self.tr("Class")))
        top.addWidget(self.std_class)
        v.addLayout(top)
        self.std_table = QTableWidget(0, 4)
        self.std_table.setHorizontalHeaderLabels(
            [self.tr("Item"), self.tr("From"), self.tr("As entered"), self.tr("Per month (yuan)")])
        self.std_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.std_table.verticalHeader().setVisible(False)
        self.std_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        v.addWidget(self.std_table, 1)
        form_box = QGroupBox(self.tr("Add a standard"))
        form = QFormLayout(form_box)
        self.std_kind = QComboBox()
        for key, label in self.kind_names.items():
            self.std_kind.addItem(label, key)
        self.std_from = _date_edit(dt.date(dt.date.today().year, 1, 1))
        self.std_amount = QLineEdit()
        self.std_amount.setPlaceholderText(self.tr("yuan per person"))
        self.std_period = QComboBox()
        self.std_period.addItem(self.tr("per month"), "month")
        self.std_period.addItem(self.tr("per year (as published)"), "year")
        self.std_add = QPushButton(self.tr("Add standard"))
        self.std_error = QLabel()
        self.std_error.setStyleSheet(ERROR_STYLE)
        self.std_error.setWordWrap(True)
        form.addRow(self.tr("Item"), self.std_kind)
        form.addRow(self.tr("In force from"), self.std_from)
        form.addRow(self.tr("Amount"), self.std_amount)
        form.addRow(self.tr("Period"), self.std_period)
        form.addRow(self.std_add)
        form.addRow(self.std_error)
        form_box.setVisible(not self.read_only)
        v.addWidget(form_box)
        self.area.currentIndexChanged.connect(self.refresh_standards)
        self.std_class.currentIndexChanged.connect(self.refresh_standards)
        self.std_add.clicked.connect(self.add_standard)
        return box

    def refresh_standards(self) -> None:
        area_id, cls = self.area.currentData(), self.std_class.currentData()
        if area_id is None:
            return
        with self.db.read() as s:
            rows = S.standard_rows(s, area_id, cls)
        self.std_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            entered = yuan(row.entered_fen) + (self.tr(" / year") if row.period == "year"
                                               else self.tr(" / month"))
            for c, value in enumerate((self.kind_names.get(row.kind, row.kind),
                                       row.effective_from.isoformat(), entered,
                                       yuan(row.monthly_fen))):
                item = QTableWidgetItem(value)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.std_table.setItem(r, c, item)

    def add_standard(self) -> None:
        fen = _fen(self.std_amount.text())
        if fen is None:
            self.std_error.setText(self.tr("Enter the amount in yuan, for example 630 or 4,260."))
            return
        data = S.StandardInput(self.area.currentData(), self.std_class.currentData(),
                               self.std_kind.currentData(), _pydate(self.std_from.date()), fen,
                               self.std_period.currentData())
        try:
            S.save_standard(self.db, self.actor, data)
        except AssistCaseError as e:
            self.std_error.setText(self._error_text(e))
            return
        self.std_error.clear()
        self.std_amount.clear()
        self.refresh_standards()
