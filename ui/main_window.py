"""The main window: navigation on the left, the selected area's page on the right."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QStackedWidget, QWidget)

from assistcase import __version__
from assistcase.core import Core
from assistcase.db import Database

from .navigation import PAGES
from .ops import as_core


class MainWindow(QMainWindow):
    def __init__(self, core: Core | Database, actor: str | None = None, read_only: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.core = as_core(core, actor, read_only)  # every page works through this façade
        self.db = db = self.core.db
        self.actor = actor = self.core.actor
        self.read_only = self.core.read_only
        self.setWindowTitle(self.tr("AssistCase — social assistance case management"))
        self.pages: dict[str, QWidget] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(150)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } "
                               "QListWidget::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        self._index: dict[str, int] = {}
        for entry in PAGES:
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
        self.statusBar().addPermanentWidget(QLabel(self.tr("User: {user}").format(user=actor)))
        self.statusBar().addPermanentWidget(QLabel(self.tr("Database: {path}").format(path=where)))
        self.statusBar().addPermanentWidget(QLabel(f"v{__version__}"))
        self.resize(1280, 800)
        self._restore_state()
        self.show_page("todo")  # a caseworker's day starts with what is due

    # --- pages ------------------------------------------------------------------------------

    def page(self, key: str) -> QWidget:
        """The page for ``key``, created on first use."""
        if key not in self.pages:
            entry = next(e for e in PAGES if e.key == key)
            if entry.factory is None:
                raise KeyError(key)
            widget = entry.factory(self.core, self.actor, self.read_only)
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
        row = next(i for i, e in enumerate(PAGES) if e.key == key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)
        return widget

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(PAGES) and PAGES[row].factory is not None:
            self.show_page(PAGES[row].key)

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
        row = next(i for i, e in enumerate(PAGES) if e.key == "todo")
        title = PAGES[row].translated_title()
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
        QSettings().setValue("main/geometry", self.saveGeometry())
        for widget in self.pages.values():
            if hasattr(widget, "save_state"):
                widget.save_state()
        super().closeEvent(event)
