"""Temporary aid (DOMAIN §7): approval limits per level that follow the dibao standard in force,
一事一议 only with its meeting record, urgent aid paid first with a working-day deadline for the
file, aid to people outside the registry, the repeat-aid check, the temporary-aid roster (each
case once) and statistics that match the rows."""

import datetime as dt
import sqlite3
from collections import defaultdict

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from stdnum import luhn

from assistcase.rules.aid import add_working_days
from assistcase.demo import generate_demo
from assistcase.demo.aid import generate_demo_aid
from assistcase.errors import StateError, ValidationError
from assistcase.models import Area, Household
from assistcase.services import aid as A
from assistcase.services import aid_roster as AR
from assistcase.services import registry as reg
from assistcase.services import rosters as R
from assistcase.services import standards as S

from ..conftest import ACTOR, make_id, schema_names

FRI = dt.date(2026, 11, 20)  # a Friday


def card(seed: int = 1) -> str:
    body = f"622848{seed:012d}"
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def city(db):
    """The city's 2022 dibao standards (seed 002: urban 630, rural 420 yuan a month)."""
    with db.read() as s:
        city_id = s.scalars(select(Area.id).where(Area.level == "city")).first()
    for cls, fen in (("urban", 630_00), ("rural", 420_00)):
        S.save_standard(db, ACTOR, S.StandardInput(city_id, cls, "dibao", dt.date(2022, 1, 1), fen))
    return city_id


@pytest.fixture
def places(db):
    """(village id, township id, township code, county id) of the first village (a 街道)."""
    with db.read() as s:
        village = s.scalars(select(Area).where(Area.level == "village").order_by(Area.code)).first()
        township = s.get(Area, village.parent_id)
        return village.id, township.id, township.code, township.parent_id


def household(db, village_id, seq=1, cls="urban", account=True):
    data = reg.HouseholdData(village_id, cls)
    if account:
        data.account_type, data.account_number, data.bank_name = "card", card(seq), "中国农业银行"
    r = reg.create_household(db, ACTOR, data,
                             [reg.PersonData(f"张{seq}", make_id(seq=2 * seq + 1))])
    return r.created_id


def record(db, hid=None, amount=2000_00, aid_type="urgent", cause="fire", applied=FRI,
           method="bank", **kw):
    data = A.AidInput(aid_type, cause, applied, amount, household_id=hid,
                      payment_method=method, **kw)
    return A.record_aid(db, ACTOR, data)


def approve(db, aid_id, level, amount, on=FRI, **kw):
    return A.approve_aid(db, ACTOR, aid_id, A.ApprovalInput(level, "王局长", on, amount, **kw))


def view(db, aid_id):
    with db.read() as s:
        return A.aid_view(s, aid_id)


# --- approval levels ----------------------------------------------------------------------


def test_township_refuses_above_its_limit_naming_it_and_the_county_approves(db, city, places):
    aid = record(db, household(db, places[0]), amount=2000_00).created_id
    with pytest.raises(A.AboveApprovalLimit) as e:
        approve(db, aid, "township", 2000_00)
    assert "乡镇审批限额为 1,890.00 元（3 倍月低保标准）" in e.value.message_zh
    assert "at most 1,890.00 yuan (3 × the monthly dibao standard of 630.00 yuan)" \
        in e.value.message_en
    assert e.value.limit_fen == 1890_00 and e.value.required_level == "county"
    assert e.value.errors[0].field == "amount_granted_fen"
    assert view(db, aid).status == "recorded"
    # the township may approve up to its limit exactly
    other = record(db, household(db, places[0], seq=2), amount=1890_00).created_id
    approve(db, other, "township", 1890_00)
    assert view(db, other).limit_fen == 1890_00
    # the county approves the 2,000 yuan
    approve(db, aid, "county", 2000_00)
    v = view(db, aid)
    assert (v.status, v.approval_level, v.amount_granted_fen) == ("approved", "county", 2000_00)
    assert (v.standard_fen, v.limit_fen, v.approver) == (630_00, 3780_00, "王局长")


