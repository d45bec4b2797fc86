"""Prevention rules, pure: the grounds to refuse a card (Art 10) or an account (Art 17), the call screen
(Art 12¶2), the ATM cash-out rules (Art 18¶2) and the tiered limit tables (Art 16).

Every refusal names its ground in the article's own words (Chinese), in English, and cites the article;
the words are checked against the shipped text (fanzha.law) by the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from fanzha.core.errors import ValidationFailed

DAY_S = 86_400
CARD_LIMIT_PER_OPERATOR = 5  # Art 10(一): the national limit (工信部), 5 cards per person per operator
ID_TOKEN = re.compile(r"[0-9a-f]{64}")  # a keyed HMAC-SM3 token as the platform computes it (Art 9)


@dataclass(frozen=True)
class Ground:
    """One ground of refusal: its code, the article's words, the article and the specifics."""

    code: str
    article: str  # 第十条 … as in fanzha.law
    item: str  # 第（一）项, or "" for a whole paragraph
    ground_zh: str  # the article's own words
    ground_en: str
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, str]:
        """The JSON-ready ground."""
        return {
            "code": self.code,
            "article": self.article + self.item,
            "ground_zh": self.ground_zh,
            "ground_en": self.ground_en,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass(frozen=True)
class Verdict:
    """The answer to an opening check: allow, or refuse on the grounds named."""

    grounds: tuple[Ground, ...] = ()

    @property
    def outcome(self) -> Literal["allow", "refuse"]:
        """refuse when any ground holds (Art 10, 17: 有权按照规定拒绝)."""
        return "refuse" if self.grounds else "allow"

    def as_dict(self) -> dict[str, object]:
        """The JSON-ready verdict."""
        return {
            "outcome": self.outcome,
            "grounds": [g.as_dict() for g in self.grounds],
            "legal_basis": sorted({g.article + g.item for g in self.grounds}),
            "message_zh": "；".join(g.reason_zh for g in self.grounds) or "未发现拒绝办理的情形",
            "message_en": "; ".join(g.reason_en for g in self.grounds) or "No ground to refuse",
        }


def check_id_token(value: object, field_name: str) -> str:
    """A 64-hex keyed token, lower case; anything else refused naming the field (Art 9: never raw IDs)."""
    if not isinstance(value, str) or not ID_TOKEN.fullmatch(value):
        raise ValidationFailed(
            f"「{field_name}」应为 64 位小写十六进制的身份证号令牌（HMAC-SM3），不接受明文或其他格式",
            f"'{field_name}' must be a 64-character lower-case hex ID token (HMAC-SM3)",
            field=field_name,
        )
    return value


# --- Art 10: card opening --------------------------------------------------------------------------

_A10 = "第十条"


@dataclass(frozen=True)
class BurstRule:
    """Art 10(三) configured: people aged min_age..max_age who opened `cards` or more within `days`."""

    min_age: int
    max_age: int
    cards: int
    days: int


def card_grounds(
    per_operator: dict[str, int],
    operator: str,
    limit_per_operator: int,
    limit_total: int | None,
    unverified_fraud_cards: int,
    listed: Sequence[str],
    age: int | None,
    opened_times: Sequence[float],
    now: float,
    bursts: Sequence[BurstRule],
) -> Verdict:
    """The Art 10 grounds for a person who asks `operator` for one more card."""
    grounds: list[Ground] = []
    held_here = per_operator.get(operator, 0)
    total = sum(per_operator.values())
    # Art 10(一): one more card would exceed the national limit (per operator, and a total if set).
    if held_here + 1 > limit_per_operator or (limit_total is not None and total + 1 > limit_total):
        grounds.append(
            Ground(
                "card_limit",
                _A10,
                "第（一）项",
                "持有的电话卡总数已超出国家规定的限制数量",
                "the cards held exceed the national limit",
                f"已在本运营商持有 {held_here} 张、全部运营商共 {total} 张电话卡，"
                f"再办将超过每家运营商 {limit_per_operator} 张的限制（第十条第（一）项）",
                f"holds {held_here} cards with this operator and {total} in all; one more exceeds "
                f"the limit of {limit_per_operator} per operator (Art 10(1))",
            )
        )
    # Art 10(二): a fraud card in their name that has not passed re-verification (disposal records).
    if unverified_fraud_cards > 0:
        grounds.append(
            Ground(
                "fraud_card_unverified",
                _A10,
                "第（二）项",
                "其名下存在涉诈电话卡且未通过重新核验",
                "holds a fraud-involved card not yet re-verified",
                f"名下有 {unverified_fraud_cards} 张涉诈电话卡未通过重新核验（第十条第（二）项）",
                f"holds {unverified_fraud_cards} fraud-involved card(s) not re-verified (Art 10(2))",
            )
        )
    grounds.extend(configured_grounds(_A10, "第（三）项", listed))
    # Art 10(三) configured: an age band opening many cards within days (cards bought for fraud).
    if age is not None:
        for rule in bursts:
            recent = sum(1 for t in opened_times if now - rule.days * DAY_S < t <= now)
            if rule.min_age <= age <= rule.max_age and recent + 1 > rule.cards:
                grounds.append(
                    Ground(
                        "age_band_burst",
                        _A10,
                        "第（三）项",
                        "国家规定的其他情形",
                        "other circumstances set by the state",
                        f"{rule.min_age}-{rule.max_age} 岁人员 {rule.days} 天内已开卡 {recent} 张，"
                        f"再办将超过 {rule.cards} 张（第十条第（三）项，配置规则）",
                        f"aged {rule.min_age}-{rule.max_age} with {recent} cards opened in "
                        f"{rule.days} days; one more exceeds {rule.cards} (Art 10(3), configured)",
                    )
                )
                break
    return Verdict(tuple(grounds))


def configured_grounds(article: str, item: str, listed: Sequence[str]) -> list[Ground]:
    """Art 10(三) / 17(五) 国家规定的其他情形: the person is on a configured list (e.g. joint punishment)."""
    return [
        Ground(
            f"listed:{name}",
            article,
            item,
            "国家规定的其他情形",
            "other circumstances set by the state",
            f"列入「{name}」名单（{article}{item}）",
            f"on the list '{name}' ({'Art 10(3)' if article == _A10 else 'Art 17(5)'})",
        )
        for name in listed
    ]


# --- Art 10(二): fraud-involved card status from the disposal records -------------------------------


@dataclass(frozen=True)
class OrderFact:
    """What the disposal records say about one order on a phone card."""

    created_at: float
    reverify: bool  # a re-verification order (Art 13)
    status: str  # disposal OrderStatus value
    verification: str | None  # passed | failed, on executed re-verifications


_LIFTED = {"released", "refused", "object_not_found"}  # nothing stands on the card from these


def unverified_fraud_card(orders: Iterable[OrderFact]) -> bool:
    """Whether a card is fraud-involved (an order stands on it) with no passed re-verification since.

    Art 10(二) reads the disposal records, not alerts: an order in force makes the card fraud-involved;
    a re-verification executed as passed after the last other order clears it (Art 13).
    """
    last_involved: float | None = None
    last_passed: float | None = None
    for o in orders:
        if o.status in _LIFTED:
            continue
        if o.reverify and o.status == "executed" and o.verification == "passed":
            last_passed = o.created_at if last_passed is None else max(last_passed, o.created_at)
        elif last_involved is None or o.created_at > last_involved:
            last_involved = o.created_at
    if last_involved is None:
        return False
    return last_passed is None or last_passed < last_involved


# --- Art 17: account opening -----------------------------------------------------------------------

_A17 = "第十七条"


@dataclass(frozen=True)
class AccountApplication:
    """What the bank or payment institution knows at the counter (its own inputs, Art 16, 17)."""

    refuses_identity: bool = False  # 17(一): the institution's own flag
    uses_others_identity: bool = False  # 17(二): the institution's own finding
    fits_profile: bool = True  # 17(三): due diligence — fits identity, job and needs
    explained: bool = False  # 17(三): a reasonable explanation was given
    institution_suspects: bool = False  # 17(四): the institution's own suspicion


@dataclass(frozen=True)
class LinkCounts:
    """New accounts sharing this application's device, contact or address within the window."""

    device: int = 0
    contact: int = 0
    address: int = 0


def account_grounds(
    app: AccountApplication,
    links: LinkCounts,
    link_limit: int,
    link_days: int,
    sample_hits: Sequence[str],
    alerts: int,
    listed: Sequence[str],
) -> Verdict:
    """The five Art 17 grounds for one application."""
    g: list[Ground] = []
    if app.refuses_identity:
        g.append(
            Ground(
                "refuses_identity",
                _A17,
                "第（一）项",
                "拒不配合身份识别的",
                "refuses to cooperate with identity checks",
                "申请人拒不配合身份识别（第十七条第（一）项）",
                "the applicant refuses identity checks (Art 17(1))",
            )
        )
    shared = [(n, zh, en) for n, zh, en in _link_names(links) if n + 1 > link_limit]
    if app.uses_others_identity or shared:
        zh = "、".join(f"同一{name_zh}近 {link_days} 天已关联 {n} 个新开账户" for n, name_zh, _ in shared)
        en = ", ".join(
            f"{n} new accounts share its {name_en} in {link_days} days" for n, _, name_en in shared
        )
        g.append(
            Ground(
                "organised_or_others_identity",
                _A17,
                "第（二）项",
                "组织他人开户或者使用他人身份信息开户",
                "organises others to open accounts or uses another's identity",
                (zh or "机构核实为使用他人身份信息") + "（第十七条第（二）项）",
                (en or "the institution found another's identity used") + " (Art 17(2))",
            )
        )
    if not app.fits_profile and not app.explained:
        g.append(
            Ground(
                "does_not_fit",
                _A17,
                "第（三）项",
                "开户业务与其身份、职业、资金需求等明显不符，且无法作出合理解释的",
                "the account clearly does not fit identity, job or needs, without explanation",
                "尽职调查显示开户需求与身份、职业、资金需求明显不符且无合理解释（第十七条第（三）项）",
                "due diligence: the account does not fit the person and is unexplained (Art 17(3))",
            )
        )
    if app.institution_suspects or sample_hits or alerts > 0:
        parts = [f"涉诈样本（{'、'.join(sample_hits)}）"] if sample_hits else []
        parts += [f"{alerts} 条监测预警"] if alerts else []
        parts += ["机构核查"] if app.institution_suspects else []
        g.append(
            Ground(
                "suspected_crime",
                _A17,
                "第（四）项",
                "有明显理由怀疑其开立账户从事或者拟从事违法犯罪活动的",
                "clear reason to suspect the account is for crime",
                "依据" + "、".join(parts) + "有明显理由怀疑（第十七条第（四）项）",
                f"samples {list(sample_hits)}, {alerts} alerts, institution's finding "
                f"{app.institution_suspects} (Art 17(4))",
            )
        )
    g.extend(configured_grounds(_A17, "第（五）项", listed))
    return Verdict(tuple(g))


def _link_names(links: LinkCounts) -> list[tuple[int, str, str]]:
    return [
        (links.device, "设备", "device"),
        (links.contact, "联系方式", "contact"),
        (links.address, "地址", "address"),
    ]


# --- Art 12¶2: call-time screen --------------------------------------------------------------------

_A12 = "第十二条第二款"
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_CN_MOBILE = re.compile(r"\+861[3-9]\d{9}")
_CN_FIXED = re.compile(r"\+86[2-9]\d{8,10}")


@dataclass(frozen=True)
class CallVerdict:
    """block | label (deliver with a warning, 标注) | deliver, with the reasons."""

    action: Literal["block", "label", "deliver"]
    reasons: tuple[tuple[str, str, str], ...] = field(default=())  # (code, zh, en)

    def as_dict(self) -> dict[str, object]:
        """The JSON-ready verdict."""
        return {
            "action": self.action,
            "label_zh": "疑似诈骗电话，请谨慎接听" if self.action == "label" else "",
            "label_en": "Suspected fraud call: answer with care" if self.action == "label" else "",
            "rules": [r[0] for r in self.reasons],
            "reasons_zh": [r[1] for r in self.reasons] or ["未发现异常"],
            "reasons_en": [r[2] for r in self.reasons] or ["Nothing unusual"],
            "legal_basis": [_A12] if self.reasons else [],
        }


def screen_call(
    caller: str, via_international: bool, risky_prefixes: Sequence[str], is_sample: bool
) -> CallVerdict:
    """Art 12¶2: block spoofed and irregular callers and sample numbers; label high-risk overseas ranges."""
    reasons: list[tuple[str, str, str]] = []
    block = False
    compact = caller.replace(" ", "").replace("-", "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _E164.fullmatch(compact) or (
        compact.startswith("+86") and not (_CN_MOBILE.fullmatch(compact) or _CN_FIXED.fullmatch(compact))
    ):
        block = True  # 不规范主叫: no valid number can be called back
        reasons.append(
            (
                "irregular_caller",
                "主叫号码格式不规范（第十二条第二款）",
                "irregular caller number (Art 12(2))",
            )
        )
    elif compact.startswith("+86") and via_international:
        block = True  # 虚假主叫: a mainland number cannot arrive from an international gateway
        reasons.append(
            (
                "spoofed_caller",
                "境内号码经国际出口局呼入，疑似虚假主叫（第十二条第二款）",
                "a mainland number arriving from abroad: spoofed (Art 12(2))",
            )
        )
    if is_sample:
        block = True  # 对公安机关通报的涉诈号码实施拦截
        reasons.append(
            (
                "sample_number",
                "公安机关通报的涉诈号码（第十二条第二款）",
                "a fraud number notified by the police (Art 12(2))",
            )
        )
    prefix = next((p for p in risky_prefixes if compact.startswith(p)), None)
    if prefix is not None:
        reasons.append(
            (
                "risky_overseas",
                f"来自境外电信网络诈骗活动严重地区（{prefix}）（第十二条第二款）",
                f"from a high-risk overseas range {prefix} (Art 12(2))",
            )
        )
    if block:
        return CallVerdict("block", tuple(reasons))
    return CallVerdict("label" if reasons else "deliver", tuple(reasons))


# --- Art 18¶2: ATM cash-out ------------------------------------------------------------------------

_A18_2 = "第十八条第二款"
# Art 18¶2 对特殊正当取现需求，可采取指定取现地点、限制取现额度、开展在线复核等配套措施.
ALTERNATIVES: tuple[tuple[str, str, str], ...] = (
    ("set_place", "指定取现地点", "withdraw at a designated place"),
    ("lower_limit", "限制取现额度", "withdraw within a lower limit"),
    ("online_review", "开展在线复核", "pass an online review"),
)


@dataclass(frozen=True)
class Withdrawal:
    """One ATM withdrawal attempt as the ATM sees it."""

    at: float
    atm: str
    card: str  # card token
    face: str | None  # the face-recognition id, None when none was read
    face_covered: bool
    face_matches_holder: bool | None  # None: the bank cannot tell


def same_person(a: Withdrawal, b: Withdrawal) -> bool:
    """As the batch engine (AtmCashoutV1): the same face, or masked faces back to back."""
    return (a.face is not None and a.face == b.face) or (a.face_covered and b.face_covered)


def cards_in_a_row(recent: Iterable[Withdrawal], now: Withdrawal, row_s: float) -> int:
    """Distinct cards one person used at this ATM within row_s, the current one included."""
    cards = {now.card}
    for w in recent:
        if w.atm == now.atm and abs(now.at - w.at) <= row_s and same_person(w, now):
            cards.add(w.card)
    return len(cards)


def atm_grounds(
    now: Withdrawal, recent: Iterable[Withdrawal], row_s: float, many: int, lower_limit_fen: int
) -> dict[str, object]:
    """Art 18¶2: stop a withdrawal not by the holder, with the face covered, or with many cards in a row."""
    reasons: list[tuple[str, str, str]] = []
    if now.face_matches_holder is False:
        reasons.append(("not_holder", "非本人持卡取现", "not the card holder"))
    if now.face_covered:
        reasons.append(("face_covered", "遮挡面部取现", "face covered"))
    n = cards_in_a_row(recent, now, row_s)
    if n >= many:
        reasons.append(
            (
                "many_cards_in_a_row",
                f"同一人持多张银行卡连续取现（第 {n} 张）",
                f"one person with many cards in a row ({n})",
            )
        )
    stop = bool(reasons)
    return {
        "outcome": "stop" if stop else "allow",
        "rules": [r[0] for r in reasons],
        "reasons_zh": [r[1] + "（第十八条第二款）" for r in reasons] or ["未发现异常"],
        "reasons_en": [r[2] + " (Art 18(2))" for r in reasons] or ["Nothing unusual"],
        "legal_basis": [_A18_2] if stop else [],
        "cards_in_a_row": n,
        "alternatives": [
            {"code": c, "zh": zh, "en": en, **({"limit_fen": lower_limit_fen} if c == "lower_limit" else {})}
            for c, zh, en in ALTERNATIVES
        ]
        if stop
        else [],
    }
