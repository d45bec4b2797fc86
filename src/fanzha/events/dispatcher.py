"""Deliver outbox events to one sink at least once, under a lease so workers can run side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.core.paging import advance
from fanzha.db.engine import reading
from fanzha.events.domain import DomainEvent
from fanzha.events.egress import DeliveryError
from fanzha.events.outbox import current_position, read_after
from fanzha.events.tables import OutboxEvent, SinkCursor

log = logging.getLogger("fanzha.events")


class EventPublisher(Protocol):
    """A sink: NATS JetStream, a webhook subscriber, an in-memory fake.

    A sink may also have `topic_prefix`, the topics it can want at all: it is then read only those.
    """

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


@dataclass(frozen=True)
class Lease:
    """A sink's turn: where to deliver from and how many times in a row it failed there."""

    sink: str
    position: int
    consecutive_failures: int


@dataclass(frozen=True)
class Outcome:
    """How far one delivery pass got for one sink, and the error that stopped it, if any."""

    sink: str
    position: int
    delivered: int
    error: str | None


def _cursors(session: Session, names: list[str]) -> dict[str, SinkCursor]:
    """The cursors of `names`, locked; missing ones are created first (a race with another worker is fine)."""
    query = select(SinkCursor).where(SinkCursor.sink.in_(names)).order_by(SinkCursor.sink).with_for_update()
    rows = {row.sink: row for row in session.execute(query).scalars()}
    missing = [name for name in names if name not in rows]
    for name in missing:
        try:
            with session.begin_nested():
                session.add(
                    SinkCursor(sink=name, position=0, delivered=0, failures=0, consecutive_failures=0)
                )
        except IntegrityError:
            pass  # another worker created it first
    if missing:
        rows = {row.sink: row for row in session.execute(query).scalars()}
    return rows


def provably_gone(owner: str) -> bool:
    """Whether a lease owner (`host:pid`, delivery.worker_id) is a process of this host that has ended.

    Then its lease is free at once instead of after it runs out (issue 27 item 6). Anything uncertain
    (another host, a pid that exists, even reused, or that we may not signal) waits for the lease.
    """
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _last_of_prefix(session: Session, prefix: str, after: int, head: int) -> int:
    """The last position in (after, head] of an event under `prefix`, or `after` when there is none."""
    e = OutboxEvent
    # substr, not LIKE: the planner must walk the primary key over the (short) range, never the topic
    # index over every event of the prefix ever recorded.
    query = select(func.max(e.id)).where(
        e.id > after, e.id <= head, func.substr(e.topic, 1, len(prefix)) == prefix
    )
    return int(session.scalar(query) or after)


def _behind(
    session: Session, names: list[str], head: int, prefixes: dict[str, str], idle_gap: int
) -> list[str]:
    """The sinks with something to do: behind the head and, for a prefix sink near it, an event to take.

    A prefix sink fewer than `idle_gap` events behind, none of them its own, is left where it is: passing
    them would cost two cursor transactions a pass for nothing (a disposal worker's 50 order sinks while
    samples flow). Once the gap reaches `idle_gap` it passes them as before, so reads stay short.
    """
    query = select(SinkCursor.sink, SinkCursor.position).where(SinkCursor.sink.in_(names))
    positions = {sink: position for sink, position in session.execute(query)}
    behind = [name for name in names if positions.get(name, 0) < head]
    near: dict[str, list[str]] = {}
    for name in behind:
        if name in prefixes and name in positions and head - positions[name] < idle_gap:
            near.setdefault(prefixes[name], []).append(name)
    skip: set[str] = set()
    for prefix, group in near.items():
        low = min(positions[name] for name in group)
        last = _last_of_prefix(session, prefix, low, head)
        skip.update(name for name in group if last <= positions[name])
    return [name for name in behind if name not in skip]


