"""OpenTelemetry: switched on by a setting, one server span per request named by its route (issue 21)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fanzha.bootstrap import Platform
from fanzha.web.app import create_app
from tests.factories import PASSWORD, World

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def test_requests_become_spans_that_continue_the_callers_trace(platform: Platform, world: World) -> None:
    exporter = InMemorySpanExporter()
    platform.settings.otel_enabled = True
    client = TestClient(create_app(platform=platform, span_exporter=exporter))
    login = client.post("/api/v1/auth/login", json={"username": "analyst", "password": PASSWORD})
    assert login.status_code == 200
    answer = client.get("/api/v1/samples/999999?reveal=true", headers={"traceparent": TRACEPARENT})
    assert answer.status_code == 404
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert set(spans) == {"POST /api/v1/auth/login", "GET /api/v1/samples/{sample_id}"}
    span = spans["GET /api/v1/samples/{sample_id}"]
    assert format(span.context.trace_id, "032x") == TRACE_ID  # the caller's trace goes on
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 404
    assert span.attributes["fanzha.request_id"] == answer.headers["X-Request-Id"]
    # Only the route template: no identifier, query string or body in what leaves for the collector.
    assert "999999" not in str(dict(span.attributes)) and "reveal" not in str(dict(span.attributes))
    assert PASSWORD not in str(dict(spans["POST /api/v1/auth/login"].attributes or {}))


def test_tracing_is_off_unless_switched_on(platform: Platform, world: World) -> None:
    exporter = InMemorySpanExporter()
    client = TestClient(create_app(platform=platform, span_exporter=exporter))
    assert client.get("/healthz").status_code == 200
    assert exporter.get_finished_spans() == ()
