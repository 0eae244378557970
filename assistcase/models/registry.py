"""The registry of households and persons (DOMAIN §3, §4)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer,
                        PrimaryKeyConstraint, String, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

RESIDENCE_CLASSES = ("urban", "rural")
CATEGORIES = ("dibao", "tekun", "marginal", "monitored", "none")
HOUSEHOLD_STATUSES = ("active", "closed")
RELATIONSHIPS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
SELF_CARE = ("full", "partial", "none")  # 全自理 / 半失能 / 全失能
INCOME_SOURCES = ("wages", "agriculture", "business", "pension", "transfer", "property", "other")
PROPERTY_KINDS = ("deposit", "vehicle", "housing", "other")


class Household(Base):
    """A registered household (户). ``head_*`` and ``member_count`` are kept by the services so
    the household list sorts and shows without joins at city scale."""

    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint("residence_class IN ('urban','rural')", name="residence_class"),
        CheckConstraint("category IN ('dibao','tekun','marginal','monitored','none')",
                        name="category"),
        CheckConstraint("status IN ('active','closed')", name="status"),
        CheckConstraint("account_type IN ('card','passbook','none')", name="account_type"),
        Index("ix_households_village_id", "village_id"),
        Index("ix_households_head_pinyin", "head_pinyin"),
        Index("ix_households_category_status", "category", "status"),
        # Covers the default list (active households by number) without touching rows.
        Index("ix_households_status_number", "status", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    residence_class: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(16), default="none")
    status: Mapped[str] = mapped_column(String(8), default="active")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    account_type: Mapped[str] = mapped_column(String(16), default="none")
    account_number: Mapped[str] = mapped_column(String(32), default="")
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    head_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", use_alter=True, name="fk_households_head_person_id_persons"))
    head_name: Mapped[str] = mapped_column(String(64), default="")
    head_pinyin: Mapped[str] = mapped_column(String(128), default="")
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    village = relationship("Area", lazy="joined")
    members: Mapped[list["Person"]] = relationship(
        back_populates="household", foreign_keys="Person.household_id", order_by="Person.id")
    incomes: Mapped[list["Income"]] = relationship(back_populates="household",
                                                   order_by="Income.id")
    properties: Mapped[list["PropertyItem"]] = relationship(back_populates="household",
                                                            order_by="PropertyItem.id")


class Person(Base):
    """A person, one record per resident ID number. ``household_id`` is the household the
    person currently belongs to; a closed household releases its members for a new one."""

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint("sex IN ('M','F')", name="sex"),
        CheckConstraint(
            "relation IN ('head','spouse','child','parent','grandchild','sibling','other')",
            name="relation"),
        CheckConstraint("disability_grade IS NULL OR disability_grade BETWEEN 1 AND 4",
                        name="disability_grade"),
        CheckConstraint("self_care IN ('full','partial','none')", name="self_care"),
        Index("ix_persons_household_id", "household_id"),
        Index("ix_persons_id_number_rev", "id_number_rev"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    # The number reversed, so a search by its last characters is an indexed prefix range.
    id_number_rev: Mapped[str] = mapped_column(String(18))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    relation: Mapped[str] = mapped_column(String(16))  # 与户主关系
    disability_grade: Mapped[int | None] = mapped_column(Integer)
    disability_category: Mapped[str] = mapped_column(String(32), default="")
    serious_illness: Mapped[bool] = mapped_column(Boolean, default=False)
    self_care: Mapped[str] = mapped_column(String(8), default="full")
    in_school: Mapped[bool] = mapped_column(Boolean, default=False)
    able_to_work: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    household: Mapped[Household | None] = relationship(back_populates="members",
                                                       foreign_keys=[household_id])


class PersonSearchKey(Base):
    """Search keys of a person: every suffix of the name, the full pinyin and the initials.

    A prefix range over ``key`` then finds name substrings ("三" in 张三) and pinyin
    prefixes ("zs", "zhangs") with one index seek, at any registry size."""

    __tablename__ = "person_search_keys"
    __table_args__ = (
        PrimaryKeyConstraint("key", "person_id"),
        Index("ix_person_search_keys_person_id", "person_id"),
        {"sqlite_with_rowid": False},
    )

    key: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))


class Income(Base):
    """A monthly income of the household by source, in fen (分)."""

    __tablename__ = "incomes"
    __table_args__ = (
        CheckConstraint("monthly_fen >= 0", name="monthly_fen_nonneg"),
        CheckConstraint(
            "source IN ('wages','agriculture','business','pension','transfer','property','other')",
            name="source"),
        Index("ix_incomes_household_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    source: Mapped[str] = mapped_column(String(16))
    monthly_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")

    household: Mapped[Household] = relationship(back_populates="incomes")


class PropertyItem(Base):
    """A property item (deposits, vehicles, housing, …) with its value in fen."""

    __tablename__ = "property_items"
    __table_args__ = (
        CheckConstraint("value_fen >= 0", name="value_fen_nonneg"),
        CheckConstraint("kind IN ('deposit','vehicle','housing','other')", name="kind"),
        Index("ix_property_items_household_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200), default="")
    value_fen: Mapped[int] = mapped_column(Integer, default=0)

    household: Mapped[Household] = relationship(back_populates="properties")
