"""Spreadsheet import: bad files give a report row or one file-level error and leave the
database exactly as it was; good files import, re-import idempotently and update with audit."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from assistcase.cli import main
from assistcase.errors import Cancelled
from assistcase.io import (ImportFileError, import_registry, load_mapping, preview, save_mapping,
                           write_report_xlsx)
from assistcase.models import (AuditEntry, Household, Income, Person, PersonSearchKey,
                              PropertyItem)
from assistcase.progress import CancelToken
from assistcase.services.queries import household_detail
from assistcase.services import registry as reg

from ..conftest import ACTOR, make_id

HEADER = ["序号", "乡镇", "村(社区)", "城乡类别", "救助类别", "家庭人口", "姓名", "身份证号",
          "与户主关系", "残疾等级", "联系电话", "家庭住址", "银行卡号", "开户银行"]
CARD = "6228480402564890018"  # passes Luhn


def person_row(n, name, id_number, relation, size, village="汤后堂村", township="庙颜乡",
               grade=None):
    return [n, township, village, "农村", "低保", size, name, id_number, relation, grade,
            "13900000000", f"庙颜乡{village}1组1号", CARD if relation == "户主" else None,
            "中国农业银行" if relation == "户主" else None]


def good_rows():
    """Two households, three persons, grouped by following the head's row (no key column)."""
    return [
        ["庙颜乡低保对象花名册"],
        list(HEADER),
        person_row(1, "王建国", make_id(birth=dt.date(1950, 3, 1), seq=11), "户主", 2),
        person_row(2, "李秀英", make_id(birth=dt.date(1952, 6, 2), seq=12), "配偶", 2, grade=2),
        person_row(3, "赵明", make_id(birth=dt.date(1970, 1, 5), seq=13), "户主", 1,
                   village="石西岗村"),
    ]


def write_xlsx(path, rows, sheet="花名册", merges=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def dump(db) -> list[str]:
    """Every statement needed to rebuild the database: equal dumps, equal databases."""
    with sqlite3.connect(db.path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def existing(db, village_ids):
    """One household already registered, so "unchanged" means more than "still empty"."""
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "urban", "dibao"),
                         [reg.PersonData("张三", make_id(seq=1))])
    return make_id(seq=1)


def assert_refused(db, path, column, reason_zh, **kw):
    before = dump(db)
    report = import_registry(db, ACTOR, path, **kw)
    assert not report.ok and not report.written
    hits = [i for i in report.errors if column in i.column and reason_zh in i.reason_zh]
    assert hits, [i.line("zh") for i in report.issues]
    assert all(i.sheet and i.reason_en and i.reason_zh for i in report.errors)
    assert dump(db) == before
    return report, hits[0]


# --- bad files ----------------------------------------------------------------------------


