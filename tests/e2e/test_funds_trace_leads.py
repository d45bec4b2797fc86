"""Issue 22 item 7 over HTTP: the tracing engine's live leads. A case's confirmed transfers traced through
the platform's transactions or an institution's upload; leads where the victims' money still is (within
the hops, at most the money traced there), accepted (→ stop-payment by the normal path) or dismissed,
audited; the traced arrivals serve a return by time (Art 35). Institutions and victims see no lead."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.disposal.notices import MemoryNotifier
from fanzha.funds.rules import RULES
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.funds_world import COLLECTOR, LAYER_A2, LAYER_B, card, case_body, make_funds_world

PHONE = "13812345679"


def _login(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform=platform))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def write_transactions(folder: Path, now: datetime) -> None:
    """The three victims pay the collector (4, 3 and 2 hours ago, ¥1000·k); the collector passes victim 1's
    and victim 2's lots to bank B's account, bank B passes victim 1's on to LAYER_A2, which cashes ¥400 out
    at an ATM. FIFO: v3's ¥3000 still at the collector (hop 0), v2's ¥2000 at LAYER_B (hop 1), v1's ¥600 at
    LAYER_A2 (hop 2)."""
    rows: list[tuple[datetime, str, str, str, int, str]] = [
        (
            now - timedelta(hours=4 - k, minutes=-1),
            card("621700", 100 + k),
            "bank_card",
            COLLECTOR,
            100_000 * k,
            "transfer",
        )
        for k in (1, 2, 3)
    ]
    rows += [
        (now - timedelta(minutes=50), COLLECTOR, "bank_card", LAYER_B, 100_000, "transfer"),
        (now - timedelta(minutes=45), COLLECTOR, "bank_card", LAYER_B, 200_000, "transfer"),
        (now - timedelta(minutes=40), LAYER_B, "bank_card", LAYER_A2, 100_000, "transfer"),
        (now - timedelta(minutes=30), LAYER_A2, "cash", "atm:7", 40_000, "atm"),
        (
            now - timedelta(minutes=20),
            card("621700", 900),
            "bank_card",
            card("621700", 901),
            5_000,
            "transfer",
        ),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "txn_id": pa.array(range(len(rows)), pa.int64()),
            "ts": pa.array([r[0] for r in rows], pa.timestamp("ms", tz="UTC")),
            "src_kind": ["bank_card"] * len(rows),
            "src_account": [r[1] for r in rows],
            "dst_kind": [r[2] for r in rows],
            "dst_account": [r[3] for r in rows],
            "amount_fen": pa.array([r[4] for r in rows], pa.int64()),
            "channel": [r[5] for r in rows],
        }
    )
    pq.write_table(table, folder / "transactions.parquet")


def test_the_trace_proposes_leads_the_police_accept_or_dismiss(
    platform: Platform, clock: FrozenClock
) -> None:
    make_funds_world(platform)
    assert platform.disposal is not None
    notifier = MemoryNotifier()
    platform.disposal.notifier = notifier
    root = platform.settings.data_dir / "provinces"
    write_transactions(root / "2026-12-07", clock.now())
    police, head = _login(platform, "analyst"), _login(platform, "fcommander")
    bank_a, bank_b = _login(platform, "aop"), _login(platform, "bop")
    body = case_body(clock.now(), victims=3, number="AJ-2026-T7")
    body["victims"][1]["phone"] = PHONE
    case = _ok(police.post("/api/v1/funds/cases", json=body), 201)
    cid = case["id"]

    # Bad input: a path for a dataset, a dataset with no transactions, hops beyond the engine's bound.
    wrong = _ok(police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "../etc"}), 422)
    assert wrong["field"] == "dataset"
    wrong = _ok(police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "none"}), 422)
    assert wrong["field"] == "dataset"
    wrong = _ok(
        police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "2026-12-07", "hops": 7}), 422
    )
    assert wrong["field"] == "hops" and "[trace.lead_bound, Hunan Art 35¶2]" in wrong["message_en"]

    leads = _ok(
        police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "2026-12-07", "hops": 3}), 201
    )
    got = {(lead["hop"], lead["amount_fen"]) for lead in leads}
    assert got == {(0, 300_000), (1, 200_000), (2, 60_000)}  # held there; the ATM's ¥400 is gone
    by_hop = {lead["hop"]: lead for lead in leads}
    victims = {v["name"]: v["id"] for v in _ok(police.get(f"/api/v1/funds/cases/{cid}"))["victims"]}
    assert [v["victim_id"] for v in by_hop[1]["victims"]] == [victims["被害人2"]]
    assert all(lead["status"] == "proposed" and LAYER_B not in str(lead) for lead in leads)  # masked
    # Bounded by the hops: one hop finds only the collector and bank B's account.
    fewer = _ok(
        police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "2026-12-07", "hops": 1}), 201
    )
    assert {lead["hop"] for lead in fewer} == {0, 1}
    listed = _ok(police.get(f"/api/v1/funds/cases/{cid}/leads"))
    assert {lead["status"] for lead in listed if lead["id"] in {x["id"] for x in leads}} == {"superseded"}
    leads = _ok(
        police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "2026-12-07", "hops": 3}), 201
    )
    by_hop = {lead["hop"]: lead for lead in leads}

    # Institutions and victims never see leads.
    for bank in (bank_a, bank_b):
        assert bank.get(f"/api/v1/funds/cases/{cid}/leads").status_code in (403, 404)
        assert bank.post(f"/api/v1/funds/leads/{by_hop[1]['id']}/acceptance", json={}).status_code in (
            403,
            404,
        )

    # Accepted: a stop-payment to bank B (routed by its BIN) for the money traced there, hop 1.
    stop = _ok(police.post(f"/api/v1/funds/leads/{by_hop[1]['id']}/acceptance", json={}), 201)
    assert stop["kind"] == "stop_payment" and stop["amount_fen"] == 200_000 and stop["hop"] == 1
    assert stop["status"] == "issued"
    again = _ok(police.post(f"/api/v1/funds/leads/{by_hop[1]['id']}/acceptance", json={}), 409)
    assert again["field"] == "lead_id"
    assert [i["id"] for i in _ok(bank_b.get("/api/v1/funds/inbox"))] == [stop["id"]]
    assert stop["id"] not in [i["id"] for i in _ok(bank_a.get("/api/v1/funds/inbox"))]
    assert bank_a.get(f"/api/v1/funds/inbox/{stop['id']}").status_code == 404
    # Dismissed, with the reason.
    gone = _ok(
        police.post(f"/api/v1/funds/leads/{by_hop[2]['id']}/dismissal", json={"reason": "经核实为取现前余额"})
    )
    assert gone["status"] == "dismissed" and gone["decided_by"] == "analyst"
    _ok(police.post(f"/api/v1/funds/leads/{by_hop[2]['id']}/dismissal", json={"reason": "再次驳回"}), 409)
    # A new trace does not propose the account stopped already.
    rerun = _ok(
        police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "2026-12-07", "hops": 3}), 201
    )
    assert {lead["hop"] for lead in rerun} == {0, 2}

    # The console shows the proposals on the money graph and the leads' table.
    page = police.get(f"/funds/cases/{cid}")
    assert page.status_code == 200 and f'data-testid="lead-{by_hop[1]["id"]}"' in page.text
    assert "追踪线索" in page.text and "#ee6666" in page.text

    # The traced money is the account's traceability: freeze it, return by time to victim 2.
    _ok(
        bank_b.post(
            f"/api/v1/funds/inbox/{stop['id']}/receipt", json={"outcome": "held", "amount_fen": 200_000}
        )
    )
    above = _ok(
        police.post(
            "/api/v1/funds/freezes",
            json={
                "case_id": cid,
                "kind": "bank_card",
                "value": LAYER_B,
                "account_name": "张某",
                "amount_fen": 200_001,
            },
        ),
        422,
    )
    assert "freeze.amount_cap" in above["message_en"]
    freeze = _ok(
        police.post(
            "/api/v1/funds/freezes",
            json={
                "case_id": cid,
                "kind": "bank_card",
                "value": LAYER_B,
                "account_name": "张某",
                "amount_fen": 200_000,
            },
        ),
        201,
    )
    _ok(
        head.post(
            f"/api/v1/funds/instructions/{freeze['id']}/approval", json={"approve": True, "reason": "同意"}
        )
    )
    _ok(
        bank_b.post(
            f"/api/v1/funds/inbox/{freeze['id']}/receipt", json={"outcome": "frozen", "amount_fen": 200_000}
        )
    )
    _ok(
        police.post(
            f"/api/v1/funds/instructions/{freeze['id']}/verification",
            json={"verdict": "return", "reason": "核实为被害人资金"},
        ),
        201,
    )
    ret = _ok(
        police.post(
            f"/api/v1/funds/instructions/{freeze['id']}/return",
            json={"method": "by_time", "officers": ["analyst", "fofficer"]},
        ),
        201,
    )
    assert [(s["victim_id"], s["amount_fen"]) for s in ret["shares"]] == [(victims["被害人2"], 200_000)]

    # The victim's own page shows her money, never a lead or an account the trace found.
    public = TestClient(create_app(platform=platform))
    _ok(public.post("/api/v1/public/funds/victim/otp", json={"phone": PHONE}), 202)
    code = re.search(r"验证码 (\d{6})", notifier.sent[-1].text)
    assert code is not None
    seen = _ok(public.post("/api/v1/public/funds/victim/status", json={"phone": PHONE, "otp": code.group(1)}))
    assert "lead" not in json.dumps(seen) and by_hop[2]["account_masked"] not in json.dumps(seen)

    with platform.sessions() as session:
        actions = list(session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("funds.%"))))
    assert actions.count("funds.trace.run") == 4
    assert "funds.lead.accept" in actions and "funds.lead.dismiss" in actions


def test_an_institutions_upload_is_traced_in_its_own_folder(platform: Platform, clock: FrozenClock) -> None:
    fw = make_funds_world(platform)
    root = platform.settings.data_dir / "provinces"
    write_transactions(root / "bank-a" / "upload-1", clock.now())
    police = _login(platform, "analyst")
    cid = _ok(police.post("/api/v1/funds/cases", json=case_body(clock.now(), number="AJ-2026-T8")), 201)["id"]
    bank_a = fw.bank_a.principal.org_id
    # The platform's root has no such dataset; the bank's folder has.
    assert (
        police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "upload-1"}).status_code == 422
    )
    leads = _ok(
        police.post(f"/api/v1/funds/cases/{cid}/trace-runs", json={"dataset": "upload-1", "org_id": bank_a}),
        201,
    )
    assert leads and {lead["source_org_id"] for lead in leads} == {bank_a}
    assert {lead["hop"] for lead in leads} == {0, 1, 2}  # the setting's 3 hops by default
    # The rule the bound refusal names rests on an article of the funds table.
    assert RULES["trace.lead_bound"].cite_en == "Hunan Art 35¶2"
