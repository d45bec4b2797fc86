"""API models of the funds area (separate from the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fanzha.funds.domain import MAX_FEN, Channel, Method, Outcome, ScamType, Verdict
from fanzha.identifiers import IdentifierKind

Fen = Field(ge=1, le=MAX_FEN)
AccountKind = Literal[IdentifierKind.BANK_CARD, IdentifierKind.PAYMENT_ACCOUNT]


class TransferIn(BaseModel):
    """A victim's payment: when, how much (fen), from which account to which, by which channel."""

    model_config = ConfigDict(extra="forbid")

    at: datetime
    amount_fen: int = Fen
    channel: Channel
    payer_kind: AccountKind
    payer: str = Field(min_length=1, max_length=200)
    payee_kind: AccountKind
    payee: str = Field(min_length=1, max_length=200)


class VictimIn(BaseModel):
    """A victim, the loss and the account designated for returns (Art 35¶2)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    loss_fen: int = Fen
    account_kind: AccountKind
    account: str = Field(min_length=1, max_length=200)
    transfers: list[TransferIn] = Field(min_length=1, max_length=200)
    # The victim's mobile number: the status page sends its one-time code there (item 8).
    phone: str | None = Field(default=None, min_length=1, max_length=40)


class CaseCreate(BaseModel):
    """A case reported by the police, with its victims and their transfers."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9\-]+$")
    scam_type: ScamType
    summary: str = Field(min_length=2, max_length=1000)
    victims: list[VictimIn] = Field(min_length=1, max_length=500)


class VictimReportCreate(BaseModel):
    """A victim's own report on the portal: the code sent to the phone, the loss, the transfers."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=5, max_length=40)
    otp: str = Field(min_length=4, max_length=10)
    name: str = Field(min_length=1, max_length=50)
    scam_type: ScamType
    summary: str = Field(min_length=2, max_length=1000)
    loss_fen: int = Fen
    account_kind: AccountKind
    account: str = Field(min_length=1, max_length=200)
    transfers: list[TransferIn] = Field(min_length=1, max_length=50)


class VictimReportAccepted(BaseModel):
    """The report's number; the police confirm it before acting."""

    number: str
    status: Literal["awaiting_confirmation"] = "awaiting_confirmation"
    message_zh: str = "报案已提交，公安机关确认后将依法处置；可凭手机验证码查询进展。"
    message_en: str = "Report received; the police will act once they confirm it. Check progress with a code."


class IntakeConfirmRead(BaseModel):
    """A case the police confirmed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    org_id: int
    source: str
    confirmed_at: datetime | None
    confirmed_by: str


class TreasuryCreate(BaseModel):
    """Art 35¶3: pay a freeze's unclaimed money to the treasury after the investigation ended."""

    model_config = ConfigDict(extra="forbid")

    investigation_ended_at: datetime
    reason: str = Field(min_length=2, max_length=500)


class TreasuryRead(BaseModel):
    """A treasury payment and what was refunded from it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    freeze_id: int
    notice_id: int
    amount_fen: int
    refunded_fen: int
    investigation_ended_at: datetime
    registered_by: str
    registered_at: datetime


class TreasuryRefundCreate(BaseModel):
    """Art 35¶3: a refund to a claimant found after the payment to the treasury."""

    model_config = ConfigDict(extra="forbid")

    claimant: str = Field(min_length=1, max_length=50)
    account_kind: AccountKind
    account: str = Field(min_length=1, max_length=200)
    amount_fen: int = Fen
    reason: str = Field(min_length=2, max_length=500)


class TreasuryRefundRead(BaseModel):
    """A refund from the treasury (the account masked)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    treasury_id: int
    claimant: str
    account_masked: str
    amount_fen: int
    decided_by: str
    decided_at: datetime


class TransferRead(BaseModel):
    """A transfer with its accounts masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    victim_id: int
    at: datetime
    amount_fen: int
    channel: str
    payer_kind: str
    payer_masked: str
    payee_kind: str
    payee_token: str
    payee_masked: str


class VictimRead(BaseModel):
    """A victim with the return account masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    loss_fen: int
    account_kind: str
    account_masked: str
    returned_fen: int = 0


