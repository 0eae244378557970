"""The one object callers hold: an opened database, the acting user, and whether it may write
(cf. Anki's ``Collection``). The UI and the CLI reach every service through it:

    core.read(R.list_rosters, month=m)        # a read in its own session: plain views back
    core.write(R.approve_roster, roster_id)   # a write service, bound to the db and the actor
    core.call(write_roster_pdf, rid, path)    # a core function that opens its own sessions

A read-only core refuses every write with :class:`~assistcase.errors.ReadOnlyError` before the
service runs; its database refuses too (``Database.begin`` and SQLite's ``query_only``), so a
write that bypasses the façade is refused with the same message.

``actor`` is whatever the services record as the acting user (today a name; sign-in may make it
an identity object): the façade stores it and hands it on, nothing more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from .db import Database, open_database
from .errors import ReadOnlyError

P = ParamSpec("P")
T = TypeVar("T")


class Core:
    """The façade over one opened database for one acting user."""

    def __init__(self, db: Database, actor: Any, read_only: bool = False):
        self.db = db
        self.actor = actor
        self.read_only = bool(read_only or db.read_only)
        self.origin = self  # the façade a read-only view was made from (one change bus)

    @classmethod
    def open(cls, db: str | Path | None, actor: Any, read_only: bool = False,
             upgrade: bool = True, key: bytes | None = None) -> "Core":
        """Open the database named by ``--db``, the environment or the default location
        (a read-only one is opened with SQLite's ``query_only`` and never upgraded; an
        encrypted one with its data ``key``)."""
        return cls(open_database(db, upgrade=upgrade and not read_only, read_only=read_only,
                                 key=key), actor, read_only)

    def read_only_view(self) -> "Core":
        """The same database and user with every write refused (a page the signed-in user
        may only read); it shares the original's change broadcast."""
        view = Core(self.db, self.actor, read_only=True)
        view.origin = self.origin
        return view

    @property
    def may_write(self) -> bool:
        return not self.read_only

    def check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError()

    def read(self, fn: Callable[Concatenate[Session, P], T], *args: P.args,
             **kwargs: P.kwargs) -> T:
        """Run a read service ``fn(session, *args, **kwargs)`` in a session of its own, closed
        before this returns (the caller gets the service's plain views, never a session)."""
        with self.db.read() as s:
            return fn(s, *args, **kwargs)

    def write(self, fn: Callable[Concatenate[Database, Any, P], T], *args: P.args,
              **kwargs: P.kwargs) -> T:
        """Run a write service ``fn(db, actor, *args, **kwargs)`` (it owns its transaction and
        audit); refused with ReadOnlyError on a read-only core."""
        self.check_writable()
        return fn(self.db, self.actor, *args, **kwargs)

    def call(self, fn: Callable[Concatenate[Database, P], T], *args: P.args,
             **kwargs: P.kwargs) -> T:
        """Run a core function that takes the database and opens its own sessions (reports,
        exports); any write inside it is still refused by a read-only database."""
        return fn(self.db, *args, **kwargs)

    def close(self) -> None:
        self.db.dispose()
