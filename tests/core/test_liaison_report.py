"""The compliance report on generated data (a year, 3 levels, ≥ 50 leaders, ≥ 40 institutions)
equals a direct SQL computation; and the PDF and Excel files carry the same figures."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from assistcase.rules import liaison as P
from assistcase.models import Assignment, Institution, Leader
from assistcase.demo.liaison import generate_liaison_data
from assistcase.services import liaison as L

from ..conftest import ACTOR

YEAR = 2025

# Independent of assistcase.liaison: periods from SQLite's date functions, the requirement
# prorated as round_half_up(min × covered days / period days) in integers, visits counted in
# the covered days, and only periods whose last day falls in the report period.
SQL = """
WITH RECURSIVE m(start) AS (
    SELECT date(:pstart, '-11 months')
    UNION ALL SELECT date(start, '+1 month') FROM m WHERE start < :pend
),
kinds(kind, n) AS (VALUES ('month', 1), ('quarter', 3), ('half', 6), ('year', 12)),
periods AS (
    SELECT kind, start AS ps, date(start, '+' || n || ' months', '-1 day') AS pe
    FROM m JOIN kinds ON (CAST(strftime('%m', start) AS INTEGER) - 1) % n = 0
),
duty AS (
    SELECT a.leader_id, a.institution_id, l.org_level, r.code AS role, r.min_contacts AS k,
           max(p.ps, a.start_on) AS cs, min(p.pe, coalesce(a.end_on, p.pe)) AS ce, p.ps, p.pe
    FROM liaison_assignments a
    JOIN liaison_leaders l ON l.id = a.leader_id
    JOIN liaison_rules r ON r.code = l.rule_code
    JOIN periods p ON p.kind = r.period
    WHERE p.pe BETWEEN :pstart AND :pend
      AND a.start_on <= p.pe AND coalesce(a.end_on, p.pe) >= p.ps
      AND (:level IS NULL OR l.org_level = :level)
),
req AS (
    SELECT duty.*,
           (2 * k * (CAST(julianday(ce) - julianday(cs) AS INTEGER) + 1)
            + CAST(julianday(pe) - julianday(ps) AS INTEGER) + 1)
           / (2 * (CAST(julianday(pe) - julianday(ps) AS INTEGER) + 1)) AS required,
           (SELECT count(*) FROM liaison_visits v
             WHERE v.leader_id = duty.leader_id AND v.institution_id = duty.institution_id
               AND v.visited_on BETWEEN duty.cs AND duty.ce) AS done
    FROM duty
)
SELECT leader_id, institution_id, org_level, role, count(*) AS judged,
       sum(done >= required) AS met, sum(required) AS required, sum(done) AS done
FROM req WHERE required > 0
GROUP BY leader_id, institution_id, org_level, role
"""

OPEN_RECT_SQL = """
SELECT count(*) FROM liaison_rectifications r
JOIN liaison_visits v ON v.id = r.visit_id JOIN liaison_leaders l ON l.id = v.leader_id
WHERE r.status = 'open' AND v.visited_on <= :pend AND (:level IS NULL OR l.org_level = :level)
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from assistcase.db import open_database
    from assistcase.services.areas import load_areas_csv

    path = tmp_path_factory.mktemp("liaison") / "generated.sqlite3"
    db = open_database(path)
    load_areas_csv(db, ACTOR)
    counts = generate_liaison_data(db, ACTOR, YEAR, seed=2025)
    yield db, counts
    db.dispose()


def test_generated_data_has_the_required_shape(generated):
    db, counts = generated
    with db.read() as s:
        levels = Counter(s.scalars(select(Leader.org_level)))
        n_inst = s.scalar(select(func.count(Institution.id)))
        roles = set(s.scalars(select(Leader.rule_code)))
        mid_year = s.scalar(select(func.count(Assignment.id)).where(
            Assignment.start_on > dt.date(YEAR, 1, 1)))
        ending = s.scalar(select(func.count(Assignment.id)).where(Assignment.end_on.is_not(None)))
    assert set(levels) == {"province", "city", "county"}
    assert sum(levels.values()) >= 50 and n_inst >= 40
    assert len(roles) == 8
    assert mid_year >= 5 and ending >= 3
    assert counts["visits"] > 300 and counts["rectifications"] > 20


