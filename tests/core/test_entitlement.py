"""Property tests (hypothesis) on the pure entitlement functions of DOMAIN §6 and §5."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistcase.rules.entitlement import (CoveredMember, DibaoInputs, DibaoRules, NoStandardError,
                                    TekunInputs, dibao_entitlement, round_amount,
                                    tekun_entitlement)
from assistcase.rules.money import yuan

MONTH = dt.date(2023, 3, 1)
SINCE = dt.date(2022, 1, 1)

standards = st.integers(min_value=1, max_value=3_000_00)
incomes = st.integers(min_value=0, max_value=50_000_00)
sizes = st.integers(min_value=1, max_value=8)
roundings = st.sampled_from(["up_yuan", "none", "nearest_yuan"])
members = st.builds(
    CoveredMember, name=st.just("成员"),
    birth_date=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2022, 12, 31)),
    in_school=st.booleans(), disability_grade=st.sampled_from([None, 1, 2, 3, 4]),
    serious_illness=st.booleans())
rules = st.builds(DibaoRules, st.integers(0, 100), st.integers(0, 100), st.integers(0, 100),
                  st.integers(0, 100), st.integers(0, 1_000_00), roundings)


@st.composite
def households(draw, rule_strategy=rules):
    size = draw(sizes)
    covered = draw(st.lists(members, min_size=0, max_size=size))
    return size, tuple(covered), draw(rule_strategy)


def pay(standard, income, size, covered, rule):
    return dibao_entitlement(DibaoInputs(((SINCE, standard),), income, size, covered, rule), MONTH)


@settings(max_examples=300)
@given(standards, incomes, households())
def test_never_negative(standard, income, hh):
    assert pay(standard, income, *hh).amount_fen >= 0


@settings(max_examples=300)
@given(standards, incomes, households(st.builds(DibaoRules, rounding=roundings)))
def test_zero_and_exit_review_when_per_capita_income_reaches_the_standard(standard, income, hh):
    size = hh[0]
    e = pay(standard, income, *hh)
    if income >= standard * size:          # per-capita income ≥ standard, exactly
        assert e.amount_fen == 0 and e.exit_review
        assert "退出核查" in e.text("zh")
    else:
        assert not e.exit_review


@settings(max_examples=300)
@given(standards, standards, incomes, households())
def test_monotone_in_the_standard(a, b, income, hh):
    low, high = sorted((a, b))
    assert pay(low, income, *hh).amount_fen <= pay(high, income, *hh).amount_fen


@settings(max_examples=300)
@given(standards, incomes, incomes, households())
def test_anti_monotone_in_income(standard, a, b, hh):
    low, high = sorted((a, b))
    assert pay(standard, low, *hh).amount_fen >= pay(standard, high, *hh).amount_fen


@settings(max_examples=300)
@given(standards, incomes, households())
def test_rounding_as_configured(standard, income, hh):
    e = pay(standard, income, *hh)
    if e.amount_fen == 0 and e.before_rounding == 0:
        return
    exact = e.before_rounding
    if e.rounding == "up_yuan":
        assert e.amount_fen % 100 == 0 and exact <= e.amount_fen < exact + 100
    elif e.rounding == "nearest_yuan":
        assert e.amount_fen % 100 == 0 and abs(e.amount_fen - exact) <= 50
    else:
        assert abs(e.amount_fen - exact) <= Fraction(1, 2)


@given(st.fractions(min_value=0, max_value=10_000_000))
def test_round_amount_up_yuan(x):
    r = round_amount(x, "up_yuan")
    assert r % 100 == 0 and x <= r < x + 100


def test_gap_method_worked_example_and_breakdown_read_aloud():
    # Shangqiu 2022 rural 420 yuan; 3 members, income 600 yuan → per capita 200, gap 220 × 3
    kids = (CoveredMember("甲", dt.date(1980, 5, 1)), CoveredMember("乙", dt.date(1982, 5, 1)),
            CoveredMember("丙", dt.date(2015, 5, 1)))
    e = dibao_entitlement(DibaoInputs(((SINCE, 420_00),), 600_00, 3, kids, DibaoRules(),
                                      "rural"), MONTH)
    assert e.amount_fen == 660_00 and e.per_capita_income == 200_00 and e.covered_members == 3
    assert "660.00" in e.text("zh") and "200.00" in e.text("zh") and "420.00" in e.text("zh")
    # 10% for the minor: 660 + 42 = 702
    e = dibao_entitlement(DibaoInputs(((SINCE, 420_00),), 600_00, 3, kids,
                                      DibaoRules(increment_minor_pct=10)), MONTH)
    assert e.amount_fen == 702_00 and [x.kind for x in e.extras] == ["minor"]
    # rounding up to the yuan: (420 − 100/3) × 1 = 386.67 → 387
    e = dibao_entitlement(DibaoInputs(((SINCE, 420_00),), 100_00, 3, kids[:1]), MONTH)
    assert e.before_rounding == Fraction(420_00) - Fraction(100_00, 3) and e.amount_fen == 387_00


def test_standard_in_force_on_the_first_day_of_the_month():
    history = ((dt.date(2022, 1, 1), 420_00), (dt.date(2022, 7, 1), 450_00))
    june = dibao_entitlement(DibaoInputs(history, 0, 1, (CoveredMember("甲", dt.date(1970, 1, 1)),)),
                             dt.date(2022, 6, 30))
    july = dibao_entitlement(DibaoInputs(history, 0, 1, (CoveredMember("甲", dt.date(1970, 1, 1)),)),
                             dt.date(2022, 7, 1))
    assert (june.standard_fen, july.standard_fen) == (420_00, 450_00)
    with pytest.raises(NoStandardError):
        dibao_entitlement(DibaoInputs(history, 0, 1, ()), dt.date(2021, 12, 1))


@given(st.integers(0, 2_000_00), st.integers(0, 2_000_00),
       st.sampled_from(["full", "partial", "none"]))
def test_tekun_is_basic_plus_care_for_the_self_care_level(basic, care, level):
    cares = {lvl: ((SINCE, care if lvl == level else care + 1),) for lvl in ("full", "partial", "none")}
    e = tekun_entitlement(TekunInputs(((SINCE, basic),), cares, level, "某某"), MONTH)
    assert e.amount_fen == basic + care and e.care_fen == care
    assert f"= {yuan(basic + care)} 元" in e.text("zh")
