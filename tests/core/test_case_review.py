"""Exit review (退出核查), its outcomes from the next month, marginal households (低保边缘) and
their 1.5× band edges, step dates after today refused, the case list by state (DOMAIN §4, §6, §8)."""

import datetime as dt

import pytest
from sqlalchemy import select

from assistcase.errors import StateError, ValidationError
from assistcase.models import Area, CaseEvent, CaseMember, EntitlementRow, Household, Person
from assistcase.services.recalc import recalculate_area
from assistcase.services import case_list as L
from assistcase.services import case_review as X
from assistcase.services import cases as C
from assistcase.services import registry as reg
from assistcase.services import rosters as R
from assistcase.services import standards as S

from ..conftest import ACTOR, confirmed_dibao_case, make_id

MAY, JUNE = dt.date(2023, 5, 1), dt.date(2023, 6, 1)
RURAL = 420_00


def city_id(db):
    with db.read() as s:
        return s.scalars(select(Area.id).where(Area.level == "city").order_by(Area.code)).first()


@pytest.fixture
def city(db):
    cid = city_id(db)
    S.save_standard(db, ACTOR, S.StandardInput(cid, "urban", "dibao", dt.date(2022, 1, 1), 630_00))
    S.save_standard(db, ACTOR, S.StandardInput(cid, "rural", "dibao", dt.date(2022, 1, 1), RURAL))
    return cid


def household(db, village_id, income_fen=0, size=3, seq=1):
    people = [reg.PersonData(name, make_id(seq=seq + i), rel)
              for i, (name, rel) in enumerate([("张三", "head"), ("李四", "spouse"),
                                               ("张五", "child"), ("张六", "child")][:size])]
    hid = reg.create_household(db, ACTOR, reg.HouseholdData(village_id, "rural"),
                               people).created_id
    if income_fen:
        reg.add_income(db, ACTOR, hid, "wages", income_fen)
    return hid


def active_case(db, hid):
    return confirmed_dibao_case(db, hid, dt.date(2023, 3, 1))  # confirmed 3-20: paid from April


def amount(db, cid, month):
    with db.read() as s:
        row = s.get(EntitlementRow, (month, cid))
        return None if row is None else row.amount_fen


def due(db, area, month):
    with db.read() as s:
        return X.exit_reviews_due(s, area, month)


# --- the exit-review list -------------------------------------------------------------------


def test_a_case_whose_income_reaches_the_standard_is_listed_with_its_figures(db, city,
                                                                              village_ids):
    reached = household(db, village_ids[0], 300_00)
    below = household(db, village_ids[0], 300_00, seq=11)
    c1, c2 = active_case(db, reached), active_case(db, below)
    recalculate_area(db, ACTOR, city, MAY)
    assert due(db, city, MAY) == []
    # the income raised to exactly the standard: 3 × 420 = 1,260 a month
    reg.add_income(db, ACTOR, reached, "pension", 960_00)
    assert due(db, city, MAY) == []  # the list reads the computed month
    recalculate_area(db, ACTOR, city, MAY)
    [row] = due(db, city, MAY)
    assert (row.case_id, row.household_id, row.standard_fen, row.household_income_fen,
            row.household_size, row.amount_fen) == (c1, reached, RURAL, 1260_00, 3, 0)
    assert row.per_capita_income == RURAL and row.status == "active"
    assert amount(db, c2, MAY) == (RURAL - 100_00) * 3
    # a village's list holds it, another area's does not
    assert [r.case_id for r in due(db, village_ids[0], MAY)] == [c1]
    assert due(db, village_ids[-1], MAY) == [] or village_ids[-1] == village_ids[0]
    # the review recorded after the computation takes it off the list
    X.record_exit_review(db, ACTOR, c1, dt.date(2023, 5, 10), "continue", "收入刚达标准，继续观察")
    assert due(db, city, MAY) == []
    with db.read() as s:
        ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == c1)
                       .order_by(CaseEvent.id.desc())).first()
        assert ev.step == "review" and "continue" in ev.details and "继续保障" in ev.details
        assert C.case_view(s, c1).status == "active"
    # the next month computed after the review lists it again (still at the standard)
    recalculate_area(db, ACTOR, city, JUNE)
    assert [r.case_id for r in due(db, city, JUNE)] == [c1]


