"""Leadership liaison (DOMAIN §11): period arithmetic, the fairness rule for mid-period
assignments, the notice's assignment rules, rules as data, visits, schedule, suggestions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assistcase.rules import liaison as P
from assistcase.errors import ValidationError
from assistcase.models import Area, AuditEntry, LiaisonRule
from assistcase.services import liaison as L

from ..conftest import ACTOR

D = dt.date


# --- pure period arithmetic ------------------------------------------------------------------


def test_periods_are_calendar_aligned_and_nest():
    assert P.period_containing("month", D(2024, 2, 10)) == P.Period(D(2024, 2, 1), D(2024, 2, 29),
                                                                    "month")
    q = P.period_containing("quarter", D(2025, 5, 31))
    assert (q.start, q.end, q.label(), q.label("zh")) == (D(2025, 4, 1), D(2025, 6, 30),
                                                          "2025-Q2", "2025年第2季度")
    h = P.period_containing("half", D(2025, 12, 31))
    assert (h.start, h.end, h.label("zh")) == (D(2025, 7, 1), D(2025, 12, 31), "2025年下半年")
    assert h.next() == P.Period(D(2026, 1, 1), D(2026, 6, 30), "half")
    assert P.period_containing("month", D(2025, 1, 1)).previous().end == D(2024, 12, 31)
    year = P.period_containing("year", D(2025, 6, 1))
    assert len(P.periods_ending_within("month", year)) == 12
    assert [p.label() for p in P.periods_ending_within("quarter", year)] == \
        ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    # A quarter is judged only in the month that holds its last day.
    assert P.periods_ending_within("quarter", P.period_containing("month", D(2025, 2, 1))) == []
    assert len(P.periods_ending_within("quarter",
                                       P.period_containing("month", D(2025, 3, 1)))) == 1


def test_prorated_requirement_rounds_half_up():
    assert P.prorated_requirement(1, 31, 31) == 1
    assert P.prorated_requirement(1, 16, 31) == 1   # more than half covered
    assert P.prorated_requirement(1, 15, 31) == 0   # less than half
    assert P.prorated_requirement(1, 15, 30) == 1   # exactly half counts
    assert P.prorated_requirement(2, 46, 92) == 1
    assert P.prorated_requirement(3, 92, 92) == 3


def test_duty_status_waits_for_the_period_to_end():
    q = P.period_containing("quarter", D(2025, 1, 1))
    d = P.duty_for("quarter", 1, q, D(2024, 1, 1), None, [])
    assert d.status(D(2025, 3, 31)) == P.DUE       # still the last day: not missed yet
    assert d.status(D(2025, 4, 1)) == P.MISSED
    assert d.status(None) == P.MISSED


# --- fixtures: a small world -----------------------------------------------------------------


def area_id(db, code: str) -> int:
    with db.read() as s:
        return s.scalar(select(Area.id).where(Area.code == code))


@pytest.fixture
def world(db):
    """Shangqiu city and two counties: a city station, county stations, a care institution."""
    prov, city = area_id(db, "410000000000"), area_id(db, "411400000000")
    liangyuan, yongcheng = area_id(db, "411402000000"), area_id(db, "411481000000")
    w = {"province": prov, "city": city, "liangyuan": liangyuan, "yongcheng": yongcheng}
    for key, args in {
        "city_station": ("商丘市救助管理站", "station", "city", city),
        "city_care": ("商丘市托养中心", "care", "city", city),
        "ly_station": ("梁园区救助管理站", "station", "county", liangyuan),
        "yc_station": ("永城市救助管理站", "station", "county", yongcheng),
        "yc_care": ("永城市托养中心", "care", "county", yongcheng),
    }.items():
        w[key] = L.create_institution(db, ACTOR, *args).created_id

    def leader(code, area, name):
        return L.create_leader(db, ACTOR, name, code, w[area]).created_id
    w["leader"] = leader
    return w


def report(db, kind, day, level=None, as_of=None):
    with db.read() as s:
        return L.compliance_report(s, P.period_containing(kind, day), level, as_of)


def row_for(rep, leader_id):
    rows = [r for r in rep.rows if r.leader_id == leader_id]
    assert len(rows) == 1
    return rows[0]


def visit(db, leader_id, inst_id, day, **kw):
    return L.log_visit(db, ACTOR, L.VisitData(leader_id, inst_id, day, **kw),
                       today=D(2030, 1, 1)).created_id


# --- acceptance: period arithmetic through the report ----------------------------------------


def test_quarterly_rule_is_met_by_a_visit_on_the_quarters_last_day(db, world):
    lid = world["leader"]("city_in_charge", "city", "张分管")
    L.assign(db, ACTOR, lid, world["ly_station"], D(2024, 1, 1))
    visit(db, lid, world["ly_station"], D(2025, 3, 31))
    row = row_for(report(db, "quarter", D(2025, 1, 1)), lid)
    assert (row.required, row.done, row.status) == (1, 1, P.MET)
    # The next quarter has no visit: missed, and the visit on 31 March does not leak into it.
    row = row_for(report(db, "quarter", D(2025, 4, 1)), lid)
    assert (row.required, row.done, row.status) == (1, 0, P.MISSED)


def test_half_yearly_rule_with_the_visit_in_the_wrong_half_is_missed(db, world):
    lid = world["leader"]("city_principal", "city", "李局长")
    L.assign(db, ACTOR, lid, world["city_station"], D(2024, 1, 1))
    visit(db, lid, world["city_station"], D(2025, 7, 1))  # second half
    first = row_for(report(db, "half", D(2025, 1, 1)), lid)
    assert (first.required, first.done, first.status) == (1, 0, P.MISSED)
    second = row_for(report(db, "half", D(2025, 7, 1)), lid)
    assert second.status == P.MET
    year = row_for(report(db, "year", D(2025, 1, 1)), lid)
    assert (year.tally.met, year.tally.missed) == (1, 1)


def test_monthly_rule_over_a_year_with_one_missed_month_gives_11_of_12(db, world):
    lid = world["leader"]("county_in_charge", "yongcheng", "王副局长")
    L.assign(db, ACTOR, lid, world["yc_station"], D(2024, 6, 1))
    for month in range(1, 13):
        if month != 8:
            visit(db, lid, world["yc_station"], D(2025, month, 15))
    rep = report(db, "year", D(2025, 1, 1))
    row = row_for(rep, lid)
    assert (row.tally.met, row.tally.judged, row.required, row.done) == (11, 12, 12, 11)
    assert rep.by_role["county_in_charge"].rate == pytest.approx(11 / 12)
    assert rep.by_level["county"].rate == pytest.approx(11 / 12)
    missed = [d.period.label() for d, st in row.duties if st == P.MISSED]
    assert missed == ["2025-08"]
    # A year is the sum of its months.
    months = [row_for(report(db, "month", D(2025, m, 1)), lid).tally for m in range(1, 13)]
    assert sum(t.met for t in months) == 11 and sum(t.missed for t in months) == 1


def test_assignment_starting_mid_period_is_prorated(db, world):
    """The rule chosen (docs/liaison.md): a period's requirement is prorated by the days the
    assignment covers, rounded half up — for once-per-period rules, a period is a duty when
    the assignment covers at least half of it."""
    late = world["leader"]("city_in_charge", "city", "赵分管")      # quarterly
    L.assign(db, ACTOR, late, world["ly_station"], D(2025, 2, 20))  # 41 of Q1's 90 days
    early = world["leader"]("city_principal", "city", "钱局长")    # half-yearly
    L.assign(db, ACTOR, early, world["city_station"], D(2025, 3, 1))  # 122 of H1's 181 days
    q1 = report(db, "quarter", D(2025, 1, 1))
    assert [r for r in q1.rows if r.leader_id == late] == []  # < half covered: no duty in Q1
    h1 = row_for(report(db, "half", D(2025, 1, 1)), early)     # > half covered: a duty
    assert (h1.required, h1.status) == (1, P.MISSED)
    assert h1.duties[0][0].covered_start == D(2025, 3, 1)
    # From the first full period on, the duty is whole.
    assert row_for(report(db, "quarter", D(2025, 4, 1)), late).required == 1
    # An assignment ending mid-period is judged the same way.
    ending = world["leader"]("county_principal", "yongcheng", "孙局长")  # quarterly
    L.assign(db, ACTOR, ending, world["yc_station"], D(2024, 1, 1), D(2025, 5, 20))
    visit(db, ending, world["yc_station"], D(2025, 5, 2))
    q2 = row_for(report(db, "quarter", D(2025, 4, 1)), ending)  # 50 of 91 days: a duty
    assert (q2.required, q2.done, q2.status) == (1, 1, P.MET)
    assert [r for r in report(db, "quarter", D(2025, 7, 1)).rows if r.leader_id == ending] == []


def test_visits_only_count_inside_the_assignment(db, world):
    lid = world["leader"]("city_section", "city", "周科长")
    L.assign(db, ACTOR, lid, world["ly_station"], D(2025, 3, 10))
    with pytest.raises(ValidationError) as e:
        visit(db, lid, world["ly_station"], D(2025, 3, 9))
    assert e.value.errors[0].field == "institution_id" and "not assigned" in e.value.message_en
    with pytest.raises(ValidationError) as e:
        L.log_visit(db, ACTOR, L.VisitData(lid, world["ly_station"], D(2025, 3, 12)),
                    today=D(2025, 3, 11))
    assert e.value.errors[0].field == "visited_on"


def test_report_as_of_leaves_the_running_period_due(db, world):
    lid = world["leader"]("county_in_charge", "yongcheng", "吴副局长")
    L.assign(db, ACTOR, lid, world["yc_station"], D(2025, 1, 1))
    visit(db, lid, world["yc_station"], D(2025, 1, 3))
    rep = report(db, "quarter", D(2025, 1, 1), as_of=D(2025, 3, 10))
    row = row_for(rep, lid)
    assert [st for _, st in row.duties] == [P.MET, P.MISSED, P.DUE]
    assert (rep.total.met, rep.total.missed, rep.total.due, rep.total.rate) == (1, 1, 1, 0.5)


# --- acceptance: assignment rules ------------------------------------------------------------


def test_city_leader_in_charge_links_one_county_level_station(db, world):
    lid = world["leader"]("city_in_charge", "city", "郑分管")
    with pytest.raises(ValidationError) as e:
        L.assign(db, ACTOR, lid, world["city_station"], D(2025, 1, 1))
    err = e.value.errors[0]
    assert err.field == "institution_id"
    assert "City bureau, leader in charge" in err.message_en
    assert "one county-level rescue station" in err.message_en
    assert "分管局领导" in err.message_zh and "违反规则" in err.message_zh
    L.assign(db, ACTOR, lid, world["ly_station"], D(2025, 1, 1))
    with pytest.raises(ValidationError) as e:  # a second one at the same time
        L.assign(db, ACTOR, lid, world["yc_station"], D(2025, 6, 1))
    assert "at most 1 institution" in e.value.message_en
    assert "City bureau, leader in charge" in e.value.message_en
    assert "梁园区救助管理站" in e.value.message_zh


def test_section_chief_links_a_county_station_or_a_care_institution(db, world):
    a = world["leader"]("city_section", "city", "冯科长")
    L.assign(db, ACTOR, a, world["city_care"], D(2025, 1, 1))   # a care institution: fine
    b = world["leader"]("city_section", "city", "陈科长")
    with pytest.raises(ValidationError) as e:                   # the city station: not allowed
        L.assign(db, ACTOR, b, world["city_station"], D(2025, 1, 1))
    assert "City social affairs section chief" in e.value.message_en
    assert "社会事务科（处）长" in e.value.message_zh
    L.assign(db, ACTOR, b, world["yc_station"], D(2025, 1, 1))
    # After the first link ends, the next one may start: one at a time, not one for ever.
    L.end_assignment(db, ACTOR, 1, D(2025, 6, 30))
    L.assign(db, ACTOR, a, world["yc_care"], D(2025, 7, 1))


def test_other_rule_rows_refuse_out_of_scope_institutions(db, world):
    city_head = world["leader"]("city_principal", "city", "褚局长")
    with pytest.raises(ValidationError, match="City bureau, principal leader"):
        L.assign(db, ACTOR, city_head, world["ly_station"], D(2025, 1, 1))
    prov = world["leader"]("prov_in_charge", "province", "卫厅长")
    with pytest.raises(ValidationError, match="Provincial department, leader in charge"):
        L.assign(db, ACTOR, prov, world["ly_station"], D(2025, 1, 1))
    L.assign(db, ACTOR, prov, world["city_station"], D(2025, 1, 1))
    L.assign(db, ACTOR, prov, world["city_care"], D(2025, 1, 1))  # no limit on how many
    county = world["leader"]("county_principal", "yongcheng", "蒋局长")  # 省直管
    with pytest.raises(ValidationError, match="its own county"):
        L.assign(db, ACTOR, county, world["ly_station"], D(2025, 1, 1))
    with pytest.raises(ValidationError) as e:  # the same pair twice
        L.assign(db, ACTOR, prov, world["city_station"], D(2025, 3, 1), D(2025, 4, 1))
    assert e.value.errors[0].field == "start_on"
    with pytest.raises(ValidationError) as e:  # a leader's area must be of the rule's level
        L.create_leader(db, ACTOR, "沈", "city_principal", world["liangyuan"])
    assert "city department" in e.value.message_en


# --- rules are data --------------------------------------------------------------------------


def test_the_rule_table_is_seeded_and_configurable(db, world):
    with db.read() as s:
        seeded = [(r.code, r.org_level, r.name_zh, r.name_en, r.scope, r.max_institutions,
                   r.period, r.min_contacts) for r in L.rules(s)]
    assert seeded == [tuple(r) for r in L.DEFAULT_RULES]
    assert len(seeded) == 8
    lid = world["leader"]("city_principal", "city", "韩局长")
    L.assign(db, ACTOR, lid, world["city_station"], D(2024, 1, 1))
    visit(db, lid, world["city_station"], D(2025, 2, 1))
    assert row_for(report(db, "year", D(2025, 1, 1)), lid).tally.judged == 2  # two halves
    # Rules hold from a date now (issue 21): a change from 1 January 2025 rewrites 2025 only.
    L.update_rule(db, ACTOR, "city_principal", period="quarter", min_contacts=2,
                  effective_from=D(2025, 1, 1))
    assert row_for(report(db, "year", D(2024, 1, 1)), lid).tally.judged == 2  # 2024 kept
    row = row_for(report(db, "year", D(2025, 1, 1)), lid)
    assert (row.tally.judged, row.required, row.tally.met) == (4, 8, 0)
    with db.read() as s:
        rule = s.scalar(select(LiaisonRule).where(LiaisonRule.code == "city_principal"))
        assert rule.period == "quarter"
        audited = {(a.field, a.old_value, a.new_value) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "liaison_rule"))}
    assert audited == {("period", "half", "quarter"), ("min_contacts", "1", "2")}
    with pytest.raises(ValidationError) as e:
        L.update_rule(db, ACTOR, "city_principal", period="fortnight", min_contacts=0,
                      effective_from=None)
    assert {x.field for x in e.value.errors} == {"period", "min_contacts", "effective_from"}


def test_a_rule_changed_from_month_to_quarter_on_1_july_judges_each_half_by_its_rule(db, world):
    """Issue 21: January–June are judged monthly, the second half quarterly."""
    lid = world["leader"]("county_in_charge", "yongcheng", "周副局长")   # monthly
    L.assign(db, ACTOR, lid, world["yc_station"], D(2024, 1, 1))
    for day in (D(2025, 1, 10), D(2025, 2, 10), D(2025, 3, 10), D(2025, 5, 10),  # no April
                D(2025, 6, 10), D(2025, 8, 10)):                                # Q4 none
        visit(db, lid, world["yc_station"], day)
    L.update_rule(db, ACTOR, "county_in_charge", period="quarter", effective_from=D(2025, 7, 1))
    row = row_for(report(db, "year", D(2025, 1, 1)), lid)
    judged = [(d.period.label(), st) for d, st in row.duties]
    assert judged == [("2025-01", P.MET), ("2025-02", P.MET), ("2025-03", P.MET),
                      ("2025-04", P.MISSED), ("2025-05", P.MET), ("2025-06", P.MET),
                      ("2025-Q3", P.MET), ("2025-Q4", P.MISSED)]
    # The first half alone, and the month and quarter reports, agree with it.
    assert row_for(report(db, "half", D(2025, 1, 1)), lid).tally.judged == 6
    assert [d.period.kind for d, _ in row_for(report(db, "half", D(2025, 7, 1)), lid).duties] \
        == ["quarter", "quarter"]
    assert [r for r in report(db, "month", D(2025, 8, 1)).rows if r.leader_id == lid] == []
    assert row_for(report(db, "month", D(2025, 9, 1)), lid).duties[0][0].period.label() \
        == "2025-Q3"
    # 2024 stays monthly; the rule row shows the rule in force now.
    assert row_for(report(db, "year", D(2024, 1, 1)), lid).tally.judged == 12
    with db.read() as s:
        assert [(v.effective_from, v.period) for v in L.rule_versions(s)["county_in_charge"]] \
            == [(D(2000, 1, 1), "month"), (D(2025, 7, 1), "quarter")]
        sched = [r for r in L.schedule(s, D(2025, 5, 10), months=3) if r.leader_id == lid][0]
    assert sched.current.period.label() == "2025-05" and sched.period_kind == "month"
    assert [len(sched.months[m]) for m in sorted(sched.months)] == [1, 1, 0]  # May, June, July


def test_the_same_visit_logged_twice_is_refused_and_counted_once(db, world):
    lid = world["leader"]("county_principal", "yongcheng", "钱局长")   # quarterly, 1
    L.assign(db, ACTOR, lid, world["yc_station"], D(2025, 1, 1))
    visit(db, lid, world["yc_station"], D(2025, 2, 3))
    with pytest.raises(ValidationError) as e:
        visit(db, lid, world["yc_station"], D(2025, 2, 3), mode="phone")
    assert e.value.errors[0].field == "visited_on"
    assert "already logged" in e.value.message_en and "重复登记" in e.value.message_zh
    with db.read() as s:
        assert len(L.recent_visits(s)) == 1
    row = row_for(report(db, "quarter", D(2025, 1, 1)), lid)
    assert (row.done, row.credited, row.status) == (1, 1, P.MET)
    # Even rows written around the service (the database refuses them too) count once.
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy import text
    with pytest.raises(IntegrityError):
        with db.begin() as s:
            s.execute(text("INSERT INTO liaison_visits (leader_id, institution_id, visited_on, "
                           "mode, topics, findings, problems, created_at) VALUES "
                           "(:l, :i, '2025-02-03', 'phone', '', '', '', '2025-02-03')"),
                      {"l": lid, "i": world["yc_station"]})
    # Pure rule: several visits on one day are one contact.
    duties = P.duties_judged_in("quarter", 2, P.period_containing("quarter", D(2025, 1, 1)),
                                D(2025, 1, 1), None, [D(2025, 2, 3), D(2025, 2, 3)])
    assert (duties[0].done, duties[0].met) == (1, False)


def test_twelve_contacts_for_twelve_required_can_still_fall_short(db, world):
    """Issue 21: several visits in one month do not make up for a month without one."""
    lid = world["leader"]("county_in_charge", "yongcheng", "郑副局长")   # monthly
    L.assign(db, ACTOR, lid, world["yc_station"], D(2024, 1, 1))
    for month in (1, 2, 3, 4, 6, 8, 9, 11, 12):
        visit(db, lid, world["yc_station"], D(2025, month, 5))
    for day in (D(2025, 4, 20), D(2025, 6, 20), D(2025, 9, 20)):  # a second visit those months
        visit(db, lid, world["yc_station"], day)
    rep = report(db, "year", D(2025, 1, 1))
    row = row_for(rep, lid)
    assert (row.required, row.done, row.credited) == (12, 12, 9)
    (short,) = [ld for ld in rep.shortfalls if ld.leader_id == lid]
    assert [p.label() for _, p in short.missed] == ["2025-05", "2025-07", "2025-10"]
    assert short.last_contact == D(2025, 12, 5)
    assert (rep.leaders_total.judged, rep.leaders_total.compliant) == (1, 0)
    assert rep.total.rate_text == "75.0%" and rep.leaders_total.rate_text == "0.0%"


def test_county_roles_exist_only_in_province_administered_counties(db, world):
    with db.read() as s:
        flagged = set(s.scalars(select(Area.name).where(Area.province_administered)))
    assert flagged == {"永城市"}   # 商丘市's one (DOMAIN §2)
    with pytest.raises(ValidationError) as e:
        L.create_leader(db, ACTOR, "褚局长", "county_principal", world["liangyuan"])
    assert e.value.errors[0].field == "area_id"
    assert "province-administered" in e.value.message_en and "省直管县" in e.value.message_zh
    L.create_leader(db, ACTOR, "褚局长", "county_principal", world["yongcheng"])
    with db.read() as s:
        area = s.get(Area, world["yongcheng"])
        assert L.area_label(area, "zh") == "永城市（省直管）"
        assert L.area_label(s.get(Area, world["liangyuan"]), "zh") == "梁园区"


# --- visit log, rectifications, schedule -----------------------------------------------------


def test_visit_log_with_rectifications_and_validation(db, world):
    lid = world["leader"]("city_section", "city", "杨科长")
    L.assign(db, ACTOR, lid, world["yc_care"], D(2025, 1, 1))
    with pytest.raises(ValidationError) as e:
        L.log_visit(db, ACTOR, L.VisitData(
            lid, world["yc_care"], D(2025, 3, 3), mode="letter", topics=["gossip"],
            rectifications=[L.RectificationData("", D(2025, 3, 1))]), today=D(2025, 4, 1))
    assert {x.field for x in e.value.errors} == {
        "mode", "topics", "rectifications[0].action", "rectifications[0].due_on"}
    vid = visit(db, lid, world["yc_care"], D(2025, 3, 3), mode="video",
                topics=["safety", "long_stay"], problems="消防通道堵塞",
                rectifications=[L.RectificationData("清理通道", D(2025, 4, 3))])
    rep = report(db, "month", D(2025, 4, 1), as_of=D(2025, 4, 20))
    assert [(r.action, r.overdue) for r in rep.open_rectifications] == [("清理通道", True)]
    with db.read() as s:
        rid = L.recent_visits(s)[0].rectifications[0].id
        assert L.recent_visits(s)[0].id == vid
    with pytest.raises(ValidationError):
        L.set_rectification_status(db, ACTOR, rid, "done")  # needs its date
    L.set_rectification_status(db, ACTOR, rid, "done", D(2025, 4, 2))
    assert report(db, "month", D(2025, 4, 1)).open_rectifications == []


def test_schedule_current_duty_next_due_overdue_and_calendar(db, world):
    lid = world["leader"]("city_in_charge", "city", "朱分管")  # quarterly
    L.assign(db, ACTOR, lid, world["ly_station"], D(2024, 10, 1))
    as_of = D(2025, 5, 10)
    with db.read() as s:
        (row,) = L.schedule(s, as_of, months=3)
    assert row.current.period.label() == "2025-Q2" and row.current_status == P.DUE
    assert row.next_due == D(2025, 6, 30)
    assert [d.period.label() for d in row.overdue] == ["2024-Q4", "2025-Q1"]
    assert [len(v) for v in row.months.values()] == [0, 1, 0]  # May, June (Q2 ends), July
    visit(db, lid, world["ly_station"], D(2025, 5, 9))
    with db.read() as s:
        (row,) = L.schedule(s, as_of, months=3)
    assert row.current_status == P.MET and row.next_due == D(2025, 9, 30)
    assert row.months[D(2025, 6, 1)][0][1] == P.MET


def test_suggestions_rank_the_weakest_first(db, world):
    def assess(inst, infra, service, volume, long_stay, hazards):
        L.record_assessment(db, ACTOR, world[inst], L.AssessmentData(
            D(2025, 1, 1), infra, service, volume, long_stay, hazards))
    assess("city_station", 5, 5, 100, 0, 0)
    assess("ly_station", 1, 2, 900, 30, 6)
    assess("yc_station", 3, 3, 500, 10, 2)
    # A later assessment replaces an earlier one from its date on.
    L.record_assessment(db, ACTOR, world["city_station"],
                        L.AssessmentData(D(2025, 6, 1), 1, 1, 1000, 40, 9))
    with db.read() as s:
        jan = [x.name for x in L.suggestions(s, D(2025, 3, 1)) if x.score is not None]
        jul = L.suggestions(s, D(2025, 7, 1))
    assert jan == ["梁园区救助管理站", "永城市救助管理站", "商丘市救助管理站"]
    assert jul[0].name == "商丘市救助管理站" and jul[0].score == 5.0
    assert "infrastructure" in jul[0].reasons
    assert jul[-1].score is None  # never assessed: last
    with db.read() as s:  # the Yongcheng bureau choosing among its own institutions
        own = [x.name for x in L.suggestions(s, D(2025, 7, 1), within_area_id=world["yongcheng"])]
    assert own == ["永城市救助管理站", "永城市托养中心"]
    with pytest.raises(ValidationError) as e:
        L.record_assessment(db, ACTOR, world["city_station"],
                            L.AssessmentData(D(2025, 6, 1), 0, 6, -1, 0, 0))
    assert {x.field for x in e.value.errors} == {"infrastructure", "service_level",
                                                 "assistance_volume"}
