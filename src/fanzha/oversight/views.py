"""Console pages of oversight: the province dashboard, an institution's scorecard, notifications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanzha.core.errors import FanzhaError
from fanzha.identity.domain import Permission, Principal
from fanzha.oversight.domain import INDICATORS
from fanzha.oversight.router import PeriodKey, notifications_of, oversight_of
from fanzha.web import charts
from fanzha.web.deps import authorize
from fanzha.web.i18n import language_of, translator
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(authorize(Permission.OVERSIGHT_READ))]
Scorer = Annotated[Principal, Depends(authorize(Permission.OVERSIGHT_SCORECARD))]
Publisher = Annotated[Principal, Depends(authorize(Permission.OVERSIGHT_PUBLISH))]
SHOWN = ("orders", "exec_median_min", "exec_p90_min", "overdue_rate", "refused", "wrongful_rate", "samples")


def _pct(value: float | None) -> float:
    return round(100 * (value or 0.0), 1)


@router.get("/oversight", response_class=HTMLResponse)
def dashboard(request: Request, principal: Reader, month: PeriodKey = None) -> HTMLResponse:
    """Indicators by city (bar), the 12-month trend (line), the ranking with praise and criticism."""
    _ = translator(language_of(request))
    data = oversight_of(request).dashboard(principal, month)
    cities = sorted(data["cities"], key=lambda r: r.key)
    by_city = charts.bar(
        _("oversight.chart.by_city"),
        [c.name for c in cities],
        {
            _("oversight.series.orders"): [c.values.get("orders") or 0 for c in cities],
            _("oversight.series.overdue"): [_pct(c.values.get("overdue_rate")) for c in cities],
        },
    )
    trend = charts.line(
        _("oversight.chart.trend"),
        [p for p, _ in data["trend"]],
        {
            _("oversight.series.orders"): [v.get("orders") or 0 for _, v in data["trend"]],
            _("oversight.series.overdue"): [_pct(v.get("overdue_rate")) for _, v in data["trend"]],
            _("oversight.series.samples"): [v.get("samples") or 0 for _, v in data["trend"]],
        },
    )
    return render(
        request,
        "oversight/dashboard.html",
        period=data["period"],
        charts_=[by_city, trend],
        ranking=data["ranking"],
        indicators=[i for i in INDICATORS if i.key in SHOWN],
    )


@router.get("/oversight/scorecard", response_class=HTMLResponse)
def scorecard(
    request: Request,
    principal: Scorer,
    org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    month: PeriodKey = None,
) -> Response:
    """An institution's own scorecard against its sector's medians (police and regulators pick one)."""
    _ = translator(language_of(request))
    if org_id is None:
        if not principal.org_kind.is_institution:
            return RedirectResponse("/oversight", status_code=303)
        org_id = principal.org_id
    data = oversight_of(request).scorecard(principal, org_id, month)
    shown = [i for i in INDICATORS if i.key in SHOWN]
    compare = charts.bar(
        _("oversight.chart.compare"),
        [i.zh if language_of(request) == "zh" else i.en for i in shown],
        {
            _("oversight.own"): [_num(data["values"].get(i.key), i.unit) for i in shown],
            _("oversight.median"): [_num(data["medians"].get(i.key), i.unit) for i in shown],
        },
        horizontal=True,
    )
    trend = charts.line(
        _("oversight.chart.own_trend"),
        [p for p, _ in data["trend"]],
        {
            _("oversight.series.orders"): [v.get("orders") or 0 for _, v in data["trend"]],
            _("oversight.series.overdue"): [_pct(v.get("overdue_rate")) for _, v in data["trend"]],
        },
    )
    return render(
        request,
        "oversight/scorecard.html",
        data=data,
        charts_=[compare, trend],
        indicators=shown,
        org_id=org_id,
    )


def _num(value: float | None, unit: str) -> float:
    return _pct(value) if unit == "rate" else round(value or 0.0, 1)


def _list(
    request: Request, principal: Principal, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    items = notifications_of(request).listing(principal)
    return render(request, "oversight/notifications.html", status, items=items, error=error)


@router.get("/oversight/notifications", response_class=HTMLResponse)
def notifications(request: Request, principal: Scorer) -> HTMLResponse:
    """Monthly notifications; the provincial centre drafts, reviews and publishes them here."""
    return _list(request, principal)


@router.post("/oversight/notifications/draft", response_class=HTMLResponse)
async def draft(request: Request, principal: Publisher) -> Response:
    """Draft the month's notification from the console form."""
    form = await request.form()
    month = str(form.get("month") or "") or None
    try:
        row = notifications_of(request).draft(principal, month)
    except FanzhaError as failure:
        return _list(request, principal, failure, failure.status)
    return RedirectResponse(f"/oversight/notifications/{row.id}", status_code=303)


def _page(
    request: Request,
    principal: Principal,
    notification_id: int,
    error: FanzhaError | None = None,
    status: int = 200,
) -> HTMLResponse:
    row, content = notifications_of(request).read(principal, notification_id)
    _ = translator(language_of(request))
    cities = content["cities"]
    by_city = charts.bar(
        _("oversight.chart.orders_by_city"),
        [c["name"] for c in cities],
        {_("oversight.series.orders"): [c["values"].get("orders") or 0 for c in cities]},
    )
    context: dict[str, Any] = {"row": row, "content": content, "charts_": [by_city], "error": error}
    context["indicators"] = [i for i in INDICATORS if i.key in SHOWN]
    return render(request, "oversight/notification.html", status, **context)


@router.get("/oversight/notifications/{notification_id}", response_class=HTMLResponse)
def notification(request: Request, notification_id: int, principal: Scorer) -> HTMLResponse:
    """A notification as a page: the figures, the ranking, praise and criticism; its PDF."""
    return _page(request, principal, notification_id)


@router.post("/oversight/notifications/{notification_id}/publish", response_class=HTMLResponse)
async def publish(request: Request, notification_id: int, principal: Publisher) -> Response:
    """Publish a reviewed draft, with the reviewer's note."""
    note = str((await request.form()).get("note") or "")[:500]
    try:
        notifications_of(request).publish(principal, notification_id, note)
    except FanzhaError as failure:
        if failure.status in (403, 404):
            raise
        return _page(request, principal, notification_id, failure, failure.status)
    return RedirectResponse(f"/oversight/notifications/{notification_id}", status_code=303)
