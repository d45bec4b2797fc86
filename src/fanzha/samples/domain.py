"""Samples and their rules: fraud types, status, confidence, expiry, who may publish what. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fanzha.core.errors import FanzhaError, PermissionDenied, ValidationFailed
from fanzha.identifiers import Identifier, IdentifierKind
from fanzha.identity.domain import SHARING_KINDS, OrgKind


class FraudType(StrEnum):
    """The ten main scam types of the police releases, plus other (DESIGN.md)."""

    ORDER_BRUSHING = "order_brushing"
    FAKE_INVESTMENT = "fake_investment"
    FAKE_SHOPPING = "fake_shopping"
    FAKE_CUSTOMER_SERVICE = "fake_customer_service"
    FAKE_LOAN = "fake_loan"
    FAKE_CREDIT = "fake_credit"
    FAKE_ACQUAINTANCE = "fake_acquaintance"
    FAKE_POLICE = "fake_police"
    ROMANCE = "romance"
    GAME_TRADING = "game_trading"
    OTHER = "other"


FRAUD_TYPE_LABELS: dict[FraudType, tuple[str, str]] = {
    FraudType.ORDER_BRUSHING: ("刷单返利", "Order brushing / rebate"),
    FraudType.FAKE_INVESTMENT: ("虚假投资理财", "Fake investment"),
    FraudType.FAKE_SHOPPING: ("虚假购物服务", "Fake shopping or service"),
    FraudType.FAKE_CUSTOMER_SERVICE: ("冒充电商物流客服", "Fake e-commerce or courier service"),
    FraudType.FAKE_LOAN: ("虚假贷款", "Fake loan"),
    FraudType.FAKE_CREDIT: ("虚假征信", "Fake credit report"),
    FraudType.FAKE_ACQUAINTANCE: ("冒充领导熟人", "Impersonating a boss or acquaintance"),
    FraudType.FAKE_POLICE: ("冒充公检法", "Impersonating police, procuratorate or court"),
    FraudType.ROMANCE: ("网络婚恋交友", "Online romance"),
    FraudType.GAME_TRADING: ("网络游戏虚假交易", "Fake game trading"),
    FraudType.OTHER: ("其他", "Other"),
}


class SampleStatus(StrEnum):
    """Life of a sample: institutions' reports wait for police confirmation (Art 28¶1)."""

    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REJECTED = "rejected"


STATUS_LABELS: dict[SampleStatus, tuple[str, str]] = {
    SampleStatus.PENDING: ("待公安确认", "Awaiting police confirmation"),
    SampleStatus.ACTIVE: ("生效", "Active"),
    SampleStatus.REVOKED: ("已撤销", "Revoked"),
    SampleStatus.EXPIRED: ("已过期", "Expired"),
    SampleStatus.REJECTED: ("未通过确认", "Rejected"),
}


class RiskLevel(StrEnum):
    """Coarse risk, from confidence."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RISK_LABELS: dict[RiskLevel, tuple[str, str]] = {
    RiskLevel.HIGH: ("高风险", "High risk"),
    RiskLevel.MEDIUM: ("中风险", "Medium risk"),
    RiskLevel.LOW: ("低风险", "Low risk"),
}

# Default life of a sample per kind: numbers and accounts are re-used by fraudsters for months,
# URLs and IPs move within weeks. Settings may override any of these.
DEFAULT_EXPIRY_DAYS: dict[IdentifierKind, int] = {
    IdentifierKind.PHONE: 180,
    IdentifierKind.BANK_CARD: 365,
    IdentifierKind.PAYMENT_ACCOUNT: 365,
    IdentifierKind.INTERNET_ACCOUNT: 180,
    IdentifierKind.URL: 90,
    IdentifierKind.DOMAIN: 180,
    IdentifierKind.APP: 365,
    IdentifierKind.IMEI: 365,
    IdentifierKind.IP: 30,
    IdentifierKind.WALLET: 365,
    IdentifierKind.RESIDENT_ID: 730,
}

# Art 27¶2: the sharing sectors report the fraud contacts their patients, students, customers and
# passengers bring them: numbers, links, domains, apps and accounts (never cards: those are the banks').
_SHARED_CONTACTS = frozenset(
    {
        IdentifierKind.PHONE,
        IdentifierKind.URL,
        IdentifierKind.DOMAIN,
        IdentifierKind.APP,
        IdentifierKind.INTERNET_ACCOUNT,
    }
)

# Which kinds each sector may report about its own customers (Art 27: each sector shares its own).
SECTOR_KINDS: dict[OrgKind, frozenset[IdentifierKind]] = {
    **{kind: _SHARED_CONTACTS for kind in SHARING_KINDS},
    OrgKind.BANK: frozenset({IdentifierKind.BANK_CARD, IdentifierKind.WALLET}),
    OrgKind.PAYMENT: frozenset({IdentifierKind.PAYMENT_ACCOUNT, IdentifierKind.WALLET}),
    OrgKind.TELECOM: frozenset({IdentifierKind.PHONE, IdentifierKind.IMEI, IdentifierKind.IP}),
    OrgKind.INTERNET: frozenset(
        {
            IdentifierKind.INTERNET_ACCOUNT,
            IdentifierKind.URL,
            IdentifierKind.DOMAIN,
            IdentifierKind.APP,
            IdentifierKind.IP,
        }
    ),
}


def risk_of(confidence: int) -> RiskLevel:
    """High from 80, medium from 50."""
    return RiskLevel.HIGH if confidence >= 80 else RiskLevel.MEDIUM if confidence >= 50 else RiskLevel.LOW


def merged_confidence(current: int, reported: int) -> int:
    """Independent reports reinforce each other: 1 − (1 − a)(1 − b), capped at 99 (never certain)."""
    combined = 100 - (100 - current) * (100 - reported) / 100
    return min(99, max(current, reported, round(combined)))


HIT_BONUS_CAP = 10  # hits together raise confidence by at most this
FALSE_POSITIVE_STEP = 10  # one organisation's false positive lowers confidence by this
INSTITUTION_FALSE_POSITIVE_CAP = 30  # institutions' false positives together lower it by at most this


def sighting_shift(hits: int, false_positives: int, police_false_positives: int = 0) -> int:
    """The confidence change of a sample's votes, one per organisation (its latest sighting).

    Hits raise confidence a little; institutions' false positives lower it by at most 30 together, so
    no institution (nor a few together) can make a police finding look harmless. Only the police,
    whose own false positives are not capped, move it further (or revoke the sample).
    """
    institutions = min(FALSE_POSITIVE_STEP * false_positives, INSTITUTION_FALSE_POSITIVE_CAP)
    return min(hits, HIT_BONUS_CAP) - institutions - FALSE_POSITIVE_STEP * police_false_positives


def shifted(base: int, shift: int) -> int:
    """Confidence from a base and a shift, kept within 0-99 (never certain)."""
    return max(0, min(99, base + shift))


def check_confidence(value: int) -> int:
    """Confidence is a whole number from 0 to 100."""
    if not 0 <= value <= 100:
        raise ValidationFailed("置信度须在 0 到 100 之间", "Confidence must be 0-100", field="confidence")
    return value


def check_may_publish(org_kind: OrgKind, kind: IdentifierKind) -> SampleStatus:
    """Police publish any kind at once; institutions report their own sector's kinds for confirmation."""
    if org_kind.is_police:
        return SampleStatus.ACTIVE
    if kind in SECTOR_KINDS.get(org_kind, frozenset()):
        return SampleStatus.PENDING
    raise PermissionDenied(
        f"本单位只能报送本行业的样本类型，不能报送「{kind.label_zh}」",
        f"Your organisation may report only its own sector's kinds, not {kind.value}",
        field="kind",
    )


