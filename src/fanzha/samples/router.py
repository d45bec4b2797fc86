"""HTTP API of the sample library."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fanzha_client.webhooks import standard_secret
from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from fanzha.appeals.attachments import MAX_BYTES, MAX_FILES, MEDIA_TYPES, check_file
from fanzha.appeals.router import attachment_response
from fanzha.core.errors import ValidationFailed
from fanzha.events import outbox
from fanzha.identifiers import parse_kind
from fanzha.identity.domain import Permission, Principal
from fanzha.samples.delivery import replay
from fanzha.samples.evidence import evidence_of
from fanzha.samples.schemas import (
    MAX_LOOKUP_ITEMS,
    DeadLetterRead,
    DeliveryHealth,
    EvidenceRead,
    LookupRequest,
    LookupResponse,
    PublicAnswer,
    PublicCheck,
    PublishResult,
    SampleDetail,
    SamplePage,
    SamplePublish,
    SampleRead,
    SightingCreate,
    StatusChange,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
)
from fanzha.web import limits, ratelimit
from fanzha.web.deps import authorize, client_ip, parse_body, platform_of
from fanzha.web.idempotent import idempotent

router = APIRouter(prefix="/api/v1", tags=["samples"])
Reader = Annotated[Principal, Depends(authorize(Permission.SAMPLE_READ))]
Publisher = Annotated[Principal, Depends(authorize(Permission.SAMPLE_PUBLISH))]
Decider = Annotated[Principal, Depends(authorize(Permission.SAMPLE_DECIDE))]
Looker = Annotated[Principal, Depends(authorize(Permission.SAMPLE_LOOKUP))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]
# A million-row import (~50 bytes a row) with room; 100,000 lookup items of up to ~120 bytes each.
IMPORT_BYTES = 128 * limits.MiB
LOOKUP_BYTES = 16 * limits.MiB
EVIDENCE_BYTES = MAX_FILES * MAX_BYTES + limits.MiB


@router.post("/samples", response_model=PublishResult, status_code=201)
def publish(request: Request, body: SamplePublish, principal: Publisher, key: IdempotencyKey = None) -> Any:
    """Publish a sample (police) or report one for confirmation (institutions); retries are safe."""

    def run() -> tuple[int, Any]:
        sample, created = platform_of(request).samples.publish(principal, body)
        result = PublishResult(sample=SampleRead.model_validate(sample), created=created)
        return (201 if created else 200), result.model_dump(mode="json")

    return idempotent(request, principal, key, body.model_dump(mode="json"), run)


class ImportRowError(BaseModel):
    """One refused row of a bulk import, by its line number."""

    line: int
    code: str
    message_zh: str
    message_en: str
    field: str | None


class ImportReport(BaseModel):
    """The outcome of a bulk import (201 when every row went in, 422 with the bad rows otherwise)."""

    ok: bool
    rows: int
    created: int
    merged: int
    error_count: int
    errors: list[ImportRowError]


@router.post(
    "/samples/import",
    status_code=201,
    response_model=ImportReport,
    responses={422: {"model": ImportReport}},
    openapi_extra=limits.declare(body=IMPORT_BYTES),
)
async def bulk_import(request: Request, principal: Publisher, file: Annotated[UploadFile, File()]) -> Any:
    """Import a CSV or JSON-lines file: all rows, or none with every bad row's line number."""
    data = await file.read()
    # In a worker thread: a million-row import must not stop the server answering everyone else.
    report = await run_in_threadpool(
        platform_of(request).bulk.run, principal, data, file.filename or "upload.csv"
    )
    body = {
        "ok": report.ok,
        "rows": report.rows,
        "created": report.created,
        "merged": report.merged,
        "error_count": report.error_count,
        "errors": report.errors,
    }
    return JSONResponse(body, status_code=201 if report.ok else 422)


