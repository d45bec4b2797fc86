"""Rate limits per client and per organisation (or account), answered 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request, Response

from fanzha.core.errors import FanzhaError, RateLimited
from fanzha.core.settings import Settings
from fanzha.samples.lookup import RateLimiter
from fanzha.web.deps import client_ip

R = TypeVar("R", bound=Response)
ALL = "*"  # the key of a bucket's cap over every caller together


@dataclass(frozen=True)
class Bucket:
    """One limited kind of call: a window per client, per organisation (or account) and overall."""

    per_client: RateLimiter
    per_owner: RateLimiter | None = None
    overall: RateLimiter | None = None


class Limits:
    """The app's buckets, sized from Settings."""

    def __init__(self, settings: Settings, public: RateLimiter | None = None) -> None:
        s = settings
        self.buckets: dict[str, Bucket] = {
            # Log-in (console and API): per address, and per account so one name is not sprayed from many
            # addresses; the account lock-out (graded protection level 3) still applies behind it.
            "login": Bucket(
                RateLimiter(s.login_per_minute_per_client, 60.0),
                RateLimiter(s.login_per_minute_per_account, 60.0),
            ),
            # The public risk check and the appeal portal share one per-address window (codes and the
            # sample library cannot be walked in bulk), plus a cap over everyone against many addresses.
            "public": Bucket(
                public or RateLimiter(s.public_check_per_minute, 60.0),
                overall=RateLimiter(s.public_per_minute_overall, 60.0),
            ),
            # Art 34: an appeal is one submission per case; a flood of them from one address is abuse.
            "appeal": Bucket(RateLimiter(s.appeals_per_hour_per_client, 3600.0)),
            # The pull feeds of samples and orders: per calling address and per organisation.
            "feed": Bucket(
                RateLimiter(s.feed_per_minute_per_client, 60.0),
                RateLimiter(s.feed_per_minute_per_org, 60.0),
            ),
        }

    def check(self, name: str, client: str, owner: str | None = None) -> None:
        """Count one call; raise RateLimited when any window of the bucket is full."""
        bucket = self.buckets[name]
        windows = [(bucket.per_client, client, "client")]
        if bucket.per_owner is not None and owner is not None:
            windows.append((bucket.per_owner, owner, "organisation"))
        if bucket.overall is not None:
            windows.append((bucket.overall, ALL, "overall"))
        for limiter, key, field in windows:
            wait = limiter.retry_after(key)
            if wait:
                raise RateLimited(wait, field)


def limits_of(request: Request) -> Limits:
    """The limits of this app (built once by create_app)."""
    limits: Limits = request.app.state.limits
    return limits


def check(request: Request, name: str, owner: str | None = None) -> None:
    """Count a call of bucket `name` from this request's client (and `owner`, if given)."""
    limits_of(request).check(name, client_ip(request), owner)


def throttle(name: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency limiting a route per client, and per organisation once `authorize` has run."""

    async def dependency(request: Request) -> None:
        principal = getattr(request.state, "principal", None)
        check(request, name, f"org:{principal.org_id}" if principal is not None else None)

    dependency.bucket = name  # type: ignore[attr-defined]  # read by the abuse gate
    return dependency


def with_retry_after(response: R, error: FanzhaError) -> R:
    """`response` with Retry-After when `error` is a rate limit (pages that show errors in a form)."""
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response
