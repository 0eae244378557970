"""Assistance cases page (救助审批).

A thin view over :mod:`assistcase.services.cases`, :mod:`assistcase.services.case_list`,
:mod:`assistcase.services.case_review` and :func:`assistcase.recalc.case_entitlement`, in three
tabs:

- Cases: the cases under an area and program by state, with counts (a lazy list: it stays fast
  at city scale), and the case panel: find a household by name, pinyin initials, ID tail or
  number (the registry's search), open its case or a new one, take it through each next step
  (each step's fields start empty), read the month's entitlement breakdown aloud;
- Exit review (退出核查): the computed month's cases whose per-capita income reaches the standard,
  with the figures; the month can be recalculated here; the review is recorded with its outcome;
- Marginal households (低保边缘): per-capita income above the standard, at most the threshold.

``read_only=True`` hides every control that writes.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog,
                               QDialogButtonBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPlainTextEdit, QPushButton, QSplitter,
                               QTableView, QTableWidget, QTableWidgetItem, QTabWidget,
                               QVBoxLayout, QWidget)

from assistcase.core import Core
from assistcase.db import Database
from assistcase.rules.entitlement import NoStandardError
from assistcase.errors import AssistCaseError
from assistcase.services.queries import HouseholdFilter, found_households, household_rows
from assistcase.services.recalc import case_entitlement, recalculate_area
from assistcase.services import case_list as L
from assistcase.services.sync_state import exchanging
from assistcase.services import case_review as X
from assistcase.services import cases as C
from assistcase.services import areas as A
from assistcase.rules.money import yuan

from .case_model import SYNC_COLUMN, CaseTableModel
from .ops import Change, Op, Page
from .widgets import ERROR_STYLE, date_edit as _date_edit, fill_area_combo
from .widgets import pydate as _pydate, qdate as _qdate

SEARCH_LIMIT = 50


def _month_edit(d: dt.date | None = None) -> QDateEdit:
    e = _date_edit(d)
    e.setDisplayFormat("yyyy-MM")
    return e


def _month(e: QDateEdit) -> dt.date:
    q = e.date()
    return dt.date(q.year(), q.month(), 1)


def _item(text: str, right: bool = False, data=None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    if data is not None:
        item.setData(Qt.UserRole, data)
    return item


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    return t


def _month_list(v: QVBoxLayout, row: QHBoxLayout,
                headers: list[str]) -> tuple[QLabel, QTableWidget]:
    """Under a month's choice (``row``): a line of explanation and the month's list."""
    row.addStretch(1)
    v.addLayout(row)
    info = QLabel()
    info.setWordWrap(True)
    v.addWidget(info)
    table = _table(headers)
    v.addWidget(table, 1)
    return info, table


class CoverageDialog(QDialog):
    """Change of covered members (增人增保 / 减人减保) of a dibao case: the household's members
    with the covered ones ticked, the date of the decision and its reason. A member who joined
    the household is covered only once this is confirmed; the change takes effect from the
    month after the date. The core's refusal stays in the dialog."""

    def __init__(self, parent: QWidget, core: Core, choice: C.CoverageChoice):
        super().__init__(parent)
        self.core, self.case_id = core, choice.case_id
        self.setWindowTitle(self.tr("Change of covered members"))
        members, covered = choice.members, choice.covered
        v = QVBoxLayout(self)
        v.addWidget(QLabel(self.tr("Members covered from the month after the date:")))
        self.members = QListWidget()
        for pid, name in members:
            item = QListWidgetItem(name)
            item.setData(Qt.UserRole, pid)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if pid in covered else Qt.Unchecked)
            self.members.addItem(item)
        v.addWidget(self.members)
        form = QFormLayout()
        self.date = _date_edit()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("e.g. birth of a child, marriage"))
        form.addRow(self.tr("Date of the decision"), self.date)
        form.addRow(self.tr("Reason"), self.reason)
        v.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        v.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)

    def chosen(self) -> list[int]:
        return [self.members.item(i).data(Qt.UserRole) for i in range(self.members.count())
                if self.members.item(i).checkState() == Qt.Checked]

    def set_checked(self, person_id: int, checked: bool) -> None:
        for i in range(self.members.count()):
            item = self.members.item(i)
            if item.data(Qt.UserRole) == person_id:
                item.setCheckState(Qt.Checked if checked else Qt.Unchecked)

    def save(self) -> None:
        try:
            self.core.write(C.set_covered_members, self.case_id, self.chosen(),
                            self.reason.text(), _pydate(self.date.date()))
        except AssistCaseError as e:
            lang = "zh" if QLocale().language() == QLocale.Language.Chinese else "en"
            self.error.setText(e.message(lang))
            return
        self.accept()


