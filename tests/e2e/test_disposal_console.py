"""The disposal and appeal console pages, driven through their forms, and the public appeal portal."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from tests.e2e.test_disposal_journey import _sample
from tests.factories import World
from tests.integration.test_disposal_service import PHONE, DisposalWorld, make_disposal_world

Login = Callable[[str], TestClient]


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    return dw.base


def _form_post(client: TestClient, url: str, data: dict[str, str]) -> httpx.Response:
    token = str(client.headers["X-CSRF-Token"])
    return client.post(
        url, data={"csrf_token": token, **data}, headers={"X-CSRF-Token": ""}, follow_redirects=False
    )


def test_the_board_the_queue_and_the_portal(login: Login, client: TestClient, dw: DisposalWorld) -> None:
    analyst = login("analyst")
    issued = analyst.post(
        "/api/v1/disposal/orders",
        json={"sample_id": _sample(analyst), "measure": "suspend", "reason": "外呼异常"},
    )
    order_id = issued.json()["items"][0]["id"]
    operator = login("cmccop")
    board = operator.get("/disposal/orders")
    assert board.status_code == 200 and f'data-testid="order-{order_id}"' in board.text
    assert "暂停使用" in board.text and "第二十八条第一款" in board.text and PHONE not in board.text
    assert f'data-testid="order-{order_id}"' not in login("cuccop").get("/disposal/orders").text
    refused = _form_post(operator, f"/disposal/orders/{order_id}/receipt", {"status": "refused"})
    assert refused.status_code == 422
    done = _form_post(operator, f"/disposal/orders/{order_id}/receipt", {"status": "executed"})
    assert done.status_code == 303
    assert "已执行" in analyst.get("/disposal/orders", params={"status": "executed"}).text
    # The person affected appeals on the portal, without an account.
    [sms] = dw.notifier.sent
    match = re.search(r"申诉码 ([A-Z0-9]+)", sms.text)
    assert match is not None
    assert client.get("/appeal").status_code == 200
    bad = client.post(
        "/appeal", data={"code": "ABCDEFGHJK", "facts": "我是快递员每天打电话", "reasons": "正常"}
    )
    assert bad.status_code == 404 and "申诉码无效" in bad.text
    sent = client.post(
        "/appeal",
        data={
            "code": match.group(1),
            "facts": "我是快递员每天打电话",
            "reasons": "正常",
            "documents": "工作证明",
        },
    )
    assert sent.status_code == 201
    number = re.search(r'data-testid="number">([A-Z0-9]+)<', sent.text)
    assert number is not None
    # The deciding unit sees and decides it in its queue.
    queue = analyst.get("/appeals")
    assert number.group(1) in queue.text
    appeal_id = re.search(r'data-testid="appeal-(\d+)"', queue.text)
    assert appeal_id is not None
    decided = _form_post(
        analyst, f"/appeals/{appeal_id.group(1)}/decide", {"outcome": "upheld", "reason": "正常业务"}
    )
    assert decided.status_code == 303
    # The number is posted from the form (never in the address, where access logs would keep it).
    assert 'method="post" action="/appeal/status"' in client.get("/appeal/status").text
    status = client.post("/appeal/status", data={"number": number.group(1)})
    assert "申诉成立" in status.text
    assert "已解除" in analyst.get("/disposal/orders").text
    assert operator.get("/appeals").status_code == 403
