"""Demo city (演示数据): a realistic registry of households and persons for trying the app and
for benchmarks at city scale (300,000 households ≈ 700,000 persons in about a minute).

Everything is drawn from one ``random.Random(seed)``, so a seed always gives the same city
(on the same day: ages are counted back from ``today``). The data is written with bulk
``executemany`` in one transaction; cancelling rolls it all back. It fills every column the
registry services keep (reversed ID number, search keys, the household's head and member
count), so the app cannot tell demo households from entered ones.
"""

from __future__ import annotations

import datetime as dt
import time
from array import array
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from random import Random
from typing import Any, Iterator

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session
from stdnum import luhn

from ..services.auth import requires
from . import names as pools
from ..db import Database
from ..errors import StateError, ValidationError
from ..rules.idnumber import age_on, check_digit
from ..models import Area, Household
from ..models.base import utcnow
from ..progress import CancelToken, ProgressFn
from ..services.areas import load_areas_csv
from ..services.audit import Auditor, resolve_user
from ..services.registry_writer import BulkWriter, drop_indexes, inputs_advanced_once

MAX_HOUSEHOLDS = 3_000_000
CHUNK_HOUSEHOLDS = 10_000  # ≈ 23,000 persons per executemany

# Shangqiu 2022 dibao standards, yuan per person per month (DOMAIN §5), to place incomes.
DIBAO_STANDARD_YUAN = {"urban": 630, "rural": 420}

# Tables whose secondary indexes are dropped during the load and rebuilt afterwards: building
# an index once from sorted data is several times faster than growing it row by row.
BULK_TABLES = ("households", "persons", "person_search_keys", "incomes", "property_items",
               "household_memberships")  # the last two written set-based by the BulkWriter

_INCOME_COLS = ("id", "household_id", "person_id", "source", "monthly_fen", "note")
_PROPERTY_COLS = ("id", "household_id", "kind", "description", "value_fen")

@dataclass(frozen=True)
class DemoSummary:
    households: int
    persons: int
    seconds: float


@dataclass(frozen=True)
class _Village:
    id: int
    code: str
    name: str
    township: str
    county_index: int
    urban: bool


class _Member:
    """One generated person before it gets its ids."""

    __slots__ = ("name", "sex", "birth", "age", "relation", "grade", "disability", "ill",
                 "self_care", "in_school", "able", "phone", "id_number")

    def __init__(self, name: str, sex: str, birth: dt.date, age: int, relation: str):
        self.name = name
        self.sex = sex
        self.birth = birth
        self.age = age
        self.relation = relation
        self.grade: int | None = None
        self.disability = ""
        self.ill = False
        self.self_care = "full"
        self.in_school = False
        self.able = False
        self.phone = ""
        self.id_number = ""


class _Weighted:
    """Weighted choice by bisection over cumulative weights (faster than Random.choices)."""

    def __init__(self, items: tuple[Any, ...] | list[Any], weights: tuple[float, ...] | list[float]):
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: Random) -> Any:
        return self.items[bisect(self.cum, rng.random() * self.total)]


