"""Sample feeds for tools that cannot speak TAXII: a MISP feed and a plain CSV feed (issue 21 item 4)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from fanzha.core.clock import as_utc
from fanzha.core.errors import NotFound
from fanzha.db.engine import reading
from fanzha.identity.domain import Permission, Principal
from fanzha.samples import misp, stix
from fanzha.samples.domain import FraudType
from fanzha.samples.tables import Sample
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/feeds", tags=["feeds"])
Reader = Annotated[Principal, Depends(authorize(Permission.SAMPLE_READ))]
_BATCH = 2000
# The CSV routes stream text/csv, declared as such in the API reference (not JSON).
CSV_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"description": "CSV", "content": {"text/csv": {}}}}


def _published() -> Select[Sample]:
    # Art 28¶1: only what was notified to institutions leaves the platform (as in TAXII).
    return select(Sample).where(Sample.status.in_([str(s) for s in stix.PUBLISHED_STATUSES]))


def _samples(session: Session, query: Select[Sample]) -> Iterator[Sample]:
    yield from session.scalars(query.order_by(Sample.id).execution_options(yield_per=_BATCH))


def _groups(session: Session) -> dict[tuple[str, str], datetime]:
    """(scam type, month) of every published sample, with the group's last change."""
    rows = session.execute(
        _published().with_only_columns(Sample.fraud_type, Sample.created_at, Sample.updated_at)
    )
    changed: dict[tuple[str, str], datetime] = {}
    for fraud_type, created, updated in rows:
        key = (fraud_type, misp.month_of(created))
        moment = max(as_utc(created), as_utc(updated))
        changed[key] = max(changed.get(key, moment), moment)
    return changed


@router.get("/misp/manifest.json")
def misp_manifest(request: Request, principal: Reader) -> JSONResponse:
    """The MISP feed's manifest: one entry per event (scam type and month) with its last change."""
    with reading(platform_of(request).sessions) as session:
        groups = _groups(session)
    return JSONResponse(
        {
            misp.event_uuid(f, m): misp.manifest_entry(f, m, changed)
            for (f, m), changed in sorted(groups.items())
        }
    )


@router.get("/misp/hashes.csv", response_class=Response, responses=CSV_RESPONSES)
def misp_hashes(request: Request, principal: Reader) -> Response:
    """MISP's `hashes.csv`: the MD5 of every attribute value and the event that holds it."""

    def lines() -> Iterator[str]:
        with reading(platform_of(request).sessions) as session:
            for sample in _samples(session, _published()):
                digest = misp.value_hash(misp.attribute(sample)["value"])
                yield f"{digest},{misp.event_uuid(sample.fraud_type, misp.month_of(sample.created_at))}\n"

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8")


def _find_event(session: Session, event_uuid: str) -> tuple[str, str]:
    """The (scam type, month) whose event has this uuid, among the months the library spans."""
    first, last = session.execute(
        _published().with_only_columns(func.min(Sample.created_at), func.max(Sample.created_at))
    ).one()
    if first is not None:
        month, end = misp.month_of(first), misp.month_of(last)
        while month <= end:
            for fraud_type in FraudType:
                if misp.event_uuid(fraud_type, month) == event_uuid:
                    return str(fraud_type), month
            month = misp.month_of(misp.month_bounds(month)[1])
    raise NotFound("没有这个 MISP 事件", "No such MISP event", field="event_uuid")


@router.get("/misp/{event_uuid}.json")
def misp_event(request: Request, event_uuid: str, principal: Reader) -> JSONResponse:
    """One MISP event file: a scam type's published samples that entered in one month."""
    with reading(platform_of(request).sessions) as session:
        fraud_type, month = _find_event(session, event_uuid)
        start, after = misp.month_bounds(month)
        query = _published().where(
            Sample.fraud_type == fraud_type, Sample.created_at >= start, Sample.created_at < after
        )
        return JSONResponse(misp.event(fraud_type, month, _samples(session, query)))


CSV_COLUMNS = (
    "value", "kind", "fraud_type", "status", "risk_level", "confidence", "masked",
    "first_seen", "last_seen", "expires_at", "updated_at", "stix_indicator_id",
)  # fmt: skip


def _csv_row(sample: Sample) -> list[object]:
    times = (sample.first_seen, sample.last_seen, sample.expires_at, sample.updated_at)
    facts: tuple[object, ...] = (sample.kind, sample.fraud_type, sample.status, sample.risk_level)
    facts += (sample.confidence, sample.masked)
    return [misp.attribute(sample)["value"], *facts, *map(stix.timestamp, times), stix.indicator_id(sample)]


@router.get("/samples.csv", response_class=Response, responses=CSV_RESPONSES)
def samples_csv(request: Request, principal: Reader) -> Response:
    """Every published sample as one CSV row: the value where it is not personal, else the keyed token."""

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        with reading(platform_of(request).sessions) as session:
            for sample in _samples(session, _published()):
                writer.writerow(_csv_row(sample))
                if buffer.tell() > 64_000:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="fanzha-samples.csv"'},
    )
