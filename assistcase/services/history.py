"""A household's change history (变更记录) as a person reads it.

The audit log stores each change field by field in the core's terms (``aid_case 201``,
``cause fire``, ``village_id 229``, ``amount_requested_fen 150000``). This module is the one
place that turns those rows into what a caseworker reads: field names in the user's language,
money in yuan, coded values by their labels, references by name (village, household number,
person, user), one entry per change (the rows one action wrote together), filterable by date
and user. The UI only shows the result.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from ..rules.aid import LEVEL_LABELS, PAYMENT_LABELS, STATUS_LABELS as AID_STATUS_LABELS, TYPE_LABELS
from ..db import Database
from ..models import AuditEntry, User
from ..models.aid import AidCause
from ..models.areas import Area
from ..models.registry import Household, Person

# (English, Chinese) for every record kind the household's history holds.
ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "household": ("Household", "家庭户"),
    "person": ("Member", "成员"),
    "income": ("Income", "收入"),
    "property": ("Property", "财产"),
    "case": ("Assistance case", "救助案件"),
    "aid_case": ("Temporary aid", "临时救助"),
    "membership": ("Membership", "户籍关系"),
    "attachment": ("Paper", "材料"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "create": ("created", "新建"), "update": ("changed", "修改"), "delete": ("deleted", "删除"),
    "import": ("imported", "导入"), "pay": ("paid", "发放"), "attach": ("attached", "添加材料"),
    "detach": ("paper removed", "移除材料"),
}

# (English, Chinese) for every field the services audit on a household's records.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    # household
    "number": ("household number", "户编号"), "village_id": ("village", "所属村（社区）"),
    "residence_class": ("urban/rural", "城乡类别"), "category": ("category", "救助类别"),
    "status": ("status", "状态"), "address": ("address", "住址"), "phone": ("phone", "联系电话"),
    "account_type": ("account type", "账户类型"), "account_number": ("account number", "银行账号"),
    "bank_name": ("bank", "开户银行"), "head_person_id": ("head", "户主"),
    "closed_on": ("closed on", "注销日期"), "closed_reason": ("reason for closing", "注销原因"),
    # person
    "name": ("name", "姓名"), "id_number": ("ID number", "身份证号"),
    "birth_date": ("birth date", "出生日期"), "sex": ("sex", "性别"),
    "relation": ("relation to head", "与户主关系"), "household_id": ("household", "所属户"),
    "disability_grade": ("disability grade", "残疾等级"),
    "disability_category": ("disability category", "残疾类别"),
    "serious_illness": ("serious illness", "重病"), "self_care": ("self-care", "自理能力"),
    "in_school": ("in school", "在校"), "able_to_work": ("able to work", "有劳动能力"),
    # incomes and property
    "source": ("source", "收入来源"), "monthly_fen": ("monthly amount", "月收入"),
    "note": ("note", "备注"), "valid_from": ("from", "起始日期"), "valid_until": ("until", "截止日期"),
    "kind": ("kind", "类别"), "value_fen": ("value", "价值"), "description": ("description", "说明"),
    "person_id": ("person", "人员"),
    # assistance cases
    "program": ("program", "救助项目"), "applied_on": ("applied on", "申请日期"),
    "application_reason": ("reason for applying", "申请理由"),
    "checked_on": ("checked on", "核对日期"), "check_findings": ("check findings", "核对结果"),
    "investigated_on": ("investigated on", "入户调查日期"),
    "investigators": ("investigators", "调查人员"),
    "investigation_findings": ("investigation findings", "调查结论"),
    "publicity_start": ("publicity from", "公示开始"), "publicity_end": ("publicity until", "公示结束"),
    "confirmed_on": ("confirmed on", "审核确认日期"), "paid_from": ("paid from", "发放起始月"),
    "paid_until": ("paid until", "发放截止月"), "stable_income": ("stable income", "收入稳定"),
    "last_review_on": ("last reviewed on", "上次核查日期"),
    "next_review_on": ("next review on", "下次核查日期"),
    "support_mode": ("support mode", "供养方式"), "institution_name": ("institution", "供养机构"),
    "covered": ("covered members", "保障对象"),
    # temporary aid
    "aid_type": ("aid type", "救助类型"), "cause": ("cause", "致困原因"),
    "found_at": ("found at", "发现地点"), "township_id": ("township", "责任乡镇"),
    "documents": ("documents", "申请材料"),
    "amount_requested_fen": ("amount requested", "申请金额"),
    "amount_granted_fen": ("amount granted", "批准金额"),
    "payment_method": ("payment method", "发放方式"), "approved_on": ("approved on", "审批日期"),
    "paid_on": ("paid on", "发放日期"), "paid_via": ("paid through", "发放途径"),
    "paperwork_complete": ("file complete", "材料齐全"), "completed_on": ("file completed on", "补齐材料日期"),
    "approval_level": ("approval level", "审批层级"), "approver": ("approver", "审批人"),
    "approval_note": ("approval note", "审批意见"), "approved_by": ("approved by", "审批用户"),
    "standard_fen": ("standard", "保障标准"), "limit_fen": ("limit", "审批限额"),
    "meeting_date": ("meeting date", "会议日期"),
    "meeting_participants": ("meeting participants", "参会人员"),
    "meeting_minutes": ("meeting minutes", "会议纪要"), "refused_on": ("refused on", "不予救助日期"),
    "refusal_reason": ("reason for refusal", "不予救助理由"), "recorded_by": ("recorded by", "登记人"),
    # papers
    "file_name": ("file name", "文件名"), "sha256": ("content hash", "内容校验码"),
    "size": ("size", "大小"), "paper_kind": ("paper", "材料类别"),
}

# Coded values by field: value → (English, Chinese).
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "residence_class": {"urban": ("urban", "城市"), "rural": ("rural", "农村")},
    "category": {"dibao": ("subsistence allowance", "低保"), "tekun": ("extreme hardship", "特困"),
                 "marginal": ("marginal household", "低保边缘"),
                 "monitored": ("monitored household", "三类户"), "none": ("not assisted", "未救助")},
    "program": {"dibao": ("subsistence allowance", "低保"), "tekun": ("extreme hardship", "特困")},
    "status": {"active": ("active", "正常"), "closed": ("closed", "已注销"),
               "applied": ("applied", "已申请"), "checked": ("checked", "已核对"),
               "investigated": ("investigated", "已调查"), "publicity": ("in publicity", "公示中"),
               "suspended": ("suspended", "暂停"), "terminated": ("terminated", "终止"),
               **AID_STATUS_LABELS},
    "relation": {"head": ("head", "户主"), "spouse": ("spouse", "配偶"), "child": ("child", "子女"),
                 "parent": ("parent", "父母"), "grandchild": ("grandchild", "孙子女"),
                 "sibling": ("sibling", "兄弟姐妹"), "other": ("other", "其他")},
    "self_care": {"full": ("fully self-caring", "全自理"), "partial": ("partly disabled", "半失能"),
                  "none": ("fully disabled", "全失能")},
    "sex": {"M": ("male", "男"), "F": ("female", "女")},
    "account_type": {"card": ("bank card", "银行卡"), "passbook": ("passbook", "存折"),
                     "none": ("no account", "无账户")},
    "source": {"wages": ("wages", "工资"), "agriculture": ("agriculture", "农业"),
               "business": ("business", "经营"), "pension": ("pension", "养老金"),
               "transfer": ("transfers", "转移性收入"), "property": ("property income", "财产性收入"),
               "other": ("other", "其他")},
    "kind": {"deposit": ("deposits", "存款"), "vehicle": ("vehicle", "车辆"),
             "housing": ("housing", "房产"), "other": ("other", "其他")},
    "aid_type": TYPE_LABELS,
    "approval_level": LEVEL_LABELS,
    "payment_method": PAYMENT_LABELS,
    "paid_via": {"direct": ("directly", "直接发放"), "roster": ("by roster", "花名册发放")},
    "support_mode": {"dispersed": ("dispersed", "分散供养"), "centralized": ("in an institution", "集中供养")},
}
BOOLEAN_FIELDS = {"serious_illness", "in_school", "able_to_work", "paperwork_complete",
                  "stable_income"}
AREA_FIELDS = {"village_id", "township_id"}
PERSON_FIELDS = {"person_id", "head_person_id"}
USER_FIELDS = {"recorded_by", "approved_by"}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang.startswith("zh") else pair[0]


def yuan_text(fen: int, lang: str) -> str:
    """150000 → "1,500.00 元" / "1,500.00 yuan" (display only; money stays integer fen)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d} " + ("元" if lang.startswith("zh") else "yuan")


