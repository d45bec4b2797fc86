"""The outbox and the per-sink delivery cursors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class OutboxEvent(Base):
    """An event recorded with the change that caused it; `id` is its position in the feed."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    topic: Mapped[str] = mapped_column(String(128), index=True)
    payload: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxHead(Base):
    """Locked while appending, so positions are handed out in commit order (no feed gaps)."""

    __tablename__ = "outbox_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_position: Mapped[int] = mapped_column(Integer)


class SinkCursor(Base):
    """How far one sink has delivered, and which worker holds the lease to deliver more."""

    __tablename__ = "sink_cursors"

    sink: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
