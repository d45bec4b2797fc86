"""Tables of appeals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class Appeal(Base):
    """An appeal against every measure on one object, decided by the unit that decided (Art 34)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("disposal_notices.id"), index=True)
    deciding_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    object_kind: Mapped[str] = mapped_column(String(32))
    object_token: Mapped[str] = mapped_column(String(64), index=True)
    object_masked: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    documents: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Art 34¶2 立即核查: set when the appeal passed its time limit undecided and was escalated.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_reason: Mapped[str] = mapped_column(String(1000), default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Art 34¶3: institutions that executed lawful orders fulfilled their duties and are not blamed.
    institutions_fulfilled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppealAttachment(Base):
    """A file the appellant sent with an appeal (Art 34¶2), kept SM4-GCM encrypted with its SHA-256."""

    __tablename__ = "appeal_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # nonce ‖ ciphertext ‖ tag, bound to the appeal and the digest; lists never load it.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppealOtp(Base):
    """A one-time code sent by SMS to a number under a measure (Art 34¶2); only its salted hash is kept."""

    __tablename__ = "appeal_otps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_token: Mapped[str] = mapped_column(String(64), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
