"""Outgoing webhook connections reach only public addresses: checked on registration and at connect time.

A subscriber names its webhook, so without a guard an institution's administrator could make the platform
POST to loopback, the private network or the cloud metadata address and read the answer back through
delivery health. Every address a host resolves to is checked; the connection then goes to the checked
address itself (TLS still names the host, the Host header is the URL's), so a name that resolves to a
public address when registered and to 127.0.0.1 when delivered (DNS rebinding) is refused all the same.
`FANZHA_WEBHOOK_ALLOW_PRIVATE=true` lifts the guard for tests and the demo; production refuses it.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from fanzha.core.errors import ValidationFailed

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (IPv4-compatible, NAT64).
_V4_IN_V6 = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))

BLOCKED = (
    "目标地址不允许（内网、回环或链路本地地址）",
    "target address not allowed (private, loopback or link-local)",
)
UNREACHABLE = ("无法送达接收方", "the receiver could not be reached")


class DeliveryError(ConnectionError):
    """A webhook delivery failed; its message (Chinese / English) is generic, safe to show in health."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh, self.message_en = message_zh, message_en


class BlockedTarget(DeliveryError):
    """The webhook's host resolves to an address the platform does not connect to."""

    def __init__(self) -> None:
        super().__init__(*BLOCKED)


def refused_status(status: int) -> DeliveryError:
    """The receiver answered, but not with a 2xx: only the status is kept."""
    return DeliveryError(f"接收方应答 HTTP {status}", f"the receiver answered HTTP {status}")


BLOCKED_MESSAGE = str(BlockedTarget())  # as delivery health shows them
UNREACHABLE_MESSAGE = str(DeliveryError(*UNREACHABLE))


def _forms(ip: IP) -> Iterator[IP]:
    """The address and every IPv4 address an IPv6 one carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    yield ip
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())):
            if embedded is not None:
                yield embedded
        if any(ip in network for network in _V4_IN_V6):
            yield ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)


def blocked(address: str) -> bool:
    """Loopback, private, link-local, shared, multicast, reserved or unspecified, in any of its forms."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone (fe80::1%eth0) is link-local anyway
    except ValueError:
        return True
    return any(
        not form.is_global or form.is_multicast or form.is_reserved or form.is_unspecified
        for form in _forms(ip)
    )


def _checked(addresses: Iterable[str]) -> str:
    """The first address to connect to, once none of `addresses` is blocked."""
    found = list(dict.fromkeys(addresses))
    if not found or any(blocked(address) for address in found):
        raise BlockedTarget()
    return found[0]


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself); empty when it does not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def check_url(url: str, allow_private: bool, field: str = "webhook_url") -> None:
    """Refuse a webhook URL that is not http(s), names no host, or resolves to a blocked address."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port < 0:
        raise ValidationFailed("回调地址须为 http(s) 地址", "Webhook URL must be http(s)", field=field)
    if allow_private:
        return
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise ValidationFailed(
            "回调地址的主机名无法解析", "The webhook URL's host name does not resolve", field=field
        )
    try:
        _checked(addresses)
    except BlockedTarget:
        raise ValidationFailed(
            "回调地址不能指向内网、回环、链路本地或保留地址",
            "The webhook URL may not point at a private, loopback, link-local or reserved address",
            field=field,
        ) from None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves once, checks every address, and connects to the checked one (no second lookup)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, allow_private: bool) -> None:
        self._inner = inner
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to a checked address of `host`; TLS on top still names `host` (httpcore's origin)."""
        with anyio.fail_after(timeout):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [str(info[4][0]) for info in infos]
        target = addresses[0] if self._allow_private and addresses else _checked(addresses)
        return await self._inner.connect_tcp(target, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: a webhook is a network address."""
        raise BlockedTarget()

    async def sleep(self, seconds: float) -> None:
        """As the wrapped backend."""
        await self._inner.sleep(seconds)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The webhook clients' TLS context (system CA bundle via httpx's defaults), made once a process."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connections go through `GuardedBackend`; no proxy from the environment."""

    def __init__(self, allow_private: bool) -> None:
        # A proxy would connect on our behalf to whatever the URL names, past the guard. One TLS
        # context for all: loading the CA bundle took 30 ms a client, 50 subscriptions' clients
        # blocked a freshly started dispatcher's first pass for seconds (issue 27).
        super().__init__(trust_env=False, verify=tls_context())
        pool = self._pool
        # httpcore keeps the backend it opens every new connection with here (httpcore 1.x).
        pool._network_backend = GuardedBackend(pool._network_backend, allow_private)


def guarded_client(allow_private: bool, timeout: float) -> httpx.AsyncClient:
    """An HTTP client for webhooks: public addresses only (unless allowed), no redirects, no env proxy."""
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_private),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
