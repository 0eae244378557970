"""Sign-in, roles and area scope: the one place the core decides who may do what, where
(issue 13, DOMAIN §1 and §12).

- A user signs in with a password kept as an argon2id hash (argon2-cffi); a run of
  ``signin_max_failures`` failures locks the account for ``signin_lock_minutes``.
- A user holds roles, each for an area (and every area under it; no area: the whole database).
  What a role may do is data: the ``role_permissions`` rows migration 0014 seeds, which the
  administrator reads (:func:`permission_table`, docs/roles.md).
- Every public service function calls :func:`authorize` (writes, with the acting user) or
  :func:`reader` (reads, with the user the database is signed in as): the permission, and the
  area of the record or list, are checked before anything is read or written.
- Separation of duties (:func:`separate`): a roster's reviewer is not its builder, its approver
  neither; a case's confirmer is not the caseworker who investigated. Each rule is a policy
  setting; a one-person office sets it to 0 with a notice, and every step taken under the
  exception is audited with that notice as its reason.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any, Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, object_session

from ..security.hashcost import fast_hash_for_tests
from ..rules.idnumber import mask_id  # noqa: F401  (the one masking rule; re-exported)
from ..errors import FieldError, NotFoundError, PermissionDenied, SignInError, ValidationError
from ..rules.areas import code_prefix
from ..models import Area, AuditEntry, Role, RolePermission, User, UserRole
from ..models.audit import SignInToken

# the actor of the write service running (reads inside it check that user)
_acting: contextvars.ContextVar = contextvars.ContextVar("assistcase_actor", default=None)


# What each permission lets a user do; the grant of permissions to roles is the
# ``role_permissions`` table (seeded by migration 0014).
PERMISSIONS: dict[str, tuple[str, str]] = {
    "read": ("read the records of the area", "查阅本区域的记录"),
    "personal.full": ("see full ID numbers and bank accounts", "查看完整身份证号和银行账号"),
    "export.personal": ("print and export personal data (PDF, xlsx, notices)",
                        "打印、导出含个人信息的文件（PDF、Excel、公示）"),
    "audit.read": ("read the audit log", "查阅操作日志"),
    "supervise": ("look into every area of the work (督查), changing nothing",
                  "督查：查阅各项业务，不作修改"),
    "registry.write": ("register and change households and members", "登记、变更户籍和家庭成员"),
    "registry.import": ("import a register from a spreadsheet", "从表格导入花名册"),
    "case.write": ("record applications, checks, investigations, publicity, reviews, "
                   "suspensions and terminations", "办理申请、核对、入户调查、公示、复核、暂停和终止"),
    "case.confirm": ("confirm cases (审核确认)", "审核确认救助案件"),
    "entitlement.recalculate": ("compute a month's entitlements", "计算月度保障金"),
    "aid.record": ("record temporary aid, its payment and paperwork",
                   "登记临时救助、发放和补齐材料"),
    "aid.approve.township": ("approve temporary aid up to the township limit",
                             "在乡镇限额内审批临时救助"),
    "aid.approve.county": ("approve temporary aid up to the county limit",
                           "在县级限额内审批临时救助"),
    "aid.approve.case_by_case": ("approve temporary aid case by case (一事一议)",
                                 "一事一议审批临时救助"),
    "roster.build": ("build rosters, bank files and record bank returns",
                     "编制花名册、银行发放文件，登记银行退回"),
    "roster.review": ("review rosters (审核)", "审核花名册"),
    "roster.approve": ("approve rosters (审批)", "审批花名册"),
    "standards.write": ("set standards and policy", "设定保障标准和政策参数"),
    "liaison.write": ("keep the leadership-liaison records", "维护领导定点联系记录"),
    "care.write": ("keep care institutions' accounts", "维护供养机构账户"),
    "areas.write": ("load the area list", "导入行政区划"),
    "users.admin": ("manage users and roles", "管理用户和角色"),
}

# The level of a temporary-aid approval comes from the approver's role (DOMAIN §12).
AID_LEVEL_PERMISSION = {"township": "aid.approve.township", "county": "aid.approve.county",
                        "case_by_case": "aid.approve.case_by_case"}

# argon2id at the library's parameters (64 MiB, three passes, four lanes); in the test suite
# at its smallest cost (security/hashcost.py).
_REAL_HASHER = PasswordHasher()
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _hasher() -> PasswordHasher:
    return _FAST_HASHER if fast_hash_for_tests() else _REAL_HASHER


# --- who is acting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    role: str
    role_zh: str
    area_id: int | None
    area_code: str       # '' for the whole database
    area_name: str       # '全部区域' for the whole database
    prefix: str          # the area code's significant digits: a record is in it if it starts so


@dataclass(frozen=True)
class Identity:
    """A signed-in user: what services receive as ``actor`` (a username or id works too and is
    resolved the same way). ``grants`` are the roles read at sign-in, for the window; the core
    reads them again from the database on every call."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[Grant, ...] = ()
    permissions: frozenset[str] = field(default_factory=frozenset)
    demo: bool = False

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def areas_text(self) -> str:
        seen: list[str] = []
        for g in self.grants:
            if g.area_name not in seen:
                seen.append(g.area_name)
        return "、".join(seen)


