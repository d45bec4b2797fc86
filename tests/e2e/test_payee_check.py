"""The instant payee check (Art 18¶4) over HTTP: sample payees delay settlement, audited like lookups."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from tests.factories import World

Login = Callable[[str], TestClient]
URL = "/api/v1/detect/payee-check"
MULE_CARD = "6222021234567890128"
CLEAN_CARD = "6228480012345678903"
MULE_WALLET = "alipay:2088123456789012"


def _publish(analyst: TestClient) -> None:
    for kind, value in (("bank_card", MULE_CARD), ("payment_account", MULE_WALLET)):
        sample = {"kind": kind, "value": value, "fraud_type": "fake_investment", "confidence": 90}
        assert analyst.post("/api/v1/samples", json=sample).status_code == 201


def test_sample_payees_delay_settlement_and_the_batch_is_audited(
    login: Login, world: World, platform: Platform
) -> None:
    _publish(login("analyst"))
    items = [
        {"kind": "bank_card", "value": "6222 0212 3456 7890 128"},  # as typed, with spaces
        {"kind": "bank_card", "value": CLEAN_CARD},
        {"kind": "payment_account", "value": MULE_WALLET},
    ]
    response = login("aop").post(URL, json={"items": items})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["delayed"] == 2
    decisions = [r["decision"] for r in answer["results"]]
    assert decisions == ["delay_settlement", "proceed", "delay_settlement"]
    hit = answer["results"][0]
    assert hit["legal_basis"] == "第十八条第四款" and hit["fraud_type"] == "fake_investment"
    assert hit["risk_level"] in {"high", "medium", "low"} and hit["sample_id"] is not None
    assert "涉诈样本" in hit["reasons_zh"][0] and "虚假投资理财" in hit["reasons_zh"][0]
    assert answer["results"][1]["risk_level"] is None and "未列入" in answer["results"][1]["reasons_zh"][0]
    with platform.sessions() as session:
        lookups = session.scalars(select(AuditRecord).where(AuditRecord.action == "sample.lookup")).all()
    assert [json.loads(r.detail) for r in lookups] == [{"items": 3, "hits": 2, "errors": 0}]


def test_bad_payees_are_refused_with_the_field(login: Login, world: World) -> None:
    bank = login("aop")
    wrong_kind = bank.post(URL, json={"items": [{"kind": "phone", "value": "13800138000"}]})
    assert wrong_kind.status_code == 422 and wrong_kind.json()["field"] == "items.0.kind"
    bad_luhn = [
        {"kind": "bank_card", "value": CLEAN_CARD},
        {"kind": "bank_card", "value": "6222021234567890127"},
    ]
    refused = bank.post(URL, json={"items": bad_luhn})
    assert refused.status_code == 422 and refused.json()["field"] == "items.1.value"
    too_many = [{"kind": "bank_card", "value": CLEAN_CARD}] * 1001
    assert bank.post(URL, json={"items": too_many}).json()["field"] == "items"
    assert bank.post(URL, json={"items": []}).status_code == 422


def test_only_lookup_holders_may_check_payees(login: Login, world: World) -> None:
    items = {"items": [{"kind": "bank_card", "value": CLEAN_CARD}]}
    assert login("auditor").post(URL, json=items).status_code == 403
    assert login("bop").post(URL, json=items).status_code == 200
