"""NATS JetStream sink: a subject per topic (samples by region, orders by institution), deduplicated by id."""

from __future__ import annotations

from typing import Any

import nats
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError

from fanzha.events.domain import DomainEvent

PROVINCE = "430000"


def subject_of(prefix: str, event: DomainEvent) -> str:
    """`<prefix>.<topic>`; samples add `.<city>.<county>` to subscribe by region, orders `.<org id>`.

    NATS wildcards match whole tokens, so a city takes `fanzha.samples.*.phone.430100.>` and a county
    `fanzha.samples.*.phone.*.430102`; a sample with no region concerns the whole province
    (`430000.430000`) and a province-wide consumer takes `fanzha.samples.>`.
    """
    subject = f"{prefix}.{event.topic}"
    if event.topic.startswith("disposal.order.") and "org_id" in event.payload:
        # An order concerns one institution: NATS permissions on `….<org id>` confine it to that one.
        return f"{subject}.{int(event.payload['org_id'])}"
    if not event.topic.startswith("samples."):
        return subject
    region = str(event.payload.get("region_code") or PROVINCE)
    return f"{subject}.{region[:4]}00.{region}"


class JetStreamPublisher:
    """Publishes `fanzha.<topic>` with `Nats-Msg-Id`, so a re-send after a crash is dropped."""

    name = "nats"

    def __init__(self, url: str, stream: str = "FANZHA", prefix: str = "fanzha") -> None:
        self._url = url
        self._stream = stream
        self.prefix = prefix
        self._nc: Any = None
        self._js: Any = None

    async def connect(self) -> None:
        """Connect and make sure the stream exists."""
        self._nc = await nats.connect(self._url, connect_timeout=5, max_reconnect_attempts=3)
        self._js = self._nc.jetstream()
        config = StreamConfig(name=self._stream, subjects=[f"{self.prefix}.>"], duplicate_window=600.0)
        try:
            await self._js.add_stream(config)
        except BadRequestError:
            await self._js.update_stream(config)

    def wants(self, event: DomainEvent) -> bool:
        """Every event goes to the stream; consumers filter by subject."""
        return True

    def dead_letter(self, event: DomainEvent, attempts: int, error: str) -> None:
        """JetStream failures are transient: the dispatcher keeps retrying instead."""
        raise RuntimeError(f"NATS refused event {event.event_id} {attempts} times: {error}")

    async def publish(self, event: DomainEvent) -> None:
        """Publish and wait for JetStream's acknowledgement."""
        if self._js is None:
            await self.connect()
        await self._js.publish(
            subject_of(self.prefix, event), event.body(), headers={"Nats-Msg-Id": event.event_id}
        )

    async def close(self) -> None:
        """Drain and disconnect."""
        if self._nc is not None:
            await self._nc.drain()
            self._nc = self._js = None
