"""Sign-in window, pages and buttons per role, the idle lock (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QDialog, QTableWidget

from assistcase.demo_users import DEMO_USERS, demo_areas
from assistcase.services import auth
from ui.main_window import MainWindow
from ui.signin import LockDialog, SignInDialog

from ..conftest import ACTOR, demo_city

# what each demo role sees in the navigation, in order
PAGES = {
    # the to-do list (issue 16) for everyone who reads; data exchange (issue 15) for who
    # registers households or administers
    "administrator": ["todo", "registry", "statistics", "liaison", "exchange", "users"],
    "caseworker": ["todo", "registry", "cases", "aid", "statistics", "exchange"],
    "township_reviewer": ["todo", "registry", "cases", "aid", "statistics"],
    "county_clerk": ["todo", "registry", "standards", "rosters", "statistics", "liaison"],
    "county_approver": ["todo", "registry", "standards", "aid", "rosters", "statistics"],
    "standards_officer": ["todo", "registry", "standards", "statistics"],
    "supervisor": ["todo", "registry", "standards", "cases", "aid", "rosters", "statistics",
                   "liaison"],
}


@pytest.fixture
def demo_db(db):
    demo_city(db, households=40, seed=5, today=dt.date(2026, 11, 22))
    areas = demo_areas(db)
    for u in DEMO_USERS:
        auth.create_user(db, ACTOR, u.username, u.display_name, u.password,
                         [(u.role, areas[u.level])], demo=True)
    db.signed_in = None   # nobody until the sign-in window
    return db


def sign_in(qtbot, db, username: str, password: str) -> SignInDialog:
    dialog = SignInDialog(db)
    qtbot.addWidget(dialog)
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.try_sign_in()
    return dialog


def test_the_demo_sign_in_window_lists_the_demo_users_and_refuses_a_wrong_password(
        qtbot, demo_db, zh):
    dialog = sign_in(qtbot, demo_db, "jingban", "not-the-password")
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.identity is None
    assert dialog.message.text() == "用户名或密码错误"
    table = dialog.findChild(QTableWidget, "demo_users")
    assert table.rowCount() == len(DEMO_USERS)
    assert {table.item(i, 0).text() for i in range(table.rowCount())} \
        == {u.username for u in DEMO_USERS}


def test_a_real_database_shows_no_passwords(qtbot, db):
    dialog = SignInDialog(db)
    qtbot.addWidget(dialog)
    assert dialog.findChild(QTableWidget, "demo_users") is None


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda u: u.username)
def test_each_demo_role_sees_only_its_pages_and_buttons(qtbot, demo_db, zh, demo):
    dialog = sign_in(qtbot, demo_db, demo.username, demo.password)
    assert dialog.result() == QDialog.DialogCode.Accepted
    identity = dialog.identity
    demo_db.signed_in = identity
    w = MainWindow(demo_db, identity, idle_lock_msec=0)
    qtbot.addWidget(w)
    w.show()
    assert [e.key for e in w.entries] == PAGES[demo.role]
    assert w.nav.count() == len(PAGES[demo.role])
    assert "演示数据" in w.windowTitle()
    assert demo.display_name in w.user_label.text()
    w.show_page("registry")   # the window opens on the to-do list (issue 16)
    registry = w.registry
    writes = demo.role == "caseworker"
    assert registry.new_btn.isVisible() == writes and registry.import_btn.isVisible() == writes
    if "rosters" in PAGES[demo.role]:
        page = w.show_page("rosters")
        assert page.new_button.isVisible() == (demo.role == "county_clerk")
        # the demo has no roster yet: only the user who may build one is told to build it
        assert page.view is None
        assert ("新建花名册" in page.title_label.text()) == (demo.role == "county_clerk")
    # a township user's list holds their township's households only
    if demo.role in ("caseworker", "township_reviewer"):
        from assistcase.models import Area, Household
        from sqlalchemy import select

        with demo_db.read() as s:
            township = s.get(Area, demo_areas(demo_db)["township"])
            total = s.scalar(select(Household.id).limit(1))
        assert total is not None
        codes = {registry.model.data(registry.model.index(r, 0))[:9]
                 for r in range(registry.model.rowCount())}
        assert codes == {township.code[:9]}
        # the to-do page opens on their township and offers no other area
        todo = w.page("todo")
        assert todo.area.currentData() == township.id
        assert [todo.area.itemData(i) for i in range(todo.area.count())] == [township.id]
        if "cases" in PAGES[demo.role]:  # … and so does the cases page
            cases = w.show_page("cases")
            assert [cases.area.itemData(i) for i in range(cases.area.count())] == [township.id]
    w.close()


def test_the_idle_lock_appears_and_unlocks_only_with_the_password(qtbot, demo_db, zh):
    demo = next(u for u in DEMO_USERS if u.role == "caseworker")
    identity = auth.sign_in(demo_db, demo.username, demo.password)
    demo_db.signed_in = identity
    w = MainWindow(demo_db, identity, idle_lock_msec=50)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.idle_lock.locked, timeout=5000):
        pass
    lock = w.idle_lock.dialog
    assert isinstance(lock, LockDialog) and lock.isVisible()
    assert not w.centralWidget().isVisible()
    lock.password.setText("wrong-password")
    assert not lock.try_unlock()
    assert lock.message.text() == "密码错误。" and not w.centralWidget().isVisible()
    lock.reject()   # Esc does not unlock either
    assert w.idle_lock.dialog is lock
    lock.password.setText(demo.password)
    with qtbot.waitSignal(w.idle_lock.unlocked, timeout=5000):
        assert lock.try_unlock()
    assert w.centralWidget().isVisible() and w.idle_lock.dialog is None
    w.close()


def test_a_new_database_asks_for_its_administrator_who_adds_users(qtbot, tmp_path, zh):
    from assistcase.db import open_database
    from ui.signin import FirstAdministratorDialog, UsersPage

    db = open_database(tmp_path / "new.sqlite3")
    assert auth.needs_first_administrator(db)
    first = FirstAdministratorDialog(db)
    qtbot.addWidget(first)
    first.username.setText("chief")
    first.password.setText("chief-password-1")
    first.repeat.setText("chief-password-2")
    assert not first.create() and first.message.text() == "两次输入的密码不一致。"
    first.repeat.setText("chief-password-1")
    assert first.create() and first.identity.can("users.admin")
    db.signed_in = first.identity
    page = UsersPage(db, first.identity)
    qtbot.addWidget(page)
    assert page.permissions.rowCount() == 7
    page.username.setText("neu")
    page.display.setText("新用户")
    page.password.setText("short")
    page.role.setCurrentIndex(page.role.findData("caseworker"))
    page.add_user()
    assert "至少8个字符" in page.message.text() and page.table.rowCount() == 1
    page.password.setText("neu-password-1")
    page.add_user()
    assert page.table.rowCount() == 2
    assert auth.sign_in(db, "neu", "neu-password-1").can("registry.write")
    db.dispose()


def test_sign_out_asks_who_works_now_and_opens_their_window(qtbot, demo_db, zh):
    """文件 → 注销: the window goes, the sign-in window asks, the next user gets their own
    window; both the sign-out and the new sign-in are in the audit log."""
    import argparse

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from assistcase.core import Core
    from ui.app import WindowSession

    caseworker = next(u for u in DEMO_USERS if u.role == "caseworker")
    clerk = next(u for u in DEMO_USERS if u.role == "county_clerk")
    core = Core(demo_db, None)
    args = argparse.Namespace(user=caseworker.username, password_stdin=True,
                              exit_when_shown=False)
    session = WindowSession(QApplication.instance(), core, args)
    import io
    import sys

    stdin, sys.stdin = sys.stdin, io.StringIO(caseworker.password + "\n")
    try:
        first = session.show_window()
    finally:
        sys.stdin = stdin
    assert caseworker.display_name in first.user_label.text()

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SignInDialog):
            QTimer.singleShot(20, answer)
            return
        dialog.username.setText(clerk.username)
        dialog.password.setText(clerk.password)
        dialog.try_sign_in()

    QTimer.singleShot(0, answer)
    first.sign_out()
    [second] = session.windows
    qtbot.addWidget(second)
    from shiboken6 import Shiboken

    assert second is not first and not Shiboken.isValid(first)   # the old window is gone
    assert clerk.display_name in second.user_label.text()
    assert demo_db.signed_in.username == clerk.username
    from sqlalchemy import text

    with demo_db.read() as s:
        actions = [r[0] for r in s.execute(text(
            "SELECT action FROM audit_log WHERE entity = 'user' AND action LIKE 'sign%'"
            " ORDER BY id"))]
    assert actions[-3:] == ["signin", "signout", "signin"]
    second.close()
