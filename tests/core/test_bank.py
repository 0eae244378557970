"""The bank file (代发文件) and the bank's result file (回盘): read back with openpyxl, totals to
the fen, text IDs and accounts, approved rosters only, failures reissued exactly once, all or
nothing on a bad file."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select, text

from assistcase.errors import Cancelled, StateError, ValidationError
from assistcase.io import bank as B
from assistcase.models import Area
from assistcase.progress import CancelToken
from assistcase.services import rosters as R

from ..conftest import ACTOR, demo_city

NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)
JAN = dt.date(2027, 1, 1)


@pytest.fixture
def county(db):
    """The first county of a small demo city; three of its dibao households have no account
    (the demo gives every dibao household one)."""
    demo_city(db, households=300, seed=3, today=dt.date(2026, 11, 22))
    with db.begin() as s:
        area = s.scalars(select(Area).where(Area.level == "county").order_by(Area.code)).first()
        s.execute(text(
            "UPDATE households SET account_type = 'none', account_number = '', bank_name = ''"
            " WHERE id IN (SELECT h.id FROM households AS h JOIN areas AS v ON v.id = h.village_id"
            " WHERE h.category = 'dibao' AND v.code LIKE :p ORDER BY h.id LIMIT 3)"),
            {"p": area.code[:6] + "%"})
        return area.id


def approve(db, roster_id):
    R.review_roster(db, "reviewer", roster_id)
    R.approve_roster(db, "approver", roster_id)
    return roster_id


def monthly(db, area_id, month, program="dibao"):
    return approve(db, R.build_monthly_roster(
        db, ACTOR, R.MonthlyRosterInput(area_id, month, program)).roster_id)


def fen(value) -> int:
    """An amount cell read back, in fen; fails unless it is exactly whole cents."""
    assert isinstance(value, (int, float)) and not isinstance(value, bool)
    cents = Decimal(repr(value)) * 100
    assert cents == cents.to_integral_value(), value
    return int(cents)


def sql_one(db, sql, **params):
    with db.read() as s:
        return s.execute(text(sql), params).one()


@pytest.fixture
def out(tmp_path):
    """An empty directory for the files written (the database lives in tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def data_rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], [r for r in rows[1:] if any(v is not None for v in r)]


