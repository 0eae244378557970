"""The bureau's return package beyond the registry (issue 15 items 2 and 4; docs/exchange.md):
what the bureau decides and the township only receives.

- **Standards and policy** (``{"standards": …}``, one line per area): for the township's area
  and every area above it whose standards or policy changed at the bureau since the township
  last confirmed (all of them in the first return), the area's whole set of rows. The township
  replaces its rows of that area with the set, matched by natural key (class + kind +
  effective_from; key + effective_from), and marks them with the bureau's code
  (``origin_site``): read-only copies its own standards service refuses to change
  (:func:`~assistcase.services.standards.refuse_received`), used by its recalculation as any
  other row. An area's whole set travels so that a row deleted at the bureau goes at the
  township too.
- **Rosters** (``{"roster": …}``): the header (kind, month, area, status, who reviewed and
  approved and when, totals) of every bureau roster with lines for the township's households
  that changed since the township confirmed (built, rebuilt, reviewed, approved, reopened,
  amended, bank returns recorded), and its lines for those households with the bank's result;
  ``{"roster": {"ref": …, "withdrawn": true}}`` for a roster discarded, or no longer covering
  the township. Stored at the township in ``received_rosters`` / ``received_roster_lines``,
  never in its own ``rosters`` (see docs/exchange.md).
- **Duplicate outcomes** (``{"duplicate_outcome": …}``): a ticket resolved at the bureau
  (:func:`resolve_duplicate`) travels to both townships: the one whose household keeps the
  person records the ticket as closed; the other takes its person out of its household
  (moved out, DOMAIN §7, audited) with a note naming the keeping household.

The writer runs inside :func:`~assistcase.services.exchange.export_package` (a bureau writing
for a township), the applier inside :func:`~assistcase.services.exchange.import_package`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.orm import Session

from ..db import Database
from ..errors import NotFoundError, StateError, ValidationError
from ..models import (Area, AuditEntry, DuplicateTicket, ExchangeSite, Household,
                      HouseholdMembership, PolicySetting, ReceivedRoster, ReceivedRosterLine,
                      Person, Standard, SyncBase, User)
from ..models.base import utcnow
from ..models.rosters import PaymentResult, Roster, RosterLine
from .audit import Auditor, resolve_user
from .auth import requires
from .registry import close_in, take_out
from .registry_writer import refresh_household
from .standards import ancestors

SOURCE_PREFIX = "exchange:"      # as services.exchange (which imports this module)
ITEMS = ("standards", "roster", "duplicate_outcome")

STANDARD_FIELDS = ("residence_class", "kind", "effective_from", "entered_fen", "period",
                   "monthly_fen", "note", "source_title", "source_number", "source_issued_on")
POLICY_FIELDS = ("key", "value", "effective_from", "source_title", "source_number",
                 "source_issued_on")
DATES = ("effective_from", "source_issued_on")
LINE_FIELDS = ("seq", "household", "household_number", "payee_name", "id_number", "category",
               "persons", "amount_fen", "outcome", "reason")


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v


def _not_exchange(column: Any) -> Any:
    return or_(column.is_(None), ~column.like(SOURCE_PREFIX + "%"))


def _changed(s: Session, entities: tuple[str, ...], since: int, high: int) -> Any:
    """Audit rows in (since, high] of these entities not written by an exchange."""
    return select(AuditEntry).where(AuditEntry.id > since, AuditEntry.id <= high,
                                    AuditEntry.entity.in_(entities),
                                    _not_exchange(AuditEntry.source))


# --- writing (at the bureau, for one township) ----------------------------------------------

def write_return(s: Session, me: ExchangeSite, peer: ExchangeSite, township: Area,
                 households: Any, since: int, high: int,
                 write: Callable[[dict], None]) -> dict[str, int]:
    """Write the return items for township ``peer`` (its area ``township``, its households
    ``households``, a select of ids): everything changed in (``since``, ``high``] of the
    audit feed, everything when ``since`` is 0. Returns the manifest's counts."""
    counts = {"standard": 0, "policy": 0, "roster": 0, "roster_line": 0,
              "duplicate_outcome": 0}
    _write_standards(s, township, since, high, write, counts)
    _write_rosters(s, households, since, high, write, counts)
    _write_outcomes(s, peer, households, since, high, write, counts)
    return {k: v for k, v in counts.items() if v}


