"""Console bulk work of institutions: receipts by CSV and holdings, each previewed then confirmed."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.disposal import receipt_csv
from fanzha.disposal.domain import MEASURE_LABELS, STATUS_LABELS
from fanzha.disposal.holdings import HoldingRow, parse_csv
from fanzha.disposal.holdings_router import holdings_of
from fanzha.disposal.router import disposal_of
from fanzha.disposal.tables import Order
from fanzha.identifiers import KIND_LABELS
from fanzha.identity.domain import Permission, Principal
from fanzha.web import limits
from fanzha.web.deps import authorize, platform_of
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Receiver = Annotated[Principal, Depends(authorize(Permission.ORDER_RECEIPT))]
Holder = Annotated[Principal, Depends(authorize(Permission.HOLDING_MANAGE))]
# A file, and again base64-encoded (4/3) in the confirmation form, with the rest of the form.
UPLOAD_BODY = 2 * receipt_csv.MAX_BYTES + limits.MiB
HOLDINGS_BYTES = 1024 * 1024  # the console's share; larger registers go through /api/v1/holdings/csv


async def _file(request: Request, max_bytes: int) -> bytes:
    """The uploaded file (preview) or the file carried back in the confirmation form (confirm)."""
    form = await request.form()
    carried, upload = form.get("content"), form.get("file")
    if isinstance(carried, str) and carried:
        try:
            return base64.b64decode(carried, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                "文件内容已损坏，请重新上传", "The file was damaged; upload again", field="file"
            ) from None
    if upload is None or isinstance(upload, str):
        raise ValidationFailed("请选择文件", "Choose a file", field="file")
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationFailed(
            f"文件不能超过 {max_bytes // 1024 // 1024} MB",
            f"The file may not exceed {max_bytes // 1024 // 1024} MB",
            field="file",
        )
    return data


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {"lines": None, "content": "", "done": False, "error": None}
    return render(
        request,
        name,
        status,
        statuses=STATUS_LABELS,
        measures=MEASURE_LABELS,
        kinds=KIND_LABELS,
        **{**defaults, **context},
    )


# Receipts ----------------------------------------------------------------------------------------


def _checked(
    request: Request, principal: Principal, lines: list[receipt_csv.ReceiptLine]
) -> list[dict[str, Any]]:
    """Each line with the order it answers and what would happen, changing nothing."""
    ids = [x.order_id for x in lines if x.order_id is not None]
    with platform_of(request).sessions() as session:
        # An institution sees only its own orders; "absent" and "not yours" read alike.
        orders = {
            o.id: o
            for o in session.scalars(select(Order).where(Order.id.in_(ids), Order.org_id == principal.org_id))
        }
    shown = []
    for x in lines:
        order = orders.get(x.order_id) if x.order_id is not None else None
        error = x.error
        if error is None and x.receipt is not None:
            try:
                # The service's own check (pure: it marks refusals, `guarded` would audit them).
                disposal_of(request)._receivable(principal, order, x.order_id or 0, x.receipt)
            except FanzhaError as refusal:
                error = receipt_csv.at_line(x.line, refusal)
        shown.append(
            {"line": x.line, "order_id": x.order_id, "receipt": x.receipt, "order": order, "error": error}
        )
    return shown


@router.get("/disposal/receipts/upload", response_class=HTMLResponse)
def receipts_form(request: Request, principal: Receiver) -> HTMLResponse:
    """The CSV upload form for receipts in bulk, with the columns it takes."""
    return _page(request, "disposal/bulk_receipts.html", template=receipt_csv.TEMPLATE)


@router.post(
    "/disposal/receipts/preview", response_class=HTMLResponse, openapi_extra=limits.declare(body=UPLOAD_BODY)
)
async def receipts_preview(request: Request, principal: Receiver) -> HTMLResponse:
    """What each line would do (order, receipt, or the refusal with its line), before anything changes."""
    try:
        data = await _file(request, receipt_csv.MAX_BYTES)
        lines = _checked(request, principal, receipt_csv.parse(data))
    except FanzhaError as failure:
        return _page(
            request,
            "disposal/bulk_receipts.html",
            failure.status,
            error=failure,
            template=receipt_csv.TEMPLATE,
        )
    return _page(
        request,
        "disposal/bulk_receipts.html",
        lines=lines,
        content=base64.b64encode(data).decode(),
        accepted=sum(1 for x in lines if x["error"] is None),
        template=receipt_csv.TEMPLATE,
    )


@router.post(
    "/disposal/receipts/upload", response_class=HTMLResponse, openapi_extra=limits.declare(body=UPLOAD_BODY)
)
async def receipts_upload(request: Request, principal: Receiver) -> HTMLResponse:
    """Apply the confirmed file's readable lines in one transaction; a report line per CSV line."""
    try:
        lines = receipt_csv.parse(await _file(request, receipt_csv.MAX_BYTES))
    except FanzhaError as failure:
        return _page(
            request,
            "disposal/bulk_receipts.html",
            failure.status,
            error=failure,
            template=receipt_csv.TEMPLATE,
        )
    good = [x for x in lines if x.receipt is not None and x.order_id is not None]
    outcomes = disposal_of(request).receipts(principal, [(x.order_id, x.receipt) for x in good])  # type: ignore[misc]
    applied = {x.line: outcome for x, outcome in zip(good, outcomes, strict=True)}
    report = []
    for x in lines:
        outcome = applied.get(x.line, x.error)
        error = outcome if isinstance(outcome, FanzhaError) else None
        if error is not None and not error.message_zh.startswith("第"):
            error = receipt_csv.at_line(x.line, error)
        report.append(
            {
                "line": x.line,
                "order_id": x.order_id,
                "receipt": x.receipt,
                "order": None if error else outcome,
                "error": error,
            }
        )
    return _page(
        request,
        "disposal/bulk_receipts.html",
        lines=report,
        done=True,
        accepted=sum(1 for x in report if x["error"] is None),
        template=receipt_csv.TEMPLATE,
    )


