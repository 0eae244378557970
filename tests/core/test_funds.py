"""The funds report: figures against direct SQL over the approved rosters, a year is the sum
of its months, drafts never count, failed payments count once (when reissued), the subsidy
level check; the PDF and the workbook read back."""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select, text

from assistcase.io import bank as B
from assistcase.models import Area
from assistcase.reports import funds as F
from assistcase.services.funds import funds_report
from assistcase.services import rosters as R
from assistcase.services.standards import StandardInput, save_standard
from assistcase.rules.money import yuan

from ..conftest import ACTOR, demo_city

OCT = dt.date(2026, 10, 1)
NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)


def approve(db, roster_id):
    R.review_roster(db, "reviewer", roster_id)
    R.approve_roster(db, "approver", roster_id)
    return roster_id


@pytest.fixture
def paid(db, tmp_path):
    """A county paid for October and November 2026 (dibao and extreme hardship), with two
    failed October dibao payments reissued in November, a one-time subsidy in November and a
    December dibao draft (which must never count)."""
    demo_city(db, households=400, seed=4, today=dt.date(2026, 11, 22))
    with db.read() as s:
        county = s.scalars(select(Area).where(Area.level == "county")
                           .order_by(Area.code)).first()
        county = {"id": county.id, "code": county.code}
    oct_dibao = approve(db, R.build_monthly_roster(
        db, ACTOR, R.MonthlyRosterInput(county["id"], OCT, "dibao")).roster_id)
    approve(db, R.build_monthly_roster(
        db, ACTOR, R.MonthlyRosterInput(county["id"], OCT, "tekun")).roster_id)
    bank = tmp_path / "oct.xlsx"
    B.write_bank_xlsx(db, oct_dibao, bank)
    refs = [r[0] for r in openpyxl.load_workbook(bank)[B.BANK_SHEET].iter_rows(
        min_row=2, values_only=True)]
    ret = tmp_path / "oct-return.xlsx"
    B.write_bank_return_template(bank, ret, failed={refs[1]: "账号错误", refs[5]: "已销户"},
                                 others="成功")
    B.import_bank_returns(db, ACTOR, oct_dibao, ret)
    nov = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(county["id"], NOV, "dibao"))
    assert nov.reissues == 2
    approve(db, nov.roster_id)
    approve(db, R.build_monthly_roster(
        db, ACTOR, R.MonthlyRosterInput(county["id"], NOV, "tekun")).roster_id)
    approve(db, R.build_one_time_roster(
        db, ACTOR, R.OneTimeInput(county["id"], dt.date(2026, 11, 20), 21000,
                                  purpose="2026年一次性生活补贴")).roster_id)
    R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(county["id"], DEC, "dibao"))
    county["failed_fen"] = sql(db, "SELECT SUM(l.amount_fen) FROM payment_results AS pr"
                                   " JOIN roster_lines AS l ON l.id = pr.line_id"
                                   " WHERE pr.outcome = 'failed'")[0][0]
    return county


def sql(db, query, **params):
    with db.read() as s:
        return s.execute(text(query), params).all()


def report(db, area_id, year=2026, month=None):
    with db.read() as s:
        return funds_report(s, area_id, year, month)


# The same figures written another way: approved rosters of a month, lines of the area,
# failed payments subtracted through NOT EXISTS, households from persons > 0.
EXPECTED = """
SELECT r.program, l.residence_class,
       COUNT(DISTINCT CASE WHEN l.persons > 0 THEN l.household_id END),
       SUM(l.persons), SUM(l.base_fen), SUM(l.adjust_fen), SUM(l.amount_fen),
       SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM payment_results AS p WHERE p.line_id = l.id
                                 AND p.outcome = 'failed') THEN l.amount_fen ELSE 0 END)
FROM rosters AS r JOIN roster_lines AS l ON l.roster_id = r.id
WHERE r.status = 'approved' AND strftime('%Y', r.month) = :year
  AND (:month IS NULL OR CAST(strftime('%m', r.month) AS INTEGER) = :month)
  AND substr(l.village_code, 1, :digits) = :prefix
GROUP BY r.program, l.residence_class
"""


