"""HTTP API of leak-source analysis (Art 26): ranked candidates and the leak-report workflow."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from fanzha.identity.domain import Permission, Principal
from fanzha.leaks.service import LeakService, ReportInput
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/leaks", tags=["leaks"])
Worker = Annotated[Principal, Depends(authorize(Permission.LEAK_WORK))]


class CandidateRead(BaseModel):
    """A candidate source: victims' share against population share, lift, and the chance odds."""

    party_id: str
    party_kind: str
    party_name: str
    customers: int
    victims: int
    victim_share: float
    population_share: float
    lift: float
    excess_victims: float
    log10_p: float
    significant: bool


class CandidatePage(BaseModel):
    """Candidates strongest first; `available` is false without analysis files."""

    available: bool
    items: list[CandidateRead]


class ReportCreate(BaseModel):
    """A suspected leak source, usually a candidate of the ranking."""

    model_config = ConfigDict(extra="forbid")

    party_id: str = Field(max_length=100)
    party_kind: str = Field(
        max_length=20, description="merchant | courier | platform | school | hospital | other"
    )
    party_name: str = Field(max_length=200)
    victims: int = Field(default=0, ge=0)
    victim_share: float = Field(default=0.0, ge=0.0, le=1.0)
    population_share: float = Field(default=0.0, ge=0.0, le=1.0)
    note: str = Field(default="", max_length=1000)


class LeakStatusChange(BaseModel):
    """suspected → referred → confirmed | dismissed, with a note."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(max_length=20, description="referred | confirmed | dismissed")
    note: str = Field(default="", max_length=1000)


class ReportRead(BaseModel):
    """A leak report."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    party_id: str
    party_kind: str
    party_name: str
    victims: int
    victim_share_bp: int
    population_share_bp: int
    lift_x100: int
    note: str
    status: str
    status_note: str
    created_by: str
    created_at: datetime
    updated_at: datetime


def leaks_of(request: Request) -> LeakService:
    """The leak service wired into this app."""
    service = platform_of(request).leaks
    assert service is not None, "build_platform wires leaks"
    return service


def candidate_page(service: LeakService, principal: Principal, top: int) -> CandidatePage:
    """The ranking as the API and the console show it."""
    ranked = service.candidates(principal, top)
    return CandidatePage(
        available=ranked is not None, items=[CandidateRead(**asdict(c)) for c in ranked or []]
    )


@router.get("/candidates", response_model=CandidatePage)
def candidates(
    request: Request, principal: Worker, top: Annotated[int, Query(ge=1, le=200)] = 20
) -> CandidatePage:
    """Parties whose customers are victims far beyond their share of the population."""
    return candidate_page(leaks_of(request), principal, top)


@router.get("/reports", response_model=list[ReportRead])
def reports(request: Request, principal: Worker) -> list[ReportRead]:
    """Leak reports, newest first."""
    return [ReportRead.model_validate(r) for r in leaks_of(request).reports(principal)]


@router.post("/reports", response_model=ReportRead, status_code=201)
def create(request: Request, body: ReportCreate, principal: Worker) -> ReportRead:
    """Record a suspected leak source."""
    return ReportRead.model_validate(leaks_of(request).report(principal, ReportInput(**body.model_dump())))


@router.post("/reports/{leak_report_id}/status", response_model=ReportRead)
def move(request: Request, leak_report_id: int, body: LeakStatusChange, principal: Worker) -> ReportRead:
    """Refer, confirm or dismiss a report."""
    row = leaks_of(request).move(principal, leak_report_id, body.status, body.note)
    return ReportRead.model_validate(row)
