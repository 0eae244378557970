"""The help window: the pages shipped in resources/help/<lang>/, a topic list, a search box
that lists the topics containing every word typed, F1 opening the current page's topic."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem,
                               QSplitter, QTextBrowser, QVBoxLayout, QWidget)

from assistcase.config import RESOURCES_DIR

HELP_DIR = RESOURCES_DIR / "help"
ORDER = ("todo", "registry", "standards", "cases", "aid", "rosters", "statistics", "liaison",
         "exchange", "users", "papers",
         "shortcuts")


def help_pages(lang: str) -> dict[str, Path]:
    folder = HELP_DIR / ("zh" if lang.startswith("zh") else "en")
    found = {p.stem: p for p in folder.glob("*.html")}
    return {k: found[k] for k in ORDER if k in found} | \
        {k: v for k, v in sorted(found.items()) if k not in ORDER}


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _title(html: str, key: str) -> str:
    m = re.search(r"<title>(.*?)</title>", html)
    return m.group(1) if m else key


class HelpWindow(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("help_window")
        self.setWindowTitle(self.tr("AssistCase help"))
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        lang = "zh" if self.locale().name().startswith("zh") else "en"
        self._pages = {k: p.read_text(encoding="utf-8") for k, p in help_pages(lang).items()}
        self.search = QLineEdit()
        self.search.setObjectName("help_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Search the help…"))
        self.search.textChanged.connect(self._filter)
        self.topics = QListWidget()
        self.topics.setObjectName("help_topics")
        for key, html in self._pages.items():
            item = QListWidgetItem(_title(html, key))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.topics.addItem(item)
        self.topics.currentItemChanged.connect(
            lambda item, _prev: item is not None and self._show(item.data(Qt.ItemDataRole.UserRole)))
        self.browser = QTextBrowser()
        self.browser.setObjectName("help_text")
        self.browser.setOpenExternalLinks(True)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.search)
        lv.addWidget(self.topics)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 3)
        lay = QHBoxLayout(self)
        lay.addWidget(split)
        self.resize(820, 520)
        self.current = ""

    def _show(self, key: str) -> None:
        self.current = key
        self.browser.setHtml(self._pages.get(key, ""))

    def show_topic(self, key: str) -> None:
        key = key if key in self._pages else next(iter(self._pages), "")
        for i in range(self.topics.count()):
            if self.topics.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.topics.setCurrentRow(i)
        self._show(key)

    def matches(self, text: str) -> list[str]:
        """Topics whose text contains every word of ``text`` (case-insensitive)."""
        words = [w.lower() for w in text.split() if w]
        return [k for k, html in self._pages.items()
                if all(w in _plain(html).lower() for w in words)]

    def _filter(self, text: str) -> None:
        shown = set(self.matches(text))
        first = None
        for i in range(self.topics.count()):
            item = self.topics.item(i)
            hidden = item.data(Qt.ItemDataRole.UserRole) not in shown
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        if first is not None:
            self.topics.setCurrentItem(first)
            words = [w for w in text.split() if w]
            if words:
                self.browser.find(words[0])
