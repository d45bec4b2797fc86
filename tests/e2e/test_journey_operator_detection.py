"""Journey 6 over HTTP: an operator runs detection on a day of its call records, the centre confirms
the abnormal cards and bulk-issues re-verification, and the cards not re-verified in time are suspended
(Art 13, 14, 27)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.detect.runs import DetectRunService
from fanzha.disposal.domain import Measure, follow_up
from fanzha.disposal.release import escalate_overdue
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Role
from fanzha.samples.domain import RiskLevel
from tests.e2e.test_disposal_journey import Login
from tests.factories import World, make_user
from tests.integration.detect.test_telecom import World as CallRecords
from tests.integration.test_disposal_service import DisposalWorld, make_disposal_world

BOX_IMEI = "861234567890123"
DAY = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    make = make_disposal_world(platform)
    make_user(platform, "centreanalyst", make.base.centre, Role.ANALYST)
    return make


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    """The e2e `login` fixture logs in the people of the disposal world."""
    return dw.base


def a_day_of_calls(directory: Path) -> list[str]:
    """Eight new CMCC cards (segment 138) rotating in one SIM box, beside an old card calling family."""
    w = CallRecords()
    box = [
        w.card(f"+86138000000{n:02d}", DAY - timedelta(days=2), rid="430102199001011234") for n in range(8)
    ]
    for k in range(160):
        w.call(k * 3, box[k % 8], f"+86139{k:08d}", 8 if k % 3 else 0, imei=BOX_IMEI)
    mother = w.card("+8613800001111", datetime(2021, 5, 1, tzinfo=UTC), rid="430102196001011111")
    son = w.card("+8613900002222", datetime(2020, 5, 1, tzinfo=UTC), rid="430102198801011111")
    for k in range(12):
        w.call(k * 60, mother, son, 240, imei="356789012345678")
        w.call(k * 60 + 30, son, mother, 180, imei="356789012345679")
    directory.mkdir(parents=True)
    w.province(directory)
    return box


def test_operator_detects_centre_confirms_and_late_cards_are_suspended(
    login: Login, platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    runs = DetectRunService.of(platform)
    box = a_day_of_calls(runs.data_root / "tel-cmcc" / "2025-03-01")
    operator = login("cmccop")
    started = {
        engine: operator.post(
            "/api/v1/detect/runs", json={"engine": engine, "backend": "duckdb", "data_dir": "2025-03-01"}
        )
        for engine in ("AbnormalCardV1", "SimBoxV1")
    }
    assert all(r.status_code == 201 for r in started.values()), [r.text for r in started.values()]
    while runs.work_once("worker") is not None:
        pass
    ids = {engine: r.json()["id"] for engine, r in started.items()}
    box_run = operator.get(f"/api/v1/detect/runs/{ids['SimBoxV1']}/alerts").json()["items"]
    assert [a["kind"] for a in box_run] == ["imei"] and "同一设备轮换使用8张电话卡" in box_run[0]["reasons"][
        0
    ]

    # The provincial centre reviews the operator's alerts with their reasons and reveals the numbers.
    centre = login("centreanalyst")
    assert {r["id"] for r in centre.get("/api/v1/detect/runs").json()["items"]} >= set(ids.values())
    cards = centre.get(
        f"/api/v1/detect/runs/{ids['AbnormalCardV1']}/alerts", params={"reveal": "true"}
    ).json()["items"]
    assert sorted(a["raw_value"] for a in cards) == sorted(box)  # the family's cards are not flagged
    assert all("只呼出不呼入" in " ".join(a["reasons"]) for a in cards)
    lines = [
        {
            "kind": "phone",
            "value": a["raw_value"],
            "measure": "reverify",
            "risk_level": a["level"],  # Art 13 根据风险等级: the alert's grade sets deadline and follow-up
            "reason": "；".join(a["reasons"])[:500],
        }
        for a in cards
    ]
    issued = centre.post("/api/v1/disposal/orders/bulk", json={"items": lines})
    assert issued.status_code == 200 and all(line["ok"] for line in issued.json()), issued.text

    # The operator re-verifies six holders in time; two never answer.
    orders = operator.get("/api/v1/disposal/orders", params={"status": "issued", "limit": 50}).json()["items"]
    assert len(orders) == 8 and {o["measure"] for o in orders} == {"reverify"}
    answered = [{"order_id": o["id"], "status": "executed", "verification": "passed"} for o in orders[:6]]
    receipts = operator.post("/api/v1/disposal/receipts", json={"items": answered}).json()
    assert all(r["ok"] for r in receipts)

    assert platform.disposal is not None
    clock.advance(timedelta(days=3))
    escalate_overdue(platform.disposal)  # a reminder first
    clock.advance(timedelta(days=3))
    escalate_overdue(platform.disposal)  # then the report, and Art 13: not re-verified → suspended
    operator = login("cmccop")  # six days later: a new session
    follow_page = operator.get("/api/v1/disposal/orders", params={"status": "issued", "limit": 50})
    assert follow_page.status_code == 200, follow_page.text
    follow = follow_page.json()["items"]
    # Each late card gets the follow-up its risk level calls for (high: suspend; lower: restrict).
    late = {
        o["object_token"]: follow_up(IdentifierKind.PHONE, Measure.REVERIFY, RiskLevel(o["risk_level"]))
        for o in orders[6:]
    }
    assert {o["object_token"]: o["measure"] for o in follow} == late
    assert set(late.values()) <= {Measure.SUSPEND, Measure.RESTRICT}
