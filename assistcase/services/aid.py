"""Temporary aid (临时救助, DOMAIN §7): recording, approval by level, payment, the file,
the repeat-aid check and statistics; its roster is built by :mod:`.aid_roster`.

The life of a case::

    record_aid ──► approve_aid ──► record_payment (cash, or a transfer outside a roster)
        │              │       └─► build_temp_aid_roster → review/approve the roster
        │              │            (rosters.review_roster / approve_roster): paid on approval
        └─► refuse_aid └─ update_paperwork (documents; the file complete) at any time

Rules (each refusal names the field and says why, in English and Chinese):

- **Who**: a registered household (and one of its persons, by default the head) or a person
  outside the registry (name, ID number when known, where found, the township responsible).
  Aid to a person outside the registry never creates a household. An ID number that belongs
  to a registered person is refused for a non-registered case: record it for that person.
- **Class** (urban / rural), which picks the dibao standard: the household's class; for a
  person outside the registry the class given, else urban for a subdistrict (街道) and rural
  for a township or town (:func:`assistcase.aid.default_residence_class`).
- **Approval limits** (审批权限): the township may approve up to ``aid_township_limit_pct`` %
  of the monthly dibao standard, the county up to ``aid_county_limit_pct`` % (defaults 3× and
  6×), anything above only by a case-by-case decision (一事一议) with its meeting's date,
  participants and minutes. The standard is the one :func:`~.standards.standard_for` gives
  for the case's township and class on the approval date: the standard in force on the first
  day of that month (standards apply per month, DOMAIN §5). The level comes with the approval
  (there are no user roles yet; when they come, the level will come from the approver's role).
- **Payment** (先行救助): an urgent case may be paid before its file is complete; its file is
  then due ``aid_paperwork_days`` working days (Monday–Friday; holidays are not modelled)
  after the payment (:func:`paperwork_files`, :func:`overdue_paperwork`). An expenditure case
  is paid only once its file is complete.
- **Rosters**: :func:`.aid_roster.build_temp_aid_roster` puts every approved, unpaid case
  paid by bank of an area on a temporary-aid roster, each case on exactly one roster (a
  database index enforces it; discarding a draft roster releases its cases). Review,
  approval, discard, the PDF and the bank file are the roster machinery's (:mod:`.rosters`).
  Approving the roster marks its cases paid (a database trigger, so it holds whoever
  approves): on the roster's pay date, else the approval date. A payment the bank returns
  as failed is not un-paid: it is reissued by the next temporary-aid roster of the area, as
  for every program.
  Cash cases are paid with :func:`record_payment`.
- **Repeat aid** (:func:`previous_aid`): aid granted in the past ``aid_repeat_months`` months
  to the same household, person or ID number (a person without a known ID number: the same
  name) comes back as warnings when a case is recorded or approved; it never blocks.
- **Statistics** (:func:`aid_statistics`): person-times (人次: one per granted case) and amounts
  per period, by type, cause and township; granted aid counted on its approval date (or, with
  ``basis='paid'``, paid aid on its payment date).

Money is integer fen. Policy values come from the township's county/city (inherited).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Iterable

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..rules.aid import (AID_TYPES, APPROVAL_LEVELS, DOCUMENT_LABELS_EN, DOCUMENT_SUGGESTIONS,
                   GRANTED_STATUSES,
                   LEVEL_LABELS, MAX_AMOUNT_FEN, PAYMENT_METHODS, STATUS_LABELS, TYPE_LABELS,
                   ApprovalLimits, add_working_days, default_residence_class)
from ..db import Database
from ..sqldialect import sql_bool
from ..errors import (PermissionDenied, FieldError, NotFoundError, ServiceResult, StateError, ValidationError,
                      Warning_)
from ..rules.idnumber import check_account, normalize_id, parse_resident_id
from ..models import Area, Household, Person, User
from ..models.aid import AidCase, AidCause
from ..models.registry import RESIDENCE_CLASSES
from ..rules.areas import code_prefix
from ..rules.standards import CLASS_ZH, Policy, add_months
from ..rules.money import yuan
from .sync_state import aid_sync_states
from .audit import Auditor, resolve_user
from .standards import policy_for, standard_for
from .auth import AID_LEVEL_PERMISSION, authorize, reader, requires

__all__ = [
    "AidInput", "ApprovalInput", "AboveApprovalLimit", "AidCauseRow", "AidView", "AidRow",
    "AidFilter", "QueueItem", "PreviousAid", "PaperworkFile", "StatRow", "AidStatistics",
    "DOCUMENT_SUGGESTIONS", "DOCUMENT_LABELS_EN",
    "aid_causes", "save_aid_cause", "record_aid", "update_aid", "approve_aid", "refuse_aid",
    "record_payment", "update_paperwork", "approval_limits", "case_limits", "aid_view",
    "list_aid", "approval_queue", "previous_aid", "paperwork_files", "overdue_paperwork",
    "period_bounds", "aid_statistics",
]

# --- inputs -------------------------------------------------------------------------------


@dataclass
class AidInput:
    """A temporary-aid case as the caseworker records it.

    Registered: give ``household_id`` (the head is the person aided) or ``person_id`` (a
    member); ``name``, ``id_number``, ``township_id`` and ``residence_class`` then come from
    the registry and are ignored here. Otherwise the case is for a person outside the
    registry: ``name``, ``found_at`` (where found / current location) and ``township_id``
    (the township responsible) are required, ``id_number`` is checked when given.

    ``payment_method`` 'bank' needs an account: the one given, else the household's.
    ``documents`` lists the documents received, one entry each."""

    aid_type: str
    cause: str
    applied_on: dt.date
    amount_requested_fen: int
    household_id: int | None = None
    person_id: int | None = None
    name: str = ""
    id_number: str = ""
    found_at: str = ""
    township_id: int | None = None
    residence_class: str | None = None
    phone: str = ""
    description: str = ""
    documents: list[str] = field(default_factory=list)
    paperwork_complete: bool = False
    payment_method: str = "bank"
    account_type: str = ""        # '' → the household's account
    account_number: str = ""
    bank_name: str = ""


@dataclass
class ApprovalInput:
    """An approval (审批) by the named official. ``level`` ('township', 'county' or
    'case_by_case') comes from the approver's role (issue 13): None takes it from the role
    (a county approver with a meeting recorded: case by case); a level the role does not
    hold is refused. A case-by-case decision (一事一议) needs the meeting's date,
    participants and minutes."""

    level: str | None
    approver: str
    approved_on: dt.date
    amount_granted_fen: int
    note: str = ""
    meeting_date: dt.date | None = None
    meeting_participants: str = ""
    meeting_minutes: str = ""


class AboveApprovalLimit(ValidationError):
    """An approval beyond the approver's level. ``limit_fen`` is that level's limit,
    ``required_level`` the lowest level that may approve the amount."""

    def __init__(self, error: FieldError, level: str, limits: ApprovalLimits, amount_fen: int):
        self.level = level
        self.limits = limits
        self.limit_fen = limits.limit_for(level)
        self.required_level = limits.required_level(amount_fen)
        super().__init__([error])


# --- views --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AidCauseRow:
    code: str
    label_en: str
    label_zh: str
    sort_order: int
    active: bool


@dataclass(frozen=True)
class AidRow:
    """One line of a list of aid cases."""

    id: int
    status: str
    aid_type: str
    cause: str
    cause_zh: str
    registered: bool
    household_id: int | None
    name: str
    id_number: str
    township_id: int
    township_name: str
    village_name: str
    found_at: str
    residence_class: str
    applied_on: dt.date
    amount_requested_fen: int
    amount_granted_fen: int | None
    approval_level: str | None
    approved_on: dt.date | None
    paid_on: dt.date | None
    payment_method: str
    paperwork_complete: bool
    household_number: str = ""   # "" for a person not in the registry
    sync: str = ""               # synced / pending / conflict; "" where no exchange is set up


@dataclass(frozen=True)
class AidView:
    """Everything about one case, for the case form."""

    id: int
    status: str
    aid_type: str
    cause: str
    cause_en: str
    cause_zh: str
    registered: bool
    household_id: int | None
    household_number: str
    person_id: int | None
    name: str
    id_number: str
    phone: str
    found_at: str
    township_id: int
    township_code: str
    township_name: str
    village_id: int | None
    village_name: str
    residence_class: str
    description: str
    documents: tuple[str, ...]
    amount_requested_fen: int
    amount_granted_fen: int | None
    payment_method: str
    account_type: str
    account_number: str
    bank_name: str
    applied_on: dt.date
    approved_on: dt.date | None
    paid_on: dt.date | None
    paid_via: str | None
    paperwork_complete: bool
    completed_on: dt.date | None
    paperwork_due: dt.date | None
    approval_level: str | None
    approver: str
    approval_note: str
    standard_fen: int | None
    limit_fen: int | None
    meeting_date: dt.date | None
    meeting_participants: str
    meeting_minutes: str
    refused_on: dt.date | None
    refusal_reason: str
    recorded_by: str
    roster_id: int | None
    roster_status: str | None
    roster_line_id: int | None
    bank_outcome: str | None
    bank_reason: str

    def status_label(self, lang: str = "en") -> str:
        return STATUS_LABELS[self.status][1 if lang.startswith("zh") else 0]


@dataclass(frozen=True)
class QueueItem:
    """A recorded case waiting for approval at ``level``: the lowest level that may approve
    the amount requested. ``limit_fen`` is that level's limit (None for 一事一议, or when no
    dibao standard is in force: ``standard_fen`` None)."""

    aid: AidRow
    level: str
    standard_fen: int | None
    limit_fen: int | None


@dataclass(frozen=True)
class PreviousAid:
    """Aid granted earlier to the same household, person or ID number."""

    id: int
    name: str
    id_number: str
    aid_type: str
    cause_zh: str
    approved_on: dt.date
    amount_granted_fen: int
    status: str


@dataclass(frozen=True)
class RepeatAid:
    """The repeat-aid check (重复救助提示): the look-back of the area's policy
    (``aid_repeat_months``) and the grants inside it, newest first."""

    months: int
    earlier: tuple[PreviousAid, ...]


@dataclass(frozen=True)
class PaperworkFile:
    """A case paid before its file was complete: due on ``deadline``; ``overdue`` once the
    day given is after it."""

    aid: AidRow
    deadline: dt.date
    overdue: bool


@dataclass
class AidFilter:
    area_id: int | None = None
    status: str | None = None
    aid_type: str | None = None
    cause: str | None = None
    text: str = ""                   # part of the name, or the ID number
    applied_from: dt.date | None = None
    applied_to: dt.date | None = None
    limit: int | None = 1000


# --- helpers ------------------------------------------------------------------------------


def _aid(s: Session, aid_id: int) -> AidCase:
    case = s.get(AidCase, aid_id)
    if case is None:
        raise NotFoundError("temporary-aid case", aid_id, "临时救助案件")
    return case


def _is_date(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _check_date(errors: list[FieldError], name: str, value: object, label_zh: str,
                optional: bool = False) -> None:
    if optional and value is None:
        return
    if not _is_date(value):
        errors.append(FieldError(name, "give the date", f"请填写{label_zh}"))


def _check_amount(errors: list[FieldError], name: str, value: object, label_zh: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT_FEN:
        errors.append(FieldError(name,
                                 f"the amount must be from 0.01 to {yuan(MAX_AMOUNT_FEN)} yuan",
                                 f"{label_zh}应在0.01元至{yuan(MAX_AMOUNT_FEN)}元之间"))


def _not_before(errors: list[FieldError], name: str, day: object, earlier: dt.date | None,
                what_en: str, what_zh: str) -> None:
    if _is_date(day) and earlier is not None and day < earlier:
        errors.append(FieldError(name, f"the date cannot be before the {what_en} ({earlier})",
                                 f"日期不能早于{what_zh}（{earlier}）"))


def _documents(value: Iterable[str] | str) -> str:
    items = value.splitlines() if isinstance(value, str) else list(value)
    return "\n".join(x.strip() for x in items if x and x.strip())


def approval_limits(s: Session, township_id: int, residence_class: str,
                    on: dt.date) -> ApprovalLimits | None:
    """The approval limits for a township, class and date (None when no dibao standard is in
    force then): the dibao standard of the date's month and the policy's percentages."""
    std = standard_for(s, township_id, residence_class, "dibao", on)
    if std is None:
        return None
    policy = policy_for(s, township_id, on)
    return ApprovalLimits(std[1], std[0], policy.aid_township_limit_pct,
                          policy.aid_county_limit_pct)


def case_limits(s: Session, aid_id: int, on: dt.date | None = None) -> ApprovalLimits | None:
    """The approval limits that apply to a case on ``on`` (default: today)."""
    case = _aid(s, aid_id)
    return approval_limits(s, case.township_id, case.residence_class, on or dt.date.today())


def _no_standard(s: Session, case: AidCase, on: dt.date) -> FieldError:
    area = s.get(Area, case.township_id)
    return FieldError(
        "approved_on",
        f"no dibao standard ({case.residence_class}) is in force for {area.name} on {on}: "
        "the approval limit cannot be worked out; enter the standard first",
        f"{on} {area.name}没有适用的{CLASS_ZH[case.residence_class]}低保标准，无法确定审批限额，"
        "请先录入低保标准")


# --- causes -------------------------------------------------------------------------------


def aid_causes(s: Session, include_inactive: bool = False) -> list[AidCauseRow]:
    """The causes a case may name, in display order."""
    stmt = select(AidCause).order_by(AidCause.sort_order, AidCause.code)
    if not include_inactive:
        stmt = stmt.where(AidCause.active.is_(True))
    return [AidCauseRow(c.code, c.label_en, c.label_zh, c.sort_order, c.active)
            for c in s.scalars(stmt)]


@requires("standards.write")
def save_aid_cause(db: Database, actor: str | int, code: str, label_en: str, label_zh: str,
                   active: bool = True, sort_order: int | None = None) -> ServiceResult:
    """Add a cause or change one (labels, order, retired with ``active=False``). A cause is
    never deleted: the cases that name it keep it."""
    code = (code or "").strip()
    errors = []
    if not code or not code.replace("_", "").isalnum() or not code.isascii() or len(code) > 24:
        errors.append(FieldError("code", "the code is up to 24 letters, digits or _",
                                 "代码应为不超过24位的字母、数字或下划线"))
    if not (label_zh or "").strip():
        errors.append(FieldError("label_zh", "give the Chinese name", "请填写中文名称"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        audit = Auditor(s, user)
        row = s.get(AidCause, code)
        values = {"label_en": (label_en or "").strip() or label_zh.strip(),
                  "label_zh": label_zh.strip(), "active": bool(active)}
        if sort_order is not None:
            values["sort_order"] = sort_order
        if row is None:
            values.setdefault("sort_order", (s.scalar(select(func.max(AidCause.sort_order))) or 0)
                              + 10)
            s.add(AidCause(code=code, **values))
            audit.note("create", "aid_cause", None, f"{code}: {values}")
        else:
            for key, new in values.items():
                old = getattr(row, key)
                if old != new:
                    audit.note("update", "aid_cause", None, f"{code}.{key}: {old} → {new}")
                    setattr(row, key, new)
        return ServiceResult()


# --- recording ----------------------------------------------------------------------------


def _validate_input(data: AidInput) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.aid_type not in AID_TYPES:
        errors.append(FieldError("aid_type", "choose urgent or expenditure", "请选择急难型或支出型"))
    _check_date(errors, "applied_on", data.applied_on, "申请日期")
    _check_amount(errors, "amount_requested_fen", data.amount_requested_fen, "申请金额")
    if data.payment_method not in PAYMENT_METHODS:
        errors.append(FieldError("payment_method", "choose bank account or cash",
                                 "请选择发放方式：银行账户或现金"))
    if data.residence_class not in (None, "", *RESIDENCE_CLASSES):
        errors.append(FieldError("residence_class", "choose urban or rural", "请选择城市或农村"))
    return errors


def _case_values(s: Session, data: AidInput, warnings: list[Warning_]) -> dict[str, object]:
    """The columns of a case from its input, after every check; raises ValidationError."""
    errors = _validate_input(data)
    cause = s.get(AidCause, data.cause) if isinstance(data.cause, str) else None
    if cause is None or not cause.active:
        errors.append(FieldError("cause", "choose the cause from the list", "请从列表中选择救助原因"))
    values: dict[str, object] = {}
    household: Household | None = None
    if data.household_id is not None or data.person_id is not None:
        person = None
        if data.person_id is not None:
            person = s.get(Person, data.person_id)
            if person is None:
                raise NotFoundError("person", data.person_id, "人员")
            if person.household_id is None or (data.household_id is not None
                                               and person.household_id != data.household_id):
                errors.append(FieldError("person_id", "the person is not a member of the household",
                                         "该人员不是本户成员"))
            household = s.get(Household, person.household_id) if person.household_id else None
        else:
            household = s.get(Household, data.household_id)
            if household is None:
                raise NotFoundError("household", data.household_id, "户")
            person = s.get(Person, household.head_person_id) if household.head_person_id else None
            if person is None:
                errors.append(FieldError("household_id", "the household has no head",
                                         "该户没有户主"))
        if household is not None and household.status != "active":
            errors.append(FieldError("household_id", f"household {household.number} is closed",
                                     f"户 {household.number} 已注销"))
        if errors:
            raise ValidationError(errors)
        village = s.get(Area, household.village_id)
        values.update(household_id=household.id, person_id=person.id, name=person.name,
                      id_number=person.id_number, township_id=village.parent_id,
                      village_id=village.id, residence_class=household.residence_class,
                      phone=data.phone.strip() or person.phone or household.phone,
                      found_at=data.found_at.strip())
    else:
        name = (data.name or "").strip()
        if not name:
            errors.append(FieldError("name", "give the person's name", "请填写姓名"))
        if not (data.found_at or "").strip():
            errors.append(FieldError("found_at", "say where the person was found or now lives",
                                     "请填写发现地点或现居住地"))
        township = s.get(Area, data.township_id) if isinstance(data.township_id, int) else None
        if township is None or township.level != "township":
            errors.append(FieldError("township_id", "choose the township responsible",
                                     "请选择负责救助的乡镇（街道）"))
        number = normalize_id(data.id_number) if data.id_number else ""
        if number:
            try:
                parse_resident_id(number, "id_number",
                                  today=data.applied_on if _is_date(data.applied_on) else None)
            except ValidationError as e:
                errors.extend(e.errors)
            else:
                holder = s.scalar(select(Person).where(Person.id_number == number))
                if holder is not None and holder.household_id is not None:
                    hh = s.get(Household, holder.household_id)
                    errors.append(FieldError(
                        "id_number",
                        f"{number} is registered ({holder.name}, household {hh.number}): "
                        "record the aid for the registered person",
                        f"身份证号 {number} 已在户 {hh.number}（{holder.name}）登记，"
                        "请按在册人员登记救助"))
        if errors:
            raise ValidationError(errors)
        values.update(household_id=None, person_id=None, name=name, id_number=number,
                      township_id=township.id, village_id=None,
                      residence_class=data.residence_class
                      or default_residence_class(township.name),
                      phone=data.phone.strip(), found_at=data.found_at.strip())
    if errors:
        raise ValidationError(errors)
    # Payment account.
    if data.payment_method == "bank":
        acc = (data.account_type or "", (data.account_number or "").replace(" ", ""),
               (data.bank_name or "").strip())
        if not acc[1] and household is not None and household.account_type != "none":
            acc = (household.account_type, household.account_number, household.bank_name)
        if acc[0] in ("", "none") or not acc[1]:
            raise ValidationError.single(
                "account_number", "a bank payment needs the account (or choose cash)",
                "银行发放须填写账户（或选择现金发放）")
        for w in check_account(acc[0], acc[1]):
            warnings.append(Warning_(w.field, w.message_en, w.message_zh))
        values.update(account_type=acc[0], account_number=acc[1], bank_name=acc[2])
    else:
        values.update(account_type="none", account_number="", bank_name="")
    values.update(aid_type=data.aid_type, cause=cause.code, description=data.description.strip(),
                  documents=_documents(data.documents), applied_on=data.applied_on,
                  amount_requested_fen=data.amount_requested_fen,
                  payment_method=data.payment_method,
                  paperwork_complete=bool(data.paperwork_complete),
                  completed_on=data.applied_on if data.paperwork_complete else None)
    return values


def _repeat_warnings(s: Session, case: AidCase, as_of: dt.date) -> list[Warning_]:
    check = _case_repeat_aid(s, case, as_of)
    months, earlier = check.months, check.earlier
    if not earlier:
        return []
    en = "; ".join(f"{p.approved_on} {p.name} {p.cause_zh} {yuan(p.amount_granted_fen)} yuan "
                   f"(case {p.id})" for p in earlier)
    zh = "；".join(f"{p.approved_on} {p.name} {p.cause_zh} {yuan(p.amount_granted_fen)} 元"
                   f"（案件 {p.id}）" for p in earlier)
    return [Warning_("previous_aid",
                     f"temporary aid granted {len(earlier)} time(s) in the past {months} "
                     f"months: {en}",
                     f"近 {months} 个月内已获临时救助 {len(earlier)} 次：{zh}")]


@requires("aid.record", household="data.household_id", person="data.person_id", area="data.township_id")
def record_aid(db: Database, actor: str | int, data: AidInput) -> ServiceResult:
    """Record a new case (status 'recorded'). ``created_id`` is the case's id; the warnings
    list earlier aid within the repeat-aid period and a passbook failing its check."""
    errors = _validate_input(data)
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        warnings: list[Warning_] = []
        values = _case_values(s, data, warnings)
        case = AidCase(status="recorded", recorded_by=user.id, **values)
        s.add(case)
        s.flush()
        Auditor(s, user).created("aid_case", case.id, values, household_id=case.household_id)
        warnings += _repeat_warnings(s, case, case.applied_on)
        return ServiceResult(household_ids={case.household_id} if case.household_id else set(),
                             created_id=case.id, warnings=warnings)


@requires("aid.record", aid="aid_id", household="data.household_id", person="data.person_id", area="data.township_id")
def update_aid(db: Database, actor: str | int, aid_id: int, data: AidInput) -> ServiceResult:
    """Correct a case that is still waiting for approval (every field of :class:`AidInput`)."""
    errors = _validate_input(data)
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _aid(s, aid_id)
        if case.status != "recorded":
            raise StateError(f"case {case.id} is {case.status}: only a case waiting for approval "
                             "can be corrected",
                             f"案件 {case.id} {STATUS_LABELS[case.status][1]}，只有待审批的案件可以修改")
        warnings: list[Warning_] = []
        values = _case_values(s, data, warnings)
        Auditor(s, user).apply(case, "aid_case", values, household_id=case.household_id)
        s.flush()
        warnings += _repeat_warnings(s, case, case.applied_on)
        return ServiceResult(household_ids={case.household_id} if case.household_id else set(),
                             warnings=warnings)


# --- approval -----------------------------------------------------------------------------


def _validate_approval(data: ApprovalInput) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.level not in APPROVAL_LEVELS:
        errors.append(FieldError("level", "choose the approval level (township, county or "
                                 "case-by-case decision)", "请选择审批层级：乡镇、县级或一事一议"))
    if not (data.approver or "").strip():
        errors.append(FieldError("approver", "name the official who approved", "请填写审批人"))
    _check_date(errors, "approved_on", data.approved_on, "审批日期")
    _check_amount(errors, "amount_granted_fen", data.amount_granted_fen, "批准金额")
    if data.level == "case_by_case":
        if not _is_date(data.meeting_date):
            errors.append(FieldError("meeting_date",
                                     "a case-by-case decision needs the meeting's date",
                                     "一事一议须填写会议日期"))
        elif _is_date(data.approved_on) and data.meeting_date > data.approved_on:
            errors.append(FieldError("meeting_date", "the meeting cannot be after the approval",
                                     "会议日期不能晚于审批日期"))
        if not (data.meeting_participants or "").strip():
            errors.append(FieldError("meeting_participants",
                                     "a case-by-case decision needs the meeting's participants",
                                     "一事一议须填写参会人员"))
        if not (data.meeting_minutes or "").strip():
            errors.append(FieldError("meeting_minutes",
                                     "a case-by-case decision needs the meeting's minutes",
                                     "一事一议须填写会议纪要"))
    return errors


def _approval_level(s: Session, actor, aid_id: int, data: ApprovalInput) -> str:
    """The level an approver approves at: their role's (DOMAIN §12), never a choice."""
    township = _aid(s, aid_id).township_id
    held = []
    for level, perm in AID_LEVEL_PERMISSION.items():
        try:
            authorize(s, actor, perm, area_id=township)
            held.append(level)
        except PermissionDenied:
            pass
    if data.level is not None:
        if data.level in APPROVAL_LEVELS and data.level not in held:
            label = LEVEL_LABELS[data.level]
            raise PermissionDenied(
                f"your role does not approve at {label[0]} level",
                f"您的角色不能作{label[1]}审批")
        return data.level
    if "case_by_case" in held and data.meeting_date is not None:
        return "case_by_case"
    for level in ("county", "township", "case_by_case"):
        if level in held:
            return level
    raise PermissionDenied("your role does not approve temporary aid", "您的角色不能审批临时救助")


