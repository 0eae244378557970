"""pytest-qt: the temporary-aid page on a real demo city (its aid included). An urgent case
recorded by keyboard alone (Ctrl+N, typing, Tab, Space, Ctrl+S), approved through the
dialog, paid by the temporary-aid roster built from the page, then its file overdue and
completed; an approval above the township's limit refused in the dialog with the limit in
yuan; a person outside the registry with the core's refusals next to the fields, paid in
cash without a household being created; the supervisor's page has no write control."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select, text

pytest.importorskip("PySide6")

from PySide6.QtCore import QDate, Qt  # noqa: E402
from PySide6.QtGui import QInputMethodEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox  # noqa: E402

from assistcase.db import open_database  # noqa: E402
from assistcase.demo import generate_demo_city  # noqa: E402
from assistcase.models import Area, Household  # noqa: E402
from assistcase.services import aid as A  # noqa: E402
from assistcase.services import rosters as R  # noqa: E402
from assistcase.services.areas import load_areas_csv  # noqa: E402
from ui.aid_page import (AidPage, ApproveDialog, BuildRosterDialog, PaperworkDialog,  # noqa: E402
                         PaymentDialog)
from ui.main_window import MainWindow  # noqa: E402
from ui.rosters_page import RostersPage  # noqa: E402

from ..conftest import ACTOR, make_id, open_test_db  # noqa: E402

TODAY = dt.date(2026, 11, 22)  # a Sunday
NOVEMBER = dt.date(2026, 11, 1)
CITY = "411400000000"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """A demo city of 300 households with active cases and this year's temporary aid."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = open_test_db(path)
    load_areas_csv(db, ACTOR)
    generate_demo_city(db, ACTOR, households=300, seed=1, today=TODAY)
    db.dispose()
    return path


@pytest.fixture
def city_db(demo_file, tmp_path):
    path = tmp_path / "city.sqlite3"
    shutil.copyfile(demo_file, path)
    db = open_test_db(path)
    yield db
    db.dispose()


def make_page(qtbot, db, request, read_only=False) -> AidPage:
    page = AidPage(db, ACTOR, read_only=read_only, today=TODAY)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    with qtbot.waitActive(page):  # shortcuts and focus go to the active window
        page.show()
        page.activateWindow()
    request.addfinalizer(lambda: page.task and page.task.wait())
    return page


