"""Tables of detection: runs with their leases, the alerts of each run, what policies made of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class DetectRun(Base):
    """One engine run on one data directory; workers claim it with a lease in the database."""

    __tablename__ = "detect_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    engine: Mapped[str] = mapped_column(String(64), index=True)
    engine_version: Mapped[int] = mapped_column(Integer)
    backend: Mapped[str] = mapped_column(String(16))
    data_dir: Mapped[str] = mapped_column(String(500))
    requested_by: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    stage: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    alerts_high: Mapped[int] = mapped_column(Integer, default=0)
    alerts_medium: Mapped[int] = mapped_column(Integer, default=0)
    alerts_low: Mapped[int] = mapped_column(Integer, default=0)
    policies_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DetectAlert(Base):
    """One alert of a run: the identifier as token, mask and SM4 ciphertext, with its reasons."""

    __tablename__ = "detect_alerts"
    __table_args__ = (UniqueConstraint("run_id", "kind", "token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("detect_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(64), index=True)
    masked: Mapped[str] = mapped_column(String(200))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(8), index=True)
    reasons: Mapped[str] = mapped_column(Text)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DetectOutcome(Base):
    """What a policy made of an alert: a sample candidate, a disposal order or a warning task."""

    __tablename__ = "detect_outcomes"
    __table_args__ = (UniqueConstraint("alert_id", "outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("detect_runs.id"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("detect_alerts.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    sample_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    order_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
