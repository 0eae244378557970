"""Temporary aid page (临时救助): quick entry, approval by level, payment, the paperwork of
cases paid first, the temporary-aid roster and statistics.

A thin view over :mod:`assistcase.services.aid`. The tabs:

- **New case** (:class:`AidEntryForm`): a form made for the keyboard. Focus starts in the
  household search (name, pinyin, ID number or household number; Enter picks the first
  match, Up/Down move through the matches); Tab walks the fields in order; Ctrl+S or
  Ctrl+Enter records the case. A person outside the registry (non-residents, people without
  a fixed address) is recorded with "Not in the registry". The core's refusals are shown
  next to the field they name; earlier aid within the repeat-aid period is shown as soon as
  the person is known, and again with the core's warnings when the case is recorded.
- **Approval**: the queue of each level (乡镇 / 县级 / 一事一议) with each case's limit in
  yuan; approve (:class:`ApproveDialog`: the core's refusal above a level's limit stays in
  the dialog, naming the limit) or refuse with a reason.
- **Payment**: approved cases not yet paid; record a payment made directly (cash, or urgent
  aid paid first). Bank payments normally go through the temporary-aid roster.
- **Paperwork**: files of cases paid before they were complete, with their deadline and the
  days overdue; mark a file complete.
- **Statistics**: person-times and amounts by type, cause and township for a period.

"Build roster…" builds the temporary-aid roster of an area and month as an
:class:`~ui.ops.Op`; the roster then lives in the rosters page (review,
approval, PDF, bank file). ``read_only=True`` shows everything and writes nothing.

Dialogs are opened with ``open()`` and kept in :attr:`AidPage.dialog` (as the rosters page
does), so a test answers them like a user would.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QCompleter, QDateEdit, QDialog,
                               QDialogButtonBox, QFormLayout, QFrame, QGridLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea,
                               QSpinBox, QSplitter, QStackedWidget, QTabBar, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from assistcase.core import Core
from assistcase.db import Database
from assistcase.errors import AssistCaseError, ServiceResult, ValidationError
from assistcase.rules.idnumber import normalize_id, parse_resident_id
from assistcase.services.queries import (HouseholdDetail, HouseholdFilter, found_households,
                                         household_detail)
from assistcase.services import aid as A
from assistcase.services import aid_roster as AR
from assistcase.services import rosters as R

from assistcase.services.auth import AID_LEVEL_PERMISSION
from assistcase.services.sync_state import exchanging

from .signin import allowed
from .labels import fen_to_yuan_text, label, yuan_text_to_fen
from .ops import Change, Op, Page
from .rosters_page import ERROR_STYLE, _item, _pydate, _qdate, _table, error_text
from .widgets import CONFLICT_COLOUR, sync_header, sync_texts

WARNING_STYLE = ("background: #FFF4CE; border: 1px solid #E0B000; border-radius: 3px; "
                 "padding: 6px; color: #4D3B00;")
DONE_STYLE = ("background: #E6F4EA; border: 1px solid #7CB98B; border-radius: 3px; "
              "padding: 6px; color: #0D5223;")
OVERDUE_COLOUR = "#B00020"
SEARCH_DELAY_MS = 250
SEARCH_LIMIT = 50
NONE = -1  # item data standing for "none" (a None item data crashes PySide at exit)
LEVELS = ("township", "county", "case_by_case")


def _yuan(fen: int | None) -> str:
    return "" if fen is None else fen_to_yuan_text(fen)


def _split_documents(text: str) -> list[str]:
    return [x.strip() for x in re.split(r"[\n,，、;；]", text) if x.strip()]


class InlineErrors:
    """Error labels next to fields, keyed by the core's field names; messages the form has
    no field for go to ``general``."""

    def __init__(self, lang: str, general: QLabel):
        self.lang = lang
        self.general = general
        self.labels: dict[str, QLabel] = {}
        self.widgets: dict[str, QWidget] = {}

    def wrap(self, keys: str | tuple[str, ...], widget: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(widget)
        err = QLabel()
        err.setStyleSheet(ERROR_STYLE)
        err.setWordWrap(True)
        err.hide()
        lay.addWidget(err)
        # the form label's buddy is this box: Alt+<mnemonic> must reach the field itself
        box.setFocusProxy(widget)
        box.setFocusPolicy(widget.focusPolicy())
        for key in (keys,) if isinstance(keys, str) else keys:
            err.setObjectName(f"error_{key}")
            self.labels[key] = err
            self.widgets[key] = widget
        return box

    def clear(self) -> None:
        for lbl in {id(x): x for x in self.labels.values()}.values():
            lbl.clear()
            lbl.hide()
        self.general.clear()
        self.general.hide()

    def set(self, key: str, text: str) -> None:
        lbl = self.labels.get(key)
        if lbl is None:
            self._general(text)
            return
        lines = [x for x in lbl.text().split("\n") if x]
        if text not in lines:
            lines.append(text)
        lbl.setText("\n".join(lines))
        lbl.show()

    def _general(self, text: str) -> None:
        lines = [x for x in self.general.text().split("\n") if x]
        lines.append(text)
        self.general.setText("\n".join(lines))
        self.general.show()

    def show(self, error: BaseException) -> None:
        """Show the core's refusal next to its fields; focus the first field named."""
        if isinstance(error, ValidationError):
            first = None
            for e in error.errors:
                self.set(e.field, e.message(self.lang))
                if first is None and e.field in self.widgets:
                    first = self.widgets[e.field]
            if first is not None and first.isVisible():
                first.setFocus()
        else:
            self._general(error_text(error, self.lang))

    def text(self, key: str) -> str:
        lbl = self.labels.get(key)
        return lbl.text() if lbl is not None and lbl.isVisibleTo(lbl.parentWidget()) else ""


def _compact(table: QTableWidget) -> QTableWidget:
    """Rows as high as the text needs (the default leaves a city's lists half empty)."""
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


