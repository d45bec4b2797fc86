"""Disposal orders: the order state machine, escalations, follow-ups and notices. Pure.

The measure catalogue with its legal basis lives in `catalogue`; its names are re-exported here, where the
rest of the platform has always found them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.disposal.catalogue import CATALOGUE as CATALOGUE
from fanzha.disposal.catalogue import MEASURE_LABELS as MEASURE_LABELS
from fanzha.disposal.catalogue import RELEASE_ARTICLE as RELEASE_ARTICLE
from fanzha.disposal.catalogue import RELEASE_DEADLINE as RELEASE_DEADLINE
from fanzha.disposal.catalogue import RELEASE_GRANT as RELEASE_GRANT
from fanzha.disposal.catalogue import REVERIFY_HOURS as REVERIFY_HOURS
from fanzha.disposal.catalogue import SYSTEM_TRIGGERS as SYSTEM_TRIGGERS
from fanzha.disposal.catalogue import TRIGGER_LABELS as TRIGGER_LABELS
from fanzha.disposal.catalogue import Measure as Measure
from fanzha.disposal.catalogue import MeasureRule as MeasureRule
from fanzha.disposal.catalogue import Routing as Routing
from fanzha.disposal.catalogue import Trigger as Trigger
from fanzha.disposal.catalogue import reverify_deadline as reverify_deadline
from fanzha.disposal.catalogue import rule_for as rule_for
from fanzha.disposal.catalogue import rules_for as rules_for
from fanzha.identifiers import IdentifierKind
from fanzha.samples.domain import RiskLevel as RiskLevel  # the alert's risk: the samples' own grades


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


# After a failed or late re-verification the institution acts by risk level (Art 13 限制、暂停; Art 18¶3
# 根据风险等级 延迟支付结算、限制账户功能、中止业务; Art 20¶2 根据风险情况 限期改正、限制功能、暂停使用).
_R = RiskLevel
FOLLOW_UP: dict[IdentifierKind, dict[RiskLevel, Measure]] = {
    IdentifierKind.PHONE: {_R.HIGH: Measure.SUSPEND, _R.MEDIUM: Measure.RESTRICT, _R.LOW: Measure.RESTRICT},
    IdentifierKind.BANK_CARD: {
        _R.HIGH: Measure.SUSPEND_BUSINESS,
        _R.MEDIUM: Measure.RESTRICT,
        _R.LOW: Measure.DELAY_SETTLEMENT,
    },
    IdentifierKind.PAYMENT_ACCOUNT: {
        _R.HIGH: Measure.SUSPEND_BUSINESS,
        _R.MEDIUM: Measure.RESTRICT,
        _R.LOW: Measure.DELAY_SETTLEMENT,
    },
    IdentifierKind.INTERNET_ACCOUNT: {
        _R.HIGH: Measure.SUSPEND,
        _R.MEDIUM: Measure.RESTRICT,
        _R.LOW: Measure.RECTIFY,
    },
}
# Art 11 根据核验结果采取相应处置措施: a line that failed is restricted, a high-risk one stopped.
LINE_FOLLOW_UP: dict[RiskLevel, Measure] = {
    _R.HIGH: Measure.STOP_LINE,
    _R.MEDIUM: Measure.RESTRICT_LINE,
    _R.LOW: Measure.RESTRICT_LINE,
}
REVERIFY_MEASURES = frozenset({Measure.REVERIFY, Measure.ASSOCIATED_REVERIFY, Measure.REVERIFY_LINE})


def follow_up(kind: IdentifierKind, measure: Measure, risk: RiskLevel) -> Measure | None:
    """The measure after a failed or late re-verification, by risk level; None when there is none."""
    if measure is Measure.ASSOCIATED_REVERIFY:
        return Measure.ASSOCIATED_RESTRICT  # Art 20¶2: restrict the associated accounts
    if measure is Measure.REVERIFY_LINE:
        return LINE_FOLLOW_UP[risk]  # Art 11
    if measure is Measure.REVERIFY and kind in FOLLOW_UP:
        return FOLLOW_UP[kind][risk]
    return None


# The measure a linked-disposal policy orders by default when a sample becomes active (Art 28¶1:
# 限制、暂停服务): suspend a number, suspend business on a card, restrict an account, block a link.
LINKED_DEFAULTS: dict[IdentifierKind, Measure] = {
    IdentifierKind.PHONE: Measure.SUSPEND,
    IdentifierKind.BANK_CARD: Measure.SUSPEND_BUSINESS,
    IdentifierKind.PAYMENT_ACCOUNT: Measure.RESTRICT,
    IdentifierKind.INTERNET_ACCOUNT: Measure.SUSPEND,
    IdentifierKind.URL: Measure.BLOCK_LINK,
    IdentifierKind.DOMAIN: Measure.BLOCK_LINK,
    IdentifierKind.APP: Measure.BLOCK_LINK,
}

# Kinds an order can address (those with a responsible institution).
ORDERABLE_KINDS = frozenset(r.kind for r in CATALOGUE)


# Stored notices hold this slot where the appeal code goes: the code is rendered only when the notice is
# sent or handed to the institution that delivers it (fanzha.disposal.release.render).
CODE_SLOT = "〔申诉码〕"


def notice_text(
    kind: IdentifierKind, masked: str, measure: Measure, reason: str, deciding_unit: str, article: str
) -> str:
    """The Art 34¶1 notice in plain Chinese: object, measure, reason, deciding unit, remedy, documents.

    The appeal code is the slot `CODE_SLOT`, filled in at send time.
    """
    return (
        f"【湖南反诈】您的{kind.label_zh}{masked}因涉嫌涉诈异常（{reason}），"
        f"已由{deciding_unit}依据《湖南省实施〈反电信网络诈骗法〉若干规定》{article}决定"
        f"采取「{MEASURE_LABELS[measure][0]}」措施。如有异议，可凭申诉码 {CODE_SLOT} "
        f"登录反诈平台公众门户提出申诉，说明事实和理由，并提交身份证件及能证明正常使用的材料"
        f"（如工作证明、交易凭证）。"
    )


def render_notice(text: str, code: str) -> str:
    """The notice as the person reads it: the appeal code in its slot."""
    return text.replace(CODE_SLOT, code)


DOCUMENTS_ZH = "身份证件；能证明正常使用的材料（工作证明、交易凭证、聊天记录等）"
