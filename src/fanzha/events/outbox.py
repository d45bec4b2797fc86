"""Recording events inside the caller's transaction, and reading them back in order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.core.ids import uuid7, uuid7_many
from fanzha.db import appends
from fanzha.db.engine import reading
from fanzha.db.rows import ensure_row
from fanzha.events.domain import DomainEvent, check_topic
from fanzha.events.tables import OutboxEvent, OutboxHead

_HEAD_ID = 1


def current_head(sessions: sessionmaker[Session]) -> int:
    """The last position handed out (0 before the first event)."""
    with reading(sessions) as session:
        return current_position(session)


def current_position(session: Session) -> int:
    """The last position handed out, read in `session` (0 before the first event)."""
    return int(session.scalar(select(OutboxHead.last_position).where(OutboxHead.id == _HEAD_ID)) or 0)


def record(session: Session, clock: Clock, topic: str, payload: dict[str, Any]) -> None:
    """Append an event; it becomes visible, and deliverable, only if the transaction commits."""
    # Queued, so a batch of events goes in one INSERT when the transaction commits; its position is
    # taken then (`_number`).
    appends.append(
        session,
        OutboxEvent,
        {
            "event_id": uuid7(),  # time-ordered: the unique index on it grows at its end
            "topic": check_topic(topic),
            "payload": encode_payload(payload),
            "occurred_at": clock.now(),
        },
    )


def record_many(
    session: Session, topics: Sequence[str], payloads: Sequence[dict[str, Any]], at: datetime
) -> None:
    """Append many events of one moment `at` (a bulk import's chunk): as `record` does each, in one go."""
    checked = {topic: check_topic(topic) for topic in set(topics)}  # a chunk repeats a few topics
    ids = uuid7_many(len(payloads))
    appends.extend(
        session,
        OutboxEvent,
        [
            {
                "event_id": event_id,
                "topic": checked[topic],
                "payload": encode_payload(payload),
                "occurred_at": at,
            }
            for event_id, topic, payload in zip(ids, topics, payloads, strict=True)
        ],
    )


def _number(session: Session, rows: list[dict[str, Any]]) -> None:
    """Positions for events about to be written, as a block, under the head's lock (held to commit).

    Positions therefore follow commit order: a reader that has seen position p will never later find
    an event below p appear.
    """
    head = cast(Table, OutboxHead.__table__)
    take = (
        update(head)
        .where(head.c.id == _HEAD_ID)
        .values(last_position=head.c.last_position + len(rows))
        .returning(head.c.last_position)
    )
    last = session.execute(take).scalar()
    if last is None:  # only the very first event ever
        ensure_row(session, OutboxHead, id=_HEAD_ID, last_position=0)
        last = session.execute(take).scalar_one()
    for offset, row in enumerate(rows, start=int(last) - len(rows) + 1):
        row["id"] = offset


appends.sequenced(OutboxEvent, _number)


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
