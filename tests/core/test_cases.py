"""Case lifecycle (DOMAIN §8): no step skipped, the refusal names the missing step, 7-day
publicity, paid from the month after confirmation, suspension/termination from the next month,
reviews due; the set-based recalculation equals the pure function; seed figures paid exactly."""

import datetime as dt

import pytest
from sqlalchemy import select

from assistcase.demo import generate_demo
from assistcase.errors import StateError, ValidationError
from assistcase.models import Area, CaseMember, EntitlementRow, Household, Person
from assistcase.services.recalc import area_entitlements, case_entitlement, recalculate_area
from assistcase.services import cases as C
from assistcase.services import registry as reg
from assistcase.services import standards as S

from ..conftest import ACTOR, demo_city, make_id

APPLIED = dt.date(2023, 3, 1)


def city_id(db):
    with db.read() as s:
        return s.scalars(select(Area.id).where(Area.level == "city").order_by(Area.code)).first()


def standards(db, area, urban=630_00, rural=420_00, since=dt.date(2022, 1, 1)):
    S.save_standard(db, ACTOR, S.StandardInput(area, "urban", "dibao", since, urban))
    S.save_standard(db, ACTOR, S.StandardInput(area, "rural", "dibao", since, rural))


def household(db, village_id, income_fen=0, cls="rural"):
    r = reg.create_household(db, ACTOR, reg.HouseholdData(village_id, cls),
                             [reg.PersonData("张三", make_id(seq=1)),
                              reg.PersonData("李四", make_id(seq=2), "spouse"),
                              reg.PersonData("张小", make_id(birth=dt.date(2015, 6, 1), seq=3),
                                             "child")])
    if income_fen:
        reg.add_income(db, ACTOR, r.created_id, "wages", income_fen)
    return r.created_id


def walk(db, case_id, upto="confirm", start=dt.date(2023, 3, 10)):
    steps = [lambda: C.record_economic_check(db, ACTOR, case_id, dt.date(2023, 3, 3), "核对通过"),
             lambda: C.record_investigation(db, ACTOR, case_id, dt.date(2023, 3, 6), "王五、赵六",
                                            "家中无劳动力"),
             lambda: C.record_publicity(db, ACTOR, case_id, start, start + dt.timedelta(days=6)),
             lambda: C.confirm_case(db, "reviewer", case_id, dt.date(2023, 3, 20), "同意")]
    names = ["economic_check", "investigation", "publicity", "confirm"]
    for name, step in zip(names, steps):
        step()
        if name == upto:
            return


def open_dibao(db, hid):
    return C.open_case(db, ACTOR, C.CaseInput("dibao", hid, APPLIED, "无固定收入")).created_id


def test_confirm_refused_without_investigation_naming_the_step(db, village_ids):
    cid = open_dibao(db, household(db, village_ids[0]))
    walk(db, cid, upto="economic_check")
    with pytest.raises(StateError) as e:
        C.confirm_case(db, "reviewer", cid, dt.date(2023, 4, 1))
    assert "home investigation" in e.value.message_en and "入户调查" in e.value.message_zh
    with pytest.raises(StateError) as e:  # nor can the publicity come first
        C.record_publicity(db, ACTOR, cid, dt.date(2023, 3, 10), dt.date(2023, 3, 16))
    assert "入户调查" in e.value.message_zh
    with db.read() as s:
        assert C.case_view(s, cid).status == "checked"


