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

from ..conftest import ACTOR, make_id  # noqa: E402


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
    page.actor = page.core.actor = "reviewer"   # the confirmer is not the investigating caseworker (issue 13)
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
    page.tabs.setCurrentIndex(1)  # the exit-review list is shown, recording and recomputing not
    assert page.review_table.isVisible()
    assert not page.review_btn.isVisible() and not page.recalc_btn.isVisible()
    assert page.recalculate_month() is None


# --- the cases page of issue 11: exit review, marginal list, case list, step fields ---------

MAY, JUNE = dt.date(2023, 5, 1), dt.date(2023, 6, 1)


def _city_with_standards(db):
    from assistcase.services import standards as S

    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.code == "411400000000"))
    S.save_standard(db, ACTOR, S.StandardInput(city, "rural", "dibao", dt.date(2022, 1, 1),
                                               420_00))
    return city


def _active_case(db, village_id, income_fen=0, seq=1, name="张三"):
    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_id, "rural"),
                               [reg.PersonData(name, make_id(seq=seq)),
                                reg.PersonData("李四", make_id(seq=seq + 1), "spouse"),
                                reg.PersonData("王五", make_id(seq=seq + 2), "child")]).created_id
    if income_fen:
        reg.add_income(db, ACTOR, hid, "wages", income_fen)
    cid = C.open_case(db, ACTOR, C.CaseInput("dibao", hid, dt.date(2023, 3, 1), "无收入")).created_id
    C.record_economic_check(db, ACTOR, cid, dt.date(2023, 3, 3), "核对通过")
    C.record_investigation(db, ACTOR, cid, dt.date(2023, 3, 6), "王五、赵六", "无劳动力")
    C.record_publicity(db, ACTOR, cid, dt.date(2023, 3, 10), dt.date(2023, 3, 16))
    C.confirm_case(db, "reviewer", cid, dt.date(2023, 3, 20), "同意")
    return hid, cid


def _recalculate(qtbot, page):
    with qtbot.waitSignal(page.recalculated, timeout=60000) as done:
        qtbot.mouseClick(page.recalc_btn, Qt.LeftButton)
    assert done.args == ["succeeded"]


def test_exit_review_list_shows_a_raised_income_and_terminate_stops_payment(qtbot, db,
                                                                            village_ids):
    from assistcase.models import EntitlementRow
    from assistcase.services.recalc import recalculate_area

    city = _city_with_standards(db)
    hid, cid = _active_case(db, village_ids[0], 300_00)
    _other_hid, other = _active_case(db, village_ids[0], 300_00, seq=11, name="赵一")
    page = CasesPage(db, ACTOR)
    qtbot.addWidget(page)
    page.area.setCurrentIndex(page.area.findData(city))
    page.tabs.setCurrentIndex(1)
    page.review_month.setDate(qd(2023, 5, 1))
    assert page.reviewed_case_ids() == [] and "2023-05" in page.review_info.text()
    _recalculate(qtbot, page)
    assert page.reviewed_case_ids() == []  # 100 a head: below the standard
    # the income raised through the core to exactly the standard (3 × 420), then recalculated
    reg.add_income(db, ACTOR, hid, "pension", 960_00)
    _recalculate(qtbot, page)
    assert page.reviewed_case_ids() == [cid]
    cells = [page.review_table.item(0, c).text() for c in range(page.review_table.columnCount())]
    assert cells[4:] == ["420.00", "1,260.00", "3", "420.00", "0.00"]

    page.select_review_case(cid)
    page.review_outcome.setCurrentIndex(page.review_outcome.findData("terminate"))
    page.review_date.setDate(qd(2023, 5, 15))
    page.review_findings.setText("家庭收入达到低保标准")
    qtbot.mouseClick(page.review_btn, Qt.LeftButton)
    assert page.review_error.text() == ""
    assert page.reviewed_case_ids() == []  # answered: off the list
    with db.read() as s:
        assert C.case_view(s, cid).status == "terminated"
        assert C.case_view(s, cid).paid_until == JUNE
    # the next month pays nothing for the case; the other case is still paid
    recalculate_area(db, ACTOR, city, JUNE)
    with db.read() as s:
        assert s.get(EntitlementRow, (JUNE, cid)) is None
        assert s.get(EntitlementRow, (JUNE, other)).amount_fen == 320_00 * 3
        assert s.get(EntitlementRow, (MAY, cid)).amount_fen == 0
    # the breakdown of June says so
    page.open_case_id(cid)
    page.month.setDate(qd(2023, 6, 1))
    assert "2023-06" in page.case_label.text()