def test_above_the_county_limit_only_a_recorded_case_by_case_decision(db, city, places):
    aid = record(db, household(db, places[0]), amount=8000_00, cause="serious_illness",
                 applied=FRI - dt.timedelta(days=3)).created_id
    with pytest.raises(A.AboveApprovalLimit) as e:
        approve(db, aid, "county", 8000_00)
    assert "县级审批限额为 3,780.00 元（6 倍月低保标准）" in e.value.message_zh
    assert "一事一议" in e.value.message_zh and e.value.required_level == "case_by_case"
    with pytest.raises(ValidationError) as e:
        approve(db, aid, "case_by_case", 8000_00)
    assert {x.field for x in e.value.errors} == {"meeting_date", "meeting_participants",
                                                "meeting_minutes"}
    with pytest.raises(ValidationError) as e:  # minutes are not optional
        approve(db, aid, "case_by_case", 8000_00, meeting_date=FRI,
                meeting_participants="局长、分管副局长、救助股长", meeting_minutes="  ")
    assert [x.field for x in e.value.errors] == ["meeting_minutes"]
    assert view(db, aid).status == "recorded"
    approve(db, aid, "case_by_case", 8000_00, meeting_date=FRI - dt.timedelta(days=1),
            meeting_participants="局长、分管副局长、救助股长",
            meeting_minutes="经集体研究，同意一次性救助8000元。")
    v = view(db, aid)
    assert (v.status, v.approval_level, v.limit_fen) == ("approved", "case_by_case", None)
    assert v.meeting_minutes.startswith("经集体研究")
    # the database itself refuses a case-by-case approval without its record
    with pytest.raises(IntegrityError, match="meeting_recorded"):
        with db.begin() as s:
            s.execute(text("UPDATE aid_cases SET meeting_minutes = '' WHERE id = :a"), {"a": aid})


def test_the_limits_follow_the_dibao_standard_in_force_and_the_policy(db, city, places):
    hid = household(db, places[0])
    june, july = dt.date(2026, 6, 30), dt.date(2026, 7, 1)
    S.save_standard(db, ACTOR, S.StandardInput(city, "urban", "dibao", july, 700_00))
    first = record(db, hid, amount=2100_00, applied=dt.date(2026, 6, 1)).created_id
    with pytest.raises(A.AboveApprovalLimit) as e:  # June still uses 630 yuan
        approve(db, first, "township", 2100_00, on=june)
    assert "1,890.00 元" in e.value.message_zh
    approve(db, first, "township", 2100_00, on=july)  # 3 × 700 yuan
    assert (view(db, first).standard_fen, view(db, first).limit_fen) == (700_00, 2100_00)
    second = record(db, hid, amount=2200_00, applied=july).created_id
    with pytest.raises(A.AboveApprovalLimit) as e:
        approve(db, second, "township", 2200_00, on=july)
    assert "乡镇审批限额为 2,100.00 元" in e.value.message_zh
    # the multiple is a policy setting of the city, in force from its date (here 1 June)
    S.set_policy(db, ACTOR, city, {"aid_township_limit_pct": 400},
                 effective_from=dt.date(2026, 6, 1))
    approve(db, second, "township", 2200_00, on=july)
    with db.read() as s:
        limits = A.approval_limits(s, places[1], "urban", july)
        assert (limits.township_fen, limits.county_fen) == (2800_00, 4200_00)
        assert A.approval_limits(s, places[1], "rural", june).township_fen == 1680_00


def test_no_standard_in_force_means_no_limit_and_no_approval(db, places):
    aid = record(db, household(db, places[0]), amount=500_00).created_id
    with pytest.raises(ValidationError) as e:
        approve(db, aid, "township", 500_00)
    assert e.value.errors[0].field == "approved_on" and "低保标准" in e.value.message_zh


def test_approval_queue_per_level(db, city, places):
    hid = household(db, places[0])
    small = record(db, hid, amount=1000_00).created_id
    middle = record(db, hid, amount=3000_00).created_id
    large = record(db, hid, amount=10000_00).created_id
    done = record(db, hid, amount=500_00).created_id
    approve(db, done, "township", 500_00)
    with db.read() as s:
        queues = {lvl: [q.aid.id for q in A.approval_queue(s, lvl, FRI)]
                  for lvl in ("township", "county", "case_by_case")}
        county = A.approval_queue(s, "county", FRI)[0]
    assert queues == {"township": [small], "county": [middle], "case_by_case": [large]}
    assert (county.standard_fen, county.limit_fen) == (630_00, 3780_00)


# --- urgent payment first -----------------------------------------------------------------


