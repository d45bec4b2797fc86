"""Console page of publicity targeting (Art 7-8): the month's victim profile, suggestions, campaigns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.dissuasion.campaigns import CHANNELS, CampaignInput
from fanzha.dissuasion.publicity import DIMENSIONS, Group, charts
from fanzha.dissuasion.router import CampaignCreate, profile_read, publicity_of
from fanzha.identity.domain import Permission, Principal
from fanzha.web.deps import authorize
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Worker = Annotated[Principal, Depends(authorize(Permission.PUBLICITY_WORK))]


def _page(
    request: Request, principal: Principal, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    service = publicity_of(request)
    month = request.query_params.get("month") or None
    try:
        profile = profile_read(service, principal, month)
    except ValidationFailed as bad:
        error, status, month = bad, 422, None
        profile = profile_read(service, principal, None)
    groups = [Group(**g.model_dump()) for g in profile.groups]
    return render(
        request,
        "publicity/index.html",
        status,
        profile=profile,
        charts=charts(groups) if groups else [],
        campaigns=service.campaigns(principal),
        dimensions=DIMENSIONS,
        channels=CHANNELS,
        month=month or "",
        today=service.today().isoformat(),
        error=error,
    )


@router.get("/publicity", response_class=HTMLResponse)
def page(request: Request, principal: Worker) -> HTMLResponse:
    """Profile charts, the groups most at risk, campaign records and the form to add one."""
    return _page(request, principal)


def _fields(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}


@router.post("/publicity/campaigns", response_class=HTMLResponse)
async def create(request: Request, principal: Worker) -> Response:
    """Record a campaign from the console form."""
    f = _fields(await request.form())
    try:
        body = CampaignCreate.model_validate(f)
        publicity_of(request).create(principal, CampaignInput(**body.model_dump()))
    except ValidationError as invalid:
        name = ".".join(str(p) for p in invalid.errors()[0]["loc"])
        bad = ValidationFailed(f"字段「{name}」不符合要求", f"Field '{name}' is invalid", field=name)
        return _page(request, principal, bad, 422)
    except FanzhaError as failure:
        return _page(request, principal, failure, failure.status)
    return RedirectResponse("/publicity", status_code=303)
