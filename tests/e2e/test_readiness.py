"""/readyz checks the database and NATS; a database outage answers 503 with Retry-After, never 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.web.app import create_app
from tests.conftest import PG_URL, TEST_KEYS

NATS_URL = "nats://127.0.0.1:4222"
DEAD_PORT = "127.0.0.1:9"  # the discard port: nothing listens there on the test machine


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, **TEST_KEYS, **values)  # type: ignore[arg-type]


def _unavailable(response: object, field: str | None = None) -> bool:
    """503 with Retry-After and the bilingual error body, naming `field` when given."""
    status, headers = getattr(response, "status_code", 0), getattr(response, "headers", {})
    if status != 503 or int(headers.get("Retry-After", "0")) < 1:
        return False
    body = response.json()  # type: ignore[attr-defined]
    return (
        body["code"] == "service_unavailable"
        and bool(body["message_zh"])
        and bool(body["message_en"])
        and (field is None or body["field"] == field)
    )


def test_ready_when_the_database_answers(platform: Platform) -> None:
    client = TestClient(create_app(platform=platform))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "nats": "not configured"}}
    assert client.get("/healthz").status_code == 200


def test_ready_checks_nats_jetstream_when_configured(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    up = build_platform(_settings(tmp_path, nats_url=NATS_URL), clock=clock, engine=engine)
    ready = TestClient(create_app(platform=up)).get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["nats"] == "ok"
    down = build_platform(_settings(tmp_path, nats_url=f"nats://{DEAD_PORT}"), clock=clock, engine=engine)
    assert _unavailable(TestClient(create_app(platform=down)).get("/readyz"), "nats")


def _dead_engine(kind: str, tmp_path: Path) -> Engine:
    if kind == "postgresql":
        dead = PG_URL.replace("127.0.0.1:5432", DEAD_PORT)
        assert dead != PG_URL
        return build_engine(dead, connect_args={"connect_timeout": 2})
    # A directory where the database file should be: SQLite cannot open it.
    directory = tmp_path / "not-a-file.db"
    directory.mkdir()
    return build_engine(f"sqlite:///{directory}")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_database_outage_answers_503_with_retry_after_never_500(
    kind: str, tmp_path: Path, clock: FrozenClock
) -> None:
    engine = _dead_engine(kind, tmp_path)
    platform = build_platform(_settings(tmp_path), clock=clock, engine=engine)
    app = create_app(platform=platform)
    client = TestClient(app, raise_server_exceptions=False)
    console = TestClient(app, raise_server_exceptions=False, cookies={"fanzha_session": "x" * 43})
    # Liveness still answers (the process is fine: no restart), readiness says why not to send traffic.
    assert client.get("/healthz").status_code == 200
    assert _unavailable(client.get("/readyz"), "database")
    # Requests that need the database: log-in, an API key, a session cookie, the public check.
    answers = [
        client.post("/api/v1/auth/login", json={"username": "analyst", "password": "whatever-123"}),
        client.get("/api/v1/samples", headers={"Authorization": "Bearer fz_" + "a" * 40}),
        console.get("/api/v1/auth/me"),
        client.post("/api/v1/public/check", json={"kind": "phone", "value": "13800138000"}),
        client.post("/api/v1/public/appeals/status", json={"number": "ABCDEFGHJKLM"}),
    ]
    assert all(_unavailable(a) for a in answers), [(a.status_code, a.text[:200]) for a in answers]
    # The console shows the same as a page, with Retry-After.
    page = console.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 503 and int(page.headers["Retry-After"]) >= 1
    assert "text/html" in page.headers["content-type"]
    engine.dispose()
