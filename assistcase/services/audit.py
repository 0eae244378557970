"""Recording changes in the audit log, and the acting user."""

from __future__ import annotations

import datetime as dt
import json
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


def resolve_user(session: Session, actor: str | int) -> User:
    """The acting user by id or username; a new username is registered on first use
    (sign-in and roles come later)."""
    if isinstance(actor, int):
        user = session.get(User, actor)
        if user is None:
            from ..errors import NotFoundError

            raise NotFoundError("user", actor, "用户")
        return user
    name = actor.strip()
    if not name:
        from ..errors import ValidationError

        raise ValidationError.single("actor", "the acting user must be named", "未指定操作人")
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        user = User(username=name, display_name=name)
        session.add(user)
        session.flush()
    return user


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

    def created_record(self, entity: str, entity_id: int, values: dict[str, Any],
                       household_id: int | None = None) -> None:
        """One row for a record created with others in a batch (a spreadsheet import): the
        values that :meth:`created` writes one row each, as one JSON object in ``new_value``
        (``field`` NULL), with the same user and source. A 100,000-person import writes
        about 150,000 rows instead of 1.9 million."""
        record = {f: _text(v) for f, v in values.items() if v is not None and v != ""}
        self._add(action="create", entity=entity, entity_id=entity_id, household_id=household_id,
                  field=None, new_value=json.dumps(record, ensure_ascii=False))

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


# The columns of an audit row as :func:`insert_audit_rows` takes them.
AUDIT_COLUMNS = ("at", "user_id", "action", "entity", "entity_id", "household_id", "field",
                 "old_value", "new_value", "source")


def insert_audit_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert audit rows given as tuples in :data:`AUDIT_COLUMNS` order (``at`` as stored),
    with one ``executemany``: the one place where audit rows are written in bulk."""
    if not rows:
        return
    conn = session.connection()
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if mark is None:
        from ..models import AuditEntry as _A

        conn.execute(_A.__table__.insert(), [dict(zip(AUDIT_COLUMNS, r)) for r in rows])
        return
    conn.exec_driver_sql(f"INSERT INTO audit_log ({', '.join(AUDIT_COLUMNS)}) VALUES "
                         f"({', '.join([mark] * len(AUDIT_COLUMNS))})", rows)


class BulkAuditor(Auditor):
    """The same audit rows :class:`Auditor` writes (same fields, same texts), collected and
    inserted by :func:`insert_audit_rows` in batches instead of one ORM object per row (the
    spreadsheet import writes hundreds of thousands). Call :meth:`flush` at the end."""

    BATCH = 20_000

    def __init__(self, session: Session, user: User, source: str | None = None):
        super().__init__(session, user, source)
        self.rows: list[tuple[Any, ...]] = []
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        sqlite = session.connection().dialect.name == "sqlite"
        self.at = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now

    def _add(self, **kw: Any) -> None:
        self.rows.append((self.at, self.user.id, kw["action"], kw["entity"], kw.get("entity_id"),
                          kw.get("household_id"), kw.get("field"), kw.get("old_value"),
                          kw.get("new_value"), self.source))
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        insert_audit_rows(self.session, self.rows)
        self.rows = []


def audit_rows(session: Session, entity: str, entity_id: int) -> Iterable[AuditEntry]:
    return session.scalars(select(AuditEntry).where(AuditEntry.entity == entity,
                                                    AuditEntry.entity_id == entity_id)
                           .order_by(AuditEntry.id))
