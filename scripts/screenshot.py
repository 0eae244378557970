"""Take screenshots of the real main window (run under Xvfb: see README).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshot.py DB OUT_DIR
    ... scripts/screenshot.py DB OUT_DIR --rosters [--lang en]   (rosters.png: the rosters
        page with the newest approved roster selected)
    ... scripts/screenshot.py DB OUT_DIR --aid [--lang en]   (aid.png: a new case for a
        household aided before, being typed; aid-queue.png, aid-approve.png: the approval
        queue and a township approval above its limit refused; aid-paperwork.png,
        aid-statistics.png). Nothing is recorded: the dialog's refusal writes nothing.
    ... scripts/screenshot.py DB OUT_DIR --liaison [--lang en]   (liaison.png: the year's
        compliance with the leaders who fell short first; liaison-form.png: a leader form
        refusing a county role outside a province-administered county; nothing is recorded)
    ... scripts/screenshot.py DB OUT_DIR --statistics [--lang en]   (statistics.png: the
        statistics page, this year's figures and charts for the first area)
    --user=NAME: the registered user the window is shown for (default admin, the demo's
    administrator)
"""

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

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


def aid(app: QApplication, w: MainWindow, out: Path) -> None:
    """The temporary-aid page: the quick-entry form, the queue, an approval refused above the
    township's limit (in the dialog), the paperwork list and the statistics."""
    from assistcase.services import aid as A

    page = w.show_page("aid")
    with page.db.read() as s:
        earlier = next((r for r in A.list_aid(s, A.AidFilter(status="paid"))
                        if r.registered and r.id_number), None)
    form = page.form
    if earlier is not None:
        form.search.setText(earlier.id_number)
        form.run_search()
    form.cause.setCurrentIndex(form.cause.findData("fire"))
    form.description.setPlainText("夜间电线短路引发火灾，三间房屋烧毁，家中衣物粮食全部损失。")
    for row in (0, 1, 2):
        form.documents.item(row).setCheckState(Qt.CheckState.Checked)
    form.amount.setText("1500")
    form.method.setCurrentIndex(form.method.findData("cash"))
    form.save_button.setFocus()
    shots: list = []

    def grab(widget, name: str) -> None:
        widget.grab().save(str(out / name))

    def queue() -> None:
        grab(w, "aid.png")
        page.tabs.setCurrentIndex(1)
        for level in range(3):
            page.levels.setCurrentIndex(level)
            if page.queue.rowCount():
                break
        QTimer.singleShot(300, approve)

    def approve() -> None:
        grab(w, "aid-queue.png")
        page.levels.setCurrentIndex(1)  # the county queue: above the township's limit
        if not page.queue.rowCount():
            page.levels.setCurrentIndex(0)
        dlg = page.ask_approve()
        if dlg is None:
            return paperwork()
        dlg.level.setCurrentIndex(dlg.level.findData("township"))
        dlg.approver.setText("李明")
        dlg.accept()  # refused above the township's limit: the dialog stays, nothing written
        QTimer.singleShot(300, lambda: (grab(dlg, "aid-approve.png"), dlg.reject(),
                                        QTimer.singleShot(200, paperwork)))

    def paperwork() -> None:
        page.tabs.setCurrentIndex(3)
        page.overdue_only.setChecked(False)
        QTimer.singleShot(300, statistics)

    def statistics() -> None:
        grab(w, "aid-paperwork.png")
        page.tabs.setCurrentIndex(4)
        QTimer.singleShot(300, lambda: (grab(w, "aid-statistics.png"), app.quit()))

    QTimer.singleShot(500, queue)


def liaison(app: QApplication, w: MainWindow, out: Path) -> None:
    page = w.show_page("liaison")
    page.tabs.setCurrentIndex(2)  # compliance
    page.period_kind.setCurrentIndex(page.period_kind.findData("year"))

    def form() -> None:
        page.tabs.setCurrentIndex(4)  # records
        page.records.setCurrentIndex(2)  # leaders
        dlg = page.open_form("leaders", "new")
        if dlg is None or dlg.read_only:
            app.quit()
            return
        dlg.widgets["name"].setText("李局长")
        rule = dlg.widgets["rule_code"]
        rule.setCurrentIndex(rule.findData("county_principal"))
        area = dlg.widgets["area_id"]
        area.setCurrentIndex(area.findText("梁园区"))
        dlg.save()  # refused: nothing is written
        dlg.resize(560, dlg.sizeHint().height())
        QTimer.singleShot(300, lambda: (dlg.grab().save(str(out / "liaison-form.png")),
                                        dlg.reject(), app.quit()))
    QTimer.singleShot(500, lambda: (w.grab().save(str(out / "liaison.png")), form()))
def statistics(app: QApplication, w: MainWindow, out: Path) -> None:
    """The statistics page: the city's figures for this year, with the charts."""
    page = w.show_page("statistics")
    page.area.setCurrentIndex(0)
    w.resize(1360, 2250)  # tall enough for the tables and the four charts below them

    def shown(_outcome: str) -> None:
        QTimer.singleShot(500, lambda: (w.grab().save(str(out / "statistics.png")), app.quit()))
    page.task_finished.connect(shown)
    page.refresh()


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = sys.argv[1:]
    db_path, out = args[0], Path(args[1])
    search = args[2] if len(args) > 2 and "--lang" not in flags else ""
    lang = "en" if "--lang" in flags and "en" in args else "zh_CN"
    out.mkdir(parents=True, exist_ok=True)
    app = create_application(sys.argv[:1], lang)
    db = open_database(db_path)
    # the registered user the window is shown for (--user=NAME; default the demo's
    # administrator): the core's reads are the signed-in user's (issue 13)
    user = next((f.split("=", 1)[1] for f in flags if f.startswith("--user=")), "admin")
    db.signed_in = user
    w = MainWindow(db, user)
    w.resize(1360, 820)
    w.show()
    shots = {"--rosters": rosters, "--aid": aid, "--liaison": liaison, "--statistics": statistics}
    chosen = [shots[f] for f in flags if f in shots]
    if chosen:
        shoot = chosen[0]
        QTimer.singleShot(300, lambda: shoot(app, w, out))
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
