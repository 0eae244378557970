"""Township ↔ bureau exchange (DOMAIN §13; docs/exchange.md): packages of changed records that
travel both ways, with nothing overwritten silently.

- **What changed** is read from the audit log (every write is audited field by field): the
  records of the other site's area whose audit rows are newer than what that site has
  confirmed (``acked_feed_id``), leaving out rows written by an exchange itself. The first
  package to a site carries every record of its area.
- **Sequence**: each package is numbered per pair of sites; the receiver imports ``seq`` =
  last imported + 1, ignores one it already has (nothing changes: a repeated or late
  package) and refuses one out of sequence. Each package says the last package it had
  imported from the receiver (``base_seq``): that acknowledges our changes up to it.
- **Merging** is per field against the common base (the values both sides last agreed,
  ``sync_base``): changed only there → applied; changed only here → kept (and sent); changed
  on both sides to different values → a conflict listed with both values and authors, the
  record keeps the receiving side's value until a person decides; the decision travels back
  as a resolution that the other side applies as is.
- **Duplicates**: a person arriving with an ID number that another person holds here becomes
  a duplicate ticket (the arriving person is not written) for the bureau to resolve.
- **A township's first package** where none of its area's records are yet (the bureau, once
  per township) is written set-based (:class:`_FirstPackage`, through the registry's
  BulkWriter) and audited as one event; the result is that of the record-by-record path.
  Packages stream (:mod:`assistcase.security.package`): a whole city's in constant memory.

Record kinds travelling: households, persons, incomes and property (the registry); assistance
cases (their covered members inside the case record) and their steps, temporary-aid cases and
liaison visits (:data:`CASE_KINDS`, merged record by record even in a first package).
A bureau's package to a township also carries standards and policy, roster states and payment
results and duplicate ticket outcomes (:mod:`.exchange_return`, hooked in at the end of
:func:`export_package` and of :func:`import_package`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import (Date, DateTime, String, and_, bindparam, func, or_, select,
                        text, type_coerce, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..db import Database
from ..errors import NotFoundError, StateError, ValidationError
from ..security.package import (KEY_BYTES, Manifest, PackageError, PackageWriter, new_key,
                                open_package, read_manifest)
from ..models import (AidCase, AidCause, Area, AssistanceCase, AuditEntry, Base, CaseEvent,
                      CaseMember, DuplicateTicket, ExchangePackage, ExchangeSite, Household,
                      Income, Institution, Leader, Person, PropertyItem, Rectification, SyncBase,
                      SyncConflict, User, Visit)
from ..models.base import utcnow
from ..progress import CancelToken
from ..rules.areas import code_like
from .audit import Auditor, resolve_user
from .auth import requires
from .exchange_return import (ITEMS as RETURN_ITEMS, ReturnApplier, keep_unheld_heads,
                              write_return)
from .registry import refresh_household, write_keys
from .registry_writer import (HOUSEHOLD_INPUT, PERSON_INPUT, BulkWriter, drop_indexes,
                              id_derived)
from .sync_state import SOURCE_PREFIX   # the audit source of the rows an exchange writes
from .sync_state import changed_by_parts


# --- what travels ---------------------------------------------------------------------------

def _iso(v: Any) -> Any:
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


@dataclass(frozen=True)
class Kind:
    entity: str                 # the audit log's entity name
    model: Any
    fields: tuple[str, ...]     # plain columns that travel as they are
    dates: tuple[str, ...] = ()
    times: tuple[str, ...] = ()     # date-times (ISO text in a package)
    users: tuple[str, ...] = ()     # references to users, travelling as usernames


KINDS = {
    "household": Kind("household", Household,
                      ("number", "residence_class", "category", "status", "address", "phone",
                       "account_type", "account_number", "bank_name", "closed_on",
                       "closed_reason"), dates=("closed_on",)),
    "person": Kind("person", Person,
                   ("name", "id_number", "birth_date", "sex", "relation", "disability_grade",
                    "disability_category", "serious_illness", "self_care", "in_school",
                    "able_to_work", "phone"), dates=("birth_date",)),
    "income": Kind("income", Income,
                   ("source", "monthly_fen", "note", "valid_from", "valid_until"),
                   dates=("valid_from", "valid_until")),
    "property": Kind("property", PropertyItem,
                     ("kind", "description", "value_fen", "valid_from", "valid_until"),
                     dates=("valid_from", "valid_until")),
    # cases, temporary aid and visits: merged record by record (_Applier), also in a first
    # package; their references travel as global ids or natural keys (docs/exchange.md)
    "case": Kind("case", AssistanceCase,
                 ("program", "status", "applied_on", "application_reason", "checked_on",
                  "check_findings", "investigated_on", "investigators", "investigation_findings",
                  "publicity_start", "publicity_end", "confirmed_on", "paid_from", "paid_until",
                  "stable_income", "last_review_on", "next_review_on", "support_mode",
                  "institution_name", "self_care"),
                 dates=("applied_on", "checked_on", "investigated_on", "publicity_start",
                        "publicity_end", "confirmed_on", "paid_from", "paid_until",
                        "last_review_on", "next_review_on")),
    "case_event": Kind("case_event", CaseEvent, ("step", "happened_on", "reason", "details", "at"),
                       dates=("happened_on",), times=("at",), users=("user",)),
    "aid_case": Kind("aid_case", AidCase,
                     ("aid_type", "cause", "status", "name", "id_number", "phone", "found_at",
                      "residence_class", "description", "documents", "amount_requested_fen",
                      "amount_granted_fen", "payment_method", "account_type", "account_number",
                      "bank_name", "applied_on", "approved_on", "paid_on", "paid_via",
                      "paperwork_complete", "completed_on", "approval_level", "approver",
                      "approval_note", "standard_fen", "limit_fen", "meeting_date",
                      "meeting_participants", "meeting_minutes", "refused_on", "refusal_reason"),
                     dates=("applied_on", "approved_on", "paid_on", "completed_on",
                            "meeting_date", "refused_on"),
                     users=("recorded_by", "approved_by")),
    "liaison_visit": Kind("liaison_visit", Visit,
                          ("visited_on", "mode", "topics", "findings", "problems"),
                          dates=("visited_on",)),
}
REGISTRY = ("household", "person", "income", "property")
CASE_KINDS = ("case", "case_event", "aid_case", "liaison_visit")
# the order of a household's records in a package (aid without a household and visits come
# after every household: LOOSE)
ORDER = REGISTRY + ("case", "case_event", "aid_case")
LOOSE = ("aid_case", "liaison_visit")
# travelling references and the audited columns they stand for
AUDIT_FIELD = {"village": "village_id", "head": "head_person_id", "household": "household_id",
               "person": "person_id", "members": "covered", "case": "case_id",
               "user": "user_id", "township": "township_id", "leader": "leader_id",
               "institution": "institution_id"}
_REF_OF = {column: ref for ref, column in AUDIT_FIELD.items()}
LABEL_ZH = {"household": "户", "person": "人员", "income": "收入", "property": "财产",
            "case": "救助案件", "case_event": "办理环节", "aid_case": "临时救助",
            "liaison_visit": "联系记录"}


# --- sites ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SiteView:
    code: str
    name: str
    kind: str
    is_self: bool
    area_code: str | None
    next_out_seq: int
    last_in_seq: int


def _self(s: Session) -> ExchangeSite:
    me = s.scalar(select(ExchangeSite).where(ExchangeSite.is_self.is_(True)))
    if me is None:
        raise StateError("this database is not set up for exchange: set up its site first "
                         "(assistcase exchange setup)", "本数据库尚未设置交换站点，请先设置站点")
    return me


def _site(s: Session, code: str) -> ExchangeSite:
    site = s.scalar(select(ExchangeSite).where(ExchangeSite.code == code,
                                               ExchangeSite.is_self.is_(False)))
    if site is None:
        raise NotFoundError("site", code, "交换站点")
    return site


def _area_by_code(s: Session, code: str) -> Area:
    area = s.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise ValidationError.single("area", f"no area with code {code}",
                                     f"没有代码为 {code} 的区划")
    return area


def _key_text(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def _key(site: ExchangeSite) -> bytes:
    return base64.urlsafe_b64decode(site.key_b64 or "")


@requires("users.admin")
def setup_site(db: Database, actor: str | int, code: str, name: str, kind: str,
               area_code: str) -> SiteView:
    """Name this database's site: a bureau (its area: county or city) or a township."""
    if kind not in ("township", "bureau"):
        raise ValidationError.single("kind", "a site is a township or a bureau",
                                     "站点类型应为乡镇或救助局")
    with db.begin() as s:
        user = resolve_user(s, actor)
        if s.scalar(select(ExchangeSite).where(ExchangeSite.is_self.is_(True))) is not None:
            raise StateError("this database's site is already set up", "本数据库已设置站点")
        area = _area_by_code(s, area_code)
        site = ExchangeSite(code=code, name=name, kind=kind, area_id=area.id, is_self=True)
        s.add(site)
        s.flush()
        Auditor(s, user).created("exchange_site", site.id, {"code": code, "kind": kind,
                                                            "area": area_code})
        return _view(s, site)


@requires("users.admin")
def register_township(db: Database, actor: str | int, code: str, name: str,
                      area_code: str) -> str:
    """At the bureau: register a township site for its area; returns the package key to give
    to the township (by hand: it never travels in a package)."""
    with db.begin() as s:
        user = resolve_user(s, actor)
        me = _self(s)
        if me.kind != "bureau":
            raise StateError("only a bureau registers townships", "只有救助局可以登记乡镇站点")
        area = _area_by_code(s, area_code)
        if area.level != "township":
            raise ValidationError.single("area", f"{area_code} is not a township",
                                         f"{area_code} 不是乡镇（街道）")
        key = new_key()
        site = ExchangeSite(code=code, name=name, kind="township", area_id=area.id,
                            key_b64=_key_text(key))
        s.add(site)
        s.flush()
        Auditor(s, user).created("exchange_site", site.id, {"code": code, "area": area_code})
        return _key_text(key)