def keep_unheld_heads(s: Session, rows: list[tuple]) -> None:
    """Households read for a package (``_kind_rows``) without a head here whose common base
    names a head this site does not hold: the head arrived as a duplicate ticket's person and
    was not written. Send the base's head, not "no head": this site has no opinion on it, and
    the township would otherwise take "no head" as our change before the ticket is decided."""
    headless = {r[2]: r[4] for r in rows if r[4].get("head") is None}
    if not headless:
        return
    for gid, fields in s.execute(select(SyncBase.gid, SyncBase.fields).where(
            SyncBase.entity == "household", SyncBase.gid.in_(list(headless)))):
        head = json.loads(fields).get("head")
        if head and s.scalar(select(Person.id).where(Person.gid == head)) is None:
            headless[gid]["head"] = head


def _standard_areas_changed(s: Session, since: int, high: int) -> set[int]:
    rows = s.execute(_changed(s, ("standard", "policy"), since, high)
                     .with_only_columns(AuditEntry.entity, AuditEntry.entity_id)).all()
    areas = {i for e, i in rows if e == "policy"}
    standard_ids = {i for e, i in rows if e == "standard"}
    if standard_ids:
        ids = sorted(standard_ids)
        areas.update(s.scalars(select(Standard.area_id).where(Standard.id.in_(ids))))
        # a row created or deleted: its area is in the audit rows of its area_id field
        for old, new in s.execute(select(AuditEntry.old_value, AuditEntry.new_value).where(
                AuditEntry.entity == "standard", AuditEntry.field == "area_id",
                AuditEntry.entity_id.in_(ids))):
            areas.update(int(v) for v in (old, new) if v)
    return areas


def _write_standards(s: Session, township: Area, since: int, high: int,
                     write: Callable[[dict], None], counts: dict[str, int]) -> None:
    chain = list(reversed(ancestors(s, township.id)))      # the province first
    if since:
        changed = _standard_areas_changed(s, since, high)
        chain = [a for a in chain if a.id in changed]
    for area in chain:
        standards = [{f: _iso(getattr(r, f)) for f in STANDARD_FIELDS}
                     for r in s.scalars(select(Standard).where(Standard.area_id == area.id)
                                        .order_by(Standard.residence_class, Standard.kind,
                                                  Standard.effective_from))]
        policy = [{f: _iso(getattr(r, f)) for f in POLICY_FIELDS}
                  for r in s.scalars(select(PolicySetting).where(PolicySetting.area_id == area.id)
                                     .order_by(PolicySetting.key, PolicySetting.effective_from))]
        if not since and not standards and not policy:
            continue
        write({"standards": {"area": area.code, "standards": standards, "policy": policy}})
        counts["standard"] += len(standards)
        counts["policy"] += len(policy)


def _name(s: Session, name: str, user_id: int | None) -> str:
    if user_id is None:
        return ""
    if name:
        return name
    u = s.get(User, user_id)
    return (u.display_name or u.username) if u else ""


def _write_rosters(s: Session, households: Any, since: int, high: int,
                   write: Callable[[dict], None], counts: dict[str, int]) -> None:
    wanted: set[int] | None = None
    if since:
        rows = s.execute(_changed(s, ("roster", "roster_line"), since, high)
                         .with_only_columns(AuditEntry.entity, AuditEntry.entity_id)).all()
        wanted = {i for e, i in rows if e == "roster"}
        line_ids = sorted({i for e, i in rows if e == "roster_line"})
        for i in range(0, len(line_ids), 900):
            wanted.update(s.scalars(select(RosterLine.roster_id).where(
                RosterLine.id.in_(line_ids[i:i + 900]))))
        if not wanted:
            return
    covering = set(s.scalars(select(RosterLine.roster_id).where(
        RosterLine.household_id.in_(households)).distinct()))
    for ref in sorted(covering if wanted is None else wanted):
        r = s.get(Roster, ref)
        if r is None or ref not in covering:
            if since:      # discarded, or rebuilt without the township's households
                write({"roster": {"ref": ref, "withdrawn": True}})
            continue
        lines = [list(row) for row in s.execute(
            select(RosterLine.seq, Household.gid, RosterLine.household_number,
                   RosterLine.payee_name, RosterLine.id_number, RosterLine.category,
                   RosterLine.persons, RosterLine.amount_fen, PaymentResult.outcome,
                   PaymentResult.reason)
            .join(Household, Household.id == RosterLine.household_id)
            .outerjoin(PaymentResult, PaymentResult.line_id == RosterLine.id)
            .where(RosterLine.roster_id == ref, RosterLine.household_id.in_(households))
            .order_by(RosterLine.seq))]
        area = s.get(Area, r.area_id)
        write({"roster": {
            "ref": r.id, "kind": r.kind, "program": r.program,
            "residence_class": r.residence_class, "month": r.month.isoformat(),
            "area": area.code, "title": r.title, "status": r.status,
            "built_by": _name(s, r.built_by_name, r.built_by),
            "reviewed_by": _name(s, r.reviewed_by_name, r.reviewed_by),
            "reviewed_at": _iso(r.reviewed_at),
            "approved_by": _name(s, r.approved_by_name, r.approved_by),
            "approved_at": _iso(r.approved_at), "line_count": r.line_count,
            "household_count": r.household_count, "person_count": r.person_count,
            "total_fen": r.total_fen, "lines": lines}})
        counts["roster"] += 1
        counts["roster_line"] += len(lines)


