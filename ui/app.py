"""Start AssistCase: ``python -m ui.app [--db PATH] [--lang zh_CN|en]``."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path

if __name__ == "__main__":
    # A start creates some 160,000 objects that live as long as the app (modules, classes,
    # mappers, widgets): the collections among them found almost nothing and took 8-10 % of
    # the imports (measured 589 -> 524 ms, 596 -> 549 ms). Collection resumes once the first
    # window has painted (or whatever comes instead: see _startup_done).
    gc.disable()

# A cold start's disk reads queued at once, in the background (ui/prefetch.py): before the
# imports below, which would otherwise wait for them one file at a time.
from . import early_signin, prefetch  # noqa: E402,I001  (both import the standard library only)

prefetch.start()

# The core before Qt. PySide6 installs an import hook (for its ``__feature__`` switches) that
# reads the source of every module imported after it to see whether the module uses PySide;
# the core and SQLAlchemy are some 300 modules the first window needs: after Qt they cost the
# city's first window 0.17 s of CPU (median of 5 starts, 1.84 -> 1.67 s; issues 12 and 20).
import assistcase.core  # noqa: E402,F401,I001  (before PySide6: see above)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="assistcase-gui", description="AssistCase desktop app")
    p.add_argument("--db", help="database file or SQLAlchemy URL")
    p.add_argument("--lang", default=None, choices=["zh_CN", "en"],
                   help="interface language (default: the settings' choice, else zh_CN)")
    p.add_argument("--user", default=None, help="user name to sign in as (the sign-in window "
                                                "starts with it)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password of --user from standard input instead of the "
                        "sign-in window (scripted starts, the startup benchmark)")
    p.add_argument("--demo-households", type=int, default=None,
                   help="size of the demo county created when the database is empty (0: none;"
                        " default 2000 for the default database, none for a --db file: a new"
                        " database starts empty)")
    p.add_argument("--read-only", action="store_true",
                   help="open this file read-only: pages show no editing controls (what a "
                        "user may do otherwise follows their roles)")
    p.add_argument("--exit-when-shown", action="store_true",
                   help="print a line and exit once the window shows its first rows "
                        "(startup benchmark)")
    args, _qt_args = p.parse_known_args(argv)
    return args


if __name__ == "__main__":
    # --user NAME --password-stdin: the password is checked on a thread (argon2 runs without
    # the GIL) while the imports below run (ui/early_signin.py)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    early_signin.start(parse_args(sys.argv[1:]))

import assistcase.services.todo  # noqa: E402,F401

from PySide6.QtCore import (QT_TRANSLATE_NOOP, QCoreApplication, QLibraryInfo, QLocale, QTimer,
                            QTranslator)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from assistcase.config import RESOURCES_DIR
from assistcase.errors import AssistCaseError

log = logging.getLogger("assistcase.ui")

FONT_FILE = RESOURCES_DIR / "fonts" / "DroidSansFallbackFull.ttf"
TRANSLATIONS_DIR = RESOURCES_DIR / "translations"
_keep: list[object] = []  # translators must outlive the application's use of them


def load_font(app: QApplication) -> str | None:
    """Register the bundled CJK font and put it behind the default font as a fallback."""
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    if font_id < 0:
        log.warning("could not load the bundled font %s", FONT_FILE)
        return None
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    font = QFont(app.font())
    font.setFamilies([font.family(), family])
    app.setFont(font)
    return family


def install_translations(app: QApplication, lang: str) -> None:
    locale = QLocale(QLocale.Language.Chinese, QLocale.Country.China) if lang == "zh_CN" \
        else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    QLocale.setDefault(locale)
    if lang == "en":
        return
    for name, directories in (("qtbase_zh_CN", qt_translation_dirs()),
                              ("assistcase_zh_CN", [str(TRANSLATIONS_DIR)])):
        tr = QTranslator(app)
        if any(tr.load(name, directory) for directory in directories):
            app.installTranslator(tr)
            _keep.append(tr)
        else:
            log.warning("translation %s not found in %s", name, directories)


# Qt 6's own file dialog says "&Look in:" and "Files of &type:", which qtbase_zh_CN.qm (made for
# the older "Look in:") does not translate: the app's catalogue carries them (context
# QFileDialog; it is installed after Qt's, so it answers first).
QT_GAPS = (QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
           QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"))


def qt_translation_dirs() -> list[str]:
    """Where Qt's own Chinese (file dialogs' 查找范围, 文件类型, buttons) may be: Qt's configured
    path, PySide6's own folder (a wheel's QLibraryInfo can point elsewhere), the app's
    resources (a packager may put it there)."""
    import PySide6

    dirs = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)]
    dirs += [str(Path(p) / "Qt" / "translations") for p in PySide6.__path__]
    dirs.append(str(TRANSLATIONS_DIR))
    return [d for d in dict.fromkeys(dirs) if d]


def create_application(argv: list[str], lang: str | None) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    QCoreApplication.setOrganizationName("AssistCase")
    QCoreApplication.setApplicationName("AssistCase")
    if lang is None:
        from PySide6.QtCore import QSettings

        lang = str(QSettings().value("ui/lang", "zh_CN"))
        lang = lang if lang in ("zh_CN", "en") else "zh_CN"
    load_font(app)
    install_translations(app, lang)
    return app


def _error(title: str, exc: AssistCaseError, lang: str) -> None:
    QMessageBox.critical(None, title, exc.message("zh" if lang == "zh_CN" else "en"))


def _open(path: str | None, lang: str, read_only: bool = False,
          args: argparse.Namespace | None = None):
    """Open (and upgrade) the database, or explain in a dialog why not and return None.
    Read-only: SQLite refuses every write on its connections, and it is never upgraded.
    An encrypted file with no key in the environment asks for a password (UnlockDialog);
    the name and password that opened it are kept in ``args`` to sign in with."""
    from PySide6.QtWidgets import QDialog

    from assistcase.config import resolve_db_url
    from assistcase.db import open_database, sqlite_file
    from assistcase.errors import DatabaseLockedError

    title = QCoreApplication.translate("app", "Cannot open the database")
    try:
        return open_database(path, read_only=read_only)
    except DatabaseLockedError:
        file = str(sqlite_file(resolve_db_url(path)))   # only a SQLite file is encrypted
        if args is not None and args.user and args.password_stdin:
            # the command line's name and password unlock it and then sign in
            from assistcase.security.unlock import key_for

            args.stdin_password = sys.stdin.readline().rstrip("\r\n")
            try:
                return open_database(path, read_only=read_only, key=key_for(
                    file, slot=args.user, password=args.stdin_password))
            except AssistCaseError as again:
                print(f"error: {again.message_en}", file=sys.stderr)
                return None
        from .signin import UnlockDialog

        dialog = UnlockDialog(file, (args.user or "") if args is not None else "")
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.db is None:
            return None
        if args is not None and dialog.credentials is not None:
            args.unlock_credentials = dialog.credentials
        return dialog.db
    except AssistCaseError as exc:  # the core names the file and the cause in both languages
        _error(title, exc, lang)
        print(f"error: {exc.message_en}", file=sys.stderr)
    return None


def _load_window_modules() -> None:
    """Import the main window and the modules of its first page while the sign-in window
    waits for the password (not beside the password check: argon2's four lanes already
    take both cores of a township laptop)."""
    from . import backup_dialog, main_window, todo_page  # noqa: F401


def sign_in(db, args: argparse.Namespace):
    """The signed-in identity, or None when the user gives up: the first administrator of a
    new database, else the sign-in window (or ``--user`` with ``--password-stdin``)."""
    from PySide6.QtWidgets import QDialog

    from assistcase.services import auth

    from .signin import FirstAdministratorDialog, SignInDialog

    if args.user and args.password_stdin:
        pending = early_signin.take()   # started while the app loaded (ui/early_signin.py)
        password = getattr(args, "stdin_password", None)   # read already to unlock the file
        args.stdin_password = None
        try:
            if pending is not None:
                return pending.result()
            return auth.sign_in(db, args.user, password if password is not None
                                else sys.stdin.readline().rstrip("\r\n"))
        except AssistCaseError as exc:
            print(f"error: {exc.message_en}", file=sys.stderr)
            return None
    _startup_done()   # a window waits for the user: the start's own work is over
    unlocked = getattr(args, "unlock_credentials", None)
    args.unlock_credentials = None  # typed once: used for the first sign-in only
    if unlocked is not None:
        try:   # the key slot's holder is usually also a user with the same password
            return auth.sign_in(db, *unlocked)
        except AssistCaseError:
            pass   # another name or password for the app: the sign-in window asks
    if auth.needs_first_administrator(db):
        first = FirstAdministratorDialog(db)
        return first.identity if first.exec() == QDialog.DialogCode.Accepted else None
    dialog = SignInDialog(db, args.user or "")
    QTimer.singleShot(0, _load_window_modules)  # while the user types
    return dialog.identity if dialog.exec() == QDialog.DialogCode.Accepted else None


def _startup_done() -> None:
    """Garbage collection resumes (``python -m ui.app`` starts without it: see the top), once.
    What the start built is moved out of its reach first (``gc.freeze``): those ~160,000
    objects live as long as the app, and the first collection would otherwise walk them all
    (66 ms measured) in the user's first click."""
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()