def test_add_working_days_skips_weekends():
    assert add_working_days(FRI, 5) == dt.date(2026, 11, 27)
    assert add_working_days(dt.date(2026, 11, 21), 1) == dt.date(2026, 11, 23)  # Sat → Mon
    assert add_working_days(dt.date(2026, 11, 23), 4) == dt.date(2026, 11, 27)


def test_urgent_case_paid_first_then_overdue_after_its_deadline(db, city, places):
    aid = record(db, household(db, places[0]), amount=1500_00, method="cash",
                 documents=["临时救助申请书"]).created_id
    approve(db, aid, "township", 1500_00)
    result = A.record_payment(db, ACTOR, aid, FRI, "现场发放现金")
    assert "2026-11-27" in result.warnings[0].message_en
    v = view(db, aid)
    assert (v.status, v.paid_via, v.paperwork_complete, v.paperwork_due) == \
        ("paid", "direct", False, dt.date(2026, 11, 27))
    with db.read() as s:
        # 5 working days: the next Friday; five calendar days would have made it Wednesday
        for day in (FRI, dt.date(2026, 11, 26), dt.date(2026, 11, 27)):
            assert A.overdue_paperwork(s, day) == []
        files = A.paperwork_files(s, dt.date(2026, 11, 26))
        assert [(f.aid.id, f.deadline, f.overdue) for f in files] == \
            [(aid, dt.date(2026, 11, 27), False)]
        late = A.overdue_paperwork(s, dt.date(2026, 11, 28))
        assert [(f.aid.id, f.deadline, f.overdue) for f in late] == \
            [(aid, dt.date(2026, 11, 27), True)]
        assert A.overdue_paperwork(s, dt.date(2026, 11, 28), area_id=places[1])
        elsewhere = s.scalars(select(Area.id).where(Area.level == "township",
                                                    Area.id != places[1])).first()
        assert A.overdue_paperwork(s, dt.date(2026, 11, 28), area_id=elsewhere) == []
        # the to-do list's 户 column names the household by number and the payee, as for cases
        from assistcase.services.todo import todo_list
        number, head = s.execute(select(Household.number, Household.head_name)
                                 .where(Household.id == v.household_id)).one()
        [item] = [i for i in todo_list(s, places[1], dt.date(2026, 11, 28)).items
                  if i.kind == "aid_paperwork"]
        assert item.who == f"{number} {v.name}" and item.who.startswith(number)
    A.update_paperwork(db, ACTOR, aid, ["临时救助申请书", "火灾事故认定书"],
                       completed_on=dt.date(2026, 12, 1))
    with db.read() as s:
        assert A.paperwork_files(s, dt.date(2026, 12, 2)) == []
    assert view(db, aid).documents == ("临时救助申请书", "火灾事故认定书")


def test_expenditure_aid_is_paid_only_with_a_complete_file(db, city, places):
    aid = record(db, household(db, places[0]), amount=1000_00, aid_type="expenditure",
                 cause="education", method="cash").created_id
    approve(db, aid, "township", 1000_00)
    with pytest.raises(StateError) as e:
        A.record_payment(db, ACTOR, aid, FRI)
    assert "支出型" in e.value.message_zh
    A.update_paperwork(db, ACTOR, aid, ["临时救助申请书", "录取通知书"], completed_on=FRI)
    A.record_payment(db, ACTOR, aid, FRI)
    assert view(db, aid).status == "paid"


# --- people outside the registry ----------------------------------------------------------


