"""API models of the tracing engine's stop-payment leads (separate from the tables)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from fanzha.funds.domain import MAX_FEN


class TraceRunCreate(BaseModel):
    """Trace a case's confirmed transfers through a transactions dataset (the platform's or an institution's
    upload) and propose stop-payment leads where the victims' money still is (Art 35¶2)."""

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=1, max_length=64)
    # The institution whose uploaded dataset it is; absent: the platform's own data.
    org_id: int | None = Field(default=None, ge=1)
    hops: int | None = Field(default=None, ge=1, le=100)  # the engine's bound is checked, cited
    min_fen: int = Field(default=1, ge=1, le=MAX_FEN)


class LeadVictim(BaseModel):
    """A victim's money the trace locates at the lead's account, and when it first arrived there."""

    victim_id: int
    amount_fen: int
    arrived_at: datetime


class LeadRead(BaseModel):
    """A stop-payment lead proposed by the tracing engine (police only)."""

    id: int
    case_id: int
    run: str
    dataset: str
    source_org_id: int | None
    account_kind: str
    account_masked: str
    hop: int
    amount_fen: int
    victims: list[LeadVictim]
    status: str
    instruction_id: int | None
    created_by: str
    created_at: datetime
    decided_by: str
    decided_at: datetime | None
    reason: str


class LeadAccept(BaseModel):
    """Accept a lead: stop-payment on its account by the normal path (org_id where no routing knows it)."""

    model_config = ConfigDict(extra="forbid")

    org_id: int | None = Field(default=None, ge=1)


class LeadDismiss(BaseModel):
    """Why the police dismiss a lead."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500)
