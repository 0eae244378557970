"""Statistics (社会救助统计): a generated year against direct SQL and an independent count;
quarters add up to the year for funds."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from assistcase.demo import generate_demo_city
from assistcase.models import Area
from assistcase.services import rosters as R
from assistcase.services.aid import build_temp_aid_roster
from assistcase.services.statistics import PROGRAMS, Period, monthly_series, statistics

from ..conftest import ACTOR

YEAR = 2026


def approve(db, roster_id):
    R.review_roster(db, "reviewer", roster_id)
    R.approve_roster(db, "approver", roster_id)
    return roster_id


@pytest.fixture(scope="module")
def year_db(tmp_path_factory):
    """A demo city of 300 households paid every month of the year up to November (dibao and
    extreme hardship), a one-time subsidy in June, a temporary-aid roster in October beside
    the aid paid directly (cash and transfers), some payees in cash, a failed payment."""
    from assistcase.db import open_database
    from assistcase.services.areas import load_areas_csv

    db = open_database(tmp_path_factory.mktemp("stats") / "year.sqlite3")
    load_areas_csv(db, ACTOR)
    generate_demo_city(db, ACTOR, households=300, seed=11, today=dt.date(YEAR, 11, 22))
    with db.read() as s:
        city = s.scalar(select(Area).where(Area.level == "city").order_by(Area.code))
    with db.begin() as s:
        s.execute(text("UPDATE households SET account_type = 'none', account_number = ''"
                       " WHERE id IN (SELECT household_id FROM assistance_cases"
                       " WHERE program = 'dibao' ORDER BY id LIMIT 5)"))
    for month in range(1, 12):
        for program in ("dibao", "tekun"):
            rid = approve(db, R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(
                city.id, dt.date(YEAR, month, 1), program)).roster_id)
            if month == 3 and program == "dibao":
                with db.read() as s:
                    line = next(ln for ln in R.iter_lines(s, rid) if ln.account_number)
                R.record_bank_returns(db, ACTOR, rid, "ret.csv", "1" * 64,
                                      [R.PaymentOutcome(line.id, "failed", "账户冻结")])
    approve(db, R.build_one_time_roster(db, ACTOR, R.OneTimeInput(
        city.id, dt.date(YEAR, 6, 20), 21_000, purpose=f"{YEAR}年一次性生活补贴")).roster_id)
    aid = build_temp_aid_roster(db, ACTOR, city.id, dt.date(YEAR, 10, 1))
    approve(db, aid.roster_id)
    yield db, city.id
    db.dispose()


def _sql(s, sql, **params):
    return s.execute(text(sql), params).one()


def test_statistics_of_a_year_equal_direct_sql(year_db):
    db, city = year_db
    with db.read() as s:
        rep = statistics(s, city, Period.of("year", YEAR))
        # Funds per program: the approved rosters' lines, less failed payments.
        for program in ("dibao", "tekun", "one_time"):
            (fen,) = _sql(s, """
                SELECT COALESCE(SUM(l.amount_fen), 0) FROM roster_lines AS l
                JOIN rosters AS r ON r.id = l.roster_id
                WHERE r.status = 'approved' AND r.program = :p AND r.month >= :a AND r.month < :b
                  AND l.id NOT IN (SELECT line_id FROM payment_results WHERE outcome = 'failed')
                """, p=program, a=f"{YEAR}-01-01", b=f"{YEAR + 1}-01-01")
            assert rep.figures(program).funds_fen == fen > 0, program
        # Persons are a headcount: each case once, with the most persons it covered; counted
        # here from the lines themselves, in Python.
        best: dict[tuple[str, int], int] = {}
        months: dict[str, int] = {}
        households: dict[str, set] = {}
        for rid, program in s.execute(text(
                "SELECT id, program FROM rosters WHERE status = 'approved' AND program IN"
                " ('dibao', 'tekun', 'one_time')")):
            for line in R.iter_lines(s, rid):
                if line.persons > 0 and line.case_id is not None:
                    key = (program, line.case_id)
                    best[key] = max(best.get(key, 0), line.persons)
                    months[program] = months.get(program, 0) + line.persons
                    households.setdefault(program, set()).add(line.household_id)
        for program in ("dibao", "tekun", "one_time"):
            f = rep.figures(program)
            assert f.persons == sum(v for (p, _c), v in best.items() if p == program)
            assert f.person_months == months[program]
            assert f.households == len(households[program])
        # A headcount, not person-months.
        assert rep.figures("dibao").persons < rep.figures("dibao").person_months
        assert rep.figures("dibao", "urban").persons + rep.figures("dibao", "rural").persons \
            == rep.figures("dibao").persons
        # Temporary aid: grants paid by the roster and directly, cash included.
        times, fen = _sql(s, """
            SELECT COUNT(*), SUM(amount_granted_fen) FROM aid_cases
            WHERE status = 'paid' AND paid_on >= :a AND paid_on < :b""",
            a=f"{YEAR}-01-01", b=f"{YEAR + 1}-01-01")
        (cash_fen,) = _sql(s, """
            SELECT SUM(amount_granted_fen) FROM aid_cases WHERE status = 'paid'
            AND paid_via = 'direct' AND payment_method = 'cash' AND paid_on >= :a""",
            a=f"{YEAR}-01-01")
        (by_roster,) = _sql(s, "SELECT COUNT(*) FROM aid_cases WHERE paid_via = 'roster'")
        assert cash_fen > 0 and by_roster > 0
        ta = rep.figures("temp_aid")
        assert (ta.person_months, ta.funds_fen) == (times, fen)
        assert rep.channels.aid_direct_cash_fen == cash_fen
        assert sum(r.person_times for r in rep.aid_by_type) == times
        assert sum(r.funds_fen for r in rep.aid_by_cause) == fen
        # Every channel adds up to every program's funds.
        assert rep.channels.total_fen == sum(rep.figures(p).funds_fen for p in PROGRAMS)
        assert rep.channels.roster_cash_fen > 0
        # The year before had nothing: the change is a dash, not a percentage.
        assert rep.previous is not None and rep.change("dibao", "persons") == "—"
        assert "低保对象" in rep.summary_zh() and "临时救助" in rep.summary_zh()


def test_quarters_add_up_to_the_year_and_months_to_january_to_month(year_db):
    db, city = year_db
    with db.read() as s:
        year = statistics(s, city, Period.of("year", YEAR), compare=False)
        quarters = [statistics(s, city, Period.of("quarter", YEAR, q), compare=False)
                    for q in range(1, 5)]
        to_june = statistics(s, city, Period.of("to_month", YEAR, 6), compare=False)
        months = [statistics(s, city, Period.of("month", YEAR, m), compare=False)
                  for m in range(1, 7)]
    for p in PROGRAMS:
        assert sum(q.figures(p).funds_fen for q in quarters) == year.figures(p).funds_fen
        assert sum(q.figures(p).person_months for q in quarters) == year.figures(p).person_months
        assert sum(m.figures(p).funds_fen for m in months) == to_june.figures(p).funds_fen
    assert sum(q.channels.total_fen for q in quarters) == year.channels.total_fen
    # Headcounts do not add up: the same person is paid in every quarter.
    assert sum(q.figures("dibao").persons for q in quarters) > year.figures("dibao").persons
    assert Period.of("to_month", YEAR, 6).months == 6 and Period.of("quarter", YEAR, 4).end \
        == dt.date(YEAR + 1, 1, 1)


def test_monthly_series_for_the_charts(year_db):
    db, city = year_db
    with db.read() as s:
        series = monthly_series(s, city, dt.date(YEAR, 11, 1))
        year = statistics(s, city, Period.of("year", YEAR), compare=False)
    assert len({p.month for p in series}) == 24
    for p in PROGRAMS:
        assert sum(pt.funds_fen for pt in series if pt.program == p
                   and pt.month.year == YEAR) == year.figures(p).funds_fen


def test_charts_are_drawn_with_every_glyph(year_db):
    """The charts are PNGs drawn without a GUI backend; no Chinese or Latin glyph is
    missing from the fonts (matplotlib warns when one is)."""
    import warnings

    from assistcase.reports import charts

    db, city = year_db
    with db.read() as s:
        series = monthly_series(s, city, dt.date(YEAR, 11, 1))
        rep = statistics(s, city, Period.of("year", YEAR), compare=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pictures = [charts.caseload_chart(series), charts.funds_chart(series),
                    charts.aid_by_cause_chart(rep.aid_by_cause)]
    assert all(p.startswith(b"\x89PNG") and len(p) > 10_000 for p in pictures)
    assert not [w for w in caught if "missing from font" in str(w.message)]
