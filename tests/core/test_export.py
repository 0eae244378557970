"""Export to .xlsx in the import layout; export → import reproduces every household and person
field."""

from __future__ import annotations

import datetime as dt
import random

import openpyxl
import pytest
from sqlalchemy import distinct, func, select
from stdnum import luhn

from assistcase.cli import main
from assistcase.db import open_database
from assistcase.demo import generate_demo
from assistcase.errors import Cancelled
from assistcase.io import export_registry, import_registry
from assistcase.io.layout import FIELDS
from assistcase.models import Area, Household, Income, Person, PropertyItem
from assistcase.progress import CancelToken
from assistcase.services.queries import HouseholdFilter
from assistcase.services.areas import load_areas_csv

from ..conftest import ACTOR, make_id

SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭何高林罗"
GIVEN = "建国秀英明华丽军红梅志强桂兰玉珍海燕淑芳德福春花文静子涵欣怡浩然"
RELATIONS = ["配偶", "子女", "子女", "父母", "孙子女", "兄弟姐妹", "其他"]


def synthetic_rows(villages, households: int, seed: int):
    """Registry rows in the export layout with every field varied (closed households,
    passbooks, disabilities, flags, incomes, property, blanks); numbers left for the import
    to assign."""
    rng = random.Random(seed)
    keys = [f.key for f in FIELDS if f.key != "head_id_number"]
    yield [f.header for f in FIELDS if f.key != "head_id_number"]
    serial = 0
    for h in range(households):
        code, township, village = rng.choice(villages)
        closed = rng.random() < 0.05
        acct = rng.random()
        if acct < 0.6:
            body = "622848" + "".join(str(rng.randrange(10)) for _ in range(12))
            account = ("银行卡", "中国农业银行", body + luhn.calc_check_digit(body))
        elif acct < 0.8:
            account = ("存折", "农村信用社", "".join(str(rng.randrange(10)) for _ in range(20)))
        else:
            account = ("无", None, None)
        size = rng.choice([1, 1, 2, 2, 3, 4, 5])
        house = {
            "township": township, "village": village, "village_code": code,
            "residence_class": "城市" if township.endswith("街道") else "农村",
            "category": rng.choice(["低保", "低保", "特困", "低保边缘", "三类户", "无"]),
            "household_size": size,
            "address": f"{township}{village}{rng.randint(1, 99)}号" if rng.random() < 0.9 else None,
            "household_phone": f"139{rng.randrange(10 ** 8):08d}" if rng.random() < 0.7 else None,
            "account_type": account[0], "bank_name": account[1], "account_number": account[2],
            "household_incomes": rng.choice([None, "农业收入 300.50元（种植收入）",
                                             "转移性收入 200元（赡养费）；其他收入 12.34元"]),
            "properties": rng.choice([None, None, "住房 80000.00元（自建房（砖混））",
                                      "车辆 5000元；存款 1234.56元（银行存款）"]),
            "status": "注销" if closed else "正常",
            "closed_on": dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(600))
            if closed else None,
            "closed_reason": rng.choice(["户主死亡", "迁出本县"]) if closed else None,
        }
        for m in range(size):
            serial += 1
            birth = dt.date(1930, 1, 1) + dt.timedelta(days=serial // 400)
            grade = rng.choice([None] * 8 + [1, 2, 3, 4])
            person = {
                "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))),
                "id_number": make_id(code[:6], birth, serial % 400 + 1),
                "relation": "户主" if m == 0 else RELATIONS[0] if m == 1
                else rng.choice(RELATIONS[1:]),
                "disability_grade": grade,
                "disability_category": rng.choice(["肢体", "视力", "智力"]) if grade else None,
                "serious_illness": rng.choice(["是", "否", "否", "否"]),
                "self_care": rng.choice(["全自理", "半失能", "全失能"]),
                "in_school": rng.choice(["是", "否"]), "able_to_work": rng.choice(["是", "否"]),
                "phone": f"13{rng.randrange(10 ** 9):09d}" if rng.random() < 0.5 else None,
                "person_incomes": rng.choice([None, None, "养老金 150.00元（城乡居民基础养老金）",
                                              "工资性收入 1800元（务工收入）；养老金 0.5元"]),
            }
            values = {**house, **person}
            yield [values.get(k) for k in keys]


def write_rows(path, rows):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def registry(db) -> dict[str, tuple]:
    """Every stored field of every household and person, and every income and property item,
    by household number and ID number (database ids, timestamps and the derived search keys
    left out)."""
    skip = {"id", "created_at", "updated_at", "head_person_id", "household_id"}
    out = {}
    with db.read() as s:
        numbers = {r[0]: r[1] for r in s.execute(select(Household.id, Household.number))}
        ids = {r[0]: r[1] for r in s.execute(select(Person.id, Person.id_number))}
        hcols = [c for c in Household.__table__.columns if c.name not in skip]
        pcols = [c for c in Person.__table__.columns if c.name not in skip]
        for r in s.execute(select(Household.head_person_id, *hcols)):
            out["H" + r.number] = (ids[r.head_person_id], *r[1:])
        for r in s.execute(select(Person.household_id, *pcols)):
            out["P" + r.id_number] = (numbers[r.household_id], *r[1:])
        for r in s.execute(select(Income.household_id, Income.person_id, Income.source,
                                  Income.monthly_fen, Income.note)):
            out.setdefault("I" + numbers[r[0]], []).append(
                (ids.get(r[1], ""), *r[2:]))
        for r in s.execute(select(PropertyItem.household_id, PropertyItem.kind,
                                  PropertyItem.value_fen, PropertyItem.description)):
            out.setdefault("R" + numbers[r[0]], []).append(tuple(r[1:]))
    for k, v in out.items():
        if k[0] in "IR":
            v.sort()
    return out


def read_rows(path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.active.iter_rows(values_only=True))
    finally:
        wb.close()


def village_list(db):
    township = Area.__table__.alias("t")
    with db.read() as s:
        return [tuple(r) for r in s.execute(
            select(Area.code, township.c.name, Area.name)
            .join(township, township.c.id == Area.parent_id).where(Area.level == "village")
            .order_by(Area.code))]


# A few hundred households reach every kind of field the demo varies; the same round trip at
# 5,000 households is benchmarks/bench_export.py's.
ROUND_TRIP_HOUSEHOLDS = 400


@pytest.fixture
def filled(db):
    """The demo generator's registry of 400 households (about 940 persons)."""
    generate_demo(db, ACTOR, households=ROUND_TRIP_HOUSEHOLDS, seed=11)
    return db


def test_synthetic_register_with_every_field_varied_imports(db, tmp_path):
    source = write_rows(tmp_path / "source.xlsx", synthetic_rows(village_list(db), 300, seed=7))
    report = import_registry(db, ACTOR, source)
    assert report.written and report.households_created == 300, \
        [i.line() for i in report.issues[:5]]
    out = tmp_path / "export.xlsx"
    export_registry(db, out)
    fresh = open_database(tmp_path / "fresh.sqlite3")
    load_areas_csv(fresh, ACTOR)
    assert import_registry(fresh, ACTOR, out).written
    assert registry(fresh) == registry(db)
    fresh.dispose()


def test_export_import_round_trip_reproduces_every_field(filled, tmp_path):
    out = tmp_path / "export.xlsx"
    assert export_registry(filled, out) == ROUND_TRIP_HOUSEHOLDS
    original = registry(filled)
    assert sum(k.startswith("H") for k in original) == ROUND_TRIP_HOUSEHOLDS
    with filled.read() as s:
        varied = s.execute(select(func.count(distinct(Household.status)),
                                  func.count(distinct(Household.account_type)),
                                  func.count(distinct(Household.category)))).one()
    assert tuple(varied) == (2, 3, 5)  # active and closed, card/passbook/none, all categories
    assert sum(k.startswith("I") for k in original) > ROUND_TRIP_HOUSEHOLDS * 4 // 5  # most have incomes
    assert sum(k.startswith("R") for k in original) > ROUND_TRIP_HOUSEHOLDS // 20  # property items

    fresh = open_database(tmp_path / "fresh.sqlite3")
    load_areas_csv(fresh, ACTOR)
    report = import_registry(fresh, ACTOR, out)
    assert report.written and (report.households_created, report.persons_created) == \
        (ROUND_TRIP_HOUSEHOLDS, sum(k.startswith("P") for k in original)), \
        [i.line() for i in report.issues[:5]]
    assert registry(fresh) == original
    fresh.dispose()

    again = import_registry(filled, ACTOR, out)
    assert again.ok and not again.written and again.persons_updated == 0
    assert registry(filled) == original


def test_export_layout_is_what_the_import_reads(db, tmp_path, village_ids):
    from assistcase.services import registry as reg

    reg.create_household(db, ACTOR, reg.HouseholdData(village_ids[3], "urban", "tekun",
                                                      account_type="passbook",
                                                      account_number="12345678901234567890",
                                                      bank_name="邮储银行"),
                         [reg.PersonData("钱多多", make_id(seq=5), phone="010-1234")])
    out = tmp_path / "one.xlsx"
    export_registry(db, out)
    rows = read_rows(out)
    header = dict(zip(rows[0], rows[1]))
    assert header["公民身份号码"] == make_id(seq=5) and isinstance(header["公民身份号码"], str)
    assert header["银行账号"] == "12345678901234567890"
    assert (header["救助类别"], header["城乡类别"], header["账户类型"], header["与户主关系"]) == \
        ("特困", "城市", "存折", "户主")
    assert header["家庭人口"] == 1 and header["户状态"] == "正常"


def test_export_filters_by_village_and_cancel_leaves_no_file(db, db_path, tmp_path,
                                                             village_ids, capsys):
    from assistcase.services import registry as reg

    for i, v in enumerate(village_ids[:3]):
        reg.create_household(db, ACTOR, reg.HouseholdData(v, "urban"),
                             [reg.PersonData(f"张{i}", make_id(seq=20 + i))])
    with db.read() as s:
        code = s.get(Area, village_ids[1]).code
    out = tmp_path / "v.xlsx"
    assert main(["--db", str(db_path), "export", str(out), "--village", code, "--quiet"]) == 0
    assert "exported 1 household(s)" in capsys.readouterr().out
    rows = read_rows(out)
    assert [r[rows[0].index("姓名")] for r in rows[1:]] == ["张1"]

    token = CancelToken()
    token.cancel()
    cancelled = tmp_path / "c.xlsx"
    with pytest.raises(Cancelled):
        export_registry(db, cancelled, HouseholdFilter(status=None), cancel=token)
    assert not cancelled.exists() and not list(tmp_path.glob("c.xlsx*"))
