"""Failed authentication per address: a cap, and one audit row per window instead of one per attempt."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from fanzha.core.errors import RateLimited


@dataclass
class Window:
    """Failures from one address since `start`: how many, and how many of them were answered 429."""

    start: datetime
    last: datetime
    failures: int = 0
    throttled: int = 0


@dataclass(frozen=True)
class Summary:
    """A closed window with repeats to report: the address and its counts."""

    source_ip: str
    window: Window


class FailedAuth:
    """Per-address windows of failed API-key and session authentication (held in memory, per process)."""

    def __init__(self, limit: int, window: timedelta, max_addresses: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._open: OrderedDict[str, Window] = OrderedDict()
        self._max = max_addresses

    def check(self, source_ip: str, now: datetime) -> None:
        """Refuse (429) an address that failed `limit` times in its window, before any database work."""
        current = self._open.get(source_ip)
        if current is not None and now - current.start < self.window and current.failures >= self.limit:
            current.throttled += 1
            current.last = now
            wait = self.window - (now - current.start)
            raise RateLimited(max(1, int(wait.total_seconds()) + 1), "client")

    def failed(self, source_ip: str, now: datetime) -> tuple[bool, list[Summary]]:
        """Count a failure: whether it opens a window (audit it in full), and the windows now over."""
        closed = self.close(now)
        current = self._open.get(source_ip)
        first = current is None
        if current is None:
            current = self._open[source_ip] = Window(now, now)
        current.failures += 1
        current.last = now
        while len(self._open) > self._max:
            ip, forgotten = self._open.popitem(last=False)
            closed.append(Summary(ip, forgotten))
        return first, closed

    def close(self, now: datetime) -> list[Summary]:
        """Take out the windows over by `now`."""
        # Windows open in time order, so the closed ones are at the front.
        closed: list[Summary] = []
        while self._open:
            ip, oldest = next(iter(self._open.items()))
            if now - oldest.start < self.window:
                break
            del self._open[ip]
            closed.append(Summary(ip, oldest))
        return closed