def test_generation_is_deterministic(db):
    a = generate_liaison_data(db, ACTOR, YEAR, seed=11)
    with db.read() as s:
        first = s.execute(text("SELECT leader_id, institution_id, visited_on, mode "
                               "FROM liaison_visits ORDER BY id")).all()
    with db.begin() as s:
        for t in ("liaison_institution_results", "liaison_rectifications", "liaison_visits",
                  "liaison_assignments", "liaison_leaders", "liaison_assessments",
                  "liaison_institutions"):
            s.execute(text(f"DELETE FROM {t}"))
    assert generate_liaison_data(db, ACTOR, YEAR, seed=11) == a
    with db.read() as s:
        again = s.execute(text("SELECT leader_id - (SELECT min(id) FROM liaison_leaders) + 1, "
                               "institution_id - (SELECT min(id) FROM liaison_institutions) + 1,"
                               " visited_on, mode FROM liaison_visits ORDER BY id")).all()
    assert [tuple(r) for r in again] == [tuple(r) for r in first]


CASES = [("year", dt.date(YEAR, 1, 1)), ("half", dt.date(YEAR, 7, 1)),
         ("quarter", dt.date(YEAR, 4, 1)), ("month", dt.date(YEAR, 6, 1)),
         ("month", dt.date(YEAR, 2, 1))]


@pytest.mark.parametrize("level", [None, "province", "city", "county"])
@pytest.mark.parametrize("kind,day", CASES)
def test_report_equals_direct_sql(generated, kind, day, level):
    db, _ = generated
    period = P.period_containing(kind, day)
    with db.read() as s:
        rep = L.compliance_report(s, period, level)
        sql = s.execute(text(SQL), {"pstart": period.start.isoformat(),
                                    "pend": period.end.isoformat(), "level": level}).all()
        open_rect = s.execute(text(OPEN_RECT_SQL), {"pend": period.end.isoformat(),
                                                    "level": level}).scalar()
    expected = {(r.leader_id, r.institution_id): (r.judged, r.met, r.required, r.done)
                for r in sql}
    got = {(r.leader_id, r.institution_id): (r.tally.judged, r.tally.met, r.required, r.done)
           for r in rep.rows}
    assert got == expected
    # County roles exist only in 永城市 (the demo city's one province-administered county).
    assert len(got) >= (1 if level == "county" else 6)
    by_level: dict[str, list[int]] = {}
    by_role: dict[str, list[int]] = {}
    for r in sql:
        for key, acc in ((r.org_level, by_level), (r.role, by_role)):
            acc.setdefault(key, [0, 0])
            acc[key][0] += r.met
            acc[key][1] += r.judged
    assert {k: (t.met, t.judged) for k, t in rep.by_level.items()} == \
        {k: tuple(v) for k, v in by_level.items()}
    assert {k: (t.met, t.judged) for k, t in rep.by_role.items()} == \
        {k: tuple(v) for k, v in by_role.items()}
    assert rep.total.rate == pytest.approx(sum(r.met for r in sql) / sum(r.judged for r in sql))
    if kind in ("year", "half") or level is None:  # the data has both, so the test can fail
        assert 0 < rep.total.missed < rep.total.met
    assert len(rep.open_rectifications) == open_rect


def test_a_year_is_the_sum_of_its_months(generated):
    db, _ = generated
    with db.read() as s:
        year = L.compliance_report(s, P.period_containing("year", dt.date(YEAR, 1, 1)))
        months = [L.compliance_report(s, P.period_containing("month", dt.date(YEAR, m, 1)))
                  for m in range(1, 13)]
    assert (sum(m.total.met for m in months), sum(m.total.missed for m in months)) == \
        (year.total.met, year.total.missed)