def take_leases(
    sessions: sessionmaker[Session],
    clock: Clock,
    worker: str,
    names: list[str],
    lease: timedelta,
    head: int | None = None,
    prefixes: dict[str, str] | None = None,
    idle_gap: int = 0,
) -> list[Lease]:
    """Lease each sink in `names` that is free, not backing off and (given `head`) behind, at once.

    `prefixes` (sink name -> topic prefix) and `idle_gap`: see `_behind`; without them every sink behind
    the head is leased.
    """
    if not names:
        return []
    if head is not None:
        # Caught-up sinks are answered from a plain read, with no lease to write and commit.
        with reading(sessions) as session:
            names = _behind(session, names, head, prefixes or {}, idle_gap)
        if not names:
            return []
    now = clock.now()
    with sessions() as session:
        leases = []
        for cursor in _cursors(session, names).values():
            held = cursor.lease_owner not in (None, worker)
            live = cursor.lease_until is not None and cursor.lease_until > now
            if held and live and not provably_gone(str(cursor.lease_owner)):
                continue
            if cursor.retry_at is not None and cursor.retry_at > now:
                continue
            cursor.lease_owner, cursor.lease_until = worker, now + lease
            leases.append(Lease(cursor.sink, cursor.position, cursor.consecutive_failures))
        session.commit()
        return leases


def record_outcomes(
    sessions: sessionmaker[Session], clock: Clock, worker: str, outcomes: list[Outcome], retry: RetryPolicy
) -> None:
    """Move the cursors of the passes this worker still holds; one transaction for all of them."""
    if not outcomes:
        return
    now = clock.now()
    with sessions() as session:
        cursors = _cursors(session, [o.sink for o in outcomes])
        for outcome in outcomes:
            cursor = cursors[outcome.sink]
            if cursor.lease_owner != worker:
                continue  # our lease was taken over; the new holder re-sends from its cursor
            moved = outcome.position > cursor.position
            cursor.position = max(cursor.position, outcome.position)
            cursor.delivered += outcome.delivered
            cursor.updated_at = now
            if outcome.error is None:
                cursor.consecutive_failures, cursor.retry_at = 0, None
            else:
                cursor.failures += 1
                cursor.consecutive_failures = 1 if moved else cursor.consecutive_failures + 1
                cursor.retry_at = now + retry.delay(cursor.consecutive_failures)
                cursor.last_error = outcome.error[:500]
        session.commit()


def topic_prefix(publisher: EventPublisher) -> str | None:
    """The topics a sink can want at all (an optional `topic_prefix` attribute); None: any topic."""
    prefix = getattr(publisher, "topic_prefix", None)
    return prefix if isinstance(prefix, str) else None


@dataclass(frozen=True)
class Read:
    """Events read after a position, and the position a sink has passed once it took them all."""

    events: list[DomainEvent]
    reached: int


def read(session: Session, position: int, batch: int, prefix: str | None, head: int) -> Read:
    """Up to `batch` events after `position` (of `prefix`); a short read covers the outbox up to `head`.

    Positions follow commit order (taken under the head's lock, held until the commit), so every event up
    to a head read earlier in `session` is visible to this read: a prefix sink skips the rest unread.
    """
    events = read_after(session, position, batch, prefix)
    last = advance(position, events[-1].position) if events else position
    return Read(events, last if len(events) == batch else max(head, last))


