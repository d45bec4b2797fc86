"""The outbox on SQLite and PostgreSQL, delivered to a real NATS JetStream exactly once per event."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.js.api import StreamConfig

from fanzha.audit.service import SYSTEM
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.db.uow import UnitOfWork
from fanzha.events import outbox
from fanzha.events.dispatcher import Dispatcher, RetryPolicy, dispatch_all, take_leases
from fanzha.events.domain import DomainEvent
from fanzha.events.nats_sink import JetStreamPublisher, subject_of
from fanzha.events.tables import SinkCursor
from fanzha.identity.domain import OrgKind
from fanzha.identity.schemas import OrganisationCreate
from fanzha.samples.delivery import worker_id
from tests.conftest import service_missing
from tests.factories import make_world

NATS_URL = os.environ.get("FANZHA_TEST_NATS_URL", "nats://127.0.0.1:4222")


class FlakySink:
    """An in-memory sink that fails on chosen positions, to test re-delivery."""

    name = "memory"

    def __init__(self, fail_at: set[int] | None = None, always_fail: set[int] | None = None) -> None:
        self.received: list[DomainEvent] = []
        self.fail_at = fail_at or set()
        self.always_fail = always_fail or set()
        self.dead: list[tuple[int, int]] = []

    def wants(self, event: DomainEvent) -> bool:
        return event.payload.get("skip") is None

    async def publish(self, event: DomainEvent) -> None:
        if event.position in self.always_fail:
            raise ConnectionError("receiver rejects this one")
        if event.position in self.fail_at:
            self.fail_at.discard(event.position)
            raise ConnectionError("receiver down")
        self.received.append(event)

    def dead_letter(self, event: DomainEvent, attempts: int, error: str) -> None:
        self.dead.append((event.position, attempts))


def _record(platform: Platform, n: int, commit: bool = True) -> None:
    with UnitOfWork(platform.sessions, platform.clock) as uow:
        for i in range(n):
            outbox.record(uow.session, platform.clock, "samples.published.phone", {"i": i})
        if commit:
            uow.commit()


def test_only_committed_events_are_delivered_in_order_and_failures_resend(
    platform: Platform, clock: FrozenClock
) -> None:
    _record(platform, 3)
    _record(platform, 2, commit=False)  # rolled back: must never be seen
    _record(platform, 2)
    sink = FlakySink(fail_at={4})
    dispatcher = Dispatcher(platform.sessions, platform.clock, sink, "w1")
    assert asyncio.run(dispatcher.run_once()) == 3  # stops at the failure, cursor after event 3
    assert asyncio.run(dispatcher.run_once()) == 0  # backing off
    clock.advance(timedelta(seconds=2))
    assert asyncio.run(dispatcher.run_once()) == 2
    assert [e.position for e in sink.received] == [1, 2, 3, 4, 5]
    assert [e.payload["i"] for e in sink.received] == [0, 1, 2, 0, 1]
    assert asyncio.run(dispatcher.run_once()) == 0


def test_an_open_transaction_holds_up_no_other_writer_and_positions_follow_commits(
    platform: Platform,
) -> None:
    """Positions and audit links are taken at commit: a writer still at work keeps no one waiting."""
    clock = platform.clock
    slow = platform.sessions()
    outbox.record(slow, clock, "samples.published.phone", {"n": "slow"})
    platform.auditor.record(slow, SYSTEM, "test.slow")

    def quick() -> None:
        with platform.sessions() as session:
            outbox.record(session, clock, "samples.published.phone", {"n": "quick"})
            platform.auditor.record(session, SYSTEM, "test.quick")
            session.commit()

    writer = threading.Thread(target=quick)
    writer.start()
    writer.join(timeout=10)
    finished = not writer.is_alive()
    slow.commit()  # lets a writer that was held up finish, so the test does not hang
    slow.close()
    writer.join()
    assert finished, "the second writer waited for the first one's transaction"
    with platform.sessions() as session:
        events = outbox.read_after(session, 0, 10, "samples.")
    assert [(e.position, e.payload["n"]) for e in events] == [(1, "quick"), (2, "slow")]  # commit order
    assert platform.auditor.verify() == (2, None)


def test_back_off_grows_and_a_poison_event_is_dead_lettered(platform: Platform, clock: FrozenClock) -> None:
    _record(platform, 3)
    sink = FlakySink(always_fail={2})
    dispatcher = Dispatcher(platform.sessions, platform.clock, sink, "w1", retry=RetryPolicy(max_attempts=4))
    assert asyncio.run(dispatcher.run_once()) == 1
    waits = []
    for _ in range(3):
        for second in range(1, 100):
            clock.advance(timedelta(seconds=1))
            if asyncio.run(dispatcher.run_once()):
                waits.append(second)
                break
    assert sink.dead == [(2, 4)] and [e.position for e in sink.received] == [1, 3]
    assert waits[-1] >= 4  # 1 s, 2 s, 4 s between attempts


def test_sinks_skip_events_they_do_not_want(platform: Platform) -> None:
    with UnitOfWork(platform.sessions, platform.clock) as uow:
        outbox.record(uow.session, platform.clock, "samples.published.url", {"skip": True})
        outbox.record(uow.session, platform.clock, "samples.published.url", {"i": 1})
        uow.commit()
    sink = FlakySink()
    assert asyncio.run(Dispatcher(platform.sessions, platform.clock, sink, "w1").run_once()) == 2
    assert [e.position for e in sink.received] == [2]


def test_a_second_worker_waits_for_the_lease(platform: Platform, clock: FrozenClock) -> None:
    _record(platform, 2)
    first, second = FlakySink(), FlakySink()
    d1 = Dispatcher(platform.sessions, platform.clock, first, "w1")
    d2 = Dispatcher(platform.sessions, platform.clock, second, "w2")
    assert d1.take_lease() == (0, 0)
    assert asyncio.run(d2.run_once()) == 0 and second.received == []
    clock.advance(timedelta(seconds=9))
    assert asyncio.run(d2.run_once()) == 0  # still w1's
    clock.advance(timedelta(seconds=2))  # w1 died holding the lease; after 10 s it expires
    assert asyncio.run(d2.run_once()) == 2


def test_a_lease_of_a_process_of_this_host_that_has_ended_is_taken_over_at_once(
    platform: Platform, clock: FrozenClock
) -> None:
    _record(platform, 2)
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # reaped: its pid names no process now
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = socket.gethostname()
        for owner, taken in (
            (f"{host}:{alive.pid}", False),
            (f"elsewhere:{ended.pid}", False),
            (f"{host}:{ended.pid}", True),
        ):
            with platform.sessions() as session:
                session.merge(
                    SinkCursor(
                        sink="memory",
                        position=0,
                        lease_owner=owner,
                        lease_until=clock.now() + timedelta(seconds=10),
                    )
                )
                session.commit()
            sink = FlakySink()
            moved = asyncio.run(Dispatcher(platform.sessions, platform.clock, sink, worker_id()).run_once())
            assert (moved == 2) is taken, owner
    finally:
        alive.kill()
        alive.wait()


def test_one_pass_serves_many_sinks_each_at_its_own_cursor(platform: Platform, clock: FrozenClock) -> None:
    _record(platform, 4)
    sinks = [FlakySink(), FlakySink(fail_at={3}), FlakySink()]
    for i, sink in enumerate(sinks):
        sink.name = f"s{i}"
    # s2 is held by another worker: the pass must skip it and serve the others.
    assert [
        lease.sink for lease in take_leases(platform.sessions, clock, "other", ["s2"], timedelta(seconds=10))
    ]
    moved = asyncio.run(dispatch_all(platform.sessions, clock, list(sinks), "w1", head=4))
    assert moved == 4 + 2  # s0 all four, s1 up to its failure, s2 nothing
    assert [e.position for e in sinks[0].received] == [1, 2, 3, 4]
    assert [e.position for e in sinks[1].received] == [1, 2]
    assert sinks[2].received == []
    clock.advance(timedelta(seconds=11))  # s1's back-off and the other worker's lease are over
    moved = asyncio.run(dispatch_all(platform.sessions, clock, list(sinks), "w1", head=4))
    assert moved == 2 + 4
    assert [e.position for e in sinks[1].received] == [1, 2, 3, 4]
    assert [e.position for e in sinks[2].received] == [1, 2, 3, 4]
    assert asyncio.run(dispatch_all(platform.sessions, clock, list(sinks), "w1", head=4)) == 0  # caught up


def test_subjects_carry_region_tokens_for_samples_and_the_institution_for_orders() -> None:
    def event(topic: str, payload: dict[str, object]) -> DomainEvent:
        return DomainEvent(1, "e", topic, datetime.now(UTC), payload)

    assert subject_of("fz", event("samples.published.phone", {"region_code": "430102"})) == (
        "fz.samples.published.phone.430100.430102"
    )
    assert subject_of("fz", event("samples.revoked.url", {})) == "fz.samples.revoked.url.430000.430000"
    assert (
        subject_of("fz", event("identity.org.created", {"region_code": "430102"}))
        == "fz.identity.org.created"
    )
    # An order's events name its institution, so NATS permissions can confine each to its own.
    assert subject_of("fz", event("disposal.order.issued", {"org_id": 17})) == "fz.disposal.order.issued.17"


def test_creating_an_organisation_records_an_event(platform: Platform) -> None:
    w = make_world(platform)
    platform.identity.create_organisation(
        w.admin.principal, OrganisationCreate(code="pay-x", name_zh="某支付", kind=OrgKind.PAYMENT)
    )
    with platform.sessions() as session:
        (event,) = outbox.read_after(session, 0, 10)
    assert event.topic == "identity.organisation_created" and event.payload["code"] == "pay-x"


@pytest.fixture
def stream() -> Iterator[tuple[str, str]]:
    """A JetStream stream and subject prefix of this test's own."""
    import nats

    suffix = uuid.uuid4().hex[:8]
    name, prefix = f"FZTEST_{suffix}", f"fztest{suffix}"

    async def ping() -> None:
        nc = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
        await nc.close()

    try:
        asyncio.run(ping())
    except Exception as error:  # noqa: BLE001 - any failure to connect means "service missing"
        service_missing("NATS", f"{type(error).__name__}: {error}")
    yield name, prefix

    async def drop() -> None:
        nc = await nats.connect(NATS_URL)
        await nc.jetstream().delete_stream(name)
        await nc.close()

    asyncio.run(drop())


