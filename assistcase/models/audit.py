"""Users and the audit log: who did what, when, to which record and field."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Sign-in (issue 13): an argon2id hash (never the password or a reversible form of it);
    # NULL for a user who cannot sign in (the rows that only name who did something before
    # sign-in existed).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    # a demo database's users: their passwords are shown on the sign-in screen
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Role(Base):
    """A role (岗位): what it may do is its rows in ``role_permissions`` (DOMAIN §12)."""

    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label_en: Mapped[str] = mapped_column(String(64))
    label_zh: Mapped[str] = mapped_column(String(64))
    # the area level the role is normally held for ('township', 'county', '' for any)
    level: Mapped[str] = mapped_column(String(16), default="")


class RolePermission(Base):
    __tablename__ = "role_permissions"

    role_code: Mapped[str] = mapped_column(ForeignKey("roles.code"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(48), primary_key=True)


class UserRole(Base):
    """A role a user holds for an area (and every area under it); ``area_id`` NULL: the whole
    database."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role_code", "area_id"),
                      Index("ix_user_roles_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role_code: Mapped[str] = mapped_column(ForeignKey("roles.code"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))


class AuditEntry(Base):
    """One audited change. ``action`` is create / update / delete; ``field`` is NULL for a row
    that describes the whole record (e.g. a batch)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_household_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    household_id: Mapped[int | None]
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    # The hash chain (security/auditchain.py): the previous row's hash and this row's.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class SignInToken(Base):
    """A command-line sign-in token (``assistcase login``): only its SHA-256 digest is kept."""

    __tablename__ = "sign_in_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
