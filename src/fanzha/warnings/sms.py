"""The warning texts' way out: the SMS gateway (the notification port) or a log; a fake for tests."""

from __future__ import annotations

import logging
from typing import Protocol

from fanzha.disposal.notices import SmsGateway

log = logging.getLogger("fanzha.warnings")


class WarningSender(Protocol):
    """Hands one warning text to the gateway; raises when the gateway did not take it."""

    def send(self, sms_id: int, phone: str, text: str) -> None:
        """Send `text` to `phone`; the request id stays the same on a resend."""


class GatewaySender:
    """Production: the configured SMS gateway, request id `warning-<id>` (a resend is dropped there)."""

    def __init__(self, gateway: SmsGateway) -> None:
        self._gateway = gateway

    def send(self, sms_id: int, phone: str, text: str) -> None:
        """Hand the text to the gateway."""
        self._gateway.send_sms(phone, text, f"warning-{sms_id}")


class LoggingSender:
    """The demo without a gateway: logs that a text went, never the number or the text."""

    def send(self, sms_id: int, phone: str, text: str) -> None:
        """Log the id and length."""
        log.info("warning sms %s handed over (%d characters)", sms_id, len(text))


class MemorySender:
    """A fake for tests: keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []

    def send(self, sms_id: int, phone: str, text: str) -> None:
        """Remember the text."""
        self.sent.append((sms_id, phone, text))
