"""Tables of the leak-source area: suspected leak sources and their handling (Art 26)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class LeakReport(Base):
    """A party suspected of leaking customers' personal information to fraud rings, and its status."""

    __tablename__ = "leak_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    party_id: Mapped[str] = mapped_column(String(100), index=True)
    party_kind: Mapped[str] = mapped_column(String(20))
    party_name: Mapped[str] = mapped_column(String(200))
    victims: Mapped[int] = mapped_column(Integer)
    # Shares in basis points (1/10,000) and lift in hundredths: integers, exact across databases.
    victim_share_bp: Mapped[int] = mapped_column(Integer)
    population_share_bp: Mapped[int] = mapped_column(Integer)
    lift_x100: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_note: Mapped[str] = mapped_column(String(1000), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
