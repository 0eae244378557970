"""Recording changes in the audit log, and the acting user."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEntry, User


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def resolve_user(session: Session, actor: "str | int | object") -> User:
    """The acting user (an :class:`~assistcase.services.auth.Identity`, a username or an id).
    Nobody is registered by acting: an unknown user is refused (users are created by the
    administrator, issue 13). Public services check the user's permission and area first
    (``services.auth.requires``)."""
    from .auth import _user_of

    return _user_of(session, actor)


class Auditor:
    """Writes audit rows for one service call (one user, one optional source)."""

    def __init__(self, session: Session, user: User, source: str | None = None):
        self.session = session
        self.user = user
        self.source = source

    def _add(self, **kw: Any) -> None:
        self.session.add(AuditEntry(user_id=self.user.id, source=self.source, **kw))

    def created(self, entity: str, entity_id: int, values: dict[str, Any],
                household_id: int | None = None) -> None:
        for field, value in values.items():
            if value is None or value == "":
                continue
            self._add(action="create", entity=entity, entity_id=entity_id,
                      household_id=household_id, field=field, new_value=_text(value))

    def updated(self, entity: str, entity_id: int, field: str, old: Any, new: Any,
                household_id: int | None = None) -> None:
        self._add(action="update", entity=entity, entity_id=entity_id, household_id=household_id,
                  field=field, old_value=_text(old), new_value=_text(new))

    def deleted(self, entity: str, entity_id: int, values: dict[str, Any],
                household_id: int | None = None) -> None:
        for field, value in values.items():
            if value is None or value == "":
                continue
            self._add(action="delete", entity=entity, entity_id=entity_id,
                      household_id=household_id, field=field, old_value=_text(value))

    def note(self, action: str, entity: str, entity_id: int | None, text: str,
             household_id: int | None = None) -> None:
        self._add(action=action, entity=entity, entity_id=entity_id, household_id=household_id,
                  field=None, new_value=text)

    def apply(self, obj: Any, entity: str, changes: dict[str, Any],
              household_id: int | None = None) -> list[str]:
        """Set attributes on ``obj``, auditing each one that really changes."""
        changed = []
        for field, new in changes.items():
            old = getattr(obj, field)
            if old == new:
                continue
            setattr(obj, field, new)
            self.updated(entity, obj.id, field, old, new, household_id)
            changed.append(field)
        return changed


def audit_rows(session: Session, entity: str, entity_id: int) -> Iterable[AuditEntry]:
    return session.scalars(select(AuditEntry).where(AuditEntry.entity == entity,
                                                    AuditEntry.entity_id == entity_id)
                           .order_by(AuditEntry.id))
