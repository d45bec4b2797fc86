"""API models of disposal (separate from the tables)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fanzha.disposal.domain import Measure, OrderStatus, RiskLevel, Trigger, Verification
from fanzha.identifiers import IdentifierKind


class OrderCreate(BaseModel):
    """Issue an order on an object, given raw or as a sample; without org_id it is routed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "phone", "value": "13812345678", "measure": "reverify",
                 "reason": "一日内外呼陌生号码百余次", "risk_level": "high"}
            ]
        },
    )  # fmt: skip

    kind: IdentifierKind | None = None
    value: str | None = Field(default=None, max_length=2048)
    sample_id: int | None = Field(default=None, ge=1)
    org_id: int | None = Field(default=None, ge=1)
    measure: Measure
    # What gives rise to the order; omitted: a notified sample with sample_id, else a monitoring alert.
    trigger: Trigger | None = None
    # Art 13, 18¶3: sets the re-verification deadline and the measure after a failed or late one.
    risk_level: RiskLevel = RiskLevel.MEDIUM
    # Art 29, AFL 31¶2: the determination a joint-punishment order rests on.
    basis: str = Field(default="", max_length=500)
    reason: str = Field(min_length=2, max_length=500)
    evidence_ref: str = Field(default="", max_length=200)
    confidential: bool = False

    @model_validator(mode="after")
    def _one_object(self) -> OrderCreate:
        if (self.sample_id is None) == (self.value is None or self.kind is None):
            raise ValueError("give either sample_id, or kind and value")
        return self


class OrderRead(BaseModel):
    """An order as its institution and the police see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    issuer_org_id: int
    sample_id: int | None
    object_kind: str
    object_token: str
    object_masked: str
    measure: str
    article: str
    trigger: str
    risk_level: str
    basis: str
    reason: str
    evidence_ref: str
    confidential: bool
    status: str
    escalation: str
    due_at: datetime
    releases_order_id: int | None
    appeal_id: int | None
    verification: str | None
    receipt_reason: str
    created_at: datetime
    closed_at: datetime | None


class OrderBatch(BaseModel):
    """The orders one request issued."""

    items: list[OrderRead]


class OrderPage(BaseModel):
    """A page of orders, newest first; pass next_cursor as `before` for the next page."""

    items: list[OrderRead]
    next_cursor: int | None


class OrderEventRead(BaseModel):
    """One step of an order's timeline."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    status_from: str
    status_to: str
    detail: str


class OrderDetail(BaseModel):
    """An order with its timeline; the raw object for the institution that must act and for police."""

    order: OrderRead
    events: list[OrderEventRead]
    object_value: str | None
    # Art 34¶1: the notice the institution delivers to the person, with the appeal code (its own orders).
    notice_text: str | None = None


class ReceiptCreate(BaseModel):
    """An institution's answer: acknowledged, executed, object_not_found or refused (with reason)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "executed", "reason": "", "notice_delivered": True}]},
    )

    status: OrderStatus
    reason: str = Field(default="", max_length=500)
    verification: Verification | None = None
    # Art 34¶1: the institution delivered the order's notice (required with "executed" when it delivers).
    notice_delivered: bool = False


class MeasureRead(BaseModel):
    """One entry of the measure catalogue."""

    kind: str
    measure: str
    label_zh: str
    label_en: str
    institution: str
    trigger: str
    article: str
    grant: str
    deadline_minutes: int
    routing: str


class RouteTableRead(BaseModel):
    """A routing table's active version."""

    table: str
    version: int
    rows: int


class ResponsibleQuery(BaseModel):
    """An identifier whose responsible institutions are asked for (in the body: never in an address)."""

    model_config = ConfigDict(extra="forbid")

    kind: IdentifierKind
    value: str = Field(min_length=1, max_length=2048)


class ResponsibleRead(BaseModel):
    """Who must act on an identifier."""

    kind: str
    org_ids: list[int]


class NoticeLookup(BaseModel):
    """The public portal: a notice by its appeal code."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=8, max_length=20)


class NoticePublic(BaseModel):
    """What the person affected sees: the notice and the measures in force on their object."""

    object_kind: str
    object_masked: str
    text: str
    documents: str
    measures_in_force: int
    created_at: datetime


class BulkReceiptItem(ReceiptCreate):
    """One receipt of a batch."""

    order_id: int = Field(ge=1)


class BulkReceipts(BaseModel):
    """Receipts for many orders at once (the board's bulk action); each is applied on its own."""

    model_config = ConfigDict(extra="forbid")

    items: list[BulkReceiptItem] = Field(min_length=1, max_length=1000)


class BulkReceiptResult(BaseModel):
    """Per receipt: the order's new status, or the error that refused it (nothing changed for it)."""

    order_id: int
    ok: bool
    status: str | None = None
    error: dict[str, object] | None = None


class ObjectHistory(BaseModel):
    """Everything done to one object (police): samples, orders, notices, appeals."""

    token: str
    samples: list[dict[str, object]]
    orders: list[OrderRead]
    notices: list[dict[str, object]]
    appeals: list[dict[str, object]]


class BulkOrders(BaseModel):
    """Many orders at once (e.g. re-verification of the numbers an engine flagged, Journey 6)."""

    model_config = ConfigDict(extra="forbid")

    items: list[OrderCreate] = Field(min_length=1, max_length=1000)


class BulkOrderResult(BaseModel):
    """Per request line: the orders it issued, or the error that refused it (nothing issued for it)."""

    line: int
    ok: bool
    order_ids: list[int] = Field(default_factory=list)
    error: dict[str, object] | None = None


class TaskRead(BaseModel):
    """A police unit's task (Art 13: a number high-risk again after passing re-verification)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    sample_id: int | None
    order_id: int | None
    object_masked: str
    description: str
    due_at: datetime
    created_at: datetime
    closed_at: datetime | None
    closed_by: str
    report: str


class TaskClose(BaseModel):
    """Close a task with what was done."""

    model_config = ConfigDict(extra="forbid")

    report: str = Field(min_length=2, max_length=1000)
