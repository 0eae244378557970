"""pytest-qt: the liaison page. Logging a visit changes the schedule and the compliance figures;
the supervisor's read-only page has no control that writes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QLineEdit,  # noqa: E402
                               QPlainTextEdit, QPushButton, QSpinBox, QTableWidget, QTextEdit)

from assistcase.models import Area  # noqa: E402
from assistcase.services import liaison as L  # noqa: E402
from ui.liaison_page import LiaisonPage  # noqa: E402

from .conftest import ACTOR  # noqa: E402

TODAY = dt.date(2025, 5, 20)


@pytest.fixture
def liaison_db(db):
    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.code == "411400000000"))
        county = s.scalar(select(Area.id).where(Area.code == "411402000000"))
    station = L.create_institution(db, ACTOR, "梁园区救助管理站", "station", "county",
                                   county).created_id
    L.create_institution(db, ACTOR, "商丘市救助管理站", "station", "city", city)
    leader = L.create_leader(db, ACTOR, "张分管", "city_in_charge", city).created_id  # quarterly
    L.assign(db, ACTOR, leader, station, dt.date(2025, 1, 1))
    L.log_visit(db, ACTOR, L.VisitData(leader, station, dt.date(2025, 2, 3)), today=TODAY)
    return db, leader, station


def column(table: QTableWidget, header: str) -> int:
    for c in range(table.columnCount()):
        if table.horizontalHeaderItem(c).text() == header:
            return c
    raise AssertionError(f"no column {header}")


def cell(table: QTableWidget, row: int, header: str) -> str:
    return table.item(row, column(table, header)).text()


def test_logging_a_visit_updates_schedule_and_compliance(qtbot, liaison_db):
    db, leader, station = liaison_db
    page = LiaisonPage(db, ACTOR, read_only=False, today=TODAY)
    qtbot.addWidget(page)
    page.period_kind.setCurrentIndex(page.period_kind.findData("quarter"))  # Q2 2025

    sched = page.schedule_table
    assert sched.rowCount() == 1
    assert cell(sched, 0, "Status") == "due"
    assert cell(sched, 0, "Done / required") == "0 / 1"
    assert cell(sched, 0, "Next due") == "2025-06-30"
    assert cell(sched, 0, "2025-06").startswith("○ 0/1")
    assert page.detail_table.rowCount() == 1
    assert cell(page.detail_table, 0, "Status") == "due"
    assert page.rate_label.text() == "Compliance rate: —"   # nothing judged yet in Q2

    page.visit_leader.setCurrentIndex(page.visit_leader.findData(leader))
    page.visit_date.setDate(page.visit_date.date().addDays(-1))  # 2025-05-19
    assert page.visit_institution.currentData() == station
    page.visit_mode.setCurrentIndex(page.visit_mode.findData("video"))
    page.topic_boxes["safety"].setChecked(True)
    page.visit_problems.setPlainText("消防通道堆放杂物")
    page.rect_action.setText("清理消防通道")
    with qtbot.waitSignal(page.changed, timeout=2000):
        qtbot.mouseClick(page.log_button, Qt.LeftButton)
    assert page.visit_error.text() == ""

    assert cell(sched, 0, "Status") == "met"
    assert cell(sched, 0, "Done / required") == "1 / 1"
    assert cell(sched, 0, "Next due") == "2025-09-30"
    assert cell(sched, 0, "2025-06").startswith("✓ 1/1")
    assert cell(page.detail_table, 0, "Status") == "met"
    assert page.rate_label.text() == "Compliance rate: 100.0%"
    assert page.rect_table.rowCount() == 1
    assert cell(page.rect_table, 0, "Action") == "清理消防通道"
    assert page.visits_table.rowCount() == 2
    assert cell(page.visits_table, 0, "Date") == "2025-05-19"

    # The year view at the end of the year: Q1 met, Q2 met, Q3 and Q4 missed → 50 %.
    page.as_of.setDate(page.as_of.date().addYears(1))
    page.period_kind.setCurrentIndex(page.period_kind.findData("year"))
    assert page.rate_label.text() == "Compliance rate: 50.0%"


def test_a_broken_rule_is_shown_inline(qtbot, liaison_db):
    db, leader, _ = liaison_db
    page = LiaisonPage(db, ACTOR, read_only=False, today=TODAY)
    qtbot.addWidget(page)
    page.assign_leader.setCurrentIndex(page.assign_leader.findData(leader))
    page.assign_institution.setCurrentIndex(page.assign_institution.findText("商丘市救助管理站"))
    assert page.assign() is False
    assert "City bureau, leader in charge" in page.assign_error.text()
    # A visit on a day outside any assignment is refused inline as well.
    page.visit_leader.setCurrentIndex(page.visit_leader.findData(leader))
    page.visit_date.setDate(page.visit_date.date().addYears(-1))
    assert page.visit_institution.count() == 0
    assert page.log_visit() is False and page.visit_error.text() != ""


def test_supervisor_view_has_no_editing_controls(qtbot, liaison_db, tmp_path):
    db, _, _ = liaison_db
    page = LiaisonPage(db, ACTOR, read_only=True, today=TODAY)
    qtbot.addWidget(page)
    for kind in (QLineEdit, QPlainTextEdit, QTextEdit, QCheckBox, QSpinBox):
        editors = [w for w in page.findChildren(kind)
                   if not w.parent().inherits("QAbstractSpinBox")]  # a date edit's own line edit
        assert editors == [], kind.__name__
    buttons = sorted(b.text() for b in page.findChildren(QPushButton))
    assert buttons == ["Export Excel…", "Export PDF…", "Refresh"]
    for t in page.findChildren(QTableWidget):
        assert t.editTriggers() == QAbstractItemView.NoEditTriggers
    for name in ("log_button", "assign_button", "rect_done_button", "visit_leader"):
        assert not hasattr(page, name)
    # It shows the same figures, and can export them.
    assert page.schedule_table.rowCount() == 1 and page.detail_table.rowCount() == 1
    page.export_pdf(tmp_path / "c.pdf")
    page.export_xlsx(tmp_path / "c.xlsx")
    assert (tmp_path / "c.pdf").stat().st_size > 1000 and (tmp_path / "c.xlsx").exists()

