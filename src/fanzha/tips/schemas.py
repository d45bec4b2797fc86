"""API models of tips and rewards (names start with Tip so a generated client keeps them apart)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from fanzha.samples.domain import FraudType
from fanzha.tips.domain import TipForm, TipKind, TipOutcome, TipVerdict
from fanzha.tips.files import MAX_FILES


class TipFileUpload(BaseModel):
    """A file sent with a tip (image, recording or PDF), base64-encoded; its type is told by its content."""

    name: str = Field(default="file", max_length=200)
    content_base64: str = Field(min_length=1, max_length=7_000_000)


class TipReporterIn(BaseModel):
    """Who reports, for a named tip: sealed so that only the handling officer opens it (Art 38¶1)."""

    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(default="", max_length=20)
    contact: str = Field(default="", max_length=100)


class TipSubmission(BaseModel):
    """A tip from anyone: what, where and when, the structured form's answers, files, and who (or nobody)."""

    kind: TipKind
    text: str = Field(min_length=1, max_length=4000)
    form: TipForm = TipForm.PUBLIC
    value: str = Field(default="", max_length=2048, description="The number, link, app or account reported")
    place: str = Field(default="", max_length=300)
    region_code: str = Field(default="", pattern=r"^(\d{6}(\d{3})?)?$")
    occurred_at: datetime | None = None
    details: dict[str, str] = Field(default_factory=dict, max_length=20)
    reporter: TipReporterIn | None = None
    files: list[TipFileUpload] = Field(default_factory=list, max_length=MAX_FILES)


class TipReceiptRead(BaseModel):
    """The answer to a tip: the receipt code to follow it, shown this once (only its hash is kept)."""

    number: str
    receipt_code: str
    status: str
    status_zh: str
    files: int
    message_zh: str
    message_en: str


class TipCodeQuery(BaseModel):
    """A receipt code, posted (never in an address or a log)."""

    receipt_code: str = Field(min_length=1, max_length=40)


class TipAnswerIn(BaseModel):
    """The reporter's answer to the officer's questions."""

    receipt_code: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=4000)


class TipClaimIn(BaseModel):
    """The reporter claims an approved reward: who is paid and the account to pay into (sealed)."""

    receipt_code: str = Field(min_length=1, max_length=40)
    payee_name: str = Field(min_length=1, max_length=50)
    payee_account: str = Field(min_length=1, max_length=100)


class TipMessageRead(BaseModel):
    """A question from the officer or an answer from the reporter."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    author: Literal["officer", "reporter"]
    text: str
    at: datetime


class TipRewardPublic(BaseModel):
    """The reward as the reporter sees it."""

    amount: int
    status: str
    status_zh: str


class TipPublicRead(BaseModel):
    """What the receipt code shows: the state, the questions and answers, the reward; nothing of others."""

    number: str
    kind: str
    status: str
    status_zh: str
    outcome: str
    outcome_zh: str
    submitted_at: datetime
    messages: list[TipMessageRead]
    reward: TipRewardPublic | None


class TipRead(BaseModel):
    """A tip as its unit sees it; the reporter is never in it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    kind: str
    form: str
    text: str
    details: dict[str, str]
    identifier_kind: str
    identifier_masked: str
    place: str
    region_code: str
    occurred_at: datetime | None
    duplicate_of: int | None
    sample_id: int | None
    unit_org_id: int
    route_reason: str
    officer_name: str
    status: str
    outcome: str
    outcome_reason: str
    outcome_ref: str
    warning_id: int | None = None
    case_id: int | None = None
    anonymous: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @field_validator("details", mode="before")
    @classmethod
    def _json(cls, value: object) -> object:
        return orjson.loads(value) if isinstance(value, str) else value


class TipFileRead(BaseModel):
    """A file of a tip (no content)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime


class TipEventRead(BaseModel):
    """One step of a tip's history."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    detail: str


class TipRewardRead(BaseModel):
    """A reward as the handling unit sees it (the payee stays sealed)."""

    model_config = ConfigDict(from_attributes=True)

    amount: int
    outcome: str
    reason: str
    status: str
    decided_by: str
    decided_at: datetime
    approved_by: str
    approval_reason: str
    approved_at: datetime | None
    claimed_at: datetime | None
    paid_by: str
    payment_ref: str
    paid_at: datetime | None


class TipDetailRead(BaseModel):
    """A tip with its files, messages, history, reward and the tips naming the same object."""

    tip: TipRead
    unit_name: str
    files: list[TipFileRead]
    messages: list[TipMessageRead]
    events: list[TipEventRead]
    reward: TipRewardRead | None
    repeats: list[int]


class TipQuestionIn(BaseModel):
    """The officer's question to the reporter."""

    text: str = Field(min_length=1, max_length=2000)


class TipRouteIn(BaseModel):
    """Send the tip to another police unit, with the reason."""

    org_id: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=200)


class TipVerdictIn(BaseModel):
    """The officer's finding and what the tip led to, with the reason."""

    verdict: TipVerdict
    outcome: TipOutcome
    reason: str = Field(min_length=1, max_length=1000)
    fraud_type: FraudType = FraudType.OTHER
    reference: str = Field(default="", max_length=100)
    duplicate_of: int | None = Field(default=None, ge=1)
    person_id_number: str = Field(default="", max_length=40)
    person_phone: str = Field(default="", max_length=40)


class TipRewardIn(BaseModel):
    """The reward proposed for a verified tip, in yuan, within the published standard (Art 38¶2)."""

    amount: int = Field(ge=1, le=100_000_000)
    reason: str = Field(min_length=1, max_length=500)


class TipRewardApprovalIn(BaseModel):
    """A commander's approval or refusal of the reward."""

    approve: bool
    reason: str = Field(min_length=1, max_length=500)


class TipPaymentIn(BaseModel):
    """The payment of a claimed reward: its reference."""

    reference: str = Field(min_length=1, max_length=100)


class TipReporterRead(BaseModel):
    """The sealed reporter, opened for the handling officer (audited)."""

    anonymous: bool
    name: str
    phone: str
    contact: str
    payee: dict[str, str] | None


class TipRewardTier(BaseModel):
    """One band of the published reward standard."""

    outcome: str
    low: int
    high: int
    zh: str
    en: str


class TipRewardStandardRead(BaseModel):
    """The published reward standard and the ways to report (Art 38¶2)."""

    basis: str
    tiers: list[TipRewardTier]
    ways_zh: list[str]


class TipCommendationIn(BaseModel):
    """A commendation of a unit or a person (Art 38¶3)."""

    subject_kind: Literal["unit", "person"]
    name: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=1000)
    tip_id: int | None = Field(default=None, ge=1)


class TipCommendationRead(BaseModel):
    """A recorded commendation."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_kind: str
    name: str
    reason: str
    tip_id: int | None
    decided_by: str
    org_id: int
    at: datetime
