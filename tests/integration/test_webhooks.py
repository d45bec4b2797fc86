"""Signed webhooks to real receivers on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.samples.delivery import Delivery
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.webhooks import Target, sign, verify, wanted
from tests.factories import World, make_world
from tests.receiver import Served


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served()
    yield server
    server.stop()


@pytest.fixture
def world(platform: Platform) -> World:
    return make_world(platform)


def _publish(platform: Platform, world: World, kind: str, value: str, region: str | None = None) -> int:
    sample, _ = platform.samples.publish(
        world.analyst.principal,
        SamplePublish.model_validate(
            {"kind": kind, "value": value, "fraud_type": FraudType.ORDER_BRUSHING, "region_code": region}
        ),
    )
    return sample.id


def _deliver(platform: Platform) -> int:
    async def once() -> int:
        async with Delivery(platform, worker="test") as delivery:
            return await delivery.run_once()

    return asyncio.run(once())


def _subscribe(
    platform: Platform, world: World, served: Served, name: str, kinds: list[str], region: str = ""
) -> int:
    subscription, secret = platform.subscriptions.create(
        world.bank_a_admin.principal, kinds, region, served.url(name)
    )
    assert secret
    served.receivers[name].secret = secret
    served.receivers[name].now = platform.clock.now().timestamp()
    return subscription.id


def test_subscribers_get_signed_events_of_their_kinds_and_region(
    platform: Platform, world: World, served: Served, request: pytest.FixtureRequest
) -> None:
    tag = request.node.callspec.id
    _subscribe(platform, world, served, f"phones-{tag}", ["phone"])
    _subscribe(platform, world, served, f"yueyang-{tag}", [], region="4306")
    _publish(platform, world, "phone", "13800138000", region="430602")
    _publish(platform, world, "url", "http://fake-bank.example.com/", region="430102")  # Changsha
    _publish(platform, world, "domain", "fake-police.example.net")  # no region: province-wide
    assert _deliver(platform) > 0
    phones, yueyang = served.receivers[f"phones-{tag}"], served.receivers[f"yueyang-{tag}"]
    assert [e["topic"] for e in phones.received] == ["samples.published.phone"]
    assert [e["payload"]["kind"] for e in yueyang.received] == ["phone", "domain"]
    assert yueyang.batches == 1 and phones.batches == 0  # two events went in one signed POST
    assert phones.bad_signatures == 0 and "13800138000" not in str(phones.received)


def test_delivery_resumes_after_the_receiver_was_down(
    platform: Platform, world: World, served: Served, clock: FrozenClock, request: pytest.FixtureRequest
) -> None:
    name = f"flaky-{request.node.callspec.id}"
    subscription_id = _subscribe(platform, world, served, name, ["phone"])
    receiver = served.receivers[name]
    receiver.down = True
    sample_ids = [_publish(platform, world, "phone", f"1380013800{n}") for n in range(3)]
    for _ in range(4):  # down through several back-off rounds
        _deliver(platform)
        clock.advance(timedelta(seconds=20))
    (health,) = platform.subscriptions.health(world.bank_a_admin.principal)
    assert health.subscription.id == subscription_id and health.lag == 3 and health.failures >= 3
    assert "503" in health.last_error
    receiver.down = False
    receiver.now = clock.now().timestamp()
    clock.advance(timedelta(minutes=5))
    receiver.now = clock.now().timestamp()
    _deliver(platform)
    platform.samples.revoke(world.analyst.principal, sample_ids[0], "申诉成立")
    _deliver(platform)
    topics = [(e["topic"], e["payload"]["sample_id"]) for e in receiver.received]
    assert topics == [("samples.published.phone", i) for i in sample_ids] + [
        ("samples.revoked.phone", sample_ids[0])
    ]
    assert platform.subscriptions.health(world.bank_a_admin.principal)[0].lag == 0


def test_signatures_detect_tampering_and_staleness() -> None:
    header = sign("s3cret", b'{"a":1}', 1_700_000_000)
    assert verify("s3cret", header, b'{"a":1}', now=1_700_000_100)
    assert not verify("s3cret", header, b'{"a":2}', now=1_700_000_100)
    assert not verify("other", header, b'{"a":1}', now=1_700_000_100)
    assert not verify("s3cret", header, b'{"a":1}', now=1_700_001_000)  # replayed ten minutes later
    assert not verify("s3cret", "garbage", b"", now=0)


def test_pending_reports_never_reach_subscribers() -> None:
    from datetime import UTC, datetime

    from fanzha.events.domain import DomainEvent

    target = Target(1, "http://x", "s", frozenset(), "")
    event = DomainEvent(1, "e", "samples.pending", datetime(2026, 1, 1, tzinfo=UTC), {"kind": "bank_card"})
    assert not wanted(target, event)


def test_a_receiver_that_keeps_refusing_gets_dead_letters_which_can_be_replayed(
    platform: Platform, world: World, served: Served, clock: FrozenClock, request: pytest.FixtureRequest
) -> None:
    from fastapi.testclient import TestClient

    from fanzha.web.app import create_app
    from tests.factories import PASSWORD

    name = f"dead-{request.node.callspec.id}"
    subscription_id = _subscribe(platform, world, served, name, ["url"])
    receiver = served.receivers[name]
    receiver.down = True
    _publish(platform, world, "url", "http://fake-shop.example.com/")
    for _ in range(8):
        _deliver(platform)
        clock.advance(timedelta(minutes=6))
    letters = platform.subscriptions.dead_letters(world.bank_a_admin.principal, subscription_id)
    assert len(letters) == 1 and letters[0].attempts == 8
    assert platform.subscriptions.health(world.bank_a_admin.principal)[0].lag == 0  # the flow went on
    client = TestClient(create_app(platform=platform))
    login = client.post("/api/v1/auth/login", json={"username": "aadmin", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = login.headers["X-CSRF-Token"]
    still_down = client.post(f"/api/v1/dead-letters/{letters[0].id}/replay")
    assert still_down.status_code == 502 and still_down.json()["code"] == "delivery_failed"
    receiver.down = False
    receiver.now = clock.now().timestamp()
    replayed = client.post(f"/api/v1/dead-letters/{letters[0].id}/replay")
    assert replayed.status_code == 200 and replayed.json()["replayed_at"]
    assert [e["event_id"] for e in receiver.received] == [letters[0].event_id]
    page = client.get(f"/samples/subscriptions/{subscription_id}/dead-letters")
    assert page.status_code == 200 and "已重投" in page.text and letters[0].event_id in page.text
    other_bank = TestClient(create_app(platform=platform))
    other = other_bank.post("/api/v1/auth/login", json={"username": "bop", "password": PASSWORD})
    assert other.status_code == 200
    assert other_bank.get(f"/api/v1/subscriptions/{subscription_id}/dead-letters").status_code == 403
