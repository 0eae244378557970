"""Standards and policy settings in the database: saving (validated, audited) and resolving
what applies to an area, with inheritance from the areas above it.

An area uses the standard of its nearest ancestor (itself included) that has one in force on
the first day of the month; a policy setting likewise comes from the nearest area that sets
it (the row with the latest ``effective_from`` on or before the date), else DOMAIN.md's
default (:data:`assistcase.standards.POLICY_KEYS`).

The extreme-hardship rule (DOMAIN §5) is an invariant of the saved data, not a check of one
input: every write that can move it (a dibao or basic living standard saved or deleted, the
factor set or cleared) is written, flushed, and then the rule is verified with the same
resolution the payments use over every area at or below the changed one and every date from
the change on; a breach the write made raises and the transaction rolls back
(:class:`_TekunRule`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import FieldError, NotFoundError, ServiceResult, StateError, ValidationError
from ..models import Area, PolicySetting, Standard
from ..models.assistance import STANDARD_KINDS, STANDARD_PERIODS
from ..models.registry import RESIDENCE_CLASSES
from ..rules.standards import (CLASS_ZH, KIND_LABELS, POLICY_KEYS, STANDARD_AREA_LEVELS, History,
                         Notice, Policy, TekunBreach, first_of_month, in_force, monthly_fen,
                         on_day, tekun_rule_breaches)
from ..rules.money import yuan
from .audit import Auditor, resolve_user
from .auth import requires

# The kinds and the policy key the extreme-hardship rule ties together.
TEKUN_RULE_KINDS = ("dibao", "tekun_basic")
FACTOR_KEY = "tekun_factor_pct"


@dataclass
class StandardInput:
    """A standard as published: ``amount_fen`` per person per ``period`` ('month' or 'year'),
    from the notice ``source`` (title, 文号, date of issue)."""

    area_id: int
    residence_class: str
    kind: str
    effective_from: dt.date
    amount_fen: int
    period: str = "month"
    note: str = ""
    source: Notice = field(default_factory=Notice)


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
    source: Notice = Notice()


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


def _notice(row: Standard | PolicySetting) -> Notice:
    return Notice(row.source_title, row.source_number, row.source_issued_on)


def _rows_by_area(s: Session, area_ids: list[int], residence_class: str, kinds: tuple[str, ...]
                  ) -> dict[str, dict[int, list[tuple[dt.date, int, Notice]]]]:
    """The standard rows of ``area_ids`` for a class, by kind and area (one query for all
    the kinds)."""
    out = {k: {a: [] for a in area_ids} for k in kinds}
    stmt = (select(Standard.kind, Standard.area_id, Standard.effective_from,
                   Standard.monthly_fen, Standard.source_title, Standard.source_number,
                   Standard.source_issued_on)
            .where(Standard.area_id.in_(area_ids), Standard.residence_class == residence_class,
                   Standard.kind.in_(kinds)))
    for kind, area_id, since, fen, title, number, issued in s.execute(stmt):
        out[kind][area_id].append((since, fen, Notice(title, number, issued)))
    return out


def _resolved_kinds(s: Session, area_id: int, residence_class: str, kinds: tuple[str, ...]
                    ) -> dict[str, list[tuple[dt.date, int, Notice]]]:
    """For each of ``kinds``: (date, monthly fen, notice) of the row in force in ``area_id``
    from each change date of any area of its chain, resolved on the change dates themselves
    (not their months)."""
    chain = [a.id for a in ancestors(s, area_id)]
    resolved = {}
    for kind, by_area in _rows_by_area(s, chain, residence_class, kinds).items():
        dates = sorted({row[0] for rows in by_area.values() for row in rows})
        out = []
        for day in dates:
            for a in chain:
                row = max((r for r in by_area[a] if r[0] <= day), default=None,
                          key=lambda r: r[0])
                if row is not None:
                    out.append((day, row[1], row[2]))
                    break
        resolved[kind] = out
    return resolved


def _resolved(s: Session, area_id: int, residence_class: str,
              kind: str) -> list[tuple[dt.date, int, Notice]]:
    return _resolved_kinds(s, area_id, residence_class, (kind,))[kind]


def standard_history(s: Session, area_id: int, residence_class: str, kind: str) -> History:
    """The standard as seen from ``area_id`` over time: (effective_from, monthly fen) such
    that :func:`~assistcase.standards.in_force` on it gives, for any month, the standard of
    the nearest area (this one or above) that has one in force on the month's first day."""
    return _merged(_resolved(s, area_id, residence_class, kind))