class ProtectedIdentifier(FanzhaError):
    """An official or service identifier that can never become a sample."""

    code = "protected_identifier"
    status = 422
    message_zh = "该标识属于受保护名单，不能发布为涉诈样本"
    message_en = "This identifier is on the protected list and cannot be a fraud sample"


# Emergency, police and anti-fraud numbers; operators' and big banks' customer-service numbers.
PROTECTED_PHONES: dict[str, str] = {
    "110": "报警电话",
    "119": "火警电话",
    "120": "急救电话",
    "122": "交通事故报警",
    "12110": "公安短信报警",
    "96110": "反诈预警劝阻专线",
    "12321": "网络不良与垃圾信息举报",
    "12381": "涉诈预警劝阻短信",
    "12315": "消费者投诉",
    "12345": "政务服务便民热线",
    "10086": "中国移动客服",
    "10010": "中国联通客服",
    "10000": "中国电信客服",
    "10099": "中国广电客服",
    "95588": "工商银行客服",
    "95599": "农业银行客服",
    "95566": "中国银行客服",
    "95533": "建设银行客服",
    "95559": "交通银行客服",
    "95555": "招商银行客服",
    "95580": "邮储银行客服",
    "95528": "浦发银行客服",
    "95561": "兴业银行客服",
    "95568": "民生银行客服",
    "95595": "光大银行客服",
    "95511": "平安银行客服",
    "96511": "长沙银行客服",
    "96599": "湖南农信客服",
    "95188": "支付宝客服",
    "95017": "财付通客服",
}
PROTECTED_DOMAIN_SUFFIXES: dict[str, str] = {
    "gov.cn": "政府网站",
    "mps.gov.cn": "公安部网站",
    "pbc.gov.cn": "中国人民银行网站",
    "12321.cn": "12321 举报中心",
    "court.gov.cn": "法院网站",
    "spp.gov.cn": "检察院网站",
}
_HOST_RE = re.compile(r"^[a-z]+://([^/:?#]+)")


def protected_reason(identifier: Identifier) -> str | None:
    """Why an identifier is protected, or None when it may be published."""
    if identifier.kind is IdentifierKind.PHONE:
        bare = identifier.value.removeprefix("+86")
        return PROTECTED_PHONES.get(bare)
    host = identifier.value
    if identifier.kind is IdentifierKind.URL:
        match = _HOST_RE.match(identifier.value)
        host = match.group(1) if match else ""
    elif identifier.kind is not IdentifierKind.DOMAIN:
        return None
    for suffix, reason in PROTECTED_DOMAIN_SUFFIXES.items():
        if host == suffix or host.endswith("." + suffix):
            return reason
    return None


def check_not_protected(identifier: Identifier) -> None:
    """Refuse an identifier on the protected list, saying why."""
    reason = protected_reason(identifier)
    if reason is not None:
        raise ProtectedIdentifier(
            f"「{reason}」属于受保护名单，不能发布为涉诈样本",
            f"Protected identifier ({reason}) cannot be published as a fraud sample",
            field="value",
        )


@dataclass(frozen=True)
class Expiry:
    """How long samples of each kind stay active."""

    days: dict[IdentifierKind, int]

    def until(self, kind: IdentifierKind, from_time: datetime) -> datetime:
        """When a sample of `kind` seen at `from_time` expires."""
        return from_time + timedelta(days=self.days.get(kind, 180))
