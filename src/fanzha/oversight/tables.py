"""Tables of oversight: monthly notifications (drafted, reviewed, published) and their archive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class Notification(Base):
    """A monthly notification (通报, Art 24): a draft the provincial centre reviews, then publishes."""

    __tablename__ = "oversight_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    status: Mapped[str] = mapped_column(String(12))  # draft, published
    title: Mapped[str] = mapped_column(String(200))
    # The figures as drafted (JSON): what is reviewed is what is published, whatever changes later.
    content: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(String(64), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sm3: Mapped[str] = mapped_column(String(64), default="")


class NotificationArchive(Base):
    """The published PDF with its SM3 digest: append-only, the record of what was circulated."""

    __tablename__ = "oversight_archive"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("oversight_notifications.id"), unique=True)
    month: Mapped[str] = mapped_column(String(7))
    sm3: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    recipients: Mapped[str] = mapped_column(Text, default="")  # organisation ids, comma-separated
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
