"""API models of appeals."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from fanzha.identifiers import IdentifierKind


class AppealCreate(BaseModel):
    """The public portal's appeal: the notice's code or phone and SMS code (Art 34¶2), facts and reasons."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "K7M2Q9XA",
                    "facts": "本人为快递员，因工作需要每日拨打大量电话",
                    "reasons": "号码为本人实名使用，请求恢复",
                }
            ]
        },
    )

    code: str | None = Field(default=None, min_length=8, max_length=20)
    phone: str | None = Field(default=None, min_length=3, max_length=32)
    otp: str | None = Field(default=None, min_length=6, max_length=6)
    # With phone and otp: the object appealed (a card, an account) whose holder registered that phone.
    kind: IdentifierKind | None = None
    value: str | None = Field(default=None, max_length=2048)
    facts: str = Field(min_length=5, max_length=5000)
    reasons: str = Field(min_length=2, max_length=5000)
    documents: list[str] = Field(default_factory=list, max_length=20)


class OtpRequest(BaseModel):
    """Ask for a one-time code by SMS to prove control of the number (Art 34¶2)."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=3, max_length=32)


class OtpAccepted(BaseModel):
    """The same neutral answer whether or not a measure is in force on the number."""

    status: str = "accepted"
    message_zh: str
    message_en: str
    valid_minutes: int


class AttachmentRead(BaseModel):
    """An attachment as listed (never its content)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime


class AttachmentsAdded(BaseModel):
    """What the appellant added to their appeal."""

    number: str
    attachments: list[AttachmentRead]


class AppealStatusQuery(BaseModel):
    """Follow an appeal by its number."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=8, max_length=20)


class AppealPublic(BaseModel):
    """All the portal shows of an appeal: number, status, the reason once decided."""

    number: str
    status: str
    status_zh: str
    object_masked: str
    decision_reason: str
    submitted_at: datetime
    due_at: datetime
    decided_at: datetime | None


class AppealRead(BaseModel):
    """An appeal as the deciding unit sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    deciding_org_id: int
    object_kind: str
    object_token: str
    object_masked: str
    facts: str
    reasons: str
    documents: str
    status: str
    due_at: datetime
    decision_reason: str
    decided_by: str
    decided_at: datetime | None
    institutions_fulfilled: bool
    created_at: datetime


class AppealDetail(BaseModel):
    """An appeal with every order on its object and whether it is overdue."""

    appeal: AppealRead
    overdue: bool
    order_ids: list[int]
    attachments: list[AttachmentRead] = Field(default_factory=list)


class AppealDecision(BaseModel):
    """Uphold or reject, always with the reason."""

    model_config = ConfigDict(extra="forbid")

    upheld: bool
    reason: str = Field(min_length=2, max_length=1000)
    institutions_fulfilled: bool = True


class DecisionResult(BaseModel):
    """The decided appeal and the release orders it sent."""

    appeal: AppealRead
    release_order_ids: list[int]