# --- PDF and Excel ---------------------------------------------------------------------------


def test_excel_export_carries_the_report(generated, tmp_path):
    from openpyxl import load_workbook

    from assistcase.reports.liaison_xlsx import write_compliance_xlsx

    db, _ = generated
    with db.read() as s:
        rep = L.compliance_report(s, P.period_containing("year", dt.date(YEAR, 1, 1)), "city")
    out = write_compliance_xlsx(rep, tmp_path / "c.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == ["未达标领导", "汇总", "逾期与即将到期", "明细", "机构季度成效",
                             "领导联系成效", "未完成整改"]
    short = list(wb["未达标领导"].iter_rows(min_row=6, values_only=True))
    assert [r[0] for r in short] == [ld.leader_name for ld in rep.shortfalls]
    detail = list(wb["明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == len(rep.rows)
    by_pair = {(r[0], r[3]): r for r in detail}
    for row in rep.rows:
        x = by_pair[(row.leader_name, row.institution_name)]
        assert (x[5], x[6], x[7], x[8], x[9]) == (row.required, row.done, row.credited,
                                                  row.tally.met, row.tally.missed)
    summary = list(wb["汇总"].iter_rows(values_only=True))
    total = [r for r in summary if r and r[0] == "合计"][0]
    assert (total[1], total[2]) == (rep.total.met, rep.total.judged)
    assert (total[5], total[6], total[7], total[8]) == (
        rep.total.rate_text, rep.leaders_total.judged, rep.leaders_total.compliant,
        rep.leaders_total.rate_text)
    assert len(list(wb["未完成整改"].iter_rows(min_row=2))) == len(rep.open_rectifications)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_is_landscape_a4_with_embedded_cjk_font_and_page_numbers(generated, tmp_path):
    from assistcase.reports.liaison_pdf import write_compliance_pdf

    db, _ = generated
    with db.read() as s:
        rep = L.compliance_report(s, P.period_containing("year", dt.date(YEAR, 1, 1)))
    out = write_compliance_pdf(rep, tmp_path / "c.pdf")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276 pts (A4)" in info  # landscape A4
    pages = int([ln for ln in info.splitlines() if ln.startswith("Pages:")][0].split()[1])
    assert pages >= 2
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "DroidSansFallback" in fonts and " yes " in fonts  # embedded
    body = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True).stdout
    assert "联系救助管理机构情况统计" in body
    flat = "".join(body.split())  # pdftotext drops spaces between font runs
    assert f"第1页/共{pages}页" in flat and f"第{pages}页/共{pages}页" in flat
    assert rep.rows[0].leader_name in body and rep.rows[-1].institution_name in body
    assert rep.total.rate_text in body
    # Issue 21: the first page shows the leaders who fell short.
    first = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(out), "-"],
                           capture_output=True, text=True).stdout
    assert "".join("一、未达标领导".split()) in "".join(first.split())
    short = rep.shortfalls
    assert short and short[0].leader_name in first
    assert f"{short[0].last_contact:%Y-%m-%d}" in first


# --- issue 21: the leaders who fell short, checked against SQL -------------------------------

# The leaders with at least one missed period: the duty SQL above, per leader.
SHORT_SQL = SQL.replace(
    """SELECT leader_id, institution_id, org_level, role, count(*) AS judged,
       sum(done >= required) AS met, sum(required) AS required, sum(done) AS done
FROM req WHERE required > 0
GROUP BY leader_id, institution_id, org_level, role""",
    """SELECT leader_id, sum(done < required) AS missed, count(*) AS judged,
       (SELECT max(v.visited_on) FROM liaison_visits v WHERE v.leader_id = req.leader_id
          AND v.visited_on <= :pend) AS last_contact
FROM req WHERE required > 0
GROUP BY leader_id""")


