"""pytest-qt: the payment rosters page on a real demo city. Build a roster through the New
roster dialog, review it and approve it with the buttons (the confirm box answered like a
user), see it frozen; refusals show in Chinese; adjustments on an approved roster; the
supervisor's page writes nothing; a cancelled print leaves no file behind."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import select

pytest.importorskip("PySide6")

from PySide6.QtCore import QDate, QLocale, Qt  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QLabel, QMessageBox  # noqa: E402

from assistcase.db import open_database  # noqa: E402
from assistcase.demo import generate_demo_city  # noqa: E402
from assistcase.errors import StateError  # noqa: E402
from assistcase.models import Area  # noqa: E402
from assistcase.services import rosters as R  # noqa: E402
from assistcase.services.areas import load_areas_csv  # noqa: E402
from ui.roster_lines_model import RosterLinesModel  # noqa: E402
from ui.rosters_page import AdjustmentDialog, NewRosterDialog, RostersPage  # noqa: E402

from ..conftest import ACTOR, open_test_db  # noqa: E402

TODAY = dt.date(2026, 11, 22)
NOVEMBER = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """A demo city of 300 households with active cases, made once for the module."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = open_test_db(path)
    load_areas_csv(db, ACTOR)
    generate_demo_city(db, ACTOR, households=300, seed=1, today=TODAY)
    db.dispose()
    return path


@pytest.fixture(scope="module")
def big_demo_file(tmp_path_factory):
    """2,000 households: a city roster of over 1,200 lines, long enough that every writer
    reports progress (the bank file does every 1,000 lines) before it finishes."""
    path = tmp_path_factory.mktemp("demo") / "big.sqlite3"
    db = open_test_db(path)
    load_areas_csv(db, ACTOR)
    generate_demo_city(db, ACTOR, households=2000, seed=1, today=TODAY)
    db.dispose()
    return path


def _copy(template, tmp_path):
    path = tmp_path / "city.sqlite3"
    shutil.copyfile(template, path)
    db = open_test_db(path)
    yield db
    db.dispose()


@pytest.fixture
def city_db(demo_file, tmp_path):
    yield from _copy(demo_file, tmp_path)


@pytest.fixture
def big_db(big_demo_file, tmp_path):
    yield from _copy(big_demo_file, tmp_path)


def area_id(db, code: str) -> int:
    with db.read() as s:
        return s.scalar(select(Area.id).where(Area.code == code))


CITY = "411400000000"


@pytest.fixture
def english():
    """Messages in English whatever an earlier test left as the default locale."""
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(before)


def _page(qtbot, db):
    p = RostersPage(db, ACTOR, today=TODAY)
    p.open_results = False
    qtbot.addWidget(p)
    p.resize(1200, 800)
    p.show()
    yield p
    if p.task is not None:  # a failing test must not leave a worker thread running
        p.task.wait()


@pytest.fixture
def page(qtbot, city_db, english):
    yield from _page(qtbot, city_db)


@pytest.fixture
def big_page(qtbot, big_db, english):
    yield from _page(qtbot, big_db)


def ok(dialog):
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def build_in_dialog(qtbot, page, program="dibao", area=CITY, cls=None):
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    assert isinstance(dlg, NewRosterDialog) and dlg.isVisible()
    dlg.area.setCurrentIndex(dlg.area.findData(area_id(page.db, area)))
    dlg.month.setDate(QDate(2026, 11, 1))
    dlg.program.setCurrentIndex(dlg.program.findData(program))
    dlg.residence_class.setCurrentIndex(dlg.residence_class.findData(cls))
    with qtbot.waitSignal(page.task_finished, timeout=30000) as done:
        qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    return done.args[0]


def list_cell(page, row: int, column: int) -> str:
    return page.list.item(row, column).text()


