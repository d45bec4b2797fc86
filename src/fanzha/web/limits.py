"""Per-route request limits, enforced before the route reads its body: size (413) and public rate (429)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fanzha.core.errors import FanzhaError, PayloadTooLarge
from fanzha.web import errors, ratelimit

MiB = 1024 * 1024
DEFAULT_BODY_LIMIT = 1 * MiB  # a form, a JSON object, a page of receipts
BODY_LIMIT_KEY = "x-body-limit"  # in the route's openapi_extra, so the OpenAPI document states it too
RATE_LIMITS_KEY = "x-rate-limits"


def declare(body: int | None = None, rate: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """A route's limits, given once as its `openapi_extra`: a larger body, and buckets counted first."""
    declared: dict[str, Any] = dict(extra)
    if body is not None:
        declared[BODY_LIMIT_KEY] = body
    if rate:
        declared[RATE_LIMITS_KEY] = list(rate)
    return declared


def body_limit_of(route: APIRoute) -> int:
    """The most bytes `route` accepts in a request body."""
    return int((route.openapi_extra or {}).get(BODY_LIMIT_KEY, DEFAULT_BODY_LIMIT))


def rate_limits_of(route: APIRoute) -> tuple[str, ...]:
    """The rate-limit buckets counted before `route` reads its body."""
    return tuple((route.openapi_extra or {}).get(RATE_LIMITS_KEY, ()))


class _TooLarge(Exception):
    """Raised from `receive` once the body passes the limit; the middleware answers 413 instead."""


@dataclass(frozen=True)
class Limit:
    """What one route allows before its body is read."""

    body: int = DEFAULT_BODY_LIMIT
    buckets: tuple[str, ...] = ()


DEFAULT = Limit()
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestLimits:
    """Pure ASGI middleware: finds the route a request is for, counts its public rate limits, then refuses
    a body over the route's limit from Content-Length and, for a chunked body, while streaming — all before
    the route reads it, so a refused body is never held in memory whatever its size."""

    CACHE_SIZE = 4096

    def __init__(self, app: ASGIApp, routes: list[APIRoute]) -> None:
        self.app = app
        self.by_method: dict[str, list[tuple[APIRoute, Limit]]] = {}
        for route in routes:
            limit = Limit(body_limit_of(route), rate_limits_of(route))
            for method in route.methods or ():
                self.by_method.setdefault(method, []).append((route, limit))
        self._cache: dict[tuple[str, str], Limit] = {}

    def limit_for(self, scope: Scope) -> Limit:
        """The limit of the route `scope` goes to (the default when none, or when it reads no body)."""
        method = scope["method"]
        if method in SAFE_METHODS:
            return DEFAULT  # no such route reads a body: nothing to find
        key = (method, scope["path"])
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = DEFAULT
        for route, limit in self.by_method.get(method, ()):
            if route.matches(scope)[0] is Match.FULL:
                found = limit
                break
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()  # paths with ids are many: keep the cache bounded
        self._cache[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        request = Request(scope)
        try:
            _check_length(request, limit.body)
            for bucket in limit.buckets:
                ratelimit.check(request, bucket)
        except FanzhaError as error:
            await errors.error_response(request, error)(scope, receive, send)
            return
        await self._stream(scope, receive, send, request, limit.body)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, request: Request, most: int) -> None:
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > most:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the route made of the cut-off body, the answer is the 413 below
            started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await errors.error_response(request, PayloadTooLarge(most))(scope, receive, send)


def _check_length(request: Request, most: int) -> None:
    """Refuse a declared length over `most` (or one that is no length) before anything is read."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > most):
        raise PayloadTooLarge(most)