def test_non_registered_person_recorded_and_paid_without_a_household(db, city, places):
    village_id, township_id, township_code, _county = places
    household(db, village_id)  # the registry is not empty
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(Household))
    number = make_id(area="341602", birth=dt.date(1975, 3, 8), seq=7)
    r = A.record_aid(db, ACTOR, A.AidInput(
        "urgent", "other", FRI, 800_00, name="流浪人员李某", id_number=number,
        found_at="商丘站站前广场", township_id=township_id, payment_method="bank",
        account_type="card", account_number=card(99), bank_name="中国邮政储蓄银行",
        description="生活无着，需临时救助返乡"))
    aid = r.created_id
    v = view(db, aid)
    assert (v.registered, v.household_id, v.name, v.id_number) == (False, None, "流浪人员李某", number)
    assert v.residence_class == "urban"  # the township is a subdistrict (街道)
    approve(db, aid, "township", 800_00)
    built = AR.build_temp_aid_roster(db, ACTOR, township_id, FRI, pay_date=dt.date(2026, 11, 25))
    R.review_roster(db, "reviewer", built.roster_id)
    R.approve_roster(db, "approver", built.roster_id)
    with db.read() as s:
        [line] = list(R.iter_lines(s, built.roster_id))
        assert s.scalar(select(func.count()).select_from(Household)) == before
    assert (line.aid_case_id, line.household_id, line.payee_name, line.id_number) == \
        (aid, None, "流浪人员李某", number)
    assert (line.village_code, line.township_code, line.amount_fen) == ("", township_code, 800_00)
    assert line.village_name == "非在册人员"  # what the printed roster shows in the village column
    v = view(db, aid)
    assert (v.status, v.paid_on, v.paid_via, v.roster_id, v.roster_status) == \
        ("paid", dt.date(2026, 11, 25), "roster", built.roster_id, "approved")
    # cash and no known ID number are fine too
    r = A.record_aid(db, ACTOR, A.AidInput("urgent", "other", FRI, 300_00, name="无名氏",
                                           found_at="归德路桥下", township_id=township_id,
                                           payment_method="cash"))
    approve(db, r.created_id, "township", 300_00)
    A.record_payment(db, ACTOR, r.created_id, FRI)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == before


