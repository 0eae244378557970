"""Issue 18, everyday use: each defect found by trying the app as a new user, one test each."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from assistcase.services import registry as reg
from ui.main_window import MainWindow

from ..conftest import ACTOR, make_id


@pytest.fixture
def households(db, village_ids):
    def make(name, seq, village=0, **kw):
        return reg.create_household(
            db, ACTOR, reg.HouseholdData(village_ids[village], "rural", **kw),
            [reg.PersonData(name, make_id(seq=seq))]).created_id
    return {"张三": make("张三", 1), "王五": make("王五", 3, 1)}


def answer_dialogs(seen):
    """Close each message box the code under test opens, keeping its text."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(10)

    def poll():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.done(0)
    timer.timeout.connect(poll)
    timer.start()
    return timer


def test_read_only_household_is_not_asked_to_discard_unsaved_changes(qtbot, db, zh, households):
    w = MainWindow(db, ACTOR, read_only=True)
    qtbot.addWidget(w)
    w.show()
    editor = w.open_household(households["张三"])
    assert not editor.dirty
    asked: list[str] = []
    timer = answer_dialogs(asked)  # a prompt would block in exec(): note it and close it
    editor.reject()
    timer.stop()
    assert asked == [] and not editor.isVisible()


@pytest.fixture
def window(qtbot, db, zh, households):
    w = MainWindow(db, ACTOR)
    qtbot.addWidget(w)
    w.show()
    yield w
    if "registry" in w.pages and w.registry.editor is not None:
        w.registry.editor.discard()


def _activate(qtbot, widget):
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)


def test_alt_v_reaches_the_village_field_and_alt_h_the_aid_household_search(window, qtbot,
                                                                           households):
    from PySide6.QtCore import Qt

    editor = window.open_household(households["张三"])
    _activate(qtbot, editor)
    editor.address.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: editor.village.hasFocus())
    editor.discard()
    page = window.show_page("aid")
    form = page.form
    form.search.clearFocus()
    _activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: form.search.hasFocus())


def test_tab_from_the_bank_field_goes_to_the_members_and_a_typed_name_is_kept(window, qtbot,
                                                                              households):
    from PySide6.QtCore import Qt

    editor = window.open_household(households["张三"])
    _activate(qtbot, editor)
    editor.bank_name.setFocus()
    qtbot.waitUntil(editor.bank_name.hasFocus)
    qtbot.keyClick(editor.bank_name, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: editor.members.hasFocus())
    for ch in "Zhang":  # the first key opens the cell's editor, the rest go into it
        qtbot.keyClicks(QApplication.focusWidget(), ch)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # commits (queued)
    qtbot.waitUntil(lambda: editor.members.item(0, 0).text() == "Zhang")
    assert editor.dirty


def test_a_save_shows_every_error_at_once(window, qtbot, db, village_ids, households):
    from ui.household_editor import M_ID, M_NAME

    editor = window.open_household(households["王五"])
    editor.phone.setText("电话号码")  # refused: digits and '-' only
    editor._mark_dirty()
    r = editor.add_member_row()
    editor.members.item(r, M_NAME).setText("张三")
    editor.members.item(r, M_ID).setText(make_id(seq=1))  # held by 张三's household
    assert not editor.save()
    assert editor.findChild(type(editor.title), "error_phone").isVisible()
    assert "已在户" in editor.member_errors.text()


def test_corrected_id_loses_its_red_line_when_edited(window, qtbot, village_ids):
    from ui.household_editor import M_ID, M_NAME

    editor = window.registry.new_household()
    editor.members.item(0, M_NAME).setText("孙七")
    editor.members.item(0, M_ID).setText(make_id(seq=7)[:-1] + "0")  # wrong check character
    assert not editor.save()
    assert editor.member_errors.isVisible()
    editor.members.item(0, M_ID).setText(make_id(seq=7))  # corrected
    assert not editor.member_errors.isVisible()
    assert editor.members.item(0, M_ID).background().style() == editor.members.item(0, 0).background().style()


def test_choosing_a_rural_village_sets_urban_rural_to_rural(window, db):
    from assistcase.models import Area
    from sqlalchemy import select

    editor = window.registry.new_household()
    with db.read() as s:
        rural = s.scalar(select(Area.id).where(Area.level == "village", Area.name.like("%村"))
                         .order_by(Area.code))
        urban = s.scalar(select(Area.id).where(Area.level == "village", Area.name.like("%社区"))
                         .order_by(Area.code))
    editor._set_combo(editor.village, urban)
    assert editor.residence_class.currentData() == "urban"
    editor._set_combo(editor.village, rural)
    assert editor.residence_class.currentData() == "rural"


