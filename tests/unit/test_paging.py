"""Cursor loops refuse to stand still: `core.paging.advance`, and the loops that use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.paging import CursorStalled, advance

moments = st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))
keys = st.tuples(moments, st.integers(0, 10**9))


@given(previous=keys, following=keys)
def test_advance_passes_only_a_strictly_later_cursor(
    previous: tuple[datetime, int], following: tuple[datetime, int]
) -> None:
    if following > previous:
        assert advance(previous, following) == following
    else:
        with pytest.raises(CursorStalled):
            advance(previous, following)
    assert advance(None, following) == following


@given(st.lists(keys, min_size=1, max_size=200), st.integers(1, 50), st.integers(0, 3))
def test_a_keyset_loop_with_the_guard_ends_and_sees_each_row_once_or_stops_loudly(
    rows: list[tuple[datetime, int]], batch: int, skew_every: int
) -> None:
    """Keyset paging where some stored keys compare wrongly (as mixed time texts did) never loops."""
    table = sorted(set(rows))

    def stored(key: tuple[datetime, int]) -> tuple[datetime, int]:
        # A broken store: every `skew_every`-th row's key reads back a second early in comparisons.
        moment, row_id = key
        return (
            (moment - timedelta(seconds=1), row_id) if skew_every and row_id % (skew_every + 1) == 0 else key
        )

    seen: list[tuple[datetime, int]] = []
    last: tuple[datetime, int] | None = None
    start: tuple[datetime, int] | None = None
    try:
        for _ in range(len(table) + 2):
            page = [k for k in table if start is None or stored(k) > start][:batch]
            if page:
                advance(last, page[0])
                last = page[-1]
            seen += page
            if len(page) < batch:
                break
            start = page[-1]
        else:
            pytest.fail("the loop did not end")
    except CursorStalled:
        assert skew_every  # only a broken store stalls
        return
    if not skew_every:
        assert seen == table