def expected(db, code, digits, year=2026, month=None):
    return {(p, c): (hh, persons, base, adjust, amount, paid)
            for p, c, hh, persons, base, adjust, amount, paid in sql(
                db, EXPECTED, year=str(year), month=month, digits=digits,
                prefix=code[:digits])}


def figures(rep):
    return {(r.program, r.residence_class): (r.tally.households, r.tally.persons,
                                             r.tally.base_fen, r.tally.adjust_fen,
                                             r.tally.amount_fen, r.tally.paid_fen)
            for r in rep.by_program if r.residence_class is not None}


@pytest.mark.parametrize("month", [10, 11, None])
def test_figures_equal_direct_sql_sums(db, paid, month):
    rep = report(db, paid["id"], month=month)
    want = expected(db, paid["code"], 6, month=month)
    assert want and figures(rep) == want
    programs = {"dibao", "tekun"} | ({"one_time"} if month != 10 else set())
    assert set(rep.programs) == programs
    for p in rep.programs:  # the program subtotal adds its classes' amounts and persons
        sub = rep.program_total(p)
        parts = [v for (prog, _c), v in want.items() if prog == p]
        assert sub.persons == sum(v[1] for v in parts)
        assert sub.paid_fen == sum(v[5] for v in parts)
    assert rep.total.paid_fen == sum(v[5] for v in want.values())
    assert rep.total.amount_fen == sum(v[4] for v in want.values())
    # the villages and townships add up to the total
    villages = [pl for pl in rep.places if not pl.is_township]
    towns = [pl for pl in rep.places if pl.is_township]
    assert sum(v.total.paid_fen for v in villages) == rep.total.paid_fen
    assert sum(t.total.paid_fen for t in towns) == rep.total.paid_fen
    assert sum(v.by_program["dibao"].persons for v in villages if "dibao" in v.by_program) \
        == rep.program_total("dibao").persons


def test_failed_payments_count_once_in_the_month_they_are_reissued(db, paid):
    octo, nov = report(db, paid["id"], month=10), report(db, paid["id"], month=11)
    dibao_oct, dibao_nov = octo.program_total("dibao"), nov.program_total("dibao")
    assert dibao_oct.failed_fen == paid["failed_fen"] > 0
    assert dibao_oct.paid_fen == dibao_oct.amount_fen - paid["failed_fen"]
    assert dibao_nov.failed_fen == 0
    assert dibao_nov.adjust_fen == paid["failed_fen"]  # the reissues
    assert dibao_nov.amount_fen == dibao_nov.base_fen + paid["failed_fen"]


def test_a_year_is_the_sum_of_its_months_and_drafts_never_count(db, paid):
    year = report(db, paid["id"])
    months = [report(db, paid["id"], month=m) for m in range(1, 13)]
    assert [m.month for m in months if m.roster_ids] == [10, 11]
    assert not months[11].roster_ids and not months[11].by_program  # December is a draft
    for key in ("persons", "base_fen", "adjust_fen", "amount_fen", "failed_fen", "lines"):
        assert getattr(year.total, key) == sum(getattr(m.total, key) for m in months), key
        for row in year.by_program:
            assert getattr(row.tally, key) == sum(
                getattr(r.tally, key) for m in months for r in m.by_program
                if (r.program, r.residence_class) == (row.program, row.residence_class)), key
    for place in year.places:
        assert place.total.paid_fen == sum(pl.total.paid_fen for m in months
                                           for pl in m.places
                                           if (pl.township_code, pl.village_code)
                                           == (place.township_code, place.village_code))
    assert year.months == (OCT, NOV) and len(year.roster_ids) == 5
    # households in a year are distinct households, not household-months
    hh = sql(db, "SELECT COUNT(DISTINCT l.household_id) FROM roster_lines AS l"
                 " JOIN rosters AS r ON r.id = l.roster_id WHERE r.status = 'approved'"
                 " AND r.program = 'dibao' AND l.persons > 0 AND l.village_code LIKE :p",
             p=paid["code"][:6] + "%")[0][0]
    assert year.program_total("dibao").households == hh
    assert hh < sum(m.program_total("dibao").households for m in months if m.roster_ids)


