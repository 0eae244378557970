"""The printed roster (发放花名册) and the public notice (公示名单): read back with poppler."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select, text

from assistcase.db import open_database
from assistcase.demo import generate_demo_city
from assistcase.errors import Cancelled
from assistcase.rules.idnumber import mask_id
from assistcase.models import Area
from assistcase.progress import CancelToken
from assistcase.reports import roster_pdf as RP
from assistcase.services import rosters as R
from assistcase.services.areas import load_areas_csv
from assistcase.services.care import CareInstitutionInput, save_care_institution

from ..conftest import ACTOR, open_test_db

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or
                                shutil.which("pdfinfo") is None,
                                reason="needs poppler-utils")

NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)
AMOUNT = r"(-?[\d,]+\.\d\d)"
INSTITUTIONS = ("市社会福利院", "城关敬老院")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A demo city of 500 households: November's city-wide dibao roster approved (named
    clerks), corrections and a failed payment carried into December's roster of the first
    county (a draft), and a reviewed extreme-hardship roster."""
    path = tmp_path_factory.mktemp("rosterpdf") / "city.sqlite3"
    db = open_test_db(path)
    load_areas_csv(db, ACTOR)
    generate_demo_city(db, ACTOR, households=500, seed=3, today=dt.date(2026, 11, 22))
    with db.read() as s:
        city_area = s.scalar(select(Area).where(Area.level == "city").order_by(Area.code))
        county = s.scalars(select(Area).where(Area.level == "county")
                           .order_by(Area.code)).first()
    # Some payees have no account (paid in cash); some extreme-hardship persons live in
    # institutions (集中供养), one of which has an account registered.
    with db.begin() as s:
        s.execute(text("UPDATE households SET account_type = 'none', account_number = ''"
                       " WHERE id IN (SELECT household_id FROM assistance_cases"
                       " WHERE program = 'dibao' ORDER BY id DESC LIMIT 7)"))
        tekun_ids = s.scalars(text("SELECT id FROM assistance_cases WHERE program = 'tekun'"
                                   " ORDER BY id LIMIT 9")).all()
        for k, case_id in enumerate(tekun_ids):
            s.execute(text("UPDATE assistance_cases SET support_mode = 'centralized',"
                           " institution_name = :n WHERE id = :i"),
                      {"n": INSTITUTIONS[k % 2], "i": case_id})
    save_care_institution(db, ACTOR, CareInstitutionInput(INSTITUTIONS[0], "中国农业银行商丘分行",
                                                          "6228480000000012345"))
    nov = R.build_monthly_roster(db, "制表员甲", R.MonthlyRosterInput(city_area.id, NOV, "dibao"))
    R.review_roster(db, "审核员乙", nov.roster_id)
    R.approve_roster(db, "审批员丙", nov.roster_id)
    with db.read() as s:
        first = [line for _, line in zip(range(4), R.iter_lines(s, nov.roster_id))]
    R.record_adjustment(db, ACTOR, first[0].id, 12_345, "少发")
    R.record_adjustment(db, ACTOR, first[1].id, -2_000, "多发")
    R.record_bank_returns(db, ACTOR, nov.roster_id, "ret.csv", "0" * 64,
                          [R.PaymentOutcome(first[2].id, "failed", "账户冻结"),
                           R.PaymentOutcome(first[3].id, "paid")])
    dec = R.build_monthly_roster(db, "制表员甲", R.MonthlyRosterInput(county.id, DEC, "dibao"))
    tekun = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city_area.id, NOV, "tekun"))
    R.review_roster(db, "审核员乙", tekun.roster_id)
    yield {"db": db, "nov": nov.roster_id, "dec": dec.roster_id, "tekun": tekun.roster_id,
           "institution_cases": tekun_ids}
    db.dispose()


