"""The home page shows each person the work waiting for them, late work first, with a 14-day trend."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from tests.e2e.test_disposal_journey import _sample
from tests.factories import World
from tests.integration.test_disposal_service import DisposalWorld, make_disposal_world

Login = Callable[[str], TestClient]


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    return dw.base


def _queue(html: str, key_text: str) -> int:
    """The number on the work-queue tile whose label is `key_text`."""
    match = re.search(r'<span class="n">(\d+)</span><span>' + re.escape(key_text) + "</span>", html)
    assert match is not None, key_text
    return int(match.group(1))


def test_new_then_overdue_orders_reach_the_institution_home(
    login: Login, clock: FrozenClock, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    issued = analyst.post(
        "/api/v1/disposal/orders",
        json={"sample_id": _sample(analyst), "measure": "suspend", "reason": "外呼异常"},
    )
    assert issued.status_code == 201
    operator = login("cmccop")
    home = operator.get("/").text
    assert _queue(home, "新收到的处置工单") == 1 and _queue(home, "逾期未回执的处置工单") == 0
    assert 'href="/disposal/orders?view=new"' in home
    assert 'data-chart="' in home and "近 14 天工单" in home  # the trend chart and its table twin
    assert (
        _queue(login("cuccop").get("/").text, "新收到的处置工单") == 0
    )  # another operator's work is not theirs
    clock.advance(timedelta(days=3))
    operator, analyst = login("cmccop"), login("analyst")  # the sessions ran out meanwhile
    late = operator.get("/").text
    assert _queue(late, "逾期未回执的处置工单") == 1
    assert 'class="work-item urgent"' in late
    # Late work comes first; the issuing unit sees its overdue orders too.
    assert late.index("逾期未回执的处置工单") < late.index("新收到的处置工单")
    assert _queue(analyst.get("/").text, "本单位下发、已逾期的工单") == 1
    english = operator.get("/", params={"lang": "en"}).text
    assert "Orders overdue for a receipt" in english


def test_an_administrator_has_no_operational_queue(login: Login) -> None:
    home = login("admin").get("/").text
    assert "待办工作" not in home and 'data-chart="' not in home