def test_terminate_stops_payment_from_the_next_month_and_marks_a_marginal_household(
        db, city, village_ids):
    hid = household(db, village_ids[0], 1300_00)  # per capita 433.33: inside 420 … 630
    cid = active_case(db, hid)
    recalculate_area(db, ACTOR, city, MAY)
    assert [r.case_id for r in due(db, city, MAY)] == [cid]
    with db.read() as s:
        assert s.get(Household, hid).category == "dibao"
    X.record_exit_review(db, ACTOR, cid, dt.date(2023, 5, 10), "terminate", "收入超过标准")
    recalculate_area(db, ACTOR, city, JUNE)
    assert amount(db, cid, MAY) == 0 and amount(db, cid, JUNE) is None
    with db.read() as s:
        view = C.case_view(s, cid)
        assert view.status == "terminated" and view.paid_until == JUNE
        assert view.paid_in(MAY) and not view.paid_in(JUNE)
        assert s.get(Household, hid).category == "marginal"
        assert s.scalars(select(CaseMember).where(CaseMember.case_id == cid,
                                                  CaseMember.covered_until.is_(None))).all() == []
        steps = [e.step for e in view.events]
        assert steps[-2:] == ["review", "terminate"]
    assert due(db, city, MAY) == []
    # a roster of the next month does not pay the case
    built = R.build_monthly_roster(db, ACTOR, R.MonthlyRosterInput(city, JUNE, "dibao"))
    with db.read() as s:
        from assistcase.models import RosterLine
        assert cid not in set(s.scalars(select(RosterLine.case_id)
                                        .where(RosterLine.roster_id == built.roster_id)))


def test_terminate_above_the_band_leaves_the_household_not_marginal(db, city, village_ids):
    hid = household(db, village_ids[0], 3 * 631_00)  # 631 a head: above 1.5 × 420 = 630
    cid = active_case(db, hid)
    X.record_exit_review(db, ACTOR, cid, dt.date(2023, 5, 10), "terminate", "收入较高")
    with db.read() as s:
        assert s.get(Household, hid).category == "none"


def test_suspend_pays_nothing_from_the_next_month_the_review_month_as_it_was(db, city,
                                                                             village_ids):
    hid = household(db, village_ids[0], 300_00)
    cid = active_case(db, hid)
    recalculate_area(db, ACTOR, city, MAY)
    X.record_exit_review(db, ACTOR, cid, dt.date(2023, 5, 31), "suspend", "外出务工，收入待核")
    recalculate_area(db, ACTOR, city, MAY)
    recalculate_area(db, ACTOR, city, JUNE)
    assert amount(db, cid, MAY) == (RURAL - 100_00) * 3
    assert amount(db, cid, JUNE) is None
    with db.read() as s:
        view = C.case_view(s, cid)
        assert view.status == "suspended" and view.paid_until == JUNE
    with pytest.raises(StateError):  # a suspended case is not suspended twice
        X.record_exit_review(db, ACTOR, cid, dt.date(2023, 6, 2), "suspend", "再次")