@dataclass(frozen=True)
class HistoryLine:
    """One field of one change, described."""

    field: str  # the core's field name (for tests and export)
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One change: what one user's action wrote to one record, described."""

    at: dt.datetime
    user: str
    action: str
    action_label: str
    record: str  # e.g. "成员 张三", "临时救助 第201号"
    lines: list[HistoryLine] = field(default_factory=list)
    note: str = ""
    audit_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """The change on one line: "姓名：张三 → 张珊；电话：… → …"."""
        parts = []
        for ln in self.lines:
            if ln.old and ln.new:
                parts.append(f"{ln.label}: {ln.old} → {ln.new}")
            else:
                parts.append(f"{ln.label}: {ln.new or ln.old}")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


class _Names:
    """Looks up the names references stand for, once each."""

    def __init__(self, s, lang: str):
        self.s, self.lang = s, lang
        self._cache: dict[tuple[str, str], str] = {}

    def _get(self, kind: str, key: str, fetch) -> str:
        k = (kind, key)
        if k not in self._cache:
            try:
                value = fetch(int(key))
            except (TypeError, ValueError):
                value = None
            self._cache[k] = value if value else key
        return self._cache[k]

    def area(self, key: str) -> str:
        return self._get("area", key, lambda i: self.s.scalar(select(Area.name).where(Area.id == i)))

    def household(self, key: str) -> str:
        return self._get("household", key,
                         lambda i: self.s.scalar(select(Household.number).where(Household.id == i)))

    def person(self, key: str) -> str:
        return self._get("person", key,
                         lambda i: self.s.scalar(select(Person.name).where(Person.id == i)))

    def user(self, key: str) -> str:
        return self._get("user", key,
                         lambda i: self.s.scalar(select(User.display_name).where(User.id == i))
                         or self.s.scalar(select(User.username).where(User.id == i)))

    def cause(self, code: str) -> str:
        k = ("cause", code)
        if k not in self._cache:
            row = self.s.execute(select(AidCause.label_en, AidCause.label_zh)
                                 .where(AidCause.code == code)).first()
            self._cache[k] = _pick(tuple(row), self.lang) if row else code
        return self._cache[k]


