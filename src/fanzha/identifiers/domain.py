"""Identifier kinds and their normalisation: one canonical form per real-world identifier (Art 27)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

from fanzha.core.errors import ValidationFailed
from fanzha.identifiers.checks import (
    B58,
    base58check_valid,
    imei_check_digit,
    luhn_check_digit,
    luhn_valid,
    resident_id_check_char,
)

__all__ = [
    "Identifier",
    "IdentifierKind",
    "imei_check_digit",
    "luhn_check_digit",
    "luhn_valid",
    "normalise",
    "resident_id_check_char",
]


class IdentifierKind(StrEnum):
    """What an identifier is; tokens are keyed by kind so the same text in two kinds never matches."""

    PHONE = "phone"
    BANK_CARD = "bank_card"
    PAYMENT_ACCOUNT = "payment_account"
    INTERNET_ACCOUNT = "internet_account"
    URL = "url"
    DOMAIN = "domain"
    APP = "app"
    IMEI = "imei"
    IP = "ip"
    WALLET = "wallet"
    RESIDENT_ID = "resident_id"

    @property
    def label_zh(self) -> str:
        """The Chinese name."""
        return KIND_LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The English name."""
        return KIND_LABELS[self][1]


KIND_LABELS: dict[IdentifierKind, tuple[str, str]] = {
    IdentifierKind.PHONE: ("电话号码", "Phone number"),
    IdentifierKind.BANK_CARD: ("银行卡号", "Bank card number"),
    IdentifierKind.PAYMENT_ACCOUNT: ("支付账户", "Payment account"),
    IdentifierKind.INTERNET_ACCOUNT: ("互联网账号", "Internet account"),
    IdentifierKind.URL: ("网址", "URL"),
    IdentifierKind.DOMAIN: ("域名", "Domain"),
    IdentifierKind.APP: ("应用程序", "App"),
    IdentifierKind.IMEI: ("设备识别码（IMEI）", "Device IMEI"),
    IdentifierKind.IP: ("IP 地址", "IP address"),
    IdentifierKind.WALLET: ("虚拟货币钱包地址", "Crypto wallet"),
    IdentifierKind.RESIDENT_ID: ("居民身份证号", "Resident ID number"),
}


@dataclass(frozen=True)
class Identifier:
    """A normalised identifier: equal values mean the same real-world thing."""

    kind: IdentifierKind
    value: str


