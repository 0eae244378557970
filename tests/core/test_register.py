"""The low-income register (低收入人口信息库, DOMAIN §9): dated memberships, several at once,
kept in step with cases, listed, counted and exported by category, area and date; the
migration fills it from today's single category."""

import datetime as dt

import openpyxl
import pytest
from sqlalchemy import select, text

from assistcase.db import Database
from assistcase.errors import StateError
from assistcase.models import Area, RegisterMembership
from assistcase.services import register as G
from assistcase.services.areas import load_areas_csv

from ..conftest import ACTOR
from .test_case_review import active_case, household


def test_a_confirmed_case_enters_the_register_and_a_second_category_joins_it(db, village_ids,
                                                                             tmp_path):
    hid = household(db, village_ids[0], size=3)
    other = household(db, village_ids[-1], size=2, seq=21)
    cid = active_case(db, hid)  # confirmed 2023-03-20, paid from April
    G.add_membership(db, ACTOR, hid, "monitored", dt.date(2023, 6, 1), "乡村振兴局名单")
    G.add_membership(db, ACTOR, other, "marginal", dt.date(2023, 1, 1))
    with pytest.raises(StateError):
        G.add_membership(db, ACTOR, hid, "monitored", dt.date(2023, 7, 1))
    with db.read() as s:
        rows = G.register_rows(s, G.RegisterFilter(dt.date(2023, 7, 1)))
        by_hh = {}
        for r in rows:
            by_hh.setdefault(r.household_id, set()).add(r.categories)
        assert by_hh[hid] == {("dibao", "monitored")} and by_hh[other] == {("marginal",)}
        assert len([r for r in rows if r.household_id == hid]) == 3  # every member
        # by date: in May only dibao (三类户 from June); in March nothing (paid from April)
        may = G.register_rows(s, G.RegisterFilter(dt.date(2023, 5, 1)))
        assert {r.categories for r in may if r.household_id == hid} == {("dibao",)}
        march = G.register_rows(s, G.RegisterFilter(dt.date(2023, 3, 25)))
        assert [r for r in march if r.household_id == hid] == []
        # by category and area
        only = G.register_rows(s, G.RegisterFilter(dt.date(2023, 7, 1), None, ("marginal",)))
        assert {r.household_id for r in only} == {other}
        village = s.get(Area, village_ids[0])
        mine = G.register_rows(s, G.RegisterFilter(dt.date(2023, 7, 1), village.id))
        assert {r.household_id for r in mine} == ({hid} if village_ids[0] != village_ids[-1]
                                                  else {hid, other})
        counts = G.register_counts(s, G.RegisterFilter(dt.date(2023, 7, 1)))
        assert counts.by_category["dibao"] == (3, 1)
        assert counts.by_category["monitored"] == (3, 1)
        assert counts.by_category["marginal"] == (2, 1)
        assert (counts.persons, counts.households) == (5, 2)  # distinct, not per category
        out = tmp_path / "register.xlsx"
        assert G.export_register_xlsx(s, G.RegisterFilter(dt.date(2023, 7, 1)), out) == 5
    ws = openpyxl.load_workbook(out).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][3:6] == ("姓名", "公民身份号码", "类别")
    assert sum(1 for v in values[1:] if v[5] == "低保、三类户") == 3
    # terminating the case ends the dibao membership from the month it stops paying
    from assistcase.services import cases as C

    C.terminate_case(db, ACTOR, cid, dt.date(2023, 8, 10), "收入超标")
    with db.read() as s:
        row = s.scalar(select(RegisterMembership).where(
            RegisterMembership.household_id == hid, RegisterMembership.category == "dibao"))
        assert row.valid_from == dt.date(2023, 4, 1) and row.valid_until == dt.date(2023, 9, 1)
        sept = G.register_rows(s, G.RegisterFilter(dt.date(2023, 9, 1)))
        assert {r.categories for r in sept if r.household_id == hid} == {("monitored",)}


def test_the_migration_fills_the_register_from_the_single_category(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    db.upgrade("0012")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO areas (id, code, name, level, parent_id, "
                          "province_administered) VALUES (1, '411400000000', '商丘市', 'city',"
                          " NULL, 0), (2, '411402001001', '某村', 'village', 1, 0)"))
        for hid, cat in ((1, "dibao"), (2, "monitored"), (3, "none")):
            conn.execute(text(
                "INSERT INTO households (id, number, village_id, residence_class, category,"
                " status, address, phone, account_type, account_number, bank_name, head_name,"
                " head_pinyin, member_count, created_at, updated_at) VALUES (:id, :n, 2,"
                " 'rural', :c, 'active', '', '', 'none', '', '', '', '', 0,"
                " '2022-05-06 10:00:00', '2022-05-06 10:00:00')"),
                {"id": hid, "n": f"H{hid}", "c": cat})
    db.upgrade()
    with db.read() as s:
        rows = {(r.household_id, r.category, r.valid_from, r.valid_until)
                for r in s.scalars(select(RegisterMembership))}
        rules = s.execute(text("SELECT COUNT(*) FROM warning_rules")).scalar_one()
    assert rows == {(1, "dibao", dt.date(2022, 5, 6), None),
                    (2, "monitored", dt.date(2022, 5, 6), None)}
    assert rules >= 10
    db.dispose()