def describe_value(names: _Names, fld: str, value: str | None, lang: str) -> str:
    """One stored audit value as a person reads it."""
    if value is None or value == "":
        return ""
    zh = lang.startswith("zh")
    if fld.endswith("_fen"):
        try:
            return yuan_text(int(value), lang)
        except ValueError:
            return value
    if fld in BOOLEAN_FIELDS:
        return ("是" if zh else "yes") if value in ("1", "True", "true") else ("否" if zh else "no")
    if fld in AREA_FIELDS:
        return names.area(value)
    if fld == "household_id":
        return names.household(value)
    if fld in PERSON_FIELDS:
        return names.person(value)
    if fld in USER_FIELDS:
        return names.user(value)
    if fld == "covered":
        return "、".join(names.person(v) for v in value.split(",") if v)
    if fld == "cause":
        return names.cause(value)
    if fld == "disability_grade":
        return f"{value}级" if zh else f"grade {value}"
    labels = VALUE_LABELS.get(fld)
    if labels and value in labels:
        return _pick(labels[value], lang)
    return value


def describe_field(fld: str, lang: str) -> str:
    pair = FIELD_LABELS.get(fld)
    return _pick(pair, lang) if pair else fld


def _record(names: _Names, a: AuditEntry, person_name: str | None, lang: str) -> str:
    entity = _pick(ENTITY_LABELS.get(a.entity, (a.entity, a.entity)), lang)
    zh = lang.startswith("zh")
    if a.entity == "person" and a.entity_id is not None:
        return f"{entity} {person_name or names.person(str(a.entity_id))}"
    if a.entity == "household" and a.entity_id is not None:
        return f"{entity} {names.household(str(a.entity_id))}"
    if a.entity_id is None:
        return entity
    return f"{entity} 第{a.entity_id}号" if zh else f"{entity} no. {a.entity_id}"