def _merged(resolved: list[tuple[dt.date, int, Notice]]) -> History:
    merged: list[tuple[dt.date, int]] = []
    for day, fen, _notice in resolved:
        if not merged or merged[-1][1] != fen:
            merged.append((day, fen))
    return merged


def standard_notices(s: Session, area_id: int, residence_class: str,
                     kind: str) -> list[tuple[dt.date, Notice]]:
    """The notice of the standard in force in ``area_id`` over time, (from, notice): what
    :func:`~assistcase.standards.in_force` gives for a month names the notice of the figure
    that month uses (an empty :class:`Notice` for rows entered without one)."""
    merged: list[tuple[dt.date, Notice]] = []
    for day, _fen, notice in _resolved(s, area_id, residence_class, kind):
        if not merged or merged[-1][1] != notice:
            merged.append((day, notice))
    return merged


def standard_for(s: Session, area_id: int, residence_class: str, kind: str,
                 month: dt.date) -> tuple[dt.date, int] | None:
    """The (effective_from, monthly fen) that ``month`` uses in ``area_id``, or None."""
    return in_force(standard_history(s, area_id, residence_class, kind), month)


def standards_for(s: Session, area_id: int, residence_class: str, kinds: tuple[str, ...],
                  month: dt.date) -> dict[str, tuple[dt.date, int] | None]:
    """:func:`standard_for` of several kinds at once (one query: a month's recalculation
    resolves five kinds for each county and class)."""
    return {kind: in_force(_merged(rows), month)
            for kind, rows in _resolved_kinds(s, area_id, residence_class, kinds).items()}


@dataclass(frozen=True)
class PolicyValue:
    """A policy value in force: where it was set (None: DOMAIN.md's default), from when, and
    the notice it comes from."""

    value: int | str
    area: Area | None = None
    effective_from: dt.date | None = None
    source: Notice = Notice()


def _policy_rows(s: Session, area_ids: list[int], key: str | None = None) -> list[PolicySetting]:
    stmt = select(PolicySetting).where(PolicySetting.area_id.in_(area_ids))
    if key is not None:
        stmt = stmt.where(PolicySetting.key == key)
    return list(s.scalars(stmt))


def policy_values(s: Session, area_id: int, on: dt.date | None = None) -> dict[str, PolicyValue]:
    """Each policy key's value in force in the area on ``on`` (default: today): the row of the
    nearest area (itself or above) that has one, the one with the latest ``effective_from`` on
    or before ``on``; else the default. A payment month passes its first day."""
    on = on or dt.date.today()
    chain = ancestors(s, area_id)
    latest: dict[tuple[int, str], PolicySetting] = {}
    for p in _policy_rows(s, [a.id for a in chain]):
        if p.effective_from <= on:
            best = latest.get((p.area_id, p.key))
            if best is None or p.effective_from > best.effective_from:
                latest[(p.area_id, p.key)] = p
    out: dict[str, PolicyValue] = {}
    for key, spec in POLICY_KEYS.items():
        out[key] = PolicyValue(spec.default)
        for area in chain:
            row = latest.get((area.id, key))
            if row is not None:
                out[key] = PolicyValue(spec.parse(row.value), area, row.effective_from,
                                       _notice(row))
                break
    return out


@dataclass(frozen=True)
class PolicyInForce:
    """One policy key in force in an area, as a plain view: the value, the name of the area
    that set it (None: the default), from when, and the notice it comes from."""

    value: int | str
    area_name: str | None
    effective_from: dt.date | None
    source: Notice


def policy_in_force(s: Session, area_id: int,
                    on: dt.date | None = None) -> dict[str, PolicyInForce]:
    """:func:`policy_values` as plain views (no ORM object leaves the session)."""
    return {k: PolicyInForce(v.value, v.area.name if v.area is not None else None,
                             v.effective_from, v.source)
            for k, v in policy_values(s, area_id, on).items()}


def policy_sources(s: Session, area_id: int,
                   on: dt.date | None = None) -> dict[str, tuple[int | str, Area | None]]:
    """Each policy key's value in force on ``on`` (default: today) and the area that set it
    (None: the default)."""
    return {k: (v.value, v.area) for k, v in policy_values(s, area_id, on).items()}


