"""The same demo on SQLite and on PostgreSQL gives the same documents (issue 14): the roster
PDF's text, the bank file's cell values and the funds report (PDF text and spreadsheet
values) are equal, byte for byte in content."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess

import openpyxl
from sqlalchemy import select

from assistcase.db import open_database
from assistcase.io import bank as B
from assistcase.models import Area
from assistcase.reports import funds as F
from assistcase.reports import roster_pdf as RP
from assistcase.services import rosters as R
from assistcase.services.funds import funds_report

from .. import conftest
from ..conftest import ACTOR, demo_city

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
PRINTED = dt.datetime(2026, 11, 25, 9, 30)  # the time printed on the pages, the same for both


def approve(db, roster_id):
    R.review_roster(db, "reviewer", roster_id)
    R.approve_roster(db, "approver", roster_id)
    return roster_id


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def cells(path) -> list[list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def documents(db, out) -> dict[str, object]:
    """Pay a county for October (two failed bank payments) and November (their reissues),
    then make every document of November and the year."""
    out.mkdir()
    demo_city(db, households=400, seed=4, today=dt.date(2026, 11, 22))
    with db.read() as s:
        county = s.scalars(select(Area).where(Area.level == "county")
                           .order_by(Area.code)).first().id
    oct_dibao = approve(db, R.build_monthly_roster(
        db, ACTOR, R.MonthlyRosterInput(county, OCT, "dibao")).roster_id)
    bank = out / "oct.xlsx"
    B.write_bank_xlsx(db, oct_dibao, bank)
    refs = [r[0] for r in openpyxl.load_workbook(bank)[B.BANK_SHEET].iter_rows(
        min_row=2, values_only=True)]
    ret = out / "oct-return.xlsx"
    B.write_bank_return_template(bank, ret, failed={refs[1]: "账号错误", refs[5]: "已销户"},
                                 others="成功")
    B.import_bank_returns(db, ACTOR, oct_dibao, ret)
    nov = approve(db, R.build_monthly_roster(
        db, ACTOR, R.MonthlyRosterInput(county, NOV, "dibao")).roster_id)
    approve(db, R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(county, NOV,
                                                                         "tekun")).roster_id)
    B.write_bank_xlsx(db, nov, out / "nov-bank.xlsx")
    with db.read() as s:
        rep = funds_report(s, county, 2026)
    rep = dataclasses.replace(rep, generated_at=PRINTED)  # the footer's time, the same for both
    return {
        "roster pdf": pdf_text(RP.write_roster_pdf(db, nov, out / "nov.pdf", printed_at=PRINTED)),
        "notice pdf": pdf_text(RP.write_notice_pdf(db, nov, out / "notice.pdf", printed_at=PRINTED)),
        "bank xlsx": cells(out / "nov-bank.xlsx"),
        "funds pdf": pdf_text(F.write_funds_pdf(rep, out / "funds.pdf")),
        "funds xlsx": cells(F.write_funds_xlsx(rep, out / "funds.xlsx")),
    }


def test_the_same_demo_gives_the_same_documents_on_both_engines(
        tmp_path, _areas_template, _pg_work):
    conftest._DEMO_TEMPLATES["areas"] = _areas_template
    conftest._DEMO_TEMPLATES["pg_work"] = _pg_work
    path = tmp_path / "lite.sqlite3"
    shutil.copyfile(_areas_template, path)
    lite = open_database(path)
    _pg_work.reset("snap_areas")
    pg = open_database(_pg_work.url)
    lite.signed_in = pg.signed_in = conftest.ACTOR   # reads are the signed-in user's (issue 13)
    assert pg.is_postgresql and not lite.is_postgresql
    try:
        on_sqlite = documents(lite, tmp_path / "sqlite")
        on_pg = documents(pg, tmp_path / "postgresql")
    finally:
        lite.dispose()
        pg.dispose()
    assert len(on_sqlite["roster pdf"]) > 1000 and len(on_sqlite["bank xlsx"][0]) > 20
    for name in on_sqlite:
        assert on_pg[name] == on_sqlite[name], name
