"""The notification port for Art 34¶1 notices: an SMS gateway in production, a log in the demo."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("fanzha.notices")


@dataclass(frozen=True)
class OutgoingNotice:
    """One message to the person or unit affected; `recipient` is a phone number or empty."""

    notice_id: int
    channel: str  # "sms" to the number itself; "institution" when the institution forwards it
    recipient: str
    text: str


class Notifier(Protocol):
    """Anything that delivers notices; raises when the gateway refused."""

    def send(self, notice: OutgoingNotice) -> None:
        """Deliver one notice."""


class LoggingNotifier:
    """The demo adapter: logs that a notice went out, never the number or the appeal code."""

    def send(self, notice: OutgoingNotice) -> None:
        """Log the notice id and channel."""
        log.info("notice %s sent by %s (%d characters)", notice.notice_id, notice.channel, len(notice.text))


class MemoryNotifier:
    """A fake for tests: keeps every notice it was given."""

    def __init__(self) -> None:
        self.sent: list[OutgoingNotice] = []

    def send(self, notice: OutgoingNotice) -> None:
        """Remember the notice."""
        self.sent.append(notice)


class SmsGateway(Protocol):
    """What a real SMS gateway client offers (an operator's or a cloud provider's)."""

    def send_sms(self, phone: str, text: str) -> None:
        """Send `text` to `phone` (E.164); raise on refusal."""


class SmsNotifier:
    """Production adapter: SMS to the number affected; other objects are told through the institution."""

    def __init__(self, gateway: SmsGateway, fallback: Notifier | None = None) -> None:
        self._gateway = gateway
        self._fallback = fallback or LoggingNotifier()

    def send(self, notice: OutgoingNotice) -> None:
        """SMS when there is a number, else hand over to the fallback."""
        if notice.channel == "sms" and notice.recipient:
            self._gateway.send_sms(notice.recipient, notice.text)
        else:
            self._fallback.send(notice)