def pdf_text(path) -> list[str]:
    """The text of each page (pdftotext -layout; pages end with a form feed)."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    pages = out.split("\f")
    assert pages[-1].strip() == ""
    return pages[:-1]


def page_count(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert "841.89 x 595.276 pts (A4)" in info  # landscape A4
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))


def fen(amount: str) -> int:
    whole, cents = amount.replace(",", "").split(".")
    return int(whole) * 100 + (int(cents) if not whole.startswith("-") else -int(cents))


def totals_rows(pages: list[str], marker: str) -> list[tuple[str, int]]:
    """(label, amount in fen) of each row whose label ends in ``marker`` (小计, 合计, 总计):
    label, households (户) or lines (笔), persons, amount, perhaps a note on cash."""
    rows = []
    for page in pages:
        for ln in page.splitlines():
            m = re.match(rf"^\s*(\S*{marker})\s+[\d,]+\s*[户笔]\s+(?:[\d,]+\s+)?{AMOUNT}(\s|$)",
                         ln)
            if m:
                rows.append((m.group(1), fen(m.group(2))))
    return rows


LINE_ROW = re.compile(rf"^\s*(\d+)\s+\S+\s+\S+\s+\d{{17}}[\dX]\s+\d+\s+\S+\s+{AMOUNT}\s+(\S+)")


def test_totals_reconcile_to_the_fen(city, tmp_path):
    db, rid = city["db"], city["nov"]
    out = RP.write_roster_pdf(db, rid, tmp_path / "roster.pdf")
    pages = pdf_text(out)
    with db.read() as s:
        view = R.roster_view(s, rid)
        groups = R.village_totals(s, rid)
        printed = RP.print_groups(s, rid)
        db_sum, db_lines = s.execute(text(
            "SELECT SUM(amount_fen), COUNT(*) FROM roster_lines WHERE roster_id = :r"),
            {"r": rid}).one()
    subtotals = [r for r in totals_rows(pages, "小计") if r[0] != "本页小计"]
    counties = {g.township_code[:6]: g for g in printed}
    county_names = {g.county_name for g in counties.values()}
    all_totals = totals_rows(pages, "合计")
    townships = [r for r in all_totals if r[0][:-2] not in county_names]
    county_totals = [r for r in all_totals if r[0][:-2] in county_names]
    grand = totals_rows(pages, "总计")
    assert len(subtotals) == len(groups) > 20
    assert [label for label, _ in subtotals] == [f"{g.village_name}小计" for g in groups]
    assert [amount for _, amount in subtotals] == [g.amount_fen for g in groups]
    assert len(townships) == len({g.township_code for g in groups}) > 1
    assert len(grand) == 1
    total = grand[0][1]
    assert total == sum(a for _, a in subtotals) == sum(a for _, a in townships)
    assert total == db_sum == view.total_fen
    # A city roster totals each county (and its township headings name the county).
    assert len(county_totals) == len(counties) > 1
    assert total == sum(a for _, a in county_totals)
    by_county = {}
    for g in groups:
        by_county[g.township_code[:6]] = by_county.get(g.township_code[:6], 0) + g.amount_fen
    assert [a for _, a in county_totals] == [by_county[c] for c in sorted(by_county)]
    body = "".join(pages)
    assert all(re.search(rf"^{g.county_name}\s+{g.township_name}\s*$", body, re.M)
               for g in printed)
    # Every line printed once, with its sequence number and amount.
    seqs = [int(m.group(1)) for page in pages for m in
            re.finditer(r"^\s*(\d+)\s+\S+\s+\S+\s+\d{17}[\dX]\s", page, re.M)]
    assert seqs == list(range(1, db_lines + 1))
    # The first page says what it is: title, period, office, status.
    first = pages[0]
    assert view.title in first and "2026年11月" in first and view.issuing_office in first
    assert "已审批" in first and "未审批" not in "".join(pages)
    # The bank file of the same roster, read back, pays the same total to the fen.
    from decimal import Decimal

    import openpyxl

    from assistcase.io import bank as B

    B.write_bank_xlsx(db, rid, tmp_path / "bank.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "bank.xlsx", read_only=True)
    paid = 0
    for sheet in (B.BANK_SHEET, B.CASH_SHEET):
        rows = list(wb[sheet].iter_rows(min_row=2, values_only=True))
        cents = [Decimal(repr(r[5])) * 100 for r in rows if r and r[5] is not None]
        assert all(c == c.to_integral_value() for c in cents)
        paid += int(sum(cents))
    wb.close()
    assert paid == total == db_sum


def page_subtotals(pages: list[str]) -> list[tuple[int, int, int, int, int]]:
    """Per page: (lines and fen of the lines printed on it, its 本页小计 lines and fen, its
    累计 fen)."""
    out = []
    for page in pages:
        amounts = [fen(m.group(2)) for m in map(LINE_ROW.match, page.splitlines()) if m]
        sub = re.findall(rf"^\s*本页小计\s+([\d,]+)\s*笔\s+(?:[\d,]+\s+)?{AMOUNT}\s*$", page,
                         re.M)
        carried = re.findall(rf"^\s*累计\s+[\d,]+\s*笔\s+(?:[\d,]+\s+)?{AMOUNT}\s*$", page,
                             re.M)
        assert len(sub) == len(carried) == 1, page
        out.append((len(amounts), sum(amounts), int(sub[0][0].replace(",", "")),
                    fen(sub[0][1]), fen(carried[0])))
    return out


@pytest.mark.parametrize("which", ["nov", "tekun", "dec"])
def test_page_subtotals_carry_forward_and_capitals(city, tmp_path, which):
    """Every page's 本页小计 is the sum of the lines on it, 累计 carries them forward to the
    grand total, and the total in capitals spells the same amount; bank and cash apart."""
    from assistcase.rules.capitals import fen_from_capitals

    db, rid = city["db"], city[which]
    out = RP.write_roster_pdf(db, rid, tmp_path / "roster.pdf")
    pages = pdf_text(out)
    with db.read() as s:
        view = R.roster_view(s, rid)
    subs = page_subtotals(pages)
    assert len(subs) == len(pages) > 1
    running = 0
    for n_lines, line_fen, sub_lines, sub_fen, carried in subs:
        assert (n_lines, line_fen) == (sub_lines, sub_fen)
        running += sub_fen
        assert carried == running
    assert running == view.total_fen
    assert sum(n for n, *_ in subs) == view.line_count
    body = "\n".join(pages)
    capitals = re.findall(r"合计人民币（大写）：(\S+)", body)
    assert len(capitals) == 1 and fen_from_capitals(capitals[0]) == view.total_fen
    assert f"（小写）¥{R.yuan(view.total_fen)}" in "".join(body.split())
    # Bank and cash apart: the cash row is the sum of the lines marked 现金发放.
    cash_lines = [fen(m.group(2)) for page in pages for m in map(LINE_ROW.match,
                  page.splitlines()) if m and m.group(3) == "现金发放"]
    bank = re.findall(rf"其中：银行代发\s+([\d,]+)\s*笔\s+{AMOUNT}", body)
    cash = re.findall(rf"其中：现金发放\s+([\d,]+)\s*笔\s+{AMOUNT}", body)
    assert int(cash[0][0]) == len(cash_lines) and fen(cash[0][1]) == sum(cash_lines)
    assert fen(bank[0][1]) + fen(cash[0][1]) == view.total_fen
    assert int(bank[0][0]) + int(cash[0][0]) == view.line_count
    if which == "nov":
        assert len(cash_lines) == 7  # the households without an account


def test_institutional_care_paid_to_the_institution(city, tmp_path):
    """Persons in institutional care are grouped under their institution, whose account
    the heading gives; their lines carry no household account."""
    db, rid = city["db"], city["tekun"]
    out = RP.write_roster_pdf(db, rid, tmp_path / "tekun.pdf")
    pages = pdf_text(out)
    body = "\n".join(pages)
    with db.read() as s:
        lines = {line.case_id: line for line in R.iter_lines(s, rid)}
        groups = RP.print_groups(s, rid)
    cared = [lines[c] for c in city["institution_cases"] if c in lines]
    assert len(cared) == 9
    heads = re.findall(r"供养机构：(\S+)（支付至机构）\s+(.*)$", body, re.M)
    assert {h for h, _ in heads} == set(INSTITUTIONS)
    assert all("账号：6228480000000012345" in rest for h, rest in heads if h == INSTITUTIONS[0])
    assert all("未登记机构账户" in rest for h, rest in heads if h == INSTITUTIONS[1])
    printed = {int(m.group(1)): m.group(3) for page in pages
               for m in map(LINE_ROW.match, page.splitlines()) if m}
    for line in cared:
        assert printed[line.seq] in ("转入供养机构账户", "现金发放")
        if line.account_number:
            assert line.account_number not in body
    by_inst = {}
    for k, c in enumerate(city["institution_cases"]):
        if c in lines:
            by_inst[INSTITUTIONS[k % 2]] = by_inst.get(INSTITUTIONS[k % 2], 0) + lines[c].amount_fen
    subtotal = {}
    for label, amount in totals_rows(pages, "小计"):
        if label[:-2] in INSTITUTIONS:
            subtotal[label[:-2]] = subtotal.get(label[:-2], 0) + amount
    assert subtotal == by_inst
    assert sum(g.amount_fen for g in groups if g.institution) == sum(by_inst.values())


def test_page_x_of_y_on_every_page(city, tmp_path):
    db = city["db"]
    for writer, rid in ((RP.write_roster_pdf, city["nov"]), (RP.write_notice_pdf, city["nov"]),
                        (RP.write_roster_pdf, city["dec"]),
                        (RP.write_roster_pdf, city["tekun"])):
        out = writer(db, rid, tmp_path / f"{writer.__name__}-{rid}.pdf")
        n = page_count(out)
        pages = pdf_text(out)
        assert len(pages) == n
        for i, page in enumerate(pages, start=1):
            found = re.findall(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页", page)
            assert found == [(str(i), str(n))], (writer.__name__, i)
    assert n >= 1


@pytest.mark.parametrize("first_rows, rows", [(33, 36), (1, 1), (5, 3), (36, 36)])
def test_page_count_rules_count_what_is_drawn(first_rows, rows):
    """skip(n) is exactly n single placements, whatever the state of the page."""
    for before in range(0, 2 * rows + 3):
        for n in range(0, 3 * rows + 4):
            a, b = RP._Pager(first_rows, rows), RP._Pager(first_rows, rows)
            for _ in range(before):
                a.place()
                b.place()
            a.skip(n)
            for _ in range(n):
                b.place()
            assert (a.page, a.used, a.capacity) == (b.page, b.used, b.capacity)
            a.place(2)
            b.place(2)
            assert (a.page, a.used) == (b.page, b.used)


def test_chinese_text_and_signatures_are_extractable(city, tmp_path):
    db, rid = city["db"], city["nov"]
    out = RP.write_roster_pdf(db, rid, tmp_path / "roster.pdf")
    pages = pdf_text(out)
    body = "".join(pages)
    with db.read() as s:
        lines = list(R.iter_lines(s, rid))
        view = R.roster_view(s, rid)
    assert all(line.payee_name in body for line in lines[:50])
    assert lines[-1].payee_name in body and lines[-1].village_name in body
    assert all(line.account_number in body for line in lines if line.account_number)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "DroidSansFallback" in fonts and " yes " in fonts  # the CJK font is embedded
    last = "".join(pages[-1].split())
    for label, name, when in (("制表人", "制表员甲", view.built_at),
                              ("审核人", "审核员乙", view.reviewed_at),
                              ("审批人", "审批员丙", view.approved_at)):
        assert f"{label}：{name}" in last
        assert f"日期：{when:%Y-%m-%d}" in last
    assert f"发放单位（盖章）：{view.issuing_office}" in last


def test_remarks_and_draft_warning(city, tmp_path):
    """December's draft carries the supplement, the deduction and the reissue in the remark
    column, and every page says it is not approved."""
    db, rid = city["db"], city["dec"]
    out = RP.write_roster_pdf(db, rid, tmp_path / "dec.pdf")
    pages = pdf_text(out)
    flat = "".join("".join(pages).split())
    assert "补发2026年11月123.45元" in flat
    assert "扣减2026年11月20.00元" in flat
    assert "重发2026年11月" in flat
    assert all("不得据此发放" in page for page in pages)
    with db.read() as s:
        view = R.roster_view(s, rid)
    assert re.findall(r"总计\s.*\s" + AMOUNT, "".join(pages))[-1] == R.yuan(view.total_fen)
    last = "".join(pages[-1].split())
    assert "审核人：签字" in last  # no reviewer yet: a blank to sign on
    reviewed = RP.write_roster_pdf(db, city["tekun"], tmp_path / "tekun.pdf")
    assert all("已审核，未审批" in "".join(p.split()) for p in pdf_text(reviewed))


def test_notice_shows_no_full_id_or_account(city, tmp_path):
    db, rid = city["db"], city["nov"]
    out = RP.write_notice_pdf(db, rid, tmp_path / "notice.pdf")
    pages = pdf_text(out)
    body = "\n".join(pages)
    flat = "".join(body.split())  # also catch numbers a layout might split
    for t in (body, flat):
        assert not re.search(r"\d{17}[\dXx]", t)
        assert not re.search(r"\d{16,19}", t)
    with db.read() as s:
        lines = list(R.iter_lines(s, rid))
        view = R.roster_view(s, rid)
    assert not any(line.id_number in flat or (line.account_number and
                                              line.account_number in flat) for line in lines)
    masked = re.findall(r"\d{3}\*{11}[\dX]{4}", body)
    assert masked == [mask_id(line.id_number) for line in lines]
    assert all(line.payee_name in body for line in lines)
    assert pages[0].strip().startswith(f"{view.area_name}2026年11月最低生活保障对象公示名单")
    assert "公示期：7天" in flat and "监督电话：" in flat


def test_cancel_mid_write_leaves_nothing(city, tmp_path):
    db, rid = city["db"], city["nov"]
    target = tmp_path / "out" / "roster.pdf"
    target.parent.mkdir()
    seen = []
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        seen.append(fraction)
        if fraction > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        RP.write_roster_pdf(db, rid, target, progress=progress, cancel=token)
    assert os.listdir(target.parent) == []
    assert 0.3 < seen[-1] < 0.95  # cancelled among the pages, not before or after
    # An earlier file at the path is left as it was.
    target.write_bytes(b"earlier")
    token = CancelToken()
    with pytest.raises(Cancelled):
        RP.write_notice_pdf(db, rid, target, progress=progress, cancel=token)
    assert os.listdir(target.parent) == ["roster.pdf"] and target.read_bytes() == b"earlier"
    # Not cancelled: written in place, no temporary file left.
    RP.write_roster_pdf(db, rid, target, progress=lambda f, m: None, cancel=CancelToken())
    assert os.listdir(target.parent) == ["roster.pdf"]
    assert target.read_bytes().startswith(b"%PDF")


def test_failure_leaves_no_file(city, tmp_path, monkeypatch):
    db, rid = city["db"], city["nov"]

    def broken(self):
        raise OSError("disk full")

    monkeypatch.setattr(RP._CompressingCanvas, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        RP.write_roster_pdf(db, rid, tmp_path / "roster.pdf")
    assert os.listdir(tmp_path) == []


def test_text_that_does_not_fit_is_shrunk_then_cut(tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    ink = RP._Ink(Canvas(str(tmp_path / "x.pdf")))
    ops, width = ink.fit("重发2026年10月540.00元", 200)
    assert width <= 200 and f"{RP.SIZE:g} Tf" in ops  # fits as it is
    ops, width = ink.fit("重发2026年10月540.00元；补发2026年9月100.00元", 120)
    assert width <= 120 and f"{RP.SIZE:g} Tf" not in ops  # smaller type
    ops, width = ink.fit("补发2026年9月100.00元；" * 10, 120)
    assert 100 < width <= 120 and f"{RP.MIN_SIZE:g} Tf" in ops  # cut at the smallest type
    # Numbers are measured without ReportLab: every digit as wide, comma and point alike.
    for number in ("0", "411402194509215961", "1,356,026.00", "12.5"):
        sep = number.count(",") + number.count(".")
        assert abs(RP.latin_width(number, RP.SIZE)
                   - ((len(number) - sep) * RP._DIGIT_W + sep * RP._POINT_W)) < 1e-9


def test_a_village_notice_holds_only_its_payees_with_the_phone(city, tmp_path):
    """One file per village: a village's notice lists only that village's payees, masked,
    with the supervision phone and the notice period set for its county; one file of all
    villages starts each village on its own page."""
    from assistcase.services.standards import clear_policy, set_policy

    db, rid = city["db"], city["nov"]
    with db.read() as s:
        lines = list(R.iter_lines(s, rid))
        groups = RP.print_groups(s, rid, institutions=False)
        county = s.scalars(select(Area).where(Area.level == "county")
                           .order_by(Area.code)).first()
    set_policy(db, ACTOR, county.id, {"notice_supervision_phone": "0370-3221234",
                                      "notice_days": 10})
    try:
        files = RP.write_village_notices(db, rid, tmp_path / "notices")
        one = RP.write_notice_pdf(db, rid, tmp_path / "all.pdf")
    finally:
        clear_policy(db, ACTOR, county.id, "notice_supervision_phone")
        clear_policy(db, ACTOR, county.id, "notice_days")
    assert len(files) == len(groups) > 20
    assert sorted(p.name for p in (tmp_path / "notices").iterdir()) == sorted(
        p.name for p in files)
    for path, g in zip(files, groups):
        pages = pdf_text(path)
        body = "\n".join(pages)
        flat = "".join(body.split())
        mine = [ln for ln in lines
                if (ln.township_code, ln.village_code) == (g.township_code, g.village_code)]
        assert re.findall(r"\d{3}\*{11}[\dX]{4}", body) == [mask_id(ln.id_number) for ln in mine]
        assert not re.search(r"\d{17}[\dXx]|\d{16,19}", flat)
        assert f"村（社区）：{g.county_name}{g.township_name}{g.village_name}" in flat
        rows = re.findall(r"^\s*\d+\s+(\S+)\s+(\S+)\s+\d{3}\*{11}[\dX]{4}\s", body, re.M)
        assert rows == [(ln.village_name, ln.payee_name) for ln in mine]
        in_county = g.township_code.startswith(county.code[:6])
        assert ("监督电话：0370-3221234" in flat) == in_county
        assert ("公示期：10天" in flat) == in_county and "（盖章）" in flat
        assert re.findall(r"第\s*1\s*页\s*共\s*(\d+)\s*页", pages[0])[0] == str(len(pages))
    # In one file each village starts a page: the page with its heading starts with its title.
    pages = pdf_text(one)
    heads = [p for p in pages if "村（社区）：" in p]
    assert len(heads) == len(groups)
    with db.read() as s:
        title = RP.notice_title(R.roster_view(s, rid))
    assert all(p.strip().startswith(title) for p in heads)


def test_the_signatures_never_stand_alone_on_a_last_page():
    """Whatever a township's number of lines, the grand total, its capitals and the closing
    block (signatures) share the last page: a roster of 1,225 lines printed its signatures on
    a 40th page of their own under '本页小计 0 笔'."""
    spec = RP._Doc(title="t", info_lines=(("a", RP.INK), ("b", RP.INK)), running="",
                   running_right=("", RP.INK), footer_left="", footer_right="",
                   columns=RP.ROSTER_COLUMNS, cells=RP._roster_cells, totals=True,
                   end_rows=RP.SIGNATURE_ROWS, watermark="", page_totals=True,
                   institutions=True)
    rows = RP._Sheet.capacity(False, spec)
    alone_before = 0
    for lines in range(1, 3 * rows):
        group = RP.PrintGroup("411421000000", "县", "411421001000", "镇", "", "411421001001",
                              "村", lines, lines, lines, lines * 100, 0, 0)
        grand_page, pages = RP._paginate([group], spec)
        assert grand_page == pages, lines
        # the rule before: the grand total kept only its own rows together
        pager = RP._Pager(RP._Sheet.capacity(True, spec), rows)
        for kind, _i in RP._structure([group], True):
            if kind == RP.LINES:
                pager.skip(lines)
            else:
                pager.place(RP.TOGETHER.get(kind, 1))
                if kind == RP.GRAND_TOTAL:
                    old_grand = pager.page
                    pager.skip(RP.GRAND_ROWS - 1)
        pager.place(spec.end_rows)
        alone_before += pager.page != old_grand
    assert alone_before > 0   # the case the test guards against occurs in this range
