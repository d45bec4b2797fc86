"""Helper processes for bench/propagation.py: webhook receivers on loopback, and feed pollers.

    python bench/_receivers.py serve   # 50 (or any number of) receivers at /hook/{n} on one port
    python bench/_receivers.py poll --base URL --keys FILE --out FILE --interval 1

`serve` is a small asyncio HTTP/1.1 keep-alive server, not Starlette on uvicorn: without httptools the
only uvicorn parser here is pure-Python h11, and a receiver that costs more than the dispatcher would
measure the receiver (`--starlette` runs the same handler on uvicorn + Starlette for comparison). Every
POST is checked exactly as a subscriber would: the HMAC signature with `fanzha.samples.webhooks.verify`,
then for a single event the X-Fanzha-Event-Id header against the body, for a batch ({"events": [...]})
the X-Fanzha-Batch count against the list. Each event is recorded with `time.time()` on arrival.

Control, on the same port: POST /_control/secrets (JSON {name: secret}), GET /_control/count,
POST /_control/dump (body: a file path; writes the receipts as TSV and clears them).
The first line on stdout is the port.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fanzha_client.webhooks import SIGNATURE_HEADER, verify

from fanzha.samples.webhooks import BATCH_HEADER, EVENT_HEADER

Receipt = tuple[str, int, int, str, float]  # receiver, position, sample_id, event_id, time.time()

_EVENT = EVENT_HEADER.lower().encode()
_SIGNATURE = SIGNATURE_HEADER.lower().encode()
_BATCH = BATCH_HEADER.lower().encode()


def write_receipts(path: str, receipts: list[Receipt]) -> None:
    """One receipt a line: receiver, position, sample id, event id, receipt time."""
    lines = [f"{r}\t{p}\t{s}\t{e}\t{t!r}\n" for r, p, s, e, t in receipts]
    Path(path).write_text("".join(lines))


class Book:
    """What the receivers got: every receipt (duplicates included) and per-receiver distinct positions."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.receipts: list[Receipt] = []
        self.seen: dict[str, set[int]] = {}
        self.bad_signatures = 0
        self.mismatched_ids = 0
        self.posts = 0
        self.errors = 0

    def hook(self, name: str, headers: dict[bytes, bytes], body: bytes) -> int:
        """Check and record one delivery; returns the HTTP status to answer."""
        now = time.time()
        secret = self.secrets.get(name)
        if secret is None:
            return 404
        if not verify(secret, headers.get(_SIGNATURE, b"").decode(), body):
            self.bad_signatures += 1
            return 401
        parsed = orjson.loads(body)
        if "events" in parsed:  # a batched delivery: one signature, many events
            events = parsed["events"]
            if headers.get(_BATCH, b"").decode() != str(len(events)):
                self.mismatched_ids += 1
                return 400
        else:
            if headers.get(_EVENT, b"").decode() != parsed["event_id"]:
                self.mismatched_ids += 1
                return 400
            events = [parsed]
        for event in events:
            position = int(event["position"])
            self.receipts.append((name, position, int(event["payload"]["sample_id"]), event["event_id"], now))
            self.seen.setdefault(name, set()).add(position)
        self.posts += 1
        return 204

    def control(self, path: str, body: bytes) -> tuple[int, bytes]:
        if path == "/_control/secrets":
            self.secrets.update(orjson.loads(body))
            return 200, b"{}"
        if path == "/_control/count":
            distinct = sum(len(s) for s in self.seen.values())
            answer = {
                "receipts": len(self.receipts),
                "distinct": distinct,
                "bad_signatures": self.bad_signatures,
                "mismatched_ids": self.mismatched_ids,
                "posts": self.posts,
                "errors": self.errors,
            }
            return 200, orjson.dumps(answer)
        if path == "/_control/dump":
            write_receipts(body.decode(), self.receipts)
            answer = {
                "receipts": len(self.receipts),
                "posts": self.posts,
                "bad_signatures": self.bad_signatures,
                "mismatched_ids": self.mismatched_ids,
                "errors": self.errors,
            }
            self.receipts, self.seen = [], {}
            self.bad_signatures = self.mismatched_ids = self.posts = self.errors = 0
            return 200, orjson.dumps(answer)
        return 404, b"{}"

    def route(self, path: str, headers: dict[bytes, bytes], body: bytes) -> tuple[int, bytes]:
        try:
            if path.startswith("/hook/"):
                return self.hook(path[len("/hook/") :], headers, body), b""
            return self.control(path, body)
        except Exception:  # noqa: BLE001 - a body we cannot read is answered 500, never a dropped connection
            self.errors += 1
            return 500, b"{}"