def test_good_file_imports(db, existing, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", good_rows())
    report = import_registry(db, ACTOR, path)
    assert report.ok and report.written, [i.line() for i in report.issues]
    assert (report.households_created, report.persons_created) == (2, 3)
    with db.read() as s:
        hh = s.scalar(select(Household).where(Household.head_name == "王建国"))
        detail = household_detail(s, hh.id)
        assert detail.village_path.endswith("庙颜乡 / 汤后堂村")
        assert (detail.residence_class, detail.category, detail.account_type) == \
            ("rural", "dibao", "card")
        assert [m.relation for m in detail.members] == ["head", "spouse"]
        assert detail.members[1].disability_grade == 2 and detail.members[1].sex == "F"
        assert hh.member_count == 2 and hh.head_pinyin == "wangjianguo"
        assert hh.number.endswith("-0001")
        keys = set(s.scalars(select(PersonSearchKey.key)
                             .where(PersonSearchKey.person_id == hh.head_person_id)))
        assert {"王建国", "建国", "wjg", "wangjianguo"} <= keys
        sources = set(s.scalars(select(AuditEntry.source)
                                .where(AuditEntry.household_id == hh.id)))
        assert sources == {"import: good.xlsx"}


def test_wrong_id_check_character(db, existing, tmp_path):
    rows = good_rows()
    bad = make_id(birth=dt.date(1952, 6, 2), seq=12)
    rows[3][7] = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    path = write_xlsx(tmp_path / "bad_id.xlsx", rows)
    _, issue = assert_refused(db, path, "身份证号", "校验位")
    assert (issue.sheet, issue.row, issue.value) == ("花名册", 4, rows[3][7])
    assert issue.column == "H 身份证号" and "check character" in issue.reason_en


def test_text_in_a_number_column(db, existing, tmp_path):
    rows = good_rows()
    rows[4][5] = "一口人"
    path = write_xlsx(tmp_path / "text_number.xlsx", rows)
    _, issue = assert_refused(db, path, "家庭人口", "不是整数")
    assert (issue.row, issue.value) == (5, "一口人")


def test_household_size_must_match_its_rows(db, existing, tmp_path):
    rows = good_rows()
    rows[2][5] = rows[3][5] = 3
    assert_refused(db, write_xlsx(tmp_path / "size.xlsx", rows), "家庭人口", "实际有2人")


def test_household_with_two_heads(db, existing, tmp_path):
    rows = good_rows()
    rows[3][8] = "户主"
    # With a household number column both rows belong to one household.
    rows[1] = ["户编号"] + HEADER[1:]
    rows[2][0] = rows[3][0] = "H1"
    rows[4][0] = "H2"
    path = write_xlsx(tmp_path / "two_heads.xlsx", rows)
    _, issue = assert_refused(db, path, "与户主关系", "2名户主")
    assert issue.row == 4


def test_duplicate_person_within_the_file(db, existing, tmp_path):
    rows = good_rows()
    rows[4][7] = rows[2][7]
    _, issue = assert_refused(db, write_xlsx(tmp_path / "dup.xlsx", rows), "身份证号",
                              "与第3行是同一人")
    assert issue.row == 5


def test_duplicate_person_against_the_database(db, existing, tmp_path):
    rows = good_rows()
    rows[3][7] = existing
    _, issue = assert_refused(db, write_xlsx(tmp_path / "dup_db.xlsx", rows), "身份证号",
                              "不能重复登记")
    assert "already a member of active household" in issue.reason_en


def test_unknown_village(db, existing, tmp_path):
    rows = good_rows()
    rows[4][2] = "不存在村"
    _, issue = assert_refused(db, write_xlsx(tmp_path / "village.xlsx", rows), "村(社区)",
                              "下没有村（社区）“不存在村”")
    assert issue.value == "不存在村"


def test_village_name_used_in_several_townships_needs_the_township(db, existing, tmp_path):
    rows = [[c for i, c in enumerate(r) if i != 1] for r in good_rows()]
    rows[0] = ["title"]
    for r in rows[2:]:
        r[1] = "东关社区"
    assert_refused(db, write_xlsx(tmp_path / "ambiguous.xlsx", rows), "村(社区)",
                   "请增加乡镇（街道）列")


def test_missing_relation_and_unknown_words(db, existing, tmp_path):
    rows = good_rows()
    rows[3][8] = "邻居"
    rows[3][3] = "郊区"
    report, _ = assert_refused(db, write_xlsx(tmp_path / "words.xlsx", rows), "与户主关系",
                               "不是有效的与户主关系")
    assert any("城乡类别" in i.column for i in report.errors)


def test_empty_sheet_is_a_file_level_error(db, existing, tmp_path):
    path = write_xlsx(tmp_path / "empty.xlsx", [])
    before = dump(db)
    with pytest.raises(ImportFileError) as e:
        import_registry(db, ACTOR, path)
    assert "empty" in e.value.message_en and "空" in e.value.message_zh
    assert dump(db) == before


def test_header_without_data_rows(db, existing, tmp_path):
    assert_refused(db, write_xlsx(tmp_path / "header_only.xlsx", [HEADER]), "", "没有数据行")


def test_merged_header_cells(db, existing, tmp_path):
    # A two-row header: "户主信息" over three columns, "序号" merged down over both rows.
    top = ["序号", "户主信息", None, None] + HEADER[4:]
    second = [None, "乡镇", "村(社区)", "城乡类别"] + [None] * (len(HEADER) - 4)
    rows = [top, second] + good_rows()[2:]
    path = write_xlsx(tmp_path / "merged.xlsx", rows,
                      merges=["A1:A2", "B1:D1"] + [f"{c}1:{c}2" for c in "EFGHIJKLMN"])
    report, issue = assert_refused(db, path, "", "合并")
    assert issue.row in (1, 2)


def test_column_with_values_but_no_header(db, existing, tmp_path):
    rows = good_rows()
    for r in rows[1:]:
        r.append("x")
    rows[1][-1] = None
    assert_refused(db, write_xlsx(tmp_path / "noname.xlsx", rows), "O", "没有列名")


@pytest.mark.parametrize("content, reason", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "不是表格文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "另存为 .xlsx"),
    (b"%PDF-1.4\n\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes([0x81, 0x00]) * 50,
     "不是表格文件"),
])
def test_not_a_spreadsheet(db, existing, tmp_path, content, reason):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(content)
    before = dump(db)
    with pytest.raises(ImportFileError) as e:
        import_registry(db, ACTOR, path)
    assert reason in e.value.message_zh and e.value.message_en
    assert dump(db) == before


