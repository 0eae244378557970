"""The import wizard: file → mapping → check (worker thread) → import; bad files stop at the
check with the report shown and nothing written."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QWizard  # noqa: E402

from assistcase.io import load_mapping  # noqa: E402
from assistcase.models import Household  # noqa: E402
from ui.import_wizard import ImportWizard  # noqa: E402

from ..conftest import ACTOR  # noqa: E402
from ..core.test_import import HEADER, dump, good_rows, write_xlsx  # noqa: E402


def run_check(qtbot, wizard):
    with qtbot.waitSignal(wizard.job_finished, timeout=30_000):
        wizard.next()  # mapping → check: the dry run starts on a worker thread
    assert wizard.currentPage() is wizard.check_page


def test_wizard_imports_a_good_file(qtbot, db, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", good_rows())
    wizard = ImportWizard(db, ACTOR)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.load(str(path))
    assert wizard.file_page.isComplete()
    assert wizard.file_page.sheet_box.currentText() == "花名册"
    wizard.next()
    mapping = wizard.mapping_page.mapping()
    assert mapping["身份证号"] == "id_number" and mapping["序号"] == ""
    run_check(qtbot, wizard)
    assert wizard.check_page.isComplete()
    assert "新增 2 户" in wizard.check_page.summary.text()
    wizard.next()
    with qtbot.waitSignal(wizard.imported, timeout=30_000) as imported:
        wizard.confirm_page.start_button.click()
    assert imported.args[0].households_created == 2
    qtbot.waitUntil(wizard.confirm_page.isComplete)
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    with db.read() as s:
        assert s.query(Household).count() == 2


def test_wizard_shows_the_report_and_blocks_a_bad_file(qtbot, db, tmp_path):
    rows = good_rows()
    rows[4][2] = "不存在村"
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = dump(db)
    wizard = ImportWizard(db, ACTOR)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.load(str(path))
    wizard.next()
    run_check(qtbot, wizard)
    assert not wizard.check_page.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    table = wizard.check_page.issues
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(3)] == ["5", "C 村(社区)", "不存在村"]
    assert "不存在村" in table.item(0, 4).text()
    report = tmp_path / "report.xlsx"
    wizard.check_page.export_report(str(report))
    assert report.exists()
    assert dump(db) == before


def test_wizard_mapping_corrected_and_saved(qtbot, db, tmp_path):
    rows = good_rows()
    rows[1] = [h.replace("姓名", "户成员") for h in HEADER]
    path = write_xlsx(tmp_path / "odd.xlsx", rows)
    wizard = ImportWizard(db, ACTOR)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.load(str(path))
    wizard.next()
    assert wizard.mapping_page.mapping()["户成员"] == ""
    wizard.mapping_page.set_field("户成员", "name")
    saved = tmp_path / "m.json"
    wizard.mapping_page.save(str(saved))
    assert load_mapping(saved)["户成员"] == "name"
    run_check(qtbot, wizard)
    assert wizard.check_page.isComplete(), wizard.check_page.summary.text()


def test_wizard_says_clearly_when_the_file_is_not_a_spreadsheet(qtbot, db, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    wizard = ImportWizard(db, ACTOR)
    qtbot.addWidget(wizard)
    wizard.file_page.load(str(path))
    assert not wizard.file_page.isComplete()
    assert "不是表格文件" in wizard.file_page.message.text()