def test_bank_file_reconciles_to_the_fen_with_text_ids_and_accounts(db, county, out):
    rid = monthly(db, county, NOV)
    path = out / "bank.xlsx"
    summary = B.write_bank_xlsx(db, rid, path)
    count, total, with_account, no_account = sql_one(
        db, "SELECT COUNT(*), SUM(amount_fen),"
            " SUM(CASE WHEN account_type <> 'none' AND account_number <> '' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN account_type = 'none' OR account_number = '' THEN 1 ELSE 0 END)"
            " FROM roster_lines WHERE roster_id = :r AND amount_fen > 0", r=rid)
    with db.read() as s:
        view = R.roster_view(s, rid)
    assert no_account > 0 and with_account > 0  # the demo has households without accounts

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [B.BANK_SHEET, B.CASH_SHEET, B.SUMMARY_SHEET]
    head, bank = data_rows(wb[B.BANK_SHEET])
    cash_head, cash = data_rows(wb[B.CASH_SHEET])
    assert list(head) == list(B.BANK_COLUMNS)
    assert len(bank) == with_account == summary.bank_rows
    assert len(cash) == no_account == summary.cash_rows
    assert len(bank) + len(cash) == count == summary.rows
    bank_fen = sum(fen(r[5]) for r in bank)
    cash_fen = sum(fen(r[5]) for r in cash)
    assert bank_fen + cash_fen == total == view.total_fen == summary.total_fen
    assert (bank_fen, cash_fen) == (summary.bank_fen, summary.cash_fen)

    # IDs and accounts are text cells holding every digit; amounts numbers with two decimals
    ws = wb[B.BANK_SHEET]
    for row in ws.iter_rows(min_row=2):
        ref, _name, idn, acct, _bank, amount, _memo = row
        assert re.fullmatch(r"R\d+-\d{6}", ref.value)
        assert idn.data_type == "s" and re.fullmatch(r"\d{17}[\dX]", idn.value)
        assert idn.number_format == "@"
        assert acct.data_type == "s" and re.fullmatch(r"\d{16,20}", acct.value)
        assert acct.number_format == "@"
        assert amount.data_type == "n" and amount.number_format == "0.00"
    # each row is its line: reference → (name, ID, account, amount)
    with db.read() as s:
        by_ref = {B.bank_reference(rid, l.seq): l for l in R.iter_lines(s, rid)}
    for r in bank:
        line = by_ref[r[0]]
        assert (r[1], r[2], r[3], fen(r[5])) == (line.payee_name, line.id_number,
                                                 line.account_number, line.amount_fen)
        assert line.account_type != "none"
    for r in cash:
        assert by_ref[r[0]].account_type == "none" or by_ref[r[0]].account_number == ""

    # the summary: 笔数 and 合计金额 equal the detail sheets and the roster
    summary_rows = {r[0]: r for r in wb[B.SUMMARY_SHEET].iter_rows(values_only=True) if r}
    assert wb[B.SUMMARY_SHEET]["A1"].value == view.title
    assert summary_rows["发放单位"][1] == view.issuing_office
    assert summary_rows["发放月份"][1] == "2026年11月"
    assert summary_rows["合计"][1] == len(bank) + len(cash)
    assert fen(summary_rows["合计"][2]) == total
    assert fen(summary_rows[f"银行代发（{B.BANK_SHEET}）"][2]) == bank_fen
    assert fen(summary_rows[f"现金发放（{B.CASH_SHEET}）"][2]) == cash_fen
    assert view.title in wb[B.BANK_SHEET].oddHeader.center.text


def test_a_roster_not_yet_approved_never_reaches_the_bank(db, county, out):
    rid = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(county, NOV)).roster_id
    path = out / "bank.xlsx"
    with pytest.raises(StateError) as err:
        B.write_bank_xlsx(db, rid, path)
    assert "only an approved roster" in str(err.value)
    R.review_roster(db, "reviewer", rid)
    with pytest.raises(StateError):
        B.write_bank_xlsx(db, rid, path)
    assert list(out.iterdir()) == []


def openpyxl_temp_files() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("openpyxl.*")}


def test_cancelled_bank_file_leaves_no_file(db, county, out):
    rid = monthly(db, county, NOV)
    token = CancelToken()
    token.cancel()
    path = out / "bank.xlsx"
    before = openpyxl_temp_files()
    with pytest.raises(Cancelled):
        B.write_bank_xlsx(db, rid, path, cancel=token)
    assert list(out.iterdir()) == []
    assert openpyxl_temp_files() <= before  # the sheets' streaming files are gone too


def failed_refs(path, n=2):
    wb = openpyxl.load_workbook(path, read_only=True)
    refs = [r[0] for r in list(wb[B.BANK_SHEET].iter_rows(values_only=True))[1:]]
    return {refs[3]: "账户已销户", refs[7]: "户名与账号不符"}


def recorded(db):
    return dict(sql_one(db, "SELECT (SELECT COUNT(*) FROM payment_results),"
                            " (SELECT COUNT(*) FROM bank_returns)")._mapping)


