"""Standards and policy settings in the database: saving (validated, audited) and resolving
what applies to an area, with inheritance from the areas above it.

An area uses the standard of its nearest ancestor (itself included) that has one in force on
the first day of the month; a policy setting likewise comes from the nearest area that sets
it, else DOMAIN.md's default (:data:`assistcase.standards.POLICY_KEYS`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import FieldError, NotFoundError, ServiceResult, ValidationError, Warning_
from ..models import Area, PolicySetting, Standard
from ..models.assistance import STANDARD_KINDS, STANDARD_PERIODS
from ..models.registry import RESIDENCE_CLASSES
from ..standards import (CLASS_ZH, KIND_LABELS, POLICY_KEYS, STANDARD_AREA_LEVELS, History,
                         Policy, first_of_month, in_force, minimum_tekun_basic, monthly_fen,
                         yuan)
from .audit import Auditor, resolve_user


@dataclass
class StandardInput:
    """A standard as published: ``amount_fen`` per person per ``period`` ('month' or 'year')."""

    area_id: int
    residence_class: str
    kind: str
    effective_from: dt.date
    amount_fen: int
    period: str = "month"
    note: str = ""


@dataclass(frozen=True)
class StandardRow:
    id: int
    area_id: int
    area_name: str
    residence_class: str
    kind: str
    effective_from: dt.date
    entered_fen: int
    period: str
    monthly_fen: int
    note: str


# --- resolving ----------------------------------------------------------------------------


def ancestors(s: Session, area_id: int) -> list[Area]:
    """The area and the areas above it, nearest first."""
    chain = []
    area = s.get(Area, area_id)
    if area is None:
        raise NotFoundError("area", area_id, "区划")
    while area is not None:
        chain.append(area)
        area = s.get(Area, area.parent_id) if area.parent_id else None
    return chain


def _rows_by_area(s: Session, area_ids: list[int], residence_class: str,
                  kind: str) -> dict[int, list[tuple[dt.date, int]]]:
    out: dict[int, list[tuple[dt.date, int]]] = {a: [] for a in area_ids}
    stmt = (select(Standard.area_id, Standard.effective_from, Standard.monthly_fen)
            .where(Standard.area_id.in_(area_ids), Standard.residence_class == residence_class,
                   Standard.kind == kind))
    for area_id, since, fen in s.execute(stmt):
        out[area_id].append((since, fen))
    return out


def standard_history(s: Session, area_id: int, residence_class: str, kind: str) -> History:
    """The standard as seen from ``area_id`` over time: (effective_from, monthly fen) such
    that :func:`~assistcase.standards.in_force` on it gives, for any month, the standard of
    the nearest area (this one or above) that has one in force on the month's first day."""
    chain = [a.id for a in ancestors(s, area_id)]
    by_area = _rows_by_area(s, chain, residence_class, kind)
    dates = sorted({since for rows in by_area.values() for since, _ in rows})
    merged: list[tuple[dt.date, int]] = []
    for day in dates:  # resolved on the change dates themselves, not their months
        for a in chain:
            row = max((r for r in by_area[a] if r[0] <= day), default=None)
            if row is not None:
                if not merged or merged[-1][1] != row[1]:
                    merged.append((day, row[1]))
                break
    return merged


def standard_for(s: Session, area_id: int, residence_class: str, kind: str,
                 month: dt.date) -> tuple[dt.date, int] | None:
    """The (effective_from, monthly fen) that ``month`` uses in ``area_id``, or None."""
    return in_force(standard_history(s, area_id, residence_class, kind), month)


def policy_sources(s: Session, area_id: int) -> dict[str, tuple[int | str, Area | None]]:
    """Each policy key's value for the area and the area that set it (None: the default)."""
    chain = ancestors(s, area_id)
    rows = {(p.area_id, p.key): p.value for p in
            s.scalars(select(PolicySetting).where(PolicySetting.area_id.in_([a.id for a in chain])))}
    out: dict[str, tuple[int | str, Area | None]] = {}
    for key, spec in POLICY_KEYS.items():
        out[key] = (spec.default, None)
        for area in chain:
            if (area.id, key) in rows:
                out[key] = (spec.parse(rows[(area.id, key)]), area)
                break
    return out


def policy_for(s: Session, area_id: int) -> Policy:
    """The policy settings in force for an area (inherited, else the defaults)."""
    return Policy.from_values({k: v for k, (v, _a) in policy_sources(s, area_id).items()})


