"""Every route: a body over its limit is refused 413 with the bilingual error, and never read past the limit.

Routes come from the app (`all_routes()`), so a route added later is covered without anyone listing it. The
limit is checked from Content-Length (nothing is read) and while streaming a chunked body (nothing past the
limit is read), so memory does not grow with the size of the body; public rate limits are counted before
the body is read. The app is driven over raw ASGI: a test client would buffer the whole body first.
"""

from __future__ import annotations

import asyncio
import inspect
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from fanzha.core.errors import RateLimited
from fanzha.identity.domain import ROLE_PERMISSIONS
from fanzha.web.app import all_routes
from fanzha.web.limits import DEFAULT_BODY_LIMIT, MiB, body_limit_of, rate_limits_of
from tests.e2e.test_route_permissions import PUBLIC, _permission_of
from tests.gates.test_access_matrix import _org_refuses, _path, _roles
from tests.gates.world import FIGURES, Gate

CHUNK = 256 * 1024
LAST = ("/logout",)
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
BOUNDARY = "fanzhagateboundary"
# Who calls a route: the first of these whose role holds its permission (the centre's analyst first, as
# county units may not run detection); public routes are called anonymously.
CALLERS = ("centreanalyst", "admin", "secadmin", "auditor", "commander", "cmccadmin", "cmccop", "analyst")
CALLERS += ("centrecommander",)  # Art 24: only the provincial centre's commander drafts and publishes


@dataclass
class Answer:
    """What the app sent back, and how much of the body it pulled."""

    status: int
    headers: dict[str, str]
    body: bytes
    consumed: int

    def error(self) -> dict[str, Any]:
        import json

        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


def _send(
    app: FastAPI, method: str, path: str, headers: dict[str, str], chunks: Iterator[bytes], ip: str
) -> Answer:
    """One request over raw ASGI, its body pulled chunk by chunk only as the app asks for it."""

    async def run() -> Answer:
        consumed = 0
        status, sent_headers, body = 0, {}, bytearray()
        finished = False

        async def receive() -> dict[str, Any]:
            nonlocal consumed, finished
            if finished:
                return {"type": "http.disconnect"}
            chunk = next(chunks, None)
            if chunk is None:
                finished = True
                return {"type": "http.request", "body": b"", "more_body": False}
            consumed += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                sent_headers.update({k.decode().lower(): v.decode() for k, v in message.get("headers", [])})
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": (ip, 40000),
            "server": ("testserver", 80),
            "state": {},
        }
        await app(scope, receive, send)
        return Answer(status, sent_headers, bytes(body), consumed)

    return asyncio.run(run())


def _multipart(route: APIRoute) -> bool:
    """Whether the route takes a form or files (FastAPI Form/File parameters, or a form it reads itself)."""
    if route.body_field is not None:
        return (
            "Form" in type(route.body_field.field_info).__name__
            or "File" in type(route.body_field.field_info).__name__
        )
    return "request.form(" in inspect.getsource(route.endpoint)


def _reads_body(route: APIRoute) -> bool:
    """Whether the route reads a request body at all (declared, or read by its handler)."""
    source = inspect.getsource(route.endpoint)
    return (
        route.body_field is not None
        or "requestBody" in (route.openapi_extra or {})
        or "request.form(" in source
        or "request.body(" in source
    )