def test_dibao_category_is_refused_on_a_household_with_no_case(db, window, households):
    from assistcase.errors import ValidationError

    with pytest.raises(ValidationError) as e:
        reg.save_household(db, ACTOR, households["张三"], {"category": "dibao"}, [])
    assert e.value.errors[0].field == "category" and "低保" in e.value.message_zh
    editor = window.open_household(households["张三"])
    editor._set_combo(editor.category, "dibao")
    assert not editor.save()
    assert "审核确认" in editor.findChild(type(editor.title), "error_category").text()
    editor.discard()
    new = window.registry.new_household()
    assert new.category.findData("dibao") < 0 and new.category.findData("tekun") < 0


def test_progress_dialogs_speak_one_language():
    from ui.tasks import progress_text

    assert progress_text("pages 351/1431 第351/1431页", True) == "第351/1431页"
    assert progress_text("pages 351/1431 第351/1431页", False) == "pages 351/1431"
    assert progress_text("lines 生成明细", True) == "生成明细"
    assert progress_text("lines 生成明细", False) == "lines"
    assert progress_text("完成", False, "Building") == "Building"
    assert progress_text("1,000 rows read 已读取1,000行", True) == "已读取1,000行"


def test_progress_dialog_label_is_in_chinese(qtbot, zh):
    from ui.tasks import BackgroundTask

    task = BackgroundTask(lambda progress, cancel: progress(0.5, "lines 生成明细"), "生成花名册")
    with qtbot.waitSignal(task.finished, timeout=10000):
        task.start()
    assert task._dialog.labelText() == "生成明细"


def test_case_log_names_its_steps_in_chinese():
    import datetime as dt

    from assistcase.services.cases import EventView

    e = EventView("economic_check", dt.date(2026, 1, 5), "王五", "", "not passed: 收入超标",
                  dt.datetime(2026, 1, 5))
    assert e.text("zh") == "2026-01-05 家庭经济状况核对 王五 未通过：收入超标"
    assert e.text("en") == "2026-01-05 economic status check 王五 not passed: 收入超标"
    c = EventView("coverage", dt.date(2026, 1, 5), "王五", "",
                  "not covered from 2026-02 自2026年02月起停保: 张三", dt.datetime(2026, 1, 5))
    assert "apply" not in c.text("zh") and "自2026年02月起停保" in c.text("zh")
    assert "not covered from 2026-02" in c.text("en") and "停保" not in c.text("en")


def test_qt_own_dialogs_speak_chinese(qtbot, zh):
    from PySide6.QtWidgets import QFileDialog, QLabel

    dlg = QFileDialog()
    dlg.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dlg)
    texts = {lbl.text() for lbl in dlg.findChildren(QLabel)}
    assert "查找范围(&L)：" in texts and "文件类型(&T)：" in texts
    assert not any("Look in" in t or "Files of" in t for t in texts)


def test_aid_documents_checklist_speaks_english_in_english(qtbot, qapp):
    from PySide6.QtCore import QLocale, Qt

    from ui.aid_page import _checked, _documents_list

    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    try:
        docs = _documents_list(["火灾事故认定书"])
        qtbot.addWidget(docs)
    finally:
        QLocale.setDefault(before)
    texts = [docs.item(i).text() for i in range(docs.count())]
    assert "fire report" in texts and not any("\u4e00" <= ch <= "\u9fff" for t in texts for ch in t)
    assert _checked(docs) == ["火灾事故认定书"]  # stored as the document's Chinese name
    assert docs.item(0).checkState() == Qt.CheckState.Unchecked


def test_widths_saved_while_a_list_was_empty_do_not_cut_its_rows_later(qtbot):
    """The rosters list showed "202…" for its month and "1,146,864.…" for its total at
    1366×768: the widths restored were saved when the list was still empty (sized to the
    headers). A restored column is widened to what its rows need, never narrowed."""
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    from ui.list_tools import ListTools

    def table(rows):
        t = QTableWidget(len(rows), 2)
        t.setHorizontalHeaderLabels(["月份", "合计（元）"])
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                t.setItem(r, c, QTableWidgetItem(text))
        t.resizeColumnsToContents()
        qtbot.addWidget(t)
        return t

    empty = table([])
    ListTools(empty, "widths-test").save()
    saved = [empty.horizontalHeader().sectionSize(c) for c in range(2)]
    full = table([("2026-11", "1,146,864.00")])
    need = [full.sizeHintForColumn(c) for c in range(2)]
    assert all(s < n for s, n in zip(saved, need)), (saved, need)  # the case of the defect
    tools = ListTools(full, "widths-test")
    assert all(full.horizontalHeader().sectionSize(c) >= need[c] for c in range(2))
    # a column the user made wider stays wider
    full.horizontalHeader().resizeSection(0, need[0] + 80)
    tools.save()
    again = table([("2026-11", "1,146,864.00")])
    ListTools(again, "widths-test")
    assert again.horizontalHeader().sectionSize(0) == need[0] + 80
