"""A one-time subsidy is paid once (issue 11, DOMAIN §5 seed 002 and §10): a second one-time
roster of the same purpose over some of the same persons is refused by the core, naming the
first, whichever area is built first (the same area, a county inside a city, a city above a
county); and by the database. A different purpose, class or category is another subsidy.
The title carries the purpose and the pay date."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from assistcase.db import open_database
from assistcase.demo import generate_demo_city
from assistcase.errors import DuplicateRosterError, ValidationError
from assistcase.models import Area
from assistcase.services import rosters as R
from assistcase.services.areas import load_areas_csv

from ..conftest import ACTOR

PAY = dt.date(2026, 11, 5)
PURPOSE = "2026年一次性生活补贴"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = open_database(path)
    load_areas_csv(db, ACTOR)
    generate_demo_city(db, ACTOR, households=300, seed=5, today=dt.date(2026, 11, 22))
    db.dispose()
    return path


@pytest.fixture
def db_path(demo_file, tmp_path):
    path = tmp_path / "city.sqlite3"
    shutil.copyfile(demo_file, path)
    return path


@pytest.fixture
def db(db_path):
    database = open_database(db_path)
    yield database
    database.dispose()


@pytest.fixture
def areas(db):
    """The city, its first county that has cases, a township of it, and another county."""
    with db.read() as s:
        city = s.scalar(select(Area).where(Area.level == "city"))
        counties = list(s.scalars(select(Area).where(Area.level == "county")
                                  .order_by(Area.code)))
        paying = [c for c in counties if s.execute(text(
            "SELECT COUNT(*) FROM assistance_cases AS c JOIN households AS h"
            " ON h.id = c.household_id JOIN areas AS v ON v.id = h.village_id"
            " WHERE v.code LIKE :p"), {"p": c.code[:6] + "%"}).scalar_one() > 0]
        county, other = paying[0], paying[1]
        township = s.scalars(select(Area).where(Area.level == "township",
                                                Area.parent_id == county.id)
                             .order_by(Area.code)).first()
        return {"city": city.id, "county": county.id, "township": township.id,
                "other": other.id, "city_name": city.name, "county_name": county.name}


def one_time(area_id, purpose=PURPOSE, pay_date=PAY, categories=("dibao", "tekun"),
             residence_class=None):
    return R.OneTimeInput(area_id, pay_date, 210_00, categories, residence_class,
                          purpose=purpose)


def roster_count(db) -> int:
    with db.read() as s:
        return s.execute(text("SELECT COUNT(*) FROM rosters")).scalar_one()


def refused(db, data) -> DuplicateRosterError:
    before = roster_count(db)
    with pytest.raises(DuplicateRosterError) as err:
        R.build_one_time_roster(db, ACTOR, data)
    assert roster_count(db) == before  # nothing written
    return err.value


def title_of(db, roster_id) -> str:
    with db.read() as s:
        return R.roster_view(s, roster_id).title


def test_the_same_purpose_over_the_same_area_is_refused_naming_the_first(db, areas):
    first = R.build_one_time_roster(db, ACTOR, one_time(areas["county"]))
    assert first.lines > 0
    title = title_of(db, first.roster_id)
    # the same persons again, on the same date or another, the purpose spaced differently
    for data in (one_time(areas["county"]),
                 one_time(areas["county"], purpose=" 2026年 一次性生活补贴　",
                          pay_date=dt.date(2026, 12, 20))):
        e = refused(db, data)
        assert e.roster_id == first.roster_id and e.status == "draft"
        assert [x.field for x in e.errors] == ["purpose"]
        assert f"roster {first.roster_id} ({title}, draft)" in e.message_en
        assert f"{first.roster_id}（{title}，草稿）" in e.message_zh
    # approved, it still counts
    R.review_roster(db, "reviewer", first.roster_id)
    R.approve_roster(db, "approver", first.roster_id)
    e = refused(db, one_time(areas["county"]))
    assert e.status == "approved" and "approved" in e.message_en and "已审批" in e.message_zh


def test_a_county_inside_a_city_that_has_one_is_refused(db, areas):
    city = R.build_one_time_roster(db, ACTOR, one_time(areas["city"]))
    for area in ("county", "township", "other"):
        assert refused(db, one_time(areas[area])).roster_id == city.roster_id


def test_a_city_above_a_county_that_has_one_is_refused(db, areas):
    county = R.build_one_time_roster(db, ACTOR, one_time(areas["county"]))
    assert refused(db, one_time(areas["city"])).roster_id == county.roster_id
    assert refused(db, one_time(areas["township"])).roster_id == county.roster_id
    # another county of the city pays other persons
    R.build_one_time_roster(db, ACTOR, one_time(areas["other"]))


def test_another_purpose_class_or_category_is_another_subsidy(db, areas):
    R.build_one_time_roster(db, ACTOR, one_time(areas["city"]))
    # a different purpose on the same date is accepted
    spring = R.build_one_time_roster(db, ACTOR, one_time(areas["city"], purpose="春节慰问金"))
    assert spring.lines > 0
    # classes and categories that do not meet are other persons
    R.build_one_time_roster(db, ACTOR, one_time(areas["county"], "高温补贴",
                                                residence_class="urban"))
    R.build_one_time_roster(db, ACTOR, one_time(areas["county"], "高温补贴",
                                                residence_class="rural"))
    assert refused(db, one_time(areas["township"], "高温补贴")) is not None
    R.build_one_time_roster(db, ACTOR, one_time(areas["county"], "助学补贴",
                                                categories=("dibao",)))
    R.build_one_time_roster(db, ACTOR, one_time(areas["county"], "助学补贴",
                                                categories=("tekun",)))
    refused(db, one_time(areas["city"], "助学补贴", categories=("tekun", "dibao")))


def test_a_rebuild_is_not_a_duplicate_and_a_discarded_roster_does_not_count(db, areas):
    first = R.build_one_time_roster(db, ACTOR, one_time(areas["county"]))
    again = R.rebuild_roster(db, ACTOR, first.roster_id)
    assert again.roster_id == first.roster_id and again.lines == first.lines
    R.discard_roster(db, ACTOR, first.roster_id, "wrong amount")
    second = R.build_one_time_roster(db, ACTOR, one_time(areas["county"]))
    assert second.lines == first.lines


def test_the_title_carries_the_purpose_and_the_pay_date(db, areas):
    built = R.build_one_time_roster(db, ACTOR, one_time(areas["city"]))
    spring = R.build_one_time_roster(db, ACTOR, one_time(areas["city"], "春节慰问金",
                                                         dt.date(2027, 1, 20)))
    city = areas["city_name"]
    assert title_of(db, built.roster_id) == f"{city}2026年一次性生活补贴发放花名册（2026年11月5日发放）"
    assert title_of(db, spring.roster_id) == f"{city}春节慰问金发放花名册（2027年1月20日发放）"
    with db.read() as s:
        v = R.roster_view(s, spring.roster_id)
    assert v.purpose == "春节慰问金" and v.pay_date == dt.date(2027, 1, 20)


def test_the_roster_pdf_notice_and_bank_file_carry_the_purpose(db, areas, tmp_path):
    import subprocess

    import openpyxl

    from assistcase.io.bank import write_bank_xlsx
    from assistcase.reports.roster_pdf import write_notice_pdf, write_roster_pdf

    rid = R.build_one_time_roster(db, ACTOR, one_time(areas["county"])).roster_id
    spring = R.build_one_time_roster(db, ACTOR, one_time(areas["county"], "春节慰问金",
                                                         dt.date(2027, 1, 20))).roster_id
    R.review_roster(db, "reviewer", rid)
    R.approve_roster(db, "approver", rid)

    def first_page(path) -> str:
        out = subprocess.run(["pdftotext", "-l", "1", str(path), "-"], capture_output=True,
                             text=True, check=True).stdout
        return "".join(out.split())

    county = areas["county_name"]
    assert (f"{county}2026年一次性生活补贴发放花名册（2026年11月5日发放）"
            in first_page(write_roster_pdf(db, rid, tmp_path / "r.pdf")))
    assert (f"{county}2026年一次性生活补贴发放对象公示名单"
            in first_page(write_notice_pdf(db, rid, tmp_path / "n.pdf")))
    # a purpose without its year gets the month paid
    assert (f"{county}2027年1月春节慰问金发放对象公示名单"
            in first_page(write_notice_pdf(db, spring, tmp_path / "s.pdf")))
    write_bank_xlsx(db, rid, tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "b.xlsx", read_only=True)
    rows = list(wb["代发明细"].iter_rows(min_row=2, values_only=True))
    assert rows and {r[-1] for r in rows} == {PURPOSE}  # 备注: what the money is
    assert next(wb["汇总"].iter_rows(values_only=True))[0] == (
        f"{county}2026年一次性生活补贴发放花名册（2026年11月5日发放）")


def test_the_purpose_is_required(db, areas):
    for purpose in ("", "   ", "补" * (R.PURPOSE_MAX + 1)):
        with pytest.raises(ValidationError) as err:
            R.build_one_time_roster(db, ACTOR, one_time(areas["county"], purpose))
        assert [e.field for e in err.value.errors] == ["purpose"]
    assert roster_count(db) == 0


DUPLICATE_SQL = (
    "INSERT INTO rosters (kind, program, residence_class, month, area_id, title,"
    " issuing_office, pay_date, amount_per_person_fen, categories, purpose, status, line_count,"
    " household_count, person_count, total_fen, note, built_by, built_at)"
    " SELECT 'one_time', 'one_time', :cls, '2026-12-01', :area, 'x', '', '2026-12-03', 100,"
    " :cats, :purpose, 'draft', 0, 0, 0, 0, '', built_by, built_at FROM rosters LIMIT 1")


@pytest.mark.parametrize("area,cls,cats,purpose,refuse", [
    ("county", None, "dibao,tekun", "2026年一次性生活补贴", True),
    ("city", "urban", "tekun", " 2026年一次性 生活补贴", True),
    ("township", "rural", "dibao", "2026年一次性生活补贴", True),
    ("other", None, "dibao,tekun", "2026年一次性生活补贴", False),
    ("county", None, "dibao,tekun", "春节慰问金", False),
    ("county", None, "dibao,tekun", "", True),
])
def test_the_database_refuses_a_duplicate_whoever_writes_it(db, db_path, areas, area, cls, cats,
                                                             purpose, refuse):
    R.build_one_time_roster(db, ACTOR, one_time(areas["county"]))
    params = {"area": areas[area], "cls": cls, "cats": cats, "purpose": purpose}
    raw = sqlite3.connect(db_path)
    try:
        if refuse:
            with pytest.raises(sqlite3.IntegrityError, match="one-time roster"):
                raw.execute(DUPLICATE_SQL, params)
            raw.rollback()
            with pytest.raises(IntegrityError, match="one-time roster"):
                with db.begin() as s:
                    s.execute(text(DUPLICATE_SQL), params)
        else:
            raw.execute(DUPLICATE_SQL, params)
            raw.commit()
    finally:
        raw.close()
    # and an update that would make one roster a duplicate of another
    if not refuse and purpose != PURPOSE:
        with pytest.raises(IntegrityError, match="already covers"):
            with db.begin() as s:
                s.execute(text("UPDATE rosters SET purpose = :p WHERE purpose = :q"),
                          {"p": PURPOSE, "q": purpose})


def test_the_migration_reads_the_purpose_of_existing_rosters_from_their_titles(tmp_path):
    """A database from before the purpose (revision 0006) with one-time rosters, one of them
    approved and frozen: upgraded, each has the purpose its title names, the approved one is
    still frozen, a second roster for that purpose is refused by the database, and of two
    rosters built twice before the check only one can be approved."""
    from assistcase.db import Database

    path = tmp_path / "old.sqlite3"
    old = Database(f"sqlite:///{path}")
    old.upgrade("0006")
    old.dispose()
    raw = sqlite3.connect(path)
    raw.executescript("""
        INSERT INTO users (id, username, display_name, active, created_at)
            VALUES (1, 'clerk', '', 1, '2026-01-01');
        INSERT INTO areas (id, code, name, level, parent_id) VALUES
            (1, '411400000000', '商丘市', 'city', NULL),
            (2, '411402000000', '梁园区', 'county', 1);
    """)
    insert = ("INSERT INTO rosters (id, kind, program, residence_class, month, area_id, title,"
              " issuing_office, pay_date, amount_per_person_fen, categories, status, line_count,"
              " household_count, person_count, total_fen, note, built_by, built_at)"
              " VALUES (?, ?, ?, NULL, '2022-11-01', ?, ?, '', NULL, ?, ?, 'draft', 0, 0, 0, 0,"
              " '', 1, '2026-01-01')")
    raw.executemany(insert, [
        (1, "one_time", "one_time", 1, "商丘市2022年一次性生活补贴发放花名册", 21000,
         "dibao,tekun"),
        (2, "one_time", "one_time", 2, "春节慰问金花名册", 10000, "dibao"),
        (3, "one_time", "one_time", 2, "梁园区发放花名册", 10000, "tekun"),
        (4, "monthly", "dibao", 1, "商丘市2022年11月最低生活保障金发放花名册", None, "dibao"),
        (5, "one_time", "one_time", 1, "商丘市春节慰问金发放花名册", 10000, "dibao")])
    raw.execute("UPDATE rosters SET status = 'approved' WHERE id = 1")
    raw.execute("UPDATE rosters SET status = 'reviewed' WHERE id = 5")
    raw.commit()
    raw.close()

    db = open_database(path)  # backs up and upgrades
    try:
        with db.read() as s:
            got = dict(s.execute(text("SELECT id, purpose FROM rosters ORDER BY id")).all())
        assert got == {1: "2022年一次性生活补贴", 2: "春节慰问金", 3: "一次性生活补贴", 4: "",
                       5: "春节慰问金"}
        with pytest.raises(IntegrityError, match="frozen"):
            with db.begin() as s:
                s.execute(text("UPDATE rosters SET title = 'x' WHERE id = 1"))
        with db.read() as s:
            area = s.get(Area, 2)
            assert R.one_time_duplicate(s, area, "2022年一次性生活补贴", ("dibao",),
                                        None).id == 1
        with pytest.raises(IntegrityError, match="already covers"):
            with db.begin() as s:
                s.execute(text(DUPLICATE_SQL), {"area": 2, "cls": "rural", "cats": "dibao",
                                                "purpose": "2022年一次性生活补贴"})
        # duplicates made before the check are not both approved (paid)
        with pytest.raises(DuplicateRosterError) as err:
            R.approve_roster(db, "approver", 5)
        assert err.value.roster_id == 2 and "春节慰问金花名册" in err.value.message_en
        R.discard_roster(db, ACTOR, 2, "built twice")
        assert R.approve_roster(db, "approver", 5).status == "approved"
    finally:
        db.dispose()
