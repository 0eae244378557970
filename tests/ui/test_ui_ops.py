"""pytest-qt: the UI operations layer (ui/ops.py). An op reports progress and its result on the
GUI thread and then broadcasts what it changed; a cancelled op writes nothing and broadcasts
nothing; a failing op shows the error dialog; pages refresh from a broadcast (a hidden page
when it is next shown); a write from a read-only page is refused with the CLI's message."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, text

pytest.importorskip("PySide6")

from PySide6.QtCore import QDate, QThread, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from assistcase.core import Core  # noqa: E402
from assistcase.errors import ReadOnlyError  # noqa: E402
from assistcase.models import Area  # noqa: E402
from assistcase.models.assistance import PolicySetting  # noqa: E402
from assistcase.services import standards as S  # noqa: E402
from ui.crash import ErrorDialog  # noqa: E402
from ui.ops import Change, Op, Page, change_bus  # noqa: E402
from ui.standards_page import StandardsPage  # noqa: E402

from ..conftest import ACTOR  # noqa: E402
from ..core.test_core_facade import REFUSED_EN  # noqa: E402


class Probe(Page):
    """A page that counts its refreshes."""

    refresh_on = Change.ROSTERS

    def __init__(self, core, refresh_on: Change = Change.ROSTERS):
        super().__init__(core)
        self.refresh_on = refresh_on
        self.refreshed: list[Change] = []

    def on_changes(self, changes: Change) -> None:
        self.refreshed.append(changes)


def on_gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def _probe(qtbot, core, refresh_on=Change.ROSTERS, shown=True) -> Probe:
    page = Probe(core, refresh_on)
    qtbot.addWidget(page)
    if shown:
        page.show()
    return page


def _policy_rows(db) -> int:
    with db.read() as s:
        return s.execute(text("SELECT count(*) FROM policy_settings")).scalar()


def test_an_op_reports_progress_and_its_result_then_broadcasts_its_changes(qtbot, db):
    core = Core(db, ACTOR)
    runner = _probe(qtbot, core)
    listening = _probe(qtbot, core)
    other_kind = _probe(qtbot, core, Change.AID)
    hidden = _probe(qtbot, core, shown=False)
    seen, workers = [], []

    def work(progress, cancel):
        workers.append(threading.current_thread())
        progress(0.5, "half")
        return 42

    with qtbot.waitSignal(runner.task_finished, timeout=10000) as done:
        op = runner.run_op(work, "working", lambda r: seen.append(("result", r, on_gui_thread())),
                           Change.ROSTERS | Change.CASES, show_progress=False)
        assert op is not None and runner.task is op
        assert runner.run_op(work, "again") is None  # one op at a time per page
        op.progressed.connect(lambda f, m: seen.append((f, m, on_gui_thread())))
    assert done.args == ["succeeded"] and runner.task is None
    assert seen == [(0.5, "half", True), ("result", 42, True)]
    assert workers[0] is not threading.main_thread()
    # the pages that show rosters refresh once with what concerns them; the initiator has
    # refreshed itself, a page of another kind does nothing, a hidden one waits to be shown
    assert listening.refreshed == [Change.ROSTERS]
    assert runner.refreshed == [] and other_kind.refreshed == []
    assert hidden.refreshed == []
    hidden.show()
    assert hidden.refreshed == [Change.ROSTERS]


def test_a_cancelled_op_rolls_back_and_broadcasts_nothing(qtbot, db):
    core = Core(db, ACTOR)
    runner = _probe(qtbot, core)
    listening = _probe(qtbot, core, Change.STANDARDS)
    before = _policy_rows(db)
    area_id = core.read(S.standard_areas)[0][0]
    started = threading.Event()
    cancelled = []

    def work(progress, cancel):
        with core.db.begin() as s:  # a write in progress when the user cancels
            s.add(PolicySetting(area_id=area_id, key="aid_repeat_months", value="6",
                                effective_from=dt.date(2026, 1, 1)))
            s.flush()
            started.set()
            progress(0.1, "started")
            while not cancel.cancelled:
                cancel._event.wait(1)
            cancel.check()  # raises Cancelled: the transaction rolls back

    op = runner.run_op(work, "working", changes=Change.STANDARDS,
                       on_cancel=lambda: cancelled.append(True), show_progress=False)
    with qtbot.waitSignal(runner.task_finished, timeout=10000) as done:
        assert started.wait(10)
        op.cancel()
    assert done.args == ["cancelled"] and cancelled == [True]
    assert listening.refreshed == []
    assert _policy_rows(db) == before


def test_a_failing_op_shows_the_error_dialog_with_its_details(qtbot, db):
    runner = _probe(qtbot, Core(db, ACTOR))

    def work(progress, cancel):
        raise RuntimeError("the disk fell off")

    with qtbot.waitSignal(runner.task_finished, timeout=10000) as done:
        op = runner.run_op(work, "Printing", show_progress=False)
    assert done.args == ["failed"]
    box = op.error_dialog
    assert isinstance(box, ErrorDialog) and box.isVisible()
    assert "the disk fell off" in box.details and "RuntimeError" in box.details
    assert "the disk fell off" not in box.text()  # the user reads a sentence, not str(e)
    box.close()


def test_a_standards_page_refreshes_when_another_page_saves_a_standard(qtbot, db):
    core = Core(db, ACTOR)
    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.code == "411400000000"))
    pages = []
    for _ in range(2):
        page = StandardsPage(core)
        qtbot.addWidget(page)
        page.area.setCurrentIndex(page.area.findData(city))
        page.std_class.setCurrentIndex(page.std_class.findData("urban"))
        page.show()
        pages.append(page)
    writer, reader = pages
    assert reader.std_table.rowCount() == 0
    broadcasts = []
    change_bus(core).changed.connect(lambda c, who: broadcasts.append((c, who)))
    writer.std_kind.setCurrentIndex(writer.std_kind.findData("dibao"))
    writer.std_from.setDate(QDate(2022, 1, 1))
    writer.std_amount.setText("630")
    qtbot.mouseClick(writer.std_add, Qt.LeftButton)
    assert writer.std_error.text() == ""
    assert broadcasts == [(Change.STANDARDS, writer)]
    assert reader.std_table.rowCount() == 1  # refreshed from the broadcast, not by hand


def test_a_write_from_a_read_only_page_is_refused_with_the_cli_message(qtbot, db, db_path):
    db.dispose()
    core = Core.open(db_path, ACTOR, read_only=True)
    try:
        page = StandardsPage(core)
        qtbot.addWidget(page)
        assert page.read_only
        page.policy_key.setCurrentIndex(page.policy_key.findData("aid_repeat_months"))
        page.policy_value.setText("6")
        page.set_policy()  # the control is hidden; the core refuses all the same
        assert page.policy_error.text() == REFUSED_EN == ReadOnlyError().message("en")

        # and as a background op: the same sentence in the error dialog
        with qtbot.waitSignal(page.task_finished, timeout=10000):
            op = page.run_op(lambda progress, cancel: core.write(
                S.set_policy, page.area.currentData(), {"aid_repeat_months": 6},
                dt.date(2026, 1, 1)), "Saving", show_progress=False)
        assert op.error_dialog.text() == REFUSED_EN
        op.error_dialog.close()
    finally:
        core.close()


def test_an_op_without_a_page(qtbot, db):
    """The app's first-run demo runs as an Op with no page: it broadcasts to the core's bus."""
    core = Core(db, ACTOR)
    heard = []
    change_bus(core).changed.connect(lambda c, who: heard.append((c, who)))
    op = Op(None, lambda progress, cancel: "done", "working", core, Change.HOUSEHOLDS,
            show_progress=False)
    with qtbot.waitSignal(op.finished, timeout=10000) as done:
        op.run()
    assert done.args == ["succeeded"] and heard == [(Change.HOUSEHOLDS, None)]


def test_a_page_keeps_its_splitters_state(qtbot, db):
    from PySide6.QtWidgets import QSplitter

    core = Core(db, ACTOR)
    sizes = []
    for _ in range(2):
        page = StandardsPage(core)
        qtbot.addWidget(page)
        page.resize(1000, 600)
        page.show()
        split = page.findChild(QSplitter, "standards_split")
        if not sizes:
            split.setSizes([250, 750])
            sizes.append(split.sizes())
            page.save_state()  # what the main window calls as it closes
        else:
            assert split.sizes() == sizes[0]
        page.close()
