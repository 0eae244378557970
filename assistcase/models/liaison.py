"""Leadership liaison with rescue institutions (领导定点联系救助管理机构, DOMAIN §11).

Institutions and their weakness assessments over time, leaders with the rule row that binds
them, assignments (leader ↔ institution for a time span), the visit log and rectifications.
The frequency rules themselves are rows of ``liaison_rules`` (seeded by migration 0003); how
often a rule requires contact is dated: ``liaison_rule_versions`` holds each change from its
date on (:func:`assistcase.services.liaison.update_rule`), so past periods keep the rule in
force then. Institutions report their results each quarter (``liaison_institution_results``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Travels, utcnow

INSTITUTION_KINDS = ("station", "care")  # 救助管理站 / 托养机构
INSTITUTION_LEVELS = ("city", "county")
ORG_LEVELS = ("province", "city", "county")  # 省民政厅 / 省辖市民政局 / 省直管县民政局
PERIOD_KINDS = ("month", "quarter", "half", "year")
# Which institutions a rule row may link (the notice's "links" column).
SCOPES = (
    "city_any",        # city-level institutions anywhere in the province
    "city_own",        # the city-level rescue station of the leader's own city
    "county_in_city",  # a county-level rescue station in the leader's city
    "county_or_care",  # a county-level station or a care institution in the leader's city
    "local",           # the rescue station of the leader's own county
)
VISIT_MODES = ("on_site", "video", "phone")  # 实地 / 视频 / 电话
VISIT_TOPICS = ("family_search", "information_system", "safety", "archives", "care",
                "long_stay")  # 寻亲 / 信息系统 / 安全运行 / 档案 / 照料 / 长期滞留人员
RECTIFICATION_STATUSES = ("open", "done")


class LiaisonRule(Base):
    """One row of the notice's table: who links what, and how often at least (configurable)."""

    __tablename__ = "liaison_rules"
    __table_args__ = (
        CheckConstraint("org_level IN ('province','city','county')", name="org_level"),
        CheckConstraint("period IN ('month','quarter','half','year')", name="period"),
        CheckConstraint(
            "scope IN ('city_any','city_own','county_in_city','county_or_care','local')",
            name="scope"),
        CheckConstraint("min_contacts >= 1", name="min_contacts"),
        CheckConstraint("max_institutions IS NULL OR max_institutions >= 1",
                        name="max_institutions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer)
    org_level: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(96))
    scope: Mapped[str] = mapped_column(String(16))
    max_institutions: Mapped[int | None] = mapped_column(Integer)
    # The version in force from the latest effective date on (kept in step by update_rule);
    # judging a period uses the version in force in it (LiaisonRuleVersion).
    period: Mapped[str] = mapped_column(String(8))
    min_contacts: Mapped[int] = mapped_column(Integer, default=1)


RULES_BASE_DATE = dt.date(2000, 1, 1)  # the seeded versions hold from this day


class LiaisonRuleVersion(Base):
    """How often a rule row requires contact from ``effective_from`` on (until the next
    version's date). Migration 0011 seeds one version per rule from :data:`RULES_BASE_DATE`."""

    __tablename__ = "liaison_rule_versions"
    __table_args__ = (
        CheckConstraint("period IN ('month','quarter','half','year')", name="period"),
        CheckConstraint("min_contacts >= 1", name="min_contacts"),
        UniqueConstraint("rule_code", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_code: Mapped[str] = mapped_column(ForeignKey("liaison_rules.code"))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(8))
    min_contacts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Institution(Base):
    """A rescue management station (救助管理站) or contracted care institution (托养机构)."""

    __tablename__ = "liaison_institutions"
    __table_args__ = (
        CheckConstraint("kind IN ('station','care')", name="kind"),
        CheckConstraint("level IN ('city','county')", name="level"),
        Index("ix_liaison_institutions_area_id", "area_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(8))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    area = relationship("Area", lazy="joined")


class InstitutionAssessment(Base):
    """The weakness indicators (选"弱") of an institution as assessed on one date.

    ``infrastructure`` and ``service_level`` are scores 1 (weak) … 5 (strong); the others are
    counts: persons assisted last year, long-stay persons now, open safety hazards."""

    __tablename__ = "liaison_assessments"
    __table_args__ = (
        CheckConstraint("infrastructure BETWEEN 1 AND 5", name="infrastructure"),
        CheckConstraint("service_level BETWEEN 1 AND 5", name="service_level"),
        CheckConstraint("assistance_volume >= 0 AND long_stay_persons >= 0 "
                        "AND safety_hazards >= 0", name="counts"),
        Index("ix_liaison_assessments_institution_id", "institution_id", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("liaison_institutions.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    infrastructure: Mapped[int] = mapped_column(Integer)
    service_level: Mapped[int] = mapped_column(Integer)
    assistance_volume: Mapped[int] = mapped_column(Integer)
    long_stay_persons: Mapped[int] = mapped_column(Integer)
    safety_hazards: Mapped[int] = mapped_column(Integer)


class Leader(Base):
    """A leader (领导) of a civil-affairs department, bound to one rule row by role."""

    __tablename__ = "liaison_leaders"
    __table_args__ = (
        CheckConstraint("org_level IN ('province','city','county')", name="org_level"),
        Index("ix_liaison_leaders_rule_code", "rule_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(64), default="")
    org_level: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    rule_code: Mapped[str] = mapped_column(ForeignKey("liaison_rules.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    area = relationship("Area", lazy="joined")
    rule: Mapped[LiaisonRule] = relationship(lazy="joined")


class Assignment(Base):
    """A leader linked to an institution from ``start_on`` to ``end_on`` (both inclusive;
    ``end_on`` NULL while it lasts)."""

    __tablename__ = "liaison_assignments"
    __table_args__ = (
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="span"),
        Index("ix_liaison_assignments_leader_id", "leader_id"),
        Index("ix_liaison_assignments_institution_id", "institution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("liaison_leaders.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("liaison_institutions.id"))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)

    leader: Mapped[Leader] = relationship(lazy="joined")
    institution: Mapped[Institution] = relationship(lazy="joined")


class Visit(Travels, Base):
    """One contact (联系) of a leader with an assigned institution. ``topics`` holds codes of
    :data:`VISIT_TOPICS` separated by commas."""

    __tablename__ = "liaison_visits"
    __table_args__ = (
        CheckConstraint("mode IN ('on_site','video','phone')", name="mode"),
        # One contact per leader, institution and day: a second one the same day is refused
        # (migration 0011 merged the duplicates that existed).
        Index("ix_liaison_visits_pair", "leader_id", "institution_id", "visited_on",
              unique=True),
        Index("ix_liaison_visits_visited_on", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("liaison_leaders.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("liaison_institutions.id"))
    visited_on: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(8))
    topics: Mapped[str] = mapped_column(String(200), default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rectifications: Mapped[list["Rectification"]] = relationship(
        back_populates="visit", order_by="Rectification.id")


class Rectification(Base):
    """A rectification action (整改措施) for a problem found on a visit."""

    __tablename__ = "liaison_rectifications"
    __table_args__ = (
        CheckConstraint("status IN ('open','done')", name="status"),
        Index("ix_liaison_rectifications_visit_id", "visit_id"),
        Index("ix_liaison_rectifications_status", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("liaison_visits.id"))
    action: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    visit: Mapped[Visit] = relationship(back_populates="rectifications")


class InstitutionResult(Base):
    """What an institution achieved in one quarter (seed 000: reduce the stock and increase
    of long-stay persons 长期滞留人员, push family search 寻亲, reduce outside placements).
    ``quarter_start`` is the first day of the quarter."""

    __tablename__ = "liaison_institution_results"
    __table_args__ = (
        CheckConstraint("long_stay_start >= 0 AND long_stay_end >= 0 AND long_stay_new >= 0 "
                        "AND returned_home >= 0 AND outside_placements >= 0", name="counts"),
        UniqueConstraint("institution_id", "quarter_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("liaison_institutions.id"))
    quarter_start: Mapped[dt.date] = mapped_column(Date)
    long_stay_start: Mapped[int] = mapped_column(Integer)   # 期初长期滞留人员
    long_stay_end: Mapped[int] = mapped_column(Integer)     # 期末长期滞留人员
    long_stay_new: Mapped[int] = mapped_column(Integer)     # 新增长期滞留人员
    returned_home: Mapped[int] = mapped_column(Integer)     # 寻亲成功返乡
    outside_placements: Mapped[int] = mapped_column(Integer)  # 外部托养
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship(lazy="joined")
