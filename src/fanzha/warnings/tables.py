"""Tables of warnings (Art 4, 28¶2): people, grids, warnings, their signals, tasks, texts and bank delays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class WarnPerson(Base):
    """A person who can be warned: keyed ID token, home grid, phone (token, mask, SM4), last contacts.

    The row is also the lock that serialises one person's signals (one warning per episode).
    """

    __tablename__ = "warn_people"

    person_token: Mapped[str] = mapped_column(String(64), primary_key=True)
    masked: Mapped[str] = mapped_column(String(32), default="")
    grid_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    county_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    phone_token: Mapped[str] = mapped_column(String(64), default="")
    phone_masked: Mapped[str] = mapped_column(String(32), default="")
    phone_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    registered: Mapped[bool] = mapped_column(Boolean, default=False)  # from the grid register (Art 4)
    warned_level: Mapped[str | None] = mapped_column(String(12), nullable=True)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_sms_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The family or emergency contact the person registered: keyed ID token and phone (token, mask, SM4).
    family_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    family_phone_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    family_phone_masked: Mapped[str] = mapped_column(String(32), default="", server_default="")
    family_phone_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class WarnGrid(Base):
    """A grid of a township or street (Art 4¶2 网格化管理), 12-digit code."""

    __tablename__ = "warn_grids"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WarnGridMember(Base):
    """A grid worker's grid: they see and take the visits of this grid only."""

    __tablename__ = "warn_grid_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    grid_code: Mapped[str] = mapped_column(ForeignKey("warn_grids.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Warning_(Base):
    """One warning: a person's episode, its level, where it is handled, and how it ended."""

    __tablename__ = "warn_warnings"
    __table_args__ = (Index("ix_warn_warnings_person_last", "person_token", "last_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_token: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(8), index=True)  # open | closed | merged
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    scam_type: Mapped[str] = mapped_column(String(32), default="other")
    contact_tail: Mapped[str] = mapped_column(String(4), default="")
    county_code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    grid_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of Chinese reasons
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("warn_warnings.id"), nullable=True)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Already paid: the funds case drafted from this warning for the police to confirm.
    funds_case_id: Mapped[int | None] = mapped_column(ForeignKey("funds_cases.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WarnSignal(Base):
    """One signal linked to its warning, with its source (an engine run's alert, a sample, an institution)."""

    __tablename__ = "warn_signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warn_warnings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    person_token: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(12))
    reasons: Mapped[str] = mapped_column(Text, default="[]")
    source_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    source_ref: Mapped[str] = mapped_column(String(100), unique=True)  # the sender's id: a repeat is dropped
    engine: Mapped[str] = mapped_column(String(64), default="")
    engine_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    alert_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sample_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WarnTask(Base):
    """A call or visit to make: where it belongs (county, grid), who took it, by when, and what came of it."""

    __tablename__ = "warn_tasks"
    __table_args__ = (Index("ix_warn_tasks_open", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warn_warnings.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    township_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    grid_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    widened: Mapped[bool] = mapped_column(Boolean, default=False)  # every grid of the township sees it
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    assignee: Mapped[str] = mapped_column(String(64), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str] = mapped_column(String(1000), default="")
    escalated_from_id: Mapped[int | None] = mapped_column(ForeignKey("warn_tasks.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


QUEUED = "sent_at IS NULL"
_QUEUED: dict[str, Any] = {f"{dialect}_where": text(QUEUED) for dialect in ("postgresql", "sqlite")}


class WarnSms(Base):
    """A warning text queued for the SMS gateway (the notification port), once per person per quiet period."""

    __tablename__ = "warn_sms"
    # The texts still to hand over, in order: a few among millions sent. Without it `deliver` walked the
    # primary key from the oldest text, past every one already sent (seconds after a 50,000 list).
    __table_args__ = (Index("ix_warn_sms_queued", "id", **_QUEUED),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warn_warnings.id"), index=True)
    person_token: Mapped[str] = mapped_column(String(64), index=True)
    phone_token: Mapped[str] = mapped_column(String(64))
    phone_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(String(400))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class WarnTemplate(Base):
    """A configured warning text for one scam type (the defaults apply where none is stored)."""

    __tablename__ = "warn_templates"

    scam_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(String(400))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WarnDelay(Base):
    """A bank delay (Art 18¶4) requested for a warning through disposal, and its release."""

    __tablename__ = "warn_delays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warn_warnings.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("disposal_orders.id"))
    role: Mapped[str] = mapped_column(String(8))  # delay | release
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
