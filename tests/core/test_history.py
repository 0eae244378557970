"""The readable household history (issue 18): field names in the user's language, money in
yuan, coded values and references by name, one entry per change, filters by date and user."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from assistcase.models import Area, AuditEntry
from assistcase.services import aid as A
from assistcase.services import registry as reg
from assistcase.services.history import household_history, history_users

from ..conftest import ACTOR, make_id
from .test_aid import FRI, card, city  # noqa: F401 (fixture)


def _household(db, village_id):
    data = reg.HouseholdData(village_id, "urban", account_type="card", account_number=card(1),
                             bank_name="中国农业银行")
    return reg.create_household(db, ACTOR, data, [reg.PersonData("张三", make_id(seq=1))]).created_id


def test_history_shows_field_names_money_in_yuan_and_references_as_names(db, village_ids, city):
    hid = _household(db, village_ids[0])
    aid = A.record_aid(db, ACTOR, A.AidInput("urgent", "fire", FRI, 1500_00, household_id=hid,
                                             payment_method="bank")).created_id
    reg.save_household(db, "李四", hid, {"village_id": village_ids[1]}, [])
    with db.read() as s:
        old_name = s.get(Area, village_ids[0]).name
        new_name = s.get(Area, village_ids[1]).name
    entries = household_history(db, hid, "zh")
    text = "\n".join(f"{e.record} {e.summary()}" for e in entries)
    # the raw forms the issue saw are gone
    for raw in ("aid_case", "cause", "village_id", "amount_requested", "150000", "fire"):
        assert raw not in text, raw
    aid_entry = next(e for e in entries if e.record == f"临时救助 第{aid}号")
    lines = {ln.label: ln.new for ln in aid_entry.lines}
    assert lines["申请金额"] == "1,500.00 元"
    assert lines["致困原因"] == "火灾"
    assert lines["救助类型"] == "急难型"
    assert len([e for e in entries if e.record == f"临时救助 第{aid}号"]) == 1  # one change
    moved = entries[0]  # newest first
    assert moved.user == "李四" and moved.action_label == "修改"
    assert [(ln.label, ln.old, ln.new) for ln in moved.lines] == [
        ("所属村（社区）", old_name, new_name)]
    english = household_history(db, hid, "en")
    assert english[0].lines[0].label == "village"
    assert any("amount requested: 1,500.00 yuan" in e.summary() for e in english)


def test_history_filters_by_date_and_user(db, village_ids):
    hid = _household(db, village_ids[0])
    reg.save_household(db, "李四", hid, {"address": "新址"}, [])
    with db.begin() as s:  # the creation happened last year
        s.execute(update(AuditEntry).where(AuditEntry.household_id == hid,
                                           AuditEntry.action == "create")
                  .values(at=dt.datetime(2025, 3, 1, 9, 0)))
    assert history_users(db, hid) == sorted([ACTOR, "李四"])
    assert {e.user for e in household_history(db, hid, user="李四")} == {"李四"}
    recent = household_history(db, hid, since=dt.date(2026, 1, 1))
    assert recent and all(e.at.year >= 2026 for e in recent)
    old = household_history(db, hid, until=dt.date(2025, 12, 31))
    assert {e.action for e in old} == {"create"}
    assert {e.record for e in old} == {e.record for e in household_history(db, hid)
                                       if e.action == "create"}