@pytest.mark.parametrize("level", [None, "province", "city"])
@pytest.mark.parametrize("kind,day", [("year", dt.date(YEAR, 1, 1)),
                                      ("half", dt.date(YEAR, 7, 1)),
                                      ("month", dt.date(YEAR, 6, 1))])
def test_first_section_lists_exactly_the_leaders_with_a_missed_period(generated, kind, day,
                                                                      level):
    db, _ = generated
    period = P.period_containing(kind, day)
    with db.read() as s:
        rep = L.compliance_report(s, period, level)
        sql = s.execute(text(SHORT_SQL), {"pstart": period.start.isoformat(),
                                          "pend": period.end.isoformat(),
                                          "level": level}).all()
    expected = {r.leader_id: (r.missed, r.judged, r.last_contact) for r in sql if r.missed}
    got = {ld.leader_id: (ld.tally.missed, ld.tally.judged,
                          ld.last_contact.isoformat() if ld.last_contact else None)
           for ld in rep.shortfalls}
    assert got == expected
    assert 0 < len(got) < len(sql)          # some fell short, some did not: the test can fail
    assert [ld.tally.missed for ld in rep.shortfalls] == \
        sorted((ld.tally.missed for ld in rep.shortfalls), reverse=True)
    # Leader-share rates: judged leaders and those fully compliant, by level and in total.
    assert (rep.leaders_total.judged, rep.leaders_total.short) == (len(sql), len(expected))
    for lvl, lt in rep.leaders_by_level.items():
        ids = {r.leader_id for r in sql if r.leader_id in
               {ld.leader_id for ld in rep.leaders if ld.org_level == lvl}}
        assert lt.judged == len(ids) and lt.short == len(ids & set(expected))


def test_generated_year_has_leaders_short_and_results(generated):
    db, counts = generated
    with db.read() as s:
        rep = L.compliance_report(s, P.period_containing("year", dt.date(YEAR, 1, 1)))
        dup = s.execute(text("SELECT count(*) FROM (SELECT 1 FROM liaison_visits GROUP BY "
                             "leader_id, institution_id, visited_on HAVING count(*) > 1)")
                        ).scalar()
    assert dup == 0
    assert len(rep.shortfalls) >= 10 and rep.leaders_total.compliant >= 10
    assert counts["quarter_results"] == 40 * 8 and len(rep.results) == 40 * 4
    assert len(rep.leader_results) > 20
    # The change since a leader's contacts began is the first quarter's start to the last end.
    x = rep.leader_results[0]
    with db.read() as s:
        res = L.institution_results(s, institution_id=x.institution_id)
    span = [r for r in res if x.since.start <= r.quarter.start <= x.latest.start]
    assert x.long_stay_before == span[0].long_stay_start
    assert x.long_stay_now == span[-1].long_stay_end
    assert x.returned_home == sum(r.returned_home for r in span)
    # County roles only where the province administers the county (永城市).
    with db.read() as s:
        county_units = set(s.scalars(text(
            "SELECT DISTINCT a.name FROM liaison_leaders l JOIN areas a ON a.id = l.area_id "
            "WHERE l.org_level = 'county'")))
    assert county_units == {"永城市"}


def test_export_in_the_background_reports_progress_and_cancel_leaves_no_file(generated,
                                                                             tmp_path):
    from assistcase.errors import Cancelled
    from assistcase.progress import CancelToken
    from assistcase.reports.liaison_pdf import export_compliance

    db, _ = generated
    period = P.period_containing("year", dt.date(YEAR, 1, 1))
    seen = []
    out = export_compliance(db, tmp_path / "a.xlsx", period, progress=lambda f, m: seen.append(f))
    assert out.exists() and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 5
    token = CancelToken()

    def cancel_midway(fraction, _message):
        if fraction > 0.5:
            token.cancel()
    with pytest.raises(Cancelled):
        export_compliance(db, tmp_path / "b.pdf", period, progress=cancel_midway, cancel=token)
    assert not (tmp_path / "b.pdf").exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "a.xlsx"]
