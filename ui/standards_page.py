"""Standards page (保障标准).

A thin view over :mod:`assistcase.services.standards`: the standards of an area and class with
their history and the notice each comes from, an add form (one standard saved at once, or
several collected and saved together in one transaction, so a dibao raise and the
extreme-hardship raise it needs go in as one), and the area's policy settings with their
effective date and notice. A refusal (the 1.3× rule among them) is shown inline, in red, next to
the field. ``read_only=True`` hides the forms.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from assistcase.db import Database
from assistcase.errors import AssistCaseError
from assistcase.services import standards as S
from assistcase.rules.money import parse_yuan, yuan
from assistcase.rules.standards import POLICY_KEYS, ROUNDING_LABELS, Notice

from .widgets import ERROR_STYLE, date_edit as _date_edit, pydate as _pydate

NO_DATE = QDate(1900, 1, 1)  # the date edit's "not given" value, shown blank


def _optional_date_edit() -> QDateEdit:
    """A date that may be left out (a notice's date of issue): its minimum shows blank."""
    e = QDateEdit(NO_DATE)
    e.setCalendarPopup(True)
    e.setDisplayFormat("yyyy-MM-dd")
    e.setMinimumDate(NO_DATE)
    e.setSpecialValueText(" ")
    return e


def _optional_date(e: QDateEdit) -> dt.date | None:
    return None if e.date() == e.minimumDate() else _pydate(e.date())


class NoticeFields:
    """The three fields of a notice (文件标题, 文号, 发文日期); the page adds them to its form
    (:meth:`StandardsPage._notice_fields`, so that its translations apply)."""

    def __init__(self) -> None:
        self.title = QLineEdit()
        self.number = QLineEdit()
        self.issued = _optional_date_edit()

    def value(self) -> Notice:
        return Notice(self.title.text().strip(), self.number.text().strip(),
                      _optional_date(self.issued))


def _notice_text(notice: Notice) -> str:
    parts = [f"《{notice.title}》" if notice.title else "", notice.number,
             notice.issued_on.isoformat() if notice.issued_on else ""]
    return " ".join(p for p in parts if p)


def _fen(text: str) -> int | None:
    """Yuan as typed ("630", "4,260.5") to integer fen; None if not a positive amount."""
    return parse_yuan(text, allow_zero=False)


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
        self.pending: list[S.StandardInput] = []
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self._standards_panel())
        splitter.addWidget(self._policy_panel())
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.refresh_standards()

    def _error_text(self, e: AssistCaseError) -> str:
        return e.message(self.lang)

    def _notice_fields(self, form: QFormLayout) -> NoticeFields:
        fields = NoticeFields()
        fields.title.setPlaceholderText(self.tr("title of the notice"))
        fields.number.setPlaceholderText(self.tr("e.g. 商民〔2022〕12号"))
        form.addRow(self.tr("Notice"), fields.title)
        form.addRow(self.tr("Document number"), fields.number)
        form.addRow(self.tr("Date of issue"), fields.issued)
        return fields

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
        self.std_table = QTableWidget(0, 5)
        self.std_table.setHorizontalHeaderLabels(
            [self.tr("Item"), self.tr("From"), self.tr("As entered"), self.tr("Per month (yuan)"),
             self.tr("Notice")])
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
        self.std_queue = QPushButton(self.tr("Add to the list"))
        self.std_queue.setToolTip(self.tr("Collect several figures of one notice and save them "
                                          "together (e.g. the dibao and extreme-hardship raises)"))
        self.std_save_all = QPushButton(self.tr("Save the list together"))
        self.std_clear_list = QPushButton(self.tr("Clear the list"))
        self.std_list = QListWidget()
        self.std_list.setMaximumHeight(90)
        self.std_error = QLabel()
        self.std_error.setStyleSheet(ERROR_STYLE)
        self.std_error.setWordWrap(True)
        form.addRow(self.tr("Item"), self.std_kind)
        form.addRow(self.tr("In force from"), self.std_from)
        form.addRow(self.tr("Amount"), self.std_amount)
        form.addRow("", self.std_error)  # next to the amount: the 1.3× rule speaks of it
        form.addRow(self.tr("Period"), self.std_period)
        self.std_notice = self._notice_fields(form)
        buttons = QHBoxLayout()
        for b in (self.std_add, self.std_queue):
            buttons.addWidget(b)
        form.addRow(buttons)
        form.addRow(self.tr("To save together"), self.std_list)
        list_buttons = QHBoxLayout()
        for b in (self.std_save_all, self.std_clear_list):
            list_buttons.addWidget(b)
        form.addRow(list_buttons)
        form_box.setVisible(not self.read_only)
        v.addWidget(form_box)
        self.area.currentIndexChanged.connect(self.refresh_standards)
        self.std_class.currentIndexChanged.connect(self.refresh_standards)
        self.std_add.clicked.connect(self.add_standard)
        self.std_queue.clicked.connect(self.queue_standard)
        self.std_save_all.clicked.connect(self.save_list)
        self.std_clear_list.clicked.connect(self.clear_list)
        self._show_list()
        return box

    def refresh_standards(self) -> None:
        area_id, cls = self.area.currentData(), self.std_class.currentData()
        if area_id is None:
            return
        with self.db.read() as s:
            rows = S.standard_rows(s, area_id, cls)
        self.refresh_policy()
        self.std_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            entered = yuan(row.entered_fen) + (self.tr(" / year") if row.period == "year"
                                               else self.tr(" / month"))
            for c, value in enumerate((self.kind_names.get(row.kind, row.kind),
                                       row.effective_from.isoformat(), entered,
                                       yuan(row.monthly_fen), _notice_text(row.source))):
                item = QTableWidgetItem(value)
                if c in (2, 3):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.std_table.setItem(r, c, item)

    def _input(self) -> S.StandardInput | None:
        """The form as a standard to save, or None (with the reason shown) if the amount is
        not an amount."""
        fen = _fen(self.std_amount.text())
        if fen is None:
            self.std_error.setText(self.tr("Enter the amount in yuan, for example 630 or 4,260."))
            return None
        return S.StandardInput(self.area.currentData(), self.std_class.currentData(),
                               self.std_kind.currentData(), _pydate(self.std_from.date()), fen,
                               self.std_period.currentData(), source=self.std_notice.value())

    def _save(self, items: list[S.StandardInput]) -> bool:
        try:
            S.save_standards(self.db, self.actor, items)
        except AssistCaseError as e:
            self.std_error.setText(self._error_text(e))
            return False
        self.std_error.clear()
        self.refresh_standards()
        return True

    def add_standard(self) -> None:
        data = self._input()
        if data is not None and self._save([data]):
            self.std_amount.clear()

    def queue_standard(self) -> None:
        """Add the form to the list saved together (the notice fields stay for the next)."""
        data = self._input()
        if data is None:
            return
        self.pending.append(data)
        self.std_error.clear()
        self.std_amount.clear()
        self._show_list()

    def save_list(self) -> None:
        if self.pending and self._save(list(self.pending)):
            self.clear_list()

    def clear_list(self) -> None:
        self.pending.clear()
        self._show_list()

    def _show_list(self) -> None:
        self.std_list.clear()
        names = {self.area.itemData(i): self.area.itemText(i) for i in range(self.area.count())}
        for d in self.pending:
            per = self.tr(" / year") if d.period == "year" else self.tr(" / month")
            self.std_list.addItem(
                f"{names.get(d.area_id, d.area_id)} {self.class_names[d.residence_class]} "
                f"{self.kind_names[d.kind]} {d.effective_from.isoformat()} "
                f"{yuan(d.amount_fen)}{per}")
        self.std_save_all.setEnabled(bool(self.pending))
        self.std_clear_list.setEnabled(bool(self.pending))

    # --- policy settings ----------------------------------------------------------------------

    def _policy_label(self, key: str) -> str:
        spec = POLICY_KEYS[key]
        return spec.label_zh if self.lang == "zh" else spec.label_en

    def _policy_value_text(self, key: str, value: object) -> str:
        if key == "rounding" and value in ROUNDING_LABELS:
            en, zh = ROUNDING_LABELS[value]
            return zh if self.lang == "zh" else en
        return str(value)

    def _policy_panel(self) -> QWidget:
        box = QGroupBox(self.tr("Policy settings"))
        v = QVBoxLayout(box)
        self.policy_heading = QLabel()
        self.policy_heading.setWordWrap(True)
        v.addWidget(self.policy_heading)
        self.policy_table = QTableWidget(0, 5)
        self.policy_table.setHorizontalHeaderLabels(
            [self.tr("Setting"), self.tr("Value today"), self.tr("Set by"), self.tr("From"),
             self.tr("Notice")])
        self.policy_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.policy_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.policy_table.verticalHeader().setVisible(False)
        self.policy_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        v.addWidget(self.policy_table, 2)
        v.addWidget(QLabel(self.tr("Values this area set, with their history")))
        self.policy_history = QTableWidget(0, 4)
        self.policy_history.setHorizontalHeaderLabels(
            [self.tr("Setting"), self.tr("Value"), self.tr("From"), self.tr("Notice")])
        self.policy_history.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.policy_history.verticalHeader().setVisible(False)
        self.policy_history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        v.addWidget(self.policy_history, 1)
        form_box = QGroupBox(self.tr("Set a policy value"))
        form = QFormLayout(form_box)
        self.policy_key = QComboBox()
        for key in POLICY_KEYS:
            self.policy_key.addItem(self._policy_label(key), key)
        self.policy_value = QLineEdit()
        self.policy_choice = QComboBox()
        value_row = QHBoxLayout()
        value_row.addWidget(self.policy_value, 1)
        value_row.addWidget(self.policy_choice, 1)
        self.policy_from = _date_edit(dt.date.today())
        self.policy_set = QPushButton(self.tr("Set from this date"))
        self.policy_error = QLabel()
        self.policy_error.setStyleSheet(ERROR_STYLE)
        self.policy_error.setWordWrap(True)
        form.addRow(self.tr("Setting"), self.policy_key)
        form.addRow(self.tr("Value"), value_row)
        form.addRow("", self.policy_error)
        form.addRow(self.tr("In force from"), self.policy_from)
        self.policy_notice = self._notice_fields(form)
        form.addRow(self.policy_set)
        form_box.setVisible(not self.read_only)
        v.addWidget(form_box)
        self.policy_key.currentIndexChanged.connect(self._policy_key_changed)
        self.policy_table.cellClicked.connect(
            lambda row, _c: self.policy_key.setCurrentIndex(row))
        self.policy_set.clicked.connect(self.set_policy)
        self._policy_key_changed()
        return box

    def _policy_key_changed(self) -> None:
        key = self.policy_key.currentData()
        spec = POLICY_KEYS[key]
        self.policy_choice.clear()
        for choice in spec.choices:
            self.policy_choice.addItem(self._policy_value_text(key, choice), choice)
        self.policy_choice.setVisible(bool(spec.choices))
        self.policy_value.setVisible(not spec.choices)
        self.policy_value.clear()
        self.policy_value.setPlaceholderText(
            self.tr("whole number from %1 to %2").replace("%1", str(spec.minimum))
            .replace("%2", str(spec.maximum)))
        self.policy_error.clear()

    def refresh_policy(self) -> None:
        area_id = self.area.currentData()
        if area_id is None:
            return
        with self.db.read() as s:
            values = S.policy_values(s, area_id)
            rows = S.policy_rows(s, area_id)
            area_names = {k: (v.area.name if v.area is not None else None)
                          for k, v in values.items()}
        self.policy_heading.setText(
            self.tr("In force in %1 today; areas below inherit them unless they set their own.")
            .replace("%1", self.area.currentText()))
        self.policy_table.setRowCount(len(POLICY_KEYS))
        for r, key in enumerate(POLICY_KEYS):
            v = values[key]
            cells = (self._policy_label(key), self._policy_value_text(key, v.value),
                     area_names[key] or self.tr("default"),
                     v.effective_from.isoformat() if v.effective_from and
                     v.effective_from > dt.date(1900, 1, 1) else "",
                     _notice_text(v.source))
            for c, text in enumerate(cells):
                self.policy_table.setItem(r, c, QTableWidgetItem(text))
        self.policy_history.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = (self._policy_label(row.key) if row.key in POLICY_KEYS else row.key,
                     self._policy_value_text(row.key, row.value),
                     row.effective_from.isoformat() if row.effective_from > dt.date(1900, 1, 1)
                     else self.tr("from the start"), _notice_text(row.source))
            for c, text in enumerate(cells):
                self.policy_history.setItem(r, c, QTableWidgetItem(text))

    def set_policy(self) -> None:
        key = self.policy_key.currentData()
        spec = POLICY_KEYS[key]
        if spec.choices:
            value: int | str = self.policy_choice.currentData()
        else:
            try:
                value = int(self.policy_value.text().replace(",", "").strip())
            except ValueError:
                self.policy_error.setText(self.tr("Enter a whole number."))
                return
        try:
            S.set_policy(self.db, self.actor, self.area.currentData(), {key: value},
                         effective_from=_pydate(self.policy_from.date()),
                         source=self.policy_notice.value())
        except AssistCaseError as e:
            self.policy_error.setText(self._error_text(e))
            return
        self.policy_error.clear()
        self.policy_value.clear()
        self.refresh_policy()
