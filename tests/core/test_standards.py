"""Standards and policy settings: seed figures held exactly, effective dating, inheritance,
the extreme-hardship ≥ 1.3 × dibao rule, audited policy values."""

import datetime as dt

import pytest
from sqlalchemy import select

from assistcase.errors import ValidationError
from assistcase.models import Area, AuditEntry, Standard
from assistcase.services import standards as S
from assistcase.rules.standards import (Policy, add_months, in_force, minimum_tekun_basic,
                                  monthly_fen, next_month, tekun_rule_breaches)

from ..conftest import ACTOR

D2022 = dt.date(2022, 1, 1)


def area_id(db, level="city", name=None):
    with db.read() as s:
        stmt = select(Area.id).where(Area.level == level).order_by(Area.code)
        if name:
            stmt = stmt.where(Area.name == name)
        return s.scalars(stmt).first()


def save(db, area, cls, kind, fen, since=D2022, period="month"):
    return S.save_standard(db, ACTOR, S.StandardInput(area, cls, kind, since, fen, period))


def test_shangqiu_2022_extreme_hardship_is_at_least_1_3_times_dibao(db):
    city = area_id(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "rural", "dibao", 420_00)
    save(db, city, "urban", "tekun_basic", 819_00)
    save(db, city, "rural", "tekun_basic", 546_00)
    with pytest.raises(ValidationError) as e:
        save(db, city, "urban", "tekun_basic", 818_99, since=dt.date(2022, 3, 1))
    assert e.value.errors[0].field == "amount_fen"
    for figure in ("818.99", "630.00", "819.00", "1.3"):
        assert figure in e.value.message_en and figure in e.value.message_zh
    with pytest.raises(ValidationError, match="546.00"):
        save(db, city, "rural", "tekun_basic", 545_00, since=dt.date(2022, 3, 1))
    with db.read() as s:
        assert S.standard_for(s, city, "urban", "tekun_basic", dt.date(2022, 6, 1)) == (D2022, 819_00)
        assert S.standard_for(s, city, "rural", "tekun_basic", dt.date(2022, 6, 1)) == (D2022, 546_00)
        # the refused rows were not written
        assert s.scalar(select(Standard.id).where(Standard.effective_from == dt.date(2022, 3, 1))) is None


def test_henan_2020_rural_yearly_standard_is_paid_as_355_a_month(db):
    province = area_id(db, "province")
    r = save(db, province, "rural", "dibao", 4_260_00, since=dt.date(2020, 1, 1), period="year")
    with db.read() as s:
        row = s.get(Standard, r.created_id)
        assert (row.entered_fen, row.period, row.monthly_fen) == (4_260_00, "year", 355_00)
    # 5,538 yuan/year = 4,260 × 1.3 is exactly the minimum; one yuan less is refused
    save(db, province, "rural", "tekun_basic", 5_538_00, since=dt.date(2020, 1, 1), period="year")
    with pytest.raises(ValidationError, match="461.50"):
        save(db, province, "rural", "tekun_basic", 5_537_00, since=dt.date(2020, 2, 1),
             period="year")
    assert monthly_fen(5_538_00, "year") == 461_50
    assert minimum_tekun_basic(355_00, 130) == 461_50


def test_a_raised_standard_changes_months_from_its_date_and_no_earlier(db, village_ids):
    city = area_id(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "urban", "dibao", 660_00, since=dt.date(2023, 7, 1))
    save(db, city, "urban", "dibao", 700_00, since=dt.date(2024, 3, 15))  # mid-month
    with db.read() as s:
        def fen(month):
            return S.standard_for(s, village_ids[0], "urban", "dibao", month)[1]
        assert fen(dt.date(2023, 6, 1)) == 630_00
        assert fen(dt.date(2023, 6, 30)) == 630_00
        assert fen(dt.date(2023, 7, 1)) == 660_00
        # in force on 15 March, so March still uses the standard of 1 March
        assert fen(dt.date(2024, 3, 1)) == 660_00
        assert fen(dt.date(2024, 4, 1)) == 700_00
        assert S.standard_for(s, city, "urban", "dibao", dt.date(2021, 12, 1)) is None