def _outcome(s: Session, t: DuplicateTicket, me: ExchangeSite) -> dict[str, Any]:
    """Who keeps the person and who gives them up, by global ids and sites."""
    here_hh = s.scalar(select(Household).where(Household.gid == t.household_gid)) \
        if t.household_gid else None
    other_hh = s.scalar(select(Household).where(Household.gid == t.other_household_gid)) \
        if t.other_household_gid else None
    here = (t.person_gid, t.household_gid, here_hh.number if here_hh else "",
            (here_hh.origin_site if here_hh else None) or me.code)
    other = (t.other_person_gid, t.other_household_gid, other_hh.number if other_hh else "",
             t.other_site)
    keep, drop = (here, other) if t.keep == "here" else (other, here)
    out = {"ticket": t.id, "id_number": t.id_number, "name": t.name}
    for prefix, (person, household, number, site) in (("keep", keep), ("drop", drop)):
        out.update({f"{prefix}_person": person, f"{prefix}_household": household,
                    f"{prefix}_household_number": number, f"{prefix}_site": site})
    return out


def _write_outcomes(s: Session, peer: ExchangeSite, households: Any, since: int, high: int,
                    write: Callable[[dict], None], counts: dict[str, int]) -> None:
    decided = select(AuditEntry.entity_id).where(
        AuditEntry.entity == "duplicate_ticket", AuditEntry.action == "resolve",
        AuditEntry.id > since, AuditEntry.id <= high)
    tickets = list(s.scalars(select(DuplicateTicket).where(
        DuplicateTicket.status == "resolved", DuplicateTicket.id.in_(decided))
        .order_by(DuplicateTicket.id)))
    if not tickets:
        return
    ours = {g for g in (t.household_gid for t in tickets) if g}
    mine = set(s.scalars(select(Household.gid).where(Household.gid.in_(ours),
                                                     Household.id.in_(households))))
    me = s.scalar(select(ExchangeSite).where(ExchangeSite.is_self.is_(True)))
    for t in tickets:
        if t.other_site == peer.code or t.household_gid in mine:
            write({"duplicate_outcome": _outcome(s, t, me)})
            counts["duplicate_outcome"] += 1


# --- applying (at the township) -------------------------------------------------------------

