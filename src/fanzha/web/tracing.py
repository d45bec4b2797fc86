"""OpenTelemetry tracing, off unless FANZHA_OTEL_ENABLED: one server span per request, W3C context in.

Spans carry the method, the route template (never the query string or a body), the status and the
request id; they go to the OTLP/HTTP endpoint of the standard `OTEL_EXPORTER_OTLP_*` variables.
Needs the `otel` extra (`pip install -e '.[otel]'`).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from fanzha.core.settings import Settings


class Tracing:
    """Starts a span for each request on the given tracer provider."""

    def __init__(self, provider: Any) -> None:
        from opentelemetry import propagate, trace

        self._tracer = provider.get_tracer("fanzha.web")
        self._extract = propagate.extract
        self._kind = trace.SpanKind.SERVER

    def span(self, method: str, headers: Mapping[str, str]) -> AbstractContextManager[Any]:
        """A server span continuing the caller's trace (`traceparent`), named once the route is known."""
        return self._tracer.start_as_current_span(  # type: ignore[no-any-return]
            method, context=self._extract(dict(headers)), kind=self._kind, record_exception=False
        )

    @staticmethod
    def finish(span: Any, method: str, route: str, status: int, request_id: str) -> None:
        """Name the span by its route and record what the answer was."""
        span.update_name(f"{method} {route}")
        span.set_attribute("http.request.method", method)
        span.set_attribute("http.route", route)
        span.set_attribute("http.response.status_code", status)
        span.set_attribute("fanzha.request_id", request_id)
        if status >= 500:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR))


def tracing_of(settings: Settings, exporter: Any = None) -> Tracing | None:
    """Tracing when the settings switch it on; spans go to `exporter`, else to OTLP over HTTP."""
    if not settings.otel_enabled:
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Tracing(provider)
