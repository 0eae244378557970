"""The low-income register (低收入人口信息库, DOMAIN §9): dated category memberships.

A household (or, for extreme hardship, one person) holds a category from a date; several at
once are normal (低保 and 三类户; 低保边缘 and 支出型困难). Every member of a household in a
category on a day is in the register on that day. The case services keep the dibao and
extreme-hardship memberships in step with confirmed and terminated cases
(:func:`sync_case_membership`); outside lists add 三类户 (:mod:`assistcase.io.outside_lists`);
a caseworker adds or ends any membership with :func:`add_membership` / :func:`end_membership`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Date, bindparam, select, text
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import FieldError, NotFoundError, ServiceResult, StateError, ValidationError
from ..models import Area, Household, Person
from ..models.monitoring import REGISTER_CATEGORIES, RegisterMembership
from ..rules.areas import code_like
from .audit import Auditor, resolve_user
from .auth import requires

CATEGORY_LABELS = {
    "dibao": ("dibao", "低保"),
    "tekun": ("extreme hardship", "特困"),
    "marginal": ("marginal", "低保边缘"),
    "monitored": ("monitored (三类户)", "三类户"),
    "hardship": ("expenditure hardship", "支出型困难"),
}


def area_prefix(area: Area) -> str:
    """The code prefix (with ``%``) of everything at or below ``area``."""
    return code_like(area.code, area.level)


def _area(s: Session, area_id: int) -> Area:
    area = s.get(Area, area_id)
    if area is None:
        raise NotFoundError("area", area_id, "区划")
    return area


def open_membership(s: Session, audit: Auditor, household_id: int, category: str,
                    valid_from: dt.date, source: str,
                    person_id: int | None = None) -> RegisterMembership | None:
    """Inside the caller's transaction: the household (or person) holds ``category`` from
    ``valid_from`` unless a membership of it is already open. Returns the new row, or None."""
    q = select(RegisterMembership).where(RegisterMembership.household_id == household_id,
                                         RegisterMembership.category == category,
                                         RegisterMembership.valid_until.is_(None))
    q = q.where(RegisterMembership.person_id.is_(None) if person_id is None
                else RegisterMembership.person_id == person_id)
    if s.scalar(q) is not None:
        return None
    row = RegisterMembership(household_id=household_id, person_id=person_id, category=category,
                             valid_from=valid_from, source=source[:100])
    s.add(row)
    s.flush()
    audit.created("register_membership", row.id,
                  {"category": category, "valid_from": valid_from, "person_id": person_id,
                   "source": source}, household_id)
    return row


def close_memberships(s: Session, audit: Auditor, household_id: int, category: str,
                      until: dt.date, person_id: int | None = None) -> int:
    """Inside the caller's transaction: end the open memberships of ``category`` from
    ``until`` (a membership that would end before it began is ended the day after it began)."""
    q = select(RegisterMembership).where(RegisterMembership.household_id == household_id,
                                         RegisterMembership.category == category,
                                         RegisterMembership.valid_until.is_(None))
    if person_id is not None:
        q = q.where(RegisterMembership.person_id == person_id)
    n = 0
    for row in s.scalars(q):
        end = max(until, row.valid_from + dt.timedelta(days=1))
        audit.apply(row, "register_membership", {"valid_until": end}, household_id)
        n += 1
    return n


def sync_case_membership(s: Session, audit: Auditor, case, active: bool) -> None:
    """Keep the dibao / extreme-hardship membership in step with a case that starts paying
    (``active``) or stops (called where ``households.category`` is kept)."""
    person_id = case.person_id if case.program == "tekun" else None
    if active:
        open_membership(s, audit, case.household_id, case.program,
                        case.paid_from or dt.date.today(), f"case {case.id}", person_id)
    else:
        until = case.paid_until or dt.date.today()
        close_memberships(s, audit, case.household_id, case.program, until, person_id)


def _check_category(errors: list[FieldError], category: object) -> None:
    if category not in REGISTER_CATEGORIES:
        errors.append(FieldError("category", "choose a register category: "
                                 + ", ".join(REGISTER_CATEGORIES),
                                 "请选择低收入人口类别：" + "、".join(
                                     v[1] for v in CATEGORY_LABELS.values())))


@requires("case.write")
def add_membership(db: Database, actor: str | int, household_id: int, category: str,
                   valid_from: dt.date, source: str = "",
                   person_id: int | None = None) -> ServiceResult:
    """Enter a household (or one of its members) in a register category from a date."""
    errors: list[FieldError] = []
    _check_category(errors, category)
    if not isinstance(valid_from, dt.date):
        errors.append(FieldError("valid_from", "give the date", "请填写纳入日期"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        hh = s.get(Household, household_id)
        if hh is None:
            raise NotFoundError("household", household_id, "户")
        if person_id is not None:
            p = s.get(Person, person_id)
            if p is None or p.household_id != hh.id:
                raise ValidationError.single("person_id", "the person must be a member of the "
                                             "household", "该人员不是本户成员")
        row = open_membership(s, Auditor(s, user), hh.id, category, valid_from,
                              source or "entered", person_id)
        if row is None:
            raise StateError(f"household {hh.number} is already in the register as {category}",
                             f"户 {hh.number} 已在低收入人口信息库中（"
                             f"{CATEGORY_LABELS[category][1]}）")
        return ServiceResult(household_ids={hh.id}, created_id=row.id)


@requires("case.write")
def end_membership(db: Database, actor: str | int, membership_id: int,
                   until: dt.date) -> ServiceResult:
    """End a membership from ``until`` (the first day no longer in the category)."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        row = s.get(RegisterMembership, membership_id)
        if row is None:
            raise NotFoundError("register membership", membership_id, "信息库记录")
        if row.valid_until is not None:
            raise StateError("the membership has already ended", "该记录已结束")
        if not isinstance(until, dt.date) or until <= row.valid_from:
            raise ValidationError.single("until", f"the end must be after {row.valid_from}",
                                         f"结束日期应晚于 {row.valid_from}")
        Auditor(s, user).apply(row, "register_membership", {"valid_until": until},
                               row.household_id)
        return ServiceResult(household_ids={row.household_id})


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilter:
    """The register on ``on`` under ``area_id`` (None: everywhere), of ``categories``
    (empty: all)."""

    on: dt.date
    area_id: int | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisterRow:
    person_id: int
    name: str
    id_number: str
    household_id: int
    household_number: str
    township: str
    village: str
    categories: tuple[str, ...]
    since: dt.date

    def categories_zh(self) -> str:
        return "、".join(CATEGORY_LABELS[c][1] for c in self.categories)