def test_failures_are_recorded_and_reissued_exactly_once_in_the_next_roster(db, county,
                                                                            out):
    nov = monthly(db, county, NOV)
    bank = out / "bank.xlsx"
    B.write_bank_xlsx(db, nov, bank)
    fails = failed_refs(bank)
    ret = out / "return.xlsx"
    n = B.write_bank_return_template(bank, ret, failed=fails, others="成功")
    result = B.import_bank_returns(db, ACTOR, nov, ret)
    assert (result.failed, result.paid) == (2, n - 2)
    with db.read() as s:
        outcomes = dict(s.execute(text(
            "SELECT l.seq, pr.outcome || ':' || pr.reason FROM payment_results AS pr"
            " JOIN roster_lines AS l ON l.id = pr.line_id WHERE l.roster_id = :r"), {"r": nov}
        ).all())
        failed_lines = {B.parse_reference(ref)[1]: s.execute(text(
            "SELECT id, amount_fen FROM roster_lines WHERE roster_id = :r AND seq = :q"),
            {"r": nov, "q": B.parse_reference(ref)[1]}).one() for ref in fails}
    assert len(outcomes) == n
    assert sorted(v for v in outcomes.values() if v.startswith("failed")) == sorted(
        f"failed:{reason}" for reason in fails.values())
    assert result.failed_fen == sum(a for _, a in failed_lines.values())

    # the same file again is refused and changes nothing
    before = recorded(db)
    with pytest.raises(StateError) as err:
        B.import_bank_returns(db, ACTOR, nov, ret)
    assert "already been imported" in str(err.value)
    assert recorded(db) == before

    dec = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(county, DEC))
    assert dec.reissues == 2
    with db.read() as s:
        for line_id, amount in failed_lines.values():
            items = s.execute(text(
                "SELECT i.line_id, i.amount_fen, l.roster_id, l.base_fen, l.adjust_fen,"
                " l.amount_fen FROM roster_line_items AS i"
                " JOIN roster_lines AS l ON l.id = i.line_id"
                " WHERE i.kind = 'reissue' AND i.ref_line_id = :l"), {"l": line_id}).all()
            assert len(items) == 1
            _target, item_fen, roster_id, base, adjust, total = items[0]
            assert roster_id == dec.roster_id and item_fen == amount
            assert adjust >= amount and total == base + adjust
    approve(db, dec.roster_id)

    # a failed payment whose reissue exists cannot be turned into 'paid' afterwards
    late = out / "late.csv"
    B.write_bank_return_template(bank, late, others="成功")
    with pytest.raises(ValidationError) as err:
        B.import_bank_returns(db, ACTOR, nov, late)
    refs = [r[0] for r in data_rows(openpyxl.load_workbook(bank)[B.BANK_SHEET])[1]]
    assert sorted(e.field for e in err.value.errors) == sorted(
        f"late.csv row {refs.index(ref) + 2}" for ref in fails)
    assert all("already recorded as failed and reissued" in e.message_en
               for e in err.value.errors)
    assert recorded(db) == before

    # January: nothing is reissued again
    jan = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(county, JAN))
    assert jan.reissues == 0
    approve(db, jan.roster_id)
    for line_id, _ in failed_lines.values():
        assert sql_one(db, "SELECT COUNT(*) FROM roster_line_items WHERE ref_line_id = :l",
                       l=line_id)[0] == 1


def test_a_wrong_amount_refuses_the_file_naming_the_row_and_nothing_is_recorded(db, county,
                                                                                out):
    nov = monthly(db, county, NOV)
    bank = out / "bank.xlsx"
    B.write_bank_xlsx(db, nov, bank)
    ret = out / "return.xlsx"
    B.write_bank_return_template(bank, ret, failed=failed_refs(bank), others="成功")
    wb = openpyxl.load_workbook(ret)
    ws = wb.active
    ref, expected = ws.cell(6, 1).value, ws.cell(6, 5).value
    ws.cell(6, 5).value = expected + 1  # one yuan more
    wb.save(ret)
    with pytest.raises(ValidationError) as err:
        B.import_bank_returns(db, ACTOR, nov, ret)
    assert len(err.value.errors) == 1
    msg = err.value.errors[0].message_en
    assert "return.xlsx row 6 column 金额" in msg
    assert f"expected {fen(expected) // 100:,}.{fen(expected) % 100:02d} yuan" in msg
    assert "第 6 行" in err.value.errors[0].message_zh
    assert recorded(db) == {k: 0 for k in recorded(db)}
    assert ref.startswith(f"R{nov}-")