def test_jetstream_gets_each_event_once_even_when_resent_after_a_crash(
    platform: Platform, stream: tuple[str, str]
) -> None:
    name, prefix = stream
    _record(platform, 5)

    async def deliver_twice() -> list[str]:
        publisher = JetStreamPublisher(NATS_URL, stream=name, prefix=prefix)
        await publisher.connect()
        dispatcher = Dispatcher(platform.sessions, platform.clock, publisher, "w1")
        assert await dispatcher.run_once() == 5
        # A crash after publishing but before the cursor moved: the same events go out again.
        with platform.sessions() as session:
            for event in outbox.read_after(session, 0, 10):
                await publisher.publish(event)
        js = publisher._nc.jetstream()
        info = await js.stream_info(name)
        sub = await js.pull_subscribe(f"{prefix}.>", durable=f"reader{uuid.uuid4().hex[:6]}", stream=name)
        messages = await sub.fetch(info.state.messages, timeout=5)
        ids = [m.headers["Nats-Msg-Id"] for m in messages]
        # No region in these payloads: the whole province's tokens.
        assert all(m.subject == f"{prefix}.samples.published.phone.430000.430000" for m in messages)
        await publisher.close()
        return ids

    ids = asyncio.run(deliver_twice())
    with platform.sessions() as session:
        expected = [e.event_id for e in outbox.read_after(session, 0, 10)]
    assert ids == expected  # five messages, not ten, in outbox order


