"""The app's areas, in navigation order. A page is (key, title, factory); a factory of None
means the area is not built yet and shows disabled. Pages plug in here, nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QWidget

from assistcase.db import Database


@dataclass(frozen=True)
class PageEntry:
    key: str
    title: str  # source text, context "navigation"
    factory: Callable[[Database, str, bool], QWidget] | None

    def translated_title(self) -> str:
        return QCoreApplication.translate("navigation", self.title)


def _registry(db: Database, actor: str, read_only: bool) -> QWidget:
    from .registry_page import RegistryPage

    return RegistryPage(db, actor, read_only=read_only)


def _standards(db: Database, actor: str, read_only: bool) -> QWidget:
    from .standards_page import StandardsPage

    return StandardsPage(db, actor, read_only)


def _cases(db: Database, actor: str, read_only: bool) -> QWidget:
    from .cases_page import CasesPage

    return CasesPage(db, actor, read_only)


def _liaison(db: Database, actor: str, read_only: bool) -> QWidget:
    from .liaison_page import LiaisonPage

    return LiaisonPage(db, actor, read_only=read_only)


def _aid(db: Database, actor: str, read_only: bool) -> QWidget:
    from .aid_page import AidPage

    return AidPage(db, actor, read_only=read_only)


def _rosters(db: Database, actor: str, read_only: bool) -> QWidget:
    from .rosters_page import RostersPage

    return RostersPage(db, actor, read_only=read_only)


def _statistics(db: Database, actor: str, read_only: bool) -> QWidget:
    from .statistics_page import StatisticsPage

    return StatisticsPage(db, actor, read_only=read_only)


def _exchange(db: Database, actor: str, read_only: bool) -> QWidget:
    from .exchange_page import ExchangePage

    return ExchangePage(db, actor, read_only=read_only)


PAGES: list[PageEntry] = [
    PageEntry("registry", QT_TRANSLATE_NOOP("navigation", "Household registry"), _registry),
    PageEntry("standards", QT_TRANSLATE_NOOP("navigation", "Standards"), _standards),
    PageEntry("cases", QT_TRANSLATE_NOOP("navigation", "Assistance cases"), _cases),
    PageEntry("aid", QT_TRANSLATE_NOOP("navigation", "Temporary aid"), _aid),
    PageEntry("rosters", QT_TRANSLATE_NOOP("navigation", "Payment rosters"), _rosters),
    PageEntry("statistics", QT_TRANSLATE_NOOP("navigation", "Statistics"), _statistics),
    PageEntry("liaison", QT_TRANSLATE_NOOP("navigation", "Institution liaison"), _liaison),
    PageEntry("exchange", QT_TRANSLATE_NOOP("navigation", "Data exchange"), _exchange),
]