def test_every_bad_row_is_listed_with_row_and_column(db, county, out):
    nov = monthly(db, county, NOV)
    bank = out / "bank.xlsx"
    B.write_bank_xlsx(db, nov, bank)
    ret = out / "return.xlsx"
    B.write_bank_return_template(bank, ret, others="成功")
    wb = openpyxl.load_workbook(ret)
    ws = wb.active
    ws.cell(2, 2).value = "某某某"                       # wrong name
    ws.cell(3, 6).value = "待定"                         # not a result
    ws.cell(4, 6).value = "失败"                         # failed without a reason
    ws.cell(5, 1).value = f"R{nov + 1}-000001"           # another roster's line
    for col in range(1, 8):                              # the same line twice
        ws.cell(7, col).value = ws.cell(8, col).value
    ws.cell(9, 4).value = "6222000000000000000"          # wrong account
    wb.save(ret)
    with pytest.raises(ValidationError) as err:
        B.import_bank_returns(db, ACTOR, nov, ret)
    where = [e.field for e in err.value.errors]
    assert where == ["return.xlsx row 2 column 姓名", "return.xlsx row 3 column 结果",
                     "return.xlsx row 4 column 失败原因", "return.xlsx row 5 column 业务编号",
                     "return.xlsx row 8 column 业务编号", "return.xlsx row 9 column 账号"]
    assert "found '某某某'" in err.value.errors[0].message_en
    assert "first in row 7" in err.value.errors[4].message_en
    assert recorded(db) == {k: 0 for k in recorded(db)}


def test_gbk_csv_returns_are_read(db, county, out):
    nov = monthly(db, county, NOV)
    bank = out / "bank.xlsx"
    B.write_bank_xlsx(db, nov, bank)
    ret = out / "回盘.csv"
    fails = failed_refs(bank)
    n = B.write_bank_return_template(bank, ret, failed=fails, others="已发放", encoding="gbk")
    ret.read_bytes().decode("gbk")  # really GBK
    with pytest.raises(UnicodeDecodeError):
        ret.read_bytes().decode("utf-8")
    result = B.import_bank_returns(db, ACTOR, nov, ret)
    assert (result.paid, result.failed) == (n - 2, 2)
    with db.read() as s:
        pending = R.pending_carryovers(s, "dibao")
    assert sorted(p.reason for p in pending) == sorted(fails.values())


def test_a_partial_return_file_and_a_draft_roster(db, county, out):
    rid = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(county, NOV)).roster_id
    ret = out / "r.csv"
    ret.write_text("业务编号,姓名,身份证号,金额,结果,失败原因\n", encoding="utf-8")
    with pytest.raises(StateError):
        B.import_bank_returns(db, ACTOR, rid, ret)
    approve(db, rid)
    with pytest.raises(ValidationError) as err:
        B.import_bank_returns(db, ACTOR, rid, ret)
    assert "no result rows" in str(err.value)
    with db.read() as s:
        line = next(R.iter_lines(s, rid))
    ret.write_text("业务编号,姓名,身份证号,金额,结果,失败原因\n"
                   f"{B.bank_reference(rid, line.seq)},{line.payee_name},{line.id_number},"
                   f"{line.amount_fen / 100:.2f},paid,\n", encoding="utf-8")
    result = B.import_bank_returns(db, ACTOR, rid, ret)
    assert (result.paid, result.failed) == (1, 0)


@pytest.mark.parametrize("value,expected", [
    (540, 54000), (540.0, 54000), (1234.56, 123456), ("1,234.50", 123450), ("0.01", 1),
    (Decimal("12.30"), 1230), ("12.345", None), ("abc", None), (None, None), (0.1 + 0.2, None)])
def test_amount_cells_in_fen(value, expected):
    assert B.fen_from_cell(value) == expected


