"""Normalisers for network identifiers: URLs, domains and IP addresses (pure, stdlib only)."""

from __future__ import annotations

import ipaddress
import re
import string
from urllib.parse import quote, urlsplit, urlunsplit

from fanzha.identifiers.text import bad, clean, refang

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
# Ideographic and half-width full stops separate labels in IDNA (RFC 3490 §3.1) and in what people type.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def host_name(text: str, field: str) -> str:
    """A lower-case, IDNA-encoded (punycode) host name of at least two labels."""
    host = text.translate(_DOTS).lower().rstrip(".")
    if not host.isascii():
        try:
            # The stdlib codec is IDNA 2003 (nameprep), the only one without a third-party package.
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise bad(
                field,
                "域名格式不正确（含无效字符，或某一段为空或超过 63 个字符）",
                "Malformed domain name (invalid characters, or an empty or over-63-character label)",
            ) from None
    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        raise bad(
            field, "这是 IP 地址而不是域名，请选择类型 ip", "This is an IP address, not a domain: use kind ip"
        )
    if len(labels) < 2:
        raise bad(
            field, "域名至少要有两段（如 example.com）", "A domain needs at least two labels (example.com)"
        )
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise bad(
            field,
            "域名格式不正确：每段 1-63 个字母、数字或短横线，不能以短横线开头或结尾，总长不超过 253",
            "Malformed domain: labels of 1-63 letters, digits or hyphens, not starting or ending "
            "with a hyphen, 253 characters in all",
        )
    if labels[-1].isdigit():
        raise bad(field, "顶级域名不能是纯数字", "Top-level domain cannot be numeric")
    return host


def normalise_domain(raw: str, field: str) -> str:
    """A bare domain, lower-case and punycode, without the trailing dot; URLs belong to kind `url`."""
    text = refang(clean(raw, field, 260))
    if "@" in text:
        raise bad(field, "这是邮箱地址而不是域名", "This is an e-mail address, not a domain")
    if "/" in text or ":" in text:
        raise bad(field, "这是网址而不是域名，请选择类型 url", "This is a URL, not a domain: use kind url")
    return host_name(text, field)


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?!\d)")  # "host:8080" is a port, not a scheme
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _escape(match: re.Match[str]) -> str:
    char = chr(int(match.group()[1:], 16))
    return char if char in _UNRESERVED else match.group().upper()


def _percent(part: str) -> str:
    """RFC 3986 §6.2.2: non-ASCII as UTF-8 escapes, escapes upper-cased, unreserved ones decoded."""
    if not part.isascii():
        part = "".join(c if c.isascii() else quote(c, safe="") for c in part)
    return _PERCENT.sub(_escape, part) if "%" in part else part


def normalise_url(raw: str, field: str) -> str:
    """http(s) URL: scheme and host lower-case, host punycode; default port, userinfo, fragment dropped."""
    text = refang(clean(raw, field))
    if any(c.isspace() for c in text):
        raise bad(field, "网址不能包含空格", "URLs cannot contain spaces")
    scheme_match = _SCHEME.match(text)
    given_scheme = scheme_match is not None and text[scheme_match.end() : scheme_match.end() + 2] == "//"
    if scheme_match and not given_scheme:
        raise bad(field, "网址须以 http:// 或 https:// 开头", "URL scheme must be http:// or https://")
    if not given_scheme:
        text = ("http:" if text.startswith("//") else "http://") + text  # a bare host: browsers assume http
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise bad(
            field, "网址格式或端口不正确（端口应为 1-65535）", "Malformed URL or port (1-65535)"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise bad(field, "网址须以 http:// 或 https:// 开头", "URL scheme must be http:// or https://")
    if "@" in parts.netloc and not given_scheme:
        raise bad(field, "这是邮箱地址而不是网址", "This is an e-mail address, not a URL")
    hostname = parts.hostname or ""
    if not hostname:
        raise bad(field, "网址缺少主机名", "URL has no host")
    if port == 0:
        raise bad(field, "网址端口应为 1-65535", "URL port must be 1-65535")
    try:
        address = ipaddress.ip_address(hostname)
        host = f"[{address}]" if address.version == 6 else str(address)
    except ValueError:
        host = host_name(hostname, field)
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    # user:password@ is dropped: it never selects the server and phishing uses it to disguise the host.
    return urlunsplit((scheme, host, _percent(parts.path) or "/", _percent(parts.query), ""))


def normalise_ip(raw: str, field: str) -> str:
    """IPv4 or IPv6 in canonical (compressed) form; IPv4-mapped IPv6 becomes the IPv4 address."""
    text = refang(clean(raw, field, 64))
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "/" in text:
        raise bad(field, "只接受单个 IP 地址，不接受网段", "A single IP address is required, not a range")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise bad(
            field,
            "IP 地址格式不正确（不接受端口、前导零或网卡后缀）",
            "Malformed IP address (no ports, leading zeros or zone suffixes)",
        ) from None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            raise bad(field, "IP 地址不能带网卡后缀（%）", "IP addresses cannot carry a zone (%)")
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)  # ::ffff:192.0.2.1 is the same host as 192.0.2.1
    return str(address)
