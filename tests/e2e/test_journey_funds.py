"""Journey 4 over HTTP: report → stop-payment at three levels → freeze approved → verification → returns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.funds_world import COLLECTOR, LAYER_A2, LAYER_B, card, case_body, make_funds_world

DIRECT = card("622202", 5)  # bank A: one victim's own payee account (a single deposit)
LAYER_B3 = card("621700", 6)  # bank B: the third layer
MULE = "alipay:mule_0731"


def _login(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform=platform))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _one_new(client: TestClient, seen: set[int]) -> dict[str, Any]:
    """The one instruction in an institution's inbox it has not handled yet."""
    fresh = [
        i for i in _ok(client.get("/api/v1/funds/inbox", params={"status": "issued"})) if i["id"] not in seen
    ]
    assert len(fresh) == 1, fresh
    seen.add(fresh[0]["id"])
    return dict(fresh[0])


def test_journey_4_from_the_report_to_the_victims_money_back(platform: Platform, clock: FrozenClock) -> None:
    make_funds_world(platform)
    centre, head = _login(platform, "analyst"), _login(platform, "fcommander")
    bank_a, bank_b, alipay = _login(platform, "aop"), _login(platform, "bop"), _login(platform, "alipayop")
    seen: set[int] = set()
    now = clock.now()

    # Twelve victims of one investment scam report; eleven paid the collector account, one her own payee.
    body = case_body(now, victims=12, number="AJ-2026-J4")
    body["victims"][11]["transfers"][0]["payee"] = DIRECT
    case = _ok(centre.post("/api/v1/funds/cases", json=body), 201)
    detail = _ok(centre.get(f"/api/v1/funds/cases/{case['id']}"))
    transfers = detail["transfers"]
    assert len(transfers) == 12 and all(COLLECTOR not in str(t) for t in transfers)

    # Bad input is refused, naming the rule and the article, and changes nothing.
    future = case_body(now, number="AJ-BAD-1")
    future["victims"][0]["transfers"][0]["at"] = (now + timedelta(hours=1)).isoformat()
    refused = _ok(centre.post("/api/v1/funds/cases", json=future), 422)
    assert "transfer.in_past" in refused["message_en"] and "第三十五条" in refused["message_zh"]
    negative = case_body(now, number="AJ-BAD-2")
    negative["victims"][0]["transfers"][0]["amount_fen"] = -5
    assert _ok(centre.post("/api/v1/funds/cases", json=negative), 422)["field"].endswith("amount_fen")
    assert [c["number"] for c in _ok(centre.get("/api/v1/funds/cases"))] == ["AJ-2026-J4"]

    # Level 0: emergency stop-payment on the collector account, routed to bank A by the card's BIN.
    stop0 = _ok(centre.post(f"/api/v1/funds/transfers/{transfers[0]['id']}/stop-payment", json={}), 201)
    assert stop0["amount_fen"] == sum(100_000 * k for k in range(1, 12))
    assert _ok(bank_b.get("/api/v1/funds/inbox")) == []  # bank B sees none of bank A's instructions
    assert _ok(bank_b.get(f"/api/v1/funds/inbox/{stop0['id']}"), 404)["code"] == "not_found"
    # The same channels as orders: bank A's order feed carries it, bank B's does not.
    feed = _ok(bank_a.get("/api/v1/disposal/feed"))["items"]
    assert [
        e["payload"]["instruction_id"] for e in feed if e["topic"].startswith("disposal.order.funds.")
    ] == [stop0["id"]]
    assert not [e for e in _ok(bank_b.get("/api/v1/disposal/feed"))["items"] if "funds" in e["topic"]]
    assert _one_new(bank_a, seen)["id"] == stop0["id"]
    assert _ok(bank_a.get(f"/api/v1/funds/inbox/{stop0['id']}"))["account_value"] == COLLECTOR
    onward = [
        {
            "kind": "bank_card",
            "value": LAYER_B,
            "amount_fen": 4_000_000,
            "at": (now - timedelta(minutes=50)).isoformat(),
        },
        {
            "kind": "payment_account",
            "value": MULE,
            "amount_fen": 2_600_000,
            "at": (now - timedelta(minutes=40)).isoformat(),
        },
    ]
    _ok(
        bank_a.post(f"/api/v1/funds/inbox/{stop0['id']}/receipt", json={"outcome": "moved", "onward": onward})
    )

    # Level 1: the leads reached bank B and the payment institution at once.
    lead_b = _one_new(bank_b, seen)
    lead_pay = _one_new(alipay, seen)
    assert (lead_b["hop"], lead_b["amount_fen"], lead_pay["amount_fen"]) == (1, 4_000_000, 2_600_000)
    _ok(
        alipay.post(
            f"/api/v1/funds/inbox/{lead_pay['id']}/receipt", json={"outcome": "held", "amount_fen": 2_600_000}
        )
    )
    onward = [
        {
            "kind": "bank_card",
            "value": LAYER_A2,
            "amount_fen": 4_000_000,
            "at": (now - timedelta(minutes=30)).isoformat(),
        }
    ]
    _ok(
        bank_b.post(
            f"/api/v1/funds/inbox/{lead_b['id']}/receipt", json={"outcome": "moved", "onward": onward}
        )
    )

    # Level 2 at bank A: most went on to bank B, the rest was cashed out at an ATM (not reported further).
    lead_a2 = _one_new(bank_a, seen)
    assert lead_a2["hop"] == 2
    onward = [
        {
            "kind": "bank_card",
            "value": LAYER_B3,
            "amount_fen": 3_000_000,
            "at": (now - timedelta(minutes=20)).isoformat(),
        }
    ]
    _ok(
        bank_a.post(
            f"/api/v1/funds/inbox/{lead_a2['id']}/receipt", json={"outcome": "moved", "onward": onward}
        )
    )

    # Level 3 at bank B: held.
    lead_b3 = _one_new(bank_b, seen)
    assert (lead_b3["hop"], lead_b3["amount_fen"]) == (3, 3_000_000)
    _ok(
        bank_b.post(
            f"/api/v1/funds/inbox/{lead_b3['id']}/receipt", json={"outcome": "held", "amount_fen": 3_000_000}
        )
    )
    graph = _ok(centre.get(f"/api/v1/funds/cases/{case['id']}"))
    assert sorted({i["hop"] for i in graph["instructions"]}) == [0, 1, 2, 3] and len(graph["onward"]) == 4

    # Freeze at bank B within the amount traced there, approved by the county head.
    freeze = {
        "case_id": case["id"],
        "kind": "bank_card",
        "value": LAYER_B3,
        "account_name": "王某",
        "amount_fen": 3_000_001,
    }
    too_much = _ok(centre.post("/api/v1/funds/freezes", json=freeze), 422)
    assert "freeze.amount_cap" in too_much["message_en"] and "Hunan Art 19¶1" in too_much["message_en"]
    beyond = _ok(
        centre.post("/api/v1/funds/freezes", json=freeze | {"amount_fen": 3_000_000, "term_months": 7}), 422
    )
    assert "freeze.term_cap" in beyond["message_en"]
    requested = _ok(centre.post("/api/v1/funds/freezes", json=freeze | {"amount_fen": 3_000_000}), 201)
    assert requested["status"] == "pending_approval"
    duplicate = _ok(centre.post("/api/v1/funds/freezes", json=freeze | {"amount_fen": 1}), 409)
    assert "freeze.no_duplicate" in duplicate["message_en"]
    assert (
        centre.post(
            f"/api/v1/funds/instructions/{requested['id']}/approval", json={"approve": True}
        ).status_code
        == 403
    )
    approved = _ok(
        head.post(f"/api/v1/funds/instructions/{requested['id']}/approval", json={"approve": True})
    )
    assert approved["status"] == "issued" and approved["approved_by"] == "fcommander"
    assert _one_new(bank_b, seen)["kind"] == "freeze"
    frozen = _ok(
        bank_b.post(
            f"/api/v1/funds/inbox/{requested['id']}/receipt",
            json={"outcome": "frozen", "amount_fen": 3_000_000},
        )
    )
    assert frozen["status"] == "frozen" and frozen["expires_at"]

    # The direct payee: one deposit, frozen and returned to that victim.
    stop_direct = _ok(
        centre.post(f"/api/v1/funds/transfers/{transfers[11]['id']}/stop-payment", json={}), 201
    )
    assert _one_new(bank_a, seen)["id"] == stop_direct["id"]
    _ok(
        bank_a.post(
            f"/api/v1/funds/inbox/{stop_direct['id']}/receipt",
            json={"outcome": "held", "amount_fen": 1_200_000},
        )
    )
    direct = freeze | {"value": DIRECT, "account_name": "赵某", "amount_fen": 1_200_000}
    direct_freeze = _ok(centre.post("/api/v1/funds/freezes", json=direct), 201)
    _ok(head.post(f"/api/v1/funds/instructions/{direct_freeze['id']}/approval", json={"approve": True}))
    assert _one_new(bank_a, seen)["id"] == direct_freeze["id"]
    _ok(
        bank_a.post(
            f"/api/v1/funds/inbox/{direct_freeze['id']}/receipt",
            json={"outcome": "frozen", "amount_fen": 1_200_000},
        )
    )

    # Verification: the payment account's money is the holder's wages → released within 3 days;
    # the two frozen accounts → return.
    release = _ok(
        centre.post(
            f"/api/v1/funds/instructions/{lead_pay['id']}/verification",
            json={"verdict": "release", "reason": "账户资金为持有人工资收入，与案件无关"},
        ),
        201,
    )
    released = _one_new(alipay, seen)
    assert released["id"] == release["release_id"] and released["due_at"].startswith(
        (now + timedelta(days=3)).date().isoformat()
    )
    _ok(alipay.post(f"/api/v1/funds/inbox/{released['id']}/receipt", json={"outcome": "released"}))
    for freeze_id in (requested["id"], direct_freeze["id"]):
        _ok(
            centre.post(
                f"/api/v1/funds/instructions/{freeze_id}/verification",
                json={"verdict": "return", "reason": "核实为被害人被骗资金"},
            ),
            201,
        )

    # The single deposit goes back to its victim at once, signed by two officers.
    single = _ok(
        centre.post(
            f"/api/v1/funds/instructions/{direct_freeze['id']}/return",
            json={"method": "single", "officers": ["analyst", "fofficer"]},
        ),
        201,
    )
    assert [s["amount_fen"] for s in single["shares"]] == [1_200_000]

    # Pro rata only after the 30-day public notice, which anyone can read.
    pro_rata = {"method": "pro_rata", "officers": ["analyst", "fofficer"]}
    early = _ok(centre.post(f"/api/v1/funds/instructions/{requested['id']}/return", json=pro_rata), 409)
    assert "return.notice" in early["message_en"]
    notice = _ok(centre.post(f"/api/v1/funds/instructions/{requested['id']}/notice"), 201)
    anonymous = TestClient(create_app(platform=platform))
    assert [n["id"] for n in _ok(anonymous.get("/api/v1/public/funds/notices"))] == [notice["id"]]
    page = anonymous.get("/funds/notices")
    assert page.status_code == 200 and "AJ-2026-J4" in page.text and LAYER_B3 not in page.text
    clock.advance(timedelta(days=30))
    centre, bank_a, bank_b = _login(platform, "analyst"), _login(platform, "aop"), _login(platform, "bop")
    ret = _ok(centre.post(f"/api/v1/funds/instructions/{requested['id']}/return", json=pro_rata), 201)
    shares = {s["victim_id"]: s["amount_fen"] for s in ret["shares"]}
    assert sum(shares.values()) == 3_000_000 and len(shares) == 11  # to the fen
    assert ret["instruction"]["officers"] == "analyst,fofficer"
    assert _ok(anonymous.get("/api/v1/public/funds/notices")) == []

    # The banks execute and send receipts.
    to_pay = _ok(bank_b.get(f"/api/v1/funds/inbox/{ret['instruction']['id']}"))
    assert len(to_pay["return_accounts"]) == 11
    _ok(bank_b.post(f"/api/v1/funds/inbox/{ret['instruction']['id']}/receipt", json={"outcome": "returned"}))
    _ok(
        bank_a.post(
            f"/api/v1/funds/inbox/{single['instruction']['id']}/receipt", json={"outcome": "returned"}
        )
    )
    final = _ok(centre.get(f"/api/v1/funds/cases/{case['id']}"))
    victims = final["victims"]
    assert sum(v["returned_fen"] for v in victims) == 4_200_000
    assert all(v["returned_fen"] <= v["loss_fen"] for v in victims)
    assert victims[11]["returned_fen"] == victims[11]["loss_fen"] == 1_200_000
    states = {i["id"]: i["status"] for i in final["instructions"]}
    assert states[requested["id"]] == states[direct_freeze["id"]] == "returned"
    assert states[lead_pay["id"]] == "released"
