"""The backups dialog (issue 19, part 2): the list with dates and counts, back up now, restore
all or nothing off the GUI thread, and the window hook (action + the day's first backup)."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMainWindow

from assistcase.security.cipher import connect, fingerprint
from assistcase.services import backups as bk
from assistcase.services import registry as reg
from ui.backup_dialog import BackupDialog, attach

from ..conftest import ACTOR, make_id


def _fp(path):
    with contextlib.closing(connect(path)) as conn:
        return fingerprint(conn)


def test_dialog_lists_backs_up_and_restores(qtbot, db, db_path, village_ids):
    first = bk.make_backup(db, "daily")
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "urban", "dibao"),
                         [reg.PersonData("张三", make_id(seq=1))])
    dlg = BackupDialog(db)
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 1
    assert dlg.table.item(0, 2).text() == "0" and not dlg.restore_button.isEnabled()

    with qtbot.waitSignal(dlg.backup_button.clicked):
        dlg.backup_button.click()
    qtbot.waitUntil(lambda: dlg.task is None)
    assert dlg.table.rowCount() == 2
    assert dlg.table.item(0, 2).text() == "1"  # newest first: the one household

    dlg.table.selectRow(1)
    assert dlg.selected().path == first.path and dlg.restore_button.isEnabled()
    assert "Households 0" in dlg.restore_text(dlg.selected())
    with qtbot.waitSignal(dlg.restored, timeout=60_000) as sig:
        dlg.restore(dlg.selected())
    assert sig.args[0].restored.path == first.path
    assert _fp(db_path) == _fp(first.path)
    reasons = [b.reason for b in bk.list_backups(db_path.parent / "backups")]
    assert "before-restore" in reasons


def test_attach_adds_the_action_and_makes_the_days_backup_once_the_window_shows(
        qtbot, db, db_path):
    window = QMainWindow()
    qtbot.addWidget(window)
    action = attach(window, db)
    assert action in window.actions() and action.shortcut().toString() == "Ctrl+Shift+B"
    QCoreApplication.processEvents()
    # not while the window is being built: copying a city's database held the first window
    # back (issue 20); it starts once the window has painted
    assert not window._daily_backup.running
    assert bk.list_backups(db_path.parent / "backups") == []
    with qtbot.waitSignal(window._daily_backup.finished, timeout=60_000):
        window.show()
    assert [b.reason for b in bk.list_backups(db_path.parent / "backups")] == ["daily"]
    dlg = window.open_backups()
    assert dlg.table.rowCount() == 1
    dlg.close()
