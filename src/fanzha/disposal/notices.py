"""The notification port for Art 34¶1 notices: an SMS gateway in production, a log in the demo."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import httpx
from fanzha_client.webhooks import SIGNATURE_HEADER, sign

from fanzha.core.clock import Clock
from fanzha.core.errors import FanzhaError

log = logging.getLogger("fanzha.notices")

# A stuck gateway must not hold a receipt's answer or a resend pass for long.
SMS_TIMEOUT_SECONDS = 5.0
REQUEST_ID_HEADER = "X-Fanzha-Request-Id"


class SmsGatewayFailed(FanzhaError):
    """The SMS gateway did not take the message (unreachable, timed out, busy); try again later."""

    code = "sms_gateway_failed"
    status = 502
    message_zh = "短信网关暂不可用，通知将稍后重发"
    message_en = "The SMS gateway is unavailable; the notice will be sent again later"


class SmsRefused(SmsGatewayFailed):
    """The gateway answered but refused this one message (a 4xx): the gateway itself is up."""

    code = "sms_refused"
    message_zh = "短信网关拒收该条短信"
    message_en = "The SMS gateway refused this message"


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

    def send_sms(self, phone: str, text: str, request_id: str) -> None:
        """Send `text` to `phone` (E.164); `request_id` is the same on a resend; raise on refusal."""


class HttpSmsGateway:
    """An SMS gateway over HTTP(S): a signed JSON POST, a short timeout, and anything but 2xx raises."""

    def __init__(
        self,
        url: str,
        key: str,
        clock: Clock,
        timeout: float = SMS_TIMEOUT_SECONDS,
    ) -> None:
        self._url = url
        self._key = key
        self._clock = clock
        # No redirects: the body carries a number and an appeal code, and goes to the configured URL only.
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    def __repr__(self) -> str:
        return "HttpSmsGateway(<configured>)"  # neither the key nor the URL (it may carry a token)

    def send_sms(self, phone: str, text: str, request_id: str) -> None:
        """POST `{"phone", "text", "request_id"}`, signed; SmsRefused on a 4xx, SmsGatewayFailed otherwise."""
        message = {"phone": phone, "text": text, "request_id": request_id}
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            # The webhooks' scheme: HMAC-SHA256 over "t.body", so the gateway can refuse replays.
            SIGNATURE_HEADER: sign(self._key, body, int(self._clock.now().timestamp())),
            REQUEST_ID_HEADER: request_id,
        }
        try:
            response = self._http.post(self._url, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise SmsGatewayFailed(
                f"短信网关超时（{type(error).__name__}）",
                f"The SMS gateway timed out ({type(error).__name__})",
                field="sms_gateway",
            ) from error
        except httpx.HTTPError as error:
            raise SmsGatewayFailed(
                f"无法连接短信网关（{type(error).__name__}）",
                f"The SMS gateway could not be reached ({type(error).__name__})",
                field="sms_gateway",
            ) from error
        status = response.status_code
        if response.is_success:
            return
        # 5xx, 408 and 429: down or busy; 401 and 403: our key is wrong, so no message would go either.
        # Another 4xx refuses this message only.
        busy = status >= 500 or status in (401, 403, 408, 429) or status < 400
        kind = SmsGatewayFailed if busy else SmsRefused
        raise kind(
            f"短信网关未接受短信（HTTP {status}）",
            f"The SMS gateway did not accept the message (HTTP {status})",
            field="sms_gateway",
        )

    def close(self) -> None:
        """Close the gateway's connections."""
        self._http.close()


class SmsNotifier:
    """Production adapter: SMS to the number affected; other objects are told through the institution."""

    def __init__(self, gateway: SmsGateway, fallback: Notifier | None = None) -> None:
        self._gateway = gateway
        self._fallback = fallback or LoggingNotifier()

    def send(self, notice: OutgoingNotice) -> None:
        """SMS when there is a number, else hand over to the fallback."""
        if notice.channel == "sms" and notice.recipient:
            # A notice keeps its request id on every resend, so a gateway can drop a duplicate;
            # an appeal code (no notice row) is new each time.
            request_id = f"notice-{notice.notice_id}" if notice.notice_id else f"otp-{secrets.token_hex(8)}"
            self._gateway.send_sms(notice.recipient, notice.text, request_id)
        else:
            self._fallback.send(notice)


def deliver(notifier: Notifier, notices: Iterable[OutgoingNotice]) -> tuple[list[int], bool]:
    """Send in order: the ids sent, and whether a gateway failure stopped the rest (a refusal is skipped)."""
    sent: list[int] = []
    for item in notices:
        try:
            notifier.send(item)
        except SmsRefused as refused:
            log.warning("notice %s refused by the gateway: %s", item.notice_id, refused.message_en)
            continue
        except Exception as failure:  # noqa: BLE001 - a gateway failure must not undo the order
            # The number and the text stay out of the log; the rest waits for the resend pass.
            reason = failure.message_en if isinstance(failure, FanzhaError) else type(failure).__name__
            log.warning("notice %s not sent, the rest left for the resend pass: %s", item.notice_id, reason)
            return sent, True
        if item.notice_id:
            sent.append(item.notice_id)
    return sent, False
