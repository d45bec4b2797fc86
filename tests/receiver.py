"""A real webhook receiver on loopback for tests: verifies signatures, can be taken down."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fanzha_client.webhooks import SIGNATURE_HEADER, verify
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fanzha.samples.webhooks import BATCH_HEADER, EVENT_HEADER


@dataclass
class Receiver:
    """Records what arrived; answers 503 while `down`."""

    secret: str = ""
    down: bool = False
    now: float | None = None  # the signer's clock, when a test freezes it
    received: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0
    attempts: int = 0
    batches: int = 0
    # Every POST as it arrived, refused ones too: (headers, raw body), for checks by other verifiers.
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.attempts += 1
        body = await request.body()
        self.posts.append((dict(request.headers), body))
        if self.down:
            return Response(status_code=503)
        if not verify(self.secret, request.headers.get(SIGNATURE_HEADER, ""), body, now=self.now):
            self.bad_signatures += 1
            return Response(status_code=401)
        parsed = json.loads(body)
        if "events" in parsed:  # a batch: each element is handled as a single delivery would be
            assert int(request.headers[BATCH_HEADER]) == len(parsed["events"])
            assert parsed["event_ids"] == [event["event_id"] for event in parsed["events"]]
            self.received.extend(parsed["events"])
            self.batches += 1
            return Response(status_code=204)
        assert parsed["event_id"] == request.headers[EVENT_HEADER]
        self.received.append(parsed)
        return Response(status_code=204)


class Served:
    """Serves receivers at /hook/{name} on a free loopback port in a background thread."""

    def __init__(self) -> None:
        self.receivers: dict[str, Receiver] = {}
        app = Starlette(routes=[Route("/hook/{name}", self._dispatch, methods=["POST"])])
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        for _ in range(100):
            if self._server.started:
                break
            time.sleep(0.05)

    async def _dispatch(self, request: Request) -> Response:
        return await self.receivers[request.path_params["name"]].handle(request)

    def url(self, name: str) -> str:
        """The address of receiver `name`, created on first use."""
        self.receivers.setdefault(name, Receiver())
        return f"http://127.0.0.1:{self.port}/hook/{name}"

    def stop(self) -> None:
        """Shut the server down."""
        self._server.should_exit = True
        self._thread.join(timeout=5)
