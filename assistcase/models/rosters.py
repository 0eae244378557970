"""Payment rosters (发放花名册, DOMAIN §10): the roster, its lines, adjustments and bank returns.

- :class:`Roster`: one payment run: a month's roster of a program (dibao / extreme hardship)
  for an area, a one-time subsidy, or a temporary-aid run. draft → reviewed → approved.
- :class:`RosterLine`: one payee with the amount and its breakdown. The payee's name, ID
  number, account and village are copied onto the line when it is built, so a roster prints
  the same years later whatever the registry says then.
- :class:`RosterLineItem`: what a line pays beyond its own entitlement: a supplement (补发) or
  a deduction (扣减) from an :class:`Adjustment`, or the reissue (重发) of a failed payment.
  Unique indexes make each adjustment and each failed payment enter exactly one line.
- :class:`Adjustment`: a correction of a line of an approved roster, waiting for the next
  roster of the same program.
- :class:`BankReturn` and :class:`PaymentResult`: the bank's result file and its outcome per
  line (paid / failed with the reason).

An approved roster is frozen: the migration adds triggers that make the database refuse any
change to an approved roster, its lines and their items (the core refuses first, with a
message).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer,
                        String, Text, false, text)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

ROSTER_KINDS = ("monthly", "one_time", "temp_aid")
ROSTER_PROGRAMS = ("dibao", "tekun", "one_time", "temp_aid")
ROSTER_STATUSES = ("draft", "reviewed", "approved")
# What a line's payee is paid under: the key that carries reissues and adjustments into the
# next roster of the same program.
LINE_CATEGORIES = ("dibao", "tekun", "temp_aid")
ITEM_KINDS = ("supplement", "deduction", "reissue")
OUTCOMES = ("paid", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Sums of many lines' fen: beyond a 32-bit integer at city scale.
MONEY_TOTAL = Integer().with_variant(BigInteger, "postgresql")

class Roster(Base):
    """One payment run. ``month`` is the first day of the month paid; ``residence_class`` NULL
    means urban and rural together. Counts and the total are kept by the services."""

    __tablename__ = "rosters"
    __table_args__ = (
        CheckConstraint(_in("kind", ROSTER_KINDS), name="kind"),
        CheckConstraint(_in("program", ROSTER_PROGRAMS), name="program"),
        CheckConstraint(_in("status", ROSTER_STATUSES), name="status"),
        CheckConstraint("residence_class IS NULL OR residence_class IN ('urban','rural')",
                        name="residence_class"),
        Index("ix_rosters_month_program", "month", "program"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    program: Mapped[str] = mapped_column(String(16))
    residence_class: Mapped[str | None] = mapped_column(String(8))
    month: Mapped[dt.date] = mapped_column(Date)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    title: Mapped[str] = mapped_column(String(200))
    issuing_office: Mapped[str] = mapped_column(String(100), default="")
    pay_date: Mapped[dt.date | None] = mapped_column(Date)
    amount_per_person_fen: Mapped[int | None] = mapped_column(Integer)
    categories: Mapped[str] = mapped_column(String(64), default="")
    # What a one-time subsidy is for (用途, e.g. 2022年一次性生活补贴); '' for other kinds. A
    # trigger (migration 0009) refuses a second one-time roster of the same purpose over the
    # same persons.
    purpose: Mapped[str] = mapped_column(String(100), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    household_count: Mapped[int] = mapped_column(Integer, default=0)
    person_count: Mapped[int] = mapped_column(Integer, default=0)
    # a city's roster passes 2^31 fen (21.5 million yuan): 64-bit on PostgreSQL (migration
    # 0022); SQLite's INTEGER is 64-bit already
    total_fen: Mapped[int] = mapped_column(MONEY_TOTAL, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    built_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column()
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column()
    # The names signed under 制表 / 审核 / 审批, taken when each step happens (issue 13): a user
    # renamed later does not change a reprinted approved roster.
    built_by_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    reviewed_by_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    approved_by_name: Mapped[str] = mapped_column(String(64), default="", server_default="")


class RosterLine(Base):
    """One payee of a roster. ``amount_fen`` = ``base_fen`` (the entitlement or the one-time
    amount) + ``adjust_fen`` (the sum of the line's items). ``township_code``,
    ``village_code`` and ``sort_key`` order and group the printed roster.

    On PostgreSQL the foreign keys of ``roster_id``, ``case_id``, ``household_id`` and
    ``person_id``, and those of the tables naming a line, are statement triggers checking a
    whole statement's rows at once (migration 0027: a city's roster is one statement of
    179,224 lines); SQLite keeps them as foreign keys. A
    line's temporary-aid case is found through ``uq_roster_lines_aid_grant``
    (models/aid.py)."""

    __tablename__ = "roster_lines"
    __table_args__ = (
        CheckConstraint(_in("category", LINE_CATEGORIES), name="category"),
        CheckConstraint("amount_fen = base_fen + adjust_fen", name="amount"),
        CheckConstraint("amount_fen >= 0", name="not_negative"),
        Index("ix_roster_lines_roster_id_seq", "roster_id", "seq"),
        Index("ix_roster_lines_case_id", "case_id"),
        Index("ix_roster_lines_household_id", "household_id"),
        # The statistics' passes over a year's lines (services/statistics.py): money per
        # roster, township and class (for rosters without roster_sums, and villages);
        # headcounts per case. Covering, so the wide rows are never read.
        Index("ix_roster_lines_statistics", "roster_id", "township_code", "residence_class",
              "persons", "base_fen", "amount_fen", "account_type", "account_number"),
        Index("ix_roster_lines_case_persons", "case_id", "category", "household_id",
              "residence_class", "township_code", "roster_id", "persons",
              sqlite_where=text("case_id IS NOT NULL AND persons > 0"),
              postgresql_where=text("case_id IS NOT NULL AND persons > 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(16))
    residence_class: Mapped[str] = mapped_column(String(8))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_cases.id"))
    # A temporary-aid case (the aid tables come with their own migration; no FK here so this
    # table never needs rebuilding, which would drop its freeze triggers).
    aid_case_id: Mapped[int | None] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    household_number: Mapped[str] = mapped_column(String(32), default="")
    township_code: Mapped[str] = mapped_column(String(12), default="")
    township_name: Mapped[str] = mapped_column(String(64), default="")
    village_code: Mapped[str] = mapped_column(String(12), default="")
    village_name: Mapped[str] = mapped_column(String(64), default="")
    payee_name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), default="")
    account_type: Mapped[str] = mapped_column(String(16), default="none")
    account_number: Mapped[str] = mapped_column(String(32), default="")
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    household_size: Mapped[int] = mapped_column(Integer, default=1)
    persons: Mapped[int] = mapped_column(Integer, default=1)
    standard_fen: Mapped[int] = mapped_column(Integer, default=0)
    income_fen: Mapped[int] = mapped_column(Integer, default=0)
    base_fen: Mapped[int] = mapped_column(Integer, default=0)
    adjust_fen: Mapped[int] = mapped_column(Integer, default=0)
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    remark: Mapped[str] = mapped_column(String(200), default="")
    # Held (暂停发放) by an open payment-review task (DOMAIN §9): the line pays nothing
    # (base 0) and ``held_fen`` is what it would have paid; see services/monitoring.py.
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    held_fen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RosterSum(Base):
    """What an approved roster pays per township and urban/rural class, summed from its lines
    when it is approved (its lines are frozen from then on): the statistics read these few
    rows instead of the year's millions of lines (services/roster_sums.py). ``lines`` lets a
    reader check the sums are complete against :attr:`Roster.line_count`."""

    __tablename__ = "roster_sums"

    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"),
                                           primary_key=True)
    township_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    residence_class: Mapped[str] = mapped_column(String(8), primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    cash_fen: Mapped[int] = mapped_column(BigInteger)     # of it to payees without an account
    grants: Mapped[int] = mapped_column(Integer)          # lines covering persons
    persons: Mapped[int] = mapped_column(Integer)
    base_fen: Mapped[int] = mapped_column(BigInteger)     # entitlements of those lines


class Adjustment(Base):
    """A correction of a line of an approved roster: + supplement (补发), − deduction (扣减).
    Pending until a line item of a later roster takes it."""

    __tablename__ = "roster_adjustments"
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="not_zero"),
        Index("ix_roster_adjustments_original_line_id", "original_line_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    original_line_id: Mapped[int] = mapped_column(ForeignKey("roster_lines.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RosterLineItem(Base):
    """A supplement, deduction or reissue paid on a line; ``ref_line_id`` is the line of the
    earlier roster it corrects or pays again."""

    __tablename__ = "roster_line_items"
    __table_args__ = (
        CheckConstraint(_in("kind", ITEM_KINDS), name="kind"),
        CheckConstraint("(kind = 'reissue') = (adjustment_id IS NULL)", name="source"),
        Index("ix_roster_line_items_line_id", "line_id"),
        Index("ix_roster_line_items_ref_line_id", "ref_line_id"),
        # Each adjustment enters one roster, each failed payment is reissued once.
        Index("uq_roster_line_items_adjustment_id", "adjustment_id", unique=True),
        Index("uq_roster_line_items_reissue", "ref_line_id", unique=True,
              sqlite_where=text("kind = 'reissue'"), postgresql_where=text("kind = 'reissue'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("roster_lines.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    ref_line_id: Mapped[int] = mapped_column(ForeignKey("roster_lines.id"))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("roster_adjustments.id"))
    note: Mapped[str] = mapped_column(String(200), default="")


class BankReturn(Base):
    """One imported bank result file (its SHA-256 refuses importing it twice)."""

    __tablename__ = "bank_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"))
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    paid_fen: Mapped[int] = mapped_column(MONEY_TOTAL, default=0)
    failed_fen: Mapped[int] = mapped_column(MONEY_TOTAL, default=0)
    imported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PaymentResult(Base):
    """The bank's outcome for one line."""

    __tablename__ = "payment_results"
    __table_args__ = (
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        Index("ix_payment_results_outcome", "outcome"),
    )

    line_id: Mapped[int] = mapped_column(ForeignKey("roster_lines.id"), primary_key=True)
    bank_return_id: Mapped[int] = mapped_column(ForeignKey("bank_returns.id"))
    outcome: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(200), default="")
