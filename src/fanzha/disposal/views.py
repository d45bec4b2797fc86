"""Console pages of disposal: the institution's order board with receipts, the police's order list."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.disposal.domain import MEASURE_LABELS, OPEN, STATUS_LABELS, TRIGGER_LABELS
from fanzha.disposal.router import disposal_of
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Order
from fanzha.identifiers import KIND_LABELS
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.tables import Organisation
from fanzha.web.deps import authorize, platform_of
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(authorize(Permission.ORDER_READ))]
Receiver = Annotated[Principal, Depends(authorize(Permission.ORDER_RECEIPT))]
DUE_SOON = timedelta(hours=1)
VIEWS = ("all", "new", "due_soon", "overdue")


def _bucket(order: Order, now: Any) -> str:
    """new (not yet acknowledged), overdue, due soon, or done."""
    if order.status not in {str(s) for s in OPEN}:
        return "done"
    if order.due_at < now:
        return "overdue"
    if order.due_at < now + DUE_SOON:
        return "due_soon"
    return "new" if order.status in ("issued", "delivered") else "open"


def _board(
    request: Request, principal: Principal, error: FanzhaError | None = None, status_code: int = 200
) -> HTMLResponse:
    service, q = disposal_of(request), request.query_params
    view = q.get("view") if q.get("view") in VIEWS else "all"
    org_id = q.get("org_id", "")
    rows = service.search(
        principal,
        status=q.get("status") or None,
        org_id=int(org_id) if org_id.isdigit() else None,
        overdue=view == "overdue",
        limit=200,
    )
    now = service.clock.now()
    buckets = {o.id: _bucket(o, now) for o in rows}
    if view in ("new", "due_soon"):
        rows = [o for o in rows if buckets[o.id] == view]
    with platform_of(request).sessions() as session:
        orgs = {o.id: o.name_zh for o in session.scalars(select(Organisation))}
    return render(
        request,
        "disposal/board.html",
        status_code,
        rows=rows,
        buckets=buckets,
        view=view,
        q=q,
        orgs=orgs,
        error=error,
        measures=MEASURE_LABELS,
        statuses=STATUS_LABELS,
        triggers=TRIGGER_LABELS,
        kinds=KIND_LABELS,
    )


@router.get("/disposal/orders", response_class=HTMLResponse)
def board(request: Request, principal: Reader) -> HTMLResponse:
    """Institutions: their orders (new, due soon, overdue). Police: all orders by status and institution."""
    return _board(request, principal)


@router.post("/disposal/orders/{order_id}/receipt", response_class=HTMLResponse)
async def receipt(request: Request, order_id: int, principal: Receiver) -> Response:
    """A receipt from the board's form."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}
    try:
        disposal_of(request).receipt(principal, order_id, ReceiptCreate.model_validate(fields))
    except ValidationError as invalid:
        name = ".".join(str(p) for p in invalid.errors()[0]["loc"])
        error = ValidationFailed(f"字段「{name}」不符合要求", f"Field '{name}' is invalid", field=name)
        return _board(request, principal, error, 422)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse("/disposal/orders", status_code=303)