@requires(("aid.approve.township", "aid.approve.county", "aid.approve.case_by_case"), aid="aid_id")
def approve_aid(db: Database, actor: str | int, aid_id: int,
                data: ApprovalInput) -> ServiceResult:
    """Approve a recorded case at ``data.level``. Refused with :class:`AboveApprovalLimit`
    (naming the limit in yuan) when the amount is beyond that level's limit, and when no
    dibao standard is in force to work the limit out. Warnings: earlier aid within the
    repeat-aid period; a grant above the amount requested."""
    with db.read() as s:
        data = dataclasses.replace(data, level=_approval_level(s, actor, aid_id, data))
    errors = _validate_approval(data)
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = authorize(s, actor, AID_LEVEL_PERMISSION[data.level],
                         area_id=_aid(s, aid_id).township_id)
        case = _aid(s, aid_id)
        if case.status != "recorded":
            raise StateError(f"case {case.id} is already {case.status}",
                             f"案件 {case.id} {STATUS_LABELS[case.status][1]}，不能再审批")
        _not_before(errors, "approved_on", data.approved_on, case.applied_on,
                    "application", "申请日期")
        if data.level == "case_by_case":
            _not_before(errors, "meeting_date", data.meeting_date, case.applied_on,
                        "application", "申请日期")
        if errors:
            raise ValidationError(errors)
        limits = approval_limits(s, case.township_id, case.residence_class, data.approved_on)
        if limits is None:
            if data.level != "case_by_case":
                raise ValidationError([_no_standard(s, case, data.approved_on)])
        else:
            refusal = limits.refusal(data.level, data.amount_granted_fen)
            if refusal is not None:
                raise AboveApprovalLimit(refusal, data.level, limits, data.amount_granted_fen)
        meeting = data.level == "case_by_case"
        changes = {
            "status": "approved", "approval_level": data.level, "approver": data.approver.strip(),
            "approved_on": data.approved_on, "amount_granted_fen": data.amount_granted_fen,
            "approval_note": data.note.strip(), "approved_by": user.id,
            "standard_fen": limits.standard_fen if limits else None,
            "limit_fen": limits.limit_for(data.level) if limits else None,
            "meeting_date": data.meeting_date if meeting else None,
            "meeting_participants": data.meeting_participants.strip() if meeting else "",
            "meeting_minutes": data.meeting_minutes.strip() if meeting else "",
        }
        Auditor(s, user).apply(case, "aid_case", changes, household_id=case.household_id)
        s.flush()
        warnings = _repeat_warnings(s, case, data.approved_on)
        if data.amount_granted_fen > case.amount_requested_fen:
            warnings.append(Warning_(
                "amount_granted_fen",
                f"the grant {yuan(data.amount_granted_fen)} yuan is more than the "
                f"{yuan(case.amount_requested_fen)} yuan requested",
                f"批准金额 {yuan(data.amount_granted_fen)} 元高于申请金额 "
                f"{yuan(case.amount_requested_fen)} 元"))
        return ServiceResult(household_ids={case.household_id} if case.household_id else set(),
                             warnings=warnings)