def _bad(field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(zh, en, field=field)


def _clean(raw: str, field: str, max_length: int = 2048) -> str:
    """NFKC folds full-width digits and letters (１３８ → 138) that people paste from documents."""
    if not isinstance(raw, str):
        raise _bad(field, "值必须是文本", "Value must be text")
    plain = raw.isascii() and raw.isprintable()  # the common case: NFKC changes nothing, no controls
    text = raw.strip() if plain else unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise _bad(field, "值不能为空", "Value is empty")
    if len(text) > max_length:
        raise _bad(
            field, f"值过长（最多 {max_length} 个字符）", f"Value too long (max {max_length} characters)"
        )
    if not plain and any(unicodedata.category(c) == "Cc" for c in text):
        raise _bad(field, "值包含控制字符", "Value contains control characters")
    return text


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{1,2}[2-9]\d{6,7}")  # area code 2-4 digits incl. the 0, local 7-8 digits
_SERVICE = re.compile(r"1\d{2,4}|9\d{4,5}")  # 110, 12110, 10086, 95588, 96110
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def _phone(raw: str, field: str) -> str:
    """E.164 for mainland mobiles, landlines and foreign numbers; bare digits for service numbers."""
    text = _PHONE_SEPARATORS.sub("", _clean(raw, field, 40))
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+86"):
        national = text[3:]
    elif text.startswith("+"):
        if not _E164.fullmatch(text):
            raise _bad(
                field, "国际号码须为 + 加 7 至 15 位数字", "International numbers need + and 7-15 digits"
            )
        return text
    elif len(text) == 13 and text.startswith("86"):
        national = text[2:]
    else:
        national = text
    if not national.isdigit():
        raise _bad(field, "电话号码只能包含数字", "Phone numbers contain digits only")
    if _MOBILE.fullmatch(national):
        return "+86" + national
    if _LANDLINE.fullmatch(national):
        return "+86" + national[1:]
    if text.startswith(("+86", "86")) and _LANDLINE.fullmatch("0" + national):
        return "+86" + national  # a landline already in international form
    if _SERVICE.fullmatch(national) and not text.startswith("+"):
        return national
    if national.startswith("1") and len(national) == 11:
        raise _bad(field, "手机号码号段无效（应以 13-19 开头）", "Invalid mobile prefix (must start 13-19)")
    raise _bad(field, "电话号码格式不正确", "Malformed phone number")


def _bank_card(raw: str, field: str) -> str:
    """16-19 digit card numbers with a Luhn check digit."""
    text = re.sub(r"[\s\-]", "", _clean(raw, field, 40))
    if not text.isdigit():
        raise _bad(field, "银行卡号只能包含数字", "Bank card numbers contain digits only")
    if not 16 <= len(text) <= 19:
        raise _bad(field, "银行卡号应为 16 至 19 位", "Bank card numbers have 16-19 digits")
    if not luhn_valid(text):
        raise _bad(field, "银行卡号校验位错误（Luhn）", "Bank card number fails the Luhn check")
    return text


_PLATFORM = re.compile(r"[a-z0-9][a-z0-9_\-]{1,31}")


def _account(raw: str, field: str) -> str:
    """`platform:account id`, platform lower-cased, id kept as given."""
    text = _clean(raw, field, 200)
    platform, sep, account = text.partition(":")
    platform, account = platform.strip().lower(), account.strip()
    if not sep or not _PLATFORM.fullmatch(platform):
        raise _bad(
            field,
            "账户须写成「平台:账号」，如 alipay:2088001",
            "Accounts are written platform:id, e.g. alipay:2088001",
        )
    if not account or len(account) > 128 or any(c.isspace() for c in account):
        raise _bad(
            field,
            "账号不能为空、不能含空白，最长 128 个字符",
            "Account id must be 1-128 characters without spaces",
        )
    return f"{platform}:{account}"


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")


def _host(text: str, field: str) -> str:
    """A lower-case, IDNA-encoded host name of at least two labels."""
    host = text.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise _bad(field, "域名包含无效字符", "Domain contains invalid characters") from None
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _bad(field, "域名格式不正确", "Malformed domain name")
    if labels[-1].isdigit():
        raise _bad(field, "顶级域名不能是纯数字", "Top-level domain cannot be numeric")
    return host


def _domain(raw: str, field: str) -> str:
    """A bare domain; URLs belong to kind `url`."""
    text = _clean(raw, field, 260)
    if "/" in text or ":" in text or "@" in text:
        raise _bad(field, "这是网址而不是域名，请选择类型 url", "This is a URL, not a domain: use kind url")
    return _host(text, field)


def _url(raw: str, field: str) -> str:
    """Scheme and host lower-cased, host IDNA-encoded, default port and fragment dropped."""
    text = _clean(raw, field)
    if any(c.isspace() for c in text):
        raise _bad(field, "网址不能包含空格", "URLs cannot contain spaces")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _bad(field, "网址端口或格式不正确", "Malformed URL or port") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _bad(field, "网址须以 http 或 https 开头", "URL scheme must be http or https")
    hostname = parts.hostname or ""
    if not hostname:
        raise _bad(field, "网址缺少主机名", "URL has no host")
    try:
        host = str(ipaddress.ip_address(hostname))
        host = f"[{host}]" if ":" in host else host
    except ValueError:
        host = _host(hostname, field)
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


_ANDROID = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")
_HASH = re.compile(r"sha256:[0-9a-f]{64}")


def _app(raw: str, field: str) -> str:
    """An Android package or iOS bundle id, or `sha256:<hex>` of the installer file."""
    text = _clean(raw, field, 300)
    if text.lower().startswith("sha256:"):
        text = text.lower()
        if _HASH.fullmatch(text):
            return text
        raise _bad(
            field, "安装包哈希须为 sha256: 加 64 位十六进制", "App hash must be sha256: and 64 hex digits"
        )
    if len(text) <= 255 and _ANDROID.fullmatch(text):
        return text
    raise _bad(
        field, "应用标识须为包名（如 com.example.app）", "App id must be a package name like com.example.app"
    )


def _imei(raw: str, field: str) -> str:
    """15 digits with a Luhn check digit; 14 digits get theirs appended."""
    text = re.sub(r"[\s\-/]", "", _clean(raw, field, 40))
    if not text.isdigit() or len(text) not in (14, 15):
        raise _bad(field, "IMEI 应为 14 或 15 位数字", "IMEI must be 14 or 15 digits")
    if len(text) == 14:
        return text + imei_check_digit(text)
    if not luhn_valid(text):
        raise _bad(field, "IMEI 校验位错误", "IMEI check digit is wrong")
    return text


def _ip(raw: str, field: str) -> str:
    """IPv4 or IPv6 in canonical (compressed) form."""
    try:
        return str(ipaddress.ip_address(_clean(raw, field, 64)))
    except ValueError:
        raise _bad(
            field, "IP 地址格式不正确（不接受网段）", "Malformed IP address (ranges are not accepted)"
        ) from None


_ETH = re.compile(r"0x[0-9a-fA-F]{40}")
_BECH32 = re.compile(r"bc1[02-9ac-hj-np-z]{11,71}")
_B58_RE = re.compile(f"[{B58}]+")


def _wallet(raw: str, field: str) -> str:
    """Ethereum (lower-cased), Bitcoin (Base58Check or bech32) and TRON addresses."""
    text = _clean(raw, field, 100)
    if _ETH.fullmatch(text):
        return text.lower()
    if _BECH32.fullmatch(text.lower()):
        return text.lower()
    if _B58_RE.fullmatch(text) and (
        (text[0] in "13" and 26 <= len(text) <= 35) or (text[0] == "T" and len(text) == 34)
    ):
        if base58check_valid(text):
            return text
        raise _bad(field, "钱包地址校验和错误", "Wallet address checksum is wrong")
    raise _bad(
        field, "无法识别的钱包地址（支持 BTC、ETH、TRON）", "Unrecognised wallet address (BTC, ETH, TRON)"
    )


def _resident_id(raw: str, field: str) -> str:
    """18 characters: region, birth date, sequence and a GB 11643 check character."""
    text = _clean(raw, field, 40).replace(" ", "").upper()
    if len(text) == 15 and text.isdigit():
        raise _bad(
            field,
            "请使用 18 位身份证号（15 位旧号码不受理）",
            "Use the 18-digit ID (old 15-digit numbers are not accepted)",
        )
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise _bad(
            field, "身份证号应为 17 位数字加 1 位数字或 X", "Resident ID is 17 digits and a digit or X"
        )
    if text[0] not in "12345678":
        raise _bad(field, "身份证号地区码无效", "Resident ID region code is invalid")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise _bad(field, "身份证号中的出生日期无效", "Resident ID birth date is invalid") from None
    if born.year < 1900:
        raise _bad(field, "身份证号中的出生日期无效", "Resident ID birth date is invalid")
    if resident_id_check_char(text[:17]) != text[17]:
        raise _bad(field, "身份证号校验位错误", "Resident ID check character is wrong")
    return text


_NORMALISERS: dict[IdentifierKind, Callable[[str, str], str]] = {
    IdentifierKind.PHONE: _phone,
    IdentifierKind.BANK_CARD: _bank_card,
    IdentifierKind.PAYMENT_ACCOUNT: _account,
    IdentifierKind.INTERNET_ACCOUNT: _account,
    IdentifierKind.URL: _url,
    IdentifierKind.DOMAIN: _domain,
    IdentifierKind.APP: _app,
    IdentifierKind.IMEI: _imei,
    IdentifierKind.IP: _ip,
    IdentifierKind.WALLET: _wallet,
    IdentifierKind.RESIDENT_ID: _resident_id,
}


_KINDS = {k.value: k for k in IdentifierKind}  # a dict lookup is 20x cheaper than Enum(value)


def parse_kind(kind: IdentifierKind | str, field: str = "kind") -> IdentifierKind:
    """The kind named by `kind`, or a clear error."""
    try:
        return _KINDS[kind]
    except KeyError:
        names = ", ".join(k.value for k in IdentifierKind)
        raise ValidationFailed(
            f"未知的标识类型：{kind}", f"Unknown identifier kind {kind!r}; use one of {names}", field=field
        ) from None


def normalise(kind: IdentifierKind | str, raw: str, *, field: str = "value") -> Identifier:
    """Validate `raw` as `kind` and return its canonical form; raises ValidationFailed naming `field`."""
    parsed = parse_kind(kind)
    return Identifier(parsed, _NORMALISERS[parsed](raw, field))