def test_reduce_covers_fewer_members_from_the_next_month(db, city, village_ids):
    hid = household(db, village_ids[0], 300_00)
    cid = active_case(db, hid)
    recalculate_area(db, ACTOR, city, MAY)
    assert amount(db, cid, MAY) == 320_00 * 3
    with db.read() as s:
        members = list(s.scalars(select(Person.id).where(Person.household_id == hid)
                                 .order_by(Person.id)))
    with pytest.raises(ValidationError):  # a reduction keeps fewer, not all
        X.record_exit_review(db, ACTOR, cid, dt.date(2023, 5, 10), "reduce", "x", members)
    X.record_exit_review(db, ACTOR, cid, dt.date(2023, 5, 10), "reduce", "长子外出就业",
                         members[:2])
    recalculate_area(db, ACTOR, city, JUNE)
    assert amount(db, cid, MAY) == 320_00 * 3  # the month of the review as it was computed
    assert amount(db, cid, JUNE) == 320_00 * 2
    with db.read() as s:
        assert sorted(s.scalars(select(CaseMember.person_id).where(
            CaseMember.case_id == cid, CaseMember.covered_until.is_(None)))) == members[:2]
        closed = s.scalars(select(CaseMember).where(CaseMember.case_id == cid,
                                                    CaseMember.covered_until.is_not(None))).all()
        assert [(m.person_id, m.covered_until) for m in closed] == [(members[2], JUNE)]
    # recomputing the month of the review still pays for three
    recalculate_area(db, ACTOR, city, MAY)
    assert amount(db, cid, MAY) == 320_00 * 3
    with db.read() as s:
        assert C.case_view(s, cid).status == "active"


def test_exit_review_refuses_bad_input(db, city, village_ids):
    cid = active_case(db, household(db, village_ids[0]))
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        X.record_exit_review(db, ACTOR, cid, tomorrow, "stop", " ")
    fields = {err.field for err in e.value.errors}
    assert fields == {"on", "outcome", "findings"}


# --- marginal households --------------------------------------------------------------------


def test_marginal_band_edges(db, city, village_ids):
    v = village_ids[0]
    at_standard = household(db, v, 3 * RURAL, seq=1)            # 420.00: not above
    just_above = household(db, v, 3 * RURAL + 1, seq=11)         # 420.0033: marginal
    at_threshold = household(db, v, 3 * 630_00, seq=21)          # exactly 150 %: marginal
    over = household(db, v, 3 * 630_00 + 1, seq=31)              # just above 150 %: not
    with db.read() as s:
        found = {m.household_id: m for m in X.marginal_households(s, city, MAY)}
        assert set(found) == {just_above, at_threshold}
        assert found[at_threshold].percent_of_standard == 150
        assert found[at_threshold].standard_fen == RURAL and found[at_threshold].threshold_pct == 150
        assert not X.is_marginal(s, at_standard, MAY) and X.is_marginal(s, just_above, MAY)
        assert not X.is_marginal(s, over, MAY)
    # the threshold is a policy setting: 130 % leaves only the household just above
    S.set_policy(db, ACTOR, city, {"marginal_threshold_pct": 130}, effective_from=MAY)
    with db.read() as s:
        assert {m.household_id for m in X.marginal_households(s, city, MAY)} == {just_above}


# --- step dates after today -----------------------------------------------------------------


def test_every_step_refuses_a_date_after_today(db, city, village_ids):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    hid = household(db, village_ids[0])
    with pytest.raises(ValidationError) as e:
        C.open_case(db, ACTOR, C.CaseInput("dibao", hid, tomorrow, "x"))
    assert str(tomorrow) in e.value.errors[0].message_en
    assert "晚于今天" in e.value.errors[0].message_zh
    cid = active_case(db, hid)
    for step in (lambda: C.suspend_case(db, ACTOR, cid, tomorrow, "x"),
                 lambda: C.terminate_case(db, ACTOR, cid, tomorrow, "x"),
                 lambda: C.record_review(db, ACTOR, cid, tomorrow, "x")):
        with pytest.raises(ValidationError):
            step()
    other = C.open_case(db, ACTOR, C.CaseInput("dibao", household(db, village_ids[0], seq=11),
                                               dt.date.today(), "x")).created_id
    with pytest.raises(ValidationError):
        C.record_economic_check(db, ACTOR, other, tomorrow, "x")
    C.record_economic_check(db, ACTOR, other, dt.date.today(), "核对通过")
    with pytest.raises(ValidationError):
        C.record_investigation(db, ACTOR, other, tomorrow, "a、b", "x")
    C.record_investigation(db, ACTOR, other, dt.date.today(), "a、b", "x")
    with pytest.raises(ValidationError):
        C.record_publicity(db, ACTOR, other, tomorrow, tomorrow + dt.timedelta(days=7))
    # the publicity's end is announced in advance: after today is fine
    C.record_publicity(db, ACTOR, other, dt.date.today(), dt.date.today() + dt.timedelta(days=6))
    with pytest.raises(ValidationError):
        C.confirm_case(db, "reviewer", other, dt.date.today() + dt.timedelta(days=7))
    with db.read() as s:
        assert C.case_view(s, cid).status == "active"
        assert C.case_view(s, other).status == "publicity"


