"""Screenshots for docs/ (issue 18), on a real X display (Xvfb):

    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots_everyday.py 1366x768 DB
    QT_SCALE_FACTOR=1.5 xvfb-run -s "-screen 0 1920x1080x24" \\
        .venv/bin/python scripts/screenshots_everyday.py 1920x1080-150 DB

The first also shoots the menu, the help window and the readable history."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui.app import create_application  # noqa: E402


def settle(n: int = 20) -> None:
    for _ in range(n):
        QApplication.processEvents()


def main() -> None:
    tag, db_path = sys.argv[1], sys.argv[2]
    app = create_application([sys.argv[0]], "zh_CN")
    from assistcase.db import open_database
    from ui.main_window import MainWindow

    db = open_database(db_path)
    w = MainWindow(db, "张科员")
    screen = app.primaryScreen().availableGeometry()
    w.resize(w.default_size()[0], min(w.default_size()[1], screen.height() - 30))
    w.move(0, 0)
    w.show()
    settle()
    docs = ROOT / "docs"
    shots = {"registry": "", "cases": "-cases", "aid": "-aid"}
    for key, suffix in shots.items():
        w.show_page(key)
        settle(40)
        app.primaryScreen().grabWindow(0).save(str(docs / f"screenshot-{tag}{suffix}.png"))
    if tag.startswith("1366"):
        w.show_page("registry")
        settle()
        menu = w.menuBar().actions()[0].menu()
        w.menuBar().setActiveAction(w.menuBar().actions()[0])
        settle(40)
        app.primaryScreen().grabWindow(0).save(str(docs / "screenshot-menu.png"))
        menu.hide()
        w.menuBar().setActiveAction(None)
        settle()
        w.show_page("aid")
        help_window = w.open_help()
        help_window.move(200, 80)
        settle(40)
        app.primaryScreen().grabWindow(0).save(str(docs / "screenshot-help.png"))
        help_window.hide()
        reg = w.show_page("registry")
        from sqlalchemy import func, select

        from assistcase.models import AuditEntry

        with db.read() as s:
            hid = s.scalar(select(AuditEntry.household_id).where(AuditEntry.household_id.is_not(None))
                           .group_by(AuditEntry.household_id).order_by(func.count().desc()))
        editor = w.open_household(hid)
        editor.move(40, 30)
        editor.tabs.setCurrentIndex(3)
        settle(40)
        app.primaryScreen().grabWindow(0).save(str(docs / "screenshot-history.png"))
        editor.discard()
        assert reg is not None
    QTimer.singleShot(0, app.quit)
    w.close()


if __name__ == "__main__":
    main()
