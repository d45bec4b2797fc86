"""Tables of the funds area: cases, victims, transfers, instructions, traces, notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class FundsCase(Base):
    """A fraud case (案件) whose victims' money is followed."""

    __tablename__ = "funds_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    scam_type: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Intake by the victim on the portal (source "portal") waits for the police to confirm it.
    source: Mapped[str] = mapped_column(String(10), default="police")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str] = mapped_column(String(64), default="")


class Victim(Base):
    """A victim of a case, the loss and the account the police designate for returns (Art 35¶2)."""

    __tablename__ = "funds_victims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    loss_fen: Mapped[int] = mapped_column(BigInteger)
    account_kind: Mapped[str] = mapped_column(String(32))
    account_token: Mapped[str] = mapped_column(String(64))
    account_masked: Mapped[str] = mapped_column(String(200))
    account_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    # The victim's phone, to prove control of it on the status page (item 8); token, mask, ciphertext only.
    phone_token: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    phone_masked: Mapped[str] = mapped_column(String(200), default="")
    phone_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Transfer(Base):
    """A payment a victim made to the fraudsters."""

    __tablename__ = "funds_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    victim_id: Mapped[int] = mapped_column(ForeignKey("funds_victims.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(20))
    payer_kind: Mapped[str] = mapped_column(String(32))
    payer_token: Mapped[str] = mapped_column(String(64))
    payer_masked: Mapped[str] = mapped_column(String(200))
    payer_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    payee_kind: Mapped[str] = mapped_column(String(32))
    payee_token: Mapped[str] = mapped_column(String(64), index=True)
    payee_masked: Mapped[str] = mapped_column(String(200))
    payee_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


# A case's live freeze of an account (pending, queued, issued, frozen), as each dialect spells it.
LIVE_FREEZE = "kind = 'freeze' AND status IN ('pending_approval', 'queued', 'issued', 'frozen')"
_LIVE: dict[str, Any] = {f"{dialect}_where": text(LIVE_FREEZE) for dialect in ("postgresql", "sqlite")}


class Instruction(Base):
    """An instruction to a bank or payment institution: stop-payment, freeze, release or return."""

    __tablename__ = "funds_instructions"
    # Art 19¶1 (不得超范围): one live freeze per case and account, even under concurrent requests.
    __table_args__ = (
        Index("uq_funds_instructions_live_freeze", "case_id", "account_token", unique=True, **_LIVE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True, nullable=True)
    issuer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    issued_by: Mapped[str] = mapped_column(String(64))
    account_kind: Mapped[str] = mapped_column(String(32))
    account_token: Mapped[str] = mapped_column(String(64), index=True)
    account_masked: Mapped[str] = mapped_column(String(200))
    account_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    account_name: Mapped[str] = mapped_column(String(100), default="")
    hop: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("funds_instructions.id"), nullable=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("funds_instructions.id"), nullable=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    result_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    scope: Mapped[str] = mapped_column(String(20), default="")
    include_interest: Mapped[bool] = mapped_column(Boolean, default=False)
    term_months: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(500), default="")
    method: Mapped[str] = mapped_column(String(20), default="")
    officers: Mapped[str] = mapped_column(String(100), default="")
    approved_by: Mapped[str] = mapped_column(String(64), default="")
    approver_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A freeze's expiry warning was sent for its current term (cleared by a renewal).
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    receipt_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Trace(Base):
    """A victim's money located at an account: directly paid (hop 0) or reported moved on (hop n)."""

    __tablename__ = "funds_traces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    victim_id: Mapped[int] = mapped_column(ForeignKey("funds_victims.id"))
    account_token: Mapped[str] = mapped_column(String(64), index=True)
    hop: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("funds_transfers.id"), nullable=True)
    via_id: Mapped[int | None] = mapped_column(ForeignKey("funds_instructions.id"), nullable=True)


