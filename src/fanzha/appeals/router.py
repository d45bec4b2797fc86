"""HTTP API of appeals: the public portal (no account) and the deciding unit's queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from fanzha.appeals.domain import APPEAL_LABELS, AppealStatus
from fanzha.appeals.schemas import (
    AppealCreate,
    AppealDecision,
    AppealDetail,
    AppealPublic,
    AppealRead,
    AppealStatusQuery,
    DecisionResult,
)
from fanzha.appeals.service import AppealService
from fanzha.appeals.tables import Appeal
from fanzha.disposal.domain import DOCUMENTS_ZH
from fanzha.disposal.schemas import NoticeLookup, NoticePublic
from fanzha.identity.domain import Permission, Principal
from fanzha.web import ratelimit
from fanzha.web.deps import authorize, client_ip, platform_of

router = APIRouter(prefix="/api/v1", tags=["appeals"])
Decider = Annotated[Principal, Depends(authorize(Permission.APPEAL_DECIDE))]


def appeals_of(request: Request) -> AppealService:
    """The appeal service wired into this app."""
    service = platform_of(request).appeals
    assert service is not None, "build_platform wires appeals"
    return service


def public_view(appeal: Appeal) -> AppealPublic:
    """The portal's view: no token, no facts of the case, nothing about other objects."""
    status = AppealStatus(appeal.status)
    return AppealPublic(
        number=appeal.number,
        status=str(status),
        status_zh=APPEAL_LABELS[status][0],
        object_masked=appeal.object_masked,
        decision_reason=appeal.decision_reason,
        submitted_at=appeal.created_at,
        due_at=appeal.due_at,
        decided_at=appeal.decided_at,
    )


@router.post("/public/notices", response_model=NoticePublic, tags=["public"])
def notice(request: Request, body: NoticeLookup) -> Any:
    """The notice behind an appeal code (Art 34¶1): object, measure, reason, remedy, documents."""
    ratelimit.check(request, "public")
    row, masked, count = appeals_of(request).notice_view(body.code)
    return NoticePublic(
        object_kind=row.object_kind,
        object_masked=masked,
        text=row.text,
        documents=DOCUMENTS_ZH,
        measures_in_force=count,
        created_at=row.created_at,
    )


@router.post("/public/appeals", response_model=AppealPublic, status_code=201, tags=["public"])
def submit(request: Request, body: AppealCreate) -> Any:
    """Appeal every measure on the object of a notice (Art 34¶2); answers the appeal number."""
    ratelimit.check(request, "public")
    ratelimit.check(request, "appeal")
    appeal = appeals_of(request).submit(
        body.code, body.facts, body.reasons, body.documents, client_ip(request)
    )
    return JSONResponse(public_view(appeal).model_dump(mode="json"), status_code=201)


@router.post("/public/appeals/status", response_model=AppealPublic, tags=["public"])
def follow(request: Request, body: AppealStatusQuery) -> Any:
    """Follow an appeal by its number."""
    ratelimit.check(request, "public")
    return public_view(appeals_of(request).status(body.number))


@router.get("/appeals", response_model=list[AppealRead])
def queue(request: Request, principal: Decider, status: str | None = None) -> list[AppealRead]:
    """Appeals this unit decides (谁决定谁负责), nearest deadline first."""
    return [AppealRead.model_validate(a) for a in appeals_of(request).queue(principal, status)]


@router.get("/appeals/{appeal_id}", response_model=AppealDetail)
def detail(request: Request, appeal_id: int, principal: Decider) -> AppealDetail:
    """An appeal with every order on its object."""
    service = appeals_of(request)
    appeal, orders = service.get(principal, appeal_id)
    overdue = AppealStatus(appeal.status) in {AppealStatus.SUBMITTED, AppealStatus.REVIEWING} and (
        service.clock.now() > appeal.due_at
    )
    return AppealDetail(
        appeal=AppealRead.model_validate(appeal), overdue=overdue, order_ids=[o.id for o in orders]
    )


@router.post("/appeals/{appeal_id}/review", response_model=AppealRead)
def review(request: Request, appeal_id: int, principal: Decider) -> AppealRead:
    """Start verifying the appeal with the institutions."""
    return AppealRead.model_validate(appeals_of(request).review(principal, appeal_id))


@router.post("/appeals/{appeal_id}/decision", response_model=DecisionResult)
def decide(request: Request, appeal_id: int, body: AppealDecision, principal: Decider) -> DecisionResult:
    """Uphold (release orders everywhere, sample revoked, appellant told) or reject with the reason."""
    appeal, releases = appeals_of(request).decide(
        principal, appeal_id, body.upheld, body.reason, body.institutions_fulfilled
    )
    return DecisionResult(
        appeal=AppealRead.model_validate(appeal), release_order_ids=[o.id for o in releases]
    )