class _City:
    """Draws households one at a time; all randomness comes from ``rng``."""

    def __init__(self, rng: Random, villages: list[_Village], county_codes: list[str],
                 today: dt.date):
        self.rng = rng
        self.villages = villages
        self.county_codes = county_codes
        self.today = today
        self.today_ord = today.toordinal()
        self.oldest_ord = self.today_ord - int(106 * 365.2425)
        self.span = self.today_ord - self.oldest_ord + 1
        # Next free sequence slot per (county, birth day, sex): IDs unique by construction.
        self.id_slots = array("H", bytes(2 * 2 * self.span * len(county_codes)))
        self.surname = _Weighted([s for s, _ in pools.SURNAMES], [w for _, w in pools.SURNAMES])
        self.disability = _Weighted(pools.DISABILITY_CATEGORIES, pools.DISABILITY_WEIGHTS)
        self.grade = _Weighted((1, 2, 3, 4), (14, 24, 30, 32))
        self.bank = _Weighted(pools.BANKS, [b[3] for b in pools.BANKS])
        self.kind = _Weighted(
            ("single_elderly", "single_disabled", "elderly_couple", "elder_with_disabled_child",
             "single_parent", "couple_children", "grandparents_grandchildren",
             "three_generations", "couple_sick", "siblings"),
            (26, 7, 15, 5, 8, 18, 8, 6, 5, 2))

    # --- persons --------------------------------------------------------------------------

    def given_name(self, sex: str, birth_year: int) -> str:
        rng = self.rng
        era = pools.era_of(birth_year)
        r = rng.random()
        chars = pools.GIVEN_CHARS[(era, sex)]
        if r < pools.ONE_CHAR_SHARE[era]:
            return rng.choice(chars)
        if rng.random() < pools.WHOLE_SHARE:
            return rng.choice(pools.GIVEN_WHOLE[(era, sex)])
        return rng.choice(chars) + rng.choice(chars)

    def person(self, surname: str, sex: str, age: int, relation: str) -> _Member:
        age = max(0, min(age, 104))
        birth = dt.date.fromordinal(self.today_ord - int((age + self.rng.random()) * 365.2425))
        m = _Member(surname + self.given_name(sex, birth.year), sex, birth,
                    age_on(birth, self.today), relation)
        self.flags(m)
        return m

    def flags(self, m: _Member) -> None:
        """Disability, illness, self-care, schooling, ability to work, phone (DOMAIN §3)."""
        rng = self.rng
        age = m.age
        p_dis, p_ill = (0.02, 0.01) if age < 16 else (0.06, 0.04) if age < 60 else (0.10, 0.08)
        if rng.random() < p_dis:
            self.disable(m)
        if rng.random() < p_ill:
            m.ill = True
        r = rng.random()
        if m.grade == 1:
            m.self_care = "none" if r < 0.45 else "partial" if r < 0.8 else "full"
        elif m.grade == 2:
            m.self_care = "none" if r < 0.1 else "partial" if r < 0.5 else "full"
        elif age >= 80:
            m.self_care = "none" if r < 0.08 else "partial" if r < 0.3 else "full"
        elif age >= 60 or m.ill:
            m.self_care = "none" if r < 0.02 else "partial" if r < 0.1 else "full"
        if 6 <= age <= 18:
            m.in_school = rng.random() < (0.97 if age < 16 else 0.75)
        self.set_able(m)
        if 16 <= age <= 75:
            if rng.random() < 0.88:
                m.phone = self.mobile()
        elif age > 75 and rng.random() < 0.3:
            m.phone = self.mobile()

    def disable(self, m: _Member, severe: bool = False) -> None:
        m.grade = self.rng.choice((1, 2)) if severe else self.grade(self.rng)
        m.disability = self.disability(self.rng)
        if severe and m.self_care == "full":
            m.self_care = "partial" if self.rng.random() < 0.6 else "none"

    def set_able(self, m: _Member) -> None:
        healthy = (m.grade is None or m.grade >= 3) and not m.ill and m.self_care == "full"
        if 16 <= m.age < 60 and not m.in_school:
            m.able = healthy and self.rng.random() < 0.95
        elif 60 <= m.age < 66:
            m.able = healthy and self.rng.random() < 0.3
        else:
            m.able = False

    def younger(self, age: int, lo: int, hi: int) -> int:
        """The age of someone born ``lo``–``hi`` years after a person aged ``age``."""
        hi = min(hi, age)
        return age - self.rng.randint(min(lo, hi), hi)

    def mobile(self) -> str:
        rng = self.rng
        return rng.choice(pools.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"

    def other_surname(self, surname: str) -> str:
        while True:
            s = self.surname(self.rng)
            if s != surname:
                return s

    def assign_id(self, m: _Member, county_index: int) -> None:
        """A valid resident ID number: county code, birth date, sequence (odd male / even
        female), check character. Slots are counted per county, day and sex, so numbers never
        repeat; the sequence starts at a scattered point as real station numbers do."""
        birth_ord = m.birth.toordinal()
        sexbit = 1 if m.sex == "M" else 0
        while True:
            slot = ((county_index * self.span) + (birth_ord - self.oldest_ord)) * 2 + sexbit
            used = self.id_slots[slot]
            if used < 499:
                break
            birth_ord -= 1  # that day is full in that county: take the day before
            m.birth = dt.date.fromordinal(birth_ord)
            m.age = age_on(m.birth, self.today)
        self.id_slots[slot] = used + 1
        j = (slot * 7919 + used) % 499
        seq = 2 * j + 1 if sexbit else 2 * j + 2
        b = m.birth
        first17 = f"{self.county_codes[county_index]}{b.year:04d}{b.month:02d}{b.day:02d}{seq:03d}"
        m.id_number = first17 + check_digit(first17)

    # --- households -----------------------------------------------------------------------

    def members(self) -> tuple[str, list[_Member]]:
        """A household's kind and members, the head first. Sizes average about 2.33."""
        rng = self.rng
        kind = self.kind(rng)
        sn = self.surname(rng)
        person = self.person
        ri = rng.randint
        if kind == "single_elderly":
            head = person(sn, "F" if rng.random() < 0.55 else "M", ri(60, 96), "head")
            return kind, [head]
        if kind == "single_disabled":
            head = person(sn, "M" if rng.random() < 0.6 else "F", ri(22, 59), "head")
            self.disable(head, severe=rng.random() < 0.6)
            self.set_able(head)
            return kind, [head]
        if kind == "elderly_couple":
            husband = person(sn, "M", ri(62, 92), "head")
            wife = person(self.other_surname(sn), "F", husband.age - ri(-2, 6), "spouse")
            return kind, [husband, wife]
        if kind == "elder_with_disabled_child":
            head = person(sn, "F" if rng.random() < 0.5 else "M", ri(58, 88), "head")
            child = person(sn, "M" if rng.random() < 0.55 else "F",
                           self.younger(head.age, 22, 35), "child")
            self.disable(child, severe=rng.random() < 0.5)
            self.set_able(child)
            return kind, [head, child]
        if kind == "single_parent":
            sex = "F" if rng.random() < 0.7 else "M"
            head = person(sn, sex, ri(28, 52), "head")
            child_sn = sn if sex == "M" or rng.random() < 0.4 else self.other_surname(sn)
            kids = [person(child_sn, rng.choice("MF"), self.younger(head.age, 20, 38), "child")
                    for _ in range(1 if rng.random() < 0.55 else 2)]
            return kind, [head, *kids]
        if kind == "couple_children":
            husband = person(sn, "M", ri(28, 56), "head")
            wife = person(self.other_surname(sn), "F", husband.age - ri(-2, 4), "spouse")
            n = 1 if rng.random() < 0.35 else 2 if rng.random() < 0.75 else 3
            out = [husband, wife]
            mother = min(wife.age, husband.age)
            out += [person(sn, rng.choice("MF"), self.younger(mother, 20, 36), "child")
                    for _ in range(n)]
            if rng.random() < 0.25:
                out.append(person(sn if rng.random() < 0.5 else self.other_surname(sn),
                                  rng.choice("MF"), husband.age + ri(22, 34), "parent"))
            if rng.random() < 0.15:
                self.disable(out[rng.randrange(len(out))], severe=rng.random() < 0.4)
            return kind, out
        if kind == "grandparents_grandchildren":
            head = person(sn, "M" if rng.random() < 0.55 else "F", ri(56, 82), "head")
            out = [head]
            if rng.random() < 0.6:
                sex = "F" if head.sex == "M" else "M"
                out.append(person(self.other_surname(sn) if sex == "F" else sn, sex,
                                  head.age + (-ri(0, 5) if sex == "F" else ri(0, 5)), "spouse"))
            gsn = sn if head.sex == "M" or rng.random() < 0.5 else self.other_surname(sn)
            for _ in range(1 if rng.random() < 0.6 else 2):
                out.append(person(gsn, rng.choice("MF"), self.younger(head.age, 45, 66),
                                  "grandchild"))
            return kind, out
        if kind == "three_generations":
            head = person(sn, "M", ri(48, 70), "head")
            wife = person(self.other_surname(sn), "F", head.age - ri(-2, 5), "spouse")
            son = person(sn, "M", self.younger(head.age, 22, 32), "child")
            out = [head, wife, son]
            if rng.random() < 0.7:  # 儿媳: other relation
                out.append(person(self.other_surname(sn), "F", son.age - ri(-2, 4), "other"))
            for _ in range(1 if rng.random() < 0.6 else 2):
                out.append(person(sn, rng.choice("MF"), self.younger(son.age, 20, 32),
                                  "grandchild"))
            if rng.random() < 0.2:
                self.disable(out[rng.randrange(len(out))], severe=True)
            return kind, out
        if kind == "couple_sick":
            husband = person(sn, "M", ri(38, 62), "head")
            wife = person(self.other_surname(sn), "F", husband.age - ri(-2, 5), "spouse")
            sick = husband if rng.random() < 0.6 else wife
            if rng.random() < 0.5:
                sick.ill = True
                sick.self_care = "partial" if rng.random() < 0.4 else sick.self_care
            else:
                self.disable(sick, severe=rng.random() < 0.5)
            self.set_able(sick)
            return kind, [husband, wife]
        head = person(sn, "M" if rng.random() < 0.6 else "F", ri(40, 75), "head")  # siblings
        sib = person(sn, rng.choice("MF"), head.age + ri(-8, 8), "sibling")
        self.disable(sib, severe=True)
        self.set_able(sib)
        return kind, [head, sib]

    def category(self, kind: str, members: list[_Member]) -> str:
        """Dibao for most; 特困 only for people with no one to support them who cannot work:
        single elderly, severely disabled, or an elderly couple."""
        r = self.rng.random()
        head = members[0]
        if kind == "single_elderly":
            return "tekun" if r < 0.5 else "dibao" if r < 0.9 else "marginal" if r < 0.95 \
                else "monitored" if r < 0.98 else "none"
        if kind == "single_disabled" and head.grade in (1, 2):
            return "tekun" if r < 0.55 else "dibao" if r < 0.93 else "marginal"
        if kind == "elderly_couple" and r < 0.06:
            return "tekun"
        return "dibao" if r < 0.72 else "marginal" if r < 0.84 else "monitored" if r < 0.96 \
            else "none"

    def incomes(self, category: str, urban: bool, members: list[_Member],
                member_ids: list[int]) -> list[tuple[int | None, str, int, str]]:
        """Monthly incomes by source in fen: (person_id, source, fen, note). The per-capita
        total is placed against the local dibao standard as the category implies."""
        rng = self.rng
        std = DIBAO_STANDARD_YUAN["urban" if urban else "rural"]
        lo, hi = {"dibao": (0.0, 0.8), "tekun": (0.0, 0.0), "marginal": (1.0, 1.5),
                  "monitored": (0.9, 2.2), "none": (1.6, 3.0)}[category]
        out: list[tuple[int | None, str, int, str]] = []
        total = int(rng.uniform(lo, hi) * std * len(members)) // 10 * 10
        for m, pid in zip(members, member_ids):
            if m.age >= 60:
                # 城乡居民基础养老金 for nearly all; a company pension only where the household
                # is above the dibao line anyway.
                if urban and category in ("none", "monitored") and rng.random() < 0.3:
                    pension, note = rng.randint(1200, 2600), "企业退休养老金"
                else:
                    pension, note = rng.randint(118, 180), "城乡居民基础养老金"
                out.append((pid, "pension", pension * 100, note))
                total -= pension
        if total <= 0:
            return out
        workers = [(m, pid) for m, pid in zip(members, member_ids) if m.able]
        if not urban and rng.random() < 0.7:
            farm = total // 2 if workers else total
            farm = farm // 10 * 10
            if farm > 0:
                out.append((None, "agriculture", farm * 100, "种植收入"))
                total -= farm
        if total > 0 and workers:
            m, pid = rng.choice(workers)
            out.append((pid, "wages", total * 100, "务工收入" if not urban else "灵活就业收入"))
        elif total > 0:
            source, note = rng.choice((("transfer", "赡养费"), ("transfer", "亲属资助"),
                                       ("property", "土地流转收入"), ("other", "其他收入")))
            out.append((None, source, total * 100, note))
        return out

    def properties(self, urban: bool) -> list[tuple[str, str, int]]:
        rng = self.rng
        if rng.random() >= 0.12:
            return []
        out = []
        r = rng.random()
        if r < 0.5:
            out.append(("housing", "自有住房" if urban else "自建房",
                        rng.randint(30, 150 if urban else 80) * 1_000_00))
        elif r < 0.8:
            out.append(("vehicle", rng.choice(("电动三轮车", "电动自行车", "二手农用车")),
                        rng.randint(15, 60) * 100_00))
        else:
            out.append(("deposit", "银行存款", rng.randint(5, 200) * 100_00))
        return out

    def account(self, category: str) -> tuple[str, str, str]:
        """(account type, number, bank): a 一卡通 card passing Luhn, a passbook, or none."""
        rng = self.rng
        r = rng.random()
        card, passbook = {"dibao": (0.9, 1.0), "tekun": (0.88, 1.0)}.get(
            category, (0.45, 0.5) if category != "none" else (0.2, 0.2))
        if r < card:
            bank, bin_, length, _ = self.bank(rng)
            body = bin_ + "".join(str(rng.randrange(10)) for _ in range(length - len(bin_) - 1))
            return "card", body + luhn.calc_check_digit(body), bank
        if r < passbook:
            digits = "".join(str(rng.randrange(10)) for _ in range(rng.choice((17, 18, 19, 20))))
            return "passbook", str(rng.randint(1, 9)) + digits, rng.choice(pools.PASSBOOK_BANKS)
        return "none", "", ""

    def address(self, village: _Village) -> str:
        rng = self.rng
        if village.urban:
            return (f"{village.township}{village.name}{rng.choice(pools.URBAN_ROADS)}"
                    f"{rng.randint(1, 300)}号{rng.randint(1, 24)}号楼{rng.randint(1, 4)}单元"
                    f"{rng.randint(1, 7)}0{rng.randint(1, 4)}室")
        return f"{village.township}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"


def _villages(s: Session) -> tuple[list[_Village], list[str]]:
    township = Area.__table__.alias("township")
    rows = s.execute(select(Area.id, Area.code, Area.name, township.c.name)
                     .join(township, township.c.id == Area.parent_id)
                     .where(Area.level == "village").order_by(Area.code)).all()
    county_codes = sorted({r[1][:6] for r in rows})
    index = {c: i for i, c in enumerate(county_codes)}
    return ([_Village(r[0], r[1], r[2], r[3], index[r[1][:6]], r[3].endswith("街道"))
             for r in rows], county_codes)


# The first-run demo looks like one county's caseload: dozens of households a village, as in
# a real roster (a city's 2,000 spread over 1,944 villages gave a subtotal every other line).
DEMO_COUNTY = "411421"  # 民权县
DEMO_PER_VILLAGE = 40


def _allocate(rng: Random, villages: list[_Village], households: int,
              county: str | None = None) -> list[int]:
    """Households per village: urban communities are denser; largest-remainder rounding.
    With ``county``, only as many of that county's villages (in code order) as hold about
    DEMO_PER_VILLAGE households each get any."""
    chosen = None
    if county:
        inside = [i for i, v in enumerate(villages) if v.code.startswith(county)]
        chosen = set(inside[:max(1, -(-households // DEMO_PER_VILLAGE))])
    weights = [(2.0 if v.urban else 1.0) * rng.uniform(0.5, 1.5)
               * (1.0 if chosen is None or i in chosen else 0.0)
               for i, v in enumerate(villages)]
    total = sum(weights)
    exact = [households * w / total for w in weights]
    counts = [int(x) for x in exact]
    rest = households - sum(counts)
    for i in sorted(range(len(villages)), key=lambda i: (counts[i] - exact[i], i))[:rest]:
        counts[i] += 1
    return counts


def _village_stream(villages: list[_Village], counts: list[int]) -> Iterator[tuple[_Village, int]]:
    for v, n in zip(villages, counts):
        for seq in range(1, n + 1):
            yield v, seq


@requires("users.admin")
def generate_demo(db: Database, actor: str | int, households: int, seed: int,
                  progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                  today: dt.date | None = None, county: str | None = None) -> DemoSummary:
    """Generate a demo city of ``households`` households into an empty registry.

    Loads the Shangqiu demo areas first when the area table is empty (that load is its own,
    small transaction). Refuses with :class:`StateError` if the registry holds households.
    Writes one audit row for the whole batch. ``cancel.check()`` runs after every chunk and
    rolls everything back; the same ``seed`` and ``today`` give identical data."""
    if not isinstance(households, int) or not 1 <= households <= MAX_HOUSEHOLDS:
        raise ValidationError.single(
            "households", f"the number of households must be between 1 and {MAX_HOUSEHOLDS:,}",
            f"户数应在1到{MAX_HOUSEHOLDS:,}之间")
    t0 = time.perf_counter()
    report = progress or (lambda _f, _m: None)
    today = today or dt.date.today()
    with db.read() as s:
        has_areas = s.scalar(select(Area.id).limit(1)) is not None
    if not has_areas:
        load_areas_csv(db, actor)
    if cancel is not None:
        cancel.check()

    # Our own connection, so the load can run with foreign keys off (the data is consistent
    # by construction and the tests check it with PRAGMA foreign_key_check; checking 5 million
    # references row by row costs a third of the time). It is a connection setting, restored
    # before the connection goes back to the pool.
    with db.engine.connect().execution_options(assistcase_write=True) as conn:
        dbapi = conn.connection.dbapi_connection
        sqlite = conn.dialect.name == "sqlite"
        # On the DB-API connection, so no transaction is open yet: inside one the PRAGMA is
        # a no-op. (PostgreSQL keeps its foreign keys; households' key to their head is
        # checked at commit.)
        if sqlite:
            fk = dbapi.execute("PRAGMA foreign_keys").fetchone()[0]
            dbapi.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():  # BEGIN (db.make_engine): index drops and checks roll back too
                if not sqlite:
                    conn.exec_driver_sql(
                        "SET CONSTRAINTS fk_households_head_person_id_persons DEFERRED")
                with Session(bind=conn) as s:
                    user = resolve_user(s, actor)
                    existing = s.scalar(select(func.count()).select_from(Household)) or 0
                    if existing:
                        raise StateError(
                            f"the registry already holds {existing:,} households; demo data can "
                            "only be generated into an empty registry",
                            f"登记库中已有 {existing:,} 户，演示数据只能生成到空的登记库中")
                    villages, county_codes = _villages(s)
                    if not villages:
                        raise StateError("there are no villages to place households in",
                                         "没有村（社区）区划，无法生成演示数据")
                    persons = _load(conn, villages, county_codes, households, seed, today,
                                    report, cancel, county)
                    from ..services.meta import mark_demo

                    mark_demo(s)  # the title and printouts say 演示数据
                    Auditor(s, user, source=f"demo seed={seed}").note(
                        "import", "household", None,
                        f"demo city generated by {user.username}: {households} households, "
                        f"{persons} persons, seed {seed}")
                    s.flush()
                report(0.99, "committing 提交")
        finally:
            if sqlite:
                dbapi.execute(f"PRAGMA foreign_keys={'ON' if fk else 'OFF'}")
    report(1.0, f"{households:,} households, {persons:,} persons 已生成")
    return DemoSummary(households, persons, time.perf_counter() - t0)


def _load(conn: Connection, villages: list[_Village], county_codes: list[str], households: int,
          seed: int, today: dt.date, report: ProgressFn, cancel: CancelToken | None,
          county: str | None = None) -> int:
    """Generate and insert everything; returns the number of persons."""
    rng = Random(seed)
    city = _City(rng, villages, county_codes, today)
    counts = _allocate(rng, villages, households, county)

    def next_id(table: str) -> int:
        return (conn.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar() or 0) + 1

    hid, pid, iid, prid = (next_id("households"), next_id("persons"), next_id("incomes"),
                           next_id("property_items"))
    index_sql = drop_indexes(conn, BULK_TABLES)
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    closed_since = today.toordinal() - 3 * 365
    stream = _village_stream(villages, counts)
    done = 0
    persons_total = 0
    # Households and persons through the registry's bulk writer (reversed ID, search keys,
    # head summary, memberships); incomes and property items directly.
    with BulkWriter(conn, chunk=4 * CHUNK_HOUSEHOLDS, stored_values=True) as writer:
        while done < households:
            n = min(CHUNK_HOUSEHOLDS, households - done)
            income_rows: list[tuple] = []
            property_rows: list[tuple] = []
            chunk_persons = 0
            for _ in range(n):
                village, seq = next(stream)
                kind, members = city.members()
                category = city.category(kind, members)
                ids = list(range(pid, pid + len(members)))
                pid += len(members)
                for m in members:
                    city.assign_id(m, village.county_index)
                head = members[0]
                phone = head.phone or next((m.phone for m in members if m.phone), "")
                if not phone and rng.random() < 0.8:
                    phone = city.mobile()  # a relative's number (亲属电话)
                account_type, account_number, bank = city.account(category)
                closed_on = closed_reason = None
                status = "active"
                if rng.random() < 0.02:
                    status = "closed"
                    closed_on = dt.date.fromordinal(closed_since
                                                    + rng.randrange(3 * 365)).isoformat()
                    closed_reason = rng.choice(("户主死亡", "家庭收入超过保障标准", "迁出本县",
                                                "本人申请退出"))
                writer.add_household((
                    hid, f"{village.code}-{seq:04d}", village.id,
                    "urban" if village.urban else "rural", category, status,
                    city.address(village), phone, account_type, account_number, bank, ids[0],
                    closed_on, closed_reason, stamp, stamp), head.name, len(members))
                for m, person_id in zip(members, ids):
                    writer.add_person((
                        person_id, hid, m.name, m.id_number, m.birth.isoformat(), m.sex,
                        m.relation, m.grade, m.disability, int(m.ill), m.self_care,
                        int(m.in_school), int(m.able), m.phone, stamp, stamp))
                chunk_persons += len(members)
                for earner, source, fen, note in city.incomes(category, village.urban, members,
                                                              ids):
                    income_rows.append((iid, hid, earner, source, fen, note))
                    iid += 1
                for kind_, description, fen in city.properties(village.urban):
                    property_rows.append((prid, hid, kind_, description, fen))
                    prid += 1
                hid += 1
            writer.flush_persons()
            if income_rows:
                writer.insert_rows("incomes", _INCOME_COLS, income_rows)
            if property_rows:
                writer.insert_rows("property_items", _PROPERTY_COLS, property_rows)
            done += n
            persons_total += chunk_persons
            report(0.75 * done / households, f"{done:,}/{households:,} households 户")
            if cancel is not None:
                cancel.check()
        report(0.78, "search keys 检索键")
    if cancel is not None:
        cancel.check()
    if conn.dialect.name == "postgresql":  # check the households' heads now (pending
        # checks would block the CREATE INDEX below)
        conn.exec_driver_sql("SET CONSTRAINTS fk_households_head_person_id_persons IMMEDIATE")
    for i, sql in enumerate(index_sql):
        report(0.85 + 0.13 * i / max(1, len(index_sql)), "indexes 索引")
        conn.exec_driver_sql(sql)
    if conn.dialect.name == "postgresql":  # the ids were given: move the sequences past them
        for table in ("households", "persons", "incomes", "property_items"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")
        conn.exec_driver_sql("ANALYZE")
    if cancel is not None:
        cancel.check()
    return persons_total


# Shangqiu 2022 (seed 002): dibao ≥ 630 / 420, extreme hardship ≥ 819 / 546 (1.3 ×), fiscal
# subsidy level ≥ 315 / 210 yuan per person per month. Care standards have no seed figure:
# the demo's are illustrative and say so in their note.
DEMO_STANDARDS_FROM = dt.date(2022, 1, 1)
DEMO_STANDARDS = {
    "urban": {"dibao": 63_000, "tekun_basic": 81_900, "subsidy_level": 31_500,
              "care_full": 6_000, "care_partial": 30_000, "care_none": 60_000},
    "rural": {"dibao": 42_000, "tekun_basic": 54_600, "subsidy_level": 21_000,
              "care_full": 6_000, "care_partial": 30_000, "care_none": 60_000},
}


_CASE_COMMON = ("status, applied_on, checked_on, investigated_on, investigators, publicity_start,"
                " publicity_end, confirmed_on, paid_from, stable_income, last_review_on,"
                " next_review_on, application_reason, check_findings, investigation_findings,"
                " institution_name, created_at, updated_at")
_CASE_VALUES = ("'active', :applied, :checked, :investigated, '演示数据', :pub_start, :pub_end,"
                " :confirmed, :paid_from, FALSE, :confirmed,"
                " {next_review}, '演示数据', '', '', '',"
                " :now, :now")
_NEXT_REVIEW = {"sqlite": "date(:today, '+' || (h.id % 180) || ' days')",
                "postgresql": "CAST(:today AS DATE) + (h.id % 180)"}


@requires("users.admin")
def generate_demo_cases(db: Database, actor: str | int, paid_from: dt.date,
                        today: dt.date | None = None) -> dict[str, int]:
    """Active cases for the demo registry, written set-based in one transaction: one dibao
    case per active dibao household (every member covered) and one dispersed
    extreme-hardship case per active tekun household (its head), confirmed the month before
    ``paid_from`` and paid from it. Refused if the registry already has cases. Returns the
    number of cases per program."""
    from sqlalchemy import Date, DateTime, bindparam
    from sqlalchemy import text as _text

    today = today or dt.date.today()
    confirmed = paid_from - dt.timedelta(days=10)
    d = {"applied": confirmed - dt.timedelta(days=40),
         "checked": confirmed - dt.timedelta(days=30),
         "investigated": confirmed - dt.timedelta(days=25),
         "pub_start": confirmed - dt.timedelta(days=20),
         "pub_end": confirmed - dt.timedelta(days=13),
         "confirmed": confirmed, "paid_from": paid_from,
         "today": today, "now": utcnow()}

    def text(sql: str):  # typed parameters: dates are dates on both engines
        binds = [bindparam(k, type_=DateTime if k == "now" else Date) for k in d
                 if f":{k}" in sql]
        return _text(sql).bindparams(*binds)
    with db.begin() as s:
        user = resolve_user(s, actor)
        if s.execute(text("SELECT 1 FROM assistance_cases LIMIT 1")).first():
            raise StateError("the registry already has assistance cases", "已有救助案件，不能生成演示案件")
        values = _CASE_VALUES.format(next_review=_NEXT_REVIEW[s.get_bind().dialect.name])
        # SQLite: one advance of the entitlements' inputs, not one a row (migration 0030)
        with inputs_advanced_once(s.connection(), ("assistance_cases", "case_members")):
            s.execute(text(f"INSERT INTO assistance_cases (program, household_id, person_id,"
                           f" {_CASE_COMMON}) SELECT 'dibao', h.id, NULL, {values}"
                           " FROM households AS h WHERE h.status = 'active' AND h.category = 'dibao'"),
                      d)
            s.execute(text("INSERT INTO case_members (case_id, person_id, program, covered_from)"
                           " SELECT c.id, p.id, 'dibao', c.paid_from FROM assistance_cases AS c"
                           " JOIN persons AS p ON p.household_id = c.household_id"
                           " WHERE c.program = 'dibao'"))
            s.execute(text(f"INSERT INTO assistance_cases (program, household_id, person_id,"
                           f" support_mode, self_care, {_CASE_COMMON})"
                           f" SELECT 'tekun', h.id, p.id, 'dispersed', p.self_care, {values}"
                           " FROM households AS h JOIN persons AS p ON p.id = h.head_person_id"
                           " WHERE h.status = 'active' AND h.category = 'tekun'"), d)
            s.execute(text("INSERT INTO case_members (case_id, person_id, program, covered_from)"
                           " SELECT id, person_id, 'tekun', paid_from"
                           " FROM assistance_cases WHERE program = 'tekun'"))
        counts = dict(s.execute(text("SELECT program, COUNT(*) FROM assistance_cases"
                                     " GROUP BY program")).all())
        Auditor(s, user).note("generate", "assistance_case", None,
                              f"demo cases paid from {paid_from:%Y-%m}: {counts}")
    return counts


@requires("users.admin")
def generate_demo_city(db: Database, actor: str | int, households: int, seed: int,
                       progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                       today: dt.date | None = None, monitoring: bool = False,
                       county: str | None = None) -> DemoSummary:
    """The demo the app opens on: the registry (:func:`generate_demo`), the city's 2022
    standards from seed 002, active cases paid since January of last year
    (:func:`generate_demo_cases`), this year's temporary aid up to ``today``
    (:func:`~assistcase.demo_aid.generate_demo_aid`), and leadership-liaison records for this
    year up to ``today``; with ``monitoring`` also the low-income register, outside lists,
    warnings and tasks (:mod:`assistcase.demo.monitoring`)."""
    from .liaison import generate_liaison_data
    from ..services.standards import StandardInput, save_standard

    today = today or dt.date.today()
    report = progress or (lambda f, m: None)
    summary = generate_demo(db, actor, households, seed,
                            progress=lambda f, m: report(f * 0.9, m), cancel=cancel, today=today,
                            county=county)
    report(0.92, "standards 保障标准")
    with db.read() as s:
        city = s.scalar(select(Area).where(Area.level == "city").order_by(Area.code))
    for cls, kinds in DEMO_STANDARDS.items():
        for kind, fen in kinds.items():
            note = "演示数据（非公布标准）" if kind.startswith("care_") else "商丘市 2022（种子文件 002）"
            save_standard(db, actor, StandardInput(city.id, cls, kind, DEMO_STANDARDS_FROM, fen,
                                                   "month", note))
    report(0.93, "cases 救助案件")
    generate_demo_cases(db, actor, paid_from=dt.date(today.year - 1, 1, 1), today=today)
    report(0.94, "temporary aid 临时救助")
    from .aid import generate_demo_aid
    # about one person-time a year per ten registered households (seed 002: 32,000 in 2022)
    generate_demo_aid(db, actor, year=today.year, seed=seed, count=max(30, households // 10),
                      until=today)
    report(0.95, "liaison 联系督查")
    generate_liaison_data(db, actor, year=today.year, seed=seed, until=today)
    if monitoring:  # the register, outside lists, warnings and tasks (DOMAIN §9)
        from .monitoring import generate_demo_monitoring

        report(0.97, "monitoring 动态监测")
        generate_demo_monitoring(db, actor, seed=seed, today=today)
    report(0.99, "settling 整理")
    db.settle_after_bulk_load()
    report(1.0, "done 完成")
    return summary