@requires(("aid.approve.township", "aid.approve.county", "aid.approve.case_by_case"), aid="aid_id")
def refuse_aid(db: Database, actor: str | int, aid_id: int, on: dt.date,
               reason: str) -> ServiceResult:
    """Refuse a recorded case (不予救助), with the reason."""
    errors: list[FieldError] = []
    _check_date(errors, "refused_on", on, "日期")
    if not (reason or "").strip():
        errors.append(FieldError("reason", "give the reason", "请填写不予救助的理由"))
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _aid(s, aid_id)
        if case.status != "recorded":
            raise StateError(f"case {case.id} is already {case.status}",
                             f"案件 {case.id} {STATUS_LABELS[case.status][1]}，不能再作不予救助处理")
        _not_before(errors, "refused_on", on, case.applied_on, "application", "申请日期")
        if errors:
            raise ValidationError(errors)
        Auditor(s, user).apply(case, "aid_case", {"status": "refused", "refused_on": on,
                                                  "refusal_reason": reason.strip()},
                               household_id=case.household_id)
        return ServiceResult(household_ids={case.household_id} if case.household_id else set())


# --- payment and the file -----------------------------------------------------------------


def _grant_line(s: Session, aid_id: int) -> tuple[int, int, str] | None:
    """(line id, roster id, roster status) of the roster line paying the case's grant."""
    row = s.execute(text(
        "SELECT l.id, r.id, r.status FROM roster_lines AS l JOIN rosters AS r ON r.id = l.roster_id"
        " WHERE l.aid_case_id = :a AND l.persons > 0"), {"a": aid_id}).first()
    return tuple(row) if row else None


