"""Recording events inside the caller's transaction, and reading them back in order."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.db import appends
from fanzha.db.rows import locked_row
from fanzha.events.domain import DomainEvent, check_topic
from fanzha.events.tables import OutboxEvent, OutboxHead

_HEAD_ID = 1


def locked_head(session: Session) -> OutboxHead:
    """The outbox head, locked until the transaction ends, so positions follow commit order."""
    return locked_row(session, OutboxHead, id=_HEAD_ID, last_position=0)


def current_head(sessions: sessionmaker[Session]) -> int:
    """The last position handed out (0 before the first event)."""
    with sessions() as session:
        return current_position(session)


def current_position(session: Session) -> int:
    """The last position handed out, read in `session` (0 before the first event)."""
    return int(session.scalar(select(OutboxHead.last_position).where(OutboxHead.id == _HEAD_ID)) or 0)


def record(session: Session, clock: Clock, topic: str, payload: dict[str, Any]) -> DomainEvent:
    """Append an event; it becomes visible, and deliverable, only if the transaction commits."""
    head = locked_head(session)
    head.last_position += 1
    encoded = encode_payload(payload)
    # The event carries the payload as stored, exactly what a reader of the outbox gets back.
    event = DomainEvent(
        head.last_position, str(uuid.uuid4()), check_topic(topic), clock.now(), orjson.loads(encoded)
    )
    # Queued, so a batch of events goes in one INSERT when the transaction commits.
    appends.append(
        session,
        OutboxEvent,
        {
            "id": event.position,
            "event_id": event.event_id,
            "topic": event.topic,
            "payload": encoded,
            "occurred_at": event.occurred_at,
        },
    )
    return event


def encode_payload(payload: dict[str, Any]) -> str:
    """Compact JSON with sorted keys: the stored and delivered form of a payload."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()


def read_after(
    session: Session, position: int, limit: int, topic_prefix: str | None = None
) -> list[DomainEvent]:
    """Events after `position`, oldest first (the pull feed and the dispatchers read this)."""
    e = OutboxEvent
    # Columns, not ORM objects: a dispatcher reads every event, most of them for other sinks.
    query = select(e.id, e.event_id, e.topic, e.occurred_at, e.payload).where(e.id > position)
    query = query.order_by(e.id).limit(limit)
    if topic_prefix:
        query = query.where(e.topic.startswith(topic_prefix))
    return [DomainEvent(*row[:4], orjson.loads(row[4])) for row in session.execute(query)]
