"""Prevention checks over HTTP on the real-time service (issue 24): a sixth card refused with its ground,
a re-verified fraud card allowed, a new sample number blocked at call set-up within a second, a masked
person with a third card in a row stopped with the alternatives, tiers refusing a payment, bad input."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fanzha import law
from fanzha.bootstrap import build_platform
from fanzha.core.settings import Settings
from fanzha.disposal.domain import Measure, OrderStatus, Verification
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation, User
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from tests.conftest import TEST_KEYS
from tests.factories import make_user
from tests.integration.detect.test_realtime import Service, _free_port, card
from tests.integration.test_disposal_service import disposal_of, make_disposal_world, order

BASE = "/api/v1/prevention/"
PASSED_CARD, OPEN_CARD = "13800000101", "13800000102"  # re-verified and passed; re-verification open


@dataclass
class World:
    """The running service, the keys of an operator and a bank, and the platform to publish samples."""

    service: Service
    telecom: str
    bank: str
    env: dict[str, str]
    url: str

    def post(self, route: str, body: object, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.telecom}"}
        return httpx.post(self.service.base + BASE + route, json=body, headers=headers, timeout=10)


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    """A SQLite platform: an operator and a bank with keys, two phone cards under re-verification."""
    db = tmp_path / "platform.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    platform = build_platform(Settings(environment="test", data_dir=tmp_path, database_url=url, **TEST_KEYS))  # type: ignore[arg-type]
    dw = make_disposal_world(platform)
    service, police = disposal_of(platform), dw.base.analyst
    # Art 13: both cards ordered re-verified; the operator reports one passed, the other still open.
    [passed] = service.issue(
        police.principal, order("phone", PASSED_CARD, Measure.REVERIFY, org_id=dw.cmcc.org.id)
    )
    receipt = ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.PASSED)
    service.receipt(dw.cmcc.principal, passed.id, receipt)
    service.issue(police.principal, order("phone", OPEN_CARD, Measure.REVERIFY))
    tel_admin = make_user(platform, "cmccadmin", dw.cmcc.org, Role.INSTITUTION_ADMIN)
    _, telecom = platform.auth.create_api_key(tel_admin.principal, dw.cmcc.org.id, "counter", 30)
    _, bank = platform.auth.create_api_key(dw.base.bank_a_admin.principal, dw.base.bank_a.id, "atm", 30)
    platform.close()
    env = {
        **os.environ,
        "FANZHA_DATABASE_URL": url,
        "FANZHA_ENVIRONMENT": "test",
        "FANZHA_DATA_DIR": str(tmp_path),
        "FANZHA_TOKEN_KEY_HEX": TEST_KEYS["token_key_hex"],
        "FANZHA_ENCRYPTION_KEY_HEX": TEST_KEYS["encryption_key_hex"],
    }
    port = _free_port()
    svc = Service(f"http://127.0.0.1:{port}", telecom, env, tmp_path / "state", port)
    svc.start()
    yield World(svc, telecom, bank, env, url)
    svc.stop()


def person(i: int = 0) -> dict[str, str]:
    """A valid resident ID number (checksum per GB 11643) from an index."""
    body = f"43010219900101{i:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return {"id_number": body + check}


def test_five_cards_at_one_operator_then_the_sixth_is_refused_with_its_ground(world: World) -> None:
    base = time.time() - 90 * 86400
    for i in range(5):
        check = world.post("card-opening/check", {"person": person(1), "at": base + i * 30 * 86400 / 5})
        assert check.status_code == 200, check.text
        assert check.json()["outcome"] == "allow"
        done = world.post("outcomes", {"check_id": check.json()["check_id"], "outcome": "opened"})
        assert done.status_code == 200, done.text
        opened = world.post(
            "card-reports", {"event": "opened", "person": person(1), "card": f"1380000000{i}"}
        )
        assert opened.status_code == 200, opened.text
    sixth = world.post("card-opening/check", {"person": person(1)}).json()
    assert sixth["outcome"] == "refuse" and sixth["cards_here"] == 5
    [ground] = sixth["grounds"]
    assert ground["code"] == "card_limit" and ground["article"] == "第十条第（一）项"
    assert ground["ground_zh"] in law.article("第十条") and "第十条" in ground["reason_zh"]
    assert ground["ground_en"] and sixth["legal_basis"] == ["第十条第（一）项"]
    # A card closed at the operator makes room again (Art 10(一) counts the cards held).
    closed = world.post("card-reports", {"event": "closed", "card": "13800000003"})
    assert closed.status_code == 200, closed.text
    assert world.post("card-opening/check", {"person": person(1)}).json()["outcome"] == "allow"


def test_a_fraud_card_that_passed_re_verification_is_allowed_one_still_open_is_not(world: World) -> None:
    for who, number in ((person(2), PASSED_CARD), (person(3), OPEN_CARD)):
        reported = world.post("card-reports", {"event": "opened", "person": who, "card": number})
        assert reported.status_code == 200, reported.text
    assert world.post("card-opening/check", {"person": person(2)}).json()["outcome"] == "allow"
    refused = world.post("card-opening/check", {"person": person(3)}).json()
    assert [g["code"] for g in refused["grounds"]] == ["fraud_card_unverified"]
    assert refused["grounds"][0]["ground_zh"] == "其名下存在涉诈电话卡且未通过重新核验"


def test_a_new_sample_number_is_blocked_at_call_set_up_within_a_second(world: World) -> None:
    caller = "+8613912345678"
    assert world.post("call-screen", {"caller": caller}).json()["action"] == "deliver"
    platform = build_platform(Settings(environment="test", database_url=world.url, **TEST_KEYS))  # type: ignore[arg-type]
    try:
        with platform.sessions() as session:
            user = session.scalars(select(User).where(User.username == "analyst")).one()
            org = session.get_one(Organisation, user.org_id)
            police = Principal(user.id, user.username, org.id, OrgKind(org.kind), Role(user.role))
        platform.samples.publish(
            police, SamplePublish(kind="phone", value=caller, fraud_type=FraudType.FAKE_POLICE)
        )
        published = time.monotonic()
    finally:
        platform.close()
    while True:
        answer = world.post("call-screen", {"caller": caller}).json()
        if answer["action"] == "block":
            break
        assert time.monotonic() - published < 1.0, "not blocked within a second"
        time.sleep(0.02)
    assert time.monotonic() - published < 1.0
    assert answer["rules"] == ["sample_number"] and answer["legal_basis"] == ["第十二条第二款"]
    labelled = world.post("call-screen", {"caller": "+855123456789", "via_international": True}).json()
    assert labelled["action"] == "label" and labelled["label_zh"]
    spoofed = world.post("call-screen", {"caller": "+8613800138000", "via_international": True}).json()
    assert spoofed["action"] == "block" and spoofed["rules"] == ["spoofed_caller"]


def test_a_masked_person_with_a_third_card_in_a_row_is_stopped_with_the_alternatives(world: World) -> None:
    start = time.time() - 600
    answers: list[dict[str, Any]] = []
    for i in range(3):
        body = {"card": card(50 + i), "atm_id": "ATM-0731-1", "face_covered": True, "amount_fen": 300_000}
        reply = world.post("atm-withdrawals", {**body, "at": start + i * 90}, key=world.bank)
        assert reply.status_code == 200, reply.text
        answers.append(reply.json())
    third = answers[-1]
    assert (
        third["outcome"] == "stop"
        and "many_cards_in_a_row" in third["rules"]
        and third["cards_in_a_row"] == 3
    )
    assert [a["zh"] for a in third["alternatives"]] == ["指定取现地点", "限制取现额度", "开展在线复核"]
    assert third["legal_basis"] == ["第十八条第二款"]
    plain = {"card": card(70), "atm_id": "ATM-0731-2", "face_id": "f9", "face_matches_holder": True}
    assert world.post("atm-withdrawals", plain, key=world.bank).json()["outcome"] == "allow"
    # Only banks run ATMs: the operator's key is refused.
    assert world.post("atm-withdrawals", plain).status_code == 403


def test_an_account_on_a_device_shared_by_many_new_accounts_is_refused_under_17_2(world: World) -> None:
    start = time.time() - 3 * 86400
    for i in range(3):  # three other people opened accounts on one phone within days: an organiser
        body = {"person": person(20 + i), "device": "IMEI-35-000000-1", "at": start + i * 3600}
        assert world.post("account-reports", body, key=world.bank).status_code == 200
    application = {
        "person": person(30),
        "device": "imei-35-000000-1 ",
        "due_diligence": {"fits_profile": True},
    }
    refused = world.post("account-opening/check", application, key=world.bank).json()
    assert refused["outcome"] == "refuse"
    [ground] = refused["grounds"]
    assert ground["code"] == "organised_or_others_identity" and ground["article"] == "第十七条第（二）项"
    assert ground["ground_zh"] in law.article("第十七条") and "设备" in ground["reason_zh"]
    other = {"person": person(31), "device": "another-phone", "due_diligence": {"fits_profile": False}}
    unfit = world.post("account-opening/check", other, key=world.bank).json()
    assert [g["code"] for g in unfit["grounds"]] == ["does_not_fit"]
    explained = {**other, "due_diligence": {"fits_profile": False, "explained": True}}
    assert world.post("account-opening/check", explained, key=world.bank).json()["outcome"] == "allow"
    assert world.post("account-opening/check", application).status_code == 403  # not an operator's check


TIERS = {
    "tiers": [
        {"tier": "I类", "score_from": 0, "score_to": 59, "channels": ["counter", "online", "mobile"],
         "functions": ["transfer", "payment", "receive"], "per_txn_fen": 5_000_000, "daily_fen": 20_000_000},
        {"tier": "III类", "score_from": 60, "score_to": 100, "channels": ["counter", "online"],
         "functions": ["transfer", "payment"], "per_txn_fen": 100_000, "daily_fen": 200_000},
    ]
}  # fmt: skip


def test_tiers_refuse_a_payment_naming_the_tier_and_the_limit(world: World) -> None:
    assert world.post("tiers", TIERS, key=world.bank).status_code == 200
    payer = {"kind": "bank_card", "value": card(80)}
    graded = world.post("grades", {"account": payer, "score": 75}, key=world.bank)
    assert graded.status_code == 200 and graded.json()["tier"] == "III类"

    def pay(amount: float) -> dict[str, Any]:
        body = {"payer": payer, "payee": {"kind": "bank_card", "value": card(81)}, "amount": amount}
        return httpx.post(
            world.service.base + "/api/v1/detect/realtime", json=body,
            headers={"Authorization": f"Bearer {world.bank}"}, timeout=10,
        ).json()  # fmt: skip

    assert pay(800.0)["outcome"] == "allow"
    over = pay(1500.0)
    assert (
        over["outcome"] == "refuse" and over["tier"]["tier"] == "III类" and over["tier"]["limit"] == "per_txn"
    )
    assert over["legal_basis"] == ["第十六条"]
    assert pay(900.0)["outcome"] == "allow"
    daily = pay(500.0)  # 800 + 900 already paid today: 2,000 yuan a day
    assert daily["outcome"] == "refuse" and daily["tier"]["limit"] == "daily"


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("card-opening/check", {"person": {"id_token": "ABC"}}, "person.id_token"),
        ("card-opening/check", {"person": {"id_token": "f" * 63}}, "person.id_token"),
        ("card-opening/check", {"person": {"id_number": "430102199001011235"}}, "person.id_number"),
        ("card-opening/check", {"person": {}}, "person"),
        ("card-opening/check", {"person": person(1), "age": -1}, "age"),
        ("card-reports", {"event": "sold", "card": "13800000000"}, "event"),
        ("call-screen", {}, "caller"),
        ("outcomes", {"check_id": "x", "outcome": "maybe"}, "outcome"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_changes_nothing(
    world: World, route: str, body: dict[str, Any], field: str
) -> None:
    before = world.service.health()
    refused = world.post(route, body)
    assert refused.status_code == 400, refused.text
    error = refused.json()
    assert error["field"] == field and error["code"] == "validation_failed"
    assert error["message_zh"] and error["message_en"]
    assert world.service.health() == before


def test_a_tier_table_with_a_gap_or_overlap_is_refused(world: World) -> None:
    gap = {"tiers": [{**TIERS["tiers"][0], "score_to": 50}, TIERS["tiers"][1]]}
    overlap = {"tiers": [{**TIERS["tiers"][0], "score_to": 70}, TIERS["tiers"][1]]}
    for table, words in ((gap, "缺口"), (overlap, "重叠")):
        refused = world.post("tiers", table, key=world.bank)
        assert refused.status_code == 400 and words in refused.json()["message_zh"]
        assert refused.json()["field"] == "tiers[1].score_from"
    assert world.post("tiers", TIERS).status_code == 403  # an operator keeps no bank's tiers


def test_a_batch_answers_each_item_in_order_and_refuses_a_bad_one_alone(world: World) -> None:
    items = [
        {"route": "card-opening/check", "body": {"person": person(40)}},
        {"route": "card-opening/check", "body": {"person": {"id_token": "NOT-HEX"}}},
        {"route": "call-screen", "body": {"caller": "+86123"}},
        {"route": "atm-withdrawals", "body": {"card": card(90), "atm_id": "A1"}},  # a bank's check
        {"route": "tiers-and-more", "body": {}},
    ]
    answer = world.post("batch", {"items": items})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["ok"] for r in results] == [True, False, True, False, False]
    assert results[0]["result"]["outcome"] == "allow"
    assert results[1]["error"]["field"] == "items[1].person.id_token"
    assert results[2]["result"]["action"] == "block"
    assert results[3]["error"]["code"] == "permission_denied"
    assert results[4]["error"]["field"] == "items[4].route"
    too_many = world.post("batch", {"items": items * 13})
    assert too_many.status_code == 400 and too_many.json()["field"] == "items"
