"""Warning rules (困难指标), warnings, tasks, payment holds (DOMAIN §9) and the outside-list
import with its match report."""

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import func, select

from assistcase.rules.aid import add_working_days
from assistcase.errors import StateError, ValidationError
from assistcase.io.bank import write_bank_xlsx
from assistcase.io.outside_lists import import_outside_list
from assistcase.models import (AssistanceCase, CaseMember, MonitoringTask, MonitoringWarning,
                               OutsideListRow, Person, RegisterMembership, WarningRule)
from assistcase.services import cases as C
from assistcase.services import monitoring as M
from assistcase.services import register as G
from assistcase.services import registry as reg
from assistcase.services import rosters as R
from assistcase.services import standards as S

from ..conftest import ACTOR, make_id
from .test_case_review import active_case, city, household  # noqa: F401 (fixture)

DAY = dt.date(2023, 6, 12)  # a Monday


def write_list(path, header, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def person(db, hid, relation="head"):
    with db.read() as s:
        return s.scalars(select(Person).where(Person.household_id == hid,
                                              Person.relation == relation)).first()


def rule(db, code):
    with db.read() as s:
        return s.scalar(select(WarningRule).where(WarningRule.code == code))


def warnings(db, code=None):
    with db.read() as s:
        q = select(MonitoringWarning).order_by(MonitoringWarning.id)
        if code:
            q = q.join(WarningRule, WarningRule.id == MonitoringWarning.rule_id).where(
                WarningRule.code == code)
        return list(s.scalars(q))


def only_rules(db, *codes):
    for r in M.list_rules(db.session()):
        M.update_rule(db, ACTOR, r.id, active=r.code in codes)


# --- the import and its match report ----------------------------------------------------------


def test_a_death_list_reports_a_wrong_check_character_and_a_name_mismatch_and_writes_neither(
        db, village_ids, tmp_path):
    hid = household(db, village_ids[0], size=3)
    head, spouse = person(db, hid), person(db, hid, "spouse")
    bad = spouse.id_number[:17] + ("0" if spouse.id_number[17] != "0" else "1")
    outsider = make_id(seq=501)
    path = write_list(tmp_path / "deaths.xlsx", ["序号", "姓名", "身份证号码", "死亡日期"], [
        [1, head.name, head.id_number, "2023-05-02"],
        [2, spouse.name, bad, "2023-05-03"],          # wrong check character
        [3, "王二麻", person(db, hid, "child").id_number, "2023-05-04"],  # another name
        [4, "路人甲", outsider, "2023-05-05"]])      # not in the registry
    rep = import_outside_list(db, ACTOR, path, "death", received_on=DAY)
    assert rep.written and rep.rows == 4
    assert [(m.row, m.person_id) for m in rep.matched] == [(2, head.id)]
    assert [m.row for m in rep.unmatched] == [5]
    assert [(m.row, m.registry_name) for m in rep.name_mismatch] == [(4, "张五")]
    [refused] = rep.refused
    assert refused.row == 3 and "check character" in refused.reason_en and "校验位" in refused.reason_zh
    with db.read() as s:
        stored = {r.row_number: (r.id_number, r.person_id, r.event_on)
                  for r in s.scalars(select(OutsideListRow))}
    assert stored == {2: (head.id_number, head.id, dt.date(2023, 5, 2)),
                      5: (outsider, None, dt.date(2023, 5, 5))}
    assert "同号不同名 1" in rep.summary_zh() and "拒收 1" in rep.summary_zh()
    with pytest.raises(StateError):  # the same file twice
        import_outside_list(db, ACTOR, path, "death", received_on=DAY)


def test_a_sanlei_list_enters_matched_households_in_the_register(db, village_ids, tmp_path):
    hid = household(db, village_ids[0], size=2)
    head = person(db, hid)
    path = write_list(tmp_path / "sanlei.xlsx", ["姓名", "公民身份号码", "纳入日期", "监测类型"],
                      [[head.name, head.id_number, "2023-04-01", "边缘易致贫户"]])
    rep = import_outside_list(db, ACTOR, path, "sanlei", received_on=DAY)
    assert rep.register_added == 1
    with db.read() as s:
        rows = G.register_rows(s, G.RegisterFilter(DAY))
        assert {(r.household_id, r.categories) for r in rows} == {(hid, ("monitored",))}


# --- rules: each raises exactly when its threshold is crossed, once per event ----------------------


def test_medical_expense_above_the_threshold_in_twelve_months(db, village_ids, tmp_path):
    hid = household(db, village_ids[0], size=2)
    G.add_membership(db, ACTOR, hid, "marginal", dt.date(2022, 1, 1))
    head = person(db, hid)
    only_rules(db, "medical_expense")
    limit = rule(db, "medical_expense").threshold  # 20,000 yuan by default
    assert limit == 2_000_000
    write_list(tmp_path / "m1.xlsx", ["姓名", "身份证号", "结算日期", "个人自付"],
               [[head.name, head.id_number, "2022-05-01", "15000"],   # 13 months back: out
                [head.name, head.id_number, "2023-01-10", "12000"],
                [head.name, head.id_number, "2023-05-10", "8000"]])   # 20,000: not above
    import_outside_list(db, ACTOR, tmp_path / "m1.xlsx", "medical", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).total == 0
    write_list(tmp_path / "m2.xlsx", ["姓名", "身份证号", "结算日期", "个人自付"],
               [[head.name, head.id_number, "2023-06-01", "0.01"]])   # one fen above
    import_outside_list(db, ACTOR, tmp_path / "m2.xlsx", "medical", received_on=DAY)
    first = M.run_rules(db, ACTOR, DAY)
    assert first.raised == {"medical_expense": 1}
    assert M.run_rules(db, ACTOR, DAY).total == 0  # nothing new
    assert M.run_rules(db, ACTOR, DAY + dt.timedelta(days=7)).total == 0  # same period
    # a household outside the register is not monitored
    other = household(db, village_ids[0], size=1, seq=31)
    oh = person(db, other)
    write_list(tmp_path / "m3.xlsx", ["姓名", "身份证号", "结算日期", "个人自付"],
               [[oh.name, oh.id_number, "2023-06-01", "90000"]])
    import_outside_list(db, ACTOR, tmp_path / "m3.xlsx", "medical", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).total == 0


def test_the_task_is_due_on_the_configured_working_day(db, village_ids, tmp_path):
    hid = household(db, village_ids[0], size=2)
    G.add_membership(db, ACTOR, hid, "marginal", dt.date(2022, 1, 1))
    head = person(db, hid)
    only_rules(db, "severe_disability")
    write_list(tmp_path / "d.xlsx", ["姓名", "身份证号", "残疾等级", "发证日期"],
               [[head.name, head.id_number, "三级", "2023-06-01"]])
    import_outside_list(db, ACTOR, tmp_path / "d.xlsx", "disability", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).total == 0  # grade 3: not severe
    write_list(tmp_path / "d2.xlsx", ["姓名", "身份证号", "残疾等级", "发证日期"],
               [[head.name, head.id_number, "二级", "2023-06-02"]])
    import_outside_list(db, ACTOR, tmp_path / "d2.xlsx", "disability", received_on=DAY)
    friday = dt.date(2023, 6, 16)
    from assistcase.models import Area

    with db.read() as s:
        county = s.get(Area, s.get(Area, village_ids[0]).parent_id).parent_id
    S.set_policy(db, ACTOR, county, {"monitoring_task_days": 3}, dt.date(2023, 1, 1))
    assert M.run_rules(db, ACTOR, friday).raised == {"severe_disability": 1}
    [task] = M.open_tasks(db.session())
    assert task.kind == "home_check" and task.due_on == dt.date(2023, 6, 21)  # Mon, Tue, Wed
    assert task.due_on == add_working_days(friday, 3)
    assert M.run_rules(db, ACTOR, friday).total == 0
    # the registry already holding grade 2 raises nothing for a new household member
    reg.update_person(db, ACTOR, head.id, {"disability_grade": 2})


def test_main_earner_death_and_loss_of_work(db, village_ids, tmp_path):
    hid = household(db, village_ids[0], size=3)
    G.add_membership(db, ACTOR, hid, "monitored", dt.date(2022, 1, 1))
    head, spouse = person(db, hid), person(db, hid, "spouse")
    inc = reg.add_income(db, ACTOR, hid, "wages", 3000_00, person_id=spouse.id).created_id
    only_rules(db, "main_earner_death", "main_earner_job_loss")
    # the head dies: not the main earner (the spouse earns)
    write_list(tmp_path / "x.xlsx", ["姓名", "身份证号", "死亡日期"],
               [[head.name, head.id_number, "2023-05-20"]])
    import_outside_list(db, ACTOR, tmp_path / "x.xlsx", "death", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).total == 0
    reg.end_income(db, ACTOR, inc, dt.date(2023, 6, 1))  # the spouse loses the job
    assert M.run_rules(db, ACTOR, DAY).raised == {"main_earner_job_loss": 1}
    assert M.run_rules(db, ACTOR, DAY).total == 0
    write_list(tmp_path / "y.xlsx", ["姓名", "身份证号", "死亡日期"],
               [[spouse.name, spouse.id_number, "2023-06-05"]])
    import_outside_list(db, ACTOR, tmp_path / "y.xlsx", "death", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).total == 0  # wages in force before the death: none
    # a death of the earner while earning
    other = household(db, village_ids[0], size=2, seq=41)
    G.add_membership(db, ACTOR, other, "marginal", dt.date(2022, 1, 1))
    wife = person(db, other, "spouse")
    reg.add_income(db, ACTOR, other, "wages", 2500_00, person_id=wife.id)
    write_list(tmp_path / "z.xlsx", ["姓名", "身份证号", "死亡日期"],
               [[wife.name, wife.id_number, "2023-06-06"]])
    import_outside_list(db, ACTOR, tmp_path / "z.xlsx", "death", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).raised == {"main_earner_death": 1}
    assert M.run_rules(db, ACTOR, DAY).total == 0


def test_income_fallen_below_the_standard(db, city, village_ids):
    hid = household(db, village_ids[0], income_fen=1500_00, size=3)  # 500 a head > 420
    G.add_membership(db, ACTOR, hid, "marginal", dt.date(2022, 1, 1))
    only_rules(db, "income_below_standard")
    assert M.run_rules(db, ACTOR, DAY).total == 0
    reg.add_income(db, ACTOR, hid, "transfer", 0)  # nothing changes in the sum
    [inc] = [i for i in reg_incomes(db, hid) if i.source == "wages"]
    reg.change_income(db, ACTOR, inc.id, dt.date(2023, 6, 1), 1260_00)  # exactly 420: not below
    assert M.run_rules(db, ACTOR, DAY).total == 0
    reg.change_income(db, ACTOR, inc_open(db, hid).id, dt.date(2023, 6, 2), 1259_99)
    assert M.run_rules(db, ACTOR, DAY).raised == {"income_below_standard": 1}
    assert M.run_rules(db, ACTOR, DAY).total == 0
    [w] = warnings(db, "income_below_standard")
    assert "低于低保标准" in w.detail


def test_income_below_reads_only_unpaid_register_households(db, city, village_ids):
    """The set-based rule: a household with no income at all is at zero; one outside the
    register, and one paid dibao, raise nothing."""
    listed = household(db, village_ids[0], size=2, seq=1)            # no income: 0 a head
    household(db, village_ids[0], size=2, seq=11)                     # not in the register
    paid = household(db, village_ids[1], size=2, seq=21)
    for hid in (listed, paid):
        G.add_membership(db, ACTOR, hid, "marginal", dt.date(2022, 1, 1))
    active_case(db, paid)
    only_rules(db, "income_below_standard")
    assert M.run_rules(db, ACTOR, DAY).raised == {"income_below_standard": 1}
    [w] = warnings(db, "income_below_standard")
    assert (w.household_id, w.event_key) == (listed, f"income_below_standard:h{listed}:0x2")
    assert M.run_rules(db, ACTOR, DAY).total == 0


def reg_incomes(db, hid):
    from assistcase.models import Income

    with db.read() as s:
        return list(s.scalars(select(Income).where(Income.household_id == hid,
                                                   Income.valid_until.is_(None))))


def inc_open(db, hid):
    return next(i for i in reg_incomes(db, hid) if i.source == "wages")


def test_newly_listed_sanlei_raises_one_home_check(db, village_ids, tmp_path):
    hid = household(db, village_ids[0], size=2)
    head = person(db, hid)
    only_rules(db, "newly_monitored")
    write_list(tmp_path / "s.xlsx", ["姓名", "身份证号", "识别日期"],
               [[head.name, head.id_number, "2023-06-01"]])
    import_outside_list(db, ACTOR, tmp_path / "s.xlsx", "sanlei", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).raised == {"newly_monitored": 1}
    write_list(tmp_path / "s2.xlsx", ["姓名", "身份证号", "识别日期", "备注"],
               [[head.name, head.id_number, "2023-06-01", "再次报送"]])
    import_outside_list(db, ACTOR, tmp_path / "s2.xlsx", "sanlei", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).total == 0  # already in the register: same event


def test_vehicle_business_and_public_employee_matches_in_paying_households(db, city,
                                                                          village_ids, tmp_path):
    paying = household(db, village_ids[0], size=2)
    active_case(db, paying)
    not_paying = household(db, village_ids[0], size=2, seq=51)
    G.add_membership(db, ACTOR, not_paying, "marginal", dt.date(2022, 1, 1))
    a, b = person(db, paying, "spouse"), person(db, not_paying)
    only_rules(db, "vehicle_match", "business_match", "public_employee_match")
    for kind, header in (("vehicle", "车牌号"), ("business", "企业名称"),
                         ("public_employee", "工作单位")):
        write_list(tmp_path / f"{kind}.xlsx", ["姓名", "身份证号", header],
                   [[a.name, a.id_number, f"{kind}-1"], [b.name, b.id_number, f"{kind}-2"]])
        import_outside_list(db, ACTOR, tmp_path / f"{kind}.xlsx", kind, received_on=DAY)
    result = M.run_rules(db, ACTOR, DAY)
    assert result.raised == {"vehicle_match": 1, "business_match": 1, "public_employee_match": 1}
    assert {w.household_id for w in warnings(db)} == {paying}
    assert M.run_rules(db, ACTOR, DAY).total == 0
    # a second vehicle is a new event
    write_list(tmp_path / "v2.xlsx", ["姓名", "身份证号", "车牌号"], [[a.name, a.id_number, "豫N88888"]])
    import_outside_list(db, ACTOR, tmp_path / "v2.xlsx", "vehicle", received_on=DAY)
    assert M.run_rules(db, ACTOR, DAY).raised == {"vehicle_match": 1}
    tasks = M.open_tasks(db.session())
    assert {t.kind for t in tasks} == {"eligibility_check"}


def test_rules_are_data_edited_through_a_service_with_an_actor(db):
    med = rule(db, "medical_expense")
    view = M.update_rule(db, ACTOR, med.id, threshold=1_000_000, period_months=6,
                         severity="medium")
    assert (view.threshold, view.period_months, view.severity) == (1_000_000, 6, "medium")
    with pytest.raises(ValidationError):
        M.update_rule(db, ACTOR, med.id, period_months=99)
    from assistcase.models import AuditEntry

    with db.read() as s:
        fields = {a.field for a in s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "warning_rule"))}
    assert fields == {"threshold", "period_months", "severity"}