def paperwork_deadline(s: Session, case: AidCase) -> dt.date | None:
    """The day a case paid before its file was complete must have the file complete by."""
    if case.paid_on is None or case.paperwork_complete:
        return None
    return add_working_days(case.paid_on,
                            policy_for(s, case.township_id, case.paid_on).aid_paperwork_days)


@requires("aid.record", aid="aid_id")
def record_payment(db: Database, actor: str | int, aid_id: int, paid_on: dt.date,
                   note: str = "") -> ServiceResult:
    """Record that an approved case was paid outside a roster: cash handed over (or a
    transfer made directly). An urgent case may be paid before its file is complete
    (先行救助): the warning then gives the day the file is due. An expenditure case is paid
    only once its file is complete. A case on a roster is paid by the roster."""
    errors: list[FieldError] = []
    _check_date(errors, "paid_on", paid_on, "发放日期")
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _aid(s, aid_id)
        if case.status != "approved":
            raise StateError(
                f"case {case.id} is {case.status}: only an approved, unpaid case is paid",
                f"案件 {case.id} {STATUS_LABELS[case.status][1]}，只有已审批未发放的案件可以发放")
        line = _grant_line(s, case.id)
        if line is not None:
            raise StateError(f"case {case.id} is on roster {line[1]}: it is paid by the roster",
                             f"案件 {case.id} 已列入花名册 {line[1]}，由花名册发放")
        if case.aid_type == "expenditure" and not case.paperwork_complete:
            raise StateError(
                f"case {case.id} is expenditure aid: it is paid once its file is complete "
                "(only urgent aid is paid first)",
                f"案件 {case.id} 为支出型救助，材料齐全后方可发放（仅急难型可先行救助）")
        _not_before(errors, "paid_on", paid_on, case.approved_on, "approval", "审批日期")
        if errors:
            raise ValidationError(errors)
        audit = Auditor(s, user)
        audit.apply(case, "aid_case", {"status": "paid", "paid_on": paid_on,
                                       "paid_via": "direct"}, household_id=case.household_id)
        if note.strip():
            audit.note("pay", "aid_case", case.id, note.strip(), household_id=case.household_id)
        s.flush()
        warnings = []
        due = paperwork_deadline(s, case)
        if due is not None:
            days = policy_for(s, case.township_id, paid_on).aid_paperwork_days
            warnings.append(Warning_(
                "paperwork_complete",
                f"paid before the file is complete: complete it by {due} ({days} working days)",
                f"先行救助：请于 {due} 前（{days} 个工作日内）补齐材料"))
        return ServiceResult(household_ids={case.household_id} if case.household_id else set(),
                             warnings=warnings)


