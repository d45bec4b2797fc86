"""The sample console pages, driven as a person would through forms."""

from __future__ import annotations

import re
from collections.abc import Callable

from fanzha_client.webhooks import standard_secret
from fastapi.testclient import TestClient

from tests.factories import World

Login = Callable[[str], TestClient]


def _csrf(client: TestClient) -> str:
    return str(client.headers["X-CSRF-Token"])


def test_police_publish_find_reveal_and_revoke_in_the_console(login: Login, world: World) -> None:
    analyst = login("analyst")
    form = {
        "csrf_token": _csrf(analyst),
        "kind": "phone",
        "value": "138 0013 8000",
        "fraud_type": "fake_police",
        "confidence": "90",
        "evidence": "受害人笔录",
    }
    created = analyst.post("/samples/new", data=form, headers={"X-CSRF-Token": ""}, follow_redirects=False)
    assert created.status_code == 303
    detail_url = created.headers["location"]
    page = analyst.get(detail_url)
    assert "冒充公检法" in page.text and "+86138****8000" in page.text and "13800138000" not in page.text
    revealed = analyst.get(detail_url + "?reveal=1")
    assert "+8613800138000" in revealed.text
    found = analyst.get("/samples", params={"kind": "phone", "value": "+86 13800138000"})
    assert detail_url.rsplit("/", 1)[1] in re.findall(r'href="/samples/(\d+)"', found.text)
    revoked = analyst.post(
        detail_url + "/revoke",
        data={"csrf_token": _csrf(analyst), "reason": "申诉成立"},
        follow_redirects=True,
    )
    assert "已撤销" in revoked.text and "申诉成立" in revoked.text


def test_bad_form_input_is_shown_with_the_field_and_nothing_is_saved(login: Login, world: World) -> None:
    analyst = login("analyst")
    bad = analyst.post(
        "/samples/new",
        data={
            "csrf_token": _csrf(analyst),
            "kind": "bank_card",
            "value": "4111111111111112",
            "fraud_type": "fake_loan",
        },
    )
    assert bad.status_code == 422 and "Luhn" in analyst.get("/samples/new?lang=en").text + bad.text
    protected = analyst.post(
        "/samples/new",
        data={"csrf_token": _csrf(analyst), "kind": "phone", "value": "96110", "fraud_type": "fake_loan"},
    )
    assert protected.status_code == 422 and "受保护" in protected.text
    assert "暂无数据" in analyst.get("/samples").text


def test_import_report_lists_lines_in_the_console(login: Login, world: World) -> None:
    analyst = login("analyst")
    csv_text = "kind,value,fraud_type\nphone,13800138000,fake_police\nphone,abc,fake_police\n"
    page = analyst.post(
        "/samples/import",
        data={"csrf_token": _csrf(analyst)},
        files={"file": ("x.csv", csv_text, "text/csv")},
    )
    assert (
        page.status_code == 422 and 'data-testid="import-report"' in page.text and "<td>3</td>" in page.text
    )


def test_bank_reports_police_confirm_from_the_queue(login: Login, world: World) -> None:
    bank, analyst = login("aop"), login("analyst")
    bank.post(
        "/samples/new",
        data={
            "csrf_token": _csrf(bank),
            "kind": "bank_card",
            "value": "4111111111111111",
            "fraud_type": "fake_investment",
        },
    )
    queue = analyst.get("/samples/queue")
    (sample_id,) = re.findall(r'href="/samples/(\d+)"', queue.text)
    analyst.post(f"/samples/{sample_id}/confirm", data={"csrf_token": _csrf(analyst), "reason": "核实"})
    assert "暂无数据" in analyst.get("/samples/queue").text
    assert "生效" in bank.get(f"/samples/{sample_id}").text
    assert bank.get("/samples/queue").status_code == 403


def test_subscriptions_and_statistics_pages(login: Login, world: World) -> None:
    bank_admin = login("aadmin")
    page = bank_admin.post(
        "/samples/subscriptions",
        data={
            "csrf_token": _csrf(bank_admin),
            "kinds": ["bank_card"],
            "webhook_url": "http://127.0.0.1:9/hook",
        },
    )
    assert 'data-testid="secret-once"' in page.text and "bank_card" in page.text
    (secret,) = re.findall(r'data-testid="secret-once">([^<]+)<', page.text)
    # The same key for Standard Webhooks verifiers: whsec_ + base64 of the secret.
    assert re.findall(r'data-testid="standard-secret">([^<]+)<', page.text) == [standard_secret(secret)]
    again = bank_admin.get("/samples/subscriptions")
    assert 'data-testid="secret-once"' not in again.text and "whsec_" not in again.text
    login("analyst").post(
        "/samples/new",
        data={
            "csrf_token": _csrf(login("analyst")),
            "kind": "ip",
            "value": "203.0.113.1",
            "fraud_type": "other",
        },
    )
    stats = bank_admin.get("/samples/stats")
    assert stats.status_code == 200 and "<progress" in stats.text and "IP 地址" in stats.text