def test_nearest_area_with_a_standard_in_force_applies(db, village_ids):
    city = area_id(db)
    county = area_id(db, "county", "梁园区")
    with db.read() as s:
        village = next(v for v in village_ids
                       if s.get(Area, s.get(Area, v).parent_id).parent_id == county)
        other_village = next(v for v in village_ids
                             if s.get(Area, s.get(Area, v).parent_id).parent_id != county)
    save(db, city, "rural", "dibao", 420_00)
    save(db, county, "rural", "dibao", 450_00, since=dt.date(2023, 1, 1))
    with db.read() as s:
        assert S.standard_for(s, village, "rural", "dibao", dt.date(2022, 12, 1))[1] == 420_00
        assert S.standard_for(s, village, "rural", "dibao", dt.date(2023, 1, 1))[1] == 450_00
        assert S.standard_for(s, other_village, "rural", "dibao", dt.date(2023, 1, 1))[1] == 420_00
        assert S.standard_history(s, village, "rural", "dibao") == [(D2022, 420_00),
                                                                    (dt.date(2023, 1, 1), 450_00)]
        # the urban class is separate
        assert S.standard_for(s, village, "urban", "dibao", dt.date(2023, 1, 1)) is None


def test_standards_are_set_by_county_city_or_province_only(db, village_ids):
    with pytest.raises(ValidationError) as e:
        save(db, village_ids[0], "urban", "dibao", 630_00)
    assert e.value.errors[0].field == "area_id"
    with pytest.raises(ValidationError) as e:
        S.save_standard(db, ACTOR, S.StandardInput(area_id(db), "town", "dibao", D2022, 0))
    assert {x.field for x in e.value.errors} == {"residence_class", "amount_fen"}


def test_extreme_hardship_needs_a_dibao_standard_to_check_against(db):
    with pytest.raises(ValidationError, match="enter it first"):
        save(db, area_id(db), "urban", "tekun_basic", 900_00)


def test_raising_dibao_past_the_rule_is_refused_for_a_basic_standard_dated_before_it(db):
    """Was a warning; DOMAIN §5: refused. The basic standard of 2022 stays in force after the
    2023 raise, so on 2023-01-01 819 < 1.3 × 700 = 910."""
    city = area_id(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "urban", "tekun_basic", 819_00)
    with pytest.raises(ValidationError) as e:
        save(db, city, "urban", "dibao", 700_00, since=dt.date(2023, 1, 1))
    assert [x.field for x in e.value.errors] == ["amount_fen"]
    for figure in ("819.00", "700.00", "910.00", "1.3", "2023-01-01", "商丘市"):
        assert figure in e.value.message_en and figure in e.value.message_zh
    with db.read() as s:
        assert S.standard_history(s, city, "urban", "dibao") == [(D2022, 630_00)]


def county_below(db):
    return area_id(db, "county", "梁园区")


def test_a_city_dibao_raise_is_refused_for_a_county_basic_standard_below(db):
    city, county = area_id(db), county_below(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "urban", "tekun_basic", 900_00)
    save(db, county, "urban", "tekun_basic", 819_00)  # the county's own, checked against the city's dibao
    with pytest.raises(ValidationError) as e:
        save(db, city, "urban", "dibao", 660_00, since=dt.date(2023, 1, 1))
    for figure in ("819.00", "660.00", "858.00", "梁园区", "2023-01-01"):
        assert figure in e.value.message_en and figure in e.value.message_zh
    assert "商丘市" not in e.value.message_en  # the city's own 900 is enough
    with pytest.raises(ValidationError, match="梁园区"):  # and the same date too
        save(db, city, "urban", "dibao", 660_00)
    # the county raising its own basic standard with the city in one call is accepted
    S.save_standards(db, ACTOR, [
        S.StandardInput(city, "urban", "dibao", dt.date(2023, 1, 1), 660_00),
        S.StandardInput(county, "urban", "tekun_basic", dt.date(2023, 1, 1), 858_00)])
    with db.read() as s:
        assert S.standard_for(s, county, "urban", "dibao", dt.date(2023, 1, 1))[1] == 660_00


