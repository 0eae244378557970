"""A scripted start's password checked while the rest of the app loads.

``python -m ui.app --user NAME --password-stdin`` (scripted starts, the start-up benchmark)
knows who signs in before Qt is imported. Checking the password is argon2 (RFC 9106's
t=3, m=64 MiB, p=4: about 0.12 s on both cores of a township laptop), which runs in C without
Python's GIL. So, as soon as the core is imported, :func:`start` opens the database, reads
the password and signs in on a thread of its own while the main thread imports the services,
Qt and the window's modules; the window then takes the result (:func:`take`). Measured on the
city demo (300,000 households): see docs/architecture.md "Starting".

Only the order changes, never the outcome: the same ``auth.sign_in`` runs (same audit, same
failure counting, same messages). Anything out of the ordinary is left to the usual path,
which explains it: a database that does not open (or asks for its password: encrypted), a
blank one (the demo is made first, or the first administrator is asked for). The sign-in
window's path does not use this: there the user types while the window's modules load.
"""

from __future__ import annotations

import argparse
import sys
import threading


class PendingSignIn:
    """``auth.sign_in`` running on its own thread; :meth:`result` waits for it."""

    def __init__(self, db, user: str, password: str):
        self.db = db
        self._user, self._password = user, password
        self._identity = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sign-in", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from assistcase.services import auth

        try:
            self._identity = auth.sign_in(self.db, self._user, self._password)
        except BaseException as exc:   # handed to the main thread, which reports it as usual
            self._error = exc
        finally:
            self._password = None

    def result(self):
        """The identity signed in, or the sign-in's own exception raised here."""
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._identity


_db = None
_pending: PendingSignIn | None = None


def start(args: argparse.Namespace) -> None:
    """Open the database and start signing in, for ``--user`` with ``--password-stdin`` on a
    database that has users; otherwise do nothing (the usual path opens and signs in)."""
    global _db, _pending
    if not (args.user and args.password_stdin):
        return
    from assistcase.db import open_database
    from assistcase.services.auth import is_blank_database

    try:
        db = open_database(args.db, read_only=args.read_only)
    except Exception:   # noqa: BLE001 - the usual path opens it again and explains why not
        return
    _db = db
    if is_blank_database(db):
        return   # the demo is made (or the first administrator asked for) before signing in
    _pending = PendingSignIn(db, args.user, sys.stdin.readline().rstrip("\r\n"))


def database():
    """The database :func:`start` opened (once), or None."""
    global _db
    db, _db = _db, None
    return db


def take() -> PendingSignIn | None:
    """The sign-in :func:`start` began (once), or None."""
    global _pending
    pending, _pending = _pending, None
    return pending
