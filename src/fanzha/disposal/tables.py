"""Tables of disposal: routing entries, orders, their history, notices, holdings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class RouteEntry(Base):
    """One row of a routing table (segment, portability, BIN, platform, domain, app, regulator)."""

    __tablename__ = "disposal_routes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32), index=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The partial index's predicate, as each dialect spells it.
_OPEN: dict[str, Any] = {
    f"{dialect}_where": text("closed_at IS NULL") for dialect in ("postgresql", "sqlite")
}


class Order(Base):
    """A disposal order: one institution, one object, one measure, with reason, basis and deadline."""

    __tablename__ = "disposal_orders"
    # Open orders (closed_at empty: issued, delivered, acknowledged) by institution and by deadline: the
    # board's new orders and the overdue scan. Status itself is in no index, so that a step which changes
    # only status and times updates the row in place on PostgreSQL (HOT), touching no index.
    __table_args__ = (
        Index("ix_disposal_orders_open_org_id", "org_id", **_OPEN),
        Index("ix_disposal_orders_open_due_at", "due_at", **_OPEN),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    issued_by: Mapped[str] = mapped_column(String(64))
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id"), nullable=True, index=True)
    object_kind: Mapped[str] = mapped_column(String(32))
    object_token: Mapped[str] = mapped_column(String(64), index=True)
    object_masked: Mapped[str] = mapped_column(String(200))
    object_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    measure: Mapped[str] = mapped_column(String(32))
    article: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    evidence_ref: Mapped[str] = mapped_column(String(200), default="")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    escalation: Mapped[str] = mapped_column(String(12), default="none")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    releases_order_id: Mapped[int | None] = mapped_column(ForeignKey("disposal_orders.id"), nullable=True)
    appeal_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verification: Mapped[str | None] = mapped_column(String(12), nullable=True)
    receipt_reason: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OrderEvent(Base):
    """Every state change of an order, for the timeline and the assessment (Art 25)."""

    __tablename__ = "disposal_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("disposal_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    status_from: Mapped[str] = mapped_column(String(20))
    status_to: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")


class Notice(Base):
    """The Art 34¶1 notice to the person affected; only the hash of its appeal code is kept."""

    __tablename__ = "disposal_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("disposal_orders.id"), index=True)
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_token: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Holding(Base):
    """An institution's declaration: an object it serves is held by the person with this ID number.

    Withdrawn declarations keep only the institution's own object token (so a repeated delete answers
    alike); the holder's token and ciphertext are wiped (Art 26: no personal information kept idle).
    """

    __tablename__ = "holdings"
    __table_args__ = (UniqueConstraint("org_id", "object_kind", "object_token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_token: Mapped[str] = mapped_column(String(64), index=True)
    object_masked: Mapped[str] = mapped_column(String(200))
    object_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    holder_token: Mapped[str] = mapped_column(String(64), index=True)
    holder_masked: Mapped[str] = mapped_column(String(32))
    holder_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
