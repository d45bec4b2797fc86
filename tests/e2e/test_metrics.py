"""/metrics: request counts and latencies by route template, business gauges, who may scrape; request ids."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from fanzha.bootstrap import Platform
from fanzha.detect.runs import QUEUED, SUCCEEDED
from fanzha.detect.tables import DetectRun
from fanzha.disposal.tables import Order
from fanzha.events import outbox
from fanzha.events.tables import SinkCursor
from fanzha.identity.domain import OrgKind
from fanzha.web.app import create_app
from tests.factories import make_org

TOKEN = "scrape-" + "k" * 32


def _client(platform: Platform, **extra: object) -> TestClient:
    settings = platform.settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    return TestClient(create_app(settings, platform), raise_server_exceptions=False, **extra)  # type: ignore[arg-type]


def _scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template_method_and_status(platform: Platform) -> None:
    client = _client(platform)
    before = _scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/samples/13912345678").status_code == 401  # an identifier in the path
    assert client.get("/no/such/13912345678").status_code == 404
    after = _scrape(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("fanzha_http_requests_total", route="/healthz", method="GET", status="200") == 3
    assert grew("fanzha_http_request_duration_seconds_count", route="/healthz", method="GET") == 3
    assert grew("fanzha_http_request_duration_seconds_bucket", route="/healthz", method="GET", le="+Inf") == 3
    assert grew("fanzha_http_request_duration_seconds_sum", route="/healthz", method="GET") > 0
    assert grew("fanzha_http_requests_total", route="unmatched", method="GET", status="404") == 1
    # Never the raw path: no identifier reaches a label.
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not any(re.search(r"\d{7,}", route) for route in routes)
    assert (
        grew("fanzha_http_requests_total", route="/api/v1/samples/{sample_id}", method="GET", status="401")
        == 1
    )


def test_business_gauges_follow_the_outbox_orders_and_detection_runs(platform: Platform) -> None:
    client = _client(platform)
    first = _scrape(client)
    assert _value(first, "fanzha_business_metrics_up") == 1
    assert _value(first, "fanzha_orders_open", deadline="overdue") == 0
    assert _value(first, "fanzha_detect_runs_queue", status="queued") == 0
    now = platform.clock.now()
    org = make_org(platform, "tel-metrics", OrgKind.TELECOM)
    with platform.sessions() as session:
        head = outbox.current_position(session)
        session.add(
            SinkCursor(sink="webhook-test", position=head, delivered=0, failures=0, consecutive_failures=2)
        )
        for _ in range(3):
            outbox.record(session, platform.clock, "sample.published", {"n": 1})
        for due in (now - timedelta(minutes=5), now + timedelta(minutes=30), now + timedelta(hours=5)):
            session.add(_order(org.id, due, now))
        session.add(_order(org.id, now - timedelta(hours=1), now, closed=True))  # closed: not counted
        session.add(_run(org.id, "card_v2", now, QUEUED))
        session.add(_run(org.id, "card_v2", now, SUCCEEDED, took=timedelta(seconds=42)))
        session.commit()
    second = _scrape(client)
    assert _value(second, "fanzha_outbox_lag_events", sink="webhook-test") == 3
    assert _value(second, "fanzha_outbox_head_position") == head + 3
    assert _value(second, "fanzha_outbox_sink_consecutive_failures", sink="webhook-test") == 2
    assert _value(second, "fanzha_orders_open", deadline="overdue") == 1
    assert _value(second, "fanzha_orders_open", deadline="due_soon") == 1
    assert _value(second, "fanzha_orders_open", deadline="later") == 1
    assert _value(second, "fanzha_detect_runs_queue", status="queued") == 1
    assert _value(second, "fanzha_detect_last_run_seconds", engine="card_v2") == 42


def _order(org_id: int, due: datetime, now: datetime, closed: bool = False) -> Order:
    return Order(
        org_id=org_id,
        issuer_org_id=org_id,
        issued_by="test",
        object_kind="phone",
        object_token="t" * 64,
        object_masked="139****5678",
        object_ciphertext=b"x",
        measure="restrict",
        article="第二十八条第一款",
        reason="test",
        status="released" if closed else "issued",
        due_at=due,
        created_at=now,
        updated_at=now,
        closed_at=now if closed else None,
    )


def _run(org_id: int, engine: str, now: datetime, status: str, took: timedelta | None = None) -> DetectRun:
    return DetectRun(
        engine=engine,
        engine_version=2,
        backend="duckdb",
        data_dir="/tmp/none",  # never read
        requested_by="test",
        org_id=org_id,
        status=status,
        created_at=now,
        started_at=now if took else None,
        finished_at=now + took if took else None,
    )


def test_only_a_scraper_with_the_token_or_on_loopback_may_read(platform: Platform) -> None:
    client = _client(platform)
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.json()["field"] == "authorization"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    # No token configured: loopback only; a forwarded address is not believed.
    open_app = create_app(platform=platform)
    assert TestClient(open_app).get("/metrics").status_code == 404
    forwarded = {"X-Forwarded-For": "127.0.0.1"}
    assert TestClient(open_app).get("/metrics", headers=forwarded).status_code == 404
    local = TestClient(open_app, client=("127.0.0.1", 40000)).get("/metrics")
    assert local.status_code == 200 and "fanzha_http_requests_total" in local.text


def test_each_answer_carries_a_request_id_and_a_safe_one_from_the_caller_is_kept(platform: Platform) -> None:
    client = _client(platform)
    fresh = client.get("/healthz").headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", fresh)
    assert client.get("/healthz").headers["X-Request-Id"] != fresh
    kept = client.get("/healthz", headers={"X-Request-Id": "trace-abc.123_x"})
    assert kept.headers["X-Request-Id"] == "trace-abc.123_x"
    for unsafe in ("13912345678abc", "a b<script>", "x" * 65, "short", "id;forged"):
        answer = client.get("/healthz", headers={"X-Request-Id": unsafe})
        assert answer.headers["X-Request-Id"] != unsafe
        assert re.fullmatch(r"[0-9a-f]{16}", answer.headers["X-Request-Id"])
    # Refusals carry one too (the 401 of a protected route).
    assert client.get("/api/v1/disposal/feed").headers.get("X-Request-Id")