def _endless(route: APIRoute, size: int) -> tuple[str, Iterator[bytes]]:
    """A content type the route parses and a body of `size` bytes in chunks, made only as pulled."""
    if _multipart(route):
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        content_type = f"multipart/form-data; boundary={BOUNDARY}"
    else:
        head, content_type = b'{"items": "', "application/json"

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(size // CHUNK + 1):
            yield b"x" * CHUNK  # a new chunk each time, as a server delivers them; the sender keeps none

    return content_type, chunks()


def _caller(gate: Gate, route: APIRoute, method: str) -> tuple[str, dict[str, str]]:
    """Who calls (anonymous for public routes) and the headers that authenticate them."""
    if (method, route.path) in PUBLIC:
        return "anonymous", {}
    permission, roles = _permission_of(route), _roles()
    for who in CALLERS:
        if permission in ROLE_PERMISSIONS[roles[who]] and not _org_refuses(route.path, who):
            headers, cookies = gate.auth_of(who)
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            return who, {**headers, "cookie": cookie}
    raise AssertionError(f"nobody may call {method} {route.path}")


def _bilingual_413(answer: Answer, limit: int) -> bool:
    if answer.status != 413:
        return False
    error = answer.error()
    return (
        error["code"] == "payload_too_large"
        and error["field"] == "body"
        and bool(error["message_zh"])
        and bool(error["message_en"])
        and f"{limit / MiB:g} MiB" in error["message_en"]
    )


def _writes() -> list[tuple[APIRoute, str]]:
    """Every route and method that may carry a body; log-out last, as it ends the caller's session."""
    writes = [(r, m) for r in all_routes() for m in sorted(r.methods or ()) if m not in SAFE]
    return sorted(writes, key=lambda rm: rm[0].path.endswith(LAST))


def test_a_declared_length_over_the_limit_is_refused_413_before_anything_is_read(gate: Gate) -> None:
    wrong = []
    routes = [(r, m) for r in all_routes() for m in sorted(r.methods or ()) if m != "HEAD"]
    for n, (route, method) in enumerate(routes):
        limit = body_limit_of(route)
        _, chunks = _endless(route, limit * 2)
        headers = {"content-length": str(limit + 1), "content-type": "application/json"}
        answer = _send(gate.app, method, _path(route, gate), headers, chunks, f"10.9.1.{n % 250}")
        if not _bilingual_413(answer, limit) or answer.consumed != 0:
            wrong.append(f"{method} {route.path}: {answer.status}, read {answer.consumed} bytes")
    FIGURES["body limits: routes refused by Content-Length"] = len(routes)
    assert wrong == [], "\n".join(wrong)
    assert len(routes) >= 90


def test_a_chunked_body_over_the_limit_is_cut_off_at_the_limit_and_refused_413(gate: Gate) -> None:
    wrong, readers, largest = [], 0, 0
    for n, (route, method) in enumerate(_writes()):
        limit = body_limit_of(route)
        who, headers = _caller(gate, route, method)
        content_type, chunks = _endless(route, limit * 4)  # four times the limit, and no Content-Length
        tracemalloc.start()
        try:
            answer = _send(
                gate.app,
                method,
                _path(route, gate),
                {**headers, "content-type": content_type},
                chunks,
                f"10.9.2.{n % 250}",
            )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        largest = max(largest, peak)
        name = f"{method} {route.path} as {who}"
        if answer.consumed > limit + 2 * CHUNK:
            wrong.append(f"{name}: read {answer.consumed} bytes past the limit of {limit}")
        if peak > 2 * limit + 16 * MiB:  # what was read (at most the limit) and the app's own working set
            wrong.append(f"{name}: {peak} bytes allocated for a body limited to {limit}")
        if answer.status >= 500:
            wrong.append(f"{name}: {answer.status}")
        if _reads_body(route):
            readers += 1
            if not _bilingual_413(answer, limit):
                wrong.append(f"{name}: {answer.status} {answer.body[:200]!r}")
    FIGURES["body limits: routes reading a body, cut off while streaming"] = readers
    FIGURES["body limits: largest allocation during one refused body (MiB)"] = round(largest / MiB, 1)
    assert wrong == [], "\n".join(wrong)
    assert readers >= 35


def test_memory_does_not_grow_with_the_size_of_a_refused_body(gate: Gate) -> None:
    [route] = [r for r in all_routes() if r.path == "/api/v1/public/check"]
    peaks = []
    for n, size in enumerate((4 * DEFAULT_BODY_LIMIT, 256 * DEFAULT_BODY_LIMIT)):
        content_type, chunks = _endless(route, size)
        tracemalloc.start()
        try:
            answer = _send(
                gate.app, "POST", route.path, {"content-type": content_type}, chunks, f"10.9.3.{n}"
            )
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert (
            _bilingual_413(answer, DEFAULT_BODY_LIMIT) and answer.consumed <= DEFAULT_BODY_LIMIT + 2 * CHUNK
        )
    # 64 times the body, the same memory (within one chunk's worth of noise).
    assert peaks[1] < peaks[0] + 2 * CHUNK + MiB, peaks
    FIGURES["body limits: peak MiB for a 4 MiB and a 256 MiB public-check body"] = (
        f"{peaks[0] / MiB:.1f} / {peaks[1] / MiB:.1f}"
    )


def test_public_rate_limits_are_counted_before_the_body_is_read(gate: Gate) -> None:
    limited = [(r, m) for r, m in _writes() if rate_limits_of(r)]
    assert {r.path for r, _ in limited} >= {"/api/v1/public/check", "/api/v1/public/appeals", "/appeal"}
    limits = gate.app.state.limits
    wrong = []
    for n, (route, method) in enumerate(limited):
        ip = f"10.9.4.{n}"
        for bucket in rate_limits_of(route):
            _fill(limits, bucket, ip)
        content_type, chunks = _endless(route, 64 * MiB)
        answer = _send(gate.app, method, _path(route, gate), {"content-type": content_type}, chunks, ip)
        retry = int(answer.headers.get("retry-after", "0"))
        if (
            answer.status != 429
            or answer.consumed != 0
            or retry < 1
            or answer.error()["code"] != "rate_limited"
        ):
            wrong.append(f"{method} {route.path}: {answer.status}, read {answer.consumed} bytes")
    FIGURES["body limits: rate-limited routes refused before reading"] = len(limited)
    assert wrong == [], "\n".join(wrong)


def test_a_body_within_a_larger_declared_limit_is_accepted(gate: Gate) -> None:
    """The batch lookup declares 16 MiB: a 2 MiB body (over the default) is read and answered."""
    headers, _ = gate.auth_of("cmccadmin-key")
    items = b",".join([b'{"kind": "phone", "value": "13800138000"}'] * 50_000)
    body = b'{"items": [' + items + b"]}"
    assert DEFAULT_BODY_LIMIT < len(body) < 16 * MiB
    answer = _send(
        gate.app,
        "POST",
        "/api/v1/samples/lookup",
        {**headers, "content-type": "application/json", "content-length": str(len(body))},
        iter([body]),
        "10.9.5.1",
    )
    assert answer.status == 200, answer.body[:300]
    assert answer.consumed == len(body)


def _fill(limits: Any, bucket: str, ip: str) -> None:
    """Use up `ip`'s window of `bucket`."""
    for _ in range(100_000):
        try:
            limits.check(bucket, ip)
        except RateLimited:
            return
    raise AssertionError(f"{bucket} never limited {ip}")


def test_a_lookup_of_too_many_tiny_items_is_refused_before_it_is_parsed(gate: Gate) -> None:
    """Within the 16 MiB limit fit half a million tiny items; counting them costs nothing, parsing ~0.5 GB."""
    headers, _ = gate.auth_of("cmccadmin-key")
    body = b'{"items": [' + b",".join([b'{"kind":"phone","value":"1"}'] * 500_000) + b"]}"
    assert len(body) < 16 * MiB
    tracemalloc.start()
    try:
        answer = _send(
            gate.app,
            "POST",
            "/api/v1/samples/lookup",
            {**headers, "content-type": "application/json", "content-length": str(len(body))},
            iter([body]),
            "10.9.6.1",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.status == 422 and answer.error()["field"] == "items", answer.body[:300]
    assert answer.error()["message_zh"] and "100,000" in answer.error()["message_en"]
    assert peak < 3 * len(body) + 8 * MiB  # the body and its copy, never the half a million items