class ReturnApplier:
    """Applies a bureau's return items at a township, all inside the import's transaction,
    audited with the source ``exchange:<bureau>``. Applying the same items again changes
    nothing."""

    def __init__(self, s: Session, audit: Auditor, user: User, me: ExchangeSite,
                 peer: ExchangeSite):
        self.s, self.audit, self.user, self.me, self.peer = s, audit, user, me, peer
        self.applied: dict[str, int] = {}

    def apply(self, item: dict[str, Any]) -> bool:
        """Apply ``item`` if it is one of ours; False for any other item."""
        for name in ITEMS:
            if name in item:
                if self.me.kind != "township":
                    raise StateError(f"a {name} item is sent by a bureau to a township",
                                     "此类数据只由救助局发往乡镇")
                getattr(self, "_" + name)(item[name])
                return True
        return False

    def _count(self, name: str) -> None:
        self.applied[name] = self.applied.get(name, 0) + 1

    # standards and policy ---------------------------------------------------------------

    def _standards(self, item: dict[str, Any]) -> None:
        s, audit, origin = self.s, self.audit, self.peer.code
        area = s.scalar(select(Area).where(Area.code == item["area"]))
        if area is None:
            raise ValidationError.single("area", f"no area with code {item['area']}",
                                         f"没有代码为 {item['area']} 的区划")
        have = {(r.residence_class, r.kind, r.effective_from): r for r in s.scalars(
            select(Standard).where(Standard.area_id == area.id))}
        for values in item["standards"]:
            v = _dated(values)
            v["origin_site"] = origin
            key = (v["residence_class"], v["kind"], v["effective_from"])
            row = have.pop(key, None)
            if row is None:
                row = Standard(area_id=area.id, **v)
                s.add(row)
                s.flush()
                audit.created("standard", row.id, {"area_id": area.id, **v})
                self._count("standard")
            elif audit.apply(row, "standard", v):
                self._count("standard")
        for row in have.values():        # deleted at the bureau (or entered here before)
            audit.deleted("standard", row.id, {"area_id": row.area_id,
                                               **{f: getattr(row, f) for f in STANDARD_FIELDS}})
            s.delete(row)
            self._count("standard")
        have_p = {(r.key, r.effective_from): r for r in s.scalars(
            select(PolicySetting).where(PolicySetting.area_id == area.id))}
        for values in item["policy"]:
            v = _dated(values)
            v["origin_site"] = origin
            row = have_p.pop((v["key"], v["effective_from"]), None)
            if row is None:
                s.add(PolicySetting(area_id=area.id, **v))
                audit.updated("policy", area.id, v["key"], None, v["value"])
                self._count("policy")
            else:
                changed = [f for f in v if getattr(row, f) != v[f]]
                for f in changed:
                    audit.updated("policy", area.id, v["key"] if f == "value"
                                  else f"{v['key']}.{f}", getattr(row, f), v[f])
                    setattr(row, f, v[f])
                if changed:
                    self._count("policy")
        for row in have_p.values():
            audit.updated("policy", area.id, row.key, row.value, None)
            s.delete(row)
            self._count("policy")
        s.flush()

    # rosters ----------------------------------------------------------------------------

    def _roster(self, item: dict[str, Any]) -> None:
        s = self.s
        row = s.scalar(select(ReceivedRoster).where(ReceivedRoster.site_code == self.peer.code,
                                                    ReceivedRoster.ref == item["ref"]))
        if item.get("withdrawn"):
            if row is not None:
                self.audit.note("withdraw", "received_roster", row.id,
                                f"roster {row.title} withdrawn by {self.peer.code}")
                s.execute(delete(ReceivedRosterLine).where(
                    ReceivedRosterLine.received_roster_id == row.id))
                s.delete(row)
                self._count("roster")
            return
        lines = [dict(zip(LINE_FIELDS, line)) for line in item["lines"]]
        header = {
            "kind": item["kind"], "program": item["program"],
            "residence_class": item["residence_class"],
            "month": dt.date.fromisoformat(item["month"]), "area_code": item["area"],
            "title": item["title"], "status": item["status"],
            "built_by_name": item["built_by"], "reviewed_by_name": item["reviewed_by"],
            "reviewed_at": _when(item["reviewed_at"]), "approved_by_name": item["approved_by"],
            "approved_at": _when(item["approved_at"]), "line_count": item["line_count"],
            "household_count": item["household_count"], "person_count": item["person_count"],
            "total_fen": item["total_fen"], "lines": len(lines),
            "amount_fen": sum(x["amount_fen"] for x in lines)}
        if row is None:
            row = ReceivedRoster(site_code=self.peer.code, ref=item["ref"], **header)
            s.add(row)
            s.flush()
        elif not self.audit.apply(row, "received_roster", header) and \
                self._lines(row.id) == lines:
            return        # nothing new
        s.execute(delete(ReceivedRosterLine).where(
            ReceivedRosterLine.received_roster_id == row.id))
        households = dict(s.execute(select(Household.gid, Household.id).where(
            Household.gid.in_({x["household"] for x in lines if x["household"]}))).all()) \
            if lines else {}
        s.add_all(ReceivedRosterLine(
            received_roster_id=row.id, seq=x["seq"], household_gid=x["household"],
            household_id=households.get(x["household"]), household_number=x["household_number"],
            payee_name=x["payee_name"], id_number=x["id_number"], category=x["category"],
            persons=x["persons"], amount_fen=x["amount_fen"], outcome=x["outcome"],
            reason=x["reason"] or "") for x in lines)
        failed = sum(1 for x in lines if x["outcome"] == "failed")
        self.audit.note("receive", "received_roster", row.id,
                        f"roster {row.title} ({row.status}) from {self.peer.code}: "
                        f"{len(lines)} lines of this township, {header['amount_fen']} fen, "
                        f"{failed} failed payments")
        s.flush()
        self._count("roster")

    def _lines(self, received_id: int) -> list[dict[str, Any]]:
        return [dict(zip(LINE_FIELDS, r)) for r in self.s.execute(
            select(ReceivedRosterLine.seq, ReceivedRosterLine.household_gid,
                   ReceivedRosterLine.household_number, ReceivedRosterLine.payee_name,
                   ReceivedRosterLine.id_number, ReceivedRosterLine.category,
                   ReceivedRosterLine.persons, ReceivedRosterLine.amount_fen,
                   ReceivedRosterLine.outcome, ReceivedRosterLine.reason)
            .where(ReceivedRosterLine.received_roster_id == received_id)
            .order_by(ReceivedRosterLine.seq))]

    # duplicate outcomes ----------------------------------------------------------------

    def _duplicate_outcome(self, o: dict[str, Any]) -> None:
        s = self.s
        kept_here = o["keep_site"] == self.me.code
        mine, theirs = ("keep", "drop") if kept_here else ("drop", "keep")
        ticket = s.scalar(select(DuplicateTicket).where(
            DuplicateTicket.person_gid == o[f"{mine}_person"],
            DuplicateTicket.other_person_gid == o[f"{theirs}_person"]))
        if ticket is not None and ticket.status == "resolved":
            return           # known already
        kept_by = (f"household {o['keep_household_number'] or o['keep_household']} "
                   f"({o['keep_site']})")
        kept_by_zh = f"{o['keep_site']} 的 {o['keep_household_number'] or o['keep_household']} 户"
        note = (f"duplicate ticket {o['ticket']} decided at {self.peer.code}: "
                f"{o['name']} {o['id_number']} stays in {kept_by}; "
                f"重复登记已由救助局处理：{o['name']} 由{kept_by_zh}保留")
        status = "resolved"
        if not kept_here:
            status, done = self._give_up(o, note)
            note += "; " + done
        if ticket is None:
            ticket = DuplicateTicket(
                id_number=o["id_number"], name=o["name"], person_gid=o[f"{mine}_person"],
                other_person_gid=o[f"{theirs}_person"], household_gid=o[f"{mine}_household"],
                other_household_gid=o[f"{theirs}_household"], other_site=o[f"{theirs}_site"],
                other_fields="{}")
            s.add(ticket)
        ticket.status, ticket.keep, ticket.note = status, "here" if kept_here else "other", note
        ticket.resolved_at = utcnow() if status == "resolved" else None
        s.flush()
        self.audit.note("resolve", "duplicate_ticket", ticket.id, note)
        self._count("duplicate_outcome")

    def _give_up(self, o: dict[str, Any], note: str) -> tuple[str, str]:
        """Take our person out of its household (moved out, DOMAIN §7): (ticket status, what
        was done). A head with other members stays until a person changes the head."""
        s = self.s
        p = s.scalar(select(Person).where(Person.gid == o["drop_person"]))
        if p is None or p.household_id is None:
            return "resolved", "not in a household here 本地未在户中"
        hh = s.get(Household, p.household_id)
        on = _left_on(s, p, hh)
        why = f"moved out 迁出 {on}: {note}"
        if hh.head_person_id == p.id:
            others = s.scalar(select(func.count()).select_from(Person).where(
                Person.household_id == hh.id, Person.id != p.id)) or 0
            if others:
                self.audit.note("update", "person", p.id,
                                f"not removed, the head of household {hh.number}: "
                                f"change the head, then remove: {note}", hh.id)
                return "open", ("the head of a household with other members: change the head, "
                                "then remove 该人为户主且户内有其他成员，请先变更户主再减员")
            self.audit.apply(hh, "household", {"head_person_id": None}, hh.id)
            take_out(s, self.user, self.audit, p, hh, on, why)
            if hh.status == "active":
                close_in(s, self.user, self.audit, hh, on,
                         _closed_reason(o["keep_household_number"], o["ticket"]))
            return "resolved", f"removed; household {hh.number} closed 已减员并注销本户"
        take_out(s, self.user, self.audit, p, hh, on, why)
        return "resolved", f"removed from household {hh.number} 已从本户减员"


