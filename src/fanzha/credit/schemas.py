"""Request and response bodies of the serious-dishonesty list's API (Art 29)."""

from __future__ import annotations

import json
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from fanzha.credit.domain import Ground, SubjectKind
from fanzha.credit.tables import Listing


class ListingCreate(BaseModel):
    """A determination: the subject, the ground (办法第三条), the counts, the evidence and the facts."""

    model_config = ConfigDict(extra="forbid")

    subject_kind: SubjectKind = SubjectKind.PERSON
    subject_id: str = Field(max_length=32, description="居民身份证号或统一社会信用代码 / ID number or USCC")
    subject_name: str = Field(default="", max_length=200, description="单位名称 / the unit's name")
    ground: Ground
    items: int = Field(default=0, ge=0, le=100_000, description="张(个)数 / items")
    times: int = Field(default=0, ge=0, le=100_000, description="次数 / times")
    counterparties: int = Field(default=0, ge=0, le=100_000, description="对象数 / counterparties")
    evidence: list[str] = Field(default_factory=list, max_length=50)
    basis: str = Field(max_length=1000)
    term_months: int | None = Field(default=None, description="短于法定期限时填写 / a shorter term")


class ListingDecision(BaseModel):
    """Approve or refuse, with the reason."""

    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: str = Field(max_length=500)


class ListingRead(BaseModel):
    """A listing as police see it (the subject by mask and token only)."""

    id: int
    number: str
    subject_kind: str
    subject_token: str
    subject_masked: str
    subject_name: str
    ground: str
    items: int
    times: int
    counterparties: int
    evidence: list[str]
    basis: str
    deciding_org_id: int
    proposed_by: str
    status: str
    approved_by: str
    decision_reason: str
    starts_at: datetime | None
    ends_at: datetime | None
    chain_start: datetime | None
    lift_reason: str

    @classmethod
    def of(cls, row: Listing) -> ListingRead:
        """From a table row."""
        return cls(
            id=row.id,
            number=row.number,
            subject_kind=row.subject_kind,
            subject_token=row.subject_token,
            subject_masked=row.subject_masked,
            subject_name=row.subject_name,
            ground=row.ground,
            items=row.facts_items,
            times=row.facts_times,
            counterparties=row.facts_counterparties,
            evidence=json.loads(row.evidence),
            basis=row.basis,
            deciding_org_id=row.deciding_org_id,
            proposed_by=row.proposed_by,
            status=row.status,
            approved_by=row.approved_by,
            decision_reason=row.decision_reason,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            chain_start=row.chain_start,
            lift_reason=row.lift_reason,
        )


class ListingOrderRead(BaseModel):
    """An order carrying or lifting a measure, with its receipt status."""

    role: str
    order_id: int
    org_id: int
    measure: str
    article: str
    status: str
    receipt_reason: str
    due_at: datetime


class ListingEventRead(BaseModel):
    """One step of a listing's history."""

    at: datetime
    actor: str
    status_from: str
    status_to: str


class ListingDetail(BaseModel):
    """A listing with its orders and history."""

    listing: ListingRead
    orders: list[ListingOrderRead]
    events: list[ListingEventRead]


class ListingPage(BaseModel):
    """A page of listings, newest first; `next_cursor` goes in `before`."""

    items: list[ListingRead]
    next_cursor: int | None


class CheckRequest(BaseModel):
    """A counter check: the keyed token of the person's ID number (institutions never send the number)."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(pattern=r"^[0-9a-f]{64}$")


class CheckResult(BaseModel):
    """Whether the person is listed now (no new accounts or cards, AFL 31¶2 暂停新业务、限制入网)."""

    listed: bool


class ReleaseNotice(BaseModel):
    """Art 37¶1: the justice department's notice of a person released after a fraud-related sentence."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(max_length=32, description="居民身份证号 / resident ID number")
    offence: str = Field(min_length=2, max_length=200, description="罪名 / the offence")
    judgment_ref: str = Field(min_length=2, max_length=200, description="判决书编号 / judgment")
    released_on: date
    region_code: str = Field(min_length=6, max_length=6, description="户籍地区划代码 / home region")


class ReleaseAccepted(BaseModel):
    """What the justice department learns back: that the notice was taken, nothing about the person."""

    id: int
    police_org_id: int


class OffenderRead(BaseModel):
    """A released person as the home police unit sees them, with the listing in force (term, measures)."""

    id: int
    person_masked: str
    person_token: str
    offence: str
    judgment_ref: str
    released_on: str
    region_code: str
    closed_at: datetime | None
    report: str
    listing_number: str | None
    listing_status: str | None
    listing_ends_at: datetime | None
    measures: list[str]


class TaskClose(BaseModel):
    """Close a task with what was done."""

    model_config = ConfigDict(extra="forbid")

    report: str = Field(min_length=2, max_length=1000)
