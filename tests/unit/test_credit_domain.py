"""The list's pure rules (Art 29; 联合惩戒办法): grounds, thresholds, levels, terms and the 5-year cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import Conflict, PermissionDenied, ValidationFailed
from fanzha.credit.domain import (
    MAX_CONTINUOUS_YEARS,
    TRANSITIONS,
    Facts,
    Ground,
    ListingStatus,
    SubjectKind,
    Term,
    Terms,
    add_months,
    add_years,
    check_approver,
    check_listing,
    check_step,
    in_force,
    term_for,
)
from fanzha.identity.domain import OrgKind
from fanzha.law import AFL, HUNAN, article

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
EVIDENCE = ["长公（反诈）认字〔2026〕31号"]


def _check(ground: Ground = Ground.CARDS, facts: Facts = Facts(items=3), **kw: object) -> None:
    args: dict[str, object] = {
        "evidence": EVIDENCE,
        "basis": "出售银行卡",
        "unit": OrgKind.POLICE_CITY,
        "subject": SubjectKind.PERSON,
        "term_months": None,
        "terms": Terms(),
    }
    args.update(kw)
    check_listing(ground, facts, **args)  # type: ignore[arg-type]


def test_the_cited_texts_say_what_the_rules_rest_on() -> None:
    assert "列入严重失信主体名单" in article("第二十九条第一款", HUNAN)
    assert "相关业务限制办理" in article("第二十九条第二款", HUNAN)
    assert "可以提出申诉" in article("第二十九条第二款", HUNAN)
    assert "设区的市级以上公安机关认定" in article("第三十一条第二款", AFL)
    assert "停止非柜面业务、暂停新业务、限制入网" in article("第三十一条第二款", AFL)
    assert "通报公安机关" in article("第三十七条第一款", HUNAN)


def test_thresholds_three_items_times_or_counterparties() -> None:
    for facts in (Facts(items=3), Facts(times=3), Facts(counterparties=3)):
        _check(facts=facts)
    with pytest.raises(ValidationFailed) as error:
        _check(facts=Facts(items=2, times=2, counterparties=2))
    assert error.value.field == "facts" and "below_threshold" in error.value.message_zh
    _check(Ground.BELOW_THRESHOLD, Facts(items=2))
    with pytest.raises(ValidationFailed):
        _check(Ground.BELOW_THRESHOLD, Facts(items=3))  # at the threshold: the ordinary ground
    with pytest.raises(ValidationFailed):
        _check(Ground.BELOW_THRESHOLD, Facts())  # no conduct at all
    _check(Ground.FALSE_IDENTITY, Facts())


def test_a_ground_without_evidence_or_basis_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(evidence=["", "  "])
    assert error.value.field == "evidence"
    with pytest.raises(ValidationFailed) as error:
        _check(basis=" ")
    assert error.value.field == "basis"


@pytest.mark.parametrize("unit", [OrgKind.POLICE_COUNTY, OrgKind.POLICE_TOWNSHIP, OrgKind.BANK])
def test_only_a_city_level_unit_or_above_lists(unit: OrgKind) -> None:
    with pytest.raises(PermissionDenied) as error:
        _check(unit=unit)
    assert "设区的市级以上" in error.value.message_zh


def test_units_are_not_listed_on_the_criminal_ground() -> None:
    with pytest.raises(ValidationFailed):
        _check(Ground.CRIMINAL, Facts(), subject=SubjectKind.UNIT)
    _check(Ground.CARDS, Facts(items=5), subject=SubjectKind.UNIT)


@given(st.integers(min_value=-10, max_value=100), st.sampled_from(list(Ground)))
def test_term_months_within_the_grounds_term(months: int, ground: Ground) -> None:
    facts = Facts(items=1) if ground is Ground.BELOW_THRESHOLD else Facts(items=3)
    most = Terms().years(ground) * 12
    if 1 <= months <= most:
        _check(ground, facts, term_months=months)
    else:
        with pytest.raises(ValidationFailed) as error:
            _check(ground, facts, term_months=months)
        assert error.value.field == "term_months"


def test_below_threshold_needs_the_province_and_the_proposer_cannot_approve() -> None:
    with pytest.raises(PermissionDenied):
        check_approver(Ground.BELOW_THRESHOLD, OrgKind.POLICE_CITY, "a", "b")
    check_approver(Ground.BELOW_THRESHOLD, OrgKind.POLICE_PROVINCE, "a", "b")
    check_approver(Ground.CARDS, OrgKind.POLICE_CITY, "a", "b")
    with pytest.raises(PermissionDenied):
        check_approver(Ground.CARDS, OrgKind.POLICE_COUNTY, "a", "b")
    with pytest.raises(PermissionDenied):
        check_approver(Ground.CARDS, OrgKind.POLICE_CITY, "a", "a")


def test_default_terms_by_ground() -> None:
    assert term_for(Ground.CRIMINAL, T0, Terms()).ends_at == add_years(T0, 3)
    for ground in (Ground.CARDS, Ground.FALSE_IDENTITY, Ground.BELOW_THRESHOLD):
        assert term_for(ground, T0, Terms()).ends_at == add_years(T0, 2)
    assert term_for(Ground.CARDS, T0, Terms(cards_years=1)).ends_at == add_years(T0, 1)


def test_calendar_arithmetic_at_month_ends_and_leap_days() -> None:
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert add_years(leap, 1) == datetime(2029, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 14) == datetime(2028, 1, 15, tzinfo=UTC)


relistings = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2000), st.sampled_from(list(Ground))), min_size=1, max_size=8
)


@given(relistings)
def test_no_run_is_longer_than_five_continuous_years(steps: list[tuple[int, Ground]]) -> None:
    """办法: 惩戒期限内多次纳入惩戒名单的，连续执行惩戒期限不得超过5年 — whatever the re-listings."""
    now, current = T0, None
    for days, ground in steps:
        now += timedelta(days=days)
        term = term_for(ground, now, Terms(), current=current)
        assert term.ends_at <= add_years(term.chain_start, MAX_CONTINUOUS_YEARS)
        assert term.ends_at > now or term.ends_at == add_years(term.chain_start, MAX_CONTINUOUS_YEARS)
        if current is not None and current.ends_at > now:
            assert term.chain_start == current.chain_start  # one continuous run
            assert term.ends_at >= current.ends_at  # re-listing never shortens the term
        else:
            assert term.chain_start == now  # after a gap, a new run starts
        current = Term(term.chain_start, term.ends_at)


statuses = st.sampled_from(list(ListingStatus))


@given(st.lists(statuses, max_size=10), st.integers(min_value=-3000, max_value=3000))
def test_no_measure_in_force_after_expiry_or_release(path: list[ListingStatus], offset_days: int) -> None:
    """Walk the machine; whatever the path, measures apply only while active and before the term ends."""
    status = ListingStatus.PENDING
    for target in path:
        if target in TRANSITIONS[status]:
            check_step(status, target)
            status = target
        else:
            with pytest.raises(Conflict):
                check_step(status, target)
    ends = add_years(T0, 2)
    now = T0 + timedelta(days=offset_days)
    assert in_force(status, ends, now) == (status is ListingStatus.ACTIVE and now < ends)
    if status in (ListingStatus.EXPIRED, ListingStatus.RELEASED, ListingStatus.REFUSED):
        assert not TRANSITIONS[status]  # final: nothing brings the measures back
