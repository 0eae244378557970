"""pytest-qt: a package exported in the township's window is imported in the bureau's, a
conflict is decided there, the return package goes back and the township's record is synced."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from assistcase.models import Household
from assistcase.services import exchange as X
from assistcase.services import registry as R
from ui.household_model import SYNC_COLUMN
from ui.main_window import MainWindow

from ..conftest import ACTOR
from ..core.test_exchange import BUREAU, _household, sites  # noqa: F401  (the fixture)


def _run(qtbot, page, start):
    with qtbot.waitSignal(page.task_finished, timeout=60_000) as done:
        start()
    assert not isinstance(done.args[0], BaseException), done.args[0]
    return done.args[0]


def _sync_shown(window, household_id):
    """The sync state the household list shows for a household (the column must be shown)."""
    page = window.show_page("registry")
    assert not page.table.isColumnHidden(SYNC_COLUMN)
    page.model.reload()
    row = page.model.row_of(household_id)
    return page.model.data(page.model.index(row, SYNC_COLUMN))


def _case_sync_shown(window, case_id):
    """The sync state the cases list shows for a case (the column must be shown)."""
    from ui.case_model import SYNC_COLUMN as CASE_SYNC

    page = window.show_page("cases")
    assert not page.case_table.isColumnHidden(CASE_SYNC)
    page.case_model.reload()
    row = next(r for r in range(page.case_model.rowCount())
               if page.case_model.case_id(r) == case_id)
    return page.case_model.data(page.case_model.index(row, CASE_SYNC))


def test_export_import_resolve_and_return_in_real_windows(qtbot, sites, tmp_path):
    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    town_window = MainWindow(t1, "t1-worker")
    bureau_window = MainWindow(bureau, "bureau-clerk")
    qtbot.addWidget(town_window)
    qtbot.addWidget(bureau_window)
    town = town_window.show_page("exchange")
    office = bureau_window.show_page("exchange")
    assert "1" in town.waiting.text()  # one household waiting to be sent

    usb = tmp_path / "usb"
    sent = _run(qtbot, town, lambda: town.export_to(usb))
    received = _run(qtbot, office, lambda: office.import_file(sent.path))
    assert received.created["household"] == 1 and office.packages.rowCount() == 1
    back = _run(qtbot, office, lambda: office.export_to(tmp_path / "back"))
    _run(qtbot, town, lambda: town.import_file(back.path))

    # both sides change the phone: a conflict at the bureau, decided there
    with t1.read() as s:
        gid = s.get(Household, hid).gid
    with bureau.read() as s:
        bid = s.scalar(select(Household.id).where(Household.gid == gid))
    R.update_household(t1, "t1-worker", hid, {"phone": "13911112222"})
    R.update_household(bureau, "bureau-clerk", bid, {"phone": "13722223333"})
    town.refresh()
    assert X.sync_state(t1, "household", [hid]) == {hid: "pending"}
    assert _sync_shown(town_window, hid) == "to be sent"
    town_window.show_page("exchange")
    sent = _run(qtbot, town, lambda: town.export_to(usb))
    _run(qtbot, office, lambda: office.import_file(sent.path))
    assert office.conflict_table.rowCount() == 1
    assert office.conflict_table.item(0, 2).text() == "13722223333"
    assert "13911112222" in office.conflict_table.item(0, 4).text()
    assert "t1-worker" in office.conflict_table.item(0, 5).text()
    assert _sync_shown(bureau_window, bid) == "conflict"
    bureau_window.show_page("exchange")
    office.conflict_table.selectRow(0)
    office.keep_remote.click()
    assert office.conflict_table.rowCount() == 0

    back = _run(qtbot, office, lambda: office.export_to(tmp_path / "back"))
    _run(qtbot, town, lambda: town.import_file(back.path))
    final = _run(qtbot, town, lambda: town.export_to(usb))  # confirms the bureau's package
    _run(qtbot, office, lambda: office.import_file(final.path))
    assert X.sync_state(t1, "household", [hid]) == {hid: "synced"}
    assert _sync_shown(town_window, hid) == "synced"
    with bureau.read() as s:
        assert s.get(Household, bid).phone == "13911112222"
    # a package for another site is refused on the page, in words
    with qtbot.waitSignal(office.task_finished, timeout=60_000) as refused:
        office.import_file(back.path)   # the bureau's own package, addressed to the township
    assert isinstance(refused.args[0], Exception)
    assert office.message.text()


def test_synchronise_now_from_the_townships_window(qtbot, sites, tmp_path):
    from ui.signin import BureauSignInDialog

    from ..conftest import PASSWORD

    import datetime as dt

    from assistcase.services import cases as C

    t1, bureau = sites["t1"], sites["bureau"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    case_id = C.open_case(t1, "t1-worker", C.CaseInput(
        program="dibao", household_id=hid, applied_on=dt.date(2025, 3, 3),
        reason="因病致贫")).created_id
    town_window = MainWindow(t1, "t1-worker")
    bureau_window = MainWindow(bureau, "bureau-clerk")
    qtbot.addWidget(town_window)
    qtbot.addWidget(bureau_window)
    assert _case_sync_shown(town_window, case_id) == "to be sent"
    town = town_window.show_page("exchange")
    assert town.sync_button.isEnabled()
    assert not bureau_window.show_page("exchange").sync_button.isEnabled()  # townships only
    assert _sync_shown(town_window, hid) == "to be sent"
    town_window.show_page("exchange")

    # the dialog asks for the bureau's database and the account there
    dialog = BureauSignInDialog("", "t1-worker")
    qtbot.addWidget(dialog)
    dialog._check()
    assert dialog.message.text() and dialog.result() == 0   # no database given: not accepted
    dialog.url.setText(f"sqlite:///{bureau.path}")
    dialog.username.setText("bureau-clerk")
    dialog.password.setText("wrong")
    with qtbot.waitSignal(town.task_finished, timeout=60_000) as refused:
        town.synchronise(*dialog.values(), folder=tmp_path / "kept")
    assert isinstance(refused.args[0], Exception)
    assert "wrong user name or password" in town.message.text() or "用户名或密码错误" in \
        town.message.text()

    result = _run(qtbot, town, lambda: town.synchronise(
        f"sqlite:///{bureau.path}", "bureau-clerk", PASSWORD, folder=tmp_path / "kept"))
    assert result.delivered[0].created == {"household": 1, "person": 1, "case": 1,
                                           "case_event": 1}
    assert "1" in town.message.text() and result.bureau in town.message.text()
    assert _sync_shown(town_window, hid) == "synced"
    assert _case_sync_shown(town_window, case_id) == "synced"
    assert town.packages.rowCount() == 2          # one sent, one received


def test_the_aid_lists_show_a_cases_sync_state_where_an_exchange_is_set_up(qtbot, sites, db):
    import datetime as dt

    from assistcase.services import aid as A

    t1 = sites["t1"]
    hid = _household(t1, "t1-worker", sites["villages"]["t1"], 1)
    aid_id = A.record_aid(t1, "t1-worker", A.AidInput(
        "urgent", "fire", dt.date.today(), 800_00, household_id=hid,
        payment_method="cash", description="房屋失火")).created_id
    window = MainWindow(t1, "t1-worker")
    qtbot.addWidget(window)
    page = window.show_page("aid")
    page.refresh()
    queue = page.queue
    last = queue.columnCount() - 1
    assert queue.horizontalHeaderItem(last).text() == "Sync state"
    assert not queue.isColumnHidden(last)
    [row] = [r for r in range(queue.rowCount())
             if queue.item(r, 0).data(Qt.ItemDataRole.UserRole) == aid_id]
    assert queue.item(row, last).text() == "to be sent"   # never sent yet
    # a database that exchanges with nobody has no such column
    plain = MainWindow(db, ACTOR)
    qtbot.addWidget(plain)
    other = plain.show_page("aid")
    other.refresh()
    assert other.queue.isColumnHidden(other.queue.columnCount() - 1)
