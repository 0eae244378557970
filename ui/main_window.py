"""The main window: navigation on the left, the selected area's page on the right."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QPushButton, QStackedWidget, QWidget)

from assistcase import __version__
from assistcase.core import Core
from assistcase.db import Database

from assistcase.services.auth import Identity, signin_policy

from .navigation import PAGES
from .ops import as_core
from .signin import ChangePasswordDialog, IdleLock, allowed


class MainWindow(QMainWindow):
    """``actor``: the signed-in :class:`~assistcase.services.auth.Identity` (its pages and
    buttons follow its permissions; a plain user name shows every page, as before sign-in).
    ``read_only`` opens the file read-only whoever is signed in. ``idle_lock_msec``: the idle
    lock's time (default: the database's ``idle_lock_minutes`` policy; 0: none)."""

    def __init__(self, core: Core | Database, actor=None, read_only: bool = False,
                 parent: QWidget | None = None, idle_lock_msec: int | None = None):
        super().__init__(parent)
        self.core = as_core(core, actor, read_only)  # every page works through this façade
        self.db = db = self.core.db
        self.actor = actor = self.core.actor
        self.read_only = read_only = self.core.read_only
        self.entries = [e for e in PAGES if allowed(actor, *e.sees)
                        and (e.key != "users" or isinstance(actor, Identity))]
        title = self.tr("AssistCase — social assistance case management")
        if isinstance(actor, Identity) and actor.demo:
            title += " — " + self.tr("演示数据 (demo data)")
        self.setWindowTitle(title)
        self.pages: dict[str, QWidget] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(150)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } "
                               "QListWidget::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        self._index: dict[str, int] = {}
        for entry in self.entries:
            item = QListWidgetItem(entry.translated_title())
            item.setData(Qt.ItemDataRole.UserRole, entry.key)
            if entry.factory is None:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(self.tr("Not available in this version yet"))
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._show_row)

        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.nav)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        where = str(db.path or db.url)
        if isinstance(actor, Identity):
            who = self.tr("User: {user} ({roles})").format(
                user=actor.name, roles="、".join(f"{g.role_zh}·{g.area_name}" for g in actor.grants))
        else:
            who = self.tr("User: {user}").format(user=actor)
        self.user_label = QLabel(who)
        self.user_label.setObjectName("signed_in_user")
        self.statusBar().addPermanentWidget(self.user_label)
        self.idle_lock = None
        if isinstance(actor, Identity):
            self.password_button = QPushButton(self.tr("Change password…"))
            self.password_button.setFlat(True)
            self.password_button.clicked.connect(self.change_password)
            self.lock_button = QPushButton(self.tr("Lock"))
            self.lock_button.setFlat(True)
            self.statusBar().addPermanentWidget(self.password_button)
            self.statusBar().addPermanentWidget(self.lock_button)
            if idle_lock_msec is None:
                idle_lock_msec = self.core.read(signin_policy).idle_lock_minutes * 60_000
            if idle_lock_msec:
                self.idle_lock = IdleLock(self, db, actor, idle_lock_msec)
                self.lock_button.clicked.connect(self.idle_lock.lock)
        self.statusBar().addPermanentWidget(QLabel(self.tr("Database: {path}").format(path=where)))
        self.statusBar().addPermanentWidget(QLabel(f"v{__version__}"))
        self.resize(1280, 800)
        self._restore_state()
        # a caseworker's day starts with what is due; who has no to-do list, with the first page
        self.show_page("todo" if any(e.key == "todo" for e in self.entries)
                       else self.entries[0].key)

    # --- pages ------------------------------------------------------------------------------

    def page(self, key: str) -> QWidget:
        """The page for ``key``, created on first use."""
        if key not in self.pages:
            entry = next((e for e in self.entries if e.key == key), None)
            if entry is None or entry.factory is None:
                raise KeyError(key)
            read_only = self.read_only or not allowed(self.actor, *entry.writes) \
                if isinstance(self.actor, Identity) else self.read_only
            page_core = (self.core.read_only_view() if read_only and not self.core.read_only
                         else self.core)
            widget = entry.factory(page_core, self.actor, read_only)
            if key == "todo":
                widget.counts_changed.connect(self._todo_counts)
                widget.open_case_requested.connect(self._open_case)
                widget.open_aid_requested.connect(self.open_aid)
                self._todo_counts(*widget.last_counts)
            for status in getattr(widget, "status_widgets", ()):
                self.statusBar().addWidget(status)
            self.pages[key] = widget
            self._index[key] = self.stack.addWidget(widget)
        return self.pages[key]

    def show_page(self, key: str) -> QWidget:
        widget = self.page(key)
        self.stack.setCurrentWidget(widget)
        for other in self.pages.values():  # a page's status-bar widgets show with the page
            for status in getattr(other, "status_widgets", ()):
                status.setVisible(other is widget)
        row = next(i for i, e in enumerate(self.entries) if e.key == key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)
        return widget

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(self.entries) and self.entries[row].factory is not None:
            self.show_page(self.entries[row].key)

    def change_password(self) -> None:
        dialog = ChangePasswordDialog(self.db, self.actor, self)
        dialog.open()
        self.dialog = dialog

    @property
    def registry(self):
        page = self.page("registry")
        if not getattr(self, "_cases_wired", False):  # the household editor opens its cases
            self._cases_wired = True
            page.editor_opened.connect(
                lambda editor: editor.cases_requested.connect(self.open_household_cases))
        return page

    def open_household_cases(self, household_id: int):
        """The cases page (救助审批) showing a household and its newest case."""
        page = self.show_page("cases")
        page.choose_household(household_id)
        return page

    def _todo_counts(self, total: int, overdue: int) -> None:
        """The to-do entry of the navigation shows what is due (and overdue)."""
        row = next(i for i, e in enumerate(self.entries) if e.key == "todo")
        title = self.entries[row].translated_title()
        if total:
            title += (self.tr(" (%1)") if not overdue else self.tr(" (%1, %2 overdue)")) \
                .replace("%1", str(total)).replace("%2", str(overdue))
        self.nav.item(row).setText(title)

    def _open_case(self, household_id: int, case_id: int):
        page = self.show_page("cases")
        page.choose_household(household_id, case_id)
        return page

    def open_aid(self, aid_id: int):
        """The temporary-aid page on its paperwork tab with the case selected."""
        page = self.show_page("aid")
        page.tabs.setCurrentWidget(page.paperwork_tab)
        page.refresh_paperwork(aid_id)
        return page

    def open_household(self, household_id: int):
        """Open the household editor, populated (used by the startup benchmark too)."""
        self.show_page("registry")
        return self.registry.open_household(household_id)

    # --- window state -----------------------------------------------------------------------

    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def closeEvent(self, event) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
        QSettings().setValue("main/geometry", self.saveGeometry())
        for widget in self.pages.values():
            if hasattr(widget, "save_state"):
                widget.save_state()
        super().closeEvent(event)