def test_stream_config_is_idempotent(stream: tuple[str, str]) -> None:
    name, prefix = stream

    async def twice() -> StreamConfig:
        for _ in range(2):
            publisher = JetStreamPublisher(NATS_URL, stream=name, prefix=prefix)
            await publisher.connect()
            info = await publisher._nc.jetstream().stream_info(name)
            await publisher.close()
        return info.config

    config = asyncio.run(twice())
    assert config.subjects == [f"{prefix}.>"]


def test_a_caught_up_sink_takes_no_lease(platform: Platform) -> None:
    from fanzha.events.tables import SinkCursor

    _record(platform, 2)
    sink = FlakySink()
    dispatcher = Dispatcher(platform.sessions, platform.clock, sink, "w1")
    assert asyncio.run(dispatcher.run_once(head=2)) == 2
    with platform.sessions() as session:
        before = session.get_one(SinkCursor, "memory").lease_until
    assert asyncio.run(Dispatcher(platform.sessions, platform.clock, sink, "w2").run_once(head=2)) == 0
    with platform.sessions() as session:
        cursor = session.get_one(SinkCursor, "memory")
    assert (cursor.lease_owner, cursor.lease_until) == ("w1", before)  # nothing was written


def test_a_prefix_sink_reads_only_its_topics_and_passes_the_rest(
    platform: Platform, clock: FrozenClock
) -> None:
    with UnitOfWork(platform.sessions, platform.clock) as uow:
        for i in range(5):
            outbox.record(uow.session, clock, "disposal.order.issued", {"i": i})
        outbox.record(uow.session, clock, "samples.published.phone", {"i": 5})
        outbox.record(uow.session, clock, "disposal.order.executed", {"i": 6})
        uow.commit()
    narrow, broad = FlakySink(), FlakySink()
    narrow.name, broad.name = "narrow", "broad"
    narrow.topic_prefix = "samples."  # type: ignore[attr-defined]
    # Batches of 2: the prefix sink's short read finds its only event and passes the head, unread.
    assert (
        asyncio.run(dispatch_all(platform.sessions, clock, [narrow, broad], "w1", head=7, batch=2)) == 7 + 2
    )
    assert [e.position for e in narrow.received] == [6] and [e.position for e in broad.received] == [1, 2]
    assert asyncio.run(dispatch_all(platform.sessions, clock, [narrow], "w1", head=7, batch=2)) == 0
    _record(platform, 1)  # a new sample event after the head it passed is still delivered
    assert asyncio.run(dispatch_all(platform.sessions, clock, [narrow], "w1", head=8, batch=2)) == 1
    assert [e.position for e in narrow.received] == [6, 8]


