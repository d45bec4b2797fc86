"""Tips through the service on SQLite and PostgreSQL: whatever the officer tries, a reward exists only for a
verified tip and within the published standard (Art 38¶2); refused steps change nothing."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fanzha.bootstrap import Platform
from fanzha.core.errors import FanzhaError
from fanzha.tips.domain import RewardStandard, TipKind, TipOutcome, TipStatus, TipVerdict
from fanzha.tips.outcomes import VerdictInput
from fanzha.tips.service import TipInput
from fanzha.tips.tables import Tip, TipReward
from tests.factories import make_world
from tests.integration.test_holdings import HOLDER

STANDARD = RewardStandard()
VERDICTS = st.sampled_from(
    [
        (TipVerdict.VERIFIED, TipOutcome.WARNING),
        (TipVerdict.VERIFIED, TipOutcome.CASE),
        (TipVerdict.VERIFIED, TipOutcome.NONE),  # refused: a verified tip leads to something
        (TipVerdict.UNFOUNDED, TipOutcome.NONE),
        (TipVerdict.UNFOUNDED, TipOutcome.CASE),  # refused
        (TipVerdict.DUPLICATE, TipOutcome.NONE),
        None,  # no verdict at all: the tip stays open
    ]
)


def _invariant(platform: Platform) -> None:
    with platform.sessions() as session:
        for reward, tip in session.execute(select(TipReward, Tip).join(Tip, Tip.id == TipReward.tip_id)):
            assert tip.status == TipStatus.VERIFIED
            tier = STANDARD.tier(TipOutcome(tip.outcome))
            assert tier is not None and tier.low <= reward.amount <= tier.high
            assert reward.outcome == tip.outcome


def test_rewards_exist_only_for_verified_tips_within_the_standard(platform: Platform) -> None:
    world = make_world(platform)
    tips = platform.tips
    assert tips is not None
    officer = world.analyst.principal
    counter = iter(range(10_000))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @example((TipVerdict.VERIFIED, TipOutcome.CASE), [1_000, 60_000], True)  # one reward at least
    @example((TipVerdict.UNFOUNDED, TipOutcome.NONE), [100], True)
    @given(VERDICTS, st.lists(st.integers(-5, 80_000), min_size=1, max_size=3), st.booleans())
    def run(verdict: tuple[TipVerdict, TipOutcome] | None, amounts: list[int], take: bool) -> None:
        n = next(counter)
        tip, _ = tips.submit(
            TipInput(
                kind=TipKind.URL,
                value=f"https://scam{n}.example.com/",
                text="仿冒网站举报",
                region_code="430104",
            ),
            [],
            "10.0.0.9",
        )
        if take:
            tips.take(officer, tip.id)
        if verdict is not None:
            with contextlib.suppress(FanzhaError):
                tips.verdict(
                    officer,
                    tip.id,
                    VerdictInput(
                        verdict[0], verdict[1], "核查结论理由", reference="案-1", person_id_number=HOLDER
                    ),
                )
        for amount in amounts:
            with contextlib.suppress(FanzhaError):
                tips.decide_reward(officer, tip.id, amount, "线索属实")
        _invariant(platform)

    run()
    with platform.sessions() as session:
        assert session.scalars(select(TipReward)).first() is not None  # the property was not vacuous