def _list(headers: list[str]) -> QTableWidget:
    table = _compact(_table(headers))
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _date_edit(day: dt.date, month_only: bool = False) -> QDateEdit:
    edit = QDateEdit(_qdate(day))
    edit.setDisplayFormat("yyyy-MM" if month_only else "yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


def _box(style: str, name: str) -> QLabel:
    lbl = QLabel()
    lbl.setObjectName(name)
    lbl.setStyleSheet(style)
    lbl.setWordWrap(True)
    lbl.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    lbl.hide()
    return lbl


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
        QCoreApplication.translate("AidPage", "Cancel"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


# --- dialogs ------------------------------------------------------------------------------


class SubmitDialog(QDialog):
    """A dialog whose OK calls the core: a refusal stays in the dialog, next to the field it
    names; success closes it with :attr:`result_value` set."""

    def __init__(self, title: str, ok_text: str, lang: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.lang = lang
        self.result_value: Any = None
        self.general = QLabel()
        self.general.setObjectName("dialog_error")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()
        self.errors = InlineErrors(lang, self.general)
        self.form = QFormLayout()
        self.buttons = _buttons(self, ok_text)
        layout = QVBoxLayout(self)
        self.top = QVBoxLayout()
        layout.addLayout(self.top)
        layout.addLayout(self.form)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def submit(self) -> Any:  # overridden: call the core, return its result
        raise NotImplementedError

    def accept(self) -> None:
        self.errors.clear()
        try:
            self.result_value = self.submit()
        except AssistCaseError as e:
            self.errors.show(e)
            self.adjustSize()  # room for the messages
            return
        super().accept()


class ApproveDialog(SubmitDialog):
    """Approve a case (审批): level, amount granted, approver and date; for a case-by-case
    decision (一事一议) the meeting's date, participants and minutes. The limits that apply
    on the date chosen are shown, and earlier aid to the same person before anything is
    granted."""

    def __init__(self, view: A.AidView, level: str, today: dt.date,
                 limits_on: Callable[[dt.date], Any], earlier: str,
                 approve: Callable[[A.ApprovalInput], ServiceResult], names: dict[str, str],
                 lang: str, parent: QWidget | None = None, levels: tuple[str, ...] = LEVELS):
        super().__init__("", "", lang, parent)
        self.setWindowTitle(self.tr("Approve temporary aid"))
        self.ok_button().setText(self.tr("Approve"))
        self.view = view
        self._limits_on = limits_on
        self._approve = approve
        self.names = names
        cause = view.cause_zh if lang == "zh" else view.cause_en
        who = QLabel(self.tr("Case %1: %2, %3 · %4 · requested %5 yuan")
                     .replace("%1", str(view.id)).replace("%2", view.name)
                     .replace("%3", f"{view.township_name} {view.village_name}".strip())
                     .replace("%4", f"{names[view.aid_type]} · {cause}")
                     .replace("%5", _yuan(view.amount_requested_fen)))
        who.setWordWrap(True)
        self.top.addWidget(who)
        self.limits = QLabel()
        self.limits.setObjectName("limits")
        self.limits.setWordWrap(True)
        self.top.addWidget(self.limits)
        self.earlier = _box(WARNING_STYLE, "earlier_aid")
        if earlier:
            self.earlier.setText(earlier)
            self.earlier.show()
        self.top.addWidget(self.earlier)

        # the levels the approver's role holds (issue 13: the level is the role's; a county
        # approver chooses only between county and a case-by-case decision)
        self.level = QComboBox()
        for key in levels:
            self.level.addItem(names[key], key)
        self.level.setCurrentIndex(max(self.level.findData(level), 0))
        self.level.setEnabled(len(levels) > 1)
        self.amount = QLineEdit(fen_to_yuan_text(view.amount_requested_fen).replace(",", ""))
        self.amount.setPlaceholderText(self.tr("yuan"))
        self.approver = QLineEdit(str(QSettings().value("aid/approver", "")))
        self.approver.setPlaceholderText(self.tr("Name of the official who approves"))
        self.approved_on = _date_edit(max(today, view.applied_on))
        self.note = QLineEdit()
        self.meeting_date = _date_edit(max(today, view.applied_on))
        self.participants = QLineEdit()
        self.participants.setPlaceholderText(self.tr("e.g. director, deputy director, head of "
                                                     "the assistance section"))
        self.minutes = QPlainTextEdit()
        self.minutes.setTabChangesFocus(True)
        self.minutes.setFixedHeight(70)
        e = self.errors
        self.form.addRow(self.tr("Approval level"), e.wrap("level", self.level))
        self.form.addRow(self.tr("Amount granted (yuan)"),
                         e.wrap("amount_granted_fen", self.amount))
        self.form.addRow(self.tr("Approved by"), e.wrap("approver", self.approver))
        self.form.addRow(self.tr("Approval date"), e.wrap("approved_on", self.approved_on))
        self.form.addRow(self.tr("Note"), self.note)
        self.meeting = QGroupBox(self.tr("Case-by-case decision (一事一议): meeting record"))
        mf = QFormLayout(self.meeting)
        mf.addRow(self.tr("Meeting date"), e.wrap("meeting_date", self.meeting_date))
        mf.addRow(self.tr("Participants"), e.wrap("meeting_participants", self.participants))
        mf.addRow(self.tr("Minutes"), e.wrap("meeting_minutes", self.minutes))
        self.form.addRow(self.meeting)
        self.level.currentIndexChanged.connect(self._level_changed)
        self.approved_on.dateChanged.connect(self._show_limits)
        self.amount.textChanged.connect(self._show_limits)
        self._level_changed()
        self.setMinimumWidth(520)

    def _level_changed(self) -> None:
        self.meeting.setVisible(self.level.currentData() == "case_by_case")
        self._show_limits()
        self.adjustSize()

    def _show_limits(self) -> None:
        on = _pydate(self.approved_on.date())
        limits = self._limits_on(on)
        if limits is None:
            self.limits.setText(self.tr("No dibao standard is in force on %1: the limits cannot "
                                        "be worked out.").replace("%1", on.isoformat()))
            self.limits.setStyleSheet(ERROR_STYLE)
            return
        text = (self.tr("Limits on %1 (monthly dibao standard %2 yuan): township up to %3 "
                        "yuan, county up to %4 yuan, above that a case-by-case decision with "
                        "a meeting record.")
                .replace("%1", on.isoformat()).replace("%2", _yuan(limits.standard_fen))
                .replace("%3", _yuan(limits.township_fen)).replace("%4", _yuan(limits.county_fen)))
        fen = yuan_text_to_fen(self.amount.text())
        if fen:
            text += " " + self.tr("%1 yuan needs: %2.").replace("%1", _yuan(fen)).replace(
                "%2", self.names[limits.required_level(fen)])
        self.limits.setText(text)
        self.limits.setStyleSheet("")

    def approval_input(self) -> A.ApprovalInput:
        level = self.level.currentData()
        return A.ApprovalInput(
            level, self.approver.text(), _pydate(self.approved_on.date()),
            yuan_text_to_fen(self.amount.text()) or 0, self.note.text(),
            _pydate(self.meeting_date.date()) if level == "case_by_case" else None,
            self.participants.text(), self.minutes.toPlainText())

    def submit(self) -> ServiceResult:
        result = self._approve(self.approval_input())
        if self.approver.text().strip():
            QSettings().setValue("aid/approver", self.approver.text().strip())
        return result


class RefuseDialog(SubmitDialog):
    """Refuse a case (不予救助) with the date and the reason."""

    def __init__(self, view: A.AidView, today: dt.date,
                 refuse: Callable[[dt.date, str], ServiceResult], lang: str,
                 parent: QWidget | None = None):
        super().__init__("", "", lang, parent)
        self.setWindowTitle(self.tr("Refuse temporary aid"))
        self.ok_button().setText(self.tr("Refuse"))
        self._refuse = refuse
        who = QLabel(self.tr("Case %1: %2, requested %3 yuan").replace("%1", str(view.id))
                     .replace("%2", view.name).replace("%3", _yuan(view.amount_requested_fen)))
        self.top.addWidget(who)
        self.refused_on = _date_edit(max(today, view.applied_on))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Why the aid is refused"))
        self.form.addRow(self.tr("Date"), self.errors.wrap("refused_on", self.refused_on))
        self.form.addRow(self.tr("Reason"), self.errors.wrap("reason", self.reason))

    def submit(self) -> ServiceResult:
        return self._refuse(_pydate(self.refused_on.date()), self.reason.text())


class PaymentDialog(SubmitDialog):
    """Record a payment made directly (cash handed over, or urgent aid paid first)."""

    def __init__(self, view: A.AidView, today: dt.date,
                 pay: Callable[[dt.date, str], ServiceResult], names: dict[str, str], lang: str,
                 parent: QWidget | None = None):
        super().__init__("", "", lang, parent)
        self.setWindowTitle(self.tr("Record payment"))
        self.ok_button().setText(self.tr("Record payment"))
        self._pay = pay
        method = names[view.payment_method]
        who = QLabel(self.tr("Case %1: %2, granted %3 yuan, paid by %4")
                     .replace("%1", str(view.id)).replace("%2", view.name)
                     .replace("%3", _yuan(view.amount_granted_fen)).replace("%4", method))
        who.setWordWrap(True)
        self.top.addWidget(who)
        if view.aid_type == "urgent" and not view.paperwork_complete:
            first = _box(WARNING_STYLE, "pay_first")
            first.setText(self.tr("Urgent aid paid first (先行救助): the file is incomplete and "
                                  "must be completed within the deadline after payment."))
            first.show()
            self.top.addWidget(first)
        self.paid_on = _date_edit(max(today, view.approved_on or today))
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("e.g. cash handed over by the township office"))
        self.form.addRow(self.tr("Paid on"), self.errors.wrap("paid_on", self.paid_on))
        self.form.addRow(self.tr("Note"), self.note)

    def submit(self) -> ServiceResult:
        return self._pay(_pydate(self.paid_on.date()), self.note.text())


def _documents_list(received: tuple[str, ...] | list[str]) -> QListWidget:
    """The usual documents as check boxes (Space ticks the current one), the ones received
    ticked; documents outside the usual list are added as ticked entries."""
    docs = QListWidget()
    docs.setObjectName("documents")
    docs.setFlow(QListWidget.Flow.LeftToRight)
    docs.setWrapping(True)
    docs.setResizeMode(QListWidget.ResizeMode.Adjust)
    docs.setSpacing(2)
    names = list(A.DOCUMENT_SUGGESTIONS) + [d for d in received if d not in A.DOCUMENT_SUGGESTIONS]
    english = not docs.locale().name().startswith("zh")
    for name in names:
        # the stored name is the Chinese one; an English reader sees its English label
        it = QListWidgetItem(A.DOCUMENT_LABELS_EN.get(name, name) if english else name)
        it.setData(Qt.ItemDataRole.UserRole, name)
        it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable)
        it.setCheckState(Qt.CheckState.Checked if name in received else Qt.CheckState.Unchecked)
        docs.addItem(it)
    docs.setCurrentRow(0)
    docs.setFixedHeight(96)
    return docs


def _checked(docs: QListWidget) -> list[str]:
    return [docs.item(i).data(Qt.ItemDataRole.UserRole) or docs.item(i).text()
            for i in range(docs.count())
            if docs.item(i).checkState() == Qt.CheckState.Checked]


class PaperworkDialog(SubmitDialog):
    """The documents received and the day the file was completed."""

    def __init__(self, view: A.AidView, today: dt.date,
                 complete: Callable[[list[str], dt.date], ServiceResult], lang: str,
                 parent: QWidget | None = None):
        super().__init__("", "", lang, parent)
        self.setWindowTitle(self.tr("Complete the file"))
        self.ok_button().setText(self.tr("File complete"))
        self._complete = complete
        text = self.tr("Case %1: %2, paid on %3").replace("%1", str(view.id)).replace(
            "%2", view.name).replace("%3", view.paid_on.isoformat() if view.paid_on else "")
        if view.paperwork_due:
            text += " · " + self.tr("due %1").replace("%1", view.paperwork_due.isoformat())
        self.top.addWidget(QLabel(text))
        self.documents = _documents_list(view.documents)
        self.completed_on = _date_edit(max(today, view.applied_on))
        self.form.addRow(self.tr("Documents received"),
                         self.errors.wrap("documents", self.documents))
        self.form.addRow(self.tr("Complete on"),
                         self.errors.wrap("completed_on", self.completed_on))
        self.setMinimumWidth(620)

    def submit(self) -> ServiceResult:
        return self._complete(_checked(self.documents), _pydate(self.completed_on.date()))


class BuildRosterDialog(QDialog):
    """The temporary-aid roster to build: area, month and payment date."""

    def __init__(self, areas: list[tuple[int, str, str]], today: dt.date,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Build temporary-aid roster"))
        self.area = QComboBox()
        indent = {"city": "", "county": "    ", "township": "        "}
        for area_id, name, level in areas:
            self.area.addItem(indent.get(level, "") + name, area_id)
        self.month = _date_edit(today.replace(day=1), month_only=True)
        self.pay_date = _date_edit(today)
        note = QLabel(self.tr("The roster pays every approved case paid by bank in the area that "
                              "no other roster pays, approved on or before the payment date. "
                              "Cash payments are recorded in the Payment tab."))
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Area"), self.area)
        form.addRow(self.tr("Month"), self.month)
        form.addRow(self.tr("Payment date"), self.pay_date)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(_buttons(self, self.tr("Build")))
        self.setMinimumWidth(420)

    def values(self) -> tuple[int, dt.date, dt.date]:
        return (self.area.currentData(), _pydate(self.month.date()),
                _pydate(self.pay_date.date()))


# --- the quick-entry form -----------------------------------------------------------------


class AidEntryForm(QWidget):
    """A new case, by keyboard. ``recorded`` carries the core's ServiceResult."""

    recorded = Signal(object)

    def __init__(self, core: Core, today: dt.date, lang: str,
                 causes: list[A.AidCauseRow], townships: list[tuple[int, str]],
                 names: dict[str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.core, self.today, self.lang = core, today, lang
        self.names = names
        self.household: HouseholdDetail | None = None
        self.general = QLabel()
        self.general.setObjectName("form_error")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()
        self.errors = InlineErrors(lang, self.general)
        e = self.errors

        # Who.
        self.outside = QCheckBox(self.tr("Not in the registry (non-resident, no fixed address)"))
        self.outside.setObjectName("outside")
        self.search = QLineEdit()
        self.search.setObjectName("household_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Search the registry: name, pinyin, ID number or "
                                               "its last 4+ characters, household number; "
                                               "Enter picks, ↑↓ move"))
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search.textEdited.connect(self._debounce.start)
        self.search.returnPressed.connect(self._search_enter)
        self.search.installEventFilter(self)
        self.results = _list([self.tr("Head"), self.tr("ID number"), self.tr("Village"),
                               self.tr("Category")])
        self.results.setObjectName("household_results")
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.results.setFixedHeight(120)
        self.results.itemSelectionChanged.connect(self._result_selected)
        self.chosen = QLabel()
        self.chosen.setObjectName("chosen_household")
        self.chosen.setWordWrap(True)
        self.person = QComboBox()
        self.person.setObjectName("person")
        registry = QWidget()
        rf = QFormLayout(registry)
        rf.setContentsMargins(0, 0, 0, 0)
        rf.addRow(self.tr("&Household"), e.wrap(("household_id",), self.search))
        rf.addRow("", self.results)
        rf.addRow("", self.chosen)
        rf.addRow(self.tr("Person aided"), e.wrap("person_id", self.person))

        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("id_number")
        self.id_number.setPlaceholderText(self.tr("optional: leave blank when unknown"))
        self.id_number.editingFinished.connect(self._check_id)
        self.found_at = QLineEdit()
        self.found_at.setObjectName("found_at")
        self.found_at.setPlaceholderText(self.tr("where the person was found, or now lives"))
        self.township = QComboBox()
        self.township.setObjectName("township")
        self.township.setEditable(True)
        self.township.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.township.addItem(self.tr("— choose —"), NONE)
        for tid, text in townships:
            self.township.addItem(text, tid)
        self.township.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.township.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.township.currentIndexChanged.connect(lambda _i: self._show_earlier())
        self.phone = QLineEdit()
        outside = QWidget()
        of = QFormLayout(outside)
        of.setContentsMargins(0, 0, 0, 0)
        of.addRow(self.tr("Name"), e.wrap("name", self.name))
        of.addRow(self.tr("ID number"), e.wrap("id_number", self.id_number))
        of.addRow(self.tr("Found at"), e.wrap("found_at", self.found_at))
        of.addRow(self.tr("Township responsible"), e.wrap("township_id", self.township))
        of.addRow(self.tr("Phone"), e.wrap("phone", self.phone))
        self.who = QStackedWidget()
        self.who.addWidget(registry)
        self.who.addWidget(outside)
        self.outside.toggled.connect(self._outside_toggled)
        self.earlier = _box(WARNING_STYLE, "earlier_aid")

        # What happened.
        self.aid_type = QComboBox()
        self.aid_type.setObjectName("aid_type")
        for key in ("urgent", "expenditure"):
            self.aid_type.addItem(names[key], key)
        self.cause = QComboBox()
        self.cause.setObjectName("cause")
        for c in causes:
            self.cause.addItem(c.label_zh if lang == "zh" else c.label_en, c.code)
        self.pay_first = QCheckBox(self.tr("Pay first, complete the file afterwards (先行救助)"))
        self.pay_first.setObjectName("pay_first")
        self.pay_first.setChecked(True)
        self.file_complete = QCheckBox(self.tr("File complete"))
        self.file_complete.setObjectName("file_complete")
        file_row = QWidget()
        fr = QHBoxLayout(file_row)
        fr.setContentsMargins(0, 0, 0, 0)
        fr.addWidget(self.pay_first)
        fr.addWidget(self.file_complete)
        fr.addStretch(1)
        self.aid_type.currentIndexChanged.connect(self._type_changed)
        self.pay_first.toggled.connect(self._type_changed)
        self.description = QPlainTextEdit()
        self.description.setObjectName("description")
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(self.tr("What happened, the family's situation"))
        self.description.setFixedHeight(64)
        self.documents = _documents_list(())
        self.other_documents = QLineEdit()
        self.other_documents.setObjectName("other_documents")
        self.other_documents.setPlaceholderText(self.tr("other documents, separated by 、"))
        self.amount = QLineEdit()
        self.amount.setObjectName("amount")
        self.amount.setPlaceholderText(self.tr("yuan, e.g. 1500"))
        self.applied_on = _date_edit(today)
        self.applied_on.setObjectName("applied_on")

        # How it is paid.
        self.method = QComboBox()
        self.method.setObjectName("payment_method")
        self.method.addItem(names["bank"], "bank")
        self.method.addItem(names["cash"], "cash")
        self.account_type = QComboBox()
        self.account_type.setObjectName("account_type")
        for key in ("card", "passbook"):
            self.account_type.addItem(label("account_type", key), key)
        self.account_number = QLineEdit()
        self.account_number.setObjectName("account_number")
        self.bank_name = QLineEdit()
        self.bank_name.setObjectName("bank_name")
        self.account = QWidget()
        af = QFormLayout(self.account)
        af.setContentsMargins(0, 0, 0, 0)
        af.addRow(self.tr("Account type"), e.wrap("account_type", self.account_type))
        af.addRow(self.tr("Account number"), e.wrap("account_number", self.account_number))
        af.addRow(self.tr("Bank"), e.wrap("bank_name", self.bank_name))
        self.method.currentIndexChanged.connect(self._method_changed)

        self.save_button = QPushButton(self.tr("Record case (Ctrl+S)"))
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save)
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.clear_button.clicked.connect(lambda: self.reset(clear_result=True))
        self.result_box = _box(DONE_STYLE, "recorded")
        self.warning_box = _box(WARNING_STYLE, "record_warnings")

        left = QGroupBox(self.tr("Who"))
        lv = QVBoxLayout(left)
        lv.addWidget(self.outside)
        lv.addWidget(self.who)
        lv.addWidget(self.earlier)
        lv.addStretch(1)
        right = QGroupBox(self.tr("Aid"))
        rg = QFormLayout(right)
        rg.addRow(self.tr("Type"), e.wrap("aid_type", self.aid_type))
        rg.addRow(self.tr("Cause"), e.wrap("cause", self.cause))
        rg.addRow(self.tr("File"), e.wrap("paperwork_complete", file_row))
        rg.addRow(self.tr("Description"), e.wrap("description", self.description))
        rg.addRow(self.tr("Documents received"), e.wrap("documents", self.documents))
        rg.addRow("", self.other_documents)
        rg.addRow(self.tr("Amount requested"), e.wrap("amount_requested_fen", self.amount))
        rg.addRow(self.tr("Payment"), e.wrap("payment_method", self.method))
        rg.addRow("", self.account)
        rg.addRow(self.tr("Applied on"), e.wrap("applied_on", self.applied_on))
        columns = QHBoxLayout()
        columns.addWidget(left, 5)
        columns.addWidget(right, 6)
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.clear_button)
        actions.addWidget(QLabel(self.tr("Tab: next field · Ctrl+S or Ctrl+Enter: record")))
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.general)
        layout.addLayout(actions)
        layout.addWidget(self.result_box)
        layout.addWidget(self.warning_box)
        layout.addStretch(1)

        chain = [self.outside, self.search, self.person, self.name, self.id_number,
                 self.found_at, self.township, self.phone, self.aid_type, self.cause,
                 self.pay_first, self.file_complete, self.description, self.documents,
                 self.other_documents, self.amount, self.method, self.account_type,
                 self.account_number, self.bank_name, self.applied_on, self.save_button]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)
        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._type_changed()
        self._method_changed()
        self._set_household(None)

    # --- who ------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        """Up/Down in the search box move through the matches."""
        if obj is self.search and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) \
                and self.results.rowCount():
            row = self.results.currentRow()
            row = row + (1 if event.key() == Qt.Key.Key_Down else -1)
            self.results.selectRow(max(0, min(self.results.rowCount() - 1, row)))
            return True
        return super().eventFilter(obj, event)

    def _outside_toggled(self, outside: bool) -> None:
        self.who.setCurrentIndex(1 if outside else 0)
        self.errors.clear()
        self._method_changed()
        self._show_earlier()
        (self.name if outside else self.search).setFocus()

    def run_search(self) -> None:
        self._debounce.stop()
        text = self.search.text().strip()
        rows = []
        if text:
            rows = self.core.read(found_households, HouseholdFilter(text=text),
                                  limit=SEARCH_LIMIT)
        self.results.blockSignals(True)
        self.results.setRowCount(len(rows))
        for r, h in enumerate(rows):
            cells = [_item(h.head_name, data=h.id), _item(h.head_id_number),
                     _item(f"{h.township} {h.village}"), _item(label("category", h.category))]
            for c, it in enumerate(cells):
                self.results.setItem(r, c, it)
        self.results.resizeColumnsToContents()
        self.results.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.results.blockSignals(False)
        if rows:
            self.results.selectRow(0)
        else:
            self._set_household(None)
            if text:
                self.chosen.setText(self.tr("No household found. A person outside the registry: "
                                            "tick “Not in the registry”."))

    def _search_enter(self) -> None:
        if self._debounce.isActive() or not self.results.rowCount():
            self.run_search()

    def _result_selected(self) -> None:
        rows = {i.row() for i in self.results.selectedItems()}
        item = self.results.item(min(rows), 0) if rows else None
        hid = item.data(Qt.ItemDataRole.UserRole) if item else None
        if hid is None:
            self._set_household(None)
            return
        self._set_household(self.core.read(household_detail, hid, self.today))

    def _set_household(self, detail: HouseholdDetail | None) -> None:
        self.household = detail
        self.person.clear()
        self.person.setEnabled(detail is not None)
        if detail is None:
            self.chosen.setText(self.tr("No household chosen yet."))
            self.account_number.setPlaceholderText("")
            self._show_earlier()
            return
        for m in detail.members:
            self.person.addItem(f"{m.name}（{label('relation', m.relation)}）{m.id_number}", m.id)
        head = self.person.findData(detail.head_person_id) if detail.head_person_id else 0
        self.person.setCurrentIndex(max(head, 0))
        parts = [detail.number, detail.village_path, label("residence_class",
                                                           detail.residence_class),
                 label("category", detail.category),
                 self.tr("%1 persons").replace("%1", str(len(detail.members)))]
        if detail.account_type != "none" and detail.account_number:
            parts.append(self.tr("account %1 %2").replace("%1", detail.bank_name)
                         .replace("%2", "…" + detail.account_number[-4:]))
            self.account_number.setPlaceholderText(self.tr("blank: the household's account "
                                                           "(…%1)")
                                                   .replace("%1", detail.account_number[-4:]))
        else:
            parts.append(self.tr("no bank account on record"))
            self.account_number.setPlaceholderText("")
        self.chosen.setText(" · ".join(parts))
        self._show_earlier()

    def _check_id(self) -> None:
        lbl = self.errors.labels["id_number"]
        lbl.clear()
        lbl.hide()
        number = normalize_id(self.id_number.text())
        if number:
            try:
                parse_resident_id(number, "id_number", today=self.today)
            except ValidationError as e:
                self.errors.set("id_number", e.errors[0].message(self.lang))
        self._show_earlier()

    def earlier_text(self) -> str:
        """Earlier aid to the person being recorded (the repeat-aid check), or ''."""
        kw: dict[str, Any] = {}
        area_id = None
        if self.outside.isChecked():
            number = normalize_id(self.id_number.text())
            if len(number) == 18:
                kw["id_number"] = number
            elif self.name.text().strip():
                kw["name"] = self.name.text().strip()
            tid = self.township.currentData()
            area_id = tid if isinstance(tid, int) and tid != NONE else None
        elif self.household is not None:
            kw["household_id"] = self.household.id
            area_id = self.household.village_id
        if not kw:
            return ""
        check = self.core.read(A.repeat_aid, _pydate(self.applied_on.date()), area_id, **kw)
        return earlier_aid_text(check.earlier, check.months)

    def _show_earlier(self) -> None:
        text = self.earlier_text()
        self.earlier.setText(text)
        self.earlier.setVisible(bool(text))

    # --- what -----------------------------------------------------------------------------

    def _type_changed(self, *_args: Any) -> None:
        urgent = self.aid_type.currentData() == "urgent"
        self.pay_first.setVisible(urgent)
        first = urgent and self.pay_first.isChecked()
        if first:
            self.file_complete.setChecked(False)
        self.file_complete.setVisible(not first)

    def _method_changed(self, *_args: Any) -> None:
        self.account.setVisible(self.method.currentData() == "bank")

    # --- saving ---------------------------------------------------------------------------

    def aid_input(self) -> A.AidInput | None:
        """The case as entered, or None when no household is chosen (said inline)."""
        amount = yuan_text_to_fen(self.amount.text()) or 0
        urgent = self.aid_type.currentData() == "urgent"
        complete = self.file_complete.isChecked() and not (urgent and self.pay_first.isChecked())
        documents = _checked(self.documents) + _split_documents(self.other_documents.text())
        number = self.account_number.text().replace(" ", "")
        data = A.AidInput(self.aid_type.currentData(), self.cause.currentData(),
                          _pydate(self.applied_on.date()), amount,
                          description=self.description.toPlainText(), documents=documents,
                          paperwork_complete=complete,
                          payment_method=self.method.currentData(),
                          account_type=self.account_type.currentData() if number else "",
                          account_number=number, bank_name=self.bank_name.text())
        if self.outside.isChecked():
            tid = self.township.currentData()
            data.name = self.name.text()
            data.id_number = self.id_number.text()
            data.found_at = self.found_at.text()
            data.township_id = tid if isinstance(tid, int) and tid != NONE else None
            data.phone = self.phone.text()
            return data
        if self.household is None:
            self.result_box.hide()
            self.warning_box.hide()
            self.errors.set("household_id", self.tr(
                "Choose the household: search by name, ID number or household number (or tick "
                "“Not in the registry”)."))
            self.search.setFocus()
            return None
        data.household_id = self.household.id
        data.person_id = self.person.currentData()
        return data

    def save(self) -> ServiceResult | None:
        """Record the case; on success the form is emptied for the next one and the result
        (with the core's warnings) is shown below it."""
        self.errors.clear()
        data = self.aid_input()
        if data is None:
            return None
        try:
            result = self.core.write(A.record_aid, data)
        except AssistCaseError as e:
            self.result_box.hide()  # the last case's message is not about this one
            self.warning_box.hide()
            self.errors.show(e)
            return None
        view = self.core.read(A.aid_view, result.created_id)
        queue = self.core.read(A.waiting_level, view.id, self.today)
        text = self.tr("Recorded case %1: %2, %3, requested %4 yuan.").replace(
            "%1", str(view.id)).replace("%2", view.name).replace(
            "%3", self.names[view.aid_type]).replace("%4", _yuan(view.amount_requested_fen))
        if queue:
            text += " " + self.tr("It waits for approval at %1 level.").replace(
                "%1", self.names[queue])
        self.result_box.setText(text)
        self.result_box.show()
        warnings = [w.message_zh if self.lang == "zh" else w.message_en
                    for w in result.warnings]
        self.warning_box.setText("\n".join("⚠ " + w for w in warnings))
        self.warning_box.setVisible(bool(warnings))
        self.reset()
        self.recorded.emit(result)
        return result

    def reset(self, clear_result: bool = False) -> None:
        """Empty the form for the next case (the type, cause and payment method stay)."""
        self.errors.clear()
        for w in (self.search, self.name, self.id_number, self.found_at, self.phone,
                  self.other_documents, self.amount, self.account_number, self.bank_name):
            w.clear()
        self.description.clear()
        for i in range(self.documents.count()):
            self.documents.item(i).setCheckState(Qt.CheckState.Unchecked)
        self.documents.setCurrentRow(0)
        self.results.setRowCount(0)
        self.township.setCurrentIndex(0)
        self.pay_first.setChecked(True)
        self.file_complete.setChecked(False)
        self._type_changed()
        self._set_household(None)
        if clear_result:
            self.result_box.hide()
            self.warning_box.hide()
        self.focus_first()

    def focus_first(self) -> None:
        (self.name if self.outside.isChecked() else self.search).setFocus()


