"""The household editor: household fields, member table, incomes, property, history.

Validation messages from the core are shown next to the field or member cell they name; a
refused save writes nothing (the core validates everything in one transaction).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QRegularExpression, Qt, Signal
from PySide6.QtGui import (QBrush, QColor, QKeySequence, QRegularExpressionValidator,
                           QShortcut)
from PySide6.QtWidgets import (QAbstractItemView, QCompleter, QComboBox, QDateEdit, QDialog,
                               QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView,
                               QInputDialog, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QStyledItemDelegate, QStyleOptionViewItem, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from assistcase.core import Core
from assistcase.db import Database
from assistcase.errors import (AssistCaseError, ConcurrentEditError, FieldError, ServiceResult,
                               ValidationError)
from assistcase.rules.idnumber import age_on, parse_resident_id
from assistcase.services.queries import HouseholdDetail, household_detail
from assistcase.services.history import household_history, history_users
from assistcase.services.registry import SINCE_ALWAYS
from assistcase.services import registry as reg

from .labels import choices, fen_to_yuan_text, label, yuan_text_to_fen
from .ops import as_core

ERROR_STYLE = "color: #b3261e;"
WARNING_STYLE = "color: #8a5300;"
OK_STYLE = "color: #1e6b34;"
BAD_CELL = QBrush(QColor("#fde7e9"))

# member table columns: (key, source text)
M_NAME, M_ID, M_SEX, M_BIRTH, M_AGE, M_RELATION, M_DISABILITY, M_DIS_CATEGORY, M_ILLNESS, \
    M_SELF_CARE, M_SCHOOL, M_WORK, M_PHONE = range(13)
MEMBER_FIELD_COLUMN = {"name": M_NAME, "id_number": M_ID, "relation": M_RELATION,
                       "disability_grade": M_DISABILITY,
                       "disability_category": M_DIS_CATEGORY, "serious_illness": M_ILLNESS,
                       "self_care": M_SELF_CARE, "in_school": M_SCHOOL,
                       "able_to_work": M_WORK, "phone": M_PHONE}
# Characters a resident ID number may be typed with (spaces are dropped by the core).
ID_INPUT = QRegularExpression(r"[0-9Xx ]{0,24}")


def _lang_is_zh(widget: QWidget) -> bool:
    return widget.locale().name().startswith("zh")


class _IdNumberDelegate(QStyledItemDelegate):
    """The ID cell's editor: digits and X only, and each keystroke reported to the editor so
    the number is checked while it is typed, before the cell is committed."""

    def __init__(self, editor: "HouseholdEditor"):
        super().__init__(editor.members)
        self._household_editor = editor

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex) -> QWidget:
        line = QLineEdit(parent)
        line.setObjectName("id_number_editor")
        line.setValidator(QRegularExpressionValidator(ID_INPUT, line))
        row = index.row()
        line.textEdited.connect(lambda text: self._household_editor.id_typed(row, text))
        return line


class HouseholdEditor(QDialog):
    """Edit one household (``household_id``) or register a new one (``None``)."""

    saved = Signal(object)  # ServiceResult

    @property
    def db(self):
        """The opened database, for the services that take it (papers, history)."""
        return self.core.db

    @property
    def actor(self):
        return self.core.actor
    closed = Signal(int)  # household id: it leaves the active list
    cases_requested = Signal(int)  # household id: show its assistance cases

    def __init__(self, core: Core | Database, actor: str | int | None, household_id: int | None,
                 villages: list[tuple[int, str, str]], parent: QWidget | None = None,
                 read_only: bool = False):
        super().__init__(parent)
        self.core = as_core(core, actor, read_only)
        self.read_only = read_only or self.core.read_only
        self.household_id = household_id
        self._villages = villages
        self._detail: HouseholdDetail | None = None
        self._loading = False
        self._dirty = False
        self.setMinimumSize(1000, 640)
        self._build()
        self.load()
        if read_only:
            self._make_read_only()

    # --- construction ---------------------------------------------------------------------

    def _error_label(self) -> QLabel:
        lbl = QLabel()
        lbl.setStyleSheet(ERROR_STYLE)
        lbl.setWordWrap(True)
        lbl.hide()
        return lbl

    def _with_error(self, key: str, widget: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        err = self._error_label()
        err.setObjectName(f"error_{key}")
        lay.addWidget(err)
        # the form label's buddy is this box: Alt+<mnemonic> must reach the field itself
        box.setFocusProxy(widget)
        box.setFocusPolicy(widget.focusPolicy())
        self._field_errors[key] = err
        self._field_widgets[key] = widget
        return box

    def _combo(self, kind: str) -> QComboBox:
        c = QComboBox()
        for value, text in choices(kind):
            c.addItem(text, value)
        c.currentIndexChanged.connect(self._mark_dirty)
        return c

    def _build(self) -> None:
        self._field_errors: dict[str, QLabel] = {}
        self._field_widgets: dict[str, QWidget] = {}

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")

        self.village = QComboBox()
        self.village.setEditable(True)
        self.village.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for vid, _code, text in self._villages:
            self.village.addItem(text, vid)
        completer = self.village.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.village.currentIndexChanged.connect(self._mark_dirty)
        self._village_classes = reg.village_classes(self.db)
        self.village.currentIndexChanged.connect(self._village_chosen)
        self.residence_class = self._combo("residence_class")
        self.category = self._combo("category")
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.account_type = self._combo("account_type")
        self.account_number = QLineEdit()
        self.bank_name = QLineEdit()
        for w in (self.address, self.phone, self.account_number, self.bank_name):
            w.textEdited.connect(self._mark_dirty)

        form_left = QFormLayout()
        form_left.addRow(self.tr("&Village"), self._with_error("village_id", self.village))
        form_left.addRow(self.tr("Urban/rural"), self._with_error("residence_class",
                                                                  self.residence_class))
        form_left.addRow(self.tr("Category"), self._with_error("category", self.category))
        form_left.addRow(self.tr("Address"), self._with_error("address", self.address))
        form_right = QFormLayout()
        form_right.addRow(self.tr("Phone"), self._with_error("phone", self.phone))
        form_right.addRow(self.tr("Account type"), self._with_error("account_type",
                                                                   self.account_type))
        form_right.addRow(self.tr("Account number"), self._with_error("account_number",
                                                                     self.account_number))
        form_right.addRow(self.tr("Bank"), self._with_error("bank_name", self.bank_name))
        forms = QHBoxLayout()
        forms.addLayout(form_left, 1)
        forms.addLayout(form_right, 1)
        self._member_error_lines: dict[tuple[int, int] | None, list[str]] = {}

        # members
        self.members = QTableWidget(0, 13)
        self.members.setObjectName("members")
        self.members.setHorizontalHeaderLabels([
            self.tr("Name"), self.tr("ID number"), self.tr("Sex"), self.tr("Birth date"),
            self.tr("Age"), self.tr("Relation to head"), self.tr("Disability grade"),
            self.tr("Disability category"), self.tr("Serious illness"), self.tr("Self-care"),
            self.tr("In school"), self.tr("Able to work"), self.tr("Phone")])
        self.members.setItemDelegateForColumn(M_ID, _IdNumberDelegate(self))
        hdr = self.members.horizontalHeader()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hdr.setSectionResizeMode(M_NAME, QHeaderView.ResizeMode.Interactive)
        hdr.setSectionResizeMode(M_ID, QHeaderView.ResizeMode.Interactive)
        self.members.setColumnWidth(M_NAME, 110)
        self.members.setColumnWidth(M_ID, 190)
        hdr.setStretchLastSection(True)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.itemChanged.connect(self._member_item_changed)
        self.member_errors = self._error_label()
        self.member_errors.setObjectName("member_errors")
        self.id_hint = QLabel()
        self.id_hint.setObjectName("id_hint")
        self.id_hint.hide()
        self.add_member_btn = QPushButton(self.tr("Add &member"))
        self.add_member_btn.clicked.connect(lambda: self.add_member_row())
        self.remove_member_btn = QPushButton(self.tr("&Remove member…"))
        self.remove_member_btn.clicked.connect(self._remove_member)
        self.make_head_btn = QPushButton(self.tr("Make &head…"))
        self.make_head_btn.clicked.connect(self._make_head)
        mbuttons = QHBoxLayout()
        for b in (self.add_member_btn, self.remove_member_btn, self.make_head_btn):
            mbuttons.addWidget(b)
        mbuttons.addStretch(1)
        members_tab = QWidget()
        mlay = QVBoxLayout(members_tab)
        mlay.addWidget(self.members)
        mlay.addWidget(self.id_hint)
        mlay.addWidget(self.member_errors)
        mlay.addLayout(mbuttons)

        # incomes and property
        # Incomes and property hold from a date (a month uses the rows in force on its first
        # day). A new row's date starts at today: the day the caseworker learns of it.
        self.incomes = self._simple_table([self.tr("Source"), self.tr("Monthly amount (yuan)"),
                                           self.tr("From"), self.tr("Until"), self.tr("Note")])
        self.income_source = self._combo("income_source")
        self.income_amount = QLineEdit()
        self.income_amount.setPlaceholderText(self.tr("yuan, e.g. 350.00"))
        self.income_note = QLineEdit()
        self.income_date = self._date_edit(self.tr("The date from which the income holds, or "
                                                   "on which the selected income changes or ends"))
        self.income_error = self._error_label()
        self.income_summary = QLabel()
        change_btn = QPushButton(self.tr("Change selected from date"))
        change_btn.clicked.connect(self._change_income)
        end_income_btn = QPushButton(self.tr("End selected on date"))
        end_income_btn.clicked.connect(self._end_income)
        incomes_tab = self._money_tab(self.incomes, self.income_source, self.income_amount,
                                      self.income_note, self.income_date, self.income_error,
                                      self._add_income, self._delete_income, self.income_summary,
                                      (change_btn, end_income_btn))
        self.properties = self._simple_table([self.tr("Kind"), self.tr("Value (yuan)"),
                                              self.tr("From"), self.tr("Until"),
                                              self.tr("Description")])
        self.property_kind = self._combo("property_kind")
        self.property_value = QLineEdit()
        self.property_value.setPlaceholderText(self.tr("yuan"))
        self.property_desc = QLineEdit()
        self.property_date = self._date_edit(self.tr("The date from which the item is held, or "
                                                     "on which the selected item ends"))
        self.property_error = self._error_label()
        end_property_btn = QPushButton(self.tr("End selected on date"))
        end_property_btn.clicked.connect(self._end_property)
        property_tab = self._money_tab(self.properties, self.property_kind, self.property_value,
                                       self.property_desc, self.property_date,
                                       self.property_error, self._add_property,
                                       self._delete_property, None, (end_property_btn,))
        self.history = self._simple_table([self.tr("When"), self.tr("Who"), self.tr("Action"),
                                           self.tr("Record"), self.tr("Changes")])
        self.history.setWordWrap(True)
        history_tab = self._history_tab()

        self.tabs = QTabWidget()
        self.tabs.addTab(members_tab, self.tr("Members"))
        self.tabs.addTab(incomes_tab, self.tr("Incomes"))
        self.tabs.addTab(property_tab, self.tr("Property"))
        self.tabs.addTab(history_tab, self.tr("History"))
        from .papers_widget import PapersWidget

        self.papers = PapersWidget(self.db, self.actor, self.read_only)
        self.tabs.addTab(self.papers, self.tr("Papers"))

        self.general_error = self._error_label()
        self.general_error.setObjectName("general_error")
        # Offered when someone else saved the household after it was opened (optimistic
        # versioning): reloading shows their change; this editor's changes are discarded.
        self.reload_btn = QPushButton(self.tr("Reload the household (discard my changes)"))
        self.reload_btn.setObjectName("reload_btn")
        self.reload_btn.clicked.connect(self.load)
        self.reload_btn.hide()
        self.warning_label = QLabel()
        self.warning_label.setStyleSheet(WARNING_STYLE)
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()

        self.buttons = QDialogButtonBox()
        self.save_btn = self.buttons.addButton(self.tr("&Save"),
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_btn.setToolTip(self.tr("Save (Ctrl+S)"))
        self.close_household_btn = self.buttons.addButton(
            self.tr("Close household…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.cases_btn = self.buttons.addButton(self.tr("Assistance cases…"),
                                                QDialogButtonBox.ButtonRole.ActionRole)
        self.cases_btn.clicked.connect(
            lambda: self.household_id is not None and self.cases_requested.emit(self.household_id))
        self.cancel_btn = self.buttons.addButton(self.tr("Close"),
                                                 QDialogButtonBox.ButtonRole.RejectRole)
        self.save_btn.clicked.connect(self.save)
        self.close_household_btn.clicked.connect(self._close_household)
        self.cancel_btn.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(forms)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.general_error)
        lay.addWidget(self.reload_btn)
        lay.addWidget(self.warning_label)
        lay.addWidget(self.buttons)
        # Tab from the bank field goes on to the member table, not to the tab strip (a name
        # typed next would otherwise be lost)
        QWidget.setTabOrder(self.bank_name, self.members)
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        # Enter commits a cell; it must not press 保存 first (the save would reload the table
        # before the typed text is committed, and the text would be lost). Ctrl+S saves.
        for b in self.findChildren(QPushButton):
            b.setAutoDefault(False)
            b.setDefault(False)

    def _make_read_only(self) -> None:
        """Supervisor view: every control that writes is removed, fields cannot be edited."""
        self.cases_btn.hide()  # the cases page itself is open to the supervisor, read-only
        for w in (self.save_btn, self.close_household_btn, self.add_member_btn,
                  self.remove_member_btn, self.make_head_btn):
            w.hide()
        for page in range(1, 3):  # the add/delete rows of incomes and property
            for b in self.tabs.widget(page).findChildren(QPushButton):
                b.hide()
        for w in (self.address, self.phone, self.account_number, self.bank_name,
                  self.income_amount, self.income_note, self.property_value, self.property_desc):
            w.setReadOnly(True)
        for w in (self.village, self.residence_class, self.category, self.account_type):
            w.setEnabled(False)
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r in range(self.members.rowCount()):
            for c in range(self.members.columnCount()):
                widget = self.members.cellWidget(r, c)
                if widget is not None:
                    widget.setEnabled(False)
                item = self.members.item(r, c)
                if item is not None:
                    item.setFlags(item.flags() & ~(Qt.ItemFlag.ItemIsEditable
                                                   | Qt.ItemFlag.ItemIsUserCheckable))

    def _history_tab(self) -> QWidget:
        """The history with its filters: from / until (a blank date is no bound) and user."""
        w = QWidget()
        lay = QVBoxLayout(w)
        row = QHBoxLayout()
        self.history_from = self._date_edit(self.tr("Changes made on or after this day"))
        self.history_until = self._date_edit(self.tr("Changes made on or before this day"))
        for edit in (self.history_from, self.history_until):
            edit.setMinimumDate(QDate(2000, 1, 1))
            edit.setSpecialValueText(self.tr("any day"))
            edit.setDate(edit.minimumDate())
            edit.dateChanged.connect(lambda _d: self._fill_history())
        self.history_user = QComboBox()
        self.history_user.currentIndexChanged.connect(lambda _i: self._fill_history())
        for text, widget in ((self.tr("From"), self.history_from),
                             (self.tr("Until"), self.history_until),
                             (self.tr("User"), self.history_user)):
            row.addWidget(QLabel(text))
            row.addWidget(widget)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.history)
        return w

    def _simple_table(self, headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    @staticmethod
    def _date_edit(tip: str) -> QDateEdit:
        edit = QDateEdit(QDate.currentDate())
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setToolTip(tip)
        return edit

    def _money_tab(self, table, kind, amount, note, date_edit, error, add, delete, summary,
                   extra_buttons=()) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addWidget(table)
        if summary is not None:
            lay.addWidget(summary)
        row = QHBoxLayout()
        row.addWidget(kind)
        row.addWidget(amount)
        row.addWidget(note, 1)
        row.addWidget(QLabel(self.tr("Date:")))
        row.addWidget(date_edit)
        add_btn = QPushButton(self.tr("Add"))
        add_btn.clicked.connect(add)
        del_btn = QPushButton(self.tr("Delete selected"))
        del_btn.setToolTip(self.tr("For a row entered by mistake; a change is recorded from "
                                   "its date instead"))
        del_btn.clicked.connect(delete)
        row.addWidget(add_btn)
        for b in extra_buttons:
            row.addWidget(b)
        row.addWidget(del_btn)
        lay.addLayout(row)
        lay.addWidget(error)
        w.setProperty("needs_saved_household", True)
        return w

    # --- loading --------------------------------------------------------------------------

    def load(self) -> None:
        self._loading = True
        try:
            self._clear_errors()
            self.members.setRowCount(0)
            if self.household_id is None:
                self._detail = None
                self.title.setText(self.tr("New household"))
                self.setWindowTitle(self.tr("New household"))
                self.add_member_row(relation="head")
                for value in reg.CASE_CATEGORIES:  # only a confirmed case gives these
                    i = self.category.findData(value)
                    if i >= 0:
                        self.category.removeItem(i)
                for i in (1, 2, 3, 4):
                    self.tabs.setTabEnabled(i, False)
                self.close_household_btn.setEnabled(False)
                self.cases_btn.setEnabled(False)
                self.remove_member_btn.setEnabled(True)
                self.make_head_btn.setEnabled(False)
            else:
                d = self.core.read(household_detail, self.household_id)
                if d is None:
                    raise AssistCaseError(f"household {self.household_id} not found",
                                          f"未找到户 {self.household_id}")
                self._detail = d
                self.cases_btn.setEnabled(True)
                head = next((m.name for m in d.members if m.relation == "head"), "")
                title = self.tr("Household {number} — {head} ({path})").format(
                    number=d.number, head=head, path=d.village_path)
                if d.status != "active":
                    title += " " + self.tr("[closed]")
                self.title.setText(title)
                self.setWindowTitle(self.tr("Household {number}").format(number=d.number))
                self._set_combo(self.village, d.village_id)
                self._set_combo(self.residence_class, d.residence_class)
                if self.category.findData(d.category) < 0:  # began as a new household
                    blocker = self.category.blockSignals(True)
                    self.category.clear()
                    for value, text in choices("category"):
                        self.category.addItem(text, value)
                    self.category.blockSignals(blocker)
                self._set_combo(self.category, d.category)
                self.address.setText(d.address)
                self.phone.setText(d.phone)
                self._set_combo(self.account_type, d.account_type)
                self.account_number.setText(d.account_number)
                self.bank_name.setText(d.bank_name)
                for m in d.members:
                    self.add_member_row(person_id=m.id, data=m)
                if self.members.rowCount():
                    self.members.setCurrentCell(0, M_NAME)
                self._fill_money(d)
                self._fill_history_users()
                self._fill_history()
                self.papers.set_record(household_id=self.household_id)
                active = d.status == "active"
                for i in (1, 2, 3, 4):
                    self.tabs.setTabEnabled(i, True)
                for w in (self.save_btn, self.close_household_btn, self.add_member_btn,
                          self.remove_member_btn, self.make_head_btn):
                    w.setEnabled(active)
        finally:
            self._loading = False
        self._dirty = False

    def has_unsaved_changes(self) -> bool:
        return self._dirty and not self.read_only

    def show_household(self, household_id: int) -> None:
        """Fill this editor with another household, as a new editor would open on it (the
        registry reuses a clean editor: building the window costs more than filling it).
        The first tab shows, the history filters and the new-row fields start empty."""
        self.household_id = household_id
        self.tabs.setCurrentIndex(0)
        for edit in (self.history_from, self.history_until):
            blocker = edit.blockSignals(True)
            edit.setDate(edit.minimumDate())
            edit.blockSignals(blocker)
        blocker = self.history_user.blockSignals(True)
        self.history_user.setCurrentIndex(0)
        self.history_user.blockSignals(blocker)
        for w in (self.income_amount, self.income_note, self.property_value,
                  self.property_desc):
            w.clear()
        self.load()

    @staticmethod
    def _set_combo(combo: QComboBox, value: Any) -> None:
        i = combo.findData(value)
        if i >= 0:
            combo.setCurrentIndex(i)

    def _fill_money(self, d: HouseholdDetail) -> None:
        self.incomes.setRowCount(0)
        for inc_id, source, fen, _person, note, since, until in d.incomes:
            self._append(self.incomes, inc_id, [label("income_source", source),
                                                fen_to_yuan_text(fen), self._since_text(since),
                                                until.isoformat() if until else "", note])
        self.income_summary.setText(self.tr(
            "Household income {total} yuan/month; {n} members; per capita {pc} yuan/month")
            .format(total=fen_to_yuan_text(d.monthly_income_fen), n=len(d.members),
                    pc=fen_to_yuan_text(d.per_capita_income_fen)))
        self.properties.setRowCount(0)
        for item_id, kind, fen, desc, since, until in d.properties:
            self._append(self.properties, item_id, [label("property_kind", kind),
                                                    fen_to_yuan_text(fen), self._since_text(since),
                                                    until.isoformat() if until else "", desc])

    def _since_text(self, since: dt.date) -> str:
        return self.tr("registration") if since == SINCE_ALWAYS else since.isoformat()

    def _fill_history_users(self) -> None:
        combo = self.history_user
        blocker = combo.blockSignals(True)
        current = combo.currentData()
        combo.clear()
        combo.addItem(self.tr("Everyone"), "")
        for name in history_users(self.db, self.household_id):
            combo.addItem(name, name)
        self._set_combo(combo, current or "")
        combo.blockSignals(blocker)

    def _fill_history(self) -> None:
        """The readable history from the core: one row per change, described."""
        if self.household_id is None:
            return
        self.history.setRowCount(0)

        def bound(edit: QDateEdit):
            return None if edit.date() == edit.minimumDate() else edit.date().toPython()

        entries = household_history(self.db, self.household_id,
                                    "zh" if _lang_is_zh(self) else "en",
                                    since=bound(self.history_from),
                                    until=bound(self.history_until),
                                    user=self.history_user.currentData() or None)
        for i, e in enumerate(entries):
            self._append(self.history, i, [e.at.strftime("%Y-%m-%d %H:%M"), e.user,
                                           e.action_label, e.record,
                                           "\n".join(
                                               f"{ln.label}: {ln.old} → {ln.new}"
                                               if ln.old and ln.new else
                                               f"{ln.label}: {ln.new or ln.old}"
                                               for ln in e.lines) + (
                                               ("\n" if e.lines else "") + e.note
                                               if e.note else "")])
        self.history.resizeRowsToContents()

    @staticmethod
    def _append(table: QTableWidget, key: int, texts: list[str]) -> None:
        r = table.rowCount()
        table.insertRow(r)
        for c, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if c == 0:
                item.setData(Qt.ItemDataRole.UserRole, key)
            table.setItem(r, c, item)

    # --- member rows ----------------------------------------------------------------------

    def add_member_row(self, person_id: int | None = None, data: Any = None,
                       relation: str = "other") -> int:
        was_loading = self._loading
        self._loading = True
        t = self.members
        r = t.rowCount()
        t.insertRow(r)
        name = QTableWidgetItem(data.name if data else "")
        name.setData(Qt.ItemDataRole.UserRole, person_id)
        t.setItem(r, M_NAME, name)
        id_item = QTableWidgetItem(data.id_number if data else "")
        if data is not None and data.birth_date is not None:
            # what the registry holds for the person: shown when the number cannot be read
            # from the cell (masked for a role without full personal data, DOMAIN §12)
            id_item.setData(Qt.ItemDataRole.UserRole, (data.id_number, data.sex, data.birth_date))
        t.setItem(r, M_ID, id_item)
        for c in (M_SEX, M_BIRTH, M_AGE):
            item = QTableWidgetItem("")
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            t.setItem(r, c, item)
        rel = self._combo("relation")
        self._set_combo(rel, data.relation if data else relation)
        t.setCellWidget(r, M_RELATION, rel)
        grade = QComboBox()
        grade.addItem(self.tr("None"), 0)  # 0, not None: see registry_page.ANY
        for g in (1, 2, 3, 4):
            grade.addItem(self.tr("Grade {g}").format(g=g), g)
        self._set_combo(grade, (data.disability_grade if data else None) or 0)
        grade.currentIndexChanged.connect(self._mark_dirty)
        t.setCellWidget(r, M_DISABILITY, grade)
        category = QComboBox()
        category.addItem(self.tr("None"), "")
        for value, text in choices("disability_category"):
            category.addItem(text, value)
        current = data.disability_category if data else ""
        if category.findData(current) < 0:  # free text from an import: keep it as it is
            category.addItem(current, current)
        self._set_combo(category, current)
        category.currentIndexChanged.connect(self._mark_dirty)
        t.setCellWidget(r, M_DIS_CATEGORY, category)
        t.setItem(r, M_PHONE, QTableWidgetItem(data.phone if data else ""))
        care = self._combo("self_care")
        self._set_combo(care, data.self_care if data else "full")
        t.setCellWidget(r, M_SELF_CARE, care)
        for c, value in ((M_ILLNESS, data.serious_illness if data else False),
                         (M_SCHOOL, data.in_school if data else False),
                         (M_WORK, data.able_to_work if data else True)):
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                          | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            t.setItem(r, c, item)
        self._update_derived(r)
        self._loading = was_loading
        if not was_loading:
            self._mark_dirty()
            t.setCurrentCell(r, M_NAME)
            t.editItem(t.item(r, M_NAME))
        return r

    def _member_item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        self._mark_dirty()
        if item.column() == M_ID:
            self.id_hint.hide()  # committed: the row itself now shows the result
            self._update_derived(item.row(), show_error=True)
        elif item.column() == M_NAME and item.text().strip():
            blocker = self.members.blockSignals(True)
            item.setBackground(QBrush())
            item.setToolTip("")
            self.members.blockSignals(blocker)
            self._clear_cell_error(item.row(), M_NAME)

    def _update_derived(self, row: int, show_error: bool = False) -> None:
        """Show birth date, sex and age derived from the ID number, or the error inline."""
        t = self.members
        text = t.item(row, M_ID).text().strip()
        cell = t.item(row, M_ID)
        blocker = t.blockSignals(True)
        try:
            for c in (M_SEX, M_BIRTH, M_AGE):
                t.item(row, c).setText("")
            if not text:
                return
            stored = cell.data(Qt.ItemDataRole.UserRole)
            if stored is not None and stored[0] == text:
                sex, birth = stored[1], stored[2]   # as loaded (a masked number: not parsed)
            else:
                try:
                    rid = parse_resident_id(text)
                except ValidationError as e:
                    if show_error:
                        self._mark_cell(row, M_ID, e.errors[0])
                    return
                sex, birth = rid.sex, rid.birth_date
            cell.setBackground(QBrush())
            cell.setToolTip("")
            self._clear_cell_error(row, M_ID)
            t.item(row, M_SEX).setText(label("sex", sex))
            t.item(row, M_BIRTH).setText(birth.isoformat())
            t.item(row, M_AGE).setText(str(age_on(birth, dt.date.today())))
        finally:
            t.blockSignals(blocker)

    def id_typed(self, row: int, text: str) -> None:
        """Check the ID number being typed in ``row``: derived birth date, sex and age once
        it is complete, or the core's message for what is wrong with it."""
        number = text.replace(" ", "")
        if not number:
            self.id_hint.hide()
            return
        prefix = self.tr("Row {row}:").format(row=row + 1)
        if len(number) < 18:
            self.id_hint.setStyleSheet("")
            self.id_hint.setText(self.tr("{prefix} {n} of 18 characters").format(
                prefix=prefix, n=len(number)))
        else:
            try:
                rid = parse_resident_id(number)
            except ValidationError as e:
                self.id_hint.setStyleSheet(ERROR_STYLE)
                self.id_hint.setText(f"{prefix} {self._message(e.errors[0])}")
            else:
                self.id_hint.setStyleSheet(OK_STYLE)
                self.id_hint.setText(self.tr("{prefix} born {birth}, {sex}, age {age}").format(
                    prefix=prefix, birth=rid.birth_date.isoformat(), sex=label("sex", rid.sex),
                    age=age_on(rid.birth_date, dt.date.today())))
        self.id_hint.show()

    def _member_data(self, row: int) -> reg.PersonData:
        t = self.members

        def checked(c: int) -> bool:
            return t.item(row, c).checkState() == Qt.CheckState.Checked

        return reg.PersonData(
            name=t.item(row, M_NAME).text().strip(),
            id_number=t.item(row, M_ID).text().strip(),
            relation=t.cellWidget(row, M_RELATION).currentData(),
            disability_grade=t.cellWidget(row, M_DISABILITY).currentData() or None,
            disability_category=t.cellWidget(row, M_DIS_CATEGORY).currentData() or "",
            serious_illness=checked(M_ILLNESS),
            self_care=t.cellWidget(row, M_SELF_CARE).currentData(),
            in_school=checked(M_SCHOOL),
            able_to_work=checked(M_WORK),
            phone=t.item(row, M_PHONE).text().strip(),
        )

    def _person_id(self, row: int) -> int | None:
        return self.members.item(row, M_NAME).data(Qt.ItemDataRole.UserRole)

    # --- errors ---------------------------------------------------------------------------

    def _message(self, err: FieldError) -> str:
        return err.message("zh" if _lang_is_zh(self) else "en")

    def _clear_errors(self) -> None:
        for lbl in self._field_errors.values():
            lbl.clear()
            lbl.hide()
        for lbl in (self.member_errors, self.general_error, self.income_error,
                    self.property_error):
            lbl.clear()
            lbl.hide()
        self._member_error_lines.clear()
        self.warning_label.hide()
        self.reload_btn.hide()
        self.id_hint.hide()
        t = self.members
        blocker = t.blockSignals(True)
        for r in range(t.rowCount()):
            for c in (M_NAME, M_ID):
                t.item(r, c).setBackground(QBrush())
                t.item(r, c).setToolTip("")
        t.blockSignals(blocker)

    def _mark_cell(self, row: int, column: int, err: FieldError) -> None:
        item = self.members.item(row, column)
        blocker = self.members.blockSignals(True)
        if item is not None:
            item.setBackground(BAD_CELL)
            item.setToolTip(self._message(err))
        self.members.blockSignals(blocker)
        self._add_member_error(
            self.tr("Row {row}: {message}").format(row=row + 1, message=self._message(err)),
            (row, column))

    def _add_member_error(self, text: str, cell: tuple[int, int] | None = None) -> None:
        lines = self._member_error_lines.setdefault(cell, [])
        if text not in lines:
            lines.append(text)
        self._show_member_errors()

    def _show_member_errors(self) -> None:
        lines = [x for group in self._member_error_lines.values() for x in group]
        self.member_errors.setText("\n".join(lines))
        self.member_errors.setVisible(bool(lines))

    def _clear_cell_error(self, row: int, column: int) -> None:
        """A corrected cell loses its colour and its line under the table at once."""
        if self._member_error_lines.pop((row, column), None) is not None:
            self._show_member_errors()

    def show_errors(self, errors: list[FieldError]) -> None:
        """Put each message next to the field or member cell it names; focus the first."""
        first: tuple[QWidget, Any] | None = None
        general = []
        for err in errors:
            if err.field.startswith("members[") and "]." in err.field:
                row = int(err.field[len("members["):err.field.index("]")])
                column = MEMBER_FIELD_COLUMN.get(err.field.split("].", 1)[1], M_NAME)
                self._mark_cell(row, column, err)
                first = first or (self.members, (row, column))
            elif err.field == "members":  # no head, two heads, no member at all
                self._add_member_error(self._message(err))
                first = first or (self.members, None)
            elif err.field in self._field_errors:
                lbl = self._field_errors[err.field]
                lbl.setText(self._message(err))
                lbl.show()
                first = first or (self._field_widgets[err.field], None)
            else:
                general.append(self._message(err))
        if general:
            self.general_error.setText("\n".join(general))
            self.general_error.show()
        if first is not None:
            widget, cell = first
            if widget is self.members:
                self.tabs.setCurrentIndex(0)
            if cell is not None:
                self.members.setCurrentCell(*cell)
            widget.setFocus()

    def _show_failure(self, exc: Exception) -> None:
        if isinstance(exc, ValidationError):
            self.show_errors(exc.errors)
        elif isinstance(exc, AssistCaseError):
            self.general_error.setText(exc.message("zh" if _lang_is_zh(self) else "en"))
            self.general_error.show()
        else:
            raise exc

    def _show_warnings(self, result: ServiceResult) -> None:
        if result.warnings:
            zh = _lang_is_zh(self)
            self.warning_label.setText("\n".join(w.message_zh if zh else w.message_en
                                                 for w in result.warnings))
            self.warning_label.show()

    # --- saving ---------------------------------------------------------------------------

    def _mark_dirty(self, *_args: Any) -> None:
        # read-only: making the cells read-only emits itemChanged, which is no edit
        if not self._loading and not self.read_only:
            self._dirty = True

    def _village_chosen(self, _index: int) -> None:
        """Choosing a village proposes its urban/rural class (a 村 is rural: it is paid by
        the rural standard)."""
        if self._loading or self.read_only:
            return
        cls = self._village_classes.get(self.village.currentData())
        if cls is not None:
            self._set_combo(self.residence_class, cls)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def _household_data(self) -> reg.HouseholdData:
        return reg.HouseholdData(
            village_id=self.village.currentData() if self.village.currentIndex() >= 0 else 0,
            residence_class=self.residence_class.currentData(),
            category=self.category.currentData(),
            address=self.address.text().strip(),
            phone=self.phone.text().strip(),
            account_type=self.account_type.currentData(),
            account_number=self.account_number.text().strip(),
            bank_name=self.bank_name.text().strip())

    def save(self) -> bool:
        """Save everything in one transaction; on refusal show the messages, save nothing."""
        if self.read_only or not self.save_btn.isEnabled():
            return False
        self._clear_errors()
        data = self._household_data()
        rows = range(self.members.rowCount())
        try:
            if self.household_id is None:
                result = self.core.write(reg.create_household, data,
                                         [self._member_data(r) for r in rows])
                self.household_id = result.created_id
            else:
                d = self._detail
                current = {"village_id": d.village_id, "residence_class": d.residence_class,
                           "category": d.category, "address": d.address, "phone": d.phone,
                           "account_type": d.account_type, "account_number": d.account_number,
                           "bank_name": d.bank_name}
                changes = {k: getattr(data, k) for k in current
                           if current[k] != getattr(data, k)}
                edits = [reg.MemberEdit(self._person_id(r), self._member_data(r)) for r in rows]
                result = self.core.write(reg.save_household, self.household_id, changes,
                                         edits, expected_version=d.version)
        except AssistCaseError as exc:
            self._show_failure(exc)
            if isinstance(exc, ConcurrentEditError):
                self.reload_btn.show()
            return False
        self.load()
        self._show_warnings(result)
        self.saved.emit(result)
        return True

    # --- immediate actions on a saved household --------------------------------------------

    def _run(self, fn, *args: Any, error_label: QLabel | None = None) -> bool:
        self._clear_errors()
        try:
            result = self.core.write(fn, *args)
        except AssistCaseError as exc:
            if error_label is not None and isinstance(exc, ValidationError):
                error_label.setText("\n".join(self._message(e) for e in exc.errors))
                error_label.show()
            else:
                self._show_failure(exc)
            return False
        self.load()
        self._show_warnings(result)
        self.saved.emit(result)
        return True

    def _selected_row(self, table: QTableWidget) -> int | None:
        rows = {i.row() for i in table.selectedItems()}
        if not rows and table.currentRow() >= 0:
            rows = {table.currentRow()}
        return min(rows) if rows else None

    def _remove_member(self) -> None:
        row = self._selected_row(self.members)
        if row is None:
            return
        pid = self._person_id(row)
        if pid is None:  # not saved yet: just drop the row
            self.members.removeRow(row)
            self._mark_dirty()
            return
        dialog = _LifeEventDialog(self, self.tr("Remove member"), with_kind=True)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.remove_member(pid, dialog.kind(), dialog.date(), dialog.reason())

    def remove_member(self, person_id: int, kind: str, on: dt.date, reason: str = "") -> bool:
        """Take a member out (died, moved out, married out, other) on ``on``: their coverage
        ends from the month after."""
        return self._run(reg.remove_member, person_id, kind, on, reason)

    def _make_head(self) -> None:
        row = self._selected_row(self.members)
        if row is None or self.household_id is None:
            return
        pid = self._person_id(row)
        if pid is None:
            self.general_error.setText(self.tr("Save the new member before making them head."))
            self.general_error.show()
            return
        options = [text for value, text in choices("relation") if value != "head"]
        values = [value for value, _ in choices("relation") if value != "head"]
        text, ok = QInputDialog.getItem(
            self, self.tr("Change of head"),
            self.tr("The former head's relation to the new head:"), options, 0, False)
        if ok:
            self._run(reg.change_head, self.household_id, pid, values[options.index(text)])

    def _close_household(self) -> None:
        if self.household_id is None:
            return
        dialog = _LifeEventDialog(self, self.tr("Close household"), with_kind=False)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.close_household(dialog.reason(), dialog.date())

    def close_household(self, reason: str, on: dt.date | None = None) -> bool:
        """Close (注销) the household on ``on`` (default today); its cases end from the month
        after. The list drops it from the active households."""
        if self.household_id is None or not self._run(reg.close_household, self.household_id,
                                                      reason, on):
            return False
        self.closed.emit(self.household_id)
        return True

    def _add_income(self) -> None:
        fen = yuan_text_to_fen(self.income_amount.text())
        if fen is None:
            self.income_error.setText(self.tr("Enter the amount in yuan, e.g. 350 or 350.50"))
            self.income_error.show()
            return
        if self._run(reg.add_income, self.household_id, self.income_source.currentData(), fen,
                     None, self.income_note.text().strip(), self.income_date.date().toPython(),
                     error_label=self.income_error):
            self.income_amount.clear()
            self.income_note.clear()

    def _selected_id(self, table: QTableWidget) -> int | None:
        row = self._selected_row(table)
        return None if row is None else table.item(row, 0).data(Qt.ItemDataRole.UserRole)

    def _change_income(self) -> None:
        """The selected income changes to the amount typed from the date chosen."""
        income_id = self._selected_id(self.incomes)
        fen = yuan_text_to_fen(self.income_amount.text())
        if income_id is None or fen is None:
            self.income_error.setText(self.tr("Select the income and enter its new amount"))
            self.income_error.show()
            return
        if self._run(reg.change_income, income_id, self.income_date.date().toPython(), fen,
                     error_label=self.income_error):
            self.income_amount.clear()

    def _end_income(self) -> None:
        income_id = self._selected_id(self.incomes)
        if income_id is not None:
            self._run(reg.end_income, income_id, self.income_date.date().toPython(),
                      error_label=self.income_error)

    def _end_property(self) -> None:
        item_id = self._selected_id(self.properties)
        if item_id is not None:
            self._run(reg.end_property, item_id, self.property_date.date().toPython(),
                      error_label=self.property_error)

    def _delete_income(self) -> None:
        row = self._selected_row(self.incomes)
        if row is not None:
            self._run(reg.delete_income, self.incomes.item(row, 0).data(Qt.ItemDataRole.UserRole))

    def _add_property(self) -> None:
        fen = yuan_text_to_fen(self.property_value.text())
        if fen is None:
            self.property_error.setText(self.tr("Enter the value in yuan, e.g. 20000"))
            self.property_error.show()
            return
        if self._run(reg.add_property, self.household_id, self.property_kind.currentData(), fen,
                     self.property_desc.text().strip(), self.property_date.date().toPython(),
                     error_label=self.property_error):
            self.property_value.clear()
            self.property_desc.clear()

    def _delete_property(self) -> None:
        row = self._selected_row(self.properties)
        if row is not None:
            self._run(reg.delete_property,
                      self.properties.item(row, 0).data(Qt.ItemDataRole.UserRole))

    def discard(self) -> None:
        """Close without saving and without asking."""
        self._dirty = False
        super().reject()

    def reject(self) -> None:
        if self._dirty and not self.read_only:
            answer = QMessageBox.question(
                self, self.tr("Unsaved changes"),
                self.tr("This household has unsaved changes. Discard them?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()



class _LifeEventDialog(QDialog):
    """Asks for a life event's date (not after today), its reason and, for a member taken
    out, its kind: died (with the date of death), moved out, married out, other."""

    def __init__(self, parent: QWidget, title: str, with_kind: bool):
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self._kind = QComboBox()
        for value, text in (("died", self.tr("Died (date of death)")),
                            ("moved_out", self.tr("Moved out")),
                            ("married_out", self.tr("Married out")),
                            ("other", self.tr("Other (give the reason)"))):
            self._kind.addItem(text, value)
        if with_kind:
            form.addRow(self.tr("Kind:"), self._kind)
        self._date = QDateEdit(QDate.currentDate())
        self._date.setCalendarPopup(True)
        self._date.setDisplayFormat("yyyy-MM-dd")
        self._date.setMaximumDate(QDate.currentDate())
        form.addRow(self.tr("Date of the event:"), self._date)
        self._reason = QLineEdit()
        form.addRow(self.tr("Reason:"), self._reason)
        note = QLabel(self.tr("Coverage ends from the month after this date; the month itself "
                              "is paid as before."))
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def kind(self) -> str:
        return self._kind.currentData()

    def date(self) -> dt.date:
        return self._date.date().toPython()

    def reason(self) -> str:
        return self._reason.text().strip()
