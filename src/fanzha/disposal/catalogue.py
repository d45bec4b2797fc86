"""The measure catalogue: what may be ordered on which object, by which trigger, on which article. Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from fanzha.core.errors import ValidationFailed
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.samples.domain import RiskLevel as RiskLevel  # the alert's risk: the samples' own grades


class Measure(StrEnum):
    """What an institution is ordered to do to an object."""

    REVERIFY = "reverify"
    RESTRICT = "restrict"
    SUSPEND = "suspend"
    DELAY_SETTLEMENT = "delay_settlement"
    SUSPEND_BUSINESS = "suspend_business"
    RECTIFY = "rectify"
    CLOSE_ACCOUNT = "close_account"
    BAN_REREGISTRATION = "ban_reregistration"
    ASSOCIATED_REVERIFY = "associated_reverify"
    ASSOCIATED_RESTRICT = "associated_restrict"
    BLOCK_LINK = "block_link"
    CLOSE_SITE = "close_site"
    TAKE_DOWN_APP = "take_down_app"
    RELEASE = "release"
    # Joint punishment (Art 29¶2, AFL 31¶2), decided as a listing in fanzha.credit: one per sector.
    RESTRICT_NON_COUNTER = "restrict_non_counter"
    STOP_PAYMENT_ACCOUNT = "stop_payment_account"
    RESTRICT_CARDS_KEEP_BASIC = "restrict_cards_keep_basic"
    RESTRICT_RISKY_FUNCTIONS = "restrict_risky_functions"
    # Art 11: voice lines, trunks and SMS ports (by their number), re-verified then restricted or stopped.
    REVERIFY_LINE = "reverify_line"
    RESTRICT_LINE = "restrict_line"
    STOP_LINE = "stop_line"
    # Art 33: a wallet, through the exchange or platform that serves it.
    STOP_EXCHANGE = "stop_exchange"


MEASURE_LABELS: dict[Measure, tuple[str, str]] = {
    Measure.REVERIFY: ("重新核验身份", "Re-verify identity"),
    Measure.RESTRICT: ("限制功能", "Restrict functions"),
    Measure.SUSPEND: ("暂停使用", "Suspend"),
    Measure.DELAY_SETTLEMENT: ("延迟支付结算", "Delay settlement"),
    Measure.SUSPEND_BUSINESS: ("中止业务", "Suspend business"),
    Measure.RECTIFY: ("限期改正", "Rectify within a time limit"),
    Measure.CLOSE_ACCOUNT: ("关闭账号", "Close account"),
    Measure.BAN_REREGISTRATION: ("禁止重新注册", "Ban re-registration"),
    Measure.ASSOCIATED_REVERIFY: ("关联注册账号重新核验", "Re-verify accounts registered with it"),
    Measure.ASSOCIATED_RESTRICT: ("限制关联注册账号功能", "Restrict accounts registered with it"),
    Measure.BLOCK_LINK: ("封堵链接", "Block link"),
    Measure.CLOSE_SITE: ("关闭网站或应用", "Close site or app"),
    Measure.TAKE_DOWN_APP: ("下架应用程序", "Take down app"),
    Measure.RELEASE: ("解除处置措施", "Release (lift the measure)"),
    Measure.RESTRICT_NON_COUNTER: ("限制非柜面出金（代扣税费社保水电除外）", "Restrict non-counter outflows"),
    Measure.STOP_PAYMENT_ACCOUNT: (
        "停止支付账户业务（余额转本人银行账户除外）",
        "Stop payment-account business",
    ),
    Measure.RESTRICT_CARDS_KEEP_BASIC: (
        "限制电话卡（保留一张基本通信卡）",
        "Restrict cards, keep one basic line",
    ),
    Measure.RESTRICT_RISKY_FUNCTIONS: ("限制互联网账号涉诈风险功能", "Restrict risky account functions"),
    Measure.REVERIFY_LINE: (
        "重新核验线路使用者身份和使用场景",
        "Re-verify the line user's identity and usage scenario",
    ),
    Measure.RESTRICT_LINE: ("限制线路使用（限量、限范围）", "Restrict the line (volume, destinations)"),
    Measure.STOP_LINE: ("停止线路或端口接入", "Stop the line or port"),
    Measure.STOP_EXCHANGE: (
        "停止为该钱包提供法定货币与虚拟货币兑换、买卖服务",
        "Stop fiat-crypto exchange for the wallet",
    ),
}


class Routing(StrEnum):
    """How the responsible institution is found for a catalogue entry."""

    TABLE = "table"  # the routing tables name the institution (segment, BIN, platform, domain, app)
    SECTOR = "sector"  # any institution of the sector (accounts registered with a number, Art 20¶2)


class Trigger(StrEnum):
    """What gives rise to an order; each allows only the measures its article grants."""

    SAMPLE = "sample_notified"  # Art 28¶1: a sample the provincial police notified
    ALERT = "monitoring_alert"  # Art 13, 18¶3, 20¶1, 23¶1: the institution's or police monitoring
    REVERIFY_FAILED = "reverify_failed"  # Art 13, 18¶3, 20¶2: re-verification failed or not done in time
    FRAUD_PAYEE = "fraud_payee"  # Art 18¶4: the payee of a transfer is a fraud account
    ASSOCIATED = "associated_account"  # Art 20¶2: registered with a case- or fraud-involved account
    UNLICENSED = "unlicensed_notice"  # Art 23¶2: an unlicensed site or app the departments notify
    JOINT_PUNISHMENT = "joint_punishment"  # Art 29, AFL 31¶2: a determination by a city-level unit or above
    APPEAL_UPHELD = "appeal_upheld"  # Art 34¶2: the appeal was upheld, the measure is lifted


TRIGGER_LABELS: dict[Trigger, tuple[str, str]] = {
    Trigger.SAMPLE: ("省公安机关通报的涉诈样本", "Sample notified by the provincial police"),
    Trigger.ALERT: ("监测识别的异常", "Monitoring alert"),
    Trigger.REVERIFY_FAILED: ("核验未通过或未按规定核验", "Re-verification failed or late"),
    Trigger.FRAUD_PAYEE: ("转账收款方为涉诈账户", "Payee is a fraud account"),
    Trigger.ASSOCIATED: ("与涉案、涉诈账号关联注册", "Registered with a fraud-involved account"),
    Trigger.UNLICENSED: ("未办理许可或备案且存在涉诈异常", "Unlicensed site or app with fraud signs"),
    Trigger.JOINT_PUNISHMENT: ("联合惩戒认定", "Joint punishment determination"),
    Trigger.APPEAL_UPHELD: ("申诉核查通过", "Appeal upheld"),
}
# Triggers only the platform itself gives: a follow-up of a re-verification, a release on appeal.
SYSTEM_TRIGGERS = frozenset({Trigger.REVERIFY_FAILED, Trigger.APPEAL_UPHELD})


# Art 13 根据风险等级采取有区别的核验措施: the time allowed for re-verification (a setting, hours).
REVERIFY_HOURS: dict[RiskLevel, int] = {RiskLevel.HIGH: 2, RiskLevel.MEDIUM: 24, RiskLevel.LOW: 72}


@dataclass(frozen=True)
class MeasureRule:
    """One measure allowed on one kind of object upon one trigger, with its article and default deadline.

    `grant` is the phrase of the article that grants the measure (checked against the text in tests).
    """

    kind: IdentifierKind
    measure: Measure
    institution: OrgKind
    trigger: Trigger
    article: str
    grant: str
    deadline: timedelta
    routing: Routing = Routing.TABLE


_K, _M, _O, _T = IdentifierKind, Measure, OrgKind, Trigger
_MIN, _HOUR = timedelta(minutes=1), timedelta(hours=1)
# Art 28¶1 有关单位应当按照公安机关要求，即时采取限制、暂停服务等处置措施.
_AT_ONCE = "即时采取限制、暂停服务等处置措施"


def _rules() -> tuple[MeasureRule, ...]:
    rules: list[MeasureRule] = []

    def add(
        kind: IdentifierKind,
        institution: OrgKind,
        trigger: Trigger,
        article: str,
        measures: tuple[tuple[Measure, str, timedelta], ...],
        routing: Routing = Routing.TABLE,
    ) -> None:
        for measure, grant, deadline in measures:
            rules.append(MeasureRule(kind, measure, institution, trigger, article, grant, deadline, routing))

    # Phone cards. Art 13: a monitored abnormal card is re-verified by risk level; only a card not
    # re-verified in time or failing it is restricted or suspended.
    add(_K.PHONE, _O.TELECOM, _T.ALERT, "第十三条", ((_M.REVERIFY, "重新进行实名核验", 24 * _HOUR),))
    add(
        _K.PHONE,
        _O.TELECOM,
        _T.REVERIFY_FAILED,
        "第十三条",
        (
            (_M.RESTRICT, "限制、暂停有关电话卡功能", 30 * _MIN),
            (_M.SUSPEND, "限制、暂停有关电话卡功能", 30 * _MIN),
        ),
    )
    # Voice lines, trunks and SMS ports. Art 11: on abnormal use the operator that gave the line access
    # re-verifies the user's identity and usage scenario and acts on the result. Lines are not routed by
    # number segment: the issuer names the operator (line_records.operator_code).
    add(
        _K.PHONE,
        _O.TELECOM,
        _T.ALERT,
        "第十一条",
        ((_M.REVERIFY_LINE, "重新核验使用者身份和使用场景", 24 * _HOUR),),
        Routing.SECTOR,
    )
    add(
        _K.PHONE,
        _O.TELECOM,
        _T.REVERIFY_FAILED,
        "第十一条",
        (
            (_M.RESTRICT_LINE, "根据核验结果采取相应处置措施", 30 * _MIN),
            (_M.STOP_LINE, "根据核验结果采取相应处置措施", 30 * _MIN),
        ),
        Routing.SECTOR,
    )
    # Art 28¶1: a notified sample is restricted or suspended at once.
    add(
        _K.PHONE,
        _O.TELECOM,
        _T.SAMPLE,
        "第二十八条第一款",
        ((_M.RESTRICT, _AT_ONCE, 30 * _MIN), (_M.SUSPEND, _AT_ONCE, 30 * _MIN)),
    )
    # Art 20¶2: platforms re-verify the accounts registered with a fraud number, and restrict them by
    # risk once that re-verification failed or is late.
    add(
        _K.PHONE,
        _O.INTERNET,
        _T.ASSOCIATED,
        "第二十条第二款",
        ((_M.ASSOCIATED_REVERIFY, "所关联注册的互联网账号重新进行核验", 24 * _HOUR),),
        Routing.SECTOR,
    )
    add(
        _K.PHONE,
        _O.INTERNET,
        _T.REVERIFY_FAILED,
        "第二十条第二款",
        ((_M.ASSOCIATED_RESTRICT, "限制功能", 2 * _HOUR),),
        Routing.SECTOR,
    )
    # Bank cards and payment accounts.
    for kind, institution in ((_K.BANK_CARD, _O.BANK), (_K.PAYMENT_ACCOUNT, _O.PAYMENT)):
        # Art 18¶3: an abnormal account is re-verified at once; only when suspicion remains, the measures
        # by risk level.
        add(
            kind,
            institution,
            _T.ALERT,
            "第十八条第三款",
            ((_M.REVERIFY, "立即重新核验客户身份", 24 * _HOUR),),
        )
        add(
            kind,
            institution,
            _T.REVERIFY_FAILED,
            "第十八条第三款",
            (
                (_M.DELAY_SETTLEMENT, "延迟支付结算", 10 * _MIN),
                (_M.RESTRICT, "限制账户功能", 30 * _MIN),
                (_M.SUSPEND_BUSINESS, "中止业务", 30 * _MIN),
            ),
        )
        # Art 18¶4: a transfer to a fraud account is delayed, restricted or stopped directly.
        add(
            kind,
            institution,
            _T.FRAUD_PAYEE,
            "第十八条第四款",
            (
                (_M.DELAY_SETTLEMENT, "有权直接采取延迟支付结算", 10 * _MIN),
                (_M.RESTRICT, "限制或者中止有关业务", 30 * _MIN),
                (_M.SUSPEND_BUSINESS, "限制或者中止有关业务", 30 * _MIN),
            ),
        )
        add(
            kind,
            institution,
            _T.SAMPLE,
            "第二十八条第一款",
            ((_M.RESTRICT, _AT_ONCE, 30 * _MIN), (_M.SUSPEND_BUSINESS, _AT_ONCE, 30 * _MIN)),
        )
    # Internet accounts. Art 20¶1: dynamic identity verification; Art 20¶2: accounts registered with a fraud
    # account are re-verified, then by risk rectified, restricted, suspended, closed, banned.
    add(
        _K.INTERNET_ACCOUNT, _O.INTERNET, _T.ALERT, "第二十条第一款", ((_M.REVERIFY, "动态核验", 24 * _HOUR),)
    )
    add(
        _K.INTERNET_ACCOUNT,
        _O.INTERNET,
        _T.ASSOCIATED,
        "第二十条第二款",
        ((_M.REVERIFY, "重新进行核验", 24 * _HOUR),),
    )
    add(
        _K.INTERNET_ACCOUNT,
        _O.INTERNET,
        _T.REVERIFY_FAILED,
        "第二十条第二款",
        (
            (_M.RECTIFY, "限期改正", 72 * _HOUR),
            (_M.RESTRICT, "限制功能", 2 * _HOUR),
            (_M.SUSPEND, "暂停使用", 2 * _HOUR),
            (_M.CLOSE_ACCOUNT, "关闭账号", 24 * _HOUR),
            (_M.BAN_REREGISTRATION, "禁止重新注册", 24 * _HOUR),
        ),
    )
    add(
        _K.INTERNET_ACCOUNT,
        _O.INTERNET,
        _T.SAMPLE,
        "第二十八条第一款",
        ((_M.RESTRICT, _AT_ONCE, 2 * _HOUR), (_M.SUSPEND, _AT_ONCE, 2 * _HOUR)),
    )
    # A person (by the keyed token of the ID number: the platform never holds the number, Art 9).
    # Art 20¶2: platforms re-verify the accounts the holder of a fraud account registered (automatic),
    # and restrict them only when that fails or is late.
    add(
        _K.RESIDENT_ID,
        _O.INTERNET,
        _T.ASSOCIATED,
        "第二十条第二款",
        ((_M.ASSOCIATED_REVERIFY, "所关联注册的互联网账号重新进行核验", 24 * _HOUR),),
        Routing.SECTOR,
    )
    add(
        _K.RESIDENT_ID,
        _O.INTERNET,
        _T.REVERIFY_FAILED,
        "第二十条第二款",
        ((_M.ASSOCIATED_RESTRICT, "限制功能", 2 * _HOUR),),
        Routing.SECTOR,
    )
    # Art 29¶2 相关业务限制办理 (AFL 31¶2 停止非柜面业务、暂停新业务、限制入网): restricting a person's
    # accounts across institutions is joint punishment, decided as a listing on the serious-dishonesty
    # list by a police unit at city level or above (fanzha.credit), one measure per sector, keeping basic
    # services; never an order issued by hand.
    for institution, measure in (
        (_O.BANK, _M.RESTRICT_NON_COUNTER),
        (_O.PAYMENT, _M.STOP_PAYMENT_ACCOUNT),
        (_O.TELECOM, _M.RESTRICT_CARDS_KEEP_BASIC),
        (_O.INTERNET, _M.RESTRICT_RISKY_FUNCTIONS),
    ):
        add(
            _K.RESIDENT_ID,
            institution,
            _T.JOINT_PUNISHMENT,
            "第二十九条第二款",
            ((measure, "相关业务限制办理", 2 * _HOUR),),
            Routing.SECTOR,
        )
    # URLs, domains and apps. Art 23¶1: on monitoring, operators and platforms block, close, take down;
    # Art 23¶2: the police, telecom and cyberspace departments notify them of unlicensed ones.
    link_measures: dict[IdentifierKind, tuple[tuple[Measure, str, timedelta], ...]] = {
        _K.URL: (
            (_M.BLOCK_LINK, "封堵下载链接", 2 * _HOUR),
            (_M.CLOSE_SITE, "关闭网站或者应用程序", 24 * _HOUR),
        ),
        _K.DOMAIN: (
            (_M.BLOCK_LINK, "封堵下载链接", 2 * _HOUR),
            (_M.CLOSE_SITE, "关闭网站或者应用程序", 24 * _HOUR),
        ),
        _K.APP: (
            (_M.BLOCK_LINK, "封堵下载链接", 2 * _HOUR),
            (_M.CLOSE_SITE, "关闭网站或者应用程序", 24 * _HOUR),
            (_M.TAKE_DOWN_APP, "下架应用程序", 24 * _HOUR),
        ),
    }
    # Wallets. Art 33: no one exchanges fraud money between yuan and virtual currency; the exchange or
    # platform that serves the wallet (routing table "wallet") stops serving it, at once for a sample.
    add(
        _K.WALLET,
        _O.INTERNET,
        _T.ALERT,
        "第三十三条",
        ((_M.STOP_EXCHANGE, "不得在境内为涉诈资金转移提供法定货币与虚拟货币之间的兑换、买卖", 2 * _HOUR),),
    )
    add(_K.WALLET, _O.INTERNET, _T.SAMPLE, "第二十八条第一款", ((_M.STOP_EXCHANGE, _AT_ONCE, 30 * _MIN),))
    for kind, measures in link_measures.items():
        for institution in (_O.INTERNET, _O.TELECOM):
            add(kind, institution, _T.ALERT, "第二十三条第一款", measures)
            add(kind, institution, _T.UNLICENSED, "第二十三条第二款", measures)
            # Art 28¶1: a notified sample's link is blocked at once (a restriction of the service).
            add(kind, institution, _T.SAMPLE, "第二十八条第一款", ((_M.BLOCK_LINK, _AT_ONCE, 2 * _HOUR),))
    return tuple(rules)


CATALOGUE: tuple[MeasureRule, ...] = _rules()
_BY_KEY = {(r.kind, r.measure, r.institution, r.trigger): r for r in CATALOGUE}
# Art 34¶2: 核查通过的，应当即时解除: lifting a measure once an appeal is upheld is immediate.
RELEASE_DEADLINE = 30 * _MIN
RELEASE_ARTICLE = "第三十四条第二款"
RELEASE_GRANT = "即时解除"


def rules_for(kind: IdentifierKind) -> list[MeasureRule]:
    """Every measure the provisions allow on `kind`."""
    return [r for r in CATALOGUE if r.kind == kind]


def rule_for(
    kind: IdentifierKind,
    measure: Measure,
    institution: OrgKind,
    trigger: Trigger,
    overrides: dict[str, int] | None = None,
) -> MeasureRule:
    """The catalogue entry, or a clear refusal when the measure, trigger or institution does not fit."""
    if measure is Measure.RELEASE:
        if trigger is not Trigger.APPEAL_UPHELD:
            raise ValidationFailed(
                f"解除处置措施须以申诉核查通过为前提（{RELEASE_ARTICLE}）",
                f"A release follows an upheld appeal ({RELEASE_ARTICLE})",
                field="trigger",
            )
        return MeasureRule(
            kind, measure, institution, trigger, RELEASE_ARTICLE, RELEASE_GRANT, RELEASE_DEADLINE
        )
    rule = _BY_KEY.get((kind, measure, institution, trigger))
    if rule is None:
        allowed = [r for r in CATALOGUE if r.kind == kind and r.measure == measure]
        label = MEASURE_LABELS[measure][0]
        if not allowed:
            raise ValidationFailed(
                f"「{label}」不适用于{kind.label_zh}",
                f"Measure {measure} is not allowed for a {kind.label_en.lower()}",
                field="measure",
            )
        on_trigger = [r for r in allowed if r.trigger == trigger]
        if not on_trigger:
            bases = sorted({(r.article, r.trigger) for r in allowed})
            zh = "；".join(f"{a}：{TRIGGER_LABELS[t][0]}" for a, t in bases)
            en = "; ".join(f"{a}: {t}" for a, t in bases)
            raise ValidationFailed(
                f"对{kind.label_zh}采取「{label}」不能以「{TRIGGER_LABELS[trigger][0]}」为依据，"
                f"须具备下列情形之一：{zh}",
                f"Measure {measure} on a {kind.label_en.lower()} cannot follow {trigger}; it needs {en}",
                field="trigger",
            )
        raise ValidationFailed(
            f"该机构不负责对{kind.label_zh}采取「{label}」",
            f"This institution is not responsible for {measure} on a {kind.label_en.lower()}",
            field="org_id",
        )
    minutes = (overrides or {}).get(f"{kind}.{measure}")
    if minutes is not None:
        return replace(rule, deadline=minutes * _MIN)
    return rule


def reverify_deadline(risk: RiskLevel, hours: dict[RiskLevel, int] | None = None) -> timedelta:
    """Art 13, 18¶3: the time allowed for a re-verification, by the alert's risk level."""
    return timedelta(hours=(hours or REVERIFY_HOURS)[risk])
