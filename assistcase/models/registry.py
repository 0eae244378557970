"""The registry of households and persons (DOMAIN §3, §4)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, CheckConstraint, Date, FetchedValue, ForeignKey, Index,
                        Integer, PrimaryKeyConstraint, String, Text, event, inspect, text)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, Travels, utcnow

# The valid_from of incomes and property recorded without a date (rows that existed before
# they had dates, imports, and the registration itself): in force in every month.
SINCE_ALWAYS = dt.date(1900, 1, 1)
# How a member leaves a household (remove_member): 死亡 / 迁出 / 嫁出 / 其他.
LEAVE_KINDS = ("died", "moved_out", "married_out", "other")

RESIDENCE_CLASSES = ("urban", "rural")
CATEGORIES = ("dibao", "tekun", "marginal", "monitored", "none")
HOUSEHOLD_STATUSES = ("active", "closed")
RELATIONSHIPS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
SELF_CARE = ("full", "partial", "none")  # 全自理 / 半失能 / 全失能
INCOME_SOURCES = ("wages", "agriculture", "business", "pension", "transfer", "property", "other")
PROPERTY_KINDS = ("deposit", "vehicle", "housing", "other")


class Household(Travels, Base):
    """A registered household (户). ``head_name``, ``head_pinyin`` and ``member_count`` are kept
    by the registry writer, ``head_id_number`` by the database, so the household list sorts and
    shows without joins at city scale."""

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
        # a search's households tested and sorted from this small index instead of a page of
        # the table each (services/queries: SQLite is told to use it; issue 19)
        Index("ix_households_list", "id", "status", "number", "village_id", "category"),
        # the households a person heads, when its ID number is corrected (migration 0028)
        Index("ix_households_head_person_id", "head_person_id"),
    )
    # head_id_number is set by the database's triggers after the row is written (SQLite: an
    # AFTER trigger, which an INSERT … RETURNING does not see): the ORM reads it when asked,
    # not from RETURNING
    __mapper_args__ = {"eager_defaults": False}

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
    # The head's ID number, kept by the database's triggers (migration 0028), never by Python:
    # the ORM reads it back after it writes the row.
    head_id_number: Mapped[str] = mapped_column(String(18), server_default="",
                                                server_onupdate=FetchedValue())
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic versioning (issue 14): one more on every write to the household, its members,
    # incomes or property through the ORM (see _bump_household_versions); a save that read an
    # older version is refused (services.registry.save_household).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))

    village = relationship("Area", lazy="joined")
    members: Mapped[list["Person"]] = relationship(
        back_populates="household", foreign_keys="Person.household_id", order_by="Person.id")
    incomes: Mapped[list["Income"]] = relationship(back_populates="household",
                                                   order_by="Income.id")
    properties: Mapped[list["PropertyItem"]] = relationship(back_populates="household",
                                                            order_by="PropertyItem.id")


class Person(Travels, Base):
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
        # a search by the ID number's last characters (the number reversed: a range) finds
        # the households from this index alone, no page of the table per person found
        # (services/queries; migration 0031)
        Index("ix_persons_id_number_rev_household", "id_number_rev", "household_id"),
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
        # a key range gives the households themselves (SQLite's rows without rowid are this
        # index; PostgreSQL answers from it alone)
        PrimaryKeyConstraint("key", "household_id", "person_id"),
        Index("ix_person_search_keys_person_id", "person_id"),
        {"sqlite_with_rowid": False},
    )

    key: Mapped[str] = mapped_column(String(128))
    # the person's household (0 for none), set with the keys by services/registry_writer and
    # moved with the person by the trigger trg_persons_household_keys (migration 0026); no
    # foreign key
    household_id: Mapped[int] = mapped_column()
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))


class Income(Travels, Base):
    """A monthly income of the household by source, in fen (分)."""

    __tablename__ = "incomes"
    __table_args__ = (
        CheckConstraint("monthly_fen >= 0", name="monthly_fen_nonneg"),
        CheckConstraint(
            "source IN ('wages','agriculture','business','pension','transfer','property','other')",
            name="source"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="valid_period"),
        # a month's incomes in force summed from the index alone (migration 0029)
        Index("ix_incomes_household_in_force", "household_id", "valid_from", "valid_until",
              "monthly_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    source: Mapped[str] = mapped_column(String(16))
    monthly_fen: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    # In force from valid_from until valid_until (exclusive; NULL while it lasts). A month
    # uses the rows in force on its first day, like the standards.
    valid_from: Mapped[dt.date] = mapped_column(Date, default=SINCE_ALWAYS,
                                                server_default=SINCE_ALWAYS.isoformat())
    valid_until: Mapped[dt.date | None] = mapped_column(Date)

    household: Mapped[Household] = relationship(back_populates="incomes")


class PropertyItem(Travels, Base):
    """A property item (deposits, vehicles, housing, …) with its value in fen."""

    __tablename__ = "property_items"
    __table_args__ = (
        CheckConstraint("value_fen >= 0", name="value_fen_nonneg"),
        CheckConstraint("kind IN ('deposit','vehicle','housing','other')", name="kind"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="valid_period"),
        Index("ix_property_items_household_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200), default="")
    value_fen: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[dt.date] = mapped_column(Date, default=SINCE_ALWAYS,
                                                server_default=SINCE_ALWAYS.isoformat())
    valid_until: Mapped[dt.date | None] = mapped_column(Date)

    household: Mapped[Household] = relationship(back_populates="properties")


class HouseholdMembership(Base):
    """A person's membership of a household (户籍成员史), from ``joined_on`` to ``left_on``.

    Kept by database triggers on ``persons`` (insert, change of ``household_id``) and on a
    household's closing, so every writer keeps it; the registry services then set the exact
    event date and reason on the row they just opened or closed.

    ``joined_on`` NULL: a founding member (registered with the household), a member in every
    month before. A month counts the members of that month: joined before its first day
    (``joined_on < month``) and not left before it (``left_on >= month``), so the month of a
    move, death or birth counts the household as it was on that month's first day, and each
    person counts in exactly one household per month."""

    __tablename__ = "household_memberships"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR joined_on IS NULL OR left_on >= joined_on",
                        name="period"),
        Index("ix_household_memberships_household", "household_id", "joined_on", "left_on"),
        Index("ix_household_memberships_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")


@event.listens_for(Session, "before_flush")
def _bump_household_versions(session: Session, _context, _instances) -> None:
    """Every flush that writes a household, or a member, income or property item of one,
    gives that household its next version (once per flush)."""
    touched: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Household):
            if obj in session.new or (obj in session.dirty and not session.is_modified(obj)):
                continue
            if obj.id is not None:
                touched.add(obj.id)
        elif isinstance(obj, (Person, Income, PropertyItem)):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            history = inspect(obj).attrs.household_id.history
            for hid in (*history.added, *history.unchanged, *history.deleted):
                if hid is not None:
                    touched.add(hid)
    for hid in touched:
        hh = session.get(Household, hid)
        if hh is not None and hh not in session.new:
            hh.version = (hh.version or 1) + 1