@requires("users.admin")
def join_bureau(db: Database, actor: str | int, bureau_code: str, name: str,
                key_text: str) -> None:
    """At the township: record the bureau and the key it gave at registration."""
    try:
        key = base64.urlsafe_b64decode(key_text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ValidationError.single("key", "the key is not a key given by the bureau",
                                     "密钥无效：应为救助局登记时给出的密钥")
    with db.begin() as s:
        user = resolve_user(s, actor)
        me = _self(s)
        if me.kind != "township":
            raise StateError("only a township joins a bureau", "只有乡镇站点可以加入救助局")
        site = ExchangeSite(code=bureau_code, name=name, kind="bureau",
                            key_b64=_key_text(key))
        s.add(site)
        s.flush()
        Auditor(s, user).created("exchange_site", site.id, {"code": bureau_code})


def _view(s: Session, site: ExchangeSite) -> SiteView:
    area = s.get(Area, site.area_id) if site.area_id else None
    return SiteView(site.code, site.name, site.kind, site.is_self, area.code if area else None,
                    site.next_out_seq, site.last_in_seq)


def sites(db: Database) -> list[SiteView]:
    with db.read() as s:
        return [_view(s, x) for x in s.scalars(select(ExchangeSite).order_by(ExchangeSite.id))]


# --- the records of an area -----------------------------------------------------------------

def _township_area(s: Session, me: ExchangeSite, peer: ExchangeSite) -> Area:
    """The area whose records travel between ``me`` and ``peer``: the township's."""
    area_id = me.area_id if me.kind == "township" else peer.area_id
    return s.get(Area, area_id)


def _household_ids_in(s: Session, area: Area) -> Any:
    villages = select(Area.id).where(Area.level == "village",
                                     Area.code.like(code_like(area.code, area.level)))
    return select(Household.id).where(Household.village_id.in_(villages))


def ensure_gids(s: Session, origin: str) -> None:
    """Give records written by bulk paths (import, demo) their global id and origin, in one
    statement per table.

    Such a gid is 16 random hex digits drawn once per table and call, then the record's id
    in 16 hex digits: unique like a random one (the prefix tells the calls and the sites
    apart, the id the records), and ascending in id order, so the keys by gid (the table's
    own and the common bases' at both sites) take a city's million records in order instead
    of scattered over an index larger than the page cache."""
    hex_id = ("printf('%016x', id)" if s.get_bind().dialect.name == "sqlite"
              else "lpad(to_hex(id), 16, '0')")
    for kind in KINDS.values():     # one pass over each table (a city's: a million rows)
        table = kind.model.__table__.name
        s.execute(text(f"UPDATE {table} SET gid = coalesce(gid, :prefix || {hex_id}),"
                       f" origin_site = coalesce(origin_site, :o)"
                       f" WHERE gid IS NULL OR origin_site IS NULL"),
                  {"prefix": secrets.token_hex(8), "o": origin})


def _record(s: Session, kind: Kind, obj: Any) -> dict[str, Any]:
    if kind.entity in CASE_KINDS:
        s.flush()      # read through the connection: what this session changed first
        return _case_rows(s, kind.entity, kind.model.id == obj.id)[0][4]
    out = {f: _iso(getattr(obj, f)) for f in kind.fields}
    if kind.entity == "household":
        village = s.get(Area, obj.village_id)
        out["village"] = village.code
        head = s.get(Person, obj.head_person_id) if obj.head_person_id else None
        out["head"] = head.gid if head else None
    elif kind.entity in ("person", "income", "property"):
        hh = s.get(Household, obj.household_id) if obj.household_id else None
        out["household"] = hh.gid if hh else None
        if kind.entity == "income":
            p = s.get(Person, obj.person_id) if obj.person_id else None
            out["person"] = p.gid if p else None
    return out


def _changed_ids(s: Session, hh_ids: Any, since: int, high: int, area: Area | None = None,
                 township: str | None = None) -> dict[str, set[int]]:
    """Records with audit rows in (since, high] not written by an exchange: those audited
    with a household of the area (the registry, cases, aid with a household), the steps of
    those cases (steps are audited as changes of their case), temporary aid without a
    household of the township ``area`` and the visits recorded by the ``township`` site.
    Every query starts from the audit rows of the range (its primary key), no table is
    scanned."""
    mine = (AuditEntry.id > since, AuditEntry.id <= high, AuditEntry.entity_id.is_not(None),
            or_(AuditEntry.source.is_(None), ~AuditEntry.source.like(SOURCE_PREFIX + "%")))
    rows = s.execute(
        select(AuditEntry.entity, AuditEntry.entity_id)
        .where(*mine, AuditEntry.entity.in_(tuple(KINDS)), AuditEntry.household_id.in_(hh_ids))
        .distinct())
    out: dict[str, set[int]] = {k: set() for k in KINDS}
    for entity, entity_id in rows:
        out[entity].add(entity_id)
    if area is not None:
        out["aid_case"].update(s.scalars(
            select(AuditEntry.entity_id).join(AidCase, AidCase.id == AuditEntry.entity_id)
            .where(*mine, AuditEntry.entity == "aid_case", AuditEntry.household_id.is_(None),
                   AidCase.household_id.is_(None), AidCase.township_id == area.id).distinct()))
    if township is not None:
        out["liaison_visit"].update(s.scalars(
            select(AuditEntry.entity_id).join(Visit, Visit.id == AuditEntry.entity_id)
            .where(*mine, AuditEntry.entity == "liaison_visit",
                   Visit.origin_site == township).distinct()))
        # a visit's rectifications travel inside it: their changes are changes of the visit
        out["liaison_visit"].update(s.scalars(
            select(Rectification.visit_id)
            .join(AuditEntry, AuditEntry.entity_id == Rectification.id)
            .join(Visit, Visit.id == Rectification.visit_id)
            .where(*mine, AuditEntry.entity == "liaison_rectification",
                   Visit.origin_site == township).distinct()))
    cases = sorted(out["case"])
    for i in range(0, len(cases), 900):
        out["case_event"].update(s.scalars(select(CaseEvent.id).where(
            CaseEvent.case_id.in_(cases[i:i + 900]))))
    return out


def _authors(s: Session, entity: str, entity_id: int) -> dict[str, list[str]]:
    """field → [user, time] of the latest audited change of each field of a record."""
    rows = s.execute(select(AuditEntry.field, User.username, AuditEntry.at)
                     .join(User, User.id == AuditEntry.user_id)
                     .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id,
                            AuditEntry.field.is_not(None))
                     .order_by(AuditEntry.id))
    by_column = {f: [u, at.isoformat(timespec="seconds")] for f, u, at in rows}
    return {**by_column, **{ref: by_column[col] for ref, col in AUDIT_FIELD.items()
                            if col in by_column}}


# --- export ---------------------------------------------------------------------------------

CHUNK = 1000     # households read (or written) per statement, and between cancel checks


def _kind_rows(s: Session, name: str, households: list[int]) -> list[tuple]:
    """(household id, record id, gid, rev, travelling fields) of the records of one kind in
    these households, references as global ids: one statement per kind and chunk (what
    :func:`_record` gives one record at a time).

    ``households`` is ascending (a chunk of :func:`export_package`'s list). When they are
    dense (a full package: every household of the area) the statement reads the id range
    from the first to the last and keeps those in the list: a thousand bound ids cost more
    to render than the statement to run, and the ranges of successive chunks do not overlap.
    Sparse households (a package of changes) are read by their ids."""
    if name in CASE_KINDS:
        return _case_rows(s, name, _household_column(name).in_(households))
    kind = KINDS[name]
    m = kind.model
    cols = [getattr(m, f) for f in kind.fields]
    dense = households[-1] - households[0] < 2 * len(households)
    lo, hi = bindparam("lo"), bindparam("hi")
    if name == "household":
        head = aliased(Person)
        q = (select(m.id, m.id, m.gid, m.rev, *cols, Area.code, head.gid)
             .join(Area, Area.id == m.village_id)
             .outerjoin(head, head.id == m.head_person_id)
             .where(m.id.between(lo, hi) if dense else m.id.in_(households)))
        refs: tuple[str, ...] = ("village", "head")
    else:
        hh = aliased(Household)
        q = (select(m.household_id, m.id, m.gid, m.rev, *cols, hh.gid)
             .join(hh, hh.id == m.household_id)
             .where(m.household_id.between(lo, hi) if dense
                    else m.household_id.in_(households)))
        refs = ("household",)
        if name == "income":
            p = aliased(Person)
            q = q.add_columns(p.gid).outerjoin(p, p.id == m.person_id)
            refs += ("person",)
    names = kind.fields + refs
    dates = [names.index(f) for f in kind.dates]
    wanted = set(households)
    out = []
    span = {"lo": households[0], "hi": households[-1]} if dense else {}
    for row in s.connection().execute(q.order_by(m.id), span).fetchall():
        if row[0] not in wanted:
            continue
        values = row[4:]
        if dates:
            values = list(values)
            for i in dates:
                if values[i] is not None:
                    values[i] = values[i].isoformat()
        out.append((row[0], row[1], row[2], row[3] or 0, dict(zip(names, values))))
    return out


def _household_column(name: str) -> Any:
    """The column naming the household a case-kind record belongs to (a step: its case's)."""
    return {"case": AssistanceCase.household_id, "case_event": AssistanceCase.household_id,
            "aid_case": AidCase.household_id, "liaison_visit": Visit.id}[name]


def _case_rows(s: Session, name: str, where: Any) -> list[tuple]:
    """(household id, record id, gid, rev, travelling fields) of the cases, steps, aid cases
    or visits matching ``where``, references as global ids or natural keys: households and
    persons by gid, a step's case by gid, areas by code, users by username, a visit's leader
    as [name, area code] and institution by name (both unique where they are kept: the
    bureau); a case's covered members as [person gid, covered from, until, end reason]."""
    kind = KINDS[name]
    m = kind.model
    if name not in _CASE_SELECT:
        _CASE_SELECT[name] = _case_select(name)
    q, refs = _CASE_SELECT[name]
    names = kind.fields + refs
    out = []
    conn = s.connection()
    dates = kind.dates if conn.dialect.name != "sqlite" else ()    # SQLite: ISO text already
    for row in conn.execute(q.where(where).order_by(m.id)).fetchall():
        fields = dict(zip(names, row[4:]))
        for f in dates:
            fields[f] = _iso_text(fields[f])
        for f in kind.times:
            if fields[f] is not None:
                fields[f] = fields[f].isoformat()
        if name == "liaison_visit":
            fields["leader"] = [fields["leader"], fields.pop("leader_area")]
        out.append((row[0], row[1], row[2], row[3] or 0, fields))
    if name == "case" and out:
        members: dict[int, list] = {r[1]: [] for r in out}
        for case_id, gid, start, until, why in conn.execute(
                _MEMBERS_SELECT.where(where)).fetchall():
            members[case_id].append([gid, _iso_text(start), _iso_text(until), why or ""])
        for r in out:
            r[4]["members"] = sorted(members[r[1]])
    if name == "liaison_visit" and out:
        rects: dict[int, list] = {r[1]: [] for r in out}
        ids = list(rects)
        for i in range(0, len(ids), 900):
            for visit_id, action, due_on, status, done_on in s.connection().execute(
                    _RECTIFICATIONS_SELECT.where(Rectification.visit_id.in_(ids[i:i + 900]))):
                rects[visit_id].append([action, due_on.isoformat(), status,
                                        done_on.isoformat() if done_on else None])
        for r in out:
            r[4]["rectifications"] = sorted(rects[r[1]])
    if kind.users and out:
        _keep_absent_users(s, name, out)
    return out


def _as_stored(column: Any) -> Any:
    """A date column read as the database gives it, without SQLAlchemy's conversion: on
    SQLite the ISO text it stores (the package's text as it is), elsewhere a date
    (:func:`_iso_text`)."""
    return type_coerce(column, String).label(column.key)


def _iso_text(v: Any) -> str | None:
    return v if v is None or isinstance(v, str) else v.isoformat()


_CASE_SELECT: dict[str, tuple[Any, tuple[str, ...]]] = {}   # built once: aliases cost
_RECTIFICATIONS_SELECT = select(Rectification.visit_id, Rectification.action,
                                Rectification.due_on, Rectification.status,
                                Rectification.done_on)
