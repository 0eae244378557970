"""Assistance cases page (救助审批).

A thin view over :mod:`assistcase.services.cases` and :func:`assistcase.recalc.case_entitlement`:
find a household by its number, open a case, take it through each next step, and read the month's
entitlement breakdown aloud. ``read_only=True`` hides every control that writes.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import (QComboBox, QDateEdit, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)
from sqlalchemy import select

from assistcase.db import Database
from assistcase.entitlement import NoStandardError
from assistcase.errors import AssistCaseError
from assistcase.models import Household
from assistcase.recalc import case_entitlement
from assistcase.services import cases as C

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


class CasesPage(QWidget):
    def __init__(self, db: Database, actor: str | int, read_only: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.read_only = db, actor, read_only
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.case_id: int | None = None
        self.household_id: int | None = None
        self.class_names = {"urban": self.tr("Urban"), "rural": self.tr("Rural")}
        self.status_names = {
            "applied": self.tr("Applied"), "checked": self.tr("Economic check done"),
            "investigated": self.tr("Home investigation done"),
            "publicity": self.tr("In publicity"), "active": self.tr("Active"),
            "suspended": self.tr("Suspended"), "terminated": self.tr("Terminated")}
        layout = QVBoxLayout(self)
        layout.addWidget(self._case_panel())
        self.show_case()

    def _error_text(self, e: AssistCaseError) -> str:
        return e.message(self.lang)

    # --- cases ------------------------------------------------------------------------------

    def _case_panel(self) -> QWidget:
        box = QGroupBox(self.tr("Assistance case"))
        v = QVBoxLayout(box)
        find = QHBoxLayout()
        self.hh_number = QLineEdit()
        self.hh_number.setPlaceholderText(self.tr("Household number"))
        self.find_btn = QPushButton(self.tr("Find"))
        find.addWidget(self.hh_number, 1)
        find.addWidget(self.find_btn)
        v.addLayout(find)
        self.hh_label = QLabel()
        v.addWidget(self.hh_label)
        open_row = QHBoxLayout()
        self.program = QComboBox()
        self.program.addItem(self.tr("Dibao (household)"), "dibao")
        self.program.addItem(self.tr("Extreme hardship (head of household)"), "tekun")
        self.self_care = QComboBox()
        self.self_care.addItem(self.tr("Fully self-caring"), "full")
        self.self_care.addItem(self.tr("Partly disabled"), "partial")
        self.self_care.addItem(self.tr("Fully disabled"), "none")
        self.support = QComboBox()
        self.support.addItem(self.tr("Dispersed support"), "dispersed")
        self.support.addItem(self.tr("Centralized support"), "centralized")
        self.institution = QLineEdit()
        self.institution.setPlaceholderText(self.tr("Institution (centralized support)"))
        self.open_btn = QPushButton(self.tr("Open case"))
        for w in (self.program, self.self_care, self.support, self.institution, self.open_btn):
            open_row.addWidget(w)
        self.open_box = QWidget()
        self.open_box.setLayout(open_row)
        v.addWidget(self.open_box)
        self.case_label = QLabel()
        self.case_label.setWordWrap(True)
        v.addWidget(self.case_label)

        steps = QGroupBox(self.tr("Next step"))
        form = QFormLayout(steps)
        self.step_date = _date_edit()
        self.step_end = _date_edit()
        self.step_who = QLineEdit()
        self.step_who.setPlaceholderText(self.tr("Investigators"))
        self.step_text = QLineEdit()
        self.step_text.setPlaceholderText(self.tr("Findings or reason"))
        form.addRow(self.tr("Date (publicity start)"), self.step_date)
        form.addRow(self.tr("Publicity end"), self.step_end)
        form.addRow(self.tr("Who"), self.step_who)
        form.addRow(self.tr("Findings / reason"), self.step_text)
        buttons = QHBoxLayout()
        self.check_btn = QPushButton(self.tr("Record economic check"))
        self.investigate_btn = QPushButton(self.tr("Record home investigation"))
        self.publicity_btn = QPushButton(self.tr("Record publicity"))
        self.confirm_btn = QPushButton(self.tr("Confirm"))
        self.suspend_btn = QPushButton(self.tr("Suspend"))
        self.terminate_btn = QPushButton(self.tr("Terminate"))
        for b in (self.check_btn, self.investigate_btn, self.publicity_btn, self.confirm_btn,
                  self.suspend_btn, self.terminate_btn):
            buttons.addWidget(b)
        form.addRow(buttons)
        self.case_error = QLabel()
        self.case_error.setStyleSheet(ERROR_STYLE)
        self.case_error.setWordWrap(True)
        form.addRow(self.case_error)
        steps.setVisible(not self.read_only)
        self.open_box.setVisible(not self.read_only)
        v.addWidget(steps)

        month_row = QHBoxLayout()
        month_row.addWidget(QLabel(self.tr("Entitlement for the month of")))
        self.month = _date_edit()
        self.month.setDisplayFormat("yyyy-MM")
        month_row.addWidget(self.month)
        month_row.addStretch(1)
        v.addLayout(month_row)
        self.breakdown = QPlainTextEdit()
        self.breakdown.setReadOnly(True)
        v.addWidget(self.breakdown, 1)
        self.events = QPlainTextEdit()
        self.events.setReadOnly(True)
        self.events.setMaximumHeight(140)
        v.addWidget(self.events)

        self.find_btn.clicked.connect(self.find_household)
        self.hh_number.returnPressed.connect(self.find_household)
        self.open_btn.clicked.connect(self.open_case)
        self.check_btn.clicked.connect(lambda: self._step(
            lambda d: C.record_economic_check(self.db, self.actor, self.case_id, d,
                                              self.step_text.text())))
        self.investigate_btn.clicked.connect(lambda: self._step(
            lambda d: C.record_investigation(self.db, self.actor, self.case_id, d,
                                             self.step_who.text(), self.step_text.text())))
        self.publicity_btn.clicked.connect(lambda: self._step(
            lambda d: C.record_publicity(self.db, self.actor, self.case_id, d,
                                         _pydate(self.step_end.date()))))
        self.confirm_btn.clicked.connect(lambda: self._step(
            lambda d: C.confirm_case(self.db, self.actor, self.case_id, d, self.step_text.text())))
        self.suspend_btn.clicked.connect(lambda: self._step(
            lambda d: C.suspend_case(self.db, self.actor, self.case_id, d, self.step_text.text())))
        self.terminate_btn.clicked.connect(lambda: self._step(
            lambda d: C.terminate_case(self.db, self.actor, self.case_id, d,
                                       self.step_text.text())))
        self.month.dateChanged.connect(lambda _d: self.show_case())
        return box

    def find_household(self) -> None:
        number = self.hh_number.text().strip()
        with self.db.read() as s:
            hh = s.scalar(select(Household).where(Household.number == number))
            cases = C.household_cases(s, hh.id) if hh is not None else []
            label = (f"{hh.number} {hh.head_name} ({self.class_names.get(hh.residence_class, '')})"
                     if hh is not None else "")
        if hh is None:
            self.household_id, self.case_id = None, None
            self.hh_label.setText(self.tr("No household has that number."))
        else:
            self.household_id = hh.id
            self.hh_label.setText(label)
            self.case_id = cases[0][0] if cases else None
        self.case_error.clear()
        self.show_case()

    def open_case(self) -> None:
        if self.household_id is None:
            self.case_error.setText(self.tr("Find the household first."))
            return
        program = self.program.currentData()
        person_id = None
        if program == "tekun":
            from assistcase.models import Person
            with self.db.read() as s:
                person_id = s.scalar(select(Person.id).where(
                    Person.household_id == self.household_id, Person.relation == "head"))
        data = C.CaseInput(program, self.household_id, _pydate(self.step_date.date()),
                           self.step_text.text(), person_id=person_id,
                           support_mode=self.support.currentData() if program == "tekun" else None,
                           institution_name=self.institution.text(),
                           self_care=self.self_care.currentData() if program == "tekun" else None)
        try:
            self.case_id = C.open_case(self.db, self.actor, data).created_id
        except AssistCaseError as e:
            self.case_error.setText(self._error_text(e))
            return
        self.case_error.clear()
        self.show_case()

    def _step(self, action) -> None:
        if self.case_id is None:
            self.case_error.setText(self.tr("Open or find a case first."))
            return
        try:
            action(_pydate(self.step_date.date()))
        except AssistCaseError as e:
            self.case_error.setText(self._error_text(e))
            return
        self.case_error.clear()
        self.show_case()

    def show_case(self) -> None:
        if self.case_id is None:
            self.case_label.setText(self.tr("No case selected."))
            self.breakdown.clear()
            self.events.clear()
            return
        q = self.month.date()
        month = dt.date(q.year(), q.month(), 1)
        with self.db.read() as s:
            view = C.case_view(s, self.case_id)
            try:
                ent = case_entitlement(s, self.case_id, month)
            except NoStandardError as e:
                ent, missing = None, e.message(self.lang)
        status = self.status_names.get(view.status, view.status)
        parts = [self.tr("Case %1: %2").replace("%1", str(view.id)).replace("%2", status)]
        if view.paid_from:
            parts.append(self.tr("paid from %1").replace("%1", f"{view.paid_from:%Y-%m}"))
        if view.next_review_on:
            parts.append(self.tr("next review %1").replace("%1", view.next_review_on.isoformat()))
        self.case_label.setText("; ".join(parts))
        if ent is None:
            self.breakdown.setPlainText(missing)
        else:
            note = "" if view.paid_in(month) else "\n" + self.tr(
                "(The case is not paid in this month.)")
            self.breakdown.setPlainText(ent.text(self.lang) + note)
        self.events.setPlainText("\n".join(
            f"{e.happened_on} {e.step} {e.username} {e.reason} {e.details}".rstrip()
            for e in view.events))