# --- a death of a covered person holds the payment -----------------------------------------------


def build(db, city, month):
    return R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city, month, "dibao"))


def approve(db, rid):
    R.review_roster(db, "reviewer", rid)
    R.approve_roster(db, "approver", rid)


def line_of(db, rid, case_id):
    with db.read() as s:
        return next(ln for ln in R.iter_lines(s, rid) if ln.case_id == case_id)


def death_task(db, city, village_ids, tmp_path, who="child"):
    hid = household(db, village_ids[0], size=3)
    cid = active_case(db, hid)  # paid from April 2023
    died = person(db, hid, who)
    write_list(tmp_path / "deaths.xlsx", ["姓名", "公民身份号码", "死亡日期"],
               [[died.name, died.id_number, "2023-06-03"]])
    import_outside_list(db, ACTOR, tmp_path / "deaths.xlsx", "death", received_on=DAY)
    only_rules(db, "covered_death")
    assert M.run_rules(db, ACTOR, DAY).raised == {"covered_death": 1}
    [task] = M.open_tasks(db.session())
    assert task.kind == "payment_review" and task.hold_payment
    return hid, cid, died, task


def test_a_covered_death_holds_the_line_and_deceased_ends_coverage(db, city, village_ids,
                                                                    tmp_path):
    hid, cid, died, task = death_task(db, city, village_ids, tmp_path)
    july = build(db, city, dt.date(2023, 7, 1))
    line = line_of(db, july.roster_id, cid)
    assert line.amount_fen == 0 and "暂停发放" in line.remark
    with db.read() as s:
        [(lid, _seq, _name, held)] = M.held_lines(s, july.roster_id)
    assert lid == line.id and held == 420_00 * 3
    approve(db, july.roster_id)
    summary = write_bank_xlsx(db, july.roster_id, tmp_path / "bank.xlsx")
    assert summary.rows == 0  # the held line is not in the bank file
    ids = [c.value for row in openpyxl.load_workbook(tmp_path / "bank.xlsx").worksheets[0]
           for c in row]
    assert line.id_number not in ids
    M.close_task(db, ACTOR, task.id, "deceased", DAY, "火化证明核实", death_on=dt.date(2023, 6, 3))
    with db.read() as s:
        row = s.scalar(select(CaseMember).where(CaseMember.person_id == died.id))
        assert row.covered_until == dt.date(2023, 7, 1)  # from the month after death
        assert s.scalar(select(func.count()).select_from(__import__(
            "assistcase.models", fromlist=["Adjustment"]).Adjustment)) == 0  # July not owed
    aug = build(db, city, dt.date(2023, 8, 1))
    line = line_of(db, aug.roster_id, cid)
    assert (line.persons, line.amount_fen, line.adjust_fen) == (2, 420_00 * 2, 0)


