"""Tables of tips and rewards (Art 30-32, 38)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class Tip(Base):
    """One tip: what, where and when, its routing and triage, its officer and outcome; the reporter sealed."""

    __tablename__ = "tips"
    __table_args__ = (Index("ix_tips_unit_status", "unit_org_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # JB + date + id, shown to officers
    # Only a keyed hash of the receipt code (HMAC-SM3 under the vault's key); the code is the reporter's.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="{}")  # the structured form's answers (JSON)
    # The identifier named, as the vault keeps them: token, SM4-GCM of the value, mask.
    identifier_kind: Mapped[str] = mapped_column(String(20), default="")
    identifier_token: Mapped[str] = mapped_column(String(64), default="", index=True)
    identifier_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    identifier_masked: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    region_code: Mapped[str] = mapped_column(String(12), default="")
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Triage: what de-duplicates it, the earlier tip it repeats, the sample it names.
    match_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("tips.id"), nullable=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id"), nullable=True)
    unit_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    route_reason: Mapped[str] = mapped_column(String(200), default="")
    officer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    officer_name: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(12), index=True)
    outcome: Mapped[str] = mapped_column(String(10), default="")
    outcome_reason: Mapped[str] = mapped_column(String(1000), default="")
    outcome_ref: Mapped[str] = mapped_column(String(100), default="")
    # What the outcome created: the warning of the person at risk (Art 28¶2) or the case draft.
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warn_warnings.id"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("funds_cases.id"), nullable=True)
    # The seal: the tip's data key wrapped for the handling unit, and what it protects.
    seal_id: Mapped[str] = mapped_column(String(32), unique=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    anonymous: Mapped[bool] = mapped_column(default=True)
    reporter_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TipFileRow(Base):
    """A file sent with a tip, encrypted under the tip's key; name, type and digest in the clear."""

    __tablename__ = "tip_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TipMessage(Base):
    """The officer's questions and the reporter's answers, in time order."""

    __tablename__ = "tip_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), index=True)
    author: Mapped[str] = mapped_column(String(10))  # "officer" | "reporter"
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class TipEvent(Base):
    """A tip's history: each step, who took it and why."""

    __tablename__ = "tip_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(1000), default="")


class TipReward(Base):
    """Art 38¶2: the reward of a verified tip: amount within the standard, approval, claim and payment."""

    __tablename__ = "tip_rewards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id"), unique=True)
    amount: Mapped[int] = mapped_column(Integer)  # yuan
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), index=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str] = mapped_column(String(64), default="")
    approval_reason: Mapped[str] = mapped_column(String(500), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    payee_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_by: Mapped[str] = mapped_column(String(64), default="")
    payment_ref: Mapped[str] = mapped_column(String(100), default="")
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Commendation(Base):
    """Art 38¶3: a unit or person commended for an outstanding contribution, and by whom."""

    __tablename__ = "tip_commendations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(8))  # "unit" | "person"
    name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000))
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