@dataclass(frozen=True)
class Scope:
    """Where a permission holds for a user: the area-code prefixes, or everywhere."""

    everywhere: bool
    prefixes: tuple[str, ...]

    def covers(self, code: str | None) -> bool:
        if self.everywhere:
            return True
        return code is not None and any(code.startswith(p) for p in self.prefixes)


ALL = Scope(True, ())


# What a session has read of its users' rights (the user row, their grants, their roles'
# permissions), so one call checks them once: a save checked its permission for the record's
# area in three authorisations and read the same user, grants and permissions each time
# (issue 14: 5 user and 8 grant queries a save). Each call of a service opens its own
# sessions, so rights are still read afresh on every call; a session that writes users,
# grants or permissions forgets what it read (_forget_rights).
_RIGHTS = "assistcase.rights"
# The rights that a write service's permission check (``requires``) read, carried into the
# sessions the service then opens for the rest of the call: its write transaction does not
# read them a second time. On a bureau server that read was a quarter of the time a save
# held the write lock (issue 14: several clerks saving wait on each other there). Each call
# still reads them afresh in its check; writing a user, grant or permission drops them.
_carried: contextvars.ContextVar = contextvars.ContextVar("assistcase_rights", default=None)


def _rights_cache(s: Session) -> dict:
    cache = s.info.get(_RIGHTS)
    if cache is None:
        cache = s.info[_RIGHTS] = {}
        for key, (user, grants, perms) in (_carried.get() or {}).items():
            user = s.merge(user, load=False)   # the row as read by the check: no statement
            cache[("rights", key)] = (user, grants, perms)
            cache[("user", key)] = user
    return cache


def _forget_rights(_mapper: Any, _connection: Any, target: Any) -> None:
    """A user, grant, role or permission row written: its session forgets the rights it read
    and the call carries none further (mapper events: a flush of anything else costs
    nothing)."""
    _carried.set(None)
    session = object_session(target)
    if session is not None:
        session.info.pop(_RIGHTS, None)
        session.info.pop("scopes", None)


for _model in (User, UserRole, RolePermission, Role):
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _forget_rights)


def _rights(s: Session, actor: "Identity | str | int"
            ) -> tuple[User, tuple["Grant", ...], dict[str, set[str]]]:
    """The user behind ``actor``, their grants and their roles' permissions (see _RIGHTS),
    read in one statement (a search paid three round trips for them)."""
    cache = _rights_cache(s)
    key = ("rights", _actor_key(actor))
    hit = cache.get(key)
    if hit is None:
        rows = s.execute(
            select(User, UserRole.id, UserRole.role_code, Role.label_zh, UserRole.area_id,
                   Area.code, Area.name, Area.level, RolePermission.permission)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .outerjoin(Role, Role.code == UserRole.role_code)
            .outerjoin(Area, Area.id == UserRole.area_id)
            .outerjoin(RolePermission, RolePermission.role_code == UserRole.role_code)
            .where(_user_filter(actor)).order_by(UserRole.id)).all()
        user = _checked_user(rows[0][0] if rows else None, actor)
        grants: dict[int, Grant] = {}
        perms: dict[str, set[str]] = {}
        for _user, grant_id, role, role_zh, area_id, code, name, level, perm in rows:
            if grant_id is None or role_zh is None:   # no grant; a grant of no known role
                continue
            if grant_id not in grants:
                grants[grant_id] = (Grant(role, role_zh, None, "", "全部区域", "")
                                    if area_id is None else
                                    Grant(role, role_zh, area_id, code, name,
                                          code_prefix(code, level)))
            if perm is not None:
                perms.setdefault(role, set()).add(perm)
        cache[("user", _actor_key(actor))] = user
        hit = cache[key] = (user, tuple(grants.values()), perms)
    return hit


def _actor_key(actor: "Identity | str | int") -> tuple:
    if isinstance(actor, Identity):
        return ("id", actor.user_id)
    if isinstance(actor, str):
        return ("name", actor.strip())
    return (type(actor).__name__, actor)