@requires("aid.record", aid="aid_id")
def update_paperwork(db: Database, actor: str | int, aid_id: int,
                     documents: Iterable[str] | str | None = None,
                     completed_on: dt.date | None = None,
                     description: str | None = None) -> ServiceResult:
    """Record the documents received (replacing the list) and, with ``completed_on``, that
    the file is complete. Not for a refused case."""
    errors: list[FieldError] = []
    _check_date(errors, "completed_on", completed_on, "材料齐全日期", optional=True)
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        user = resolve_user(s, actor)
        case = _aid(s, aid_id)
        if case.status == "refused":
            raise StateError(f"case {case.id} was refused", f"案件 {case.id} 已作不予救助处理")
        changes: dict[str, object] = {}
        if documents is not None:
            changes["documents"] = _documents(documents)
        if description is not None:
            changes["description"] = description.strip()
        if completed_on is not None:
            _not_before(errors, "completed_on", completed_on, case.applied_on,
                        "application", "申请日期")
            if errors:
                raise ValidationError(errors)
            if case.paperwork_complete:
                raise StateError(f"the file of case {case.id} is already complete",
                                 f"案件 {case.id} 的材料已齐全")
            changes.update(paperwork_complete=True, completed_on=completed_on)
        Auditor(s, user).apply(case, "aid_case", changes, household_id=case.household_id)
        return ServiceResult(household_ids={case.household_id} if case.household_id else set())


