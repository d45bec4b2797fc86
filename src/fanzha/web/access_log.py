"""Access-log hygiene: identifier-looking values in a logged address are masked (defence in depth)."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

MASK = "***"
ACCESS_LOGGER = "uvicorn.access"
# Parameters that only ever carry a harmless value (a page size, a cursor position, a filter word).
HARMLESS = frozenset(
    {"limit", "before", "after", "kind", "status", "overdue", "lang", "next", "added_after", "fraud_type"}
)
# A run of 7 digits or more: a phone number, a resident ID, a card or account number.
_DIGITS = re.compile(r"\d{7,}")
# A code people type from an SMS or follow an appeal by (fanzha.appeals.domain.new_code's alphabet,
# upper case as issued: the platform's own path segments are lower case).
_CODE = re.compile(r"^[A-HJ-NP-Z2-9]{8,16}$")
_EMAIL = re.compile(r"[^@/\s]+@[^@/\s]+")


def _identifying(value: str) -> bool:
    return bool(_DIGITS.search(value) or _CODE.match(value.replace("-", "")) or _EMAIL.search(value))


def mask_target(target: str) -> str:
    """The path and query of a request with every identifier-looking part replaced by ***.

    Path segments are masked when they look like an identifier; query values always, unless the
    parameter only ever carries a harmless value (a page size, a position).
    """
    path, _, query = target.partition("?")
    segments = [MASK if _identifying(segment) else segment for segment in path.split("/")]
    masked = "/".join(segments)
    if not query:
        return masked
    pairs = [
        (name, value if name in HARMLESS and not _DIGITS.search(value) else MASK)
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{masked}?{urlencode(pairs, safe='*[]')}"


class MaskingFilter(logging.Filter):
    """Rewrites uvicorn's access records `(client, method, target, version, status)` before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the target of an access record; other records pass unchanged."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_target(args[2]), *args[3:])
        return True


def install() -> None:
    """Attach the filter to uvicorn's access logger once (uvicorn configures it before loading the app)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
