"""号码归属地: the shipped plan covers the province's blocks once, and reads numbers as documented."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from fanzha.sim.idgen import HOME_BLOCKS
from fanzha.sim.regions import CITIES
from fanzha.tips.home_region import home_city, plan


def test_the_mobile_blocks_cover_the_home_half_once_and_name_every_city() -> None:
    blocks = plan().mobile
    assert blocks[0][0] == 0 and blocks[-1][1] == HOME_BLOCKS - 1
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(blocks))  # no gap, no overlap
    assert {city for _, _, city in blocks} == {c[0] for c in CITIES}
    assert set(plan().names) == {c[0] for c in CITIES}


@given(st.integers(0, 9999), st.integers(0, 9999), st.sampled_from(["138", "177", "199", "150"]))
def test_a_mobile_is_home_exactly_below_the_home_blocks(block: int, tail: int, segment: str) -> None:
    city = home_city(f"+86{segment}{block:04d}{tail:04d}")
    assert (city is not None) == (block < HOME_BLOCKS)


def test_known_numbers_and_landlines() -> None:
    assert home_city("+8613800001234") == "430100"  # block 0000: Changsha
    assert home_city("+8613822501234") == "430600"  # block 2250: Yueyang
    assert home_city("+8613849991234") == "433100"  # block 4999: Xiangxi
    assert home_city("+8613850001234") is None  # from elsewhere in China
    assert home_city("+867312345678") == "430200"  # 0731-2: Zhuzhou
    assert home_city("+867318888888") == "430100"  # 0731-8: Changsha
    assert home_city("+867448123456") == "430800"  # 0744: Zhangjiajie
    assert home_city("+862112345678") is None  # Shanghai
    assert home_city("95588") is None and home_city("+12025550100") is None
