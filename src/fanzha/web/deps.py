"""Who is calling and whether they may: the dependencies every route declares."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from fanzha.bootstrap import Platform
from fanzha.core.errors import NotAuthenticated, PermissionDenied
from fanzha.core.invalid import invalid
from fanzha.identity.auth import KEY_PREFIX
from fanzha.identity.domain import Permission, Principal

SESSION_COOKIE = "fanzha_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
M = TypeVar("M", bound=BaseModel)


def platform_of(request: Request) -> Platform:
    """The platform wired into this app."""
    platform: Platform = request.app.state.platform
    return platform


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: Request) -> str:
    """The caller's address: the peer's, or, when the peer is a trusted proxy, the first untrusted
    address of X-Forwarded-For read from the right (each proxy appends the address it saw).

    Only proxies named in FANZHA_TRUSTED_PROXIES are believed; anyone else could write any address
    there and get a fresh rate-limit window with every request.
    """
    peer = request.client.host if request.client else ""
    settings = getattr(request.app.state, "settings", None)
    networks = _networks(tuple(settings.trusted_proxies)) if settings is not None else ()
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a proxy passed on something that is not an address: count it as the proxy's
    return hops[0] if hops else peer


async def _check_csrf(request: Request, expected: str) -> None:
    """Cookie-authenticated writes must echo the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise PermissionDenied(
            "跨站请求校验失败，请刷新页面后重试",
            "CSRF check failed; reload the page",
            field="csrf_token",
        )


async def current_principal(request: Request) -> Principal:
    """Resolve an API key (Authorization: Bearer fz_…) or a session cookie."""
    if hasattr(request.state, "principal"):
        principal: Principal = request.state.principal
        return principal
    platform, ip = platform_of(request), client_ip(request)
    header = request.headers.get("authorization", "")
    key = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("x-api-key", "")
    if key.startswith(KEY_PREFIX):
        principal = platform.auth.resolve_api_key(key, ip)
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise NotAuthenticated()
        principal, csrf = platform.auth.resolve_session(token, ip)
        request.state.csrf_token = csrf
        if request.method not in SAFE_METHODS:
            await _check_csrf(request, csrf)
    request.state.principal = principal
    return principal


def authorize(permission: Permission) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits principals holding `permission` and audits refusals."""

    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        # The route's template, not the concrete path: one audit action per endpoint, bounded in length.
        route = request.scope.get("route")
        path = getattr(route, "path", request.url.path)
        platform_of(request).identity.authorise(principal, permission, f"{request.method} {path}")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the access-matrix test
    return dependency


def parse_body(model: type[M], raw: bytes) -> M:
    """Validate a JSON body into `model`; the first problem becomes a ValidationFailed naming its field."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise invalid(error) from None
