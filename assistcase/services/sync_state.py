"""The sync state the lists show (issue 15): a read for a block of rows, kept light (no
cryptography, no package code) because the household list calls it for every block it paints.

A household's state covers the household and the records that travel with it (its persons,
incomes and property):

- ``conflict``: one of them has an open conflict;
- ``pending``: one of them changed here since every other site last confirmed (an audit row
  newer than the lowest ``acked_feed_id``, not written by an exchange itself), or the
  household was never exchanged;
- ``synced``: otherwise.

Without an exchange set up (no site of its own) the database is ``local`` and the function
returns nothing: the list shows no sync column.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import (AidCase, AssistanceCase, AuditEntry, CaseEvent, ExchangeSite, Household,
                      Income, Person, PropertyItem, Rectification, SyncBase, SyncConflict,
                      Visit)

SOURCE_PREFIX = "exchange:"       # the audit source of rows an exchange wrote
_MEMBERS = {"person": Person, "income": Income, "property": PropertyItem}


def exchanging(session: Session) -> bool:
    """Whether this database takes part in an exchange (has a site of its own)."""
    return session.scalar(select(ExchangeSite.id).where(ExchangeSite.is_self.is_(True))
                          .limit(1)) is not None


def _known(session: Session, model, entity: str, ids: list[int]
           ) -> tuple[int, dict[int, str], set[str]]:
    """What a list's sync state starts from: the audit id up to which every other site has
    confirmed our changes, the records' global ids, and those exchanged before (with a
    common base)."""
    acked = session.scalar(select(func.min(ExchangeSite.acked_feed_id))
                           .where(ExchangeSite.is_self.is_(False))) or 0
    gids = dict(session.execute(select(model.id, model.gid).where(model.id.in_(ids))).all())
    based = set(session.scalars(select(SyncBase.gid).where(
        SyncBase.entity == entity, SyncBase.gid.in_([g for g in gids.values() if g]))))
    return acked, gids, based


def _not_by_exchange():
    """Audit rows written here by a person, not by an exchange applying a package."""
    return or_(AuditEntry.source.is_(None), ~AuditEntry.source.like(SOURCE_PREFIX + "%"))


def household_sync_states(session: Session, ids: list[int]) -> dict[int, str]:
    """``{household id: "synced" | "pending" | "conflict"}`` for these households; empty when
    the database takes part in no exchange. A few indexed queries per block of rows."""
    if not ids or not exchanging(session):
        return {}
    acked, gids, based = _known(session, Household, "household", ids)
    changed = set(session.scalars(
        select(AuditEntry.household_id).where(
            AuditEntry.household_id.in_(ids), AuditEntry.id > acked, _not_by_exchange())
        .distinct()))
    conflicted: set[int] = set()
    open_ = session.execute(select(SyncConflict.entity, SyncConflict.gid)
                            .where(SyncConflict.status == "open")).all()
    by_entity: dict[str, list[str]] = {}
    for entity, gid in open_:
        by_entity.setdefault(entity, []).append(gid)
    for entity, entity_gids in by_entity.items():
        if entity == "household":
            conflicted.update(h for h, g in gids.items() if g in set(entity_gids))
        elif entity in _MEMBERS:
            model = _MEMBERS[entity]
            for i in range(0, len(entity_gids), 900):
                conflicted.update(session.scalars(select(model.household_id).where(
                    model.gid.in_(entity_gids[i:i + 900]), model.household_id.in_(ids))))
    out = {}
    for h in ids:
        if h not in gids:
            continue
        if h in conflicted:
            out[h] = "conflict"
        elif h in changed or gids[h] not in based:
            out[h] = "pending"
        else:
            out[h] = "synced"
    return out


# Records travelling inside another, their audited changes counted as its changes: a visit's
# rectification actions (整改措施, audited as "liaison_rectification").
PARTS = {"liaison_visit": ("liaison_rectification", Rectification, Rectification.visit_id)}
_CHUNK = 900     # ids per IN list (SQLite's limit on parameters)


def changed_by_parts(session: Session, entity: str, ids: list[int], acked: int) -> set[int]:
    """Those of ``ids`` (records of ``entity``) whose parts (:data:`PARTS`) were changed here
    since ``acked``, not by an exchange."""
    if entity not in PARTS:
        return set()
    part_entity, part, owner = PARTS[entity]
    return set(session.scalars(
        select(owner).join(AuditEntry, AuditEntry.entity_id == part.id).where(
            AuditEntry.entity == part_entity, owner.in_(ids), AuditEntry.id > acked,
            _not_by_exchange()).distinct()))


def _record_states(session: Session, model, entity: str, ids: list[int],
                   conflicted: set[int] | None = None) -> dict[int, str]:
    """The states of records of one kind audited under their own entity name (cases, aid
    cases, visits), a chunk of ids at a time (a whole list of aid cases can be long):
    ``conflicted`` adds those with an open conflict on a record that travels with them (a
    case's steps); changes of their parts (:data:`PARTS`) count as theirs."""
    own = set(session.scalars(select(SyncConflict.gid).where(
        SyncConflict.status == "open", SyncConflict.entity == entity)))
    out: dict[int, str] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        acked, gids, based = _known(session, model, entity, chunk)
        changed = set(session.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.entity == entity, AuditEntry.entity_id.in_(chunk),
                AuditEntry.id > acked, _not_by_exchange())
            .distinct())) | changed_by_parts(session, entity, chunk, acked)
        out.update({r: "conflict" if r in (conflicted or ()) or g in own
                    else "pending" if r in changed or g not in based else "synced"
                    for r, g in gids.items()})
    return out


def case_sync_states(session: Session, ids: list[int]) -> dict[int, str]:
    """``{case id: "synced" | "pending" | "conflict"}`` for these assistance cases (a case
    covering its steps, which are audited as changes of their case); empty when the database
    takes part in no exchange."""
    if not ids or not exchanging(session):
        return {}
    step_gids = list(session.scalars(select(SyncConflict.gid).where(
        SyncConflict.status == "open", SyncConflict.entity == "case_event")))
    steps: set[int] = set()
    for i in range(0, len(step_gids), 900):
        steps.update(session.scalars(select(CaseEvent.case_id).where(
            CaseEvent.gid.in_(step_gids[i:i + 900]), CaseEvent.case_id.in_(ids))))
    return _record_states(session, AssistanceCase, "case", ids, steps)


def aid_sync_states(session: Session, ids: list[int]) -> dict[int, str]:
    """``{aid case id: state}`` for these temporary-aid cases; empty without an exchange."""
    if not ids or not exchanging(session):
        return {}
    return _record_states(session, AidCase, "aid_case", ids)


def visit_sync_states(session: Session, ids: list[int]) -> dict[int, str]:
    """``{visit id: state}`` for these liaison visits; empty without an exchange. A visit the
    bureau recorded itself stays there (docs/exchange.md): it has no state."""
    me = session.scalar(select(ExchangeSite).where(ExchangeSite.is_self.is_(True)))
    if not ids or me is None:
        return {}
    states = _record_states(session, Visit, "liaison_visit", ids)
    if me.kind == "bureau":
        for stays in session.scalars(select(Visit.id).where(
                Visit.id.in_(ids), or_(Visit.origin_site.is_(None),
                                       Visit.origin_site == me.code))):
            states.pop(stays, None)
    return states
