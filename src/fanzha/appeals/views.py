"""Console pages of appeals: the deciding unit's queue, and the public portal (no account)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from fanzha.appeals.attachments import MAX_FILES
from fanzha.appeals.domain import APPEAL_LABELS, OPEN_APPEALS
from fanzha.appeals.router import (
    OTP,
    PORTAL,
    SUBMISSION,
    appeals_of,
    attachment_response,
    checked_uploads,
    neutral_answer,
    public_view,
    store_of,
)
from fanzha.appeals.schemas import AppealCreate, OtpRequest
from fanzha.core.errors import FanzhaError
from fanzha.core.invalid import invalid
from fanzha.identifiers import KIND_LABELS
from fanzha.identity.domain import Permission, Principal
from fanzha.web import ratelimit
from fanzha.web.deps import authorize, client_ip
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Decider = Annotated[Principal, Depends(authorize(Permission.APPEAL_DECIDE))]


def _fields(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}


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


@router.get("/appeals/{appeal_id}", response_class=HTMLResponse)
def detail(request: Request, appeal_id: int, principal: Decider) -> HTMLResponse:
    """One appeal for the deciding unit: facts, reasons, documents, the files sent and the orders."""
    service = appeals_of(request)
    appeal, orders, attachments = service.get(principal, appeal_id)
    overdue = appeal.status in {str(s) for s in OPEN_APPEALS} and appeal.due_at < service.clock.now()
    return render(
        request,
        "appeals/detail.html",
        appeal=appeal,
        orders=orders,
        attachments=attachments,
        overdue=overdue,
        labels=APPEAL_LABELS,
        error=None,
    )


@router.get("/appeals/{appeal_id}/attachments/{attachment_id}")
def download(request: Request, appeal_id: int, attachment_id: int, principal: Decider) -> Response:
    """Download one attachment (decrypted, never rendered); each download is audited."""
    row, data = store_of(request).download(principal, appeal_id, attachment_id)
    return attachment_response(row, data)


# The public portal -------------------------------------------------------------------------------


def _portal(request: Request, code: int = 200, **context: Any) -> HTMLResponse:
    values: dict[str, Any] = {
        "form": {},
        "error": None,
        "appeal": None,
        "notice": None,
        "sent": None,
        "attached": 0,
        "kinds": KIND_LABELS,
    }
    return render(request, "appeals/portal.html", code, max_files=MAX_FILES, **(values | context))


@router.get("/appeal", response_class=HTMLResponse)
def portal(request: Request) -> HTMLResponse:
    """Art 34¶2: the appeal form for the person affected (the notice's code, or phone and SMS code)."""
    return _portal(request)


@router.post("/appeal/otp", response_class=HTMLResponse, openapi_extra=OTP)
async def otp(request: Request, tasks: BackgroundTasks) -> Response:
    """Ask for an SMS code proving control of the number; the same neutral answer either way."""
    fields = _fields(await request.form())
    form = {"phone": fields.get("phone", "")}
    try:
        data = OtpRequest.model_validate(form)
        appeals_of(request).phone.issue(data.phone, client_ip(request), tasks.add_task)
    except ValidationError as wrong:
        return _portal(request, 422, form=form, error=invalid(wrong))
    except FanzhaError as failure:
        return ratelimit.with_retry_after(_portal(request, failure.status, form=form, error=failure), failure)
    return _portal(request, 202, form=form, sent=neutral_answer())  # FastAPI attaches the tasks


@router.post("/appeal", response_class=HTMLResponse, openapi_extra=SUBMISSION)
async def submit(request: Request) -> Response:
    """Submit an appeal with its files (multipart); the answer shows the appeal number to follow it."""
    form = await request.form(max_files=MAX_FILES + 1)
    fields = _fields(form)
    uploads = [u for u in form.getlist("files") if isinstance(u, UploadFile)]
    documents = [d.strip() for d in fields.pop("documents", "").splitlines() if d.strip()]
    shown = {k: v for k, v in fields.items() if k != "otp"}
    store = store_of(request)
    try:
        files = checked_uploads(uploads)
        data = AppealCreate.model_validate({**fields, "documents": documents})
        ip = client_ip(request)
        appeal = appeals_of(request).submit(
            data.code,
            data.facts,
            data.reasons,
            data.documents,
            ip,
            phone=data.phone,
            otp=data.otp,
            attach=lambda session, appeal: store.seal(session, appeal, files, ip),
            obj=(data.kind, data.value) if data.kind is not None and data.value else None,
        )
    except ValidationError as wrong:
        return _portal(request, 422, form=shown, error=invalid(wrong))
    except FanzhaError as failure:
        return _portal(request, failure.status, form=shown, error=failure)
    return _portal(request, 201, appeal=public_view(appeal), attached=len(files))


@router.get("/appeal/status", response_class=HTMLResponse)
def status_form(request: Request) -> Response:
    """The form to follow an appeal; the number is posted, so it never stands in an address or a log."""
    return render(request, "appeals/status.html", appeal=None, error=None, labels=APPEAL_LABELS)


@router.post("/appeal/status", response_class=HTMLResponse, openapi_extra=PORTAL)
async def status(request: Request) -> Response:
    """Follow an appeal by its number."""
    number = _fields(await request.form()).get("number", "")
    try:
        appeal = public_view(appeals_of(request).status(number))
    except FanzhaError as failure:
        return render(
            request, "appeals/status.html", failure.status, appeal=None, error=failure, labels=APPEAL_LABELS
        )
    return render(request, "appeals/status.html", appeal=appeal, error=None, labels=APPEAL_LABELS)
