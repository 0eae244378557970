"""Standards, policy settings, assistance cases and monthly entitlements (DOMAIN §4–6, §8).

- :class:`Standard`: one effective-dated figure (保障标准) per area, residence class and kind;
  history is kept, the row in force on the first day of a month is the one that month uses.
- :class:`PolicySetting`: one configurable rule value per area and effective date (inherited by
  the areas below; history kept).
- Both record the notice they come from (文件标题, 文号, 发文日期): :class:`SourceMixin`.
- :class:`AssistanceCase` with :class:`CaseMember` (covered members) and :class:`CaseEvent`
  (who, when, why of every step).
- :class:`Entitlement`: the amount computed for a case and a month, with the figures used.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer,
                        PrimaryKeyConstraint, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Travels, utcnow

# 低保标准 / 特困基本生活标准 / 照料护理标准 (全自理 / 半失能 / 全失能) / 补助水平
STANDARD_KINDS = ("dibao", "tekun_basic", "care_full", "care_partial", "care_none",
                  "subsidy_level")
STANDARD_PERIODS = ("month", "year")
PROGRAMS = ("dibao", "tekun")
CASE_STATUSES = ("applied", "checked", "investigated", "publicity", "active", "suspended",
                 "terminated")
SUPPORT_MODES = ("dispersed", "centralized")  # 分散供养 / 集中供养
CASE_STEPS = ("apply", "economic_check", "investigation", "publicity", "confirm", "suspend",
              "resume", "review", "terminate", "coverage")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SourceMixin:
    """The notice a figure comes from: title (文件标题), document number (文号) and date of
    issue (发文日期). Optional: rows entered before these columns existed have none."""

    source_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    source_number: Mapped[str] = mapped_column(String(64), default="", server_default="")
    source_issued_on: Mapped[dt.date | None] = mapped_column(Date)


class Standard(SourceMixin, Base):
    """An assistance standard in force from ``effective_from`` until the next row of the same
    area, class and kind. ``entered_fen`` and ``period`` keep what was published (a rural
    standard may be published per year); ``monthly_fen`` is the per-person monthly figure
    used for payment."""

    __tablename__ = "standards"
    __table_args__ = (
        UniqueConstraint("area_id", "residence_class", "kind", "effective_from"),
        CheckConstraint("residence_class IN ('urban','rural')", name="residence_class"),
        CheckConstraint(_in("kind", STANDARD_KINDS), name="kind"),
        CheckConstraint("period IN ('month','year')", name="period"),
        CheckConstraint("entered_fen > 0 AND monthly_fen > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    residence_class: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    entered_fen: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(8), default="month")
    monthly_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The bureau whose return package brought this row (services/exchange_return): a
    # read-only copy at a township. NULL: entered here.
    origin_site: Mapped[str | None] = mapped_column(String(16))


class PolicySetting(SourceMixin, Base):
    """A configurable rule value set for an area from a date; areas below inherit it unless
    they set their own. The value in force on a date is the row with the latest
    ``effective_from`` on or before it; a change from a date adds a row. Keys and defaults are
    defined in :mod:`assistcase.standards`."""

    __tablename__ = "policy_settings"
    __table_args__ = (UniqueConstraint("area_id", "key", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    key: Mapped[str] = mapped_column(String(48))
    value: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    origin_site: Mapped[str | None] = mapped_column(String(16))   # as Standard.origin_site


class AssistanceCase(Travels, Base):
    """A household's dibao case, or one person's extreme-hardship (特困) case.

    The payment period is ``paid_from`` (first month paid) up to ``paid_until`` (first month
    no longer paid; NULL while it lasts). Both are first days of months."""

    __tablename__ = "assistance_cases"
    __table_args__ = (
        CheckConstraint("program IN ('dibao','tekun')", name="program"),
        CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        CheckConstraint("support_mode IS NULL OR support_mode IN ('dispersed','centralized')",
                        name="support_mode"),
        CheckConstraint("self_care IS NULL OR self_care IN ('full','partial','none')",
                        name="self_care"),
        CheckConstraint("program = 'dibao' OR person_id IS NOT NULL", name="tekun_person"),
        Index("ix_assistance_cases_household_id", "household_id"),
        Index("ix_assistance_cases_person_id", "person_id"),
        Index("ix_assistance_cases_status_review", "status", "next_review_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program: Mapped[str] = mapped_column(String(8))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[str] = mapped_column(String(16), default="applied")
    applied_on: Mapped[dt.date] = mapped_column(Date)
    application_reason: Mapped[str] = mapped_column(Text, default="")
    checked_on: Mapped[dt.date | None] = mapped_column(Date)
    check_findings: Mapped[str] = mapped_column(Text, default="")
    investigated_on: Mapped[dt.date | None] = mapped_column(Date)
    investigators: Mapped[str] = mapped_column(String(200), default="")
    investigation_findings: Mapped[str] = mapped_column(Text, default="")
    publicity_start: Mapped[dt.date | None] = mapped_column(Date)
    publicity_end: Mapped[dt.date | None] = mapped_column(Date)
    confirmed_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_from: Mapped[dt.date | None] = mapped_column(Date)
    paid_until: Mapped[dt.date | None] = mapped_column(Date)
    stable_income: Mapped[bool] = mapped_column(Boolean, default=False)
    last_review_on: Mapped[dt.date | None] = mapped_column(Date)
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    support_mode: Mapped[str | None] = mapped_column(String(16))
    institution_name: Mapped[str] = mapped_column(String(100), default="")
    self_care: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseMember(Base):
    """A person covered by a case (保障人口) from ``covered_from`` (first month covered) until
    ``covered_until`` (first month no longer covered; NULL while it lasts). Rows are never
    deleted: an end of coverage closes the row with its reason, a new coverage is a new row.

    ``program`` repeats the case's program (a trigger refuses a mismatch) so that the
    database itself holds a person to one open coverage per program (partial unique index)."""

    __tablename__ = "case_members"
    __table_args__ = (
        CheckConstraint("covered_until IS NULL OR covered_until >= covered_from",
                        name="covered_period"),
        CheckConstraint("program IN ('dibao','tekun')", name="program"),
        Index("ix_case_members_case_id", "case_id"),
        Index("ix_case_members_person_id", "person_id"),
        Index("ux_case_members_open_coverage", "person_id", "program", unique=True,
              sqlite_where=text("covered_until IS NULL"),
              postgresql_where=text("covered_until IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("assistance_cases.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    program: Mapped[str] = mapped_column(String(8))
    covered_from: Mapped[dt.date] = mapped_column(Date)
    covered_until: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")


class CaseEvent(Travels, Base):
    """One step of a case: what (``step``), on which date (``happened_on``), who, why, and details."""

    __tablename__ = "case_events"
    __table_args__ = (
        CheckConstraint(_in("step", CASE_STEPS), name="step"),
        Index("ix_case_events_case_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("assistance_cases.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(16))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EntitlementRow(Base):
    """The amount owed for a case and a month (``month`` is its first day), as computed by
    the set-based recalculation, with the figures it used. On PostgreSQL the key to the case
    is a statement trigger, not a foreign key (migration 0027)."""

    __tablename__ = "entitlements"
    __table_args__ = (
        PrimaryKeyConstraint("month", "case_id"),
        Index("ix_entitlements_case_id", "case_id"),
    )

    month: Mapped[dt.date] = mapped_column(Date)
    case_id: Mapped[int] = mapped_column(ForeignKey("assistance_cases.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(Integer)
    program: Mapped[str] = mapped_column(String(8))
    standard_fen: Mapped[int] = mapped_column(Integer)
    household_income_fen: Mapped[int] = mapped_column(Integer)
    household_size: Mapped[int] = mapped_column(Integer)
    covered_members: Mapped[int] = mapped_column(Integer)
    extra_percent: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    exit_review: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EntitlementGuard(Base):
    """One row: the generation of what a month's computation reads, advanced by the database
    on every write to it (migration 0030's triggers, on both engines)."""

    __tablename__ = "entitlement_guard"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger)


class EntitlementMark(Base):
    """The month's entitlements of an area and a program were computed at ``generation`` of
    their inputs, by the rules of version ``rules`` (services/recalc.py): ``cases`` rows
    written, ``skipped`` cases paid without a standard in force."""

    __tablename__ = "entitlement_marks"
    __table_args__ = (PrimaryKeyConstraint("month", "area_id", "program"),)

    month: Mapped[dt.date] = mapped_column(Date)
    area_id: Mapped[int] = mapped_column(Integer)
    program: Mapped[str] = mapped_column(String(8))
    generation: Mapped[int] = mapped_column(BigInteger)
    rules: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
