"""The app's areas, in navigation order. A page is (key, title, factory); a factory of None
means the area is not built yet and shows disabled. Pages plug in here, nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QWidget

from assistcase.core import Core


@dataclass(frozen=True)
class PageEntry:
    key: str
    title: str  # source text, context "navigation"
    factory: Callable[[Core, str, bool], QWidget] | None  # (the window's façade, actor, read-only)
    # who sees the page (any of these permissions) and who may change things on it; the
    # core checks every call again (issue 13)
    sees: tuple[str, ...] = ("read",)
    writes: tuple[str, ...] = ()

    def translated_title(self) -> str:
        return QCoreApplication.translate("navigation", self.title)


def _todo(core: Core, actor: str, read_only: bool) -> QWidget:
    from .todo_page import TodoPage

    return TodoPage(core, actor, read_only=read_only)


def _registry(core: Core, actor: str, read_only: bool) -> QWidget:
    from .registry_page import RegistryPage

    return RegistryPage(core, actor, read_only=read_only)


def _standards(core: Core, actor: str, read_only: bool) -> QWidget:
    from .standards_page import StandardsPage

    return StandardsPage(core, actor, read_only)


def _cases(core: Core, actor: str, read_only: bool) -> QWidget:
    from .cases_page import CasesPage

    return CasesPage(core, actor, read_only)


def _liaison(core: Core, actor: str, read_only: bool) -> QWidget:
    from .liaison_page import LiaisonPage

    return LiaisonPage(core, actor, read_only=read_only)


def _aid(core: Core, actor: str, read_only: bool) -> QWidget:
    from .aid_page import AidPage

    return AidPage(core, actor, read_only=read_only)


def _rosters(core: Core, actor: str, read_only: bool) -> QWidget:
    from .rosters_page import RostersPage

    return RostersPage(core, actor, read_only=read_only)


def _statistics(core: Core, actor: str, read_only: bool) -> QWidget:
    from .statistics_page import StatisticsPage

    return StatisticsPage(core, actor, read_only=read_only)


def _users(core: Core, actor: str, read_only: bool) -> QWidget:
    from .signin import UsersPage

    return UsersPage(core.db, actor, read_only)


def _exchange(core: Core, actor: str, read_only: bool) -> QWidget:
    from .exchange_page import ExchangePage

    return ExchangePage(core.db, actor, read_only=read_only)


_APPROVE_AID = ("aid.approve.township", "aid.approve.county", "aid.approve.case_by_case")
_ROSTERS = ("roster.build", "roster.review", "roster.approve")

PAGES: list[PageEntry] = [
    PageEntry("todo", QT_TRANSLATE_NOOP("navigation", "To-do"), _todo,
              ("read",), ("case.write", "aid.record")),
    PageEntry("registry", QT_TRANSLATE_NOOP("navigation", "Household registry"), _registry,
              ("read",), ("registry.write", "registry.import")),
    PageEntry("standards", QT_TRANSLATE_NOOP("navigation", "Standards"), _standards,
              ("standards.write", "supervise", *_ROSTERS), ("standards.write",)),
    PageEntry("cases", QT_TRANSLATE_NOOP("navigation", "Assistance cases"), _cases,
              ("case.write", "case.confirm", "supervise"), ("case.write", "case.confirm")),
    PageEntry("aid", QT_TRANSLATE_NOOP("navigation", "Temporary aid"), _aid,
              ("aid.record", *_APPROVE_AID, "supervise"), ("aid.record", *_APPROVE_AID)),
    PageEntry("rosters", QT_TRANSLATE_NOOP("navigation", "Payment rosters"), _rosters,
              (*_ROSTERS, "supervise"), _ROSTERS),
    PageEntry("statistics", QT_TRANSLATE_NOOP("navigation", "Statistics"), _statistics,
              ("read",), ()),
    PageEntry("liaison", QT_TRANSLATE_NOOP("navigation", "Institution liaison"), _liaison,
              ("liaison.write", "supervise"), ("liaison.write",)),
    PageEntry("exchange", QT_TRANSLATE_NOOP("navigation", "Data exchange"), _exchange,
              ("registry.write", "registry.import", "users.admin"),
              ("registry.write", "registry.import", "users.admin")),
    PageEntry("users", QT_TRANSLATE_NOOP("navigation", "Users and roles"), _users,
              ("users.admin",), ("users.admin",)),
]
