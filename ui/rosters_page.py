"""Payment rosters page (发放花名册): build, review, approve, adjust, print and pay.

A thin view over :mod:`assistcase.services.rosters`. The list of rosters is on top; below it
the selected roster: its header, the actions its state allows, its lines (a lazy model: a
city roster has some 230,000 of them) and the subtotals per village. Building, rebuilding,
printing and the bank files run as an :class:`~ui.ops.Op` with a progress
dialog and a working cancel; the core's refusals are shown in the page, in the user's
language. ``read_only=True`` (the supervisor) shows the rosters and prints them, and has no
control that writes to the database.

Dialogs are opened with ``open()`` (never a blocking ``exec()``), and the page keeps the open
one in :attr:`RostersPage.dialog`, so a test answers it like a user would. The file dialogs
are the methods :meth:`RostersPage.ask_save_path` and :meth:`RostersPage.ask_open_path`;
a written file is opened in the system viewer unless :attr:`RostersPage.open_results` is
false (or the environment variable ``ASSISTCASE_NO_OPEN`` is set).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QLocale, QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog,
                               QDialogButtonBox, QFileDialog, QFormLayout, QFrame, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSplitter, QStackedWidget, QTableView,
                               QVBoxLayout, QWidget)

from assistcase.core import Core
from assistcase.db import Database
from assistcase.errors import AssistCaseError
from assistcase.services import rosters as R

from .signin import allowed
from .labels import fen_to_yuan_text, yuan_text_to_fen
from .ops import Change, Op, Page
from .received_rosters import ReceivedRostersBox
from .roster_lines_model import RosterLinesModel
from .widgets import (ERROR_STYLE, error_text, pydate as _pydate, qdate as _qdate,  # noqa: F401
                      read_only_table, table_item)

STATUS_COLOURS = {"draft": "#5F6368", "reviewed": "#8A6D00", "approved": "#1B7F3B"}


# the shared helpers under the names this page and its neighbours have always used
_item, _table = table_item, read_only_table


class NewRosterDialog(QDialog):
    """The roster to build: a month's roster of a program, or a one-time subsidy.

    ``check_one_time`` (the page's) returns the core's refusal of a one-time subsidy already
    paid for the same purpose to the same persons, or ''; the dialog shows it under the
    purpose and stays open."""

    def __init__(self, areas: list[tuple[int, str, str]], today: dt.date,
                 parent: QWidget | None = None,
                 check_one_time: Callable[[R.OneTimeInput], str] | None = None):
        super().__init__(parent)
        self.check_one_time = check_one_time
        self.setWindowTitle(self.tr("New roster"))
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Monthly roster"), "monthly")
        self.kind.addItem(self.tr("One-time subsidy"), "one_time")
        self.area = QComboBox()
        indent = {"city": "", "county": "    ", "township": "        "}
        for area_id, name, level in areas:
            self.area.addItem(indent.get(level, "") + name, area_id)
        self.residence_class = QComboBox()
        self.residence_class.addItem(self.tr("Urban and rural"), None)
        self.residence_class.addItem(self.tr("Urban"), "urban")
        self.residence_class.addItem(self.tr("Rural"), "rural")

        self.month = QDateEdit(_qdate(today.replace(day=1)))
        self.month.setDisplayFormat("yyyy-MM")
        self.month.setCalendarPopup(True)
        self.program = QComboBox()
        self.program.addItem(self.tr("Dibao"), "dibao")
        self.program.addItem(self.tr("Extreme hardship"), "tekun")
        monthly = QWidget()
        mf = QFormLayout(monthly)
        mf.setContentsMargins(0, 0, 0, 0)
        mf.addRow(self.tr("Month"), self.month)
        mf.addRow(self.tr("Program"), self.program)

        self.pay_date = QDateEdit(_qdate(today))
        self.pay_date.setDisplayFormat("yyyy-MM-dd")
        self.pay_date.setCalendarPopup(True)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("yuan per person, e.g. 210"))
        self.purpose = QLineEdit()
        self.purpose.setMaxLength(R.PURPOSE_MAX)
        self.purpose.setPlaceholderText(self.tr("what it pays for, e.g. 2022年一次性生活补贴"))
        self.purpose_error = QLabel()
        self.purpose_error.setStyleSheet(ERROR_STYLE)
        self.purpose_error.setWordWrap(True)
        self.purpose_error.setVisible(False)
        self.purpose.textChanged.connect(lambda _t: self._purpose_problem(""))
        self.cat_dibao = QCheckBox(self.tr("Dibao"))
        self.cat_tekun = QCheckBox(self.tr("Extreme hardship"))
        self.cat_dibao.setChecked(True)
        self.cat_tekun.setChecked(True)
        cats = QWidget()
        ch = QHBoxLayout(cats)
        ch.setContentsMargins(0, 0, 0, 0)
        ch.addWidget(self.cat_dibao)
        ch.addWidget(self.cat_tekun)
        ch.addStretch(1)
        one_time = QWidget()
        of = QFormLayout(one_time)
        of.setContentsMargins(0, 0, 0, 0)
        of.addRow(self.tr("Purpose"), self.purpose)
        of.addRow("", self.purpose_error)
        of.addRow(self.tr("Payment date"), self.pay_date)
        of.addRow(self.tr("Amount per person"), self.amount)
        of.addRow(self.tr("Categories"), cats)

        self.details = QStackedWidget()
        self.details.addWidget(monthly)
        self.details.addWidget(one_time)
        self.kind.currentIndexChanged.connect(self.details.setCurrentIndex)

        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Build"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Area"), self.area)
        form.addRow(self.tr("Urban / rural"), self.residence_class)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.details)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def set_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def _purpose_problem(self, text: str) -> None:
        self.purpose_error.setText(text)
        self.purpose_error.setVisible(bool(text))

    def accept(self) -> None:
        if self.kind.currentData() == "one_time":
            if not self.purpose.text().strip():
                self._purpose_problem(self.tr("Enter what the subsidy pays for, for example "
                                              "2022年一次性生活补贴."))
                self.purpose.setFocus()
                return
            if yuan_text_to_fen(self.amount.text()) is None:
                self.error.setText(
                    self.tr("Enter the amount per person in yuan, for example 210."))
                return
            refusal = self.check_one_time(self.roster_input()) if self.check_one_time else ""
            if refusal:
                self._purpose_problem(refusal)
                self.purpose.setFocus()
                return
        self._purpose_problem("")
        self.error.clear()
        super().accept()

    def roster_input(self) -> R.MonthlyRosterInput | R.OneTimeInput:
        cls = self.residence_class.currentData()
        if self.kind.currentData() == "monthly":
            return R.MonthlyRosterInput(self.area.currentData(), _pydate(self.month.date()),
                                        self.program.currentData(), cls)
        cats = tuple(c for c, box in (("dibao", self.cat_dibao), ("tekun", self.cat_tekun))
                     if box.isChecked())
        return R.OneTimeInput(self.area.currentData(), _pydate(self.pay_date.date()),
                              yuan_text_to_fen(self.amount.text()) or 0, cats, cls,
                              purpose=self.purpose.text().strip())


class FundsDialog(QDialog):
    """The funds report to write: area, year, a month or the whole year, PDF or Excel."""

    def __init__(self, areas: list[tuple[int, str, str]], today: dt.date,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Funds report"))
        self.area = QComboBox()
        indent = {"city": "", "county": "    ", "township": "        "}
        for area_id, name, level in areas:
            self.area.addItem(indent.get(level, "") + name, area_id)
        self.year = QComboBox()
        for year in range(today.year, today.year - 6, -1):
            self.year.addItem(str(year), year)
        self.month = QComboBox()
        self.month.addItem(self.tr("Whole year"), None)
        for m in range(1, 13):
            self.month.addItem(self.tr("Month %1").replace("%1", str(m)), m)
        self.format = QComboBox()
        self.format.addItem(self.tr("PDF"), "pdf")
        self.format.addItem(self.tr("Excel"), "xlsx")
        note = QLabel(self.tr("Counts approved rosters only: households, persons and amounts by "
                              "program, class and village, and the average paid per person "
                              "against the required subsidy level."))
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Area"), self.area)
        form.addRow(self.tr("Year"), self.year)
        form.addRow(self.tr("Period"), self.month)
        form.addRow(self.tr("Format"), self.format)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def choice(self) -> tuple[int, int, int | None, str]:
        return (self.area.currentData(), self.year.currentData(), self.month.currentData(),
                self.format.currentData())


class PendingDialog(QDialog):
    """What earlier rosters left to pay: failed payments waiting for their reissue (重发) and
    adjustments (补发 / 扣减) waiting for the next roster of their program."""

    def __init__(self, items: list[R.PendingItem], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Waiting for the next roster"))
        kinds = {"reissue": self.tr("Reissue (failed payment)"),
                 "supplement": self.tr("Supplement"), "deduction": self.tr("Deduction")}
        self.table = _table([self.tr("Kind"), self.tr("Month"), self.tr("Roster"),
                             self.tr("Payee"), self.tr("Village"), self.tr("Amount (yuan)"),
                             self.tr("Reason")])
        self.table.setObjectName("pending")
        self.table.setRowCount(len(items))
        for row, it in enumerate(items):
            amount = _item(fen_to_yuan_text(it.amount_fen), align_right=True)
            for col, cell in enumerate((_item(kinds.get(it.kind, it.kind)),
                                        _item(f"{it.month:%Y-%m}"), _item(str(it.roster_id)),
                                        _item(it.payee_name), _item(it.village_name), amount,
                                        _item(it.reason))):
                self.table.setItem(row, col, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        summary = QLabel(self.tr("%1 item(s). Each is paid by the next roster built for its "
                                 "program and area, exactly once.").replace("%1", str(len(items))))
        summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(900, 420)


class AdjustmentDialog(QDialog):
    """A supplement (补发) or deduction (扣减) on a line of an approved roster; the next roster
    of the program pays it. ``submit(amount_fen, reason)`` records it; a refusal stays in
    the dialog."""

    def __init__(self, line: R.LineRow, submit: Callable[[int, str], None], lang: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._submit = submit
        self._lang = lang
        self.setWindowTitle(self.tr("Record adjustment"))
        who = QLabel(self.tr("%1 (%2), paid %3 yuan in this roster")
                     .replace("%1", line.payee_name)
                     .replace("%2", f"{line.township_name} {line.village_name}".strip())
                     .replace("%3", fen_to_yuan_text(line.amount_fen)))
        who.setWordWrap(True)
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Supplement (pay more)"), 1)
        self.kind.addItem(self.tr("Deduction (withhold)"), -1)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("yuan"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Reason"))
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        note = QLabel(self.tr("The next roster of this program pays the adjustment; this "
                              "roster stays as approved."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Record"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(who)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Amount"), self.amount)
        form.addRow(self.tr("Reason"), self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(380)

    def accept(self) -> None:
        fen = yuan_text_to_fen(self.amount.text())
        if not fen:
            self.error.setText(self.tr("Enter the amount in yuan, for example 120."))
            return
        try:
            self._submit(fen * self.kind.currentData(), self.reason.text())
        except AssistCaseError as e:
            self.error.setText(error_text(e, self._lang))
            return
        super().accept()


class RostersPage(Page):
    """The rosters page. ``today`` fixes the default month (tests); default: the real date."""

    refresh_on = Change.ROSTERS | Change.AID

    #: Open a written PDF or workbook in the system viewer (off in tests and batch runs).
    open_results: bool = not os.environ.get("ASSISTCASE_NO_OPEN")

    def __init__(self, core: Core | Database, actor: str | int | None = None,
                 read_only: bool = False, parent: QWidget | None = None,
                 today: dt.date | None = None):
        super().__init__(core, actor, read_only, parent)
        read_only = self.read_only
        self.today = today or dt.date.today()
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.view: R.RosterView | None = None
        self.dialog: QDialog | None = None  # the dialog the page is waiting on, if any
        self.last_output: str | None = None
        self.status_names = {"draft": self.tr("Draft"), "reviewed": self.tr("Reviewed"),
                             "approved": self.tr("Approved")}
        self.program_names = {"dibao": self.tr("Dibao"), "tekun": self.tr("Extreme hardship"),
                              "one_time": self.tr("One-time subsidy"),
                              "temp_aid": self.tr("Temporary aid")}
        self.class_names = {None: self.tr("urban and rural"), "urban": self.tr("urban"),
                            "rural": self.tr("rural")}

        top = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New roster…"))
        self.new_button.clicked.connect(self.open_new_dialog)
        self.new_button.setVisible(not read_only and allowed(actor, "roster.build"))
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(lambda: self.refresh_list())
        self.pending_button = QPushButton(self.tr("Waiting for the next roster…"))
        self.pending_button.clicked.connect(self.show_pending)
        top.addWidget(self.new_button)
        top.addWidget(self.pending_button)
        self.funds_button = QPushButton(self.tr("Funds report…"))
        self.funds_button.clicked.connect(self.open_funds_dialog)
        top.addWidget(self.funds_button)
        top.addStretch(1)
        if read_only:
            top.addWidget(QLabel(self.tr("Read-only view")))
        top.addWidget(refresh)

        self.list = _table([self.tr("Month"), self.tr("Title"), self.tr("Program"),
                            self.tr("Area"), self.tr("Status"), self.tr("Lines"),
                            self.tr("Total (yuan)")])
        self.list.setObjectName("rosters")
        self.list.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.itemSelectionChanged.connect(self._selection_changed)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("rosters_split")  # its state is kept (ui.ops.Page)
        split.addWidget(self.list)
        split.addWidget(self._build_detail())
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([170, 600])
        # a township's copies of the bureau's rosters over its households (read-only)
        self.received = ReceivedRostersBox(self.core)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split)
        layout.addWidget(self.received)
        self.refresh_list()

    # --- building the widgets ---------------------------------------------------------------

    def _build_detail(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel()
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel()
        self.status_label.setObjectName("roster_status")
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.status_label)
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.people_label = QLabel()
        self.people_label.setWordWrap(True)
        v.addLayout(title_row)
        v.addWidget(self.info_label)
        v.addWidget(self.people_label)

        actions = QHBoxLayout()
        self.review_button = QPushButton(self.tr("Review"))
        self.send_back_button = QPushButton(self.tr("Send back…"))
        self.approve_button = QPushButton(self.tr("Approve…"))
        self.rebuild_button = QPushButton(self.tr("Rebuild…"))
        self.discard_button = QPushButton(self.tr("Discard…"))
        self.adjust_button = QPushButton(self.tr("Record adjustment…"))
        self.print_button = QPushButton(self.tr("Print roster (PDF)…"))
        self.notice_button = QPushButton(self.tr("Public notice (PDF)…"))
        self.bank_button = QPushButton(self.tr("Bank file (Excel)…"))
        self.returns_button = QPushButton(self.tr("Import bank returns…"))
        self.review_button.clicked.connect(self.review)
        self.send_back_button.clicked.connect(self.ask_send_back)
        self.approve_button.clicked.connect(self.ask_approve)
        self.rebuild_button.clicked.connect(self.ask_rebuild)
        self.discard_button.clicked.connect(self.ask_discard)
        self.adjust_button.clicked.connect(self.ask_adjustment)
        self.print_button.clicked.connect(lambda: self.ask_export("roster"))
        self.notice_button.clicked.connect(lambda: self.ask_export("notice"))
        self.bank_button.clicked.connect(lambda: self.ask_export("bank"))
        self.returns_button.clicked.connect(self.ask_import_returns)
        self.write_buttons = [self.review_button, self.send_back_button, self.approve_button,
                              self.rebuild_button, self.discard_button, self.adjust_button,
                              self.bank_button, self.returns_button]
        for b in (self.review_button, self.send_back_button, self.approve_button,
                  self.rebuild_button, self.discard_button):
            actions.addWidget(b)
        self.separator = QFrame()
        self.separator.setFrameShape(QFrame.Shape.VLine)
        self.separator.setFrameShadow(QFrame.Shadow.Sunken)
        actions.addWidget(self.separator)
        for b in (self.adjust_button, self.print_button, self.notice_button, self.bank_button,
                  self.returns_button):
            actions.addWidget(b)
        actions.addStretch(1)
        v.addLayout(actions)

        self.message = QLabel()
        self.message.setObjectName("roster_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.message)

        self.model = RosterLinesModel(self.core, self)
        self.lines = QTableView()
        self.lines.setObjectName("roster_lines")
        self.lines.setModel(self.model)
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines.setAlternatingRowColors(True)
        self.lines.verticalHeader().setVisible(False)
        self.lines.verticalHeader().setDefaultSectionSize(
            self.lines.fontMetrics().height() + 8)
        self.lines.setWordWrap(False)
        lh = self.lines.horizontalHeader()
        lh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        lh.setStretchLastSection(True)
        # fixed widths (sizing to contents would read every line of a city roster)
        for col, width in enumerate((58, 150, 64, 150, 44, 90, 95, 260)):
            self.lines.setColumnWidth(col, max(width, lh.sectionSizeHint(col)))
        self.lines.doubleClicked.connect(lambda _i: self.ask_adjustment())

        self.villages = _table([self.tr("Township"), self.tr("Village"), self.tr("Lines"),
                                self.tr("Persons"), self.tr("Amount (yuan)")])
        self.villages.setObjectName("village_totals")
        self.villages.verticalHeader().setDefaultSectionSize(
            self.lines.verticalHeader().defaultSectionSize())
        self.list.verticalHeader().setDefaultSectionSize(
            self.lines.verticalHeader().defaultSectionSize())
        self.villages.itemSelectionChanged.connect(self._village_selected)
        box = QWidget()
        bv = QVBoxLayout(box)
        bv.setContentsMargins(0, 0, 0, 0)
        bv.addWidget(QLabel(self.tr("Subtotals by village")))
        bv.addWidget(self.villages)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("lines_split")
        split.addWidget(self.lines)
        split.addWidget(box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([880, 360])
        v.addWidget(split, 1)
        return w

    # --- showing ----------------------------------------------------------------------------

    def program_text(self, view: R.RosterView) -> str:
        if view.kind == "one_time":
            cats = "、".join(self.program_names[c] for c in view.categories.split(",") if c)
            return f"{self.program_names['one_time']} ({cats})"
        return f"{self.program_names.get(view.program, view.program)} " \
               f"({self.class_names.get(view.residence_class, '')})"

    def refresh_list(self, select_id: int | None = None) -> None:
        """Re-read the list of rosters, keeping (or moving to) the selected one."""
        keep = select_id if select_id is not None else (self.view.id if self.view else None)
        rosters = self.core.read(R.list_rosters)
        self.list.blockSignals(True)
        self.list.setUpdatesEnabled(False)
        self.list.setRowCount(len(rosters))
        row_to_select = 0 if rosters else -1
        for r, v in enumerate(rosters):
            month = f"{v.month:%Y-%m}" if v.kind != "one_time" or v.pay_date is None \
                else v.pay_date.isoformat()
            cells = [_item(month, data=v.id), _item(v.title), _item(self.program_text(v)),
                     _item(v.area_name),
                     _item(self.status_names[v.status], colour=STATUS_COLOURS[v.status]),
                     _item(f"{v.line_count:,}", True),
                     _item(fen_to_yuan_text(v.total_fen), True)]
            for c, item in enumerate(cells):
                self.list.setItem(r, c, item)
            if v.id == keep:
                row_to_select = r
        self.list.resizeColumnsToContents()  # once, not per cell
        self.list.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.setUpdatesEnabled(True)
        if row_to_select >= 0:
            self.list.selectRow(row_to_select)
        self.list.blockSignals(False)
        if row_to_select >= 0:
            self.show_roster(rosters[row_to_select].id)
        else:
            self.show_roster(None)

    def selected_roster_id(self) -> int | None:
        rows = {i.row() for i in self.list.selectedItems()}
        if not rows:
            return None
        item = self.list.item(min(rows), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _selection_changed(self) -> None:
        rid = self.selected_roster_id()
        if rid is not None and (self.view is None or self.view.id != rid):
            self.message.clear()
            self.show_roster(rid)

    def show_roster(self, roster_id: int | None) -> None:
        """Show a roster's header, lines and village subtotals (re-read from the database)."""
        if roster_id is None:
            self.view = None
            # only a user who may build is told to build one (an approver has no such button)
            self.title_label.setText(self.tr("No roster yet. Build one with “New roster…”.")
                                     if self.new_button.isVisibleTo(self)
                                     else self.tr("No roster yet."))
            self.status_label.clear()
            self.info_label.clear()
            self.people_label.clear()
            self.model.set_roster(None, 0)
            self.villages.setRowCount(0)
            self._update_actions()
            return
        v = self.view = self.core.read(R.roster_view, roster_id)
        groups = self.core.read(R.village_totals, roster_id)
        self.title_label.setText(v.title)
        self.status_label.setText(self.status_names[v.status])
        self.status_label.setStyleSheet(
            f"color: {STATUS_COLOURS[v.status]}; font-weight: bold; font-size: 15px;")
        period = (self.tr("Payment date %1").replace("%1", v.pay_date.isoformat())
                  if v.kind == "one_time" and v.pay_date
                  else self.tr("Month %1").replace("%1", f"{v.month:%Y-%m}"))
        info = [self.tr("Issued by %1").replace("%1", v.issuing_office), period,
                self.program_text(v), v.area_name]
        if v.purpose:
            info.insert(2, self.tr("Purpose %1").replace("%1", v.purpose))
        if v.amount_per_person_fen:
            info.append(self.tr("%1 yuan per person")
                        .replace("%1", fen_to_yuan_text(v.amount_per_person_fen)))
        self.info_label.setText(" · ".join(info))
        people = [self.tr("%1 lines, %2 households, %3 persons, total %4 yuan")
                  .replace("%1", f"{v.line_count:,}").replace("%2", f"{v.household_count:,}")
                  .replace("%3", f"{v.person_count:,}")
                  .replace("%4", fen_to_yuan_text(v.total_fen)),
                  self.tr("prepared by %1").replace("%1", v.built_by)]
        if v.reviewed_by:
            people.append(self.tr("reviewed by %1").replace("%1", v.reviewed_by))
        if v.approved_by:
            people.append(self.tr("approved by %1 on %2").replace("%1", v.approved_by)
                          .replace("%2", f"{v.approved_at:%Y-%m-%d}"))
        self.people_label.setText(" · ".join(people))
        self.model.set_roster(v.id, v.line_count)
        self._fill_villages(groups, v)
        self._update_actions()

    def _fill_villages(self, groups: list[R.GroupTotal], v: R.RosterView) -> None:
        self.villages.setUpdatesEnabled(False)
        self.villages.clearSelection()
        self.villages.setRowCount(len(groups) + 1)
        first = 0
        for r, g in enumerate(groups):
            cells = [_item(g.township_name, data=first), _item(g.village_name),
                     _item(f"{g.lines:,}", True), _item(f"{g.persons:,}", True),
                     _item(fen_to_yuan_text(g.amount_fen), True)]
            for c, item in enumerate(cells):
                self.villages.setItem(r, c, item)
            first += g.lines
        bold = QFont(self.villages.font())
        bold.setBold(True)
        total = [_item(self.tr("Total")), _item(""), _item(f"{v.line_count:,}", True),
                 _item(f"{v.person_count:,}", True), _item(fen_to_yuan_text(v.total_fen), True)]
        for c, item in enumerate(total):
            item.setFont(bold)
            self.villages.setItem(len(groups), c, item)
        self.villages.resizeColumnsToContents()  # once, not per cell
        self.villages.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.villages.setUpdatesEnabled(True)

    def _village_selected(self) -> None:
        """Scroll the lines to the first line of the chosen village (lines run village by
        village in printing order)."""
        rows = {i.row() for i in self.villages.selectedItems()}
        item = self.villages.item(min(rows), 0) if rows else None
        first = item.data(Qt.ItemDataRole.UserRole) if item else None
        if isinstance(first, int) and first < self.model.rowCount():
            index = self.model.index(first, 0)
            self.lines.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
            self.lines.selectRow(first)

    def _update_actions(self) -> None:
        status = self.view.status if self.view else None
        busy = self.task is not None
        shown = {
            self.review_button: status == "draft",
            self.send_back_button: status == "reviewed",
            self.approve_button: status == "reviewed",
            # a temporary-aid roster is built from the aid page; discard and build it there
            self.rebuild_button: status in ("draft", "reviewed")
            and self.view is not None and self.view.kind != "temp_aid",
            self.discard_button: status in ("draft", "reviewed"),
            self.adjust_button: status == "approved",
            self.print_button: status is not None,
            self.notice_button: status is not None,
            self.bank_button: status == "approved",
            self.returns_button: status == "approved",
        }
        needs = {  # a button shows only to a role that may use it (issue 13)
            self.review_button: ("roster.review",),
            self.send_back_button: ("roster.review", "roster.approve"),
            self.approve_button: ("roster.approve",),
            self.rebuild_button: ("roster.build",), self.discard_button: ("roster.build",),
            self.adjust_button: ("roster.build",), self.returns_button: ("roster.build",),
            self.print_button: ("export.personal",), self.notice_button: ("export.personal",),
            self.bank_button: ("export.personal",),
        }
        for button, visible in shown.items():
            if self.read_only and button in self.write_buttons:
                visible = False
            if not allowed(self.actor, *needs.get(button, ())):
                visible = False
            shown[button] = visible
            button.setVisible(visible)
            button.setEnabled(not busy)
        workflow = (self.review_button, self.send_back_button, self.approve_button,
                    self.rebuild_button, self.discard_button)
        self.separator.setVisible(any(shown[b] for b in workflow))
        self.new_button.setEnabled(not busy)

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def _error(self, e: BaseException) -> None:
        self._say(error_text(e, self.lang), error=True)

    # --- dialogs (opened, never exec'd; self.dialog is the open one) -------------------------

    def _open(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        QDialog.open(dialog)  # QPrintDialog.open overloads it with (receiver, member)
        return dialog

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _confirm(self, title: str, text: str, yes_text: str,
                 then: Callable[[], None]) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.button(QMessageBox.StandardButton.Yes).setText(yes_text)
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def done(_result: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                then()
        box.finished.connect(done)
        self._open(box)
        return box

    def _ask_reason(self, title: str, label: str, then: Callable[[str], None]) -> QInputDialog:
        dlg = QInputDialog(self)
        dlg.setWindowTitle(title)
        dlg.setLabelText(label)
        dlg.setInputMode(QInputDialog.InputMode.TextInput)
        dlg.setOkButtonText(self.tr("OK"))
        dlg.setCancelButtonText(self.tr("Cancel"))
        dlg.textValueSelected.connect(then)
        self._open(dlg)
        return dlg

    def ask_save_path(self, title: str, name: str, filter_: str) -> str:
        folder = QSettings().value("rosters/output_dir", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(str(folder)) / name),
                                              filter_)
        if path:
            QSettings().setValue("rosters/output_dir", str(Path(path).parent))
        return path

    def ask_open_path(self, title: str, filter_: str) -> str:
        folder = QSettings().value("rosters/output_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, title, str(folder), filter_)
        return path

    # --- background runs --------------------------------------------------------------------

    def _run(self, fn: Callable[..., Any], title: str, on_success: Callable[[Any], None],
             changes: Change = Change.NONE) -> Op | None:
        return self.run_op(fn, title, on_success, changes,
                           on_failure=lambda exc, _tb: self._error(exc),
                           on_cancel=lambda: self._say(self.tr("Cancelled: nothing was written.")))

    def busy_changed(self) -> None:
        self._update_actions()

    def refresh(self) -> None:
        self.refresh_list()
        self.received.refresh()

    # --- building ---------------------------------------------------------------------------

    def open_new_dialog(self) -> NewRosterDialog | None:
        if self.read_only:
            return None
        areas = self.core.read(R.roster_areas)
        dlg = NewRosterDialog(areas, self.today, self, check_one_time=self.one_time_refusal)
        dlg.accepted.connect(lambda: self.build(dlg.roster_input()))
        self._open(dlg)
        return dlg

    def one_time_refusal(self, data: R.OneTimeInput) -> str:
        """The core's refusal of a one-time subsidy already paid for the same purpose to the
        same persons, in the user's language, or ''. The build checks it again in its own
        transaction."""
        try:
            self.core.read(R.refuse_duplicate_one_time, data)
        except AssistCaseError as e:
            return error_text(e, self.lang)
        return ""

    def build(self, data: R.MonthlyRosterInput | R.OneTimeInput) -> Op | None:
        """Build a draft roster in the background; the new roster is selected."""
        if isinstance(data, R.OneTimeInput):
            def fn(progress, cancel):
                return self.core.write(R.build_one_time_roster, data, progress, cancel)
        else:
            def fn(progress, cancel):
                return self.core.write(R.build_monthly_roster, data, progress, cancel)
        return self._run(fn, self.tr("Building the roster…"), self._built, Change.ROSTERS)

    def _built(self, result: R.BuildResult) -> None:
        self.refresh_list(result.roster_id)
        parts = [self.tr("Built: %1 lines, total %2 yuan.").replace("%1", f"{result.lines:,}")
                 .replace("%2", fen_to_yuan_text(result.total_fen))]
        if result.reissues or result.adjustments:
            parts.append(self.tr("Carried in: %1 reissues of failed payments, %2 adjustments.")
                         .replace("%1", str(result.reissues))
                         .replace("%2", str(result.adjustments)))
        if result.deferred_deductions:
            parts.append(self.tr("%1 deductions wait for a later roster.")
                         .replace("%1", str(result.deferred_deductions)))
        if result.skipped_no_standard:
            parts.append(self.tr("%1 cases have no standard in force and are not paid.")
                         .replace("%1", str(result.skipped_no_standard)))
        self._say(" ".join(parts))

    def ask_rebuild(self) -> None:
        if self.view is None:
            return
        text = self.tr("Build the roster again from the registry as it is now? Its lines are "
                       "replaced.")
        if self.view.status == "reviewed":
            text += "\n" + self.tr("The roster goes back to draft and must be reviewed again.")
        self._confirm(self.tr("Rebuild roster"), text, self.tr("Rebuild"), self.rebuild)

    def rebuild(self) -> Op | None:
        if self.view is None:
            return None
        rid = self.view.id
        return self._run(lambda progress, cancel: self.core.write(R.rebuild_roster, rid,
                                                                  progress, cancel),
                         self.tr("Rebuilding the roster…"), self._built, Change.ROSTERS)

    # --- review and approval ----------------------------------------------------------------

    def _write(self, action: Callable[[], Any], done: str) -> bool:
        try:
            action()
        except AssistCaseError as e:
            self.refresh_list()  # the roster may have changed under us
            self._error(e)
            return False
        self.refresh_list()
        self._say(done)
        self.broadcast(Change.ROSTERS)
        return True

    def _write_shown(self, service: Callable[..., Any], *args: Any, done: str) -> bool:
        """A workflow step on the roster shown: ``service(db, actor, roster_id, *args)``."""
        if self.view is None:
            return False
        rid = self.view.id
        return self._write(lambda: self.core.write(service, rid, *args), done)

    def review(self) -> bool:
        return self._write_shown(R.review_roster, done=self.tr("Reviewed."))

    def ask_send_back(self) -> None:
        if self.view is not None:
            self._ask_reason(self.tr("Send back to draft"),
                             self.tr("Reason for sending the roster back:"), self.send_back)

    def send_back(self, reason: str) -> bool:
        return self._write_shown(R.reopen_roster, reason, done=self.tr("Sent back to draft."))

    def ask_approve(self) -> None:
        if self.view is None:
            return
        v = self.view
        self._confirm(
            self.tr("Approve roster"),
            self.tr("Approve “%1”: %2 lines, total %3 yuan?\n\nApproval freezes the roster: its "
                    "lines can never be changed again. Later corrections are recorded as "
                    "adjustments that the next roster pays.")
            .replace("%1", v.title).replace("%2", f"{v.line_count:,}")
            .replace("%3", fen_to_yuan_text(v.total_fen)),
            self.tr("Approve and freeze"), self.approve)

    def approve(self) -> bool:
        return self._write_shown(R.approve_roster, done=self.tr("Approved: the roster is frozen."))

    def ask_discard(self) -> None:
        if self.view is not None:
            self._ask_reason(self.tr("Discard roster"),
                             self.tr("Reason for discarding the roster:"), self.discard)

    def discard(self, reason: str) -> bool:
        if self.view is None:
            return False
        rid = self.view.id
        try:
            self.core.write(R.discard_roster, rid, reason)
        except AssistCaseError as e:
            self._error(e)
            return False
        self.view = None
        self.refresh_list()
        self._say(self.tr("Roster discarded."))
        self.broadcast(Change.ROSTERS)
        return True

    # --- adjustments ------------------------------------------------------------------------

    def selected_line(self) -> R.LineRow | None:
        index = self.lines.currentIndex()
        return self.model.line(index.row()) if index.isValid() else None

    def ask_adjustment(self) -> AdjustmentDialog | None:
        if self.read_only or self.view is None or self.view.status != "approved":
            return None
        line = self.selected_line()
        if line is None:
            self._say(self.tr("Select the line to adjust first."), error=True)
            return None
        dlg = AdjustmentDialog(line, lambda fen, reason: self.record_adjustment(
            line.id, fen, reason), self.lang, self)
        self._open(dlg)
        return dlg

    def record_adjustment(self, line_id: int, amount_fen: int, reason: str) -> int:
        """Record it (raises the core's refusal for the dialog to show)."""
        adj = self.core.write(R.record_adjustment, line_id, amount_fen, reason)
        kind = self.tr("Supplement") if amount_fen > 0 else self.tr("Deduction")
        self._say(self.tr("%1 of %2 yuan recorded; the next roster of this program pays it.")
                  .replace("%1", kind).replace("%2", fen_to_yuan_text(abs(amount_fen))))
        self.broadcast(Change.ROSTERS)
        return adj

    # --- printing and bank files ------------------------------------------------------------

    def _default_name(self, kind: str) -> str:
        v = self.view
        assert v is not None
        suffix = {"roster": "", "notice": "-" + self.tr("public notice"),
                  "bank": "-" + self.tr("bank file")}[kind]
        return f"{v.title}{suffix}.{'xlsx' if kind == 'bank' else 'pdf'}"

    def ask_export(self, kind: str) -> None:
        if self.view is None:
            return
        if kind == "notice":
            self.ask_notice_layout()
            return
        self._ask_export_path(kind)

    def ask_notice_layout(self) -> QMessageBox:
        """Notices are posted per village: one file with each village on its own pages, or
        one file per village in a folder."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Public notice"),
                          self.tr("Each village posts its own list. Print the notice as:"),
                          QMessageBox.StandardButton.Cancel, self)
        one = box.addButton(self.tr("One file, each village on its own pages"),
                            QMessageBox.ButtonRole.AcceptRole)
        many = box.addButton(self.tr("One file per village, in a folder"),
                             QMessageBox.ButtonRole.AcceptRole)
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        box.one_file_button, box.folder_button = one, many

        def done(_result: int) -> None:
            if box.clickedButton() is one:
                self._ask_export_path("notice")
            elif box.clickedButton() is many:
                folder = self.ask_folder(self.tr("Folder for the villages' notices"))
                if folder:
                    self.export("notice_folder", folder)
        box.finished.connect(done)
        self._open(box)
        return box

    def ask_folder(self, title: str) -> str:
        start = QSettings().value("rosters/output_dir", str(Path.home()))
        folder = QFileDialog.getExistingDirectory(self, title, str(start))
        if folder:
            QSettings().setValue("rosters/output_dir", folder)
        return folder

    def _ask_export_path(self, kind: str) -> None:
        title = {"roster": self.tr("Print roster"), "notice": self.tr("Public notice"),
                 "bank": self.tr("Bank file")}[kind]
        filter_ = (self.tr("Excel workbooks (*.xlsx)") if kind == "bank"
                   else self.tr("PDF files (*.pdf)"))
        path = self.ask_save_path(title, self._default_name(kind), filter_)
        if path:
            self.export(kind, path)

    def export(self, kind: str, path: str | os.PathLike) -> Op | None:
        """Write the roster PDF ("roster"), the public notice PDF ("notice") or the bank file
        ("bank") of the selected roster in the background, then open it."""
        if self.view is None:
            return None
        try:
            if kind == "roster":
                from assistcase.reports.roster_pdf import write_roster_pdf as writer
            elif kind == "notice":
                from assistcase.reports.roster_pdf import write_notice_pdf as writer
            elif kind == "notice_folder":
                from assistcase.reports.roster_pdf import write_village_notices as writer
            elif kind == "bank":
                from assistcase.io.bank import write_bank_xlsx as writer
            else:
                raise ValueError(kind)
        except ImportError:
            self._say(self.tr("This output is not available in this version yet."), error=True)
            return None
        rid, target = self.view.id, str(path)
        titles = {"roster": self.tr("Printing the roster…"),
                  "notice": self.tr("Printing the public notice…"),
                  "notice_folder": self.tr("Printing the public notice…"),
                  "bank": self.tr("Writing the bank file…")}

        def fn(progress, cancel):
            written = self.core.call(writer, rid, target, progress=progress, cancel=cancel)
            return (target, len(written)) if kind == "notice_folder" else target
        done = self._written_folder if kind == "notice_folder" else self._written
        return self._run(fn, titles[kind], done)

    def _written(self, path: str) -> None:
        self.last_output = path
        self._say(self.tr("Saved %1").replace("%1", path))
        if path.lower().endswith(".pdf"):
            self.print_preview(path)
        else:
            self.open_file(path)

    def _written_folder(self, result: tuple[str, int]) -> None:
        folder, count = result
        self.last_output = folder
        self._say(self.tr("%1 files saved in %2").replace("%1", str(count))
                  .replace("%2", folder))
        self.open_file(folder)

    def print_preview(self, path: str) -> QDialog | None:
        """A written PDF opens in the print preview (the system print dialog from there);
        one too long to preview goes to the print dialog, where pages are chosen. Without
        the means to render pages, the file opens in the system viewer."""
        if not self.open_results:
            return None
        from .printing import PREVIEW_MAX_PAGES, PdfPrintPreview, can_render, pdf_page_count
        from .printing import print_dialog

        if not can_render():
            self.open_file(path)
            return None
        if pdf_page_count(path) > PREVIEW_MAX_PAGES:
            return self._open(print_dialog(path, self))
        dialog = PdfPrintPreview(path, self)
        dialog.open_button.clicked.connect(
            lambda: dialog.viewer_missing and self._no_viewer(path))
        return self._open(dialog)

    def open_file(self, path: str) -> bool:
        """Open a written file in the system's program for it; when there is none, say
        where the file is."""
        if not self.open_results:
            return False
        if QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            return True
        self._no_viewer(path)
        return False

    def _no_viewer(self, path: str) -> None:
        self._say(self.tr("No program to open it is installed. The file is saved at %1")
                  .replace("%1", path))

    def open_funds_dialog(self) -> FundsDialog:
        areas = self.core.read(R.roster_areas)
        dlg = FundsDialog(areas, self.today, self)

        def chosen() -> None:
            area_id, year, month, fmt = dlg.choice()
            name = f"资金发放统计-{year}" + (f"-{month:02d}" if month else "") + f".{fmt}"
            filter_ = (self.tr("PDF files (*.pdf)") if fmt == "pdf"
                       else self.tr("Excel workbooks (*.xlsx)"))
            path = self.ask_save_path(self.tr("Funds report"), name, filter_)
            if path:
                self.write_funds(area_id, year, month, path)
        dlg.accepted.connect(chosen)
        self._open(dlg)
        return dlg

    def write_funds(self, area_id: int, year: int, month: int | None,
                    path: str | os.PathLike) -> Op | None:
        """Write the funds report (PDF or, for a .xlsx path, Excel) in the background."""
        from assistcase.reports.funds import write_funds_pdf, write_funds_xlsx
        from assistcase.services.funds import funds_report

        target = str(path)
        writer = write_funds_xlsx if target.lower().endswith(".xlsx") else write_funds_pdf

        def fn(progress, cancel):
            progress(0.1, "report")
            rep = self.core.read(funds_report, area_id, year, month)
            cancel.check()
            progress(0.6, "file")
            writer(rep, target)
            return target
        return self._run(fn, self.tr("Writing the funds report…"), self._written)

    def show_pending(self) -> QDialog:
        """List the failed payments and adjustments the next rosters will pay."""
        items = self.core.read(R.pending_carryovers)
        return self._open(PendingDialog(items, self))

    def ask_import_returns(self) -> None:
        if self.view is None:
            return
        path = self.ask_open_path(self.tr("Import bank returns"),
                                  self.tr("Spreadsheets (*.xlsx *.xls *.ods *.csv)"))
        if path:
            self.import_returns(path)

    def import_returns(self, path: str | os.PathLike) -> Op | None:
        """Record the bank's result file for the selected (approved) roster."""
        if self.view is None or self.read_only:
            return None
        try:
            from assistcase.io.bank import import_bank_returns
        except ImportError:
            self._say(self.tr("This output is not available in this version yet."), error=True)
            return None
        rid, source = self.view.id, str(path)

        def fn(progress, cancel):
            return self.core.write(import_bank_returns, rid, source)
        return self._run(fn, self.tr("Importing bank returns…"), self._imported, Change.ROSTERS)

    def _imported(self, result: Any) -> None:
        self.refresh_list()
        paid = getattr(result, "paid", None)
        if paid is None:
            self._say(self.tr("Bank returns imported."))
        else:
            self._say(self.tr("Bank returns imported: %1 paid (%2 yuan), %3 failed (%4 yuan). "
                              "Failed payments are reissued by the next roster.")
                      .replace("%1", str(paid))
                      .replace("%2", fen_to_yuan_text(result.paid_fen))
                      .replace("%3", str(result.failed))
                      .replace("%4", fen_to_yuan_text(result.failed_fen)))
