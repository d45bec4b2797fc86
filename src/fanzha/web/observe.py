"""Pure ASGI middleware: a request id for every request's logs and answer, and the request metrics."""

from __future__ import annotations

import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fanzha.core import logs
from fanzha.web.metrics import Metrics, route_template
from fanzha.web.tracing import Tracing

REQUEST_ID_HEADER = "X-Request-Id"


class Observe:
    """Outermost middleware: sets the request id (the caller's if it is a safe token), echoes it in
    `X-Request-Id`, and counts each answer by route template, method and status with its latency."""

    def __init__(self, app: ASGIApp, metrics: Metrics, tracing: Tracing | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = logs.accepted_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        token = logs.REQUEST_ID.set(request_id)
        status = 500  # an exception before the answer started becomes a 500 outside

        async def stamped_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            if self.tracing is None:
                await self.app(scope, receive, stamped_send)
            else:
                method = str(scope.get("method", ""))
                with self.tracing.span(method, Headers(scope=scope)) as span:
                    try:
                        await self.app(scope, receive, stamped_send)
                    finally:
                        self.tracing.finish(span, method, route_template(scope), status, request_id)
        finally:
            self.metrics.observe(scope, status, started)
            logs.REQUEST_ID.reset(token)