def test_confirm_refused_without_publicity_and_before_it_is_complete(db, village_ids):
    cid = open_dibao(db, household(db, village_ids[0]))
    walk(db, cid, upto="investigation")
    with pytest.raises(StateError) as e:
        C.confirm_case(db, "reviewer", cid, dt.date(2023, 4, 1))
    assert "publicity" in e.value.message_en and "公示" in e.value.message_zh
    # six days is not a 7-day publicity
    with pytest.raises(ValidationError) as e:
        C.record_publicity(db, ACTOR, cid, dt.date(2023, 3, 10), dt.date(2023, 3, 15))
    assert e.value.errors[0].field == "end" and "7" in e.value.message_zh
    C.record_publicity(db, ACTOR, cid, dt.date(2023, 3, 10), dt.date(2023, 3, 16))
    with pytest.raises(StateError) as e:  # on its last day it is not yet completed
        C.confirm_case(db, "reviewer", cid, dt.date(2023, 3, 16))
    assert "公示" in e.value.message_zh and "2023-03-16" in e.value.message_en
    C.confirm_case(db, "reviewer", cid, dt.date(2023, 3, 17), "公示无异议")
    with db.read() as s:
        v = C.case_view(s, cid)
    assert v.status == "active" and v.paid_from == dt.date(2023, 4, 1)
    assert not v.paid_in(dt.date(2023, 3, 1)) and v.paid_in(dt.date(2023, 4, 1))


def test_events_record_who_when_why_and_exits_take_effect_next_month(db, village_ids):
    cid = open_dibao(db, household(db, village_ids[0]))
    walk(db, cid)
    with pytest.raises(ValidationError):
        C.suspend_case(db, ACTOR, cid, dt.date(2023, 6, 15), "  ")
    C.suspend_case(db, ACTOR, cid, dt.date(2023, 6, 15), "外出务工")
    with db.read() as s:
        v = C.case_view(s, cid)
    assert v.status == "suspended" and v.paid_in(dt.date(2023, 6, 1))
    assert not v.paid_in(dt.date(2023, 7, 1))
    assert [e.step for e in v.events] == ["apply", "economic_check", "investigation", "publicity",
                                          "confirm", "suspend"]
    last = v.events[-1]
    assert (last.username, last.happened_on, last.reason) == (ACTOR, dt.date(2023, 6, 15), "外出务工")
    C.resume_case(db, ACTOR, cid, dt.date(2023, 8, 2), "返乡")
    C.terminate_case(db, ACTOR, cid, dt.date(2023, 9, 30), "收入超过标准")
    with db.read() as s:
        v = C.case_view(s, cid)
    assert v.status == "terminated" and v.paid_in(dt.date(2023, 9, 1))
    assert not v.paid_in(dt.date(2023, 10, 1)) and not v.paid_in(dt.date(2023, 8, 1))
    with pytest.raises(StateError):
        C.confirm_case(db, "reviewer", cid, dt.date(2023, 10, 1))


def test_next_review_from_policy_and_reviews_due(db, village_ids):
    special = open_dibao(db, household(db, village_ids[0]))  # has a minor
    walk(db, special)
    with db.read() as s:
        six = C.case_view(s, special).next_review_on
    assert six == dt.date(2023, 9, 20)  # others: 6 months
    C.record_review(db, ACTOR, special, dt.date(2023, 9, 1), "收入稳定", stable_income=True)
    with db.read() as s:
        assert C.case_view(s, special).next_review_on == dt.date(2024, 9, 1)  # 12 months
        due = C.reviews_due(s, dt.date(2024, 9, 15), within_days=0)
        soon = C.reviews_due(s, dt.date(2024, 8, 20), within_days=30)
        none = C.reviews_due(s, dt.date(2024, 7, 1), within_days=30)
    assert [(d.case_id, d.overdue) for d in due] == [(special, True)]
    assert [(d.case_id, d.overdue) for d in soon] == [(special, False)]
    assert none == []
    S.set_policy(db, ACTOR, city_id(db), {"review_months_stable": 24},
                 effective_from=dt.date(2024, 1, 1))
    C.record_review(db, ACTOR, special, dt.date(2024, 9, 1), "仍稳定")
    with db.read() as s:
        assert C.case_view(s, special).next_review_on == dt.date(2026, 9, 1)


