"""The audit of a spreadsheet import (issue 20): one row per record it creates, shown field by
field on the history page as the services' rows are, and chained like every other row."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from assistcase.io import import_registry
from assistcase.models import AuditEntry, Household, Income, Person
from assistcase.services import registry as reg
from assistcase.services.audit import verify_audit_log
from assistcase.services.history import household_history

from ..conftest import ACTOR, make_id
from .test_import import good_rows, write_xlsx


def _lines(entry) -> dict[str, str]:
    return {ln.label: ln.new for ln in entry.lines}


def test_import_writes_one_audit_row_per_record_shown_field_by_field(db, village_ids, tmp_path):
    rows = good_rows()
    rows[1] += ["本人月收入"]
    rows[2] += ["养老金 150.5元（城乡居民基础养老金）"]
    rows[3] += [None]
    rows[4] += [None]
    report = import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", rows))
    assert report.written and report.persons_created == 3
    with db.read() as s:
        hid, = s.scalars(select(Person.household_id).where(Person.name == "王建国"))
        creates = s.scalar(select(func.count()).select_from(AuditEntry)
                           .where(AuditEntry.source == "import: a.xlsx",
                                  AuditEntry.action == "create"))
        records = (s.scalar(select(func.count()).select_from(Household))
                   + s.scalar(select(func.count()).select_from(Person))
                   + s.scalar(select(func.count()).select_from(Income)))
    assert creates == records == 2 + 3 + 1  # one row each, not one per field

    entries = household_history(db, hid, "zh")
    text = "\n".join(f"{e.record} {e.summary()}" for e in entries)
    assert "{" not in text and "monthly_fen" not in text, text
    person = next(e for e in entries if e.record == "成员 王建国")
    assert _lines(person)["姓名"] == "王建国"
    assert _lines(person)["与户主关系"] == "户主"
    assert _lines(person)["出生日期"] == "1950-03-01"
    income = next(e for e in entries if e.record.startswith("收入"))
    assert _lines(income)["月收入"] == "150.50 元"
    assert _lines(income)["收入来源"] == "养老金"
    household = next(e for e in entries if e.record.startswith("家庭户"))
    assert _lines(household)["城乡类别"] in ("城市", "农村")
    assert verify_audit_log(db).ok


def test_imported_person_reads_as_one_created_by_the_service(db, village_ids, tmp_path):
    """The same fields, labelled and valued alike, whichever way the person was created."""
    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[0], "urban", "dibao"),
                         [reg.PersonData("张三", make_id(birth=dt.date(1950, 3, 1), seq=21))])
    assert import_registry(db, ACTOR, write_xlsx(tmp_path / "a.xlsx", good_rows())).written
    with db.read() as s:
        by_service, = s.scalars(select(Person.household_id).where(Person.name == "张三"))
        by_import, = s.scalars(select(Person.household_id).where(Person.name == "王建国"))
    service = next(e for e in household_history(db, by_service, "en")
                   if e.action == "create" and e.record.startswith("Member"))
    imported = next(e for e in household_history(db, by_import, "en")
                    if e.action == "create" and e.record.startswith("Member"))
    assert {ln.field for ln in service.lines} <= {ln.field for ln in imported.lines} | {
        "disability_grade"}
    assert {"name", "id_number", "birth_date", "sex", "relation", "household_id"} <= \
        {ln.field for ln in imported.lines}
    assert _lines(imported)["sex"] in ("male", "female")  # the label, not the code
