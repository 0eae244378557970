"""Leadership liaison services (领导定点联系救助管理机构, DOMAIN §11).

Writes: institutions and their weakness assessments, leaders, assignments (checked against
the notice's rule rows), the frequency rules themselves, visits and rectifications, and a
deterministic generator of test data. Each write owns its transaction, validates first and
audits. Reads: the suggestion list, the schedule and the compliance report; they take a
session and return plain dataclasses, so the views, the PDF and the Excel writers share them.
The period arithmetic lives in :mod:`assistcase.liaison`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..rules import liaison as P
from ..db import Database
from ..errors import FieldError, NotFoundError, ServiceResult, ValidationError
from ..models import (Area, Assignment, Institution, InstitutionAssessment, InstitutionResult,
                      Leader, LiaisonRule, LiaisonRuleVersion, Rectification, Visit)
from ..models.liaison import (INSTITUTION_KINDS, INSTITUTION_LEVELS, PERIOD_KINDS,
                              RECTIFICATION_STATUSES, VISIT_MODES, VISIT_TOPICS)
from .audit import Auditor, resolve_user
from .auth import requires
from .sync_state import visit_sync_states

# The notice's table (seed 000). Migration 0003 inserts these rows; a bureau edits them with
# update_rule. Columns: code, org level, Chinese name, English name, scope, max institutions at
# a time, period, minimum contacts per period.
DEFAULT_RULES = (
    ("prov_principal", "province", "省民政厅主要领导", "Provincial department, principal leader",
     "city_any", None, "half", 1),
    ("prov_in_charge", "province", "分管厅领导", "Provincial department, leader in charge",
     "city_any", None, "quarter", 1),
    ("prov_division", "province", "社会事务处处级干部",
     "Provincial social affairs division, division-level cadre", "city_any", None, "month", 1),
    ("city_principal", "city", "省辖市民政局主要领导", "City bureau, principal leader",
     "city_own", 1, "half", 1),
    ("city_in_charge", "city", "分管局领导", "City bureau, leader in charge",
     "county_in_city", 1, "quarter", 1),
    ("city_section", "city", "社会事务科（处）长", "City social affairs section chief",
     "county_or_care", 1, "month", 1),
    ("county_principal", "county", "省直管县民政局主要领导",
     "Province-administered county bureau, principal leader", "local", 1, "quarter", 1),
    ("county_in_charge", "county", "省直管县分管局领导",
     "Province-administered county bureau, leader in charge", "local", 1, "month", 1),
)

SCOPE_TEXT = {
    "city_any": ("links city-level institutions of its province", "联系本省市级救助管理机构"),
    "city_own": ("links the city-level rescue station of its own city", "联系本市市级救助管理站"),
    "county_in_city": ("links one county-level rescue station in its city",
                       "联系本市一个县级救助管理站"),
    "county_or_care": ("links one county-level rescue station or one care institution in its city",
                       "联系本市一个县级救助管理站或一个托养机构"),
    "local": ("links the rescue station of its own county", "联系本县救助管理站"),
}
ORG_LEVEL_ZH = {"province": "省级", "city": "市级", "county": "县级"}
KIND_ZH = {"station": "救助管理站", "care": "托养机构"}
MODE_ZH = {"on_site": "实地", "video": "视频", "phone": "电话"}
TOPIC_ZH = {"family_search": "寻亲", "information_system": "信息系统", "safety": "安全运行",
            "archives": "档案", "care": "照料服务", "long_stay": "长期滞留人员"}
INDICATOR_ZH = {"infrastructure": "基础设施薄弱", "service_level": "服务水平低",
                "assistance_volume": "救助量大", "long_stay_persons": "长期滞留人员多",
                "safety_hazards": "安全隐患多"}


def rule_label(rule: LiaisonRule, lang: str = "en") -> str:
    """The rule row as a sentence, used in every message that names a rule."""
    if lang.startswith("zh"):
        return (f"{rule.name_zh}：{SCOPE_TEXT[rule.scope][1]}，每{P.PERIOD_ZH[rule.period]}"
                f"至少{rule.min_contacts}次")
    return (f"{rule.name_en}: {SCOPE_TEXT[rule.scope][0]}, at least {rule.min_contacts} "
            f"contact(s) per {P.PERIOD_EN[rule.period]}")


def _get(s: Session, model, key, what: str, what_zh: str):
    obj = s.get(model, key) if key is not None else None
    if obj is None:
        raise NotFoundError(what, key, what_zh)
    return obj


# --- frequency rules -------------------------------------------------------------------------


def rule_versions(s: Session) -> dict[str, list[P.RuleVersion]]:
    """Every rule's dated versions, oldest first (rule code → versions)."""
    out: dict[str, list[P.RuleVersion]] = defaultdict(list)
    for v in s.scalars(select(LiaisonRuleVersion).order_by(LiaisonRuleVersion.rule_code,
                                                           LiaisonRuleVersion.effective_from)):
        out[v.rule_code].append(P.RuleVersion(v.effective_from, v.period, v.min_contacts))
    return dict(out)