class CaseRead(BaseModel):
    """A case's heading."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    org_id: int
    scam_type: str
    summary: str
    created_at: datetime


class InstructionRead(BaseModel):
    """An instruction as the police and its institution see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    kind: str
    status: str
    org_id: int | None
    issuer_org_id: int
    account_kind: str
    account_token: str
    account_masked: str
    account_name: str
    hop: int
    parent_id: int | None
    target_id: int | None
    amount_fen: int
    result_fen: int
    scope: str
    include_interest: bool
    term_months: int
    extensions: int
    reason: str
    method: str
    officers: str
    approved_by: str
    approved_at: datetime | None
    due_at: datetime | None
    escalated: bool
    starts_at: datetime | None
    expires_at: datetime | None
    answered_at: datetime | None
    receipt_reason: str
    created_at: datetime


class TraceRead(BaseModel):
    """Money of a victim located at an account."""

    model_config = ConfigDict(from_attributes=True)

    victim_id: int
    account_token: str
    hop: int
    amount_fen: int
    arrived_at: datetime
    via_id: int | None


class OnwardRead(BaseModel):
    """An onward transfer reported by an institution (an edge of the money graph)."""

    model_config = ConfigDict(from_attributes=True)

    instruction_id: int
    at: datetime
    amount_fen: int
    account_kind: str
    account_token: str
    account_masked: str
    traced_fen: int
    lead_id: int | None


class CaseDetail(BaseModel):
    """A case with victims, transfers, instructions, traces and the onward transfers."""

    case: CaseRead
    victims: list[VictimRead]
    transfers: list[TransferRead]
    instructions: list[InstructionRead]
    traces: list[TraceRead]
    onward: list[OnwardRead]


class StopCreate(BaseModel):
    """Stop-payment on a transfer's receiving account; routed unless org_id is given."""

    model_config = ConfigDict(extra="forbid")

    org_id: int | None = Field(default=None, ge=1)
    reason: str = Field(default="紧急止付", min_length=2, max_length=500)


class OnwardIn(BaseModel):
    """A transfer out of the stopped account that the institution reports."""

    model_config = ConfigDict(extra="forbid")

    kind: AccountKind
    value: str = Field(min_length=1, max_length=200)
    amount_fen: int = Fen
    at: datetime


class ReceiptCreate(BaseModel):
    """The institution's answer: outcome, amount (held, frozen, released, returned), onward transfers."""

    # Titled apart from disposal's ReceiptCreate: generated clients name their models by title.
    model_config = ConfigDict(extra="forbid", title="FundsReceiptCreate")

    outcome: Outcome
    amount_fen: int | None = Field(default=None, ge=1, le=MAX_FEN)
    reason: str = Field(default="", max_length=500)
    onward: list[OnwardIn] = Field(default_factory=list, max_length=200)


class FreezeCreate(BaseModel):
    """A freeze request: account, holder's name, amount, term, scope and interest."""

    model_config = ConfigDict(extra="forbid")

    case_id: int = Field(ge=1)
    kind: AccountKind
    value: str = Field(min_length=1, max_length=200)
    account_name: str = Field(min_length=1, max_length=100)
    amount_fen: int = Fen
    term_months: int = Field(default=6, ge=1, le=120)
    scope: Literal["amount", "balance"] = "amount"
    include_interest: bool = False
    org_id: int | None = Field(default=None, ge=1)
    reason: str = Field(default="冻结涉案资金", min_length=2, max_length=500)


class Approval(BaseModel):
    """The head's decision on a freeze."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: str = Field(default="", max_length=500)


class RouteLead(BaseModel):
    """The institution the police name for a lead no routing table knew."""

    model_config = ConfigDict(extra="forbid")

    org_id: int = Field(ge=1)


class Withdrawal(BaseModel):
    """Why the police prune a branch of the money's path."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500)


class Renewal(BaseModel):
    """A renewal's term (the rule checks the six-month bound and names Art 19¶1) and its grounds."""

    model_config = ConfigDict(extra="forbid")

    term_months: int = Field(default=6, ge=1, le=120)
    reason: str = Field(default="", max_length=500)