# Holdings ----------------------------------------------------------------------------------------


def _holding_lines(request: Request, principal: Principal, data: bytes) -> list[dict[str, Any]]:
    rows = parse_csv(data)
    outcomes = holdings_of(request).check_rows(principal, rows)
    # The raw values never come back to the page: the line, the kind and the outcome only (Art 26).
    return [
        {"line": int(row.where.split()[-1]), "kind": row.kind, "row": row, "error": error}
        for row, error in zip(rows, outcomes, strict=True)
    ]


@router.get("/disposal/holdings/upload", response_class=HTMLResponse)
def holdings_form(request: Request, principal: Holder) -> HTMLResponse:
    """The holdings register's CSV upload form (Art 18, 20¶2)."""
    return _page(request, "disposal/holdings_upload.html")


@router.post(
    "/disposal/holdings/preview", response_class=HTMLResponse, openapi_extra=limits.declare(body=UPLOAD_BODY)
)
async def holdings_preview(request: Request, principal: Holder) -> HTMLResponse:
    """Each line checked (kind for the sector, number formats, one holder per object), nothing written."""
    try:
        data = await _file(request, HOLDINGS_BYTES)
        lines = _holding_lines(request, principal, data)
    except FanzhaError as failure:
        return _page(request, "disposal/holdings_upload.html", failure.status, error=failure)
    return _page(
        request,
        "disposal/holdings_upload.html",
        lines=lines,
        content=base64.b64encode(data).decode(),
        accepted=sum(1 for x in lines if x["error"] is None),
    )


@router.post(
    "/disposal/holdings/upload", response_class=HTMLResponse, openapi_extra=limits.declare(body=UPLOAD_BODY)
)
async def holdings_upload(request: Request, principal: Holder) -> HTMLResponse:
    """Write the confirmed file's accepted lines (upsert, audited); the refused ones are reported."""
    try:
        lines = _holding_lines(request, principal, await _file(request, HOLDINGS_BYTES))
        good: list[HoldingRow] = [x["row"] for x in lines if x["error"] is None]
        report = holdings_of(request).upload(principal, good) if good else None
    except FanzhaError as failure:
        return _page(request, "disposal/holdings_upload.html", failure.status, error=failure)
    return _page(
        request,
        "disposal/holdings_upload.html",
        lines=lines,
        done=True,
        report=report,
        accepted=len(good),
    )
