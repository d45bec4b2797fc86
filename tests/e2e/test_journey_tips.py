"""Tips over HTTP (Art 38): anonymous tip with a photo → receipt code → question and answer → verified →
a sample → reward decided, approved, claimed and paid; the reporter unreadable to every other role."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.identity.domain import OrgKind, Role
from fanzha.samples.tables import Sample, Sighting
from fanzha.tips.tables import Tip, TipFileRow, TipMessage, TipReward
from tests.factories import World, make_org, make_user

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
SCAM = "+8617712345678"
Login = Callable[[str], TestClient]


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def people(platform: Platform, world: World) -> World:
    """The county X unit has a second analyst and a commander; county Y an analyst; an institution admin."""
    make_user(platform, "xanalyst2", world.county_x, Role.ANALYST)
    make_user(platform, "xcommander", world.county_x, Role.COMMANDER)
    make_user(platform, "yanalyst", world.county_y, Role.ANALYST)
    make_user(platform, "centrecommander", world.centre, Role.COMMANDER)
    city = make_org(platform, "cs", OrgKind.POLICE_CITY, "430100")
    make_user(platform, "cityanalyst", city, Role.ANALYST)
    return world


def _counts(platform: Platform) -> tuple[int, ...]:
    with platform.sessions() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Tip, TipFileRow, TipMessage, TipReward, Sample)
        )


def _tip(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "phone",
        "value": SCAM,
        "text": "自称公安局的人打电话说我涉嫌洗钱，要我转账到安全账户",
        "region_code": "430104",
        "files": [{"name": "来电截图.jpg", "content_base64": _b64(JPEG)}],
    }
    return body | changes


def test_anonymous_tip_to_verified_sample_and_claimed_reward(
    platform: Platform, client: TestClient, login: Login, people: World
) -> None:
    # Bad input changes nothing and says why: a file that is not what it claims, an unknown code.
    before = _counts(platform)
    fake = _tip(files=[{"name": "photo.jpg", "content_base64": _b64(b"MZ\x90\x00 this is an exe")}])
    error = _ok(client.post("/api/v1/public/tips", json=fake), 422)
    assert (
        error["field"] == "files.0" and "JPEG" in error["message_zh"] and error["code"] == "file_type_refused"
    )
    error = _ok(
        client.post("/api/v1/public/tips/status", json={"receipt_code": "2345-6789-ABCD-EFGH-JKMN"}), 404
    )
    assert error["code"] == "unknown_receipt" and error["field"] == "receipt_code"
    assert _counts(platform) == before

    # An anonymous tip with a photo: the receipt code is the only way back to it.
    answer = _ok(client.post("/api/v1/public/tips", json=_tip()), 201)
    code = answer["receipt_code"]
    assert len(code.replace("-", "")) == 20 and answer["status"] == "received" and answer["files"] == 1
    with platform.sessions() as session:
        row = session.scalars(select(Tip)).one()
        assert code.replace("-", "") not in row.receipt_hash and row.anonymous and row.reporter_sealed is None
        assert SCAM not in (row.identifier_masked + row.text)
        assert row.unit_org_id == people.county_x.id  # routed to the unit of the place
    tip_id = row.id

    officer = login("analyst")  # county X's analyst
    queue = _ok(officer.get("/api/v1/tips"))
    assert [t["id"] for t in queue] == [tip_id]
    # A peer county does not learn the tip exists; a city above it sees it.
    _ok(login("yanalyst").get(f"/api/v1/tips/{tip_id}"), 404)
    assert [t["id"] for t in _ok(login("cityanalyst").get("/api/v1/tips"))] == [tip_id]

    _ok(officer.post(f"/api/v1/tips/{tip_id}/take"))
    detail = _ok(officer.get(f"/api/v1/tips/{tip_id}"))
    file_id = detail["files"][0]["id"]
    assert detail["files"][0]["media_type"] == "image/jpeg"
    photo = officer.get(f"/api/v1/tips/{tip_id}/files/{file_id}")
    assert photo.status_code == 200 and photo.content == JPEG

    # The officer asks; the reporter reads the question and answers with the code, no account.
    _ok(officer.post(f"/api/v1/tips/{tip_id}/questions", json={"text": "对方来电的具体时间是？"}), 201)
    seen = _ok(client.post("/api/v1/public/tips/status", json={"receipt_code": code.lower()}))
    assert seen["messages"][0]["author"] == "officer" and "具体时间" in seen["messages"][0]["text"]
    seen = _ok(
        client.post("/api/v1/public/tips/answers", json={"receipt_code": code, "text": "昨天下午三点左右"})
    )
    assert [m["author"] for m in seen["messages"]] == ["officer", "reporter"]

    # A reward before verification is refused; verified → a sample is published from the tip.
    _ok(officer.post(f"/api/v1/tips/{tip_id}/reward", json={"amount": 200, "reason": "线索属实"}), 409)
    verdict = {
        "verdict": "verified",
        "outcome": "sample",
        "reason": "经核查该号码冒充公检法诈骗",
        "fraud_type": "fake_police",
    }
    closed = _ok(officer.post(f"/api/v1/tips/{tip_id}/verdict", json=verdict))
    assert closed["status"] == "verified" and closed["sample_id"]
    with platform.sessions() as session:
        sample = session.get(Sample, closed["sample_id"])
        assert sample is not None and sample.fraud_type == "fake_police" and sample.masked.endswith("5678")

    # Reward: above the standard refused, nothing changed; within it decided, approved by a commander.
    before = _counts(platform)
    error = _ok(
        officer.post(f"/api/v1/tips/{tip_id}/reward", json={"amount": 2001, "reason": "线索属实"}), 422
    )
    assert error["code"] == "reward_above_standard" and error["field"] == "amount"
    assert _counts(platform) == before
    _ok(
        officer.post(f"/api/v1/tips/{tip_id}/reward", json={"amount": 500, "reason": "线索属实，纳入样本库"}),
        201,
    )
    # Claims wait for the approval.
    _ok(
        client.post(
            "/api/v1/public/tips/reward-claims",
            json={"receipt_code": code, "payee_name": "张三", "payee_account": "6222020000000000000"},
        ),
        409,
    )
    _ok(
        login("xcommander").post(
            f"/api/v1/tips/{tip_id}/reward/approval", json={"approve": True, "reason": "符合奖励标准"}
        )
    )
    seen = _ok(client.post("/api/v1/public/tips/status", json={"receipt_code": code}))
    assert seen["status"] == "verified" and seen["reward"] == {
        "amount": 500,
        "status": "approved",
        "status_zh": "奖励已批准，请凭回执码领取",
    }
    claim = {"receipt_code": code, "payee_name": "张三", "payee_account": "6222020000000000000"}
    seen = _ok(client.post("/api/v1/public/tips/reward-claims", json=claim))
    assert seen["reward"]["status"] == "claimed"
    paid = _ok(officer.post(f"/api/v1/tips/{tip_id}/reward/payment", json={"reference": "财付〔2026〕118号"}))
    assert paid["status"] == "paid"
    with platform.sessions() as session:
        reward = session.scalars(select(TipReward)).one()
        assert reward.payee_sealed is not None and b"6222020000000000000" not in reward.payee_sealed

    # The handling officer alone opens the sealed reporter (here the payee), audited; all others refused.
    opened = _ok(officer.post(f"/api/v1/tips/{tip_id}/reporter"))
    assert opened["anonymous"] is True and opened["payee"] == {
        "name": "张三",
        "account": "6222020000000000000",
    }
    for who in (
        "admin",
        "secadmin",
        "auditor",
        "aadmin",
        "aop",
        "xanalyst2",
        "xcommander",
        "yanalyst",
        "cityanalyst",
        "centrecommander",
    ):
        response = login(who).post(f"/api/v1/tips/{tip_id}/reporter")
        assert response.status_code in (403, 404), (who, response.status_code)
        assert "张三" not in response.text and "6222" not in response.text
    audit = _ok(login("auditor").get("/api/v1/audit", params={"action": "tip.reporter.open", "limit": 50}))
    results = sorted((e["actor"], e["result"]) for e in audit["items"])
    assert ("analyst", "success") in results
    assert {a for a, r in results if r == "denied"} >= {
        "xanalyst2",
        "xcommander",
        "yanalyst",
        "cityanalyst",
        "centrecommander",
    }


def test_a_named_tip_about_a_known_sample_adds_a_sighting(
    platform: Platform, client: TestClient, login: Login, people: World
) -> None:
    officer = login("analyst")
    published = _ok(
        officer.post("/api/v1/samples", json={"kind": "phone", "value": SCAM, "fraud_type": "fake_police"}),
        201,
    )
    named = _tip(files=[], reporter={"name": "李四", "phone": "13800138000", "contact": "微信 lisi"})
    first = _ok(client.post("/api/v1/public/tips", json=named), 201)
    second = _ok(
        client.post("/api/v1/public/tips", json=_tip(files=[], text="又接到这个号码的诈骗电话")), 201
    )
    assert first["number"] != second["number"]
    tips = _ok(officer.get("/api/v1/tips"))
    later, earlier = tips[0], tips[1]
    assert later["duplicate_of"] == earlier["id"] and earlier["sample_id"] == published["sample"]["id"]
    _ok(officer.post(f"/api/v1/tips/{earlier['id']}/take"))
    who = _ok(officer.post(f"/api/v1/tips/{earlier['id']}/reporter"))
    assert who == {
        "anonymous": False,
        "name": "李四",
        "phone": "13800138000",
        "contact": "微信 lisi",
        "payee": None,
    }
    verdict = {
        "verdict": "verified",
        "outcome": "sample",
        "reason": "已在样本库，再次核实",
        "fraud_type": "fake_police",
    }
    closed = _ok(officer.post(f"/api/v1/tips/{earlier['id']}/verdict", json=verdict))
    assert closed["sample_id"] == published["sample"]["id"]
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Sighting)) == 1
        assert session.scalar(select(func.count()).select_from(Sample)) == 1
    # The repeat is closed as a duplicate, leading to nothing.
    _ok(officer.post(f"/api/v1/tips/{later['id']}/take"))
    dup = {
        "verdict": "duplicate",
        "outcome": "none",
        "reason": "与先前举报同一号码",
        "duplicate_of": earlier["id"],
    }
    assert _ok(officer.post(f"/api/v1/tips/{later['id']}/verdict", json=dup))["status"] == "duplicate"
    _ok(officer.post(f"/api/v1/tips/{later['id']}/reward", json={"amount": 100, "reason": "重复举报"}), 409)


def test_a_tip_routed_to_another_unit_takes_its_seal_along_and_commendations_are_recorded(
    platform: Platform, client: TestClient, login: Login, people: World
) -> None:
    body = _tip(files=[], region_code="", reporter={"name": "赵六", "phone": "13700137000"})
    _ok(client.post("/api/v1/public/tips", json=body), 201)
    centre = login("centrecommander")
    tips = _ok(centre.get("/api/v1/tips"))
    assert len(tips) == 1 and tips[0]["unit_org_id"] == people.centre.id  # no place: the centre receives it
    tip_id = tips[0]["id"]
    # Bad input: not a police unit, no reason; nothing changes.
    _ok(centre.post(f"/api/v1/tips/{tip_id}/route", json={"org_id": people.bank_a.id, "reason": "辖区"}), 422)
    routed = _ok(
        centre.post(
            f"/api/v1/tips/{tip_id}/route", json={"org_id": people.county_y.id, "reason": "号码机主在县Y"}
        )
    )
    assert routed["unit_org_id"] == people.county_y.id and routed["status"] == "received"
    _ok(login("analyst").get(f"/api/v1/tips/{tip_id}"), 404)  # county X never had it
    handler = login("yanalyst")
    _ok(handler.post(f"/api/v1/tips/{tip_id}/take"))
    assert _ok(handler.post(f"/api/v1/tips/{tip_id}/reporter"))["name"] == "赵六"
    _ok(centre.post(f"/api/v1/tips/{tip_id}/reporter"), 403)  # above the unit, still not the officer

    # Art 38¶3: commendations by a commander, refused to analysts, with the reason.
    _ok(
        login("analyst").post(
            "/api/v1/tips/commendations",
            json={"subject_kind": "unit", "name": "某快递网点", "reason": "多次报告批量电话卡"},
        ),
        403,
    )
    _ok(
        centre.post(
            "/api/v1/tips/commendations", json={"subject_kind": "person", "name": "x", "reason": "短"}
        ),
        422,
    )
    made = _ok(
        centre.post(
            "/api/v1/tips/commendations",
            json={
                "subject_kind": "unit",
                "name": "某快递网点",
                "reason": "多次报告批量电话卡",
                "tip_id": tip_id,
            },
        ),
        201,
    )
    assert [c["id"] for c in _ok(centre.get("/api/v1/tips/commendations"))] == [made["id"]]
    standard = _ok(client.get("/api/v1/public/tips/reward-standard"))
    assert "第三十八条第二款" in standard["basis"] and {t["outcome"] for t in standard["tiers"]} == {
        "warning",
        "sample",
        "case",
    }
