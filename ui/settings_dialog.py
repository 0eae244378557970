"""Settings kept on this computer (QSettings): the interface language and the first page;
and "new empty database", which starts an empty database beside the current one. Policy
settings (standards, limits, periods) live in the database and are edited on the standards
page, never here."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QLabel, QMessageBox, QWidget)

from .navigation import PAGES


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        settings = QSettings()
        self.lang = QComboBox()
        self.lang.addItem("中文", "zh_CN")
        self.lang.addItem("English", "en")
        i = self.lang.findData(settings.value("ui/lang", "zh_CN"))
        self.lang.setCurrentIndex(max(i, 0))
        self.first_page = QComboBox()
        for e in PAGES:
            self.first_page.addItem(e.translated_title(), e.key)
        i = self.first_page.findData(settings.value("ui/first_page", "registry"))
        self.first_page.setCurrentIndex(max(i, 0))
        note = QLabel(self.tr("The language applies from the next start. Standards, limits and "
                              "periods are policy settings: the standards page keeps them in "
                              "the database, with the notice each comes from."))
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Language"), self.lang)
        form.addRow(self.tr("First page"), self.first_page)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        settings = QSettings()
        settings.setValue("ui/lang", self.lang.currentData())
        settings.setValue("ui/first_page", self.first_page.currentData())
        super().accept()


def create_new_database(window) -> str | None:
    """Ask for a file, create an empty database there (the division codes loaded, no
    households, no demo) and open it in a new window of its own."""
    path, _ = QFileDialog.getSaveFileName(window, QCoreApplication.translate("SettingsDialog", "New empty database"), "",
                                          QCoreApplication.translate("SettingsDialog", "AssistCase database (*.sqlite3)"))
    if not path:
        return None
    if not path.endswith(".sqlite3"):
        path += ".sqlite3"
    from assistcase.db import open_database
    from assistcase.errors import AssistCaseError
    from assistcase.services.areas import ensure_areas

    try:
        db = open_database(path)
        ensure_areas(db, window.actor)
        db.dispose()
    except AssistCaseError as exc:
        QMessageBox.warning(window, QCoreApplication.translate("SettingsDialog", "New empty database"),
                            exc.message("zh" if window.locale().name().startswith("zh") else "en"))
        return None
    subprocess.Popen([sys.executable, "-m", "ui.app", "--db", path, "--demo-households", "0"])
    return path
