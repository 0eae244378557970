"""Loading the area hierarchy (行政区划) from CSV: ``code,name,level,parent_code``."""

from __future__ import annotations

import csv
from pathlib import Path

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import DATA_DIR_PACKAGE
from ..db import Database
from ..errors import FieldError, ValidationError
from ..models import Area
from ..models.areas import LEVELS
from ..rules.areas import CODE_DIGITS, PARENT_LEVEL
from .audit import Auditor, resolve_user
from .auth import reader, requires

DEMO_AREAS_CSV = DATA_DIR_PACKAGE / "areas_shangqiu.csv"
# 省直管县(市), DOMAIN §2: Henan's ten, by 6-digit county code (长垣市 also under its old code).
# Migration 0011 sets the flag for the areas already loaded; the loader sets it for new ones.
PROVINCE_ADMINISTERED = {
    "410181": "巩义市", "410225": "兰考县", "410482": "汝州市", "410526": "滑县",
    "410783": "长垣市", "410728": "长垣市", "411381": "邓州市", "411481": "永城市",
    "411525": "固始县", "411628": "鹿邑县", "411729": "新蔡县",
}


def is_province_administered(code: str, name: str, level: str) -> bool:
    """Henan's province-administered counties, by name within Henan (codes have changed)."""
    return (level == "county" and code.startswith("41")
            and name in PROVINCE_ADMINISTERED.values())


@requires("areas.write")
def load_areas_csv(db: Database, actor: str | int, path: Path = DEMO_AREAS_CSV) -> int:
    """Insert or update areas from a UTF-8 CSV; all or nothing. Returns rows written.

    Codes are 12-digit statistical division codes; a child's code must start with its
    parent's significant digits and its level must be the one below the parent's."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    errors: list[FieldError] = []
    by_code: dict[str, dict[str, str]] = {}
    for i, row in enumerate(rows, start=2):
        where = f"{path.name}:{i}"
        code = (row.get("code") or "").strip()
        level = (row.get("level") or "").strip()
        name = (row.get("name") or "").strip()
        parent = (row.get("parent_code") or "").strip()
        if len(code) != 12 or not code.isdigit():
            errors.append(FieldError(f"{where}.code", f"code {code!r} is not 12 digits",
                                     f"{where} 区划代码 {code} 不是12位数字"))
            continue
        if level not in LEVELS:
            errors.append(FieldError(f"{where}.level", f"unknown level {level!r}",
                                     f"{where} 层级 {level} 无效"))
            continue
        if not name:
            errors.append(FieldError(f"{where}.name", "name is empty", f"{where} 名称为空"))
        if level != "province":
            p = by_code.get(parent)
            if p is None or p["level"] != PARENT_LEVEL[level]:
                errors.append(FieldError(f"{where}.parent_code",
                                         f"parent {parent!r} is not a {PARENT_LEVEL[level]} listed above",
                                         f"{where} 上级代码 {parent} 不是前面列出的上级区划"))
            elif not code.startswith(parent[:CODE_DIGITS[PARENT_LEVEL[level]]]):
                errors.append(FieldError(f"{where}.code", f"code {code} does not start with its parent's code",
                                         f"{where} 区划代码 {code} 与上级代码不符"))
        by_code[code] = {"code": code, "name": name, "level": level, "parent": parent}
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        existing = {a.code: a for a in s.scalars(select(Area))}
        for code, r in by_code.items():
            area = existing.get(code)
            parent_id = None
            if r["level"] != "province":
                parent = existing[r["parent"]]
                if parent.id is None:
                    # the areas added since the last flush go in as one batched INSERT (in
                    # the order added: the ids are those of one flush per row); a flush per
                    # row was a round trip per area, 2,062 of them, on a server
                    s.flush()
                parent_id = parent.id
            flag = is_province_administered(code, r["name"], r["level"])
            if area is None:
                area = Area(code=code, name=r["name"], level=r["level"], parent_id=parent_id,
                            province_administered=flag)
                s.add(area)
                existing[code] = area
            else:
                area.name, area.level, area.parent_id = r["name"], r["level"], parent_id
                area.province_administered = flag
        s.flush()
        Auditor(s, user, source=str(path)).note("import", "area", None,
                                                f"loaded {len(by_code)} areas from {path.name}")
    return len(by_code)


@requires("areas.write")
def ensure_areas(db: Database, actor: str | int) -> int:
    """Load the bundled division codes into a database that has none (a new, empty database
    needs its villages to register anyone); returns the number loaded (0 when present)."""
    with db.read() as s:
        if s.scalar(select(Area.id).limit(1)) is not None:
            return 0
    return load_areas_csv(db, actor)


@dataclass(frozen=True)
class AreaChoice:
    id: int
    code: str
    name: str
    level: str


def scoped_areas(s: Session, levels: tuple[str, ...] = ("city", "county", "township")
                 ) -> list[AreaChoice]:
    """The areas of ``levels`` within the signed-in user's area, by code (a township
    caseworker: their township; a county clerk: the county and its townships)."""
    scope = reader(s)
    rows = s.execute(select(Area.id, Area.code, Area.name, Area.level)
                     .where(Area.level.in_(levels)).order_by(Area.code))
    return [AreaChoice(*r) for r in rows if scope.covers(r[1])]


def start_area(areas: list[AreaChoice]) -> AreaChoice | None:
    """The area a page's list opens on: the widest area of a user with an area (a township
    caseworker's township, a county clerk's county); for a user of the whole city, whose
    full list would be the city's, the first township."""
    if not areas:
        return None
    if any(a.level in ("province", "city") for a in areas):
        return next((a for a in areas if a.level == "township"), areas[0])
    return areas[0]