# --- reading ------------------------------------------------------------------------------

_ROW_SQL = """
SELECT a.id, a.status, a.aid_type, a.cause, COALESCE(c.label_zh, a.cause),
       a.household_id IS NOT NULL, a.household_id, a.name, a.id_number, a.township_id, t.name,
       COALESCE(v.name, ''), a.found_at, a.residence_class, a.applied_on, a.amount_requested_fen,
       a.amount_granted_fen, a.approval_level, a.approved_on, a.paid_on, a.payment_method,
       a.paperwork_complete, COALESCE(h.number, '')
FROM aid_cases AS a
JOIN areas AS t ON t.id = a.township_id
LEFT JOIN areas AS v ON v.id = a.village_id
LEFT JOIN aid_causes AS c ON c.code = a.cause
LEFT JOIN households AS h ON h.id = a.household_id
"""


def _date_or_none(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _row(r) -> AidRow:
    return AidRow(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], r[8], r[9], r[10],
                  r[11], r[12], r[13], _date_or_none(r[14]), r[15], r[16], r[17],
                  _date_or_none(r[18]), _date_or_none(r[19]), r[20], bool(r[21]), r[22])


def _rows(s: Session, where: str, params: dict, order: str = "a.applied_on, a.id",
          limit: int | None = None) -> list[AidRow]:
    sql = f"{_ROW_SQL} WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = [_row(r) for r in s.execute(text(sql), params)]
    states = aid_sync_states(s, [r.id for r in rows])
    return [replace(r, sync=states.get(r.id, "")) for r in rows] if states else rows


def _area_clause(s: Session, area_id: int | None, params: dict) -> str:
    """SQL restricting ``t`` (the case's township) to the area and to the signed-in user's
    area, or 1."""
    scope = reader(s)
    mine = "1 = 1"  # (a bare 1 is no boolean on PostgreSQL)
    if not scope.everywhere:
        for i, p in enumerate(scope.prefixes):
            params[f"scope{i}"] = p + "%"
        mine = "(" + " OR ".join(f"t.code LIKE :scope{i}" for i in range(len(scope.prefixes))) + ")"
    if area_id is None:
        return mine
    area = s.get(Area, area_id)
    if area is None:
        raise NotFoundError("area", area_id, "区划")
    if area.level == "village":
        area = s.get(Area, area.parent_id)
    params["area_prefix"] = code_prefix(area.code, area.level) + "%"
    return f"t.code LIKE :area_prefix AND {mine}"