def shutdown(app: QApplication, windows: list, db) -> None:
    """Tear down in order while the interpreter is whole: windows, translators, database.
    (Leaving it to interpreter shutdown crashes PySide's finalisation.)"""
    for w in windows:
        w.close()
        w.deleteLater()
    windows.clear()
    QCoreApplication.sendPostedEvents(None, 0)
    for obj in _keep:
        if isinstance(obj, QTranslator):
            app.removeTranslator(obj)
    _keep.clear()
    db.dispose()


def _peak_rss_mb() -> float:
    """This process's own peak resident set (VmHWM; 0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_seconds() -> float:
    """CPU time of this process so far, every thread (the startup benchmark reports it beside
    the wall time, which a busy machine stretches)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _exit_after_first_paint(window, app: QApplication) -> None:
    """The startup benchmark: a line once the page the window opens on has painted with its
    first rows (``MainWindow.first_shown``); then the household registry is opened and a
    second line follows once its list has painted its first rows; then quit."""
    from .ops import after_first_paint

    def registry_shown() -> None:
        print(f"assistcase: registry shown (CPU {_cpu_seconds():.2f} s)", flush=True)
        print(f"assistcase: garbage collection {'on' if gc.isenabled() else 'off'}", flush=True)
        app.quit()

    def first_shown() -> None:
        print("assistcase: window shown", flush=True)
        print(f"assistcase: peak RSS {_peak_rss_mb():.1f} MB", flush=True)
        print(f"assistcase: CPU {_cpu_seconds():.2f} s at the first window", flush=True)
        page = window.show_page("registry")
        after_first_paint(page.table.viewport(), registry_shown, page.first_rows_shown)
        page.table.viewport().update()

    window.first_shown.connect(first_shown)


