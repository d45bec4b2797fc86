"""Tables of the sample library."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.core.ids import uuid4
from fanzha.db.base import Base, UTCDateTime


def new_stix_uuid() -> str:
    """A fresh random UUIDv4, as text."""
    return uuid4()


class Sample(Base):
    """One identifier known to be used for fraud; raw value only encrypted."""

    __tablename__ = "samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    masked: Mapped[str] = mapped_column(String(200))
    fraud_type: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[int] = mapped_column(Integer)
    risk_level: Mapped[str] = mapped_column(String(8))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    hits: Mapped[int] = mapped_column(Integer, default=0)
    false_positives: Mapped[int] = mapped_column(Integer, default=0)
    # The part of `confidence` that sightings put there (confidence − shift is what publishing set).
    sighting_shift: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # STIX 2.1 §2.9: SDO ids are UUIDv4, so they are drawn once and kept. A new indicator id when a
    # revoked sample is published again (revocation is final in STIX); the observable id of a kind
    # STIX has no object for never changes (its custom SCO has no id-contributing properties).
    stix_indicator: Mapped[str] = mapped_column(String(36), unique=True, default=new_stix_uuid)
    stix_observable: Mapped[str] = mapped_column(String(36), default=new_stix_uuid)


class SampleSource(Base):
    """Who reported a sample, with what evidence; re-publishing adds a source, not a sample."""

    __tablename__ = "sample_sources"
    __table_args__ = (UniqueConstraint("sample_id", "org_id", "case_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    fraud_type: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text, default="")
    case_ref: Mapped[str] = mapped_column(String(100), default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Sighting(Base):
    """An organisation's vote on a sample it met: a hit, or a false positive (its latest row counts)."""

    __tablename__ = "sample_sightings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SampleHistory(Base):
    """Every change of a sample, for the detail page and for appeals."""

    __tablename__ = "sample_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class Subscription(Base):
    """An organisation's wish to receive sample changes of some kinds and regions."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kinds: Mapped[str] = mapped_column(String(300))  # comma-separated kinds; empty = all
    region_prefix: Mapped[str] = mapped_column(String(12), default="")
    webhook_url: Mapped[str] = mapped_column(String(500), default="")
    secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    active: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeadLetter(Base):
    """An event a webhook receiver kept refusing; replayable from the console."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SampleEvidence(Base):
    """A file backing a report of a sample (a screenshot, a statement), SM4-GCM encrypted with its SHA-256."""

    __tablename__ = "sample_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # nonce ‖ ciphertext ‖ tag, bound to the sample, the organisation and the digest; lists never load it.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