def test_non_registered_person_input_is_checked(db, city, places):
    bad = make_id(seq=5)[:-1] + ("0" if make_id(seq=5)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as e:
        A.record_aid(db, ACTOR, A.AidInput("urgent", "fire", FRI, 500_00, name="李某",
                                           id_number=bad, found_at="", township_id=places[0],
                                           payment_method="bank"))
    fields = {x.field for x in e.value.errors}
    assert {"id_number", "found_at", "township_id"} <= fields
    assert "校验位" in e.value.message_zh
    household(db, places[0], seq=3)  # the ID of a registered person: record it for them
    with pytest.raises(ValidationError) as e:
        A.record_aid(db, ACTOR, A.AidInput("urgent", "fire", FRI, 500_00, name="张3",
                                           id_number=make_id(seq=7), found_at="家中",
                                           township_id=places[1], payment_method="cash"))
    assert "已在户" in e.value.message_zh
    with pytest.raises(ValidationError) as e:  # a bank payment needs an account
        A.record_aid(db, ACTOR, A.AidInput("urgent", "fire", FRI, 500_00, name="李某",
                                           found_at="家中", township_id=places[1]))
    assert e.value.errors[0].field == "account_number"
    with pytest.raises(ValidationError) as e:
        record(db, household(db, places[0], seq=4), cause="lottery")
    assert e.value.errors[0].field == "cause"


# --- repeat aid ---------------------------------------------------------------------------


def test_repeat_aid_warns_of_grants_within_the_period_and_not_older_ones(db, city, places):
    hid = household(db, places[0])
    old = record(db, hid, amount=600_00, applied=dt.date(2025, 11, 18)).created_id
    approve(db, old, "township", 600_00, on=dt.date(2025, 11, 20))  # exactly 12 months before
    recent = record(db, hid, amount=900_00, cause="serious_illness",
                    applied=dt.date(2026, 3, 2)).created_id
    approve(db, recent, "township", 900_00, on=dt.date(2026, 3, 5))
    refused = record(db, hid, amount=700_00, applied=dt.date(2026, 9, 1)).created_id
    A.refuse_aid(db, ACTOR, refused, dt.date(2026, 9, 3), "已获保险理赔")
    result = record(db, hid, amount=1000_00)
    [warning] = result.warnings
    assert f"案件 {recent}" in warning.message_zh and "2026-03-05" in warning.message_zh
    assert "重大疾病 900.00 元" in warning.message_zh and "近 12 个月内已获临时救助 1 次" \
        in warning.message_zh
    assert f"案件 {old}" not in warning.message_zh and f"案件 {refused}" not in warning.message_zh
    with db.read() as s:
        assert [p.id for p in A.previous_aid(s, FRI, household_id=hid)] == [recent]
        assert [p.id for p in A.previous_aid(s, dt.date(2026, 11, 19), household_id=hid)] \
            == [recent, old]
    # approving warns too (not blocking)
    new = result.created_id
    assert approve(db, new, "township", 1000_00).warnings[0].field == "previous_aid"
    # the period is a policy setting: 6 months no longer reach back to March
    S.set_policy(db, ACTOR, city, {"aid_repeat_months": 6}, effective_from=dt.date(2026, 1, 1))
    assert [w.field for w in record(db, hid, amount=500_00).warnings] == ["previous_aid"]
    assert f"案件 {recent}" not in record(db, hid, amount=500_00).warnings[0].message_zh


def test_repeat_aid_of_a_non_registered_person_by_id_number(db, city, places):
    number = make_id(area="372925", seq=9)
    data = A.AidInput("urgent", "other", dt.date(2026, 5, 1), 500_00, name="刘某",
                      id_number=number, found_at="汽车站", township_id=places[1],
                      payment_method="cash")
    first = A.record_aid(db, ACTOR, data)
    assert first.warnings == []
    approve(db, first.created_id, "township", 500_00, on=dt.date(2026, 5, 1))
    data.applied_on = FRI
    data.name = "刘某某"  # another spelling, the same number
    [w] = A.record_aid(db, ACTOR, data).warnings
    assert f"案件 {first.created_id}" in w.message_zh


# --- the temporary-aid roster -------------------------------------------------------------


def test_temp_aid_roster_pays_each_approved_case_once(db, city, places):
    village_id, township_id, township_code, county_id = places
    hids = [household(db, village_id, seq=i) for i in range(1, 4)]
    bank = [record(db, h, amount=1000_00 + 100_00 * i).created_id for i, h in enumerate(hids)]
    for a, amount in zip(bank, (1000_00, 1100_00, 1200_00)):
        approve(db, a, "township", amount)
    cash = record(db, hids[0], amount=400_00, method="cash").created_id
    approve(db, cash, "township", 400_00)
    waiting = record(db, hids[1], amount=400_00).created_id  # not approved
    incomplete = record(db, hids[2], amount=400_00, aid_type="expenditure",
                        cause="education").created_id
    approve(db, incomplete, "township", 400_00)

    first = AR.build_temp_aid_roster(db, ACTOR, county_id, dt.date(2026, 11, 1),
                                     pay_date=dt.date(2026, 11, 30))
    with db.read() as s:
        lines = list(R.iter_lines(s, first.roster_id))
        rv = R.roster_view(s, first.roster_id)
    assert sorted(ln.aid_case_id for ln in lines) == sorted(bank)
    assert (first.cases, first.lines, first.total_fen, first.skipped_incomplete) == \
        (3, 3, 3300_00, 1)
    assert (rv.kind, rv.program, rv.status, rv.total_fen) == \
        ("temp_aid", "temp_aid", "draft", 3300_00)
    assert "临时救助金发放花名册" in rv.title
    assert all(ln.category == "temp_aid" and ln.persons == 1 and ln.account_number for ln in lines)
    assert lines[0].remark == "急难型·火灾" and lines[0].village_code and lines[0].household_number
    assert not {waiting, cash} & {ln.aid_case_id for ln in lines}

    # nothing left to pay: a second roster is refused and leaves nothing behind
    with pytest.raises(StateError):
        AR.build_temp_aid_roster(db, ACTOR, township_id, dt.date(2026, 11, 1))
    # the database refuses a second line paying the same grant
    with pytest.raises(IntegrityError):
        with db.begin() as s:
            s.execute(text(
                "INSERT INTO roster_lines (roster_id, seq, category, residence_class, aid_case_id,"
                " household_number, township_code, township_name, village_code, village_name,"
                " payee_name, id_number, account_type, account_number, bank_name, household_size,"
                " persons, standard_fen, income_fen, base_fen, adjust_fen, amount_fen, remark)"
                " VALUES (:r, 99, 'temp_aid', 'urban', :a, '', '', '', '', '', 'x', '', 'none',"
                " '', '', 1, 1, 0, 0, 100, 0, 100, '')"), {"r": first.roster_id, "a": bank[0]})
    # a case approved later goes on a second roster, alone
    approve(db, waiting, "township", 400_00)
    second = AR.build_temp_aid_roster(db, ACTOR, township_id, dt.date(2026, 11, 1))
    with db.read() as s:
        assert [ln.aid_case_id for ln in R.iter_lines(s, second.roster_id)] == [waiting]
    # discarding a draft releases its cases; they are paid by the next roster
    R.discard_roster(db, ACTOR, first.roster_id, "重新编制")
    third = AR.build_temp_aid_roster(db, ACTOR, county_id, dt.date(2026, 11, 1),
                                     pay_date=dt.date(2026, 11, 30))
    with db.read() as s:
        assert sorted(ln.aid_case_id for ln in R.iter_lines(s, third.roster_id)) == sorted(bank)
    R.review_roster(db, "reviewer", third.roster_id)
    R.approve_roster(db, "approver", third.roster_id)
    for a in bank:
        assert (view(db, a).status, view(db, a).paid_on) == ("paid", dt.date(2026, 11, 30))
    assert view(db, waiting).status == "approved"  # its roster is still a draft
    with pytest.raises(StateError):
        A.record_payment(db, ACTOR, waiting, FRI)  # the roster pays it

    # a failed payment is reissued by the next roster, not paid twice as a grant
    with db.read() as s:
        failed = next(ln for ln in R.iter_lines(s, third.roster_id) if ln.aid_case_id == bank[1])
    R.record_bank_returns(db, ACTOR, third.roster_id, "回盘.xlsx", "f" * 64,
                          [R.PaymentOutcome(failed.id, "failed", "账户已销户")])
    R.discard_roster(db, ACTOR, second.roster_id, "合并发放")
    fourth = AR.build_temp_aid_roster(db, ACTOR, township_id, dt.date(2026, 12, 1))
    with db.read() as s:
        lines = {ln.aid_case_id: ln for ln in R.iter_lines(s, fourth.roster_id)}
    assert fourth.reissues == 1 and set(lines) == {waiting, bank[1]}
    assert (lines[bank[1]].persons, lines[bank[1]].amount_fen) == (0, 1100_00)


def test_migration_keeps_the_roster_freeze_triggers(db):
    names = schema_names(db, "trigger")
    assert {"trg_roster_lines_frozen_insert", "trg_roster_lines_frozen_update",
            "trg_roster_lines_frozen_delete", "trg_aid_cases_paid_by_roster"} <= names


# --- statistics ---------------------------------------------------------------------------


def test_statistics_of_a_generated_year_match_the_rows(db):
    generate_demo(db, ACTOR, households=400, seed=5, today=dt.date(2026, 11, 22))
    with db.read() as s:
        city = s.scalars(select(Area.id).where(Area.level == "city")).first()
    for cls, fen in (("urban", 630_00), ("rural", 420_00)):
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "dibao", dt.date(2022, 1, 1), fen))
    S.save_standard(db, ACTOR, S.StandardInput(city, "urban", "dibao", dt.date(2025, 7, 1), 660_00))
    summary = generate_demo_aid(db, ACTOR, 2025, seed=3, count=700)
    with pytest.raises(StateError):  # one year of demo aid per area
        generate_demo_aid(db, ACTOR, 2025, seed=4, count=10)
    assert summary.cases == 700 and summary.unregistered > 40 and summary.granted > 500

    with db.read() as s:
        rows = s.execute(text(
            "SELECT a.status, a.aid_type, a.cause, t.code, a.approved_on, a.paid_on,"
            " a.amount_granted_fen, a.approval_level, a.township_id, a.residence_class,"
            " a.household_id, a.meeting_minutes, a.limit_fen"
            " FROM aid_cases AS a JOIN areas AS t ON t.id = a.township_id")).all()
        assert s.scalar(select(func.count()).select_from(Household)) == 400

        def expected(start, end, basis="approved"):
            out = defaultdict(lambda: [0, 0])
            for r in rows:
                day = r[4] if basis == "approved" else r[5]
                ok = r[0] in (("approved", "paid") if basis == "approved" else ("paid",))
                if ok and day is not None and start <= dt.date.fromisoformat(str(day)[:10]) < end:
                    for key in (("all",), ("type", r[1]), ("cause", r[2]), ("township", r[3])):
                        out[key][0] += 1
                        out[key][1] += r[6]
            return out

        def got(st):
            out = {("all",): [st.person_times, st.amount_fen]}
            for kind, group in (("type", st.by_type), ("cause", st.by_cause),
                                ("township", st.by_township)):
                out.update({(kind, g.key): [g.person_times, g.amount_fen]
                            for g in group if g.person_times})
            return out

        periods = [A.period_bounds("year", 2025)] + \
            [A.period_bounds("quarter", 2025, q) for q in (1, 2, 3, 4)] + \
            [A.period_bounds("month", 2025, m) for m in (1, 7, 12)]
        for start, end in periods:
            assert got(A.aid_statistics(s, start, end)) == dict(expected(start, end))
        start, end = A.period_bounds("year", 2025)
        assert got(A.aid_statistics(s, start, end, basis="paid")) == \
            dict(expected(start, end, "paid"))
        year = A.aid_statistics(s, start, end)
        assert year.person_times == summary.granted and year.amount_fen == summary.granted_fen
        # the year looks like one: both types, every cause, several townships, some outside
        # the registry, refused and pending cases left out of the counts
        assert all(r.person_times for r in year.by_type)
        assert all(r.person_times for r in year.by_cause)
        assert len(year.by_township) >= 10
        assert {r[0] for r in rows} == {"recorded", "approved", "paid", "refused"}
        assert sum(1 for r in rows if r[10] is None and r[0] == "paid") > 20
        # an area's statistics are its townships'
        county = s.get(Area, s.get(Area, rows[0][8]).parent_id)
        part = A.aid_statistics(s, start, end, area_id=county.id)
        assert part.person_times == sum(1 for r in rows if r[0] in ("approved", "paid")
                                        and r[3].startswith(county.code[:6])
                                        and r[4].startswith("2025"))
        # every generated grant is within its level's limit under the standard in force
        for r in rows:
            if r[0] in ("approved", "paid"):
                limits = A.approval_limits(s, r[8], r[9], dt.date.fromisoformat(str(r[4])[:10]))
                if r[7] == "case_by_case":
                    assert r[11] and r[6] > limits.county_fen
                else:
                    assert r[6] <= limits.limit_for(r[7]) == r[12]
    with db.read() as s:  # the generated paid-first files give an overdue list
        assert A.overdue_paperwork(s, dt.date(2026, 1, 31))


