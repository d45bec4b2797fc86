"""One injectable, timezone-aware clock: stored in UTC, shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Anything that tells the current time, always aware and in UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock tests move by hand, so deadlines and time-outs are checked exactly."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")

    def now(self) -> datetime:
        """The frozen time."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self._now += delta


def as_utc(moment: datetime) -> datetime:
    """Treat naive values (as SQLite returns them) as UTC and convert aware ones to UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_text(moment: datetime | None) -> str:
    """Format a stored time for display in Asia/Shanghai."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