# the members of the cases matching a where of _case_rows (a condition on the cases)
_MEMBERS_SELECT = (select(CaseMember.case_id, Person.gid, _as_stored(CaseMember.covered_from),
                          _as_stored(CaseMember.covered_until), CaseMember.end_reason)
                   .join(Person, Person.id == CaseMember.person_id)
                   .join(AssistanceCase, AssistanceCase.id == CaseMember.case_id))


def _case_select(name: str) -> tuple[Any, tuple[str, ...]]:
    """The select of :func:`_case_rows` for one kind (without its where) and the names of
    the references it reads after the plain fields."""
    kind = KINDS[name]
    m = kind.model
    cols = [_as_stored(getattr(m, f)) if f in kind.dates else getattr(m, f)
            for f in kind.fields]
    hh, p = aliased(Household), aliased(Person)
    if name == "case":
        q = (select(m.household_id, m.id, m.gid, m.rev, *cols, hh.gid, p.gid)
             .join(hh, hh.id == m.household_id).outerjoin(p, p.id == m.person_id))
        refs: tuple[str, ...] = ("household", "person")
    elif name == "case_event":
        c = AssistanceCase      # not aliased: _household_column names it
        q = (select(c.household_id, m.id, m.gid, m.rev, *cols, c.gid, User.username)
             .join(c, c.id == m.case_id).outerjoin(User, User.id == m.user_id))
        refs = ("case", "user")
    elif name == "aid_case":
        town, village = aliased(Area), aliased(Area)
        recorder, approver = aliased(User), aliased(User)
        q = (select(m.household_id, m.id, m.gid, m.rev, *cols, hh.gid, p.gid, town.code,
                    village.code, recorder.username, approver.username)
             .outerjoin(hh, hh.id == m.household_id).outerjoin(p, p.id == m.person_id)
             .join(town, town.id == m.township_id).outerjoin(village, village.id == m.village_id)
             .outerjoin(recorder, recorder.id == m.recorded_by)
             .outerjoin(approver, approver.id == m.approved_by))
        refs = ("household", "person", "township", "village", "recorded_by", "approved_by")
    else:
        la = aliased(Area)
        q = (select(m.id, m.id, m.gid, m.rev, *cols, Leader.name, la.code, Institution.name)
             .join(Leader, Leader.id == m.leader_id).join(la, la.id == Leader.area_id)
             .join(Institution, Institution.id == m.institution_id))
        refs = ("leader", "leader_area", "institution")
    return q, refs


def _keep_absent_users(s: Session, name: str, rows: list[tuple]) -> None:
    """A user named by the other site but not registered here was recorded as the importing
    user (noted in the audit log); the record keeps naming the other site's user when it
    travels back (as the common base names it), so that the other site's record is not
    changed to a user it may not know. Changes ``rows``' fields in place."""
    kind = KINDS[name]
    bases = {}
    gids = [r[2] for r in rows if r[2]]
    for i in range(0, len(gids), 900):
        bases.update(s.execute(select(SyncBase.gid, SyncBase.fields).where(
            SyncBase.entity == name, SyncBase.gid.in_(gids[i:i + 900]))).all())
    if not bases:
        return
    named = {}
    for r in rows:
        base = bases.get(r[2])
        if base is None:
            continue
        base = json.loads(base)
        for f in kind.users:
            if base.get(f) is not None and base.get(f) != r[4].get(f):
                named.setdefault(base[f], []).append((r[4], f))
    if not named:
        return
    known = set(s.scalars(select(User.username).where(User.username.in_(list(named)))))
    for username, places in named.items():
        if username not in known:
            for fields, f in places:
                fields[f] = username


# one encoder for every record (json.dumps with options builds a new one per call)
_FIELDS_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _fields_json(fields: dict[str, Any]) -> str:
    """A record's travelling fields as stored in ``sync_base`` and sent in a package."""
    return _FIELDS_ENCODER.encode(fields)


def _insert_many(s: Session, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """One ``executemany`` of plain rows (dates and date-times as SQLite stores them: ISO
    text): the driver's own on SQLite, SQLAlchemy's typed insert elsewhere."""
    if not rows:
        return
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                             f"({', '.join('?' * len(cols))})", rows)
        return
    columns = Base.metadata.tables[table].c
    parse = [(i, dt.datetime.fromisoformat if isinstance(columns[c].type, DateTime)
              else dt.date.fromisoformat) for i, c in enumerate(cols)
             if isinstance(columns[c].type, (Date, DateTime))]
    typed = []
    for r in rows:
        d = dict(zip(cols, r))
        for i, fn in parse:
            if isinstance(r[i], str):
                d[cols[i]] = fn(r[i])
        typed.append(d)
    conn.execute(Base.metadata.tables[table].insert(), typed)


def _hold_back_disputed(s: Session, name: str, rows: list[tuple],
                        disputed: dict[tuple[str, str], set[str]]
                        ) -> tuple[list[tuple], list[str]]:
    """Rows without the fields in an open conflict with the receiving site, and the common
    bases to keep for them (the fields sent, and the disputed fields' base as it was).

    This site keeps its value of a disputed field until a person decides; sending it would
    make the other site take it as a change of ours (its base is the value it sent us), and
    making it our base would let the other side's value, sent again, look like a change of
    theirs: either way a value would be overwritten with the conflict still open. The
    decision travels as a resolution."""
    out, bases = [], []
    for r in rows:
        held = disputed.get((name, r[2]))
        if not held:
            out.append(r)
            bases.append(_fields_json(r[4]))
            continue
        row = s.scalar(select(SyncBase.fields).where(SyncBase.entity == name,
                                                     SyncBase.gid == r[2]))
        old = json.loads(row) if row else {}
        fields = {f: v for f, v in r[4].items() if f not in held}
        base = dict(fields)
        base.update({f: old[f] for f in held if f in old})
        out.append((r[0], r[1], r[2], r[3], fields))
        bases.append(_fields_json(base))
    return out, bases


def _replace_bases(s: Session, entity: str, rows: list[tuple[str, int, str]]) -> None:
    """Set the common base of many records at once: (gid, rev, fields as JSON text). One
    upsert per batch: the unique key's own check finds a base already there (a package
    exported again before the other site confirmed it) instead of a delete by gid first."""
    if not rows:
        return
    conn = s.connection()
    values = [(entity, g, rev, f) for g, rev, f in rows]
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "INSERT INTO sync_base (entity, gid, rev, fields) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (entity, gid) DO UPDATE SET rev = excluded.rev, "
            "fields = excluded.fields", values)
        return
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    stmt = pg_insert(SyncBase.__table__)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["entity", "gid"],
        set_={"rev": stmt.excluded.rev, "fields": stmt.excluded.fields}),
        [dict(zip(("entity", "gid", "rev", "fields"), v)) for v in values])


@dataclass(frozen=True)
class ExportResult:
    path: Path
    seq: int
    counts: dict[str, int]


@requires(("registry.write", "registry.import"))
def export_package(db: Database, actor: str | int, to_site: str, folder: str | os.PathLike[str],
                   cancel: CancelToken | None = None) -> ExportResult:
    """Write the next package for ``to_site`` into ``folder``: every record of the township's
    area changed since the last package that site confirmed (all of them the first time),
    the open duplicate tickets' outcomes and the conflict resolutions made here.

    Records are read set-based, a chunk of households at a time, and written grouped by
    household (the household, then its persons, incomes and property) into a package that
    streams to disk: a whole city's first package in constant memory."""
    folder = Path(folder)
    with db.begin() as s:
        user = resolve_user(s, actor)
        me = _self(s)
        peer = _site(s, to_site)
        ensure_gids(s, me.code)
        area = _township_area(s, me, peer)
        hh_ids = _household_ids_in(s, area)
        high = s.scalar(select(func.max(AuditEntry.id))) or 0
        # nothing confirmed yet: every record of the area (records written by bulk paths
        # may have no audit rows to find them by)
        full = peer.acked_feed_id == 0
        in_area = list(s.scalars(hh_ids.order_by(Household.id)))
        township = me.code if me.kind == "township" else peer.code
        changed = None
        if not full:
            changed = _changed_ids(s, hh_ids, peer.acked_feed_id, high, area, township)
            wanted = set(changed["household"])
            for name in ("person", "income", "property", "case", "aid_case"):
                model, ids = KINDS[name].model, sorted(changed[name])
                for i in range(0, len(ids), 900):
                    wanted.update(s.scalars(select(model.household_id)
                                            .where(model.id.in_(ids[i:i + 900]))))
            in_area = [h for h in in_area if h in wanted]
        counts: dict[str, int] = {}
        seq = peer.next_out_seq
        manifest = Manifest(from_site=me.code, to_site=peer.code, seq=seq,
                            base_seq=peer.last_in_seq,
                            created_at=utcnow().isoformat(timespec="seconds"), full=full)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{me.code}-to-{peer.code}-{seq:05d}.acx"
        # fields in an open conflict with that site: held back until a person decides
        disputed: dict[tuple[str, str], set[str]] = {}
        for entity, gid, f in s.execute(select(
                SyncConflict.entity, SyncConflict.gid, SyncConflict.field).where(
                SyncConflict.status == "open", SyncConflict.remote_site == peer.code)):
            disputed.setdefault((entity, gid), set()).add(f)
        # the kinds read per chunk of households: not a case kind this site holds none of
        # (a city without temporary aid: two statements a chunk for nothing)
        kinds = [name for name in ORDER if name in REGISTRY
                 or s.execute(select(KINDS[name].model.id).limit(1)).first() is not None]
        with PackageWriter(path, _key(peer), manifest) as package:
            for i in range(0, len(in_area), CHUNK):
                if cancel is not None:
                    cancel.check()
                chunk = in_area[i:i + CHUNK]
                grouped: dict[int, list[tuple[str, tuple]]] = {}
                for name in kinds:
                    rows = _kind_rows(s, name, chunk)
                    if changed is not None:
                        rows = [r for r in rows if r[1] in changed[name]]
                    if not rows:
                        continue
                    if name == "household":
                        keep_unheld_heads(s, rows)
                    base_texts = None
                    if disputed:
                        rows, base_texts = _hold_back_disputed(s, name, rows, disputed)
                    texts = [_fields_json(r[4]) for r in rows]
                    for r, fj in zip(rows, texts):
                        grouped.setdefault(r[0], []).append((name, r, fj))
                    # what we send is the base from now on, one version on (a full
                    # package's records: one statement per kind after the loop)
                    if not full:
                        table = KINDS[name].model.__table__
                        s.connection().execute(update(table).where(
                            table.c.id.in_([r[1] for r in rows]))
                            .values(rev=func.coalesce(table.c.rev, 0) + 1))
                    _replace_bases(s, name, [(r[2], r[3] + 1, fj) for r, fj in
                                             zip(rows, base_texts or texts)])
                    counts[name] = counts.get(name, 0) + len(rows)
                for h in chunk:
                    for name, (_, rid, gid, rev, _f), fj in grouped.get(h, ()):
                        # the line as write() would make it (keys sorted), the fields'
                        # JSON made once for the package and the base
                        by = "{}" if full else _fields_json(_authors(s, name, rid))
                        package.write_raw(f'{{"by":{by},"fields":{fj},"gid":"{gid}",'
                                          f'"kind":"{name}","rev":{rev + 1}}}')
            _send_loose(s, package, counts, full, changed, area, township)
            if full:     # every record of the area's households was sent: each one version on
                for name in ORDER:
                    table = KINDS[name].model.__table__
                    if name == "household":
                        sent = table.c.id.in_(hh_ids)
                    elif name == "case_event":      # the steps of the area's cases
                        sent = table.c.case_id.in_(select(AssistanceCase.id).where(
                            AssistanceCase.household_id.in_(hh_ids)))
                    else:
                        sent = table.c.household_id.in_(hh_ids)
                    s.connection().execute(update(table).where(sent)
                                           .values(rev=func.coalesce(table.c.rev, 0) + 1))
            # decisions made here since the site last confirmed (each sent until confirmed)
            decided = select(AuditEntry.entity_id).where(
                AuditEntry.entity == "sync_conflict", AuditEntry.action == "resolve",
                AuditEntry.id > peer.acked_feed_id, AuditEntry.id <= high)
            resolutions = 0
            for c in s.scalars(select(SyncConflict).where(
                    SyncConflict.id.in_(decided), SyncConflict.remote_site == peer.code)
                    .order_by(SyncConflict.id)):
                package.write({"resolution": {
                    "entity": c.entity, "gid": c.gid, "field": c.field,
                    "value": json.loads(c.local_value if c.resolution == "local"
                                        else c.remote_value)}})
                resolutions += 1
            counts["resolutions"] = resolutions
            if me.kind == "bureau":     # standards, rosters, duplicate outcomes
                counts.update(write_return(s, me, peer, area, hh_ids, peer.acked_feed_id, high,
                                           package.write))
            package.counts.update(counts)
        peer.next_out_seq = seq + 1
        s.add(ExchangePackage(site_code=peer.code, direction="out", seq=seq,
                              base_seq=peer.last_in_seq, feed_high=high,
                              sha256=package.manifest.payload_sha256,
                              counts=json.dumps(counts), file_name=path.name, user_id=user.id))
        Auditor(s, user).note("export", "exchange_package", None,
                              f"package {seq} to {peer.code}: {counts}")
        return ExportResult(path, seq, counts)