# --- the case list by state -----------------------------------------------------------------


def test_case_list_counts_by_state_and_filters(db, city, village_ids):
    v1, v2 = village_ids[0], village_ids[-1]
    today = dt.date.today()
    applied = C.open_case(db, ACTOR, C.CaseInput("dibao", household(db, v1), today, "x")).created_id
    publicity = C.open_case(db, ACTOR, C.CaseInput("dibao", household(db, v1, seq=11), today,
                                                   "x")).created_id
    C.record_economic_check(db, ACTOR, publicity, today, "ok")
    C.record_investigation(db, ACTOR, publicity, today, "a、b", "ok")
    C.record_publicity(db, ACTOR, publicity, today, today + dt.timedelta(days=6))
    waiting = active_case(db, household(db, v2, seq=21))  # confirmed in 2023: review overdue
    active = active_case(db, household(db, v2, seq=31))
    C.record_review(db, ACTOR, active, today, "收入稳定")  # next review in the future
    suspended = active_case(db, household(db, v2, seq=41))
    C.record_review(db, ACTOR, suspended, today, "ok")
    C.suspend_case(db, ACTOR, suspended, today, "外出")
    ended = active_case(db, household(db, v1, seq=51))
    C.terminate_case(db, ACTOR, ended, today, "迁出")
    tekun_hh = household(db, v1, seq=61, size=1)
    with db.read() as s:
        head = s.scalar(select(Person.id).where(Person.household_id == tekun_hh))
    tekun = C.open_case(db, ACTOR, C.CaseInput("tekun", tekun_hh, today, "x", person_id=head,
                                               support_mode="dispersed")).created_id
    # a publicity whose last day has passed awaits confirmation
    awaiting = C.open_case(db, ACTOR, C.CaseInput("dibao", household(db, v2, seq=71),
                                                  dt.date(2023, 3, 1), "x")).created_id
    C.record_economic_check(db, ACTOR, awaiting, dt.date(2023, 3, 3), "ok")
    C.record_investigation(db, ACTOR, awaiting, dt.date(2023, 3, 6), "a、b", "ok")
    C.record_publicity(db, ACTOR, awaiting, dt.date(2023, 3, 10), dt.date(2023, 3, 16))

    with db.read() as s:
        counts = L.case_counts(s)
        assert counts == {"application": 2, "publicity": 1, "awaiting_confirmation": 1,
                          "review_due": 1, "active": 1, "suspended": 1, "ended": 1}
        assert L.case_ids(s, L.CaseFilter(state="application")) == [tekun, applied]
        assert L.case_ids(s, L.CaseFilter(state="review_due")) == [waiting]
        assert L.case_ids(s, L.CaseFilter(state="awaiting_confirmation")) == [awaiting]
        assert L.case_ids(s, L.CaseFilter(state="suspended")) == [suspended]
        assert L.case_ids(s, L.CaseFilter(state="ended")) == [ended]
        assert L.case_ids(s, L.CaseFilter(state="publicity")) == [publicity]
        # filters: program, area, both
        assert L.case_counts(s, L.CaseFilter(program="tekun"))["application"] == 1
        assert sum(L.case_counts(s, L.CaseFilter(program="tekun")).values()) == 1
        if v1 != v2:
            assert sum(L.case_counts(s, L.CaseFilter(area_id=v2)).values()) == 4
            assert set(L.case_ids(s, L.CaseFilter(area_id=v2))) == {waiting, active, suspended,
                                                                   awaiting}
            assert L.case_ids(s, L.CaseFilter(area_id=v1, program="dibao",
                                              state="application")) == [applied]
        # the counts (index-backed) and the lists (one condition per state) partition alike,
        # and agree with the state each row shows
        for flt in (L.CaseFilter(), L.CaseFilter(program="dibao"), L.CaseFilter(area_id=v1)):
            counts = L.case_counts(s, flt)
            for state in L.CASE_STATES:
                ids = L.case_ids(s, L.CaseFilter(flt.area_id, flt.program, state))
                assert len(ids) == counts[state], (flt, state)
                assert {r.state for r in L.case_rows(s, ids).values()} <= {state}
        rows = L.case_rows(s, [waiting, tekun])
        assert rows[waiting].state == "review_due" and rows[tekun].person_name == "张三"
        assert L.case_ids(s, L.CaseFilter(), limit=3) == sorted(
            [applied, publicity, waiting, active, suspended, ended, tekun, awaiting])[::-1][:3]


