"""Take screenshots of the real main window (run under Xvfb: see README).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshot.py DB OUT_DIR
    ... scripts/screenshot.py DB OUT_DIR --rosters [--lang en]   (rosters.png: the rosters
        page with the newest approved roster selected)
"""

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from assistcase.config import current_username
from assistcase.db import open_database
from ui.app import create_application, shutdown
from ui.main_window import MainWindow


def rosters(app: QApplication, w: MainWindow, out: Path) -> None:
    """The rosters page with the newest approved roster (else the newest) selected."""
    page = w.show_page("rosters")
    for row in range(page.list.rowCount()):
        with page.db.read() as s:
            from assistcase.services.rosters import roster_view

            rid = page.list.item(row, 0).data(0x0100)
            if roster_view(s, rid).status == "approved":
                page.refresh_list(rid)
                break
    page.lines.selectRow(0)
    QTimer.singleShot(500, lambda: (w.grab().save(str(out / "rosters.png")), app.quit()))


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = sys.argv[1:]
    db_path, out = args[0], Path(args[1])
    search = args[2] if len(args) > 2 and "--lang" not in flags else ""
    lang = "en" if "--lang" in flags and "en" in args else "zh_CN"
    out.mkdir(parents=True, exist_ok=True)
    app = create_application(sys.argv[:1], lang)
    db = open_database(db_path)
    w = MainWindow(db, current_username())
    w.resize(1360, 820)
    w.show()
    if "--rosters" in flags:
        QTimer.singleShot(300, lambda: rosters(app, w, out))
        code = app.exec()
        shutdown(app, [w], db)
        return code
    page = w.registry
    if search:
        page.search.setText(search)
        page.apply_filter()

    def shoot() -> None:
        w.grab().save(str(out / "main.png"))
        hid = page.model.household_id(0)
        if hid is not None:
            editor = w.open_household(hid)
            editor.resize(1100, 680)
            QTimer.singleShot(300, lambda: (editor.grab().save(str(out / "editor.png")),
                                            app.quit()))
        else:
            app.quit()

    QTimer.singleShot(800, shoot)
    code = app.exec()
    shutdown(app, [w], db)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