def test_a_word_document_is_not_a_workbook(db, existing, tmp_path):
    path = tmp_path / "registry.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(ImportFileError) as e:
        import_registry(db, ACTOR, path)
    assert "not an Excel workbook" in e.value.message_en


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.98])
def test_truncated_xlsx(db, existing, tmp_path, keep):
    good = write_xlsx(tmp_path / "good.xlsx", good_rows())
    data = good.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: int(len(data) * keep)])
    before = dump(db)
    with pytest.raises(ImportFileError) as e:
        import_registry(db, ACTOR, path)
    assert "damaged or incomplete" in e.value.message_en and "损坏" in e.value.message_zh
    assert dump(db) == before


def test_id_number_stored_as_a_number_has_lost_digits(db, existing, tmp_path):
    rows = good_rows()
    rows[2][7] = float(rows[2][7][:-1] + "0") if rows[2][7][-1] != "X" else 4.1e17
    assert_refused(db, write_xlsx(tmp_path / "float_id.xlsx", rows), "身份证号", "已丢失末几位")


def test_sex_and_birth_date_must_match_the_id_number(db, existing, tmp_path):
    rows = good_rows()
    rows[1] += ["性别", "出生日期"]
    rows[2] += ["女", dt.date(1950, 3, 1)]
    rows[3] += ["女", "1952-06-03"]
    rows[4] += ["男", "1970/1/5"]
    report, _ = assert_refused(db, write_xlsx(tmp_path / "sexdate.xlsx", rows), "性别",
                               "性别与身份证号不符")
    assert [i.row for i in report.errors] == [3, 4]


# --- all or nothing, dry run, idempotence, updates ------------------------------------------


def test_dry_run_shows_changes_and_writes_nothing(db, existing, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", good_rows())
    before = dump(db)
    report = import_registry(db, ACTOR, path, dry_run=True)
    assert report.ok and not report.written
    assert dump(db) == before
    creates = [(c.entity, c.row) for c in report.changes if c.action == "create"]
    assert creates == [("household", 3), ("person", 3), ("person", 4), ("household", 5),
                       ("person", 5)]


def test_reimport_is_idempotent_and_a_changed_row_updates_with_audit(db, existing, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", good_rows())
    assert import_registry(db, ACTOR, path).written
    before = dump(db)
    again = import_registry(db, ACTOR, path)
    assert again.ok and not again.written
    assert (again.persons_created, again.persons_updated, again.persons_unchanged) == (0, 0, 3)
    assert dump(db) == before

    rows = good_rows()
    rows[3][9] = 1  # disability grade 2 → 1
    rows[2][11] = rows[3][11] = "庙颜乡汤后堂村2组8号"  # address changed
    changed = write_xlsx(tmp_path / "changed.xlsx", rows)
    report = import_registry(db, ACTOR, changed)
    assert report.written and (report.households_updated, report.persons_updated) == (1, 1)
    assert (report.households_created, report.persons_created) == (0, 0)
    with db.read() as s:
        p = s.scalar(select(Person).where(Person.name == "李秀英"))
        assert p.disability_grade == 1
        rows_ = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "update")))
        assert {(a.entity, a.field, a.old_value, a.new_value, a.source) for a in rows_} == {
            ("person", "disability_grade", "2", "1", "import: changed.xlsx"),
            ("household", "address", "庙颜乡汤后堂村1组1号", "庙颜乡汤后堂村2组8号",
             "import: changed.xlsx")}


