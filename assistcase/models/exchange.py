"""Township ↔ bureau exchange (DOMAIN §13): the sites this database knows, the packages sent
and received, the common base of each travelling record, conflicts and duplicate tickets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

SITE_KINDS = ("township", "bureau")


class ExchangeSite(Base):
    """This site (``is_self``) and the sites it exchanges with. ``key_b64`` is the package
    key shared with that site (set when the township is registered at the bureau)."""

    __tablename__ = "exchange_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(8))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    key_b64: Mapped[str | None] = mapped_column(String(64))
    next_out_seq: Mapped[int] = mapped_column(Integer, default=1)
    last_in_seq: Mapped[int] = mapped_column(Integer, default=0)
    # the change-feed position (audit row id) up to which the site has confirmed our packages
    acked_feed_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ExchangePackage(Base):
    __tablename__ = "exchange_packages"
    __table_args__ = (UniqueConstraint("site_code", "direction", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str] = mapped_column(String(16))      # the other site
    direction: Mapped[str] = mapped_column(String(3))       # out / in
    seq: Mapped[int] = mapped_column(Integer)
    base_seq: Mapped[int] = mapped_column(Integer, default=0)
    feed_high: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    counts: Mapped[str] = mapped_column(Text, default="{}")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SyncBase(Base):
    """The values of a travelling record as both sides last agreed (the common base that
    tells a change on one side from a change on both)."""

    __tablename__ = "sync_base"
    __table_args__ = (UniqueConstraint("entity", "gid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    gid: Mapped[str] = mapped_column(String(32))
    rev: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[str] = mapped_column(Text)


class SyncConflict(Base):
    """One field changed on both sides since the base; the record keeps the receiving side's
    value until a person decides."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    gid: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(100), default="")
    field: Mapped[str] = mapped_column(String(64))
    base_value: Mapped[str | None] = mapped_column(Text)
    local_value: Mapped[str | None] = mapped_column(Text)
    remote_value: Mapped[str | None] = mapped_column(Text)
    local_by: Mapped[str] = mapped_column(String(64), default="")
    local_at: Mapped[str] = mapped_column(String(32), default="")
    remote_site: Mapped[str] = mapped_column(String(16))
    remote_by: Mapped[str] = mapped_column(String(64), default="")
    remote_at: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(8), default="open")
    resolution: Mapped[str | None] = mapped_column(String(8))   # local / remote
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DuplicateTicket(Base):
    """One ID number registered in two townships: resolved at the bureau (which household
    keeps the person); the outcome travels back to both."""

    __tablename__ = "duplicate_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64), default="")
    person_gid: Mapped[str] = mapped_column(String(32))          # the person already here
    other_person_gid: Mapped[str] = mapped_column(String(32))    # the one that arrived
    household_gid: Mapped[str | None] = mapped_column(String(32))
    other_household_gid: Mapped[str | None] = mapped_column(String(32))
    other_site: Mapped[str] = mapped_column(String(16))
    other_fields: Mapped[str] = mapped_column(Text)   # the arriving person's values (JSON)
    status: Mapped[str] = mapped_column(String(8), default="open")
    keep: Mapped[str | None] = mapped_column(String(8))   # here / other
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # At a township: the bureau's outcome as it arrived (which household keeps the person,
    # what was done here); '' at the bureau.
    note: Mapped[str] = mapped_column(Text, default="", server_default="")


class ReceivedRoster(Base):
    """A bureau's roster covering this township's households, as its return package last
    described it (services/exchange_return): the header and the whole roster's totals, and
    this township's share. Read-only here; the township never builds or changes it. Kept
    apart from ``rosters`` (DOMAIN §10) so the township's own rosters, statistics, reissues
    and freeze triggers never see it (docs/exchange.md)."""

    __tablename__ = "received_rosters"
    __table_args__ = (UniqueConstraint("site_code", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str] = mapped_column(String(16))     # the bureau
    ref: Mapped[int] = mapped_column(Integer)              # the roster's id at the bureau
    kind: Mapped[str] = mapped_column(String(16))
    program: Mapped[str] = mapped_column(String(16))
    residence_class: Mapped[str | None] = mapped_column(String(8))
    month: Mapped[dt.date] = mapped_column(Date)
    area_code: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    built_by_name: Mapped[str] = mapped_column(String(64), default="")
    reviewed_by_name: Mapped[str] = mapped_column(String(64), default="")
    reviewed_at: Mapped[dt.datetime | None]
    approved_by_name: Mapped[str] = mapped_column(String(64), default="")
    approved_at: Mapped[dt.datetime | None]
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    household_count: Mapped[int] = mapped_column(Integer, default=0)
    person_count: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # this township's lines of it
    lines: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReceivedRosterLine(Base):
    """One line of a received roster for a household of this township: the amount and the
    bank's result (paid / failed with the reason; NULL until the bank's file is in)."""

    __tablename__ = "received_roster_lines"
    __table_args__ = (Index("ix_received_roster_lines_roster", "received_roster_id"),
                      Index("ix_received_roster_lines_household_id", "household_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    received_roster_id: Mapped[int] = mapped_column(
        ForeignKey("received_rosters.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    household_gid: Mapped[str | None] = mapped_column(String(32))
    # the household here (by its global id when the line arrived); no FK: a copy
    household_id: Mapped[int | None] = mapped_column(Integer)
    household_number: Mapped[str] = mapped_column(String(32), default="")
    payee_name: Mapped[str] = mapped_column(String(64), default="")
    id_number: Mapped[str] = mapped_column(String(18), default="")
    category: Mapped[str] = mapped_column(String(16), default="")
    persons: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(200), default="")
