"""Console pages of appeals: the deciding unit's queue, and the public portal (no account)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.appeals.domain import APPEAL_LABELS, OPEN_APPEALS
from fanzha.appeals.router import appeals_of, public_view
from fanzha.appeals.schemas import AppealCreate
from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.identity.domain import Permission, Principal
from fanzha.web import ratelimit
from fanzha.web.deps import authorize, client_ip
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Decider = Annotated[Principal, Depends(authorize(Permission.APPEAL_DECIDE))]


def _fields(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}


def _invalid(invalid: ValidationError) -> ValidationFailed:
    name = ".".join(str(p) for p in invalid.errors()[0]["loc"])
    return ValidationFailed(f"字段「{name}」不符合要求", f"Field '{name}' is invalid", field=name)


def _queue(
    request: Request, principal: Principal, error: FanzhaError | None = None, code: int = 200
) -> HTMLResponse:
    service = appeals_of(request)
    rows = service.queue(principal, request.query_params.get("status") or None)
    now = service.clock.now()
    overdue = {a.id for a in rows if a.status in {str(s) for s in OPEN_APPEALS} and a.due_at < now}
    return render(
        request, "appeals/queue.html", code, rows=rows, overdue=overdue, labels=APPEAL_LABELS, error=error
    )


@router.get("/appeals", response_class=HTMLResponse)
def queue(request: Request, principal: Decider) -> HTMLResponse:
    """Appeals this unit decides, with their deadlines; overdue ones flagged."""
    return _queue(request, principal)


@router.post("/appeals/{appeal_id}/decide", response_class=HTMLResponse)
async def decide(request: Request, appeal_id: int, principal: Decider) -> Response:
    """Uphold or reject from the queue, with the reason."""
    fields = _fields(await request.form())
    try:
        appeals_of(request).decide(
            principal, appeal_id, fields.get("outcome") == "upheld", fields.get("reason", "")
        )
    except FanzhaError as failure:
        return _queue(request, principal, failure, failure.status)
    return RedirectResponse("/appeals", status_code=303)


# The public portal -------------------------------------------------------------------------------


@router.get("/appeal", response_class=HTMLResponse)
def portal(request: Request) -> HTMLResponse:
    """Art 34¶2: the appeal form for the person affected (the code comes from the notice)."""
    return render(request, "appeals/portal.html", form={}, error=None, appeal=None, notice=None)


@router.post("/appeal", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    """Submit an appeal; the answer shows the appeal number to follow it."""
    ratelimit.check(request, "public")
    ratelimit.check(request, "appeal")
    fields = _fields(await request.form())
    documents = [d.strip() for d in fields.pop("documents", "").splitlines() if d.strip()]
    try:
        data = AppealCreate.model_validate({**fields, "documents": documents})
        appeal = appeals_of(request).submit(
            data.code, data.facts, data.reasons, data.documents, client_ip(request)
        )
    except ValidationError as invalid:
        return render(request, "appeals/portal.html", 422, form=fields, error=_invalid(invalid), appeal=None)
    except FanzhaError as failure:
        return render(request, "appeals/portal.html", failure.status, form=fields, error=failure, appeal=None)
    return render(request, "appeals/portal.html", 201, form={}, error=None, appeal=public_view(appeal))


@router.get("/appeal/status", response_class=HTMLResponse)
def status(request: Request) -> Response:
    """Follow an appeal by its number."""
    number = request.query_params.get("number", "")
    if not number:
        return render(request, "appeals/status.html", appeal=None, error=None)
    ratelimit.check(request, "public")
    try:
        appeal = public_view(appeals_of(request).status(number))
    except FanzhaError as failure:
        return render(request, "appeals/status.html", failure.status, appeal=None, error=failure)
    return render(request, "appeals/status.html", appeal=appeal, error=None)
