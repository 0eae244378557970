"""Effective-dated policy settings and the notice each figure comes from (issue 11, DOMAIN §5,
§8): a value changed from 1 July leaves June as it was; the breakdown names the notice."""

import datetime as dt

import pytest
from sqlalchemy import select, text

from assistcase.db import Database
from assistcase.errors import ValidationError
from assistcase.models import AuditEntry, EntitlementRow, PolicySetting
from assistcase.services.recalc import case_entitlement, recalculate_area
from assistcase.services import standards as S
from assistcase.rules.standards import Notice

from ..conftest import ACTOR
from .test_cases import city_id, household, open_dibao, walk

JUNE, JULY = dt.date(2023, 6, 1), dt.date(2023, 7, 1)
NOTICE = Notice("商丘市民政局 商丘市财政局关于提高城乡低保标准的通知", "商民〔2022〕12号",
                dt.date(2021, 12, 20))


def stored(db, case_id, month):
    with db.read() as s:
        return s.scalar(select(EntitlementRow.amount_fen).where(
            EntitlementRow.case_id == case_id, EntitlementRow.month == month))


def test_a_policy_value_changed_from_july_leaves_june_as_it_was(db, village_ids):
    city = city_id(db)
    S.save_standard(db, ACTOR, S.StandardInput(city, "rural", "dibao", dt.date(2022, 1, 1), 420_00))
    S.set_policy(db, ACTOR, city, {"increment_minor_pct": 10}, effective_from=dt.date(2022, 1, 1))
    cid = open_dibao(db, household(db, village_ids[0]))  # 3 rural members, one a minor, no income
    walk(db, cid)
    recalculate_area(db, ACTOR, city, JUNE)
    assert stored(db, cid, JUNE) == 420_00 * 3 + 42_00
    S.set_policy(db, ACTOR, city, {"increment_minor_pct": 20}, effective_from=JULY,
                 source=Notice("关于调整低保加发比例的通知", "商民〔2023〕5号", dt.date(2023, 6, 15)))
    for month in (JUNE, JULY):
        recalculate_area(db, ACTOR, city, month)
    assert (stored(db, cid, JUNE), stored(db, cid, JULY)) == (1302_00, 1344_00)
    with db.read() as s:
        assert case_entitlement(s, cid, JUNE).amount_fen == 1302_00  # the pure path agrees
        assert case_entitlement(s, cid, JULY).amount_fen == 1344_00
        assert S.policy_for(s, village_ids[0], dt.date(2023, 6, 30)).increment_minor_pct == 10
        assert S.policy_for(s, village_ids[0], JULY).increment_minor_pct == 20
        assert S.policy_for(s, village_ids[0], dt.date(2021, 12, 1)).increment_minor_pct == 0
        # history kept: two rows, each with its notice
        rows = S.policy_rows(s, city)
        assert [(r.key, r.value, r.effective_from) for r in rows] == [
            ("increment_minor_pct", 20, JULY), ("increment_minor_pct", 10, dt.date(2022, 1, 1))]
        assert rows[0].source.number == "商民〔2023〕5号" and not rows[1].source
        in_force = S.policy_values(s, village_ids[0], JULY)["increment_minor_pct"]
        assert (in_force.value, in_force.area.id, in_force.effective_from) == (20, city, JULY)
        audit = [(a.field, a.old_value, a.new_value) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "policy").order_by(AuditEntry.id))]
    assert audit == [("increment_minor_pct", "0", "10"), ("increment_minor_pct", "10", "20")]
    # set again on the same date: corrected in place, no third row
    S.set_policy(db, ACTOR, city, {"increment_minor_pct": 15}, effective_from=JULY)
    with db.read() as s:
        assert s.scalar(select(text("count(*)")).select_from(PolicySetting)) == 2
    # today is the default date
    S.set_policy(db, ACTOR, city, {"rounding": "none"})
    with db.read() as s:
        row = s.scalar(select(PolicySetting).where(PolicySetting.key == "rounding"))
        assert row.effective_from == dt.date.today()


def test_the_breakdown_names_the_notice_of_the_standard_used(db, village_ids):
    city = city_id(db)
    S.save_standard(db, ACTOR, S.StandardInput(city, "rural", "dibao", dt.date(2022, 1, 1), 420_00,
                                               source=NOTICE))
    S.save_standard(db, ACTOR, S.StandardInput(city, "rural", "dibao", JULY, 450_00))  # no notice
    cid = open_dibao(db, household(db, village_ids[0]))
    walk(db, cid)
    with db.read() as s:
        june, july = case_entitlement(s, cid, JUNE), case_entitlement(s, cid, JULY)
        [row] = [r for r in S.standard_rows(s, city) if r.effective_from == dt.date(2022, 1, 1)]
    assert row.source == NOTICE
    assert ("依据《商丘市民政局 商丘市财政局关于提高城乡低保标准的通知》（商民〔2022〕12号，"
            "2021-12-20）") in june.text("zh")
    assert "“商丘市民政局 商丘市财政局关于提高城乡低保标准的通知” (商民〔2022〕12号, 2021-12-20)" \
        in june.text("en")
    assert june.standard_source == NOTICE
    assert "依据" not in july.text("zh") and not july.standard_source
    # a notice is checked like any other field
    with pytest.raises(ValidationError) as e:
        S.save_standard(db, ACTOR, S.StandardInput(city, "rural", "dibao", JULY, 450_00,
                                                   source=Notice("x" * 201)))
    assert e.value.errors[0].field == "source"


def test_the_tekun_breakdown_names_its_notice_too(db, village_ids):
    from assistcase.rules.entitlement import TekunInputs, tekun_entitlement

    inputs = TekunInputs(((dt.date(2022, 1, 1), 819_00),), {}, "full", "张三",
                         notices=((dt.date(2022, 1, 1), Notice("", "商民〔2022〕12号")),))
    e = tekun_entitlement(inputs, JUNE)
    assert "依据（商民〔2022〕12号）" in e.text("zh") and "under 商民〔2022〕12号" in e.text("en")


def test_migration_keeps_existing_policy_values_in_force_for_every_past_month(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    db.upgrade("0006")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO areas (id, code, name, level, parent_id) "
                          "VALUES (1, '410000000000', '河南省', 'province', NULL)"))
        conn.execute(text("INSERT INTO policy_settings (area_id, key, value, updated_at) "
                          "VALUES (1, 'increment_elderly_pct', '10', '2020-01-01')"))
    db.upgrade()
    with db.read() as s:
        assert S.policy_for(s, 1, dt.date(1990, 1, 1)).increment_elderly_pct == 10
        row = s.scalar(select(PolicySetting))
        assert (row.effective_from, row.source_title, row.source_issued_on) == (
            dt.date(1900, 1, 1), "", None)
    db.dispose()