def policy_for(s: Session, area_id: int, on: dt.date | None = None) -> Policy:
    """The policy settings in force for an area on ``on`` (default: today; a payment month
    passes its first day), inherited, else the defaults."""
    return Policy.from_values({k: v.value for k, v in policy_values(s, area_id, on).items()})


def policy_history(s: Session, area_id: int, key: str) -> History:
    """The value of one key as seen from ``area_id`` over time, (from, value); before its
    first row the default applies."""
    chain = [a.id for a in ancestors(s, area_id)]
    rows = _policy_rows(s, chain, key)
    spec = POLICY_KEYS[key]
    out: list[tuple[dt.date, int | str]] = []
    for day in sorted({p.effective_from for p in rows}):
        for a in chain:
            mine = [p for p in rows if p.area_id == a and p.effective_from <= day]
            if mine:
                value = spec.parse(max(mine, key=lambda p: p.effective_from).value)
                if not out or out[-1][1] != value:
                    out.append((day, value))
                break
    return out


@dataclass(frozen=True)
class PolicyRow:
    """A policy value an area set itself, from a date."""

    id: int
    area_id: int
    key: str
    value: int | str
    effective_from: dt.date
    source: Notice


def policy_rows(s: Session, area_id: int) -> list[PolicyRow]:
    """The policy values the area set itself, by key, newest first within each key."""
    stmt = (select(PolicySetting).where(PolicySetting.area_id == area_id)
            .order_by(PolicySetting.key, PolicySetting.effective_from.desc()))
    return [PolicyRow(p.id, p.area_id, p.key, POLICY_KEYS[p.key].parse(p.value)
                      if p.key in POLICY_KEYS else p.value, p.effective_from, _notice(p))
            for p in s.scalars(stmt)]


def standard_rows(s: Session, area_id: int, residence_class: str | None = None) -> list[StandardRow]:
    """The standards entered for the area itself, newest first within each kind."""
    stmt = (select(Standard, Area.name).join(Area, Area.id == Standard.area_id)
            .where(Standard.area_id == area_id))
    if residence_class:
        stmt = stmt.where(Standard.residence_class == residence_class)
    stmt = stmt.order_by(Standard.residence_class, Standard.kind, Standard.effective_from.desc())
    return [StandardRow(r.id, r.area_id, name, r.residence_class, r.kind, r.effective_from,
                        r.entered_fen, r.period, r.monthly_fen, r.note, _notice(r))
            for r, name in s.execute(stmt)]


def standard_areas(s: Session) -> list[tuple[int, str, str]]:
    """(id, name, level) of the areas a standard may be set for, province first."""
    stmt = (select(Area.id, Area.name, Area.level).where(Area.level.in_(STANDARD_AREA_LEVELS))
            .order_by(Area.code))
    return [tuple(r) for r in s.execute(stmt)]


# --- saving -------------------------------------------------------------------------------


def _check_source(errors: list[FieldError], source: Notice, prefix: str = "") -> None:
    if not isinstance(source, Notice):
        errors.append(FieldError(f"{prefix}source", "the notice is a title, number and date",
                                 "发文依据应包括文件标题、文号和发文日期"))
        return
    if len(source.title) > 200 or len(source.number) > 64:
        errors.append(FieldError(f"{prefix}source",
                                 "the notice title is at most 200 characters, its number 64",
                                 "文件标题不超过200字，文号不超过64字"))
    if source.issued_on is not None and not isinstance(source.issued_on, dt.date):
        errors.append(FieldError(f"{prefix}source.issued_on", "the date of issue is a date",
                                 "发文日期无效"))


def _source_values(source: Notice) -> dict[str, object]:
    return {"source_title": source.title.strip(), "source_number": source.number.strip(),
            "source_issued_on": source.issued_on}


def _standard_area(s: Session, area_id: int, field_name: str = "area_id") -> Area:
    area = s.get(Area, area_id)
    if area is None or area.level not in STANDARD_AREA_LEVELS:
        raise ValidationError.single(field_name, "standards are set for a county, city or province",
                                     "保障标准应按县（市、区）、市或省设定")
    return area


def _areas_at_or_below(s: Session, roots: dict[int, dt.date]) -> dict[int, dt.date]:
    """Every area a standard or policy may be set for at or below the ``roots``, with the
    earliest date from which a root above it (or itself) changed."""
    children: dict[int | None, list[int]] = {}
    for area_id, parent_id in s.execute(select(Area.id, Area.parent_id)
                                        .where(Area.level.in_(STANDARD_AREA_LEVELS))):
        children.setdefault(parent_id, []).append(area_id)
    out: dict[int, dt.date] = {}
    for root, since in roots.items():
        todo = [root]
        while todo:
            a = todo.pop()
            if a not in out or since < out[a]:
                out[a] = since
            todo.extend(children.get(a, ()))
    return out