INSTITUTIONS = ("市社会福利院", "城关敬老院")


def test_institutional_care_is_paid_to_the_institution_as_the_roster_prints_it(db, out):
    """Persons in institutional care (集中供养) are paid to their institution: one bank row per
    institution with its account (the institution is the payee), the residents' lines in a
    sheet of their own; an institution with no account is paid in cash, as the printed roster
    has it. The file still adds up to the roster to the fen, and a failed institution row is
    recorded on each resident's line."""
    from assistcase.reports import roster_pdf as RP
    from assistcase.services.care import CareInstitutionInput, save_care_institution

    demo_city(db, households=300, seed=3, today=dt.date(2026, 11, 22))
    with db.begin() as s:
        city = s.scalar(select(Area.id).where(Area.level == "city"))
        cases = s.scalars(text("SELECT id FROM assistance_cases WHERE program = 'tekun'"
                               " AND status = 'active' ORDER BY id LIMIT 8")).all()
        for k, case_id in enumerate(cases):
            s.execute(text("UPDATE assistance_cases SET support_mode = 'centralized',"
                           " institution_name = :n WHERE id = :i"),
                      {"n": INSTITUTIONS[k % 2], "i": case_id})
    save_care_institution(db, ACTOR, CareInstitutionInput(
        INSTITUTIONS[0], "中国农业银行商丘分行", "6228480000000012345", "商丘市社会福利院"))
    rid = monthly(db, city, NOV, "tekun")
    summary = B.write_bank_xlsx(db, rid, out / "bank.xlsx")
    with db.read() as s:
        view = R.roster_view(s, rid)
        lines = {l.case_id: l for l in R.iter_lines(s, rid)}
        groups = RP.print_groups(s, rid)
        inst_id = s.scalar(text("SELECT id FROM care_institutions WHERE name = :n"),
                           {"n": INSTITUTIONS[0]})
    paid_in = [lines[c] for k, c in enumerate(cases) if k % 2 == 0 and c in lines]
    in_cash = [lines[c] for k, c in enumerate(cases) if k % 2 == 1 and c in lines]
    assert len(paid_in) == 4 and len(in_cash) == 4

    wb = openpyxl.load_workbook(out / "bank.xlsx")
    assert wb.sheetnames == [B.BANK_SHEET, B.CASH_SHEET, B.INSTITUTION_SHEET, B.SUMMARY_SHEET]
    _h, bank = data_rows(wb[B.BANK_SHEET])
    _h, cash = data_rows(wb[B.CASH_SHEET])
    _h, detail = data_rows(wb[B.INSTITUTION_SHEET])
    by_ref = {r[0]: r for r in bank}
    ref = B.institution_reference(rid, inst_id)
    assert B.parse_institution_reference(ref) == (rid, inst_id)
    row = by_ref[ref]
    # One row: the institution's account name, no ID number, its account and bank, the sum.
    assert (row[1], row[2] or "", row[3], row[4]) == (
        "商丘市社会福利院", "", "6228480000000012345", "中国农业银行商丘分行")
    assert fen(row[5]) == sum(l.amount_fen for l in paid_in)
    assert "集中供养4人" in row[6]
    assert wb[B.BANK_SHEET].cell(list(by_ref).index(ref) + 2, 4).number_format == "@"
    # No resident's own row in the bank sheet, and no household account of theirs.
    resident_refs = {B.bank_reference(rid, l.seq) for l in paid_in + in_cash}
    assert not resident_refs & set(by_ref)
    accounts = {r[3] for r in bank}
    assert not {l.account_number for l in paid_in + in_cash if l.account_number} & accounts
    # The residents listed under their institution's row; the cash institution in cash.
    assert sorted((r[0], r[2], fen(r[5])) for r in detail) == sorted(
        (ref, B.bank_reference(rid, l.seq), l.amount_fen) for l in paid_in)
    cash_refs = {r[0]: r for r in cash}
    for l in in_cash:
        assert INSTITUTIONS[1] in cash_refs[B.bank_reference(rid, l.seq)][6]
    # The same amounts the printed roster groups under each institution.
    printed: dict[str, list[int]] = {}   # per institution over its townships' groups
    for g in groups:
        if g.institution:
            acc = printed.setdefault(g.institution, [0, 0])
            acc[0], acc[1] = acc[0] + g.amount_fen, acc[1] + g.cash_fen
    assert printed[INSTITUTIONS[0]] == [fen(row[5]), 0]
    assert printed[INSTITUTIONS[1]] == [sum(l.amount_fen for l in in_cash)] * 2
    # Reconciliation to the fen, rows counted once per institution.
    assert sum(fen(r[5]) for r in bank) + sum(fen(r[5]) for r in cash) == view.total_fen \
        == summary.total_fen
    assert (summary.institution_rows, summary.institution_lines,
            summary.institution_fen) == (1, 4, fen(row[5]))
    assert summary.bank_rows == len(bank) and summary.cash_rows == len(cash)
    assert len(bank) + len(cash) + 4 - 1 == view.line_count - summary.zero_lines
    totals = {r[0]: r for r in wb[B.SUMMARY_SHEET].iter_rows(values_only=True) if r}
    assert fen(totals["合计"][2]) == view.total_fen
    assert fen(totals["其中：供养机构代收（集中供养4人）"][2]) == fen(row[5])

    # The bank fails the institution's row: each resident's line is failed, for reissue.
    ret = out / "return.xlsx"
    n = B.write_bank_return_template(out / "bank.xlsx", ret, failed={ref: "户名不符"},
                                     others="成功")
    result = B.import_bank_returns(db, ACTOR, rid, ret)
    assert n == len(bank)
    assert (result.failed, result.failed_fen) == (4, fen(row[5]))
    with db.read() as s:
        failed = set(s.scalars(text("SELECT line_id FROM payment_results"
                                    " WHERE outcome = 'failed'")))
    assert failed == {l.id for l in paid_in}


