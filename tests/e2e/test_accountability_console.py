"""The accountability console, Chinese first: the case page shows the article and its fine range, a fine
typed outside it is refused on the page with the rule named; a unit's own items and its progress form."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.web.app import create_app
from tests.e2e.test_accountability_http import _platform_world
from tests.e2e.test_oversight_http import _login, _province
from tests.factories import PASSWORD

A = "/api/v1/accountability"


def _console(platform: Platform, username: str, path: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(platform=platform))
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text
    return client, match.group(1)


def test_case_page_shows_the_range_and_refuses_a_fine_outside_it(
    platform: Platform, clock: FrozenClock
) -> None:
    f, _ = _province(platform)
    web, _other, refused = _platform_world(platform, f.centre)
    cac = _login(platform, "cacanalyst")
    cid = cac.post(
        f"{A}/cases",
        json={"rule": "hn41", "respondent_org_id": web, "facts": "未重新核验关联账号", "evidence": []},
    ).json()["id"]
    assert cac.post(f"{A}/cases/{cid}/order", json={"days": 5}).status_code == 200
    clock.advance(timedelta(days=6))
    page, csrf = _console(platform, "cacanalyst", f"/accountability/cases/{cid}")
    html = page.get(f"/accountability/cases/{cid}").text
    assert "法定罚款幅度" in html and "逾期不改正：50,000元 – 200,000元" in html
    assert "情节严重：200,000元 – 500,000元" in html and "公安、电信、网信等部门按照职责责令改正" in html
    form = {"csrf_token": csrf, "step": "propose", "circumstance": "not_corrected", "amount_yuan": "250000"}
    bad = page.post(f"/accountability/cases/{cid}/act", data=form, follow_redirects=False)
    assert bad.status_code == 422 and "超出" in bad.text and "第四十一条" in bad.text
    good = page.post(
        f"/accountability/cases/{cid}/act", data={**form, "amount_yuan": "120000"}, follow_redirects=False
    )
    assert good.status_code == 303
    assert "120,000元" in page.get(f"/accountability/cases/{cid}").text
    # English on request.
    page.get("/lang/en")
    assert "Fine range set by the article" in page.get(f"/accountability/cases/{cid}").text
    assert refused


def test_a_unit_sees_its_own_items_and_reports_progress_from_the_page(platform: Platform) -> None:
    f, _ = _province(platform)
    chief = _login(platform, "chief")
    interview = chief.post(
        f"{A}/interviews", json={"org_id": f.bank_a, "month": "2026-11", "attendees": "行长"}
    ).json()
    item = chief.post(
        f"{A}/items",
        json={
            "kind": "rectification",
            "unit_org_id": f.bank_a,
            "title": "指令超期整治",
            "deadline_days": 30,
            "interview_id": interview["id"],
        },
    ).json()
    board, csrf = _console(platform, "aop", "/accountability")
    html = board.get("/accountability").text
    assert "约谈记录" in html and "超期率 40%" in html and "指令超期整治" in html
    assert "单位bank-a" in html and "罚则与罚款幅度" in html and "10,000元 – 50,000元" in html
    assert "场所与通信设施检查" in html and "内部控制与新业务风险评估" in html
    page = board.get(f"/accountability/items/{item['id']}")
    assert "整治进展" in page.text and 'name="csrf_token"' in page.text
    empty = board.post(
        f"/accountability/items/{item['id']}/report",
        data={"csrf_token": csrf, "kind": "progress", "text": ""},
    )
    assert empty.status_code == 422
    sent = board.post(
        f"/accountability/items/{item['id']}/report",
        data={"csrf_token": csrf, "kind": "progress", "text": "已完成一半", "percent": "50"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert "已完成一半（50%）" in board.get(f"/accountability/items/{item['id']}").text
    # Another bank's console lists none of it.
    other = _login(platform, "pbc")
    assert other.get(f"/accountability/items/{item['id']}").status_code == 200  # its regulator reads it
