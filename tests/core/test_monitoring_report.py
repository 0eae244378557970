"""The demo city's outside lists, the monitoring report against direct counts, the to-do list
and the command line (DOMAIN §9)."""

import datetime as dt
import subprocess
import sys
from collections import Counter

import openpyxl
import pytest
from sqlalchemy import Date, bindparam, select, text

from assistcase.demo.monitoring import generate_demo_monitoring
from assistcase.models import (Area, HouseholdMembership, MonitoringTask, Person,
                               RegisterMembership)
from assistcase.reports.monitoring import (monitoring_report, write_monitoring_pdf,
                                           write_monitoring_xlsx)
from assistcase.services import cases as C
from assistcase.services import monitoring as M
from assistcase.services.todo import load_todo

from ..conftest import ACTOR, demo_city

TODAY = dt.date(2026, 6, 30)
YEAR = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


@pytest.fixture
def city(db):
    demo_city(db, 400, 3, TODAY)
    reports = generate_demo_monitoring(db, ACTOR, seed=3, today=dt.date(2026, 3, 31), rows=600,
                                       run=False)
    return db, reports


def test_the_demo_lists_hold_covered_deaths_vehicle_matches_and_two_refusals(city):
    db, reports = city
    death = reports["death"]
    assert death.rows == 600 and len(death.refused) == 1 and len(death.name_mismatch) == 1
    assert len(reports["vehicle"].matched) == 6
    result = M.run_rules(db, ACTOR, dt.date(2026, 3, 31))
    assert result.raised["covered_death"] >= 3 and result.raised["vehicle_match"] == 6
    assert M.run_rules(db, ACTOR, dt.date(2026, 3, 31)).total == 0
    with db.read() as s:
        holds = s.execute(text("SELECT COUNT(*) FROM monitoring_tasks WHERE hold_payment = TRUE"
                               " AND kind = 'payment_review'")).scalar_one()
    assert holds == result.raised["covered_death"]


def _register_persons(s, on):
    """The register on ``on`` computed in Python from the rows (independently of the SQL)."""
    members = {}
    for hm in s.scalars(select(HouseholdMembership)):
        if (hm.joined_on is None or hm.joined_on <= on) and (hm.left_on is None or hm.left_on > on):
            members.setdefault(hm.household_id, set()).add(hm.person_id)
    persons, by_cat = set(), {}
    for rm in s.scalars(select(RegisterMembership)):
        if rm.valid_from <= on and (rm.valid_until is None or rm.valid_until > on):
            who = members.get(rm.household_id, set())
            if rm.person_id is not None:
                who = who & {rm.person_id}
            persons |= who
            by_cat.setdefault(rm.category, set()).update(who)
    return persons, by_cat