def test_breakdown_and_exit_review_for_a_case(db, village_ids):
    standards(db, city_id(db))
    cid = open_dibao(db, household(db, village_ids[0], income_fen=600_00))
    walk(db, cid)
    with db.read() as s:
        e = case_entitlement(s, cid, dt.date(2023, 4, 1))
    # rural 420: per capita 200, (420 − 200) × 3 = 660
    assert e.amount_fen == 660_00 and "660.00" in e.text("zh") and "200.00" in e.text("zh")
    rich = open_dibao(db, _second_household(db, village_ids[1], 420_00))  # 1 member, income = standard
    walk(db, rich)
    recalculate_area(db, ACTOR, city_id(db), dt.date(2023, 4, 1))
    with db.read() as s:
        flagged = area_entitlements(s, city_id(db), dt.date(2023, 4, 1), exit_review_only=True)
    assert [(f.case_id, f.amount_fen) for f in flagged] == [(rich, 0)]


def _second_household(db, village_id, income_fen):
    r = reg.create_household(db, ACTOR, reg.HouseholdData(village_id, "rural"),
                             [reg.PersonData("钱七", make_id(seq=11))])
    reg.add_income(db, ACTOR, r.created_id, "wages", income_fen)
    return r.created_id


def test_seed_figures_paid_exactly_and_a_raise_changes_months_from_its_date(db, village_ids):
    city = city_id(db)
    S.save_standard(db, ACTOR, S.StandardInput(city, "rural", "dibao", dt.date(2020, 1, 1),
                                               4_260_00, "year"))
    hid = _second_household(db, village_ids[0], 0)
    cid = open_dibao(db, hid)
    walk(db, cid)
    with db.read() as s:
        assert case_entitlement(s, cid, dt.date(2023, 6, 1)).amount_fen == 355_00
    S.save_standard(db, ACTOR, S.StandardInput(city, "rural", "dibao", dt.date(2023, 7, 1),
                                               420_00))
    with db.read() as s:
        june = case_entitlement(s, cid, dt.date(2023, 6, 1))
        july = case_entitlement(s, cid, dt.date(2023, 7, 1))
    assert (june.amount_fen, july.amount_fen) == (355_00, 420_00)
    for month, amount in ((dt.date(2023, 6, 1), 355_00), (dt.date(2023, 7, 1), 420_00)):
        recalculate_area(db, ACTOR, city, month)
        with db.read() as s:
            assert s.scalar(select(EntitlementRow.amount_fen).where(
                EntitlementRow.case_id == cid, EntitlementRow.month == month)) == amount