def earlier_aid_text(earlier: list[A.PreviousAid] | tuple[A.PreviousAid, ...], months: int) -> str:
    """The repeat-aid warning for a list of earlier grants (empty: '')."""
    if not earlier:
        return ""
    lines = [QCoreApplication.translate(
        "AidPage", "⚠ Temporary aid granted %1 time(s) in the past %2 months:")
        .replace("%1", str(len(earlier))).replace("%2", str(months))]
    for p in earlier:
        lines.append(QCoreApplication.translate("AidPage", "%1 · %2 · %3 · %4 yuan (case %5)")
                     .replace("%1", p.approved_on.isoformat()).replace("%2", p.name)
                     .replace("%3", p.cause_zh).replace("%4", _yuan(p.amount_granted_fen))
                     .replace("%5", str(p.id)))
    return "\n".join(lines)


# --- the page -----------------------------------------------------------------------------


class AidPage(Page):
    """The temporary-aid page. ``today`` fixes the default dates (tests); default: today."""

    refresh_on = Change.AID | Change.ROSTERS | Change.HOUSEHOLDS

    def __init__(self, core: Core | Database, actor: str | int | None = None,
                 read_only: bool = False, parent: QWidget | None = None,
                 today: dt.date | None = None):
        super().__init__(core, actor, read_only, parent)
        read_only = self.read_only
        self.today = today or dt.date.today()
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.dialog: QDialog | None = None
        self.last_roster_id: int | None = None
        self._details: dict[QTableWidget, QTextBrowser] = {}  # list → its case detail
        self.names = {
            "urgent": self.tr("Urgent"), "expenditure": self.tr("Expenditure"),
            "township": self.tr("Township"), "county": self.tr("County"),
            "case_by_case": self.tr("Case-by-case decision"),
            "recorded": self.tr("Waiting for approval"), "approved": self.tr("Approved"),
            "paid": self.tr("Paid"), "refused": self.tr("Refused"),
            "bank": self.tr("Bank account"), "cash": self.tr("Cash"),
            "direct": self.tr("directly"), "roster": self.tr("by roster"),
        }
        self._sync_texts = sync_texts()
        self.causes = self.core.read(A.aid_causes)
        self.areas = self.core.read(R.roster_areas)
        townships, county = [], ""
        for aid_, name, level in self.areas:
            if level == "county":
                county = name
            elif level == "township":
                townships.append((aid_, f"{county} / {name}" if county else name))

        top = QHBoxLayout()
        self.roster_button = QPushButton(self.tr("Build temporary-aid roster…"))
        self.roster_button.setObjectName("build_roster")
        self.roster_button.clicked.connect(self.open_roster_dialog)
        self.roster_button.setVisible(not read_only)
        self.show_roster_button = QPushButton(self.tr("Show in the rosters page"))
        self.show_roster_button.setObjectName("show_roster")
        self.show_roster_button.clicked.connect(lambda: self.show_roster(self.last_roster_id))
        self.show_roster_button.hide()
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        top.addWidget(self.roster_button)
        top.addWidget(self.show_roster_button)
        top.addStretch(1)
        if read_only:
            top.addWidget(QLabel(self.tr("Read-only view")))
        top.addWidget(refresh)
        self.message = QLabel()
        self.message.setObjectName("aid_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("aid_tabs")
        self.form: AidEntryForm | None = None
        if not read_only:
            self.form = AidEntryForm(self.core, self.today, self.lang, self.causes, townships,
                                     self.names, self)
            self.form.recorded.connect(self._recorded)
            scroll = QScrollArea()
            scroll.setWidget(self.form)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            self.tabs.addTab(scroll, self.tr("New case"))
            QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_case)
        self.tabs.addTab(self._build_queue_tab(), self.tr("Approval"))
        self.tabs.addTab(self._build_payment_tab(), self.tr("Payment"))
        self.paperwork_tab = self._build_paperwork_tab()
        self.tabs.addTab(self.paperwork_tab, self.tr("Paperwork"))
        self.tabs.addTab(self._build_stats_tab(), self.tr("Statistics"))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self.write_buttons = [b for b in (self.approve_button, self.refuse_button,
                                          self.pay_button, self.complete_button,
                                          self.roster_button)]
        for b in self.write_buttons:
            b.setVisible(not read_only)
        self.refresh()

    # --- building the tabs ------------------------------------------------------------------

    def _detail(self, name: str) -> QTextBrowser:
        d = QTextBrowser()
        d.setObjectName(name)
        d.setOpenLinks(False)
        return d

    def _split(self, table: QTableWidget, detail: QTextBrowser) -> QSplitter:
        self._details[table] = detail
        table.itemSelectionChanged.connect(lambda: self._show_detail(table, detail))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(table)
        split.addWidget(detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([840, 360])
        return split

    def _build_queue_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.levels = QTabBar()
        self.levels.setObjectName("levels")
        self.levels.setExpanding(False)
        for key in LEVELS:
            self.levels.addTab(self.names[key])
        self.levels.currentChanged.connect(lambda _i: self.refresh_queue())
        self.queue = _list([self.tr("Case"), self.tr("Applied"), self.tr("Name"),
                             self.tr("Registered"), self.tr("Township"), self.tr("Type"),
                             self.tr("Cause"), self.tr("Requested (yuan)"),
                             self.tr("Limit (yuan)"), self.tr("Payment"), sync_header()])
        self.queue.setObjectName("queue")
        self.queue.doubleClicked.connect(lambda _i: self.ask_approve())
        self.queue_detail = self._detail("queue_detail")
        buttons = QHBoxLayout()
        self.approve_button = QPushButton(self.tr("Approve…"))
        self.approve_button.setObjectName("approve")
        self.approve_button.clicked.connect(self.ask_approve)
        self.refuse_button = QPushButton(self.tr("Refuse…"))
        self.refuse_button.setObjectName("refuse")
        self.refuse_button.clicked.connect(self.ask_refuse)
        self.queue_note = QLabel()
        self.queue_note.setWordWrap(True)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.refuse_button)
        buttons.addWidget(self.queue_note, 1)
        v.addWidget(self.levels)
        v.addWidget(self._split(self.queue, self.queue_detail), 1)
        v.addLayout(buttons)
        return w

    def _build_payment_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(QLabel(self.tr("Approved aid not yet paid. Cash (and urgent aid paid first) "
                                   "is recorded here; bank payments go through the "
                                   "temporary-aid roster.")))
        self.unpaid = _list([self.tr("Case"), self.tr("Approved"), self.tr("Name"),
                              self.tr("Township"), self.tr("Type"), self.tr("Cause"),
                              self.tr("Granted (yuan)"), self.tr("Level"), self.tr("Payment"),
                              self.tr("File"), sync_header()])
        self.unpaid.setObjectName("unpaid")
        self.unpaid_detail = self._detail("unpaid_detail")
        self.pay_button = QPushButton(self.tr("Record payment…"))
        self.pay_button.setObjectName("pay")
        self.pay_button.clicked.connect(self.ask_payment)
        row = QHBoxLayout()
        row.addWidget(self.pay_button)
        row.addStretch(1)
        v.addWidget(self._split(self.unpaid, self.unpaid_detail), 1)
        v.addLayout(row)
        return w

    def _build_paperwork_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.overdue_only = QCheckBox(self.tr("Overdue only"))
        self.overdue_only.setObjectName("overdue_only")
        self.overdue_only.setChecked(True)
        self.overdue_only.toggled.connect(lambda _b: self.refresh_paperwork())
        head = QHBoxLayout()
        head.addWidget(QLabel(self.tr("Files of cases paid before they were complete "
                                      "(先行救助), due a number of working days after payment.")),
                       1)
        head.addWidget(self.overdue_only)
        self.files = _list([self.tr("Case"), self.tr("Name"), self.tr("Township"),
                             self.tr("Type"), self.tr("Cause"), self.tr("Granted (yuan)"),
                             self.tr("Paid on"), self.tr("Due"), self.tr("Days overdue"),
                             sync_header()])
        self.files.setObjectName("paperwork")
        self.files_detail = self._detail("paperwork_detail")
        self.complete_button = QPushButton(self.tr("Mark the file complete…"))
        self.complete_button.setObjectName("complete")
        self.complete_button.clicked.connect(self.ask_paperwork)
        row = QHBoxLayout()
        row.addWidget(self.complete_button)
        row.addStretch(1)
        v.addLayout(head)
        v.addWidget(self._split(self.files, self.files_detail), 1)
        v.addLayout(row)
        return w

    def _build_stats_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.stat_kind = QComboBox()
        self.stat_kind.setObjectName("stat_kind")
        self.stat_kind.addItem(self.tr("Year"), "year")
        self.stat_kind.addItem(self.tr("Quarter"), "quarter")
        self.stat_kind.addItem(self.tr("Month"), "month")
        self.stat_year = QSpinBox()
        self.stat_year.setRange(2000, 2100)
        self.stat_year.setValue(self.today.year)
        self.stat_number = QSpinBox()
        self.stat_number.setRange(1, 12)
        self.stat_number.setValue(self.today.month)
        self.stat_area = QComboBox()
        self.stat_area.addItem(self.tr("All areas"), NONE)
        indent = {"city": "", "county": "  ", "township": "    "}
        for area_id, name, level in self.areas:
            self.stat_area.addItem(indent.get(level, "") + name, area_id)
        self.stat_basis = QComboBox()
        self.stat_basis.addItem(self.tr("Granted (by approval date)"), "approved")
        self.stat_basis.addItem(self.tr("Paid (by payment date)"), "paid")
        self.stat_kind.currentIndexChanged.connect(self._stat_kind_changed)
        show = QPushButton(self.tr("Show"))
        show.clicked.connect(self.refresh_statistics)
        bar = QHBoxLayout()
        for text, widget in ((self.tr("Period"), self.stat_kind), (None, self.stat_year),
                             (None, self.stat_number), (self.tr("Area"), self.stat_area),
                             (self.tr("Basis"), self.stat_basis)):
            if text:
                bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addWidget(show)
        bar.addStretch(1)
        self.stat_total = QLabel()
        self.stat_total.setObjectName("stat_total")
        heads = [self.tr("Person-times"), self.tr("Amount (yuan)")]
        self.stat_type = _list([self.tr("Type")] + heads)
        self.stat_cause = _list([self.tr("Cause")] + heads)
        self.stat_township = _list([self.tr("Township")] + heads)
        grid = QGridLayout()
        for col, (title, table) in enumerate(((self.tr("By type"), self.stat_type),
                                              (self.tr("By cause"), self.stat_cause),
                                              (self.tr("By township"), self.stat_township))):
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            grid.addWidget(QLabel(title), 0, col)
            grid.addWidget(table, 1, col)
        v.addLayout(bar)
        v.addWidget(self.stat_total)
        v.addLayout(grid, 1)
        self._stat_kind_changed()
        return w

    # --- showing ----------------------------------------------------------------------------

    def refresh(self) -> None:
        # each case's sync state, where this database exchanges with another site
        hide = not self.core.read(exchanging)
        for table in (self.queue, self.unpaid, self.files):
            table.setColumnHidden(table.columnCount() - 1, hide)
        self.refresh_queue()
        self.refresh_unpaid()
        self.refresh_paperwork()
        self.refresh_statistics()

    def _fill(self, table: QTableWidget, rows: list[list[QTableWidgetItem]],
              keep: int | None = None, select_first: bool = True) -> None:
        """Fill a table in one pass, keeping (or moving to) the selected case."""
        if keep is None:
            keep = self._selected_id(table)
        table.blockSignals(True)
        table.setUpdatesEnabled(False)
        table.setRowCount(len(rows))
        select = 0 if rows and select_first else -1
        for r, cells in enumerate(rows):
            for c, it in enumerate(cells):
                table.setItem(r, c, it)
            if keep is not None and cells[0].data(Qt.ItemDataRole.UserRole) == keep:
                select = r
        table.resizeColumnsToContents()
        table.setUpdatesEnabled(True)
        table.blockSignals(False)
        if select >= 0:
            table.selectRow(select)
        # Called, not emitted: a Python emit() of PySide 6.12 over-releases True each time.
        if table in self._details:
            self._show_detail(table, self._details[table])

    @staticmethod
    def _selected_id(table: QTableWidget) -> int | None:
        rows = {i.row() for i in table.selectedItems()}
        item = table.item(min(rows), 0) if rows else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _sync(self, row: A.AidRow) -> QTableWidgetItem:
        return _item(self._sync_texts[row.sync],
                     colour=CONFLICT_COLOUR if row.sync == "conflict" else None)

    def _cause(self, row: A.AidRow) -> str:
        if self.lang == "zh":
            return row.cause_zh
        return next((c.label_en for c in self.causes if c.code == row.cause), row.cause_zh)

    def refresh_queue(self, select_id: int | None = None) -> None:
        level = LEVELS[max(self.levels.currentIndex(), 0)]
        queues = self.core.read(A.approval_queues, self.today)
        for i, lv in enumerate(LEVELS):
            self.levels.setTabText(i, f"{self.names[lv]} ({len(queues[lv])})")
        rows = []
        for q in queues[level]:
            a = q.aid
            limit = (_yuan(q.limit_fen) if q.limit_fen is not None
                     else self.tr("meeting record") if q.standard_fen is not None
                     else self.tr("no standard"))
            limit_item = _item(limit, True)
            if q.standard_fen is not None:
                limit_item.setToolTip(self.tr("monthly dibao standard %1 yuan")
                                      .replace("%1", _yuan(q.standard_fen)))
            rows.append([_item(a.id, True, data=a.id), _item(a.applied_on.isoformat()),
                         _item(a.name), _item(self.tr("yes") if a.registered else self.tr("no")),
                         _item(a.township_name), _item(self.names[a.aid_type]),
                         _item(self._cause(a)), _item(_yuan(a.amount_requested_fen), True),
                         limit_item, _item(self.names[a.payment_method]), self._sync(a)])
        self._fill(self.queue, rows, select_id)
        self.queue_note.setText({
            "township": self.tr("A township approves up to its limit (a multiple of the "
                                "monthly dibao standard in force)."),
            "county": self.tr("Above the township's limit: the county approves up to its "
                              "limit."),
            "case_by_case": self.tr("Above the county's limit: only a case-by-case decision "
                                    "(一事一议) with the meeting's date, participants and "
                                    "minutes."),
        }[level])
        self._update_actions()

    def refresh_unpaid(self, select_id: int | None = None) -> None:
        cases = self.core.read(A.list_aid, A.AidFilter(status="approved", limit=None))
        rows = []
        for a in cases:
            if a.paperwork_complete:
                file = self.tr("complete")
            elif a.aid_type == "urgent":
                file = self.tr("pay first (先行救助)")
            else:
                file = self.tr("incomplete")
            rows.append([_item(a.id, True, data=a.id),
                         _item(a.approved_on.isoformat() if a.approved_on else ""),
                         _item(a.name), _item(a.township_name), _item(self.names[a.aid_type]),
                         _item(self._cause(a)), _item(_yuan(a.amount_granted_fen), True),
                         _item(self.names.get(a.approval_level or "", "")),
                         _item(self.names[a.payment_method]),
                         _item(file, colour=OVERDUE_COLOUR if file == self.tr("incomplete")
                               else None), self._sync(a)])
        self._fill(self.unpaid, rows, select_id)
        self._update_actions()

    def refresh_paperwork(self, select_id: int | None = None) -> None:
        files = self.core.read(A.paperwork_files, self.today,
                               overdue_only=self.overdue_only.isChecked())
        rows = []
        for f in files:
            a = f.aid
            late = (self.today - f.deadline).days
            rows.append([_item(a.id, True, data=a.id), _item(a.name), _item(a.township_name),
                         _item(self.names[a.aid_type]), _item(self._cause(a)),
                         _item(_yuan(a.amount_granted_fen), True),
                         _item(a.paid_on.isoformat() if a.paid_on else ""),
                         _item(f.deadline.isoformat(),
                               colour=OVERDUE_COLOUR if f.overdue else None),
                         _item(late if f.overdue else "", True,
                               colour=OVERDUE_COLOUR if f.overdue else None), self._sync(a)])
        self._fill(self.files, rows, select_id)
        overdue = sum(1 for f in files if f.overdue)
        self.tabs.setTabText(self.tabs.indexOf(self.paperwork_tab),
                             self.tr("Paperwork (%1 overdue)").replace("%1", str(overdue))
                             if overdue else self.tr("Paperwork"))
        self._update_actions()

    def _stat_kind_changed(self) -> None:
        kind = self.stat_kind.currentData()
        self.stat_number.setVisible(kind != "year")
        self.stat_number.setRange(1, 4 if kind == "quarter" else 12)

    def refresh_statistics(self) -> None:
        kind = self.stat_kind.currentData()
        try:
            start, end = A.period_bounds(kind, self.stat_year.value(), self.stat_number.value())
            area = self.stat_area.currentData()
            st = self.core.read(A.aid_statistics, start, end, None if area == NONE else area,
                                self.stat_basis.currentData())
        except AssistCaseError as e:
            self.stat_total.setText(error_text(e, self.lang))
            return
        self.stat_total.setText(
            self.tr("%1 to %2: %3 person-times, %4 yuan").replace("%1", start.isoformat())
            .replace("%2", (end - dt.timedelta(days=1)).isoformat())
            .replace("%3", f"{st.person_times:,}").replace("%4", _yuan(st.amount_fen)))
        for table, stat_rows, names in ((self.stat_type, st.by_type, True),
                                        (self.stat_cause, st.by_cause, False),
                                        (self.stat_township, st.by_township, False)):
            rows = [[_item(self.names[r.key] if names
                           else (r.label_zh if self.lang == "zh" else r.label_en)),
                     _item(f"{r.person_times:,}", True), _item(_yuan(r.amount_fen), True)]
                    for r in stat_rows]
            total = [_item(self.tr("Total")), _item(f"{st.person_times:,}", True),
                     _item(_yuan(st.amount_fen), True)]
            for it in total:
                font = it.font()
                font.setBold(True)
                it.setFont(font)
            self._fill(table, rows + [total], select_first=False)
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _show_detail(self, table: QTableWidget, detail: QTextBrowser) -> None:
        aid_id = self._selected_id(table)
        if aid_id is None:
            detail.clear()
            self._update_actions()
            return
        view = self.core.read(A.aid_view, aid_id)
        detail.setHtml(self.detail_html(view, self._earlier(aid_id)))
        self._update_actions()

    def _earlier(self, aid_id: int) -> str:
        """Earlier aid to the same household, person or ID number (the repeat-aid check)."""
        check = self.core.read(A.case_repeat_aid, aid_id, self.today)
        return earlier_aid_text(check.earlier, check.months)

    def detail_html(self, v: A.AidView, earlier: str) -> str:
        e = html.escape
        rows: list[tuple[str, str]] = [
            (self.tr("Status"), self.names[v.status]),
            (self.tr("Person"), f"{v.name} {v.id_number}".strip()
             + ("" if v.registered else " · " + self.tr("not in the registry"))),
            (self.tr("Household"), v.household_number),
            (self.tr("Where"), " ".join(x for x in (v.township_name, v.village_name,
                                                     v.found_at) if x)),
            (self.tr("Type"), self.names[v.aid_type]),
            (self.tr("Cause"), v.cause_zh if self.lang == "zh" else v.cause_en),
            (self.tr("Description"), v.description),
            (self.tr("Documents"), "、".join(v.documents)),
            (self.tr("File"), self.tr("complete on %1").replace("%1", str(v.completed_on))
             if v.paperwork_complete else self.tr("incomplete")),
            (self.tr("Applied on"), v.applied_on.isoformat()),
            (self.tr("Requested"), _yuan(v.amount_requested_fen) + " " + self.tr("yuan")),
            (self.tr("Payment"), self.names[v.payment_method]
             + (f" {v.bank_name} {v.account_number}" if v.payment_method == "bank" else "")),
        ]
        if v.approved_on:
            rows += [(self.tr("Granted"), _yuan(v.amount_granted_fen) + " " + self.tr("yuan")),
                     (self.tr("Approved"), f"{v.approved_on} · "
                      f"{self.names.get(v.approval_level or '', '')} · {v.approver}")]
            if v.limit_fen is not None:
                rows.append((self.tr("Limit"), _yuan(v.limit_fen) + " " + self.tr("yuan")))
            if v.approval_level == "case_by_case":
                rows.append((self.tr("Meeting"), f"{v.meeting_date} · {v.meeting_participants}"
                             f" · {v.meeting_minutes}"))
        if v.paid_on:
            rows.append((self.tr("Paid"), f"{v.paid_on} {self.names.get(v.paid_via or '', '')}"))
        if v.paperwork_due:
            rows.append((self.tr("File due"), v.paperwork_due.isoformat()))
        if v.roster_id:
            rows.append((self.tr("Roster"), str(v.roster_id)))
        if v.refused_on:
            rows.append((self.tr("Refused"), f"{v.refused_on} · {v.refusal_reason}"))
        body = "".join(f"<tr><td style='color:#5F6368;padding-right:8px'>{e(k)}</td>"
                       f"<td>{e(val)}</td></tr>" for k, val in rows if val)
        warn = (f"<p style='background:#FFF4CE;color:#4D3B00;padding:4px'>"
                f"{e(earlier).replace(chr(10), '<br>')}</p>") if earlier else ""
        title = self.tr("Case %1").replace("%1", str(v.id))
        return f"<h3>{e(title)}</h3>{warn}<table>{body}</table>"

    def _update_actions(self) -> None:
        busy = self.task is not None
        if hasattr(self, "approve_button"):
            has_case = self._selected_id(self.queue) is not None
            self.approve_button.setEnabled(has_case and not busy)
            self.refuse_button.setEnabled(has_case and not busy)
        if hasattr(self, "pay_button"):
            self.pay_button.setEnabled(self._selected_id(self.unpaid) is not None and not busy)
        if hasattr(self, "complete_button"):
            self.complete_button.setEnabled(self._selected_id(self.files) is not None
                                            and not busy)
        self.roster_button.setEnabled(not busy)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def _warn(self, text: str, result: ServiceResult) -> None:
        """A done message, with the core's warnings shown as such."""
        warnings = [w.message_zh if self.lang == "zh" else w.message_en for w in result.warnings]
        if warnings:
            self.message.setStyleSheet(WARNING_STYLE)
            self.message.setText("\n".join([text] + ["⚠ " + w for w in warnings]))
        else:
            self._say(text)

    # --- dialogs (opened, never exec'd; self.dialog is the open one) -------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    # --- writing ----------------------------------------------------------------------------

    def new_case(self) -> None:
        if self.form is None:
            return
        self.tabs.setCurrentIndex(0)
        self.form.focus_first()

    def _recorded(self, result: ServiceResult) -> None:
        self.refresh_queue(result.created_id)
        self._say("")
        self.broadcast(Change.AID)

    def _view(self, aid_id: int) -> A.AidView:
        return self.core.read(A.aid_view, aid_id)

    def ask_approve(self) -> ApproveDialog | None:
        aid_id = self._selected_id(self.queue)
        if self.read_only or aid_id is None:
            return None
        level = LEVELS[max(self.levels.currentIndex(), 0)]
        view = self.core.read(A.aid_view, aid_id)

        def limits_on(day: dt.date):
            return self.core.read(A.case_limits, aid_id, day)

        def approve(data: A.ApprovalInput) -> ServiceResult:
            return self.core.write(A.approve_aid, aid_id, data)

        held = tuple(lv for lv in LEVELS
                     if allowed(self.actor, AID_LEVEL_PERMISSION[lv])) or LEVELS
        dlg = ApproveDialog(view, level, self.today, limits_on,
                            self._earlier(aid_id), approve, self.names,
                            self.lang, self, levels=held)
        dlg.accepted.connect(lambda: self._approved(aid_id, dlg.result_value))
        self._open(dlg)
        return dlg

    def _approved(self, aid_id: int, result: ServiceResult) -> None:
        view = self._view(aid_id)
        self.refresh()
        text = self.tr("Approved case %1: %2 yuan to %3 (%4).").replace("%1", str(aid_id)) \
            .replace("%2", _yuan(view.amount_granted_fen)).replace("%3", view.name) \
            .replace("%4", self.names[view.approval_level])
        if view.aid_type == "urgent" and not view.paperwork_complete:
            text += " " + self.tr("Urgent aid: it may be paid now, before the file is complete "
                                  "(Payment tab).")
        self._warn(text, result)
        self.broadcast(Change.AID)

    def ask_refuse(self) -> RefuseDialog | None:
        aid_id = self._selected_id(self.queue)
        if self.read_only or aid_id is None:
            return None
        dlg = RefuseDialog(self._view(aid_id), self.today,
                           lambda on, reason: self.core.write(A.refuse_aid, aid_id, on,
                                                              reason), self.lang, self)
        dlg.accepted.connect(lambda: self._done(self.tr("Refused case %1.")
                                                .replace("%1", str(aid_id)), dlg.result_value))
        self._open(dlg)
        return dlg

    def ask_payment(self) -> PaymentDialog | None:
        aid_id = self._selected_id(self.unpaid)
        if self.read_only or aid_id is None:
            return None
        dlg = PaymentDialog(self._view(aid_id), self.today,
                            lambda on, note: self.core.write(A.record_payment, aid_id, on,
                                                             note), self.names, self.lang, self)
        dlg.accepted.connect(lambda: self._done(self.tr("Payment of case %1 recorded.")
                                                .replace("%1", str(aid_id)), dlg.result_value))
        self._open(dlg)
        return dlg

    def ask_paperwork(self) -> PaperworkDialog | None:
        aid_id = self._selected_id(self.files)
        if self.read_only or aid_id is None:
            return None
        dlg = PaperworkDialog(self._view(aid_id), self.today,
                              lambda docs, on: self.core.write(
                                  A.update_paperwork, aid_id, documents=docs, completed_on=on),
                              self.lang, self)
        dlg.accepted.connect(lambda: self._done(self.tr("The file of case %1 is complete.")
                                                .replace("%1", str(aid_id)), dlg.result_value))
        self._open(dlg)
        return dlg

    def _done(self, text: str, result: ServiceResult) -> None:
        self.refresh()
        self._warn(text, result)
        self.broadcast(Change.AID)

    # --- the temporary-aid roster -----------------------------------------------------------

    def open_roster_dialog(self) -> BuildRosterDialog | None:
        if self.read_only:
            return None
        dlg = BuildRosterDialog(self.areas, self.today, self)
        dlg.accepted.connect(lambda: self.build_roster(*dlg.values()))
        self._open(dlg)
        return dlg

    def build_roster(self, area_id: int, month: dt.date,
                     pay_date: dt.date | None = None) -> Op | None:
        """Build the temporary-aid roster of an area and month in the background."""
        if self.read_only or self.task is not None:
            return None

        def succeeded(result: AR.AidRosterResult) -> None:
            self.last_roster_id = result.roster_id
            parts = [self.tr("Roster built: %1 lines (%2 cases), total %3 yuan. Review and "
                             "approve it in the rosters page; approving it pays the cases.")
                     .replace("%1", f"{result.lines:,}").replace("%2", f"{result.cases:,}")
                     .replace("%3", _yuan(result.total_fen))]
            if result.reissues:
                parts.append(self.tr("%1 failed payments reissued.")
                             .replace("%1", str(result.reissues)))
            if result.skipped_incomplete:
                parts.append(self.tr("%1 expenditure cases wait for a complete file.")
                             .replace("%1", str(result.skipped_incomplete)))
            self._say(" ".join(parts))
            self.show_roster_button.setVisible(self._rosters_page_host() is not None)
            self.refresh()

        return self.run_op(
            lambda progress, cancel: self.core.write(
                AR.build_temp_aid_roster, area_id, month, pay_date=pay_date, progress=progress,
                cancel=cancel),
            self.tr("Building the temporary-aid roster…"), succeeded, Change.ROSTERS | Change.AID,
            on_failure=lambda exc, _tb: self._say(error_text(exc, self.lang), error=True),
            on_cancel=lambda: self._say(self.tr("Cancelled: nothing was written.")))

    def busy_changed(self) -> None:
        self._update_actions()

    def _rosters_page_host(self) -> QWidget | None:
        """The main window when the page lives in one (it shows the other pages)."""
        window = self.window()
        return window if window is not self and hasattr(window, "show_page") else None

    def show_roster(self, roster_id: int | None) -> QWidget | None:
        """Show a roster in the rosters page of the main window (its list re-read)."""
        host = self._rosters_page_host()
        if host is None or roster_id is None:
            return None
        page = host.show_page("rosters")
        page.refresh_list(roster_id)
        return page
