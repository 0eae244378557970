"""The compliance report on generated data (a year, 3 levels, ≥ 50 leaders, ≥ 40 institutions)
equals a direct SQL computation; and the PDF and Excel files carry the same figures."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from assistcase import liaison as P
from assistcase.models import Assignment, Institution, Leader
from assistcase.services import liaison as L

from .conftest import ACTOR

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
    counts = L.generate_liaison_data(db, ACTOR, YEAR, seed=2025)
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
    a = L.generate_liaison_data(db, ACTOR, YEAR, seed=11)
    with db.read() as s:
        first = s.execute(text("SELECT leader_id, institution_id, visited_on, mode "
                               "FROM liaison_visits ORDER BY id")).all()
    with db.begin() as s:
        for t in ("liaison_institution_results", "liaison_rectifications", "liaison_visits", "liaison_assignments",
                  "liaison_leaders", "liaison_assessments", "liaison_institutions"):
            s.execute(text(f"DELETE FROM {t}"))
    assert L.generate_liaison_data(db, ACTOR, YEAR, seed=11) == a
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
    assert len(got) > 5
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
    assert wb.sheetnames == ["汇总", "明细", "未完成整改"]
    detail = list(wb["明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == len(rep.rows)
    by_pair = {(r[0], r[3]): r for r in detail}
    for row in rep.rows:
        x = by_pair[(row.leader_name, row.institution_name)]
        assert (x[5], x[6], x[7], x[8]) == (row.required, row.done, row.tally.met,
                                            row.tally.missed)
    summary = list(wb["汇总"].iter_rows(values_only=True))
    total = [r for r in summary if r and r[0] == "合计"][0]
    assert (total[1], total[2]) == (rep.total.met, rep.total.judged)
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
    assert P.format_rate(rep.total.rate) in body
