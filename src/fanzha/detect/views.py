"""Console pages of detection: runs, alerts and their reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core.errors import FanzhaError
from fanzha.core.invalid import invalid
from fanzha.detect import modelcard
from fanzha.detect.bulk_views import ALERT_MEASURES
from fanzha.detect.frame import REASON_SEP
from fanzha.detect.policies import OUTCOME_LABELS
from fanzha.detect.province import BACKENDS
from fanzha.detect.router import at_centre, detecting, runs_of
from fanzha.detect.runs import DETECTING_ORGS, QUEUED, RUNNING, STATUS_LABELS, AlertView
from fanzha.detect.schemas import RunCreate
from fanzha.disposal.domain import MEASURE_LABELS
from fanzha.identifiers import KIND_LABELS
from fanzha.identity.domain import OrgKind, Permission, Principal
from fanzha.samples.domain import RISK_LABELS
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
RunReader = Annotated[Principal, Depends(detecting(Permission.DETECT_READ))]
Runner = Annotated[Principal, Depends(detecting(Permission.DETECT_RUN))]
PolicyApplier = Annotated[Principal, Depends(at_centre(Permission.DETECT_RUN))]
PAGE = 50
LEVELS = ("high", "medium", "low")
REFRESH_SECONDS = 2

LABELS: dict[str, Any] = {
    "kinds": KIND_LABELS,
    "levels": {str(level): pair for level, pair in RISK_LABELS.items()},
    "statuses": STATUS_LABELS,
    "outcome_labels": {str(kind): pair for kind, pair in OUTCOME_LABELS.items()},
    "backends": BACKENDS,
}


def _engines() -> list[Any]:
    """The registry's engine classes, in its order."""
    from fanzha.detect.registry import REGISTRY

    return list(REGISTRY.values())


def _data_dirs(root: Path) -> list[str]:
    """Province data directories directly under the root (those holding a manifest.json)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())


def _index(
    request: Request,
    principal: Principal,
    form: dict[str, str] | None = None,
    error: FanzhaError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The engines, the start form and the recent runs."""
    service = runs_of(request)
    root = service.root_of(principal)
    return render(
        request,
        "detect/index.html",
        status_code,
        **LABELS,
        engines=_engines(),
        evaluations={e.name: modelcard.evaluation(e.name) for e in _engines()},
        runs=service.recent(principal, PAGE),
        root=str(root),
        data_dirs=_data_dirs(root),
        form=form or {},
        error=error,
    )


@router.get("/console/detect", response_class=HTMLResponse)
def index(request: Request, principal: RunReader) -> HTMLResponse:
    """Engines, a form to start a run, and the recent runs."""
    return _index(request, principal)


@router.post("/console/detect/runs", response_class=HTMLResponse)
async def start(request: Request, principal: Runner) -> Response:
    """Queue a run from the form; bad input shows its error on the form."""
    form = await request.form()
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        data = RunCreate.model_validate({k: v for k, v in fields.items() if v})
        run = runs_of(request).start(principal, data.engine, data.backend, data.data_dir)
    except ValidationError as wrong:
        error = invalid(wrong, "form")
        return _index(request, principal, fields, error, 422)
    except FanzhaError as failure:
        return _index(request, principal, fields, failure, failure.status)
    return RedirectResponse(f"/console/detect/runs/{run.id}", status_code=303)


def _reasons(view: AlertView) -> list[str]:
    return [r for r in view.alert.reasons.split(REASON_SEP) if r]


def _run_page(
    request: Request, principal: Principal, run_id: int, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    """A run's status and a page of its alerts; one alert's raw value when its reveal link was clicked."""
    service, q = runs_of(request), request.query_params
    run = service.get(principal, run_id)
    level, kind = q.get("level") or None, q.get("kind") or None
    after_text, reveal_text = q.get("after", ""), q.get("reveal", "")
    after = int(after_text) if after_text.isdigit() else 0
    views: list[AlertView] = []
    try:
        views = service.alerts(principal, run.id, level=level, kind=kind, after=after, limit=PAGE)
        revealed = int(reveal_text) if reveal_text.isdigit() else None
        if revealed is not None and revealed in {v.alert.id for v in views}:
            # The audited path: only the clicked alert is decrypted (and recorded as revealed).
            shown = service.alerts(principal, run.id, after=revealed - 1, limit=1, reveal=True)
            raw = {v.alert.id: v.raw_value for v in shown}
            views = [AlertView(v.alert, raw.get(v.alert.id)) for v in views]
    except FanzhaError as failure:
        error, status = failure, failure.status
    active = run.status in (QUEUED, RUNNING)
    filters = "&".join(f"{k}={v}" for k, v in (("level", level), ("kind", kind)) if v)
    from fanzha.detect.registry import REGISTRY

    response = render(
        request,
        "detect/run.html",
        status,
        **LABELS,
        run=run,
        engine=REGISTRY.get(run.engine),
        alerts=[(v, _reasons(v)) for v in views],
        outcomes=service.outcomes(principal, run.id) if run.policies_applied_at else {},
        q=q,
        after=after,
        filters=filters,
        next_after=views[-1].alert.id if len(views) == PAGE else None,
        active=active,
        may_apply=OrgKind(principal.org_kind) in DETECTING_ORGS,
        refresh=REFRESH_SECONDS,
        error=error,
        measures=MEASURE_LABELS,
        alert_measures=ALERT_MEASURES,
    )
    if active:
        response.headers["Refresh"] = str(REFRESH_SECONDS)  # follow the run until it ends
    return response


@router.get("/console/detect/runs/{run_id}", response_class=HTMLResponse)
def run_detail(request: Request, run_id: int, principal: RunReader) -> HTMLResponse:
    """A run's status (refreshing while queued or running) and its alerts, filtered and paged."""
    return _run_page(request, principal, run_id)


@router.post("/console/detect/runs/{run_id}/apply-policies", response_class=HTMLResponse)
def apply_policies(request: Request, run_id: int, principal: PolicyApplier) -> Response:
    """Apply the disposal policies to a succeeded run's alerts; applying again adds nothing."""
    try:
        runs_of(request).apply_policies(principal, run_id)
    except FanzhaError as failure:
        return _run_page(request, principal, run_id, failure, failure.status)
    return RedirectResponse(f"/console/detect/runs/{run_id}", status_code=303)
