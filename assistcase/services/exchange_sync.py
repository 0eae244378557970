"""Synchronise now (issue 15, item 5): where a township laptop can reach its bureau's database
(PostgreSQL on the bureau's server), the same exchange runs over the connection instead of a
USB stick. It is the file protocol itself, not a second one: the township's package is written
and imported at the bureau, the bureau's return package is written and imported here, each
by :func:`~assistcase.services.exchange.export_package` and
:func:`~assistcase.services.exchange.import_package` with their checks, sequence numbers,
merging and conflicts. So the result is identical to carrying the files.

The packages are kept in a folder (the caller's; the app uses ``exchange/`` in its data
directory), as a record and so that an interrupted run is finished by the next one: a package
written but not imported on the other side (the connection dropped) is imported first, in
sequence, before a new one is made. Each step is its own transaction on its own database, as
when files are carried; a step that fails leaves the sites where the file protocol would.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..db import Database
from ..errors import SignInError, StateError
from ..models import ExchangeSite
from ..progress import CancelToken
from . import exchange as X
from .auth import requires


@dataclass
class SyncResult:
    bureau: str
    sent: X.ExportResult | None = None                 # our package, made this run
    delivered: list[X.ImportResult] = field(default_factory=list)   # imported at the bureau
    returned: X.ExportResult | None = None             # the bureau's package, made this run
    received: list[X.ImportResult] = field(default_factory=list)    # imported here


def _self_and_bureau(db: Database) -> tuple[str, str]:
    with db.read() as s:
        me = s.scalar(select(ExchangeSite).where(ExchangeSite.is_self.is_(True)))
        if me is None or me.kind != "township":
            raise StateError("synchronise runs at a township that has joined its bureau "
                             "(assistcase exchange setup / join)",
                             "立即同步只能在已加入民政局的乡镇站点使用")
        bureau = s.scalar(select(ExchangeSite.code).where(ExchangeSite.is_self.is_(False),
                                                          ExchangeSite.kind == "bureau"))
        if bureau is None:
            raise StateError("this township has not joined its bureau yet "
                             "(assistcase exchange join)", "本乡镇尚未加入民政局")
        return me.code, bureau


def _site_there(db: Database, code: str) -> ExchangeSite | None:
    with db.read() as s:
        site = s.scalar(select(ExchangeSite).where(ExchangeSite.code == code))
        if site is not None:
            s.expunge(site)
        return site


def _waiting(folder: Path, sender: str, receiver: str, after: int) -> list[Path]:
    """Packages from ``sender`` to ``receiver`` in ``folder`` numbered above ``after``, in
    sequence order."""
    pattern = re.compile(rf"{re.escape(sender)}-to-{re.escape(receiver)}-(\d+)\.acx")
    found = []
    for p in folder.glob(f"{sender}-to-{receiver}-*.acx"):
        m = pattern.fullmatch(p.name)
        if m and int(m.group(1)) > after:
            found.append((int(m.group(1)), p))
    return [p for _, p in sorted(found)]


@requires(("registry.write", "registry.import"))
def synchronise(db: Database, actor: str | int, bureau_db: Database, bureau_actor: str | int,
                folder: str | os.PathLike[str], cancel: CancelToken | None = None) -> SyncResult:
    """Exchange with the bureau over a connection to its database: our package to it, its
    return package to us, through the folder ``folder`` (kept). ``actor`` acts here,
    ``bureau_actor`` (the same person's account at the bureau) acts there; each side checks
    its own permissions as for a file."""
    folder = Path(folder)
    me, bureau = _self_and_bureau(db)
    there = _site_there(bureau_db, bureau)
    if there is None or not there.is_self:
        raise StateError(f"the database reached is not bureau {bureau}'s (its site is "
                         f"{there.code if there else 'not set up'})",
                         f"所连接的数据库不是民政局 {bureau} 的数据库")
    folder.mkdir(parents=True, exist_ok=True)
    result = SyncResult(bureau)

    def deliver() -> None:      # ours not yet imported at the bureau, in sequence
        mine_there = _site_there(bureau_db, me)
        if mine_there is None:
            raise StateError(f"township {me} is not registered at bureau {bureau}",
                             f"乡镇 {me} 尚未在民政局 {bureau} 登记")
        for path in _waiting(folder, me, bureau, mine_there.last_in_seq):
            result.delivered.append(X.import_package(bureau_db, bureau_actor, path, cancel))

    def collect() -> None:      # the bureau's not yet imported here, in sequence
        theirs_here = _site_there(db, bureau)
        for path in _waiting(folder, bureau, me, theirs_here.last_in_seq):
            result.received.append(X.import_package(db, actor, path, cancel))

    deliver()                   # finish what an interrupted run left
    collect()
    result.sent = X.export_package(db, actor, bureau, folder, cancel)
    deliver()
    result.returned = X.export_package(bureau_db, bureau_actor, me, folder, cancel)
    collect()
    return result


@requires(("registry.write", "registry.import"))
def synchronise_with(db: Database, actor: str | int, bureau_url: str, bureau_user: str,
                     bureau_password: str, folder: str | os.PathLike[str],
                     cancel: CancelToken | None = None) -> SyncResult:
    """:func:`synchronise` with the bureau's database opened from its URL (the ``[exchange]
    bureau_url`` of the configuration file, docs/server.md) and the caseworker signed in there
    with their bureau account; the connection is closed afterwards."""
    from ..db import open_database
    from . import auth

    bureau_db = open_database(bureau_url, upgrade=False)
    try:
        try:
            ident = auth.sign_in(bureau_db, bureau_user, bureau_password)
        except SignInError as e:
            raise SignInError(f"at the bureau's database: {e.message_en}",
                              f"民政局数据库：{e.message('zh')}") from None
        bureau_db.signed_in = ident
        return synchronise(db, actor, bureau_db, ident, folder, cancel)
    finally:
        bureau_db.dispose()