_REASONS = {
    200: b"OK",
    204: b"No Content",
    400: b"Bad Request",
    401: b"Unauthorized",
    404: b"Not Found",
    500: b"Internal Server Error",
}


class Http11(asyncio.Protocol):
    """Just enough HTTP/1.1 for httpx: keep-alive, Content-Length bodies, no chunked requests."""

    def __init__(self, route: Callable[[str, dict[bytes, bytes], bytes], tuple[int, bytes]]) -> None:
        self._route = route
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end]).split(b"\r\n")
            headers: dict[bytes, bytes] = {}
            for line in head[1:]:
                key, _, value = line.partition(b":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if len(self._buffer) < end + 4 + length:
                return
            body = bytes(self._buffer[end + 4 : end + 4 + length])
            del self._buffer[: end + 4 + length]
            method, target, _version = head[0].split(b" ", 2)
            del method
            status, answer = self._route(target.decode(), headers, body)
            reply = b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n" % (status, _REASONS[status], len(answer))
            if status != 204:
                reply += b"Content-Type: application/json\r\n"
            assert self._transport is not None
            self._transport.write(reply + b"\r\n" + (answer if status != 204 else b""))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve_raw(book: Book) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Http11(book.route), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def serve_starlette(book: Book) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def handle(request: Request) -> Response:
        body = await request.body()
        headers = {k.encode(): v.encode() for k, v in request.headers.items()}
        status, answer = book.route(request.url.path, headers, body)
        return Response(answer or None, status_code=status, media_type="application/json")

    routes = [Route("/{path:path}", handle, methods=["GET", "POST"])]
    port = free_port()
    print(port, flush=True)
    config = uvicorn.Config(Starlette(routes=routes), host="127.0.0.1", port=port, log_level="warning")
    uvicorn.Server(config).run()


async def poll(base: str, keys: dict[str, str], interval: float, out: str) -> None:
    """Each key is one subscriber polling GET /api/v1/samples/feed every `interval`, phases spread."""
    import httpx

    receipts: list[Receipt] = []
    durations: list[float] = []  # of each poll request, once caught up
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    errors = 0

    async def client(
        index: int, name: str, key: str, http: httpx.AsyncClient, caught_up: asyncio.Queue[int]
    ) -> None:
        nonlocal errors
        after = 0
        headers = {"Authorization": f"Bearer {key}"}
        # Start at the current head, as a subscriber joining now would.
        while True:
            page = await fetch(http, headers, after)
            after = page["next_after"]
            if len(page["items"]) < PAGE:
                break
        caught_up.put_nowait(index)
        tick = time.monotonic() + interval * index / len(keys)
        while True:
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, tick - time.monotonic()))
                return
            except TimeoutError:
                pass
            tick += interval
            while True:
                sent = time.time()
                try:
                    page = await fetch(http, headers, after)
                except httpx.HTTPError:
                    errors += 1
                    break
                now = time.time()
                durations.append(now - sent)
                for item in page["items"]:
                    receipts.append(
                        (name, item["position"], item["payload"]["sample_id"], item["event_id"], now)
                    )
                after = page["next_after"]
                if len(page["items"]) < PAGE:
                    break

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        caught_up: asyncio.Queue[int] = asyncio.Queue()
        tasks = [
            asyncio.create_task(client(i, n, k, http, caught_up))
            for i, (n, k) in enumerate(sorted(keys.items()))
        ]
        for _ in tasks:
            await caught_up.get()
        print("ready", flush=True)
        await asyncio.gather(*tasks)
    write_receipts(out, receipts)
    stats = {"polls": len(durations), "errors": errors, "durations": durations}
    Path(out + ".stats.json").write_bytes(orjson.dumps(stats))


PAGE = 5000


async def fetch(http: Any, headers: dict[str, str], after: int) -> dict[str, Any]:
    """One page of the pull feed after `after`."""
    answer = await http.get("/api/v1/samples/feed", params={"after": after, "limit": PAGE}, headers=headers)
    answer.raise_for_status()
    page: dict[str, Any] = answer.json()
    return page


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--starlette", action="store_true")
    poller = sub.add_parser("poll")
    poller.add_argument("--base", required=True)
    poller.add_argument("--keys", required=True, help="JSON file {name: api key}")
    poller.add_argument("--interval", type=float, default=1.0)
    poller.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.mode == "serve":
        book = Book()
        if args.starlette:
            serve_starlette(book)
        else:
            asyncio.run(serve_raw(book))
    else:
        keys = orjson.loads(Path(args.keys).read_bytes())
        asyncio.run(poll(args.base, keys, args.interval, args.out))


if __name__ == "__main__":
    main()
