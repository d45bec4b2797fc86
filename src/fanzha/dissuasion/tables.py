"""Tables of the publicity area: campaigns aimed at the groups most at risk (Art 7-8)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class PublicityCampaign(Base):
    """One publicity campaign: the group it targets, the channel, the day and how many it reached."""

    __tablename__ = "publicity_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    target_dimension: Mapped[str] = mapped_column(String(20))
    target_value: Mapped[str] = mapped_column(String(60))
    target_label: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    reach: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