def _send_loose(s: Session, package: PackageWriter, counts: dict[str, int], full: bool,
                changed: dict[str, set[int]] | None, area: Area, township: str) -> None:
    """The records that belong to no household, after every household's: temporary aid of
    the township for a person outside the registry, and the visits the township recorded
    (docs/exchange.md: a visit travels between the bureau and the township that recorded
    it). Each line as :func:`export_package` writes a household's records."""
    for name, where in (("aid_case", (AidCase.household_id.is_(None),
                                      AidCase.township_id == area.id)),
                        ("liaison_visit", (Visit.origin_site == township,))):
        model = KINDS[name].model
        if changed is not None:
            if not changed[name]:
                continue
            where += (model.id.in_(sorted(changed[name])),)
        rows = _case_rows(s, name, and_(*where))
        if not rows:
            continue
        texts = [_fields_json(r[4]) for r in rows]
        table = model.__table__
        s.connection().execute(update(table).where(table.c.id.in_([r[1] for r in rows]))
                               .values(rev=func.coalesce(table.c.rev, 0) + 1))
        _replace_bases(s, name, [(r[2], r[3] + 1, fj) for r, fj in zip(rows, texts)])
        counts[name] = counts.get(name, 0) + len(rows)
        for (_, rid, gid, rev, _f), fj in zip(rows, texts):
            by = "{}" if full else _fields_json(_authors(s, name, rid))
            package.write_raw(f'{{"by":{by},"fields":{fj},"gid":"{gid}",'
                              f'"kind":"{name}","rev":{rev + 1}}}')


def _set_base(s: Session, entity: str, gid: str, rev: int, fields: dict) -> None:
    row = s.scalar(select(SyncBase).where(SyncBase.entity == entity, SyncBase.gid == gid))
    text = _fields_json(fields)
    if row is None:
        s.add(SyncBase(entity=entity, gid=gid, rev=rev, fields=text))
    else:
        row.rev, row.fields = rev, text


def _values(kind: Kind, fields: dict[str, Any]) -> dict[str, Any]:
    """Column values of the travelling plain fields (dates from ISO text)."""
    out = {}
    for f in kind.fields:
        v = fields.get(f)
        out[f] = dt.date.fromisoformat(v) if f in kind.dates and v else \
            dt.datetime.fromisoformat(v) if f in kind.times and v else v
    return out


def _add_duplicate(s: Session, peer: ExchangeSite, result: "ImportResult", rec: dict[str, Any],
                   holder_gid: str, holder_household_gid: str | None) -> None:
    """A person arriving with an ID number held here: a duplicate ticket (once)."""
    fields = rec["fields"]
    exists = s.scalar(select(DuplicateTicket.id).where(
        DuplicateTicket.person_gid == holder_gid,
        DuplicateTicket.other_person_gid == rec["gid"]))
    if exists is not None:
        return
    s.add(DuplicateTicket(
        id_number=fields["id_number"], name=fields.get("name", ""), person_gid=holder_gid,
        other_person_gid=rec["gid"], household_gid=holder_household_gid,
        other_household_gid=fields.get("household"), other_site=peer.code,
        other_fields=json.dumps(fields, ensure_ascii=False)))
    result.duplicates += 1


# --- import ---------------------------------------------------------------------------------

@dataclass
class ImportResult:
    seq: int
    already_imported: bool = False
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    duplicates: int = 0
    set_based: bool = False      # written by the first-package path (_FirstPackage)
    # the bureau's return items applied at a township (exchange_return): kind → records
    received: dict[str, int] = field(default_factory=dict)


@requires(("registry.write", "registry.import"))
def import_package(db: Database, actor: str | int, path: str | os.PathLike[str],
                   cancel: CancelToken | None = None, set_based: bool = True) -> ImportResult:
    """Check and apply a package, all or nothing. Refused whole (PackageError naming why)
    when it is not a package, truncated, altered, for another site, from an unknown site or
    out of sequence; one already imported changes nothing.

    A township's full package arriving where none of its area's records are (the bureau's
    first package from it) is written set-based (:class:`_FirstPackage`), with the same
    result as record by record; ``set_based=False`` forces the record-by-record path."""
    path = Path(path)
    with db.begin() as s:
        user = resolve_user(s, actor)
        me = _self(s)
        head = read_manifest(path)
        peer = s.scalar(select(ExchangeSite).where(ExchangeSite.code == head.from_site,
                                                   ExchangeSite.is_self.is_(False)))
        if peer is None:
            raise PackageError("unknown_site",
                               f"{path.name} comes from site {head.from_site}, which is not "
                               "registered here", f"{path.name} 来自未登记的站点 {head.from_site}")
        manifest, items = open_package(path, _key(peer), me.code)
        if manifest.seq <= peer.last_in_seq:
            return ImportResult(manifest.seq, already_imported=True)
        if manifest.seq != peer.last_in_seq + 1:
            raise PackageError(
                "out_of_sequence",
                f"{path.name} is package {manifest.seq} from {peer.code}, but package "
                f"{peer.last_in_seq + 1} comes next: import the missing ones first",
                f"{path.name} 是来自 {peer.code} 的第 {manifest.seq} 个数据包，应先导入第 "
                f"{peer.last_in_seq + 1} 个")
        result = ImportResult(manifest.seq)
        audit = Auditor(s, user, SOURCE_PREFIX + peer.code)
        ensure_gids(s, me.code)     # records met here (a duplicate's holder) are named by gid
        area = _township_area(s, me, peer)
        returns, returned = ReturnApplier(s, audit, user, me, peer), []

        def registry_items() -> Iterable[dict]:
            """The registry's items; the return's (exchange_return) kept for after them."""
            for item in items():
                # a record (the most items by far) names its kind; a return item does not
                if "kind" not in item and any(k in item for k in RETURN_ITEMS):
                    returned.append(item)
                else:
                    yield item

        try:
            if set_based and manifest.full and s.scalar(
                    select(func.count()).select_from(_household_ids_in(s, area).subquery())) == 0:
                result.set_based = True
                _FirstPackage(s, audit, me, peer, result, cancel,
                              manifest.counts.get("person", 0)).run(registry_items())
            else:
                applier = _Applier(s, audit, me, peer, result, cancel)
                # what of ours the sender had applied when it made this package (its base_seq)
                applier.acked = max(peer.acked_feed_id, s.scalar(
                    select(ExchangePackage.feed_high).where(
                        ExchangePackage.site_code == peer.code, ExchangePackage.direction == "out",
                        ExchangePackage.seq == manifest.base_seq)) or 0)
                for item in registry_items():
                    if "resolution" in item:
                        applier.resolution(item["resolution"])
                    else:
                        applier.apply(item["kind"], item)
                applier.finish()
            for item in returned:
                returns.apply(item)
        except IntegrityError as e:
            # a rule of this database refused a record of the package (the checks above
            # name the usual cases): refused whole, in words, never a driver's traceback
            detail = str(e.orig).splitlines()[0] if e.orig is not None else str(e)
            raise PackageError(
                "conflicting_record",
                f"{path.name}: a record of the package conflicts with one here ({detail}); "
                "nothing was imported",
                f"{path.name}：数据包中的记录与本库已有记录冲突（{detail}），未导入任何数据") from None
        result.received = returns.applied
        # their base_seq acknowledges our packages up to it
        acked = s.scalar(select(ExchangePackage.feed_high).where(
            ExchangePackage.site_code == peer.code, ExchangePackage.direction == "out",
            ExchangePackage.seq == manifest.base_seq))
        if acked is not None and acked > peer.acked_feed_id:
            peer.acked_feed_id = acked
        peer.last_in_seq = manifest.seq
        s.add(ExchangePackage(site_code=peer.code, direction="in", seq=manifest.seq,
                              base_seq=manifest.base_seq, sha256=manifest.payload_sha256,
                              counts=json.dumps(manifest.counts), file_name=path.name,
                              user_id=user.id))
        audit.note("import", "exchange_package", None,
                   f"package {manifest.seq} from {peer.code}"
                   f"{' (first package, written set-based)' if result.set_based else ''}: "
                   f"created {result.created}, updated {result.updated}, "
                   f"conflicts {result.conflicts}, duplicates {result.duplicates}"
                   f"{f', received {result.received}' if result.received else ''}")
        return result


TRAVEL_COLUMNS = ("gid", "origin_site", "rev")
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"     # how SQLAlchemy stores a DateTime in SQLite
MONEY_COLUMNS = {name: TRAVEL_COLUMNS + ("household_id",) + KINDS[name].fields
                 + (("person_id",) if name == "income" else ())
                 for name in ("income", "property")}


_PERSON_PICK, _HOUSEHOLD_PICK = itemgetter(*PERSON_INPUT), itemgetter(*HOUSEHOLD_INPUT)


