"""Joint punishment (联合惩戒, Art 29, 37): grounds, thresholds, terms, approval level, measures. Pure.

Sources: Hunan provisions Art 29 (列入严重失信主体名单; 相关业务限制办理; 可以提出申诉), national
Anti-Fraud Law (AFL) Art 31¶2 (设区的市级以上公安机关认定; 停止非柜面业务、暂停新业务、限制入网; 申诉),
and 《电信网络诈骗及其关联违法犯罪联合惩戒办法》 (公安部等, in force 2024-12-01; "办法" below):
第三条 the subjects and the thresholds (三张(个)以上 / 三次以上 / 三个以上对象 / 假冒他人身份, or below
them 报经省级以上公安机关审核认定); terms of 3 years (criminal punishment) or 2 years (card and account
offences), at most 5 continuous years when listed again during a term; the measures keep basic
financial and telecom services (基本生活需要).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fanzha.core.errors import Conflict, PermissionDenied, ValidationFailed
from fanzha.identity.domain import OrgKind

# The national measures, as cited on every rule, notice and page.
MEASURES_ACT = "《电信网络诈骗及其关联违法犯罪联合惩戒办法》"
# 办法第三条(二): determined by a police unit of a districted city or above (also AFL 31¶2).
LISTING_UNITS = frozenset({OrgKind.POLICE_PROVINCE, OrgKind.POLICE_CITY})
# 办法第三条(二) last sentence: below the thresholds, 报经省级以上公安机关审核认定.
PROVINCIAL_UNITS = frozenset({OrgKind.POLICE_PROVINCE})
# 办法第三条(二)1-3: three items, three times, three counterparties.
THRESHOLD = 3
# The terms: 3 years for criminal punishment, 2 for card and account offences; at most 5 continuous years.
DEFAULT_TERM_YEARS_CRIMINAL = 3
DEFAULT_TERM_YEARS_CARDS = 2
MAX_CONTINUOUS_YEARS = 5


class SubjectKind(StrEnum):
    """Who is listed: a person (by the keyed token of the ID number) or a unit (办法第三条(二) 单位)."""

    PERSON = "person"
    UNIT = "unit"


class Ground(StrEnum):
    """Why a subject is listed (办法第三条)."""

    CRIMINAL = "criminal"  # 第三条(一): 受过刑事处罚 for fraud or a related offence
    CARDS = (
        "cards"  # 第三条(二)1-3: bought, sold, rented or lent cards or accounts at or above the thresholds
    )
    FALSE_IDENTITY = "false_identity"  # 第三条(二)4: opened them with a false identity or false agency
    BELOW_THRESHOLD = "below_threshold"  # 第三条(二) last sentence: below them, with provincial review


GROUND_LABELS: dict[Ground, tuple[str, str]] = {
    Ground.CRIMINAL: (
        "因实施电信网络诈骗及其关联犯罪受过刑事处罚（办法第三条第一项）",
        "Criminally punished for fraud or a related offence (Measures Art 3(1))",
    ),
    Ground.CARDS: (
        "非法买卖、出租、出借电话卡、银行账户、支付账户、互联网账号等达到三张（个）、三次或三个对象以上"
        "（办法第三条第二项第1至3目）",
        "Bought, sold, rented or lent cards or accounts: 3 items, 3 times or 3 counterparties or more "
        "(Measures Art 3(2) 1-3)",
    ),
    Ground.FALSE_IDENTITY: (
        "假冒他人身份或者虚构代理关系开立电话卡、账户、账号（办法第三条第二项第4目）",
        "Opened cards or accounts with a false identity or false agency (Measures Art 3(2) 4)",
    ),
    Ground.BELOW_THRESHOLD: (
        "虽未达到数量标准，但造成较大影响、确有惩戒必要，经省级以上公安机关审核认定（办法第三条第二项）",
        "Below the thresholds but of serious effect, reviewed by provincial police (Measures Art 3(2))",
    ),
}


class ListingStatus(StrEnum):
    """pending → active | refused; active → expired | released | superseded (re-listed, term extended)."""

    PENDING = "pending"
    ACTIVE = "active"
    REFUSED = "refused"
    EXPIRED = "expired"
    RELEASED = "released"
    SUPERSEDED = "superseded"


STATUS_LABELS: dict[ListingStatus, tuple[str, str]] = {
    ListingStatus.PENDING: ("待审批", "Awaiting approval"),
    ListingStatus.ACTIVE: ("惩戒中", "In force"),
    ListingStatus.REFUSED: ("未批准", "Refused"),
    ListingStatus.EXPIRED: ("期满解除", "Expired"),
    ListingStatus.RELEASED: ("申诉成立，已解除", "Released on appeal"),
    ListingStatus.SUPERSEDED: ("已并入新的认定（期限延长）", "Superseded by a re-listing"),
}
_L = ListingStatus
TRANSITIONS: dict[ListingStatus, frozenset[ListingStatus]] = {
    _L.PENDING: frozenset({_L.ACTIVE, _L.REFUSED}),
    _L.ACTIVE: frozenset({_L.EXPIRED, _L.RELEASED, _L.SUPERSEDED}),
    _L.REFUSED: frozenset(),
    _L.EXPIRED: frozenset(),
    _L.RELEASED: frozenset(),
    _L.SUPERSEDED: frozenset(),
}


def check_step(current: ListingStatus, target: ListingStatus) -> None:
    """Refuse a step the machine does not allow."""
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"名单状态为「{STATUS_LABELS[current][0]}」，不能变为「{STATUS_LABELS[target][0]}」",
            f"A listing in state {current} cannot become {target}",
            field="status",
        )


@dataclass(frozen=True)
class Facts:
    """The counts the police determined (办法第三条(二)1-3): items, times, counterparties."""

    items: int = 0
    times: int = 0
    counterparties: int = 0

    def reaches_threshold(self) -> bool:
        """Any one count at or above 3 (三张(个)以上、三次以上、三个以上对象)."""
        return max(self.items, self.times, self.counterparties) >= THRESHOLD

    def any(self) -> bool:
        """Some card or account conduct was found at all."""
        return max(self.items, self.times, self.counterparties) > 0


@dataclass(frozen=True)
class Terms:
    """The term per ground in years (settings), within the Measures' 2 / 3 years and the 5-year cap."""

    criminal_years: int = DEFAULT_TERM_YEARS_CRIMINAL
    cards_years: int = DEFAULT_TERM_YEARS_CARDS

    def years(self, ground: Ground) -> int:
        """办法: 3 years for criminal punishment, 2 for card and account offences."""
        return self.criminal_years if ground is Ground.CRIMINAL else self.cards_years


