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

from ..conftest import ACTOR  # noqa: E402

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
    # The same visit twice (issue 21): refused inline, counted once.
    page.visit_date.setDate(page.visit_date.date().addYears(1).addDays(-1))  # 2025-05-19
    assert page.visit_institution.count() == 1
    with qtbot.waitSignal(page.changed, timeout=2000):
        assert page.log_visit() is True
    assert page.log_visit() is False
    assert "already logged" in page.visit_error.text()
    assert cell(page.schedule_table, 0, "Done / required") == "1 / 1"


def test_supervisor_view_has_no_editing_controls(qtbot, liaison_db, tmp_path):
    db, _, _ = liaison_db
    page = LiaisonPage(db, ACTOR, read_only=True, today=TODAY)
    qtbot.addWidget(page)
    for kind in (QLineEdit, QPlainTextEdit, QTextEdit, QCheckBox, QSpinBox):
        editors = [w for w in page.findChildren(kind)
                   if not w.parent().inherits("QAbstractSpinBox")]  # a date edit's own line edit
        assert editors == [], kind.__name__
    # Issue 21: each record section has an Open… button (its form, read-only) and nothing else.
    buttons = sorted(b.text() for b in page.findChildren(QPushButton))
    assert buttons == ["Export Excel…", "Export PDF…"] + ["Open…"] * 6 + ["Refresh"]
    for t in page.findChildren(QTableWidget):
        assert t.editTriggers() == QAbstractItemView.NoEditTriggers
    for name in ("log_button", "assign_button", "rect_done_button", "visit_leader"):
        assert not hasattr(page, name)
    # It shows the same figures, and can export them (in the background).
    assert page.schedule_table.rowCount() == 1 and page.detail_table.rowCount() == 1
    for name in ("c.pdf", "c.xlsx"):
        with qtbot.waitSignal(page.export_finished, timeout=60000) as done:
            page.export(tmp_path / name)
        assert done.args == ["succeeded"]
    assert (tmp_path / "c.pdf").stat().st_size > 1000 and (tmp_path / "c.xlsx").exists()
    assert page.export_status.text() == f"Saved {tmp_path / 'c.xlsx'}"


# --- issue 21: every record in its form ------------------------------------------------------


def area(db, code):
    with db.read() as s:
        return s.scalar(select(Area.id).where(Area.code == code))


def select_row(page, section, text):
    table = page.record_tables[section]
    for r in range(table.rowCount()):
        if any(table.item(r, c) and table.item(r, c).text() == text
               for c in range(table.columnCount())):
            table.selectRow(r)
            return r
    raise AssertionError(f"no row {text!r} in {section}")


def pick(combo, data):
    i = combo.findData(data)
    assert i >= 0, data
    combo.setCurrentIndex(i)


def suggestion_names(page):
    return [page.suggest_table.item(r, 0).text() for r in range(page.suggest_table.rowCount())]


def save(qtbot, page, form):
    with qtbot.waitSignal(page.changed, timeout=5000):
        assert form.save() is True, form.general_error.text() + str(
            {k: form.error_text(k) for k in form.errors})


