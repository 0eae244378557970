from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: DateTime()}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Travels:
    """The columns of a record kind that travels between a township and its bureau (DOMAIN §13):
    ``gid`` a global id that never changes (32 hex digits), ``origin_site`` the site that
    created it, ``rev`` the number of versions it has been sent in. A record written by a bulk
    path gets its gid and origin when it is first exchanged (services/exchange.ensure_gids);
    NULL origin means "made at this site". The sync state is derived (services/exchange)."""

    gid: Mapped[str | None] = mapped_column(String(32), index=True, unique=True)
    origin_site: Mapped[str | None] = mapped_column(String(16))
    rev: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
