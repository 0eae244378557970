"""Statistics (社会救助统计): a generated year against direct SQL and an independent count;
quarters add up to the year for funds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import bindparam, select, text

from assistcase.demo import generate_demo_city
from assistcase.models import Area
from assistcase.services import rosters as R
from assistcase.services.aid_roster import build_temp_aid_roster
from assistcase.services.statistics import (PROGRAMS, Period, liaison_by_level,
                                            monthly_series, statistics)

from ..conftest import ACTOR, open_test_db

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

    db = open_test_db(tmp_path_factory.mktemp("stats") / "year.sqlite3")
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
        liaison = liaison_by_level(s, Period.of("year", YEAR), dt.date(YEAR, 11, 22))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pictures = [charts.caseload_chart(series), charts.funds_chart(series),
                    charts.aid_by_cause_chart(rep.aid_by_cause), charts.liaison_chart(liaison),
                    charts.liaison_chart([])]
    assert all(p.startswith(b"\x89PNG") and len(p) > 10_000 for p in pictures)
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_the_passes_over_the_lines_read_the_covering_indexes(year_db):
    """EXPLAIN QUERY PLAN of every statement the statistics send that reads roster lines:
    the two big passes read their covering indexes (never the wide rows, never a sort of the
    lines), the others reach lines by key. This is what keeps a city's year quick (the
    benchmark: benchmarks/bench_print.py)."""
    from sqlalchemy import event

    db, city = year_db
    seen = []

    def capture(_conn, _cursor, statement, params, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            every.append(statement)
            if "roster_lines" in statement:
                seen.append((statement, params))

    every = []

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.read() as s:
            statistics(s, city, Period.of("year", YEAR))
            monthly_series(s, city, dt.date(YEAR, 11, 1))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    plans = []
    raw = db.engine.raw_connection()
    try:
        for statement, params in seen:
            plans.append([row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement,
                                                        params)])
    finally:
        raw.close()
    flat = [step for plan in plans for step in plan]
    # Money: the sums recorded at approval, not a pass over the lines (every roster here
    # was approved through the service, so every roster has its sums).
    assert any("FROM roster_sums" in st for st in every)
    assert not any("COVERING INDEX ix_roster_lines_statistics" in p for p in flat)
    assert any("COVERING INDEX ix_roster_lines_case_persons" in p for p in flat)
    for plan in plans:
        assert not any(p.startswith("SCAN l") or p.startswith("SCAN roster_lines")
                       for p in plan), plan
        if any("ix_roster_lines_statistics" in p or "ix_roster_lines_case_persons" in p
               for p in plan):
            assert not any("TEMP B-TREE" in p for p in plan), plan


def test_sums_recorded_at_approval_equal_the_lines_and_are_not_needed(year_db):
    """Each approved roster's sums (recorded at approval) equal its lines per township and
    class; the statistics are the same when a roster has no sums or incomplete ones (approved
    by a path that did not record them): such a roster is read from its lines."""
    from assistcase.services.roster_sums import record_sums

    db, city = year_db
    with db.read() as s:
        approved = s.execute(text("SELECT id, line_count FROM rosters"
                                  " WHERE status = 'approved' ORDER BY id")).all()
        for rid, line_count in approved:
            lines = s.execute(text(
                "SELECT township_code, residence_class, COUNT(*), SUM(amount_fen),"
                " SUM(persons) FROM roster_lines WHERE roster_id = :r"
                " GROUP BY township_code, residence_class"), {"r": rid}).all()
            sums = s.execute(text(
                "SELECT township_code, residence_class, lines, amount_fen, persons"
                " FROM roster_sums WHERE roster_id = :r"), {"r": rid}).all()
            assert sorted(map(tuple, sums)) == sorted(map(tuple, lines)), rid
            assert sum(r[2] for r in sums) == line_count > 0
        before = statistics(s, city, Period.of("year", YEAR), compare=False)
        county = s.scalars(select(Area.id).where(Area.level == "county")
                           .order_by(Area.code)).first()
        county_before = statistics(s, county, Period.of("year", YEAR), compare=False)
        series_before = monthly_series(s, city, dt.date(YEAR, 11, 1))
    ids = [rid for rid, _n in approved]
    try:
        with db.begin() as s:  # half the rosters without sums, one with a township's missing
            s.execute(text("DELETE FROM roster_sums WHERE roster_id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": ids[::2]})
            s.execute(text("DELETE FROM roster_sums WHERE roster_id = :r AND township_code ="
                           " (SELECT MIN(township_code) FROM roster_sums WHERE roster_id = :r)"),
                      {"r": ids[1]})
        with db.read() as s:
            assert statistics(s, city, Period.of("year", YEAR), compare=False).by_program \
                == before.by_program
            after = statistics(s, city, Period.of("year", YEAR), compare=False)
            assert (after.by_area, after.channels, after.levels) == (
                before.by_area, before.channels, before.levels)
            assert statistics(s, county, Period.of("year", YEAR), compare=False).by_program \
                == county_before.by_program
            assert monthly_series(s, city, dt.date(YEAR, 11, 1)) == series_before
    finally:
        with db.begin() as s:
            for rid in ids:
                record_sums(s, rid)


def test_liaison_compliance_by_level_is_the_liaison_reports(year_db, tmp_path):
    """The chart's figures are the liaison compliance report's, per level, with its rate
    (half up, one decimal) and words; the full PDF report carries them and the chart."""
    import shutil
    import subprocess

    from assistcase.rules import liaison as P
    from assistcase.reports.statistics_pdf import write_statistics_pdf
    from assistcase.services.liaison import compliance_report

    db, city = year_db
    today = dt.date(YEAR, 11, 22)
    with db.read() as s:
        levels = liaison_by_level(s, Period.of("year", YEAR), today)
        direct = compliance_report(s, P.Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31),
                                               "year"), as_of=today)
        q3 = liaison_by_level(s, Period.of("quarter", YEAR, 3), today)
        q3_direct = compliance_report(s, P.period_containing("quarter", dt.date(YEAR, 8, 1)))
        rep = statistics(s, city, Period.of("year", YEAR), compare=False)
        series = monthly_series(s, city, dt.date(YEAR, 11, 1))
    assert [r.level for r in levels] == [k for k in ("province", "city", "county")
                                         if k in direct.by_level]
    assert len(levels) == 3
    for r in levels:
        t = direct.by_level[r.level]
        assert (r.met, r.missed, r.due, r.rate_text) == (t.met, t.missed, t.due, t.rate_text)
        assert r.due > 0  # the year is not over on the 22nd of November
    for r in q3:  # a past quarter: everything judged, nothing still due
        t = q3_direct.by_level[r.level]
        assert (r.met, r.missed, r.due) == (t.met, t.missed, 0)
    out = write_statistics_pdf(rep, tmp_path / "full.pdf", "full", series, levels)
    if shutil.which("pdftotext") is None:
        return
    body = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "领导定点联系救助管理机构（按级别）" in body
    for r in levels:
        assert re.search(rf"{r.label}\s+{r.met:,}\s+{r.missed:,}\s+{r.due:,}\s+"
                         rf"{re.escape(r.rate_text)}", body), r


def test_a_county_of_a_city_roster_counts_only_its_own_lines(year_db):
    """The rosters are the city's: a county's statistics filter their lines by township,
    and equal direct SQL (funds less failed payments, the headcount per case)."""
    db, city = year_db
    with db.read() as s:
        county = s.scalars(select(Area).where(Area.level == "county").order_by(Area.code)).first()
        rep = statistics(s, county.id, Period.of("year", YEAR), compare=False)
        whole = statistics(s, city, Period.of("year", YEAR), compare=False)
        for program in ("dibao", "tekun"):
            (fen,) = _sql(s, """
                SELECT COALESCE(SUM(l.amount_fen), 0) FROM roster_lines AS l
                JOIN rosters AS r ON r.id = l.roster_id
                WHERE r.status = 'approved' AND r.program = :p AND r.month >= :a
                  AND r.month < :b AND l.township_code LIKE :c
                  AND l.id NOT IN (SELECT line_id FROM payment_results WHERE outcome = 'failed')
                """, p=program, a=f"{YEAR}-01-01", b=f"{YEAR + 1}-01-01",
                c=county.code[:6] + "%")
            (persons,) = _sql(s, """
                SELECT COALESCE(SUM(m), 0) FROM (
                  SELECT MAX(l.persons) AS m FROM roster_lines AS l
                  JOIN rosters AS r ON r.id = l.roster_id
                  WHERE r.status = 'approved' AND r.program = :p AND l.persons > 0
                    AND l.township_code LIKE :c GROUP BY l.case_id) AS x""",
                p=program, c=county.code[:6] + "%")
            f = rep.figures(program)
            assert (f.funds_fen, f.persons) == (fen, persons)
            assert 0 < f.funds_fen < whole.figures(program).funds_fen, program
    assert {a.township_code[:6] for a in rep.by_area} == {county.code[:6]}


def test_sums_recorded_at_approval_on_both_engines(db):
    """On SQLite and PostgreSQL: approval records the roster's sums, the statistics read
    them and equal direct SQL over the lines, and equal themselves without the sums."""
    from assistcase.services.roster_sums import record_sums

    from ..conftest import demo_city

    demo_city(db, 120, 3, dt.date(YEAR, 3, 22))
    with db.read() as s:
        city = s.scalar(select(Area.id).where(Area.level == "city").order_by(Area.code))
    ids = [approve(db, R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(
        city, dt.date(YEAR, month, 1), "dibao")).roster_id) for month in (1, 2)]
    with db.read() as s:
        (n_sums, fen_sums), = s.execute(text(
            "SELECT SUM(lines), SUM(amount_fen) FROM roster_sums")).all()
        (n_lines, fen_lines), = s.execute(text(
            "SELECT COUNT(*), SUM(amount_fen) FROM roster_lines")).all()
        assert (n_sums, fen_sums) == (n_lines, fen_lines) and n_lines > 0
        rep = statistics(s, city, Period.of("year", YEAR), compare=False)
        assert rep.figures("dibao").funds_fen == fen_lines
    with db.begin() as s:
        s.execute(text("DELETE FROM roster_sums"))
    with db.read() as s:
        assert statistics(s, city, Period.of("year", YEAR), compare=False).by_program \
            == rep.by_program
    with db.begin() as s:
        for rid in ids:
            record_sums(s, rid)
    with db.read() as s:
        assert s.execute(text("SELECT SUM(amount_fen) FROM roster_sums")).scalar() == fen_lines