def test_the_report_for_a_generated_year_equals_direct_counts(city, tmp_path):
    db, _reports = city
    for day in (dt.date(2026, 2, 27), dt.date(2026, 3, 31), dt.date(2026, 4, 30),
                dt.date(2026, 5, 29)):
        M.run_rules(db, ACTOR, day)
    with db.read() as s:
        tasks = M.open_tasks(s, limit=None)
    homes = [t for t in tasks if t.kind == "home_check"]
    assert len(homes) > 10
    # some checked on time, some late, some newly included
    for t in homes[:5]:
        M.close_task(db, ACTOR, t.id, "no_action", t.due_on, "入户核实，生活稳定")
    for t in homes[5:8]:
        M.close_task(db, ACTOR, t.id, "changed", t.due_on + dt.timedelta(days=3), "调整待遇")
    included = 0
    for t in homes[8:]:
        with db.read() as s:
            busy = s.execute(text("SELECT 1 FROM assistance_cases WHERE household_id = :h AND"
                                  " program = 'dibao' AND status <> 'terminated'"),
                             {"h": t.household_id}).first()
        if busy is None and included < 3:
            M.include_from_task(db, ACTOR, t.id, C.CaseInput(
                "dibao", t.household_id, t.raised_on + dt.timedelta(days=2), "入户排查新纳入"))
            included += 1
    assert included == 3
    with db.read() as s:
        city_id = s.scalar(select(Area.id).where(Area.level == "city"))
        rep = monitoring_report(s, city_id, *YEAR)
        last = YEAR[1] - dt.timedelta(days=1)
        persons, by_cat = _register_persons(s, last)
        assert rep.register.persons == len(persons)
        for cat, (n, _h) in rep.register.by_category.items():
            assert n == len(by_cat.get(cat, ())), cat
        q = lambda sql: s.execute(text(sql), {"a": YEAR[0].isoformat(),  # noqa: E731
                                              "b": YEAR[1].isoformat()}).all()
        assert rep.person_times == q("SELECT SUM(persons_checked) FROM monitoring_runs"
                                     " WHERE run_on >= :a AND run_on < :b")[0][0]
        by_rule = dict(q("SELECT r.code, COUNT(*) FROM monitoring_warnings AS w JOIN"
                         " warning_rules AS r ON r.id = w.rule_id WHERE w.raised_on >= :a"
                         " AND w.raised_on < :b GROUP BY r.code"))
        assert {r.code: r.warnings for r in rep.by_rule if r.warnings} == by_rule
        closed = [t for t in s.scalars(select(MonitoringTask)) if t.status == "closed"]
        assert rep.home_checks_on_time == sum(1 for t in closed if t.kind == "home_check"
                                              and t.closed_on <= t.due_on) == 5 + 3
        assert rep.home_checks_late == sum(1 for t in closed if t.kind == "home_check"
                                           and t.closed_on > t.due_on) == 3
        assert rep.newly_included == Counter(t.outcome for t in closed)["included"] == 3
        open_overdue = sum(1 for t in s.scalars(select(MonitoringTask))
                           if t.kind == "home_check" and t.due_on < YEAR[1]
                           and t.status == "open")
        assert rep.home_checks_open_overdue == open_overdue
        # a township's report counts its own warnings only
        township = s.scalar(select(Area.id).where(Area.level == "township").order_by(Area.code))
        mine = monitoring_report(s, township, *YEAR)
        assert mine.warnings == q("SELECT COUNT(*) FROM monitoring_warnings WHERE township_id = "
                                  f"{township} AND raised_on >= :a AND raised_on < :b")[0][0]
    pdf = write_monitoring_pdf(rep, tmp_path / "m.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    write_monitoring_xlsx(rep, tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
    figures = {r[0]: r[1] for r in wb["概况"].iter_rows(min_row=4, values_only=True)}
    assert figures["监测人次"] == rep.person_times and figures["新纳入救助（户）"] == 3
    assert {r[0]: r[2] for r in wb["预警"].iter_rows(min_row=2, values_only=True)} == {
        r.code: r.warnings for r in rep.by_rule}


def test_the_todo_list_of_a_township(city):
    db, _reports = city
    M.run_rules(db, ACTOR, dt.date(2026, 3, 31))
    with db.read() as s:
        task = M.open_tasks(s, limit=1)[0]
        township = s.get(Area, task.household_id and s.execute(text(
            "SELECT v.parent_id FROM households AS h JOIN areas AS v ON v.id = h.village_id"
            " WHERE h.id = :h"), {"h": task.household_id}).scalar_one())
    todo = load_todo(db, township.id, dt.date(2026, 4, 1))
    kinds = todo.counts()
    assert kinds["task"] >= 1
    assert load_todo(db, township.id, TODAY).count("review") >= 1  # the demo's reviews
    assert any(i.record == "task" and i.record_id == task.id for i in todo.items)
    overdue_first = [i.overdue for i in todo.items]
    assert overdue_first == sorted(overdue_first, reverse=True)
    # a late check is overdue the day after its due day
    later = load_todo(db, township.id, task.due_on + dt.timedelta(days=1))
    assert next(i for i in later.items if i.record_id == task.id and i.kind == "task").overdue


def test_the_reviews_of_the_todo_list_are_the_areas_own(city):
    """The reviews listed (read by the area's code range) are exactly the cases a plain
    LIKE on the village codes finds, for a township, its county and the city."""
    from assistcase.rules.areas import code_like, code_range

    assert code_range("411424001000", "township") == ("411424001", "411424002")
    assert code_range("411429000000", "county") == ("411429", "411430")
    db, _reports = city
    with db.read() as s:
        township = s.scalars(select(Area).where(Area.level == "township")
                             .order_by(Area.code)).first()
        areas = [township, s.get(Area, township.parent_id),
                 s.scalars(select(Area).where(Area.level == "city")).first()]
        expected = {a.id: set(s.scalars(text(
            "SELECT c.id FROM assistance_cases AS c JOIN households AS h"
            " ON h.id = c.household_id JOIN areas AS v ON v.id = h.village_id"
            " WHERE c.status IN ('active', 'suspended') AND c.next_review_on <= :horizon"
            " AND v.code LIKE :prefix").bindparams(bindparam("horizon", type_=Date)),
            {"horizon": TODAY + dt.timedelta(days=30), "prefix": code_like(a.code, a.level)}))
                    for a in areas}
    assert expected[township.id] and expected[township.id] < expected[areas[2].id]
    for a in areas:
        listed = {i.record_id for i in load_todo(db, a.id, TODAY, limit=100_000).items
                  if i.kind == "review"}
        assert listed == expected[a.id], a.level


def test_an_application_past_its_time_limit_and_publicity_ending(db, village_ids):
    from .test_case_review import household

    hid = household(db, village_ids[0], size=2)
    late = C.open_case(db, ACTOR, C.CaseInput("dibao", hid, dt.date(2026, 3, 2), "申请")).created_id
    other = household(db, village_ids[0], size=1, seq=61)
    pub = C.open_case(db, ACTOR, C.CaseInput("dibao", other, dt.date(2026, 3, 2), "申请")).created_id
    C.record_economic_check(db, ACTOR, pub, dt.date(2026, 3, 3), "通过")
    C.record_investigation(db, ACTOR, pub, dt.date(2026, 3, 4), "甲、乙", "属实")
    C.record_publicity(db, ACTOR, pub, dt.date(2026, 3, 5), dt.date(2026, 3, 11))
    with db.read() as s:
        township = s.get(Area, village_ids[0]).parent_id
    # 15 working days after Monday 2 March: Monday 23 March
    assert [i.record_id for i in load_todo(db, township, dt.date(2026, 3, 23)).items
            if i.kind == "application"] == []
    todo = load_todo(db, township, dt.date(2026, 3, 24))
    assert [(i.record_id, i.due_on) for i in todo.items if i.kind == "application"] == [
        (late, dt.date(2026, 3, 23))]
    assert [(i.record_id, i.due_on) for i in todo.items if i.kind == "publicity"] == [
        (pub, dt.date(2026, 3, 12))]


def test_the_command_line(city, tmp_path):
    db, _reports = city
    with db.read() as s:
        township = s.scalar(select(Area.code).where(Area.level == "township").order_by(Area.code))
        city_code = s.scalar(select(Area.code).where(Area.level == "city"))
    env_db = str(db.path or db.url)

    from ..conftest import ACTOR, PASSWORD

    def run(*args):   # signed in (issue 13): the password on standard input
        return subprocess.run([sys.executable, "-m", "assistcase", *args, "--db", env_db,
                               "--user", ACTOR], input=PASSWORD + "\n",
                              capture_output=True, text=True, timeout=300)

    r = run("monitor", "run", "--date", "2026-03-31", "--quiet")
    assert r.returncode == 0 and "warning(s)" in r.stdout, r.stderr
    r = run("monitor", "run", "--date", "2026-03-31", "--quiet")
    assert ": 0 warning(s), 0 task(s)" in r.stdout
    r = run("todo", "--area", township, "--date", "2026-04-01")
    assert r.returncode == 0 and "核查任务" in r.stdout and "item(s) due" in r.stderr
    r = run("monitor", "report", "--area", city_code, "--from", "2026-01-01", "--to",
            "2027-01-01", "--xlsx", str(tmp_path / "r.xlsx"))
    assert r.returncode == 0 and "监测" in r.stdout and (tmp_path / "r.xlsx").exists()
    r = run("register", "--area", city_code, "--date", "2026-04-01", "--category", "monitored")
    assert r.returncode == 0 and "三类户" in r.stdout
