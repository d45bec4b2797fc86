"""Console pages of disposal: the institution's order board with receipts, the police's order list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.clock import local_text
from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.core.invalid import invalid
from fanzha.disposal.domain import MEASURE_LABELS, OPEN, STATUS_LABELS, TRIGGER_LABELS
from fanzha.disposal.router import disposal_of
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Order
from fanzha.identifiers import KIND_LABELS
from fanzha.identity.base import actor_of
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.tables import Organisation
from fanzha.web import export
from fanzha.web.deps import authorize, platform_of
from fanzha.web.i18n import language_of, translator
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(authorize(Permission.ORDER_READ))]
Receiver = Annotated[Principal, Depends(authorize(Permission.ORDER_RECEIPT))]
DUE_SOON = timedelta(hours=1)
VIEWS = ("all", "new", "due_soon", "overdue")
PAGE = 50  # rows per page; the next page starts below the last id shown (cursor paging)
ORG_CHOICES = 20  # institutions offered when a typed name matches several


def _bucket(order: Order, now: Any) -> str:
    """new (not yet acknowledged), overdue, due soon, or done."""
    if order.status not in {str(s) for s in OPEN}:
        return "done"
    if order.due_at < now:
        return "overdue"
    if order.due_at < now + DUE_SOON:
        return "due_soon"
    return "new" if order.status in ("issued", "delivered") else "open"


def _org_choice(session: Session, q: Any) -> tuple[int | None, list[Organisation]]:
    """The institution filter: an id from a link, or a code or part of a name typed in the picker."""
    if q.get("org_id", "").isdigit():
        return int(q["org_id"]), []
    typed = q.get("org", "").strip()
    if not typed:
        return None, []
    found = list(
        session.scalars(
            select(Organisation)
            .where((Organisation.code == typed) | Organisation.name_zh.contains(typed))
            .order_by(Organisation.code)
            .limit(ORG_CHOICES + 1)
        )
    )
    return (found[0].id, []) if len(found) == 1 else (None, found)


def _filtered(request: Request, principal: Principal, limit: int) -> tuple[list[Order], dict[str, Any]]:
    """The board's rows under its filters (status, institution, view, cursor) and what the page shows."""
    service, q = disposal_of(request), request.query_params
    view = q.get("view") if q.get("view") in VIEWS else "all"
    with platform_of(request).sessions() as session:
        org_id, choices = _org_choice(session, q) if principal.org_kind.is_police else (None, [])
    before = q.get("before", "")
    rows = service.search(
        principal,
        status=q.get("status") or None,
        org_id=org_id,
        overdue=view == "overdue",
        before=int(before) if before.isdigit() else None,
        limit=limit,
    )
    return rows, {"view": view, "org_id": org_id, "choices": choices}


def _board(
    request: Request, principal: Principal, error: FanzhaError | None = None, status_code: int = 200
) -> HTMLResponse:
    rows, shown = _filtered(request, principal, PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    now = disposal_of(request).clock.now()
    buckets = {o.id: _bucket(o, now) for o in rows}
    next_before = rows[-1].id if more else None
    if shown["view"] in ("new", "due_soon"):
        rows = [o for o in rows if buckets[o.id] == shown["view"]]
    with platform_of(request).sessions() as session:
        ids = {o.org_id for o in rows} | ({shown["org_id"]} if shown["org_id"] else set())
        orgs = {
            o.id: o.name_zh for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
        }
    kept = {k: v for k, v in request.query_params.items() if k != "before"}
    return render(
        request,
        "disposal/board.html",
        status_code,
        rows=rows,
        buckets=buckets,
        q=request.query_params,
        orgs=orgs,
        error=error,
        next_url=f"/disposal/orders?{urlencode({**kept, 'before': next_before})}" if next_before else None,
        export_query=urlencode(kept),
        measures=MEASURE_LABELS,
        statuses=STATUS_LABELS,
        triggers=TRIGGER_LABELS,
        kinds=KIND_LABELS,
        **shown,
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
    except ValidationError as wrong:
        return _board(request, principal, invalid(wrong), 422)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse("/disposal/orders", status_code=303)


def _pick(table: Mapping[Any, tuple[str, str]], key: str, lang: str) -> str:
    """A code's label in the page's language; the code itself only if it has none."""
    pair = table.get(key)
    return (pair[1] if lang == "en" else pair[0]) if pair else key


@router.get("/disposal/orders/export")
def export_orders(request: Request, principal: Reader) -> Response:
    """The board's rows under the same filters as CSV or Excel (up to 10,000), the export audited."""
    fmt = request.query_params.get("format", "csv")
    if fmt not in export.FORMATS:
        raise ValidationFailed("导出格式只能是 csv 或 xlsx", "Format must be csv or xlsx", field="format")
    rows, _ = _filtered(request, principal, export.EXPORT_LIMIT)
    lang = language_of(request)
    _ = translator(lang)
    platform = platform_of(request)
    with platform.sessions.begin() as session:
        names = {o.id: o.name_zh for o in session.scalars(select(Organisation))} if rows else {}
        # Art 26: a download of orders leaves the platform; who took what is on the record.
        platform.auditor.record(
            session,
            actor_of(principal),
            "order.export",
            object_type="order",
            source_ip=principal.source_ip,
            detail={"rows": len(rows), "format": fmt, "filters": dict(request.query_params)},
        )
    columns = [
        "#", _("disposal.institution"), _("disposal.kind"), _("disposal.object"), _("disposal.measure"),
        _("disposal.article"), _("disposal.trigger"), _("disposal.reason"), _("disposal.status"),
        _("disposal.issued_at"), _("disposal.due"), _("disposal.closed_at"),
    ]  # fmt: skip
    table = (
        (
            o.id,
            names.get(o.org_id, o.org_id),
            _pick(KIND_LABELS, o.object_kind, lang),
            o.object_masked,
            _pick(MEASURE_LABELS, o.measure, lang),
            o.article,
            _pick(TRIGGER_LABELS, o.trigger, lang),
            o.reason,
            _pick(STATUS_LABELS, o.status, lang),
            local_text(o.created_at),
            local_text(o.due_at),
            local_text(o.closed_at),
        )
        for o in rows
    )
    return export.download(fmt, "处置指令", columns, table)


@router.get("/disposal/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: int, principal: Reader) -> HTMLResponse:
    """One order: the object, the measure and its basis, every state change with its time, the notice."""
    service = disposal_of(request)
    order, events, value = service.get(principal, order_id)  # audited: the raw object is personal data
    notice = service.notice_for(principal, order_id) if principal.org_kind.is_institution else None
    with platform_of(request).sessions() as session:
        ids = {order.org_id, order.issuer_org_id}
        orgs = {
            o.id: o.name_zh for o in session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
        }
    return render(
        request,
        "disposal/order.html",
        o=order,
        events=events,
        value=value,
        notice=notice,
        orgs=orgs,
        bucket=_bucket(order, service.clock.now()),
        measures=MEASURE_LABELS,
        statuses=STATUS_LABELS,
        triggers=TRIGGER_LABELS,
        kinds=KIND_LABELS,
    )