def test_reimport_adds_a_member_and_changes_the_head(db, existing, tmp_path):
    rows = good_rows()
    rows[1] = ["户编号"] + HEADER[1:]
    rows[2][0] = rows[3][0] = "X-1"
    rows[4][0] = "X-2"
    import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", rows))
    rows[2][8], rows[3][8] = "配偶", "户主"  # the wife becomes head
    rows.append(person_row("X-1", "王小明", make_id(birth=dt.date(1990, 1, 1), seq=15), "子女",
                           3))
    rows[2][5] = rows[3][5] = 3
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "b.xlsx", rows))
    assert report.written, [i.line() for i in report.issues]
    with db.read() as s:
        hh = s.scalar(select(Household).where(Household.number == "X-1"))
        assert (hh.head_name, hh.member_count) == ("李秀英", 3)
        assert s.scalar(select(AuditEntry.source).where(
            AuditEntry.entity == "household", AuditEntry.field == "head_person_id",
            AuditEntry.action == "update")) == "import: b.xlsx"


def test_head_change_without_the_old_heads_row_is_refused(db, existing, tmp_path):
    rows = good_rows()
    rows[1] = ["户编号"] + HEADER[1:]
    rows[2][0] = rows[3][0] = "X-1"
    rows[4][0] = "X-2"
    import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", rows))
    rows[3][8] = "户主"
    del rows[2]
    rows[2][5] = None
    assert_refused(db, write_xlsx(tmp_path / "b.xlsx", rows), "与户主关系", "如需更换户主")


def test_cancel_rolls_everything_back(db, existing, tmp_path):
    path = write_xlsx(tmp_path / "good.xlsx", good_rows())
    token = CancelToken()

    def progress(fraction, message):
        if message.startswith("writing"):
            token.cancel()

    before = dump(db)
    with pytest.raises(Cancelled):
        import_registry(db, ACTOR, path, progress=progress, cancel=token)
    assert dump(db) == before


# --- csv, mappings, report ----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_in_gbk_and_utf8(db, tmp_path, encoding):
    import csv

    path = tmp_path / "register.csv"
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(good_rows()[1:])
    report = import_registry(db, ACTOR, path)
    assert report.written and report.persons_created == 3, [i.line() for i in report.issues]
    with db.read() as s:
        assert s.scalar(select(Household.head_name).where(Household.member_count == 2)) == "王建国"


def test_households_keyed_by_the_heads_id_number(db, tmp_path):
    head = make_id(birth=dt.date(1950, 3, 1), seq=11)
    rows = [["户主身份证号", "村(社区)代码", "城乡类别", "姓名", "公民身份号码", "与户主关系"],
            [head, "411402012001", "农村", "孙子", make_id(birth=dt.date(2012, 1, 1), seq=3),
             "孙子"],
            [make_id(seq=40), "411402012001", "农村", "周五", make_id(seq=40), "本人"],
            [head, "411402012001", "农村", "王建国", head, "本人"]]
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "byhead.xlsx", rows))
    assert report.written and report.households_created == 2, [i.line() for i in report.issues]
    with db.read() as s:
        hh = s.scalar(select(Household).where(Household.head_name == "王建国"))
        assert hh.member_count == 2 and hh.village.code == "411402012001"


def test_user_mapping_is_saved_and_reused(db, tmp_path):
    rows = good_rows()
    rows[1] = [h.replace("姓名", "户成员").replace("与户主关系", "称谓") for h in HEADER]
    path = write_xlsx(tmp_path / "odd.xlsx", rows)
    first = preview(path)
    assert first.layout.header_row == 2
    assert first.layout.fields[rows[1].index("户成员")] == ""
    refused = import_registry(db, ACTOR, path)
    assert [i.column for i in refused.errors] == ["", ""]  # two required columns missing
    mapping_file = save_mapping({"户成员": "name", "称谓": "relation", "序号": ""},
                                tmp_path / "mapping.json")
    mapping = load_mapping(mapping_file)
    assert preview(path, mapping=mapping).layout.fields[6:9] == ["name", "id_number",
                                                                 "relation"]
    assert import_registry(db, ACTOR, path, mapping=mapping).persons_created == 3


def test_bad_mapping_file(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"columns": {"姓名": "nickname"}}', encoding="utf-8")
    with pytest.raises(ImportFileError) as e:
        load_mapping(path)
    assert "nickname" in e.value.message_en