def standard_rows(s: Session, area_id: int, residence_class: str | None = None) -> list[StandardRow]:
    """The standards entered for the area itself, newest first within each kind."""
    stmt = (select(Standard, Area.name).join(Area, Area.id == Standard.area_id)
            .where(Standard.area_id == area_id))
    if residence_class:
        stmt = stmt.where(Standard.residence_class == residence_class)
    stmt = stmt.order_by(Standard.residence_class, Standard.kind, Standard.effective_from.desc())
    return [StandardRow(r.id, r.area_id, name, r.residence_class, r.kind, r.effective_from,
                        r.entered_fen, r.period, r.monthly_fen, r.note)
            for r, name in s.execute(stmt)]


def standard_areas(s: Session) -> list[tuple[int, str, str]]:
    """(id, name, level) of the areas a standard may be set for, province first."""
    stmt = (select(Area.id, Area.name, Area.level).where(Area.level.in_(STANDARD_AREA_LEVELS))
            .order_by(Area.code))
    return [tuple(r) for r in s.execute(stmt)]


# --- saving -------------------------------------------------------------------------------


def _describe(area: Area, residence_class: str, kind: str) -> tuple[str, str]:
    en, zh = KIND_LABELS[kind]
    return (f"{en} of {area.name} ({residence_class})",
            f"{area.name}{CLASS_ZH[residence_class]}{zh}")


def _check_tekun(s: Session, area: Area, data: StandardInput, monthly: int,
                 errors: list[FieldError], warnings: list[Warning_]) -> None:
    """The basic living standard ≥ factor × dibao standard of the same area, class and date."""
    factor = policy_for(s, area.id).tekun_factor_pct
    shown = f"{factor / 100:g}"
    if data.kind == "tekun_basic":
        dibao = standard_for(s, area.id, data.residence_class, "dibao", data.effective_from)
        if dibao is None:
            errors.append(FieldError(
                "effective_from",
                f"no dibao standard of {area.name} ({data.residence_class}) is in force on "
                f"{data.effective_from}; enter it first so the {shown}× rule can be checked",
                f"{data.effective_from} {area.name}{CLASS_ZH[data.residence_class]}没有适用的低保标准，"
                f"请先录入低保标准（特困基本生活标准须不低于其 {shown} 倍）"))
            return
        minimum = minimum_tekun_basic(dibao[1], factor)
        if monthly < minimum:
            errors.append(FieldError(
                "amount_fen",
                f"the extreme-hardship basic living standard {yuan(monthly)} yuan/month is below "
                f"{shown} × the dibao standard {yuan(dibao[1])} yuan = {yuan(minimum)} yuan "
                f"({area.name}, {data.residence_class}, {data.effective_from})",
                f"特困人员基本生活标准每月 {yuan(monthly)} 元低于低保标准 {yuan(dibao[1])} 元的 "
                f"{shown} 倍（{yuan(minimum)} 元）（{area.name}{CLASS_ZH[data.residence_class]}，"
                f"{data.effective_from} 起），不能保存"))
    elif data.kind == "dibao":
        basic = standard_for(s, area.id, data.residence_class, "tekun_basic", data.effective_from)
        minimum = minimum_tekun_basic(monthly, factor)
        if basic is not None and basic[1] < minimum:
            warnings.append(Warning_(
                "amount_fen",
                f"the extreme-hardship basic living standard in force then, {yuan(basic[1])} "
                f"yuan, is below {shown} × {yuan(monthly)} = {yuan(minimum)} yuan: raise it too",
                f"同期特困人员基本生活标准 {yuan(basic[1])} 元低于新低保标准的 {shown} 倍"
                f"（{yuan(minimum)} 元），请一并调整"))


