"""`assistcase roster …`: build, review, approve, print, bank file and returns, funds report from
the command line; bad input exits with code 2 and an English message."""

from __future__ import annotations

import datetime as dt
import subprocess

import openpyxl
import pytest
from sqlalchemy import select, text

from assistcase.cli import main
from assistcase.io import bank as B
from assistcase.models import Area

from ..conftest import ACTOR, demo_city, token_file


@pytest.fixture
def city(db, db_path, tmp_path):
    demo_city(db, households=200, seed=6, today=dt.date(2026, 11, 22))
    with db.read() as s:
        county = s.scalars(select(Area).where(Area.level == "county").order_by(Area.code)).first()
        return {"db": ["--db", str(db_path)], "county": county.code, "county_name": county.name,
                "tokens": {u: token_file(db, u, tmp_path) for u in ("clerk", "reviewer",
                                                                    "approver", ACTOR)}}


def run(city, capsys, *argv, user="clerk"):
    # signed in with a token from `assistcase login` (issue 13)
    code = main([*city["db"], "--token", str(city["tokens"][user]), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def sql(db, query, **params):
    with db.read() as s:
        return s.execute(text(query), params).all()


def _has_chinese(text_: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text_)


def built_id(out: str) -> int:
    assert out.startswith("built roster "), out
    return int(out.split()[2].rstrip(":"))


def test_build_review_approve_bank_file_returns_and_funds(db, city, capsys, tmp_path):
    code, out, err = run(city, capsys, "roster", "build", "--area", city["county"],
                         "--month", "2026-11", "--program", "dibao")
    assert code == 0 and "status draft" in out
    # the progress lines speak English only, like the rest of the CLI (not "done 完成")
    assert "100%  done" in err and not _has_chinese(err), err
    rid = built_id(out)
    lines, total = sql(db, "SELECT line_count, total_fen FROM rosters WHERE id = :r", r=rid)[0]
    assert f"{lines} line(s)" in out and f"{total // 100:,}.{total % 100:02d} yuan" in out
    assert sql(db, "SELECT u.username FROM rosters AS r JOIN users AS u ON u.id = r.built_by"
                   " WHERE r.id = :r", r=rid)[0][0] == "clerk"

    # the bank never gets a draft
    code, _, err = run(city, capsys, "roster", "xlsx", str(rid), str(tmp_path / "b.xlsx"))
    assert code == 2 and "only an approved roster" in err
    assert not (tmp_path / "b.xlsx").exists()
    code, _, err = run(city, capsys, "roster", "approve", str(rid))
    assert code == 2 and "must be reviewed before it is approved" in err

    assert run(city, capsys, "roster", "review", str(rid), user="reviewer")[0] == 0
    code, out, _ = run(city, capsys, "roster", "approve", str(rid), user="approver")
    assert code == 0 and "approved by approver and frozen" in out
    code, out, err = run(city, capsys, "roster", "list", "--status", "approved")
    assert code == 0 and out.startswith(f"{rid}\t2026-11\tdibao\tall\t{city['county']}")
    assert "1 roster(s)" in err

    bank = tmp_path / "bank.xlsx"
    code, out, _ = run(city, capsys, "roster", "xlsx", str(rid), str(bank), "--quiet")
    assert code == 0 and f"bank file of roster {rid} written" in out
    rows = list(openpyxl.load_workbook(bank)[B.BANK_SHEET].iter_rows(min_row=2, values_only=True))
    assert f"total {len(rows)} row(s)" in out  # every dibao household of the demo has an account

    # a return with a wrong amount: refused, names the row, records nothing
    ret = tmp_path / "return.xlsx"
    B.write_bank_return_template(bank, ret, failed={rows[2][0]: "账户冻结"}, others="成功")
    wb = openpyxl.load_workbook(ret)
    wb.active.cell(4, 5).value = 1.23
    wb.save(ret)
    code, _, err = run(city, capsys, "roster", "bank-returns", str(rid), str(ret))
    assert code == 2
    assert "error: return.xlsx row 4 column 金额: expected" in err and "found 1.23 yuan" in err
    assert sql(db, "SELECT COUNT(*) FROM payment_results")[0][0] == 0

    B.write_bank_return_template(bank, ret, failed={rows[2][0]: "账户冻结"}, others="成功")
    code, out, _ = run(city, capsys, "roster", "bank-returns", str(rid), str(ret))
    assert code == 0 and f"{len(rows) - 1} paid" in out and "1 failed" in out
    code, _, err = run(city, capsys, "roster", "bank-returns", str(rid), str(ret))
    assert code == 2 and "already been imported" in err

    # December reissues the failed payment
    code, out, _ = run(city, capsys, "roster", "build", "--area", city["county_name"],
                       "--month", "2026-12", "--program", "dibao", "--quiet")
    assert code == 0 and "1 reissue(s)" in out

    pdf, xlsx = tmp_path / "funds.pdf", tmp_path / "funds.xlsx"
    code, out, _ = run(city, capsys, "roster", "funds", "--area", city["county"],
                       "--year", "2026", "--month", "11", "--pdf", str(pdf), "--xlsx", str(xlsx))
    assert code == 0 and pdf.stat().st_size > 0 and xlsx.stat().st_size > 0
    assert "1 approved roster(s)" in out
    failed = sql(db, "SELECT l.amount_fen FROM payment_results AS p JOIN roster_lines AS l"
                     " ON l.id = p.line_id WHERE p.outcome = 'failed'")[0][0]
    paid = total - failed
    assert f"total paid {paid // 100:,}.{paid % 100:02d} yuan" in out
    assert "dibao urban: average" in out


def test_one_time_roster(db, city, capsys):
    code, out, _ = run(city, capsys, "roster", "one-time", "--area", city["county"],
                       "--date", "2026-11-20", "--amount", "210", "--categories", "dibao,tekun",
                       "--purpose", "2026年一次性生活补贴", "--quiet")
    assert code == 0
    rid = built_id(out)
    persons, total, per_person, purpose, title = sql(
        db, "SELECT person_count, total_fen, amount_per_person_fen, purpose, title"
            " FROM rosters WHERE id = :r", r=rid)[0]
    assert per_person == 21_000 and total == 21_000 * persons > 0
    assert purpose == "2026年一次性生活补贴"
    assert title == f"{city['county_name']}2026年一次性生活补贴发放花名册（2026年11月20日发放）"


def test_a_one_time_subsidy_is_paid_once(db, city, capsys):
    """The same purpose again over the same persons (the city above the county that has it)
    is refused in English with exit code 2, naming the roster; another purpose is built."""
    code, out, _ = run(city, capsys, "roster", "one-time", "--area", city["county"],
                       "--date", "2026-11-20", "--amount", "210", "--purpose", "2026年一次性生活补贴",
                       "--quiet")
    assert code == 0
    rid = built_id(out)
    title = sql(db, "SELECT title FROM rosters WHERE id = :r", r=rid)[0][0]
    for area in (city["county"], "411400000000"):
        code, out, err = run(city, capsys, "roster", "one-time", "--area", area,
                             "--date", "2026-11-20", "--amount", "210",
                             "--purpose", " 2026年一次性生活补贴 ", "--quiet")
        assert code == 2 and out == ""
        assert (f"error: purpose: a one-time roster for '2026年一次性生活补贴' already covers "
                f"these persons: roster {rid} ({title}, draft)") in err
    assert sql(db, "SELECT COUNT(*) FROM rosters")[0][0] == 1
    code, out, _ = run(city, capsys, "roster", "one-time", "--area", city["county"],
                       "--date", "2026-11-20", "--amount", "100", "--purpose", "春节慰问金",
                       "--quiet")
    assert code == 0 and built_id(out) != rid


@pytest.mark.parametrize("argv,message", [
    (["roster", "build", "--area", "411402000000", "--month", "2026/11", "--program", "dibao"],
     "not a month in the form YYYY-MM"),
    (["roster", "build", "--area", "411402000000", "--month", "2026-11", "--program", "x"],
     "invalid choice"),
    (["roster", "one-time", "--area", "411402000000", "--date", "2026-11-20",
      "--amount", "2.345", "--purpose", "x"], "not an amount in yuan"),
    (["roster", "one-time", "--area", "411402000000", "--date", "2026-11-20",
      "--amount", "210", "--categories", "dibao,marginal", "--purpose", "x"],
     "dibao and/or tekun"),
    (["roster", "one-time", "--area", "411402000000", "--date", "2026-11-20",
      "--amount", "210"], "the following arguments are required: --purpose"),
])
def test_malformed_arguments_exit_2(city, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main([*city["db"], *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_bad_input_exits_2_with_a_message(city, capsys, tmp_path):
    code, _, err = run(city, capsys, "roster", "build", "--area", "nowhere", "--month",
                       "2026-11", "--program", "dibao")
    assert code == 2 and "error: --area: 'nowhere' must name exactly one area" in err
    code, _, err = run(city, capsys, "roster", "build", "--area", "411402001001",
                       "--month", "2026-11", "--program", "dibao")  # a village
    assert code == 2 and "a roster is for a township, county or city" in err
    code, _, err = run(city, capsys, "roster", "approve", "999")
    assert code == 2 and "roster 999 not found" in err
    code, _, err = run(city, capsys, "roster", "funds", "--area", city["county"],
                       "--year", "2026")
    assert code == 2 and "--pdf OUT and/or --xlsx OUT" in err
    code, _, err = run(city, capsys, "roster", "bank-returns", "1", str(tmp_path / "none.csv"))
    assert code == 2 and "roster 1 not found" in err


def test_pdf_and_notice(db, city, capsys, tmp_path):
    pytest.importorskip("assistcase.reports.roster_pdf")
    code, out, _ = run(city, capsys, "roster", "build", "--area", city["county"],
                       "--month", "2026-11", "--program", "tekun", "--quiet")
    rid = built_id(out)
    roster, notice = tmp_path / "roster.pdf", tmp_path / "notice.pdf"
    code, out, _ = run(city, capsys, "roster", "pdf", str(rid), str(roster), "--quiet")
    assert code == 0 and f"roster of roster {rid} written to {roster}" in out
    code, out, _ = run(city, capsys, "roster", "notice", str(rid), str(notice), "--quiet")
    assert code == 0 and "public notice" in out
    ids = [r[0] for r in sql(db, "SELECT id_number FROM roster_lines WHERE roster_id = :r",
                             r=rid)]
    roster_text = subprocess.run(["pdftotext", str(roster), "-"], capture_output=True,
                                 text=True, check=True).stdout
    notice_text = subprocess.run(["pdftotext", str(notice), "-"], capture_output=True,
                                 text=True, check=True).stdout
    assert ids and all(i in roster_text for i in ids)
    assert not any(i in notice_text for i in ids)