def _tekun_breaches(s: Session, roots: dict[int, dt.date]) -> list[tuple[Area, str, TekunBreach]]:
    """Every date on which the extreme-hardship rule does not hold in an area at or below one
    of ``roots``, from the root's date on (the higher areas first)."""
    if not roots:
        return []
    s.flush()
    areas = _areas_at_or_below(s, roots)
    out = []
    for area in sorted((s.get(Area, a) for a in areas), key=lambda a: a.code):
        factor = policy_history(s, area.id, FACTOR_KEY)
        for cls in RESIDENCE_CLASSES:
            for b in tekun_rule_breaches(standard_history(s, area.id, cls, "dibao"),
                                         standard_history(s, area.id, cls, "tekun_basic"),
                                         factor, areas[area.id]):
                out.append((area, cls, b))
    return out


class _TekunRule:
    """The extreme-hardship rule around one write: ``before`` notes the breaches that already
    exist (data saved before the rule was enforced everywhere, which an unrelated save must not
    be blocked by), ``after`` raises — rolling the transaction back — on any breach the write
    made: a figure below factor × dibao on any date from the change on, at or below the area."""

    def __init__(self, s: Session, roots: dict[int, dt.date]):
        self.s, self.roots = s, roots
        self.known = {(a.id, cls, b) for a, cls, b in _tekun_breaches(s, roots)}

    def after(self, field_name: str) -> None:
        errors: list[FieldError] = []
        reported: set[tuple] = set()
        done: set[tuple[int, str]] = set()
        for area, cls, b in _tekun_breaches(self.s, self.roots):
            if (area.id, cls, b) in self.known or (area.id, cls) in done \
                    or (cls, b) in reported:  # an area below inherits the same figures
                continue
            done.add((area.id, cls))  # the first date is enough for each area and class
            reported.add((cls, b))
            shown = f"{b.factor_pct / 100:g}"
            errors.append(FieldError(
                field_name,
                f"the extreme-hardship basic living standard {yuan(b.basic_fen)} yuan/month "
                f"in force in {area.name} ({cls}) on {b.day} would be below {shown} × the "
                f"dibao standard {yuan(b.dibao_fen)} yuan = {yuan(b.minimum_fen)} yuan; "
                "save the two together, or raise the basic living standard first",
                f"{b.day} 起{area.name}{CLASS_ZH[cls]}特困人员基本生活标准每月 "
                f"{yuan(b.basic_fen)} 元将低于低保标准 {yuan(b.dibao_fen)} 元的 {shown} 倍"
                f"（{yuan(b.minimum_fen)} 元），不能保存；请同时调整特困人员基本生活标准"))
            if len(errors) >= 6:
                break
        if errors:
            raise ValidationError(errors)


def _check_input(data: StandardInput, prefix: str, errors: list[FieldError]) -> None:
    if data.residence_class not in RESIDENCE_CLASSES:
        errors.append(FieldError(f"{prefix}residence_class", "choose urban or rural",
                                 "请选择城市或农村"))
    if data.kind not in STANDARD_KINDS:
        errors.append(FieldError(f"{prefix}kind", f"unknown kind of standard {data.kind!r}",
                                 f"标准类别无效：{data.kind}"))
    if data.period not in STANDARD_PERIODS:
        errors.append(FieldError(f"{prefix}period", "the standard is per month or per year",
                                 "标准应按月或按年录入"))
    if not isinstance(data.effective_from, dt.date):
        errors.append(FieldError(f"{prefix}effective_from",
                                 "give the date the standard takes effect", "请填写执行日期"))
    if not isinstance(data.amount_fen, int) or isinstance(data.amount_fen, bool) \
            or data.amount_fen <= 0:
        errors.append(FieldError(f"{prefix}amount_fen",
                                 "the amount must be a positive number of fen", "金额必须大于0"))
    _check_source(errors, data.source, prefix)