@router.get("/samples", response_model=SamplePage)
def search(
    request: Request,
    principal: Reader,
    kind: str | None = None,
    status: str | None = None,
    fraud_type: str | None = None,
    token: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SamplePage:
    """Search samples, newest first."""
    rows = platform_of(request).samples.search(
        principal, kind=kind, status=status, fraud_type=fraud_type, token=token, before=before, limit=limit
    )
    return SamplePage(
        items=[SampleRead.model_validate(r) for r in rows],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/samples/feed")
def feed(
    request: Request,
    principal: Reader,
    after: Annotated[int, Query(ge=0, description="the last position you processed")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    kind: str | None = None,
    _limit: Annotated[None, Depends(ratelimit.throttle("feed"))] = None,
) -> dict[str, Any]:
    """Sample changes after a position, oldest first; positions never skip a committed event."""
    prefix = "samples." if kind is None else None
    with platform_of(request).sessions() as session:
        events = outbox.read_after(session, after, limit * 4 if kind else limit, prefix)
    if kind is not None:
        events = [e for e in events if e.topic.startswith("samples.") and e.payload.get("kind") == kind][
            :limit
        ]
    events = [e for e in events if e.topic != "samples.pending"]  # pending reports are not shared
    items = [
        {
            "position": e.position,
            "event_id": e.event_id,
            "topic": e.topic,
            "occurred_at": e.occurred_at.isoformat(),
            "payload": e.payload,
        }
        for e in events
    ]
    return {"items": items, "next_after": items[-1]["position"] if items else after}


@router.get("/samples/{sample_id}", response_model=SampleDetail)
def detail(request: Request, sample_id: int, principal: Reader, reveal: bool = False) -> SampleDetail:
    """A sample with its sources, sightings and history; `reveal` shows the raw value to police."""
    sample, extra = platform_of(request).samples.get(principal, sample_id, reveal)
    return SampleDetail.model_validate(
        {"sample": SampleRead.model_validate(sample), **extra}, from_attributes=True
    )


@router.post(
    "/samples/{sample_id}/evidence",
    response_model=list[EvidenceRead],
    status_code=201,
    openapi_extra=limits.declare(body=EVIDENCE_BYTES),
)
def add_evidence(
    request: Request, sample_id: int, principal: Publisher, files: Annotated[list[UploadFile], File()]
) -> list[EvidenceRead]:
    """Add evidence files (PDF, JPEG or PNG by content, 5 MB each, 5 at a time) to a sample you reported."""
    given = [f for f in files if f.filename or f.size]
    if len(given) > MAX_FILES:
        raise ValidationFailed(
            f"一次最多上传 {MAX_FILES} 个文件", f"At most {MAX_FILES} files at a time", field="files"
        )
    checked = [check_file(f.filename or "", f.file.read(MAX_BYTES + 1)) for f in given]
    rows = evidence_of(platform_of(request)).add(principal, sample_id, checked)
    return [EvidenceRead.model_validate(row) for row in rows]


@router.get("/samples/{sample_id}/evidence", response_model=list[EvidenceRead])
def list_evidence(request: Request, sample_id: int, principal: Reader) -> list[EvidenceRead]:
    """A sample's evidence files: all of them for police, an institution's own otherwise."""
    rows = evidence_of(platform_of(request)).listing(principal, sample_id)
    return [EvidenceRead.model_validate(row) for row in rows]


@router.get(
    "/samples/{sample_id}/evidence/{evidence_id}",
    response_class=Response,
    responses={200: {"description": "证据文件 / The file", "content": {m: {} for m in sorted(MEDIA_TYPES)}}},
)
def download_evidence(request: Request, sample_id: int, evidence_id: int, principal: Reader) -> Response:
    """Download one evidence file, decrypted; each download is audited."""
    row, data = evidence_of(platform_of(request)).download(principal, sample_id, evidence_id)
    return attachment_response(row, data)


@router.post("/samples/{sample_id}/confirm", response_model=SampleRead)
def confirm(request: Request, sample_id: int, body: StatusChange, principal: Decider) -> SampleRead:
    """Confirm an institution's report: the sample becomes active and is pushed to subscribers."""
    return SampleRead.model_validate(
        platform_of(request).samples.decide(principal, sample_id, True, body.reason)
    )


@router.post("/samples/{sample_id}/reject", response_model=SampleRead)
def reject(request: Request, sample_id: int, body: StatusChange, principal: Decider) -> SampleRead:
    """Reject an institution's report."""
    return SampleRead.model_validate(
        platform_of(request).samples.decide(principal, sample_id, False, body.reason)
    )


@router.post("/samples/{sample_id}/revoke", response_model=SampleRead)
def revoke(request: Request, sample_id: int, body: StatusChange, principal: Decider) -> SampleRead:
    """Revoke a sample; subscribers are told at once."""
    return SampleRead.model_validate(platform_of(request).samples.revoke(principal, sample_id, body.reason))


@router.post(
    "/samples/lookup",
    response_model=LookupResponse,
    openapi_extra=limits.declare(
        body=LOOKUP_BYTES,
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LookupRequest"}}},
        },
    ),
)
async def lookup(request: Request, principal: Looker) -> Response:
    """Look up to 100,000 identifiers (raw or tokens); answers keep the request order."""
    # Parsed straight from bytes and answered with orjson: at 100,000 items, FastAPI's generic
    # decode-validate-revalidate-encode path costs more than the lookup itself.
    raw = await request.body()
    # Every item is a JSON object: with more braces than the cap allows items, refuse before parsing,
    # which would build every item first (16 MiB of tiny items: ~0.5 GB and seconds of CPU).
    if raw.count(b"{") > MAX_LOOKUP_ITEMS + 1:
        raise ValidationFailed(
            f"一次至多查询 {MAX_LOOKUP_ITEMS:,} 项",
            f"At most {MAX_LOOKUP_ITEMS:,} items may be looked up at once",
            field="items",
        )
    body = await run_in_threadpool(parse_body, LookupRequest, raw)  # off the event loop
    results = await run_in_threadpool(platform_of(request).lookup.batch, principal, body.items)
    payload = {"results": results, "hits": sum(1 for r in results if r["found"])}
    return Response(orjson.dumps(payload), media_type="application/json")


@router.post("/samples/sightings", response_model=SampleRead, status_code=201)
def sighting(request: Request, body: SightingCreate, principal: Looker, key: IdempotencyKey = None) -> Any:
    """Report a hit or a false positive; it shows on the sample and moves its confidence. Retries are safe."""

    def run() -> tuple[int, Any]:
        sample = platform_of(request).samples.record_sighting(principal, body)
        return 201, SampleRead.model_validate(sample).model_dump(mode="json")

    return idempotent(request, principal, key, body.model_dump(mode="json"), run)


@router.post(
    "/public/check",
    response_model=PublicAnswer,
    tags=["public"],
    openapi_extra=limits.declare(rate=("check",)),
)
def public_check(request: Request, body: PublicCheck) -> Any:
    """The portal's risk check for anyone: one identifier, a coarse answer, rate-limited per client."""
    platform, client = platform_of(request), client_ip(request)
    return platform.lookup.public_check(body.kind, body.value, client)


# Subscriptions and delivery health ------------------------------------------------------------

Subscriber = Annotated[Principal, Depends(authorize(Permission.SUBSCRIPTION_MANAGE))]


@router.post("/subscriptions", response_model=SubscriptionCreated, status_code=201)
def subscribe(request: Request, body: SubscriptionCreate, principal: Subscriber) -> SubscriptionCreated:
    """Subscribe to sample changes by kind and region; a webhook's signing secret is shown once."""
    subscription, secret = platform_of(request).subscriptions.create(
        principal, list(map(str, body.kinds)), body.region_prefix, body.webhook_url
    )
    return SubscriptionCreated(
        subscription=SubscriptionRead.model_validate(subscription),
        secret=secret,
        standard_secret=standard_secret(secret) if secret else None,
    )


@router.get("/subscriptions/health", response_model=list[DeliveryHealth])
def delivery_health(request: Request, principal: Subscriber) -> list[DeliveryHealth]:
    """Per subscription: last delivered position, lag, failures, dead letters."""
    return [DeliveryHealth.from_health(h) for h in platform_of(request).subscriptions.health(principal)]


@router.post("/subscriptions/{subscription_id}/deactivate", response_model=SubscriptionRead)
def unsubscribe(request: Request, subscription_id: int, principal: Subscriber) -> SubscriptionRead:
    """Stop deliveries."""
    return SubscriptionRead.model_validate(
        platform_of(request).subscriptions.deactivate(principal, subscription_id)
    )


@router.get("/subscriptions/{subscription_id}/dead-letters", response_model=list[DeadLetterRead])
def dead_letters(request: Request, subscription_id: int, principal: Subscriber) -> list[DeadLetterRead]:
    """Events a receiver kept refusing."""
    rows = platform_of(request).subscriptions.dead_letters(principal, subscription_id)
    return [DeadLetterRead.model_validate(r) for r in rows]


@router.post("/dead-letters/{dead_letter_id}/replay", response_model=DeadLetterRead)
async def replay_dead_letter(request: Request, dead_letter_id: int, principal: Subscriber) -> DeadLetterRead:
    """Send a dead-lettered event again now."""
    return DeadLetterRead.model_validate(await replay(platform_of(request), principal, dead_letter_id))


# The filters are binary (fanzha_client.filters): declared as such, with the headers that check them.
FILTER_HEADERS = {
    "X-Filter-Version": {"description": "过滤器版本 / filter version", "schema": {"type": "integer"}},
    "X-Filter-Checksum": {"description": "校验和 / checksum", "schema": {"type": "string"}},
}
FILTER_BODY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


@router.get(
    "/samples/filters/{kind}/snapshot",
    response_class=Response,
    responses={200: {"description": "快照 / Snapshot", "content": FILTER_BODY, "headers": FILTER_HEADERS}},
)
def filter_snapshot(request: Request, kind: str, principal: Looker) -> Response:
    """Every active token of one kind as the local filter's binary snapshot (`fanzha_client.SampleFilter`)."""
    snapshot = platform_of(request).filters.snapshot(parse_kind(kind).value)
    return Response(
        snapshot.to_bytes(),
        media_type="application/octet-stream",
        headers={"X-Filter-Version": str(snapshot.version), "X-Filter-Checksum": snapshot.checksum},
    )


@router.get(
    "/samples/filters/{kind}/delta",
    response_class=Response,
    responses={
        200: {"description": "增量 / Delta", "content": FILTER_BODY, "headers": FILTER_HEADERS},
        204: {"description": "已是最新 / Already current"},
        410: {"description": "版本过旧，请取快照 / Version too old: fetch the snapshot"},
    },
)
def filter_delta(
    request: Request, kind: str, principal: Looker, from_version: Annotated[int, Query(alias="from", ge=0)]
) -> Response:
    """Additions and removals since a version; 204 when current, 410 when the version is unknown."""
    delta = platform_of(request).filters.delta(parse_kind(kind).value, from_version)
    if delta is None:
        return Response(status_code=204)
    return Response(
        delta.to_bytes(),
        media_type="application/octet-stream",
        headers={"X-Filter-Version": str(delta.to_version), "X-Filter-Checksum": delta.checksum},
    )