def test_each_steps_fields_start_empty_and_a_future_date_is_refused(qtbot, db, village_ids):
    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                               [reg.PersonData("张三", make_id(seq=1))]).created_id
    page = CasesPage(db, ACTOR)
    qtbot.addWidget(page)
    page.choose_household(hid)
    assert page.case_id is None
    page.step_date.setDate(qd(2023, 3, 1))
    page.step_text.setText("无固定收入")
    qtbot.mouseClick(page.open_btn, Qt.LeftButton)
    assert page.case_id is not None and page.case_error.text() == ""
    assert page.step_text.text() == ""  # the application's reason is not the check's findings
    # a date after today is refused by the core, shown inline, and the text stays to fix
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page.step_date.setDate(qd(tomorrow.year, tomorrow.month, tomorrow.day))
    page.step_text.setText("核对通过")
    qtbot.mouseClick(page.check_btn, Qt.LeftButton)
    assert tomorrow.isoformat() in page.case_error.text()
    assert page.step_text.text() == "核对通过"
    with db.read() as s:
        assert C.case_view(s, page.case_id).status == "applied"
    page.step_date.setDate(qd(2023, 3, 3))
    qtbot.mouseClick(page.check_btn, Qt.LeftButton)
    assert page.case_error.text() == ""
    assert page.step_text.text() == "" and page.step_who.text() == ""
    page.step_date.setDate(qd(2023, 3, 6))
    page.step_who.setText("王五、赵六")
    qtbot.mouseClick(page.investigate_btn, Qt.LeftButton)  # findings left empty: refused
    assert page.case_error.text() and page.step_who.text() == "王五、赵六"
    page.step_text.setText("家中无劳动力")
    qtbot.mouseClick(page.investigate_btn, Qt.LeftButton)
    assert page.case_error.text() == ""
    assert page.step_text.text() == "" and page.step_who.text() == ""
    with db.read() as s:
        view = C.case_view(s, page.case_id)
        assert view.status == "investigated"
        assert [e.details for e in view.events if e.step == "economic_check"] == ["核对通过"]
        assert "家中无劳动力" in [e for e in view.events if e.step == "investigation"][0].details


def test_case_list_by_state_with_counts_filters_and_open(qtbot, db, village_ids):
    city = _city_with_standards(db)
    _hid, active = _active_case(db, village_ids[0])
    applied_hh = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[-1], "rural"),
                                      [reg.PersonData("钱七", make_id(seq=21))]).created_id
    applied = C.open_case(db, ACTOR, C.CaseInput("dibao", applied_hh, dt.date.today(),
                                                 "x")).created_id
    page = CasesPage(db, ACTOR)
    qtbot.addWidget(page)
    page.area.setCurrentIndex(page.area.findData(city))
    texts = [page.states.item(i).text() for i in range(page.states.count())]
    assert texts[0].endswith("(2)")
    assert sorted(page.case_ids_shown()) == sorted([active, applied])
    page.select_state("application")
    assert page.case_ids_shown() == [applied]
    assert "1" in page.case_count.text()
    page.select_state("review_due")  # confirmed in 2023: its review date has passed
    assert page.case_ids_shown() == [active]
    page.program_filter.setCurrentIndex(page.program_filter.findData("tekun"))
    assert page.case_ids_shown() == []
    page.program_filter.setCurrentIndex(page.program_filter.findData("dibao"))
    page.select_state(None)
    index = page.case_model.index(page.case_ids_shown().index(applied), 0)
    page.case_table.doubleClicked.emit(index)
    assert page.case_id == applied and page.household_id == applied_hh
    assert "钱七" in page.hh_label.text()
    # a step moves the case between states, and the counts follow
    page.step_date.setDate(qd(*dt.date.today().timetuple()[:3]))
    page.step_text.setText("核对通过")
    qtbot.mouseClick(page.check_btn, Qt.LeftButton)
    assert page.case_error.text() == ""
    assert page.state_counts["application"] == 1 and page.state_counts["review_due"] == 1


def test_a_household_is_found_by_name_pinyin_or_id_tail_and_its_case_opened(qtbot, db,
                                                                             village_ids):
    _city_with_standards(db)
    hid, cid = _active_case(db, village_ids[0], seq=1, name="张三")
    other = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                                 [reg.PersonData("张山", make_id(seq=31))]).created_id
    page = CasesPage(db, ACTOR)
    qtbot.addWidget(page)
    for text in ("张三", make_id(seq=1)[-6:]):
        page.hh_number.setText(text)
        qtbot.mouseClick(page.find_btn, Qt.LeftButton)
        assert page.household_id == hid and page.case_id == cid, text
        assert page.hh_cases.count() == 1
    page.hh_number.setText("zs")  # both 张三 and 张山: chosen from the list
    qtbot.mouseClick(page.find_btn, Qt.LeftButton)
    assert page.hh_results.count() == 2 and page.household_id is None
    row = [page.hh_results.item(i).data(Qt.UserRole) for i in range(2)].index(other)
    page.hh_results.setCurrentRow(row)
    assert page.household_id == other and page.case_id is None
    page.hh_number.setText("无此人")
    qtbot.mouseClick(page.find_btn, Qt.LeftButton)
    assert page.household_id is None and page.hh_label.text()