class WindowSession:
    """Sign-in and the main window, again after each sign-out (文件 → 注销): the window is
    hidden, the sign-in window asks who works now, a new window opens for them (giving up
    quits)."""

    def __init__(self, app: QApplication, core, args: argparse.Namespace):
        self.app, self.core, self.args = app, core, args
        self.windows: list = []
        self.recorded = False   # what the first window loaded, written for the next start

    def show_window(self):
        from .main_window import MainWindow

        core, args = self.core, self.args
        identity = sign_in(core.db, args)
        if identity is None:
            QTimer.singleShot(0, self.app.quit)   # also when the event loop has not started yet
            return None
        core.db.signed_in = core.actor = identity   # the core's reads are the signed-in user's
        w = MainWindow(core)
        from .backup_dialog import attach  # backups and restore (Ctrl+Shift+B), daily backup

        attach(w, core.db, read_only=core.read_only)
        w.sign_out_requested.connect(lambda: self.sign_out(w))
        self.windows.append(w)
        if args.exit_when_shown:
            _exit_after_first_paint(w, self.app)
        if not self.recorded:   # the first window of this start (not one after a sign-out)
            self.recorded = True
            w.first_shown.connect(_startup_done)
            QTimer.singleShot(30_000, _startup_done)   # should the window never paint
            w.first_shown.connect(prefetch.record)
        w.show()
        return w

    def sign_out(self, old) -> None:
        from assistcase.services import auth

        old.hide()
        auth.sign_out(self.core.db, self.core.actor)
        self.core.db.signed_in = self.core.actor = None
        # the next user types their name and password in the window (not the command line's)
        self.args.password_stdin = False
        self.args.user = None
        if old in self.windows:
            self.windows.remove(old)
        old.close()
        old.deleteLater()
        self.show_window()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    app = create_application([sys.argv[0], *argv], args.lang)
    if args.lang is None:
        args.lang = "zh_CN" if QLocale().name().startswith("zh") else "en"
    from .crash import install_exception_hook

    install_exception_hook()  # unexpected errors: the log file in the data directory + a dialog

    from assistcase.core import Core
    from assistcase.services.auth import is_blank_database

    db = early_signin.database() or _open(args.db, args.lang, args.read_only, args)
    if db is None:
        return 2
    core = Core(db, None, args.read_only)  # the actor is the identity signed in below

    flow = WindowSession(app, core, args)
    window = flow.windows
    show_window = flow.show_window

    # a database with users is signed in to as it is; a blank one gets the demo (or asks for
    # its first administrator)
    empty = core.may_write and is_blank_database(db)
    demo_households = args.demo_households
    if demo_households is None:  # the first run's own database gets the demo; --db FILE: empty
        import os

        demo_households = 2000 if args.db is None and not os.environ.get("ASSISTCASE_DB") else 0
    if empty and demo_households > 0:
        from assistcase.demo import generate_demo_city
        from assistcase.demo.registry import DEMO_COUNTY
        from assistcase.demo_users import create_demo_role_users, create_demo_users

        from .ops import Change, Op, show_error

        admin = create_demo_users(db)   # the demo's users: one per role, passwords shown
        db.signed_in = core.actor = admin

        def make_demo(progress, cancel):
            summary = core.write(generate_demo_city, households=demo_households, seed=1,
                                 progress=progress, cancel=cancel, monitoring=True,
                                 county=DEMO_COUNTY)
            create_demo_role_users(db, admin)
            return summary

        def failed(exc: BaseException, tb: str) -> None:
            # the core's message, or for anything unexpected the log file and "copy details"
            show_error(None, exc, tb,
                       QCoreApplication.translate("app", "Demo data could not be created"))
            show_window()

        op = Op(None, make_demo,
                QCoreApplication.translate("app", "Creating the demo database…"),
                core, Change.HOUSEHOLDS)
        op.on_success(lambda _summary: show_window()).on_cancel(show_window).on_failure(failed)
        _keep.append(op)
        op.run()
    else:
        show_window()
    if not window:   # no window waits for its first paint (the demo is being made, or none)
        _startup_done()
    code = app.exec()
    shutdown(app, window, db)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