def save_standard(db: Database, actor: str | int, data: StandardInput) -> ServiceResult:
    """Save a standard from its effective date. A row for the same area, class, kind and date
    is corrected in place; any other date adds to the history. Refused (with the figures)
    when an extreme-hardship basic living standard is below factor × the dibao standard."""
    errors: list[FieldError] = []
    if data.residence_class not in RESIDENCE_CLASSES:
        errors.append(FieldError("residence_class", "choose urban or rural", "请选择城市或农村"))
    if data.kind not in STANDARD_KINDS:
        errors.append(FieldError("kind", f"unknown kind of standard {data.kind!r}",
                                 f"标准类别无效：{data.kind}"))
    if data.period not in STANDARD_PERIODS:
        errors.append(FieldError("period", "the standard is per month or per year",
                                 "标准应按月或按年录入"))
    if not isinstance(data.effective_from, dt.date):
        errors.append(FieldError("effective_from", "give the date the standard takes effect",
                                 "请填写执行日期"))
    if not isinstance(data.amount_fen, int) or isinstance(data.amount_fen, bool) \
            or data.amount_fen <= 0:
        errors.append(FieldError("amount_fen", "the amount must be a positive number of fen",
                                 "金额必须大于0"))
    if errors:
        raise ValidationError(errors)
    monthly = monthly_fen(data.amount_fen, data.period)
    with db.begin() as s:
        user = resolve_user(s, actor)
        area = s.get(Area, data.area_id)
        if area is None or area.level not in STANDARD_AREA_LEVELS:
            raise ValidationError.single("area_id", "standards are set for a county, city or province",
                                         "保障标准应按县（市、区）、市或省设定")
        warnings: list[Warning_] = []
        _check_tekun(s, area, data, monthly, errors, warnings)
        if errors:
            raise ValidationError(errors)
        values = {"area_id": area.id, "residence_class": data.residence_class,
                  "kind": data.kind, "effective_from": data.effective_from,
                  "entered_fen": data.amount_fen, "period": data.period,
                  "monthly_fen": monthly, "note": data.note.strip()}
        audit = Auditor(s, user)
        row = s.scalar(select(Standard).where(
            Standard.area_id == area.id, Standard.residence_class == data.residence_class,
            Standard.kind == data.kind, Standard.effective_from == data.effective_from))
        if row is None:
            row = Standard(**values)
            s.add(row)
            s.flush()
            audit.created("standard", row.id, values)
        else:
            audit.apply(row, "standard", {k: values[k] for k in
                                          ("entered_fen", "period", "monthly_fen", "note")})
        return ServiceResult(created_id=row.id, warnings=warnings)


def delete_standard(db: Database, actor: str | int, standard_id: int) -> ServiceResult:
    """Delete a standard entered by mistake (audited field by field)."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        row = s.get(Standard, standard_id)
        if row is None:
            raise NotFoundError("standard", standard_id, "保障标准")
        values = {c.key: getattr(row, c.key) for c in Standard.__table__.columns
                  if c.key not in ("id", "created_at")}
        Auditor(s, user).deleted("standard", row.id, values)
        s.delete(row)
        return ServiceResult()


def set_policy(db: Database, actor: str | int, area_id: int,
               values: dict[str, int | str]) -> ServiceResult:
    """Set policy values for an area (the areas below inherit them). Audited per key."""
    errors = [FieldError(k, "unknown policy setting", "未知的政策设置项") for k in values
              if k not in POLICY_KEYS]
    errors += [e for k, v in values.items() if k in POLICY_KEYS
               for e in [POLICY_KEYS[k].check(v)] if e is not None]
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        area = s.get(Area, area_id)
        if area is None or area.level not in STANDARD_AREA_LEVELS:
            # Rules are a county's or city's (the set-based recalculation resolves them per
            # county), never a township's or village's.
            raise ValidationError.single("area_id", "policy is set for a county, city or province",
                                         "政策设置应按县（市、区）、市或省设定")
        audit = Auditor(s, user)
        current = policy_sources(s, area.id)
        rows = {p.key: p for p in
                s.scalars(select(PolicySetting).where(PolicySetting.area_id == area.id))}
        for key, value in values.items():
            row = rows.get(key)
            if row is None:
                s.add(PolicySetting(area_id=area.id, key=key, value=str(value)))
                audit.updated("policy", area.id, key, current[key][0], value)
            elif row.value != str(value):
                audit.updated("policy", area.id, key, row.value, value)
                row.value = str(value)
        return ServiceResult()


def clear_policy(db: Database, actor: str | int, area_id: int, key: str) -> ServiceResult:
    """Remove an area's own value so it inherits again (audited)."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        row = s.scalar(select(PolicySetting).where(PolicySetting.area_id == area_id,
                                                   PolicySetting.key == key))
        if row is not None:
            Auditor(s, user).updated("policy", area_id, key, row.value, None)
            s.delete(row)
        return ServiceResult()


def month_standards(s: Session, area_id: int, residence_class: str,
                    month: dt.date) -> dict[str, tuple[dt.date, int] | None]:
    """Every kind of standard ``month`` uses in the area."""
    month = first_of_month(month)
    return {k: standard_for(s, area_id, residence_class, k, month) for k in STANDARD_KINDS}