def check_listing(
    ground: Ground,
    facts: Facts,
    evidence: list[str],
    basis: str,
    unit: OrgKind,
    subject: SubjectKind,
    term_months: int | None,
    terms: Terms,
) -> None:
    """Refuse a listing the Measures do not allow, naming the rule; nothing is written before this passes."""
    if unit not in LISTING_UNITS:
        # AFL 31¶2, 办法第三条(二): 经设区的市级以上公安机关认定; a county unit cannot list.
        raise PermissionDenied(
            "列入惩戒名单须由设区的市级以上公安机关认定（反电信网络诈骗法第三十一条第二款，办法第三条），"
            "县级及以下单位不能认定",
            "Only a police unit at city level or above determines a listing (AFL Art 31¶2, Measures Art 3); "
            "a county unit cannot",
            field="org",
        )
    if not [e for e in evidence if e.strip()]:
        raise ValidationFailed(
            "认定惩戒对象须附证据（判决书、认定文书或调查材料编号）（第二十九条第一款：依法认定）",
            "A listing needs its evidence (judgment, determination or file references) (Art 29¶1)",
            field="evidence",
        )
    if not basis.strip():
        raise ValidationFailed(
            "须载明认定事实和依据（办法第三条）",
            "The facts and basis are required (Measures Art 3)",
            field="basis",
        )
    if subject is SubjectKind.UNIT and ground is Ground.CRIMINAL:
        raise ValidationFailed(
            "受过刑事处罚的惩戒对象为人员（办法第三条第一项）；单位按第三条第二项认定",
            "The criminal ground lists persons (Measures Art 3(1)); units are listed under Art 3(2)",
            field="ground",
        )
    if ground is Ground.CARDS and not facts.reaches_threshold():
        raise ValidationFailed(
            f"张数、次数或对象数须有一项达到{THRESHOLD}以上（办法第三条第二项第1至3目）；"
            "未达数量标准的，按“未达标准经省级审核”（below_threshold）报省级以上公安机关审核认定",
            f"One of items, times or counterparties must be {THRESHOLD} or more (Measures Art 3(2) 1-3); "
            "below them use below_threshold with provincial review",
            field="facts",
        )
    if ground is Ground.BELOW_THRESHOLD and (facts.reaches_threshold() or not facts.any()):
        raise ValidationFailed(
            "“未达数量标准”须有买卖、出租、出借卡或账户的事实且各项均少于三（办法第三条第二项）",
            "below_threshold needs card or account conduct with every count under 3 (Measures Art 3(2))",
            field="facts",
        )
    if term_months is not None:
        most = terms.years(ground) * 12
        if not 1 <= term_months <= most:
            # 办法: the term is 3 or 2 years by ground; 过惩相当 (第二条) allows a shorter one, never longer.
            raise ValidationFailed(
                f"惩戒期限须在 1 至 {most} 个月之间（办法：该情形惩戒期限为{terms.years(ground)}年）",
                f"The term must be 1 to {most} months (Measures: {terms.years(ground)} years here)",
                field="term_months",
            )


