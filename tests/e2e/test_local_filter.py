"""The institution's local filter against the real server, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fanzha_client import SampleFilter
from fanzha_client.filters import FilterSnapshot
from fanzha_client.sample_filter import SyncOutcome
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from tests.conftest import TEST_KEYS
from tests.factories import World

Login = Callable[[str], TestClient]
TOKEN_KEY = bytes.fromhex(TEST_KEYS["token_key_hex"])


def _publish(analyst: TestClient, kind: str, value: str) -> int:
    response = analyst.post("/api/v1/samples", json={"kind": kind, "value": value, "fraud_type": "fake_loan"})
    assert response.status_code in (200, 201), response.text  # 200: merged into an existing sample
    return int(response.json()["sample"]["id"])


def test_snapshot_then_exact_deltas_keep_the_filter_equal_to_the_library(
    login: Login, world: World, platform: Platform, clock: FrozenClock
) -> None:
    analyst, bank = login("analyst"), login("aop")
    ids = [_publish(analyst, "phone", f"1380013800{n}") for n in range(5)]
    _publish(analyst, "url", "http://loan-fast.example.com/")
    local = SampleFilter(bank, TOKEN_KEY, ["phone", "url"], max_age=timedelta(minutes=30), clock=clock.now)
    assert local.stale
    assert local.sync() == {"phone": SyncOutcome.SNAPSHOT, "url": SyncOutcome.SNAPSHOT}
    numbers = [f"+86 138-0013-800{n}" for n in range(7)]
    assert local.check("phone", numbers).tolist() == [True] * 5 + [False] * 2
    assert local.check("url", ["HTTP://LOAN-FAST.example.com"]).tolist() == [True]

    # Changes in every direction: new, revoked, revoked then published again, merged.
    _publish(analyst, "phone", "13800138005")
    analyst.post(f"/api/v1/samples/{ids[0]}/revoke", json={"reason": "申诉成立"})
    analyst.post(f"/api/v1/samples/{ids[1]}/revoke", json={"reason": "误报"})
    _publish(analyst, "phone", "13800138001")  # police publish it again: active once more
    _publish(analyst, "phone", "13800138002")  # merge into an active sample: no change to the set
    outcomes = local.sync()
    assert outcomes["phone"] == SyncOutcome.DELTA
    assert local.check("phone", numbers).tolist() == [False, True, True, True, True, True, False]
    server = platform.filters.snapshot("phone")
    assert local.version("phone") == server.version and local.checksum("phone") == server.checksum
    assert local.sync()["phone"] == SyncOutcome.UNCHANGED
    clock.advance(timedelta(minutes=31))
    assert local.stale


def test_snapshot_bytes_and_errors_over_http(login: Login, world: World) -> None:
    analyst, bank = login("analyst"), login("aop")
    _publish(analyst, "ip", "198.51.100.23")
    response = bank.get("/api/v1/samples/filters/ip/snapshot")
    assert response.status_code == 200 and response.headers["content-type"] == "application/octet-stream"
    snapshot = FilterSnapshot.from_bytes(response.content)
    assert len(snapshot) == 1 and response.headers["X-Filter-Checksum"] == snapshot.checksum
    assert bank.get("/api/v1/samples/filters/nonsense/snapshot").json()["field"] == "kind"
    assert bank.get("/api/v1/samples/filters/ip/delta", params={"from": 10_000}).status_code == 410
    assert bank.get("/api/v1/samples/filters/ip/delta", params={"from": snapshot.version}).status_code == 204
    assert login("auditor").get("/api/v1/samples/filters/ip/snapshot").status_code == 403
