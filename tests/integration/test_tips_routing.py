"""A tip about a phone goes to its home city's unit (号码归属地), else the place's unit, else the province."""

from __future__ import annotations

from fanzha.bootstrap import Platform
from fanzha.identity.domain import OrgKind
from fanzha.tips.domain import TipKind
from fanzha.tips.service import TipInput
from tests.factories import make_org, make_world


def _unit(platform: Platform, value: str, region: str = "", kind: TipKind = TipKind.PHONE) -> tuple[int, str]:
    assert platform.tips is not None
    text = "冒充客服来电要求转账"
    tip, _ = platform.tips.submit(
        TipInput(kind=kind, value=value, text=text, region_code=region), [], "10.0.0.1"
    )
    return tip.unit_org_id, tip.route_reason


def test_routing_by_home_region_then_place_then_province(platform: Platform) -> None:
    world = make_world(platform)
    yueyang = make_org(platform, "yy", OrgKind.POLICE_CITY, "430600", world.centre.id)
    zhuzhou = make_org(platform, "zz", OrgKind.POLICE_CITY, "430200", world.centre.id)
    # Block 2250 is Yueyang's: the tip goes there though the place is in county X.
    unit, why = _unit(platform, "13822501234", "430104")
    assert unit == yueyang.id and "号码归属地" in why and "岳阳" in why
    # An SMS from a Zhuzhou landline (0731-2…) goes to Zhuzhou.
    assert _unit(platform, "0731-22345678", "430104", TipKind.SMS)[0] == zhuzhou.id
    # A home city without a unit (Changsha, block 0000), or a number from elsewhere: the place's unit.
    unit, why = _unit(platform, "13800001234", "430104")
    assert unit == world.county_x.id and why == "举报地点所属辖区"
    assert _unit(platform, "13850001234", "430104")[0] == world.county_x.id
    # Neither a home unit nor a place: the provincial centre.
    unit, why = _unit(platform, "13850005678")
    assert unit == world.centre.id and "省级" in why
    # A URL has no home region: the place decides.
    assert _unit(platform, "https://scam.example.com/", "430102", TipKind.URL)[0] == world.county_y.id
