"""Deliver outbox events to one sink at least once, under a lease so workers can run side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.events.domain import DomainEvent
from fanzha.events.outbox import read_after
from fanzha.events.tables import SinkCursor

log = logging.getLogger("fanzha.events")


class EventPublisher(Protocol):
    """A sink: NATS JetStream, a webhook subscriber, an in-memory fake."""

    name: str

    async def publish(self, event: DomainEvent) -> None:
        """Deliver one event; raise if it was not accepted."""


class Dispatcher:
    """Moves a sink's cursor forward as events are accepted; a crash re-sends, never skips."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        publisher: EventPublisher,
        worker_id: str,
        batch: int = 500,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._publisher = publisher
        self._worker = worker_id
        self._batch = batch
        self._lease = lease

    def _cursor(self, session: Session) -> SinkCursor:
        query = select(SinkCursor).where(SinkCursor.sink == self._publisher.name).with_for_update()
        row = session.execute(query).scalar_one_or_none()
        if row is not None:
            return row
        try:
            with session.begin_nested():
                session.add(SinkCursor(sink=self._publisher.name, position=0, delivered=0, failures=0))
        except IntegrityError:
            pass  # another worker created it first
        return session.execute(query).scalar_one()

    def take_lease(self) -> int | None:
        """The position to deliver from, or None while another worker holds the lease."""
        now = self._clock.now()
        with self._sessions() as session:
            cursor = self._cursor(session)
            held = cursor.lease_owner not in (None, self._worker)
            if held and cursor.lease_until is not None and cursor.lease_until > now:
                return None
            cursor.lease_owner, cursor.lease_until = self._worker, now + self._lease
            position = cursor.position
            session.commit()
            return position

    def _advance(self, position: int, delivered: int, error: str | None) -> None:
        with self._sessions() as session:
            cursor = self._cursor(session)
            if cursor.lease_owner != self._worker:
                return  # our lease was taken over; the new holder re-sends from its cursor
            cursor.position = max(cursor.position, position)
            cursor.delivered += delivered
            cursor.updated_at = self._clock.now()
            if error is not None:
                cursor.failures += 1
                cursor.last_error = error[:500]
            session.commit()

    async def run_once(self) -> int:
        """Deliver one batch; returns how many events the sink accepted."""
        start = self.take_lease()
        if start is None:
            return 0
        with self._sessions() as session:
            events = read_after(session, start, self._batch)
        done, error = start, None
        try:
            for event in events:
                await self._publisher.publish(event)
                done = event.position
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"
            log.warning(
                "sink %s failed at position %s: %s",
                self._publisher.name,
                done + 1,
                type(failure).__name__,
            )
        self._advance(done, done - start, error)
        return done - start

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.5) -> None:
        """Deliver until `stop` is set, pausing when there is nothing to send."""
        while not stop.is_set():
            if await self.run_once() == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)
