"""Sign-in, the first administrator, the idle lock, one's own password and the users page
(issue 13). Every check is the core's (``assistcase.services.auth``); these views gather input
and show the result."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QComboBox, QDialog,
                               QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from assistcase.errors import AssistCaseError
from assistcase.services import auth

ERROR_STYLE = "color: #b00020;"


def allowed(actor, *permissions: str) -> bool:
    """Whether the signed-in user holds any of ``permissions`` (a page shows a button only
    then). A plain user name (tests from before sign-in) shows everything: the core still
    checks every call."""
    if not isinstance(actor, auth.Identity):
        return True
    return any(actor.can(p) for p in permissions)


def _lang() -> str:
    from PySide6.QtCore import QLocale

    return "zh" if QLocale().language() == QLocale.Language.Chinese else "en"


def _message(e: AssistCaseError) -> str:
    return e.message(_lang())


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _name_password_fields(dialog: QDialog, username: str) -> None:
    """The user name and password fields and the error line (``dialog.username``,
    ``dialog.password``, ``dialog.message``) of the sign-in and unlock dialogs."""
    dialog.username = QLineEdit(username)
    dialog.username.setObjectName("username")
    dialog.password = _password_field()
    dialog.password.setObjectName("password")
    dialog.message = QLabel()
    dialog.message.setObjectName("message")
    dialog.message.setStyleSheet(ERROR_STYLE)
    dialog.message.setWordWrap(True)


def _form_layout(dialog: QDialog, form: QFormLayout, accept, intro: str = "") -> None:
    """A password dialog's layout: the intro line, the form, the error line (``dialog.message``)
    and OK/Cancel, OK calling ``accept``."""
    v = QVBoxLayout(dialog)
    if intro:
        v.addWidget(QLabel(intro))
    v.addLayout(form)
    v.addWidget(dialog.message)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    v.addWidget(buttons)


class SignInDialog(QDialog):
    """The sign-in window at start (登录). On a demo database the demo users and their
    passwords are listed (never on a real one)."""

    def __init__(self, db, username: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.identity: auth.Identity | None = None
        self.setWindowTitle(self.tr("Sign in — AssistCase"))
        _name_password_fields(self, username)
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        v = QVBoxLayout(self)
        v.addLayout(form)
        v.addWidget(self.message)
        if auth.is_demo_database(db):
            from assistcase.demo_users import DEMO_USERS

            note = QLabel(self.tr("Demo database (演示数据): one user per role"))
            note.setObjectName("demo_note")
            v.addWidget(note)
            table = QTableWidget(len(DEMO_USERS), 3)
            table.setObjectName("demo_users")
            table.setHorizontalHeaderLabels([self.tr("User"), self.tr("Password"),
                                             self.tr("Role")])
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            for i, u in enumerate(DEMO_USERS):
                for j, text in enumerate((u.username, u.password, u.display_name)):
                    table.setItem(i, j, QTableWidgetItem(text))
            table.cellDoubleClicked.connect(
                lambda row, _c: (self.username.setText(DEMO_USERS[row].username),
                                 self.password.setText(DEMO_USERS[row].password)))
            v.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Sign in"))
        buttons.accepted.connect(self.try_sign_in)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def try_sign_in(self) -> bool:
        try:
            self.identity = auth.sign_in(self.db, self.username.text(), self.password.text())
        except AssistCaseError as e:
            self.message.setText(_message(e))
            self.password.clear()
            return False
        self.accept()
        return True


class UnlockDialog(QDialog):
    """An encrypted database (加密数据库, issue 19) is opened with the password of a user who
    holds a key slot, or with the recovery key printed at set-up. The same name and password
    then sign the user in, so they are typed once."""

    def __init__(self, path: str, username: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.path = path
        self.db = None
        self.credentials: tuple[str, str] | None = None
        self.setWindowTitle(self.tr("Unlock the database — AssistCase"))
        _name_password_fields(self, username)
        self.recovery = QLineEdit()
        self.recovery.setObjectName("recovery")
        self.recovery.setPlaceholderText(self.tr("only if no password opens it"))
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Recovery key"), self.recovery)
        _form_layout(self, form, self.try_unlock,
                     self.tr("The database %1 is encrypted. Unlock it with your password."
                             ).replace("%1", path))
        (self.password if username else self.username).setFocus()

    def try_unlock(self) -> bool:
        from assistcase.db import open_database
        from assistcase.security.unlock import key_for

        name, password = self.username.text().strip(), self.password.text()
        recovery = self.recovery.text().strip()
        try:
            if recovery:
                key = key_for(self.path, recovery_key=recovery)
            else:
                key = key_for(self.path, slot=name, password=password)
            self.db = open_database(self.path, key=key)
        except AssistCaseError as e:
            self.message.setText(_message(e))
            self.password.clear()
            return False
        self.credentials = None if recovery else (name, password)
        self.accept()
        return True


class BureauSignInDialog(QDialog):
    """立即同步 (issue 15): the bureau's database to synchronise with (from the configuration
    file's ``[exchange] bureau_url`` when set) and the caseworker's account there. The
    connection is made by the synchronisation itself, in the background."""

    def __init__(self, url: str, username: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Synchronise with the bureau — AssistCase"))
        _name_password_fields(self, username)
        self.url = QLineEdit(url)
        self.url.setObjectName("bureau_url")
        self.url.setPlaceholderText("postgresql://db.bureau.local/assistcase")
        form = QFormLayout()
        form.addRow(self.tr("Bureau database"), self.url)
        form.addRow(self.tr("User name at the bureau"), self.username)
        form.addRow(self.tr("Password"), self.password)
        _form_layout(self, form, self._check,
                     self.tr("Your changes are sent to the bureau's database and its changes "
                             "come back, as with packages on a USB stick."))
        (self.password if url and username else self.url if not url else self.username
         ).setFocus()

    def _check(self) -> None:
        if not self.url.text().strip() or not self.username.text().strip():
            self.message.setText(self.tr("Give the bureau database and your user name there."))
            return
        self.accept()

    def values(self) -> tuple[str, str, str]:
        return self.url.text().strip(), self.username.text().strip(), self.password.text()


class FirstAdministratorDialog(QDialog):
    """A new database asks for its first administrator (首个管理员)."""

    def __init__(self, db, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.identity: auth.Identity | None = None
        self.setWindowTitle(self.tr("First administrator"))
        self.username = QLineEdit()
        self.display = QLineEdit()
        self.password = _password_field()
        self.repeat = _password_field()
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Name"), self.display)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Repeat password"), self.repeat)
        _form_layout(self, form, self.create,
                     self.tr("This database has no users yet: create its administrator."))

    def create(self) -> bool:
        if self.password.text() != self.repeat.text():
            self.message.setText(self.tr("The passwords differ."))
            return False
        try:
            self.identity = auth.create_first_administrator(
                self.db, self.username.text(), self.password.text(), self.display.text())
        except AssistCaseError as e:
            self.message.setText(_message(e))
            return False
        self.accept()
        return True


class ChangePasswordDialog(QDialog):
    def __init__(self, db, identity, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.identity = db, identity
        self.setWindowTitle(self.tr("Change password"))
        self.old = _password_field()
        self.new = _password_field()
        self.repeat = _password_field()
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.addRow(self.tr("Current password"), self.old)
        form.addRow(self.tr("New password"), self.new)
        form.addRow(self.tr("Repeat new password"), self.repeat)
        _form_layout(self, form, self.change)

    def change(self) -> bool:
        if self.new.text() != self.repeat.text():
            self.message.setText(self.tr("The passwords differ."))
            return False
        try:
            auth.change_own_password(self.db, self.identity, self.old.text(), self.new.text())
        except AssistCaseError as e:
            self.message.setText(_message(e))
            return False
        self.accept()
        return True


class LockDialog(QDialog):
    """The idle lock: the window is hidden behind it until the signed-in user's password is
    given (a township laptop left on a desk)."""

    def __init__(self, db, identity, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.identity = db, identity
        self.setWindowTitle(self.tr("Locked"))
        self.setModal(True)
        name = getattr(identity, "name", str(identity))
        self.password = _password_field()
        self.password.setObjectName("password")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setStyleSheet(ERROR_STYLE)
        v = QVBoxLayout(self)
        v.addWidget(QLabel(self.tr("Locked after a time without use. {name}, give your "
                                   "password to go on.").format(name=name)))
        v.addWidget(self.password)
        v.addWidget(self.message)
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        v.addWidget(self.unlock_button)

    def try_unlock(self) -> bool:
        if auth.verify_password(self.db, self.identity, self.password.text()):
            self.accept()
            return True
        self.message.setText(self.tr("Wrong password."))
        self.password.clear()
        return False

    def reject(self) -> None:  # Esc does not unlock
        pass

    def closeEvent(self, event) -> None:
        if self.result() != QDialog.DialogCode.Accepted:
            event.ignore()


class IdleLock(QObject):
    """Locks the window after ``minutes`` (or ``msec``) without keyboard or mouse input."""

    locked = Signal()
    unlocked = Signal()

    INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
             QEvent.Type.Wheel}

    def __init__(self, window: QWidget, db, identity, msec: int):
        super().__init__(window)
        self.window, self.db, self.identity = window, db, identity
        self.dialog: LockDialog | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(msec)
        self.timer.timeout.connect(self.lock)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self.dialog is None and event.type() in self.INPUT:
            self.timer.start()
        return False

    def lock(self) -> None:
        if self.dialog is not None:
            return
        self.window.centralWidget().setVisible(False)
        self.dialog = LockDialog(self.db, self.identity, self.window)
        self.dialog.accepted.connect(self._unlocked)
        self.dialog.open()
        self.locked.emit()

    def _unlocked(self) -> None:
        self.window.centralWidget().setVisible(True)
        self.dialog.deleteLater()
        self.dialog = None
        self.timer.start()
        self.unlocked.emit()

    def stop(self) -> None:
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)


class UsersPage(QWidget):
    """Users and their roles (administrator): add a user with a role for an area, reset a
    password, change roles, unlock, disable. The permission table is shown read-only."""

    def __init__(self, db, actor, read_only: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        v = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("users")
        self.table.setHorizontalHeaderLabels([self.tr("User"), self.tr("Name"),
                                              self.tr("Roles"), self.tr("State")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        v.addWidget(self.table, 2)
        form = QFormLayout()
        self.username = QLineEdit()
        self.display = QLineEdit()
        self.password = _password_field()
        self.role = QComboBox()
        self.area = QComboBox()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Name"), self.display)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Role"), self.role)
        form.addRow(self.tr("Area"), self.area)
        v.addLayout(form)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add user"))
        self.roles_button = QPushButton(self.tr("Give the selected user this role only"))
        self.reset_button = QPushButton(self.tr("Reset password of the selected user"))
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.disable_button = QPushButton(self.tr("Disable / enable"))
        for b in (self.add_button, self.roles_button, self.reset_button, self.unlock_button,
                  self.disable_button):
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        v.addWidget(self.message)
        self.permissions = QTableWidget(0, 2)
        self.permissions.setObjectName("permissions")
        self.permissions.setHorizontalHeaderLabels([self.tr("Role"), self.tr("May")])
        self.permissions.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        v.addWidget(self.permissions, 1)
        self.add_button.clicked.connect(self.add_user)
        self.roles_button.clicked.connect(self.set_roles)
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(lambda: self._update(unlock=True))
        self.disable_button.clicked.connect(lambda: self._update(toggle=True))
        self._users: list[auth.UserRow] = []
        self.load()

    def load(self) -> None:
        from assistcase.services.rosters import roster_areas

        from assistcase.core import Core

        core = Core(self.db, None, read_only=True)   # reads only, through the façade
        self._users = core.read(auth.list_users)
        roles = core.read(auth.roles)
        table = core.read(auth.permission_table)
        areas = core.read(roster_areas)
        self.table.setRowCount(len(self._users))
        for i, u in enumerate(self._users):
            state = self.tr("active") if u.active else self.tr("disabled")
            if u.locked_until is not None:
                state += " " + self.tr("locked until {t}").format(t=f"{u.locked_until:%H:%M}")
            for j, text in enumerate((u.username, u.display_name,
                                      "、".join(f"{g.role_zh}@{g.area_name}" for g in u.roles),
                                      state)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        if self.role.count() == 0:
            for code, _en, zh, _level in roles:
                self.role.addItem(zh, code)
            self.area.addItem(self.tr("All areas"), None)
            for area_id, name, _level in areas:
                self.area.addItem(name, area_id)
        labels = {code: zh for code, _en, zh, _l in roles}
        self.permissions.setRowCount(len(table))
        for i, (role, perms) in enumerate(sorted(table.items())):
            self.permissions.setItem(i, 0, QTableWidgetItem(labels.get(role, role)))
            self.permissions.setItem(i, 1, QTableWidgetItem(
                "；".join(auth.PERMISSIONS.get(p, (p, p))[1] for p in perms)))

    def _selected(self) -> auth.UserRow | None:
        row = self.table.currentRow()
        return self._users[row] if 0 <= row < len(self._users) else None

    def _run(self, fn, done: str) -> None:
        try:
            fn()
        except AssistCaseError as e:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(_message(e))
            return
        self.message.setStyleSheet("")
        self.message.setText(done)
        self.password.clear()
        self.load()

    def add_user(self) -> None:
        self._run(lambda: auth.create_user(
            self.db, self.actor, self.username.text(), self.display.text(),
            self.password.text(), [(self.role.currentData(), self.area.currentData())]),
            self.tr("User added."))

    def set_roles(self) -> None:
        u = self._selected()
        if u is not None:
            self._run(lambda: auth.set_user_roles(
                self.db, self.actor, u.id, [(self.role.currentData(), self.area.currentData())]),
                self.tr("Roles changed."))

    def reset_password(self) -> None:
        u = self._selected()
        if u is not None:
            self._run(lambda: auth.reset_password(self.db, self.actor, u.id,
                                                  self.password.text()),
                      self.tr("Password reset."))

    def _update(self, unlock: bool = False, toggle: bool = False) -> None:
        u = self._selected()
        if u is not None:
            self._run(lambda: auth.update_user(self.db, self.actor, u.id,
                                               active=(not u.active) if toggle else None,
                                               unlock=unlock), self.tr("Saved."))
