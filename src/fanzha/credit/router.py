"""HTTP API of the serious-dishonesty list: propose, decide, read, notice PDF, export, counter check."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from fanzha.credit.domain import MEASURE_TEXTS, NO_NEW_BUSINESS, Facts
from fanzha.credit.lifecycle import ListingLifecycle
from fanzha.credit.notices import notice_pdf
from fanzha.credit.offenders import OffenderTask, ReleasedOffenders, ReleaseInput
from fanzha.credit.schemas import (
    CheckRequest,
    CheckResult,
    ListingCreate,
    ListingDecision,
    ListingDetail,
    ListingEventRead,
    ListingOrderRead,
    ListingPage,
    ListingRead,
    OffenderRead,
    ReleaseAccepted,
    ReleaseNotice,
    TaskClose,
)
from fanzha.credit.service import ListingInput
from fanzha.identity.domain import Permission, Principal
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/credit", tags=["credit"])
Proposer = Annotated[Principal, Depends(authorize(Permission.CREDIT_PROPOSE))]
Approver = Annotated[Principal, Depends(authorize(Permission.CREDIT_APPROVE))]
Reader = Annotated[Principal, Depends(authorize(Permission.CREDIT_READ))]
Checker = Annotated[Principal, Depends(authorize(Permission.CREDIT_CHECK))]
Notifier = Annotated[Principal, Depends(authorize(Permission.CREDIT_NOTIFY))]


def credit_of(request: Request) -> ListingLifecycle:
    """The list's service wired into this app."""
    service = platform_of(request).credit
    assert service is not None, "build_platform wires credit"
    return service


@router.post("/listings", response_model=ListingRead, status_code=201)
def propose(request: Request, body: ListingCreate, principal: Proposer) -> ListingRead:
    """Propose a listing (a city-level unit or above; 办法第三条); it waits for approval."""
    data = ListingInput(
        body.subject_kind,
        body.subject_id,
        body.subject_name,
        body.ground,
        Facts(body.items, body.times, body.counterparties),
        body.evidence,
        body.basis,
        body.term_months,
    )
    return ListingRead.of(credit_of(request).propose(principal, data))


@router.get("/listings", response_model=ListingPage)
def search(
    request: Request,
    principal: Reader,
    status: Annotated[str | None, Query(max_length=12)] = None,
    ground: Annotated[str | None, Query(max_length=20)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ListingPage:
    """Listings newest first; `status=pending` is the approval queue."""
    rows = credit_of(request).search(principal, status=status, ground=ground, before=before, limit=limit)
    return ListingPage(
        items=[ListingRead.of(r) for r in rows], next_cursor=rows[-1].id if len(rows) == limit else None
    )


@router.get("/listings/{listing_id}", response_model=ListingDetail)
def detail(request: Request, listing_id: int, principal: Reader) -> ListingDetail:
    """A listing with its measures, their receipts and the releases, and its history (audited)."""
    listing, pairs, events = credit_of(request).get(principal, listing_id)
    return ListingDetail(
        listing=ListingRead.of(listing),
        orders=[
            ListingOrderRead(
                role=link.role,
                order_id=o.id,
                org_id=o.org_id,
                measure=o.measure,
                article=o.article,
                status=o.status,
                receipt_reason=o.receipt_reason,
                due_at=o.due_at,
            )
            for link, o in pairs
        ],
        events=[
            ListingEventRead(at=e.at, actor=e.actor, status_from=e.status_from, status_to=e.status_to)
            for e in events
        ],
    )


@router.post("/listings/{listing_id}/decision", response_model=ListingRead)
def decide(request: Request, listing_id: int, body: ListingDecision, principal: Approver) -> ListingRead:
    """Approve (measures go out, the notice is written and sent) or refuse, by the right level."""
    return ListingRead.of(credit_of(request).decide(principal, listing_id, body.approve, body.reason))


@router.get(
    "/listings/{listing_id}/notice.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "联合惩戒告知书 / the written notice"}
    },
)
def notice(request: Request, listing_id: int, principal: Reader) -> Response:
    """The written notice: basis, term, measures and the right to appeal (Art 29¶2), as a PDF."""
    data = notice_pdf(credit_of(request), principal, listing_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="credit-notice-{listing_id}.pdf"'},
    )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}},
            "description": "名单（信用信息平台）/ the list for the credit platform",
        }
    },
)
def export(request: Request, principal: Reader, fmt: Literal["json", "csv"] = "json") -> Response:
    """The listings in force for the credit platform, as JSON or CSV (audited)."""
    text = credit_of(request).export(principal, fmt)
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return Response(text, media_type=media)


@router.post("/check", response_model=CheckResult)
def check(request: Request, body: CheckRequest, principal: Checker) -> CheckResult:
    """At the counter: is this person (keyed ID token) listed now? (Art 10, 17; AFL 31¶2 暂停新业务)."""
    return CheckResult(listed=credit_of(request).is_listed(body.token))


# Art 37: released offenders ---------------------------------------------------------------------------


def _offender(task: OffenderTask) -> OffenderRead:
    row, listing = task.row, task.listing
    # The term and the measures in force on the person: one per sector, and none new anywhere.
    measures = [zh for zh, _ in MEASURE_TEXTS.values()] + [NO_NEW_BUSINESS[0]] if listing is not None else []
    return OffenderRead(
        id=row.id,
        person_masked=row.person_masked,
        person_token=row.person_token,
        offence=row.offence,
        judgment_ref=row.judgment_ref,
        released_on=row.released_on,
        region_code=row.region_code,
        closed_at=row.closed_at,
        report=row.report,
        listing_number=listing.number if listing else None,
        listing_status=listing.status if listing else None,
        listing_ends_at=listing.ends_at if listing else None,
        measures=measures,
    )


@router.post("/released", response_model=ReleaseAccepted, status_code=201)
def notify_release(request: Request, body: ReleaseNotice, principal: Notifier) -> ReleaseAccepted:
    """The justice department reports a release (Art 37¶1); the home region's police unit gets a task."""
    data = ReleaseInput(body.person_id, body.offence, body.judgment_ref, body.released_on, body.region_code)
    row = ReleasedOffenders(credit_of(request)).notify(principal, data)
    return ReleaseAccepted(id=row.id, police_org_id=row.police_org_id)


@router.get("/released", response_model=list[OffenderRead])
def released(request: Request, principal: Reader, open_only: bool = True) -> list[OffenderRead]:
    """The unit's released persons with their listing's term and measures (audited)."""
    return [_offender(t) for t in ReleasedOffenders(credit_of(request)).tasks(principal, open_only)]


@router.post("/released/{offender_id}/close", response_model=OffenderRead)
def close_release(request: Request, offender_id: int, body: TaskClose, principal: Reader) -> OffenderRead:
    """Close the task with a report."""
    row = ReleasedOffenders(credit_of(request)).close(principal, offender_id, body.report)
    return _offender(OffenderTask(row, None))
