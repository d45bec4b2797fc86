"""GET /metrics: the Prometheus exposition, for a scraper holding FANZHA_METRICS_TOKEN or on loopback."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from fanzha.core.errors import NotAuthenticated, NotFound
from fanzha.web.metrics import Metrics, may_scrape

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Request rates and latencies by route, outbox lag, order deadlines, detection queue and run times."""
    token = request.app.state.settings.metrics_token
    secret = token.get_secret_value() if token is not None else None
    if not may_scrape(request.scope, secret, request.headers.get("authorization")):
        if secret:
            raise NotAuthenticated(
                "请提供指标令牌（FANZHA_METRICS_TOKEN）",
                "The metrics token is required (FANZHA_METRICS_TOKEN)",
                field="authorization",
            )
        raise NotFound()  # no token configured: only a scraper on this host may read, others see nothing
    registry: Metrics = request.app.state.metrics
    body, media_type = registry.exposition()
    return Response(body, media_type=media_type)