class CasesPage(Page):
    recalculated = Signal(str)  # "succeeded" / "failed" / "cancelled"
    refresh_on = Change.CASES | Change.HOUSEHOLDS | Change.STANDARDS | Change.ROSTERS

    def __init__(self, core: Core | Database, actor: str | int | None = None,
                 read_only: bool = False, parent: QWidget | None = None):
        super().__init__(core, actor, read_only, parent)
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.case_id: int | None = None
        self.household_id: int | None = None
        self.class_names = {"urban": self.tr("Urban"), "rural": self.tr("Rural")}
        self.status_names = {
            "applied": self.tr("Applied"), "checked": self.tr("Economic check done"),
            "investigated": self.tr("Home investigation done"),
            "publicity": self.tr("In publicity"), "active": self.tr("Active"),
            "suspended": self.tr("Suspended"), "terminated": self.tr("Terminated")}
        self.state_names = {
            "application": self.tr("In application"), "publicity": self.tr("In publicity"),
            "awaiting_confirmation": self.tr("Awaiting confirmation"),
            "review_due": self.tr("Review due"), "active": self.tr("Active"),
            "suspended": self.tr("Suspended"), "ended": self.tr("Ended")}
        self.program_names = {"dibao": self.tr("Dibao"), "tekun": self.tr("Extreme hardship")}
        self.outcome_names = {
            "continue": self.tr("Continue assistance"), "reduce": self.tr("Reduce assistance"),
            "suspend": self.tr("Suspend"), "terminate": self.tr("Terminate")}

        top = QHBoxLayout()
        self.area = QComboBox()
        fill_area_combo(self.area, self.core.read(
            A.scoped_areas, ("province", "city", "county", "township")))
        self.program_filter = QComboBox()
        self.program_filter.addItem(self.tr("All programs"), None)
        for key, name in self.program_names.items():
            self.program_filter.addItem(name, key)
        top.addWidget(QLabel(self.tr("Area")))
        top.addWidget(self.area, 1)
        top.addWidget(QLabel(self.tr("Program")))
        top.addWidget(self.program_filter)
        top.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._cases_tab(), self.tr("Cases"))
        self.tabs.addTab(self._review_tab(), self.tr("Exit review"))
        self.tabs.addTab(self._marginal_tab(), self.tr("Marginal households"))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._refresh_tab)
        self.area.currentIndexChanged.connect(self.refresh_lists)
        self.program_filter.currentIndexChanged.connect(self.refresh_lists)
        self.refresh_lists()
        self.show_case()

    def _error_text(self, e: AssistCaseError) -> str:
        return e.message(self.lang)

    def refresh_lists(self) -> None:
        """After a change of area or program: the case list, and the review or marginal list
        when its tab is showing (the others follow when their tab is shown)."""
        self.refresh_cases()
        self._refresh_tab(self.tabs.currentIndex())

    def _refresh_tab(self, index: int) -> None:
        if index == 1:
            self.refresh_reviews()
        elif index == 2:
            self.refresh_marginal()

    # --- the case list ----------------------------------------------------------------------

    def _cases_tab(self) -> QWidget:
        splitter = QSplitter(Qt.Horizontal)
        splitter.setObjectName("cases_split")  # its state is kept (ui.ops.Page)
        left = QWidget()
        v = QVBoxLayout(left)
        self.states = QListWidget()
        self.states.setMaximumHeight(190)
        v.addWidget(self.states)
        self.case_model = CaseTableModel(self.core, self)
        self.case_model.state_names = self.state_names
        self.case_model.program_names = self.program_names
        self.case_table = QTableView()
        self.case_table.setModel(self.case_model)
        self.case_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.case_table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.case_table.verticalHeader().setVisible(False)
        self.case_table.verticalHeader().setDefaultSectionSize(22)
        # each case's sync state, where this database exchanges with another site
        self.case_table.setColumnHidden(SYNC_COLUMN, not self.core.read(exchanging))
        v.addWidget(self.case_table, 1)
        self.case_count = QLabel()
        v.addWidget(self.case_count)
        splitter.addWidget(left)
        splitter.addWidget(self._case_panel())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        self.states.currentRowChanged.connect(lambda _r: self._apply_case_filter())
        self.case_table.doubleClicked.connect(
            lambda index: self.open_case_id(self.case_model.case_id(index.row())))
        self.case_table.activated.connect(
            lambda index: self.open_case_id(self.case_model.case_id(index.row())))
        self.case_model.countChanged.connect(
            lambda n: self.case_count.setText(self.tr("%1 cases").replace("%1", f"{n:,}")))
        return splitter

    def _filter(self, state: str | None = None) -> L.CaseFilter:
        return L.CaseFilter(self.area.currentData(), self.program_filter.currentData(), state)

    def refresh_cases(self) -> None:
        """Recount the states and reload the list (after a filter change or a step)."""
        counts = self.core.read(L.case_counts, self._filter(), dt.date.today())
        current = self.states.currentItem().data(Qt.UserRole) if self.states.currentItem() \
            else None
        self.states.blockSignals(True)
        self.states.clear()
        rows = [(None, self.tr("All cases"), sum(counts.values()))] + \
            [(k, self.state_names[k], counts[k]) for k in L.CASE_STATES]
        for key, name, n in rows:
            item = QListWidgetItem(f"{name} ({n:,})")
            item.setData(Qt.UserRole, key)
            self.states.addItem(item)
        keys = [r[0] for r in rows]
        self.states.setCurrentRow(keys.index(current) if current in keys else 0)
        self.states.blockSignals(False)
        self.state_counts = counts
        self._apply_case_filter()

    def select_state(self, state: str | None) -> None:
        keys = [self.states.item(i).data(Qt.UserRole) for i in range(self.states.count())]
        self.states.setCurrentRow(keys.index(state))

    def _apply_case_filter(self) -> None:
        item = self.states.currentItem()
        self.case_model.set_filter(self._filter(item.data(Qt.UserRole) if item else None))

    def case_ids_shown(self) -> list[int]:
        return [self.case_model.case_id(r) for r in range(self.case_model.rowCount())]

    # --- the case panel ---------------------------------------------------------------------

    def _case_panel(self) -> QWidget:
        box = QGroupBox(self.tr("Assistance case"))
        v = QVBoxLayout(box)
        find = QHBoxLayout()
        self.hh_number = QLineEdit()
        self.hh_number.setClearButtonEnabled(True)
        self.hh_number.setPlaceholderText(
            self.tr("Household: name, pinyin initials, ID number tail or household number"))
        self.find_btn = QPushButton(self.tr("Find"))
        find.addWidget(self.hh_number, 1)
        find.addWidget(self.find_btn)
        v.addLayout(find)
        self.hh_results = QListWidget()
        self.hh_results.setMaximumHeight(110)
        self.hh_results.setVisible(False)
        v.addWidget(self.hh_results)
        self.hh_label = QLabel()
        v.addWidget(self.hh_label)
        self.hh_cases = QListWidget()
        self.hh_cases.setMaximumHeight(80)
        self.hh_cases.setMinimumHeight(44)  # two cases show; the page fits a laptop
        v.addWidget(self.hh_cases)
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
        # two fields a row: the page must fit a 1366×768 laptop and 1920×1080 at 150 %
        dates = QHBoxLayout()
        dates.addWidget(self.step_date)
        dates.addWidget(QLabel(self.tr("Publicity end")))
        dates.addWidget(self.step_end)
        dates.addStretch(1)
        form.addRow(self.tr("Date (publicity start)"), dates)
        texts = QHBoxLayout()
        texts.addWidget(self.step_who, 1)
        texts.addWidget(QLabel(self.tr("Findings / reason")))
        texts.addWidget(self.step_text, 2)
        form.addRow(self.tr("Who"), texts)
        buttons = QHBoxLayout()
        self.check_btn = QPushButton(self.tr("Record economic check"))
        self.investigate_btn = QPushButton(self.tr("Record home investigation"))
        self.publicity_btn = QPushButton(self.tr("Record publicity"))
        self.confirm_btn = QPushButton(self.tr("Confirm"))
        self.suspend_btn = QPushButton(self.tr("Suspend"))
        self.resume_btn = QPushButton(self.tr("Resume"))
        self.terminate_btn = QPushButton(self.tr("Terminate"))
        self.coverage_btn = QPushButton(self.tr("Covered members…"))
        for b in (self.check_btn, self.investigate_btn, self.publicity_btn, self.confirm_btn,
                  self.suspend_btn, self.resume_btn, self.terminate_btn, self.coverage_btn):
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
        self.month = _month_edit()
        month_row.addWidget(self.month)
        month_row.addStretch(1)
        v.addLayout(month_row)
        self.breakdown = QPlainTextEdit()
        self.breakdown.setReadOnly(True)
        self.events = QPlainTextEdit()
        self.events.setReadOnly(True)
        texts_row = QHBoxLayout()  # side by side: the page must fit a laptop's height
        texts_row.addWidget(self.breakdown, 3)
        # the case log and the case's papers (材料) per step, in tabs beside the entitlement
        from PySide6.QtWidgets import QTabWidget

        from .papers_widget import PapersWidget

        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.events, self.tr("Case log"))
        papers_box = QWidget()
        pv = QVBoxLayout(papers_box)
        pv.setContentsMargins(2, 2, 2, 2)
        self.paper_step = QComboBox()
        self.paper_step.setObjectName("paper_step")
        for step in ("apply", "economic_check", "investigation", "publicity", "confirm"):
            self.paper_step.addItem(C.EventView(step, dt.date.today(), "", "", "",
                                                dt.datetime.now()).step_label(self.lang), step)
        self.paper_step.currentIndexChanged.connect(lambda _i: self._show_papers())
        self.papers = PapersWidget(self.db, self.actor, self.read_only)
        self.papers.controls.insertWidget(0, self.paper_step)  # one row: the page's height
        pv.addWidget(self.papers, 1)
        self.side_tabs.addTab(papers_box, self.tr("Papers"))
        texts_row.addWidget(self.side_tabs, 2)
        v.addLayout(texts_row, 1)

        self.find_btn.clicked.connect(self.find_household)
        self.hh_number.returnPressed.connect(self.find_household)
        self.hh_results.currentRowChanged.connect(self._household_chosen)
        self.hh_cases.itemActivated.connect(lambda it: self.open_case_id(it.data(Qt.UserRole)))
        self.hh_cases.itemClicked.connect(lambda it: self.open_case_id(it.data(Qt.UserRole)))
        self.open_btn.clicked.connect(self.open_case)
        self.check_btn.clicked.connect(lambda: self._step(
            lambda d: self.core.write(C.record_economic_check, self.case_id, d,
                                      self.step_text.text())))
        self.investigate_btn.clicked.connect(lambda: self._step(
            lambda d: self.core.write(C.record_investigation, self.case_id, d,
                                      self.step_who.text(), self.step_text.text())))
        self.publicity_btn.clicked.connect(lambda: self._step(
            lambda d: self.core.write(C.record_publicity, self.case_id, d,
                                      _pydate(self.step_end.date()))))
        self.confirm_btn.clicked.connect(lambda: self._step(
            lambda d: self.core.write(C.confirm_case, self.case_id, d, self.step_text.text())))
        self.suspend_btn.clicked.connect(lambda: self._step(
            lambda d: self.core.write(C.suspend_case, self.case_id, d, self.step_text.text())))
        self.resume_btn.clicked.connect(lambda: self._step(
            lambda d: self.core.write(C.resume_case, self.case_id, d, self.step_text.text())))
        self.terminate_btn.clicked.connect(lambda: self._step(
            lambda d: self.core.write(C.terminate_case, self.case_id, d,
                                      self.step_text.text())))
        self.coverage_btn.clicked.connect(self.change_coverage)
        self.month.dateChanged.connect(lambda _d: self.show_case())
        return box

    def change_coverage(self) -> CoverageDialog | None:
        """Open the change of covered members (增人增保) for the open dibao case."""
        if self.case_id is None:
            self.case_error.setText(self.tr("Open or find a case first."))
            return None
        try:
            choice = self.core.read(C.coverage_choice, self.case_id)
        except AssistCaseError as e:
            self.case_error.setText(self._error_text(e))
            return None
        dialog = CoverageDialog(self, self.core, choice)
        dialog.accepted.connect(self.show_case)
        dialog.accepted.connect(self.refresh_cases)
        dialog.accepted.connect(lambda: self.broadcast(Change.CASES))
        dialog.open()
        return dialog

    def find_household(self) -> None:
        """Search as the registry does (name, pinyin initials, ID tail, household number); one
        match is chosen at once, several are listed to choose from."""
        text = self.hh_number.text().strip()
        rows = self.core.read(found_households, HouseholdFilter(text=text),
                              limit=SEARCH_LIMIT) if text else []
        ids = [r.id for r in rows]
        self.hh_results.blockSignals(True)
        self.hh_results.clear()
        for r in rows:
            hid = r.id
            item = QListWidgetItem(f"{r.number}  {r.head_name}  {r.township}/{r.village}")
            item.setData(Qt.UserRole, hid)
            self.hh_results.addItem(item)
        self.hh_results.setCurrentRow(-1)
        self.hh_results.blockSignals(False)
        self.hh_results.setVisible(len(ids) > 1)
        self.case_error.clear()
        if len(ids) == 1:
            self.choose_household(ids[0])
        else:
            self.household_id, self.case_id = None, None
            self.hh_cases.clear()
            self.hh_label.setText(
                self.tr("No household matches.") if not ids else
                self.tr("%1 households match: choose one.").replace("%1", str(len(ids))))
            self.show_case()

    def _household_chosen(self, row: int) -> None:
        item = self.hh_results.item(row)
        if item is not None:
            self.choose_household(item.data(Qt.UserRole))

    def choose_household(self, household_id: int, case_id: int | None = None) -> None:
        """Show the household and its cases; open ``case_id`` (else its newest case)."""
        row = self.core.read(household_rows, [household_id])[household_id]
        cases = self.core.read(C.household_cases, household_id)
        self.household_id = household_id
        self.hh_label.setText(f"{row.number} {row.head_name} "
                              f"({self.class_names.get(row.residence_class, '')})")
        self.hh_cases.clear()
        for cid, program, status, person in cases:
            item = QListWidgetItem(
                self.tr("Case %1: %2, %3").replace("%1", str(cid))
                .replace("%2", self.program_names.get(program, program) + (f" {person}" if person else ""))
                .replace("%3", self.status_names.get(status, status)))
            item.setData(Qt.UserRole, cid)
            self.hh_cases.addItem(item)
        self.case_id = case_id if case_id is not None else (cases[0][0] if cases else None)
        self._clear_step_fields()
        self.show_case()

    def open_case_id(self, case_id: int | None) -> None:
        """Open a case (from the list, the household's cases or the exit-review list)."""
        if case_id is None:
            return
        household_id = self.core.read(C.case_view, case_id).household_id
        self.choose_household(household_id, case_id)

    def _clear_step_fields(self) -> None:
        """Each step starts empty: nothing typed for one step is carried into the next."""
        self.step_text.clear()
        self.step_who.clear()
        self.institution.clear()
        self.step_date.setDate(_qdate(dt.date.today()))
        self.step_end.setDate(_qdate(dt.date.today()))

    def open_case(self) -> None:
        if self.household_id is None:
            self.case_error.setText(self.tr("Find the household first."))
            return
        program = self.program.currentData()
        data = C.CaseInput(program, self.household_id, _pydate(self.step_date.date()),
                           self.step_text.text(),
                           support_mode=self.support.currentData() if program == "tekun" else None,
                           institution_name=self.institution.text(),
                           self_care=self.self_care.currentData() if program == "tekun" else None)
        try:
            case_id = self.core.write(C.open_case, data).created_id
        except AssistCaseError as e:
            self.case_error.setText(self._error_text(e))
            return
        self.case_error.clear()
        self.choose_household(self.household_id, case_id)
        self.refresh_cases()
        self.broadcast(Change.CASES)

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
        self._clear_step_fields()
        self.show_case()
        self.refresh_cases()
        self.broadcast(Change.CASES)

    def _show_papers(self) -> None:
        if self.case_id is None:
            self.papers.set_record()
        else:
            self.papers.set_record(step=self.paper_step.currentData(), case_id=self.case_id)

    def show_case(self) -> None:
        self._show_papers()
        if self.case_id is None:
            self.case_label.setText(self.tr("No case selected."))
            self.breakdown.clear()
            self.events.clear()
            return
        month = _month(self.month)
        view = self.core.read(C.case_view, self.case_id)
        try:
            ent = self.core.read(case_entitlement, self.case_id, month)
        except NoStandardError as e:
            ent, missing = None, e.message(self.lang)
        status = self.status_names.get(view.status, view.status)
        parts = [self.tr("Case %1: %2").replace("%1", str(view.id)).replace("%2", status)]
        if view.paid_from:
            parts.append(self.tr("paid from %1").replace("%1", f"{view.paid_from:%Y-%m}"))
        if view.paid_until:
            parts.append(self.tr("no payment from %1").replace("%1", f"{view.paid_until:%Y-%m}"))
        if view.next_review_on:
            parts.append(self.tr("next review %1").replace("%1", view.next_review_on.isoformat()))
        self.case_label.setText("; ".join(parts))
        if ent is None:
            self.breakdown.setPlainText(missing)
        else:
            note = "" if view.paid_in(month) else "\n" + self.tr(
                "(The case is not paid in this month.)")
            self.breakdown.setPlainText(ent.text(self.lang) + note)
        self.events.setPlainText("\n".join(e.text(self.lang) for e in view.events))

    # --- exit review ------------------------------------------------------------------------

    def _review_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Month")))
        self.review_month = _month_edit()
        row.addWidget(self.review_month)
        self.recalc_btn = QPushButton(self.tr("Recalculate the month"))
        self.recalc_btn.setVisible(not self.read_only)
        row.addWidget(self.recalc_btn)
        self.review_info, self.review_table = _month_list(v, row, [
            self.tr("Case"), self.tr("Household No."), self.tr("Head"), self.tr("Village"),
            self.tr("Standard"), self.tr("Household income"), self.tr("Members"),
            self.tr("Per-capita income"), self.tr("Amount")])
        box = QGroupBox(self.tr("Record the review"))
        form = QFormLayout(box)
        self.review_outcome = QComboBox()
        for key, name in self.outcome_names.items():
            self.review_outcome.addItem(name, key)
        self.review_date = _date_edit()
        self.review_findings = QLineEdit()
        self.review_findings.setPlaceholderText(self.tr("What the review found"))
        self.review_keep = QListWidget()
        self.review_keep.setMaximumHeight(100)
        self.review_keep_label = QLabel(self.tr("Members who stay covered"))
        self.review_btn = QPushButton(self.tr("Record review"))
        self.review_error = QLabel()
        self.review_error.setStyleSheet(ERROR_STYLE)
        self.review_error.setWordWrap(True)
        form.addRow(self.tr("Outcome (from the next month)"), self.review_outcome)
        form.addRow(self.tr("Review date"), self.review_date)
        form.addRow(self.tr("Findings"), self.review_findings)
        form.addRow(self.review_keep_label, self.review_keep)
        form.addRow(self.review_btn)
        form.addRow(self.review_error)
        box.setVisible(not self.read_only)
        v.addWidget(box)
        self.review_month.dateChanged.connect(lambda _d: self.refresh_reviews())
        self.recalc_btn.clicked.connect(self.recalculate_month)
        self.review_table.itemSelectionChanged.connect(self._review_selected)
        self.review_table.itemDoubleClicked.connect(self._open_reviewed_case)
        self.review_outcome.currentIndexChanged.connect(lambda _i: self._show_keep())
        self.review_btn.clicked.connect(self.record_review)
        self._show_keep()
        return w

    def _show_keep(self) -> None:
        reduce = self.review_outcome.currentData() == "reduce"
        self.review_keep.setVisible(reduce)
        self.review_keep_label.setVisible(reduce)

    def refresh_reviews(self) -> None:
        area = self.area.currentData()
        if area is None:
            return
        month = _month(self.review_month)
        computed = self.core.read(X.month_computed, area, month)
        rows = self.core.read(X.exit_reviews_due, area, month)
        self.review_rows = rows
        self.review_table.setRowCount(len(rows))
        for r, d in enumerate(rows):
            values = [(str(d.case_id), False), (d.household_number, False), (d.head_name, False),
                      (d.village, False), (yuan(d.standard_fen), True),
                      (yuan(d.household_income_fen), True), (str(d.household_size), True),
                      (yuan(d.per_capita_fen), True), (yuan(d.amount_fen), True)]
            for c, (text, right) in enumerate(values):
                self.review_table.setItem(r, c, _item(text, right, d.case_id))
        if not computed:
            self.review_info.setText(self.tr(
                "The month %1 is not computed for this area: recalculate it to see the cases "
                "whose income reaches the standard.").replace("%1", f"{month:%Y-%m}"))
        else:
            self.review_info.setText(self.tr(
                "%1 cases of %2 are due for exit review (per-capita income reaches the "
                "standard in the computed month).").replace("%1", str(len(rows)))
                .replace("%2", f"{month:%Y-%m}"))
        self._review_selected()

    def reviewed_case_ids(self) -> list[int]:
        return [self.review_table.item(r, 0).data(Qt.UserRole)
                for r in range(self.review_table.rowCount())]

    def _selected_review_case(self) -> int | None:
        rows = self.review_table.selectionModel().selectedRows()
        return self.review_table.item(rows[0].row(), 0).data(Qt.UserRole) if rows else None

    def _review_selected(self) -> None:
        """A new selection starts an empty review form, with the case's covered members."""
        case_id = self._selected_review_case()
        self.review_findings.clear()
        self.review_error.clear()
        self.review_date.setDate(_qdate(dt.date.today()))
        self.review_keep.clear()
        self.review_btn.setEnabled(case_id is not None)
        if case_id is None:
            return
        covered = self.core.read(C.case_view, case_id).covered
        for pid, name in covered:
            item = QListWidgetItem(name)
            item.setData(Qt.UserRole, pid)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)
            self.review_keep.addItem(item)

    def select_review_case(self, case_id: int) -> None:
        row = self.reviewed_case_ids().index(case_id)
        self.review_table.selectRow(row)

    def _open_reviewed_case(self, item: QTableWidgetItem) -> None:
        self.open_case_id(item.data(Qt.UserRole))
        self.tabs.setCurrentIndex(0)

    def record_review(self) -> None:
        case_id = self._selected_review_case()
        if case_id is None:
            self.review_error.setText(self.tr("Choose a case in the list first."))
            return
        keep = [self.review_keep.item(i).data(Qt.UserRole) for i in range(self.review_keep.count())
                if self.review_keep.item(i).checkState() == Qt.Checked]
        outcome = self.review_outcome.currentData()
        try:
            self.core.write(X.record_exit_review, case_id, _pydate(self.review_date.date()),
                            outcome, self.review_findings.text(),
                            keep if outcome == "reduce" else None)
        except AssistCaseError as e:
            self.review_error.setText(self._error_text(e))
            return
        self.refresh_reviews()
        self.refresh_cases()
        self.review_info.setText(self.review_info.text() + " " + self.tr(
            "Review of case %1 recorded: %2 from the next month.").replace("%1", str(case_id))
            .replace("%2", self.outcome_names[outcome]))
        if case_id == self.case_id:
            self.show_case()
        self.broadcast(Change.CASES)

    def recalculate_month(self) -> Op | None:
        """Recompute the month's entitlements of the area (in the background), then list."""
        if self.task is not None or self.read_only:
            return None
        area, month = self.area.currentData(), _month(self.review_month)
        failure: list[str] = []

        def fn(progress, cancel):
            return self.core.write(recalculate_area, area, month, progress, cancel)

        def done(outcome: str) -> None:
            self.refresh_reviews()
            if failure:
                self.review_info.setText(failure[0])
            self.recalculated.emit(outcome)

        op = self.run_op(fn, self.tr("Recalculating the month…"), changes=Change.CASES,
                         on_failure=lambda exc, _tb: failure.append(
                             exc.message(self.lang) if isinstance(exc, AssistCaseError)
                             else str(exc)))
        if op is not None:
            op.finished.connect(done)
        return op

    def busy_changed(self) -> None:
        self.recalc_btn.setEnabled(self.task is None)

    def on_changes(self, changes: Change) -> None:
        self.refresh_lists()
        self.show_case()

    # --- marginal households ----------------------------------------------------------------

    def _marginal_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Month")))
        self.marginal_month = _month_edit()
        row.addWidget(self.marginal_month)
        self.marginal_info, self.marginal_table = _month_list(v, row, [
            self.tr("Household No."), self.tr("Head"), self.tr("Village"), self.tr("Category"),
            self.tr("Household income"), self.tr("Members"), self.tr("Per-capita income"),
            self.tr("Standard"), self.tr("% of standard")])
        self.marginal_month.dateChanged.connect(lambda _d: self.refresh_marginal())
        self.marginal_table.itemDoubleClicked.connect(self._open_marginal_household)
        return w

    def refresh_marginal(self) -> None:
        area = self.area.currentData()
        if area is None:
            return
        month = _month(self.marginal_month)
        rows = self.core.read(X.marginal_households, area, month)
        category = {"dibao": self.tr("Dibao"), "tekun": self.tr("Extreme hardship"),
                    "marginal": self.tr("Marginal household"), "monitored": self.tr("Monitored"),
                    "none": self.tr("Not assisted")}
        self.marginal_table.setRowCount(len(rows))
        for r, m in enumerate(rows):
            values = [(m.household_number, False), (m.head_name, False), (m.village, False),
                      (category.get(m.category, m.category), False),
                      (yuan(m.household_income_fen), True), (str(m.household_size), True),
                      (yuan(m.per_capita_fen), True), (yuan(m.standard_fen), True),
                      (m.percent_of_standard_text, True)]
            for c, (text, right) in enumerate(values):
                self.marginal_table.setItem(r, c, _item(text, right, m.household_id))
        threshold = rows[0].threshold_pct if rows else None
        self.marginal_info.setText(self.tr(
            "%1 households in %2 have a per-capita income above the dibao standard and at most "
            "the marginal threshold%3.").replace("%1", str(len(rows)))
            .replace("%2", f"{month:%Y-%m}")
            .replace("%3", f" ({threshold}%)" if threshold else ""))

    def _open_marginal_household(self, item: QTableWidgetItem) -> None:
        self.choose_household(item.data(Qt.UserRole))
        self.tabs.setCurrentIndex(0)
