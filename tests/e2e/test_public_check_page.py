"""The public risk check as a page: anyone, no account, a level and advice only, rate-limited, bilingual."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from tests.factories import World

Login = Callable[[str], TestClient]


def test_anyone_checks_a_number_and_reads_a_level(login: Login, client: TestClient, world: World) -> None:
    published = login("analyst").post(
        "/api/v1/samples",
        json={"kind": "phone", "value": "13800138111", "fraud_type": "fake_police", "risk_level": "high"},
    )
    assert published.status_code == 201, published.text
    form = client.get("/check")
    assert form.status_code == 200 and "涉诈风险查询" in form.text and 'name="value"' in form.text
    hit = client.post("/check", data={"kind": "phone", "value": "138 0013 8111"})
    assert hit.status_code == 200 and 'data-testid="check-answer"' in hit.text
    assert "高风险" in hit.text and "96110" in hit.text
    assert "fake_police" not in hit.text and "冒充公检法" not in hit.text  # nothing about the sample itself
    miss = client.post("/check", data={"kind": "phone", "value": "13900139000"})
    assert "未发现涉诈记录" in miss.text
    english = client.post("/check", data={"kind": "phone", "value": "13800138111"}, params={"lang": "en"})
    assert "High risk" in english.text


def test_bad_input_names_the_field(client: TestClient, world: World) -> None:
    bad = client.post("/check", data={"kind": "fax", "value": "1"})
    assert bad.status_code == 422 and "字段「kind」须为以下之一" in bad.text
    empty = client.post("/check", data={"kind": "phone", "value": ""})
    assert empty.status_code == 422 and "字段「value」" in empty.text


def test_the_page_shares_the_api_rate_limit(client: TestClient, platform: Platform, world: World) -> None:
    per_minute = platform.settings.public_check_per_minute
    answers = [
        client.post("/check", data={"kind": "phone", "value": "13900139000"}) for _ in range(per_minute + 1)
    ]
    assert [a.status_code for a in answers[:per_minute]] == [200] * per_minute
    assert answers[-1].status_code == 429 and answers[-1].headers.get("retry-after")
