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
    # Domains and apps: the registrant's or developer's phone, where notices go (Art 34¶1).
    contact_token: Mapped[str] = mapped_column(String(64), default="")
    contact_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
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
    # What gave rise to the order (domain.Trigger): the catalogue allows each measure only on its trigger.
    trigger: Mapped[str] = mapped_column(String(24), default="sample_notified")
    # Risk level of the alert (Art 13, 18¶3): the re-verification deadline and the measure after it.
    risk_level: Mapped[str] = mapped_column(String(8), default="medium")
    # Art 29, AFL 31¶2: the determination a joint-punishment order rests on (who determined, on what).
    basis: Mapped[str] = mapped_column(String(500), default="")
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
    """The Art 34¶1 notice to the person affected.

    The text keeps a slot for the appeal code (domain.CODE_SLOT); the code is derived at send time from
    the platform's key and `code_salt`, and only its SHA-256 is stored (for the portal's lookup).
    """

    __tablename__ = "disposal_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("disposal_orders.id"), index=True)
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_token: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    # "sms" to the number itself or the holder's registered phone; "institution" when the institution
    # delivers it and confirms in its receipt; "contact" to the registrant or developer of a URL or app.
    channel: Mapped[str] = mapped_column(String(16))
    # The phone an SMS goes to when it is not the object itself: token and SM4 ciphertext only.
    recipient_token: Mapped[str] = mapped_column(String(64), default="")
    recipient_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Who confirmed delivery (the institution's user, in its receipt), for channel "institution".
    delivered_by: Mapped[str] = mapped_column(String(64), default="")


class Holding(Base):
    """An institution's declaration: an object it serves is held by the person with this ID number.

    Art 9: the ID number is kept only as its keyed token and mask, never decryptable; the holder's
    registered phone (the contact notices go to, Art 34¶1) is kept as token and ciphertext. Withdrawn
    declarations keep only the institution's own object token (so a repeated delete answers alike); the
    holder's token and contact are wiped (Art 26: no personal information kept idle).
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
    phone_token: Mapped[str] = mapped_column(String(64), default="")
    phone_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Task(Base):
    """A task for a police unit that it must close with a report (Art 13: high risk again after passing)."""

    __tablename__ = "disposal_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id"), nullable=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("disposal_orders.id"), nullable=True)
    object_masked: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    report: Mapped[str] = mapped_column(String(1000), default="")
