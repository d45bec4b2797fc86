"""Console pages of the serious-dishonesty list: the list with its filters, the approval queue, a listing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.credit.domain import Ground, ListingStatus
from fanzha.credit.router import credit_of
from fanzha.credit.schemas import ListingDecision
from fanzha.disposal.domain import STATUS_LABELS
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.tables import Organisation
from fanzha.web.deps import authorize
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(authorize(Permission.CREDIT_READ))]
Approver = Annotated[Principal, Depends(authorize(Permission.CREDIT_APPROVE))]
PAGE = 50


def _board(
    request: Request,
    principal: Principal,
    status: str | None = None,
    ground: str | None = None,
    before: int | None = None,
    error: FanzhaError | None = None,
    code: int = 200,
) -> HTMLResponse:
    service = credit_of(request)
    rows = service.search(principal, status=status, ground=ground, before=before, limit=PAGE)
    return render(
        request,
        "credit/list.html",
        code,
        rows=rows,
        queue=service.search(principal, status=str(ListingStatus.PENDING), limit=100),
        statuses=[str(s) for s in ListingStatus],
        grounds=[str(g) for g in Ground],
        status=status or "",
        ground=ground or "",
        next_cursor=rows[-1].id if len(rows) == PAGE else None,
        error=error,
    )


@router.get("/credit", response_class=HTMLResponse)
def board(
    request: Request,
    principal: Reader,
    status: Annotated[str | None, Query(max_length=12)] = None,
    ground: Annotated[str | None, Query(max_length=20)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """Police: the approval queue and the list, filtered by status and ground, paged."""
    return _board(request, principal, status or None, ground or None, before)


def _detail(
    request: Request, principal: Principal, listing_id: int, error: FanzhaError | None = None, code: int = 200
) -> HTMLResponse:
    service = credit_of(request)
    listing, pairs, events = service.get(principal, listing_id)
    with service.disposal.uow(read_only=True) as uow:
        ids = {o.org_id for _, o in pairs} | {listing.deciding_org_id}
        orgs = [uow.session.get(Organisation, i) for i in ids]
        names = {o.id: (o.name_zh, o.name_en) for o in orgs if o is not None}
    return render(
        request,
        "credit/listing.html",
        code,
        listing=listing,
        pairs=pairs,
        events=events,
        names=names,
        order_statuses={str(k): v for k, v in STATUS_LABELS.items()},
        error=error,
    )


@router.get("/credit/listings/{listing_id}", response_class=HTMLResponse)
def listing(request: Request, listing_id: int, principal: Reader) -> HTMLResponse:
    """A listing: ground, evidence, term, the measures with each institution's receipt, the history."""
    return _detail(request, principal, listing_id)


@router.post("/credit/listings/{listing_id}/decision", response_class=HTMLResponse)
async def decide(request: Request, listing_id: int, principal: Approver) -> Response:
    """Approve or refuse a listing from the queue."""
    form = await request.form()
    try:
        data = ListingDecision.model_validate(
            {"approve": str(form.get("approve", "")), "reason": str(form.get("reason", ""))}
        )
        credit_of(request).decide(principal, listing_id, data.approve, data.reason)
    except ValidationError as invalid:
        name = ".".join(str(p) for p in invalid.errors()[0]["loc"])
        failure = ValidationFailed(f"字段「{name}」不符合要求", f"Field '{name}' is invalid", field=name)
        return _board(request, principal, error=failure, code=422)
    except FanzhaError as failure:
        return _board(request, principal, error=failure, code=failure.status)
    return RedirectResponse(f"/credit/listings/{listing_id}", status_code=303)
