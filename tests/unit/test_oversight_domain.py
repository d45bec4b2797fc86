"""Oversight's pure rules: periods, region levels, nearest-rank percentiles, scopes, praise and criticism."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import ValidationFailed
from fanzha.identity.domain import OrgKind
from fanzha.oversight.domain import (
    Judged,
    Rules,
    Scope,
    Span,
    city_of,
    county_of,
    judge,
    month,
    nearest_rank,
    period_of,
    previous_month,
    region_level,
    scope_for,
    trailing,
    week,
)

LAW = (Path(__file__).resolve().parents[2] / "src/fanzha/law/hunan_provisions.txt").read_text(
    encoding="utf-8"
)


def test_months_and_weeks_follow_beijing_time() -> None:
    nov = month("2026-11")
    assert nov.start == datetime(2026, 10, 31, 16, tzinfo=UTC) and nov.end == datetime(
        2026, 11, 30, 16, tzinfo=UTC
    )
    assert month("2026-12").end == datetime(2026, 12, 31, 16, tzinfo=UTC)
    w = week("2026-W46")
    assert w.end - w.start == timedelta(days=7) and w.start.astimezone().weekday() in range(7)
    assert period_of(Span.MONTH, datetime(2026, 10, 31, 17, tzinfo=UTC)).key == "2026-11"
    assert previous_month(datetime(2026, 12, 2, tzinfo=UTC)).key == "2026-11"
    for bad in ("2026-13", "26-11", "2026-1", "x"):
        with pytest.raises(ValidationFailed) as error:
            month(bad)
        assert error.value.field == "month"
    with pytest.raises(ValidationFailed):
        week("2026-W54")


@given(st.integers(2005, 2090), st.integers(1, 12), st.integers(1, 30))
def test_trailing_periods_are_contiguous(year: int, mon: int, count: int) -> None:
    periods = trailing(Span.MONTH, month(f"{year:04d}-{mon:02d}"), count)
    assert len(periods) == count and periods[-1].key == f"{year:04d}-{mon:02d}"
    assert all(a.end == b.start for a, b in itertools.pairwise(periods))


def test_region_levels_along_the_tree() -> None:
    assert region_level("430000") == "province" and region_level(None) == "province"
    assert region_level("430100") == "city" and city_of("430104") == "430100"
    assert county_of("430104001") == "430104" and county_of("430100") is None
    assert city_of("433101") == "433100"


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=200), st.sampled_from([0.5, 0.9]))
def test_nearest_rank_is_the_inverted_cdf_percentile(values: list[int], q: float) -> None:
    # The SQL takes the least value whose rank r satisfies r·100 ≥ q·100·n: rank ⌈q·n⌉.
    expected = sorted(values)[math.ceil(q * len(values)) - 1]
    assert nearest_rank(values, q) == expected
    assert expected == np.percentile(values, q * 100, method="inverted_cdf")


def test_scopes_by_kind() -> None:
    assert scope_for(OrgKind.POLICE_PROVINCE, 1, "430000").everything
    assert scope_for(OrgKind.POLICE_CITY, 1, "430100") == Scope(region_prefix="4301")
    assert scope_for(OrgKind.POLICE_COUNTY, 1, "430104") == Scope(region_prefix="430104")
    assert scope_for(OrgKind.BANK, 7, "430000") == Scope(org_id=7)
    assert scope_for(OrgKind.REGULATOR, 3, "430000") == Scope(kinds=frozenset({"bank", "payment"}))
    assert scope_for(OrgKind.REGULATOR, 3, "430000", ["telecom"]) == Scope(kinds=frozenset({"telecom"}))
    assert scope_for(OrgKind.CYBERSPACE, 3, None) == Scope(kinds=frozenset({"internet"}))


def _row(org: int, orders: int, overdue: float, median: float = 30.0, **extra: float) -> Judged:
    values: dict[str, float | None] = {"orders": orders, "overdue_rate": overdue, "exec_median_min": median}
    return Judged(org, f"银行{org}", "bank", values | extra)


def test_a_bank_three_times_the_average_is_criticised_and_the_clean_are_praised() -> None:
    rows = judge([_row(1, 10, 0.6), _row(2, 10, 0.0, 20), _row(3, 10, 0.0, 25), _row(4, 2, 1.0)], Rules())
    by = {r.org_id: r for r in rows}
    assert by[1].criticism and "3.0 倍" in by[1].criticism[0]
    assert by[2].praise and by[3].praise and not by[1].praise
    assert [by[2].rank, by[3].rank, by[1].rank] == [1, 2, 3]
    assert by[4].rank == 0 and not by[4].criticism  # too few orders to be judged (setting)
    wrong = judge([_row(5, 10, 0.0, wrongful_rate=0.2, refused=2)], Rules())[0]
    assert len(wrong.criticism) == 2 and not wrong.praise


def test_the_articles_cited_say_what_oversight_relies_on() -> None:
    assert "定期通报反电信网络诈骗监测处置" in LAW  # Art 24
    assert "建立健全本行业反电信网络诈骗工作考核评价机制" in LAW  # Art 25
    assert "有证据证明其已经尽职尽责的，不予追究责任" in LAW  # Art 34¶3
    assert "纳入绩效考核" in LAW  # Art 4
