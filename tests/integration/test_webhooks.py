"""Signed webhooks to real receivers on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fanzha_client.webhooks import sign, standard_headers, standard_secret, verify
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.samples.delivery import Delivery
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.webhooks import BATCH_HEADER, Target, wanted
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


# Standard Webhooks: the `standardwebhooks` library checks real deliveries against the wall clock, so
# these tests move the platform's clock to the real time before anything is sent.


def _to_real_time(clock: FrozenClock, behind: timedelta = timedelta(0)) -> None:
    clock.advance(datetime.now(UTC) - behind - clock.now())


def test_standard_webhooks_library_verifies_single_and_batch_deliveries(
    platform: Platform, world: World, served: Served, clock: FrozenClock, request: pytest.FixtureRequest
) -> None:
    _to_real_time(clock)
    name = f"standard-{request.node.callspec.id}"
    _subscribe(platform, world, served, name, ["phone"])
    receiver = served.receivers[name]
    _publish(platform, world, "phone", "13900139000")
    _deliver(platform)
    _publish(platform, world, "phone", "13900139001")
    _publish(platform, world, "phone", "13900139002")
    _deliver(platform)
    assert len(receiver.posts) == 2 and receiver.bad_signatures == 0  # the Stripe-style header still holds
    webhook = Webhook(standard_secret(receiver.secret))
    (single_headers, single_body), (batch_headers, batch_body) = receiver.posts
    single = webhook.verify(single_body, single_headers)
    assert single_headers["webhook-id"] == single["event_id"]
    batch = webhook.verify(batch_body, batch_headers)
    assert batch_headers[BATCH_HEADER.lower()] == "2" and batch_headers["webhook-id"] == batch["id"]
    assert batch["event_ids"] == [event["event_id"] for event in batch["events"]]
    assert len(set(batch["event_ids"])) == 2 and single["event_id"] not in batch["event_ids"]
    assert int(batch_headers["webhook-timestamp"]) == int(clock.now().timestamp())
    with pytest.raises(WebhookVerificationError):
        webhook.verify(batch_body.replace(b"samples.published", b"samples.revoked", 1), batch_headers)
    with pytest.raises(WebhookVerificationError):  # the id is signed too: no replay under another id
        webhook.verify(single_body, {**single_headers, "webhook-id": "other"})
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_secret("another subscription's secret")).verify(single_body, single_headers)


def test_standard_webhooks_library_refuses_an_old_delivery(
    platform: Platform, world: World, served: Served, clock: FrozenClock, request: pytest.FixtureRequest
) -> None:
    _to_real_time(clock, behind=timedelta(minutes=10))  # signed ten minutes ago: a replay
    name = f"stale-{request.node.callspec.id}"
    _subscribe(platform, world, served, name, ["phone"])
    receiver = served.receivers[name]
    _publish(platform, world, "phone", "13900139010")
    _deliver(platform)
    ((headers, body),) = receiver.posts
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(standard_secret(receiver.secret)).verify(body, headers)


def test_a_retried_batch_keeps_its_webhook_id(
    platform: Platform, world: World, served: Served, clock: FrozenClock, request: pytest.FixtureRequest
) -> None:
    _to_real_time(clock, behind=timedelta(minutes=2))
    name = f"retry-{request.node.callspec.id}"
    _subscribe(platform, world, served, name, ["phone"])
    receiver = served.receivers[name]
    receiver.down = True
    for n in range(2):
        _publish(platform, world, "phone", f"1390013902{n}")
    _deliver(platform)
    clock.advance(timedelta(seconds=20))
    _deliver(platform)
    receiver.down = False
    receiver.now = clock.now().timestamp()
    clock.advance(timedelta(seconds=40))
    _deliver(platform)
    batches = [(headers, body) for headers, body in receiver.posts if BATCH_HEADER.lower() in headers]
    singles = [headers for headers, _ in receiver.posts if BATCH_HEADER.lower() not in headers]
    assert len(batches) == 3 and len({headers["webhook-id"] for headers, _ in batches}) == 1
    assert len({headers["webhook-timestamp"] for headers, _ in batches}) == 3  # each attempt signed anew
    # Between batch attempts the first event went alone (one by one finds the event at fault): its id.
    first = json.loads(batches[0][1])["event_ids"][0]
    assert singles and {headers["webhook-id"] for headers in singles} == {first}
    headers, body = batches[-1]
    delivered = Webhook(standard_secret(receiver.secret)).verify(body, headers)
    assert [event["event_id"] for event in receiver.received] == delivered["event_ids"]


def test_standard_signature_is_what_the_library_computes() -> None:
    body, moment = b'{"events":[]}', 1_700_000_000
    headers = standard_headers("s3cret", "msg_1", body, moment)
    expected = Webhook(standard_secret("s3cret")).sign("msg_1", datetime.fromtimestamp(moment, UTC), body)
    assert headers == {"webhook-id": "msg_1", "webhook-timestamp": str(moment), "webhook-signature": expected}
    assert standard_secret("s3cret") == "whsec_czNjcmV0"


def test_subscribing_over_the_api_gives_the_secret_in_both_forms(
    platform: Platform, world: World, served: Served
) -> None:
    from fastapi.testclient import TestClient

    from fanzha.web.app import create_app
    from tests.factories import PASSWORD

    client = TestClient(create_app(platform=platform))
    login = client.post("/api/v1/auth/login", json={"username": "aadmin", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = login.headers["X-CSRF-Token"]
    made = client.post("/api/v1/subscriptions", json={"kinds": ["phone"], "webhook_url": served.url("api")})
    assert made.status_code == 201
    secret, standard = made.json()["secret"], made.json()["standard_secret"]
    assert standard.startswith("whsec_") and standard == standard_secret(secret)
    pulled = client.post("/api/v1/subscriptions", json={"kinds": ["phone"]})  # no webhook: no secret
    assert pulled.status_code == 201 and pulled.json()["secret"] is None is pulled.json()["standard_secret"]