# Persons in the register on :on: the members on that day of households holding a category
# (or the person a personal membership names).
_ROW_COLUMNS = ("p.id, p.name, p.id_number, h.id, h.number, t.name, v.name, rm.category,"
                " rm.valid_from")
_PERSONS_SQL = """
SELECT {columns}
FROM register_memberships AS rm
JOIN households AS h ON h.id = rm.household_id
JOIN areas AS v ON v.id = h.village_id
JOIN areas AS t ON t.id = v.parent_id
JOIN household_memberships AS hm ON hm.household_id = h.id
     AND (rm.person_id IS NULL OR hm.person_id = rm.person_id)
     AND (hm.joined_on IS NULL OR hm.joined_on <= :on)
     AND (hm.left_on IS NULL OR hm.left_on > :on)
JOIN persons AS p ON p.id = hm.person_id
WHERE rm.valid_from <= :on AND (rm.valid_until IS NULL OR rm.valid_until > :on)
  AND v.code LIKE :prefix {categories}
"""


def _persons_sql(s: Session, flt: RegisterFilter, extra: str = "",
                 columns: str = _ROW_COLUMNS, outer: str = "{inner}") -> tuple:
    prefix = area_prefix(_area(s, flt.area_id)) if flt.area_id is not None else "%"
    cats = ""
    params: dict[str, object] = {"on": flt.on, "prefix": prefix}
    if flt.categories:
        bad = [c for c in flt.categories if c not in REGISTER_CATEGORIES]
        if bad:
            raise ValidationError.single("categories", f"unknown category {bad[0]}",
                                         f"未知类别：{bad[0]}")
        cats = "AND rm.category IN (" + ", ".join(f"'{c}'" for c in flt.categories) + ")"
    inner = _PERSONS_SQL.format(columns=columns, categories=cats) + extra
    sql = text(outer.format(inner=inner)).bindparams(bindparam("on", type_=Date))
    return sql, params


