"""The household editor, offscreen: dated incomes (change from a date keeps the earlier row),
a member taken out with the kind and date of the event, closing with a date."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, QSettings
from sqlalchemy import select

from assistcase.models import Household, HouseholdMembership, Income, Person
from assistcase.services import registry as reg
from ui.main_window import MainWindow

from ..conftest import ACTOR, make_id


@pytest.fixture(autouse=True)
def private_settings(tmp_path):
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "settings"))
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "settings"))


@pytest.fixture
def home(db, village_ids):
    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "rural"),
                               [reg.PersonData("张三", make_id(seq=1)),
                                reg.PersonData("李四", make_id(seq=2), "spouse")]).created_id
    reg.add_income(db, ACTOR, hid, "wages", 300_00)
    return hid


@pytest.fixture
def editor(qtbot, db, home):
    w = MainWindow(db, ACTOR)
    qtbot.addWidget(w)
    w.show()
    e = w.open_household(home)
    yield e
    e.discard()


def test_income_changed_from_a_date_keeps_the_earlier_row(editor, db, home):
    headers = [editor.incomes.horizontalHeaderItem(i).text()
               for i in range(editor.incomes.columnCount())]
    assert len(headers) == 5
    assert editor.income_date.date() == QDate.currentDate()   # new rows default to today
    editor.incomes.selectRow(0)
    editor.income_amount.setText("450")
    editor.income_date.setDate(QDate(2024, 3, 15))
    editor._change_income()
    assert editor.incomes.rowCount() == 2
    assert editor.incomes.item(0, 3).text() == "2024-03-15"     # the old row ends …
    assert editor.incomes.item(1, 2).text() == "2024-03-15"     # … where the new one starts
    assert "450.00" in editor.income_summary.text()            # in force today
    with db.read() as s:
        rows = s.execute(select(Income.monthly_fen, Income.valid_until)
                         .where(Income.household_id == home).order_by(Income.id)).all()
    assert rows == [(300_00, dt.date(2024, 3, 15)), (450_00, None)]


def test_member_taken_out_with_kind_and_date(editor, db, home):
    with db.read() as s:
        li = s.scalar(select(Person.id).where(Person.name == "李四"))
    assert not editor.remove_member(li, "other", dt.date(2024, 5, 1), "")  # needs a reason
    assert editor.remove_member(li, "died", dt.date(2024, 5, 1))
    with db.read() as s:
        m = s.scalar(select(HouseholdMembership).where(HouseholdMembership.person_id == li))
        assert s.get(Person, li).household_id is None
    assert m.left_on == dt.date(2024, 5, 1) and "死亡" in m.reason
    assert editor.close_household("全户迁出", dt.date(2024, 6, 2))
    with db.read() as s:
        hh = s.get(Household, home)
    assert (hh.status, hh.closed_on) == ("closed", dt.date(2024, 6, 2))
