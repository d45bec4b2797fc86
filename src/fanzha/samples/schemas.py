"""API models of the sample library."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from fanzha.samples.domain import FraudType, RiskLevel, SampleStatus

KindName = Literal[
    "phone",
    "bank_card",
    "payment_account",
    "internet_account",
    "url",
    "domain",
    "app",
    "imei",
    "ip",
    "wallet",
    "resident_id",
]


class SamplePublish(BaseModel):
    """Publish (police) or report (institution) one identifier as a fraud sample."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "phone", "value": "13812345678", "fraud_type": "fake_customer_service",
                 "confidence": 90, "evidence": "受害人报案：冒充快递客服", "region_code": "430104"}
            ]
        }
    )  # fmt: skip

    kind: KindName
    value: str = Field(min_length=1, max_length=2048)
    fraud_type: FraudType
    confidence: int = Field(default=80, ge=0, le=100)
    evidence: str = Field(default="", max_length=4000)
    case_ref: str = Field(default="", max_length=100)
    region_code: str | None = Field(default=None, pattern=r"^\d{6}(\d{3})?$")


class SampleRead(BaseModel):
    """A sample as institutions see it: token and mask, never the raw value."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    token: str
    masked: str
    fraud_type: FraudType
    status: SampleStatus
    confidence: int
    risk_level: RiskLevel
    region_code: str | None
    first_seen: datetime
    last_seen: datetime
    expires_at: datetime
    status_reason: str
    hits: int
    false_positives: int


class PublishResult(BaseModel):
    """What publishing did: a new sample, or a merge into an existing one."""

    sample: SampleRead
    created: bool


class SourceRead(BaseModel):
    """One report behind a sample."""

    model_config = ConfigDict(from_attributes=True)

    org_id: int
    fraud_type: str
    confidence: int
    evidence: str
    case_ref: str
    reported_at: datetime


class SightingRead(BaseModel):
    """One hit or false positive."""

    model_config = ConfigDict(from_attributes=True)

    org_id: int
    outcome: str
    note: str
    seen_at: datetime


class HistoryRead(BaseModel):
    """One change of a sample."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    change: str
    detail: str


class SampleDetail(BaseModel):
    """A sample with its sources, sightings and history."""

    sample: SampleRead
    sources: list[SourceRead]
    sightings: list[SightingRead]
    history: list[HistoryRead]
    raw_value: str | None = None
    measures_in_force: list[str] = Field(default_factory=list)


class SamplePage(BaseModel):
    """Newest first; pass `next_cursor` as `before` for the next page."""

    items: list[SampleRead]
    next_cursor: int | None


class StatusChange(BaseModel):
    """Revoke, confirm or reject, with the reason."""

    reason: str = Field(min_length=2, max_length=500)


class LookupItem(TypedDict, total=False):
    """One identifier to look up, raw (kind and value) or as a token.

    A TypedDict, not a model: validating 100,000 of them is three times faster without the instances.
    """

    kind: KindName | None
    value: Annotated[str | None, Field(max_length=2048)]
    token: Annotated[str | None, Field(pattern=r"^[0-9a-f]{64}$")]


MAX_LOOKUP_ITEMS = 100_000


class LookupRequest(BaseModel):
    """Up to 100,000 identifiers in one request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"kind": "phone", "value": "13812345678"},
                        {"kind": "url", "value": "https://fake.example"},
                    ]
                }
            ]
        }
    )

    items: list[LookupItem] = Field(min_length=1, max_length=MAX_LOOKUP_ITEMS)


class LookupResult(BaseModel):
    """The answer for one item, in request order."""

    index: int
    found: bool
    token: str | None = None
    kind: str | None = None
    sample_id: int | None = None
    status: SampleStatus | None = None
    risk_level: RiskLevel | None = None
    fraud_type: FraudType | None = None
    first_seen: datetime | None = None
    measures_in_force: list[str] = Field(default_factory=list)
    error: dict[str, str | None] | None = None


class LookupResponse(BaseModel):
    """All answers, and how many were hits."""

    results: list[LookupResult]
    hits: int


class SightingCreate(BaseModel):
    """An institution reports meeting a sample: a confirmed hit or a false positive."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"token": "ab" * 32, "outcome": "false_positive", "note": "客户为本人，已核实"}]
        }
    )

    token: str = Field(pattern=r"^[0-9a-f]{64}$")
    outcome: Literal["hit", "false_positive"]
    note: str = Field(default="", max_length=500)


class PublicCheck(BaseModel):
    """What a member of the public types into the portal."""

    kind: Literal["phone", "bank_card", "payment_account", "url", "domain", "wallet"]
    value: str = Field(min_length=1, max_length=2048)


class PublicAnswer(BaseModel):
    """Only a coarse level; nothing that lists or identifies samples."""

    level: Literal["high", "medium", "low", "unknown"]
    advice_zh: str
    advice_en: str


class SubscriptionCreate(BaseModel):
    """Which sample changes to receive, and where."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kinds": ["phone", "bank_card"],
                    "region_prefix": "4301",
                    "webhook_url": "https://bank.example/hooks/fanzha",
                }
            ]
        }
    )

    kinds: list[KindName] = Field(default_factory=list, description="empty: every kind")
    region_prefix: str = Field(default="", pattern=r"^\d{0,9}$", description="e.g. 4306 for Yueyang")
    webhook_url: str = Field(default="", max_length=500, description="empty: pull feed or NATS only")


class SubscriptionRead(BaseModel):
    """A subscription (never its secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    kinds: str
    region_prefix: str
    webhook_url: str
    active: int
    created_at: datetime


class SubscriptionCreated(BaseModel):
    """The subscription and, once only, the webhook signing secret."""

    subscription: SubscriptionRead
    secret: str | None
    standard_secret: str | None = Field(
        default=None, description="the same secret for Standard Webhooks verifiers (whsec_…)"
    )


class DeliveryHealth(BaseModel):
    """How deliveries to one subscription are going."""

    subscription: SubscriptionRead
    position: int
    lag: int
    delivered: int
    failures: int
    last_error: str
    updated_at: datetime | None
    dead_letters: int

    @classmethod
    def from_health(cls, health: object) -> DeliveryHealth:
        """Build from the service's Health record."""
        fields = dict(vars(health))
        fields["subscription"] = SubscriptionRead.model_validate(fields["subscription"])
        return cls.model_validate(fields)


class DeadLetterRead(BaseModel):
    """An event set aside after repeated refusals."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    position: int
    event_id: str
    attempts: int
    last_error: str
    created_at: datetime
    replayed_at: datetime | None


class EvidenceRead(BaseModel):
    """An evidence file of a sample as listed (never its content)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sample_id: int
    org_id: int
    name: str
    media_type: str
    size: int
    sha256: str
    created_at: datetime
