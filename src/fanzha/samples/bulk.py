"""Bulk import of samples from CSV or JSON lines: every row checked first, then all or nothing."""

from __future__ import annotations

import csv
import functools
import gc
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.core.errors import FanzhaError
from fanzha.core.ids import uuid4_many
from fanzha.core.invalid import invalid
from fanzha.db.bulk import insert_rows
from fanzha.db.engine import big_cache
from fanzha.db.rows import among
from fanzha.events import outbox
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of
from fanzha.samples.domain import risk_of
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.service import Prepared, SampleService, event_payload
from fanzha.samples.tables import Sample, SampleHistory, SampleSource

COLUMNS = ("kind", "value", "fraud_type", "confidence", "evidence", "case_ref", "region_code")
MAX_ERRORS = 1000  # a report longer than this helps nobody; the count is still exact
CHUNK = 5000


@dataclass
class ImportReport:
    """What an import did, or why it did nothing."""

    rows: int = 0
    created: int = 0
    merged: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was valid and all were imported."""
        return self.error_count == 0

    def add_error(self, line: int, error: FanzhaError) -> None:
        """Keep the first errors with their line numbers."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, **error.to_dict()})


def read_rows(data: bytes, filename: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) from CSV with a header, or from JSON lines (by name or by content)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FanzhaError(
            "文件须为 UTF-8 编码", "The file must be UTF-8", field="file", code="validation_failed"
        ) from None
    if filename.endswith((".jsonl", ".ndjson", ".json")) or text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = {"__error__": "JSON"}
            yield number, row if isinstance(row, dict) else {"__error__": "JSON"}
        return
    reader = csv.DictReader(io.StringIO(text))
    try:
        for row in reader:
            yield reader.line_num, {k: v for k, v in row.items() if k is not None and v not in (None, "")}
    except csv.Error:  # a malformed line (e.g. a bare carriage return) ends the file as one bad row
        yield reader.line_num, {"__error__": "CSV"}


def _parse(row: dict[str, Any], line: int) -> SamplePublish:
    if "__error__" in row:
        fmt = row["__error__"]
        raise FanzhaError(
            f"第 {line} 行不是合法的 {fmt} 行" if fmt == "CSV" else f"第 {line} 行不是合法的 JSON 对象",
            f"Line {line} is not valid CSV" if fmt == "CSV" else f"Line {line} is not a JSON object",
            field="line",
            code="validation_failed",
        )
    try:
        return SamplePublish.model_validate(row)
    except ValidationError as error:
        raise invalid(error) from None


