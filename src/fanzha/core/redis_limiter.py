"""The Redis adapter of the limiter port: windows shared by every worker and host using one Redis."""

from __future__ import annotations

import hashlib
import logging
import secrets

import redis

from fanzha.core.errors import ServiceUnavailable
from fanzha.core.limiter import Limiter

log = logging.getLogger(__name__)

# A sliding log in a sorted set, atomic because Redis runs a script whole: drop the calls out of the
# window, refuse when `limit` remain (answering the milliseconds until the oldest leaves), else count this
# call and let the key expire with the window. ARGV[1] is the caller's time in ms, or "" for Redis's own
# clock, so hosts with drifting clocks still share one window.
SLIDING_WINDOW = """
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return window - (now - tonumber(oldest[2]))
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""


class LimiterUnavailable(ServiceUnavailable):
    """The shared rate-limit store cannot be reached: refuse (fail closed) rather than count nothing."""

    code = "rate_limit_unavailable"
    message_zh = "限流服务暂时不可用，请稍后重试"
    message_en = "Rate limiting is temporarily unavailable; try again later"


class RedisLimiter:
    """One window counted in Redis under `prefix` + name + a hash of the key."""

    def __init__(self, limiters: RedisLimiters, name: str, limit: int, window_seconds: float) -> None:
        self._limiters = limiters
        self._prefix = f"{limiters.prefix}{name}:"
        self.limit = limit
        self.window = window_seconds

    def retry_after(self, key: str, now: float | None = None) -> int:
        """0 when the call may go ahead (and counts it), else seconds to wait; 503 when Redis is down."""
        # Keys are addresses, account names and number tokens: only their hash goes to Redis.
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        at = "" if now is None else str(int(now * 1000))
        window_ms = max(1, int(self.window * 1000))
        try:
            left = self._limiters.script(
                keys=[self._prefix + digest], args=[at, window_ms, self.limit, secrets.token_hex(8)]
            )
        except redis.RedisError as error:
            # The URL may hold a password: log the kind of failure only.
            log.warning("rate limit store unreachable (%s); refusing the call", type(error).__name__)
            raise LimiterUnavailable() from error
        left_ms = int(left)
        if left_ms <= 0:
            return 0
        return max(1, int(left_ms / 1000) + 1)


class RedisLimiters:
    """Makes Redis windows from one connection pool; `prefix` keeps deployments (and test runs) apart."""

    def __init__(self, url: str, prefix: str = "fanzha:rl:", timeout: float = 0.5) -> None:
        # Short timeouts: a lost Redis answers 503 within a second instead of holding the worker.
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.script = self.client.register_script(SLIDING_WINDOW)
        self.prefix = prefix

    def __call__(self, name: str, limit: int, window_seconds: float) -> Limiter:
        return RedisLimiter(self, name, limit, window_seconds)

    def close(self) -> None:
        """Release the connection pool."""
        self.client.close()
