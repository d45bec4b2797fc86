"""Identifier kinds and their normalisation: one canonical form per real-world identifier.

Art 27 (Hunan provisions) asks for fraud-sample sharing across sectors with consistent identification
standards: a bank, an operator and the police must turn the same number, account or link into the same
text, or their keyed tokens never meet. Each normaliser accepts what analysts paste (spaces, dashes,
full-width digits, +86 prefixes, defanged links) and returns one canonical string, or raises
ValidationFailed naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fanzha.core.errors import ValidationFailed
from fanzha.identifiers.checks import (
    B58,
    base58check_payload,
    imei_check_digit,
    luhn_check_digit,
    luhn_valid,
    resident_id_check_char,
    segwit_address_valid,
)
from fanzha.identifiers.hosts import normalise_domain, normalise_ip, normalise_url
from fanzha.identifiers.text import bad, clean

__all__ = [
    "KIND_LABELS",
    "PLATFORM_ALIASES",
    "Identifier",
    "IdentifierKind",
    "imei_check_digit",
    "luhn_check_digit",
    "luhn_valid",
    "normalise",
    "parse_kind",
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


# (Chinese, English) per kind; the sample kinds of Art 27 ¶2 and national law Art 31.
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


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes: 010 and 02x have three digits with the 0, the rest four; local numbers 7-8 digits.
_LANDLINE = re.compile(r"0(?:10|2\d|[3-9]\d\d)[2-9]\d{6,7}")
_SERVICE = re.compile(r"1\d{2,4}|9\d{4,5}")  # 110, 12110, 10086, 95588, 96110
_HOTLINE = re.compile(r"[48]00\d{7}")  # 400 / 800 enterprise numbers
_SMS_PORT = re.compile(r"106\d{5,17}")  # 106 SMS sender ports: the source of most fraud text messages
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_CANONICAL_MOBILE = re.compile(r"\+861[3-9]\d{9}")  # what bulk imports and lookups mostly carry


def _phone(raw: str, field: str) -> str:
    """Mainland mobiles and landlines and foreign numbers in E.164; domestic-only numbers as bare digits.

    Service numbers (110, 95588, 96110), 400/800 hotlines and 106 SMS ports cannot be dialled from
    abroad, so they have no E.164 form; a +86 written in front of them is dropped.
    """
    if isinstance(raw, str) and _CANONICAL_MOBILE.fullmatch(raw):
        return raw
    text = _PHONE_SEPARATORS.sub("", clean(raw, field, 40))
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+") and not text.startswith("+86"):
        if not _E164.fullmatch(text):
            raise bad(
                field,
                "国际号码须为 + 加国家码和号码，共 7 至 15 位数字",
                "International numbers need + and 7-15 digits, country code first",
            )
        return text
    international = text.startswith("+86") or (text.startswith("86") and len(text) >= 11)
    national = text[3:] if text.startswith("+") else text[2:] if international else text
    if not national.isdigit():
        raise bad(
            field,
            "电话号码只能包含数字（可带 +、空格、短横线、括号）",
            "Phone numbers contain digits only (with optional +, spaces, dashes, brackets)",
        )
    if national.startswith("0") and _MOBILE.fullmatch(national[1:]):
        national = national[1:]  # a mobile dialled with the long-distance 0, as call records show it
    if _MOBILE.fullmatch(national):
        return "+86" + national
    if _LANDLINE.fullmatch(national):
        return "+86" + national[1:]
    if international and _LANDLINE.fullmatch("0" + national):
        return "+86" + national  # a landline already in international form
    if _SERVICE.fullmatch(national) or _HOTLINE.fullmatch(national) or _SMS_PORT.fullmatch(national):
        return national
    if national.startswith("1") and len(national) == 11:
        raise bad(field, "手机号码号段无效（应以 13-19 开头）", "Invalid mobile prefix (must start 13-19)")
    raise bad(
        field,
        "无法识别的电话号码：应为 11 位手机号、带区号的固定电话、服务号码或以 + 开头的国际号码",
        "Unrecognised phone number: expected an 11-digit mobile, a landline with area code, "
        "a service number or an international number starting with +",
    )


_CARD_SEPARATORS = re.compile(r"[\s\-]")


def _bank_card(raw: str, field: str) -> str:
    """16-19 digit card numbers with a Luhn check digit (ISO/IEC 7812; UnionPay cards follow it).

    Shorter accounts without a check digit (passbooks, corporate accounts) are not accepted: without
    a check digit a single mistyped digit would silently point at somebody else's account.
    """
    text = _CARD_SEPARATORS.sub("", clean(raw, field, 40))
    if not text.isdigit():
        raise bad(field, "银行卡号只能包含数字", "Bank card numbers contain digits only")
    if not 16 <= len(text) <= 19:
        raise bad(
            field,
            f"银行卡号应为 16 至 19 位（输入为 {len(text)} 位）",
            f"Bank card numbers have 16-19 digits (got {len(text)})",
        )
    if not luhn_valid(text):
        raise bad(field, "银行卡号校验位错误（Luhn）", "Bank card number fails the Luhn check")
    return text


# Known platform keys and the Chinese names analysts write instead; any other key of the same
# shape is accepted too, so a new platform needs no release.
PLATFORM_ALIASES: dict[str, str] = {
    "支付宝": "alipay",
    "微信支付": "wechatpay",
    "财付通": "wechatpay",
    "云闪付": "unionpay",
    "银联": "unionpay",
    "京东支付": "jdpay",
    "微信": "wechat",
    "qq": "qq",
    "抖音": "douyin",
    "快手": "kuaishou",
    "淘宝": "taobao",
    "闲鱼": "xianyu",
    "微博": "weibo",
    "网易": "netease",
    "世纪佳缘": "jiayuan",
    "小红书": "xiaohongshu",
    "拼多多": "pinduoduo",
}
_PLATFORM = re.compile(r"[a-z0-9][a-z0-9_\-]{1,31}")


def _account(raw: str, field: str) -> str:
    """`platform:account id`, platform key lower-cased, the id kept exactly as given."""
    text = clean(raw, field, 200)
    platform, sep, account = text.partition(":")
    platform, account = platform.strip().lower(), account.strip()
    platform = PLATFORM_ALIASES.get(platform, platform)
    if not sep or not _PLATFORM.fullmatch(platform):
        raise bad(
            field,
            "账户须写成「平台:账号」，平台为 2-32 个小写字母、数字、_ 或 -，如 alipay:2088001",
            "Accounts are written platform:id, the platform 2-32 of a-z, 0-9, _ or -, e.g. alipay:2088001",
        )
    if not account or len(account) > 128 or any(c.isspace() for c in account):
        raise bad(
            field,
            "账号不能为空、不能含空白，最长 128 个字符",
            "Account id must be 1-128 characters without spaces",
        )
    return f"{platform}:{account}"


# Android package names (case-sensitive) and iOS bundle ids, which may also hold hyphens.
_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_][A-Za-z0-9_\-]*)+")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _app(raw: str, field: str) -> str:
    """An Android package or iOS bundle id, or `sha256:<hex>` of the installer file."""
    text = clean(raw, field, 300)
    lowered = text.lower()
    if lowered.startswith(("sha256:", "sha-256:")):
        digest = lowered.partition(":")[2].strip()
        if _HEX64.fullmatch(digest):
            return "sha256:" + digest
        raise bad(
            field, "安装包哈希须为 sha256: 加 64 位十六进制", "App hash must be sha256: and 64 hex digits"
        )
    if _HEX64.fullmatch(lowered):
        return "sha256:" + lowered  # a bare SHA-256 of the installer, as sandboxes report it
    if len(text) <= 255 and _PACKAGE.fullmatch(text):
        return text
    raise bad(
        field,
        "应用标识须为包名（如 com.example.app）或 sha256:安装包哈希",
        "App id must be a package name like com.example.app, or sha256:<installer hash>",
    )


_IMEI_SEPARATORS = re.compile(r"[\s\-/]")
_IMEI_LABEL = re.compile(r"imei\s*[:#]?", re.IGNORECASE)


def _imei(raw: str, field: str) -> str:
    """15 digits with a Luhn check digit (3GPP TS 23.003); 14 digits get theirs appended."""
    text = clean(raw, field, 40)
    text = _IMEI_SEPARATORS.sub("", _IMEI_LABEL.sub("", text, count=1))
    if not text.isdigit() or len(text) not in (14, 15):
        raise bad(
            field,
            "IMEI 应为 14 或 15 位数字（16 位的 IMEISV 请去掉最后两位软件版本号后补校验位）",
            "IMEI must be 14 or 15 digits (for a 16-digit IMEISV drop the 2-digit software version)",
        )
    if len(text) == 14:
        return text + imei_check_digit(text)
    if not luhn_valid(text):
        raise bad(field, "IMEI 校验位错误", "IMEI check digit is wrong")
    return text


_ETH = re.compile(r"0[xX][0-9a-fA-F]{40}")
_B58_RE = re.compile(f"[{B58}]+")
# Base58Check version bytes: Bitcoin P2PKH 0x00 ('1…'), P2SH 0x05 ('3…'), TRON 0x41 ('T…').
_B58_VERSIONS = {"1": 0x00, "3": 0x05, "T": 0x41}


def _wallet(raw: str, field: str) -> str:
    """Ethereum (lower-cased), Bitcoin (Base58Check or lower-case bech32) and TRON addresses."""
    text = clean(raw, field, 100)
    if _ETH.fullmatch(text):
        # EIP-55 mixed case is only a checksum (Keccak, not in hashlib); the address is case-free.
        return text.lower()
    lowered = text.lower()
    if lowered.startswith("bc1"):
        if segwit_address_valid(lowered):
            return lowered
        raise bad(
            field, "比特币 bc1 地址校验和或长度错误", "Bitcoin bc1 address has a bad checksum or length"
        )
    if _B58_RE.fullmatch(text) and text[0] in _B58_VERSIONS and 26 <= len(text) <= 35:
        payload = base58check_payload(text)
        if payload is not None and len(payload) == 21 and payload[0] == _B58_VERSIONS[text[0]]:
            return text
        raise bad(field, "钱包地址校验和错误", "Wallet address checksum is wrong")
    raise bad(
        field,
        "无法识别的钱包地址（支持 BTC、ETH、TRON）",
        "Unrecognised wallet address (BTC, ETH and TRON are supported)",
    )


def _resident_id(raw: str, field: str) -> str:
    """18 characters (GB 11643-1999): region, birth date, sequence and a MOD 11-2 check character."""
    text = clean(raw, field, 40).replace(" ", "").upper()
    if len(text) == 15 and text.isdigit():
        raise bad(
            field,
            "请使用 18 位身份证号（15 位旧号码不受理）",
            "Use the 18-digit ID (old 15-digit numbers are not accepted)",
        )
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise bad(field, "身份证号应为 17 位数字加 1 位数字或 X", "Resident ID is 17 digits and a digit or X")
    if text[0] not in "12345678":
        raise bad(
            field, "身份证号地区码无效（首位应为 1-8）", "Resident ID region code is invalid (1-8 first)"
        )
    try:
        # No clock in the domain: year >= 1900 here, "not later than today" is the caller's check.
        valid_birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14])).year >= 1900
    except ValueError:
        valid_birth = False
    if not valid_birth:
        raise bad(field, "身份证号中的出生日期无效", "Resident ID birth date is invalid")
    if resident_id_check_char(text[:17]) != text[17]:
        raise bad(field, "身份证号校验位错误", "Resident ID check character is wrong")
    return text


_NORMALISERS: dict[IdentifierKind, Callable[[str, str], str]] = {
    IdentifierKind.PHONE: _phone,
    IdentifierKind.BANK_CARD: _bank_card,
    IdentifierKind.PAYMENT_ACCOUNT: _account,
    IdentifierKind.INTERNET_ACCOUNT: _account,
    IdentifierKind.URL: normalise_url,
    IdentifierKind.DOMAIN: normalise_domain,
    IdentifierKind.APP: _app,
    IdentifierKind.IMEI: _imei,
    IdentifierKind.IP: normalise_ip,
    IdentifierKind.WALLET: _wallet,
    IdentifierKind.RESIDENT_ID: _resident_id,
}


_KINDS = {k.value: k for k in IdentifierKind}  # a dict lookup is 20x cheaper than Enum(value)


def parse_kind(kind: IdentifierKind | str, field: str = "kind") -> IdentifierKind:
    """The kind named by `kind` (case and surrounding spaces ignored), or a clear error."""
    found = _KINDS.get(kind) if isinstance(kind, str) else None
    if found is None and isinstance(kind, str):
        found = _KINDS.get(kind.strip().lower())
    if found is None:
        names = ", ".join(_KINDS)
        raise ValidationFailed(
            f"未知的标识类型：{kind}；可选 {names}",
            f"Unknown identifier kind {kind!r}; use one of {names}",
            field=field,
        )
    return found


def normalise(kind: IdentifierKind | str, raw: str, *, field: str = "value") -> Identifier:
    """Validate `raw` as `kind` and return its canonical form; raises ValidationFailed naming `field`."""
    parsed = parse_kind(kind)
    return Identifier(parsed, _NORMALISERS[parsed](raw, field))
