"""Log set-up: the level and format from settings, JSON lines on request, each record with its request id."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import secrets
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fanzha.core.settings import Settings

# The id of the request being served (set by fanzha.web.observe), read by every record logged meanwhile.
REQUEST_ID: ContextVar[str | None] = ContextVar("fanzha_request_id", default=None)
# What a caller may name its request: a short token of safe characters (never a log-injection vector).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# A run of 7 digits or more may be a phone, ID, card or account number: no personal data in logs.
_DIGITS = re.compile(r"\d{7,}")
QUIET = "WARNING"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def new_request_id() -> str:
    """A fresh random request id."""
    return secrets.token_hex(8)


def accepted_request_id(offered: str | None) -> str:
    """The caller's `X-Request-Id` when it is a short safe token with no identifier in it, else a new one."""
    if offered and _SAFE_ID.match(offered) and not _DIGITS.search(offered):
        return offered
    return new_request_id()


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id`; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or REQUEST_ID.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The terminal's format, times in UTC."""

    converter = staticmethod(time.gmtime)

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)


def dict_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` (also uvicorn's `log_config`): one stderr handler on the root logger,
    uvicorn's loggers passing their records to it."""
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"fanzha": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "fanzha",
                "filters": ["request_id"],
            }
        },
        "root": {"level": settings.log_level, "handlers": ["stderr"]},
        "loggers": {
            **{
                name: {"level": settings.log_level, "handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # httpx logs every outgoing URL at INFO: a webhook's or gateway's address may hold a token.
            **{name: {"level": QUIET, "handlers": [], "propagate": True} for name in ("httpx", "httpcore")},
        },
    }


def configure(settings: Settings) -> None:
    """Configure logging for a worker process (`fanzha serve` hands `dict_config` to uvicorn instead)."""
    logging.config.dictConfig(dict_config(settings))
