"""HTTP API of oversight: indicator tables, the dashboard's and scorecard's JSON twins, notifications."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from fanzha.core.errors import ValidationFailed
from fanzha.events import outbox
from fanzha.identity.domain import Permission, Principal
from fanzha.oversight.domain import BY_KEY, INDICATORS, Grain, Indicator, Span
from fanzha.oversight.notifications import TOPIC, Notifications
from fanzha.oversight.service import OversightService, Row
from fanzha.oversight.tables import Notification
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/oversight", tags=["oversight"])
Reader = Annotated[Principal, Depends(authorize(Permission.OVERSIGHT_READ))]
Scorer = Annotated[Principal, Depends(authorize(Permission.OVERSIGHT_SCORECARD))]
Publisher = Annotated[Principal, Depends(authorize(Permission.OVERSIGHT_PUBLISH))]
PeriodKey = Annotated[str | None, Query(max_length=8, description="YYYY-MM (month) or YYYY-Www (week)")]


def oversight_of(request: Request) -> OversightService:
    """The oversight service wired into this app."""
    service = platform_of(request).oversight
    assert service is not None, "build_platform wires oversight"
    return service


def notifications_of(request: Request) -> Notifications:
    """The notifications use cases wired into this app."""
    service = platform_of(request).notifications
    assert service is not None, "build_platform wires notifications"
    return service


def row_json(row: Row) -> dict[str, Any]:
    """A row as the API returns it."""
    return {"key": row.key, "name": row.name, "kind": row.kind, "period": row.period, "values": row.values}


def notification_json(row: Notification) -> dict[str, Any]:
    """A notification's header as the API returns it."""
    return {
        "id": row.id,
        "month": row.month,
        "title": row.title,
        "status": row.status,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
        "published_by": row.published_by,
        "published_at": row.published_at.isoformat() if row.published_at else None,
        "sm3": row.sm3,
    }


@router.get("/definitions")
def definitions(principal: Scorer) -> list[dict[str, str]]:
    """Every indicator: key, Chinese and English label, unit, which way is better (docs/oversight.md)."""
    return [asdict(i) for i in INDICATORS]


@router.get("/indicators")
def table(
    request: Request,
    principal: Reader,
    grain: Grain = Grain.INSTITUTION,
    span: Span = Span.MONTH,
    period: PeriodKey = None,
    periods: Annotated[int, Query(ge=1, le=60)] = 1,
    rank_by: Annotated[
        str | None, Query(max_length=40, description="an indicator key: a ranked table")
    ] = None,
) -> dict[str, Any]:
    """Indicators per institution, sector, city or county for a month or week (and the ones before)."""
    if rank_by is not None and rank_by not in BY_KEY:
        raise ValidationFailed(
            f"未知指标「{rank_by}」", f"Unknown indicator {rank_by!r} (see /definitions)", field="rank_by"
        )
    spans, rows = oversight_of(request).table(principal, grain, span, period, periods)
    if rank_by is not None:
        rows = ranked(rows, BY_KEY[rank_by])
    return {"grain": grain, "periods": [p.key for p in spans], "items": [row_json(r) for r in rows]}


def ranked(rows: list[Row], indicator: Indicator) -> list[Row]:
    """Rows best first on `indicator` within each period (empty values last)."""
    lower = indicator.better == "lower"

    def key(row: Row) -> tuple[str, bool, float]:
        value = row.values.get(indicator.key)
        return (row.period, value is None, (value or 0.0) if lower else -(value or 0.0))

    return sorted(rows, key=key)


@router.get("/dashboard")
def dashboard(request: Request, principal: Reader, month: PeriodKey = None) -> dict[str, Any]:
    """The dashboard's JSON twin: by city, the 12-month trend, the ranking with praise and criticism."""
    data = oversight_of(request).dashboard(principal, month)
    return {
        "period": data["period"],
        "cities": [row_json(r) for r in data["cities"]],
        "trend": [{"period": p, "values": v} for p, v in data["trend"]],
        "ranking": [asdict(j) for j in data["ranking"]],
    }


@router.get("/scorecards/{org_id}")
def scorecard(request: Request, org_id: int, principal: Scorer, month: PeriodKey = None) -> dict[str, Any]:
    """An institution's scorecard against its sector's medians (an institution reads its own only)."""
    data = oversight_of(request).scorecard(principal, org_id, month)
    data["trend"] = [{"period": p, "values": v} for p, v in data["trend"]]
    return data


@router.get("/notifications")
def notifications(request: Request, principal: Scorer) -> list[dict[str, Any]]:
    """Monthly notifications: police see drafts too, institutions and regulators the published ones."""
    return [notification_json(n) for n in notifications_of(request).listing(principal)]


@router.post("/notifications/draft", status_code=201)
def draft(request: Request, principal: Publisher, month: PeriodKey = None) -> dict[str, Any]:
    """Draft the month's notification (default: last month) for the provincial centre to review."""
    return notification_json(notifications_of(request).draft(principal, month))


@router.get("/notifications/{notification_id}")
def notification(request: Request, notification_id: int, principal: Scorer) -> dict[str, Any]:
    """A notification with its figures."""
    row, content = notifications_of(request).read(principal, notification_id)
    return notification_json(row) | {"content": content}


@router.get(
    "/notifications/{notification_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def pdf(request: Request, notification_id: int, principal: Scorer) -> Response:
    """The notification as PDF: the archived one when published, a review copy of a draft."""
    row, data = notifications_of(request).pdf(principal, notification_id)
    name = f"notification-{row.month}-{row.status}.pdf"
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


class Review(BaseModel):
    """The reviewer's note on publishing (审核意见), kept in the audit record."""

    note: str = Field(default="", max_length=500)


@router.post("/notifications/{notification_id}/publish")
def publish(request: Request, notification_id: int, body: Review, principal: Publisher) -> dict[str, Any]:
    """Publish a reviewed draft: archived with its SM3 digest and delivered to every recipient."""
    return notification_json(notifications_of(request).publish(principal, notification_id, body.note))


@router.get("/feed")
def feed(
    request: Request,
    principal: Scorer,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Published notifications addressed to the caller's organisation, oldest first (police: all)."""
    with platform_of(request).sessions() as session:
        events = outbox.read_after(session, after, limit * 4, TOPIC)
    mine = [
        e for e in events if principal.org_kind.is_police or principal.org_id in e.payload.get("org_ids", [])
    ]
    items = [
        {"position": e.position, "event_id": e.event_id, "topic": e.topic, "payload": e.payload} for e in mine
    ]
    last = items[-1]["position"] if items else (events[-1].position if events else after)
    return {"items": items[:limit], "next_after": last}
