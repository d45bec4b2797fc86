"""HTTP API of disposal: catalogue, routing tables, orders, receipts, the institution's order feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from sqlalchemy import select

from fanzha.appeals.tables import Appeal
from fanzha.core.errors import FanzhaError, PermissionDenied
from fanzha.disposal.domain import CATALOGUE, MEASURE_LABELS
from fanzha.disposal.routing import RoutingService
from fanzha.disposal.schemas import (
    BulkOrderResult,
    BulkOrders,
    BulkReceiptResult,
    BulkReceipts,
    MeasureRead,
    ObjectHistory,
    OrderBatch,
    OrderCreate,
    OrderDetail,
    OrderEventRead,
    OrderPage,
    OrderRead,
    ReceiptCreate,
    ResponsibleQuery,
    ResponsibleRead,
    RouteTableRead,
    TaskClose,
    TaskRead,
)
from fanzha.disposal.service import DisposalService
from fanzha.disposal.tables import Notice, Order
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind, normalise
from fanzha.identity.domain import Permission, Principal
from fanzha.samples.tables import Sample
from fanzha.web import limits, ratelimit
from fanzha.web.deps import authorize, platform_of
from fanzha.web.idempotent import idempotent

router = APIRouter(prefix="/api/v1/disposal", tags=["disposal"])
Reader = Annotated[Principal, Depends(authorize(Permission.ORDER_READ))]
Issuer = Annotated[Principal, Depends(authorize(Permission.ORDER_ISSUE))]
Receiver = Annotated[Principal, Depends(authorize(Permission.ORDER_RECEIPT))]
RoutingAdmin = Annotated[Principal, Depends(authorize(Permission.ROUTING_MANAGE))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]


def disposal_of(request: Request) -> DisposalService:
    """The disposal service wired into this app."""
    service = platform_of(request).disposal
    assert service is not None, "build_platform wires disposal"
    return service


def routing_of(request: Request) -> RoutingService:
    """The routing service wired into this app."""
    service = platform_of(request).routing
    assert service is not None, "build_platform wires routing"
    return service


def _idempotent(
    request: Request, principal: Principal, key: str | None, body: Any, run: Any, status: int
) -> Any:
    """Answer a retried request with the first answer (Idempotency-Key, per organisation)."""
    return idempotent(request, principal, key, body, lambda: (status, run()))


@router.get("/measures", response_model=list[MeasureRead])
def measures(principal: Reader, kind: IdentifierKind | None = None) -> list[MeasureRead]:
    """The measure catalogue: per object kind, what may be ordered, of whom, on which article, how fast."""
    return [
        MeasureRead(
            kind=str(r.kind),
            measure=str(r.measure),
            label_zh=MEASURE_LABELS[r.measure][0],
            label_en=MEASURE_LABELS[r.measure][1],
            institution=str(r.institution),
            trigger=str(r.trigger),
            article=r.article,
            grant=r.grant,
            deadline_minutes=int(r.deadline.total_seconds() // 60),
            routing=str(r.routing),
        )
        for r in CATALOGUE
        if kind is None or r.kind == kind
    ]


@router.get("/routing", response_model=list[RouteTableRead])
def routing_tables(request: Request, principal: RoutingAdmin) -> list[RouteTableRead]:
    """The routing tables and their active versions."""
    return [RouteTableRead.model_validate(t) for t in routing_of(request).tables()]


@router.post(
    "/routing/{table}",
    response_model=RouteTableRead,
    status_code=201,
    openapi_extra=limits.declare(body=32 * limits.MiB),  # 200,000 rows (MAX_ROWS) of a few columns
)
async def import_routing(
    request: Request, table: str, principal: RoutingAdmin, file: Annotated[UploadFile, File()]
) -> RouteTableRead:
    """Replace a routing table by a new version from a CSV file (all rows or none)."""
    report = routing_of(request).import_csv(principal, table, await file.read())
    return RouteTableRead(table=str(report.table), version=report.version, rows=report.rows)


@router.post("/responsible", response_model=ResponsibleRead)
def responsible(request: Request, body: ResponsibleQuery, principal: Issuer) -> ResponsibleRead:
    """Which institutions the routing tables make responsible for an identifier (posted: no raw value in
    an address, where access logs and proxies would keep it)."""
    identifier = normalise(body.kind, body.value)
    with platform_of(request).sessions() as session:
        org_ids = routing_of(request).responsible(session, identifier)
    return ResponsibleRead(kind=str(body.kind), org_ids=org_ids)


@router.post("/orders", response_model=OrderBatch, status_code=201)
def issue(request: Request, body: OrderCreate, principal: Issuer, key: IdempotencyKey = None) -> Any:
    """Issue orders on one object (routed when org_id is omitted); retries with a key are safe."""

    def run() -> Any:
        orders = disposal_of(request).issue(principal, body)
        return OrderBatch(items=[OrderRead.model_validate(o) for o in orders]).model_dump(mode="json")

    return _idempotent(request, principal, key, body.model_dump(mode="json"), run, 201)


@router.post(
    "/orders/bulk", response_model=list[BulkOrderResult], openapi_extra=limits.declare(body=4 * limits.MiB)
)
def issue_bulk(request: Request, body: BulkOrders, principal: Issuer) -> list[BulkOrderResult]:
    """Issue many orders; each line is issued (or refused with its error) on its own."""
    service, results = disposal_of(request), []
    for line, item in enumerate(body.items, start=1):
        try:
            orders = service.issue(principal, item)
        except FanzhaError as error:
            results.append(BulkOrderResult(line=line, ok=False, error=error.to_dict()))
            continue
        results.append(BulkOrderResult(line=line, ok=True, order_ids=[o.id for o in orders]))
    return results


@router.get("/orders", response_model=OrderPage)
def search(
    request: Request,
    principal: Reader,
    status: str | None = None,
    org_id: Annotated[int | None, Query(ge=1)] = None,
    token: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    overdue: bool = False,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> OrderPage:
    """Orders newest first; an institution sees only its own (and fetching them is their delivery)."""
    rows = disposal_of(request).search(
        principal, status=status, org_id=org_id, token=token, overdue=overdue, before=before, limit=limit
    )
    return OrderPage(
        items=[OrderRead.model_validate(r) for r in rows],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/feed")
def feed(
    request: Request,
    principal: Reader,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    _limit: Annotated[None, Depends(ratelimit.throttle("feed"))] = None,
) -> dict[str, Any]:
    """Order events after a position, oldest first; an institution gets only events of its own orders."""
    with platform_of(request).sessions() as session:
        events = outbox.read_after(session, after, limit * 4, "disposal.order.")
    mine = [
        e
        for e in events
        if principal.org_kind.is_police
        or e.payload.get("org_id") == principal.org_id
        # Art 23¶1: the departments see the measures on accounts, links and apps.
        or (principal.org_kind.is_department and str(e.payload.get("article", "")).startswith("第二十三条"))
    ]
    items = [
        {"position": e.position, "event_id": e.event_id, "topic": e.topic, "payload": e.payload}
        for e in mine[:limit]
    ]
    last = items[-1]["position"] if items else (events[-1].position if events else after)
    return {"items": items, "next_after": last}


@router.get("/orders/{order_id}", response_model=OrderDetail)
def detail(request: Request, order_id: int, principal: Reader) -> OrderDetail:
    """An order with its timeline and the raw object (audited)."""
    service = disposal_of(request)
    order, events, value = service.get(principal, order_id)
    return OrderDetail(
        order=OrderRead.model_validate(order),
        events=[OrderEventRead.model_validate(e) for e in events],
        object_value=value,
        notice_text=service.notice_for(principal, order_id) if principal.org_kind.is_institution else None,
    )


@router.post("/orders/{order_id}/receipt", response_model=OrderRead)
def receipt(
    request: Request, order_id: int, body: ReceiptCreate, principal: Receiver, key: IdempotencyKey = None
) -> Any:
    """The institution's receipt: acknowledged, executed, object_not_found or refused (with reason)."""

    def run() -> Any:
        order = disposal_of(request).receipt(principal, order_id, body)
        return OrderRead.model_validate(order).model_dump(mode="json")

    return _idempotent(request, principal, key, body.model_dump(mode="json"), run, 200)


