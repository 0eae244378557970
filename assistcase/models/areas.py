"""行政区划: province → city → county → township → village (DOMAIN §2)."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

LEVELS = ("province", "city", "county", "township", "village")
LEVEL_ZH = {"province": "省", "city": "市", "county": "县(区)", "township": "乡镇(街道)",
            "village": "村(社区)"}


class Area(Base):
    """An administrative area with its 12-digit statistical division code."""

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("level IN ('province','city','county','township','village')",
                        name="level"),
        Index("ix_areas_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    # 省直管县(市): a county-level area the province administers directly (DOMAIN §2); only
    # there do the province-administered county bureau's liaison roles exist (§11).
    province_administered: Mapped[bool] = mapped_column(Boolean, default=False,
                                                        server_default=false())

    parent: Mapped["Area | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"Area({self.code} {self.name})"