def test_build_review_approve_in_the_window(qtbot, city_db, zh, request):
    page = RostersPage(city_db, ACTOR, today=TODAY)  # built under the Chinese translator
    page.open_results = False
    qtbot.addWidget(page)
    page.show()
    request.addfinalizer(lambda: page.task and page.task.wait())
    assert page.list.rowCount() == 0 and not page.review_button.isVisible()

    assert build_in_dialog(qtbot, page) == "succeeded"
    assert page.dialog is None
    with city_db.read() as s:
        [view] = R.list_rosters(s)
        lines = list(R.iter_lines(s, view.id))
    assert view.month == NOVEMBER and view.program == "dibao" and view.line_count > 50
    assert page.view.id == view.id
    assert page.list.rowCount() == 1 and list_cell(page, 0, 4) == "草稿"
    assert page.status_label.text() == "草稿"
    assert view.title in page.title_label.text()
    assert "已生成" in page.message.text() and f"{view.line_count:,}" in page.message.text()
    assert page.review_button.isVisible() and not page.approve_button.isVisible()
    # the lines table shows the database's lines, in printing order
    assert page.model.rowCount() == view.line_count == len(lines)
    last = page.model.index(view.line_count - 1, 6)
    assert page.model.data(last) == f"{lines[-1].amount_fen // 100:,}.{lines[-1].amount_fen % 100:02d}"
    assert page.model.data(page.model.index(0, 2)) == lines[0].payee_name
    # village subtotals add up to the roster's total
    vt = page.villages
    assert vt.item(vt.rowCount() - 1, 0).text() == "合计"
    assert vt.item(vt.rowCount() - 1, 4).text() == page.list.item(0, 6).text()

    # the same month and area again: the core refuses, in Chinese, and nothing is built
    assert build_in_dialog(qtbot, page) == "failed"
    assert "已有覆盖该区划的花名册" in page.message.text()
    assert "B00020" in page.message.styleSheet()
    assert page.list.rowCount() == 1

    page.actor = page.core.actor = "reviewer"   # the reviewer is not the builder (issue 13)
    qtbot.mouseClick(page.review_button, Qt.MouseButton.LeftButton)
    assert page.status_label.text() == "已审核" and list_cell(page, 0, 4) == "已审核"
    page.actor = page.core.actor = "approver"   # nor is the approver
    assert page.approve_button.isVisible() and page.send_back_button.isVisible()

    # approving asks first; cancelling the question changes nothing
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    box = page.dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "锁定" in box.text() and view.title in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert page.status_label.text() == "已审核" and page.dialog is None
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    page.dialog.button(QMessageBox.StandardButton.Yes).click()

    assert page.status_label.text() == "已审批" and list_cell(page, 0, 4) == "已审批"
    assert not page.rebuild_button.isVisible() and not page.discard_button.isVisible()
    assert page.adjust_button.isVisible() and page.print_button.isVisible()
    with city_db.read() as s:
        assert R.roster_view(s, view.id).status == "approved"
    # frozen: the core refuses a change of its lines and a rebuild
    with pytest.raises(StateError):
        R.amend_line(city_db, ACTOR, lines[0].id, 1, "改一下")
    with pytest.raises(StateError) as refused:
        R.rebuild_roster(city_db, ACTOR, view.id)
    assert "已审批并锁定" in refused.value.message("zh")


