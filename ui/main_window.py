"""The main window: navigation on the left, the selected area's page on the right."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QPushButton, QStackedWidget, QWidget)

from assistcase import __version__
from assistcase.core import Core
from assistcase.db import Database

from assistcase.services.auth import Identity, signin_policy

from .navigation import PAGES
from .ops import after_first_paint, as_core
from .signin import ChangePasswordDialog, IdleLock, allowed


# The default window: what a township laptop shows (1366×768, and 1920×1080 at 150 %, i.e.
# 1280×720 logical pixels), less the task bar and the title bar.
DEFAULT_SIZE = (1280, 800)
FRAME_ALLOWANCE = (0, 40)


class MainWindow(QMainWindow):
    """``actor``: the signed-in :class:`~assistcase.services.auth.Identity` (its pages and
    buttons follow its permissions; a plain user name shows every page, as before sign-in).
    ``read_only`` opens the file read-only whoever is signed in. ``idle_lock_msec``: the idle
    lock's time (default: the database's ``idle_lock_minutes`` policy; 0: none)."""

    sign_out_requested = Signal()  # the app signs in again; nothing connected: close
    # the page the window opens on has painted with its first rows (or its empty list, or
    # its error): what the user waited for at start; the day's backup starts after it
    first_shown = Signal()

    def __init__(self, core: Core | Database, actor=None, read_only: bool = False,
                 parent: QWidget | None = None, idle_lock_msec: int | None = None):
        super().__init__(parent)
        self.core = as_core(core, actor, read_only)  # every page works through this façade
        self.db = db = self.core.db
        self.actor = actor = self.core.actor
        self.read_only = read_only = self.core.read_only
        self.entries = [e for e in PAGES if allowed(actor, *e.sees)
                        and (e.key != "users" or isinstance(actor, Identity))]
        from assistcase.services.meta import is_demo

        self.demo = is_demo(db) or (isinstance(actor, Identity) and actor.demo)
        title = self.tr("AssistCase — social assistance case management")
        if self.demo:
            title += " — " + self.tr("DEMO DATA (not real households)")
        self.setWindowTitle(title)
        self.pages: dict[str, QWidget] = {}
        self.list_tools: dict[str, list] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
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
        self._fit_navigation()

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
        if self.demo:
            badge = QLabel(self.tr("Demo data"))
            badge.setObjectName("demo_badge")
            badge.setStyleSheet("color: white; background: #b3261e; padding: 1px 6px;")
            self.statusBar().addPermanentWidget(badge)
        self._build_menus()
        self.resize(*self.default_size())
        self._restore_state()
        # a caseworker's day starts with what is due; who has no to-do list, with the first page
        self.show_page("todo" if any(e.key == "todo" for e in self.entries)
                       else self.entries[0].key)
        self._watch_first_page()

    def _watch_first_page(self) -> None:
        """``first_shown`` once the opening page's list has painted with its first rows (a
        page tells by ``first_rows_shown``); a page without a list, at its first paint."""
        page = self.stack.currentWidget()
        view = getattr(page, "table", None)
        ready = getattr(page, "first_rows_shown", None)
        if view is None or ready is None:
            after_first_paint(self, self.first_shown.emit)
            return
        after_first_paint(view.viewport(), self.first_shown.emit, ready)
        loaded = getattr(page, "loaded", None)  # an empty list may paint nothing new
        if loaded is not None:
            loaded.connect(view.viewport().update)

    def _fit_navigation(self) -> None:
        """As wide as its longest title (English titles are longer than Chinese ones), or
        the longest text it shows now (the to-do entry carries its counts)."""
        font = self.nav.font()
        font.setPixelSize(14)
        from PySide6.QtGui import QFontMetrics

        fm = QFontMetrics(font)
        texts = [e.translated_title() for e in PAGES]
        texts += [self.nav.item(i).text() for i in range(self.nav.count())]
        widest = max(fm.horizontalAdvance(t) for t in texts)
        self.nav.setFixedWidth(max(130, widest + 36))

    def default_size(self) -> tuple[int, int]:
        """1280×800, or less where the screen is smaller (a 1366×768 laptop)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        w, h = DEFAULT_SIZE
        if screen is not None:
            avail = screen.availableGeometry()
            w = min(w, avail.width() - FRAME_ALLOWANCE[0])
            h = min(h, avail.height() - FRAME_ALLOWANCE[1])
        return w, h

    # --- menus ------------------------------------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut=None, name: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if name:
            act.setObjectName(name)
        act.triggered.connect(lambda _checked=False: slot())
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.setObjectName("menu_file")
        self.new_db_action = self._action(file_menu, self.tr("&New empty database…"),
                                          self.new_database, None, "new_database")
        file_menu.addSeparator()
        self.backup_action = self._action(file_menu, self.tr("&Backups and restore…"),
                                          self.open_backups, "Ctrl+Shift+B", "backups")
        file_menu.addSeparator()
        self._action(file_menu, self.tr("Sign &out"), self.sign_out, None, "sign_out")
        # Ctrl+Q on every platform (the platform's Quit key is empty on some)
        self.quit_shortcut = self._action(file_menu, self.tr("&Quit"), self.close, "Ctrl+Q",
                                          "quit")

        edit = bar.addMenu(self.tr("&Edit"))
        edit.setObjectName("menu_edit")
        self._action(edit, self.tr("&Copy the selected rows"), self.copy_rows, None, "copy_rows")
        self._action(edit, self.tr("&Find…"), self.find, None, "find")
        edit.addSeparator()
        self._action(edit, self.tr("&Export the list to Excel…"), self.export_list, "Ctrl+E",
                     "export_list")

        view = bar.addMenu(self.tr("&View"))
        view.setObjectName("menu_view")
        for i, entry in enumerate(PAGES):
            act = self._action(view, entry.translated_title(),
                               lambda key=entry.key: self.show_page(key), f"Ctrl+{i + 1}",
                               f"page_{entry.key}")
            act.setEnabled(entry.factory is not None)
        view.addSeparator()
        self._action(view, self.tr("&Reset window size and columns"), self.reset_layout, None,
                     "reset_layout")

        tools = bar.addMenu(self.tr("&Tools"))
        tools.setObjectName("menu_tools")
        imp = self._action(tools, self.tr("&Import a household register…"),
                           lambda: self.show_page("registry").import_spreadsheet(), None,
                           "import")
        imp.setEnabled(not self.read_only)
        self._action(tools, self.tr("&Settings…"), self.open_settings, None, "settings")

        # Alt+H belongs to the temporary-aid form's 救助户 field (issue 18): Help is Alt+P
        help_menu = bar.addMenu(self.tr("Hel&p"))
        help_menu.setObjectName("menu_help")
        self._action(help_menu, self.tr("&Help for this page"), self.open_help, "F1", "help")
        self._action(help_menu, self.tr("&Keyboard shortcuts"), self.open_shortcuts, None,
                     "shortcuts")
        self._action(help_menu, self.tr("&About AssistCase"), self.about, None, "about")

    def current_key(self) -> str:
        widget = self.stack.currentWidget()
        return next((k for k, w in self.pages.items() if w is widget), "registry")

    def open_help(self, topic: str | None = None):
        from .help import HelpWindow

        if getattr(self, "help_window", None) is None:
            self.help_window = HelpWindow(self)
        self.help_window.show_topic(topic or self.current_key())
        self.help_window.show()
        self.help_window.raise_()
        return self.help_window

    def open_shortcuts(self):
        return self.open_help("shortcuts")

    def about(self) -> None:
        QMessageBox.about(self, self.tr("About AssistCase"), self.tr(
            "AssistCase {version}: social assistance case management (社会救助).\n"
            "Database: {path}").format(version=__version__, path=str(self.db.path or self.db.url)))

    def open_backups(self):
        """Backups and restore (ui/backup_dialog.py; ``attach`` gives the app's window the
        same dialog with the restore wired to closing the window)."""
        from . import backup_dialog

        dlg = backup_dialog.BackupDialog(self.db, self)
        dlg.open()
        return dlg

    def sign_out(self) -> None:
        """Sign out: the sign-in (issue 13) listens to ``sign_out_requested``; with
        nobody listening, the window closes."""
        from PySide6.QtCore import QMetaMethod

        if self.isSignalConnected(QMetaMethod.fromSignal(self.sign_out_requested)):
            self.sign_out_requested.emit()
        else:
            self.close()

    def open_settings(self):
        from .settings_dialog import SettingsDialog

        dlg = SettingsDialog(self)
        dlg.open()
        return dlg

    def new_database(self) -> None:
        from .settings_dialog import create_new_database

        create_new_database(self)

    def _current_list(self):
        from .list_tools import tools_of

        focus = QApplication.focusWidget()
        while focus is not None and not isinstance(focus, QAbstractItemView):
            focus = focus.parentWidget()
        if focus is not None and tools_of(focus) is not None:
            return tools_of(focus)
        page = self.stack.currentWidget()
        for t in self.list_tools.get(self.current_key(), []):
            if t.view.isVisible() and page.isAncestorOf(t.view):
                return t
        return None

    def copy_rows(self) -> None:
        tools = self._current_list()
        if tools is not None:
            tools.copy()

    def export_list(self) -> None:
        tools = self._current_list()
        if tools is not None:
            tools.ask_export()

    def find(self) -> None:
        page = self.stack.currentWidget()
        if hasattr(page, "focus_search"):
            page.focus_search()
            return
        tools = self._current_list()
        if tools is not None:
            tools.show_filter()

    def reset_layout(self) -> None:
        settings = QSettings()
        settings.remove("main/geometry")
        settings.remove("lists")
        self.showNormal()
        self.resize(*self.default_size())

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
            from .list_tools import install

            self.list_tools[key] = install(widget, key, str(self.actor),
                                           entry.translated_title())
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
        self._fit_navigation()

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
            w, h = self.default_size()  # remembered on a larger screen: fit this one
            if not self.isMaximized() and (self.width() > max(w, DEFAULT_SIZE[0])
                                           or self.height() > max(h, DEFAULT_SIZE[1])):
                self.resize(min(self.width(), w), min(self.height(), h))

    def closeEvent(self, event) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
        # the day's backup started with the window (backup_dialog.attach) ends before the
        # window goes: its thread must not be destroyed running (sign-out deletes the window)
        daily = getattr(self, "_daily_backup", None)
        if daily is not None:
            daily.wait()
        QSettings().setValue("main/geometry", self.saveGeometry())
        for tools in self.list_tools.values():
            for t in tools:
                t.save()
        for widget in self.pages.values():
            if hasattr(widget, "save_state"):
                widget.save_state()
        super().closeEvent(event)