def _needs_dibao(s: Session, area: Area, data: StandardInput, prefix: str) -> FieldError | None:
    """A basic living standard needs a dibao standard in force on its date to be checked."""
    if on_day(standard_history(s, area.id, data.residence_class, "dibao"),
              data.effective_from) is not None:
        return None
    factor = policy_for(s, area.id, data.effective_from).tekun_factor_pct
    shown = f"{factor / 100:g}"
    return FieldError(
        f"{prefix}effective_from",
        f"no dibao standard of {area.name} ({data.residence_class}) is in force on "
        f"{data.effective_from}; enter it first so the {shown}× rule can be checked",
        f"{data.effective_from} {area.name}{CLASS_ZH[data.residence_class]}没有适用的低保标准，"
        f"请先录入低保标准（特困基本生活标准须不低于其 {shown} 倍）")


@requires("standards.write")
def save_standards(db: Database, actor: str | int, items: list[StandardInput]) -> ServiceResult:
    """Save several standards in one transaction (a notice's new figures published together,
    e.g. the dibao standard and the extreme-hardship basic living standard raised at once).
    Each is saved from its effective date: a row for the same area, class, kind and date is
    corrected in place; any other date adds to the history. The extreme-hardship rule is
    checked once, after all are written, over every area at or below each changed one and
    every date from its change on; a breach refuses the whole save, naming both figures, the
    area and the date. ``created_id`` is the last item's row."""
    items = list(items)
    if not items:
        return ServiceResult()
    errors: list[FieldError] = []
    many = len(items) > 1
    for i, data in enumerate(items):
        _check_input(data, f"items[{i}]." if many else "", errors)
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        audit = Auditor(s, user)
        areas = [_standard_area(s, data.area_id, f"items[{i}].area_id" if many else "area_id")
                 for i, data in enumerate(items)]
        for area in areas:
            refuse_received(s, area)
        roots: dict[int, dt.date] = {}
        for area, data in zip(areas, items):
            if data.kind in TEKUN_RULE_KINDS:
                roots[area.id] = min(data.effective_from, roots.get(area.id, data.effective_from))
        rule = _TekunRule(s, roots)
        row = None
        for area, data in zip(areas, items):
            monthly = monthly_fen(data.amount_fen, data.period)
            values = {"area_id": area.id, "residence_class": data.residence_class,
                      "kind": data.kind, "effective_from": data.effective_from,
                      "entered_fen": data.amount_fen, "period": data.period,
                      "monthly_fen": monthly, "note": data.note.strip(),
                      **_source_values(data.source)}
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
                                              ("entered_fen", "period", "monthly_fen", "note",
                                               "source_title", "source_number",
                                               "source_issued_on")})
        s.flush()
        for i, data in enumerate(items):
            if data.kind == "tekun_basic":
                missing = _needs_dibao(s, s.get(Area, data.area_id), data,
                                       f"items[{i}]." if many else "")
                if missing is not None:
                    errors.append(missing)
        if errors:
            raise ValidationError(errors)
        rule.after("amount_fen")
        return ServiceResult(created_id=row.id)


@requires("standards.write", area="data.area_id")
def save_standard(db: Database, actor: str | int, data: StandardInput) -> ServiceResult:
    """Save one standard: :func:`save_standards` of one item."""
    return save_standards(db, actor, [data])


@requires("standards.write", standard="standard_id")
def delete_standard(db: Database, actor: str | int, standard_id: int) -> ServiceResult:
    """Delete a standard entered by mistake (audited field by field). Refused when the
    extreme-hardship rule would no longer hold (e.g. deleting a raised basic living standard
    while the raised dibao standard stays)."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        row = s.get(Standard, standard_id)
        if row is None:
            raise NotFoundError("standard", standard_id, "保障标准")
        refuse_received(s, s.get(Area, row.area_id))
        values = {c.key: getattr(row, c.key) for c in Standard.__table__.columns
                  if c.key not in ("id", "created_at")}
        Auditor(s, user).deleted("standard", row.id, values)
        rule = _TekunRule(s, {row.area_id: row.effective_from}
                          if row.kind in TEKUN_RULE_KINDS else {})
        s.delete(row)
        rule.after("standard")
        return ServiceResult()


def refuse_received(s: Session, area: Area) -> None:
    """An area whose standards or policy arrived from a bureau's return package
    (``origin_site`` set, services/exchange_return) is the bureau's to change: at a township
    its rows are read-only copies, replaced only by the bureau's next package."""
    origin = (s.scalar(select(Standard.origin_site).where(
        Standard.area_id == area.id, Standard.origin_site.is_not(None)).limit(1))
        or s.scalar(select(PolicySetting.origin_site).where(
            PolicySetting.area_id == area.id, PolicySetting.origin_site.is_not(None)).limit(1)))
    if origin is not None:
        raise StateError(
            f"the standards and policy of {area.name} are set by the bureau {origin} and "
            "arrive with its return packages: they cannot be changed here",
            f"{area.name}的保障标准和政策由救助局（{origin}）设定并随回传数据包下发，本地不能修改")