def test_bureau_walks_every_form(qtbot, liaison_db):
    db, old_leader, old_station = liaison_db
    city, suixian, liangyuan = (area(db, "411400000000"), area(db, "411422000000"),
                                area(db, "411402000000"))
    L.record_assessment(db, ACTOR, old_station, L.AssessmentData(TODAY, 3, 3, 500, 10, 2))
    page = LiaisonPage(db, ACTOR, read_only=False, today=TODAY)
    qtbot.addWidget(page)

    # Institutions: a refusal next to its field, then created, edited.
    form = page.open_form("institutions", "new")
    assert form.save() is False
    assert form.error_text("name") == "the institution needs a name"
    assert form.error_text("area_id") != ""
    form.widgets["name"].setText("睢县救助站")
    pick(form.widgets["kind"], "station")
    pick(form.widgets["level"], "county")
    pick(form.widgets["area_id"], suixian)
    save(qtbot, page, form)
    select_row(page, "institutions", "睢县救助站")
    form = page.open_form("institutions", "edit")
    assert form.widgets["name"].text() == "睢县救助站"
    form.widgets["name"].setText("睢县救助管理站")
    save(qtbot, page, form)
    assert suggestion_names(page)[-1] == "睢县救助管理站"        # not assessed yet: last

    # Assessment (选"弱"): weak on every count, it rises to the top of the suggestions.
    select_row(page, "institutions", "睢县救助管理站")
    form = page.open_form("assessments", "new")
    assert form.widgets["institution_id"].currentText() == "睢县救助管理站"
    for key, value in (("infrastructure", 1), ("service_level", 1),
                       ("assistance_volume", 2800), ("long_stay_persons", 35),
                       ("safety_hazards", 7)):
        form.widgets[key].setValue(value)
    save(qtbot, page, form)
    assert suggestion_names(page)[0] == "睢县救助管理站"

    # Leaders: the county roles exist only in province-administered counties.
    form = page.open_form("leaders", "new")
    form.widgets["name"].setText("李分管")
    pick(form.widgets["rule_code"], "county_principal")
    pick(form.widgets["area_id"], liangyuan)
    assert form.save() is False
    assert "province-administered" in form.error_text("area_id")
    pick(form.widgets["rule_code"], "city_in_charge")
    pick(form.widgets["area_id"], city)
    save(qtbot, page, form)
    with db.read() as s:
        new_leader = [ld.id for ld in L.leaders(s) if ld.name == "李分管"][0]

    # Assignment with an end date, then ended earlier.
    form = page.open_form("assignments", "new")
    pick(form.widgets["leader_id"], new_leader)
    pick(form.widgets["institution_id"], old_station)   # already linked by 张分管: fine
    form.widgets["end_on"].setDate(form.widgets["end_on"].minimumDate())  # "(open)"
    save(qtbot, page, form)
    form = page.open_form("assignments", "new")
    pick(form.widgets["leader_id"], new_leader)
    with db.read() as s:
        suixian_station = [i.id for i in L.institutions(s) if i.name == "睢县救助管理站"][0]
    pick(form.widgets["institution_id"], suixian_station)
    assert form.save() is False                          # one institution at a time
    assert "at most 1 institution" in form.error_text("institution_id")
    form.reject()
    r = select_row(page, "assignments", "李分管")
    form = page.open_form("assignments", "end")
    form.widgets["end_on"].setDate(form.widgets["end_on"].minimumDate().addDays(1))
    assert form.save() is False and "before the start" in form.error_text("end_on")
    form.widgets["end_on"].setDate(page.as_of.date().addDays(10))
    save(qtbot, page, form)
    assert page.record_tables["assignments"].item(r, 4).text() == "2025-05-30"
    form = page.open_form("assignments", "new")           # now the new station may follow
    pick(form.widgets["leader_id"], new_leader)
    pick(form.widgets["institution_id"], suixian_station)
    form.widgets["start_on"].setDate(page.as_of.date().addDays(11))
    save(qtbot, page, form)
    assert [page.suggest_table.item(r, 7).text() for r in range(1)] == ["0"]  # from 05-31 on

    # Ending a leader or closing an institution with assignments in force is refused.
    select_row(page, "leaders", "张分管")
    form = page.open_form("leaders", "end")
    assert form.save() is False and "end those first" in form.error_text("end_on")
    form.reject()
    select_row(page, "institutions", "梁园区救助管理站")
    form = page.open_form("institutions", "end")
    assert form.save() is False and "张分管" in form.error_text("end_on")
    form.reject()
    select_row(page, "leaders", "李分管")
    form = page.open_form("leaders", "edit")
    form.widgets["title"].setText("副局长")
    save(qtbot, page, form)

    # A rule change from a date.
    form = page.open_form("rules", "new")
    pick(form.widgets["rule_code"], "city_in_charge")
    pick(form.widgets["period"], "month")
    form.widgets["effective_from"].setDate(page.as_of.date().addDays(12))  # 2025-06-01
    save(qtbot, page, form)
    select_row(page, "rules", "2025-06-01")

    # Quarterly results: a refusal next to its field, then recorded and edited.
    select_row(page, "institutions", "睢县救助管理站")
    form = page.open_form("results", "new")
    for key, value in (("long_stay_start", 30), ("long_stay_new", 2), ("long_stay_end", 40),
                       ("returned_home", 3), ("outside_placements", 1)):
        form.widgets[key].setValue(value)
    assert form.save() is False and "more than 30" in form.error_text("long_stay_end")
    form.widgets["long_stay_end"].setValue(29)
    save(qtbot, page, form)
    select_row(page, "results", "睢县救助管理站")
    form = page.open_form("results", "edit")
    assert form.widgets["long_stay_end"].value() == 29
    form.widgets["outside_placements"].setValue(0)
    save(qtbot, page, form)
    with db.read() as s:
        (res,) = L.institution_results(s, institution_id=suixian_station)
    assert (res.quarter.label(), res.long_stay_end, res.outside_placements) == ("2025-Q2", 29, 0)


def test_supervisor_opens_every_form_and_changes_none(qtbot, liaison_db):
    from assistcase.models import AuditEntry
    from sqlalchemy import func

    db, _, station = liaison_db
    L.record_assessment(db, ACTOR, station, L.AssessmentData(TODAY, 2, 3, 500, 10, 2))
    L.record_quarter_result(db, ACTOR, station, L.QuarterResultData(TODAY, 10, 9, 1, 2, 0))
    with db.read() as s:
        audit_before = s.scalar(select(func.count(AuditEntry.id)))
    page = LiaisonPage(db, ACTOR, read_only=True, today=TODAY)
    qtbot.addWidget(page)
    assert set(page.record_buttons) == {(k, "view") for k in page.record_tables}
    for section, table in page.record_tables.items():
        assert table.rowCount() >= 1, section
        table.selectRow(0)
        page.record_buttons[(section, "view")].click()
        form = page.form
        assert form is not None and form.read_only and form.save_button is None, section
        assert form.widgets and all(not w.isEnabled() for w in form.widgets.values()), section
        assert form.save() is False
        form.reject()
    # Asking for a write action still opens the read-only form.
    page.record_tables["assignments"].selectRow(0)
    assert page.open_form("assignments", "end").read_only
    page.form.reject()
    with db.read() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == audit_before
