"""Appending to and reading the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.domain import GENESIS, KEYED, AuditEntry, Sealer
from fanzha.audit.tables import AuditHead, AuditRecord
from fanzha.core.paging import advance
from fanzha.db import appends
from fanzha.db.rows import ensure_row

_HEAD_ID = 1
_SEALER = "fanzha.audit.sealer"


@dataclass(frozen=True)
class AuditFilter:
    """What an audit admin searches by."""

    action: str | None = None
    actor: str | None = None
    org_id: int | None = None
    result: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def seal_with(sessions: sessionmaker[Session], sealer: Sealer) -> None:
    """Have the factory's sessions MAC the audit entries they write with `sealer`."""
    sessions.kw.setdefault("info", {})[_SEALER] = sealer


def append(session: Session, entry_fields: dict[str, object]) -> None:
    """Queue an entry; it is linked into the chain as the transaction commits (`_link`)."""
    appends.append(session, AuditRecord, entry_fields)


def _link(session: Session, rows: list[dict[str, Any]]) -> None:
    """Chain entries about to be written to the head, under its lock (held to commit), and move it."""
    head = cast(Table, AuditHead.__table__)
    query = select(head.c.seq, head.c.hash).where(head.c.id == _HEAD_ID).with_for_update()
    found = session.execute(query).one_or_none()
    if found is None:  # only the very first entry ever
        ensure_row(session, AuditHead, id=_HEAD_ID, seq=0, hash=GENESIS)
        found = session.execute(query).one()
    seq, last = found
    sealer: Sealer | None = session.info.get(_SEALER)
    if sealer is None:  # an unkeyed entry would be forgeable: refuse rather than write one
        raise RuntimeError("audit entries need the audit key: sessions not from an Auditor's factory")
    for row in rows:
        seq += 1
        entry = AuditEntry(seq=seq, prev_hash=last, **row)
        last = sealer.seal(entry)
        row.update(seq=seq, prev_hash=entry.prev_hash, hash=last, mac_version=KEYED)
    session.execute(update(head).where(head.c.id == _HEAD_ID).values(seq=seq, hash=last))


appends.sequenced(AuditRecord, _link)


def to_entry(record: AuditRecord) -> AuditEntry:
    """The domain view of a stored row."""
    return AuditEntry(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        actor_user_id=record.actor_user_id,
        org_id=record.org_id,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        result=record.result,
        source_ip=record.source_ip,
        detail=record.detail,
        prev_hash=record.prev_hash,
    )


def iter_chain(
    session: Session, after: int = 0, upto: int | None = None, batch: int = 5000
) -> Iterator[tuple[AuditEntry, int, str]]:
    """Entries after `after` (up to `upto`) in sequence order with version and stored MAC, in batches."""
    last = after
    while True:
        query = select(AuditRecord).where(AuditRecord.seq > last).order_by(AuditRecord.seq).limit(batch)
        if upto is not None:
            query = query.where(AuditRecord.seq <= upto)
        rows = session.scalars(query).all()
        if not rows:
            return
        for row in rows:
            yield to_entry(row), row.mac_version, row.hash
        last = advance(last, rows[-1].seq)


def head(session: Session) -> tuple[int, str]:
    """The chain head's sequence and hash."""
    row = session.get(AuditHead, _HEAD_ID)
    return (0, GENESIS) if row is None else (row.seq, row.hash)


def search(session: Session, where: AuditFilter, before_seq: int | None, limit: int) -> list[AuditRecord]:
    """Newest first, keyset-paginated by sequence."""
    query = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditRecord.seq < before_seq)
    if where.action:
        query = query.where(AuditRecord.action == where.action)
    if where.actor:
        query = query.where(AuditRecord.actor == where.actor)
    if where.org_id is not None:
        query = query.where(AuditRecord.org_id == where.org_id)
    if where.result:
        query = query.where(AuditRecord.result == where.result)
    if where.since:
        query = query.where(AuditRecord.at >= where.since)
    if where.until:
        query = query.where(AuditRecord.at < where.until)
    return list(session.scalars(query).all())


def count(session: Session) -> int:
    """How many entries the table holds."""
    return int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)
