"""pytest-qt: the to-do page (待办) first in the window shows a home check; opening it and
recording "newly included" starts the application, which the cases page then shows."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from assistcase.io.outside_lists import import_outside_list  # noqa: E402
from assistcase.models import Area, AssistanceCase, MonitoringTask, Person  # noqa: E402
from assistcase.services import monitoring as M  # noqa: E402
from assistcase.services import registry as reg  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402

from ..conftest import ACTOR, make_id  # noqa: E402

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def home_check(db, village_ids, tmp_path):
    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                               [reg.PersonData("张三", make_id(seq=1)),
                                reg.PersonData("李四", make_id(seq=2), "spouse")]).created_id
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "公民身份号码", "识别日期", "监测类型"])
    wb.active.append(["张三", make_id(seq=1), "2026-05-20", "突发严重困难户"])
    wb.save(tmp_path / "sanlei.xlsx")
    import_outside_list(db, ACTOR, tmp_path / "sanlei.xlsx", "sanlei", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).raised == {"newly_monitored": 1}
    with db.read() as s:
        township = s.get(Area, village_ids[0]).parent_id
    return hid, township


def test_the_caseworker_opens_a_home_check_and_records_newly_included(qtbot, db, home_check,
                                                                      zh):
    hid, township = home_check
    window = MainWindow(db, ACTOR)
    qtbot.addWidget(window)
    page = window.page("todo")
    assert window.stack.currentWidget() is page  # opened first
    assert page.loading  # the list is read in the background: the window does not wait
    page.area.setCurrentIndex(page.area.findData(township))
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    assert window.nav.item(0).text() == "待办（1，逾期 1）"  # the count in the navigation
    # … shown whole: the navigation widens to the title with its counts (a cut title would
    # give the list a horizontal scroll bar)
    window.show()
    qtbot.waitExposed(window)
    window._todo_counts(44123, 2345)   # a county's list
    qtbot.wait(50)
    assert not window.nav.horizontalScrollBar().isVisible()
    window._todo_counts(1, 1)
    [row] = page.rows_of("task")
    assert page.table.item(row, 0).text() == "核查任务"
    assert "入户排查" in page.table.item(row, 4).text()
    dialog = page.open_row(row)
    assert dialog is not None and "新纳入三类户" in dialog.findChild(type(dialog.error),
                                                                   "task_info").text()
    dialog.choose("included")
    assert dialog.program.isVisibleTo(dialog)
    dialog.reason.setPlainText("入户排查：突发重病，无收入")
    with qtbot.waitSignal(page.open_case_requested, timeout=5000) as opened:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    household_id, case_id = opened.args
    assert household_id == hid
    cases = window.stack.currentWidget()
    assert cases is window.pages["cases"] and cases.case_id == case_id
    with db.read() as s:
        case = s.get(AssistanceCase, case_id)
        task = s.query(MonitoringTask).one()
        assert (case.household_id, case.program, case.status) == (hid, "dibao", "applied")
        assert (task.status, task.outcome, task.new_case_id) == ("closed", "included", case_id)
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    assert page.rows_of("task") == []  # done: off the list


def test_a_refused_outcome_stays_in_the_dialog(qtbot, db, home_check, zh):
    hid, township = home_check
    window = MainWindow(db, ACTOR)
    qtbot.addWidget(window)
    page = window.page("todo")
    page.area.setCurrentIndex(page.area.findData(township))
    qtbot.waitUntil(lambda: not page.loading, timeout=5000)
    dialog = page.open_row(page.rows_of("task")[0])
    dialog.choose("no_action")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and "原因" in dialog.error.text()
    assert page.rows_of("task") != []


def test_the_window_is_first_shown_once_the_to_do_list_has_painted_its_rows(qtbot, db,
                                                                            home_check):
    """``first_shown`` (the startup benchmark's line, the start of the day's backup) means
    the opening page painted with its rows, not with "Loading…" (issue 20)."""
    from assistcase.services import backups as bk
    from ui.backup_dialog import attach

    _hid, township = home_check
    window = MainWindow(db, ACTOR)
    qtbot.addWidget(window)
    page = window.page("todo")
    seen = []
    window.first_shown.connect(lambda: seen.append(
        (page.loading, page.table.rowCount(), page.table.item(0, 2) is not None,
         getattr(window, "_daily_backup", None) is not None and window._daily_backup.running)))
    attach(window, db)  # connected after the line above: its slot runs after it
    page.area.setCurrentIndex(page.area.findData(township))
    with qtbot.waitSignal(window.first_shown, timeout=10_000):
        window.show()
    assert seen == [(False, 1, True, False)]
    if db.path is not None:  # a SQLite file: the day's backup follows the first window
        folder = bk.settings_for(db.path).folder
        qtbot.waitUntil(lambda: [b.reason for b in bk.list_backups(folder, db.path)] == ["daily"],
                        timeout=60_000)
