"""Temporary aid (临时救助, DOMAIN §7): aid cases and the configurable list of causes.

- :class:`AidCause`: one cause a case may name (火灾, 交通事故, 重大疾病, …); a bureau adds
  causes or retires them (``active``), never deletes one that cases use.
- :class:`AidCase`: one grant of temporary aid to a registered person (``household_id`` /
  ``person_id``) or to a person outside the registry (non-residents and people without a
  fixed address: ``name``, ``id_number`` when known, ``found_at``). The payee's name and ID
  number are kept on the case in both cases, so the repeat-aid check and the rosters read one
  place. ``township_id`` is the township responsible (for a registered person, the
  household's), the key of statistics by township.

A case enters at most one temporary-aid roster: the partial unique index below allows one
roster line per case that pays the grant (``persons > 0``). The lines the roster core adds
later only to reissue a failed payment or to carry an adjustment have ``persons = 0``
(:func:`assistcase.services.rosters._new_line_from`) and are not restricted. When a
temporary-aid roster is approved, the migration's trigger marks the cases it pays as paid.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String,
                        Text, text)
from sqlalchemy.orm import Mapped, mapped_column

from ..rules.aid import AID_STATUSES, AID_TYPES, APPROVAL_LEVELS, PAID_VIA, PAYMENT_METHODS
from .base import Base, Travels, utcnow
from .rosters import RosterLine


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AidCause(Base):
    """A cause of hardship a temporary-aid case names (configurable list)."""

    __tablename__ = "aid_causes"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    label_en: Mapped[str] = mapped_column(String(64))
    label_zh: Mapped[str] = mapped_column(String(32))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AidCase(Travels, Base):
    """One temporary-aid case: recorded → approved → paid, or refused. Money in fen."""

    __tablename__ = "aid_cases"
    __table_args__ = (
        CheckConstraint(_in("aid_type", AID_TYPES), name="aid_type"),
        CheckConstraint(_in("status", AID_STATUSES), name="status"),
        CheckConstraint(_in("payment_method", PAYMENT_METHODS), name="payment_method"),
        CheckConstraint("residence_class IN ('urban','rural')", name="residence_class"),
        CheckConstraint("account_type IN ('card','passbook','none')", name="account_type"),
        CheckConstraint("approval_level IS NULL OR " + _in("approval_level", APPROVAL_LEVELS),
                        name="approval_level"),
        CheckConstraint("paid_via IS NULL OR " + _in("paid_via", PAID_VIA), name="paid_via"),
        CheckConstraint("amount_requested_fen > 0", name="requested_positive"),
        CheckConstraint("amount_granted_fen IS NULL OR amount_granted_fen > 0",
                        name="granted_positive"),
        CheckConstraint("person_id IS NULL OR household_id IS NOT NULL", name="registered"),
        CheckConstraint("status NOT IN ('approved','paid') OR (approved_on IS NOT NULL AND "
                        "amount_granted_fen IS NOT NULL AND approval_level IS NOT NULL)",
                        name="approval_recorded"),
        CheckConstraint("status <> 'paid' OR (paid_on IS NOT NULL AND paid_via IS NOT NULL)",
                        name="payment_recorded"),
        # 一事一议 only with its meeting record.
        CheckConstraint("approval_level IS NULL OR approval_level <> 'case_by_case' OR "
                        "(meeting_date IS NOT NULL AND "
                        "meeting_participants <> '' AND meeting_minutes <> '')",
                        name="meeting_recorded"),
        Index("ix_aid_cases_status_approved_on", "status", "approved_on"),
        Index("ix_aid_cases_township_id_approved_on", "township_id", "approved_on"),
        Index("ix_aid_cases_household_id", "household_id"),
        Index("ix_aid_cases_person_id", "person_id"),
        Index("ix_aid_cases_id_number", "id_number"),
        Index("ix_aid_cases_paid_open_file", "paid_on", sqlite_where=text(
            "paid_on IS NOT NULL AND paperwork_complete = 0"), postgresql_where=text(
            "paid_on IS NOT NULL AND NOT paperwork_complete")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    aid_type: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(ForeignKey("aid_causes.code"))
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    # Who: a registered household and person, or a person outside the registry.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    found_at: Mapped[str] = mapped_column(String(200), default="")  # 发现地点 / 现居住地
    township_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    residence_class: Mapped[str] = mapped_column(String(8))
    # What happened.
    description: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[str] = mapped_column(Text, default="")  # one document a line
    amount_requested_fen: Mapped[int] = mapped_column(Integer)
    amount_granted_fen: Mapped[int | None] = mapped_column(Integer)
    # How it is paid.
    payment_method: Mapped[str] = mapped_column(String(8), default="bank")
    account_type: Mapped[str] = mapped_column(String(16), default="none")
    account_number: Mapped[str] = mapped_column(String(32), default="")
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    # When.
    applied_on: Mapped[dt.date] = mapped_column(Date)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_via: Mapped[str | None] = mapped_column(String(8))
    paperwork_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    # Approval (审批): level, the official who approved, the limit that applied.
    approval_level: Mapped[str | None] = mapped_column(String(16))
    approver: Mapped[str] = mapped_column(String(64), default="")
    approval_note: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    standard_fen: Mapped[int | None] = mapped_column(Integer)
    limit_fen: Mapped[int | None] = mapped_column(Integer)
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    meeting_participants: Mapped[str] = mapped_column(Text, default="")
    meeting_minutes: Mapped[str] = mapped_column(Text, default="")
    refused_on: Mapped[dt.date | None] = mapped_column(Date)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# One roster line paying each case's grant (see the module docstring). Declared here, on the
# roster lines table, so the rosters migration's table is never rebuilt for it.
Index("uq_roster_lines_aid_grant", RosterLine.aid_case_id, unique=True,
      sqlite_where=text("aid_case_id IS NOT NULL AND persons > 0"),
      postgresql_where=text("aid_case_id IS NOT NULL AND persons > 0"))
