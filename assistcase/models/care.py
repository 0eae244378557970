"""Care institutions (供养机构) that receive the payments of their residents (DOMAIN §10).

Persons in institutional care (集中供养: an extreme-hardship case with ``support_mode`` =
'centralized') are paid to the institution, not to a household account. A case names its
institution (``assistance_cases.institution_name``); this table holds the institution's
account, keyed by the same name.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class CareInstitution(Base):
    __tablename__ = "care_institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    account_name: Mapped[str] = mapped_column(String(100), default="")
    bank_name: Mapped[str] = mapped_column(String(64), default="")
    account_number: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
