"""Prometheus metrics: requests by route template, and business gauges read at scrape time."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import Scope

from fanzha.db.engine import reading
from fanzha.detect.runs import QUEUED, RUNNING
from fanzha.detect.tables import DetectRun
from fanzha.disposal.tables import Order
from fanzha.events.outbox import current_position
from fanzha.events.tables import SinkCursor

if TYPE_CHECKING:
    from fanzha.bootstrap import Platform

log = logging.getLogger(__name__)
UNMATCHED = "unmatched"  # a path no route serves: never the raw path, whose segments may be identifiers
# Orders whose deadline falls within this window count as due soon (the boards' warning colour).
DUE_SOON = timedelta(hours=1)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def route_template(scope: Scope) -> str:
    """The template of the route that served `scope` (`/api/v1/orders/{order_id}`), or `unmatched`."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class BusinessCollector(Collector):
    """Outbox lag per sink, open orders by deadline, detection queue and last run times: short read-only
    queries at each scrape, so the numbers are the database's, whichever process serves the scrape."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def collect(self) -> Iterator[Metric]:
        """The gauges, or only `fanzha_business_metrics_up 0` when the database does not answer."""
        up = GaugeMetricFamily("fanzha_business_metrics_up", "1 when the business gauges could be read")
        try:
            gauges = self._read()
        except Exception:  # a scrape must still answer: the request metrics say what the web app did
            log.warning("business metrics unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from gauges

    def _read(self) -> list[Metric]:
        now = self.platform.clock.now()
        lag = GaugeMetricFamily(
            "fanzha_outbox_lag_events", "Events recorded but not yet delivered, per sink", labels=["sink"]
        )
        head_gauge = GaugeMetricFamily("fanzha_outbox_head_position", "Position of the last recorded event")
        failing = GaugeMetricFamily(
            "fanzha_outbox_sink_consecutive_failures", "Failed deliveries in a row, per sink", labels=["sink"]
        )
        orders = GaugeMetricFamily(
            "fanzha_orders_open",
            "Open disposal orders by deadline: overdue, due within the hour, or later",
            labels=["deadline"],
        )
        runs = GaugeMetricFamily(
            "fanzha_detect_runs_queue", "Detection runs waiting or running", labels=["status"]
        )
        last = GaugeMetricFamily(
            "fanzha_detect_last_run_seconds", "Duration of the last finished run", labels=["engine"]
        )
        with reading(self.platform.sessions) as session:
            head = current_position(session)
            head_gauge.add_metric([], head)
            for sink, position, consecutive in session.execute(
                select(SinkCursor.sink, SinkCursor.position, SinkCursor.consecutive_failures)
            ):
                lag.add_metric([sink], max(0, head - position))
                failing.add_metric([sink], consecutive)
            soon = now + DUE_SOON
            counted = session.execute(
                select(
                    func.count().filter(Order.due_at <= now),
                    func.count().filter((Order.due_at > now) & (Order.due_at <= soon)),
                    func.count().filter(Order.due_at > soon),
                ).where(Order.closed_at.is_(None))
            ).one()
            for deadline, count in zip(("overdue", "due_soon", "later"), counted, strict=True):
                orders.add_metric([deadline], int(count or 0))
            queued = dict(
                session.execute(
                    select(DetectRun.status, func.count())
                    .where(DetectRun.status.in_((QUEUED, RUNNING)))
                    .group_by(DetectRun.status)
                ).all()
            )
            for status in (QUEUED, RUNNING):
                runs.add_metric([status], int(queued.get(status, 0)))
            latest = (
                select(func.max(DetectRun.id))
                .where(DetectRun.finished_at.is_not(None), DetectRun.started_at.is_not(None))
                .group_by(DetectRun.engine)
            )
            for engine, started, finished in session.execute(
                select(DetectRun.engine, DetectRun.started_at, DetectRun.finished_at).where(
                    DetectRun.id.in_(latest)
                )
            ):
                if started is not None and finished is not None:  # both set, as the query asked
                    last.add_metric([engine], max(0.0, (finished - started).total_seconds()))
        return [head_gauge, lag, failing, orders, runs, last]


class Metrics:
    """One app's registry: the request counter and latency histogram, and the business collector."""

    def __init__(self, platform: Platform) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "fanzha_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fanzha_http_request_duration_seconds",
            "Time to answer, by route template and method",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(BusinessCollector(platform))

    def observe(self, scope: Scope, status: int, started: float) -> None:
        """Count one answered request."""
        route, method = route_template(scope), str(scope.get("method", ""))
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(time.perf_counter() - started)

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition format and its media type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def may_scrape(scope: Scope, token: str | None, authorization: str | None) -> bool:
    """With a token configured, the caller must present it as a bearer token; without one, only a
    loopback peer (a scraper beside the process) may read — a forwarded address is never believed."""
    if token:
        scheme, _, offered = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode())
    client = scope.get("client")
    try:
        return client is not None and ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False  # not an address (a test client's "testclient")