def test_adjustment_on_an_approved_roster_goes_to_the_next_one(qtbot, page, city_db):
    rid = R.build_monthly_roster(city_db, ACTOR, R.MonthlyRosterInput(
        area_id(city_db, CITY), NOVEMBER, "dibao")).roster_id
    R.review_roster(city_db, "reviewer", rid)
    R.approve_roster(city_db, "approver", rid)
    page.refresh_list(rid)
    assert page.view.status == "approved"

    assert page.ask_adjustment() is None  # no line selected: said so
    assert "B00020" in page.message.styleSheet()
    page.lines.selectRow(0)
    line = page.selected_line()
    qtbot.mouseClick(page.adjust_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    assert isinstance(dlg, AdjustmentDialog)
    dlg.kind.setCurrentIndex(dlg.kind.findData(-1))
    dlg.amount.setText(f"{line.amount_fen // 100 + 1}")
    dlg.reason.setText("多发")
    qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    most = f"{line.amount_fen // 100:,}.{line.amount_fen % 100:02d}"
    assert dlg.isVisible() and "cannot exceed" in dlg.error.text()  # refused, dialog stays
    assert most in dlg.error.text()
    dlg.kind.setCurrentIndex(dlg.kind.findData(1))
    dlg.amount.setText("120")
    dlg.reason.setText("少发一人")
    qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    assert page.dialog is None and "120.00" in page.message.text()
    with city_db.read() as s:
        pending = R.pending_carryovers(s)
    assert [(p.kind, p.line_id, p.amount_fen) for p in pending] == [
        ("supplement", line.id, 120_00)]


def test_send_back_and_discard_ask_for_a_reason(qtbot, page, city_db):
    assert build_in_dialog(qtbot, page, program="tekun") == "succeeded"
    rid = page.view.id
    page.actor = page.core.actor = "reviewer"   # the reviewer is not the builder (issue 13)
    page.review()
    assert page.view.status == "reviewed"
    qtbot.mouseClick(page.send_back_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    assert isinstance(dlg, QInputDialog)
    dlg.setTextValue("")
    dlg.accept()
    assert page.view.status == "reviewed" and "reason" in page.message.text()
    qtbot.mouseClick(page.send_back_button, Qt.MouseButton.LeftButton)
    page.dialog.setTextValue("金额有误")
    page.dialog.accept()
    assert page.view.status == "draft"

    qtbot.mouseClick(page.discard_button, Qt.MouseButton.LeftButton)
    page.dialog.setTextValue("重复生成")
    page.dialog.accept()
    assert page.view is None and page.list.rowCount() == 0
    with city_db.read() as s, pytest.raises(Exception):
        R.roster_view(s, rid)


def test_one_time_subsidy_from_the_dialog(qtbot, page, city_db):
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    dlg.set_kind("one_time")
    dlg.area.setCurrentIndex(dlg.area.findData(area_id(city_db, CITY)))
    dlg.pay_date.setDate(QDate(2026, 11, 20))
    dlg.amount.setText("210")
    qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)  # no purpose: asked for, next to it
    assert dlg.isVisible() and dlg.purpose_error.isVisible()
    assert "what the subsidy pays for" in dlg.purpose_error.text()
    dlg.purpose.setText("2026年一次性生活补贴")
    assert not dlg.purpose_error.isVisible()
    dlg.amount.setText("21O")  # a typo is caught in the dialog
    qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.error.text()
    dlg.amount.setText("210")
    with qtbot.waitSignal(page.task_finished, timeout=30000) as done:
        qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    assert done.args == ["succeeded"]
    v = page.view
    assert v.kind == "one_time" and v.pay_date == dt.date(2026, 11, 20)
    assert v.purpose == "2026年一次性生活补贴"
    assert v.person_count > 0 and v.total_fen == 210_00 * v.person_count
    assert "2026-11-20" in page.info_label.text() and "210.00" in page.info_label.text()
    assert "Purpose 2026年一次性生活补贴" in page.info_label.text()
    assert page.title_label.text() == "商丘市2026年一次性生活补贴发放花名册（2026年11月20日发放）"


def test_the_dialog_refuses_a_one_time_subsidy_paid_twice(qtbot, city_db, zh, request):
    """A county already has this year's subsidy: the same purpose for the city is refused in
    the dialog, under the purpose, naming the county's roster; nothing is built and the
    dialog stays open. Another purpose is built."""
    county = R.build_one_time_roster(city_db, ACTOR, R.OneTimeInput(
        area_id(city_db, "411402000000"), dt.date(2026, 11, 5), 210_00,
        purpose="2026年一次性生活补贴")).roster_id
    with city_db.read() as s:
        title = R.roster_view(s, county).title
    page = RostersPage(city_db, ACTOR, today=TODAY)  # built under the Chinese translator
    page.open_results = False
    qtbot.addWidget(page)
    page.show()
    request.addfinalizer(lambda: page.task and page.task.wait())
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    dlg.set_kind("one_time")
    assert "用途" in [label.text() for label in dlg.findChildren(QLabel)]
    dlg.area.setCurrentIndex(dlg.area.findData(area_id(city_db, CITY)))
    dlg.pay_date.setDate(QDate(2026, 11, 20))
    dlg.amount.setText("210")
    dlg.purpose.setText("2026年 一次性生活补贴")
    qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and page.dialog is dlg and page.task is None
    assert dlg.purpose_error.isVisible()
    assert (f"已有覆盖这些对象的一次性补贴花名册：{county}（{title}，草稿）"
            in dlg.purpose_error.text())
    with city_db.read() as s:
        assert [v.id for v in R.list_rosters(s)] == [county]
    dlg.purpose.setText("春节慰问金")
    assert not dlg.purpose_error.isVisible()
    with qtbot.waitSignal(page.task_finished, timeout=30000) as done:
        qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    assert done.args == ["succeeded"]
    assert page.view.purpose == "春节慰问金" and page.view.id != county
    assert page.title_label.text() == "商丘市春节慰问金发放花名册（2026年11月20日发放）"


def test_the_supervisor_sees_rosters_and_changes_nothing(qtbot, city_db):
    rid = R.build_monthly_roster(city_db, ACTOR, R.MonthlyRosterInput(
        area_id(city_db, CITY), NOVEMBER, "dibao")).roster_id
    page = RostersPage(city_db, ACTOR, read_only=True, today=TODAY)
    qtbot.addWidget(page)
    page.show()
    assert page.view.id == rid and page.model.rowCount() > 0
    assert not page.new_button.isVisible()
    assert all(not b.isVisible() for b in page.write_buttons)
    assert page.print_button.isVisible() and page.notice_button.isVisible()
    assert page.open_new_dialog() is None and page.import_returns("x.xlsx") is None
    R.review_roster(city_db, "reviewer", rid)
    R.approve_roster(city_db, "approver", rid)
    page.refresh_list()
    assert page.view.status == "approved"
    assert all(not b.isVisible() for b in page.write_buttons)
    page.lines.selectRow(0)
    assert page.ask_adjustment() is None


def test_lines_model_passes_the_model_tester(qtmodeltester, city_db, monkeypatch):
    monkeypatch.setattr("ui.roster_lines_model.BLOCK", 50)  # several blocks and a partial one
    rid = R.build_monthly_roster(city_db, ACTOR, R.MonthlyRosterInput(
        area_id(city_db, CITY), NOVEMBER, "dibao")).roster_id
    with city_db.read() as s:
        view = R.roster_view(s, rid)
        seqs = [line.seq for line in R.iter_lines(s, rid)]
    assert seqs == list(range(1, view.line_count + 1))  # the model's row ↔ seq mapping
    model = RosterLinesModel(city_db)
    model.set_roster(rid, view.line_count)
    qtmodeltester.check(model)
    assert model.rowCount() == view.line_count
    assert view.line_count > 120
    rows = (0, 49, 50, 99, 100, view.line_count - 1)  # across block boundaries, both ways
    assert [model.line(r).seq for r in rows] == [r + 1 for r in rows]
    assert [model.line(r).seq for r in reversed(rows)] == [r + 1 for r in reversed(rows)]
    assert model.line(view.line_count) is None
    model.set_roster(None, 0)
    qtmodeltester.check(model)


# --- printing -------------------------------------------------------------------------------


def _approved(city_db) -> int:
    rid = R.build_monthly_roster(city_db, ACTOR, R.MonthlyRosterInput(
        area_id(city_db, CITY), NOVEMBER, "dibao")).roster_id
    R.review_roster(city_db, "reviewer", rid)
    R.approve_roster(city_db, "approver", rid)
    return rid


WRITERS = {"roster": ("assistcase.reports.roster_pdf", "write_roster_pdf", "pdf"),
           "notice": ("assistcase.reports.roster_pdf", "write_notice_pdf", "pdf"),
           "bank": ("assistcase.io.bank", "write_bank_xlsx", "xlsx")}


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_cancelled_print_leaves_no_file(qtbot, big_page, big_db, tmp_path, monkeypatch,
                                          kind):
    page = big_page
    module_name, name, ext = WRITERS[kind]
    module = pytest.importorskip(module_name)
    real = getattr(module, name)

    def cancel_at_first_progress(db, roster_id, path, progress=None, cancel=None):
        """The real writer, cancelled (through the task's own token) at its first progress
        report: deterministic however fast the machine is."""
        def progress_then_cancel(fraction, message):
            cancel.cancel()
            progress(fraction, message)
        return real(db, roster_id, path, progress=progress_then_cancel, cancel=cancel)

    monkeypatch.setattr(module, name, cancel_at_first_progress)
    page.refresh_list(_approved(big_db))
    assert page.view.line_count > 1000
    out = tmp_path / "out"
    out.mkdir()
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        task = page.export(kind, out / f"roster.{ext}")
        assert task is not None and page.task is task
        outcomes = []
        task.cancelled.connect(lambda: outcomes.append("cancelled"))
        task.succeeded.connect(lambda _r: outcomes.append("succeeded"))
    assert done.args == ["cancelled"] and outcomes == ["cancelled"]
    assert list(out.iterdir()) == []  # neither the file nor a temporary one
    assert "取消" in page.message.text() or "Cancelled" in page.message.text()
    assert page.task is None and page.print_button.isEnabled()


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_print_is_written_and_opened(qtbot, page, city_db, tmp_path, monkeypatch, kind):
    module_name, _name, ext = WRITERS[kind]
    pytest.importorskip(module_name)
    opened = []
    monkeypatch.setattr("ui.rosters_page.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()))
    page.refresh_list(_approved(city_db))
    target = tmp_path / f"roster.{ext}"
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        page.export(kind, target)
    assert done.args == ["succeeded"], page.message.text()
    assert target.stat().st_size > 0 and page.last_output == str(target)
    assert opened == []  # open_results is off in tests
    page.open_results = True
    with qtbot.waitSignal(page.task_finished, timeout=60000):
        page.export(kind, target)
    if ext == "pdf":
        # A PDF opens in the print preview (or, too long to preview, the print dialog); the
        # preview's button opens it in the system viewer.
        from PySide6.QtPrintSupport import QPrintDialog

        from ui.printing import PdfPrintPreview

        assert isinstance(page.dialog, (PdfPrintPreview, QPrintDialog))
        if isinstance(page.dialog, PdfPrintPreview):
            qtbot.mouseClick(page.dialog.open_button, Qt.MouseButton.LeftButton)
            assert opened == [str(target)]
        page.dialog.reject()
    else:
        assert opened == [str(target)]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_print_preview_prints_the_roster_to_a_pdf_printer(qtbot, page, city_db, tmp_path):
    """The roster opens in the print preview; printed to Qt's PDF printer it has the saved
    file's pages, and a page range prints only those pages."""
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget

    from ui.printing import PdfPrintPreview, pdf_page_count

    page.refresh_list(_approved(city_db))
    target = tmp_path / "roster.pdf"
    page.open_results = True
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        page.export("roster", target)
    assert done.args == ["succeeded"], page.message.text()
    dlg = page.dialog
    assert isinstance(dlg, PdfPrintPreview) and dlg.isVisible()
    pages = pdf_page_count(target)
    assert pages > 3
    preview = dlg.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: preview.pageCount() == pages, timeout=60000)
    printer = dlg.printer
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    preview.print_()
    assert pdf_page_count(printed) == pages == dlg.painted
    printer.setFromTo(2, 3)
    printer.setOutputFileName(str(tmp_path / "two.pdf"))
    preview.print_()
    assert pdf_page_count(tmp_path / "two.pdf") == 2
    dlg.reject()


def test_notice_per_village_folder_chosen_in_the_dialog(qtbot, page, city_db, tmp_path,
                                                        monkeypatch):
    page.refresh_list(_approved(city_db))
    folder = tmp_path / "notices"
    monkeypatch.setattr(page, "ask_folder", lambda *_a: str(folder))
    qtbot.mouseClick(page.notice_button, Qt.MouseButton.LeftButton)
    box = page.dialog
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        qtbot.mouseClick(box.folder_button, Qt.MouseButton.LeftButton)
    assert done.args == ["succeeded"], page.message.text()
    with city_db.read() as s:
        villages = {(ln.township_code, ln.village_code)
                    for ln in R.iter_lines(s, page.view.id)}
    files = sorted(folder.iterdir())
    assert len(files) == len(villages) > 10 and all(f.suffix == ".pdf" for f in files)
    assert str(len(files)) in page.message.text() and str(folder) in page.message.text()


def test_bank_returns_imported_in_the_page_are_reissued_by_the_next_roster(qtbot, page,
                                                                          city_db, tmp_path):
    bank = pytest.importorskip("assistcase.io.bank")
    import openpyxl

    page.refresh_list(_approved(city_db))
    nov = page.view.id
    path = tmp_path / "bank.xlsx"
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        page.export("bank", path)
    assert done.args == ["succeeded"]
    rows = list(openpyxl.load_workbook(path, read_only=True)[bank.BANK_SHEET]
                .iter_rows(values_only=True))
    returns = tmp_path / "returns.xlsx"
    n = bank.write_bank_return_template(path, returns, failed={rows[2][0]: "账户已销户"},
                                        others="成功")
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        page.import_returns(returns)
    assert done.args == ["succeeded"], page.message.text()
    assert f"{n - 1} paid" in page.message.text() and "1 failed" in page.message.text()
    with qtbot.waitSignal(page.task_finished, timeout=60000) as done:
        page.import_returns(returns)  # the same file again: refused, shown in the page
    assert done.args == ["failed"] and "already been imported" in page.message.text()

    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    dlg.area.setCurrentIndex(dlg.area.findData(area_id(city_db, CITY)))
    dlg.month.setDate(QDate(2026, 12, 1))
    with qtbot.waitSignal(page.task_finished, timeout=30000) as done:
        qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    assert done.args == ["succeeded"]
    assert page.view.id != nov and page.view.month == dt.date(2026, 12, 1)
    assert "1 reissues" in page.message.text()


def test_failed_payments_and_adjustments_waiting_are_listed(qtbot, page, city_db):
    from ui.rosters_page import PendingDialog

    rid = _approved(city_db)
    with city_db.read() as s:
        first, second = [line for _, line in zip(range(2), R.iter_lines(s, rid))]
    R.record_bank_returns(city_db, ACTOR, rid, "returns.xlsx", "e" * 64,
                          [R.PaymentOutcome(first.id, "failed", "账户已销户")])
    R.record_adjustment(city_db, ACTOR, second.id, 12_50, "漏发")
    qtbot.mouseClick(page.pending_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    assert isinstance(dlg, PendingDialog) and dlg.isVisible()
    rows = [[dlg.table.item(r, c).text() for c in range(dlg.table.columnCount())]
            for r in range(dlg.table.rowCount())]
    assert rows == [
        ["Reissue (failed payment)", "2026-11", str(rid), first.payee_name, first.village_name,
         f"{first.amount_fen // 100:,}.{first.amount_fen % 100:02d}", "账户已销户"],
        ["Supplement", "2026-11", str(rid), second.payee_name, second.village_name, "12.50",
         "漏发"]]
    dlg.reject()
    # once the next roster has taken them, nothing is waiting
    R.build_monthly_roster(city_db, ACTOR, R.MonthlyRosterInput(
        area_id(city_db, CITY), dt.date(2026, 12, 1), "dibao"))
    qtbot.mouseClick(page.pending_button, Qt.MouseButton.LeftButton)
    assert page.dialog.table.rowCount() == 0


def test_funds_report_from_the_page_counts_the_approved_roster(qtbot, page, city_db, tmp_path,
                                                              monkeypatch):
    import openpyxl

    from ui.rosters_page import FundsDialog

    rid = _approved(city_db)
    with city_db.read() as s:
        total = R.roster_view(s, rid).total_fen
    target = tmp_path / "funds.xlsx"
    monkeypatch.setattr(page, "ask_save_path", lambda *_a: str(target))
    qtbot.mouseClick(page.funds_button, Qt.MouseButton.LeftButton)
    dlg = page.dialog
    assert isinstance(dlg, FundsDialog)
    dlg.area.setCurrentIndex(dlg.area.findData(area_id(city_db, CITY)))
    dlg.year.setCurrentIndex(dlg.year.findData(2026))
    dlg.month.setCurrentIndex(dlg.month.findData(11))
    dlg.format.setCurrentIndex(dlg.format.findData("xlsx"))
    with qtbot.waitSignal(page.task_finished, timeout=30000) as done:
        qtbot.mouseClick(ok(dlg), Qt.MouseButton.LeftButton)
    assert done.args == ["succeeded"], page.message.text()
    assert page.last_output == str(target) and target.exists()
    cells = [v for row in openpyxl.load_workbook(target, read_only=True).worksheets[0]
             .iter_rows(values_only=True) for v in row if isinstance(v, (int, float))]
    assert round(total / 100, 2) in [round(v, 2) for v in cells]


def test_a_saved_pdf_that_cannot_be_opened_says_where_it_is(page, tmp_path):
    """Issue 18: a saved PDF the system cannot open (no viewer here, offscreen) failed
    silently; the page now says the file is saved and where."""
    path = tmp_path / "roster.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    page.open_results = True
    try:
        assert page.open_file(str(path)) is False
    finally:
        page.open_results = False
    assert str(path) in page.message.text() and "saved" in page.message.text()
