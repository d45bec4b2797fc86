"""Warning policy and effect model: quiet period, escalation, monotone effect (Art 28¶2)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.dissuasion.policy import LEVELS, WarningPolicy, plan
from fanzha.sim.dissuasion import Contact, EffectModel, Stage, expected_prevented, stage_at

H = 3600
alerts = st.lists(st.tuples(st.integers(0, 60 * 24 * H), st.sampled_from(LEVELS)), max_size=40)


@given(alerts, st.floats(0, 60 * 24))
def test_no_sms_twice_within_the_quiet_period(a: list[tuple[int, str]], quiet_h: float) -> None:
    policy = WarningPolicy(quiet_period_h=quiet_h)
    sms = [w.ts for w in plan(policy, a) if w.channel == "sms"]
    assert all(b - x >= quiet_h * H for x, b in itertools.pairwise(sms))


@given(alerts)
def test_order_of_alerts_does_not_matter(a: list[tuple[int, str]]) -> None:
    p = WarningPolicy()
    assert plan(p, a) == plan(p, list(reversed(a)))


def test_escalation_is_warned_within_the_quiet_period() -> None:
    ws = plan(WarningPolicy(), [(0, "low"), (H, "low"), (2 * H, "high"), (3 * H, "medium")])
    assert [w.channel for w in ws] == ["sms", "call", "visit"]
    assert ws[1].ts == 2 * H + 600 + 300  # detection lag, then call within 5 minutes


def test_min_level_drops_low_alerts() -> None:
    assert plan(WarningPolicy(min_level="medium"), [(0, "low"), (H, "low")]) == []


def test_bad_policy_refused() -> None:
    with pytest.raises(ValueError):
        WarningPolicy(min_level="urgent")
    with pytest.raises(ValueError):
        WarningPolicy(contacts={"low": (("fax", 0),)})


def test_effect_falls_with_stage_and_time_and_rises_with_channel() -> None:
    m = EffectModel()
    assert (
        m.p_stop("visit", "contacted", 0) > m.p_stop("call", "contacted", 0) > m.p_stop("sms", "contacted", 0)
    )
    assert m.p_stop("call", "contacted", 0) > m.p_stop("call", "engaged", 0) > m.p_stop("call", "paying", 0)
    assert m.p_stop("call", "contacted", 0) > m.p_stop("call", "contacted", 48) == pytest.approx(0.3)


def test_warning_after_the_last_payment_saves_nothing() -> None:
    stages = [Stage(0, 0, False), Stage(H, 0, False), Stage(2 * H, 10_000, True)]
    assert stage_at(stages, H + 1) == "engaged" and stage_at(stages, 3 * H) == "paying"
    assert expected_prevented(stages, [Contact(3 * H, "visit")], EffectModel()) == 0
    early = expected_prevented(stages, [Contact(60, "call")], EffectModel())
    late = expected_prevented(stages, [Contact(H + 60, "call")], EffectModel())
    assert 0 < late < early <= 10_000


def test_stops_are_attributed_to_the_contacts_before_the_last_payment() -> None:
    from fanzha.sim.dissuasion import stops_by_contact

    stages = [Stage(0, 0, False), Stage(2 * H, 5_000, True), Stage(3 * H, 5_000, True)]
    contacts = [Contact(4 * H, "visit"), Contact(60, "sms"), Contact(H, "call")]
    got = stops_by_contact(stages, contacts, EffectModel())
    assert got[0] == 0  # after the last payment
    assert got[1] > 0 and got[2] > 0
    assert got[2] == pytest.approx((1 - got[1]) * EffectModel().p_stop("call", "contacted", 1))