@requires("liaison.write")
def update_rule(db: Database, actor: str | int, code: str, *, effective_from: dt.date,
                period: str | None = None, min_contacts: int | None = None) -> ServiceResult:
    """Change how often a rule row requires contact **from** ``effective_from`` on (the table
    is configurable). Periods before that day keep the rule in force then; a change on a day
    that already has one replaces it. The rule row mirrors the latest version."""
    errors = []
    if not isinstance(effective_from, dt.date):
        errors.append(FieldError("effective_from", "the change needs the date it applies from",
                                 "请填写规则生效日期"))
    if period is not None and period not in PERIOD_KINDS:
        errors.append(FieldError("period", f"{period!r} is not one of {', '.join(PERIOD_KINDS)}",
                                 f"周期取值无效：{period}"))
    if min_contacts is not None and (not isinstance(min_contacts, int) or min_contacts < 1):
        errors.append(FieldError("min_contacts", "at least one contact per period",
                                 "每周期至少联系1次"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        rule = s.scalar(select(LiaisonRule).where(LiaisonRule.code == code))
        if rule is None:
            raise NotFoundError("liaison rule", code, "联系规则")
        versions = list(s.scalars(select(LiaisonRuleVersion).where(
            LiaisonRuleVersion.rule_code == code).order_by(LiaisonRuleVersion.effective_from)))
        before = [v for v in versions if v.effective_from <= effective_from]
        base = before[-1] if before else versions[0]
        new_period = period if period is not None else base.period
        new_min = min_contacts if min_contacts is not None else base.min_contacts
        audit = Auditor(s, resolve_user(s, actor))
        same_day = [v for v in versions if v.effective_from == effective_from]
        if same_day:
            audit.apply(same_day[0], "liaison_rule_version",
                        {"period": new_period, "min_contacts": new_min})
        else:
            row = LiaisonRuleVersion(rule_code=code, effective_from=effective_from,
                                     period=new_period, min_contacts=new_min)
            s.add(row)
            s.flush()
            audit.created("liaison_rule_version", row.id,
                          {"rule_code": code, "effective_from": effective_from,
                           "period": new_period, "min_contacts": new_min})
        if all(v.effective_from <= effective_from for v in versions):  # the latest: mirror it
            audit.apply(rule, "liaison_rule", {"period": new_period, "min_contacts": new_min})
    return ServiceResult()


# --- institutions ----------------------------------------------------------------------------


def _check_institution(s: Session, name: str, kind: str, level: str, area_id: int | None,
                       self_id: int | None = None) -> list[FieldError]:
    errors = []
    if not name.strip():
        errors.append(FieldError("name", "the institution needs a name", "请填写机构名称"))
    elif s.scalar(select(Institution.id).where(Institution.name == name.strip(),
                                               Institution.id != (self_id or 0))):
        errors.append(FieldError("name", f"an institution named {name} already exists",
                                 f"已有同名机构：{name}"))
    if kind not in INSTITUTION_KINDS:
        errors.append(FieldError("kind", "choose rescue station or care institution",
                                 "请选择救助管理站或托养机构"))
    if level not in INSTITUTION_LEVELS:
        errors.append(FieldError("level", "choose city or county level", "请选择市级或县级"))
    area = s.get(Area, area_id) if area_id else None
    if area is None or (level in INSTITUTION_LEVELS and area.level != level):
        errors.append(FieldError("area_id", f"choose the {level} the institution belongs to",
                                 "请选择机构所属的" + ("市" if level == "city" else "县（区）")))
    return errors


@requires("liaison.write")
def create_institution(db: Database, actor: str | int, name: str, kind: str, level: str,
                       area_id: int) -> ServiceResult:
    with db.begin() as s:
        errors = _check_institution(s, name, kind, level, area_id)
        if errors:
            raise ValidationError(errors)
        inst = Institution(name=name.strip(), kind=kind, level=level, area_id=area_id)
        s.add(inst)
        s.flush()
        Auditor(s, resolve_user(s, actor)).created(
            "liaison_institution", inst.id,
            {"name": inst.name, "kind": kind, "level": level, "area_id": area_id})
        return ServiceResult(created_id=inst.id)


def _in_force_after(s: Session, day: dt.date, *conds) -> list[Assignment]:
    return list(s.scalars(select(Assignment).where(
        *conds, or_(Assignment.end_on.is_(None), Assignment.end_on > day))))


@requires("liaison.write")
def update_institution(db: Database, actor: str | int, institution_id: int, name: str,
                       kind: str, level: str, area_id: int) -> ServiceResult:
    """Correct an institution's name, kind, level or area. Kind, level and area decide which
    leaders may link it, so they change only while no assignment refers to it."""
    with db.begin() as s:
        inst = _get(s, Institution, institution_id, "institution", "机构")
        errors = _check_institution(s, name, kind, level, area_id, self_id=inst.id)
        moved = (kind, level, area_id) != (inst.kind, inst.level, inst.area_id)
        n = s.scalar(select(func.count(Assignment.id)).where(
            Assignment.institution_id == inst.id))
        if moved and n:
            errors.append(FieldError(
                "level", f"{inst.name} has {n} assignment(s): its kind, level and area decide "
                         "who may link it and cannot change now",
                f"{inst.name} 已有 {n} 条联系安排，不能修改类型、级别或所属地区"))
        if errors:
            raise ValidationError(errors)
        Auditor(s, resolve_user(s, actor)).apply(
            inst, "liaison_institution",
            {"name": name.strip(), "kind": kind, "level": level, "area_id": area_id})
    return ServiceResult()


@requires("liaison.write")
def end_institution(db: Database, actor: str | int, institution_id: int,
                    on: dt.date) -> ServiceResult:
    """Close an institution (停用) after ``on``: refused while an assignment to it lasts
    beyond that day (end those first)."""
    with db.begin() as s:
        inst = _get(s, Institution, institution_id, "institution", "机构")
        if not isinstance(on, dt.date):
            raise ValidationError.single("end_on", "the closing needs a date", "请填写停用日期")
        lasting = _in_force_after(s, on, Assignment.institution_id == inst.id)
        if lasting:
            names = "、".join(a.leader.name for a in lasting)
            raise ValidationError.single(
                "end_on", f"{len(lasting)} assignment(s) to {inst.name} last beyond {on} "
                          f"({names}): end them first",
                f"{inst.name} 仍有 {len(lasting)} 条联系安排在 {on} 之后有效（{names}），请先结束")
        Auditor(s, resolve_user(s, actor)).apply(inst, "liaison_institution", {"active": False})
    return ServiceResult()


@dataclass
class AssessmentData:
    """Weakness indicators: scores 1 (weak) … 5 (strong), and counts."""

    assessed_on: dt.date
    infrastructure: int
    service_level: int
    assistance_volume: int
    long_stay_persons: int
    safety_hazards: int


def _check_assessment(a: AssessmentData) -> list[FieldError]:
    errors = []
    if not isinstance(a.assessed_on, dt.date):
        errors.append(FieldError("assessed_on", "the assessment needs a date", "请填写评估日期"))
    for f, zh in (("infrastructure", "基础设施"), ("service_level", "服务水平")):
        v = getattr(a, f)
        if not isinstance(v, int) or not 1 <= v <= 5:
            errors.append(FieldError(f, "a score from 1 (weak) to 5 (strong)",
                                     f"{zh}评分应为1（弱）至5（强）"))
    for f, zh in (("assistance_volume", "救助量"), ("long_stay_persons", "长期滞留人员数"),
                  ("safety_hazards", "安全隐患数")):
        v = getattr(a, f)
        if not isinstance(v, int) or v < 0:
            errors.append(FieldError(f, "a count of zero or more", f"{zh}应为非负整数"))
    return errors


@requires("liaison.write")
def record_assessment(db: Database, actor: str | int, institution_id: int,
                      data: AssessmentData) -> ServiceResult:
    """Record the weakness indicators as of a date; earlier assessments stay as history."""
    errors = _check_assessment(data)
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        _get(s, Institution, institution_id, "institution", "机构")
        row = InstitutionAssessment(institution_id=institution_id, **data.__dict__)
        s.add(row)
        s.flush()
        Auditor(s, resolve_user(s, actor)).created("liaison_assessment", row.id,
                                                   dict(institution_id=institution_id,
                                                        **data.__dict__))
        return ServiceResult(created_id=row.id)


# --- leaders and assignments -----------------------------------------------------------------


@requires("liaison.write")
def create_leader(db: Database, actor: str | int, name: str, rule_code: str, area_id: int,
                  title: str = "") -> ServiceResult:
    """A leader bound to one rule row; the area is the department's (province, city or
    county) and must be of the rule's organisation level."""
    with db.begin() as s:
        errors = []
        if not name.strip():
            errors.append(FieldError("name", "the leader needs a name", "请填写领导姓名"))
        rule = s.scalar(select(LiaisonRule).where(LiaisonRule.code == rule_code))
        if rule is None:
            errors.append(FieldError("rule_code", "choose the leader's role", "请选择领导职务"))
        area = s.get(Area, area_id) if area_id else None
        if rule is not None:
            errors += _leader_area_errors(rule, area)
        if errors:
            raise ValidationError(errors)
        leader = Leader(name=name.strip(), title=title.strip(), org_level=rule.org_level,
                        area_id=area_id, rule_code=rule_code)
        s.add(leader)
        s.flush()
        Auditor(s, resolve_user(s, actor)).created(
            "liaison_leader", leader.id, {"name": leader.name, "title": leader.title,
                                          "rule_code": rule_code, "area_id": area_id})
        return ServiceResult(created_id=leader.id)


def _leader_area_errors(rule: LiaisonRule, area: Area | None) -> list[FieldError]:
    if area is None or area.level != rule.org_level:
        return [FieldError(
            "area_id", f"rule “{rule_label(rule)}” needs a {rule.org_level} department",
            f"规则「{rule_label(rule, 'zh')}」要求所属单位为{ORG_LEVEL_ZH[rule.org_level]}")]
    if rule.org_level == "county" and not area.province_administered:
        return [FieldError(
            "area_id", f"rule “{rule_label(rule)}” exists only in province-administered counties "
                       f"(省直管县); {area.name} is not one",
            f"规则「{rule_label(rule, 'zh')}」仅适用于省直管县（市），{area.name} 不是省直管县")]
    return []


def area_label(area: Area, lang: str = "en") -> str:
    """An area's name, marked when the province administers it directly (省直管)."""
    if area.province_administered:
        return f"{area.name}（省直管）" if lang.startswith("zh") else \
            f"{area.name} (province-administered)"
    return area.name


@requires("liaison.write")
def update_leader(db: Database, actor: str | int, leader_id: int, name: str, title: str,
                  rule_code: str, area_id: int) -> ServiceResult:
    """Correct a leader's name and title; the role and department change only while the
    leader has no assignment (the assignments were checked against them)."""
    with db.begin() as s:
        leader = _get(s, Leader, leader_id, "leader", "领导")
        errors = []
        if not name.strip():
            errors.append(FieldError("name", "the leader needs a name", "请填写领导姓名"))
        rule = s.scalar(select(LiaisonRule).where(LiaisonRule.code == rule_code))
        if rule is None:
            errors.append(FieldError("rule_code", "choose the leader's role", "请选择领导职务"))
        elif (rule_code, area_id) != (leader.rule_code, leader.area_id):
            n = s.scalar(select(func.count(Assignment.id)).where(
                Assignment.leader_id == leader.id))
            if n:
                errors.append(FieldError(
                    "rule_code", f"{leader.name} has {n} assignment(s): the role and department "
                                 "cannot change now",
                    f"{leader.name} 已有 {n} 条联系安排，不能修改职务或所属单位"))
            errors += _leader_area_errors(rule, s.get(Area, area_id) if area_id else None)
        if errors:
            raise ValidationError(errors)
        Auditor(s, resolve_user(s, actor)).apply(
            leader, "liaison_leader", {"name": name.strip(), "title": title.strip(),
                                       "rule_code": rule_code, "area_id": area_id,
                                       "org_level": rule.org_level})
    return ServiceResult()


@requires("liaison.write")
def end_leader(db: Database, actor: str | int, leader_id: int, on: dt.date) -> ServiceResult:
    """A leader leaves the post after ``on``: refused while an assignment lasts beyond it."""
    with db.begin() as s:
        leader = _get(s, Leader, leader_id, "leader", "领导")
        if not isinstance(on, dt.date):
            raise ValidationError.single("end_on", "leaving needs a date", "请填写离任日期")
        lasting = _in_force_after(s, on, Assignment.leader_id == leader.id)
        if lasting:
            names = "、".join(a.institution.name for a in lasting)
            raise ValidationError.single(
                "end_on", f"{leader.name} still links {names} beyond {on}: end those first",
                f"{leader.name} 在 {on} 之后仍联系 {names}，请先结束联系安排")
        Auditor(s, resolve_user(s, actor)).apply(leader, "liaison_leader", {"active": False})
    return ServiceResult()


def _in_scope(rule: LiaisonRule, leader: Leader, inst: Institution) -> bool:
    parent = inst.area.parent_id
    if rule.scope == "city_any":
        return inst.level == "city" and parent == leader.area_id
    if rule.scope == "city_own":
        return inst.level == "city" and inst.kind == "station" and inst.area_id == leader.area_id
    if rule.scope == "county_in_city":
        return inst.level == "county" and inst.kind == "station" and parent == leader.area_id
    if rule.scope == "county_or_care":
        in_city = inst.area_id == leader.area_id or parent == leader.area_id
        return in_city and (inst.kind == "care" or
                            (inst.level == "county" and inst.kind == "station"))
    if rule.scope == "local":
        return inst.level == "county" and inst.kind == "station" and inst.area_id == leader.area_id
    return False


def _overlapping(s: Session, start: dt.date, end: dt.date | None, *conds):
    q = select(Assignment).where(*conds, or_(Assignment.end_on.is_(None),
                                             Assignment.end_on >= start))
    if end is not None:
        q = q.where(Assignment.start_on <= end)
    return list(s.scalars(q))


def check_assignment(s: Session, leader: Leader, inst: Institution, start_on: dt.date,
                     end_on: dt.date | None, self_id: int | None = None) -> list[FieldError]:
    """The notice's assignment rules; every message names the rule row that is broken."""
    rule = leader.rule
    en, zh = rule_label(rule), rule_label(rule, "zh")
    errors = []
    if not isinstance(start_on, dt.date):
        return [FieldError("start_on", "the assignment needs a start date", "请填写联系开始日期")]
    if end_on is not None and end_on < start_on:
        errors.append(FieldError("end_on", "the end date is before the start date",
                                 "结束日期早于开始日期"))
    if not leader.active:
        errors.append(FieldError("leader_id", f"{leader.name} is no longer active",
                                 f"{leader.name} 已不在任"))
    if not inst.active:
        errors.append(FieldError("institution_id", f"{inst.name} is closed", f"{inst.name} 已停用"))
    if not _in_scope(rule, leader, inst):
        errors.append(FieldError(
            "institution_id",
            f"rule “{en}” is broken: {inst.name} ({inst.level}-level {inst.kind}) is not an "
            f"institution this role may link",
            f"违反规则「{zh}」：{inst.name}（{'市级' if inst.level == 'city' else '县级'}"
            f"{KIND_ZH[inst.kind]}）不是该职务可联系的机构"))
    others = [a for a in _overlapping(s, start_on, end_on, Assignment.leader_id == leader.id)
              if a.id != self_id]
    same = [a for a in others if a.institution_id == inst.id]
    if same:
        errors.append(FieldError(
            "start_on", f"{leader.name} is already linked to {inst.name} from "
                        f"{same[0].start_on} in that time",
            f"{leader.name} 在该时段已联系 {inst.name}（自 {same[0].start_on} 起）"))
    elif rule.max_institutions is not None and len(others) >= rule.max_institutions:
        names = "、".join(a.institution.name for a in others)
        errors.append(FieldError(
            "institution_id",
            f"rule “{en}” is broken: this role links at most {rule.max_institutions} "
            f"institution(s) at a time and {leader.name} already links {names}",
            f"违反规则「{zh}」：该职务同一时期只能联系{rule.max_institutions}个机构，"
            f"{leader.name} 已联系 {names}"))
    return errors


@requires("liaison.write")
def assign(db: Database, actor: str | int, leader_id: int, institution_id: int,
           start_on: dt.date, end_on: dt.date | None = None) -> ServiceResult:
    """Link a leader to an institution from ``start_on`` (to ``end_on``, inclusive)."""
    with db.begin() as s:
        leader = _get(s, Leader, leader_id, "leader", "领导")
        inst = _get(s, Institution, institution_id, "institution", "机构")
        errors = check_assignment(s, leader, inst, start_on, end_on)
        if errors:
            raise ValidationError(errors)
        a = Assignment(leader_id=leader_id, institution_id=institution_id, start_on=start_on,
                       end_on=end_on)
        s.add(a)
        s.flush()
        Auditor(s, resolve_user(s, actor)).created(
            "liaison_assignment", a.id, {"leader_id": leader_id, "institution_id": institution_id,
                                         "start_on": start_on, "end_on": end_on})
        return ServiceResult(created_id=a.id)


@requires("liaison.write")
def end_assignment(db: Database, actor: str | int, assignment_id: int,
                   end_on: dt.date) -> ServiceResult:
    with db.begin() as s:
        a = _get(s, Assignment, assignment_id, "assignment", "联系安排")
        if not isinstance(end_on, dt.date):
            raise ValidationError.single("end_on", "choose the assignment's last day",
                                         "请选择联系安排的最后一天")
        if end_on < a.start_on:
            raise ValidationError.single("end_on", "the end date is before the start date",
                                         "结束日期早于开始日期")
        later = s.scalar(select(func.count(Visit.id)).where(
            Visit.leader_id == a.leader_id, Visit.institution_id == a.institution_id,
            Visit.visited_on > end_on, Visit.visited_on >= a.start_on,
            Visit.visited_on <= (a.end_on or dt.date.max)))
        if later:
            raise ValidationError.single(
                "end_on", f"{later} visit(s) were logged after {end_on} under this assignment",
                f"该联系安排在 {end_on} 之后已登记 {later} 次联系，不能提前结束")
        Auditor(s, resolve_user(s, actor)).apply(a, "liaison_assignment", {"end_on": end_on})
    return ServiceResult()


# --- visits ----------------------------------------------------------------------------------


@dataclass
class RectificationData:
    action: str
    due_on: dt.date
    status: str = "open"
    done_on: dt.date | None = None


@dataclass
class VisitData:
    """A contact as the leader's office records it."""

    leader_id: int
    institution_id: int
    visited_on: dt.date
    mode: str = "on_site"
    topics: list[str] = field(default_factory=list)
    findings: str = ""
    problems: str = ""
    rectifications: list[RectificationData] = field(default_factory=list)


def _check_rectification(r: RectificationData, where: str, visited_on) -> list[FieldError]:
    errors = []
    if not r.action.strip():
        errors.append(FieldError(f"{where}.action", "describe the rectification action",
                                 "请填写整改措施"))
    if not isinstance(r.due_on, dt.date):
        errors.append(FieldError(f"{where}.due_on", "the action needs a due date",
                                 "请填写整改期限"))
    elif isinstance(visited_on, dt.date) and r.due_on < visited_on:
        errors.append(FieldError(f"{where}.due_on", "the due date is before the visit",
                                 "整改期限早于联系日期"))
    if r.status not in RECTIFICATION_STATUSES:
        errors.append(FieldError(f"{where}.status", "status is open or done",
                                 "整改状态应为未完成或已完成"))
    elif r.status == "done" and not isinstance(r.done_on, dt.date):
        errors.append(FieldError(f"{where}.done_on", "a finished action needs its date",
                                 "已完成的整改需填写完成日期"))
    return errors


def _covering_assignment(s: Session, leader_id: int, institution_id: int,
                         day: dt.date) -> Assignment | None:
    return s.scalar(select(Assignment).where(
        Assignment.leader_id == leader_id, Assignment.institution_id == institution_id,
        Assignment.start_on <= day,
        or_(Assignment.end_on.is_(None), Assignment.end_on >= day)))


def _visit_errors(s: Session, v: VisitData, today: dt.date) -> list[FieldError]:
    errors = []
    leader = s.get(Leader, v.leader_id) if v.leader_id else None
    inst = s.get(Institution, v.institution_id) if v.institution_id else None
    if leader is None:
        errors.append(FieldError("leader_id", "choose the leader", "请选择领导"))
    if inst is None:
        errors.append(FieldError("institution_id", "choose the institution", "请选择机构"))
    if not isinstance(v.visited_on, dt.date):
        errors.append(FieldError("visited_on", "the visit needs a date", "请填写联系日期"))
    elif v.visited_on > today:
        errors.append(FieldError("visited_on", "a visit cannot be logged ahead of its date",
                                 "不能登记未来日期的联系"))
    elif leader is not None and inst is not None and \
            _covering_assignment(s, leader.id, inst.id, v.visited_on) is None:
        errors.append(FieldError(
            "institution_id", f"{leader.name} was not assigned to {inst.name} on {v.visited_on}",
            f"{v.visited_on} {leader.name} 未被安排联系 {inst.name}"))
    elif leader is not None and inst is not None and s.scalar(select(Visit.id).where(
            Visit.leader_id == leader.id, Visit.institution_id == inst.id,
            Visit.visited_on == v.visited_on)):
        errors.append(FieldError(
            "visited_on", f"a contact of {leader.name} with {inst.name} on {v.visited_on} is "
                          "already logged (one per day counts): add to that visit instead",
            f"{v.visited_on} {leader.name} 联系 {inst.name} 已登记（同一天只计一次），请勿重复登记"))
    if v.mode not in VISIT_MODES:
        errors.append(FieldError("mode", "mode is on site, video or phone",
                                 "联系方式应为实地、视频或电话"))
    bad = [t for t in v.topics if t not in VISIT_TOPICS]
    if bad:
        errors.append(FieldError("topics", f"unknown topic(s): {', '.join(bad)}",
                                 f"联系内容无效：{'、'.join(bad)}"))
    for i, r in enumerate(v.rectifications):
        errors += _check_rectification(r, f"rectifications[{i}]", v.visited_on)
    return errors


@requires("liaison.write")
def log_visit(db: Database, actor: str | int, data: VisitData,
              today: dt.date | None = None) -> ServiceResult:
    """Record a contact and its rectification actions. The visit must fall in an assignment
    of that leader to that institution: only such contacts count toward the duty."""
    today = today or dt.date.today()
    with db.begin() as s:
        errors = _visit_errors(s, data, today)
        if errors:
            raise ValidationError(errors)
        visit = Visit(leader_id=data.leader_id, institution_id=data.institution_id,
                      visited_on=data.visited_on, mode=data.mode,
                      topics=",".join(t for t in VISIT_TOPICS if t in data.topics),
                      findings=data.findings.strip(), problems=data.problems.strip())
        s.add(visit)
        s.flush()
        audit = Auditor(s, resolve_user(s, actor))
        audit.created("liaison_visit", visit.id,
                      {"leader_id": visit.leader_id, "institution_id": visit.institution_id,
                       "visited_on": visit.visited_on, "mode": visit.mode,
                       "topics": visit.topics, "findings": visit.findings,
                       "problems": visit.problems})
        for r in data.rectifications:
            row = Rectification(visit_id=visit.id, action=r.action.strip(), due_on=r.due_on,
                                status=r.status, done_on=r.done_on)
            s.add(row)
            s.flush()
            audit.created("liaison_rectification", row.id,
                          {"visit_id": visit.id, "action": row.action, "due_on": row.due_on,
                           "status": row.status, "done_on": row.done_on})
        return ServiceResult(created_id=visit.id)


@requires("liaison.write")
def set_rectification_status(db: Database, actor: str | int, rectification_id: int,
                             status: str, done_on: dt.date | None = None) -> ServiceResult:
    with db.begin() as s:
        r = _get(s, Rectification, rectification_id, "rectification", "整改措施")
        data = RectificationData(r.action, r.due_on, status, done_on if status == "done" else None)
        errors = [FieldError(e.field.split(".", 1)[-1], e.message_en, e.message_zh)
                  for e in _check_rectification(data, "r", r.visit.visited_on)]
        if errors:
            raise ValidationError(errors)
        Auditor(s, resolve_user(s, actor)).apply(r, "liaison_rectification",
                                                 {"status": status, "done_on": data.done_on})
    return ServiceResult()


# --- reads: lists ----------------------------------------------------------------------------


def rules(s: Session) -> list[LiaisonRule]:
    return list(s.scalars(select(LiaisonRule).order_by(LiaisonRule.sort_order)))


def institutions(s: Session, level: str | None = None) -> list[Institution]:
    q = select(Institution).order_by(Institution.level, Institution.area_id, Institution.kind,
                                     Institution.name)
    if level:
        q = q.where(Institution.level == level)
    return list(s.scalars(q))


def leaders(s: Session, level: str | None = None) -> list[Leader]:
    q = select(Leader).join(LiaisonRule).order_by(LiaisonRule.sort_order, Leader.area_id,
                                                  Leader.name)
    if level:
        q = q.where(Leader.org_level == level)
    return list(s.scalars(q))


def assignments(s: Session, as_of: dt.date | None = None,
                leader_id: int | None = None) -> list[Assignment]:
    q = select(Assignment).join(Leader).join(LiaisonRule).order_by(
        LiaisonRule.sort_order, Leader.name, Assignment.start_on)
    if as_of is not None:
        q = q.where(Assignment.start_on <= as_of,
                    or_(Assignment.end_on.is_(None), Assignment.end_on >= as_of))
    if leader_id is not None:
        q = q.where(Assignment.leader_id == leader_id)
    return list(s.scalars(q))


def record(s: Session, kind: str, record_id: int | None):
    """One liaison record for a form (``kind``: institution, assessment, leader,
    assignment); None when ``record_id`` is None or unknown."""
    model = {"institution": Institution, "assessment": InstitutionAssessment,
             "leader": Leader, "assignment": Assignment}[kind]
    return s.get(model, record_id) if record_id is not None else None


def assessments(s: Session) -> list[InstitutionAssessment]:
    """Every weakness assessment, newest first."""
    return list(s.scalars(select(InstitutionAssessment).order_by(
        InstitutionAssessment.assessed_on.desc(), InstitutionAssessment.id.desc())))


@dataclass
class RuleVersionRow:
    rule_code: str
    sort_order: int
    org_level: str
    name_zh: str
    name_en: str
    effective_from: dt.date
    period: str
    min_contacts: int


def rule_version_rows(s: Session) -> list[RuleVersionRow]:
    """Each rule's dated versions, in the table's order, oldest first."""
    q = select(LiaisonRule, LiaisonRuleVersion).join(
        LiaisonRuleVersion, LiaisonRuleVersion.rule_code == LiaisonRule.code).order_by(
        LiaisonRule.sort_order, LiaisonRuleVersion.effective_from)
    return [RuleVersionRow(r.code, r.sort_order, r.org_level, r.name_zh, r.name_en,
                           v.effective_from, v.period, v.min_contacts) for r, v in s.execute(q)]


def areas_for_liaison(s: Session) -> list[Area]:
    """The province, city and county areas (departments and institutions live there)."""
    return list(s.scalars(select(Area).where(Area.level.in_(("province", "city", "county")))
                          .order_by(Area.code)))


def recent_visits(s: Session, limit: int = 200) -> list[Visit]:
    return list(s.scalars(select(Visit).order_by(Visit.visited_on.desc(), Visit.id.desc())
                          .limit(limit)))


def _visit_days(s: Session, leader_ids, start: dt.date, end: dt.date
                ) -> dict[tuple[int, int], list[dt.date]]:
    out: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    q = select(Visit.leader_id, Visit.institution_id, Visit.visited_on).where(
        Visit.visited_on >= start, Visit.visited_on <= end).order_by(Visit.visited_on)
    if leader_ids is not None:
        q = q.where(Visit.leader_id.in_(leader_ids))
    for lid, iid, day in s.execute(q):
        days = out[(lid, iid)]
        if not days or days[-1] != day:  # one contact per day and institution
            days.append(day)
    return out


# --- reads: suggestions ----------------------------------------------------------------------


@dataclass
class Suggestion:
    """An institution ranked by weakness (选"弱"). ``score`` is 0 … 5: each indicator adds
    0 … 1 (scores 5→0 and 1→1; counts relative to the largest among the candidates)."""

    institution_id: int
    name: str
    kind: str
    level: str
    area_name: str
    assessed_on: dt.date | None
    score: float | None
    reasons: list[str]
    indicators: dict[str, int]
    linked_leaders: int


def suggestions(s: Session, as_of: dt.date, level: str | None = None,
                within_area_id: int | None = None) -> list[Suggestion]:
    """Institutions, weakest first, by their latest assessment on or before ``as_of``.
    ``within_area_id``: only those in that area or directly under it (a bureau's own choice)."""
    insts = [i for i in institutions(s, level) if i.active and (
        within_area_id is None or within_area_id in (i.area_id, i.area.parent_id))]
    latest: dict[int, InstitutionAssessment] = {}
    for a in s.scalars(select(InstitutionAssessment).where(
            InstitutionAssessment.assessed_on <= as_of)
            .order_by(InstitutionAssessment.assessed_on, InstitutionAssessment.id)):
        latest[a.institution_id] = a
    linked = dict(s.execute(select(Assignment.institution_id, func.count(Assignment.id)).where(
        Assignment.start_on <= as_of, or_(Assignment.end_on.is_(None),
                                          Assignment.end_on >= as_of))
        .group_by(Assignment.institution_id)).all())
    counts = ("assistance_volume", "long_stay_persons", "safety_hazards")
    cands = [latest[i.id] for i in insts if i.id in latest]
    biggest = {c: max([getattr(a, c) for a in cands] + [0]) for c in counts}
    out = []
    for inst in insts:
        a = latest.get(inst.id)
        if a is None:
            out.append(Suggestion(inst.id, inst.name, inst.kind, inst.level, inst.area.name,
                                  None, None, [], {}, linked.get(inst.id, 0)))
            continue
        parts = {"infrastructure": (5 - a.infrastructure) / 4,
                 "service_level": (5 - a.service_level) / 4}
        for c in counts:
            parts[c] = getattr(a, c) / biggest[c] if biggest[c] else 0.0
        reasons = [k for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v >= 0.5]
        indicators = {k: getattr(a, k) for k in ("infrastructure", "service_level", *counts)}
        out.append(Suggestion(inst.id, inst.name, inst.kind, inst.level, inst.area.name,
                              a.assessed_on, round(sum(parts.values()), 3), reasons, indicators,
                              linked.get(inst.id, 0)))
    out.sort(key=lambda x: (x.score is None, -(x.score or 0), x.name))
    return out


# --- reads: schedule -------------------------------------------------------------------------

DUE_SOON_DAYS = 30  # a contact whose period ends within this many days is "due soon"


@dataclass
class ScheduleRow:
    """One assignment seen from ``as_of``: this period's duty, the next deadline, missed
    periods of the last twelve months, and the duties ending in each coming month. Each
    period follows the rule version in force in it."""

    assignment_id: int
    leader_id: int
    leader_name: str
    rule_code: str
    rule_name_zh: str
    rule_name_en: str
    org_level: str
    institution_id: int
    institution_name: str
    period_kind: str
    current: P.Duty | None
    current_status: str | None
    next_due: dt.date | None
    overdue: list[P.Duty]
    months: dict[dt.date, list[tuple[P.Duty, str]]]


def _versions_of(all_versions: dict[str, list[P.RuleVersion]], rule: LiaisonRule
                 ) -> list[P.RuleVersion]:
    return all_versions.get(rule.code) or [
        P.RuleVersion(dt.date(2000, 1, 1), rule.period, rule.min_contacts)]


def schedule(s: Session, as_of: dt.date, months: int = 6,
             level: str | None = None) -> list[ScheduleRow]:
    window = P.month_starts(as_of, months)
    window_end = P.period_containing("month", window[-1]).end
    q = select(Assignment).join(Leader).join(LiaisonRule).where(
        Assignment.start_on <= window_end,
        or_(Assignment.end_on.is_(None), Assignment.end_on >= as_of)).order_by(
        LiaisonRule.sort_order, Leader.name, Assignment.start_on)
    if level:
        q = q.where(Leader.org_level == level)
    rows_ = list(s.scalars(q))
    all_versions = rule_versions(s)
    lookback = as_of - dt.timedelta(days=366)
    visits = _visit_days(s, {a.leader_id for a in rows_}, lookback - dt.timedelta(days=366),
                         window_end)
    horizon = as_of + dt.timedelta(days=800)
    out = []
    for a in rows_:
        rule = a.leader.rule
        versions = _versions_of(all_versions, rule)
        days = visits.get((a.leader_id, a.institution_id), [])
        v_now = P.version_on(versions, as_of)
        current = next((d for d in P.duties_ending_between(
            versions, as_of, horizon, a.start_on, a.end_on, days)
            if d.period.contains(as_of)), None)
        future = P.duties_ending_between(versions, as_of, horizon, a.start_on, a.end_on, days)
        next_due = next((d.period.end for d in future if not d.met), None)
        overdue = [d for d in P.duties_ending_between(versions, lookback,
                                                      as_of - dt.timedelta(days=1),
                                                      a.start_on, a.end_on, days)
                   if d.status(as_of) == P.MISSED]
        cells: dict[dt.date, list[tuple[P.Duty, str]]] = {}
        for m in window:
            mp = P.period_containing("month", m)
            cells[m] = [(d, d.status(as_of)) for d in P.duties_ending_between(
                versions, mp.start, mp.end, a.start_on, a.end_on, days)]
        out.append(ScheduleRow(
            a.id, a.leader_id, a.leader.name, rule.code, rule.name_zh, rule.name_en,
            rule.org_level, a.institution_id, a.institution.name, v_now.period, current,
            current.status(as_of) if current else None, next_due, overdue, cells))
    return out


# --- reads: compliance report ----------------------------------------------------------------


@dataclass
class ComplianceRow:
    """One leader and institution over the report period."""

    leader_id: int
    leader_name: str
    org_level: str
    area_name: str
    rule_code: str
    rule_name_zh: str
    rule_name_en: str
    period_kind: str
    institution_id: int
    institution_name: str
    duties: list[tuple[P.Duty, str]] = field(default_factory=list)
    tally: P.Tally = field(default_factory=P.Tally)

    @property
    def required(self) -> int:
        return sum(d.required for d, _ in self.duties)

    @property
    def done(self) -> int:
        """Contacts (days with a visit) in the judged periods."""
        return sum(d.done for d, _ in self.duties)

    @property
    def credited(self) -> int:
        """Contacts that count: at most the requirement of each period, so two visits in May
        do not make up for none in July (计入次数)."""
        return sum(min(d.done, d.required) for d, _ in self.duties)

    @property
    def status(self) -> str:
        if self.tally.missed:
            return P.MISSED
        return P.DUE if self.tally.due else P.MET


@dataclass
class LeaderSummary:
    """One leader over the report period: every institution together. ``missed`` lists
    (institution, period) for each period missed; ``overdue`` and ``due_soon`` are seen from
    the report's day (as of, else the period's end)."""

    leader_id: int
    leader_name: str
    org_level: str
    area_name: str
    rule_code: str
    rule_name_zh: str
    rule_name_en: str
    institutions: list[str] = field(default_factory=list)
    tally: P.Tally = field(default_factory=P.Tally)
    missed: list[tuple[str, P.Period]] = field(default_factory=list)
    last_contact: dt.date | None = None
    overdue: list[tuple[str, P.Duty]] = field(default_factory=list)
    due_soon: list[tuple[str, P.Duty]] = field(default_factory=list)

    @property
    def fell_short(self) -> bool:
        return self.tally.missed > 0


@dataclass
class OpenRectification:
    rectification_id: int
    visited_on: dt.date
    leader_name: str
    institution_name: str
    problems: str
    action: str
    due_on: dt.date
    overdue: bool


@dataclass
class ComplianceReport:
    period: P.Period
    level: str | None
    as_of: dt.date | None
    rows: list[ComplianceRow]
    by_level: dict[str, P.Tally]
    by_role: dict[str, P.Tally]
    role_names: dict[str, tuple[str, str]]  # rule code → (Chinese, English), table order
    total: P.Tally
    open_rectifications: list[OpenRectification]
    role_levels: dict[str, str] = field(default_factory=dict)  # rule code → org level
    leaders: list[LeaderSummary] = field(default_factory=list)
    leaders_by_level: dict[str, P.LeaderTally] = field(default_factory=dict)
    leaders_by_role: dict[str, P.LeaderTally] = field(default_factory=dict)
    leaders_total: P.LeaderTally = field(default_factory=P.LeaderTally)
    results: list["QuarterResult"] = field(default_factory=list)
    leader_results: list["LeaderResult"] = field(default_factory=list)

    @property
    def shortfalls(self) -> list[LeaderSummary]:
        """The leaders who missed at least one period, most periods missed first."""
        order = list(self.role_names)
        return sorted((ld for ld in self.leaders if ld.fell_short),
                      key=lambda ld: (-ld.tally.missed, order.index(ld.rule_code),
                                      ld.leader_name, ld.leader_id))

    @property
    def with_deadlines(self) -> list[LeaderSummary]:
        """Leaders with an overdue or a due-soon contact, seen from the report's day."""
        return [ld for ld in self.leaders if ld.overdue or ld.due_soon]


def compliance_report(s: Session, period: P.Period, level: str | None = None,
                      as_of: dt.date | None = None) -> ComplianceReport:
    """Required vs done per leader and institution for the duties ``period`` judges (those
    whose rule period ends within it, each under the rule version in force then), the
    leaders who fell short, rates by level and role (weighted by duties and as the share of
    leaders fully compliant), overdue and due-soon contacts per leader, open
    rectifications and the institutions' quarterly results.
    ``as_of``: duties not yet over on that day are 'due', not 'missed' (None: all are over)."""
    q = select(Assignment).join(Leader).join(LiaisonRule).where(
        Assignment.start_on <= period.end,
        or_(Assignment.end_on.is_(None),
            Assignment.end_on >= period.start - dt.timedelta(days=366))).order_by(
        LiaisonRule.sort_order, Leader.name, Assignment.start_on)
    if level:
        q = q.where(Leader.org_level == level)
    assigns = list(s.scalars(q))
    all_versions = rule_versions(s)
    judge_day = as_of or period.end
    visits = _visit_days(s, {a.leader_id for a in assigns},
                         min(period.start, judge_day) - dt.timedelta(days=400),
                         max(period.end, judge_day))
    rows: dict[tuple[int, int], ComplianceRow] = {}
    leaders_: dict[int, LeaderSummary] = {}
    by_level: dict[str, P.Tally] = {}
    by_role: dict[str, P.Tally] = {}
    total = P.Tally()
    soon_end = judge_day + dt.timedelta(days=DUE_SOON_DAYS)
    for a in assigns:
        rule = a.leader.rule
        versions = _versions_of(all_versions, rule)
        days = [d for d in visits.get((a.leader_id, a.institution_id), []) if d <= judge_day]
        duties = P.duties_under_versions(versions, period, a.start_on, a.end_on, days)
        # Deadlines from the report's day: overdue in the last year, due within 30 days.
        lookback = judge_day - dt.timedelta(days=366)
        overdue = [d for d in P.duties_ending_between(
            versions, lookback, judge_day - dt.timedelta(days=1), a.start_on, a.end_on, days)
            if d.status(judge_day) == P.MISSED]
        due_soon = [d for d in P.duties_ending_between(
            versions, judge_day, soon_end, a.start_on, a.end_on, days) if not d.met]
        if not duties and not overdue and not due_soon:
            continue
        ls = leaders_.get(a.leader_id)
        if ls is None:
            ls = leaders_[a.leader_id] = LeaderSummary(
                a.leader_id, a.leader.name, rule.org_level, a.leader.area.name, rule.code,
                rule.name_zh, rule.name_en)
        if a.institution.name not in ls.institutions:
            ls.institutions.append(a.institution.name)
        ls.overdue += [(a.institution.name, d) for d in overdue]
        ls.due_soon += [(a.institution.name, d) for d in due_soon]
        if not duties:
            continue
        key = (a.leader_id, a.institution_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ComplianceRow(
                a.leader_id, a.leader.name, rule.org_level, a.leader.area.name, rule.code,
                rule.name_zh, rule.name_en, duties[-1].period.kind, a.institution_id,
                a.institution.name)
        for d in duties:
            st = d.status(as_of)
            row.duties.append((d, st))
            row.tally = row.tally.add(st)
            ls.tally = ls.tally.add(st)
            if st == P.MISSED:
                ls.missed.append((a.institution.name, d.period))
            by_level[rule.org_level] = by_level.get(rule.org_level, P.Tally()).add(st)
            by_role[rule.code] = by_role.get(rule.code, P.Tally()).add(st)
            total = total.add(st)
    for ls in leaders_.values():
        ls.missed.sort(key=lambda x: (x[1].end, x[0]))
    if leaders_:
        for lid, day in s.execute(select(Visit.leader_id, func.max(Visit.visited_on)).where(
                Visit.leader_id.in_(list(leaders_)), Visit.visited_on <= judge_day)
                .group_by(Visit.leader_id)):
            leaders_[lid].last_contact = day
    leaders_by_level: dict[str, P.LeaderTally] = {}
    leaders_by_role: dict[str, P.LeaderTally] = {}
    leaders_total = P.LeaderTally()
    for ls in leaders_.values():
        leaders_by_level[ls.org_level] = leaders_by_level.get(
            ls.org_level, P.LeaderTally()).add(ls.tally)
        leaders_by_role[ls.rule_code] = leaders_by_role.get(
            ls.rule_code, P.LeaderTally()).add(ls.tally)
        leaders_total = leaders_total.add(ls.tally)
    all_rules = rules(s)
    role_names = {r.code: (r.name_zh, r.name_en) for r in all_rules}
    rq = select(Rectification, Visit, Leader, Institution).join(
        Visit, Rectification.visit_id == Visit.id).join(
        Leader, Visit.leader_id == Leader.id).join(
        Institution, Visit.institution_id == Institution.id).where(
        Rectification.status == "open", Visit.visited_on <= period.end).order_by(
        Rectification.due_on, Rectification.id)
    if level:
        rq = rq.where(Leader.org_level == level)
    open_r = [OpenRectification(r.id, v.visited_on, ld.name, inst.name, v.problems, r.action,
                                r.due_on, r.due_on < judge_day)
              for r, v, ld, inst in s.execute(rq)]
    linked_insts = {a.institution_id for a in assigns}
    return ComplianceReport(
        period, level, as_of, list(rows.values()), by_level, by_role, role_names, total,
        open_r, {r.code: r.org_level for r in all_rules}, list(leaders_.values()),
        leaders_by_level, leaders_by_role, leaders_total,
        [r for r in institution_results(s, period) if level is None
         or r.institution_id in linked_insts],
        leader_results(s, period.end, level, [ld.leader_id for ld in leaders_.values()]))


# --- institutions' quarterly results ---------------------------------------------------------


@dataclass
class QuarterResultData:
    """An institution's figures for the quarter containing ``quarter``."""

    quarter: dt.date
    long_stay_start: int
    long_stay_end: int
    long_stay_new: int
    returned_home: int
    outside_placements: int


RESULT_FIELDS = ("long_stay_start", "long_stay_end", "long_stay_new", "returned_home",
                 "outside_placements")
RESULT_ZH = {"long_stay_start": "期初长期滞留人员", "long_stay_end": "期末长期滞留人员",
             "long_stay_new": "新增长期滞留人员", "returned_home": "寻亲返乡人数",
             "outside_placements": "外部托养人数"}


def _check_result(d: QuarterResultData) -> list[FieldError]:
    errors = []
    if not isinstance(d.quarter, dt.date):
        errors.append(FieldError("quarter", "choose the quarter", "请选择季度"))
    for f in RESULT_FIELDS:
        v = getattr(d, f)
        if not isinstance(v, int) or v < 0:
            errors.append(FieldError(f, "a count of zero or more", f"{RESULT_ZH[f]}应为非负整数"))
    if not errors and d.long_stay_end > d.long_stay_start + d.long_stay_new:
        errors.append(FieldError(
            "long_stay_end",
            f"{d.long_stay_end} at the end is more than {d.long_stay_start} at the start plus "
            f"{d.long_stay_new} new",
            f"期末 {d.long_stay_end} 人多于期初 {d.long_stay_start} 人加新增 {d.long_stay_new} 人"))
    return errors


@requires("liaison.write")
def record_quarter_result(db: Database, actor: str | int, institution_id: int,
                          data: QuarterResultData) -> ServiceResult:
    """Record (or correct) an institution's results for a quarter."""
    errors = _check_result(data)
    if errors:
        raise ValidationError(errors)
    q = P.period_containing("quarter", data.quarter)
    values = {f: getattr(data, f) for f in RESULT_FIELDS}
    with db.begin() as s:
        _get(s, Institution, institution_id, "institution", "机构")
        audit = Auditor(s, resolve_user(s, actor))
        row = s.scalar(select(InstitutionResult).where(
            InstitutionResult.institution_id == institution_id,
            InstitutionResult.quarter_start == q.start))
        if row is not None:
            audit.apply(row, "liaison_institution_result", values)
            return ServiceResult()
        row = InstitutionResult(institution_id=institution_id, quarter_start=q.start, **values)
        s.add(row)
        s.flush()
        audit.created("liaison_institution_result", row.id,
                      dict(institution_id=institution_id, quarter_start=q.start, **values))
        return ServiceResult(created_id=row.id)


@dataclass
class QuarterResult:
    institution_id: int
    institution_name: str
    quarter: P.Period
    long_stay_start: int
    long_stay_end: int
    long_stay_new: int
    returned_home: int
    outside_placements: int

    @property
    def long_stay_change(self) -> int:
        return self.long_stay_end - self.long_stay_start


def institution_results(s: Session, period: P.Period | None = None,
                        institution_id: int | None = None) -> list[QuarterResult]:
    """Quarterly results (of the quarters ending within ``period``), by institution."""
    q = select(InstitutionResult).join(Institution).order_by(
        Institution.level, Institution.area_id, Institution.name,
        InstitutionResult.quarter_start)
    if institution_id is not None:
        q = q.where(InstitutionResult.institution_id == institution_id)
    out = []
    for r in s.scalars(q):
        qp = P.period_containing("quarter", r.quarter_start)
        if period is not None and not period.contains(qp.end):
            continue
        out.append(QuarterResult(r.institution_id, r.institution.name, qp,
                                 *(getattr(r, f) for f in RESULT_FIELDS)))
    return out


@dataclass
class LeaderResult:
    """The results of a leader's linked institutions since the leader's contacts began:
    long-stay persons at the start of the quarter of the first contact and at the end of the
    latest quarter reported, and what happened in between."""

    leader_id: int
    leader_name: str
    institution_id: int
    institution_name: str
    first_contact: dt.date
    since: P.Period
    latest: P.Period
    long_stay_before: int
    long_stay_now: int
    long_stay_new: int
    returned_home: int
    outside_placements: int

    @property
    def long_stay_change(self) -> int:
        return self.long_stay_now - self.long_stay_before


def leader_results(s: Session, until: dt.date, level: str | None = None,
                   leader_ids: list[int] | None = None) -> list[LeaderResult]:
    """Per leader and linked institution: the change since the first contact (up to
    ``until``), from the quarterly results of the quarters from that contact's on."""
    q = select(Visit.leader_id, Visit.institution_id, func.min(Visit.visited_on)).where(
        Visit.visited_on <= until).group_by(Visit.leader_id, Visit.institution_id)
    if leader_ids is not None:
        q = q.where(Visit.leader_id.in_(leader_ids))
    firsts = s.execute(q).all()
    if not firsts:
        return []
    results: dict[int, list[InstitutionResult]] = defaultdict(list)
    for r in s.scalars(select(InstitutionResult).where(
            InstitutionResult.institution_id.in_({iid for _, iid, _ in firsts}),
            InstitutionResult.quarter_start <= until).order_by(InstitutionResult.quarter_start)):
        results[r.institution_id].append(r)
    names = {ld.id: (ld.name, ld.org_level) for ld in s.scalars(
        select(Leader).where(Leader.id.in_({lid for lid, _, _ in firsts})))}
    insts = {i.id: i.name for i in s.scalars(
        select(Institution).where(Institution.id.in_({iid for _, iid, _ in firsts})))}
    out = []
    for lid, iid, first in firsts:
        if level and names[lid][1] != level:
            continue
        since = P.period_containing("quarter", first)
        rs = [r for r in results.get(iid, []) if r.quarter_start >= since.start]
        if not rs:
            continue
        out.append(LeaderResult(
            lid, names[lid][0], iid, insts[iid], first, since,
            P.period_containing("quarter", rs[-1].quarter_start), rs[0].long_stay_start,
            rs[-1].long_stay_end, sum(r.long_stay_new for r in rs),
            sum(r.returned_home for r in rs), sum(r.outside_placements for r in rs)))
    out.sort(key=lambda x: (x.leader_name, x.leader_id, x.institution_name))
    return out


# --- plain views of the records, for callers that hold no session (the UI) -------------------


@dataclass(frozen=True)
class AreaChoice:
    id: int
    level: str
    label_zh: str
    label_en: str

    def label(self, lang: str = "en") -> str:
        return self.label_zh if lang.startswith("zh") else self.label_en


@dataclass(frozen=True)
class RuleChoice:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class InstitutionView:
    id: int
    name: str
    kind: str
    level: str
    area_id: int | None
    area: AreaChoice | None
    active: bool


@dataclass(frozen=True)
class LeaderView:
    id: int
    name: str
    title: str
    org_level: str
    rule_code: str
    rule_name_zh: str
    rule_name_en: str
    area_id: int | None
    area: AreaChoice | None
    active: bool


@dataclass(frozen=True)
class AssignmentView:
    id: int
    leader_id: int
    leader_name: str
    leader_org_level: str
    rule_name_zh: str
    rule_name_en: str
    institution_id: int
    institution_name: str
    start_on: dt.date
    end_on: dt.date | None


@dataclass(frozen=True)
class AssessmentView:
    id: int
    institution_id: int
    assessed_on: dt.date
    infrastructure: int
    service_level: int
    assistance_volume: int
    long_stay_persons: int
    safety_hazards: int


@dataclass(frozen=True)
class VisitView:
    id: int
    visited_on: dt.date
    leader_id: int
    institution_id: int
    mode: str
    topics: str
    findings: str
    problems: str
    rectifications: tuple[tuple[str, dt.date, str], ...]  # (action, due on, status)
    sync: str = ""   # synced / pending / conflict; "" where no exchange is set up


def _area_choice(area: Area | None) -> AreaChoice | None:
    if area is None:
        return None
    return AreaChoice(area.id, area.level, area_label(area, "zh"), area_label(area, "en"))


def institution_views(s: Session, level: str | None = None) -> list[InstitutionView]:
    return [InstitutionView(i.id, i.name, i.kind, i.level, i.area_id, _area_choice(i.area),
                            i.active)
            for i in institutions(s, level)]


def leader_views(s: Session, level: str | None = None) -> list[LeaderView]:
    return [LeaderView(ld.id, ld.name, ld.title, ld.org_level, ld.rule_code, ld.rule.name_zh,
                       ld.rule.name_en, ld.area_id, _area_choice(ld.area), ld.active)
            for ld in leaders(s, level)]


def assignment_views(s: Session, as_of: dt.date | None = None,
                     leader_id: int | None = None) -> list[AssignmentView]:
    return [AssignmentView(a.id, a.leader_id, a.leader.name, a.leader.org_level,
                           a.leader.rule.name_zh, a.leader.rule.name_en, a.institution_id,
                           a.institution.name, a.start_on, a.end_on)
            for a in assignments(s, as_of, leader_id)]


def assessment_views(s: Session) -> list[AssessmentView]:
    return [AssessmentView(a.id, a.institution_id, a.assessed_on, a.infrastructure,
                           a.service_level, a.assistance_volume, a.long_stay_persons,
                           a.safety_hazards) for a in assessments(s)]


def visit_views(s: Session, limit: int = 200) -> list[VisitView]:
    visits = recent_visits(s, limit)
    states = visit_sync_states(s, [v.id for v in visits])
    return [VisitView(v.id, v.visited_on, v.leader_id, v.institution_id, v.mode, v.topics,
                      v.findings, v.problems,
                      tuple((r.action, r.due_on, r.status) for r in v.rectifications),
                      states.get(v.id, ""))
            for v in visits]


@dataclass(frozen=True)
class LiaisonRecords:
    """Every liaison record the records tabs and their forms show, read in one session."""

    institutions: tuple[InstitutionView, ...]
    leaders: tuple[LeaderView, ...]
    assignments: tuple[AssignmentView, ...]
    assessments: tuple[AssessmentView, ...]
    rules: tuple[RuleChoice, ...]
    rule_versions: tuple[RuleVersionRow, ...]
    results: tuple[QuarterResult, ...]
    areas: tuple[AreaChoice, ...]

    def find(self, kind: str, record_id: int | None):
        """One record by kind (institution, assessment, leader, assignment) and id, or None."""
        rows = {"institution": self.institutions, "assessment": self.assessments,
                "leader": self.leaders, "assignment": self.assignments}[kind]
        return next((r for r in rows if r.id == record_id), None) \
            if record_id is not None else None


def liaison_records(s: Session) -> LiaisonRecords:
    return LiaisonRecords(
        tuple(institution_views(s)), tuple(leader_views(s)), tuple(assignment_views(s)),
        tuple(assessment_views(s)),
        tuple(RuleChoice(r.code, r.name_zh, r.name_en) for r in rules(s)),
        tuple(rule_version_rows(s)), tuple(institution_results(s)),
        tuple(_area_choice(a) for a in areas_for_liaison(s)))
