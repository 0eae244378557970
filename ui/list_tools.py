"""What every list of the window does the same way: sort by a header click, filter the rows
shown by typed text, a right-click menu (open, copy, export), export the rows shown to Excel
(in the background for long lists, the filter written in the file's header), and column widths
remembered from one run of the app to the next.

A page needs nothing for it: the main window installs :class:`ListTools` on every table of a
page when the page is created. A page may name what its own controls filter by giving the
table a ``describe_filter`` callable (returns text), and a title with ``export_title``.
Lazy lists over a whole city (a model with ``lazy_rows = True``) keep their own search and
sort in the database: they get the menu, copy and remembered widths, not the row filter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QModelIndex, QObject, QSettings, QTimer, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QLabel, QLineEdit,
                               QMenu, QMessageBox, QTableView, QTableWidget, QVBoxLayout,
                               QWidget)


from .tasks import BackgroundTask

# Lists longer than this are written in the background with a progress dialog.
BACKGROUND_ROWS = 2000


def _lang(widget: QWidget) -> str:
    return "zh" if widget.locale().name().startswith("zh") else "en"



def header_key(name: str, header) -> str:
    """The settings key of a table header's saved state, naming its number of columns: a
    state saved before a column was added (a new version) is not restored over the new
    columns (Qt would show the added column empty), the table starts from its defaults."""
    return f"{name}/{header.count()}"

class ListTools(QObject):
    """Sort, filter, menu, export and remembered widths for one table view."""

    exported = Signal(str)  # the file written

    def __init__(self, view: QTableView, key: str, actor: str = "",
                 title: str = "", open_action: Callable[[QModelIndex], None] | None = None):
        super().__init__(view)
        self.view = view
        self.key = key
        self.actor = actor
        self.title = title
        self.task: BackgroundTask | None = None
        self.open_action = open_action
        self.lazy = bool(getattr(view.model(), "lazy_rows", False)) or \
            type(view.model()).__name__ in ("HouseholdTableModel", "CaseTableModel",
                                            "RosterLinesModel")
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._menu)
        header = view.horizontalHeader()
        header.setSectionsClickable(True)
        self._fit_headers()
        self.filter_edit: QLineEdit | None = None
        if isinstance(view, QTableWidget):
            header.setSortIndicatorShown(True)
            header.sectionClicked.connect(self._sort)
            self._add_filter_bar()
        self.restore()

    # --- headers --------------------------------------------------------------------------

    def _fit_headers(self) -> None:
        """No column narrower than its own header text (a cut header cannot be read)."""
        header = self.view.horizontalHeader()
        model = self.view.model()
        if model is None:
            return
        fm = header.fontMetrics()
        for c in range(model.columnCount()):
            text = str(model.headerData(c, Qt.Orientation.Horizontal) or "")
            need = max(fm.horizontalAdvance(line) for line in text.split("\n")) + 24 \
                if text else 0
            if header.sectionSize(c) < need and \
                    header.sectionResizeMode(c) == header.ResizeMode.Interactive:
                header.resizeSection(c, need)

    def restore(self) -> None:
        state = QSettings().value(header_key(f"lists/{self.key}/header",
                                             self.view.horizontalHeader()))
        if state is not None:
            self.view.horizontalHeader().restoreState(state)
            self._fit_contents()

    def _fit_contents(self) -> None:
        """Widths saved while a list was empty (sized to the headers alone) would cut the rows
        it shows later ("202…" for a month): a restored column is widened to what its shown
        rows need, never narrowed."""
        header = self.view.horizontalHeader()
        model = self.view.model()
        if model is None or model.rowCount() == 0:
            return
        for c in range(model.columnCount()):
            if header.isSectionHidden(c) or \
                    header.sectionResizeMode(c) != header.ResizeMode.Interactive or \
                    (header.stretchLastSection() and c == model.columnCount() - 1):
                continue
            need = self.view.sizeHintForColumn(c)
            if header.sectionSize(c) < need:
                header.resizeSection(c, need)

    def save(self) -> None:
        header = self.view.horizontalHeader()
        QSettings().setValue(header_key(f"lists/{self.key}/header", header), header.saveState())

    # --- sorting and filtering --------------------------------------------------------------

    def sortable(self) -> bool:
        """A list sorts when its rows carry their record (first cell's data): a page that
        finds the record by row position (a parallel list) must not have its rows moved."""
        t: QTableWidget = self.view  # type: ignore[assignment]
        explicit = getattr(t, "sortable", None)
        if explicit is not None:
            return bool(explicit)
        return t.rowCount() == 0 or (t.item(0, 0) is not None and
                                     t.item(0, 0).data(Qt.ItemDataRole.UserRole) is not None)

    def _sort(self, column: int) -> None:
        table: QTableWidget = self.view  # type: ignore[assignment]
        if not self.sortable():
            table.horizontalHeader().setSortIndicatorShown(False)
            return
        table.horizontalHeader().setSortIndicatorShown(True)
        order = table.horizontalHeader().sortIndicatorOrder()
        table.sortItems(column, order)
        self.apply_filter()  # hidden is a row position's state: the rows have moved

    def _add_filter_bar(self) -> None:
        """Put a (hidden) filter line above the table: the table is replaced in its layout or
        splitter by a box holding the line and the table."""
        from PySide6.QtWidgets import QBoxLayout, QSplitter

        def box_of(lay):  # the box layout, at any depth, that holds the table
            if lay is None:
                return None
            if isinstance(lay, QBoxLayout) and lay.indexOf(self.view) >= 0:
                return lay
            for k in range(lay.count()):
                found = box_of(lay.itemAt(k).layout())
                if found is not None:
                    return found
            return None

        parent = self.view.parentWidget()
        if parent is None:
            return
        layout = box_of(parent.layout())
        in_box = layout is not None
        if not in_box and not isinstance(parent, QSplitter):
            return
        edit = QLineEdit()
        edit.setObjectName(f"filter_{self.view.objectName() or 'list'}")
        edit.setClearButtonEnabled(True)
        edit.setPlaceholderText(self.tr("Filter the rows shown (any column contains…)"))
        edit.setMaximumWidth(360)
        edit.textChanged.connect(lambda _t: self.apply_filter())
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit)
        row.addStretch(1)
        box = QWidget()
        box.setSizePolicy(self.view.sizePolicy())
        # the box takes the table's place; the table moves into it under the filter line
        if in_box:
            i = layout.indexOf(self.view)
            layout.insertWidget(i, box, layout.stretch(i))
        else:
            parent.insertWidget(parent.indexOf(self.view), box)
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        v.addWidget(bar)
        v.addWidget(self.view, 1)
        self.view.show()
        # shown when asked for (the menu's 筛选, Ctrl+F on a list): pages keep their height
        bar.hide()
        self.filter_bar = bar
        self.filter_edit = edit
        self._refilter = QTimer(self)
        self._refilter.setSingleShot(True)
        self._refilter.setInterval(0)
        self._refilter.timeout.connect(self.apply_filter)
        model = self.view.model()
        model.rowsInserted.connect(lambda *_a: self._refilter.start())
        model.modelReset.connect(self._refilter.start)

    def show_filter(self) -> None:
        if self.filter_edit is not None:
            self.filter_bar.show()
            self.filter_edit.setFocus()
            self.filter_edit.selectAll()

    def set_filter_text(self, text: str) -> None:
        if self.filter_edit is not None:
            self.filter_bar.setVisible(bool(text) or self.filter_bar.isVisible())
            self.filter_edit.setText(text)
        self.apply_filter()

    def filter_text(self) -> str:
        return self.filter_edit.text().strip() if self.filter_edit is not None else ""

    def apply_filter(self) -> None:
        if not isinstance(self.view, QTableWidget):
            return
        words = [w.lower() for w in re.split(r"\s+", self.filter_text()) if w]
        t = self.view
        for r in range(t.rowCount()):
            texts = " ".join((t.item(r, c).text() if t.item(r, c) else "").lower()
                             for c in range(t.columnCount()))
            t.setRowHidden(r, not all(w in texts for w in words))

    # --- what is shown -----------------------------------------------------------------------

    def headers(self) -> list[str]:
        model = self.view.model()
        header = self.view.horizontalHeader()
        return [str(model.headerData(header.logicalIndex(v), Qt.Orientation.Horizontal) or "")
                for v in range(header.count()) if not header.isSectionHidden(header.logicalIndex(v))]

    def shown_rows(self, selected_only: bool = False) -> list[list[str]]:
        """The rows as shown: hidden rows left out, in the order shown, columns as shown."""
        model = self.view.model()
        header = self.view.horizontalHeader()
        columns = [header.logicalIndex(v) for v in range(header.count())
                   if not header.isSectionHidden(header.logicalIndex(v))]
        if selected_only:
            rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()}
                          or {i.row() for i in self.view.selectionModel().selectedIndexes()})
        else:
            rows = range(model.rowCount())
        out = []
        for r in rows:
            if self.view.isRowHidden(r):
                continue
            vals = []
            for c in columns:
                v = model.data(model.index(r, c))
                vals.append("" if v is None else str(v))
            out.append(vals)
        return out

    def describe_filter(self) -> str:
        """The filter in words, for the file's header: the page's own controls, then the
        typed row filter."""
        parts = []
        page = getattr(self.view, "describe_filter", None)
        if callable(page):
            text = page()
            if text:
                parts.append(text)
        if self.filter_text():
            parts.append(self.tr("rows containing “{text}”").format(text=self.filter_text()))
        return ("；" if _lang(self.view) == "zh" else "; ").join(parts)

    # --- menu -------------------------------------------------------------------------------

    def _menu(self, pos) -> None:
        menu = self.build_menu(self.view.indexAt(pos))
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def build_menu(self, index: QModelIndex) -> QMenu:
        menu = QMenu(self.view)
        open_act = QAction(self.tr("&Open"), menu)
        open_act.setEnabled(index.isValid())
        open_act.triggered.connect(lambda: self.open(index))
        copy_act = QAction(self.tr("&Copy rows"), menu)
        copy_act.setShortcut(QKeySequence.StandardKey.Copy)
        copy_act.triggered.connect(self.copy)
        export_act = QAction(self.tr("&Export the list to Excel…"), menu)
        export_act.triggered.connect(self.ask_export)
        for a in (open_act, copy_act, export_act):
            menu.addAction(a)
        if self.filter_edit is not None:
            filter_act = QAction(self.tr("&Filter the rows…"), menu)
            filter_act.triggered.connect(self.show_filter)
            menu.addAction(filter_act)
        return menu

    def open(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        if self.open_action is not None:
            self.open_action(index)
        else:  # what a double click does on this list
            self.view.setCurrentIndex(index)
            self.view.activated.emit(index)
            self.view.doubleClicked.emit(index)

    def copy(self) -> str:
        """The selected rows (or all rows shown) as tab-separated text on the clipboard."""
        rows = self.shown_rows(selected_only=True) or self.shown_rows()
        text = "\n".join("\t".join(r) for r in [self.headers()] + rows)
        QGuiApplication.clipboard().setText(text)
        return text

    # --- export -----------------------------------------------------------------------------

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.view, self.tr("Export the list"),
                                              str(Path.home() / f"{self.title or 'list'}.xlsx"),
                                              self.tr("Excel workbook (*.xlsx)"))
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.export(path)

    def export(self, path: str) -> BackgroundTask | None:
        """Write the rows shown to ``path``; a long list in the background (returns the
        task), a short one at once (returns None)."""
        rows = self.shown_rows()
        if self.lazy and hasattr(self.view.model(), "complete") and \
                not self.view.model().complete():
            self.view.model().load_rest()
            rows = self.shown_rows()
        args = (path, self.title or self.tr("List"), self.describe_filter(), self.actor,
                self.headers(), rows, _lang(self.view))
        # imported here: the spreadsheet writer (openpyxl) is not needed to show a window
        from assistcase.io.table_export import write_table_xlsx

        if len(rows) <= BACKGROUND_ROWS:
            try:
                write_table_xlsx(*args)
            except OSError as exc:
                self._failed(exc, "")
                return None
            self.exported.emit(path)
            return None
        task = BackgroundTask(lambda progress, cancel: write_table_xlsx(
            *args, progress=progress, cancel=cancel), self.tr("Exporting the list…"), self.view)
        task.succeeded.connect(lambda _n: self.exported.emit(path))
        task.failed.connect(self._failed)
        self.task = task
        return task.start()

    def _failed(self, exc: BaseException, _tb: str) -> None:
        QMessageBox.warning(self.view, self.tr("Export the list"),
                            self.tr("The list could not be written: {error}").format(
                                error=getattr(exc, "message_zh" if _lang(self.view) == "zh"
                                              else "message_en", str(exc))))


def install(page: QWidget, page_key: str, actor: str = "", title: str = "") -> list[ListTools]:
    """ListTools on every table of ``page`` (each keyed by page and position)."""
    tools = []
    views = [v for v in page.findChildren(QTableView)
             if v.selectionBehavior() is not None and v.model() is not None]
    for i, view in enumerate(views):
        if getattr(view, "_list_tools", None) is not None:
            continue
        key = f"{page_key}/{view.objectName() or i}"
        t = ListTools(view, key, actor, getattr(view, "export_title", "") or title)
        view._list_tools = t  # type: ignore[attr-defined]
        tools.append(t)
    return tools


def tools_of(view: QAbstractItemView) -> ListTools | None:
    return getattr(view, "_list_tools", None)