def test_cells_the_checks_accept_but_not_as_written_are_still_accepted(db, county, out):
    """Most rows are checked by comparing them to the line as the bank file wrote it (issue
    20); a cell that differs only as the checks allow (spaces, a lower-case reference or
    ID) goes through the full checks and is accepted as before, and one that differs is
    still refused."""
    nov = monthly(db, county, NOV)
    bank = out / "bank.xlsx"
    B.write_bank_xlsx(db, nov, bank)
    ret = out / "return.xlsx"
    n = B.write_bank_return_template(bank, ret, others="成功")
    wb = openpyxl.load_workbook(ret)
    ws = wb.active
    ws.cell(2, 2).value = f"  {ws.cell(2, 2).value} "           # the name with spaces
    ws.cell(3, 1).value = ws.cell(3, 1).value.lower()            # r12-000002
    ws.cell(4, 3).value = f" {ws.cell(4, 3).value.lower()} "     # ID number, spaces
    ws.cell(5, 4).value = f"{ws.cell(5, 4).value}  "             # account, spaces
    ws.cell(6, 6).value = " 成功 "                               # the result, spaces
    wb.save(ret)
    result = B.import_bank_returns(db, ACTOR, nov, ret)
    assert (result.paid, result.failed) == (n, 0)
    assert sql_one(db, "SELECT COUNT(*) FROM payment_results WHERE outcome = 'paid'")[0] == n

    ws.cell(7, 3).value = ws.cell(7, 3).value[:-1] + ("0" if ws.cell(7, 3).value[-1] != "0"
                                                      else "1")
    ret2 = out / "return2.xlsx"
    wb.save(ret2)
    with pytest.raises(ValidationError) as err:
        B.import_bank_returns(db, ACTOR, nov, ret2)
    assert [e.field for e in err.value.errors] == ["return2.xlsx row 7 column 身份证号"]
