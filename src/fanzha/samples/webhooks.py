"""Signed webhooks to subscribers: one sink per subscription, filtered by kind and region."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import httpx

# The signing scheme is the institutions' client's (one definition for both sides); re-exported here.
from fanzha_client.webhooks import (
    SIGNATURE_HEADER,
    sign,
    standard_headers,
)
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.events.domain import DomainEvent
from fanzha.events.egress import UNREACHABLE, DeliveryError, refused_status
from fanzha.samples.tables import DeadLetter

EVENT_HEADER = "X-Fanzha-Event-Id"
BATCH_HEADER = "X-Fanzha-Batch"


def batch_id(event_ids: list[str]) -> str:
    """A batch's message id, from its event ids: the same events retried keep the same `webhook-id`."""
    return "batch_" + hashlib.sha256("\n".join(event_ids).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Target:
    """Where and what one subscription receives."""

    subscription_id: int
    url: str
    secret: str
    kinds: frozenset[str]
    region_prefix: str


SAMPLE_TOPICS = "samples."


def wanted(target: Target, event: DomainEvent) -> bool:
    """Sample changes of the subscribed kinds and region; pending reports never leave the police."""
    if not event.topic.startswith(SAMPLE_TOPICS) or event.topic == "samples.pending":
        return False
    if target.kinds and event.payload.get("kind") not in target.kinds:
        return False
    region = event.payload.get("region_code") or ""
    # A sample with no region concerns the whole province, so every region receives it.
    return not target.region_prefix or not region or region.startswith(target.region_prefix)


class WebhookPublisher:
    """POSTs each event as JSON with its id and signature; any non-2xx answer is a failure."""

    topic_prefix = SAMPLE_TOPICS  # all `wanted` can accept

    def __init__(
        self, target: Target, sessions: sessionmaker[Session], clock: Clock, http: httpx.AsyncClient
    ) -> None:
        self.target = target
        self.name = f"webhook:{target.subscription_id}"
        self._sessions = sessions
        self._clock = clock
        self._http = http

    def wants(self, event: DomainEvent) -> bool:
        """Filter by the subscription."""
        return wanted(self.target, event)

    async def publish(self, event: DomainEvent) -> None:
        """Deliver one event and insist on a 2xx."""
        body = event.body()
        headers = {"Content-Type": "application/json", EVENT_HEADER: event.event_id}
        # The event id is the message id: a retry of this event carries the same `webhook-id`.
        await self._post(body, self._signed(headers, event.event_id, body))

    def _signed(self, headers: dict[str, str], message_id: str, body: bytes) -> dict[str, str]:
        """Add both signatures, over the same moment: the Stripe-style one and Standard Webhooks'."""
        timestamp = int(self._clock.now().timestamp())
        return {
            **headers,
            SIGNATURE_HEADER: sign(self.target.secret, body, timestamp),
            **standard_headers(self.target.secret, message_id, body, timestamp),
        }

    async def _post(self, body: bytes, headers: dict[str, str]) -> None:
        """POST and insist on a 2xx; any failure becomes a generic `DeliveryError` (shown in health)."""
        try:
            response = await self._http.post(self.target.url, content=body, headers=headers)
        except DeliveryError:
            raise
        except Exception:  # noqa: BLE001 - what failed inside the network is not the subscriber's to read
            raise DeliveryError(*UNREACHABLE) from None
        if not 200 <= response.status_code < 300:
            raise refused_status(response.status_code)

    async def publish_many(self, events: list[DomainEvent]) -> None:
        """Deliver several events in one POST: `{"id", "event_ids", "events"}`, one signature over it all.

        One POST per event cannot keep up with dozens of subscribers at a hundred samples a second;
        a receiver handles each element exactly as it would a single delivery (dedup by event_id).
        """
        ids = [event.event_id for event in events]
        message_id = batch_id(ids)
        head = json.dumps({"id": message_id, "event_ids": ids}, separators=(",", ":")).encode()
        body = head[:-1] + b',"events":[' + b",".join(event.body() for event in events) + b"]}"
        headers = {"Content-Type": "application/json", BATCH_HEADER: str(len(events))}
        await self._post(body, self._signed(headers, message_id, body))

    def dead_letter(self, event: DomainEvent, attempts: int, error: str) -> None:
        """Keep the event for replay from the console."""
        with self._sessions() as session:
            session.add(
                DeadLetter(
                    subscription_id=self.target.subscription_id,
                    position=event.position,
                    event_id=event.event_id,
                    attempts=attempts,
                    last_error=error[:500],
                    created_at=self._clock.now(),
                )
            )
            session.commit()
