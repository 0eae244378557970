"""Recording changes in the audit log, and the acting user."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..models import AuditEntry, User
from ..models.base import utcnow
from ..security.auditchain import GENESIS, json_encoder, link

if TYPE_CHECKING:
    from ..security.auditchain import VerifyResult


# json.dumps(record, ensure_ascii=False) with one encoder for every record of a batch.
_record_json = json_encoder((", ", ": "))


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


_HEAD = "assistcase.audit_head"
# Serialises audit writers on PostgreSQL (SQLite's write lock, BEGIN IMMEDIATE, does it there).
_PG_LOCK = 19_019_015


def _forget_head(session: Session, _transaction: Any) -> None:
    # Whatever ended – commit, rollback, a savepoint – the database now holds the truth.
    session.info.pop(_HEAD, None)


event.listen(Session, "after_transaction_end", _forget_head)


def _chain_head(session: Session) -> list[Any]:
    """The last audit row's [id, hash] in this session's transaction, read once per
    transaction and advanced in place by every row linked after it."""
    head = session.info.get(_HEAD)
    if head is None:
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        row = conn.exec_driver_sql(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first()
        head = session.info[_HEAD] = [row[0], row[1] or GENESIS] if row else [0, GENESIS]
    return head


def next_link(session: Session, at: Any, user_id: int, action: str, entity: str,
              entity_id: int | None, household_id: int | None, field: str | None,
              old_value: str | None, new_value: str | None, source: str | None
              ) -> tuple[int, str, str]:
    """The id, prev_hash and hash of the next audit row in this session's transaction (the
    hash chain of security/auditchain.py). Every writer of audit rows – the Auditor and the
    bulk writers that insert rows directly – takes its ids and hashes from here, so the
    chain stays whole whichever way a row is written."""
    head = session.info.get(_HEAD) or _chain_head(session)
    rid = head[0] + 1
    prev = head[1]
    h = link(prev, (rid, at, user_id, action, entity, entity_id, household_id, field,
                    old_value, new_value, source))
    head[0], head[1] = rid, h
    return rid, prev, h


class Auditor:
    """Writes audit rows for one service call (one user, one optional source)."""

    def __init__(self, session: Session, user: User, source: str | None = None):
        self.session = session
        self.user = user
        self.source = source

    def _add(self, **kw: Any) -> None:
        row = {"entity_id": None, "household_id": None, "field": None, "old_value": None,
               "new_value": None, **kw}
        at = utcnow()
        rid, prev, h = next_link(self.session, at, self.user.id, row["action"], row["entity"],
                                 row["entity_id"], row["household_id"], row["field"],
                                 row["old_value"], row["new_value"], self.source)
        self.session.add(AuditEntry(id=rid, at=at, user_id=self.user.id, source=self.source,
                                    prev_hash=prev, hash=h, **row))

    def record(self, **row: Any) -> None:
        """One audit row given column by column (action, entity, entity_id, field, old_value,
        new_value): sign-ins, role changes, exports; chained like every other row."""
        self._add(**row)

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
        about 230,000 rows instead of 1.9 million. The history page shows such a row field by
        field (services/history.py)."""
        record = {f: v if type(v) is str else _text(v)  # most values are text already
                  for f, v in values.items() if v is not None and v != ""}
        self._add(action="create", entity=entity, entity_id=entity_id, household_id=household_id,
                  field=None, new_value=_record_json(record))

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
AUDIT_COLUMNS = ("id", "at", "user_id", "action", "entity", "entity_id", "household_id",
                 "field", "old_value", "new_value", "source", "prev_hash", "hash")


def insert_audit_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Insert audit rows given as tuples in :data:`AUDIT_COLUMNS` order (``at`` as stored),
    with one ``executemany``: the one place where audit rows are written in bulk."""
    if not rows:
        return
    conn = session.connection()
    mark = "?" if conn.dialect.name == "sqlite" else None
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

    BATCH = 5_000

    def __init__(self, session: Session, user: User, source: str | None = None):
        super().__init__(session, user, source)
        self.rows: list[tuple[Any, ...]] = []
        self.user_id = user.id  # read once (an ORM attribute costs a lookup per row)
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        sqlite = session.connection().dialect.name == "sqlite"
        self.at = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now

    def _add(self, **kw: Any) -> None:
        self._row(kw["action"], kw["entity"], kw.get("entity_id"), kw.get("household_id"),
                  kw.get("field"), kw.get("old_value"), kw.get("new_value"))

    def _row(self, action: str, entity: str, entity_id: int | None, household_id: int | None,
             field: str | None, old_value: str | None, new_value: str | None) -> None:
        # next_link inlined (hundreds of thousands of rows): the same chain head, advanced
        head = self.session.info.get(_HEAD) or _chain_head(self.session)
        rid = head[0] + 1
        prev = head[1]
        row = (rid, self.at, self.user_id, action, entity, entity_id, household_id, field,
               old_value, new_value, self.source)
        h = link(prev, row)
        head[0], head[1] = rid, h
        self.rows.append((*row, prev, h))
        if len(self.rows) >= self.BATCH:
            self.flush()

    def created_record(self, entity: str, entity_id: int, values: dict[str, Any],
                       household_id: int | None = None) -> None:
        # Auditor.created_record without the keyword arguments (a row per created record of
        # an import: hundreds of thousands)
        record = {f: v if type(v) is str else _text(v)
                  for f, v in values.items() if v is not None and v != ""}
        self._row("create", entity, entity_id, household_id, None, None, _record_json(record))

    def flush(self) -> None:
        insert_audit_rows(self.session, self.rows)
        self.rows = []


def audit_rows(session: Session, entity: str, entity_id: int) -> Iterable[AuditEntry]:
    return session.scalars(select(AuditEntry).where(AuditEntry.entity == entity,
                                                    AuditEntry.entity_id == entity_id)
                           .order_by(AuditEntry.id))


def audit_head(session: Session) -> tuple[int, str] | None:
    """The last audit row's id and hash (recorded in backup manifests)."""
    row = session.connection().exec_driver_sql(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first()
    return (row[0], row[1]) if row else None


def verify_audit_log(db: Any, heads: Iterable[tuple[int, str, str]] = (),
                     limit: int = 100) -> "VerifyResult":
    """Walk the whole audit log's hash chain (``assistcase db verify``): rows changed,
    inserted or deleted outside AssistCase, and recorded heads (id, hash, where) that are
    gone or different."""
    from ..security.auditchain import COLUMNS, check_heads, verify_rows

    heads = list(heads)
    with db.read() as s:
        conn = s.connection()
        # Rows as stored, streamed (a city's log does not fit in memory as objects).
        result = conn.execution_options(stream_results=True, yield_per=20_000).exec_driver_sql(
            f"SELECT {', '.join(COLUMNS)}, prev_hash, hash FROM audit_log ORDER BY id")
        outcome = verify_rows(result, limit=limit)
        if heads:
            ids = tuple({h[0] for h in heads})
            marks = ", ".join("?" if conn.dialect.name == "sqlite" else "%s" for _ in ids)
            stored = dict(conn.exec_driver_sql(
                f"SELECT id, hash FROM audit_log WHERE id IN ({marks})", ids).fetchall())
            outcome.findings.extend(check_heads(stored, heads))
    return outcome
