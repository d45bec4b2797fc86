"""Tables of the serious-dishonesty list (Art 29, 37)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class Listing(Base):
    """One determination that puts a subject on the list (办法第三条), with its ground, evidence and term."""

    __tablename__ = "credit_listings"
    __table_args__ = (Index("ix_credit_listings_subject_status", "subject_token", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(8))
    # A person: the keyed token of the ID number and its mask (Art 9, never the number); a unit: the keyed
    # token of its unified social credit code, its mask and its name.
    subject_token: Mapped[str] = mapped_column(String(64))
    subject_masked: Mapped[str] = mapped_column(String(200))
    subject_name: Mapped[str] = mapped_column(String(200), default="")
    ground: Mapped[str] = mapped_column(String(20))
    facts_items: Mapped[int] = mapped_column(Integer, default=0)
    facts_times: Mapped[int] = mapped_column(Integer, default=0)
    facts_counterparties: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[str] = mapped_column(Text)  # JSON list of references (judgment, determination, files)
    basis: Mapped[str] = mapped_column(String(1000))
    deciding_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    proposed_by: Mapped[str] = mapped_column(String(64))
    term_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    approver_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    approved_by: Mapped[str] = mapped_column(String(64), default="")
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    chain_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("credit_listings.id"), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lift_reason: Mapped[str] = mapped_column(String(500), default="")
    # The written notice's appeal slot: the disposal notice the appeal code belongs to (Art 29¶2 申诉).
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("disposal_notices.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ListingEvent(Base):
    """A listing's history: each step, who took it and why (append-only)."""

    __tablename__ = "credit_listing_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    status_from: Mapped[str] = mapped_column(String(12))
    status_to: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(Text, default="")


class ListingOrder(Base):
    """A disposal order that carries a listing's measure, or lifts it, at one institution."""

    __tablename__ = "credit_listing_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("credit_listings.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("disposal_orders.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # "measure" | "release"


class ReleasedOffender(Base):
    """Art 37: the justice department's notice of a person released after a fraud-related sentence.

    The police unit of the person's home region gets it as a task (查看名单、落实管控), closed with a report.
    """

    __tablename__ = "credit_released_offenders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_token: Mapped[str] = mapped_column(String(64), index=True)
    person_masked: Mapped[str] = mapped_column(String(32))
    offence: Mapped[str] = mapped_column(String(200))
    judgment_ref: Mapped[str] = mapped_column(String(200))
    released_on: Mapped[str] = mapped_column(String(10))  # the calendar day (Asia/Shanghai), YYYY-MM-DD
    region_code: Mapped[str] = mapped_column(String(12))
    notifier_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    police_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by: Mapped[str] = mapped_column(String(64), default="")
    report: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