class Onward(Base):
    """An onward transfer an institution reported in its stop-payment receipt (Art 35¶2)."""

    __tablename__ = "funds_onward"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("funds_instructions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    account_kind: Mapped[str] = mapped_column(String(32))
    account_token: Mapped[str] = mapped_column(String(64))
    account_masked: Mapped[str] = mapped_column(String(200))
    account_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    traced_fen: Mapped[int] = mapped_column(BigInteger)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("funds_instructions.id"), nullable=True)


class Verification(Base):
    """Art 19¶3: the outcome of verifying a stop-payment or freeze."""

    __tablename__ = "funds_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("funds_instructions.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    release_id: Mapped[int | None] = mapped_column(ForeignKey("funds_instructions.id"), nullable=True)


class ReturnShare(Base):
    """One victim's share of a return instruction."""

    __tablename__ = "funds_return_shares"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("funds_instructions.id"), index=True)
    victim_id: Mapped[int] = mapped_column(ForeignKey("funds_victims.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class PublicNotice(Base):
    """The 30-day public notice before a pro-rata return (shown on the public page; no personal data)."""

    __tablename__ = "funds_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    freeze_id: Mapped[int] = mapped_column(ForeignKey("funds_instructions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Objection(Base):
    """An objection lodged against a pro-rata return notice during its 30 days; the police decide it."""

    __tablename__ = "funds_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("funds_notices.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    freeze_id: Mapped[int] = mapped_column(ForeignKey("funds_instructions.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone_token: Mapped[str] = mapped_column(String(64))
    phone_masked: Mapped[str] = mapped_column(String(200))
    phone_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    grounds: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending, upheld, dismissed
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TreasuryPayment(Base):
    """Art 35¶3: unclaimed money of a freeze registered and paid to the treasury (上缴国库)."""

    __tablename__ = "funds_treasury"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    freeze_id: Mapped[int] = mapped_column(ForeignKey("funds_instructions.id"), unique=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("funds_notices.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    investigation_ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(500))
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TreasuryRefund(Base):
    """Art 35¶3: a refund from the treasury to a claimant found later (依法及时办理退还手续)."""

    __tablename__ = "funds_treasury_refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    treasury_id: Mapped[int] = mapped_column(ForeignKey("funds_treasury.id"), index=True)
    claimant: Mapped[str] = mapped_column(String(50))
    account_kind: Mapped[str] = mapped_column(String(32))
    account_token: Mapped[str] = mapped_column(String(64))
    account_masked: Mapped[str] = mapped_column(String(200))
    account_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FreezeRenewal(Base):
    """A renewal (续冻) of a freeze in force, approved by the head like the freeze (Art 19¶1)."""

    __tablename__ = "funds_renewals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("funds_instructions.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending_approval, approved, refused, lapsed
    reason: Mapped[str] = mapped_column(String(500), default="")
    requested_by: Mapped[str] = mapped_column(String(64))
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    # The freeze's end before and (once approved) after this renewal.
    expires_before: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TraceLead(Base):
    """A stop-payment lead the tracing engine proposes on an account still holding victims' money."""

    __tablename__ = "funds_trace_leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("funds_cases.id"), index=True)
    run: Mapped[str] = mapped_column(String(32))  # the trace run that proposed it
    dataset: Mapped[str] = mapped_column(String(64))
    # Whose uploaded transactions it came from (None: the platform's own data).
    source_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    account_kind: Mapped[str] = mapped_column(String(32))
    account_token: Mapped[str] = mapped_column(String(64), index=True)
    account_masked: Mapped[str] = mapped_column(String(200))
    account_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    hop: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # the victims' money the trace locates there
    victims: Mapped[str] = mapped_column(Text)  # JSON: [{victim_id, amount_fen, arrived_at}]
    status: Mapped[str] = mapped_column(String(20))  # proposed | accepted | dismissed | superseded
    instruction_id: Mapped[int | None] = mapped_column(ForeignKey("funds_instructions.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
