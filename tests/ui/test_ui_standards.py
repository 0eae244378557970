"""pytest-qt: the standards page records each figure's notice, refuses a dibao raise that breaks
the 1.3× rule inline next to the amount, saves both raises together from its list, and edits
the area's policy settings from a date with their notice (a factor that breaks the rule is
refused inline)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

pytest.importorskip("PySide6")

from PySide6.QtCore import QDate, Qt  # noqa: E402

from assistcase.models import Area  # noqa: E402
from assistcase.services import standards as S  # noqa: E402
from ui.standards_page import StandardsPage  # noqa: E402

from ..conftest import ACTOR  # noqa: E402


def page_for_city(qtbot, db, read_only=False):
    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.code == "411400000000"))
    page = StandardsPage(db, ACTOR, read_only=read_only)
    qtbot.addWidget(page)
    page.area.setCurrentIndex(page.area.findData(city))
    page.std_class.setCurrentIndex(page.std_class.findData("urban"))
    return page, city


def fill(page, kind, amount, since=QDate(2022, 1, 1)):
    page.std_kind.setCurrentIndex(page.std_kind.findData(kind))
    page.std_from.setDate(since)
    page.std_amount.setText(amount)


def cell(table, row, column):
    item = table.item(row, column)
    return item.text() if item else ""


def test_notice_the_1_3_rule_inline_and_both_raised_together(qtbot, db):
    page, city = page_for_city(qtbot, db)
    page.std_notice.title.setText("关于提高城乡低保标准的通知")
    page.std_notice.number.setText("商民〔2022〕12号")
    page.std_notice.issued.setDate(QDate(2021, 12, 20))
    fill(page, "dibao", "630")
    qtbot.mouseClick(page.std_add, Qt.LeftButton)
    fill(page, "tekun_basic", "819")
    qtbot.mouseClick(page.std_add, Qt.LeftButton)
    assert page.std_error.text() == "" and page.std_table.rowCount() == 2
    notices = {cell(page.std_table, r, 4) for r in range(2)}
    assert notices == {"《关于提高城乡低保标准的通知》 商民〔2022〕12号 2021-12-20"}
    with db.read() as s:
        assert {r.source.number for r in S.standard_rows(s, city)} == {"商民〔2022〕12号"}

    # a dibao raise alone leaves 819 under 1.3 × 700: refused next to the amount, in red
    page.std_notice.number.setText("商民〔2023〕3号")
    fill(page, "dibao", "700", QDate(2023, 7, 1))
    qtbot.mouseClick(page.std_add, Qt.LeftButton)
    for figure in ("819.00", "700.00", "910.00", "2023-07-01"):
        assert figure in page.std_error.text()
    assert "B00020" in page.std_error.styleSheet()
    assert page.std_table.rowCount() == 2

    # both figures of the notice collected and saved together in one call
    qtbot.mouseClick(page.std_queue, Qt.LeftButton)
    fill(page, "tekun_basic", "910", QDate(2023, 7, 1))
    qtbot.mouseClick(page.std_queue, Qt.LeftButton)
    assert page.std_list.count() == 2 and page.std_save_all.isEnabled()
    qtbot.mouseClick(page.std_save_all, Qt.LeftButton)
    assert page.std_error.text() == "" and page.std_list.count() == 0
    assert page.std_table.rowCount() == 4
    with db.read() as s:
        assert S.standard_for(s, city, "urban", "tekun_basic", dt.date(2023, 7, 1))[1] == 910_00


def test_policy_values_are_set_from_a_date_with_their_notice(qtbot, db):
    page, city = page_for_city(qtbot, db)
    key_row = list(S.POLICY_KEYS).index("increment_minor_pct")
    page.policy_key.setCurrentIndex(page.policy_key.findData("increment_minor_pct"))
    page.policy_value.setText("20")
    page.policy_from.setDate(QDate(2023, 7, 1))
    page.policy_notice.number.setText("商民〔2023〕5号")
    qtbot.mouseClick(page.policy_set, Qt.LeftButton)
    assert page.policy_error.text() == ""
    assert (cell(page.policy_table, key_row, 1), cell(page.policy_table, key_row, 3)) == (
        "20", "2023-07-01")
    assert "商民〔2023〕5号" in cell(page.policy_table, key_row, 4)
    assert page.policy_history.rowCount() == 1
    with db.read() as s:
        assert S.policy_for(s, city, dt.date(2023, 6, 1)).increment_minor_pct == 0
        assert S.policy_for(s, city, dt.date(2023, 7, 1)).increment_minor_pct == 20

    # a factor the standards in force do not meet is refused next to the value
    S.save_standard(page.db, ACTOR, S.StandardInput(city, "urban", "dibao", dt.date(2022, 1, 1),
                                                    630_00))
    S.save_standard(page.db, ACTOR, S.StandardInput(city, "urban", "tekun_basic",
                                                    dt.date(2022, 1, 1), 819_00))
    page.policy_key.setCurrentIndex(page.policy_key.findData("tekun_factor_pct"))
    page.policy_value.setText("140")
    qtbot.mouseClick(page.policy_set, Qt.LeftButton)
    assert "882.00" in page.policy_error.text() and "819.00" in page.policy_error.text()
    page.policy_value.setText("abc")
    qtbot.mouseClick(page.policy_set, Qt.LeftButton)
    assert page.policy_error.text()
    # a choice is picked from a list
    page.policy_key.setCurrentIndex(page.policy_key.findData("rounding"))
    assert page.policy_choice.isVisibleTo(page) and not page.policy_value.isVisibleTo(page)
    page.policy_choice.setCurrentIndex(page.policy_choice.findData("none"))
    qtbot.mouseClick(page.policy_set, Qt.LeftButton)
    with db.read() as s:
        assert S.policy_for(s, city).rounding == "none"


def test_read_only_page_hides_the_policy_form(qtbot, db):
    page, _city = page_for_city(qtbot, db, read_only=True)
    page.show()
    assert page.policy_table.isVisible() and not page.policy_set.isVisible()
    assert not page.std_queue.isVisible()


def test_the_page_reads_in_chinese(qtbot, db, zh):
    page, city = page_for_city(qtbot, db)
    assert page.policy_set.text() == "自该日起执行"
    assert page.std_save_all.text() == "列表一并保存"
    assert page.policy_key.itemText(page.policy_key.findData("tekun_factor_pct")) \
        == "特困基本生活标准不低于低保标准的%"
    S.save_standard(db, ACTOR, S.StandardInput(city, "urban", "dibao", dt.date(2022, 1, 1), 630_00))
    S.save_standard(db, ACTOR, S.StandardInput(city, "urban", "tekun_basic", dt.date(2022, 1, 1),
                                               819_00))
    fill(page, "dibao", "700", QDate(2023, 1, 1))
    qtbot.mouseClick(page.std_add, Qt.LeftButton)
    assert "不能保存" in page.std_error.text() and "910.00" in page.std_error.text()