# --- causes, corrections, lists -----------------------------------------------------------


def test_causes_are_configurable_and_cases_are_found_by_name_or_id(db, city, places):
    with db.read() as s:
        assert [c.label_zh for c in A.aid_causes(s)] == \
            ["火灾", "交通事故", "重大疾病", "自然灾害", "教育支出", "其他"]
    A.save_aid_cause(db, ACTOR, "house_collapse", "house collapse", "房屋倒塌")
    hid = household(db, places[0], seq=6)
    aid = record(db, hid, amount=900_00, cause="house_collapse").created_id
    approve(db, aid, "township", 900_00)
    A.save_aid_cause(db, ACTOR, "house_collapse", "house collapse", "房屋倒塌", active=False)
    with pytest.raises(ValidationError):  # a retired cause is not offered any more
        record(db, hid, cause="house_collapse")
    with db.read() as s:
        assert "house_collapse" not in {c.code for c in A.aid_causes(s)}
        stats = A.aid_statistics(s, *A.period_bounds("month", 2026, 11))
        assert [(r.label_zh, r.person_times) for r in stats.by_cause if r.person_times] == \
            [("房屋倒塌", 1)]  # …but still counted where it was used
        by_name = A.list_aid(s, A.AidFilter(text="张6"))
        by_id = A.list_aid(s, A.AidFilter(text=make_id(seq=13)))
        assert [r.id for r in by_name] == [r.id for r in by_id] == [aid]
        assert A.list_aid(s, A.AidFilter(text="张6", status="recorded")) == []


def test_a_recorded_case_is_corrected_or_refused_an_approved_one_is_not(db, city, places):
    hid = household(db, places[0])
    aid = record(db, hid, amount=900_00).created_id
    data = A.AidInput("expenditure", "serious_illness", FRI, 1200_00, household_id=hid,
                      payment_method="cash", description="住院自付费用高")
    A.update_aid(db, ACTOR, aid, data)
    v = view(db, aid)
    assert (v.aid_type, v.cause, v.amount_requested_fen, v.payment_method, v.account_number) == \
        ("expenditure", "serious_illness", 1200_00, "cash", "")
    approve(db, aid, "township", 1200_00)
    with pytest.raises(StateError):
        A.update_aid(db, ACTOR, aid, data)
    with pytest.raises(StateError):
        A.refuse_aid(db, ACTOR, aid, FRI, "不符合条件")
    other = record(db, hid, amount=500_00).created_id
    A.refuse_aid(db, ACTOR, other, FRI, "已获保险理赔")
    assert (view(db, other).status, view(db, other).refusal_reason) == ("refused", "已获保险理赔")
    with pytest.raises(StateError):
        approve(db, other, "township", 500_00)
