"""Running the sinks: every webhook subscription and, when configured, NATS JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time

import httpx

from fanzha.bootstrap import Platform
from fanzha.core.errors import FanzhaError
from fanzha.events.dispatcher import Dispatcher, EventPublisher, RetryPolicy, dispatch_all
from fanzha.events.egress import DeliveryError, guarded_client
from fanzha.events.nats_sink import JetStreamPublisher
from fanzha.events.outbox import current_head
from fanzha.identity.domain import Principal
from fanzha.samples.tables import DeadLetter
from fanzha.samples.webhooks import Target, WebhookPublisher

TARGETS_TTL_S = 5.0  # a new subscription starts receiving within this many seconds


def worker_id() -> str:
    """Names this process in the sink leases."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Delivery:
    """One pass over all sinks at a time; each sink keeps its own cursor, lease and back-off."""

    def __init__(
        self,
        platform: Platform,
        nats: JetStreamPublisher | None = None,
        worker: str | None = None,
        timeout: float = 5.0,  # under the 10 s sink lease
    ) -> None:
        self._platform = platform
        self._nats = nats
        self._worker = worker or worker_id()
        self._timeout = timeout
        self._cached: tuple[float, list[Target]] | None = None
        # One client per subscription: httpcore's pool scans all its connections on every request,
        # which took a third of the dispatcher's time with 50 subscribers sharing one pool.
        self._clients: dict[int, httpx.AsyncClient] = {}

    async def __aenter__(self) -> Delivery:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every subscription's HTTP client."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _client(self, target: Target) -> httpx.AsyncClient:
        client = self._clients.get(target.subscription_id)
        if client is None:
            client = self._clients[target.subscription_id] = guarded_client(
                self._platform.settings.webhook_allow_private, self._timeout
            )
        return client

    async def run_once(self) -> int:
        """Deliver one batch to every sink; returns how many events moved in all."""
        p = self._platform
        head = current_head(p.sessions)
        moved = 0
        if self._nats is not None:
            # JetStream outages are transient: never dead-letter, keep retrying.
            nats = Dispatcher(p.sessions, p.clock, self._nats, self._worker, retry=RetryPolicy(sys.maxsize))
            moved += await nats.run_once(head)
        sinks: list[EventPublisher] = [
            WebhookPublisher(t, p.sessions, p.clock, self._client(t)) for t in self._targets()
        ]
        return moved + await dispatch_all(p.sessions, p.clock, sinks, self._worker, head)

    def _targets(self) -> list[Target]:
        """Webhook subscriptions, re-read (and their secrets decrypted) at most every few seconds."""
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > TARGETS_TTL_S:
            self._cached = (now, self._platform.subscriptions.targets())
        return self._cached[1]

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.1) -> None:
        """Deliver until `stop` is set; a short idle keeps publish-to-receipt under a second."""
        while not stop.is_set():
            if await self.run_once() == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)


class DeliveryFailed(FanzhaError):
    """A receiver refused a hand-triggered delivery."""

    code = "delivery_failed"
    status = 502
    message_zh = "投递失败"
    message_en = "Delivery failed"


async def replay(platform: Platform, principal: Principal, dead_letter_id: int) -> DeadLetter:
    """Send a dead-lettered event again now; it is marked replayed only once the receiver took it."""
    target, event = platform.subscriptions.replay_target(principal, dead_letter_id)
    try:
        async with guarded_client(platform.settings.webhook_allow_private, 10) as http:
            await WebhookPublisher(target, platform.sessions, platform.clock, http).publish(event)
    except DeliveryError as failure:
        raise DeliveryFailed(
            f"接收方仍未接收：{failure.message_zh}",
            f"The receiver still refused: {failure.message_en}",
            field="webhook_url",
        ) from None
    return platform.subscriptions.mark_replayed(principal, dead_letter_id)