def test_marginal_list_in_the_page(qtbot, db, village_ids):
    city = _city_with_standards(db)
    inside = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                                  [reg.PersonData("张三", make_id(seq=1))]).created_id
    reg.add_income(db, ACTOR, inside, "wages", 630_00)  # exactly 150 %
    at_std = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                                  [reg.PersonData("李四", make_id(seq=3))]).created_id
    reg.add_income(db, ACTOR, at_std, "wages", 420_00)  # exactly the standard: not marginal
    page = CasesPage(db, ACTOR)
    qtbot.addWidget(page)
    page.area.setCurrentIndex(page.area.findData(city))
    page.marginal_month.setDate(qd(2023, 5, 1))
    assert page.marginal_table.rowCount() == 1
    assert page.marginal_table.item(0, 1).text() == "张三"
    assert page.marginal_table.item(0, 8).text() == "150.0%"


def test_cases_have_their_own_navigation_entry(qtbot, db, zh):
    from ui.navigation import PAGES

    titles = {e.key: e.translated_title() for e in PAGES}
    assert titles["cases"] == "救助审批" and titles["standards"] == "保障标准"
    page = next(e for e in PAGES if e.key == "cases").factory(db, ACTOR, False)
    qtbot.addWidget(page)
    assert isinstance(page, CasesPage) and page.tabs.tabText(1) == "退出核查"


def test_the_household_editor_opens_the_households_cases(qtbot, db, village_ids, tmp_path):
    from ui.main_window import MainWindow

    _city_with_standards(db)
    hid, cid = _active_case(db, village_ids[0])
    w = MainWindow(db, ACTOR)
    qtbot.addWidget(w)
    editor = w.open_household(hid)
    assert editor.cases_btn.isEnabled()
    qtbot.mouseClick(editor.cases_btn, Qt.LeftButton)
    page = w.pages["cases"]
    assert w.stack.currentWidget() is page
    assert page.household_id == hid and page.case_id == cid
    editor.discard() if hasattr(editor, "discard") else editor.close()


def test_a_newborn_is_covered_once_the_change_of_coverage_is_confirmed_in_the_page(
        qtbot, db, village_ids):
    """增人增保 in the window: a member born into the household is not covered until the
    change of covered members is confirmed; it is then covered from the month after."""
    from assistcase.services.recalc import case_entitlement

    _city_with_standards(db)
    hid, cid = _active_case(db, village_ids[0])
    born = dt.date(2023, 5, 10)
    baby = reg.add_member(db, ACTOR, hid, reg.PersonData("张小宝", make_id(birth=born, seq=7),
                                                         "child"), on=born).created_id
    page = CasesPage(db, ACTOR)
    qtbot.addWidget(page)
    page.open_case_id(cid)
    dialog = page.change_coverage()
    assert dialog is not None and dialog.isVisible()
    assert baby not in dialog.chosen() and len(dialog.chosen()) == 3

    dialog.set_checked(baby, True)
    for pid in list(dialog.chosen()):
        dialog.set_checked(pid, False)  # nobody covered: refused, the dialog stays open
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.error.text() and dialog.isVisible()

    dialog.close()
    dialog = page.change_coverage()
    dialog.set_checked(baby, True)
    dialog.date.setDate(qd(2023, 6, 5))
    dialog.reason.setText("新生儿出生")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.error.text() == ""
    july = dt.date(2023, 7, 1)
    with db.read() as s:
        june, jul = case_entitlement(s, cid, JUNE), case_entitlement(s, cid, july)
        assert baby in {pid for pid, _n in C.case_view(s, cid).covered}
    assert (june.covered_members, june.amount_fen) == (3, 3 * 420_00)  # the month of the decision
    assert (jul.covered_members, jul.amount_fen) == (4, 4 * 420_00)
    assert "coverage" in page.events.toPlainText()


def test_the_coverage_change_is_offered_for_open_dibao_cases_only(qtbot, db, village_ids):
    _city_with_standards(db)
    hid, cid = _active_case(db, village_ids[0])
    C.terminate_case(db, ACTOR, cid, dt.date(2023, 6, 5), "迁出本地")
    page = CasesPage(db, ACTOR)
    qtbot.addWidget(page)
    page.open_case_id(cid)
    assert page.change_coverage() is None and page.case_error.text()