def check_approver(ground: Ground, approver: OrgKind, proposer_username: str, approver_username: str) -> None:
    """The right level approves (办法第三条), and not the person who proposed (four eyes, recorded)."""
    if ground is Ground.BELOW_THRESHOLD and approver not in PROVINCIAL_UNITS:
        raise PermissionDenied(
            "未达数量标准的，须报经省级以上公安机关审核认定（办法第三条第二项）",
            "Below the thresholds, the provincial police review and approve (Measures Art 3(2))",
            field="org",
        )
    if approver not in LISTING_UNITS:
        raise PermissionDenied(
            "须由设区的市级以上公安机关批准（反电信网络诈骗法第三十一条第二款）",
            "A police unit at city level or above approves (AFL Art 31¶2)",
            field="org",
        )
    if approver_username == proposer_username:
        raise PermissionDenied(
            "提出认定的人员不能自行批准", "The proposer cannot approve their own listing", field="approver"
        )


def add_years(moment: datetime, years: int) -> datetime:
    """The same calendar moment `years` later (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def add_months(moment: datetime, months: int) -> datetime:
    """The same calendar moment `months` later (clamped to the month's last day)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Term:
    """A listing's term: when its continuous run began and when it ends."""

    chain_start: datetime
    ends_at: datetime


def term_for(
    ground: Ground,
    starts_at: datetime,
    terms: Terms,
    term_months: int | None = None,
    current: Term | None = None,
) -> Term:
    """The term a listing approved at `starts_at` runs; re-listed during a term, the run is extended.

    办法: 对惩戒期限内多次纳入惩戒名单的，连续执行惩戒期限不得超过5年 — the new end is the later of
    the current end and the new term's, never beyond 5 years from the start of the continuous run.
    """
    months = term_months if term_months is not None else terms.years(ground) * 12
    own_end = add_months(starts_at, months)
    if current is None or current.ends_at <= starts_at:
        chain_start = starts_at
        end = own_end
    else:
        chain_start = current.chain_start
        end = max(current.ends_at, own_end)
    return Term(chain_start, min(end, add_years(chain_start, MAX_CONTINUOUS_YEARS)))


def in_force(status: ListingStatus, ends_at: datetime, now: datetime) -> bool:
    """Whether a listing's measures apply now: approved, not lifted, and within its term."""
    return status is ListingStatus.ACTIVE and now < ends_at


class CreditMeasure(StrEnum):
    """The measures per sector (AFL 31¶2; 办法 金融惩戒、电信网络惩戒、信用惩戒)."""

    BANK = "restrict_non_counter"
    PAYMENT = "stop_payment_account"
    TELECOM = "restrict_cards_keep_basic"
    INTERNET = "restrict_risky_functions"


# What each institution is told to do, with what stays allowed (基本生活需要).
MEASURE_TEXTS: dict[CreditMeasure, tuple[str, str]] = {
    CreditMeasure.BANK: (
        "限制名下银行账户、数字人民币钱包的非柜面出金功能；既有约定的代扣代缴税款、社保、水电煤气费等除外",
        "Restrict non-counter outflows of bank accounts and e-CNY wallets; agreed deductions for taxes, "
        "social insurance and utilities still paid",
    ),
    CreditMeasure.PAYMENT: (
        "停止名下支付账户业务；支付账户余额向本人同名银行账户转账除外",
        "Stop the payment-account business; the balance may still go to the person's own bank account",
    ),
    CreditMeasure.TELECOM: (
        "限制名下电话卡、物联网卡等电信业务，保留一张基本通信电话卡",
        "Restrict the person's phone and IoT cards, keeping one basic line",
    ),
    CreditMeasure.INTERNET: (
        "限制名下互联网账号存在涉诈风险的功能和业务",
        "Restrict the risky functions of the person's internet accounts",
    ),
}
SECTOR_MEASURE: dict[OrgKind, CreditMeasure] = {
    OrgKind.BANK: CreditMeasure.BANK,
    OrgKind.PAYMENT: CreditMeasure.PAYMENT,
    OrgKind.TELECOM: CreditMeasure.TELECOM,
    OrgKind.INTERNET: CreditMeasure.INTERNET,
}
# Every institution, at its counter: no new accounts or cards (AFL 31¶2 暂停新业务、限制入网), by is_listed.
NO_NEW_BUSINESS = (
    "各银行、支付机构、电信业务经营者暂停为其新开立账户、支付账户、电话卡（开户时查询名单）",
    "No new bank or payment accounts or phone cards anywhere (checked at the counter against the list)",
)
# The credit measure: the list is shared with the credit platform (湖南省社会信用条例; 办法 信用惩戒).
CREDIT_SHARING = ("纳入严重失信主体名单并共享至信用信息平台", "Shared with the credit platform")
APPEAL_RIGHT = (
    "对认定和惩戒措施有异议的，可以向作出认定的公安机关提出申诉（第二十九条第二款；反电信网络诈骗法第三十一条第二款）",
    "You may appeal the determination and the measures to the deciding police unit (Art 29¶2; AFL Art 31¶2)",
)


def expiry_window(ends_at: datetime, now: datetime) -> timedelta:
    """How long a listing still runs (zero once past)."""
    return max(ends_at - now, timedelta(0))
