"""Console: orders from a run's alerts in bulk — select alerts, preview the orders, confirm (Art 13, 27)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from fanzha.core.errors import FanzhaError
from fanzha.detect.alert_orders import AlertOrders, parse_measure, selected_ids
from fanzha.detect.router import detecting, runs_of
from fanzha.disposal.domain import CATALOGUE, MEASURE_LABELS, Trigger
from fanzha.disposal.router import disposal_of
from fanzha.identifiers import KIND_LABELS
from fanzha.identity.domain import Permission, Principal
from fanzha.samples.domain import RISK_LABELS
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
# The order permission, then the detection organisations' gate (refused and audited before the body).
Issuer = Annotated[Principal, Depends(detecting(Permission.ORDER_ISSUE))]
# Measures an alert may lead to (monitoring trigger), in the catalogue's order.
ALERT_MEASURES = tuple(dict.fromkeys(r.measure for r in CATALOGUE if r.trigger is Trigger.ALERT))


def _service(request: Request) -> AlertOrders:
    return AlertOrders(runs_of(request), disposal_of(request))


async def _selection(request: Request) -> tuple[list[str], str]:
    form = await request.form()
    return [v for v in form.getlist("alert_ids") if isinstance(v, str)], str(form.get("measure") or "")


def _page(request: Request, run_id: int, status: int = 200, **context: object) -> HTMLResponse:
    return render(
        request,
        "detect/alert_orders.html",
        status,
        run_id=run_id,
        kinds=KIND_LABELS,
        levels={str(k): v for k, v in RISK_LABELS.items()},
        measures=MEASURE_LABELS,
        **{"lines": [], "done": False, "measure": "", "error": None, **context},
    )


@router.post("/console/detect/runs/{run_id}/orders/preview", response_class=HTMLResponse)
async def preview(request: Request, run_id: int, principal: Issuer) -> HTMLResponse:
    """The orders the ticked alerts would lead to, per alert: receiving institutions or the refusal."""
    ids, measure_text = await _selection(request)
    try:
        measure = parse_measure(measure_text)
        lines = _service(request).preview(principal, run_id, selected_ids(ids), measure)
    except FanzhaError as failure:
        return _page(request, run_id, failure.status, error=failure)
    return _page(request, run_id, lines=lines, measure=str(measure))


@router.post("/console/detect/runs/{run_id}/orders", response_class=HTMLResponse)
async def issue(request: Request, run_id: int, principal: Issuer) -> HTMLResponse:
    """Issue the confirmed orders, each alert on its own; the report gives each alert's orders or refusal."""
    ids, measure_text = await _selection(request)
    try:
        measure = parse_measure(measure_text)
        lines = _service(request).issue(principal, run_id, selected_ids(ids), measure)
    except FanzhaError as failure:
        return _page(request, run_id, failure.status, error=failure)
    return _page(request, run_id, lines=lines, measure=str(measure), done=True)
