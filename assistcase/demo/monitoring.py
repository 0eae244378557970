"""Demo data for low-income dynamic monitoring (DOMAIN §9): the register from the demo
households' categories, and outside lists for the demo city, imported through the real import
(:func:`~assistcase.io.outside_lists.import_outside_list`) and the rules run once, so the
register, the match reports, the warnings, the tasks, the to-do list and the report can all be
tried at once.

Each list has ``rows`` rows (default: one per household, between 1,000 and 5,000), most of
them people outside the registry (ID numbers of another prefecture, 郑州/洛阳, so they never
collide with the demo city's), and among them:

- deaths: a few covered persons (the payment is held until checked), a few register members,
  one row with a wrong check character and one with another person's name (both refused);
- medical expenses: register members, some households above 20,000 yuan in 12 months;
- disability: register members with grades 1–4;
- 三类户: heads of households outside the register (they enter it as 三类户);
- vehicles (a few), business registrations and public employees (a couple): members of
  paying households.

Deterministic for a seed and a day. Written as CSV files in ``directory`` (a temporary one
by default).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from random import Random

from sqlalchemy import text

from .names import SURNAMES
from ..db import Database
from ..rules.idnumber import check_digit
from ..io.outside_lists import MatchReport, import_outside_list
from ..progress import ProgressFn
from ..services.register import fill_from_categories
from ..services.auth import requires

OUTSIDE_COUNTIES = ("410102", "410105", "410302", "410305")  # 郑州 / 洛阳: never the demo city
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉凤春梅"
HEADERS = {
    "death": ["序号", "姓名", "公民身份号码", "死亡日期", "备注"],
    "medical": ["序号", "姓名", "公民身份号码", "结算日期", "个人自付", "备注"],
    "disability": ["序号", "姓名", "公民身份号码", "残疾等级", "发证日期", "备注"],
    "sanlei": ["序号", "姓名", "公民身份号码", "识别日期", "监测类型"],
    "vehicle": ["序号", "姓名", "公民身份号码", "登记日期", "车牌号"],
    "business": ["序号", "姓名", "公民身份号码", "成立日期", "企业名称"],
    "public_employee": ["序号", "姓名", "公民身份号码", "入职日期", "工作单位"],
}
SANLEI_TYPES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")


def _name(rng: Random) -> str:
    surnames = [s for s, _w in SURNAMES]
    weights = [w for _s, w in SURNAMES]
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.6 else "")
    return rng.choices(surnames, weights)[0] + given


def _outsider(rng: Random, today: dt.date) -> tuple[str, str]:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(65 * 365))
    if birth > today:
        birth = today - dt.timedelta(days=365)
    first17 = f"{rng.choice(OUTSIDE_COUNTIES)}{birth:%Y%m%d}{rng.randrange(1, 1000):03d}"
    return _name(rng), first17 + check_digit(first17)


def _day(rng: Random, today: dt.date, back_days: int) -> dt.date:
    return today - dt.timedelta(days=rng.randrange(1, back_days))


def _people(db: Database, today: dt.date) -> dict[str, list[tuple[str, str, int]]]:
    """(name, ID number, household id) of registry persons by what they are on ``today``."""
    on = today.isoformat()
    with db.read() as s:
        def q(sql: str) -> list[tuple[str, str, int]]:
            return [tuple(r) for r in s.execute(text(sql), {"on": on})]

        covered = q("SELECT p.name, p.id_number, p.household_id FROM case_members AS cm"
                    " JOIN persons AS p ON p.id = cm.person_id JOIN assistance_cases AS c"
                    " ON c.id = cm.case_id WHERE cm.covered_until IS NULL AND c.status = 'active'"
                    " ORDER BY p.id")
        register = q("SELECT p.name, p.id_number, p.household_id FROM persons AS p"
                     " JOIN households AS h ON h.id = p.household_id"
                     " WHERE h.status = 'active' AND h.category IN ('marginal', 'monitored')"
                     " ORDER BY p.id")
        others = q("SELECT p.name, p.id_number, p.household_id FROM persons AS p"
                   " JOIN households AS h ON h.head_person_id = p.id"
                   " WHERE h.status = 'active' AND h.category = 'none' ORDER BY p.id")
    return {"covered": covered, "register": register, "others": others}


def _rows(kind: str, rng: Random, n: int, people: dict, today: dt.date) -> list[list]:
    rows: list[list] = []

    def pick(group: str, k: int) -> list[tuple[str, str, int]]:
        pool = people[group]
        return rng.sample(pool, min(k, len(pool)))

    def outsiders(k: int) -> list[tuple[str, str, None]]:
        return [(*_outsider(rng, today), None) for _ in range(k)]

    if kind == "death":
        named = pick("covered", max(3, n // 400)) + pick("register", max(2, n // 200))
        for name, number, _h in named + outsiders(n - len(named) - 2):
            rows.append([name, number, _day(rng, today, 60), ""])
        if people["register"]:
            name, number, _h = people["register"][0]
            rows.append([name, number[:17] + ("0" if number[17] != "0" else "1"),
                         _day(rng, today, 60), "校验位错误示例"])
            name2, number2, _h = people["register"][-1]
            rows.append([name2 + "某", number2, _day(rng, today, 60), "同号不同名示例"])
    elif kind == "medical":
        named = pick("register", n // 2) + pick("covered", n // 10)
        for name, number, _h in named:
            amount = rng.choice((800, 1500, 3000, 6000, 12000, 25000))
            rows.append([name, number, _day(rng, today, 330), f"{amount}.00", ""])
        for name, number, _h in outsiders(n - len(named)):
            rows.append([name, number, _day(rng, today, 330), f"{rng.randrange(500, 40000)}.00",
                         ""])
    elif kind == "disability":
        named = pick("register", n // 3)
        for name, number, _h in named + outsiders(n - len(named)):
            rows.append([name, number, rng.choice(("一级", "二级", "三级", "四级")),
                         _day(rng, today, 300), ""])
    elif kind == "sanlei":
        named = pick("others", n // 5)
        for name, number, _h in named + outsiders(n - len(named)):
            rows.append([name, number, _day(rng, today, 200), rng.choice(SANLEI_TYPES)])
    else:
        k = {"vehicle": 6, "business": 3, "public_employee": 2}[kind]
        named = pick("covered", k)
        for i, (name, number, _h) in enumerate(named + outsiders(n - len(named))):
            detail = {"vehicle": f"豫{'ABCDEFGHN'[i % 9]}{10000 + rng.randrange(89999)}",
                      "business": f"{name[:1]}记{rng.choice(('商贸', '农业', '餐饮'))}有限公司",
                      "public_employee": rng.choice(("县第一中学", "镇卫生院", "县交通局"))}[kind]
            rows.append([name, number, _day(rng, today, 3000), detail])
    rng.shuffle(rows)
    return [[i] + r for i, r in enumerate(rows, start=1)]


def write_demo_lists(db: Database, directory: Path, seed: int, today: dt.date,
                     rows: int) -> dict[str, Path]:
    """Write the seven demo lists as CSV files; returns kind → path."""
    people = _people(db, today)
    out = {}
    for i, kind in enumerate(HEADERS):
        rng = Random(f"{seed}-{kind}-{today}")
        path = directory / f"demo-{kind}-{today:%Y%m%d}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADERS[kind])
            for r in _rows(kind, rng, rows, people, today):
                w.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in r])
        out[kind] = path
    return out


@requires("users.admin")
def generate_demo_monitoring(db: Database, actor: str | int, seed: int,
                             today: dt.date | None = None, rows: int | None = None,
                             directory: str | Path | None = None, run: bool = True,
                             progress: ProgressFn | None = None) -> dict[str, MatchReport]:
    """Fill the register from the demo households, import the demo lists and (``run``) run
    the warning rules on ``today``. Returns the match report of each list."""
    report = progress or (lambda _f, _m: None)
    today = today or dt.date.today()
    with db.begin() as s:
        fill_from_categories(s, today, "demo")
        if rows is None:
            households = s.execute(text("SELECT COUNT(*) FROM households")).scalar_one()
            rows = max(1000, min(households, 5000))
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(directory) if directory is not None else Path(tmp)
        paths = write_demo_lists(db, where, seed, today, rows)
        reports = {}
        for i, (kind, path) in enumerate(paths.items()):
            report(i / (len(paths) + 1), f"{kind} 外部名单")
            reports[kind] = import_outside_list(db, actor, path, kind, received_on=today)
    if run:
        from ..services.monitoring import run_rules

        report(len(paths) / (len(paths) + 1), "rules 预警规则")
        run_rules(db, actor, today)
    report(1.0, "done 完成")
    return reports