def test_a_township_report_holds_only_its_lines(db, paid):
    county = report(db, paid["id"], month=11)
    with db.read() as s:
        towns = s.execute(select(Area.id, Area.code).where(
            Area.level == "township", Area.code.like(paid["code"][:6] + "%"))).all()
    total = 0
    for town_id, code in towns:
        rep = report(db, town_id, month=11)
        assert figures(rep) == expected(db, code, 9, month=11)
        assert all(pl.township_code == code for pl in rep.places)
        total += rep.total.paid_fen
    assert total == county.total.paid_fen > 0


def test_subsidy_level_against_the_standard_in_force(db, paid):
    rep = report(db, paid["id"], month=11)
    got = {lv.residence_class: lv for lv in rep.levels}
    for cls, required in (("urban", 31_500), ("rural", 21_000)):  # Shangqiu 2022, seed 002
        persons, base = sql(db, "SELECT SUM(l.persons), SUM(l.base_fen) FROM roster_lines AS l"
                                " JOIN rosters AS r ON r.id = l.roster_id"
                                " WHERE r.status = 'approved' AND r.program = 'dibao'"
                                " AND r.month = :m AND l.residence_class = :c"
                                " AND l.village_code LIKE :p",
                            m=NOV.isoformat(), c=cls, p=paid["code"][:6] + "%")[0]
        lv = got[cls]
        assert (lv.person_months, lv.base_fen, lv.required_fen) == (persons, base, required)
        assert lv.average_fen == int((Decimal(base) / persons).quantize(Decimal(1),
                                                                         "ROUND_HALF_UP"))
        assert lv.below is (lv.average_fen < required)

    # The county raises its urban level from November to 1,000 yuan: November falls short;
    # the year is judged against the person-month weighted requirement.
    save_standard(db, ACTOR, StandardInput(paid["id"], "urban", "subsidy_level", NOV, 100_000))
    nov = {lv.residence_class: lv for lv in report(db, paid["id"], month=11).levels}
    octo = {lv.residence_class: lv for lv in report(db, paid["id"], month=10).levels}
    year = {lv.residence_class: lv for lv in report(db, paid["id"]).levels}
    assert nov["urban"].required_fen == 100_000 and nov["urban"].below
    assert octo["urban"].required_fen == 31_500 and not octo["urban"].below
    assert nov["rural"].required_fen == 21_000  # the rural level is unchanged
    n_oct, n_nov = octo["urban"].person_months, nov["urban"].person_months
    weighted = Decimal(31_500 * n_oct + 100_000 * n_nov) / (n_oct + n_nov)
    assert year["urban"].required_fen == int(weighted.quantize(Decimal(1), "ROUND_HALF_UP"))
    assert year["urban"].person_months == n_oct + n_nov


def test_pdf_and_workbook_read_back(db, paid, tmp_path):
    rep = report(db, paid["id"])
    pdf = F.write_funds_pdf(rep, tmp_path / "funds.pdf")
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert rep.title in words.replace(" ", "")
    assert yuan(rep.total.paid_fen) in words
    assert yuan(rep.program_total("dibao").paid_fen) in words
    flat = words.replace(" ", "")
    assert "第1页/共" in flat
    verdicts = [flat.count("达到要求"), flat.count("低于要求")]
    assert sum(verdicts) == len(rep.levels) == 2

    xlsx = F.write_funds_xlsx(rep, tmp_path / "funds.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["汇总"]
    assert ws["A1"].value == rep.title
    rows = [r for r in ws.iter_rows(values_only=True)]
    total = next(r for r in rows if r[0] == "合计")
    assert Decimal(repr(total[8])) * 100 == rep.total.paid_fen
    dibao = next(r for r in rows if r[0] == "最低生活保障" and r[1] == "小计")
    t = rep.program_total("dibao")
    assert (dibao[2], dibao[3]) == (t.households, t.persons)
    assert Decimal(repr(dibao[8])) * 100 == t.paid_fen
    places = list(wb["分地区"].iter_rows(min_row=3, values_only=True))
    villages = [r for r in places if r[1]]
    assert sum(Decimal(repr(r[-1])) * 100 for r in villages) == rep.total.paid_fen
    assert not list(tmp_path.glob("*.part"))


def test_bad_period_is_refused(db, paid):
    from assistcase.errors import ValidationError

    with pytest.raises(ValidationError) as err:
        report(db, paid["id"], year=2026, month=13)
    assert err.value.errors[0].field == "month"