def test_recalculation_equals_the_pure_function(db):
    generate_demo(db, ACTOR, households=200, seed=3)
    city = city_id(db)
    standards(db, city)
    for cls, basic in (("urban", 819_00), ("rural", 546_00)):
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "tekun_basic", dt.date(2022, 1, 1), basic))
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "care_partial", dt.date(2022, 1, 1), 300_00))
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "care_none", dt.date(2022, 1, 1), 900_00))
    # mid-history raise: 5,260 yuan/year = 438.33 a month needs a basic standard of 569.83
    S.save_standards(db, ACTOR, [
        S.StandardInput(city, "rural", "dibao", dt.date(2023, 1, 1), 4_260_00 + 1_000_00, "year"),
        S.StandardInput(city, "rural", "tekun_basic", dt.date(2023, 1, 1), 570_00)])
    S.set_policy(db, ACTOR, city, {"increment_elderly_pct": 10, "increment_minor_pct": 5,
                                   "increment_severe_disability_pct": 20,
                                   "increment_serious_illness_pct": 15,
                                   "floor_fen_per_person": 30_00},
                 effective_from=dt.date(2022, 1, 1))
    with db.read() as s:
        hhs = s.execute(select(Household.id, Household.category).where(
            Household.category.in_(("dibao", "tekun")),
            Household.status == "active").order_by(Household.id)).all()
        tekun_people = {hid: s.scalars(select(Person.id).where(Person.household_id == hid)
                                       .order_by(Person.id)).first() for hid, c in hhs
                        if c == "tekun"}
    assert len(hhs) >= 20
    hhs = [h for h in hhs if h[1] == "tekun"][:10] + [h for h in hhs if h[1] == "dibao"][:30]
    assert {c for _, c in hhs} == {"dibao", "tekun"}
    ids = []
    for i, (hid, cat) in enumerate(hhs[:40]):
        if cat == "tekun":
            data = C.CaseInput("tekun", hid, APPLIED, person_id=tekun_people[hid],
                               self_care=("full", "partial", "none")[i % 3],
                               support_mode="dispersed")
        else:
            with db.read() as s:
                members = s.scalars(select(Person.id).where(Person.household_id == hid)
                                    .order_by(Person.id)).all()
            data = C.CaseInput("dibao", hid, APPLIED, covered_person_ids=members[:max(1, len(members) - i % 2)])
        cid = C.open_case(db, ACTOR, data).created_id
        walk(db, cid)
        ids.append(cid)
    month = dt.date(2023, 5, 1)
    # covered adults of working age, neither disabled nor ill: one made seriously ill, one
    # given a severe disability (each percentage then rests on that one attribute alone)
    with db.begin() as s:
        adults = s.scalars(select(Person).join(CaseMember, CaseMember.person_id == Person.id)
                           .where(CaseMember.case_id.in_(ids),
                                  Person.birth_date.between(dt.date(1970, 1, 1),
                                                            dt.date(2000, 1, 1)),
                                  Person.disability_grade.is_(None),
                                  Person.serious_illness.is_(False))
                           .order_by(Person.id).limit(2)).all()
        assert len(adults) == 2
        adults[0].serious_illness = True
        adults[1].disability_grade = 2
    result = recalculate_area(db, ACTOR, city, month)
    assert result.cases == len(ids)
    with db.read() as s:
        stored = {r[0]: (r[1], r[2]) for r in s.execute(
            select(EntitlementRow.case_id, EntitlementRow.amount_fen,
                   EntitlementRow.covered_members).where(EntitlementRow.month == month))}
        expected = {cid: (e.amount_fen, e.covered_members)
                    for cid, e in ((cid, case_entitlement(s, cid, month)) for cid in ids)}
    assert stored == expected
    assert any(v[0] > 0 for v in stored.values())
    # recalculating replaces the month's rows rather than adding to them
    assert recalculate_area(db, ACTOR, city, month).cases == len(ids)


def test_the_recalculation_leaves_its_transaction_as_it_found_it(db):
    """What the recalculation sets up inside its caller's transaction is undone there:
    PostgreSQL's planner settings (nested loops are ruled out for its DELETE only), SQLite's
    staged cases (its temporary table is emptied)."""
    from sqlalchemy import text

    from assistcase.services.recalc import recalculate_in
    from assistcase.services.audit import resolve_user

    demo_city(db, households=400, seed=5, today=dt.date(2026, 11, 22))
    city = city_id(db)
    with db.begin() as s:
        area = s.get(Area, city)
        before = (s.execute(text("SELECT current_setting('enable_nestloop')")).scalar_one()
                  if db.is_postgresql else None)
        month = dt.date(2026, 11, 1)
        result = recalculate_in(s, resolve_user(s, ACTOR), area, month)
        assert result.cases > 0
        if db.is_postgresql:
            assert before == "on"
            assert s.execute(text("SELECT current_setting('enable_nestloop')")
                             ).scalar_one() == before
        else:
            assert s.execute(text("SELECT COUNT(*) FROM temp.recalc_paying")).scalar_one() == 0


def test_shangqiu_2022_extreme_hardship_seed_figures(db):
    """630 / 420 → 819 / 546 accepted; 818 / 545 refused with both figures (en and zh)."""
    city = city_id(db)
    standards(db, city)
    jan = dt.date(2022, 1, 1)
    for cls, low, ok in (("urban", 818_00, 819_00), ("rural", 545_00, 546_00)):
        with pytest.raises(ValidationError) as e:
            S.save_standard(db, ACTOR, S.StandardInput(city, cls, "tekun_basic", jan, low))
        for figure in (f"{low // 100}.00", f"{ok // 100}.00"):
            assert figure in e.value.message_en and figure in e.value.message_zh
        S.save_standard(db, ACTOR, S.StandardInput(city, cls, "tekun_basic", jan, ok))
        with db.read() as s:
            assert S.standard_for(s, city, cls, "tekun_basic", dt.date(2022, 6, 1)) == (jan, ok)
