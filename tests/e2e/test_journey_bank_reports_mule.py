"""Journey 1 over HTTP: a bank reports a mule card; its bank acts at once, a city unit's determination
restricts the holder at the other institutions (Art 28¶1, 29).

Also the holdings API's bad-input answers (the field or line named, nothing changed) and its least
privilege (an institution sees and deletes only its own declarations).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.demo import AFC, seed_organisations
from fanzha.demo_province import load_province
from fanzha.disposal.tables import Holding, Notice, Order
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation
from fanzha.samples.tables import Sample
from fanzha.sim import SimConfig
from fanzha.sim.generate import generate
from tests.factories import World, make_org, make_user
from tests.integration.test_disposal_service import CARD_A, run_policy
from tests.integration.test_holdings import HOLDER, OTHER, HoldingsWorld, make_holdings_world

Login = Callable[[str], TestClient]


@pytest.fixture
def hw(platform: Platform) -> HoldingsWorld:
    return make_holdings_world(platform)


@pytest.fixture
def world(hw: HoldingsWorld) -> World:
    """The e2e `login` fixture logs in the people of the holdings world."""
    return hw.dw.base


def _holdings(platform: Platform) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Holding)) or 0)


def _declare(client: TestClient, kind: str, value: str, holder: str) -> None:
    response = client.post(
        "/api/v1/holdings", json={"items": [{"kind": kind, "value": value, "holder_id": holder}]}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 1, "created": 1, "updated": 0, "unchanged": 0}


def test_journey_1_a_bank_reports_a_mule_account(
    login: Login, platform: Platform, hw: HoldingsWorld, clock: FrozenClock
) -> None:
    dw = hw.dw
    # The institutions have declared who holds what: bank A the card, Alipay and Tenpay accounts of the
    # same person, UnionPay an account of somebody else. Tenpay's system sends a CSV file.
    bank = login("aop")
    _declare(bank, "bank_card", CARD_A, HOLDER)
    _declare(login("alipayop"), "payment_account", "alipay:2088001", HOLDER)
    _declare(login("unionpayop"), "payment_account", "unionpay:u1", OTHER)
    csv = (
        f"kind,value,holder_id\npayment_account,tenpay:wx77,{HOLDER}\npayment_account,tenpay:wx78,{HOLDER}\n"
    )
    sent = login("tenpayop").post("/api/v1/holdings/csv", files={"file": ("h.csv", csv, "text/csv")})
    assert sent.status_code == 200 and sent.json()["created"] == 2, sent.text
    # The bank's risk analyst reports the card: 14 transfers from strangers in an hour, 96 % passed on.
    reported = bank.post(
        "/api/v1/samples",
        json={
            "kind": "bank_card",
            "value": CARD_A,
            "fraud_type": "fake_investment",
            "confidence": 75,
            "evidence": "一小时内收到 14 笔陌生来账，96% 资金随即转出",
        },
    )
    assert reported.status_code == 201, reported.text
    sample_id = reported.json()["sample"]["id"]
    assert reported.json()["sample"]["status"] == "pending"
    run_policy(platform)
    centre = login("analyst")
    assert centre.get("/api/v1/disposal/orders").json()["items"] == []  # nothing before the police confirm
    # The county centre confirms it; the sample is active and linked disposal issues the orders.
    confirmed = centre.post(f"/api/v1/samples/{sample_id}/confirm", json={"reason": "核实为涉诈收款账户"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "active", confirmed.text
    run_policy(platform)
    issued = centre.get("/api/v1/disposal/orders").json()["items"]
    # Art 28¶1: the card is suspended at once. Nothing automatic reaches the holder's other accounts:
    # that would be joint punishment (Art 29).
    assert [(o["org_id"], o["measure"], o["object_kind"], o["article"]) for o in issued] == [
        (dw.base.bank_a.id, "suspend_business", "bank_card", "第二十八条第一款")
    ]
    assert {o["issuer_org_id"] for o in issued} == {dw.base.county_x.id}  # 谁决定谁负责
    for username in ("alipayop", "tenpayop", "unionpayop"):
        assert login(username).get("/api/v1/disposal/orders").json()["items"] == []
    # The bank knows no phone of the holder: it delivers the notice itself and confirms in its receipt.
    clock.advance(timedelta(minutes=7))
    [mine] = bank.get("/api/v1/disposal/orders").json()["items"]
    detail = bank.get(f"/api/v1/disposal/orders/{mine['id']}").json()
    assert detail["object_value"] == CARD_A and "申诉码" in detail["notice_text"]
    assert "〔申诉码〕" not in detail["notice_text"]
    unconfirmed = bank.post(f"/api/v1/disposal/orders/{mine['id']}/receipt", json={"status": "executed"})
    assert unconfirmed.status_code == 422 and unconfirmed.json()["field"] == "notice_delivered"
    done = bank.post(
        f"/api/v1/disposal/orders/{mine['id']}/receipt", json={"status": "executed", "notice_delivered": True}
    )
    assert done.status_code == 200 and done.json()["status"] == "executed", done.text
    # Restricting the person's accounts everywhere is joint punishment (Art 29, AFL 31¶2): a listing on the
    # serious-dishonesty list determined by a city-level unit; neither the county centre nor an order by
    # hand can do it.
    joint = {
        "kind": "resident_id",
        "value": HOLDER,
        "measure": "associated_restrict",
        "trigger": "joint_punishment",
        "basis": "长公（反诈）惩字〔2026〕7号：提供银行卡帮助信息网络犯罪活动",
        "reason": "出租、出售银行卡被认定为联合惩戒对象",
    }
    refused = centre.post("/api/v1/disposal/orders", json=joint)
    assert refused.status_code == 403 and refused.json()["field"] == "trigger", refused.text
    listing = {
        "subject_id": HOLDER,
        "ground": "cards",
        "items": 3,
        "evidence": ["长公（反诈）惩字〔2026〕7号"],
        "basis": "出租、出售银行卡3张，提供银行卡帮助信息网络犯罪活动",
    }
    refused = centre.post("/api/v1/credit/listings", json=listing)
    assert refused.status_code == 403 and "县级" in refused.json()["message_zh"], refused.text
    city = make_org(platform, "changsha", OrgKind.POLICE_CITY, "430100", dw.base.centre.id)
    make_user(platform, "cscommander", city, Role.COMMANDER)
    make_user(platform, "csanalyst", city, Role.ANALYST)
    by_hand = login("cscommander").post("/api/v1/disposal/orders", json=joint)
    assert by_hand.status_code == 422 and by_hand.json()["field"] == "trigger", by_hand.text
    proposed = login("csanalyst").post("/api/v1/credit/listings", json=listing)
    assert proposed.status_code == 201, proposed.text
    decided = login("cscommander").post(
        f"/api/v1/credit/listings/{proposed.json()['id']}/decision", json={"approve": True, "reason": "属实"}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "active", decided.text
    detail = login("cscommander").get(f"/api/v1/credit/listings/{proposed.json()['id']}").json()
    issued = detail["orders"]
    assert sorted(o["org_id"] for o in issued) == sorted(
        [dw.base.bank_a.id, dw.alipay.org.id, hw.tenpay.org.id]
    )
    assert {o["article"] for o in issued} == {"第二十九条第二款"}
    # Each institution finds the person's accounts by the token the order names (no ID number shown).
    took = {"alipayop": 12, "tenpayop": 25}
    for username, minutes in took.items():
        clock.advance(timedelta(minutes=minutes))
        institution = login(username)
        [mine] = institution.get("/api/v1/disposal/orders").json()["items"]
        detail = institution.get(f"/api/v1/disposal/orders/{mine['id']}").json()
        assert detail["object_value"] is None and HOLDER not in str(detail)
        held = institution.get("/api/v1/holdings", params={"holder_token": mine["object_token"]}).json()
        assert {h["object_masked"].split(":")[0] for h in held["items"]} == {username[:-2]}
        assert len(held["items"]) == (2 if username == "tenpayop" else 1)
        done = institution.post(
            f"/api/v1/disposal/orders/{mine['id']}/receipt",
            json={"status": "executed", "notice_delivered": True},
        )
        assert done.status_code == 200 and done.json()["status"] == "executed", done.text
    # The centre sees the executed orders, with the time each took.
    centre = login("analyst")
    board = centre.get("/api/v1/disposal/orders", params={"status": "executed"}).json()["items"]
    assert len(board) == 3
    page = centre.get("/disposal/orders", params={"status": "executed"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.text.count("已执行") >= 3
    assert HOLDER not in page.text and CARD_A not in page.text  # the board shows masks only


def _minutes(end: str, start: str) -> int:
    return int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() // 60)


def test_bad_holdings_are_refused_naming_the_field_and_nothing_changes(
    login: Login, platform: Platform, hw: HoldingsWorld
) -> None:
    bank = login("aop")
    _declare(bank, "bank_card", CARD_A, HOLDER)
    good = {"kind": "bank_card", "value": CARD_A, "holder_id": OTHER}
    cases = [
        ({"items": [good, {**good, "kind": "passport"}]}, "items.1.kind"),  # unknown kind
        ({"items": [good, {**good, "holder_id": HOLDER[:-1] + "0"}]}, "items.1.holder_id"),  # check char
        ({"items": [{**good, "holder_id": "4301"}]}, "items.0.holder_id"),
        ({"items": [{**good, "kind": "phone", "value": "13812345678"}]}, "items.0.kind"),  # not a bank's
        ({"items": []}, "items"),
    ]
    for body, field in cases:
        response = bank.post("/api/v1/holdings", json=body)
        assert response.status_code == 422 and response.json()["field"] == field, response.text
        assert response.json()["message_zh"] and response.json()["message_en"]
    bad_csv = f"kind,value,holder_id\nbank_card,{CARD_A},{OTHER}\nbank_card,{CARD_A},x\n"
    response = bank.post("/api/v1/holdings/csv", files={"file": ("h.csv", bad_csv, "text/csv")})
    assert response.status_code == 422 and response.json()["field"] == "line 3", response.text
    # Nothing changed: the card is still declared as HOLDER's.
    [row] = bank.get("/api/v1/holdings").json()["items"]
    assert row["holder_masked"] == HOLDER[:6] + "********" + HOLDER[-4:]
    assert _holdings(platform) == 1


def test_an_institution_sees_and_deletes_only_its_own_holdings(
    login: Login, client: TestClient, platform: Platform, hw: HoldingsWorld
) -> None:
    bank_a, bank_b = login("aop"), login("bop")
    _declare(bank_a, "bank_card", CARD_A, HOLDER)
    [row] = bank_a.get("/api/v1/holdings").json()["items"]
    assert bank_b.get("/api/v1/holdings").json()["items"] == []  # B cannot see A's holdings
    assert bank_b.delete(f"/api/v1/holdings/{row['id']}").status_code == 404
    assert bank_a.get("/api/v1/holdings").json()["items"] == [row]
    # The police and anonymous callers are refused; refusals are audited.
    assert login("analyst").get("/api/v1/holdings").status_code == 403
    assert login("analyst").post("/api/v1/holdings", json={"items": [{"kind": "x"}]}).status_code == 403
    assert client.get("/api/v1/holdings").status_code == 401
    with platform.sessions() as session:
        denied = {
            r.action for r in session.scalars(select(AuditRecord).where(AuditRecord.result == "denied"))
        }
    assert {"holding.delete", "GET /api/v1/holdings", "POST /api/v1/holdings"} <= denied
    # The owner deletes it; a repeat answers alike; its listing is empty.
    assert bank_a.delete(f"/api/v1/holdings/{row['id']}").status_code == 204
    assert bank_a.delete(f"/api/v1/holdings/{row['id']}").status_code == 204
    assert bank_a.get("/api/v1/holdings").json()["items"] == []


def test_the_demo_province_shows_journey_1(platform: Platform, tmp_path: Path, clock: FrozenClock) -> None:
    generate(SimConfig(people=600, days=3, seed=5), tmp_path / "province")
    seed_organisations(platform)
    loaded = load_province(platform, tmp_path / "province")
    assert loaded.holdings > 500  # every personal card and payment account of the province
    with platform.sessions() as session:
        # Art 29: no published mule card restricted its holder elsewhere by itself.
        associated = session.scalar(
            select(func.count()).select_from(Order).where(Order.measure == "associated_restrict")
        )
        assert associated == 0
        report = session.scalars(
            select(Sample).where(Sample.status == "pending", Sample.kind == "bank_card").order_by(Sample.id)
        ).first()
        assert report is not None
        centre = session.scalars(select(Organisation).where(Organisation.code == AFC)).one()
    # The centre confirms a bank's report in the demo: the card's bank is ordered to act at once.
    police = Principal(None, "demo:centre", centre.id, OrgKind.POLICE_PROVINCE, Role.ANALYST)
    platform.samples.decide(police, report.id, True, "核实为涉诈收款账户")
    clock.advance(timedelta(seconds=11))  # the loader's dispatcher lease (10 s) has run out
    run_policy(platform)
    with platform.sessions() as session:
        orders = session.execute(
            select(Order.measure, Organisation.kind, Order.article)
            .join(Organisation, Organisation.id == Order.org_id)
            .where(Order.sample_id == report.id)
        ).all()
        notices = session.scalars(select(Notice.channel).where(Notice.object_token == report.token)).all()
    assert ("suspend_business", "bank", "第二十八条第一款") in orders
    # The card's bound phone is in the register: the holder is told by SMS (Art 34¶1).
    assert "sms" in notices