class BulkImporter:
    """Validates a whole file, then writes it in one transaction with set-based inserts."""

    def __init__(self, samples: SampleService) -> None:
        self._samples = samples

    def run(
        self,
        principal: Principal,
        data: bytes,
        filename: str,
        progress: Callable[[str, int], None] | None = None,
    ) -> ImportReport:
        """Import every row, or none when any row is bad (the report lists them by line)."""
        # A million rows make millions of small acyclic objects: the cyclic collector would walk
        # them again and again for nothing.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run(principal, data, filename, progress)
        finally:
            if was_enabled:
                gc.enable()

    def _run(
        self, principal: Principal, data: bytes, filename: str, progress: Callable[[str, int], None] | None
    ) -> ImportReport:
        report = ImportReport()
        prepared: dict[str, tuple[int, Prepared]] = {}
        for line, row in read_rows(data, filename):
            report.rows += 1
            try:
                item = self._samples.prepare(principal, _parse(row, line))
            except FanzhaError as error:
                report.add_error(line, error)
                continue
            prepared.setdefault(item.token, (line, item))  # a repeated identifier merges into the first
            if progress and report.rows % CHUNK == 0:
                progress("checked", report.rows)
        if not report.ok or not prepared:
            return report
        with self._samples.uow() as uow, big_cache(uow.session):
            items = [p for _, p in prepared.values()]
            for start in range(0, len(items), CHUNK):
                created, merged = self._write_chunk(uow.session, principal, items[start : start + CHUNK])
                report.created += created
                report.merged += merged
                if progress:
                    progress("written", start + min(CHUNK, len(items) - start))
            self._samples.audit.record(
                uow.session,
                actor_of(principal),
                "sample.import",
                source_ip=principal.source_ip,
                detail={"rows": report.rows, "created": report.created, "merged": report.merged},
            )
            uow.commit()
        return report

    def _write_chunk(self, session: Session, principal: Principal, items: list[Prepared]) -> tuple[int, int]:
        """Merge the few that exist through the service; insert the rest with Core executemany."""
        existing = set(
            session.scalars(
                select(Sample.token).where(among(session, Sample.token, [p.token for p in items]))
            )
        )
        for item in (p for p in items if p.token in existing):
            self._samples.write(session, principal, item)
        fresh = [p for p in items if p.token not in existing]
        if not fresh:
            return 0, len(existing)
        vault, expiry = self._samples.vault, self._samples.expiry
        now = self._samples.clock.now()
        expires = {kind: expiry.until(kind, now) for kind in {p.identifier.kind for p in fresh}}
        # Enum texts and risk levels once per distinct value, not once per row.
        text = _Texts()
        risk = {c: str(risk_of(c)) for c in {p.data.confidence for p in fresh}}
        # Core inserts skip the ORM's column defaults (a fresh UUIDv4 each, as new_stix_uuid draws).
        stix = iter(uuid4_many(2 * len(fresh)))
        rows: list[dict[str, Any]] = [
            {
                "kind": text[p.identifier.kind],
                "token": p.token,
                "ciphertext": vault.encrypt(p.identifier, p.token),
                "masked": vault.mask(p.identifier),
                "fraud_type": text[p.data.fraud_type],
                "status": text[p.status_if_new],
                "confidence": p.data.confidence,
                "risk_level": risk[p.data.confidence],
                "region_code": p.data.region_code,
                "first_seen": now,
                "last_seen": now,
                "expires_at": expires[p.identifier.kind],
                "status_reason": "",
                "hits": 0,
                "false_positives": 0,
                "created_at": now,
                "updated_at": now,
                "stix_indicator": next(stix),
                "stix_observable": next(stix),
            }
            for p in fresh
        ]
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            # The importer holds SQLite's write lock (BEGIN IMMEDIATE), so it can number the rows
            # itself and skip reading the ids back.
            first = int(connection.scalar(select(func.coalesce(func.max(Sample.id), 0))) or 0) + 1
            for offset, row in enumerate(rows):
                row["id"] = first + offset
            insert_rows(connection, Sample.__table__, rows)  # type: ignore[arg-type]
        else:
            insert_rows(connection, Sample.__table__, rows)  # type: ignore[arg-type]
            query = select(Sample.token, Sample.id).where(
                among(session, Sample.token, [p.token for p in fresh])
            )
            ids = {token: sample_id for token, sample_id in connection.execute(query)}
            for row in rows:
                row["id"] = ids[row["token"]]
        insert_rows(
            connection,
            SampleSource.__table__,  # type: ignore[arg-type]
            [
                {
                    "sample_id": row["id"],
                    "org_id": principal.org_id,
                    "fraud_type": text[p.data.fraud_type],
                    "confidence": p.data.confidence,
                    "evidence": p.data.evidence,
                    "case_ref": p.data.case_ref,
                    "reported_at": now,
                }
                for row, p in zip(rows, fresh, strict=True)
            ],
        )
        change = "published" if principal.org_kind.is_police else "reported"
        insert_rows(
            connection,
            SampleHistory.__table__,  # type: ignore[arg-type]
            [
                {
                    "sample_id": row["id"],
                    "at": now,
                    "actor": principal.username,
                    "change": change,
                    "detail": '{"bulk": true}',
                }
                for row in rows
            ],
        )
        _events(session, rows, change, now)
        return len(fresh), len(existing)


class _Texts(dict[Any, str]):
    """str() of enum members, each computed once (a million rows repeat a handful of them)."""

    def __missing__(self, member: Any) -> str:
        self[member] = text = str(member)
        return text


def _events(session: Session, rows: list[dict[str, Any]], change: str, now: datetime) -> None:
    """One outbox event per new sample, at the chunk's moment, numbered as the import commits."""
    if change == "published":
        iso = functools.cache(datetime.isoformat)  # the chunk shares a handful of timestamps
        topics = [f"samples.published.{row['kind']}" for row in rows]
        payloads = [event_payload(row, iso) for row in rows]
    else:
        topics = ["samples.pending"] * len(rows)
        payloads = [{"sample_id": row["id"], "kind": row["kind"]} for row in rows]
    outbox.record_many(session, topics, payloads, now)
