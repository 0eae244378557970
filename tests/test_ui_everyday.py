"""Issue 18, everyday use: each defect found by trying the app as a new user, one test each."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from assistcase.services import registry as reg
from ui.main_window import MainWindow

from .conftest import ACTOR, make_id


@pytest.fixture(autouse=True)
def private_settings(tmp_path):
    """Window state goes to a throwaway QSettings location, not the user's."""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.NativeFormat, scope, str(tmp_path / "settings"))
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "settings"))


@pytest.fixture
def households(db, village_ids):
    def make(name, seq, village=0, **kw):
        return reg.create_household(
            db, ACTOR, reg.HouseholdData(village_ids[village], "rural", **kw),
            [reg.PersonData(name, make_id(seq=seq))]).created_id
    return {"张三": make("张三", 1), "王五": make("王五", 3, 1)}


def answer_dialogs(seen):
    """Close each message box the code under test opens, keeping its text."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(10)

    def poll():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.done(0)
    timer.timeout.connect(poll)
    timer.start()
    return timer


def test_read_only_household_is_not_asked_to_discard_unsaved_changes(qtbot, db, zh, households):
    w = MainWindow(db, ACTOR, read_only=True)
    qtbot.addWidget(w)
    w.show()
    editor = w.open_household(households["张三"])
    assert not editor.dirty
    asked: list[str] = []
    timer = answer_dialogs(asked)  # a prompt would block in exec(): note it and close it
    editor.reject()
    timer.stop()
    assert asked == [] and not editor.isVisible()
