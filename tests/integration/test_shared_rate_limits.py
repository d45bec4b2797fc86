"""Rate limits in the local Redis: shared by separate apps, expiring, failing closed with a 503."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from fanzha.bootstrap import build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.limiter import memory_limiters
from fanzha.core.redis_limiter import RedisLimiters
from fanzha.core.settings import Settings
from fanzha.web.app import create_app
from tests.conftest import TEST_KEYS, service_missing

REDIS_URL = "redis://127.0.0.1:6379/0"
DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a Redis that is down


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own, so runs never collide; its keys are removed afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        service_missing("Redis", f"{type(error).__name__}: {error}")
    mine = f"fanzha-test:{uuid.uuid4().hex}:"
    yield mine
    for key in client.scan_iter(f"{mine}*"):
        client.delete(key)
    client.close()


def _keys(prefix: str) -> list[str]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return sorted(client.scan_iter(f"{prefix}*"))
    finally:
        client.close()


def _app(
    tmp_path: Path, engine: Engine, clock: FrozenClock, url: str, prefix: str, **limits: object
) -> FastAPI:
    settings = Settings(  # type: ignore[arg-type]
        environment="test", data_dir=tmp_path, redis_url=url, redis_prefix=prefix, **TEST_KEYS, **limits
    )
    return create_app(platform=build_platform(settings, clock=clock, engine=engine))


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def test_two_limiters_on_one_redis_share_a_sliding_window(prefix: str) -> None:
    one, two = RedisLimiters(REDIS_URL, prefix), RedisLimiters(REDIS_URL, prefix)
    try:
        a, b = one("w", 3, 60.0), two("w", 3, 60.0)
        calls = [a.retry_after("k", 1000.0), b.retry_after("k", 1001.0), a.retry_after("k", 1002.0)]
        assert calls == [0, 0, 0]
        # Full for both: the wait runs until the oldest call leaves the window (at 1060).
        assert b.retry_after("k", 1030.0) == 31
        assert a.retry_after("k", 1030.0) == 31
        assert a.retry_after("other", 1030.0) == 0  # each key its own window
        assert one("v", 3, 60.0).retry_after("k", 1030.0) == 0  # each window name apart
        assert b.retry_after("k", 1060.0) == 0  # the first call left the window
    finally:
        one.close()
        two.close()


def test_counting_is_atomic_under_concurrent_workers(prefix: str) -> None:
    pools = [RedisLimiters(REDIS_URL, prefix) for _ in range(4)]
    try:
        limiters = [pool("burst", 5, 60.0) for pool in pools]
        with ThreadPoolExecutor(max_workers=16) as workers:
            waits = list(workers.map(lambda i: limiters[i % 4].retry_after("10.5.0.1"), range(40)))
        assert waits.count(0) == 5  # exactly the limit passes, however the calls interleave
    finally:
        for pool in pools:
            pool.close()


def test_keys_expire_with_their_window_and_hold_no_raw_key(prefix: str) -> None:
    limiters = RedisLimiters(REDIS_URL, prefix)
    try:
        limiter = limiters("short", 1, 0.3)
        assert limiter.retry_after("10.9.8.7") == 0
        assert limiter.retry_after("10.9.8.7") == 1
        (key,) = _keys(prefix)
        assert "10.9.8.7" not in key  # only a hash of the address reaches Redis
        assert 0 < limiters.client.pttl(key) <= 300
        time.sleep(0.45)
        assert _keys(prefix) == []
        assert limiter.retry_after("10.9.8.7") == 0
    finally:
        limiters.close()


def test_two_apps_on_one_redis_share_the_public_check_limit(
    tmp_path: Path, engine: Engine, clock: FrozenClock, prefix: str
) -> None:
    first, second = (
        _app(tmp_path, engine, clock, REDIS_URL, prefix, public_check_per_minute=3) for _ in range(2)
    )
    check = {"kind": "phone", "value": "13812340000"}
    assert _from(first, "10.1.0.1").post("/api/v1/public/check", json=check).status_code == 200
    assert _from(second, "10.1.0.1").post("/api/v1/public/check", json=check).status_code == 200
    assert _from(first, "10.1.0.1").post("/api/v1/public/check", json=check).status_code == 200
    # Three calls over two workers fill the address's minute, on both.
    for app in (second, first):
        refused = _from(app, "10.1.0.1").post("/api/v1/public/check", json=check)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert _from(second, "10.1.0.2").post("/api/v1/public/check", json=check).status_code == 200


def test_two_apps_on_one_redis_share_the_code_limits_per_number(
    tmp_path: Path, engine: Engine, clock: FrozenClock, prefix: str
) -> None:
    first, second = (_app(tmp_path, engine, clock, REDIS_URL, prefix, otp_per_number=2) for _ in range(2))
    phone = {"phone": "13912345678"}
    answers = [
        _from(app, f"10.2.0.{i}").post("/api/v1/public/appeals/otp", json=phone)
        for i, app in enumerate((first, second, first))
    ]
    assert [r.status_code for r in answers] == [202, 202, 429]
    assert answers[2].json()["code"] == "otp_rate_limited"


def test_without_redis_each_app_counts_alone(tmp_path: Path, engine: Engine, clock: FrozenClock) -> None:
    settings = Settings(environment="test", data_dir=tmp_path, public_check_per_minute=2, **TEST_KEYS)  # type: ignore[arg-type]
    assert settings.redis_url is None
    platforms = [build_platform(settings, clock=clock, engine=engine) for _ in range(2)]
    assert all(p.limiters is memory_limiters for p in platforms)
    check = {"kind": "phone", "value": "13812340000"}
    for platform in platforms:
        client = _from(create_app(platform=platform), "10.3.0.1")
        answers = [client.post("/api/v1/public/check", json=check).status_code for _ in range(3)]
        assert answers == [200, 200, 429]


def test_a_redis_that_is_down_fails_closed_with_a_bilingual_503(
    tmp_path: Path, engine: Engine, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(tmp_path, engine, clock, DOWN_URL, "fanzha-test:down:")
    client = _from(app, "10.4.0.1")
    for path, body in (
        ("/api/v1/public/check", {"kind": "phone", "value": "13812340000"}),
        ("/api/v1/public/appeals/otp", {"phone": "13912345678"}),
        ("/api/v1/auth/login", {"username": "nobody", "password": "wrong-password-1"}),
    ):
        answer = client.post(path, json=body)
        assert answer.status_code == 503, path
        assert int(answer.headers["Retry-After"]) >= 1
        error = answer.json()
        assert error["code"] == "rate_limit_unavailable"
        assert error["message_zh"] == "限流服务暂时不可用，请稍后重试"
        assert error["message_en"].startswith("Rate limiting is temporarily unavailable")
    # The console's log-in form shows the same error on its page, not a 500.
    page = client.post(
        "/login", data={"username": "nobody", "password": "x"}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 503 and "限流服务暂时不可用" in page.text
    assert "rate limit store unreachable" in caplog.text
    assert "127.0.0.1:1" not in caplog.text  # the URL (which may carry a password) is never logged