TOPICS = ["samples.published.phone", "disposal.order.issued", "appeals.decided", "samples.revoked"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    commits=st.lists(st.lists(st.sampled_from(TOPICS), max_size=6), min_size=1, max_size=4),
    prefix=st.sampled_from(["samples.", "disposal.order.", "appeals."]),
    batch=st.integers(min_value=1, max_value=5),
)
def test_a_prefix_sink_gets_exactly_its_events_in_order_whatever_the_batch(
    platform: Platform, clock: FrozenClock, commits: list[list[str]], prefix: str, batch: int
) -> None:
    sink = FlakySink()
    sink.name, sink.topic_prefix = f"p-{uuid.uuid4().hex[:8]}", prefix  # type: ignore[attr-defined]
    for topics in commits:  # events arrive between passes, in several transactions
        with UnitOfWork(platform.sessions, clock) as uow:
            for topic in topics:
                outbox.record(uow.session, clock, topic, {})
            uow.commit()
        head = outbox.current_head(platform.sessions)
        for _ in range(100):
            if asyncio.run(dispatch_all(platform.sessions, clock, [sink], "w1", head=head, batch=batch)) == 0:
                break
    with platform.sessions() as session:
        expected = [e.position for e in outbox.read_after(session, 0, 10_000, prefix)]
    assert [e.position for e in sink.received] == expected


def test_a_prefix_sink_near_the_head_with_none_of_its_events_is_not_leased(
    platform: Platform, clock: FrozenClock
) -> None:
    def orders(n: int) -> None:
        with UnitOfWork(platform.sessions, clock) as uow:
            for i in range(n):
                outbox.record(uow.session, clock, "disposal.order.issued", {"i": i})
            uow.commit()

    def cursor() -> tuple[int, str | None]:
        with platform.sessions() as session:
            row = session.get_one(SinkCursor, "orders")
            return row.position, row.lease_owner

    sink = FlakySink()
    sink.name, sink.topic_prefix = "orders", "disposal.order."  # type: ignore[attr-defined]

    def run(head: int) -> int:
        return asyncio.run(dispatch_all(platform.sessions, clock, [sink], "w1", head=head, idle_gap=5))

    orders(1)
    assert run(1) == 1 and cursor() == (1, "w1")
    _record(platform, 3)  # samples only: within the gap, so no lease and no cursor write at all
    assert run(4) == 0 and cursor() == (1, "w1")
    orders(1)  # its own event is taken at once, the samples before it passed with it
    assert run(5) == 4 and [e.position for e in sink.received] == [1, 5]
    _record(platform, 5)  # a gap of idle_gap events is passed as before, so reads stay short
    assert run(10) == 5 and cursor() == (10, "w1")
    _record(platform, 2)  # without idle_gap every sink behind the head is leased, as before
    assert asyncio.run(dispatch_all(platform.sessions, clock, [sink], "w1", head=12)) == 2
    assert [e.position for e in sink.received] == [1, 5]
