"""pytest-qt: the bureau decides a duplicate ticket with the exchange page's button, and the
township sees the outcome on its exchange page; a township sees the bureau's roster and the
bank's result on its rosters page, read-only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from assistcase.models import Area, Household, Person
from assistcase.services import exchange as X
from assistcase.services import rosters as RO
from assistcase.services import standards as S
from ui.main_window import MainWindow

from ..conftest import ACTOR, make_id
from ..core.test_exchange import BUREAU, _household, sites  # noqa: F401  (the fixture)
from ..core.test_exchange_return import _confirmed_case
from .test_ui_exchange import _run


def _send(qtbot, src_page, dst_page, folder):
    sent = _run(qtbot, src_page, lambda: src_page.export_to(folder))
    return _run(qtbot, dst_page, lambda: dst_page.import_file(sent.path))


def test_the_bureau_decides_a_duplicate_and_the_township_sees_the_outcome(qtbot, sites,
                                                                          tmp_path):
    t1, t2, bureau = sites["t1"], sites["t2"], sites["bureau"]
    same = make_id(seq=7)
    h1 = _household(t1, "t1-worker", sites["villages"]["t1"], 1, name="王芳", id_number=same)
    _household(t2, "t2-worker", sites["villages"]["t2"], 1, name="王芳", id_number=same)
    windows = {name: MainWindow(db, user) for name, db, user in (
        ("t1", t1, "t1-worker"), ("t2", t2, "t2-worker"), ("bureau", bureau, "bureau-clerk"))}
    for w in windows.values():
        qtbot.addWidget(w)
    pages = {name: w.show_page("exchange") for name, w in windows.items()}
    office = pages["bureau"]
    _send(qtbot, pages["t1"], office, tmp_path / "u1")
    _send(qtbot, pages["t2"], office, tmp_path / "u2")
    assert office.duplicate_table.rowCount() == 1 and not office.keep_here.isHidden()
    assert pages["t2"].keep_here.isHidden()      # a township does not decide
    office.keep_here.click()                          # nothing chosen yet: said so
    assert office.message.text() and X.duplicates(bureau)
    office.duplicate_table.selectRow(0)
    office.keep_here.click()
    assert X.duplicates(bureau) == []
    office.peer.setCurrentIndex(office.peer.findData(sites["t2_code"]))
    _send(qtbot, office, pages["t2"], tmp_path / "d2")
    town = pages["t2"]
    with t1.read() as s:
        number = s.get(Household, h1).number
    assert town.duplicate_table.rowCount() == 1
    assert number in town.duplicate_table.item(0, 5).text()
    with t2.read() as s:
        assert s.scalar(select(Person.household_id).where(Person.name == "王芳")) is None


def test_the_township_sees_the_bureaus_roster_and_a_failed_payment(qtbot, sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    X.import_package(bureau, "bureau-clerk",
                     X.export_package(t1, "t1-worker", BUREAU, tmp_path / "u").path)
    with bureau.read() as s:
        city = s.scalar(select(Area.id).where(Area.code == "411400000000"))
        gid = s.scalar(select(Household.gid))
        bid = s.scalar(select(Household.id).where(Household.gid == gid))
    S.save_standards(bureau, ACTOR, [S.StandardInput(city, "rural", "dibao",
                                                     dt.date(2022, 1, 1), 420_00)])
    _confirmed_case(bureau, bid)
    built = RO.build_monthly_roster(bureau, ACTOR, RO.MonthlyRosterInput(city,
                                                                          dt.date(2023, 5, 1)))
    RO.review_roster(bureau, "reviewer", built.roster_id)
    RO.approve_roster(bureau, "approver", built.roster_id)
    with bureau.read() as s:
        [line] = list(RO.iter_lines(s, built.roster_id))
    RO.record_bank_returns(bureau, ACTOR, built.roster_id, "回盘.xlsx", "c" * 64,
                           [RO.PaymentOutcome(line.id, "failed", "账户已冻结")])
    X.import_package(t1, "t1-worker", X.export_package(bureau, "bureau-clerk",
                                                       sites["t1_code"], tmp_path / "d").path)
    window = MainWindow(t1, "t1-worker")
    qtbot.addWidget(window)
    page = window.show_page("rosters")
    box = page.received
    assert not box.isHidden() and box.rosters.rowCount() == 1
    assert box.rosters.item(0, 7).text() == "1"               # one failed payment
    assert box.lines.rowCount() == 1 and box.lines.item(0, 6).text() == "账户已冻结"
    assert page.list.rowCount() == 0                          # none of the township's own