def _policy_area(s: Session, area_id: int) -> Area:
    area = s.get(Area, area_id)
    if area is None or area.level not in STANDARD_AREA_LEVELS:
        # Rules are a county's or city's (the set-based recalculation resolves them per
        # county), never a township's or village's.
        raise ValidationError.single("area_id", "policy is set for a county, city or province",
                                     "政策设置应按县（市、区）、市或省设定")
    return area


@requires("standards.write", area="area_id")
def set_policy(db: Database, actor: str | int, area_id: int, values: dict[str, int | str],
               effective_from: dt.date | None = None,
               source: Notice | None = None) -> ServiceResult:
    """Set policy values for an area from ``effective_from`` (default: today), from the notice
    ``source``; the areas below inherit them. A value set again on the same date is corrected
    in place; from any other date a row is added and the history kept, so the months before
    keep the value they had. Audited per key (old value: the one in force on that date).
    Raising the extreme-hardship factor is refused when a standard in force from that date on,
    in the area or below, would break it."""
    effective_from = dt.date.today() if effective_from is None else effective_from
    source = source or Notice()
    errors = [FieldError(k, "unknown policy setting", "未知的政策设置项") for k in values
              if k not in POLICY_KEYS]
    errors += [e for k, v in values.items() if k in POLICY_KEYS
               for e in [POLICY_KEYS[k].check(v)] if e is not None]
    if not isinstance(effective_from, dt.date):
        errors.append(FieldError("effective_from", "give the date the value takes effect",
                                 "请填写执行日期"))
    _check_source(errors, source)
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        area = _policy_area(s, area_id)
        refuse_received(s, area)
        audit = Auditor(s, user)
        rule = _TekunRule(s, {area.id: effective_from} if FACTOR_KEY in values else {})
        current = policy_values(s, area.id, effective_from)
        rows = {p.key: p for p in s.scalars(select(PolicySetting).where(
            PolicySetting.area_id == area.id, PolicySetting.effective_from == effective_from))}
        for key, value in values.items():
            row = rows.get(key)
            if row is None:
                s.add(PolicySetting(area_id=area.id, key=key, value=str(value),
                                    effective_from=effective_from, **_source_values(source)))
                audit.updated("policy", area.id, key, current[key].value, value)
            else:
                if row.value != str(value):
                    audit.updated("policy", area.id, key, row.value, value)
                    row.value = str(value)
                for column, new in _source_values(source).items():
                    if getattr(row, column) != new:
                        audit.updated("policy", area.id, f"{key}.{column}",
                                      getattr(row, column), new)
                        setattr(row, column, new)
        rule.after(FACTOR_KEY)
        return ServiceResult()


@requires("standards.write", area="area_id")
def clear_policy(db: Database, actor: str | int, area_id: int, key: str,
                 effective_from: dt.date | None = None) -> ServiceResult:
    """Remove a value the area set by mistake (audited): the one set from ``effective_from``,
    by default the area's latest. Once an area has no row of its own it inherits again.
    Refused like :func:`set_policy` when it would break the extreme-hardship rule."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        stmt = select(PolicySetting).where(PolicySetting.area_id == area_id,
                                           PolicySetting.key == key)
        if effective_from is not None:
            stmt = stmt.where(PolicySetting.effective_from == effective_from)
        row = s.scalars(stmt.order_by(PolicySetting.effective_from.desc())).first()
        if row is not None:
            refuse_received(s, s.get(Area, area_id))
            rule = _TekunRule(s, {area_id: row.effective_from} if key == FACTOR_KEY else {})
            Auditor(s, user).updated("policy", area_id, key, row.value, None)
            s.delete(row)
            rule.after(FACTOR_KEY)
        return ServiceResult()


def month_standards(s: Session, area_id: int, residence_class: str,
                    month: dt.date) -> dict[str, tuple[dt.date, int] | None]:
    """Every kind of standard ``month`` uses in the area."""
    month = first_of_month(month)
    return {k: standard_for(s, area_id, residence_class, k, month) for k in STANDARD_KINDS}