def _user_of(s: Session, actor: "Identity | str | int") -> User:
    """The user behind ``actor``. Unknown users are refused: nobody is registered by acting."""
    cache = _rights_cache(s)
    key = ("user", _actor_key(actor))
    user = cache.get(key)
    if user is None:
        user = cache[key] = _read_user(s, actor)
    return user


def _user_filter(actor: "Identity | str | int"):
    if isinstance(actor, Identity):
        return User.id == actor.user_id
    if isinstance(actor, int) and not isinstance(actor, bool):
        return User.id == actor
    if isinstance(actor, str) and actor.strip():
        return User.username == actor.strip()
    raise PermissionDenied("sign in first: no user is acting", "请先登录：未指定操作人")


def _checked_user(user: User | None, actor: "Identity | str | int") -> User:
    if user is None:
        raise PermissionDenied(f"unknown user {actor!r}: sign in as a registered user",
                               f"未知用户“{actor}”：请以已登记的用户登录")
    if not user.active:
        raise PermissionDenied(f"user {user.username} is disabled", f"用户“{user.username}”已停用")
    return user


def _read_user(s: Session, actor: "Identity | str | int") -> User:
    if isinstance(actor, Identity):
        user = s.get(User, actor.user_id)
    elif isinstance(actor, int) and not isinstance(actor, bool):
        user = s.get(User, actor)
    else:
        user = s.scalar(select(User).where(_user_filter(actor)))
    return _checked_user(user, actor)


def _grant_rows(s: Session, user_id: int) -> list[tuple[str, str, int | None, str | None,
                                                          str | None, str | None]]:
    return list(s.execute(
        select(UserRole.role_code, Role.label_zh, UserRole.area_id, Area.code, Area.name,
               Area.level)
        .join(Role, Role.code == UserRole.role_code)
        .outerjoin(Area, Area.id == UserRole.area_id)
        .where(UserRole.user_id == user_id).order_by(UserRole.id)))


def _grants(s: Session, user_id: int) -> tuple[Grant, ...]:
    out = []
    for role, role_zh, area_id, code, name, level in _grant_rows(s, user_id):
        if area_id is None:
            out.append(Grant(role, role_zh, None, "", "全部区域", ""))
        else:
            out.append(Grant(role, role_zh, area_id, code, name, code_prefix(code, level)))
    return tuple(out)