def _left_on(s: Session, p: Person, hh: Household) -> dt.date:
    """Today, or the day the person joined if later (a membership never ends before it
    begins)."""
    today = dt.date.today()
    joined = s.scalar(select(HouseholdMembership.joined_on).where(
        HouseholdMembership.person_id == p.id, HouseholdMembership.household_id == hh.id,
        HouseholdMembership.left_on.is_(None)).order_by(HouseholdMembership.id.desc()).limit(1))
    return max(today, joined) if joined else today


def _closed_reason(kept_by: str, ticket: int) -> str:
    """Why a household left with nobody by a duplicate ticket is closed: the same words at
    the bureau and at the township."""
    return f"the only member kept by household {kept_by} (duplicate ticket {ticket}) " \
           f"唯一成员由 {kept_by} 户保留"


def _dated(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (dt.date.fromisoformat(v) if k in DATES and v else v) for k, v in values.items()}


def _when(v: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(v) if v else None


# --- resolving a duplicate ticket (at the bureau) -------------------------------------------

@requires("registry.write")
def resolve_duplicate(db: Database, actor: str | int, ticket_id: int, keep: str) -> None:
    """Decide a duplicate ticket: ``keep`` is ``here`` (the person already registered here,
    in their household, keeps it) or ``other`` (the household the arriving person came with
    keeps them). Audited; the outcome travels to both townships in the next return packages.

    With ``other`` the bureau's own copy follows at once: its record of the person leaves
    the household it was in and takes the arriving person's global id, origin and household
    (the township that keeps the person holds that id), audited as a consequence of the
    ticket (source ``exchange:ticket``, so it travels as the outcome, not as a change)."""
    if keep not in ("here", "other"):
        raise ValidationError.single("keep", "keep is here or other",
                                     "应选择本地已登记的户或新到的户")
    with db.begin() as s:
        user = resolve_user(s, actor)
        t = s.get(DuplicateTicket, ticket_id)
        if t is None:
            raise NotFoundError("duplicate ticket", ticket_id, "重复登记")
        if t.status != "open":
            raise StateError(f"duplicate ticket {ticket_id} is already resolved",
                             "该重复登记已处理")
        audit = Auditor(s, user)
        follow = Auditor(s, user, SOURCE_PREFIX + "ticket")
        if keep == "other":
            _move_to_other(s, user, follow, t)
        else:
            _close_emptied(s, user, follow, t)
        t.status, t.keep, t.resolved_by, t.resolved_at = "resolved", keep, user.id, utcnow()
        other = s.scalar(select(Household.number).where(
            Household.gid == t.other_household_gid)) if t.other_household_gid else None
        here = s.scalar(select(Household.number).where(Household.gid == t.household_gid)) \
            if t.household_gid else None
        audit.note("resolve", "duplicate_ticket", t.id,
                   f"{t.name} {t.id_number}: kept by household "
                   f"{(here if keep == 'here' else other) or '?'}"
                   f" ({'registered here' if keep == 'here' else t.other_site})")


def _close_emptied(s: Session, user: User, audit: Auditor, t: DuplicateTicket) -> None:
    """``keep='here'``: the household the arriving person came with, if it came with nobody
    else (here it holds no one), is closed, as its township will close its own."""
    hh = s.scalar(select(Household).where(Household.gid == t.other_household_gid)) \
        if t.other_household_gid else None
    if hh is None or hh.status != "active" or s.scalar(
            select(func.count()).select_from(Person).where(Person.household_id == hh.id)):
        return
    kept = s.scalar(select(Household.number).where(Household.gid == t.household_gid)) \
        if t.household_gid else "?"
    close_in(s, user, audit, hh, dt.date.today(), _closed_reason(kept, t.id))


def _move_to_other(s: Session, user: User, audit: Auditor, t: DuplicateTicket) -> None:
    from .exchange import KINDS, _fields_json, _set_base, _values

    p = s.scalar(select(Person).where(Person.gid == t.person_gid))
    target = s.scalar(select(Household).where(Household.gid == t.other_household_gid)) \
        if t.other_household_gid else None
    if p is None or target is None:
        raise StateError("the household the arriving person came with is not here",
                         "新到人员所在的户不在本库中，无法保留")
    hh = s.get(Household, p.household_id) if p.household_id else None
    today = dt.date.today()
    if hh is not None:
        if hh.head_person_id == p.id:
            audit.apply(hh, "household", {"head_person_id": None}, hh.id)
        take_out(s, user, audit, p, hh, _left_on(s, p, hh),
                 f"moved out 迁出: duplicate ticket {t.id}, kept by household {target.number}")
    fields = json.loads(t.other_fields)
    values = {k: v for k, v in _values(KINDS["person"], fields).items()
              if k not in ("id_number",)}
    audit.apply(p, "person", {"gid": t.other_person_gid, "origin_site": t.other_site,
                              "household_id": target.id, **values}, target.id)
    s.flush()
    m = s.scalar(select(HouseholdMembership).where(
        HouseholdMembership.person_id == p.id, HouseholdMembership.household_id == target.id,
        HouseholdMembership.left_on.is_(None)))
    if m is not None and m.joined_on is None:
        m.joined_on = today
    row = s.scalar(select(SyncBase).where(SyncBase.entity == "household",
                                          SyncBase.gid == target.gid))
    if target.head_person_id is None and row is not None and \
            json.loads(row.fields).get("head") == t.other_person_gid:
        audit.apply(target, "household", {"head_person_id": p.id}, target.id)
    _set_base(s, "person", t.other_person_gid, 1, json.loads(_fields_json(fields)))
    refresh_household(s, target)
    if hh is not None:
        refresh_household(s, hh)
        if hh.member_count == 0 and hh.status == "active":   # as the township will
            close_in(s, user, audit, hh, today, _closed_reason(target.number, t.id))


# --- reading (at the township) --------------------------------------------------------------

@dataclass(frozen=True)
class ReceivedRosterView:
    """A bureau's roster as the township received it (read-only)."""

    id: int
    site_code: str
    kind: str
    program: str
    month: dt.date
    area_code: str
    title: str
    status: str
    reviewed_by: str
    reviewed_at: dt.datetime | None
    approved_by: str
    approved_at: dt.datetime | None
    line_count: int
    total_fen: int
    lines: int          # of this township's households
    amount_fen: int
    paid: int
    failed: int


@dataclass(frozen=True)
class ReceivedLineView:
    roster_id: int
    roster_title: str
    month: dt.date
    status: str
    seq: int
    household_id: int | None
    household_number: str
    payee_name: str
    category: str
    persons: int
    amount_fen: int
    outcome: str | None
    reason: str


def received_rosters(s: Session) -> list[ReceivedRosterView]:
    """The bureau's rosters covering this township's households, newest month first, with
    the bank's results counted (``core.read``)."""
    results = {rid: (paid or 0, failed or 0) for rid, paid, failed in s.execute(
        select(ReceivedRosterLine.received_roster_id,
               func.sum(case((ReceivedRosterLine.outcome == "paid", 1), else_=0)),
               func.sum(case((ReceivedRosterLine.outcome == "failed", 1), else_=0)))
        .group_by(ReceivedRosterLine.received_roster_id))}
    return [ReceivedRosterView(
        r.id, r.site_code, r.kind, r.program, r.month, r.area_code, r.title, r.status,
        r.reviewed_by_name, r.reviewed_at, r.approved_by_name, r.approved_at, r.line_count,
        r.total_fen, r.lines, r.amount_fen, *results.get(r.id, (0, 0)))
        for r in s.scalars(select(ReceivedRoster).order_by(ReceivedRoster.month.desc(),
                                                           ReceivedRoster.id))]


def received_lines(s: Session, roster_id: int | None = None,
                   household_id: int | None = None) -> list[ReceivedLineView]:
    """The received lines of one roster, or of one household across rosters (its payment
    history from the bureau), with the bank's result (``core.read``)."""
    q = (select(ReceivedRosterLine, ReceivedRoster)
         .join(ReceivedRoster, ReceivedRoster.id == ReceivedRosterLine.received_roster_id))
    if roster_id is not None:
        q = q.where(ReceivedRosterLine.received_roster_id == roster_id)
    if household_id is not None:
        q = q.where(ReceivedRosterLine.household_id == household_id)
    return [ReceivedLineView(r.id, r.title, r.month, r.status, x.seq, x.household_id,
                             x.household_number, x.payee_name, x.category, x.persons,
                             x.amount_fen, x.outcome, x.reason)
            for x, r in s.execute(q.order_by(ReceivedRoster.month.desc(),
                                             ReceivedRoster.id, ReceivedRosterLine.seq))]
