"""Rate limits per client and per organisation (or account), answered 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from fastapi import Request, Response

from fanzha.core.errors import FanzhaError, RateLimited
from fanzha.core.limiter import Limiter, Limiters, memory_limiters
from fanzha.core.settings import Settings
from fanzha.web.deps import client_ip

R = TypeVar("R", bound=Response)
ALL = "*"  # the key of a bucket's cap over every caller together


Scope = Literal["client", "organisation", "overall"]


@dataclass(frozen=True)
class Window:
    """One sliding window: per client address, per organisation (or account), or `overall` (everyone)."""

    scope: Scope
    limiter: Limiter


class Limits:
    """The app's buckets, sized from Settings: each kind of call is limited on its own.

    Separate buckets keep one flood from closing the rest: many addresses walking the public check fill
    the check's overall ceiling, not the appeal portal's or the code requests'. Every ceiling over
    everyone is far above what the per-address windows let a thousand addresses send.
    """

    def __init__(
        self, settings: Settings, public: Limiter | None = None, limiters: Limiters = memory_limiters
    ) -> None:
        s = settings
        ceiling = s.public_per_minute_overall
        new = limiters  # each window is named "<bucket>.<n>" so a shared store keeps them apart

        def overall(bucket: str) -> Window:
            return Window("overall", new(f"{bucket}.overall", ceiling, 60.0))

        self.buckets: dict[str, tuple[Window, ...]] = {
            # Log-in (console and API): per address, and per account so one name is not sprayed from many
            # addresses; the account lock-out (graded protection level 3) still applies behind it.
            "login": (
                Window("client", new("login.client", s.login_per_minute_per_client, 60.0)),
                Window("organisation", new("login.account", s.login_per_minute_per_account, 60.0)),
            ),
            # The public risk check: per address a minute and an hour (what bounds enumeration), and a
            # ceiling of its own.
            "check": (
                Window("client", public or new("check.minute", s.public_check_per_minute, 60.0)),
                Window("client", new("check.hour", s.public_check_per_hour, 3600.0)),
                overall("check"),
            ),
            # The appeal portal's lookups: the notice behind an appeal code, an appeal's status.
            "portal": (
                Window("client", new("portal.client", s.public_check_per_minute, 60.0)),
                overall("portal"),
            ),
            # Code requests: per address here; per number, and per number and address, in PhoneProof.
            "otp": (Window("client", new("otp.client", s.public_check_per_minute, 60.0)), overall("otp")),
            # Art 34: an appeal is one submission per case; a flood of them from one address is abuse.
            "appeal": (
                Window("client", new("appeal.client", s.appeals_per_hour_per_client, 3600.0)),
                overall("appeal"),
            ),
            # Art 38: tips from anyone, per address an hour like appeals (a flood from one address is abuse).
            "tip": (
                Window("client", new("tip.client", s.appeals_per_hour_per_client, 3600.0)),
                overall("tip"),
            ),
            # The pull feeds of samples and orders: per calling address and per organisation.
            "feed": (
                Window("client", new("feed.client", s.feed_per_minute_per_client, 60.0)),
                Window("organisation", new("feed.org", s.feed_per_minute_per_org, 60.0)),
            ),
        }

    def check(self, name: str, client: str, owner: str | None = None) -> None:
        """Count one call; raise RateLimited when a window of the bucket is full.

        Windows are tried in order and a refused call counts in none after it, so a caller refused
        for its own address uses up nothing of everyone's window.
        """
        keys: dict[Scope, str | None] = {"client": client, "organisation": owner}
        for window in self.buckets[name]:
            key = ALL if window.scope == "overall" else keys[window.scope]
            if key is None:
                continue
            wait = window.limiter.retry_after(key)
            if wait:
                raise RateLimited(wait, window.scope)


def enumeration_cost(settings: Settings, addresses: int) -> int:
    """How many numbers `addresses` client addresses can test with the public check in an hour."""
    one = min(settings.public_check_per_minute * 60, settings.public_check_per_hour)
    return min(addresses * one, settings.public_per_minute_overall * 60)


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