def test_a_wrong_match_releases_the_held_payment_in_the_next_roster_exactly_once(
        db, city, village_ids, tmp_path):
    hid, cid, died, task = death_task(db, city, village_ids, tmp_path)
    july = build(db, city, dt.date(2023, 7, 1))
    approve(db, july.roster_id)
    assert line_of(db, july.roster_id, cid).amount_fen == 0
    M.close_task(db, ACTOR, task.id, "wrong_match", DAY, "同名同号误报，本人健在")
    aug = build(db, city, dt.date(2023, 8, 1))
    line = line_of(db, aug.roster_id, cid)
    assert (line.base_fen, line.adjust_fen, line.amount_fen) == (1260_00, 1260_00, 2520_00)
    approve(db, aug.roster_id)
    sept = build(db, city, dt.date(2023, 9, 1))
    line = line_of(db, sept.roster_id, cid)
    assert (line.adjust_fen, line.amount_fen) == (0, 1260_00)  # once only
    with pytest.raises(StateError):
        M.close_task(db, ACTOR, task.id, "wrong_match", DAY, "again")


def test_the_hold_lasts_while_the_task_is_open_and_a_draft_is_released_by_rebuilding(
        db, city, village_ids, tmp_path):
    hid, cid, died, task = death_task(db, city, village_ids, tmp_path)
    july = build(db, city, dt.date(2023, 7, 1))
    assert line_of(db, july.roster_id, cid).amount_fen == 0
    M.close_task(db, ACTOR, task.id, "wrong_match", DAY, "误报")
    R.rebuild_roster(db, ACTOR, july.roster_id)
    assert line_of(db, july.roster_id, cid).amount_fen == 1260_00
    approve(db, july.roster_id)
    aug = build(db, city, dt.date(2023, 8, 1))
    assert line_of(db, aug.roster_id, cid).amount_fen == 1260_00  # nothing paid twice


