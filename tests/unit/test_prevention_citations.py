"""The articles cited by the warning policy, publicity targeting and leak reports say what we quote."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fanzha.dissuasion import policy, publicity
from fanzha.law import article
from fanzha.leaks import domain as leaks


def test_quoted_phrases_are_in_the_cited_paragraphs() -> None:
    for citation, phrase in (policy.BASIS, *publicity.BASIS, leaks.BASIS):
        assert phrase in article(citation), citation


@given(st.lists(st.sampled_from(leaks.STATUSES), max_size=8))
def test_leak_reports_never_leave_a_final_state(path: list[str]) -> None:
    state = leaks.SUSPECTED
    for to in path:
        if leaks.can_move(state, to):
            assert state not in (leaks.CONFIRMED, leaks.DISMISSED)
            state = to
    assert not leaks.can_move(leaks.CONFIRMED, leaks.DISMISSED)
    assert not leaks.can_move(leaks.SUSPECTED, leaks.CONFIRMED)  # referred to the processor first
