"""Signed webhooks to subscribers: one sink per subscription, filtered by kind and region."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.events.domain import DomainEvent
from fanzha.events.egress import UNREACHABLE, DeliveryError, refused_status
from fanzha.samples.tables import DeadLetter

SIGNATURE_HEADER = "X-Fanzha-Signature"
EVENT_HEADER = "X-Fanzha-Event-Id"
BATCH_HEADER = "X-Fanzha-Batch"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix>,v1=<HMAC-SHA256 over "t.body">`: the time stops replays of old deliveries."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = 300) -> bool:
    """What a receiver runs: the signature matches and is fresh."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


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
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: event.event_id,
            SIGNATURE_HEADER: sign(self.target.secret, body, int(self._clock.now().timestamp())),
        }
        await self._post(body, headers)

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
        """Deliver several events in one POST: `{"events": [...]}`, one signature over the whole body.

        One POST per event cannot keep up with dozens of subscribers at a hundred samples a second;
        a receiver handles each element exactly as it would a single delivery (dedup by event_id).
        """
        body = b'{"events":[' + b",".join(event.body() for event in events) + b"]}"
        headers = {
            "Content-Type": "application/json",
            BATCH_HEADER: str(len(events)),
            SIGNATURE_HEADER: sign(self.target.secret, body, int(self._clock.now().timestamp())),
        }
        await self._post(body, headers)

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