def test_outcomes_are_validated(db, city, village_ids, tmp_path):
    hid, cid, died, task = death_task(db, city, village_ids, tmp_path)
    with pytest.raises(ValidationError):
        M.close_task(db, ACTOR, task.id, "no_action", DAY, "")
    with pytest.raises(ValidationError):
        M.close_task(db, ACTOR, task.id, "included", DAY, "")
    with pytest.raises(ValidationError):
        M.close_task(db, ACTOR, task.id, "included", DAY, "", case_id=cid)  # applied before
    M.close_task(db, ACTOR, task.id, "no_action", DAY, "经核实为同名")
    with db.read() as s:
        t = s.get(MonitoringTask, task.id)
        assert (t.status, t.outcome, t.closed_on) == ("closed", "no_action", DAY)


def test_newly_included_opens_the_case_and_links_it(db, village_ids, tmp_path):
    hid = household(db, village_ids[0], size=2)
    head = person(db, hid)
    only_rules(db, "newly_monitored")
    write_list(tmp_path / "s.xlsx", ["姓名", "身份证号", "识别日期"],
               [[head.name, head.id_number, "2023-06-01"]])
    import_outside_list(db, ACTOR, tmp_path / "s.xlsx", "sanlei", received_on=DAY)
    M.run_rules(db, ACTOR, DAY)
    [task] = M.open_tasks(db.session())
    res = M.include_from_task(db, ACTOR, task.id,
                              C.CaseInput("dibao", hid, DAY + dt.timedelta(days=1), "入户排查发现"))
    with db.read() as s:
        view = M.task_view(s, task.id)
        case = s.get(AssistanceCase, res.created_id)
    assert (view.status, view.outcome, view.new_case_id) == ("closed", "included", case.id)
    assert case.status == "applied" and case.household_id == hid