class _FirstPackage:
    """A township's first (full) package into a database holding none of its area's records:
    households and persons through the registry's :class:`BulkWriter` (derived columns,
    search keys, memberships), incomes and property and the common bases in one
    ``executemany`` per batch of households, audited as one import event (the caller's).

    The result is that of :class:`_Applier` record by record (tests/core/test_exchange.py
    compares both): the same ids in the same order, a person whose ID number is held here
    (or earlier in the package) a duplicate ticket instead, a head that is not written left
    empty. The package lists each household before its persons, incomes and property
    (:func:`export_package`); only a batch of households is held in memory."""

    BATCH = 1000
    # SQLite: the secondary indexes of the registry and of the case tables are dropped and
    # built again at the end when the package brings at least as many persons as are here
    # (a city into an empty bureau: rows inserted one by one into keys larger than the page
    # cache, the global ids' in random order). Not those by global id that the batches
    # read: the persons' and households' (an earner in another household; the households
    # and persons a case names), the cases' (a step names its case). The rest are built
    # before the resolutions and late heads are applied. Not on PostgreSQL, where a
    # dropped index locks its table against the other clerks' reads until the import
    # commits.
    INDEXED = ("households", "persons", "person_search_keys", "incomes", "property_items",
               "household_memberships", "assistance_cases", "case_members", "case_events")
    KEEP = ("ix_persons_gid", "ix_households_gid", "ix_assistance_cases_gid")

    def __init__(self, s: Session, audit: Auditor, me: ExchangeSite, peer: ExchangeSite,
                 result: ImportResult, cancel: CancelToken | None, persons: int = 0):
        self.s, self.audit, self.me, self.peer, self.result = s, audit, me, peer, result
        self.cancel = cancel
        self.conn = s.connection()
        self.next_hid = (s.scalar(select(func.max(Household.id))) or 0) + 1
        self.next_pid = (s.scalar(select(func.max(Person.id))) or 0) + 1
        self.rebuild_indexes = (self.conn.dialect.name == "sqlite"
                                and persons >= self.next_pid - 1)
        self.villages = dict(s.execute(select(Area.code, Area.id)
                                       .where(Area.level == "village")).all())
        self.stamp = utcnow().strftime(_SQLITE_DATETIME)
        self.pending_heads: dict[str, int] = {}   # head gid → household, head not yet read
        self.late_heads: list[int] = []
        self.resolutions: list[dict] = []
        self.batch: list[dict[str, Any]] = []
        self.later: list[dict[str, Any]] = []     # cases, steps, aid and visits read so far
        self._later_applier: _Applier | None = None
        # global id → id of the households and persons of the batch written last
        self.batch_ids: dict[Any, dict[str, int]] = {Household: {}, Person: {}}

    def _apply_later(self) -> None:
        """The cases, steps, aid cases and visits read so far (their households and persons
        are written): new ones set-based (:class:`_NewCaseRecords`), any already held here
        record by record as :class:`_Applier` merges them; without audit rows of their own
        (the package is audited as one event), users not registered here noted."""
        if not self.later:
            return
        if self._later_applier is None:
            self._new_cases = _NewCaseRecords(self.s, self.audit, self.peer, self.result,
                                              self.stamp)
            ap = _Applier(self.s, _SilentAuditor(self.s, self.audit.user, self.audit.source),
                          self.me, self.peer, self.result, self.cancel)
            ap.notes = self.audit
            self._later_applier = ap
        self._new_cases.known.update(self.batch_ids)
        for item in self._new_cases.write(self.later):
            self._later_applier.apply(item["kind"], item)
        self.later = []

    def run(self, items: Iterable[dict]) -> None:
        rebuild = (drop_indexes(self.conn, self.INDEXED, keep=self.KEEP)
                   if self.rebuild_indexes else [])
        # the package's values are as SQLite stores them (dates as ISO text, booleans)
        with BulkWriter(self.conn, extra=TRAVEL_COLUMNS, stored_values=True) as writer:
            self.writer = writer
            group = None
            for item in items:
                if "resolution" in item:
                    self.resolutions.append(item["resolution"])
                    continue
                name = item["kind"]
                if name in CASE_KINDS:      # record by record, once their households are
                    self.later.append(item)
                    continue
                if name == "household":
                    if len(self.batch) >= self.BATCH:
                        self._write_batch()
                    group = {"household": item, "person": [], "income": [], "property": []}
                    self.batch.append(group)
                elif group is None or item["fields"].get("household") != group["household"]["gid"]:
                    raise StateError(f"the package lists a {name} apart from its household",
                                     "数据包中的记录未按户排列，无法导入")
                else:
                    group[name].append(item)
            self._write_batch()
            self._apply_later()
        for sql in rebuild:
            self.conn.exec_driver_sql(sql)
        if self._later_applier is not None:
            self._new_cases.note_users()
        if self.conn.dialect.name == "postgresql":   # the ids were given: move the sequences
            for table in ("households", "persons", "assistance_cases"):
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")
        for hid in self.late_heads:
            refresh_household(self.s, self.s.get(Household, hid))
        if self.resolutions:
            applier = _Applier(self.s, self.audit, self.me, self.peer, self.result, self.cancel)
            for res in self.resolutions:
                applier.resolution(res)
            applier.finish()

    def _holders(self, numbers: list[str]) -> dict[str, tuple[str, str | None]]:
        """ID number → (person gid, household gid) of the persons here holding them."""
        out: dict[str, tuple[str, str | None]] = {}
        for i in range(0, len(numbers), 900):
            for number, gid, hh in self.s.execute(
                    select(Person.id_number, Person.gid, Household.gid)
                    .outerjoin(Household, Household.id == Person.household_id)
                    .where(Person.id_number.in_(numbers[i:i + 900]))):
                out[number] = (gid, hh)
        return out

    def _person_id(self, gid: str) -> int | None:
        self.writer.flush_persons()
        return self.s.scalar(select(Person.id).where(Person.gid == gid))

    def _village(self, code: str) -> int:
        if code not in self.villages:
            _area_by_code(self.s, code)      # raises naming the code
        return self.villages[code]

    def _write_batch(self) -> None:
        if not self.batch:
            return
        if self.cancel is not None:
            self.cancel.check()
        w, peer, stamp = self.writer, self.peer.code, self.stamp
        w.flush_persons()   # the persons written so far are seen by the ID number check
        holders = self._holders([p["fields"]["id_number"] for g in self.batch
                                 for p in g["person"]])
        written: dict[str, list] = {k: [] for k in REGISTRY}
        money: dict[str, list[dict]] = {"income": [], "property": []}
        households, persons = {}, {}
        self.batch_ids = {Household: households, Person: persons}
        for g in self.batch:
            h = g["household"]
            hid = self.next_hid
            self.next_hid += 1
            households[h["gid"]] = hid
            ids: dict[str, int] = {}
            for p in g["person"]:
                f = p["fields"]
                holder = holders.get(f["id_number"])
                if holder is not None:
                    _add_duplicate(self.s, self.peer, self.result, p, *holder)
                    continue
                pid = self.next_pid
                self.next_pid += 1
                ids[p["gid"]] = persons[p["gid"]] = pid
                holders[f["id_number"]] = (p["gid"], h["gid"])
                row = {**f, "id": pid, "household_id": hid, "created_at": stamp,
                       "updated_at": stamp}
                w.add_person((*_PERSON_PICK(row), p["gid"], peer, p["rev"]))
                written["person"].append(p)
            hf = h["fields"]
            head = hf.get("head")
            head_name = next((p["fields"]["name"] for p in g["person"]
                              if ids.get(p["gid"]) and p["gid"] == head), "")
            row = {**hf, "id": hid,
                   "village_id": self._village(hf["village"]), "head_person_id": None,
                   "created_at": stamp, "updated_at": stamp}
            w.add_household((*_HOUSEHOLD_PICK(row), h["gid"], peer, h["rev"]),
                            head_name, len(ids))
            written["household"].append(h)
            if head in ids:
                w.set_head(ids[head], hid)
            elif head:
                self.pending_heads[head] = hid
            for gid, pid in ids.items():      # the head of a household read earlier
                if gid in self.pending_heads:
                    owner = self.pending_heads.pop(gid)
                    w.set_head(pid, owner)
                    self.late_heads.append(owner)
            for name in ("income", "property"):
                for r in g[name]:
                    f = r["fields"]
                    row = [r["gid"], peer, r["rev"], hid, *(f.get(c) for c in KINDS[name].fields)]
                    if name == "income":
                        row.append(ids.get(f["person"]) or self._person_id(f["person"])
                                   if f.get("person") else None)
                    money[name].append(tuple(row))
                    written[name].append(r)
        w.flush_persons()
        for name, rows in money.items():
            _insert_many(self.s, KINDS[name].model.__table__.name, MONEY_COLUMNS[name], rows)
        for name, recs in written.items():
            _replace_bases(self.s, name,
                           [(r["gid"], r["rev"], _fields_json(r["fields"])) for r in recs])
            if recs:
                self.result.created[name] = self.result.created.get(name, 0) + len(recs)
        self.batch = []
        self._apply_later()


