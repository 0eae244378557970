"""pytest-qt: the standards page and the cases page. Add standards (a too-low extreme-hardship
standard is refused inline with the figures), then take a household's dibao case to active through
the cases page's buttons and read the breakdown with the amount."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

pytest.importorskip("PySide6")

from PySide6.QtCore import QDate, Qt  # noqa: E402

from assistcase.models import Area, Household  # noqa: E402
from assistcase.services import cases as C  # noqa: E402
from assistcase.services import registry as reg  # noqa: E402
from ui.cases_page import CasesPage  # noqa: E402
from ui.standards_page import StandardsPage  # noqa: E402

from .conftest import ACTOR, make_id  # noqa: E402


def qd(y, m, d):
    return QDate(y, m, d)


def add_standard(qtbot, page, kind, amount, period="month"):
    page.std_kind.setCurrentIndex(page.std_kind.findData(kind))
    page.std_period.setCurrentIndex(page.std_period.findData(period))
    page.std_from.setDate(qd(2022, 1, 1))
    page.std_amount.setText(amount)
    qtbot.mouseClick(page.std_add, Qt.LeftButton)


def test_walk_a_case_to_active_and_read_the_breakdown(qtbot, db, village_ids):
    r = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                             [reg.PersonData("张三", make_id(seq=1)),
                              reg.PersonData("李四", make_id(seq=2), "spouse")])
    reg.add_income(db, ACTOR, r.created_id, "wages", 300_00)
    with db.read() as s:
        number = s.get(Household, r.created_id).number
        city = s.scalar(select(Area.id).where(Area.code == "411400000000"))
    page = StandardsPage(db, ACTOR, read_only=False)
    qtbot.addWidget(page)
    page.area.setCurrentIndex(page.area.findData(city))
    page.std_class.setCurrentIndex(page.std_class.findData("rural"))
    add_standard(qtbot, page, "dibao", "420")
    assert page.std_error.text() == "" and page.std_table.rowCount() == 1
    add_standard(qtbot, page, "tekun_basic", "545")
    assert "545.00" in page.std_error.text() and "546.00" in page.std_error.text()
    assert "B00020" in page.std_error.styleSheet()
    assert page.std_table.rowCount() == 1
    add_standard(qtbot, page, "tekun_basic", "546")
    assert page.std_error.text() == "" and page.std_table.rowCount() == 2

    page = CasesPage(db, ACTOR, read_only=False)
    qtbot.addWidget(page)
    page.hh_number.setText(number)
    qtbot.mouseClick(page.find_btn, Qt.LeftButton)
    assert number in page.hh_label.text()
    page.step_date.setDate(qd(2023, 3, 1))
    page.step_text.setText("无固定收入")
    qtbot.mouseClick(page.open_btn, Qt.LeftButton)
    assert page.case_id is not None and page.case_error.text() == ""

    page.step_date.setDate(qd(2023, 3, 20))
    qtbot.mouseClick(page.confirm_btn, Qt.LeftButton)  # skipping steps is refused, inline
    assert page.case_error.text() and page.case_id is not None
    with db.read() as s:
        assert C.case_view(s, page.case_id).status == "applied"

    page.step_date.setDate(qd(2023, 3, 3))
    page.step_text.setText("核对通过")
    qtbot.mouseClick(page.check_btn, Qt.LeftButton)
    page.step_date.setDate(qd(2023, 3, 6))
    page.step_who.setText("王五、赵六")
    page.step_text.setText("家中无劳动力")
    qtbot.mouseClick(page.investigate_btn, Qt.LeftButton)
    page.step_date.setDate(qd(2023, 3, 10))
    page.step_end.setDate(qd(2023, 3, 16))
    qtbot.mouseClick(page.publicity_btn, Qt.LeftButton)
    page.step_date.setDate(qd(2023, 3, 16))
    page.step_text.setText("公示无异议")
    qtbot.mouseClick(page.confirm_btn, Qt.LeftButton)  # the publicity's last day: too early
    assert "2023-03-16" in page.case_error.text()
    page.step_date.setDate(qd(2023, 3, 17))
    qtbot.mouseClick(page.confirm_btn, Qt.LeftButton)
    assert page.case_error.text() == ""
    with db.read() as s:
        assert C.case_view(s, page.case_id).status == "active"

    page.month.setDate(qd(2023, 4, 1))
    text = page.breakdown.toPlainText()
    # rural 420, two members, income 300: per capita 150, (420 − 150) × 2 = 540
    assert "540.00" in text and "150.00" in text and "420.00" in text
    assert "2023-04" in page.case_label.text()


def test_read_only_page_has_no_control_that_writes(qtbot, db):
    standards = StandardsPage(db, ACTOR, read_only=True)
    qtbot.addWidget(standards)
    standards.show()
    assert not standards.std_add.isVisible() and standards.std_table.isVisible()
    page = CasesPage(db, ACTOR, read_only=True)
    qtbot.addWidget(page)
    page.show()
    for button in (page.open_btn, page.check_btn, page.investigate_btn,
                   page.publicity_btn, page.confirm_btn, page.suspend_btn, page.terminate_btn):
        assert not button.isVisible()
    assert page.breakdown.isVisible()