# --- the command line -----------------------------------------------------------------------


def test_cli_exit_review_lists_the_case_with_figures_and_records_the_review(
        db, db_path, city, village_ids, capsys, monkeypatch, tmp_path):
    from assistcase.cli import main

    from ..conftest import token_file

    monkeypatch.setenv("ASSISTCASE_TOKEN", str(token_file(db, ACTOR, tmp_path)))

    hid = household(db, village_ids[0], 1260_00)
    cid = active_case(db, hid)
    with db.read() as s:
        code = s.get(Area, city).code
        number = s.get(Household, hid).number
    assert main(["--db", str(db_path), "cases", "exit-review", "--area", code,
                 "--month", "2023-05"]) == 0
    out = capsys.readouterr()
    assert "not computed" in out.err and "0 case(s)" in out.err
    assert main(["--db", str(db_path), "cases", "exit-review", "--area", str(city),
                 "--month", "2023-05", "--recalculate"]) == 0
    out = capsys.readouterr()
    line = next(x for x in out.out.splitlines() if x.startswith(f"{cid}\t"))
    assert number in line
    assert "420.00 yuan\t1,260.00 yuan\t3\t420.00 yuan\t0.00 yuan" in line
    assert main(["--db", str(db_path), "cases", "review", str(cid), "--outcome", "terminate",
                 "--date", "2023-05-10", "--findings", "收入达到标准"]) == 0
    assert main(["--db", str(db_path), "cases", "exit-review", "--area", code,
                 "--month", "2023-05"]) == 0
    assert "0 case(s) due" in capsys.readouterr().err
    assert main(["--db", str(db_path), "cases", "marginal", "--area", code,
                 "--month", "2023-06"]) == 0
    assert "0 marginal" in capsys.readouterr().err  # exactly at the standard: not marginal
    assert main(["--db", str(db_path), "cases", "review", str(cid), "--outcome", "continue",
                 "--date", "2023-05-10", "--findings", "x"]) == 2
    assert "terminated" in capsys.readouterr().err


def test_the_marginal_band_counts_the_income_and_members_of_the_month(db, city, village_ids):
    hid = household(db, village_ids[0])
    reg.add_income(db, ACTOR, hid, "wages", 3 * 500_00, valid_until=JUNE)  # until May
    with db.read() as s:
        assert [m.household_id for m in X.marginal_households(s, city, MAY)] == [hid]
        assert X.is_marginal(s, hid, MAY)
        assert X.marginal_households(s, city, JUNE) == [] and not X.is_marginal(s, hid, JUNE)
