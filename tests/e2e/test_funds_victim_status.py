"""Item 8 over HTTP: the victim proves the phone on record by an SMS code and sees their own money."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.disposal.notices import MemoryNotifier
from fanzha.funds.tables import Victim
from fanzha.web.app import create_app
from tests.factories import PASSWORD
from tests.funds_world import COLLECTOR, case_body, make_funds_world

PHONE = "13812345670"
OTHER = "13987654321"


def _login(platform: Platform, username: str) -> TestClient:
    client = TestClient(create_app(platform=platform))
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _code(notifier: MemoryNotifier) -> str:
    match = re.search(r"验证码 (\d{6})", notifier.sent[-1].text)
    assert match is not None
    return match.group(1)


def test_a_victim_sees_her_own_money_held_and_nothing_of_the_others(
    platform: Platform, clock: FrozenClock
) -> None:
    make_funds_world(platform)
    assert platform.disposal is not None
    notifier = MemoryNotifier()
    platform.disposal.notifier = notifier
    centre, bank_a = _login(platform, "analyst"), _login(platform, "aop")
    body = case_body(clock.now(), victims=3, number="AJ-2026-V8")
    body["victims"][1]["phone"] = PHONE
    case = _ok(centre.post("/api/v1/funds/cases", json=body), 201)
    transfers = _ok(centre.get(f"/api/v1/funds/cases/{case['id']}"))["transfers"]
    stop = _ok(centre.post(f"/api/v1/funds/transfers/{transfers[0]['id']}/stop-payment", json={}), 201)
    _ok(
        bank_a.post(
            f"/api/v1/funds/inbox/{stop['id']}/receipt", json={"outcome": "held", "amount_fen": 500_000}
        )
    )
    with platform.sessions() as session:
        stored = session.scalars(select(Victim).where(Victim.phone_token.is_not(None))).one()
        assert PHONE not in stored.phone_masked and PHONE.encode() not in stored.phone_ciphertext

    public = TestClient(create_app(platform=platform))
    # The same answer whether or not the number is a victim's; the SMS goes to the victim's only.
    mine = _ok(public.post("/api/v1/public/funds/victim/otp", json={"phone": PHONE}), 202)
    other = _ok(public.post("/api/v1/public/funds/victim/otp", json={"phone": OTHER}), 202)
    assert mine == other and len(notifier.sent) == 1 and notifier.sent[0].recipient == "+86" + PHONE
    code = _code(notifier)

    wrong = "000000" if code != "000000" else "111111"
    refused = _ok(public.post("/api/v1/public/funds/victim/status", json={"phone": PHONE, "otp": wrong}), 422)
    assert refused["field"] == "otp"
    seen = _ok(public.post("/api/v1/public/funds/victim/status", json={"phone": PHONE, "otp": code}))
    assert PHONE not in str(seen) and COLLECTOR not in str(seen)
    [mine_case] = seen["cases"]
    assert mine_case["number"] == "AJ-2026-V8" and mine_case["loss_fen"] == 200_000
    assert (
        mine_case["held_fen"] == 500_000 and mine_case["frozen_fen"] == 0 and mine_case["returned_fen"] == 0
    )
    assert [t["amount_fen"] for t in mine_case["transfers"]] == [200_000]  # hers only
    assert [m["kind"] for m in mine_case["measures"]] == ["stop_payment"]
    assert mine_case["measures"][0]["since"] is not None
    assert "被害人1" not in str(seen) and "被害人3" not in str(seen)

    # The code is used up; another number with no code gets the same refusal.
    again = public.post("/api/v1/public/funds/victim/status", json={"phone": PHONE, "otp": code})
    assert again.status_code == 422
    assert (
        public.post("/api/v1/public/funds/victim/status", json={"phone": OTHER, "otp": code}).status_code
        == 422
    )

    with platform.sessions() as session:
        actions = list(
            session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("funds.%otp%")))
        )
        views = list(session.scalars(select(AuditRecord).where(AuditRecord.action == "funds.victim.status")))
    assert actions.count("funds.otp.issue") == 2 and "funds.otp.verify" in actions
    assert len(views) == 1 and json.loads(views[0].detail)["victim_ids"] == [stored.id]
    assert PHONE not in str(views[0].detail)


def test_the_victim_page_in_chinese_and_english(platform: Platform, clock: FrozenClock) -> None:
    make_funds_world(platform)
    assert platform.disposal is not None
    notifier = MemoryNotifier()
    platform.disposal.notifier = notifier
    centre = _login(platform, "analyst")
    body = case_body(clock.now(), victims=2, number="AJ-2026-V9")
    body["victims"][0]["phone"] = PHONE
    _ok(centre.post("/api/v1/funds/cases", json=body), 201)
    public = TestClient(create_app(platform=platform))
    form = public.get("/funds/mine")
    assert form.status_code == 200 and "查询我的被骗资金" in form.text
    sent = public.post("/funds/mine/otp", data={"phone": PHONE})
    assert sent.status_code == 202 and 'data-testid="otp-sent"' in sent.text
    assert public.post("/funds/mine/otp", data={"phone": OTHER}).text.count("otp-sent") == 1
    assert len(notifier.sent) == 1
    bad = public.post("/funds/mine", data={"phone": PHONE, "otp": "12a"})
    assert bad.status_code == 422 and PHONE not in bad.text.replace(f'value="{PHONE}"', "")
    page = public.post("/funds/mine?lang=en", data={"phone": PHONE, "otp": _code(notifier)})
    assert page.status_code == 200, page.text
    assert 'data-testid="mine-case"' in page.text and "AJ-2026-V9" in page.text and "1000.00" in page.text
    assert "Stop-payments and freezes" in page.text and COLLECTOR not in page.text
