"""Time-ordered UUIDs (version 7)."""

from __future__ import annotations

import time
import uuid

from hypothesis import given
from hypothesis import strategies as st

from fanzha.core import ids


def test_a_uuid7_is_version_7_of_the_rfc_variant_and_carries_its_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid.UUID(ids.uuid7())
    after = time.time_ns() // 1_000_000
    assert value.version == 7 and value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


@given(st.lists(st.integers(min_value=0, max_value=2**48 - 1), min_size=2, max_size=20, unique=True))
def test_ids_of_later_milliseconds_sort_after_earlier_ones(millis: list[int]) -> None:
    # The latest nanosecond of each millisecond: the random part must not break the order.
    made = {ms: ids.uuid7(ms * 1_000_000 + 999_999) for ms in millis}
    assert [made[ms] for ms in sorted(millis)] == sorted(made.values())
    assert all(uuid.UUID(made[ms]).int >> 80 == ms for ms in millis)


def test_ids_made_one_after_another_are_distinct() -> None:
    made = [ids.uuid7() for _ in range(10_000)]
    assert len(set(made)) == len(made)


def test_a_uuid4_is_version_4_of_the_rfc_variant_in_canonical_form() -> None:
    made = [ids.uuid4() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for text in made:
        value = uuid.UUID(text)
        assert value.version == 4 and value.variant == uuid.RFC_4122 and str(value) == text


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_uuid_text_is_what_the_standard_library_writes(value: int) -> None:
    assert ids._text(value) == str(uuid.UUID(int=value))


def test_uuid4_many_are_version_4_distinct_and_canonical() -> None:
    made = ids.uuid4_many(2000)
    assert len(made) == 2000 and len(set(made)) == 2000
    for text in made:
        value = uuid.UUID(text)
        assert value.version == 4 and value.variant == uuid.RFC_4122 and str(value) == text


def test_uuid7_many_carry_their_moment_and_are_distinct() -> None:
    at = 1_765_000_000_123 * 1_000_000
    made = ids.uuid7_many(2000, at)
    assert len(set(made)) == 2000
    for text in made:
        value = uuid.UUID(text)
        assert value.version == 7 and value.variant == uuid.RFC_4122 and str(value) == text
        assert value.int >> 80 == 1_765_000_000_123
    assert ids.uuid4_many(0) == [] and ids.uuid7_many(0) == []
