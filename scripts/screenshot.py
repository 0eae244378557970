"""Take screenshots of the real main window (run under Xvfb: see README).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshot.py DB OUT_DIR
"""

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from assistcase.config import current_username
from assistcase.db import open_database
from ui.app import create_application, shutdown
from ui.main_window import MainWindow


def main() -> int:
    db_path, out = sys.argv[1], Path(sys.argv[2])
    search = sys.argv[3] if len(sys.argv) > 3 else ""
    out.mkdir(parents=True, exist_ok=True)
    app = create_application(sys.argv[:1], "zh_CN")
    db = open_database(db_path)
    w = MainWindow(db, current_username())
    w.resize(1360, 820)
    w.show()
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