def _note_text(text: str | None, lang: str) -> str:
    """Free-text notes the services write in English (e.g. "removed from household: 迁出")."""
    if not text:
        return ""
    if lang.startswith("zh") and text.startswith("removed from household: "):
        return "移出本户：" + text[len("removed from household: "):]
    if lang.startswith("zh") and text.startswith("removed from household"):
        return "移出本户"
    return text


def _record_values(a: AuditEntry) -> dict[str, str] | None:
    """The fields of a record written as one audit row (``Auditor.created_record``: a
    spreadsheet import's households, persons, incomes and property), else None."""
    if a.field is not None or a.action != "create" or not (a.new_value or "").startswith("{"):
        return None
    try:
        values = json.loads(a.new_value)
    except ValueError:
        return None
    return values if isinstance(values, dict) else None


def household_history(db: Database, household_id: int, lang: str = "zh",
                      since: dt.date | None = None, until: dt.date | None = None,
                      user: str | None = None, limit: int = 2000) -> list[HistoryEntry]:
    """The household's changes, newest first, each described in ``lang`` ("zh" or "en").
    ``since``/``until`` bound the day (inclusive); ``user`` is a username. Rows one action
    wrote to one record (same user, record and action, within the same second) form one
    entry."""
    with db.read() as s:
        stmt = (select(AuditEntry, User.username).join(User, User.id == AuditEntry.user_id)
                .where(AuditEntry.household_id == household_id))
        if since is not None:
            stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(since, dt.time()))
        if until is not None:
            stmt = stmt.where(AuditEntry.at < dt.datetime.combine(until + dt.timedelta(days=1),
                                                                   dt.time()))
        if user:
            stmt = stmt.where(User.username == user)
        rows = list(s.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit)))
        names = _Names(s, lang)
        entries: list[HistoryEntry] = []
        for a, username in reversed(rows):  # oldest first, so a person's name at creation is known
            prev = entries[-1] if entries else None
            key = (username, a.entity, a.entity_id, a.action)
            record = _record_values(a)
            if (prev is not None and prev._key == key  # type: ignore[attr-defined]
                    and abs((a.at - prev.at).total_seconds()) < 1):
                entry = prev
            else:
                person_name = None
                if a.entity == "person" and a.field == "name":
                    person_name = a.new_value or a.old_value
                elif a.entity == "person" and record is not None:
                    person_name = record.get("name")
                entry = HistoryEntry(
                    at=a.at, user=username,
                    action=a.action,
                    action_label=_pick(ACTION_LABELS.get(a.action, (a.action, a.action)), lang),
                    record=_record(names, a, person_name, lang))
                entry._key = key  # type: ignore[attr-defined]
                entries.append(entry)
            entry.audit_ids.append(a.id)
            if record is not None:  # one row for the whole record: a line per field
                entry.lines.extend(
                    HistoryLine(f, describe_field(f, lang), describe_value(names, f, None, lang),
                                describe_value(names, f, v, lang)) for f, v in record.items())
            elif a.field is None:
                entry.note = "; ".join(x for x in (entry.note, _note_text(a.new_value, lang)) if x)
            else:
                entry.lines.append(HistoryLine(a.field, describe_field(a.field, lang),
                                               describe_value(names, a.field, a.old_value, lang),
                                               describe_value(names, a.field, a.new_value, lang)))
        entries.reverse()
        return entries


def history_users(db: Database, household_id: int) -> list[str]:
    """The usernames that changed the household (for the history's user filter)."""
    with db.read() as s:
        return list(s.scalars(select(User.username).join(AuditEntry, AuditEntry.user_id == User.id)
                              .where(AuditEntry.household_id == household_id)
                              .distinct().order_by(User.username)))