def test_a_raise_is_checked_against_every_later_date(db):
    city = area_id(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "urban", "tekun_basic", 819_00)
    S.save_standards(db, ACTOR, [
        S.StandardInput(city, "urban", "dibao", dt.date(2024, 1, 1), 700_00),
        S.StandardInput(city, "urban", "tekun_basic", dt.date(2024, 1, 1), 910_00)])
    # a raise dated between the two: 819 is in force from 2022 on, under 1.3 × 650 = 845
    with pytest.raises(ValidationError, match="845.00"):
        save(db, city, "urban", "dibao", 650_00, since=dt.date(2023, 7, 1))
    # a basic standard added in 2022 is checked up to 2024 and after: it holds
    save(db, city, "urban", "tekun_basic", 820_00, since=dt.date(2022, 6, 1))
    # a basic standard dated before the 2024 raise, with a figure that holds only until it
    with pytest.raises(ValidationError) as e:
        save(db, city, "urban", "tekun_basic", 900_00, since=dt.date(2024, 2, 1))
    assert "2024-02-01" in e.value.message_en and "910.00" in e.value.message_en
    # deleting the raised basic standard would leave 820 under 910 from 2024-01-01
    with db.read() as s:
        raised = next(r.id for r in S.standard_rows(s, city, "urban")
                      if r.kind == "tekun_basic" and r.effective_from == dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as e:
        S.delete_standard(db, ACTOR, raised)
    for figure in ("820.00", "700.00", "910.00", "2024-01-01"):
        assert figure in e.value.message_en and figure in e.value.message_zh
    with db.read() as s:
        assert s.get(Standard, raised) is not None


def test_both_raised_in_one_call_is_accepted_and_audited_together(db):
    city = area_id(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "urban", "tekun_basic", 819_00)
    july = dt.date(2023, 7, 1)
    items = [S.StandardInput(city, "urban", "dibao", july, 700_00),
             S.StandardInput(city, "urban", "tekun_basic", july, 909_00)]
    with pytest.raises(ValidationError, match="909.00"):  # one fen short: nothing written
        S.save_standards(db, ACTOR, items)
    with db.read() as s:
        assert s.scalar(select(Standard.id).where(Standard.effective_from == july)) is None
    items[1].amount_fen = 910_00
    S.save_standards(db, ACTOR, items)
    with db.read() as s:
        assert S.standard_for(s, city, "urban", "dibao", july)[1] == 700_00
        assert S.standard_for(s, city, "urban", "tekun_basic", july)[1] == 910_00


def test_a_breach_saved_before_the_rule_does_not_block_an_unrelated_save(db):
    city = area_id(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "urban", "tekun_basic", 819_00)
    with db.begin() as s:  # as an older version allowed, with only a warning
        s.add(Standard(area_id=city, residence_class="urban", kind="dibao",
                       effective_from=dt.date(2023, 1, 1), entered_fen=700_00, period="month",
                       monthly_fen=700_00, note=""))
    save(db, city, "rural", "dibao", 420_00)
    save(db, city, "urban", "care_full", 100_00)
    with pytest.raises(ValidationError, match="735.00"):  # a new breach still is refused
        save(db, city, "urban", "dibao", 735_00, since=dt.date(2024, 1, 1))
    save(db, city, "urban", "tekun_basic", 910_00, since=dt.date(2023, 1, 1))  # the repair


def test_raising_the_factor_past_the_standards_in_force_is_refused(db):
    city, county = area_id(db), county_below(db)
    save(db, city, "urban", "dibao", 630_00)
    save(db, city, "urban", "tekun_basic", 819_00)
    for area, name in ((city, "商丘市"), (county, "梁园区")):
        with pytest.raises(ValidationError) as e:
            S.set_policy(db, ACTOR, area, {"tekun_factor_pct": 140},
                         effective_from=dt.date(2024, 1, 1))
        assert e.value.errors[0].field == "tekun_factor_pct"
        for figure in ("819.00", "630.00", "882.00", "1.4", "2024-01-01", name):
            assert figure in e.value.message_en and figure in e.value.message_zh
    with db.read() as s:
        assert S.policy_for(s, county, dt.date(2025, 1, 1)).tekun_factor_pct == 130
    S.set_policy(db, ACTOR, city, {"tekun_factor_pct": 120}, effective_from=dt.date(2024, 1, 1))
    # clearing it would raise the factor back to 130 %: 756 < 819 is fine, so accepted
    save(db, city, "urban", "tekun_basic", 760_00, since=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError, match="819.00"):
        S.clear_policy(db, ACTOR, city, "tekun_factor_pct")


def test_tekun_rule_breaches_walks_every_change_point():
    d = [(dt.date(2022, 1, 1), 630_00), (dt.date(2023, 1, 1), 700_00)]
    b = [(dt.date(2022, 1, 1), 819_00), (dt.date(2023, 6, 1), 910_00)]
    f = [(dt.date(2024, 1, 1), 140)]
    breaches = tekun_rule_breaches(d, b, f, dt.date(2022, 1, 1))
    assert [(x.day, x.basic_fen, x.minimum_fen) for x in breaches] == [
        (dt.date(2023, 1, 1), 819_00, 910_00), (dt.date(2024, 1, 1), 910_00, 980_00)]
    assert tekun_rule_breaches(d, b, f, dt.date(2024, 2, 1))[0].day == dt.date(2024, 2, 1)
    assert tekun_rule_breaches(d, b, (), dt.date(2023, 6, 1)) == []


def test_correction_on_the_same_date_is_audited_and_history_kept(db):
    city = area_id(db)
    first = save(db, city, "urban", "dibao", 620_00).created_id
    again = save(db, city, "urban", "dibao", 630_00).created_id
    save(db, city, "urban", "dibao", 660_00, since=dt.date(2023, 1, 1))
    assert first == again
    with db.read() as s:
        rows = S.standard_rows(s, city, "urban")
        assert [(r.effective_from, r.monthly_fen) for r in rows] == [
            (dt.date(2023, 1, 1), 660_00), (D2022, 630_00)]
        audit = s.scalars(select(AuditEntry).where(AuditEntry.entity == "standard",
                                                   AuditEntry.entity_id == first,
                                                   AuditEntry.action == "update")).all()
        assert [(a.field, a.old_value, a.new_value) for a in audit] == [
            ("entered_fen", "62000", "63000"), ("monthly_fen", "62000", "63000")]


def test_policy_defaults_inheritance_and_audit(db, village_ids):
    city = area_id(db)
    with db.read() as s:
        county = s.get(Area, s.get(Area, village_ids[0]).parent_id).parent_id
        assert S.policy_for(s, village_ids[0]) == Policy()
        assert Policy() == Policy(0, 0, 0, 0, 0, "up_yuan", 150, 12, 6, 130)
    S.set_policy(db, ACTOR, city, {"increment_elderly_pct": 10, "rounding": "nearest_yuan"})
    S.set_policy(db, ACTOR, county, {"increment_elderly_pct": 15})
    with db.read() as s:
        p = S.policy_for(s, village_ids[0])
        assert (p.increment_elderly_pct, p.rounding, p.review_months_other) == (15, "nearest_yuan", 6)
        sources = S.policy_sources(s, village_ids[0])
        assert sources["increment_elderly_pct"][1].id == county
        assert sources["rounding"][1].id == city
        assert sources["review_months_stable"] == (12, None)
    S.clear_policy(db, ACTOR, county, "increment_elderly_pct")
    with db.read() as s:
        assert S.policy_for(s, village_ids[0]).increment_elderly_pct == 10
        audit = [(a.entity_id, a.field, a.old_value, a.new_value) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "policy").order_by(AuditEntry.id))]
    assert audit == [(city, "increment_elderly_pct", "0", "10"),
                     (city, "rounding", "up_yuan", "nearest_yuan"),
                     (county, "increment_elderly_pct", "10", "15"),
                     (county, "increment_elderly_pct", "15", None)]


def test_policy_values_are_checked(db, village_ids):
    city = area_id(db)
    with pytest.raises(ValidationError) as e:
        S.set_policy(db, ACTOR, city, {"rounding": "down", "increment_minor_pct": -1,
                                       "nonsense": 1})
    assert {x.field for x in e.value.errors} == {"rounding", "increment_minor_pct", "nonsense"}
    with pytest.raises(ValidationError):
        S.set_policy(db, ACTOR, village_ids[0], {"rounding": "none"})


def test_tekun_factor_is_configurable(db):
    city = area_id(db)
    S.set_policy(db, ACTOR, city, {"tekun_factor_pct": 150})
    save(db, city, "urban", "dibao", 630_00)
    with pytest.raises(ValidationError, match="945.00"):
        save(db, city, "urban", "tekun_basic", 819_00)
    save(db, city, "urban", "tekun_basic", 945_00)


def test_month_arithmetic():
    assert next_month(dt.date(2024, 1, 31)) == dt.date(2024, 2, 1)
    assert next_month(dt.date(2024, 12, 1)) == dt.date(2025, 1, 1)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)
    assert in_force([(dt.date(2024, 1, 2), 1)], dt.date(2024, 1, 31)) is None
