"""Statistics page (社会救助统计): figures and charts for an area and a period.

A thin view over :mod:`assistcase.services.statistics`: choose the area and the period (a
month, a quarter, January to a month, a year); the figures are read in the background and
shown as the summary sentence, tables (by program and class with the change against the same
period a year earlier, temporary aid by cause) and the charts drawn by
:mod:`assistcase.reports.charts` (the same pictures the PDF report carries). The report is
written as a PDF in the full or the summary layout and opens in the print preview.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale, QSettings, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QScrollArea, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from assistcase.db import Database
from assistcase.errors import ValidationError
from assistcase.services import rosters as R
from assistcase.services.statistics import PROGRAM_ZH, Period, class_label
from assistcase.rules.money import yuan

from .rosters_page import error_text
from .tasks import BackgroundTask


def _item(text: str, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class StatisticsPage(QWidget):
    """``today`` fixes the default period (tests); default: the real date."""

    task_finished = Signal(str)   # "succeeded" / "failed" / "cancelled"

    # Open written reports in the print preview (off in tests and batch runs).
    open_results: bool = not os.environ.get("ASSISTCASE_NO_OPEN")

    def __init__(self, db: Database, actor: str | int = "", read_only: bool = False,
                 parent: QWidget | None = None, today: dt.date | None = None):
        super().__init__(parent)
        self.db = db
        self.today = today or dt.date.today()
        self.lang = "zh" if QLocale().name().startswith("zh") else "en"
        self.report = None
        self.series = None
        self.charts: dict[str, bytes] = {}
        self.task: BackgroundTask | None = None
        self.dialog = None
        self.last_output: str | None = None

        with db.read() as s:
            areas = R.roster_areas(s)
        self.area = QComboBox()
        for area_id, name, level in areas:
            indent = {"city": "", "county": "  ", "township": "    "}.get(level, "")
            self.area.addItem(indent + name, area_id)
        self.kind = QComboBox()
        for key, text in (("month", self.tr("Month")), ("quarter", self.tr("Quarter")),
                          ("to_month", self.tr("January to month")), ("year", self.tr("Year"))):
            self.kind.addItem(text, key)
        self.kind.setCurrentIndex(self.kind.findData("year"))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self.today.year)
        self.number = QComboBox()
        self.kind.currentIndexChanged.connect(self._fill_numbers)
        self._fill_numbers()
        self.show_button = QPushButton(self.tr("Show"))
        self.show_button.clicked.connect(self.refresh)
        self.pdf_button = QPushButton(self.tr("Report (PDF)…"))
        self.pdf_button.clicked.connect(lambda: self.ask_pdf("full"))
        self.summary_button = QPushButton(self.tr("Summary (PDF)…"))
        self.summary_button.clicked.connect(lambda: self.ask_pdf("summary"))

        top = QHBoxLayout()
        for label, widget in ((self.tr("Area"), self.area), (self.tr("Period"), self.kind),
                              (self.tr("Year"), self.year), ("", self.number)):
            if label:
                top.addWidget(QLabel(label))
            top.addWidget(widget)
        top.addWidget(self.show_button)
        top.addStretch(1)
        top.addWidget(self.pdf_button)
        top.addWidget(self.summary_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("statistics_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.programs = QTableWidget(0, 8)
        self.programs.setObjectName("statistics_programs")
        self.programs.setHorizontalHeaderLabels([
            self.tr("Program"), self.tr("Class"), self.tr("Households"),
            self.tr("Persons (headcount)"), self.tr("Person-months / person-times"),
            self.tr("Funds paid (yuan)"), self.tr("Persons vs. a year earlier"),
            self.tr("Funds vs. a year earlier")])
        self.programs.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.programs.verticalHeader().setVisible(False)
        self.aid = QTableWidget(0, 3)
        self.aid.setObjectName("statistics_aid")
        self.aid.setHorizontalHeaderLabels([self.tr("Temporary aid: type or cause"),
                                            self.tr("Person-times"), self.tr("Funds (yuan)")])
        self.aid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.aid.verticalHeader().setVisible(False)
        self.channels = QLabel()
        self.levels = QLabel()
        self.chart_labels = {}
        charts = QWidget()
        chart_box = QVBoxLayout(charts)
        for key in ("caseload", "funds", "aid"):
            label = QLabel()
            label.setObjectName(f"chart_{key}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.chart_labels[key] = label
            chart_box.addWidget(label)

        body = QWidget()
        v = QVBoxLayout(body)
        v.addWidget(self.summary)
        v.addWidget(self.programs, 2)
        v.addWidget(self.channels)
        v.addWidget(self.levels)
        v.addWidget(self.aid, 1)
        v.addWidget(charts)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)

    def _fill_numbers(self) -> None:
        kind = self.kind.currentData()
        self.number.clear()
        if kind == "quarter":
            for q in range(1, 5):
                self.number.addItem(self.tr("Q%1").replace("%1", str(q)), q)
            self.number.setCurrentIndex((self.today.month - 1) // 3)
        elif kind in ("month", "to_month"):
            for m in range(1, 13):
                self.number.addItem(self.tr("%1 month").replace("%1", str(m)), m)
            self.number.setCurrentIndex(self.today.month - 1)
        self.number.setVisible(kind != "year")

    def period(self) -> Period:
        kind = self.kind.currentData()
        number = 0 if kind == "year" else self.number.currentData()
        return Period.of(kind, self.year.value(), number)

    # --- reading ---------------------------------------------------------------------------

    def _run(self, fn, title: str, on_success) -> BackgroundTask | None:
        if self.task is not None:
            return None
        task = BackgroundTask(fn, title, self)
        self.task = task

        def finish(outcome: str) -> None:
            done, self.task = self.task, None
            if done is not None:
                done.deleteLater()
            for b in (self.show_button, self.pdf_button, self.summary_button):
                b.setEnabled(True)
            self.task_finished.emit(outcome)

        def succeeded(result: Any) -> None:
            on_success(result)
            finish("succeeded")

        def failed(exc: BaseException, _tb: str) -> None:
            self.message.setText(error_text(exc, self.lang))
            finish("failed")

        task.succeeded.connect(succeeded)
        task.failed.connect(failed)
        task.cancelled.connect(lambda: finish("cancelled"))
        for b in (self.show_button, self.pdf_button, self.summary_button):
            b.setEnabled(False)
        task.start()
        return task

    def refresh(self) -> BackgroundTask | None:
        """Read the statistics of the chosen area and period, and draw the charts."""
        try:
            period = self.period()
        except ValidationError as exc:
            self.message.setText(error_text(exc, self.lang))
            return None
        area_id = self.area.currentData()

        def fn(progress, cancel):
            from assistcase.reports import charts
            from assistcase.services.statistics import monthly_series, statistics

            progress(0.1, "statistics 统计")
            with self.db.read() as s:
                rep = statistics(s, area_id, period)
                last = min(dt.date(self.today.year, self.today.month, 1),
                           dt.date(period.end.year, period.end.month, 1) - dt.timedelta(days=1))
                series = monthly_series(s, area_id, last)
            cancel.check()
            progress(0.6, "charts 图表")
            pictures = {"caseload": charts.caseload_chart(series),
                        "funds": charts.funds_chart(series),
                        "aid": charts.aid_by_cause_chart(rep.aid_by_cause)}
            return rep, series, pictures
        return self._run(fn, self.tr("Reading the statistics…"), self._show)

    def _show(self, result) -> None:
        rep, self.series, self.charts = result
        self.report = rep
        self.message.clear()
        self.summary.setText(rep.summary_zh())
        rows = rep.by_program
        self.programs.setRowCount(len(rows))
        for i, r in enumerate(rows):
            f = r.figures
            temp = r.program == "temp_aid"
            cells = [(PROGRAM_ZH[r.program], False), (class_label(r.residence_class), False),
                     ("" if temp else f"{f.households:,}", True), (f"{f.persons:,}", True),
                     (f"{f.person_months:,}", True), (yuan(f.funds_fen), True),
                     (rep.change(r.program, "persons", r.residence_class), True),
                     (rep.change(r.program, "funds_fen", r.residence_class), True)]
            for j, (text, right) in enumerate(cells):
                self.programs.setItem(i, j, _item(text, right))
        by_type, by_cause = self.tr("By type"), self.tr("By cause")
        aid = ([(f"{by_type}：{r.label}", r) for r in rep.aid_by_type]
               + [(f"{by_cause}：{r.label}", r) for r in rep.aid_by_cause])
        self.aid.setRowCount(len(aid))
        for i, (label, r) in enumerate(aid):
            self.aid.setItem(i, 0, _item(label))
            self.aid.setItem(i, 1, _item(f"{r.person_times:,}", True))
            self.aid.setItem(i, 2, _item(yuan(r.funds_fen), True))
        c = rep.channels
        self.channels.setText(self.tr("Funds by channel: rosters by bank %1, rosters in cash %2, "
                                      "temporary aid paid directly by bank %3, in cash %4; "
                                      "total %5 yuan")
                              .replace("%1", yuan(c.roster_bank_fen))
                              .replace("%2", yuan(c.roster_cash_fen))
                              .replace("%3", yuan(c.aid_direct_bank_fen))
                              .replace("%4", yuan(c.aid_direct_cash_fen))
                              .replace("%5", yuan(c.total_fen)))
        levels = []
        for lv in rep.levels:
            if lv.average_fen is None:
                continue
            required = yuan(lv.required_fen) if lv.required_fen is not None else "—"
            levels.append(self.tr("%1 dibao: average %2 yuan per person per month, required %3")
                          .replace("%1", class_label(lv.residence_class))
                          .replace("%2", yuan(lv.average_fen)).replace("%3", required))
        self.levels.setText("；".join(levels))
        for key, png in self.charts.items():
            pixmap = QPixmap()
            pixmap.loadFromData(png, "PNG")
            self.chart_labels[key].setPixmap(pixmap)

    # --- the PDF ---------------------------------------------------------------------------

    def ask_pdf(self, layout: str) -> None:
        if self.report is None:
            self.message.setText(self.tr("Show the statistics first."))
            return
        folder = QSettings().value("rosters/output_dir", str(Path.home()))
        name = f"{self.report.title}{'-摘要' if layout == 'summary' else ''}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Statistics report"),
                                              str(Path(str(folder)) / name),
                                              self.tr("PDF files (*.pdf)"))
        if path:
            self.write_pdf(path, layout)

    def write_pdf(self, path: str | os.PathLike, layout: str = "full") -> BackgroundTask | None:
        """Write the shown statistics as a PDF (``full`` or ``summary``), then preview it."""
        if self.report is None:
            return None
        rep, series, target = self.report, self.series, str(path)

        def fn(progress, cancel):
            from assistcase.reports.statistics_pdf import write_statistics_pdf

            progress(0.2, "report 报表")
            write_statistics_pdf(rep, target, layout, series)
            return target
        return self._run(fn, self.tr("Writing the statistics report…"), self._written)

    def _written(self, path: str) -> None:
        self.last_output = path
        self.message.setText(self.tr("Saved %1").replace("%1", path))
        if not self.open_results:
            return
        from .printing import PREVIEW_MAX_PAGES, PdfPrintPreview, can_render, pdf_page_count

        if can_render() and pdf_page_count(path) <= PREVIEW_MAX_PAGES:
            self.dialog = PdfPrintPreview(path, self)
            self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.dialog.open()
