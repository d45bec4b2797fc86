"""Issue 17 end to end over HTTP: a bank card's holder and an internet account's holder are told and appeal.

A bank card (not a phone) is restricted only after its re-verification failed (Art 18¶3), its holder
gets the notice through the bank's confirmed delivery (Art 34¶1) and appeals with its code, and every
measure is lifted (Art 34¶2). An internet account under Art 20¶2, ordered by the cyberspace department,
goes re-verify → late → restrict → appeal by a code sent to the holder's registered phone → release.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.disposal.release import escalate_overdue, wrongful_disposals
from fanzha.identity.domain import OrgKind, Role
from tests.factories import World, make_org, make_user
from tests.integration.test_disposal_service import CARD_A, DisposalWorld, make_disposal_world
from tests.integration.test_holdings import HOLDER

Login = Callable[[str], TestClient]
CODE = re.compile(r"申诉码 ([A-Z2-9]{10})")
HOLDER_PHONE = "13987654321"


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    """The e2e `login` fixture logs in the people of the disposal world."""
    return dw.base


def _work(client: TestClient, order_id: int, body: dict[str, object]) -> dict[str, object]:
    done = client.post(f"/api/v1/disposal/orders/{order_id}/receipt", json=body)
    assert done.status_code == 200, done.text
    return dict(done.json())


def test_a_bank_card_holder_is_restricted_after_failed_reverification_told_by_the_bank_and_released(
    login: Login, client: TestClient, platform: Platform, dw: DisposalWorld
) -> None:
    bank = login("aop")
    declared = bank.post(
        "/api/v1/holdings", json={"items": [{"kind": "bank_card", "value": CARD_A, "holder_id": HOLDER}]}
    )
    assert declared.status_code == 200, declared.text
    analyst = login("analyst")
    # A monitoring alert on the card: only re-verification (Art 18¶3); restricting it now is refused.
    alert = {"kind": "bank_card", "value": CARD_A, "reason": "一小时内 14 笔陌生来账", "risk_level": "high"}
    refused = analyst.post("/api/v1/disposal/orders", json={**alert, "measure": "suspend_business"})
    assert refused.status_code == 422 and refused.json()["field"] == "trigger"
    assert "第十八条第三款" in refused.json()["message_zh"]
    issued = analyst.post("/api/v1/disposal/orders", json={**alert, "measure": "reverify"})
    assert issued.status_code == 201, issued.text
    [check] = issued.json()["items"]
    assert (check["article"], check["trigger"]) == ("第十八条第三款", "monitoring_alert")
    # The bank re-verifies the customer: it fails. The bank tells the holder of the re-verification.
    _work(bank, check["id"], {"status": "executed", "verification": "failed", "notice_delivered": True})
    [follow] = [o for o in bank.get("/api/v1/disposal/orders").json()["items"] if o["id"] != check["id"]]
    # High risk → business suspended (Art 18¶3 根据风险等级), on the failed re-verification.
    assert (follow["measure"], follow["trigger"], follow["article"]) == (
        "suspend_business",
        "reverify_failed",
        "第十八条第三款",
    )
    detail = bank.get(f"/api/v1/disposal/orders/{follow['id']}").json()
    notice = detail["notice_text"]
    assert "中止业务" in notice and "第十八条第三款" in notice and dw.base.county_x.name_zh in notice
    # The bank delivers the notice (no phone of the holder is registered) and must confirm it.
    unconfirmed = bank.post(f"/api/v1/disposal/orders/{follow['id']}/receipt", json={"status": "executed"})
    assert unconfirmed.status_code == 422 and unconfirmed.json()["field"] == "notice_delivered"
    _work(bank, follow["id"], {"status": "executed", "notice_delivered": True})
    # The holder appeals with the code from the notice the bank handed over.
    match = CODE.search(notice)
    assert match is not None
    seen = client.post("/api/v1/public/notices", json={"code": match.group(1)})
    assert seen.status_code == 200 and seen.json()["measures_in_force"] == 1
    appeal = client.post(
        "/api/v1/public/appeals",
        json={
            "code": match.group(1),
            "facts": "这是我的工资卡，来账为货款",
            "reasons": "正常经营",
            "documents": [],
        },
    )
    assert appeal.status_code == 201, appeal.text
    [queued] = analyst.get("/api/v1/appeals").json()
    decided = analyst.post(
        f"/api/v1/appeals/{queued['id']}/decision",
        json={"upheld": True, "reason": "核实为正常经营收款", "institutions_fulfilled": True},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["appeal"]["institutions_fulfilled"] is True
    assert len(decided.json()["release_order_ids"]) == 1
    items = bank.get("/api/v1/disposal/orders").json()["items"]
    assert {(o["measure"], o["status"]) for o in items} >= {
        ("release", "delivered"),
        ("suspend_business", "released"),
    }
    history = analyst.get("/api/v1/disposal/objects", params={"token": follow["object_token"]}).json()
    assert history["appeals"][0]["institutions_fulfilled"] is True
    # Art 34¶3: the bank did its duty: the release is not counted as its wrongful disposal.
    with platform.sessions() as session:
        assert wrongful_disposals(session, dw.base.bank_a.id) == 0


def test_an_internet_account_goes_reverify_late_restrict_appeal_release(
    login: Login, client: TestClient, platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    # The platform declares the account's holder and the phone the holder registered.
    declared = login("wechatop").post(
        "/api/v1/holdings",
        json={
            "items": [
                {
                    "kind": "internet_account",
                    "value": "wechat:wxid_h",
                    "holder_id": HOLDER,
                    "holder_phone": HOLDER_PHONE,
                }
            ]
        },
    )
    assert declared.status_code == 200, declared.text
    cac = make_org(platform, "cac-hn", OrgKind.CYBERSPACE)
    make_user(platform, "cacanalyst", cac, Role.ANALYST)
    department = login("cacanalyst")
    # Art 20¶2: the cyberspace department orders the account registered with a fraud account re-verified;
    # it may not order it suspended.
    body = {"kind": "internet_account", "value": "wechat:wxid_h", "reason": "与涉诈账号同设备注册"}
    no = department.post(
        "/api/v1/disposal/orders", json={**body, "measure": "suspend", "trigger": "sample_notified"}
    )
    assert no.status_code == 403, no.text
    issued = department.post(
        "/api/v1/disposal/orders", json={**body, "measure": "reverify", "trigger": "associated_account"}
    )
    assert issued.status_code == 201, issued.text
    [check] = issued.json()["items"]
    assert check["article"] == "第二十条第二款" and check["issuer_org_id"] == cac.id
    # Not re-verified within 24 h (medium risk): the platform is ordered to restrict (根据风险情况).
    platform_user = login("wechatop")
    assert platform_user.get("/api/v1/disposal/orders").status_code == 200  # delivered
    clock.advance(timedelta(hours=24, minutes=1))
    assert platform.disposal is not None
    escalate_overdue(platform.disposal)
    platform_user, department = login("wechatop"), login("cacanalyst")  # signed in again after a day
    board = platform_user.get("/api/v1/disposal/orders", params={"status": "issued"}).json()["items"]
    [restrict] = [o for o in board if o["measure"] == "restrict"]
    assert (restrict["trigger"], restrict["article"]) == ("reverify_failed", "第二十条第二款")
    # The holder's registered phone is known: the notice goes there by SMS, no confirmation needed.
    _work(platform_user, restrict["id"], {"status": "executed"})
    [sms] = [n for n in dw.notifier.sent if "限制功能" in n.text]
    assert sms.recipient == "+86" + HOLDER_PHONE and cac.name_zh in sms.text
    # The holder appeals by a one-time code to that phone, naming the account.
    sent_before = len(dw.notifier.sent)
    asked = client.post("/api/v1/public/appeals/otp", json={"phone": HOLDER_PHONE})
    assert asked.status_code == 202 and len(dw.notifier.sent) == sent_before + 1
    otp = re.search(r"验证码 (\d{6})", dw.notifier.sent[-1].text)
    assert otp is not None
    appeal = client.post(
        "/api/v1/public/appeals",
        json={
            "phone": HOLDER_PHONE,
            "otp": otp.group(1),
            "kind": "internet_account",
            "value": "wechat:wxid_h",
            "facts": "本人正常使用的微信",
            "reasons": "误判",
            "documents": [],
        },
    )
    assert appeal.status_code == 201, appeal.text
    # 谁决定谁负责: the department that ordered decides, and the restriction is lifted.
    [queued] = department.get("/api/v1/appeals").json()
    decided = department.post(
        f"/api/v1/appeals/{queued['id']}/decision", json={"upheld": True, "reason": "核实无误"}
    )
    assert decided.status_code == 200, decided.text
    assert len(decided.json()["release_order_ids"]) >= 1
    states = {
        (o["measure"], o["status"]) for o in platform_user.get("/api/v1/disposal/orders").json()["items"]
    }
    assert ("restrict", "released") in states and ("release", "delivered") in states


def test_the_portal_form_appeals_a_card_by_the_holders_phone(
    login: Login, client: TestClient, platform: Platform, dw: DisposalWorld
) -> None:
    bank = login("aop")
    declared = bank.post(
        "/api/v1/holdings",
        json={
            "items": [
                {"kind": "bank_card", "value": CARD_A, "holder_id": HOLDER, "holder_phone": HOLDER_PHONE}
            ]
        },
    )
    assert declared.status_code == 200, declared.text
    analyst = login("analyst")
    body = {
        "kind": "bank_card",
        "value": CARD_A,
        "measure": "restrict",
        "trigger": "fraud_payee",
        "reason": "收款方为涉诈账户",
    }
    [held] = analyst.post("/api/v1/disposal/orders", json=body).json()["items"]
    assert held["article"] == "第十八条第四款"
    _work(bank, held["id"], {"status": "executed"})  # the holder's phone is known: told by SMS
    assert dw.notifier.sent[-1].recipient == "+86" + HOLDER_PHONE
    page = client.get("/appeal")
    assert page.status_code == 200 and "银行卡号" in page.text
    client.post("/appeal/otp", data={"phone": HOLDER_PHONE})
    otp = re.search(r"验证码 (\d{6})", dw.notifier.sent[-1].text)
    assert otp is not None
    answer = client.post(
        "/appeal",
        data={
            "phone": HOLDER_PHONE,
            "otp": otp.group(1),
            "kind": "bank_card",
            "value": CARD_A,
            "facts": "这是我的工资卡，来账为工资",
            "reasons": "误判",
        },
    )
    assert answer.status_code == 201, answer.text
    [queued] = analyst.get("/api/v1/appeals").json()
    assert queued["object_kind"] == "bank_card"
