"""Sightings as votes: whatever institutions vote, confidence stays within 30 of what publishing set."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fanzha.samples.domain import INSTITUTION_FALSE_POSITIVE_CAP, shifted, sighting_shift


@given(
    base=st.integers(0, 99),
    votes=st.dictionaries(st.integers(1, 50), st.sampled_from(["hit", "false_positive"]), max_size=50),
)
def test_institutions_votes_move_confidence_by_a_bounded_amount(base: int, votes: dict[int, str]) -> None:
    hits = sum(1 for v in votes.values() if v == "hit")
    confidence = shifted(base, sighting_shift(hits, len(votes) - hits))
    assert max(0, base - INSTITUTION_FALSE_POSITIVE_CAP) <= confidence <= min(99, base + 10)


@given(base=st.integers(0, 99), police=st.integers(0, 20))
def test_only_police_false_positives_go_beyond_the_cap(base: int, police: int) -> None:
    confidence = shifted(base, sighting_shift(0, 100, police))
    assert confidence == max(0, base - INSTITUTION_FALSE_POSITIVE_CAP - 10 * police)
