"""Disposal orders: the measure catalogue with its legal basis, and the order state machine. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind


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
}


class Routing(StrEnum):
    """How the responsible institution is found for a catalogue entry."""

    TABLE = "table"  # the routing tables name the institution (segment, BIN, platform, domain, app)
    SECTOR = "sector"  # any institution of the sector (accounts registered with a number, Art 20¶2)


@dataclass(frozen=True)
class MeasureRule:
    """One measure allowed on one kind of object, with its legal basis and default deadline."""

    kind: IdentifierKind
    measure: Measure
    institution: OrgKind
    article: str
    deadline: timedelta
    routing: Routing = Routing.TABLE


_K, _M, _O = IdentifierKind, Measure, OrgKind
_MIN, _HOUR = timedelta(minutes=1), timedelta(hours=1)


def _rules() -> tuple[MeasureRule, ...]:
    rules: list[MeasureRule] = []
    # Art 13: abnormal phone card: re-verify by risk level, restrict or suspend when it fails.
    # Art 28¶1: on a sample the operator restricts or suspends at once (minutes).
    for measure, deadline in ((_M.REVERIFY, 24 * _HOUR), (_M.RESTRICT, 30 * _MIN), (_M.SUSPEND, 30 * _MIN)):
        rules.append(MeasureRule(_K.PHONE, measure, _O.TELECOM, "第十三条", deadline))
    # Art 20¶2: platforms re-verify and restrict the accounts registered with a fraud number.
    rules.append(
        MeasureRule(
            _K.PHONE, _M.ASSOCIATED_REVERIFY, _O.INTERNET, "第二十条第二款", 24 * _HOUR, Routing.SECTOR
        )
    )
    rules.append(
        MeasureRule(
            _K.PHONE, _M.ASSOCIATED_RESTRICT, _O.INTERNET, "第二十条第二款", 2 * _HOUR, Routing.SECTOR
        )
    )
    # Art 18¶3-4: banks and payment institutions re-verify, delay settlement, restrict, suspend business.
    for kind, institution in ((_K.BANK_CARD, _O.BANK), (_K.PAYMENT_ACCOUNT, _O.PAYMENT)):
        for measure, deadline in (
            (_M.REVERIFY, 24 * _HOUR),
            (_M.DELAY_SETTLEMENT, 10 * _MIN),
            (_M.RESTRICT, 30 * _MIN),
            (_M.SUSPEND_BUSINESS, 30 * _MIN),
        ):
            rules.append(MeasureRule(kind, measure, institution, "第十八条", deadline))
    # Associated restriction of a person's accounts, addressed by the holder's ID number: the institution
    # restricts every account that person holds with it (fanzha.disposal.holdings finds the institutions).
    # Art 18¶3: an account not cleared of fraud suspicion is restricted; a mule card's holder is restricted
    # at the payment institutions too. Art 20¶2: platforms restrict the accounts associated with it.
    rules.append(
        MeasureRule(
            _K.RESIDENT_ID, _M.ASSOCIATED_RESTRICT, _O.PAYMENT, "第十八条第三款", 30 * _MIN, Routing.SECTOR
        )
    )
    rules.append(
        MeasureRule(
            _K.RESIDENT_ID, _M.ASSOCIATED_RESTRICT, _O.INTERNET, "第二十条第二款", 2 * _HOUR, Routing.SECTOR
        )
    )
    # Art 20¶2: internet accounts: rectify, restrict, suspend, close, ban re-registration.
    for measure, deadline in (
        (_M.REVERIFY, 24 * _HOUR),
        (_M.RECTIFY, 72 * _HOUR),
        (_M.RESTRICT, 2 * _HOUR),
        (_M.SUSPEND, 2 * _HOUR),
        (_M.CLOSE_ACCOUNT, 24 * _HOUR),
        (_M.BAN_REREGISTRATION, 24 * _HOUR),
    ):
        rules.append(MeasureRule(_K.INTERNET_ACCOUNT, measure, _O.INTERNET, "第二十条第二款", deadline))
    # Art 23: URLs, domains and apps: block the link, close the site or app, take the app down.
    rules.append(MeasureRule(_K.URL, _M.BLOCK_LINK, _O.INTERNET, "第二十三条", 2 * _HOUR))
    rules.append(MeasureRule(_K.URL, _M.CLOSE_SITE, _O.INTERNET, "第二十三条", 24 * _HOUR))
    rules.append(MeasureRule(_K.DOMAIN, _M.BLOCK_LINK, _O.INTERNET, "第二十三条", 2 * _HOUR))
    rules.append(MeasureRule(_K.DOMAIN, _M.CLOSE_SITE, _O.INTERNET, "第二十三条", 24 * _HOUR))
    rules.append(MeasureRule(_K.APP, _M.BLOCK_LINK, _O.INTERNET, "第二十三条", 2 * _HOUR))
    rules.append(MeasureRule(_K.APP, _M.CLOSE_SITE, _O.INTERNET, "第二十三条", 24 * _HOUR))
    rules.append(MeasureRule(_K.APP, _M.TAKE_DOWN_APP, _O.INTERNET, "第二十三条", 24 * _HOUR))
    return tuple(rules)


CATALOGUE: tuple[MeasureRule, ...] = _rules()
_BY_KEY = {(r.kind, r.measure, r.institution): r for r in CATALOGUE}
# Art 34¶1-2: lifting a measure once an appeal is upheld is immediate.
RELEASE_DEADLINE = 30 * _MIN
RELEASE_ARTICLE = "第三十四条"


def rules_for(kind: IdentifierKind) -> list[MeasureRule]:
    """Every measure the provisions allow on `kind`."""
    return [r for r in CATALOGUE if r.kind == kind]


def rule_for(
    kind: IdentifierKind,
    measure: Measure,
    institution: OrgKind,
    overrides: dict[str, int] | None = None,
) -> MeasureRule:
    """The catalogue entry, or a clear refusal when the measure is not allowed on this object."""
    if measure is Measure.RELEASE:
        return MeasureRule(kind, measure, institution, RELEASE_ARTICLE, RELEASE_DEADLINE)
    rule = _BY_KEY.get((kind, measure, institution))
    if rule is None:
        if not any(r.kind == kind and r.measure == measure for r in CATALOGUE):
            raise ValidationFailed(
                f"「{MEASURE_LABELS[measure][0]}」不适用于{kind.label_zh}",
                f"Measure {measure} is not allowed for a {kind.label_en.lower()}",
                field="measure",
            )
        raise ValidationFailed(
            f"该机构不负责对{kind.label_zh}采取「{MEASURE_LABELS[measure][0]}」",
            f"This institution is not responsible for {measure} on a {kind.label_en.lower()}",
            field="org_id",
        )
    minutes = (overrides or {}).get(f"{kind}.{measure}")
    if minutes is not None:
        return MeasureRule(
            rule.kind, rule.measure, rule.institution, rule.article, minutes * _MIN, rule.routing
        )
    return rule


# The order state machine ------------------------------------------------------------------------


class OrderStatus(StrEnum):
    """issued → delivered → acknowledged → executed | object_not_found | refused; → released."""

    ISSUED = "issued"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    EXECUTED = "executed"
    OBJECT_NOT_FOUND = "object_not_found"
    REFUSED = "refused"
    RELEASED = "released"


STATUS_LABELS: dict[OrderStatus, tuple[str, str]] = {
    OrderStatus.ISSUED: ("已下发", "Issued"),
    OrderStatus.DELIVERED: ("已送达", "Delivered"),
    OrderStatus.ACKNOWLEDGED: ("已签收", "Acknowledged"),
    OrderStatus.EXECUTED: ("已执行", "Executed"),
    OrderStatus.OBJECT_NOT_FOUND: ("查无此对象", "Object not found"),
    OrderStatus.REFUSED: ("拒绝执行", "Refused"),
    OrderStatus.RELEASED: ("已解除", "Released"),
}

_S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.ISSUED: frozenset({_S.DELIVERED, _S.RELEASED}),
    _S.DELIVERED: frozenset({_S.ACKNOWLEDGED, _S.RELEASED}),
    _S.ACKNOWLEDGED: frozenset({_S.EXECUTED, _S.OBJECT_NOT_FOUND, _S.REFUSED, _S.RELEASED}),
    _S.EXECUTED: frozenset({_S.RELEASED}),
    _S.OBJECT_NOT_FOUND: frozenset(),
    _S.REFUSED: frozenset(),
    _S.RELEASED: frozenset(),
}
OPEN = frozenset({_S.ISSUED, _S.DELIVERED, _S.ACKNOWLEDGED})
FINAL = frozenset({_S.OBJECT_NOT_FOUND, _S.REFUSED, _S.RELEASED})
# Statuses an institution may report in a receipt.
RECEIPT_STATUSES = frozenset({_S.ACKNOWLEDGED, _S.EXECUTED, _S.OBJECT_NOT_FOUND, _S.REFUSED})


def in_force(status: OrderStatus, measure: Measure) -> bool:
    """Whether the measure of an order in `status` restricts the object now."""
    return status is OrderStatus.EXECUTED and measure is not Measure.RELEASE


def path_to(current: OrderStatus, target: OrderStatus) -> list[OrderStatus]:
    """The steps from `current` to `target`, one legal transition each; Conflict when unreachable.

    A receipt "executed" on a delivered order records acknowledged first: no state is skipped.
    """
    # The shortest walk through the graph: every step is one legal transition.
    paths: dict[OrderStatus, list[OrderStatus]] = {current: []}
    frontier = [current]
    while frontier and target not in paths:
        nxt: list[OrderStatus] = []
        for state in frontier:
            for step in sorted(TRANSITIONS[state]):
                if step not in paths:
                    paths[step] = [*paths[state], step]
                    nxt.append(step)
        frontier = nxt
    if target in paths:
        return paths[target]
    raise Conflict(
        f"指令状态为「{STATUS_LABELS[current][0]}」，不能变为「{STATUS_LABELS[target][0]}」",
        f"An order in state {current} cannot become {target}",
        field="status",
    )


def check_receipt(status: OrderStatus, reason: str) -> None:
    """A refusal needs its reason (Art 34¶3: the institution shows it acted within its duties)."""
    if status not in RECEIPT_STATUSES:
        raise ValidationFailed(
            "回执状态只能是 acknowledged、executed、object_not_found 或 refused",
            "Receipt status must be acknowledged, executed, object_not_found or refused",
            field="status",
        )
    if status is OrderStatus.REFUSED and not reason.strip():
        raise ValidationFailed("拒绝执行须说明理由", "A refusal needs a reason", field="reason")


class Escalation(StrEnum):
    """Overdue orders escalate: a reminder, then a report to the issuing unit and the regulator."""

    NONE = "none"
    REMINDED = "reminded"
    REPORTED = "reported"


def escalation_due(
    status: OrderStatus, level: Escalation, due_at: datetime, now: datetime
) -> Escalation | None:
    """The next escalation step an open order has earned by `now`, or None."""
    if status not in OPEN or now <= due_at:
        return None
    if level is Escalation.NONE:
        return Escalation.REMINDED
    # The report follows once the order is late by its whole deadline again (at least 30 minutes).
    if level is Escalation.REMINDED and now > due_at + REPORT_AFTER:
        return Escalation.REPORTED
    return None


REPORT_AFTER = timedelta(minutes=30)


class Verification(StrEnum):
    """The outcome of a re-verification order (Art 13, Art 18¶3, Art 20¶2)."""

    PASSED = "passed"
    FAILED = "failed"


# After a failed re-verification the institution restricts or suspends (Art 13, 18¶3, 20¶2).
FOLLOW_UP: dict[IdentifierKind, Measure] = {
    IdentifierKind.PHONE: Measure.SUSPEND,
    IdentifierKind.BANK_CARD: Measure.SUSPEND_BUSINESS,
    IdentifierKind.PAYMENT_ACCOUNT: Measure.SUSPEND_BUSINESS,
    IdentifierKind.INTERNET_ACCOUNT: Measure.SUSPEND,
}

# The measure a linked-disposal policy orders by default when a sample becomes active (Art 28¶1).
LINKED_DEFAULTS: dict[IdentifierKind, Measure] = {
    IdentifierKind.PHONE: Measure.SUSPEND,
    IdentifierKind.BANK_CARD: Measure.SUSPEND_BUSINESS,
    IdentifierKind.PAYMENT_ACCOUNT: Measure.RESTRICT,
    IdentifierKind.INTERNET_ACCOUNT: Measure.SUSPEND,
    IdentifierKind.URL: Measure.BLOCK_LINK,
    IdentifierKind.DOMAIN: Measure.BLOCK_LINK,
    IdentifierKind.APP: Measure.TAKE_DOWN_APP,
}

# Kinds an order can address (those with a responsible institution).
ORDERABLE_KINDS = frozenset(r.kind for r in CATALOGUE)


def notice_text(kind: IdentifierKind, masked: str, measure: Measure, reason: str, code: str) -> str:
    """The Art 34¶1 notice in plain Chinese: object, measure, reason, remedy channel, documents."""
    return (
        f"【湖南反诈】您的{kind.label_zh}{masked}因涉嫌涉诈异常（{reason}），"
        f"已被采取「{MEASURE_LABELS[measure][0]}」措施。如有异议，可凭申诉码 {code} "
        f"登录反诈平台公众门户提出申诉，说明事实和理由，并提交身份证件及能证明正常使用的材料"
        f"（如工作证明、交易凭证）。"
    )


DOCUMENTS_ZH = "身份证件；能证明正常使用的材料（工作证明、交易凭证、聊天记录等）"