def register_rows(s: Session, flt: RegisterFilter, limit: int | None = 1000) -> list[RegisterRow]:
    """Persons in the register (one row per person, their categories together), by
    township, village, household number."""
    sql, params = _persons_sql(s, flt, " ORDER BY t.code, v.code, h.number, p.id")
    by_person: dict[int, list] = {}
    for r in s.execute(sql, params):
        row = by_person.get(r[0])
        if row is None:
            if limit is not None and len(by_person) >= limit:
                break
            by_person[r[0]] = [r[0], r[1], r[2], r[3], r[4], r[5], r[6], {r[7]}, r[8]]
        else:
            row[7].add(r[7])
            row[8] = min(row[8], r[8])
    order = {c: i for i, c in enumerate(REGISTER_CATEGORIES)}
    return [RegisterRow(*r[:7], tuple(sorted(r[7], key=order.get)), r[8])
            for r in by_person.values()]


@dataclass(frozen=True)
class RegisterCounts:
    on: dt.date
    persons: int                       # distinct persons in any category
    households: int
    by_category: dict[str, tuple[int, int]]  # category → (persons, households)


def register_counts(s: Session, flt: RegisterFilter) -> RegisterCounts:
    """The register's size on a day: distinct persons and households, and per category."""
    cols = "p.id AS pid, h.id AS hid, rm.category AS category"
    sql, params = _persons_sql(s, flt, columns=cols, outer=(
        "SELECT x.category, COUNT(DISTINCT x.pid), COUNT(DISTINCT x.hid) FROM ({inner}) AS x"
        " GROUP BY x.category"))
    by = {cat: (persons, households) for cat, persons, households in s.execute(sql, params)}
    sql, params = _persons_sql(s, flt, columns=cols, outer=(
        "SELECT COUNT(DISTINCT x.pid), COUNT(DISTINCT x.hid) FROM ({inner}) AS x"))
    persons, households = s.execute(sql, params).one()
    return RegisterCounts(flt.on, persons, households,
                          {c: by.get(c, (0, 0)) for c in REGISTER_CATEGORIES})


def export_register_xlsx(s: Session, flt: RegisterFilter, path: str | Path) -> int:
    """Write the register (every person, no limit) as .xlsx; returns the rows written."""
    from openpyxl import Workbook

    from ..files import replaced_on_success

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("低收入人口信息库")
    ws.append(["乡镇(街道)", "村(社区)", "户编号", "姓名", "公民身份号码", "类别", "纳入日期"])
    n = 0
    for r in register_rows(s, flt, limit=None):
        ws.append([r.township, r.village, r.household_number, r.name, r.id_number,
                   r.categories_zh(), r.since])
        n += 1
    with replaced_on_success(path) as tmp:
        wb.save(tmp)
    return n


def fill_from_categories(s: Session, on: dt.date, source: str) -> int:
    """Inside the caller's transaction: a membership for every active household of a category
    (``households.category``) that has none open of it, from the first month its open case of
    that category is paid, else ``on``; extreme hardship is the case's person's (else the
    head's). Set-based (the demo generator; the migration does the
    same for existing databases). Returns the rows added."""
    result = s.execute(text(
        "INSERT INTO register_memberships (household_id, person_id, category, valid_from,"
        " valid_until, source, created_at)"
        " SELECT h.id, CASE WHEN h.category = 'tekun' THEN COALESCE((SELECT MIN(c.person_id)"
        "   FROM assistance_cases AS c WHERE c.household_id = h.id AND c.program = 'tekun'"
        "   AND c.status IN ('active', 'suspended')), h.head_person_id) END,"
        " h.category, COALESCE((SELECT MIN(c.paid_from) FROM"
        "   assistance_cases AS c WHERE c.household_id = h.id AND c.program = h.category"
        "   AND c.status IN ('active', 'suspended')), :on), NULL, :source, :now"
        " FROM households AS h WHERE h.status = 'active' AND h.category <> 'none'"
        " AND NOT EXISTS (SELECT 1 FROM register_memberships AS rm WHERE rm.household_id = h.id"
        "   AND rm.category = h.category AND rm.valid_until IS NULL)").bindparams(
            bindparam("on", type_=Date)),
        {"on": on, "source": source,
         "now": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")})
    return result.rowcount