def ok(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def ime(widget, text: str) -> None:
    """Chinese typed through an input method: the IME commits the characters to the focused
    widget (QTest's key clicks know only Latin keys)."""
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def area_id(db, code: str) -> int:
    with db.read() as s:
        return s.scalar(select(Area.id).where(Area.code == code))


def aided_household(db) -> tuple[int, str, str]:
    """(id, head's ID number, number) of an active household with a bank card that was granted
    temporary aid within the past year (the repeat-aid check has something to say)."""
    with db.read() as s:
        return tuple(s.execute(text(
            "SELECT h.id, p.id_number, h.number FROM aid_cases AS a"
            " JOIN households AS h ON h.id = a.household_id"
            " JOIN persons AS p ON p.id = h.head_person_id"
            " WHERE a.status IN ('approved', 'paid') AND h.status = 'active'"
            " AND h.account_type = 'card' AND h.residence_class = 'urban'"
            " ORDER BY a.id LIMIT 1")).one())


def fresh_household(db, cls: str = "urban") -> int:
    """An active household with a bank card and no temporary aid."""
    with db.read() as s:
        return s.execute(text(
            "SELECT h.id FROM households AS h WHERE h.status = 'active'"
            " AND h.account_type = 'card' AND h.residence_class = :cls"
            " AND NOT EXISTS (SELECT 1 FROM aid_cases AS a WHERE a.household_id = h.id)"
            " ORDER BY h.id LIMIT 1"), {"cls": cls}).scalar_one()


def case(db, aid_id: int) -> A.AidView:
    with db.read() as s:
        return A.aid_view(s, aid_id)


def test_an_urgent_case_by_keyboard_approved_paid_by_the_roster(qtbot, city_db, zh, request):
    hid, head_id_number, number = aided_household(city_db)
    page = make_page(qtbot, city_db, request)
    form = page.form
    focus = page.focusWidget

    def key(k, modifier=Qt.KeyboardModifier.NoModifier):
        qtbot.keyClick(focus(), k, modifier)

    def tab_to(widget):
        key(Qt.Key.Key_Tab)
        assert focus() is widget, focus().objectName()

    # Ctrl+N: a new case, the cursor in the household search
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.currentIndex() == 0 and focus() is form.search
    qtbot.keyClicks(focus(), head_id_number)
    key(Qt.Key.Key_Return)  # Enter picks the first match
    assert form.household is not None and form.household.id == hid
    assert number in form.chosen.text()
    # earlier aid shows before anything is recorded
    assert form.earlier.isVisible() and "已获临时救助" in form.earlier.text()

    tab_to(form.person)
    assert form.person.currentData() == form.household.head_person_id
    tab_to(form.aid_type)
    assert form.aid_type.currentData() == "urgent" and form.aid_type.currentText() == "急难型"
    tab_to(form.cause)
    for _ in range(form.cause.findData("fire") - form.cause.currentIndex()):
        key(Qt.Key.Key_Down)
    assert form.cause.currentData() == "fire" and form.cause.currentText() == "火灾"
    tab_to(form.pay_first)  # urgent: paid first (先行救助) is ticked already
    assert form.pay_first.isChecked() and not form.file_complete.isVisible()
    tab_to(form.description)
    ime(focus(), "夜间失火，房屋烧毁")
    tab_to(form.documents)
    key(Qt.Key.Key_Space)  # the first document: the application
    key(Qt.Key.Key_Right)  # the documents run in rows: → is the next one
    key(Qt.Key.Key_Space)  # the second: the ID card copy
    tab_to(form.other_documents)
    tab_to(form.amount)
    qtbot.keyClicks(focus(), "1000")
    tab_to(form.method)
    assert form.method.currentData() == "bank"
    tab_to(form.account_type)
    tab_to(form.account_number)  # left blank: the household's card
    key(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    with city_db.read() as s:
        [row] = A.list_aid(s, A.AidFilter(text=head_id_number, status="recorded"))
    v = case(city_db, row.id)
    assert (v.household_id, v.aid_type, v.cause, v.amount_requested_fen) == (
        hid, "urgent", "fire", 1000_00)
    assert v.documents == ("临时救助申请书", "身份证复印件")
    assert v.description == "夜间失火，房屋烧毁" and not v.paperwork_complete
    assert v.payment_method == "bank" and v.account_type == "card" and v.status == "recorded"
    # recorded: said so, the core's repeat-aid warning stays in sight, the form is empty again
    assert form.result_box.isVisible() and f"已登记案件 {v.id}" in form.result_box.text()
    assert form.warning_box.isVisible() and "已获临时救助" in form.warning_box.text()
    assert form.search.text() == "" and form.household is None and focus() is form.search

    # the township's queue holds it, with the township's limit in yuan
    page.tabs.setCurrentIndex(1)
    assert page.levels.currentIndex() == 0 and page._selected_id(page.queue) == v.id
    with city_db.read() as s:
        limits = A.case_limits(s, v.id, TODAY)
    row = page.queue.currentRow()
    assert page.queue.item(row, 8).text() == f"{limits.township_fen // 100:,}.00"
    assert "已获临时救助" in page.queue_detail.toPlainText()

    click(qtbot, page.approve_button)
    dlg = page.dialog
    assert isinstance(dlg, ApproveDialog) and dlg.isVisible()
    assert dlg.earlier.isVisible() and "已获临时救助" in dlg.earlier.text()  # before granting
    assert dlg.level.currentData() == "township" and dlg.amount.text() == "1000.00"
    dlg.approver.setFocus()
    ime(dlg.approver, "王局长")
    click(qtbot, ok(dlg))
    assert page.dialog is None
    v = case(city_db, v.id)
    assert (v.status, v.approval_level, v.amount_granted_fen, v.approver) == (
        "approved", "township", 1000_00, "王局长")
    assert "已获临时救助" in page.message.text()  # the core's warning after granting

    # the temporary-aid roster of the city pays it (urgent: before the file is complete)
    click(qtbot, page.roster_button)
    dlg = page.dialog
    assert isinstance(dlg, BuildRosterDialog)
    dlg.area.setCurrentIndex(dlg.area.findData(area_id(city_db, CITY)))
    dlg.month.setDate(QDate(2026, 11, 1))
    dlg.pay_date.setDate(QDate(2026, 11, 23))
    with qtbot.waitSignal(page.task_finished, timeout=30000) as done:
        click(qtbot, ok(dlg))
    assert done.args == ["succeeded"], page.message.text()
    rid = page.last_roster_id
    with city_db.read() as s:
        roster = R.roster_view(s, rid)
        [line] = [x for x in R.iter_lines(s, rid) if x.aid_case_id == v.id]
    assert roster.kind == "temp_aid" and roster.month == NOVEMBER
    assert (line.amount_fen, line.payee_name, line.id_number) == (1000_00, v.name, v.id_number)
    assert f"{roster.line_count:,}" in page.message.text()
    rosters = RostersPage(city_db, ACTOR, today=TODAY)
    qtbot.addWidget(rosters)
    ids = [rosters.list.item(r, 0).data(Qt.ItemDataRole.UserRole)
           for r in range(rosters.list.rowCount())]
    assert rid in ids
    assert "临时救助" in rosters.list.item(ids.index(rid), 2).text()

    # approving the roster pays the case; its file is then due within 5 working days
    R.review_roster(city_db, "reviewer", rid)
    R.approve_roster(city_db, "approver", rid)
    v = case(city_db, v.id)
    assert (v.status, v.paid_via, v.paid_on) == ("paid", "roster", dt.date(2026, 11, 23))
    assert v.paperwork_due == dt.date(2026, 11, 30)
    page.today = dt.date(2026, 12, 3)
    page.refresh()
    page.tabs.setCurrentIndex(3)
    files = page.files
    [row] = [r for r in range(files.rowCount())
             if files.item(r, 0).data(Qt.ItemDataRole.UserRole) == v.id]
    assert files.item(row, 7).text() == "2026-11-30" and files.item(row, 8).text() == "3"
    assert "逾期" in page.tabs.tabText(3)
    files.selectRow(row)
    click(qtbot, page.complete_button)
    dlg = page.dialog
    assert isinstance(dlg, PaperworkDialog)
    [fire_report] = dlg.documents.findItems("火灾事故认定书", Qt.MatchFlag.MatchExactly)
    fire_report.setCheckState(Qt.CheckState.Checked)
    click(qtbot, ok(dlg))
    assert page.dialog is None
    v = case(city_db, v.id)
    assert v.paperwork_complete and v.completed_on == dt.date(2026, 12, 3)
    assert v.documents == ("临时救助申请书", "身份证复印件", "火灾事故认定书")
    assert all(files.item(r, 0).data(Qt.ItemDataRole.UserRole) != v.id
               for r in range(files.rowCount()))


def test_above_the_township_limit_refused_in_the_dialog_naming_the_limit(qtbot, city_db, zh,
                                                                      request):
    hid = fresh_household(city_db)
    aid = A.record_aid(city_db, ACTOR, A.AidInput("expenditure", "serious_illness", TODAY,
                                                  2000_00, household_id=hid,
                                                  paperwork_complete=True)).created_id
    with city_db.read() as s:
        limits = A.case_limits(s, aid, TODAY)
    assert limits.township_fen < 2000_00 <= limits.county_fen
    township_limit = f"{limits.township_fen // 100:,}.00"
    page = make_page(qtbot, city_db, request)
    page.tabs.setCurrentIndex(1)
    assert page.levels.tabText(1).startswith("县级")
    page.levels.setCurrentIndex(1)  # above the township's limit: the county's queue
    [row] = [r for r in range(page.queue.rowCount())
             if page.queue.item(r, 0).data(Qt.ItemDataRole.UserRole) == aid]
    assert page.queue.item(row, 8).text() == f"{limits.county_fen // 100:,}.00"
    page.queue.selectRow(row)

    click(qtbot, page.approve_button)
    dlg = page.dialog
    assert isinstance(dlg, ApproveDialog) and dlg.level.currentData() == "county"
    assert township_limit in dlg.limits.text()
    dlg.level.setCurrentIndex(dlg.level.findData("township"))  # the township tries anyway
    dlg.approver.setText("李乡长")
    click(qtbot, ok(dlg))
    assert dlg.isVisible() and page.dialog is dlg  # refused: the dialog stays
    refusal = dlg.errors.labels["amount_granted_fen"]
    assert refusal.isVisible()
    assert f"超出乡镇审批权限：乡镇审批限额为 {township_limit} 元" in refusal.text()
    assert case(city_db, aid).status == "recorded"

    dlg.level.setCurrentIndex(dlg.level.findData("county"))
    dlg.approver.setText("王局长")
    click(qtbot, ok(dlg))
    assert page.dialog is None
    v = case(city_db, aid)
    assert (v.status, v.approval_level, v.limit_fen) == ("approved", "county", limits.county_fen)
    assert page.levels.tabText(1) == "县级 (0)"


def test_a_case_by_case_decision_needs_its_meeting_record(qtbot, city_db, zh, request):
    hid = fresh_household(city_db)
    aid = A.record_aid(city_db, ACTOR, A.AidInput("expenditure", "serious_illness", TODAY,
                                                  8000_00, household_id=hid)).created_id
    page = make_page(qtbot, city_db, request)
    page.tabs.setCurrentIndex(1)
    page.levels.setCurrentIndex(2)
    assert page._selected_id(page.queue) == aid
    assert page.queue.item(page.queue.currentRow(), 8).text() == "会议记录"
    dlg = page.ask_approve()
    assert dlg.level.currentData() == "case_by_case" and dlg.meeting.isVisible()
    dlg.approver.setText("王局长")
    click(qtbot, ok(dlg))
    assert dlg.isVisible()
    for name in ("meeting_participants", "meeting_minutes"):
        assert dlg.errors.labels[name].isVisible(), name
    assert "一事一议须填写会议纪要" in dlg.errors.labels["meeting_minutes"].text()
    dlg.participants.setText("局长、分管副局长、救助股股长")
    dlg.minutes.setPlainText("经集体研究，同意一次性救助8000元。")
    click(qtbot, ok(dlg))
    assert page.dialog is None
    v = case(city_db, aid)
    assert (v.status, v.approval_level, v.meeting_date) == ("approved", "case_by_case", TODAY)


def test_a_person_outside_the_registry_refusals_inline_then_paid_in_cash(qtbot, city_db, zh,
                                                                       request):
    with city_db.read() as s:
        households = s.scalar(select(func.count()).select_from(Household))
        township = s.scalars(select(Area).where(Area.level == "township")
                             .order_by(Area.code)).first()
    page = make_page(qtbot, city_db, request)
    form = page.form
    focus = page.focusWidget
    page.new_case()
    qtbot.keyClick(focus(), Qt.Key.Key_Backtab)
    assert focus() is form.outside
    qtbot.keyClick(focus(), Qt.Key.Key_Space)
    assert form.outside.isChecked() and focus() is form.name
    form.method.setCurrentIndex(form.method.findData("cash"))
    assert not form.account.isVisible()

    qtbot.keyClick(focus(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    amount_error = form.errors.labels["amount_requested_fen"]
    assert amount_error.isVisible() and "申请金额应在" in amount_error.text()
    form.amount.setText("800")
    form.id_number.setText(make_id("341602", seq=3)[:-1] + "0")  # a mistyped check digit
    qtbot.keyClick(focus(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    for name, words in (("name", "请填写姓名"), ("found_at", "发现地点"),
                        ("township_id", "乡镇"), ("id_number", "身份证")):
        lbl = form.errors.labels[name]
        assert lbl.isVisible() and words in lbl.text(), (name, lbl.text())
    assert focus() is form.name  # the first field refused
    with city_db.read() as s:
        assert not A.list_aid(s, A.AidFilter(status="recorded", text="流浪"))

    ime(form.name, "李流浪")
    form.id_number.setText(make_id("341602", seq=3))
    form.found_at.setText("火车站广场")
    form.township.setCurrentIndex(form.township.findData(township.id))
    result = form.save()
    assert result is not None and not form.errors.labels["name"].isVisible()
    v = case(city_db, result.created_id)
    assert (v.registered, v.household_id, v.name, v.township_id, v.payment_method) == (
        False, None, "李流浪", township.id, "cash")

    page.tabs.setCurrentIndex(1)
    page.levels.setCurrentIndex(0)
    page.refresh_queue(v.id)
    dlg = page.ask_approve()
    dlg.approver.setText("李乡长")
    click(qtbot, ok(dlg))
    assert case(city_db, v.id).status == "approved"

    page.tabs.setCurrentIndex(2)
    page.refresh_unpaid(v.id)
    assert page._selected_id(page.unpaid) == v.id
    click(qtbot, page.pay_button)
    dlg = page.dialog
    assert isinstance(dlg, PaymentDialog)
    assert dlg.findChild(type(dlg.general), "pay_first").isVisible()  # paid first: said so
    click(qtbot, ok(dlg))
    v = case(city_db, v.id)
    assert (v.status, v.paid_via, v.paid_on) == ("paid", "direct", TODAY)
    assert "补齐材料" in page.message.text()  # the core's warning: the file's deadline
    with city_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == households


def test_statistics_tab_shows_the_core_figures(qtbot, city_db, zh, request):
    page = make_page(qtbot, city_db, request, read_only=True)
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    with city_db.read() as s:
        st = A.aid_statistics(s, dt.date(2026, 1, 1), dt.date(2027, 1, 1))
    assert st.person_times > 0
    assert f"{st.person_times:,} 人次" in page.stat_total.text()
    t = page.stat_type
    assert t.item(t.rowCount() - 1, 0).text() == "合计"
    total = f"{st.amount_fen // 100:,}.{st.amount_fen % 100:02d}"
    assert t.item(t.rowCount() - 1, 2).text() == total


def test_the_supervisor_sees_the_queues_and_writes_nothing(qtbot, city_db, zh, request):
    hid = fresh_household(city_db)
    aid = A.record_aid(city_db, ACTOR, A.AidInput("urgent", "fire", TODAY, 500_00,
                                                  household_id=hid)).created_id
    page = make_page(qtbot, city_db, request, read_only=True)
    assert page.form is None
    assert page.tabs.tabText(0) == "审批"  # no New case tab
    assert all(not b.isVisible() for b in page.write_buttons)
    assert not page.findChildren(type(page.approve_button), "save")
    page.tabs.setCurrentIndex(0)
    assert page._selected_id(page.queue) == aid and page.queue_detail.toPlainText()
    assert page.ask_approve() is None and page.ask_refuse() is None
    assert page.open_roster_dialog() is None and page.build_roster(1, NOVEMBER) is None
    page.tabs.setCurrentIndex(1)
    assert page.ask_payment() is None and page.ask_paperwork() is None
    assert case(city_db, aid).status == "recorded"


def test_the_built_roster_opens_in_the_rosters_page(qtbot, city_db, request):
    hid = fresh_household(city_db)
    aid = A.record_aid(city_db, ACTOR, A.AidInput("urgent", "fire", TODAY, 600_00,
                                                  household_id=hid)).created_id
    A.approve_aid(city_db, ACTOR, aid, A.ApprovalInput("township", "王局长", TODAY, 600_00))
    w = MainWindow(city_db, ACTOR)
    qtbot.addWidget(w)
    page = w.show_page("aid")
    assert isinstance(page, AidPage)
    request.addfinalizer(lambda: page.task and page.task.wait())
    with qtbot.waitSignal(page.task_finished, timeout=30000) as done:
        page.build_roster(area_id(city_db, CITY), NOVEMBER, TODAY)
    assert done.args == ["succeeded"]
    assert page.show_roster_button.isVisibleTo(page)
    click(qtbot, page.show_roster_button)
    rosters = w.pages["rosters"]
    assert w.stack.currentWidget() is rosters and rosters.view.id == page.last_roster_id
    assert rosters.view.kind == "temp_aid"
