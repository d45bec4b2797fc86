"""The appeal state machine and its codes, as pure rules (with hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.appeals.domain import (
    APPEAL_TRANSITIONS,
    OPEN_APPEALS,
    AppealStatus,
    check_appeal_step,
    check_decision_reason,
    clean_code,
    new_code,
)
from fanzha.core.errors import Conflict, ValidationFailed

DECIDED = {AppealStatus.REJECTED, AppealStatus.RELEASED}


@given(st.lists(st.sampled_from(list(AppealStatus)), max_size=15))
def test_a_decision_cannot_change_once_made(targets: list[AppealStatus]) -> None:
    status, history = AppealStatus.SUBMITTED, [AppealStatus.SUBMITTED]
    for target in targets:
        try:
            check_appeal_step(status, target)
        except Conflict:
            assert target not in APPEAL_TRANSITIONS[status]
            continue
        status = target
        history.append(status)
    # Once decided, the outcome never flips: upheld stays upheld, rejected stays rejected.
    if AppealStatus.REJECTED in history:
        assert status is AppealStatus.REJECTED
        assert AppealStatus.UPHELD not in history
    if AppealStatus.UPHELD in history:
        assert status in {AppealStatus.UPHELD, AppealStatus.RELEASED}
        assert AppealStatus.REJECTED not in history
    if status in DECIDED:
        for other in AppealStatus:
            with pytest.raises(Conflict):
                check_appeal_step(status, other)


def test_open_appeals_are_exactly_the_undecided_ones() -> None:
    assert {AppealStatus.SUBMITTED, AppealStatus.REVIEWING} == OPEN_APPEALS
    assert APPEAL_TRANSITIONS[AppealStatus.UPHELD] == frozenset({AppealStatus.RELEASED})


def test_a_decision_needs_its_reason() -> None:
    with pytest.raises(ValidationFailed):
        check_decision_reason(False, "   ")
    assert check_decision_reason(True, " 核实为正常使用 ") == "核实为正常使用"


@given(st.integers(min_value=8, max_value=16))
def test_codes_survive_being_typed_back(length: int) -> None:
    code = new_code(length)
    assert len(code) == length
    spaced = "-".join(code[i : i + 4] for i in range(0, length, 4)).lower()
    assert clean_code(spaced) == code


@pytest.mark.parametrize("bad", ["", "short", "ABCDEFGHI0", "ABCD EFGH IJKL MNOP QRST", "ABCDEFGH1!"])
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        clean_code(bad)
