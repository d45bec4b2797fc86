"""Tables of accountability: penalty cases, interviews, tracked items, inspections, controls, registries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class PenaltyCase(Base):
    """An administrative penalty case (Art 39-41) against a venue or an institution that failed a duty."""

    __tablename__ = "acc_penalty_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    rule: Mapped[str] = mapped_column(String(12))  # the provision breached (hn40-1, hn40-2, hn41)
    applied_rule: Mapped[str] = mapped_column(String(12))  # whose penalty applies (Art 39: a higher law's)
    respondent_kind: Mapped[str] = mapped_column(String(8))
    respondent_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_type: Mapped[str] = mapped_column(String(24), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    deciding_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    opened_by: Mapped[str] = mapped_column(String(64))
    facts: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="[]")  # JSON: indicator figures and record links
    state: Mapped[str] = mapped_column(String(12), index=True)
    correct_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    circumstance: Mapped[str] = mapped_column(String(16), default="")
    proposed_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hearing_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hearing_record: Mapped[str] = mapped_column(Text, default="")
    decided_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_no: Mapped[str] = mapped_column(String(40), default="")
    decision_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    decision_sm3: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    pay_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    payment_ref: Mapped[str] = mapped_column(String(64), default="")
    appeal_kind: Mapped[str] = mapped_column(String(16), default="")  # reconsideration, litigation
    appeal_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PenaltyEvent(Base):
    """A case's history: each step, who took it, the state after it and a note."""

    __tablename__ = "acc_penalty_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("acc_penalty_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(1000), default="")


class Interview(Base):
    """An interview (约谈, Art 24) of a unit that did not do its part, with reasons from its indicators."""

    __tablename__ = "acc_interviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    month: Mapped[str] = mapped_column(String(7))
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of {"text", "indicator", "value"}
    attendees: Mapped[str] = mapped_column(Text)
    commitments: Mapped[str] = mapped_column(Text, default="")
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrackedItem(Base):
    """Something a unit must do by a deadline and answer in writing: rectification (Art 24), a supervised
    item (督办, Art 5), a judicial / procuratorial suggestion or police notice, a case transfer (Art 36)."""

    __tablename__ = "acc_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    unit_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("acc_interviews.id"), nullable=True)
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    target: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(String(40))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    report_every_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # open, answered, closed
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ItemReport(Base):
    """A written report on an item: progress, reply, feedback, the closing report, or an escalation."""

    __tablename__ = "acc_item_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("acc_items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    by: Mapped[str] = mapped_column(String(64))
    by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Inspection(Base):
    """An inspection of a venue's or an operator's communication facilities (Art 15) or premises (Art 31)."""

    __tablename__ = "acc_inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # venue, facility, premises
    subject_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_type: Mapped[str] = mapped_column(String(24), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    inspector: Mapped[str] = mapped_column(String(8))  # self (the venue or operator), police
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    findings: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of finding kinds
    measures: Mapped[str] = mapped_column(Text, default="")
    reported_to_police: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duty_failed: Mapped[str] = mapped_column(String(300), default="")
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # who recorded it
    recorded_by: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("acc_penalty_cases.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ControlRecord(Base):
    """An institution's internal-control measure or new-business fraud-risk assessment (Art 5¶4, 11¶2)."""

    __tablename__ = "acc_controls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # control, assessment
    business_line: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text)
    risk_level: Mapped[str] = mapped_column(String(8), default="")
    conclusion: Mapped[str] = mapped_column(String(16), default="")  # launch, launch_with_measures, refuse
    recorded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RosterEntry(Base):
    """A specialist or volunteer of an organisation's anti-fraud team (Art 6)."""

    __tablename__ = "acc_roster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # specialist, volunteer
    name: Mapped[str] = mapped_column(String(100))
    speciality: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LicensedInstitution(Base):
    """A licensed financial institution platforms check financial-information accounts against (Art 22)."""

    __tablename__ = "acc_licensed"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    licence_no: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    credit_code: Mapped[str] = mapped_column(String(18), default="", index=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
