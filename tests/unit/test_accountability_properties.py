"""Properties: no fine outside its article's range is accepted; a penalty case moves only as the
state machine allows, and the overdue / escalation rules of tracked items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from fanzha.accountability.domain import escalates, overdue
from fanzha.accountability.penalties import (
    RULES,
    TRANSITIONS,
    Action,
    CaseState,
    Circumstance,
    applied_rule,
    check_circumstance,
    check_fine,
    step,
)
from fanzha.core.errors import Conflict, ValidationFailed

PAIRS = [(r, c) for r in RULES.values() for c in r.ranges]


@given(st.sampled_from(PAIRS), st.integers(min_value=0, max_value=10**10))
def test_no_fine_outside_its_range_is_accepted(pair, amount: int) -> None:  # type: ignore[no-untyped-def]
    rule, circumstance = pair
    low, high = rule.range_fen(circumstance)
    if low <= amount <= high:
        check_fine(rule, circumstance, amount)
    else:
        with pytest.raises(ValidationFailed) as refused:
            check_fine(rule, circumstance, amount)
        assert refused.value.code == "fine_out_of_range"
        assert rule.id in refused.value.message_en and rule.citation in refused.value.message_zh


@given(st.sampled_from(list(RULES.values())), st.sampled_from(list(Circumstance)), st.integers(0, 10**10))
def test_a_circumstance_the_article_does_not_name_sets_no_fine(rule, circumstance, amount) -> None:  # type: ignore[no-untyped-def]
    if circumstance in rule.ranges:
        return
    with pytest.raises(ValidationFailed) as refused:
        check_fine(rule, circumstance, amount)
    assert refused.value.code == "fine_not_provided"


def test_range_edges_in_fen() -> None:
    art41 = RULES["hn41"]
    check_fine(art41, Circumstance.SERIOUS, 20_000_000)
    check_fine(art41, Circumstance.SERIOUS, 50_000_000)
    for amount in (19_999_999, 50_000_001):
        with pytest.raises(ValidationFailed):
            check_fine(art41, Circumstance.SERIOUS, amount)
    with pytest.raises(ValidationFailed):  # Art 40¶1 has no fine for "not corrected"
        check_fine(RULES["hn40-1"], Circumstance.NOT_CORRECTED, 2_000_000)


def test_higher_law_replaces_the_range_only_where_it_governs() -> None:
    assert applied_rule("hn41", "afl41").ranges[Circumstance.SERIOUS] == (500_000, 5_000_000)
    with pytest.raises(ValidationFailed):
        applied_rule("hn41", "afl40")  # the banking article does not govern a platform
    with pytest.raises(ValidationFailed):
        applied_rule("afl41", None)  # cases are opened under the provisions


def test_not_corrected_only_after_the_deadline() -> None:
    rule = RULES["hn41"]
    with pytest.raises(Conflict):
        check_circumstance(rule, Circumstance.NOT_CORRECTED, CaseState.ORDERED, overdue=False)
    with pytest.raises(Conflict):
        check_circumstance(rule, Circumstance.NOT_CORRECTED, CaseState.OPENED, overdue=True)
    check_circumstance(rule, Circumstance.NOT_CORRECTED, CaseState.ORDERED, overdue=True)
    check_circumstance(rule, Circumstance.SERIOUS, CaseState.OPENED, overdue=False)


TERMINAL = {CaseState.CLOSED}


class CaseMachine(RuleBasedStateMachine):
    """Random actions against the pure state machine, with a model of what must hold."""

    def __init__(self) -> None:
        super().__init__()
        self.state = CaseState.OPENED
        self.fined = False
        self.proposed = False

    @rule(action=st.sampled_from(list(Action)))
    def act(self, action: Action) -> None:
        before = self.state
        if (before, action) in TRANSITIONS:
            self.state = step(before, action)
            if action is Action.PROPOSE:
                self.proposed = True
            if action is Action.DECIDE:
                assert self.proposed, "a decision always follows a notice of the proposed penalty"
                self.fined = True
        else:
            with pytest.raises(Conflict):
                step(before, action)
            assert self.state == before  # a refused step changes nothing

    @precondition(lambda self: self.state is CaseState.PAID)
    @rule()
    def paid_only_after_decision(self) -> None:
        assert self.fined

    @invariant()
    def closed_is_final(self) -> None:
        if self.state in TERMINAL:
            assert all(s is not CaseState.CLOSED for (s, _a) in TRANSITIONS)

    @invariant()
    def hearing_only_after_notice(self) -> None:
        if self.state in (CaseState.HEARING, CaseState.HEARD, CaseState.DECIDED):
            assert self.proposed


TestCaseMachine = CaseMachine.TestCase

NOW = datetime(2026, 11, 28, tzinfo=UTC)


@given(
    st.integers(-40, 40),
    st.one_of(st.none(), st.integers(1, 30)),
    st.one_of(st.none(), st.integers(0, 60)),
    st.sampled_from(["open", "answered", "closed"]),
)
def test_overdue_and_escalation(
    deadline_days: int, every: int | None, last_ago: int | None, status: str
) -> None:
    created = NOW - timedelta(days=60)
    last = NOW - timedelta(days=last_ago) if last_ago is not None else None
    reason = overdue(status, NOW + timedelta(days=deadline_days), last, created, every, NOW)
    if status != "open":
        assert reason == ""
    elif deadline_days <= 0:
        assert reason == "deadline"
    elif every and (last or created) + timedelta(days=every) <= NOW:
        assert reason == "report"
    else:
        assert reason == ""
    assert escalates(reason, None, every, NOW) == bool(reason)
    assert not escalates(reason, NOW - timedelta(hours=1), every, NOW)