class _NewCaseRecords:
    """The cases (with their covered members), steps, aid cases and visits of a first
    package that this site does not hold yet, written set-based: references resolved a
    batch at a time (the households and persons of the batch from the ids just given them,
    others by global id), one ``executemany`` of plain rows per table (:func:`_insert_many`),
    their bases with them. The result is that of :class:`_Applier` record by record
    (tests/core/test_exchange_kinds.py compares both). A user not registered here is the
    importing user, noted once per user and field for the whole package
    (:meth:`note_users`); a leader, institution or aid cause missing here refuses the
    package as record by record."""

    def __init__(self, s: Session, audit: Auditor, peer: ExchangeSite, result: ImportResult,
                 stamp: str):
        self.s, self.audit, self.peer, self.result = s, audit, peer, result
        self.conn = s.connection()
        self.stamp = stamp      # created_at / updated_at, as SQLite stores a date-time
        self.areas = dict(s.execute(select(Area.code, Area.id)).all())
        self.causes = set(s.scalars(select(AidCause.code)))
        self.users: dict[str, int | None] = {}
        self.absent: dict[tuple[str, str, str], int] = {}     # (kind, field, user) → records
        # kinds of which this site held no record when the package came: none of their
        # records can be held here (a record twice in one package breaks the global id's
        # unique key: refused whole, as the registry's), so no look-up by global id
        self.empty = {name: s.execute(select(KINDS[name].model.id).limit(1)).first() is None
                      for name in CASE_KINDS}
        # global id → id of the records just written (the batch's households and persons,
        # given by _FirstPackage; the cases of the current write)
        self.known: dict[Any, dict[str, int]] = {Household: {}, Person: {},
                                                 AssistanceCase: {}}

    def _ids(self, model: Any, gids: Iterable[str | None]) -> dict[str, int]:
        """Global id → id here of the records named, those just written from memory."""
        known = self.known.get(model, {})
        out: dict[str, int] = {}
        missing = set()
        for g in gids:
            if g:
                i = known.get(g)
                if i is None:
                    missing.add(g)
                else:
                    out[g] = i
        missing = sorted(missing)
        for i in range(0, len(missing), 900):
            out.update(self.s.execute(select(model.gid, model.id)
                                      .where(model.gid.in_(missing[i:i + 900]))).all())
        return out

    def _user(self, name: str, field: str, username: str | None) -> int | None:
        if username is None:
            return None
        if username not in self.users:
            self.users[username] = self.s.scalar(select(User.id).where(
                User.username == username))
        if self.users[username] is None:
            key = (name, field, username)
            self.absent[key] = self.absent.get(key, 0) + 1
            return self.audit.user.id
        return self.users[username]

    def _area(self, code: str | None) -> int | None:
        if code is None:
            return None
        if code not in self.areas:
            _area_by_code(self.s, code)      # raises naming the code
        return self.areas[code]

    def write(self, items: list[dict]) -> list[dict]:
        """Write the new records of ``items``; returns those already held here (in package
        order) for the record-by-record path."""
        by_kind: dict[str, list[dict]] = {k: [] for k in CASE_KINDS}
        for item in items:
            by_kind[item["kind"]].append(item)
        held: set[str] = set()
        for name, recs in by_kind.items():
            if recs and not self.empty[name]:
                held.update(self._ids_held(KINDS[name].model, (r["gid"] for r in recs)))
        rest = [item for item in items if item["gid"] in held] if held else []
        self.known[AssistanceCase] = {}
        for name in CASE_KINDS:
            recs = [r for r in by_kind[name] if r["gid"] not in held] if held \
                else by_kind[name]
            if recs:
                getattr(self, "_" + name)(recs)
                _replace_bases(self.s, name, [(r["gid"], r["rev"], _fields_json(r["fields"]))
                                              for r in recs])
                self.result.created[name] = self.result.created.get(name, 0) + len(recs)
        return rest

    def _ids_held(self, model: Any, gids: Iterable[str]) -> set[str]:
        gids = sorted(set(gids))
        out: set[str] = set()
        for i in range(0, len(gids), 900):
            out.update(self.s.scalars(select(model.gid).where(model.gid.in_(gids[i:i + 900]))))
        return out

    def _insert(self, name: str, refs: tuple[str, ...], recs: list[dict],
                ref_values: Iterable[tuple], ids: Iterable[int] | None = None) -> None:
        """One ``executemany`` of the records: their travelling columns, the references'
        ``refs`` (values in ``ref_values``, one tuple a record) and the plain fields as
        the package gives them (as SQLite stores them: :func:`_insert_many` types them
        elsewhere), with the ids given (``ids``) or the database's."""
        kind = KINDS[name]
        table = kind.model.__table__
        stamps = tuple(c for c in ("created_at", "updated_at") if c in table.c)
        cols = (TRAVEL_COLUMNS + refs + kind.fields + stamps
                + (("id",) if ids is not None else ()))
        peer, extra = self.peer.code, (self.stamp,) * len(stamps)
        pick = itemgetter(*kind.fields)
        times = [i for i, f in enumerate(kind.fields) if f in kind.times]
        rows = []
        for r, refv, i in zip(recs, ref_values, repeat(None) if ids is None else ids):
            f = r["fields"]
            try:
                plain = pick(f)
            except KeyError:    # a field the package left out: NULL, as _values gives it
                plain = tuple(f.get(c) for c in kind.fields)
            if times:
                plain = list(plain)
                for t in times:
                    if plain[t] is not None:
                        plain[t] = dt.datetime.fromisoformat(plain[t]).strftime(
                            _SQLITE_DATETIME)
            rows.append((r["gid"], peer, r["rev"], *refv, *plain, *extra)
                        + ((i,) if ids is not None else ()))
        _insert_many(self.s, table.name, cols, rows)

    def _case(self, recs: list[dict]) -> None:
        f = [r["fields"] for r in recs]
        hh = self._ids(Household, (x.get("household") for x in f))
        persons = self._ids(Person, [x.get("person") for x in f]
                            + [m[0] for x in f for m in x.get("members") or []])
        first = (self.s.scalar(select(func.max(AssistanceCase.id))) or 0) + 1
        ids = range(first, first + len(recs))
        self._insert("case", ("household_id", "person_id"), recs,
                     ((hh.get(x.get("household")), persons.get(x.get("person"))) for x in f),
                     ids)
        self.known[AssistanceCase] = dict(zip((r["gid"] for r in recs), ids))
        members = [(cid, persons[gid], x["program"], start, until, why or "")
                   for cid, x in zip(ids, f) for gid, start, until, why in x.get("members") or []
                   if gid in persons]
        _insert_many(self.s, "case_members", ("case_id", "person_id", "program", "covered_from",
                                              "covered_until", "end_reason"), members)

    def _case_event(self, recs: list[dict]) -> None:
        cases = self._ids(AssistanceCase, (r["fields"].get("case") for r in recs))
        self._insert("case_event", ("case_id", "user_id"), recs,
                     ((cases.get(r["fields"].get("case")),
                       self._user("case_event", "user", r["fields"].get("user"))) for r in recs))

    def _aid_case(self, recs: list[dict]) -> None:
        f = [r["fields"] for r in recs]
        hh = self._ids(Household, (x.get("household") for x in f))
        persons = self._ids(Person, (x.get("person") for x in f))
        for r, x in zip(recs, f):
            if x["cause"] not in self.causes:
                raise _refused("aid_case", x, "aid cause", "临时救助事由", x["cause"])
        self._insert("aid_case", ("household_id", "person_id", "township_id", "village_id",
                                  "recorded_by", "approved_by"), recs,
                     [(hh.get(x.get("household")), persons.get(x.get("person")),
                       self._area(x["township"]), self._area(x.get("village")),
                       self._user("aid_case", "recorded_by", x.get("recorded_by")),
                       self._user("aid_case", "approved_by", x.get("approved_by")))
                      for x in f])

    def _liaison_visit(self, recs: list[dict]) -> None:
        # few, and each checked against the visits held here: as record by record
        refs = []
        for r in recs:
            x = r["fields"]
            got = _visit_refs(self.s, x)
            if self.s.scalar(select(Visit.id).where(
                    Visit.leader_id == got["leader_id"],
                    Visit.institution_id == got["institution_id"],
                    Visit.visited_on == dt.date.fromisoformat(x["visited_on"]))) is not None:
                raise _duplicate_visit(x)
            refs.append((got["leader_id"], got["institution_id"]))
        self._insert("liaison_visit", ("leader_id", "institution_id"), recs, refs)
        ids = self._ids(Visit, (r["gid"] for r in recs))
        rects = [{"visit_id": ids[r["gid"]], "action": action,
                  "due_on": dt.date.fromisoformat(due_on), "status": status,
                  "done_on": dt.date.fromisoformat(done_on) if done_on else None}
                 for r in recs for action, due_on, status, done_on
                 in r["fields"].get("rectifications") or []]
        if rects:
            self.conn.execute(Rectification.__table__.insert(), rects)

    def note_users(self) -> None:
        for (name, column, username), n in sorted(self.absent.items()):
            self.audit.note("map_user", name, None,
                            f"{column}: user {username} of site {self.peer.code} is not "
                            f"registered here; {n} record(s) recorded as "
                            f"{self.audit.user.username}")


def _case_label(s: Session, name: str, obj: Any, fields: dict[str, Any]) -> str | None:
    """How a conflict names a case (its household's number and program), a step (its
    step and date) or a visit (its date and institution)."""
    if name == "case":
        hh = s.get(Household, obj.household_id)
        return f"{hh.number if hh else ''} {obj.program}".strip()
    if name == "case_event":
        return f"{obj.step} {obj.happened_on}"
    if name == "liaison_visit":
        return f"{obj.visited_on} {fields.get('institution', '')}".strip()
    return None


def _visit_refs(s: Session, fields: dict[str, Any]) -> dict[str, int]:
    """A visit's leader (name and department area code) and institution (name) here;
    refused whole when either is not held here."""
    leader_name, area_code = fields["leader"]
    leader = s.scalar(select(Leader.id).join(Area, Area.id == Leader.area_id)
                      .where(Leader.name == leader_name, Area.code == area_code)
                      .order_by(Leader.id).limit(1))
    if leader is None:
        raise _refused("liaison_visit", fields, "leader", "领导", f"{leader_name} ({area_code})")
    institution = s.scalar(select(Institution.id).where(
        Institution.name == fields["institution"]))
    if institution is None:
        raise _refused("liaison_visit", fields, "institution", "机构", fields["institution"])
    return {"leader_id": leader, "institution_id": institution}


def _refused(name: str, fields: dict[str, Any], what: str, what_zh: str,
             key: str) -> PackageError:
    """A package naming a record this site does not hold (an institution, a leader, an aid
    cause): refused whole, naming the record and what is missing."""
    label = fields.get("visited_on") or fields.get("applied_on") or ""
    return PackageError(
        "unknown_reference",
        f"the package's {name} record of {label} names {what} {key}, which is not "
        f"registered here: register it first, then import the package again",
        f"数据包中的{LABEL_ZH[name]}（{label}）涉及的{what_zh}「{key}」在本地不存在，"
        f"请先登记后再导入")


def _duplicate_visit(fields: dict[str, Any]) -> PackageError:
    return PackageError(
        "duplicate_visit",
        f"the package's visit of {fields['leader'][0]} to {fields['institution']} on "
        f"{fields['visited_on']} is already recorded here as another visit (one a day "
        "counts): merge the two here first",
        f"数据包中 {fields['leader'][0]} 于 {fields['visited_on']} 联系"
        f"「{fields['institution']}」的记录在本地已另有登记（同一天只计一次），请先合并")


class _SilentAuditor(Auditor):
    """Sets values as :class:`Auditor` does and writes no audit row: the records of a first
    package, audited as one import event."""

    def _add(self, **kw: Any) -> None:
        pass


