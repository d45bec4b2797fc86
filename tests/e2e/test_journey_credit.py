"""Joint punishment over HTTP (Art 29): seller listed → measures, receipts → notice → appeal → lifted."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.credit.tables import Listing, ListingEvent
from fanzha.disposal.tables import Order
from fanzha.web.app import create_app
from fanzha.web.pdf import pdf_text
from tests.factories import PASSWORD
from tests.integration.test_credit_service import PHONE, make_credit_world
from tests.integration.test_holdings import HOLDER, OTHER

CODE = re.compile(r"申诉码 ([A-Z0-9]+)")


def _login(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform=platform))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _seller(subject: str = HOLDER, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject_id": subject,
        "ground": "cards",
        "items": 4,
        "evidence": ["长公（反诈）认字〔2026〕31号"],
        "basis": "出售本人名下银行卡4张",
    }
    return body | changes


def _counts(platform: Platform) -> tuple[int, int, int]:
    with platform.sessions() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Listing, ListingEvent, Order)
        )


def test_a_card_seller_listed_at_city_level_then_released_on_appeal(platform: Platform) -> None:
    cw = make_credit_world(platform)
    analyst, commander = _login(platform, "csanalyst"), _login(platform, "cscommander")
    county = _login(platform, "analyst")
    institutions = {name: _login(platform, name) for name in ("aop", "alipayop", "cmccop", "wechatop")}

    # Bad input changes nothing and says why.
    before = _counts(platform)
    error = _ok(analyst.post("/api/v1/credit/listings", json=_seller(evidence=[])), 422)
    assert error["field"] == "evidence" and "证据" in error["message_zh"]
    error = _ok(analyst.post("/api/v1/credit/listings", json=_seller(term_months=60)), 422)
    assert error["field"] == "term_months"
    error = _ok(county.post("/api/v1/credit/listings", json=_seller()), 403)
    assert "县级" in error["message_zh"]
    assert _counts(platform) == before

    listing = _ok(analyst.post("/api/v1/credit/listings", json=_seller()), 201)
    assert listing["status"] == "pending" and HOLDER not in str(listing)
    queue = _ok(commander.get("/api/v1/credit/listings", params={"status": "pending"}))
    assert [i["id"] for i in queue["items"]] == [listing["id"]]
    # An analyst cannot approve (commanders of the right level do).
    _ok(
        analyst.post(
            f"/api/v1/credit/listings/{listing['id']}/decision", json={"approve": True, "reason": "x"}
        ),
        403,
    )
    decided = _ok(
        commander.post(
            f"/api/v1/credit/listings/{listing['id']}/decision", json={"approve": True, "reason": "属实"}
        )
    )
    assert decided["status"] == "active"

    # The counter check: listed now.
    token = platform.disposal.vault.token_of("resident_id", HOLDER)[1]  # type: ignore[union-attr]
    assert _ok(institutions["aop"].post("/api/v1/credit/check", json={"token": token})) == {"listed": True}

    # Measures reached four institutions; each executes with a receipt.
    detail = _ok(commander.get(f"/api/v1/credit/listings/{listing['id']}"))
    orders = {o["measure"]: o for o in detail["orders"]}
    assert set(orders) == {
        "restrict_non_counter",
        "stop_payment_account",
        "restrict_cards_keep_basic",
        "restrict_risky_functions",
    }
    by_measure = {
        "restrict_non_counter": "aop",
        "stop_payment_account": "alipayop",
        "restrict_cards_keep_basic": "cmccop",
        "restrict_risky_functions": "wechatop",
    }
    for measure, name in by_measure.items():
        receipt = institutions[name].post(
            f"/api/v1/disposal/orders/{orders[measure]['order_id']}/receipt", json={"status": "executed"}
        )
        assert _ok(receipt)["status"] == "executed"
    detail = _ok(commander.get(f"/api/v1/credit/listings/{listing['id']}"))
    assert {o["status"] for o in detail["orders"]} == {"executed"}

    # The written notice: PDF read back, and the SMS with the appeal code.
    pdf = commander.get(f"/api/v1/credit/listings/{listing['id']}/notice.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "联合惩戒告知书" in text and "申诉" in text and "第二十九条" in text
    sms = [n for n in cw.hw.dw.notifier.sent if "严重失信主体名单" in n.text]
    assert len(sms) == 1 and sms[0].recipient == PHONE
    code = CODE.search(sms[0].text)
    assert code is not None and code.group(1) in text

    # The export for the credit platform.
    csv_text = commander.get("/api/v1/credit/export", params={"fmt": "csv"}).text
    assert listing["number"] in csv_text and HOLDER not in csv_text

    # The person appeals with the code; the deciding unit upholds it: everything lifted.
    public = TestClient(create_app(platform=platform))
    appeal = _ok(
        public.post(
            "/api/v1/public/appeals",
            json={
                "code": code.group(1),
                "facts": "银行卡被他人盗用",
                "reasons": "已报案",
                "documents": ["报案回执"],
            },
        ),
        201,
    )
    queue = _ok(commander.get("/api/v1/appeals"))
    appeal_id = next(a["id"] for a in queue if a["number"] == appeal["number"])
    _ok(
        commander.post(
            f"/api/v1/appeals/{appeal_id}/decision", json={"upheld": True, "reason": "核实为被盗用"}
        )
    )
    detail = _ok(commander.get(f"/api/v1/credit/listings/{listing['id']}"))
    assert detail["listing"]["status"] == "released"
    measures = [o for o in detail["orders"] if o["role"] == "measure"]
    releases = [o for o in detail["orders"] if o["role"] == "release"]
    assert {o["status"] for o in measures} == {"released"} and len(releases) == 4
    assert _ok(institutions["aop"].post("/api/v1/credit/check", json={"token": token})) == {"listed": False}


def test_a_listing_expires_on_its_own(platform: Platform, clock: FrozenClock) -> None:
    make_credit_world(platform)
    analyst, commander = _login(platform, "csanalyst"), _login(platform, "cscommander")
    listing = _ok(analyst.post("/api/v1/credit/listings", json=_seller(OTHER, term_months=6)), 201)
    _ok(
        commander.post(
            f"/api/v1/credit/listings/{listing['id']}/decision", json={"approve": True, "reason": "属实"}
        )
    )
    credit = platform.credit
    assert credit is not None
    clock.advance(timedelta(days=185))
    assert credit.expire_due() == 1
    commander = _login(platform, "cscommander")  # half a year later: a new session
    detail = _ok(commander.get(f"/api/v1/credit/listings/{listing['id']}"))
    assert detail["listing"]["status"] == "expired"
    assert [e["status_to"] for e in detail["events"]] == ["pending", "active", "expired"]


def test_the_justice_department_notifies_a_release_and_the_home_unit_sees_the_listing(
    platform: Platform, clock: FrozenClock
) -> None:
    from fanzha.identity.domain import OrgKind, Role
    from tests.factories import make_org, make_user

    make_credit_world(platform)
    justice_org = make_org(platform, "justice-hn", OrgKind.JUSTICE, "430000")
    make_user(platform, "sfj", justice_org, Role.ANALYST)
    analyst, commander = _login(platform, "csanalyst"), _login(platform, "cscommander")
    listing = _ok(
        analyst.post("/api/v1/credit/listings", json=_seller(ground="criminal", items=0, basis="帮信罪判决")),
        201,
    )
    _ok(
        commander.post(
            f"/api/v1/credit/listings/{listing['id']}/decision", json={"approve": True, "reason": "属实"}
        )
    )
    justice = _login(platform, "sfj")
    body = {
        "person_id": HOLDER,
        "offence": "帮助信息网络犯罪活动罪",
        "judgment_ref": "（2024）湘0104刑初88号",
        "released_on": (clock.now() - timedelta(days=1)).date().isoformat(),
        "region_code": "430104",
    }
    accepted = _ok(justice.post("/api/v1/credit/released", json=body), 201)
    assert set(accepted) == {"id", "police_org_id"}  # nothing about the person comes back
    # A police unit cannot pose as the justice department; nor can a bank.
    _ok(analyst.post("/api/v1/credit/released", json=body), 403)
    _ok(_login(platform, "aop").post("/api/v1/credit/released", json=body), 403)
    county = _login(platform, "analyst")
    [task] = _ok(county.get("/api/v1/credit/released"))
    assert task["listing_number"] == listing["number"] and task["listing_status"] == "active"
    assert task["listing_ends_at"] and len(task["measures"]) == 5 and HOLDER not in str(task)
    assert _ok(commander.get("/api/v1/credit/released")) == []  # the city unit is not the home unit
    closed = _ok(county.post(f"/api/v1/credit/released/{task['id']}/close", json={"report": "已谈话教育"}))
    assert closed["closed_at"] is not None
    assert _ok(county.get("/api/v1/credit/released")) == []
