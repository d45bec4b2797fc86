"""Console page of leak-source analysis (Art 26): ranked candidates and the leak reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.identity.domain import Permission, Principal
from fanzha.leaks.domain import NEXT, PARTY_KINDS
from fanzha.leaks.router import LeakStatusChange, ReportCreate, candidate_page, leaks_of
from fanzha.leaks.service import ReportInput
from fanzha.web.deps import authorize
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Worker = Annotated[Principal, Depends(authorize(Permission.LEAK_WORK))]


def _page(
    request: Request, principal: Principal, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    service = leaks_of(request)
    return render(
        request,
        "leaks/index.html",
        status,
        candidates=candidate_page(service, principal, 20),
        reports=service.reports(principal),
        next_status={k: sorted(v) for k, v in NEXT.items()},
        kinds=PARTY_KINDS,
        error=error,
    )


def _fields(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}


def _invalid(error: ValidationError) -> ValidationFailed:
    name = ".".join(str(p) for p in error.errors()[0]["loc"])
    return ValidationFailed(f"字段「{name}」不符合要求", f"Field '{name}' is invalid", field=name)


@router.get("/leaks", response_class=HTMLResponse)
def page(request: Request, principal: Worker) -> HTMLResponse:
    """Candidates strongest first, the reports, and forms to record and move them."""
    return _page(request, principal)


@router.post("/leaks/reports", response_class=HTMLResponse)
async def create(request: Request, principal: Worker) -> Response:
    """Record a suspected source (usually a candidate's row)."""
    try:
        body = ReportCreate.model_validate(_fields(await request.form()))
        leaks_of(request).report(principal, ReportInput(**body.model_dump()))
    except ValidationError as invalid:
        return _page(request, principal, _invalid(invalid), 422)
    except FanzhaError as failure:
        return _page(request, principal, failure, failure.status)
    return RedirectResponse("/leaks", status_code=303)


@router.post("/leaks/reports/{leak_report_id}/status", response_class=HTMLResponse)
async def move(request: Request, leak_report_id: int, principal: Worker) -> Response:
    """Refer, confirm or dismiss a report from the console."""
    try:
        body = LeakStatusChange.model_validate(_fields(await request.form()))
        leaks_of(request).move(principal, leak_report_id, body.status, body.note)
    except ValidationError as invalid:
        return _page(request, principal, _invalid(invalid), 422)
    except FanzhaError as failure:
        return _page(request, principal, failure, failure.status)
    return RedirectResponse("/leaks", status_code=303)
