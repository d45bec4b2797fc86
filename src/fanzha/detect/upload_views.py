"""Console: an institution uploads its own data files for detection — checked, previewed, confirmed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from fanzha.contracts import TABLES
from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.detect import uploads
from fanzha.detect.router import detecting, runs_of
from fanzha.identity.base import actor_of
from fanzha.identity.domain import Permission, Principal
from fanzha.web import limits
from fanzha.web.deps import platform_of
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Runner = Annotated[Principal, Depends(detecting(Permission.DETECT_RUN))]
# The tables engines read (the simulator's ground-truth labels are not data an institution holds).
UPLOADABLE = tuple(name for name, c in TABLES.items() if c.group != "labels")


def _page(request: Request, principal: Principal, status: int = 200, **context: Any) -> HTMLResponse:
    root = runs_of(request).root_of(principal)
    defaults: dict[str, Any] = {"checked": None, "token": "", "stored": None, "error": None, "form": {}}
    return render(
        request,
        "detect/uploads.html",
        status,
        tables=UPLOADABLE,
        datasets=uploads.datasets(root),
        **{**defaults, **context},
    )


def _days(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 366:
        raise ValidationFailed(
            "覆盖天数须为 1 至 366 的整数", "Days covered: a whole number 1-366", field="days"
        )
    return int(value)


@router.get("/console/detect/uploads", response_class=HTMLResponse)
def form(request: Request, principal: Runner) -> HTMLResponse:
    """The upload form and the caller's datasets (names and rows, never a server path)."""
    return _page(request, principal)


@router.post(
    "/console/detect/uploads",
    response_class=HTMLResponse,
    openapi_extra=limits.declare(body=uploads.MAX_BYTES + limits.MiB),
)
async def check(request: Request, principal: Runner) -> HTMLResponse:
    """Check a file against its table's contract; refused with its lines, or staged for confirmation."""
    sent = await request.form()
    fields = {k: v for k, v in sent.items() if isinstance(v, str) and k != "csrf_token"}
    upload = sent.get("file")
    try:
        uploads.dataset_name(fields.get("dataset", ""))
        _days(fields.get("days", "1"))
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("请选择文件", "Choose a file", field="file")
        data = await upload.read(uploads.MAX_BYTES + 1)
        checked = uploads.check(fields.get("table", ""), data, upload.filename or "")
    except FanzhaError as failure:
        return _page(request, principal, failure.status, error=failure, form=fields)
    if checked.errors:
        return _page(request, principal, 422, checked=checked, form=fields)
    token = uploads.stage(runs_of(request).root_of(principal), checked)
    return _page(request, principal, checked=checked, token=token, form=fields)


@router.post("/console/detect/uploads/confirm", response_class=HTMLResponse)
async def confirm(request: Request, principal: Runner) -> HTMLResponse:
    """Store the staged file in the dataset, with its manifest; audited (Art 26: the data is personal)."""
    fields = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        rows = uploads.publish(
            runs_of(request).root_of(principal),
            fields.get("token", ""),
            fields.get("table", ""),
            fields.get("dataset", ""),
            _days(fields.get("days", "1")),
        )
    except FanzhaError as failure:
        return _page(request, principal, failure.status, error=failure, form=fields)
    platform = platform_of(request)
    with platform.sessions.begin() as session:
        platform.auditor.record(
            session,
            actor_of(principal),
            "detect.upload",
            object_type="detect_dataset",
            object_id=fields["dataset"],
            source_ip=principal.source_ip,
            detail={"table": fields["table"], "rows": rows},
        )
    stored = {"dataset": fields["dataset"], "table": fields["table"], "rows": rows}
    return _page(request, principal, stored=stored, form=fields)
