"""Leadership liaison page (领导定点联系): schedule, visit log, compliance report, institutions,
records (institutions, assessments, leaders, assignments, rules, quarterly results), results.

A thin view over :mod:`assistcase.services.liaison`: it gathers input, calls a service, shows
the result. ``read_only=True`` is the supervisor's variant: the same tables and reports, every
record opens in its form read-only, and no control writes (no visit form, no assignment form,
no "mark done", no New/Edit/End). Exports run in the background with progress and cancel.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from assistcase.core import Core
from assistcase.db import Database
from assistcase.rules import liaison as P
from assistcase.errors import AssistCaseError, ValidationError
from assistcase.services import liaison as L
from assistcase.services.sync_state import exchanging
from assistcase.services.liaison import (INSTITUTION_KINDS, INSTITUTION_LEVELS, VISIT_MODES,
                                         VISIT_TOPICS)

from .liaison_forms import RecordForm, combo, date_edit, line, spin
from .ops import Change, Op, Page
from .widgets import CONFLICT_COLOUR, sync_header, sync_texts
from .widgets import pydate as _pydate, qdate as _qdate

STATUS_COLOURS = {P.MET: "#1B7F3B", P.MISSED: "#B00020", P.DUE: "#8A6D00"}


def _item(value, align_right: bool = False, colour: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if value is None else str(value))
    item.setFlags(Qt.ItemIsSelectable | Qt.ItemIsEnabled)
    if align_right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    if colour:
        item.setForeground(QBrush(QColor(colour)))
    return item


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    return t


def _fill(table: QTableWidget, rows: list[list[QTableWidgetItem]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, item in enumerate(row):
            table.setItem(r, c, item)


class LiaisonPage(Page):
    """The liaison page. ``today`` fixes the reference day (tests); default: the real date."""

    export_finished = Signal(str)  # "succeeded" / "failed" / "cancelled", after an export
    refresh_on = Change.LIAISON

    def __init__(self, core: Core | Database, actor: str | int | None = None,
                 read_only: bool = False, parent: QWidget | None = None,
                 today: dt.date | None = None):
        super().__init__(core, actor, read_only, parent)
        read_only = self.read_only
        self.today = today or dt.date.today()
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.report: L.ComplianceReport | None = None
        self.form: RecordForm | None = None  # the form opened last (tests reach it here)

        self.as_of = QDateEdit(_qdate(self.today))
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.level = QComboBox()
        for code, text in (("", self.tr("All levels")), ("province", self.tr("Province")),
                           ("city", self.tr("City")), ("county", self.tr("County"))):
            self.level.addItem(text, code)
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        self.as_of.dateChanged.connect(self.refresh)
        self.level.currentIndexChanged.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("As of")))
        top.addWidget(self.as_of)
        top.addWidget(QLabel(self.tr("Leader level")))
        top.addWidget(self.level)
        top.addStretch(1)
        if read_only:
            top.addWidget(QLabel(self.tr("Read-only view")))
        top.addWidget(refresh)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_schedule(), self.tr("Schedule"))
        self.tabs.addTab(self._build_visits(), self.tr("Visit log"))
        self.tabs.addTab(self._build_compliance(), self.tr("Compliance"))
        self.tabs.addTab(self._build_institutions(), self.tr("Institutions and assignments"))
        self.tabs.addTab(self._build_records(), self.tr("Records"))
        self.tabs.addTab(self._build_results(), self.tr("Results"))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        self.refresh()

    # --- building ----------------------------------------------------------------------------

    def _build_schedule(self) -> QWidget:
        w = QWidget()
        self.schedule_table = _table([])
        self.schedule_note = QLabel(self.tr(
            "✓ contact done · ○ due · ✗ missed. Month columns show the duties whose period ends "
            "in that month."))
        self.schedule_note.setWordWrap(True)
        v = QVBoxLayout(w)
        v.addWidget(self.schedule_table)
        v.addWidget(self.schedule_note)
        return w

    def _build_visits(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.visits_table = _table([self.tr("Date"), self.tr("Leader"), self.tr("Institution"),
                                    self.tr("Mode"), self.tr("Topics"), self.tr("Findings"),
                                    self.tr("Problems"), self.tr("Rectifications"),
                                    sync_header()])
        if self.read_only:
            v.addWidget(self.visits_table)
            return w
        form_box = QGroupBox(self.tr("Log a visit"))
        form = QFormLayout(form_box)
        self.visit_leader = QComboBox()
        self.visit_institution = QComboBox()
        self.visit_date = QDateEdit(_qdate(self.today))
        self.visit_date.setCalendarPopup(True)
        self.visit_date.setDisplayFormat("yyyy-MM-dd")
        self.visit_mode = QComboBox()
        for mode, text in zip(VISIT_MODES, (self.tr("On site"), self.tr("Video"),
                                            self.tr("Phone"))):
            self.visit_mode.addItem(text, mode)
        topics = QWidget()
        grid = QGridLayout(topics)
        grid.setContentsMargins(0, 0, 0, 0)
        self.topic_boxes: dict[str, QCheckBox] = {}
        for i, (code, text) in enumerate(zip(VISIT_TOPICS, self._topic_names())):
            box = QCheckBox(text)
            self.topic_boxes[code] = box
            grid.addWidget(box, i // 3, i % 3)
        self.visit_findings = QPlainTextEdit()
        self.visit_findings.setFixedHeight(48)
        self.visit_problems = QPlainTextEdit()
        self.visit_problems.setFixedHeight(48)
        self.rect_action = QLineEdit()
        self.rect_action.setPlaceholderText(self.tr("Rectification action (optional)"))
        self.rect_due = QDateEdit(_qdate(self.today + dt.timedelta(days=30)))
        self.rect_due.setCalendarPopup(True)
        self.rect_due.setDisplayFormat("yyyy-MM-dd")
        rect = QHBoxLayout()
        rect.addWidget(self.rect_action, 1)
        rect.addWidget(QLabel(self.tr("due on")))
        rect.addWidget(self.rect_due)
        self.visit_error = QLabel()
        self.visit_error.setStyleSheet("color: #B00020")
        self.visit_error.setWordWrap(True)
        self.log_button = QPushButton(self.tr("Log visit"))
        self.log_button.clicked.connect(self.log_visit)
        form.addRow(self.tr("Leader"), self.visit_leader)
        form.addRow(self.tr("Institution"), self.visit_institution)
        form.addRow(self.tr("Date"), self.visit_date)
        form.addRow(self.tr("Mode"), self.visit_mode)
        form.addRow(self.tr("Topics"), topics)
        form.addRow(self.tr("Findings"), self.visit_findings)
        form.addRow(self.tr("Problems found"), self.visit_problems)
        form.addRow(self.tr("Rectification"), rect)
        form.addRow(self.visit_error)
        form.addRow(self.log_button)
        self.visit_leader.currentIndexChanged.connect(self._fill_visit_institutions)
        self.visit_date.dateChanged.connect(self._fill_visit_institutions)
        holder = QWidget()  # keeps the form compact at the top
        hv = QVBoxLayout(holder)
        hv.setContentsMargins(0, 0, 0, 0)
        hv.addWidget(form_box)
        hv.addStretch(1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(holder)
        split.addWidget(self.visits_table)
        split.setStretchFactor(1, 1)
        v.addWidget(split)
        return w

    def _build_compliance(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        bar = QHBoxLayout()
        self.period_kind = QComboBox()
        for kind, text in zip(P.PERIOD_KINDS, (self.tr("Month"), self.tr("Quarter"),
                                               self.tr("Half-year"), self.tr("Year"))):
            self.period_kind.addItem(text, kind)
        self.period_kind.setCurrentIndex(P.PERIOD_KINDS.index("year"))
        self.period_day = QDateEdit(_qdate(self.today))
        self.period_day.setCalendarPopup(True)
        self.period_day.setDisplayFormat("yyyy-MM-dd")
        self.period_label = QLabel()
        self.rate_label = QLabel()
        self.rate_label.setStyleSheet("font-weight: bold")
        pdf = self.pdf_button = QPushButton(self.tr("Export PDF…"))
        xlsx = self.xlsx_button = QPushButton(self.tr("Export Excel…"))
        pdf.clicked.connect(self._ask_pdf)
        xlsx.clicked.connect(self._ask_xlsx)
        self.period_kind.currentIndexChanged.connect(self.refresh_compliance)
        self.period_day.dateChanged.connect(self.refresh_compliance)
        bar.addWidget(QLabel(self.tr("Period")))
        bar.addWidget(self.period_kind)
        bar.addWidget(QLabel(self.tr("containing")))
        bar.addWidget(self.period_day)
        bar.addWidget(self.period_label)
        bar.addStretch(1)
        bar.addWidget(self.rate_label)
        bar.addWidget(pdf)
        bar.addWidget(xlsx)
        v.addLayout(bar)
        self.export_status = QLabel()
        v.addWidget(self.export_status)
        self.shortfall_label = QLabel()
        self.shortfall_label.setStyleSheet("font-weight: bold; color: #B00020")
        self.shortfall_table = _table([self.tr("Leader"), self.tr("Unit"), self.tr("Role"),
                                       self.tr("Institutions"), self.tr("Periods missed"),
                                       self.tr("Duty periods"), self.tr("Missed periods"),
                                       self.tr("Last contact")])
        self.summary_table = _table([self.tr("Level / role"), self.tr("Duty periods"),
                                     self.tr("Met"),
                                     self.tr("Missed"), self.tr("Still due"), self.tr("Rate"),
                                     self.tr("Leaders judged"), self.tr("Leaders fully met"),
                                     self.tr("Share fully met")])
        self.deadline_table = _table([self.tr("Leader"), self.tr("Role"), self.tr("Overdue"),
                                      self.tr("Overdue periods"), self.tr("Due within 30 days")])
        self.detail_table = _table([self.tr("Leader"), self.tr("Unit"), self.tr("Role"),
                                    self.tr("Institution"), self.tr("Frequency"),
                                    self.tr("Required"), self.tr("Done"), self.tr("Credited"),
                                    self.tr("Periods met"),
                                    self.tr("Periods missed"), self.tr("Missed periods"),
                                    self.tr("Status")])
        self.rect_table = _table([self.tr("Visit date"), self.tr("Leader"),
                                  self.tr("Institution"), self.tr("Problems"),
                                  self.tr("Action"), self.tr("Due"), self.tr("Overdue")])
        split = QSplitter(Qt.Vertical)
        short_box = QWidget()
        sv = QVBoxLayout(short_box)
        sv.setContentsMargins(0, 0, 0, 0)
        sv.addWidget(self.shortfall_label)
        sv.addWidget(self.shortfall_table)
        split.addWidget(short_box)
        split.addWidget(self.summary_table)
        split.addWidget(self.deadline_table)
        split.addWidget(self.detail_table)
        rect_box = QWidget()
        rv = QVBoxLayout(rect_box)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(QLabel(self.tr("Open rectifications")))
        rv.addWidget(self.rect_table)
        if not self.read_only:
            self.rect_done_button = QPushButton(self.tr("Mark selected rectification done"))
            self.rect_done_button.clicked.connect(self.mark_rectification_done)
            rv.addWidget(self.rect_done_button)
        split.addWidget(rect_box)
        for i, stretch in enumerate((3, 2, 2, 3, 1)):  # the leaders who fell short first
            split.setStretchFactor(i, stretch)
        v.addWidget(split)
        return w

    def _build_institutions(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(QLabel(self.tr("Suggested liaison units, weakest first")))
        self.suggest_table = _table([self.tr("Institution"), self.tr("Kind"), self.tr("Level"),
                                     self.tr("Area"), self.tr("Weakness score"),
                                     self.tr("Weak in"), self.tr("Assessed on"),
                                     self.tr("Leaders linked")])
        v.addWidget(self.suggest_table)
        v.addWidget(QLabel(self.tr("Assignments in force")))
        self.assign_table = _table([self.tr("Leader"), self.tr("Role"), self.tr("Institution"),
                                    self.tr("From"), self.tr("Until")])
        v.addWidget(self.assign_table)
        if not self.read_only:
            box = QGroupBox(self.tr("Assign a leader to an institution"))
            h = QHBoxLayout(box)
            self.assign_leader = QComboBox()
            self.assign_institution = QComboBox()
            self.assign_start = QDateEdit(_qdate(self.today))
            self.assign_start.setCalendarPopup(True)
            self.assign_start.setDisplayFormat("yyyy-MM-dd")
            self.assign_button = QPushButton(self.tr("Assign"))
            self.assign_button.clicked.connect(self.assign)
            for widget in (QLabel(self.tr("Leader")), self.assign_leader,
                           QLabel(self.tr("Institution")), self.assign_institution,
                           QLabel(self.tr("From")), self.assign_start, self.assign_button):
                h.addWidget(widget)
            self.assign_error = QLabel()
            self.assign_error.setStyleSheet("color: #B00020")
            self.assign_error.setWordWrap(True)
            v.addWidget(box)
            v.addWidget(self.assign_error)
        return w

    # --- labels ------------------------------------------------------------------------------

    def _topic_names(self) -> list[str]:
        return [self.tr("Family search"), self.tr("Information system"), self.tr("Safety"),
                self.tr("Archives"), self.tr("Care"), self.tr("Long-stay persons")]

    def _status_text(self, status: str | None) -> str:
        return {P.MET: self.tr("met"), P.MISSED: self.tr("missed"), P.DUE: self.tr("due"),
                None: self.tr("no duty")}[status]

    def _period_name(self, kind: str) -> str:
        return {"month": self.tr("monthly"), "quarter": self.tr("quarterly"),
                "half": self.tr("half-yearly"), "year": self.tr("yearly")}[kind]

    def _leader_choices(self, leaders: list[L.LeaderView]) -> list[tuple[int, str]]:
        return [(ld.id, f"{ld.name} · {self._role(ld.rule_name_zh, ld.rule_name_en)}")
                for ld in leaders if ld.active]

    def _role(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def _error_text(self, e: AssistCaseError) -> str:
        if isinstance(e, ValidationError):
            return "\n".join(x.message(self.lang) for x in e.errors)
        return e.message(self.lang)

    # --- refreshing --------------------------------------------------------------------------

    def refresh(self) -> None:
        self.refresh_schedule()
        self.refresh_visits()
        self.refresh_compliance()
        self.refresh_institutions()
        self.refresh_records()

    def _level(self) -> str | None:
        return self.level.currentData() or None

    def refresh_schedule(self) -> None:
        as_of = _pydate(self.as_of.date())
        rows = self.core.read(L.schedule, as_of, months=6, level=self._level())
        months = P.month_starts(as_of, 6)
        headers = [self.tr("Leader"), self.tr("Role"), self.tr("Institution"),
                   self.tr("Frequency"), self.tr("This period"), self.tr("Done / required"),
                   self.tr("Status"), self.tr("Next due"), self.tr("Overdue periods")]
        self.schedule_table.setColumnCount(len(headers) + len(months))
        self.schedule_table.setHorizontalHeaderLabels(headers + [f"{m:%Y-%m}" for m in months])
        out = []
        for r in rows:
            cur = r.current
            cells = [_item(r.leader_name), _item(self._role(r.rule_name_zh, r.rule_name_en)),
                     _item(r.institution_name), _item(self._period_name(r.period_kind)),
                     _item(cur.period.label(self.lang) if cur else "—"),
                     _item(f"{cur.done} / {cur.required}" if cur else "—", True),
                     _item(self._status_text(r.current_status),
                           colour=STATUS_COLOURS.get(r.current_status)),
                     _item(r.next_due.isoformat() if r.next_due else "—"),
                     _item(", ".join(d.period.label(self.lang) for d in r.overdue) or "—",
                           colour=STATUS_COLOURS[P.MISSED] if r.overdue else None)]
            due_by = self.tr("deadline")  # an f-string hides tr() from lupdate
            for m in months:
                marks = []
                worst = None
                for duty, status in r.months[m]:
                    sym = {P.MET: "✓", P.DUE: "○", P.MISSED: "✗"}[status]
                    marks.append(f"{sym} {duty.done}/{duty.required} "
                                 f"{due_by} {duty.period.end:%m-%d}")
                    worst = status if worst in (None, P.MET) else worst
                cells.append(_item(" ".join(marks), colour=STATUS_COLOURS.get(worst)))
            out.append(cells)
        _fill(self.schedule_table, out)

    def refresh_visits(self) -> None:
        visits = [(v.visited_on, v.leader_id, v.institution_id, v.mode, v.topics,
                   v.findings, v.problems,
                   "; ".join(f"{action} ({due_on}, {status})"
                             for action, due_on, status in v.rectifications), v.sync)
                  for v in self.core.read(L.visit_views)]
        leaders = self.core.read(L.leader_views)
        names = {ld.id: ld.name for ld in leaders}
        insts = {i.id: i.name for i in self.core.read(L.institution_views)}
        if not self.read_only:
            leader_rows = self._leader_choices(leaders)
        modes = dict(zip(VISIT_MODES, (self.tr("On site"), self.tr("Video"), self.tr("Phone"))))
        topic_names = dict(zip(VISIT_TOPICS, self._topic_names()))
        sync_words = sync_texts()
        _fill(self.visits_table, [[
            _item(day.isoformat()), _item(names.get(lid)), _item(insts.get(iid)),
            _item(modes[mode]), _item(", ".join(topic_names[t] for t in topics.split(",") if t)),
            _item(findings), _item(problems), _item(rects),
            _item(sync_words[sync], colour=CONFLICT_COLOUR if sync == "conflict" else None)]
            for day, lid, iid, mode, topics, findings, problems, rects, sync in visits])
        # each visit's sync state, where this database exchanges with another site
        self.visits_table.setColumnHidden(self.visits_table.columnCount() - 1,
                                          not self.core.read(exchanging))
        if not self.read_only:
            keep = self.visit_leader.currentData()
            self.visit_leader.blockSignals(True)
            self.visit_leader.clear()
            for lid, text in leader_rows:
                self.visit_leader.addItem(text, lid)
            if keep is not None and self.visit_leader.findData(keep) >= 0:
                self.visit_leader.setCurrentIndex(self.visit_leader.findData(keep))
            self.visit_leader.blockSignals(False)
            self._fill_visit_institutions()

    def _fill_visit_institutions(self) -> None:
        """Only institutions the chosen leader is assigned to on the visit date."""
        lid = self.visit_leader.currentData()
        day = _pydate(self.visit_date.date())
        keep = self.visit_institution.currentData()
        self.visit_institution.clear()
        if lid is None:
            return
        for a in self.core.read(L.assignment_views, as_of=day, leader_id=lid):
            self.visit_institution.addItem(a.institution_name, a.institution_id)
        if keep is not None and self.visit_institution.findData(keep) >= 0:
            self.visit_institution.setCurrentIndex(self.visit_institution.findData(keep))

    def current_period(self) -> P.Period:
        return P.period_containing(self.period_kind.currentData(),
                                   _pydate(self.period_day.date()))

    def refresh_compliance(self) -> None:
        period = self.current_period()
        as_of = _pydate(self.as_of.date())
        rep = self.report = self.core.read(L.compliance_report, period, self._level(), as_of)
        self.period_label.setText(f"{period.label(self.lang)} ({period.start} – {period.end})")
        self.rate_label.setText(self.tr("Compliance rate: %1").replace("%1", rep.total.rate_text))
        short = rep.shortfalls
        self.shortfall_label.setText(
            self.tr("Leaders who fell short: %1 of %2 judged")
            .replace("%1", str(len(short))).replace("%2", str(rep.leaders_total.judged)))
        red = STATUS_COLOURS[P.MISSED]
        _fill(self.shortfall_table, [[
            _item(ld.leader_name), _item(ld.area_name),
            _item(self._role(ld.rule_name_zh, ld.rule_name_en)), _item(", ".join(ld.institutions)),
            _item(ld.tally.missed, True, red), _item(ld.tally.judged, True),
            _item(self._missed_text(ld), colour=red),
            _item(ld.last_contact.isoformat() if ld.last_contact else "—")] for ld in short])
        rows = []
        for code in ("province", "city", "county"):
            if code in rep.by_level:
                rows.append((self._level_name(code), rep.by_level[code],
                             rep.leaders_by_level.get(code, P.LeaderTally())))
        for code, tally in rep.by_role.items():
            zh, en = rep.role_names[code]
            rows.append(("    " + self._role(zh, en), tally,
                         rep.leaders_by_role.get(code, P.LeaderTally())))
        rows.append((self.tr("Total"), rep.total, rep.leaders_total))
        _fill(self.summary_table, [[
            _item(label), _item(t.judged + t.due, True), _item(t.met, True),
            _item(t.missed, True, red if t.missed else None),
            _item(t.due, True), _item(t.rate_text, True), _item(lt.judged, True),
            _item(lt.compliant, True), _item(lt.rate_text, True)] for label, t, lt in rows])
        _fill(self.deadline_table, [[
            _item(ld.leader_name), _item(self._role(ld.rule_name_zh, ld.rule_name_en)),
            _item(len(ld.overdue), True, red if ld.overdue else None),
            _item(", ".join(f"{inst} {d.period.label(self.lang)}" for inst, d in ld.overdue),
                  colour=red),
            _item(", ".join(f"{inst} {d.period.label(self.lang)} ({d.period.end:%m-%d}, "
                            f"{d.done}/{d.required})" for inst, d in ld.due_soon))]
            for ld in rep.with_deadlines])
        _fill(self.detail_table, [[
            _item(r.leader_name), _item(r.area_name), _item(self._role(r.rule_name_zh,
                                                                       r.rule_name_en)),
            _item(r.institution_name), _item(self._period_name(r.period_kind)),
            _item(r.required, True), _item(r.done, True), _item(r.credited, True),
            _item(r.tally.met, True),
            _item(r.tally.missed, True), _item(", ".join(
                d.period.label(self.lang) for d, st in r.duties if st == P.MISSED)),
            _item(self._status_text(r.status), colour=STATUS_COLOURS[r.status])]
            for r in rep.rows])
        _fill(self.rect_table, [[
            _item(o.visited_on.isoformat()), _item(o.leader_name), _item(o.institution_name),
            _item(o.problems), _item(o.action), _item(o.due_on.isoformat()),
            _item(self.tr("yes") if o.overdue else self.tr("no"),
                  colour=STATUS_COLOURS[P.MISSED] if o.overdue else None)]
            for o in rep.open_rectifications])
        if hasattr(self, "results_table"):
            self.refresh_results()

    def _missed_text(self, ld: L.LeaderSummary) -> str:
        by_inst: dict[str, list[str]] = {}
        for inst, period in ld.missed:
            by_inst.setdefault(inst, []).append(period.label(self.lang))
        if len(by_inst) == 1:
            return ", ".join(next(iter(by_inst.values())))
        return "; ".join(f"{inst}: {', '.join(ps)}" for inst, ps in by_inst.items())

    def _level_name(self, code: str) -> str:
        return {"province": self.tr("Province"), "city": self.tr("City"),
                "county": self.tr("County")}[code]

    def refresh_institutions(self) -> None:
        as_of = _pydate(self.as_of.date())
        level = self._level()
        inst_level = level if level in ("city", "county") else None
        kinds = {"station": self.tr("Rescue station"), "care": self.tr("Care institution")}
        reason_names = {"infrastructure": self.tr("infrastructure"),
                        "service_level": self.tr("service level"),
                        "assistance_volume": self.tr("assistance volume"),
                        "long_stay_persons": self.tr("long-stay persons"),
                        "safety_hazards": self.tr("safety hazards")}
        sugg = self.core.read(L.suggestions, as_of, inst_level)
        assigns = [(a.leader_name, self._role(a.rule_name_zh, a.rule_name_en),
                    a.institution_name, a.start_on, a.end_on)
                   for a in self.core.read(L.assignment_views, as_of=as_of)
                   if level is None or a.leader_org_level == level]
        if not self.read_only:
            leader_rows = self._leader_choices(self.core.read(L.leader_views))
            inst_rows = [(i.id, i.name) for i in self.core.read(L.institution_views) if i.active]
        _fill(self.suggest_table, [[
            _item(x.name), _item(kinds[x.kind]), _item(self._level_name(x.level)),
            _item(x.area_name), _item("—" if x.score is None else f"{x.score:.2f}", True),
            _item(", ".join(reason_names[k] for k in x.reasons)),
            _item(x.assessed_on.isoformat() if x.assessed_on else "—"),
            _item(x.linked_leaders, True)] for x in sugg])
        _fill(self.assign_table, [[
            _item(n), _item(role), _item(inst), _item(start.isoformat()),
            _item(end.isoformat() if end else "—")] for n, role, inst, start, end in assigns])
        if not self.read_only:
            for combo, rows in ((self.assign_leader, leader_rows),
                                (self.assign_institution, inst_rows)):
                keep = combo.currentData()
                combo.clear()
                for key, text in rows:
                    combo.addItem(text, key)
                if keep is not None and combo.findData(keep) >= 0:
                    combo.setCurrentIndex(combo.findData(keep))

    # --- writes (absent in the read-only variant) --------------------------------------------

    def log_visit(self) -> bool:
        rects = []
        if self.rect_action.text().strip():
            rects.append(L.RectificationData(self.rect_action.text(),
                                             _pydate(self.rect_due.date())))
        data = L.VisitData(
            leader_id=self.visit_leader.currentData(),
            institution_id=self.visit_institution.currentData(),
            visited_on=_pydate(self.visit_date.date()),
            mode=self.visit_mode.currentData(),
            topics=[code for code, box in self.topic_boxes.items() if box.isChecked()],
            findings=self.visit_findings.toPlainText(),
            problems=self.visit_problems.toPlainText(),
            rectifications=rects)
        try:
            self.core.write(L.log_visit, data, today=self.today)
        except AssistCaseError as e:
            self.visit_error.setText(self._error_text(e))
            return False
        self.visit_error.clear()
        self.visit_findings.clear()
        self.visit_problems.clear()
        self.rect_action.clear()
        for box in self.topic_boxes.values():
            box.setChecked(False)
        self.refresh()
        self.broadcast(Change.LIAISON)
        return True

    def assign(self) -> bool:
        try:
            self.core.write(L.assign, self.assign_leader.currentData(),
                            self.assign_institution.currentData(),
                            _pydate(self.assign_start.date()))
        except AssistCaseError as e:
            self.assign_error.setText(self._error_text(e))
            return False
        self.assign_error.clear()
        self.refresh()
        self.broadcast(Change.LIAISON)
        return True

    def mark_rectification_done(self) -> bool:
        row = self.rect_table.currentRow()
        if self.report is None or not 0 <= row < len(self.report.open_rectifications):
            return False
        rid = self.report.open_rectifications[row].rectification_id
        try:
            self.core.write(L.set_rectification_status, rid, "done",
                            _pydate(self.as_of.date()))
        except AssistCaseError as e:
            self.rate_label.setText(self._error_text(e))
            return False
        self.refresh()
        self.broadcast(Change.LIAISON)
        return True

    # --- records: every liaison record in its form ------------------------------------------

    def _build_records(self) -> QWidget:
        self.records = QTabWidget()
        self.record_tables: dict[str, QTableWidget] = {}
        self.record_keys: dict[str, list] = {}
        self.record_buttons: dict[tuple[str, str], QPushButton] = {}
        new, edit = self.tr("New…"), self.tr("Edit…")
        sections = [
            ("institutions", self.tr("Institutions"),
             [self.tr("Institution"), self.tr("Kind"), self.tr("Level"), self.tr("Area"),
              self.tr("In use")],
             [("new", new), ("edit", edit), ("end", self.tr("Close…"))]),
            ("assessments", self.tr("Weakness assessments"),
             [self.tr("Institution"), self.tr("Assessed on"), self.tr("Infrastructure (1–5)"),
              self.tr("Service level (1–5)"), self.tr("Assistance volume"),
              self.tr("Long-stay persons"), self.tr("Safety hazards")],
             [("new", self.tr("Assess…"))]),
            ("leaders", self.tr("Leaders"),
             [self.tr("Leader"), self.tr("Title"), self.tr("Role"), self.tr("Unit"),
              self.tr("In post")],
             [("new", new), ("edit", edit), ("end", self.tr("End…"))]),
            ("assignments", self.tr("Assignments"),
             [self.tr("Leader"), self.tr("Role"), self.tr("Institution"), self.tr("From"),
              self.tr("Until")],
             [("new", new), ("end", self.tr("End…"))]),
            ("rules", self.tr("Frequency rules"),
             [self.tr("Role"), self.tr("Level"), self.tr("From"), self.tr("Frequency"),
              self.tr("At least")],
             [("new", self.tr("Change from a date…"))]),
            ("results", self.tr("Quarterly results"),
             [self.tr("Institution"), self.tr("Quarter"), self.tr("Long-stay at start"),
              self.tr("New long-stay"), self.tr("Returned home"), self.tr("Long-stay at end"),
              self.tr("Outside placements")],
             [("new", self.tr("Record…")), ("edit", edit)]),
        ]
        for key, title, headers, actions in sections:
            w = QWidget()
            v = QVBoxLayout(w)
            table = _table(headers)
            table.doubleClicked.connect(lambda _i, k=key: self.open_form(k, "view"))
            self.record_tables[key] = table
            v.addWidget(table)
            bar = QHBoxLayout()
            for action, text in ([("view", self.tr("Open…"))] if self.read_only else actions):
                b = QPushButton(text)
                b.clicked.connect(lambda _c=False, k=key, a=action: self.open_form(k, a))
                self.record_buttons[(key, action)] = b
                bar.addWidget(b)
            bar.addStretch(1)
            v.addLayout(bar)
            self.records.addTab(w, title)
        return self.records

    def _kind_name(self, kind: str) -> str:
        return {"station": self.tr("Rescue station"), "care": self.tr("Care institution")}[kind]

    def refresh_records(self) -> None:
        yes, no = self.tr("yes"), self.tr("no")
        recs = self.core.read(L.liaison_records)
        insts = recs.institutions
        inst_names = {i.id: i.name for i in insts}
        area_text = (lambda a: a.label(self.lang) if a is not None else "")
        data = {
            "institutions": [(i.id, [i.name, self._kind_name(i.kind),
                                     self._level_name(i.level), area_text(i.area),
                                     yes if i.active else no]) for i in insts],
            "assessments": [(a.id, [inst_names.get(a.institution_id), a.assessed_on,
                                    a.infrastructure, a.service_level, a.assistance_volume,
                                    a.long_stay_persons, a.safety_hazards])
                            for a in recs.assessments],
            "leaders": [(ld.id, [ld.name, ld.title,
                                 self._role(ld.rule_name_zh, ld.rule_name_en),
                                 area_text(ld.area), yes if ld.active else no])
                        for ld in recs.leaders],
            "assignments": [(a.id, [a.leader_name, self._role(a.rule_name_zh, a.rule_name_en),
                                    a.institution_name, a.start_on, a.end_on or "—"])
                            for a in recs.assignments],
            "rules": [((r.rule_code, r.effective_from),
                       [self._role(r.name_zh, r.name_en), self._level_name(r.org_level),
                        r.effective_from, self._period_name(r.period), r.min_contacts])
                      for r in recs.rule_versions],
            "results": [((x.institution_id, x.quarter.start),
                         [x.institution_name, x.quarter.label(self.lang), x.long_stay_start,
                          x.long_stay_new, x.returned_home, x.long_stay_end,
                          x.outside_placements]) for x in recs.results],
        }
        for key, rows in data.items():
            self.record_keys[key] = [k for k, _ in rows]
            _fill(self.record_tables[key], [[
                _item(v.isoformat() if isinstance(v, dt.date) else v,
                      isinstance(v, int)) for v in cells] for _, cells in rows])

    def _selected(self, section: str):
        row = self.record_tables[section].currentRow()
        keys = self.record_keys.get(section, [])
        return keys[row] if 0 <= row < len(keys) else None

    def open_form(self, section: str, action: str) -> RecordForm | None:
        """Open the form of ``section`` for ``action`` (new, edit, end, view) on the selected
        row; read-only for the supervisor. Returns the dialog (None: nothing selected)."""
        if self.read_only or action == "view":
            action = "view"
        key = None if action == "new" else self._selected(section)
        if action != "new" and key is None:
            return None
        builder = getattr(self, f"_form_{section}")
        dlg = builder(self.core.read(L.liaison_records), action, key)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.saved.connect(self._after_write)
        self.form = dlg
        dlg.open()
        return dlg

    def _after_write(self) -> None:
        self.refresh()
        self.broadcast(Change.LIAISON)

    def _make_form(self, title: str, fields, submit, note: str = "") -> RecordForm:
        return RecordForm(title, fields, None if self.read_only else submit, self.lang, self,
                          note)

    def _area_items(self, recs: L.LiaisonRecords, levels) -> list[tuple[int, str]]:
        return [(a.id, a.label(self.lang)) for a in recs.areas if a.level in levels]

    def _form_institutions(self, recs: L.LiaisonRecords, action, key) -> RecordForm:
        inst = recs.find("institution", key)
        if action == "end":
            day = date_edit(_pydate(self.as_of.date()))
            return self._make_form(
                self.tr("Close an institution"), [("end_on", self.tr("Last day in use"), day)],
                lambda: self.core.write(L.end_institution, key, _pydate(day.date())),
                inst.name)
        name = line(inst.name if inst else "")
        kind = combo([(k, self._kind_name(k)) for k in INSTITUTION_KINDS],
                     inst.kind if inst else None)
        level = combo([(k, self._level_name(k)) for k in INSTITUTION_LEVELS],
                      inst.level if inst else None)
        area = combo([(None, "")] + self._area_items(recs, ("city", "county")),
                     inst.area_id if inst else None)
        fields = [("name", self.tr("Name"), name), ("kind", self.tr("Kind"), kind),
                  ("level", self.tr("Level"), level), ("area_id", self.tr("Area"), area)]

        def submit():
            args = (name.text(), kind.currentData(), level.currentData(), area.currentData())
            if inst is None:
                self.core.write(L.create_institution, *args)
            else:
                self.core.write(L.update_institution, key, *args)
        return self._make_form(self.tr("Institution"), fields, submit)

    def _form_assessments(self, recs: L.LiaisonRecords, action, key) -> RecordForm:
        a = recs.find("assessment", key)
        inst_default = a.institution_id if a else self._selected("institutions")
        inst = combo([(i.id, i.name) for i in recs.institutions if i.active or a],
                     inst_default)
        day = date_edit(a.assessed_on if a else _pydate(self.as_of.date()))
        infra = spin(a.infrastructure if a else 3, 1, 5)
        service = spin(a.service_level if a else 3, 1, 5)
        volume = spin(a.assistance_volume if a else 0)
        long_stay = spin(a.long_stay_persons if a else 0)
        hazards = spin(a.safety_hazards if a else 0)
        fields = [("institution_id", self.tr("Institution"), inst),
                  ("assessed_on", self.tr("Assessed on"), day),
                  ("infrastructure", self.tr("Infrastructure (1 weak – 5 strong)"), infra),
                  ("service_level", self.tr("Service level (1 weak – 5 strong)"), service),
                  ("assistance_volume", self.tr("Persons assisted last year"), volume),
                  ("long_stay_persons", self.tr("Long-stay persons now"), long_stay),
                  ("safety_hazards", self.tr("Open safety hazards"), hazards)]

        def submit():
            self.core.write(L.record_assessment, inst.currentData(), L.AssessmentData(
                _pydate(day.date()), infra.value(), service.value(), volume.value(),
                long_stay.value(), hazards.value()))
        return self._make_form(self.tr("Weakness assessment"), fields, submit)

    def _form_leaders(self, recs: L.LiaisonRecords, action, key) -> RecordForm:
        ld = recs.find("leader", key)
        if action == "end":
            day = date_edit(_pydate(self.as_of.date()))
            return self._make_form(
                self.tr("A leader leaves the post"), [("end_on", self.tr("Last day"), day)],
                lambda: self.core.write(L.end_leader, key, _pydate(day.date())), ld.name)
        name = line(ld.name if ld else "")
        title = line(ld.title if ld else "")
        rule = combo([(r.code, self._role(r.name_zh, r.name_en)) for r in recs.rules],
                     ld.rule_code if ld else None)
        area = combo([(None, "")] + self._area_items(recs, ("province", "city", "county")),
                     ld.area_id if ld else None)
        fields = [("name", self.tr("Full name"), name), ("title", self.tr("Title"), title),
                  ("rule_code", self.tr("Role"), rule), ("area_id", self.tr("Department"), area)]

        def submit():
            if ld is None:
                self.core.write(L.create_leader, name.text(), rule.currentData(),
                                area.currentData(), title.text())
            else:
                self.core.write(L.update_leader, key, name.text(), title.text(),
                                rule.currentData(), area.currentData())
        return self._make_form(self.tr("Leader"), fields, submit)

    def _form_assignments(self, recs: L.LiaisonRecords, action, key) -> RecordForm:
        a = recs.find("assignment", key)
        no_end = dt.date(2000, 1, 1)

        def end_edit(value: dt.date | None):
            w = date_edit(value or no_end)
            w.setMinimumDate(_qdate(no_end))
            w.setSpecialValueText(self.tr("(open)"))  # the minimum date: no end
            return w

        def end_value(w) -> dt.date | None:
            d = _pydate(w.date())
            return None if d == no_end else d
        if action == "end":
            day = end_edit(a.end_on or _pydate(self.as_of.date()))
            return self._make_form(
                self.tr("End an assignment"), [("end_on", self.tr("Last day"), day)],
                lambda: self.core.write(L.end_assignment, key, end_value(day)),
                f"{a.leader_name} → {a.institution_name} ({a.start_on})")
        leader = combo([(ld.id, f"{ld.name} · {self._role(ld.rule_name_zh, ld.rule_name_en)}")
                        for ld in recs.leaders if ld.active or a], a.leader_id if a else None)
        inst = combo([(i.id, i.name) for i in recs.institutions if i.active or a],
                     a.institution_id if a else self._selected("institutions"))
        start = date_edit(a.start_on if a else _pydate(self.as_of.date()))
        end = end_edit(a.end_on if a else None)
        fields = [("leader_id", self.tr("Leader"), leader),
                  ("institution_id", self.tr("Institution"), inst),
                  ("start_on", self.tr("From"), start), ("end_on", self.tr("Until"), end)]
        return self._make_form(
            self.tr("Assignment"), fields,
            lambda: self.core.write(L.assign, leader.currentData(), inst.currentData(),
                                    _pydate(start.date()), end_value(end)))

    def _form_rules(self, recs: L.LiaisonRecords, action, key) -> RecordForm:
        version = None
        if key is not None:
            version = next((r for r in recs.rule_versions
                            if (r.rule_code, r.effective_from) == key), None)
        rule = combo([(r.code, self._role(r.name_zh, r.name_en)) for r in recs.rules],
                     version.rule_code if version else None)
        day = date_edit(version.effective_from if version else _pydate(self.as_of.date()))
        period = combo([(k, self._period_name(k)) for k in P.PERIOD_KINDS],
                       version.period if version else None)
        minimum = spin(version.min_contacts if version else 1, 1, 99)
        fields = [("rule_code", self.tr("Role"), rule),
                  ("effective_from", self.tr("Applies from"), day),
                  ("period", self.tr("Frequency"), period),
                  ("min_contacts", self.tr("At least (contacts per period)"), minimum)]
        return self._make_form(
            self.tr("Frequency rule"), fields,
            lambda: self.core.write(L.update_rule, rule.currentData(),
                                    effective_from=_pydate(day.date()),
                                    period=period.currentData(), min_contacts=minimum.value()),
            self.tr("A change applies from its date on; earlier periods keep the rule in force "
                    "then."))

    def _form_results(self, recs: L.LiaisonRecords, action, key) -> RecordForm:
        row = None
        if key is not None:
            row = next((x for x in recs.results
                        if (x.institution_id, x.quarter.start) == key), None)
        inst = combo([(i.id, i.name) for i in recs.institutions],
                     row.institution_id if row else self._selected("institutions"))
        quarter = date_edit(row.quarter.start if row else
                            P.period_containing("quarter", _pydate(self.as_of.date())).start)
        values = {f: spin(getattr(row, f) if row else 0) for f in L.RESULT_FIELDS}
        labels = {"long_stay_start": self.tr("Long-stay persons at the start"),
                  "long_stay_end": self.tr("Long-stay persons at the end"),
                  "long_stay_new": self.tr("New long-stay persons"),
                  "returned_home": self.tr("Returned home through family search"),
                  "outside_placements": self.tr("Outside care placements")}
        fields = [("institution_id", self.tr("Institution"), inst),
                  ("quarter", self.tr("Quarter (any day in it)"), quarter)]
        fields += [(f, labels[f], values[f]) for f in L.RESULT_FIELDS]
        return self._make_form(
            self.tr("Quarterly results"), fields,
            lambda: self.core.write(L.record_quarter_result, inst.currentData(),
                                    L.QuarterResultData(
                                        _pydate(quarter.date()),
                                        *(values[f].value() for f in L.RESULT_FIELDS))))

    # --- results of the report period ---------------------------------------------------------

    def _build_results(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(QLabel(self.tr("Institutions' quarterly results in the report period")))
        self.results_table = _table([self.tr("Institution"), self.tr("Quarter"),
                                     self.tr("Long-stay at start"), self.tr("New long-stay"),
                                     self.tr("Returned home"), self.tr("Long-stay at end"),
                                     self.tr("Change"), self.tr("Outside placements")])
        v.addWidget(self.results_table)
        v.addWidget(QLabel(self.tr("Per leader and linked institution, since the leader's "
                                   "contacts began")))
        self.leader_results_table = _table([
            self.tr("Leader"), self.tr("Institution"), self.tr("First contact"),
            self.tr("Quarters"), self.tr("Long-stay before"), self.tr("Long-stay now"),
            self.tr("Change"), self.tr("New long-stay"), self.tr("Returned home"),
            self.tr("Outside placements")])
        v.addWidget(self.leader_results_table)
        return w

    def refresh_results(self) -> None:
        rep = self.report
        if rep is None:
            return

        def signed(n: int) -> str:
            return f"+{n}" if n > 0 else str(n)
        _fill(self.results_table, [[
            _item(x.institution_name), _item(x.quarter.label(self.lang)),
            _item(x.long_stay_start, True), _item(x.long_stay_new, True),
            _item(x.returned_home, True), _item(x.long_stay_end, True),
            _item(signed(x.long_stay_change), True), _item(x.outside_placements, True)]
            for x in rep.results])
        _fill(self.leader_results_table, [[
            _item(x.leader_name), _item(x.institution_name), _item(x.first_contact.isoformat()),
            _item(f"{x.since.label(self.lang)} – {x.latest.label(self.lang)}"),
            _item(x.long_stay_before, True), _item(x.long_stay_now, True),
            _item(signed(x.long_stay_change), True), _item(x.long_stay_new, True),
            _item(x.returned_home, True), _item(x.outside_placements, True)]
            for x in rep.leader_results])

    # --- export (allowed to supervisors: it writes a file, not the database) -----------------

    def export(self, path) -> Op | None:
        """Write the report shown (PDF, or Excel for a .xlsx path) in the background with a
        progress dialog and cancel; ``export_finished`` tells how it ended."""
        from assistcase.reports.liaison_pdf import export_compliance

        if self.task is not None:
            return None
        target = str(path)
        period, level, as_of = self.current_period(), self._level(), _pydate(self.as_of.date())
        core = self.core

        def fn(progress, cancel):
            return str(core.call(export_compliance, target, period, level, as_of,
                                 progress=progress, cancel=cancel))

        said: list[str] = []

        def end(outcome: str) -> None:  # after the op has ended (self.task is None again)
            self.export_status.setText(said[0] if said else "")
            self.export_finished.emit(outcome)
        op = self.run_op(
            fn, self.tr("Writing the liaison report…"),
            lambda p: said.append(self.tr("Saved %1").replace("%1", p)),
            on_failure=lambda e, _tb: said.append(self.tr("Could not write %1: %2")
                                                  .replace("%1", target)
                                                  .replace("%2", self._exc_text(e))),
            on_cancel=lambda: said.append(self.tr("Cancelled: nothing was written.")))
        if op is not None:
            op.finished.connect(end)
        return op

    def busy_changed(self) -> None:
        self.pdf_button.setEnabled(self.task is None)
        self.xlsx_button.setEnabled(self.task is None)

    def _exc_text(self, e: BaseException) -> str:
        if isinstance(e, AssistCaseError):
            return self._error_text(e)
        if isinstance(e, OSError):
            return e.strerror or str(e)
        return str(e)

    def export_pdf(self, path) -> Op | None:
        return self.export(path)

    def export_xlsx(self, path) -> Op | None:
        return self.export(path)

    def _ask_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export PDF"), f"liaison-{self.current_period().label()}.pdf",
            self.tr("PDF files (*.pdf)"))
        if path:
            self.export(path)

    def _ask_xlsx(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export Excel"), f"liaison-{self.current_period().label()}.xlsx",
            self.tr("Excel workbooks (*.xlsx)"))
        if path:
            self.export(path)
