"""Deliver outbox events to one sink at least once, under a lease so workers can run side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
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

    def wants(self, event: DomainEvent) -> bool:
        """Whether this sink receives `event` at all (subscriptions filter by kind and region)."""

    async def publish(self, event: DomainEvent) -> None:
        """Deliver one event; raise if it was not accepted."""

    def dead_letter(self, event: DomainEvent, attempts: int, error: str) -> None:
        """Set aside an event the sink kept refusing, so the rest can flow."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off after failures; dead-letter after `max_attempts` on one event."""

    max_attempts: int = 8
    first: timedelta = timedelta(seconds=1)
    ceiling: timedelta = timedelta(minutes=5)

    def delay(self, consecutive_failures: int) -> timedelta:
        """How long to wait after the n-th consecutive failure."""
        grown: timedelta = self.first * (2 ** max(0, consecutive_failures - 1))
        return min(self.ceiling, grown)


class Dispatcher:
    """Moves a sink's cursor forward as events are accepted; a crash re-sends, never skips."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        publisher: EventPublisher,
        worker_id: str,
        batch: int = 500,
        lease: timedelta = timedelta(seconds=10),  # a dead worker blocks its sinks this long at most
        retry: RetryPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._publisher = publisher
        self._worker = worker_id
        self._batch = batch
        self._lease = lease
        self._retry = retry or RetryPolicy()

    def _cursor(self, session: Session) -> SinkCursor:
        query = select(SinkCursor).where(SinkCursor.sink == self._publisher.name).with_for_update()
        row = session.execute(query).scalar_one_or_none()
        if row is not None:
            return row
        try:
            with session.begin_nested():
                session.add(
                    SinkCursor(
                        sink=self._publisher.name, position=0, delivered=0, failures=0, consecutive_failures=0
                    )
                )
        except IntegrityError:
            pass  # another worker created it first
        return session.execute(query).scalar_one()

    def take_lease(self, head: int | None = None) -> tuple[int, int] | None:
        """(position, consecutive failures) to deliver from; None while leased, backing off or caught up."""
        now = self._clock.now()
        with self._sessions() as session:
            if head is not None:
                # Caught up: answer from a plain read, with no lease to write and commit.
                position = session.scalar(
                    select(SinkCursor.position).where(SinkCursor.sink == self._publisher.name)
                )
                if position is not None and position >= head:
                    return None
            cursor = self._cursor(session)
            held = cursor.lease_owner not in (None, self._worker)
            if held and cursor.lease_until is not None and cursor.lease_until > now:
                return None
            if cursor.retry_at is not None and cursor.retry_at > now:
                return None
            cursor.lease_owner, cursor.lease_until = self._worker, now + self._lease
            taken = (cursor.position, cursor.consecutive_failures)
            session.commit()
            return taken

    def _advance(self, position: int, delivered: int, error: str | None) -> None:
        now = self._clock.now()
        with self._sessions() as session:
            cursor = self._cursor(session)
            if cursor.lease_owner != self._worker:
                return  # our lease was taken over; the new holder re-sends from its cursor
            moved = position > cursor.position
            cursor.position = max(cursor.position, position)
            cursor.delivered += delivered
            cursor.updated_at = now
            if error is None:
                cursor.consecutive_failures, cursor.retry_at = 0, None
            else:
                cursor.failures += 1
                cursor.consecutive_failures = 1 if moved else cursor.consecutive_failures + 1
                cursor.retry_at = now + self._retry.delay(cursor.consecutive_failures)
                cursor.last_error = error[:500]
            session.commit()

    async def run_once(self, head: int | None = None) -> int:
        """Deliver one batch; returns how far the cursor moved (`head`: skip the lease when caught up)."""
        taken = self.take_lease(head)
        if taken is None:
            return 0
        start, failures = taken
        with self._sessions() as session:
            events = read_after(session, start, self._batch)
        many = getattr(self._publisher, "publish_many", None)
        wanted = [event for event in events if self._publisher.wants(event)]
        if many is not None and len(wanted) > 1:
            try:
                await many(wanted)
            except Exception:  # noqa: BLE001 - go one by one: finds the event at fault and backs off as usual
                log.warning(
                    "sink %s refused a batch of %s; retrying one by one", self._publisher.name, len(wanted)
                )
            else:
                self._advance(events[-1].position, len(wanted), None)
                return events[-1].position - start
        done, delivered, error = start, 0, None
        for event in events:
            if not self._publisher.wants(event):
                done = event.position
                continue
            try:
                await self._publisher.publish(event)
            except Exception as failure:  # noqa: BLE001 - any sink failure is retried later
                error = f"{type(failure).__name__}: {failure}"
                log.warning(
                    "sink %s failed at %s: %s", self._publisher.name, event.position, type(failure).__name__
                )
                if done == start and failures + 1 >= self._retry.max_attempts:
                    # This event has failed max_attempts times in a row: set it aside and go on.
                    self._publisher.dead_letter(event, failures + 1, error)
                    done, error = event.position, None
                    continue
                break
            done, delivered = event.position, delivered + 1
        self._advance(done, delivered, error)
        return done - start

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.5) -> None:
        """Deliver until `stop` is set, pausing when there is nothing to send."""
        while not stop.is_set():
            if await self.run_once() == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)