def aid_view(s: Session, aid_id: int) -> AidView:
    case = _aid(s, aid_id)
    reader(s, area_id=case.township_id)
    cause = s.get(AidCause, case.cause)
    township = s.get(Area, case.township_id)
    village = s.get(Area, case.village_id) if case.village_id else None
    hh = s.get(Household, case.household_id) if case.household_id else None
    recorder = s.get(User, case.recorded_by)
    line = _grant_line(s, case.id)
    outcome = None
    if line is not None:
        outcome = s.execute(text("SELECT outcome, reason FROM payment_results WHERE line_id = :l"),
                            {"l": line[0]}).first()
    return AidView(
        case.id, case.status, case.aid_type, case.cause, cause.label_en, cause.label_zh,
        case.household_id is not None, case.household_id, hh.number if hh else "",
        case.person_id, case.name, case.id_number, case.phone, case.found_at, township.id,
        township.code, township.name, case.village_id, village.name if village else "",
        case.residence_class, case.description,
        tuple(x for x in case.documents.splitlines() if x), case.amount_requested_fen,
        case.amount_granted_fen, case.payment_method, case.account_type, case.account_number,
        case.bank_name, case.applied_on, case.approved_on, case.paid_on, case.paid_via,
        case.paperwork_complete, case.completed_on, paperwork_deadline(s, case),
        case.approval_level, case.approver, case.approval_note, case.standard_fen,
        case.limit_fen, case.meeting_date, case.meeting_participants, case.meeting_minutes,
        case.refused_on, case.refusal_reason,
        (recorder.display_name or recorder.username) if recorder else "",
        line[1] if line else None, line[2] if line else None, line[0] if line else None,
        outcome[0] if outcome else None, (outcome[1] or "") if outcome else "")


def list_aid(s: Session, f: AidFilter | None = None) -> list[AidRow]:
    """Cases matching the filter, newest application first."""
    f = f or AidFilter()
    params: dict[str, object] = {}
    where = [_area_clause(s, f.area_id, params)]
    for key, value in (("status", f.status), ("aid_type", f.aid_type), ("cause", f.cause)):
        if value:
            where.append(f"a.{key} = :{key}")
            params[key] = value
    if f.applied_from is not None:
        where.append("a.applied_on >= :applied_from")
        params["applied_from"] = f.applied_from.isoformat()
    if f.applied_to is not None:
        where.append("a.applied_on <= :applied_to")
        params["applied_to"] = f.applied_to.isoformat()
    q = (f.text or "").strip()
    if q:
        number = normalize_id(q)
        if len(number) == 18:
            where.append("a.id_number = :number")
            params["number"] = number
        else:
            where.append("(a.name LIKE :q ESCAPE '\\' OR a.id_number LIKE :q ESCAPE '\\')")
            escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["q"] = f"%{escaped}%"
    return _rows(s, " AND ".join(where), params, "a.applied_on DESC, a.id DESC", f.limit)


def approval_queue(s: Session, level: str, as_of: dt.date | None = None,
                   area_id: int | None = None) -> list[QueueItem]:
    """Recorded cases waiting for approval at ``level``: the lowest level allowed to approve
    the amount requested under the limits of ``as_of`` (default today). Cases for which no
    dibao standard is in force (no limit can be worked out) wait in the township queue with
    ``standard_fen`` None. Oldest application first."""
    if level not in APPROVAL_LEVELS:
        raise ValidationError.single("level", "unknown approval level", "审批层级无效")
    as_of = as_of or dt.date.today()
    params: dict[str, object] = {}
    where = f"a.status = 'recorded' AND {_area_clause(s, area_id, params)}"
    cache: dict[tuple[int, str], ApprovalLimits | None] = {}
    out = []
    for row in _rows(s, where, params):
        key = (row.township_id, row.residence_class)
        if key not in cache:
            cache[key] = approval_limits(s, key[0], key[1], as_of)
        limits = cache[key]
        needed = limits.required_level(row.amount_requested_fen) if limits else "township"
        if needed == level:
            out.append(QueueItem(row, level, limits.standard_fen if limits else None,
                                 limits.limit_for(level) if limits else None))
    return out


def previous_aid(s: Session, as_of: dt.date, *, household_id: int | None = None,
                 person_id: int | None = None, id_number: str | None = None,
                 name: str | None = None, months: int = 12,
                 exclude_id: int | None = None) -> list[PreviousAid]:
    """Aid granted (approved or paid) in the ``months`` months up to ``as_of`` to the same
    household, person or ID number, or (for a person whose ID number is unknown) the same
    name: newest first. A grant exactly ``months`` months before ``as_of`` is outside."""
    conds, params = [], {"since": add_months(as_of, -months).isoformat(),
                         "as_of": as_of.isoformat(), "exclude": exclude_id or 0}
    if household_id is not None:
        conds.append("a.household_id = :household_id")
        params["household_id"] = household_id
    if person_id is not None:
        conds.append("a.person_id = :person_id")
        params["person_id"] = person_id
    if id_number:
        conds.append("a.id_number = :id_number")
        params["id_number"] = normalize_id(id_number)
    if name:
        conds.append("a.name = :name")
        params["name"] = name.strip()
    if not conds:
        return []
    rows = s.execute(text(
        "SELECT a.id, a.name, a.id_number, a.aid_type, COALESCE(c.label_zh, a.cause),"
        " a.approved_on, a.amount_granted_fen, a.status FROM aid_cases AS a"
        " LEFT JOIN aid_causes AS c ON c.code = a.cause"
        f" WHERE a.status IN {GRANTED_STATUSES!r} AND a.approved_on > :since"
        f" AND a.approved_on <= :as_of AND a.id <> :exclude AND ({' OR '.join(conds)})"
        " ORDER BY a.approved_on DESC, a.id DESC"), params)
    return [PreviousAid(r[0], r[1], r[2], r[3], r[4], _date_or_none(r[5]), r[6], r[7])
            for r in rows]


def repeat_aid(s: Session, as_of: dt.date, area_id: int | None, *,
               household_id: int | None = None, person_id: int | None = None,
               id_number: str | None = None, name: str | None = None,
               exclude_id: int | None = None) -> RepeatAid:
    """Earlier aid to a household, person, ID number or name within the look-back the policy
    of ``area_id`` sets on ``as_of`` (no area yet: the policy default)."""
    policy = policy_for(s, area_id, as_of) if area_id is not None else Policy()
    months = policy.aid_repeat_months
    return RepeatAid(months, tuple(previous_aid(
        s, as_of, household_id=household_id, person_id=person_id, id_number=id_number,
        name=name, months=months, exclude_id=exclude_id)))


def _case_repeat_aid(s: Session, case: AidCase | AidView, as_of: dt.date) -> RepeatAid:
    return repeat_aid(s, as_of, case.township_id, household_id=case.household_id,
                      person_id=case.person_id, id_number=case.id_number or None,
                      name=None if case.id_number else case.name, exclude_id=case.id)