class _Applier:
    def __init__(self, s: Session, audit: Auditor, me: ExchangeSite, peer: ExchangeSite,
                 result: ImportResult, cancel: CancelToken | None):
        self.s, self.audit, self.me, self.peer, self.result = s, audit, me, peer, result
        self.cancel = cancel
        self.touched_households: set[int] = set()
        # households whose head arrives later in the same package: head gid → household
        self._pending_heads: dict[str, Household] = {}
        self._cache: dict[tuple[Any, str], Any] = {}
        # the feed id up to which the sender had our changes and decisions when it wrote
        self.acked = peer.acked_feed_id
        self._users: dict[str, int | None] = {}
        self._absent: list[tuple[str, str]] = []      # (field, username) not registered here
        self.notes = audit       # where user mappings are noted (a first package: silent
        #                          audit for the records, these notes still written)
        self._turned_down: set[tuple[str, str, str, str]] | None = None

    def _decided_against(self, name: str, gid: str, f: str, theirs: Any) -> bool:
        """``theirs`` is the value this site turned down when it decided a conflict (kept its
        own), and the sender had not yet received that decision when it wrote the package: an
        unconfirmed change sent again, not a new one. Applying it would silently undo the
        decision (and the decision, arriving there, would undo theirs: the sites would swap
        values). The decisions the sender has not seen are read once per package."""
        if self._turned_down is None:
            decided = select(AuditEntry.id).where(
                AuditEntry.entity == "sync_conflict", AuditEntry.action == "resolve",
                AuditEntry.entity_id == SyncConflict.id, AuditEntry.id > self.acked)
            self._turned_down = set(tuple(r) for r in self.s.execute(
                select(SyncConflict.entity, SyncConflict.gid, SyncConflict.field,
                       SyncConflict.remote_value).where(
                    SyncConflict.status == "resolved", SyncConflict.resolution == "local",
                    SyncConflict.remote_site == self.peer.code, decided.exists())).all())
        return (name, gid, f, json.dumps(theirs, ensure_ascii=False)) in self._turned_down

    def _by_gid(self, model: Any, gid: str | None) -> Any:
        if gid is None:
            return None
        key = (model, gid)
        if key not in self._cache:
            with self.s.no_autoflush:
                self._cache[key] = self.s.scalar(select(model).where(model.gid == gid))
        return self._cache[key]

    def finish(self) -> None:
        """Derived household columns once per touched household, after all records."""
        self.s.flush()
        for hh_id in sorted(self.touched_households):
            refresh_household(self.s, self.s.get(Household, hh_id))

    def _refs(self, name: str, fields: dict[str, Any]) -> dict[str, Any]:
        if name in CASE_KINDS:
            return self._case_refs(name, fields)
        out: dict[str, Any] = {}
        if name == "household":
            out["village_id"] = _area_by_code(self.s, fields["village"]).id
        else:
            hh = self._by_gid(Household, fields.get("household"))
            out["household_id"] = hh.id if hh else None
            if name == "income":
                p = self._by_gid(Person, fields.get("person"))
                out["person_id"] = p.id if p else None
        return out

    def _user(self, field: str, username: str | None) -> int | None:
        """The user of that name here, or else the importing user (noted in the audit log
        once the record is written: :meth:`_note_users`)."""
        if username is None:
            return None
        if username not in self._users:
            self._users[username] = self.s.scalar(select(User.id).where(
                User.username == username))
        uid = self._users[username]
        if uid is None:
            self._absent.append((field, username))
            return self.audit.user.id
        return uid

    def _note_users(self, name: str, obj: Any, only: Iterable[str] | None = None) -> None:
        absent = [(f, u) for f, u in self._absent if only is None or f in only]
        self._absent = []
        for f, username in absent:
            self.notes.note("map_user", name, obj.id,
                            f"{f}: user {username} of site {self.peer.code} is not registered "
                            f"here; recorded as {self.audit.user.username}",
                            getattr(obj, "household_id", None))

    def _case_refs(self, name: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Column values of a case-kind record's references (the members of a case are
        written apart: :meth:`_set_members`). A leader, an institution or an aid cause the
        package names and this site does not hold refuses the whole package."""
        out: dict[str, Any] = {}
        if name in ("case", "aid_case"):
            hh = self._by_gid(Household, fields.get("household"))
            p = self._by_gid(Person, fields.get("person"))
            out["household_id"] = hh.id if hh else None
            out["person_id"] = p.id if p else None
        if name == "case_event":
            case = self._by_gid(AssistanceCase, fields.get("case"))
            out["case_id"] = case.id if case else None
            out["user_id"] = self._user("user", fields.get("user"))
        elif name == "aid_case":
            out["township_id"] = _area_by_code(self.s, fields["township"]).id
            out["village_id"] = (_area_by_code(self.s, fields["village"]).id
                                 if fields.get("village") else None)
            out["recorded_by"] = self._user("recorded_by", fields.get("recorded_by"))
            out["approved_by"] = self._user("approved_by", fields.get("approved_by"))
            if self.s.get(AidCause, fields["cause"]) is None:
                raise _refused(name, fields, "aid cause", "临时救助事由", fields["cause"])
        elif name == "liaison_visit":
            out.update(_visit_refs(self.s, fields))
        return out

    def _set_members(self, case: AssistanceCase, members: list[list]) -> None:
        """Make the case's covered members (保障对象) those of the package: rows matched by
        person and first month covered; a member whose person is not here (a duplicate
        ticket) is left out. Audited as the cases service audits coverage ("covered")."""
        rows = {(r.person_id, r.covered_from): r for r in self.s.scalars(
            select(CaseMember).where(CaseMember.case_id == case.id))}
        before = sorted({pid for (pid, _), r in rows.items() if r.covered_until is None})
        wanted: dict[tuple[int, dt.date], tuple[dt.date | None, str]] = {}
        for gid, start, until, why in members:
            person = self._by_gid(Person, gid)
            if person is not None:
                wanted[(person.id, dt.date.fromisoformat(start))] = (
                    dt.date.fromisoformat(until) if until else None, why or "")
        for key, row in rows.items():      # closings and removals first: one open coverage
            if key not in wanted:
                self.s.delete(row)
            elif (row.covered_until, row.end_reason) != wanted[key]:
                row.covered_until, row.end_reason = wanted[key]
        self.s.flush()
        for (pid, start), (until, why) in wanted.items():
            if (pid, start) not in rows:
                self.s.add(CaseMember(case_id=case.id, person_id=pid, program=case.program,
                                      covered_from=start, covered_until=until, end_reason=why))
        self.s.flush()
        after = sorted({pid for (pid, _), (until, _) in wanted.items() if until is None})
        if after != before:
            self.audit.updated("case", case.id, "covered", ",".join(map(str, before)),
                               ",".join(map(str, after)), case.household_id)

    def _set_rectifications(self, visit: Visit, rects: list[list]) -> None:
        """Make the visit's rectification actions (整改措施) those of the package: rows
        matched by action and due date, their status and completion taken from the package,
        the others removed and added; audited as the liaison service audits them."""
        rows = {(r.action, r.due_on): r for r in self.s.scalars(
            select(Rectification).where(Rectification.visit_id == visit.id))}
        wanted = {(action, dt.date.fromisoformat(due_on)): (
            status, dt.date.fromisoformat(done_on) if done_on else None)
            for action, due_on, status, done_on in rects}
        for key, row in rows.items():
            if key not in wanted:
                self.audit.deleted("liaison_rectification", row.id,
                                   {"visit_id": visit.id, "action": row.action,
                                    "due_on": row.due_on, "status": row.status,
                                    "done_on": row.done_on})
                self.s.delete(row)
            elif (row.status, row.done_on) != wanted[key]:
                status, done_on = wanted[key]
                self.audit.apply(row, "liaison_rectification",
                                 {"status": status, "done_on": done_on})
        for (action, due_on), (status, done_on) in wanted.items():
            if (action, due_on) not in rows:
                row = Rectification(visit_id=visit.id, action=action, due_on=due_on,
                                    status=status, done_on=done_on)
                self.s.add(row)
                self.s.flush()
                self.audit.created("liaison_rectification", row.id,
                                   {"visit_id": visit.id, "action": action, "due_on": due_on,
                                    "status": status, "done_on": done_on})
        self.s.flush()

    def apply(self, name: str, rec: dict[str, Any]) -> None:
        if self.cancel is not None:
            self.cancel.check()
        kind = KINDS[name]
        fields = rec["fields"]
        obj = self._by_gid(kind.model, rec["gid"])
        if obj is None:
            self._create(name, kind, rec)
            return
        base_row = self.s.scalar(select(SyncBase).where(SyncBase.entity == name,
                                                        SyncBase.gid == rec["gid"]))
        base = json.loads(base_row.fields) if base_row else {}
        local = _record(self.s, kind, obj)
        new_base = dict(local)
        changes: dict[str, Any] = {}
        for f, theirs in fields.items():
            mine = local.get(f)
            if theirs == mine:
                new_base[f] = theirs
                continue
            was = base.get(f, mine)
            if theirs == was:          # changed only here: keep ours (it travels back)
                new_base[f] = was
                continue
            if mine == was and self._decided_against(name, rec["gid"], f, theirs):
                new_base[f] = was      # the value our decision turned down, sent again
                continue
            if mine == was:            # changed only there: apply
                changes[f] = theirs
                new_base[f] = theirs
                continue
            self._conflict(name, rec, obj, f, was, mine, theirs)   # changed on both sides
            new_base[f] = was
        if changes:
            self._write(name, kind, obj, changes)
            self.result.updated[name] = self.result.updated.get(name, 0) + 1
        _set_base(self.s, name, rec["gid"], rec["rev"], new_base)

    def _write(self, name: str, kind: Kind, obj: Any, changes: dict[str, Any]) -> None:
        plain = _values(kind, {**_record(self.s, kind, obj), **changes})
        values = {f: plain[f] for f in changes if f in kind.fields}
        refs = {f: v for f, v in changes.items() if f not in kind.fields}
        members = refs.pop("members", None)
        rectifications = refs.pop("rectifications", None)
        if refs:
            resolved = self._refs(name, {**_record(self.s, kind, obj), **refs})
            if name == "household" and "head" in refs:
                head = self._by_gid(Person, refs["head"])
                resolved["head_person_id"] = head.id if head else None
            values.update({k: v for k, v in resolved.items()
                           if k != "village_id" or "village" in refs}
                          if name in REGISTRY else
                          {k: v for k, v in resolved.items() if _REF_OF.get(k, k) in refs})
        hh_id = obj.id if name == "household" else getattr(obj, "household_id", None)
        self.audit.apply(obj, name, values, hh_id)
        if name in CASE_KINDS:
            if members is not None:
                self._set_members(obj, members)
            if rectifications is not None:
                self._set_rectifications(obj, rectifications)
            self._note_users(name, obj, refs)
            return
        if name == "person":
            if "name" in values:
                write_keys(self.s, obj)
            if "id_number" in values:
                for column, value in id_derived(obj.id_number).items():
                    setattr(obj, column, value)
        if hh_id:
            self.touched_households.add(hh_id)

    def _create(self, name: str, kind: Kind, rec: dict[str, Any]) -> None:
        fields = rec["fields"]
        values = {**_values(kind, fields), **self._refs(name, fields)}
        if name == "person":
            holder = self.s.scalar(select(Person).where(Person.id_number == fields["id_number"]))
            if holder is not None:
                self._duplicate(rec, holder)
                return
            values.update(id_derived(fields["id_number"]))
        if name == "liaison_visit" and self.s.scalar(select(Visit.id).where(
                Visit.leader_id == values["leader_id"],
                Visit.institution_id == values["institution_id"],
                Visit.visited_on == values["visited_on"])) is not None:
            raise _duplicate_visit(fields)
        if name == "household" and self.s.scalar(select(Household.id).where(
                Household.number == fields["number"])) is not None:
            raise PackageError(
                "number_taken",
                f"household {fields['number']} of the package and household {fields['number']} "
                f"here are different records (their global ids differ): the two databases "
                f"registered it separately. Nothing was imported; the records must first be "
                f"brought together (docs/exchange.md, \"Setting up\")",
                f"数据包中的户 {fields['number']} 与本库的户 {fields['number']} 是分别登记的两条记录，"
                f"未导入任何数据；请先按交换说明统一两库的户籍数据")
        obj = kind.model(gid=rec["gid"], origin_site=self.peer.code, rev=rec["rev"], **values)
        self.s.add(obj)
        self.s.flush()
        self._cache[(kind.model, rec["gid"])] = obj
        hh_id = obj.id if name == "household" else getattr(obj, "household_id", None)
        self.audit.created(name, obj.id, {k: v for k, v in values.items()}, hh_id)
        if name in CASE_KINDS:
            if name == "case":
                self._set_members(obj, fields.get("members") or [])
            elif name == "liaison_visit":
                self._set_rectifications(obj, fields.get("rectifications") or [])
            self._note_users(name, obj)
            _set_base(self.s, name, rec["gid"], rec["rev"], fields)
            self.result.created[name] = self.result.created.get(name, 0) + 1
            return
        if name == "person":
            write_keys(self.s, obj)
            hh = self._pending_heads.pop(rec["gid"], None)
            if hh is not None:
                hh.head_person_id = obj.id
        if name == "household" and fields.get("head"):
            self._pending_heads[fields["head"]] = obj
        if hh_id:
            self.touched_households.add(hh_id)
        _set_base(self.s, name, rec["gid"], rec["rev"], fields)
        self.result.created[name] = self.result.created.get(name, 0) + 1

    def _duplicate(self, rec: dict[str, Any], holder: Person) -> None:
        hh = self.s.get(Household, holder.household_id) if holder.household_id else None
        _add_duplicate(self.s, self.peer, self.result, rec, holder.gid, hh.gid if hh else None)

    def _conflict(self, name: str, rec: dict[str, Any], obj: Any, f: str, was: Any, mine: Any,
                  theirs: Any) -> None:
        open_ = self.s.scalar(select(SyncConflict).where(
            SyncConflict.entity == name, SyncConflict.gid == rec["gid"],
            SyncConflict.field == f, SyncConflict.status == "open"))
        mine_by = _authors(self.s, name, obj.id).get(AUDIT_FIELD.get(f, f), ["", ""])
        theirs_by = rec.get("by", {}).get(f, ["", ""])
        label = getattr(obj, "number", None) or getattr(obj, "name", None) or \
            _case_label(self.s, name, obj, rec["fields"]) or rec["gid"][:8]
        if open_ is not None:
            open_.remote_value = json.dumps(theirs, ensure_ascii=False)
            open_.remote_by, open_.remote_at = theirs_by
            return
        self.s.add(SyncConflict(
            entity=name, gid=rec["gid"], label=str(label), field=f,
            base_value=json.dumps(was, ensure_ascii=False),
            local_value=json.dumps(mine, ensure_ascii=False),
            remote_value=json.dumps(theirs, ensure_ascii=False),
            local_by=mine_by[0], local_at=mine_by[1], remote_site=self.peer.code,
            remote_by=theirs_by[0], remote_at=theirs_by[1]))
        self.result.conflicts += 1

    def resolution(self, res: dict[str, Any]) -> None:
        """The other side decided a conflict: take its value as is, and as the base."""
        name, kind = res["entity"], KINDS[res["entity"]]
        obj = self._by_gid(kind.model, res["gid"])
        if obj is None:
            return
        if _record(self.s, kind, obj).get(res["field"]) != res["value"]:
            self._write(name, kind, obj, {res["field"]: res["value"]})
        row = self.s.scalar(select(SyncBase).where(SyncBase.entity == name,
                                                   SyncBase.gid == res["gid"]))
        base = json.loads(row.fields) if row else {}
        base[res["field"]] = res["value"]
        _set_base(self.s, name, res["gid"], row.rev if row else 0, base)
        for c in self.s.scalars(select(SyncConflict).where(
                SyncConflict.entity == name, SyncConflict.gid == res["gid"],
                SyncConflict.field == res["field"], SyncConflict.status == "open")):
            c.status, c.resolution = "resolved", "remote"
            c.resolved_at = utcnow()


# --- conflicts, duplicates, state -----------------------------------------------------------

@dataclass(frozen=True)
class ConflictView:
    id: int
    entity: str
    label: str
    field: str
    base_value: Any
    local_value: Any
    local_by: str
    local_at: str
    remote_site: str
    remote_value: Any
    remote_by: str
    remote_at: str
    status: str
    resolution: str | None


def conflicts(db: Database, status: str | None = "open") -> list[ConflictView]:
    with db.read() as s:
        q = select(SyncConflict).order_by(SyncConflict.id)
        if status:
            q = q.where(SyncConflict.status == status)
        return [ConflictView(c.id, c.entity, c.label, c.field, json.loads(c.base_value or "null"),
                             json.loads(c.local_value or "null"), c.local_by, c.local_at,
                             c.remote_site, json.loads(c.remote_value or "null"), c.remote_by,
                             c.remote_at, c.status, c.resolution)
                for c in s.scalars(q)]


@requires("registry.write")
def resolve_conflict(db: Database, actor: str | int, conflict_id: int, keep: str) -> None:
    """Decide a conflict: keep ``local`` (this site's value) or take ``remote``. The decision
    travels to the other site in the next package, which applies it as is."""
    if keep not in ("local", "remote"):
        raise ValidationError.single("keep", "keep is local or remote", "应选择本地值或对方值")
    with db.begin() as s:
        user = resolve_user(s, actor)
        c = s.get(SyncConflict, conflict_id)
        if c is None:
            raise NotFoundError("conflict", conflict_id, "冲突")
        if c.status != "open":
            raise StateError(f"conflict {conflict_id} is already resolved", "该冲突已处理")
        kind = KINDS[c.entity]
        obj = s.scalar(select(kind.model).where(kind.model.gid == c.gid))
        audit = Auditor(s, user)
        if keep == "local" and obj is not None:
            # this site's value as it is now: it may have changed again since the conflict
            # was found, and the decision sends the other site the value kept here
            value = _record(s, kind, obj).get(c.field)
            c.local_value = json.dumps(value, ensure_ascii=False)
        else:
            value = json.loads(c.local_value if keep == "local" else c.remote_value)
        if keep == "remote" and obj is not None:
            ap = _Applier(s, audit, _self(s), _site(s, c.remote_site), ImportResult(0), None)
            ap._write(c.entity, kind, obj, {c.field: value})
            ap.finish()
        row = s.scalar(select(SyncBase).where(SyncBase.entity == c.entity,
                                              SyncBase.gid == c.gid))
        if row is not None:
            base = json.loads(row.fields)
            base[c.field] = value
            row.fields = _fields_json(base)
        c.status, c.resolution, c.resolved_by, c.resolved_at = "resolved", keep, user.id, utcnow()
        audit.note("resolve", "sync_conflict", c.id,
                   f"{c.entity} {c.label} {c.field}: kept {keep} value {value!r}")


@dataclass(frozen=True)
class DuplicateView:
    id: int
    id_number: str
    name: str
    household_number: str | None
    other_site: str
    other_household_gid: str | None
    status: str
    keep: str | None
    note: str = ""     # at a township: the bureau's outcome as it arrived (exchange_return)


def duplicates(db: Database, status: str | None = "open") -> list[DuplicateView]:
    with db.read() as s:
        q = select(DuplicateTicket).order_by(DuplicateTicket.id)
        if status:
            q = q.where(DuplicateTicket.status == status)
        out = []
        for t in s.scalars(q):
            hh = s.scalar(select(Household).where(Household.gid == t.household_gid)) \
                if t.household_gid else None
            out.append(DuplicateView(t.id, t.id_number, t.name, hh.number if hh else None,
                                     t.other_site, t.other_household_gid, t.status, t.keep,
                                     t.note or ""))
        return out


@dataclass(frozen=True)
class Status:
    site: SiteView
    peers: list[SiteView]
    waiting: dict[str, dict[str, int]]     # peer → kind → records waiting to be sent
    open_conflicts: int
    open_duplicates: int
    packages: list[tuple[str, str, int, str]]   # (direction, site, seq, at)


def status(db: Database) -> Status:
    with db.read() as s:
        me = _self(s)
        peers = list(s.scalars(select(ExchangeSite).where(ExchangeSite.is_self.is_(False))
                               .order_by(ExchangeSite.code)))
        high = s.scalar(select(func.max(AuditEntry.id))) or 0
        waiting = {}
        for p in peers:
            area = _township_area(s, me, p)
            hh_ids = _household_ids_in(s, area)
            if p.acked_feed_id == 0:
                counts = {"household": s.scalar(select(func.count()).select_from(
                    hh_ids.subquery())) or 0}
            else:
                township = me.code if me.kind == "township" else p.code
                counts = {k: len(v) for k, v in _changed_ids(
                    s, hh_ids, p.acked_feed_id, high, area, township).items() if v}
            waiting[p.code] = counts
        packages = [(x.direction, x.site_code, x.seq, x.at.isoformat(timespec="seconds"))
                    for x in s.scalars(select(ExchangePackage).order_by(ExchangePackage.id))]
        return Status(_view(s, me), [_view(s, p) for p in peers], waiting,
                      s.scalar(select(func.count()).select_from(SyncConflict)
                               .where(SyncConflict.status == "open")) or 0,
                      s.scalar(select(func.count()).select_from(DuplicateTicket)
                               .where(DuplicateTicket.status == "open")) or 0, packages)


def sync_state(db: Database, entity: str, ids: Iterable[int]) -> dict[int, str]:
    """Each record's sync state: ``conflict`` (an open conflict), ``pending`` (changed here
    since the other site last confirmed, or never sent), ``synced``; ``local`` where the
    database takes part in no exchange, and for a visit the bureau recorded itself (it stays
    there: docs/exchange.md)."""
    kind = KINDS[entity]
    ids = list(ids)
    with db.read() as s:
        me = s.scalar(select(ExchangeSite).where(ExchangeSite.is_self.is_(True)))
        stays = set(s.scalars(select(Visit.id).where(
            Visit.id.in_(ids), or_(Visit.origin_site.is_(None),
                                   Visit.origin_site == me.code)))) \
            if entity == "liaison_visit" and me is not None and me.kind == "bureau" else set()
        acked = s.scalar(select(func.min(ExchangeSite.acked_feed_id))
                         .where(ExchangeSite.is_self.is_(False))) or 0
        rows = {i: g for i, g in s.execute(select(kind.model.id, kind.model.gid)
                                           .where(kind.model.id.in_(ids)))}
        based = set(s.scalars(select(SyncBase.gid).where(SyncBase.entity == entity,
                                                         SyncBase.gid.in_(
                                                             [g for g in rows.values() if g]))))
        conflicted = set(s.scalars(select(SyncConflict.gid).where(
            SyncConflict.entity == entity, SyncConflict.status == "open")))
        # a step is audited as a change of its case (services/cases.py)
        audited = dict(s.execute(select(CaseEvent.id, CaseEvent.case_id)
                                 .where(CaseEvent.id.in_(ids))).all()) \
            if entity == "case_event" else {i: i for i in ids}
        newer_audited = set(s.scalars(select(AuditEntry.entity_id).where(
            AuditEntry.entity == ("case" if entity == "case_event" else entity),
            AuditEntry.entity_id.in_(set(audited.values())), AuditEntry.id > acked,
            or_(AuditEntry.source.is_(None), ~AuditEntry.source.like(SOURCE_PREFIX + "%")))))
        newer = {i for i, a in audited.items() if a in newer_audited}
        newer |= changed_by_parts(s, entity, ids, acked)   # a visit's rectifications
        out = {}
        for i in ids:
            g = rows.get(i)
            if me is None or i in stays:
                out[i] = "local"
            elif g in conflicted:
                out[i] = "conflict"
            elif g not in based or i in newer:
                out[i] = "pending"
            else:
                out[i] = "synced"
        return out

