"""Journey 3 over HTTP, and the disposal API's authorisation and bad-input answers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.disposal.tables import Order
from tests.factories import World
from tests.integration.test_disposal_service import PHONE, DisposalWorld, make_disposal_world, run_policy

Login = Callable[[str], TestClient]


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    """The e2e `login` fixture logs in the people of the disposal world."""
    return dw.base


def _sample(analyst: TestClient, value: str = PHONE) -> int:
    """A sample the police publish over HTTP (the trigger of immediate measures, Art 28¶1)."""
    published = analyst.post(
        "/api/v1/samples", json={"kind": "phone", "value": value, "fraud_type": "fake_customer_service"}
    )
    assert published.status_code == 201, published.text
    return int(published.json()["sample"]["id"])


def _orders(platform: Platform) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Order)) or 0)


def test_journey_3_a_courier_wrongly_suspended_appeals(
    login: Login, client: TestClient, platform: Platform, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    # The number is flagged and published as a sample; linked disposal orders its operator.
    published = analyst.post(
        "/api/v1/samples",
        json={"kind": "phone", "value": PHONE, "fraud_type": "fake_customer_service", "confidence": 90},
    )
    assert published.status_code == 201, published.text
    sample_id = published.json()["sample"]["id"]
    run_policy(platform)
    # Two platforms re-verify the accounts registered with the number (Art 20¶2); restricting them
    # follows only a failed re-verification.
    for org in (dw.wechat.org, dw.qq.org):
        issued = analyst.post(
            "/api/v1/disposal/orders",
            json={
                "kind": "phone",
                "value": PHONE,
                "org_id": org.id,
                "measure": "associated_reverify",
                "trigger": "associated_account",
                "reason": "一日内外呼陌生号码百余次",
            },
            headers={"Idempotency-Key": f"assoc-{org.id}"},
        )
        assert issued.status_code == 201, issued.text
        assert issued.json()["items"][0]["article"] == "第二十条第二款"
    # Each institution sees its own orders only, and answers with receipts (retries are safe).
    for username, org_id in (
        ("cmccop", dw.cmcc.org.id),
        ("wechatop", dw.wechat.org.id),
        ("qqop", dw.qq.org.id),
    ):
        institution = login(username)
        while board := institution.get("/api/v1/disposal/orders", params={"status": "issued"}).json()[
            "items"
        ]:
            assert {o["org_id"] for o in board} == {org_id}
            order_id = board[0]["id"]
            detail = institution.get(f"/api/v1/disposal/orders/{order_id}").json()
            assert detail["object_value"] == "+86" + PHONE and detail["order"]["status"] == "delivered"
            receipt: dict[str, object] = {"status": "executed"}
            if board[0]["measure"] == "associated_reverify":
                receipt["verification"] = "failed"
            for _ in range(2):
                done = institution.post(
                    f"/api/v1/disposal/orders/{order_id}/receipt",
                    json=receipt,
                    headers={"Idempotency-Key": f"r-{order_id}"},
                )
                assert done.status_code == 200 and done.json()["status"] == "executed"
            assert done.headers.get("Idempotent-Replayed") == "true"
    executed = analyst.get("/api/v1/disposal/orders", params={"status": "executed"}).json()["items"]
    # The suspension, two re-verifications and the two restrictions that followed their failure.
    assert sorted(o["measure"] for o in executed) == sorted(
        [
            "suspend",
            "associated_reverify",
            "associated_reverify",
            "associated_restrict",
            "associated_restrict",
        ]
    )
    # Institutions looking the number up now see the measures already in force (issue 3).
    items = [{"kind": "phone", "value": PHONE}]
    answer = analyst.post("/api/v1/samples/lookup", json={"items": items}).json()
    assert answer["results"][0]["found"] and answer["results"][0]["measures_in_force"]
    # He gets an SMS with the measure, the reason, how to appeal and an appeal code.
    [sms] = [n for n in dw.notifier.sent if "暂停使用" in n.text]
    assert sms.recipient == "+86" + PHONE
    match = re.search(r"申诉码 ([A-Z0-9]+)", sms.text)
    assert match is not None
    code = match.group(1)
    seen = client.post("/api/v1/public/notices", json={"code": code})
    assert seen.status_code == 200 and seen.json()["measures_in_force"] == 3
    assert PHONE not in seen.text  # the portal shows the mask only
    appeal = client.post(
        "/api/v1/public/appeals",
        json={
            "code": code,
            "facts": "我是快递员，每天需要给收件人打电话",
            "reasons": "正常工作使用",
            "documents": ["工作证明.pdf"],
        },
    )
    assert appeal.status_code == 201, appeal.text
    number = appeal.json()["number"]
    # The deciding unit verifies and upholds it.
    [queued] = analyst.get("/api/v1/appeals").json()
    assert queued["number"] == number
    assert analyst.post(f"/api/v1/appeals/{queued['id']}/review").status_code == 200
    decided = analyst.post(
        f"/api/v1/appeals/{queued['id']}/decision", json={"upheld": True, "reason": "经核实为正常快递业务"}
    )
    assert decided.status_code == 200, decided.text
    assert len(decided.json()["release_order_ids"]) == 3
    # Release orders reach the operator and both platforms; the sample is revoked.
    for username in ("cmccop", "wechatop", "qqop"):
        items = login(username).get("/api/v1/disposal/orders").json()["items"]
        states = {(o["measure"], o["status"]) for o in items}
        assert ("release", "delivered") in states
        assert {s for m, s in states if m not in ("release", "associated_reverify")} == {"released"}
    assert analyst.get(f"/api/v1/samples/{sample_id}").json()["sample"]["status"] == "revoked"
    # He sees "upheld".
    status = client.post("/api/v1/public/appeals/status", json={"number": number}).json()
    assert status["status"] == "released" and "申诉成立" in status["status_zh"]
    assert "申诉成立" in dw.notifier.sent[-1].text


def test_institutions_are_confined_to_their_own_orders(
    login: Login, client: TestClient, platform: Platform, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    issued = analyst.post(
        "/api/v1/disposal/orders",
        json={"sample_id": _sample(analyst), "measure": "suspend", "reason": "外呼异常"},
    )
    assert issued.status_code == 201
    order_id = issued.json()["items"][0]["id"]
    other = login("cuccop")
    assert other.get("/api/v1/disposal/orders").json()["items"] == []
    assert other.get(f"/api/v1/disposal/orders/{order_id}").status_code == 404
    stolen = other.post(f"/api/v1/disposal/orders/{order_id}/receipt", json={"status": "executed"})
    assert stolen.status_code == 404
    assert other.get("/api/v1/disposal/feed").json()["items"] == []
    assert [
        i["payload"]["order_id"] for i in login("cmccop").get("/api/v1/disposal/feed").json()["items"]
    ] == [order_id]
    # Institutions cannot issue, police cannot answer receipts, nobody but the admin imports routing.
    assert login("cmccop").post("/api/v1/disposal/orders", json={}).status_code == 403
    assert (
        analyst.post(f"/api/v1/disposal/orders/{order_id}/receipt", json={"status": "executed"}).status_code
        == 403
    )
    assert analyst.get("/api/v1/disposal/routing").status_code == 403
    assert login("cmccop").get("/api/v1/appeals").status_code == 403
    with platform.sessions() as session:
        denied = session.scalars(select(AuditRecord).where(AuditRecord.result == "denied")).all()
    assert any(r.action == "order.receipt" for r in denied) and any(r.action == "order.read" for r in denied)
    # The portal reveals nothing without a valid code.
    assert client.post("/api/v1/public/notices", json={"code": "ABCDEFGHJK"}).status_code == 404
    assert client.post("/api/v1/public/appeals/status", json={"number": "ABCDEFGHJKLM"}).status_code == 404


def test_bad_orders_over_http_are_refused_with_the_field(
    login: Login, platform: Platform, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    base = {"kind": "phone", "value": PHONE, "reason": "外呼异常"}
    cases = [
        ({**base, "measure": "take_down_app"}, "measure"),
        ({**base, "measure": "reverify", "org_id": dw.cucc.org.id}, "org_id"),
        ({**base, "measure": "reverify", "value": "12"}, "value"),
        # Art 13: a suspension needs a notified sample (Art 28¶1) or a failed re-verification first.
        ({**base, "measure": "suspend"}, "trigger"),
        ({**base, "measure": "suspend", "trigger": "sample_notified"}, "sample_id"),
    ]
    for body, field in cases:
        response = analyst.post("/api/v1/disposal/orders", json=body)
        assert response.status_code == 422 and response.json()["field"] == field, response.text
        assert response.json()["message_zh"] and response.json()["message_en"]
    assert (
        analyst.post("/api/v1/disposal/orders", json={"measure": "suspend", "reason": "x"}).status_code == 422
    )
    assert _orders(platform) == 0


def test_the_admin_imports_routing_tables_and_the_catalogue_is_public_to_users(
    login: Login, dw: DisposalWorld
) -> None:
    admin = login("admin")
    response = admin.post(
        "/api/v1/disposal/routing/phone_segment",
        files={"file": ("segments.csv", "prefix,org_code\n138,tel-cucc\n", "text/csv")},
    )
    assert response.status_code == 201 and response.json() == {
        "table": "phone_segment",
        "version": 2,
        "rows": 1,
    }
    bad = admin.post(
        "/api/v1/disposal/routing/bank_bin",
        files={"file": ("b.csv", "bin,org_code\n62,bank-a\n", "text/csv")},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "line 2"
    tables = {t["table"]: t["version"] for t in admin.get("/api/v1/disposal/routing").json()}
    assert tables["phone_segment"] == 2 and tables["bank_bin"] == 1
    analyst = login("analyst")
    assert analyst.post("/api/v1/disposal/responsible", json={"kind": "phone", "value": PHONE}).json()[
        "org_ids"
    ] == [dw.cucc.org.id]
    # The raw number goes in the body only: the old address with it in the query string is gone.
    old = analyst.get("/api/v1/disposal/responsible", params={"kind": "phone", "value": PHONE})
    assert old.status_code == 405 and old.headers["Allow"] == "POST"  # RFC 9110: a 405 names what is
    catalogue = analyst.get("/api/v1/disposal/measures", params={"kind": "bank_card"}).json()
    assert {m["measure"] for m in catalogue} == {
        "reverify",
        "delay_settlement",
        "restrict",
        "suspend_business",
    }
    # Each entry names its trigger and the paragraph that grants the measure on it.
    assert {m["article"] for m in catalogue} == {"第十八条第三款", "第十八条第四款", "第二十八条第一款"}
    assert {m["trigger"] for m in catalogue} == {
        "monitoring_alert",
        "reverify_failed",
        "fraud_payee",
        "sample_notified",
    }
    assert all(m["grant"] for m in catalogue)


def test_bulk_receipts_and_the_object_history(login: Login, dw: DisposalWorld) -> None:
    analyst = login("analyst")
    ids, sample_id = [], _sample(analyst)
    for measure in ("restrict", "suspend"):
        response = analyst.post(
            "/api/v1/disposal/orders",
            json={"sample_id": sample_id, "measure": measure, "reason": "外呼异常"},
        )
        ids.append(response.json()["items"][0]["id"])
    foreign = analyst.post(
        "/api/v1/disposal/orders",
        json={"sample_id": _sample(analyst, "18612345678"), "measure": "suspend", "reason": "外呼异常"},
    ).json()["items"][0]["id"]
    operator = login("cmccop")
    answer = operator.post(
        "/api/v1/disposal/receipts",
        json={
            "items": [
                {"order_id": ids[0], "status": "executed"},
                {"order_id": ids[1], "status": "refused"},  # a refusal without its reason
                {"order_id": foreign, "status": "executed"},  # another operator's order
            ]
        },
    )
    assert answer.status_code == 200, answer.text
    results = {r["order_id"]: r for r in answer.json()}
    assert results[ids[0]] == {"order_id": ids[0], "ok": True, "status": "executed", "error": None}
    assert results[ids[1]]["ok"] is False and results[ids[1]]["error"]["field"] == "reason"
    assert results[foreign]["ok"] is False and results[foreign]["error"]["code"] == "not_found"
    token = analyst.get(f"/api/v1/disposal/orders/{ids[0]}").json()["order"]["object_token"]
    history = analyst.get("/api/v1/disposal/objects", params={"token": token}).json()
    # Art 34¶1: each order has its notice (sent once executed).
    assert [o["id"] for o in history["orders"]] == ids and len(history["notices"]) == 2
    assert "text" not in history["notices"][0]  # the appeal code stays with the person affected
    assert login("cuccop").get("/api/v1/disposal/objects", params={"token": token}).status_code == 403


def test_bulk_reverification_orders_report_each_line(login: Login, platform: Platform) -> None:
    analyst = login("analyst")
    line = {"kind": "phone", "measure": "reverify", "reason": "异常外呼"}
    response = analyst.post(
        "/api/v1/disposal/orders/bulk",
        json={
            "items": [
                {**line, "value": PHONE},
                {**line, "value": "13012345678"},
                {**line, "value": "18612345678"},
            ]
        },
    )
    assert response.status_code == 200
    results = response.json()
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"]["field"] == "org_id"  # no institution is responsible for 130…
    assert _orders(platform) == 2
    assert login("cmccop").post("/api/v1/disposal/orders/bulk", json={"items": [line]}).status_code == 403