@router.post(
    "/receipts", response_model=list[BulkReceiptResult], openapi_extra=limits.declare(body=4 * limits.MiB)
)
def bulk_receipts(request: Request, body: BulkReceipts, principal: Receiver) -> list[BulkReceiptResult]:
    """Receipts in bulk, one transaction; each applied (or refused) on its own; a repeat changes nothing."""
    items = [
        (
            i.order_id,
            ReceiptCreate(
                status=i.status,
                reason=i.reason,
                verification=i.verification,
                notice_delivered=i.notice_delivered,
            ),
        )
        for i in body.items
    ]
    outcomes = disposal_of(request).receipts(principal, items)
    return [
        BulkReceiptResult(order_id=order_id, ok=False, error=outcome.to_dict())
        if isinstance(outcome, FanzhaError)
        else BulkReceiptResult(order_id=order_id, ok=True, status=outcome.status)
        for (order_id, _), outcome in zip(items, outcomes, strict=True)
    ]


@router.get("/objects", response_model=ObjectHistory)
def object_history(
    request: Request, principal: Issuer, token: Annotated[str, Query(pattern=r"^[0-9a-f]{64}$")]
) -> ObjectHistory:
    """The full history of one object for the police: samples, orders, notices and appeals."""
    if not principal.org_kind.is_police:
        raise PermissionDenied("只有公安机关可以查看对象全貌", "Only police units see an object's history")
    with platform_of(request).sessions() as session:
        samples = session.scalars(select(Sample).where(Sample.token == token)).all()
        orders = session.scalars(select(Order).where(Order.object_token == token).order_by(Order.id)).all()
        notices = session.scalars(
            select(Notice).where(Notice.object_token == token).order_by(Notice.id)
        ).all()
        appeals = session.scalars(
            select(Appeal).where(Appeal.object_token == token).order_by(Appeal.id)
        ).all()
        return ObjectHistory(
            token=token,
            samples=[
                {"id": s.id, "status": s.status, "fraud_type": s.fraud_type, "reason": s.status_reason}
                for s in samples
            ],
            orders=[OrderRead.model_validate(o) for o in orders],
            notices=[
                # The text carries the appellant's appeal code, so it stays out of the history.
                {
                    "id": n.id,
                    "order_id": n.order_id,
                    "channel": n.channel,
                    "sent_at": n.sent_at,
                }
                for n in notices
            ],
            appeals=[
                {
                    "id": a.id,
                    "number": a.number,
                    "status": a.status,
                    "decision_reason": a.decision_reason,
                    # Art 34¶3: the institutions did their duty; not counted against them.
                    "institutions_fulfilled": a.institutions_fulfilled,
                }
                for a in appeals
            ],
        )


@router.get("/tasks", response_model=list[TaskRead])
def tasks(request: Request, principal: Issuer, closed: bool = False) -> list[TaskRead]:
    """The police unit's tasks (Art 13), open ones unless `closed` is asked for too."""
    rows = disposal_of(request).tasks(principal, open_only=not closed)
    return [TaskRead.model_validate(t) for t in rows]


@router.post("/tasks/{task_id}/close", response_model=TaskRead)
def close_task(request: Request, task_id: int, body: TaskClose, principal: Issuer) -> TaskRead:
    """Close a task with the report of what the unit did."""
    return TaskRead.model_validate(disposal_of(request).close_task(principal, task_id, body.report))