def _role_permissions(s: Session, roles: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    roles = list(set(roles))
    if roles:
        for role, perm in s.execute(select(RolePermission.role_code, RolePermission.permission)
                                    .where(RolePermission.role_code.in_(roles))):
            out.setdefault(role, set()).add(perm)
    return out


def _scope(grants: tuple[Grant, ...], perms: dict[str, set[str]], permission: str) -> Scope | None:
    prefixes = []
    for g in grants:
        if permission in perms.get(g.role, ()):
            if not g.prefix:
                return ALL
            prefixes.append(g.prefix)
    return Scope(False, tuple(prefixes)) if prefixes else None


def identity(s: Session, actor: "Identity | str | int") -> Identity:
    """The :class:`Identity` of a user, with the roles held now."""
    user, grants, perms = _rights(s, actor)
    return Identity(user.id, user.username, user.display_name, grants,
                    frozenset(p for g in grants for p in perms.get(g.role, ())), user.demo)


def _label(permission: str) -> tuple[str, str]:
    return PERMISSIONS.get(permission, (permission, permission))


def area_code_of(s: Session, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    return s.scalar(select(Area.code).where(Area.id == area_id))


def _area_label(s: Session, code: str) -> str:
    row = s.execute(select(Area.name, Area.code).where(Area.code == code)).first()
    return f"{row[0]} ({row[1]})" if row else code


def authorize(s: Session, actor: "Identity | str | int", permission: str, *,
              area_id: int | None = None, area_code: str | None = None) -> User:
    """The acting user, once it is checked that they hold ``permission`` (for the area, when
    one is given: ``area_id`` or the record's ``area_code``). Raises :class:`PermissionDenied`
    naming the permission, or the area the record lies in."""
    user, grants, perms = _rights(s, actor)
    scope = _scope(grants, perms, permission)
    en, zh = _label(permission)
    who = user.display_name or user.username
    if scope is None:
        raise PermissionDenied(f"{who} may not {en}: no role of theirs allows it",
                               f"{who}无权{zh}：其角色不包含此权限")
    if area_code is None and area_id is not None:
        area_code = area_code_of(s, area_id)
    if (area_code is not None or area_id is not None) and not scope.covers(area_code):
        place = _area_label(s, area_code) if area_code else str(area_id)
        raise PermissionDenied(f"{who} may not {en} in {place}: it is outside their area",
                               f"{who}无权{zh}：记录属于{place}，不在其管辖区域内")
    return user


def scope_of(s: Session, actor: "Identity | str | int", permission: str = "read") -> Scope:
    """Where ``actor`` holds ``permission``; refused when nowhere."""
    user, grants, perms = _rights(s, actor)
    scope = _scope(grants, perms, permission)
    if scope is None:
        en, zh = _label(permission)
        who = user.display_name or user.username
        raise PermissionDenied(f"{who} may not {en}", f"{who}无权{zh}")
    return scope


def signed_in(s: Session) -> "Identity | str | int":
    """The user the session's database is signed in as (``Database.signed_in``); reads have no
    ``actor`` argument and take it from here. Refused when nobody is signed in."""
    who = _acting.get()   # inside a write service: its actor
    if who is None:
        who = s.info.get("identity")
    if who is None:
        raise PermissionDenied("sign in first", "请先登录")
    return who


def reader(s: Session, permission: str = "read", *, area_id: int | None = None,
           area_code: str | None = None) -> Scope:
    """The read scope of the signed-in user; with an area or a record's area code, refused
    (naming the area) unless it lies in that scope. Cached on the session for one
    permission, so a list reading many rows checks once."""
    cache = s.info.setdefault("scopes", {})
    scope = cache.get(permission)
    if scope is None:
        scope = cache[permission] = scope_of(s, signed_in(s), permission)
    if area_id is not None and area_code is None:
        area_code = area_code_of(s, area_id)
    if (area_code is not None or area_id is not None) and not scope.covers(area_code):
        place = _area_label(s, area_code) if area_code else str(area_id)
        raise PermissionDenied(f"the record lies in {place}, outside your area",
                               f"该记录属于{place}，不在您的管辖区域内")
    return scope


def full_personal_data(s: Session) -> bool:
    """Whether the signed-in user sees full ID numbers and bank accounts (DOMAIN §12)."""
    try:
        reader(s, "personal.full")
        return True
    except PermissionDenied:
        return False


def mask_account(number: str) -> str:
    if not number or len(number) <= 4:
        return number
    return "*" * (len(number) - 4) + number[-4:]


def village_ids_in(s: Session, scope: Scope):
    """A SELECT of the villages a scope covers (None: everywhere)."""
    if scope.everywhere:
        return None
    from sqlalchemy import or_

    return select(Area.id).where(Area.level == "village",
                                 or_(*[Area.code.like(p + "%") for p in scope.prefixes]))


def area_ids_in(s: Session, scope: Scope):
    if scope.everywhere:
        return None
    from sqlalchemy import or_

    return select(Area.id).where(or_(*[Area.code.like(p + "%") for p in scope.prefixes]))


def household_area_code(s: Session, household_id: int) -> str | None:
    from ..models import Household

    return s.scalar(select(Area.code).join(Household, Household.village_id == Area.id)
                    .where(Household.id == household_id))


# --- the check every public write service makes -------------------------------------------

# how a record's area is found: kind → SQL giving the area code for an id
_AREA_SQL = {
    "area": "SELECT code FROM areas WHERE id = :i",
    "household": "SELECT a.code FROM households h JOIN areas a ON a.id = h.village_id "
                 "WHERE h.id = :i",
    "person": "SELECT a.code FROM persons p JOIN households h ON h.id = p.household_id "
              "JOIN areas a ON a.id = h.village_id WHERE p.id = :i",
    "case": "SELECT a.code FROM assistance_cases c JOIN households h ON h.id = c.household_id "
            "JOIN areas a ON a.id = h.village_id WHERE c.id = :i",
    "aid": "SELECT a.code FROM aid_cases c JOIN areas a ON a.id = c.township_id WHERE c.id = :i",
    "roster": "SELECT a.code FROM rosters r JOIN areas a ON a.id = r.area_id WHERE r.id = :i",
    "line": "SELECT a.code FROM roster_lines l JOIN rosters r ON r.id = l.roster_id "
            "JOIN areas a ON a.id = r.area_id WHERE l.id = :i",
    "income": "SELECT a.code FROM incomes x JOIN households h ON h.id = x.household_id "
              "JOIN areas a ON a.id = h.village_id WHERE x.id = :i",
    "property": "SELECT a.code FROM property_items x JOIN households h ON h.id = x.household_id "
                "JOIN areas a ON a.id = h.village_id WHERE x.id = :i",
    "standard": "SELECT a.code FROM standards x JOIN areas a ON a.id = x.area_id WHERE x.id = :i",
}


def record_area_code(s: Session, kind: str, record_id: object) -> str | None:
    """The area code of a record (None when there is no such record: the service then says
    it is not found)."""
    from sqlalchemy import text

    if record_id is None or isinstance(record_id, bool) or not isinstance(record_id, int):
        return None
    return s.execute(text(_AREA_SQL[kind]), {"i": record_id}).scalar()


def _path(bound: dict, path: str) -> object:
    first, *rest = path.split(".")
    value = bound.get(first)
    for attr in rest:
        value = value.get(attr) if isinstance(value, dict) else getattr(value, attr, None)
    return value


def requires(permission: str | tuple[str, ...], **where: str):
    """Decorate a public write service ``f(db, actor, …)``: before it runs, the acting user
    must hold ``permission`` (any of a tuple), for the area of every record named in
    ``where`` (kind → argument path, e.g. ``case="case_id"``, ``area="data.area_id"``).
    Refused with :class:`PermissionDenied` before any validation, read or write."""
    import functools
    import inspect

    perms = (permission,) if isinstance(permission, str) else tuple(permission)

    def wrap(f):
        sig = inspect.signature(f)

        @functools.wraps(f)
        def checked(db, actor, *args, **kwargs):
            bound = sig.bind_partial(db, actor, *args, **kwargs).arguments
            with db.read() as s:
                codes = []
                for kind, path in where.items():
                    rid = _path(bound, path)
                    code = record_area_code(s, kind.rstrip("_0123456789"), rid)
                    if code is not None:
                        codes.append(code)
                last: PermissionDenied | None = None
                for perm in perms:
                    try:
                        authorize(s, actor, perm)
                        for code in codes:
                            authorize(s, actor, perm, area_code=code)
                        break
                    except PermissionDenied as e:
                        last = e
                else:
                    raise last
                carried = {key[1]: value for key, value in _rights_cache(s).items()
                           if key[0] == "rights"}
            token, rights = _acting.set(actor), _carried.set(carried)
            try:
                return f(db, actor, *args, **kwargs)
            finally:
                _carried.reset(rights)
                _acting.reset(token)

        checked.__requires__ = perms
        return checked

    return wrap


# --- separation of duties -----------------------------------------------------------------

SOD_RULES = {
    "sod_roster_review": ("a roster's reviewer differs from its builder",
                          "花名册审核人与制表人不得为同一人"),
    "sod_roster_approve": ("a roster's approver differs from its builder and its reviewer",
                           "花名册审批人不得为制表人或审核人"),
    "sod_case_confirm": ("a case's confirmer differs from the caseworker who investigated it",
                         "审核确认人不得为入户调查的经办人"),
}


def separate(s: Session, user: User, rule: str, area_id: int, others: dict[str, int | None],
             entity: str, entity_id: int, household_id: int | None = None) -> None:
    """Refuse ``user`` acting where ``others`` (step → user id) already acted, naming the rule
    and the person, unless the area's policy records an exception: then the step goes ahead
    and the exception is audited with its reason (the policy setting's notice)."""
    from .audit import Auditor
    from .standards import policy_values

    clash = [(step, uid) for step, uid in others.items() if uid is not None and uid == user.id]
    if not clash:
        return
    en, zh = SOD_RULES[rule]
    step, _ = clash[0]
    who = user.display_name or user.username
    value = policy_values(s, area_id)[rule]
    if value.value:
        raise PermissionDenied(
            f"separation of duties: {en}; {who} already acted as {step} here",
            f"岗位分离：{zh}；{who}已是本记录的{_STEP_ZH.get(step, step)}")
    notice = value.source
    reason = " ".join(x for x in (getattr(notice, "title", ""), getattr(notice, "number", ""))
                      if x) or "exception set without a notice"
    Auditor(s, user).note("sod_exception", entity, entity_id,
                          f"{rule}: {who} acted as {step} too ({en}); reason: {reason}",
                          household_id)


_STEP_ZH = {"builder": "制表人", "reviewer": "审核人", "investigator": "入户调查经办人"}


# --- passwords and sign-in ----------------------------------------------------------------

MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_rules(password: str, field_name: str = "password") -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError.single(field_name,
                                     f"a password has at least {MIN_PASSWORD} characters",
                                     f"密码至少{MIN_PASSWORD}个字符")


def _top_area_id(s: Session) -> int | None:
    return s.scalar(select(Area.id).where(Area.parent_id.is_(None)).order_by(Area.code).limit(1))


def signin_policy(s: Session):
    """The sign-in settings (failures, lock and idle minutes, token hours) of the database:
    the policy of its top area, else the defaults."""
    from ..rules.standards import Policy
    from .standards import policy_for

    top = _top_area_id(s)
    return policy_for(s, top) if top is not None else Policy()


def _now() -> dt.datetime:
    return dt.datetime.now()


def _audit(s: Session, user: User, **row: Any) -> None:
    """One audit row, chained like every other (services/audit.py; imported here late: audit
    imports this module)."""
    from .audit import Auditor

    Auditor(s, user).record(**row)


def _system_audit(s: Session, user: User, action: str, text: str) -> None:
    _audit(s, user, action=action, entity="user", entity_id=user.id,
                     field=None, new_value=text)


def sign_in(db, username: str, password: str, now: dt.datetime | None = None) -> Identity:
    """Check a password and return the signed-in :class:`Identity`. A wrong password, an
    unknown user and a locked account are refused (:class:`SignInError`); failures and locks
    are audited, and ``signin_max_failures`` failures in a row lock the account for
    ``signin_lock_minutes`` (even the right password is refused until then)."""
    now = now or _now()
    refused: SignInError | None = None
    with db.begin() as s:
        user = s.scalar(select(User).where(User.username == (username or "").strip()))
        policy = signin_policy(s)
        if user is None or not user.active or not user.password_hash:
            raise SignInError("wrong user name or password", "用户名或密码错误")
        if user.locked_until is not None and user.locked_until > now:
            _system_audit(s, user, "signin_refused", f"locked until {user.locked_until:%Y-%m-%d %H:%M}")
            refused = SignInError(
                f"account {user.username} is locked until {user.locked_until:%H:%M} after "
                f"{policy.signin_max_failures} failed sign-ins",
                f"账户“{user.username}”因连续{policy.signin_max_failures}次登录失败已锁定，"
                f"请于 {user.locked_until:%H:%M} 后再试或请管理员解锁")
        else:
            try:
                _hasher().verify(user.password_hash, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                user.failed_attempts = (user.failed_attempts or 0) + 1
                _system_audit(s, user, "signin_failed", f"attempt {user.failed_attempts}")
                if user.failed_attempts >= policy.signin_max_failures:
                    user.locked_until = now + dt.timedelta(minutes=policy.signin_lock_minutes)
                    user.failed_attempts = 0
                    _system_audit(s, user, "lockout",
                                  f"locked until {user.locked_until:%Y-%m-%d %H:%M}")
                refused = SignInError("wrong user name or password", "用户名或密码错误")
            else:
                if _hasher().check_needs_rehash(user.password_hash):
                    user.password_hash = _hasher().hash(password)
                user.failed_attempts, user.locked_until = 0, None
                _system_audit(s, user, "signin", "signed in")
                ident = identity(s, user.id)
        if refused is None and not ident.grants:
            refused = SignInError(f"{user.username} holds no role: ask the administrator",
                                  f"用户“{user.username}”没有任何角色，请联系管理员")
    # the failure's audit rows and counters are committed before the refusal is raised
    if refused is not None:
        raise refused
    return ident


def verify_password(db, user: "Identity | str | int", password: str) -> bool:
    """Unlock after the idle lock: the user's own password (a failure counts as one)."""
    with db.read() as s:
        name = _user_of(s, user).username
    try:
        sign_in(db, name, password)
        return True
    except SignInError:
        return False


def needs_first_administrator(db) -> bool:
    """A new database: nobody can sign in yet."""
    with db.read() as s:
        return not s.scalar(select(func.count()).select_from(User)
                            .where(User.password_hash.is_not(None)))


def create_first_administrator(db, username: str, password: str,
                               display_name: str = "") -> Identity:
    """The first administrator of a new database (administrator over the whole database).
    Refused once anybody can sign in."""
    username = (username or "").strip()
    if not username:
        raise ValidationError.single("username", "give a user name", "请填写用户名")
    check_password_rules(password)
    with db.begin() as s:
        if s.scalar(select(func.count()).select_from(User).where(User.password_hash.is_not(None))):
            raise PermissionDenied("the database already has users: sign in",
                                   "数据库已有用户，请登录")
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=display_name.strip() or username)
            s.add(user)
        user.password_hash = hash_password(password)
        user.password_changed_at = _now()
        s.flush()
        s.add(UserRole(user_id=user.id, role_code="administrator", area_id=None))
        _system_audit(s, user, "role_grant", "administrator @ 全部区域 (first administrator)")
        s.flush()
        return identity(s, user.id)


# --- users and roles (the administrator) --------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    active: bool
    locked_until: dt.datetime | None
    demo: bool
    roles: tuple[Grant, ...]


def list_users(s: Session) -> list[UserRow]:
    reader(s, "users.admin")
    users = s.scalars(select(User).where(User.password_hash.is_not(None)).order_by(User.username))
    return [UserRow(u.id, u.username, u.display_name, u.active, u.locked_until, u.demo,
                    _grants(s, u.id)) for u in users]


def roles(s: Session) -> list[tuple[str, str, str, str]]:
    """(code, English label, Chinese label, usual level) of every role: any signed-in user
    reads them (the window names them)."""
    reader(s)
    return [(r.code, r.label_en, r.label_zh, r.level)
            for r in s.scalars(select(Role).order_by(Role.code))]


def permission_table(s: Session) -> dict[str, list[str]]:
    """Role → permissions, as the database holds them (the administrator reads it)."""
    reader(s)
    out: dict[str, list[str]] = {}
    for role, perm in s.execute(select(RolePermission.role_code, RolePermission.permission)
                                .order_by(RolePermission.role_code, RolePermission.permission)):
        out.setdefault(role, []).append(perm)
    return out


def _roles_text(grants: Iterable[Grant]) -> str:
    return ", ".join(f"{g.role}@{g.area_code or '*'}" for g in grants)


@requires("users.admin")
def create_user(db, actor, username: str, display_name: str, password: str,
                grants: Iterable[tuple[str, int | None]] = (), demo: bool = False) -> int:
    """A new user with a password and roles ((role, area id or None) pairs). Audited."""
    username = (username or "").strip()
    errors: list[FieldError] = []
    if not username:
        errors.append(FieldError("username", "give a user name", "请填写用户名"))
    try:
        check_password_rules(password)
    except ValidationError as e:
        errors += e.errors
    if errors:
        raise ValidationError(errors)
    with db.begin() as s:
        admin = authorize(s, actor, "users.admin")
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            existing = s.scalar(select(User).where(User.username == username))
            if existing.password_hash:
                raise ValidationError.single("username", f"user {username} exists",
                                             f"用户名“{username}”已存在")
            user = existing   # a name from before sign-in existed gets its password now
        else:
            user = User(username=username)
            s.add(user)
        user.display_name = (display_name or "").strip() or username
        user.password_hash = hash_password(password)
        user.password_changed_at = _now()
        user.demo = demo
        s.flush()
        _audit(s, admin, action="create", entity="user", entity_id=user.id,
                         field="username", new_value=username)
        _set_grants(s, admin, user, list(grants))
        return user.id


def _set_grants(s: Session, admin: User, user: User, grants: list[tuple[str, int | None]]) -> None:
    known = set(s.scalars(select(Role.code)))
    errors = [FieldError("roles", f"unknown role {r}", f"未知角色：{r}") for r, _ in grants
              if r not in known]
    errors += [FieldError("roles", f"unknown area {a}", f"未知区域：{a}") for _, a in grants
               if a is not None and s.get(Area, a) is None]
    if errors:
        raise ValidationError(errors)
    old = _grants(s, user.id)
    before = {(g.role, g.area_id) for g in old}
    after = set(grants)
    for row in s.scalars(select(UserRole).where(UserRole.user_id == user.id)):
        if (row.role_code, row.area_id) not in after:
            s.delete(row)
    for role, area in grants:
        if (role, area) not in before:
            s.add(UserRole(user_id=user.id, role_code=role, area_id=area))
    s.flush()
    if before != after:
        _audit(s, admin, action="role_change", entity="user",
                         entity_id=user.id, field="roles", old_value=_roles_text(old),
                         new_value=_roles_text(_grants(s, user.id)))


@requires("users.admin")
def set_user_roles(db, actor, user_id: int, grants: Iterable[tuple[str, int | None]]) -> None:
    """Replace a user's roles (audited: the roles before and after)."""
    with db.begin() as s:
        admin = authorize(s, actor, "users.admin")
        user = s.get(User, user_id)
        if user is None:
            raise NotFoundError("user", user_id, "用户")
        grants = list(grants)
        if admin.id == user.id and not any(r == "administrator" for r, _ in grants):
            raise PermissionDenied("an administrator cannot take their own administrator role",
                                   "管理员不能取消自己的管理员角色")
        _set_grants(s, admin, user, grants)


@requires("users.admin")
def update_user(db, actor, user_id: int, display_name: str | None = None,
                active: bool | None = None, unlock: bool = False) -> None:
    with db.begin() as s:
        admin = authorize(s, actor, "users.admin")
        user = s.get(User, user_id)
        if user is None:
            raise NotFoundError("user", user_id, "用户")
        from .audit import Auditor

        changes = {}
        if display_name is not None and display_name.strip():
            changes["display_name"] = display_name.strip()
        if active is not None:
            if admin.id == user.id and not active:
                raise PermissionDenied("an administrator cannot disable themselves",
                                       "管理员不能停用自己")
            changes["active"] = active
        if unlock:
            changes["locked_until"] = None
            changes["failed_attempts"] = 0
        Auditor(s, admin).apply(user, "user", changes)


@requires("users.admin")
def reset_password(db, actor, user_id: int, new_password: str) -> None:
    """The administrator sets another user's password (audited, never the password)."""
    check_password_rules(new_password, "new_password")
    with db.begin() as s:
        admin = authorize(s, actor, "users.admin")
        user = s.get(User, user_id)
        if user is None:
            raise NotFoundError("user", user_id, "用户")
        user.password_hash = hash_password(new_password)
        user.password_changed_at = _now()
        user.failed_attempts, user.locked_until = 0, None
        _audit(s, admin, action="password_reset", entity="user",
                         entity_id=user.id, field="password", new_value="(reset)")


def change_own_password(db, actor, old_password: str, new_password: str) -> None:
    """A user changes their own password, giving the old one (any signed-in user, the
    supervisor too: it changes nothing but their own account)."""
    check_password_rules(new_password, "new_password")
    with db.begin() as s:
        user = _user_of(s, actor)
        try:
            _hasher().verify(user.password_hash or "", old_password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            raise ValidationError.single("old_password", "the current password is wrong",
                                         "当前密码不正确") from None
        user.password_hash = hash_password(new_password)
        user.password_changed_at = _now()
        _audit(s, user, action="password_change", entity="user",
                         entity_id=user.id, field="password", new_value="(changed)")


# --- command-line tokens ------------------------------------------------------------------


def _token_digest(token: str) -> str:
    # the token is 32 random bytes, not a password: one SHA-256 is enough to keep the database
    # from holding it
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db, ident: Identity, hours: int | None = None,
                now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """A token for batch runs of the command line (``assistcase login``): valid ``hours``
    (default: the ``cli_token_hours`` policy). The database keeps only its digest."""
    now = now or _now()
    token = secrets.token_urlsafe(32)
    with db.begin() as s:
        user = _user_of(s, ident)
        hours = hours or signin_policy(s).cli_token_hours
        expires = now + dt.timedelta(hours=hours)
        s.add(SignInToken(user_id=user.id, digest=_token_digest(token), expires_at=expires))
        _system_audit(s, user, "token_issued", f"command-line token until {expires:%Y-%m-%d %H:%M}")
    return token, expires


def sign_out(db, actor: "Identity | str | int | None") -> None:
    """Record that ``actor`` signed out of the window (the audit log pairs it with their
    sign-in). Nobody signed in: nothing to record."""
    if actor is None:
        return
    with db.begin() as s:
        _system_audit(s, _user_of(s, actor), "signout", "signed out")


def sign_in_with_token(db, token: str, now: dt.datetime | None = None) -> Identity:
    now = now or _now()
    with db.read() as s:
        row = s.scalar(select(SignInToken).where(SignInToken.digest == _token_digest(token or "")))
        if row is None:
            raise SignInError("the sign-in token is not known: run `assistcase login`",
                              "登录令牌无效，请运行 assistcase login")
        if row.expires_at <= now:
            raise SignInError(f"the sign-in token expired at {row.expires_at:%Y-%m-%d %H:%M}: "
                              "run `assistcase login` again",
                              f"登录令牌已于 {row.expires_at:%Y-%m-%d %H:%M} 过期，请重新登录")
        user = s.get(User, row.user_id)
        if user is None or not user.active:
            raise SignInError("the token's user is disabled", "令牌所属用户已停用")
        return identity(s, user.id)


def is_blank_database(db) -> bool:
    """Nobody can sign in and no household is registered: a new database (the app makes its
    demo there)."""
    from ..models import Household

    with db.read() as s:
        return needs_first_administrator(db) and s.scalar(select(Household.id).limit(1)) is None


def is_demo_database(db) -> bool:
    with db.read() as s:
        return bool(s.scalar(select(func.count()).select_from(User).where(User.demo.is_(True))))


def audit_export(db, what: str, entity: str, entity_id: int | None, path: object,
                 area_code: str | None = None, record: str | None = None) -> None:
    """Check and record an export of personal data (a PDF, a spreadsheet, a notice) by the
    signed-in user: refused outside their area or without ``export.personal``."""
    with db.begin() as s:
        actor = signed_in(s)
        if record is not None and entity_id is not None:
            area_code = record_area_code(s, record, entity_id)
        user = authorize(s, actor, "export.personal", area_code=area_code)
        _audit(s, user, action="export", entity=entity, entity_id=entity_id,
                         field=what, new_value=str(path))
