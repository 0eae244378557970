"""Leadership liaison page (领导定点联系): schedule, visit log, compliance report, institutions.

A thin view over :mod:`assistcase.services.liaison`: it gathers input, calls a service, shows
the result. ``read_only=True`` is the supervisor's variant: the same tables and reports, and no
control that writes (no visit form, no assignment form, no "mark done").
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from assistcase import liaison as P
from assistcase.errors import AssistCaseError, ValidationError
from assistcase.models.liaison import VISIT_MODES, VISIT_TOPICS
from assistcase.services import liaison as L

STATUS_COLOURS = {P.MET: "#1B7F3B", P.MISSED: "#B00020", P.DUE: "#8A6D00"}


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


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


class LiaisonPage(QWidget):
    """The liaison page. ``today`` fixes the reference day (tests); default: the real date."""

    changed = Signal()  # after any successful write

    def __init__(self, db, actor, read_only: bool, parent: QWidget | None = None,
                 today: dt.date | None = None):
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.read_only = read_only
        self.today = today or dt.date.today()
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.report: L.ComplianceReport | None = None

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
                                    self.tr("Problems"), self.tr("Rectifications")])
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
        pdf = QPushButton(self.tr("Export PDF…"))
        xlsx = QPushButton(self.tr("Export Excel…"))
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
        self.summary_table = _table([self.tr("Level / role"), self.tr("Duty periods"),
                                     self.tr("Met"),
                                     self.tr("Missed"), self.tr("Still due"), self.tr("Rate")])
        self.detail_table = _table([self.tr("Leader"), self.tr("Unit"), self.tr("Role"),
                                    self.tr("Institution"), self.tr("Frequency"),
                                    self.tr("Required"), self.tr("Done"), self.tr("Periods met"),
                                    self.tr("Periods missed"), self.tr("Missed periods"),
                                    self.tr("Status")])
        self.rect_table = _table([self.tr("Visit date"), self.tr("Leader"),
                                  self.tr("Institution"), self.tr("Problems"),
                                  self.tr("Action"), self.tr("Due"), self.tr("Overdue")])
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.summary_table)
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

    def _leader_choices(self, s) -> list[tuple[int, str]]:
        return [(ld.id, f"{ld.name} · {self._role(ld.rule.name_zh, ld.rule.name_en)}")
                for ld in L.leaders(s) if ld.active]

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

    def _level(self) -> str | None:
        return self.level.currentData() or None

    def refresh_schedule(self) -> None:
        as_of = _pydate(self.as_of.date())
        with self.db.read() as s:
            rows = L.schedule(s, as_of, months=6, level=self._level())
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
        with self.db.read() as s:
            visits = [(v.visited_on, v.leader_id, v.institution_id, v.mode, v.topics,
                       v.findings, v.problems,
                       "; ".join(f"{r.action} ({r.due_on}, {r.status})"
                                 for r in v.rectifications))
                      for v in L.recent_visits(s)]
            names = {ld.id: ld.name for ld in L.leaders(s)}
            insts = {i.id: i.name for i in L.institutions(s)}
            if not self.read_only:
                leader_rows = self._leader_choices(s)
        modes = dict(zip(VISIT_MODES, (self.tr("On site"), self.tr("Video"), self.tr("Phone"))))
        topic_names = dict(zip(VISIT_TOPICS, self._topic_names()))
        _fill(self.visits_table, [[
            _item(day.isoformat()), _item(names.get(lid)), _item(insts.get(iid)),
            _item(modes[mode]), _item(", ".join(topic_names[t] for t in topics.split(",") if t)),
            _item(findings), _item(problems), _item(rects)]
            for day, lid, iid, mode, topics, findings, problems, rects in visits])
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
        with self.db.read() as s:
            for a in L.assignments(s, as_of=day, leader_id=lid):
                self.visit_institution.addItem(a.institution.name, a.institution_id)
        if keep is not None and self.visit_institution.findData(keep) >= 0:
            self.visit_institution.setCurrentIndex(self.visit_institution.findData(keep))

    def current_period(self) -> P.Period:
        return P.period_containing(self.period_kind.currentData(),
                                   _pydate(self.period_day.date()))

    def refresh_compliance(self) -> None:
        period = self.current_period()
        as_of = _pydate(self.as_of.date())
        with self.db.read() as s:
            rep = self.report = L.compliance_report(s, period, self._level(), as_of)
        self.period_label.setText(f"{period.label(self.lang)} ({period.start} – {period.end})")
        self.rate_label.setText(self.tr("Compliance rate: %1")
                                .replace("%1", P.format_rate(rep.total.rate)))
        rows = []
        for code in ("province", "city", "county"):
            if code in rep.by_level:
                rows.append((self._level_name(code), rep.by_level[code]))
        for code, tally in rep.by_role.items():
            zh, en = rep.role_names[code]
            rows.append(("    " + self._role(zh, en), tally))
        rows.append((self.tr("Total"), rep.total))
        _fill(self.summary_table, [[
            _item(label), _item(t.judged + t.due, True), _item(t.met, True),
            _item(t.missed, True, STATUS_COLOURS[P.MISSED] if t.missed else None),
            _item(t.due, True), _item(P.format_rate(t.rate), True)] for label, t in rows])
        _fill(self.detail_table, [[
            _item(r.leader_name), _item(r.area_name), _item(self._role(r.rule_name_zh,
                                                                       r.rule_name_en)),
            _item(r.institution_name), _item(self._period_name(r.period_kind)),
            _item(r.required, True), _item(r.done, True), _item(r.tally.met, True),
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
        with self.db.read() as s:
            sugg = L.suggestions(s, as_of, inst_level)
            assigns = [(a.leader.name, self._role(a.leader.rule.name_zh, a.leader.rule.name_en),
                        a.institution.name, a.start_on, a.end_on)
                       for a in L.assignments(s, as_of=as_of)
                       if level is None or a.leader.org_level == level]
            if not self.read_only:
                leader_rows = self._leader_choices(s)
                inst_rows = [(i.id, i.name) for i in L.institutions(s) if i.active]
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
            L.log_visit(self.db, self.actor, data, today=self.today)
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
        self.changed.emit()
        return True

    def assign(self) -> bool:
        try:
            L.assign(self.db, self.actor, self.assign_leader.currentData(),
                     self.assign_institution.currentData(), _pydate(self.assign_start.date()))
        except AssistCaseError as e:
            self.assign_error.setText(self._error_text(e))
            return False
        self.assign_error.clear()
        self.refresh()
        self.changed.emit()
        return True

    def mark_rectification_done(self) -> bool:
        row = self.rect_table.currentRow()
        if self.report is None or not 0 <= row < len(self.report.open_rectifications):
            return False
        rid = self.report.open_rectifications[row].rectification_id
        try:
            L.set_rectification_status(self.db, self.actor, rid, "done",
                                       _pydate(self.as_of.date()))
        except AssistCaseError as e:
            self.rate_label.setText(self._error_text(e))
            return False
        self.refresh()
        self.changed.emit()
        return True

    # --- export (allowed to supervisors: it writes a file, not the database) -----------------

    def export_pdf(self, path) -> None:
        from assistcase.reports.liaison_pdf import write_compliance_pdf

        write_compliance_pdf(self.report, path)

    def export_xlsx(self, path) -> None:
        from assistcase.reports.liaison_xlsx import write_compliance_xlsx

        write_compliance_xlsx(self.report, path)

    def _ask_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export PDF"), f"liaison-{self.current_period().label()}.pdf",
            self.tr("PDF files (*.pdf)"))
        if path:
            self._export(self.export_pdf, path)

    def _ask_xlsx(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export Excel"), f"liaison-{self.current_period().label()}.xlsx",
            self.tr("Excel workbooks (*.xlsx)"))
        if path:
            self._export(self.export_xlsx, path)

    def _export(self, writer, path: str) -> None:
        try:
            writer(path)
        except OSError as e:
            self.export_status.setText(self.tr("Could not write %1: %2")
                                       .replace("%1", path).replace("%2", e.strerror or str(e)))
            return
        self.export_status.setText(self.tr("Saved %1").replace("%1", path))
