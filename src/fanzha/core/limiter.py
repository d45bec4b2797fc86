"""The rate limiter port: a sliding window per key, held in memory here or shared in Redis."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol


class Limiter(Protocol):
    """A sliding window of `limit` calls per key."""

    def retry_after(self, key: str, now: float | None = None) -> int:
        """0 when the call may go ahead (and counts it), else seconds to wait."""
        ...


class Limiters(Protocol):
    """Makes the limiter of one window; `name` keeps windows apart where they share a store."""

    def __call__(self, name: str, limit: int, window_seconds: float) -> Limiter: ...


class MemoryLimiter:
    """A per-key sliding window held in memory: one process's count (the embedded setup)."""

    def __init__(self, limit: int, window_seconds: float, max_clients: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: OrderedDict[str, list[float]] = OrderedDict()
        self._max_clients = max_clients

    def retry_after(self, key: str, now: float | None = None) -> int:
        """0 when the call may go ahead (and counts it), else seconds to wait."""
        now = time.monotonic() if now is None else now
        recent = [t for t in self._hits.pop(key, []) if now - t < self.window]
        if len(recent) >= self.limit:
            self._hits[key] = recent
            return max(1, int(self.window - (now - recent[0])) + 1)
        recent.append(now)
        self._hits[key] = recent
        while len(self._hits) > self._max_clients:
            self._hits.popitem(last=False)  # forget the least recently seen key
        return 0


def memory_limiters(name: str, limit: int, window_seconds: float) -> Limiter:
    """The in-memory adapter of `Limiters` (each window its own store, so `name` is not needed)."""
    return MemoryLimiter(limit, window_seconds)
