"""A sample's page tells its story in time order: published, orders issued and executed with how long they
took, sightings; institutions see only their own orders, and no stored JSON reaches the page."""

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


def _receipt(client: TestClient, order_id: int) -> None:
    token = str(client.headers["X-CSRF-Token"])
    done = client.post(
        f"/disposal/orders/{order_id}/receipt",
        data={"csrf_token": token, "status": "executed"},
        headers={"X-CSRF-Token": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303


def test_the_timeline_orders_events_and_measures_speed(
    login: Login, clock: FrozenClock, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    sample_id = _sample(analyst)
    clock.advance(timedelta(minutes=3))
    made = analyst.post(
        "/api/v1/disposal/orders", json={"sample_id": sample_id, "measure": "suspend", "reason": "外呼异常"}
    )
    [order_id] = [item["id"] for item in made.json()["items"]]
    clock.advance(timedelta(minutes=12))
    operator = login("cmccop")
    _receipt(operator, order_id)
    page = analyst.get(f"/samples/{sample_id}").text
    timeline = page[page.index('data-testid="timeline"') :]
    steps = re.findall(r"<strong>([^<]+)</strong>", timeline.split("</ol>")[0])
    assert steps == ["发布生效", "下发处置指令", "机构已执行"]
    assert "暂停使用" in timeline and f'href="/disposal/orders/{order_id}"' in timeline
    facts = page[page.index('data-testid="timeline-facts"') :].split("</p>")[0]
    assert "发布后首个指令用时 3.0" in facts and "执行用时中位数 12.0" in facts
    assert '{"' not in page.split("<main>")[1]  # the stored history detail is shown as words
    # Another operator sees the sample but not cmcc's order.
    other = login("cuccop").get(f"/samples/{sample_id}").text
    assert "下发处置指令" not in other[other.index('data-testid="timeline"') :]