async def deliver(publisher: EventPublisher, got: Read, lease: Lease, retry: RetryPolicy) -> Outcome:
    """Send the events after the lease's position to one sink, in order, stopping at the first refusal.

    `got` was read from the lease's position, so once every event is taken the sink has `got.reached`.
    """
    start, failures = lease.position, lease.consecutive_failures
    events = got.events
    if not events:
        return Outcome(publisher.name, got.reached, 0, None)
    many = getattr(publisher, "publish_many", None)
    wanted = [event for event in events if publisher.wants(event)]
    if many is not None and len(wanted) > 1:
        try:
            await many(wanted)
        except Exception:  # noqa: BLE001 - go one by one: finds the event at fault and backs off as usual
            log.warning("sink %s refused a batch of %s; retrying one by one", publisher.name, len(wanted))
        else:
            return Outcome(publisher.name, got.reached, len(wanted), None)
    done, delivered, error = start, 0, None
    for event in events:
        if not publisher.wants(event):
            done = event.position
            continue
        try:
            await publisher.publish(event)
        except Exception as failure:  # noqa: BLE001 - any sink failure is retried later
            # A webhook's error is its generic message: a subscriber reads it back in delivery health.
            error = (
                str(failure) if isinstance(failure, DeliveryError) else f"{type(failure).__name__}: {failure}"
            )
            log.warning("sink %s failed at %s: %s", publisher.name, event.position, type(failure).__name__)
            if done == start and failures + 1 >= retry.max_attempts:
                # This event has failed max_attempts times in a row: set it aside and go on.
                publisher.dead_letter(event, failures + 1, error)
                done, error = event.position, None
                continue
            break
        done, delivered = event.position, delivered + 1
    return Outcome(publisher.name, done if error else got.reached, delivered, error)


async def dispatch_all(
    sessions: sessionmaker[Session],
    clock: Clock,
    publishers: list[EventPublisher],
    worker: str,
    head: int | None = None,
    batch: int = 500,
    lease: timedelta = timedelta(seconds=10),  # a dead worker blocks its sinks this long at most
    retry: RetryPolicy | None = None,
    idle_gap: int = 0,
) -> int:
    """One pass over many sinks: one lease transaction, one read per distinct cursor, one cursor write.

    With 50 subscribers this is 2 writes a pass instead of 100, which is what keeps publish-to-receipt
    latency low on SQLite, where writers queue one behind another. `idle_gap` > 0 (with `head`): prefix
    sinks with none of their events within that many positions are not leased at all (`_behind`).
    """
    policy = retry or RetryPolicy()
    by_name = {p.name: p for p in publishers}
    prefixes = {name: prefix for name, p in by_name.items() if (prefix := topic_prefix(p)) is not None}
    leases = take_leases(sessions, clock, worker, list(by_name), lease, head, prefixes, idle_gap)
    if not leases:
        return 0

    def key(lease: Lease) -> tuple[int, str | None]:
        return lease.position, topic_prefix(by_name[lease.sink])

    with reading(sessions) as session:
        head = current_position(session)  # read first: every event up to it is visible to the reads
        # Subscribers mostly share one cursor and one prefix, so mostly one read for all of them.
        reads = {(at, prefix): read(session, at, batch, prefix, head) for at, prefix in set(map(key, leases))}
    outcomes = await asyncio.gather(
        *(deliver(by_name[lease.sink], reads[key(lease)], lease, policy) for lease in leases)
    )
    record_outcomes(sessions, clock, worker, list(outcomes), policy)
    return sum(o.position - lease.position for o, lease in zip(outcomes, leases, strict=True))


class Dispatcher:
    """Moves one sink's cursor forward as events are accepted; a crash re-sends, never skips."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        publisher: EventPublisher,
        worker_id: str,
        batch: int = 500,
        lease: timedelta = timedelta(seconds=10),
        retry: RetryPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._publisher = publisher
        self._worker = worker_id
        self._batch = batch
        self._lease = lease
        self._retry = retry or RetryPolicy()

    def take_lease(self, head: int | None = None) -> tuple[int, int] | None:
        """(position, consecutive failures) to deliver from; None while leased, backing off or caught up."""
        leases = take_leases(
            self._sessions, self._clock, self._worker, [self._publisher.name], self._lease, head
        )
        return (leases[0].position, leases[0].consecutive_failures) if leases else None

    async def run_once(self, head: int | None = None) -> int:
        """Deliver one batch; returns how far the cursor moved (`head`: skip the lease when caught up)."""
        return await dispatch_all(
            self._sessions,
            self._clock,
            [self._publisher],
            self._worker,
            head,
            self._batch,
            self._lease,
            self._retry,
        )

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.5) -> None:
        """Deliver until `stop` is set, pausing when there is nothing to send."""
        while not stop.is_set():
            if await self.run_once() == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)
