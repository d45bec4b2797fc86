"""A domain event as every sink (NATS, webhooks, pull feed) sees it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from fanzha.core.clock import as_utc

TOPIC_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened; `event_id` lets receivers drop duplicates."""

    position: int
    event_id: str
    topic: str
    occurred_at: datetime
    payload: dict[str, Any]

    def body(self) -> bytes:
        """The wire form: compact JSON with the time in UTC."""
        return self._wire

    @cached_property
    def _wire(self) -> bytes:
        # Encoded once, however many subscribers receive the event.
        return json.dumps(
            {
                "event_id": self.event_id,
                "position": self.position,
                "topic": self.topic,
                "occurred_at": as_utc(self.occurred_at).isoformat(),
                "payload": self.payload,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode()


def check_topic(topic: str) -> str:
    """Topics are dotted lower-case names such as `samples.published.phone`."""
    if not TOPIC_RE.fullmatch(topic):
        raise ValueError(f"bad event topic: {topic!r}")
    return topic
