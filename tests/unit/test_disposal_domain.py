"""The measure catalogue and the order state machine, as pure rules (with hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.disposal.domain import (
    CATALOGUE,
    CODE_SLOT,
    FINAL,
    FOLLOW_UP,
    LINKED_DEFAULTS,
    OPEN,
    REVERIFY_HOURS,
    TRANSITIONS,
    Escalation,
    Measure,
    OrderStatus,
    RiskLevel,
    Routing,
    Trigger,
    check_receipt,
    escalation_due,
    follow_up,
    in_force,
    notice_text,
    path_to,
    render_notice,
    reverify_deadline,
    rule_for,
)
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def test_every_measure_cites_its_article_and_has_a_deadline() -> None:
    assert len(CATALOGUE) >= 25
    for rule in CATALOGUE:
        assert rule.article.startswith("第") and rule.article.endswith(("条", "款")), rule
        assert timedelta(0) < rule.deadline <= timedelta(days=3), rule
        assert rule.institution.is_institution


def test_every_linked_default_is_in_the_catalogue_on_a_notified_sample() -> None:
    for kind, measure in LINKED_DEFAULTS.items():
        assert any(
            r.kind == kind
            and r.measure == measure
            and r.trigger is Trigger.SAMPLE
            and r.routing is Routing.TABLE
            for r in CATALOGUE
        )


def test_a_measure_not_allowed_for_the_kind_is_refused_clearly() -> None:
    with pytest.raises(ValidationFailed) as error:
        rule_for(IdentifierKind.PHONE, Measure.TAKE_DOWN_APP, OrgKind.TELECOM, Trigger.SAMPLE)
    assert error.value.field == "measure" and "电话号码" in error.value.message_zh
    with pytest.raises(ValidationFailed) as wrong_sector:
        rule_for(IdentifierKind.BANK_CARD, Measure.SUSPEND_BUSINESS, OrgKind.PAYMENT, Trigger.SAMPLE)
    assert wrong_sector.value.field == "org_id"
    with pytest.raises(ValidationFailed):
        rule_for(
            IdentifierKind.IMEI, Measure.SUSPEND, OrgKind.TELECOM, Trigger.SAMPLE
        )  # no one holds an IMEI


def test_deadlines_can_be_configured_per_kind_and_measure() -> None:
    rule = rule_for(
        IdentifierKind.PHONE, Measure.SUSPEND, OrgKind.TELECOM, Trigger.SAMPLE, {"phone.suspend": 5}
    )
    assert rule.deadline == timedelta(minutes=5) and rule.article == "第二十八条第一款"


def test_reverification_deadlines_and_follow_up_go_by_risk_level() -> None:
    assert [reverify_deadline(r) for r in RiskLevel] == [timedelta(hours=h) for h in (2, 24, 72)]
    assert reverify_deadline(RiskLevel.HIGH, {**REVERIFY_HOURS, RiskLevel.HIGH: 1}) == timedelta(hours=1)
    assert follow_up(IdentifierKind.PHONE, Measure.REVERIFY, RiskLevel.HIGH) is Measure.SUSPEND
    assert follow_up(IdentifierKind.BANK_CARD, Measure.REVERIFY, RiskLevel.LOW) is Measure.DELAY_SETTLEMENT
    assert follow_up(IdentifierKind.INTERNET_ACCOUNT, Measure.REVERIFY, RiskLevel.LOW) is Measure.RECTIFY
    assert follow_up(IdentifierKind.RESIDENT_ID, Measure.ASSOCIATED_REVERIFY, RiskLevel.HIGH) is (
        Measure.ASSOCIATED_RESTRICT
    )
    assert follow_up(IdentifierKind.URL, Measure.BLOCK_LINK, RiskLevel.HIGH) is None
    # Every follow-up is in the catalogue on a failed or late re-verification.
    for kind, by_risk in FOLLOW_UP.items():
        for measure in by_risk.values():
            assert any(
                r.kind == kind and r.measure == measure and r.trigger is Trigger.REVERIFY_FAILED
                for r in CATALOGUE
            )


statuses = st.sampled_from(list(OrderStatus))


@given(st.lists(statuses, max_size=12))
def test_no_transition_skips_a_state(targets: list[OrderStatus]) -> None:
    status = OrderStatus.ISSUED
    for target in targets:
        try:
            steps = path_to(status, target)
        except Conflict:
            assert target != status and (status in FINAL or target not in _reachable(status))
            continue
        for step in steps:
            assert step in TRANSITIONS[status], (status, step)
            status = step
        assert status == target


def _reachable(start: OrderStatus) -> set[OrderStatus]:
    seen, todo = set(), [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@given(st.lists(statuses, max_size=12), st.sampled_from(list(Measure)))
def test_a_released_order_has_no_measure_in_force_and_stays_released(
    targets: list[OrderStatus], measure: Measure
) -> None:
    status = OrderStatus.ISSUED
    for target in [*targets, OrderStatus.RELEASED, *targets]:
        try:
            for step in path_to(status, target):
                status = step
        except Conflict:
            continue
    if status is OrderStatus.RELEASED:
        assert not in_force(status, measure)
        assert path_to(status, OrderStatus.RELEASED) == []
        for other in set(OrderStatus) - {OrderStatus.RELEASED}:
            with pytest.raises(Conflict):
                path_to(status, other)


def test_final_states_go_nowhere_and_receipts_are_limited() -> None:
    for final in FINAL:
        assert TRANSITIONS[final] == frozenset()
    assert OPEN.isdisjoint(FINAL)
    with pytest.raises(ValidationFailed):
        check_receipt(OrderStatus.RELEASED, "")
    with pytest.raises(ValidationFailed):
        check_receipt(OrderStatus.REFUSED, "  ")
    check_receipt(OrderStatus.REFUSED, "客户已核验为本人正常使用")


@given(st.integers(min_value=-120, max_value=240))
def test_escalation_comes_in_order(minutes_late: int) -> None:
    due, now = T0, T0 + timedelta(minutes=minutes_late)
    first = escalation_due(OrderStatus.DELIVERED, Escalation.NONE, due, now)
    assert (first is Escalation.REMINDED) == (minutes_late > 0)
    second = escalation_due(OrderStatus.DELIVERED, Escalation.REMINDED, due, now)
    assert (second is Escalation.REPORTED) == (minutes_late > 30)
    assert escalation_due(OrderStatus.DELIVERED, Escalation.REPORTED, due, now) is None
    assert escalation_due(OrderStatus.EXECUTED, Escalation.NONE, due, now) is None  # done is never late


def test_the_notice_names_object_measure_reason_unit_remedy_and_documents() -> None:
    stored = notice_text(
        IdentifierKind.PHONE,
        "+86138****5678",
        Measure.SUSPEND,
        "外呼异常",
        "长沙市公安局反诈中心",
        "第十三条",
    )
    assert CODE_SLOT in stored  # the code is not in the stored text (finding 15)
    text = render_notice(stored, "ABCDEFGHJK")
    for part in ("+86138****5678", "暂停使用", "外呼异常", "长沙市公安局反诈中心", "第十三条", "ABCDEFGHJK"):
        assert part in text
    for part in ("申诉", "身份证件"):
        assert part in text
    assert CODE_SLOT not in text
