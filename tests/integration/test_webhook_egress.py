"""Webhooks reach only public addresses: refused on registration and at connect time (DNS rebinding)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

import httpcore
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import InsecureSettings, ValidationFailed
from fanzha.core.settings import Settings
from fanzha.events import egress
from fanzha.events.egress import BLOCKED_MESSAGE, UNREACHABLE_MESSAGE, BlockedTarget, GuardedBackend, blocked
from fanzha.events.tables import SinkCursor
from fanzha.samples.delivery import Delivery
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.tables import Subscription
from fanzha.web.app import create_app
from tests.conftest import TEST_KEYS
from tests.factories import PASSWORD, World, make_world
from tests.receiver import Served

PRIVATE = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "169.254.169.254",  # cloud metadata
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "255.255.255.255",
    "not an address",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2001:4860:4860::8888", "172.32.0.1", "11.0.0.1"]


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served()
    yield server
    server.stop()


@pytest.fixture
def strict(tmp_path: Path, engine: Engine, clock: FrozenClock) -> Platform:
    """A platform as deployed: webhooks to private addresses refused (the default)."""
    settings = Settings(environment="test", data_dir=tmp_path, **TEST_KEYS)  # type: ignore[arg-type]
    assert settings.webhook_allow_private is False
    return build_platform(settings, clock=clock, engine=engine)


@pytest.fixture
def world(strict: Platform) -> World:
    return make_world(strict)


def _deliver(platform: Platform) -> int:
    async def once() -> int:
        async with Delivery(platform, worker="test") as delivery:
            return await delivery.run_once()

    return asyncio.run(once())


def _publish(platform: Platform, world: World, value: str) -> None:
    platform.samples.publish(
        world.analyst.principal,
        SamplePublish.model_validate({"kind": "phone", "value": value, "fraud_type": FraudType.FAKE_LOAN}),
    )


def _last_error(platform: Platform, subscription_id: int) -> str:
    with platform.sessions() as session:
        cursor = session.scalars(
            select(SinkCursor).where(SinkCursor.sink == f"webhook:{subscription_id}")
        ).one()
        return cursor.last_error


@pytest.mark.parametrize("address", PRIVATE)
def test_loopback_private_link_local_and_reserved_addresses_are_blocked_in_every_form(address: str) -> None:
    assert blocked(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_not(address: str) -> None:
    assert not blocked(address)


def test_registration_refuses_urls_that_resolve_to_blocked_addresses(strict: Platform, world: World) -> None:
    admin = world.bank_a_admin.principal
    urls = [
        "http://localhost:8080/hook",  # a host name resolving to 127.0.0.1
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data",  # 169.254.169.254, mapped
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://172.16.5.4/",
        "http://192.168.0.1/",
        "http://[fc00::1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0:9000/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/",  # ... and in hex
        "https://user:pass@127.0.0.1:443/",
    ]
    for url in urls:
        with pytest.raises(ValidationFailed) as refused:
            strict.subscriptions.create(admin, ["phone"], "", url)
        assert refused.value.field == "webhook_url", url
    for url in (
        "ftp://93.184.216.34/",
        "http:///nohost",
        "http://does-not-resolve.invalid/",
        "http://x:99999/",
    ):
        with pytest.raises(ValidationFailed):
            strict.subscriptions.create(admin, ["phone"], "", url)
    with strict.sessions() as session:
        assert session.scalars(select(Subscription)).all() == []
    subscription, secret = strict.subscriptions.create(admin, ["phone"], "", "https://93.184.216.34/hook")
    assert subscription.id and secret
    # Over HTTP: a 422 naming the field, nothing stored.
    client = TestClient(create_app(platform=strict))
    login = client.post("/api/v1/auth/login", json={"username": "aadmin", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = login.headers["X-CSRF-Token"]
    answer = client.post("/api/v1/subscriptions", json={"webhook_url": "http://localhost:6379/"})
    assert answer.status_code == 422 and answer.json()["field"] == "webhook_url"


def test_a_name_that_resolves_elsewhere_at_delivery_is_refused_at_connect_time(
    strict: Platform, world: World, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the name resolves to a public address when registered, to 127.0.0.1 when delivered.
    url = served.url("rebound").replace("127.0.0.1", "localhost")
    with monkeypatch.context() as patched:
        patched.setattr(egress, "resolve", lambda host, port: ["93.184.216.34"])
        strict.subscriptions.create(world.bank_a_admin.principal, ["phone"], "", url)
    _publish(strict, world, "13800138020")
    _deliver(strict)
    assert served.receivers["rebound"].attempts == 0  # no connection reached the loopback receiver
    # Delivery health shows only the generic reason, nothing of the address or the network's answer.
    (health,) = strict.subscriptions.health(world.bank_a_admin.principal)
    assert health.last_error == BLOCKED_MESSAGE and health.failures == 1
    assert "localhost" not in health.last_error and "Errno" not in health.last_error


def test_a_subscription_stored_before_the_guard_is_refused_at_connect_time(
    strict: Platform, world: World, served: Served, clock: FrozenClock
) -> None:
    strict.subscriptions.allow_private = True  # registered while the guard was relaxed
    subscription, _ = strict.subscriptions.create(
        world.bank_a_admin.principal, ["phone"], "", served.url("legacy")
    )
    strict.subscriptions.allow_private = False
    _publish(strict, world, "13800138021")
    _deliver(strict)  # the deployment's delivery: settings.webhook_allow_private is False
    assert served.receivers["legacy"].attempts == 0
    assert _last_error(strict, subscription.id) == BLOCKED_MESSAGE
    # Set aside after its retries, and replayed by hand: refused with the same generic reason.
    for _ in range(8):
        clock.advance(timedelta(minutes=6))
        _deliver(strict)
    [letter] = strict.subscriptions.dead_letters(world.bank_a_admin.principal, subscription.id)
    assert letter.last_error == BLOCKED_MESSAGE
    client = TestClient(create_app(platform=strict))
    login = client.post("/api/v1/auth/login", json={"username": "aadmin", "password": PASSWORD})
    client.headers["X-CSRF-Token"] = login.headers["X-CSRF-Token"]
    replay = client.post(f"/api/v1/dead-letters/{letter.id}/replay")
    assert replay.status_code == 502 and replay.json()["code"] == "delivery_failed"
    assert "目标地址不允许" in replay.json()["message_zh"] and "not allowed" in replay.json()["message_en"]
    assert str(served.port) not in replay.text and "127.0.0.1" not in replay.text
    assert served.receivers["legacy"].attempts == 0


def test_errors_in_delivery_health_are_generic(platform: Platform) -> None:
    # With the guard relaxed explicitly (the tests' receivers are on loopback), a closed port.
    world = make_world(platform)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    platform.subscriptions.create(
        world.bank_a_admin.principal, ["phone"], "", f"http://127.0.0.1:{closed}/admin"
    )
    _publish(platform, world, "13800138022")
    _deliver(platform)
    (health,) = platform.subscriptions.health(world.bank_a_admin.principal)
    assert health.last_error == UNREACHABLE_MESSAGE
    assert str(closed) not in health.last_error and "refused" not in health.last_error.lower()


class _Recording(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        raise httpcore.ConnectError("recorded")


def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    async def connect(allow_private: bool) -> list[str]:
        inner = _Recording()
        with pytest.raises((httpcore.ConnectError, BlockedTarget)):
            await GuardedBackend(inner, allow_private).connect_tcp("localhost", 80, timeout=5)
        return inner.hosts

    # Resolved once and connected by address: no second lookup a rebinding name could answer differently.
    assert asyncio.run(connect(True)) in (["127.0.0.1"], ["::1"])
    assert asyncio.run(connect(False)) == []  # refused before any connection


def test_the_guard_keeps_the_host_name_in_the_request(served: Served) -> None:
    async def post() -> int:
        async with egress.guarded_client(True, 5) as http:
            response = await http.post(served.url("host").replace("127.0.0.1", "localhost"), content=b"{}")
            return response.status_code

    assert asyncio.run(post()) == 401  # reached the receiver by name (unsigned, so refused by it)
    assert served.receivers["host"].attempts == 1


def test_production_refuses_relaxing_the_guard() -> None:
    strong = {
        "secret_key": "s" * 40,
        "token_key_hex": "ab" * 32,
        "encryption_key_hex": "cd" * 16,
        "audit_key_hex": "ef" * 32,
        "audit_checkpoint_key_hex": "12" * 32,
        "cookie_secure": True,
    }
    assert Settings(environment="production", **strong).webhook_allow_private is False  # type: ignore[arg-type]
    with pytest.raises(InsecureSettings) as refused:
        Settings(environment="production", webhook_allow_private=True, **strong)  # type: ignore[arg-type]
    assert refused.value.field == "FANZHA_WEBHOOK_ALLOW_PRIVATE"