def test_report_exports_as_xlsx(db, existing, tmp_path):
    rows = good_rows()
    rows[4][2] = "不存在村"
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "village.xlsx", rows))
    out = write_report_xlsx(report, tmp_path / "report.xlsx")
    wb = openpyxl.load_workbook(out, read_only=True)
    issues = list(wb["问题 Issues"].iter_rows(values_only=True))
    wb.close()
    assert issues[0][:4] == ("工作表 Sheet", "行 Row", "列 Column", "值 Value")
    assert ("花名册", 5, "C 村(社区)", "不存在村", "错误 error") == issues[1][:5]
    assert "汤后堂村" not in issues[1][5] and "不存在村" in issues[1][5] and issues[1][6]


def test_cli_import_dry_run_report_and_exit_codes(db, db_path, existing, tmp_path, capsys):
    good = write_xlsx(tmp_path / "good.xlsx", good_rows())
    assert main(["--db", str(db_path), "import", str(good), "--dry-run", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "would create household" in out and "dry run, nothing written" in out
    rows = good_rows()
    rows[4][2] = "不存在村"
    bad = write_xlsx(tmp_path / "bad.xlsx", rows)
    report = tmp_path / "r.xlsx"
    assert main(["--db", str(db_path), "import", str(bad), "--report", str(report),
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "花名册!5 [C 村(社区)] '不存在村': no village 不存在村 in township 庙颜乡" in err
    assert report.exists()
    assert main(["--db", str(db_path), "import", str(good), "--quiet"]) == 0
    assert "households created 2" in capsys.readouterr().out
    not_sheet = tmp_path / "x.xlsx"
    not_sheet.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["--db", str(db_path), "import", str(not_sheet)]) == 2
    assert "not a spreadsheet" in capsys.readouterr().err


def test_incomes_and_property_in_fen_replaced_when_changed_with_audit(db, existing, tmp_path):
    rows = good_rows()
    rows[1] += ["本人月收入", "家庭财产"]
    rows[2] += ["养老金 150.5元（城乡居民基础养老金）", "住房 30000元（自建房）"]
    rows[3] += [None, None]
    rows[4] += ["工资性收入 1800元；其他 0.01元", None]
    assert import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", rows)).written
    with db.read() as s:
        got = sorted((i.source, i.monthly_fen, i.note) for i in s.scalars(select(Income)))
        assert got == [("other", 1, ""), ("pension", 15050, "城乡居民基础养老金"),
                       ("wages", 180000, "")]
        assert [(p.kind, p.value_fen) for p in s.scalars(select(PropertyItem))] == \
            [("housing", 3000000)]
    assert not import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", rows)).written

    rows[2][-2] = "养老金 160元（城乡居民基础养老金）"
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "b.xlsx", rows))
    assert report.written and report.households_updated == 1
    with db.read() as s:
        assert sorted(i.monthly_fen for i in s.scalars(select(Income))) == [1, 16000, 180000]
        audit = {(a.action, a.entity, a.field, a.old_value, a.new_value) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.source == "import: b.xlsx",
                                     AuditEntry.field == "monthly_fen"))}
        assert audit == {("delete", "income", "monthly_fen", "15050", None),
                         ("create", "income", "monthly_fen", None, "16000")}


def test_bad_money_items_are_reported(db, existing, tmp_path):
    rows = good_rows()
    rows[1] += ["本人月收入"]
    rows[2] += ["工资 12.345元"]
    rows[3] += ["邻居接济 100元"]
    rows[4] += [None]
    report, _ = assert_refused(db, write_xlsx(tmp_path / "money.xlsx", rows), "本人月收入",
                               "金额最多两位小数")
    assert [i.row for i in report.errors] == [3, 4]


def test_heads_id_column_must_match_the_heads_row(db, existing, tmp_path):
    head = make_id(birth=dt.date(1950, 3, 1), seq=11)
    rows = [["户主身份证号", "村(社区)代码", "城乡类别", "姓名", "公民身份号码", "与户主关系"],
            [make_id(seq=41), "411402012001", "农村", "王建国", head, "户主"]]
    _, issue = assert_refused(db, write_xlsx(tmp_path / "headkey.xlsx", rows), "户主身份证号",
                              "与户主本人的身份证号")
    assert issue.row == 2
