"""Tip pages (Chinese first), the receipt code's rate limit, and what a database insider sees."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.db.base import Base
from fanzha.identity.domain import Role
from fanzha.tips.tables import Tip, TipMessage
from fanzha.web.i18n import CATALOGUE
from tests.factories import World, make_user

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
NAME, PHONE = "王五举报人", "13912345678"
TEMPLATES = Path(__file__).parents[2] / "src" / "fanzha" / "web" / "templates" / "tips"
Login = Callable[[str], TestClient]


def _code(html: str) -> str:
    match = re.search(r'data-testid="receipt-code"[^>]*>([A-Z0-9-]+)<', html)
    assert match, html
    return match.group(1)


def test_every_text_of_the_tip_pages_is_in_the_catalogue_in_both_languages() -> None:
    keys = {
        k for page in TEMPLATES.glob("*.html") for k in re.findall(r'_\("([a-z_.]+)"\)', page.read_text())
    }
    assert keys and keys <= CATALOGUE.keys(), keys - CATALOGUE.keys()
    for key, (zh, en) in CATALOGUE.items():
        if key.startswith("tips."):
            assert zh and en, key


def test_a_courier_reports_from_the_portal_and_the_officer_works_it_in_the_console(
    platform: Platform, client: TestClient, login: Login, world: World
) -> None:
    page = client.get("/tip?form=courier")
    assert (
        page.status_code == 200
        and "我要举报" in page.text
        and "可疑物品" in page.text
        and "批量电话卡" in page.text
    )
    fields = {
        "form": "courier",
        "kind": "shipment_cards",
        "text": "寄件人一次寄出 200 张电话卡，收件地址在城郊出租屋",
        "d_role": "express",
        "d_goods": "sim_cards",
        "d_quantity": "200 张",
        "d_waybill": "SF1234567890",
        "place": "长沙市雨花区某快递网点",
        "region_code": "430104",
        "occurred_at": "2026-11-27T15:30",
        "name": NAME,
        "phone": PHONE,
    }
    # A file that is not what it claims: refused, the form kept, nothing stored.
    bad = client.post(
        "/tip", data=fields, files=[("files", ("运单.jpg", b"GIF89a not a jpeg", "image/jpeg"))]
    )
    assert bad.status_code == 422 and "按文件内容判断" in bad.text and NAME not in bad.text
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Tip)) == 0
    done = client.post("/tip", data=fields, files=[("files", ("运单.jpg", JPEG, "image/jpeg"))])
    assert done.status_code == 201, done.text
    code = _code(done.text)

    officer = login("analyst")
    queue = officer.get("/tips")
    assert queue.status_code == 200 and "寄递批量电话卡、银行卡" in queue.text
    with platform.sessions() as session:
        tip = session.scalars(select(Tip)).one()
    page = officer.get(f"/tips/{tip.id}")
    assert "200 张" in page.text and "邮政、快递寄递" in page.text and "批量电话卡" in page.text
    assert NAME not in page.text and PHONE not in page.text
    csrf = {"csrf_token": officer.headers["X-CSRF-Token"]}
    assert officer.post(f"/tips/{tip.id}/take", data=csrf, follow_redirects=False).status_code == 303
    asked = officer.post(
        f"/tips/{tip.id}/ask", data=csrf | {"text": "寄件人的外貌特征？"}, follow_redirects=False
    )
    assert asked.status_code == 303
    opened = officer.post(f"/tips/{tip.id}/reporter", data=csrf)
    assert NAME in opened.text and PHONE in opened.text

    # The reporter follows with the code and answers, no account.
    seen = client.post("/tip/follow", data={"receipt_code": code})
    assert seen.status_code == 200 and "寄件人的外貌特征" in seen.text and "核查中" in seen.text
    answered = client.post("/tip/answer", data={"receipt_code": code, "text": "三十岁左右，戴眼镜"})
    assert answered.status_code == 200 and "戴眼镜" in answered.text
    verdict = csrf | {
        "verdict": "verified",
        "outcome": "case",
        "reason": "据此查获贩卡团伙",
        "reference": "长公刑〔2026〕77号",
    }
    assert officer.post(f"/tips/{tip.id}/verdict", data=verdict, follow_redirects=False).status_code == 303
    too_much = officer.post(f"/tips/{tip.id}/reward", data=csrf | {"amount": "60000", "reason": "查获团伙"})
    assert too_much.status_code == 422 and "超过公布标准上限" in too_much.text
    assert (
        officer.post(
            f"/tips/{tip.id}/reward",
            data=csrf | {"amount": "5000", "reason": "查获团伙"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    history = officer.get(f"/tips/{tip.id}").text
    assert (
        "拟定奖励" in history
        and "举报人回复" in history
        and ">taken<" not in history
        and ">reward_" not in history
    )
    standard = client.get("/tip/rewards")
    assert standard.status_code == 200 and "50000" in standard.text and "第三十八条第二款" in standard.text

    # The database holds the reporter only sealed: no column of any table carries the name or the phone.
    with platform.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                for value in row:
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    assert NAME.encode() not in raw and PHONE.encode() not in raw, table.name
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TipMessage)) == 2


def test_receipt_code_guesses_are_rate_limited_and_audited(
    platform: Platform, client: TestClient, world: World
) -> None:
    statuses = [
        client.post(
            "/api/v1/public/tips/status", json={"receipt_code": "2345-6789-ABCD-EFGH-JKMN"}
        ).status_code
        for _ in range(platform.settings.public_check_per_minute + 1)
    ]
    assert statuses[:-1] == [404] * platform.settings.public_check_per_minute
    assert statuses[-1] == 429
    last = client.post("/api/v1/public/tips/status", json={"receipt_code": "2345-6789-ABCD-EFGH-JKMN"})
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0


def test_other_roles_reach_neither_the_queue_nor_the_reporter(
    platform: Platform, client: TestClient, login: Login, world: World
) -> None:
    make_user(platform, "xcommander", world.county_x, Role.COMMANDER)
    tip = {
        "kind": "url",
        "value": "https://fake-bank.example.com/login",
        "text": "仿冒银行登录页",
        "region_code": "430104",
        "reporter": {"name": NAME, "phone": PHONE},
    }
    assert client.post("/api/v1/public/tips", json=tip).status_code == 201
    for who in ("admin", "secadmin", "auditor", "aadmin", "aop"):
        assert login(who).get("/api/v1/tips").status_code == 403, who
        assert login(who).get("/tips").status_code == 403, who
    officer = login("analyst")
    tip_id = officer.get("/api/v1/tips").json()[0]["id"]
    # Nobody has taken it: not even the unit's own analyst or commander opens the reporter.
    assert officer.post(f"/api/v1/tips/{tip_id}/reporter").status_code == 403
    assert login("xcommander").post(f"/api/v1/tips/{tip_id}/reporter").status_code == 403
    officer.post(f"/api/v1/tips/{tip_id}/take")
    assert officer.post(f"/api/v1/tips/{tip_id}/reporter").json()["name"] == NAME


def test_a_commander_records_a_commendation_in_the_console(
    platform: Platform, login: Login, world: World
) -> None:
    make_user(platform, "xcommander", world.county_x, Role.COMMANDER)
    commander, analyst = login("xcommander"), login("analyst")
    form = {"subject_kind": "unit", "name": "某物业服务企业", "reason": "及时报告涉诈地推并留存证据"}
    refused = analyst.post("/tips/commendations", data=form | {"csrf_token": analyst.headers["X-CSRF-Token"]})
    assert refused.status_code == 403
    bad = commander.post(
        "/tips/commendations", data=form | {"reason": "短", "csrf_token": commander.headers["X-CSRF-Token"]}
    )
    assert bad.status_code == 422 and "理由" in bad.text
    done = commander.post(
        "/tips/commendations",
        data=form | {"csrf_token": commander.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = analyst.get("/tips/commendations")
    assert page.status_code == 200 and "某物业服务企业" in page.text and "表彰奖励" in page.text
