"""The platform's webhook signatures, both schemes, and what a receiver runs to check them.

Every delivery carries `X-Fanzha-Signature: t=<unix>,v1=<hex HMAC-SHA256 over "t.body">` and the
Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC over
"id.t.body">`), under the one secret a subscription was given (Standard Webhooks spells it `whsec_` +
base64). The platform signs with these functions, so both sides agree by construction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Fanzha-Signature"
MESSAGE_ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's marker, not a secret
TOLERANCE_S = 300  # older or later deliveries are refused: a replay of an old one fails


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix>,v1=<HMAC-SHA256 over "t.body">`: the time stops replays of old deliveries."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def standard_secret(secret: str) -> str:
    """The subscription secret as Standard Webhooks spells it: `whsec_` + base64 of its UTF-8 bytes."""
    return STANDARD_SECRET_PREFIX + base64.b64encode(secret.encode()).decode()


def standard_headers(secret: str, message_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC over "id.t.body">`."""
    mac = hmac.new(secret.encode(), f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        MESSAGE_ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        STANDARD_SIGNATURE_HEADER: "v1," + base64.b64encode(mac).decode(),
    }


def _fresh(timestamp: int, now: float | None, tolerance: int) -> bool:
    return abs((now if now is not None else time.time()) - timestamp) <= tolerance


def verify(
    secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = TOLERANCE_S
) -> bool:
    """The `X-Fanzha-Signature` header matches the body and is fresh."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    return _fresh(timestamp, now, tolerance) and hmac.compare_digest(sign(secret, body, timestamp), header)


def verify_delivery(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_S,
) -> bool:
    """A receiver's check of one delivery by either scheme: the raw body and its headers as received."""
    folded = {k.lower(): v for k, v in headers.items()}
    if SIGNATURE_HEADER.lower() in folded:
        return verify(secret, folded[SIGNATURE_HEADER.lower()], body, now, tolerance)
    try:
        message_id, timestamp = folded[MESSAGE_ID_HEADER], int(folded[TIMESTAMP_HEADER])
        offered = [
            s.removeprefix("v1,") for s in folded[STANDARD_SIGNATURE_HEADER].split() if s.startswith("v1,")
        ]
    except (KeyError, ValueError):
        return False
    expected = standard_headers(secret, message_id, body, timestamp)[STANDARD_SIGNATURE_HEADER].removeprefix(
        "v1,"
    )
    return _fresh(timestamp, now, tolerance) and any(hmac.compare_digest(expected, s) for s in offered)
