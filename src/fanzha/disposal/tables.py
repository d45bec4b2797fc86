"""Tables of disposal: routing entries, orders, their history, notices, holdings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
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


class Order(Base):
    """A disposal order: one institution, one object, one measure, with reason, basis and deadline."""

    __tablename__ = "disposal_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
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
    status: Mapped[str] = mapped_column(String(20), index=True)
    escalation: Mapped[str] = mapped_column(String(12), default="none")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
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
