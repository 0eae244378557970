"""The old Excel format (.xls, as townships still receive it) imports like .xlsx: the fixture
tests/data/registry-twin.xls is LibreOffice Calc's `--convert-to xls` of registry-twin.xlsx
(tests/data/make_registry_xls.py), and both give the same households and persons."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistcase.db import open_database
from assistcase.io import ImportFileError, import_registry, preview
from assistcase.io.tables import open_table
from assistcase.services.areas import load_areas_csv

from ..conftest import ACTOR

DATA = Path(__file__).resolve().parent.parent / "data"
XLSX = DATA / "registry-twin.xlsx"
XLS = DATA / "registry-twin.xls"


def _content(path: Path) -> dict[str, list[tuple]]:
    """What the import stored, without ids and timestamps."""
    with sqlite3.connect(path) as conn:
        return {
            "households": conn.execute(
                "SELECT h.number, a.name, h.residence_class, h.category, h.status, h.address,"
                " h.phone, h.account_type, h.account_number, h.bank_name, h.head_name,"
                " h.head_pinyin, h.member_count FROM households h JOIN areas a"
                " ON a.id = h.village_id ORDER BY h.number").fetchall(),
            "persons": conn.execute(
                "SELECT h.number, p.name, p.id_number, p.birth_date, p.sex, p.relation,"
                " p.disability_grade, p.phone FROM persons p JOIN households h"
                " ON h.id = p.household_id ORDER BY p.id_number").fetchall(),
            "incomes": conn.execute(
                "SELECT p.id_number, i.source, i.monthly_fen FROM incomes i"
                " JOIN persons p ON p.id = i.person_id ORDER BY 1, 2").fetchall(),
            "keys": conn.execute(
                "SELECT k.key, p.id_number FROM person_search_keys k"
                " JOIN persons p ON p.id = k.person_id ORDER BY 1, 2").fetchall(),
        }


def _import(tmp_path: Path, source: Path) -> dict[str, list[tuple]]:
    path = tmp_path / f"{source.suffix[1:]}.sqlite3"
    db = open_database(path)
    load_areas_csv(db, ACTOR)
    report = import_registry(db, ACTOR, source)
    db.dispose()
    assert report.ok and report.written, [i.line() for i in report.issues]
    assert (report.households_created, report.persons_created) == (3, 6)
    return _content(path)


def test_the_fixture_is_a_real_old_format_workbook():
    head = XLS.read_bytes()[:8]
    assert head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2, not a renamed .xlsx
    with open_table(XLS) as table:
        assert table.kind == "xls" and table.sheet_names() == ["花名册"]
        xls_rows = list(table.rows("花名册"))
    with open_table(XLSX) as table:
        assert list(table.rows("花名册")) == xls_rows


def test_xls_imports_the_same_households_as_its_xlsx_twin(tmp_path):
    from_xls = _import(tmp_path, XLS)
    from_xlsx = _import(tmp_path, XLSX)
    assert from_xls == from_xlsx
    assert len(from_xls["households"]) == 3 and len(from_xls["persons"]) == 6
    assert ("王建国", "411402195003010111") in from_xls["keys"]
    assert {i[2] for i in from_xls["incomes"]} == {15000, 120050}


def test_xls_preview_shows_the_header_and_rows():
    shown = preview(XLS)
    assert shown.sheets == ["花名册"] and shown.layout.header_row == 2
    assert [r[6] for r in shown.rows] == ["王建国", "李秀英", "王小明", "赵明", "孙桂兰", "周强"]


def test_damaged_xls_is_refused_with_save_as_xlsx(tmp_path):
    path = tmp_path / "cut.xls"
    path.write_bytes(XLS.read_bytes()[:3000])
    with pytest.raises(ImportFileError) as e:
        with open_table(path) as table:
            list(table.rows(table.sheet_names()[0]))
    assert "另存为 .xlsx" in e.value.message_zh and ".xls" in e.value.message_en