def case_repeat_aid(s: Session, aid_id: int, today: dt.date) -> RepeatAid:
    """The repeat-aid check of a recorded case: as of its approval, else ``today``."""
    case = _aid(s, aid_id)
    return _case_repeat_aid(s, case, case.approved_on or today)


def approval_queues(s: Session, as_of: dt.date | None = None,
                    area_id: int | None = None) -> dict[str, list[QueueItem]]:
    """The approval queue of every level (township, county, case by case)."""
    return {lv: approval_queue(s, lv, as_of, area_id) for lv in APPROVAL_LEVELS}


def waiting_level(s: Session, aid_id: int, as_of: dt.date | None = None) -> str | None:
    """The level whose approval a recorded case waits for (None once it is decided)."""
    for level, queue in approval_queues(s, as_of).items():
        if any(q.aid.id == aid_id for q in queue):
            return level
    return None


def paperwork_files(s: Session, as_of: dt.date, area_id: int | None = None,
                    overdue_only: bool = False) -> list[PaperworkFile]:
    """Cases paid before their file was complete, with the day each file is due
    (``aid_paperwork_days`` working days after the payment): overdue first, soonest first.
    ``overdue`` means ``as_of`` is after the deadline."""
    params: dict[str, object] = {}
    where = (f"a.paid_on IS NOT NULL AND a.paperwork_complete = {sql_bool(s, False)} AND "
             + _area_clause(s, area_id, params))
    days: dict[tuple[int, dt.date], int] = {}
    out = []
    for row in _rows(s, where, params, "a.paid_on, a.id"):
        key = (row.township_id, row.paid_on)
        if key not in days:  # the limit in force on the day it was paid, as paperwork_deadline
            days[key] = policy_for(s, row.township_id, row.paid_on).aid_paperwork_days
        deadline = add_working_days(row.paid_on, days[key])
        overdue = as_of > deadline
        if overdue or not overdue_only:
            out.append(PaperworkFile(row, deadline, overdue))
    out.sort(key=lambda f: (f.deadline, f.aid.id))
    return out


def overdue_paperwork(s: Session, as_of: dt.date,
                      area_id: int | None = None) -> list[PaperworkFile]:
    """Files of cases paid first (先行救助) still incomplete after their deadline."""
    return paperwork_files(s, as_of, area_id, overdue_only=True)


# --- statistics ---------------------------------------------------------------------------


def period_bounds(kind: str, year: int, number: int = 1) -> tuple[dt.date, dt.date]:
    """[start, end) of a month (number 1–12), a quarter (1–4) or a year."""
    if kind == "month" and 1 <= number <= 12:
        start = dt.date(year, number, 1)
        return start, add_months(start, 1)
    if kind == "quarter" and 1 <= number <= 4:
        start = dt.date(year, 3 * number - 2, 1)
        return start, add_months(start, 3)
    if kind == "year":
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    raise ValidationError.single("period", "a period is a month (1–12), a quarter (1–4) or a year",
                                 "统计期应为月（1–12）、季度（1–4）或年")


@dataclass(frozen=True)
class StatRow:
    key: str                # aid type, cause code, or township code
    label_en: str
    label_zh: str
    person_times: int
    amount_fen: int


@dataclass(frozen=True)
class AidStatistics:
    """Person-times (人次) and amounts of temporary aid in [start, end)."""

    start: dt.date
    end: dt.date
    basis: str
    area_id: int | None
    person_times: int
    amount_fen: int
    by_type: list[StatRow]
    by_cause: list[StatRow]
    by_township: list[StatRow]


def aid_statistics(s: Session, start: dt.date, end: dt.date, area_id: int | None = None,
                   basis: str = "approved") -> AidStatistics:
    """Temporary aid in [start, end) (see :func:`period_bounds`), optionally within an area.

    ``basis='approved'``: aid granted (approved or paid), counted on the approval date, with
    the amount granted; ``basis='paid'``: aid paid, on the payment date. One case is one
    person-time (人次). By type (both types always listed), by cause (every cause with aid
    or still active, in list order) and by township (those with aid, by code)."""
    if basis not in ("approved", "paid"):
        raise ValidationError.single("basis", "count granted or paid aid", "统计口径应为审批或发放")
    params: dict[str, object] = {"start": start.isoformat(), "end": end.isoformat()}
    day = "a.approved_on" if basis == "approved" else "a.paid_on"
    statuses = GRANTED_STATUSES if basis == "approved" else ("paid",)
    where = (f"a.status IN ({', '.join(repr(x) for x in statuses)}) AND {day} >= :start"
             f" AND {day} < :end AND {_area_clause(s, area_id, params)}")
    base = f"FROM aid_cases AS a JOIN areas AS t ON t.id = a.township_id WHERE {where}"

    def grouped(key: str) -> dict[str, tuple[int, int]]:
        return {k: (n, fen) for k, n, fen in s.execute(text(
            f"SELECT {key}, COUNT(*), COALESCE(SUM(a.amount_granted_fen), 0) {base}"
            f" GROUP BY {key}"), params)}

    by_type_raw = grouped("a.aid_type")
    by_type = [StatRow(t, *TYPE_LABELS[t], *by_type_raw.get(t, (0, 0))) for t in AID_TYPES]
    by_cause_raw = grouped("a.cause")
    by_cause = [StatRow(c.code, c.label_en, c.label_zh, *by_cause_raw.get(c.code, (0, 0)))
                for c in s.scalars(select(AidCause).order_by(AidCause.sort_order, AidCause.code))
                if c.active or c.code in by_cause_raw]
    by_township = [StatRow(code, name, name, n, fen) for code, name, n, fen in s.execute(text(
        f"SELECT t.code, t.name, COUNT(*), COALESCE(SUM(a.amount_granted_fen), 0) {base}"
        " GROUP BY t.id ORDER BY t.code"), params)]
    total_n = sum(r.person_times for r in by_type)
    total_fen = sum(r.amount_fen for r in by_type)
    return AidStatistics(start, end, basis, area_id, total_n, total_fen, by_type, by_cause,
                         by_township)


def level_label(level: str, lang: str = "en") -> str:
    return LEVEL_LABELS[level][1 if lang.startswith("zh") else 0]
