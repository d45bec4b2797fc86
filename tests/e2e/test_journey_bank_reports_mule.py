"""Journey 1 over HTTP: a bank reports a mule card; its bank and the holder's payment institutions act.

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
from fanzha.disposal.tables import Holding, Order
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation
from fanzha.samples.tables import Sample
from fanzha.sim import SimConfig
from fanzha.sim.generate import generate
from tests.factories import World
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
    assert sorted((o["org_id"], o["measure"], o["object_kind"]) for o in issued) == sorted(
        [
            (dw.base.bank_a.id, "suspend_business", "bank_card"),
            (dw.alipay.org.id, "associated_restrict", "resident_id"),
            (hw.tenpay.org.id, "associated_restrict", "resident_id"),
        ]
    )
    assert {o["issuer_org_id"] for o in issued} == {dw.base.county_x.id}  # 谁决定谁负责
    # UnionPay holds no account of that person and gets nothing.
    assert login("unionpayop").get("/api/v1/disposal/orders").json()["items"] == []
    # Each institution executes and answers, minutes apart.
    took = {"aop": 7, "alipayop": 12, "tenpayop": 25}
    for username, minutes in took.items():
        clock.advance(timedelta(minutes=minutes))
        institution = login(username)
        [mine] = institution.get("/api/v1/disposal/orders").json()["items"]
        detail = institution.get(f"/api/v1/disposal/orders/{mine['id']}").json()
        if mine["measure"] == "associated_restrict":
            # The order names the person; the register gives the accounts that person holds here.
            assert detail["object_value"] == HOLDER and detail["order"]["article"] == "第十八条第三款"
            held = institution.get("/api/v1/holdings", params={"holder_token": mine["object_token"]}).json()
            assert {h["object_masked"].split(":")[0] for h in held["items"]} == {username[:-2]}
            assert len(held["items"]) == (2 if username == "tenpayop" else 1)
        else:
            assert detail["object_value"] == CARD_A and detail["order"]["article"] == "第十八条"
        done = institution.post(f"/api/v1/disposal/orders/{mine['id']}/receipt", json={"status": "executed"})
        assert done.status_code == 200 and done.json()["status"] == "executed", done.text
    # The centre sees all three executed, with the time each took (logged in again after its idle time).
    centre = login("analyst")
    board = centre.get("/api/v1/disposal/orders", params={"status": "executed"}).json()["items"]
    assert len(board) == 3
    elapsed = {o["org_id"]: _minutes(o["closed_at"], o["created_at"]) for o in board}
    assert elapsed == {dw.base.bank_a.id: 7, dw.alipay.org.id: 19, hw.tenpay.org.id: 44}
    page = centre.get("/disposal/orders", params={"status": "executed"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.text.count("已执行") >= 3
    assert all(f"{minutes} 分钟" in page.text for minutes in (7, 19, 44))  # the time each took
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
        associated = session.scalar(
            select(func.count()).select_from(Order).where(Order.measure == "associated_restrict")
        )
        assert associated and associated > 0  # published mule cards already reached their holders
        report = session.scalars(
            select(Sample).where(Sample.status == "pending", Sample.kind == "bank_card").order_by(Sample.id)
        ).first()
        assert report is not None
        centre = session.scalars(select(Organisation).where(Organisation.code == AFC)).one()
    # The centre confirms a bank's report in the demo: the card's bank and the holder's payment
    # institutions are ordered to act.
    police = Principal(None, "demo:centre", centre.id, OrgKind.POLICE_PROVINCE, Role.ANALYST)
    platform.samples.decide(police, report.id, True, "核实为涉诈收款账户")
    clock.advance(timedelta(seconds=11))  # the loader's dispatcher lease (10 s) has run out
    run_policy(platform)
    with platform.sessions() as session:
        orders = session.execute(
            select(Order.measure, Organisation.kind)
            .join(Organisation, Organisation.id == Order.org_id)
            .where(Order.sample_id == report.id)
        ).all()
        holders = session.scalars(select(Holding.holder_token).where(Holding.object_token == report.token))
        restricted = session.execute(
            select(Order.org_id, Organisation.kind)
            .join(Organisation, Organisation.id == Order.org_id)
            .where(Order.object_token.in_(list(holders)), Order.measure == "associated_restrict")
        ).all()
    assert ("suspend_business", "bank") in orders
    # The holder's payment institutions restrict that person's accounts once (a mule holds many cards,
    # so an earlier card may have brought the order already: it is not repeated while in force).
    assert len(restricted) >= 2 and {kind for _, kind in restricted} == {"payment"}
    assert len({org_id for org_id, _ in restricted}) == len(restricted)
