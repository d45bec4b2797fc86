"""HTTP API of publicity targeting (Art 7-8): the month's victim profile, suggestions, campaign records."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from fanzha.core.errors import ValidationFailed
from fanzha.dissuasion.campaigns import CampaignInput, PublicityService
from fanzha.identity.domain import Permission, Principal
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/publicity", tags=["publicity"])
Worker = Annotated[Principal, Depends(authorize(Permission.PUBLICITY_WORK))]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; all when omitted")]


class CampaignCreate(BaseModel):
    """A campaign: the group targeted (a dimension of the profile and its value), channel, day, reach."""

    model_config = ConfigDict(extra="forbid")

    target_dimension: str = Field(max_length=20, description="region | age_band | occupation | scam_type")
    target_value: str = Field(max_length=60, description="e.g. 430500, 65+, retired, order_brushing")
    target_label: str = Field(default="", max_length=100, description="显示名称 / display name")
    channel: str = Field(max_length=20, description="sms | call | visit | lecture | poster | media | online")
    held_on: date
    reach: int = Field(ge=0, description="people reached")
    note: str = Field(default="", max_length=1000)


class CampaignRead(BaseModel):
    """A campaign record."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    target_dimension: str
    target_value: str
    target_label: str
    channel: str
    held_on: date
    reach: int
    note: str
    created_by: str
    created_at: datetime


class GroupRead(BaseModel):
    """One group of the profile: victims' share against population share."""

    dimension: str
    value: str
    label: str
    victims: int
    population: int
    victim_share: float
    population_share: float
    risk_ratio: float


class ProfileRead(BaseModel):
    """The month's profile and the groups most at risk; `available` is false without analysis files."""

    month: str | None
    available: bool
    groups: list[GroupRead]
    most_at_risk: list[GroupRead]


def publicity_of(request: Request) -> PublicityService:
    """The publicity service wired into this app."""
    service = platform_of(request).publicity
    assert service is not None, "build_platform wires publicity"
    return service


def month_of(month: str | None) -> date | None:
    """The first day of a YYYY-MM month, refused clearly when it is no month."""
    if not month:
        return None
    try:
        return date.fromisoformat(month + "-01")
    except ValueError:
        raise ValidationFailed("月份格式应为 YYYY-MM", "month must be YYYY-MM", field="month") from None


def profile_read(service: PublicityService, principal: Principal, month: str | None) -> ProfileRead:
    """The profile as the API and the console show it."""
    groups = service.profile(principal, month_of(month))
    return ProfileRead(
        month=month,
        available=groups is not None,
        groups=[GroupRead(**asdict(g)) for g in groups or []],
        most_at_risk=[GroupRead(**asdict(g)) for g in service.suggestions(groups)],
    )


@router.get("/profile", response_model=ProfileRead)
def profile(request: Request, principal: Worker, month: Month = None) -> ProfileRead:
    """Victims by region, age band, occupation and scam type, and the groups most at risk."""
    return profile_read(publicity_of(request), principal, month)


@router.get("/campaigns", response_model=list[CampaignRead])
def campaigns(request: Request, principal: Worker) -> list[CampaignRead]:
    """Campaign records, latest first."""
    return [CampaignRead.model_validate(r) for r in publicity_of(request).campaigns(principal)]


@router.post("/campaigns", response_model=CampaignRead, status_code=201)
def create(request: Request, body: CampaignCreate, principal: Worker) -> CampaignRead:
    """Record a campaign (target group, channel, date, reach)."""
    row = publicity_of(request).create(principal, CampaignInput(**body.model_dump()))
    return CampaignRead.model_validate(row)