class RenewalRead(BaseModel):
    """A renewal (续冻) of a freeze and the head's decision on it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    instruction_id: int
    case_id: int
    months: int
    status: str
    reason: str
    requested_by: str
    requester_org_id: int
    requested_at: datetime
    decided_by: str
    decider_org_id: int | None
    decided_at: datetime | None
    decision_reason: str
    expires_before: datetime
    expires_after: datetime | None


class VerificationCreate(BaseModel):
    """Art 19¶3: continue, release or return, with reasons and when the facts were found."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    reason: str = Field(min_length=2, max_length=500)
    found_at: datetime | None = None


class VerificationRead(BaseModel):
    """A recorded verification outcome."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    instruction_id: int
    verdict: str
    reason: str
    found_at: datetime
    decided_by: str
    decided_at: datetime
    release_id: int | None


class ReturnCreate(BaseModel):
    """A return from a frozen account: the method and the two officers who sign it."""

    model_config = ConfigDict(extra="forbid")

    method: Method
    officers: list[str] = Field(min_length=2, max_length=2)


class ShareRead(BaseModel):
    """A victim's share of a return."""

    model_config = ConfigDict(from_attributes=True)

    victim_id: int
    amount_fen: int


class ReturnRead(BaseModel):
    """A return instruction and its shares."""

    instruction: InstructionRead
    shares: list[ShareRead]


class NoticeRead(BaseModel):
    """A public notice before a pro-rata return."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    freeze_id: int
    text: str
    published_at: datetime
    ends_at: datetime


class InboxDetail(BaseModel):
    """An institution's instruction with the raw account number it must act on (audited)."""

    instruction: InstructionRead
    account_value: str
    shares: list[ShareRead]
    return_accounts: dict[str, str]


class SweepRead(BaseModel):
    """What a sweep did."""

    overdue: int
    lapsed: int
    promoted: int


class VictimOtpRequest(BaseModel):
    """A victim asks for a one-time code by SMS to the phone recorded at intake."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=3, max_length=32)


class VictimStatusQuery(BaseModel):
    """The phone and the SMS code; the code is used up by this view."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=3, max_length=32)
    otp: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")


class PaidRead(BaseModel):
    """A transfer the victim reported (the receiving account masked)."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    amount_fen: int
    channel: str
    payee_masked: str


class MeasureRead(BaseModel):
    """A stop-payment or freeze of the case: requested, held or frozen (`held_fen`), since and until."""

    model_config = ConfigDict(from_attributes=True, title="FundsMeasureRead")

    kind: str
    status: str
    account_masked: str
    amount_fen: int
    held_fen: int
    since: datetime | None
    until: datetime | None


class ReturnedRead(BaseModel):
    """The victim's share of a return: ordered, and returned by the bank."""

    model_config = ConfigDict(from_attributes=True)

    amount_fen: int
    status: str
    ordered_at: datetime
    returned_at: datetime | None


class VictimCaseRead(BaseModel):
    """One of the victim's cases: loss, held, frozen, returned, with the details."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    scam_type: str
    loss_fen: int
    held_fen: int
    frozen_fen: int
    returned_fen: int
    transfers: list[PaidRead]
    measures: list[MeasureRead]
    returns: list[ReturnedRead]


class VictimStatus(BaseModel):
    """The proven phone (masked) and its cases; nothing about other victims."""

    phone_masked: str
    cases: list[VictimCaseRead]


class ObjectionCreate(BaseModel):
    """An objection to a return notice: who, a contact phone, the grounds."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(min_length=3, max_length=32)
    grounds: str = Field(min_length=2, max_length=2000)


class ObjectionPublic(BaseModel):
    """What the objector is told: received, and under which notice."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    notice_id: int
    status: str
    created_at: datetime


class ObjectionRead(BaseModel):
    """An objection for the police (the phone masked)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    notice_id: int
    case_id: int
    freeze_id: int
    name: str
    phone_masked: str
    grounds: str
    status: str
    decision_reason: str
    decided_by: str
    decided_at: datetime | None
    created_at: datetime


class ObjectionDecision(BaseModel):
    """Uphold (the notice closes) or dismiss, with the reason."""

    model_config = ConfigDict(extra="forbid")

    upheld: bool
    reason: str = Field(min_length=2, max_length=500)
