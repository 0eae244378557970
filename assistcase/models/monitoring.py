"""Low-income population dynamic monitoring (低收入人口动态监测, DOMAIN §9).

- :class:`RegisterMembership`: the low-income register (低收入人口信息库) as dated category
  memberships. A household (``person_id`` NULL: every member) or one person holds a category
  from ``valid_from`` until ``valid_until`` (exclusive; NULL while it lasts); a household may
  hold several at once (低保 and 三类户, 低保边缘 and 支出型困难).
- :class:`OutsideList` and :class:`OutsideListRow`: a list received from another office
  (三类户, deaths, large medical expenses, disability registrations, vehicles, business
  registrations, public employees), matched to the registry by ID number. Only rows with a
  valid ID number whose name agrees with the registry are stored.
- :class:`WarningRule`: one hardship indicator (困难指标) as data: threshold, period,
  severity and the task it raises; editable, audited.
- :class:`MonitoringWarning`: one warning, unique by its event key (running the rules twice
  raises nothing new).
- :class:`MonitoringTask`: the check a warning asks of the township (入户排查, eligibility
  check, payment review), due on a working day, with its outcome. A payment-review task with
  ``hold_payment`` holds the person's payment while it is open (暂停发放).
- :class:`HeldLine`: a roster line held by a task, and the adjustment that released it.
- :class:`MonitoringRun`: one run of the rules, per township: persons checked (person-times
  monitored) and warnings raised.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String,
                        Text)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# 低保 / 特困 / 低保边缘 / 三类户 / 支出型困难
REGISTER_CATEGORIES = ("dibao", "tekun", "marginal", "monitored", "hardship")
LIST_KINDS = ("sanlei", "death", "medical", "disability", "vehicle", "business",
              "public_employee")
INDICATORS = ("medical_expense", "severe_disability", "main_earner_death",
              "main_earner_job_loss", "income_below_standard", "newly_monitored",
              "covered_death", "vehicle_match", "business_match", "public_employee_match")
SEVERITIES = ("high", "medium", "low")
TASK_KINDS = ("home_check", "eligibility_check", "payment_review")
TASK_STATUSES = ("open", "closed")
# newly included / benefit changed / terminated / no action (with the reason) /
# deceased (a death confirmed: coverage ends) / wrong match (the list named someone else)
TASK_OUTCOMES = ("included", "changed", "terminated", "no_action", "deceased", "wrong_match")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class RegisterMembership(Base):
    """A household's (or one person's) membership of a register category, dated."""

    __tablename__ = "register_memberships"
    __table_args__ = (
        CheckConstraint(_in("category", REGISTER_CATEGORIES), name="category"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="period"),
        Index("ix_register_memberships_household", "household_id", "category"),
        Index("ix_register_memberships_category", "category", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    category: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutsideList(Base):
    """One imported outside list, with its match figures."""

    __tablename__ = "outside_lists"
    __table_args__ = (CheckConstraint(_in("kind", LIST_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutsideListRow(Base):
    """One stored row of an outside list; ``person_id`` the registry's person of the same ID
    number (NULL: not in the registry). ``event_on`` the date of death, expense, registration
    or listing; ``amount_fen`` a medical expense; ``grade`` a disability grade; ``detail`` the
    plate number, business or employer."""

    __tablename__ = "outside_list_rows"
    __table_args__ = (
        CheckConstraint(_in("kind", LIST_KINDS), name="kind"),
        Index("ix_outside_list_rows_kind_person", "kind", "person_id"),
        Index("ix_outside_list_rows_list_id", "list_id"),
        Index("ix_outside_list_rows_id_number", "id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("outside_lists.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    row_number: Mapped[int] = mapped_column(Integer)
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    event_on: Mapped[dt.date | None] = mapped_column(Date)
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(String(200), default="")


class WarningRule(Base):
    """A hardship indicator (困难指标): what it watches, its threshold and period, how severe a
    warning is and which task it raises. The meaning of ``threshold`` depends on the
    indicator (fen for a medical expense, a grade for disability, % of the standard for an
    income); ``period_months`` the look-back window."""

    __tablename__ = "warning_rules"
    __table_args__ = (
        CheckConstraint(_in("indicator", INDICATORS), name="indicator"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(_in("task_kind", TASK_KINDS), name="task_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    indicator: Mapped[str] = mapped_column(String(32))
    label_en: Mapped[str] = mapped_column(String(100))
    label_zh: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[int] = mapped_column(Integer, default=0)
    period_months: Mapped[int] = mapped_column(Integer, default=12)
    severity: Mapped[str] = mapped_column(String(8), default="medium")
    task_kind: Mapped[str] = mapped_column(String(20), default="home_check")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MonitoringWarning(Base):
    """One warning raised by a rule; ``event_key`` names the event so it is raised once."""

    __tablename__ = "monitoring_warnings"
    __table_args__ = (
        Index("ix_monitoring_warnings_raised_on", "raised_on"),
        Index("ix_monitoring_warnings_household_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("warning_rules.id"))
    event_key: Mapped[str] = mapped_column(String(100), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    list_row_id: Mapped[int | None] = mapped_column(ForeignKey("outside_list_rows.id"))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MonitoringTask(Base):
    """The check a warning asks for, with its due date and outcome."""

    __tablename__ = "monitoring_tasks"
    __table_args__ = (
        CheckConstraint(_in("kind", TASK_KINDS), name="kind"),
        CheckConstraint(_in("status", TASK_STATUSES), name="status"),
        CheckConstraint("outcome IS NULL OR " + _in("outcome", TASK_OUTCOMES), name="outcome"),
        CheckConstraint("status = 'open' OR (outcome IS NOT NULL AND closed_on IS NOT NULL)",
                        name="closed_recorded"),
        CheckConstraint("outcome IS NULL OR outcome <> 'no_action' OR outcome_reason <> ''",
                        name="no_action_reason"),
        Index("ix_monitoring_tasks_township_status", "township_id", "status", "due_on"),
        Index("ix_monitoring_tasks_person_hold", "person_id", "status"),
        Index("ix_monitoring_tasks_warning_id", "warning_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("monitoring_warnings.id"))
    kind: Mapped[str] = mapped_column(String(20))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    hold_payment: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    event_on: Mapped[dt.date | None] = mapped_column(Date)  # e.g. the confirmed date of death
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    new_case_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_cases.id"))
    new_aid_case_id: Mapped[int | None] = mapped_column(ForeignKey("aid_cases.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HeldLine(Base):
    """A roster line held (暂停发放) by an open payment-review task; ``adjustment_id`` the
    supplement that pays it after all (a wrong match, or a month the person was alive)."""

    __tablename__ = "held_lines"

    line_id: Mapped[int] = mapped_column(ForeignKey("roster_lines.id", ondelete="CASCADE"),
                                         primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("monitoring_tasks.id"))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("roster_adjustments.id"))


class MonitoringRun(Base):
    """One run of the warning rules over one township's register."""

    __tablename__ = "monitoring_runs"
    __table_args__ = (Index("ix_monitoring_runs_run_on", "run_on", "township_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_on: Mapped[dt.date] = mapped_column(Date)
    township_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    persons_checked: Mapped[int] = mapped_column(Integer, default=0)
    warnings_raised: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
