"""A household's papers (材料) and the database's own facts (app_meta).

A paper is a file (a scan, a photo, a PDF) kept in the papers folder beside the database under
its SHA-256 (the same content is stored once), attached to a household, an assistance case's
step, a temporary-aid case or a liaison visit. A paper is never deleted: removing it from a
record marks it removed, with who, when and why, in the row and in the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class AppMeta(Base):
    """Facts about the database itself, e.g. ``demo`` = '1' for generated demo data."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Paper(Base):
    __tablename__ = "papers"
    __table_args__ = (
        Index("ix_papers_household_id", "household_id"),
        Index("ix_papers_case_id", "case_id"),
        Index("ix_papers_aid_case_id", "aid_case_id"),
        Index("ix_papers_visit_id", "visit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(64), default="")  # 身份证复印件, 入户调查照片, …
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_cases.id"))
    step: Mapped[str | None] = mapped_column(String(32))  # the case step it documents
    aid_case_id: Mapped[int | None] = mapped_column(ForeignKey("aid_cases.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("liaison_visits.id"))
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None]
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_reason: Mapped[str] = mapped_column(Text, default="")
