"""Item 6 over HTTP: an objection on the public notice page, seen and decided by the police on the board."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.web.app import create_app
from tests.e2e.test_funds_victim_status import _login, _ok
from tests.funds_world import make_funds_world
from tests.integration.test_funds_service import _decide_return, _frozen

PHONE = "13812345678"


def test_an_objection_from_the_notice_page_holds_the_return_until_the_police_decide(
    platform: Platform, clock: FrozenClock
) -> None:
    fw = make_funds_world(platform)
    service, _, frozen = _frozen(platform, fw, clock, amount=100_001)
    _decide_return(service, fw, frozen.id)
    notice = service.publish_notice(fw.analyst.principal, frozen.id)
    public = TestClient(create_app(platform=platform))

    page = public.get("/funds/notices")
    assert f'action="/funds/notices/{notice.id}/objection"' in page.text
    bad = public.post(f"/api/v1/public/funds/notices/{notice.id}/objections", json={"name": "张某"})
    assert bad.status_code == 422
    assert (
        public.post(
            "/api/v1/public/funds/notices/999999/objections",
            json={"name": "张某", "phone": PHONE, "grounds": "含本人货款"},
        ).status_code
        == 404
    )
    lodged = _ok(
        public.post(
            f"/api/v1/public/funds/notices/{notice.id}/objections",
            json={"name": "张某", "phone": PHONE, "grounds": "该账户资金含本人货款"},
        ),
        201,
    )
    assert lodged["status"] == "pending" and PHONE not in str(lodged)
    form = public.post(
        f"/funds/notices/{notice.id}/objection", data={"name": "李某", "phone": PHONE, "grounds": "同上"}
    )
    assert form.status_code == 201 and 'data-testid="objection-lodged"' in form.text

    centre = _login(platform, "analyst")
    listed = _ok(centre.get("/api/v1/funds/objections", params={"status": "pending"}))
    assert [o["name"] for o in listed] == ["李某", "张某"] and all(
        PHONE not in o["phone_masked"] for o in listed
    )
    assert _login(platform, "aop").get("/api/v1/funds/objections").status_code == 403
    board = centre.get("/funds")
    assert f'data-testid="objection-{lodged["id"]}"' in board.text
    clock.advance(timedelta(days=30))
    centre = _login(platform, "analyst")
    pro_rata = {"method": "pro_rata", "officers": ["analyst", "fofficer"]}
    held = _ok(centre.post(f"/api/v1/funds/instructions/{frozen.id}/return", json=pro_rata), 409)
    assert "return.objection" in held["message_en"]

    dismissed = _ok(
        centre.post(
            f"/api/v1/funds/objections/{lodged['id']}/decision",
            json={"upheld": False, "reason": "货款已另行核实"},
        )
    )
    assert dismissed["status"] == "dismissed"
    other = next(o["id"] for o in listed if o["id"] != lodged["id"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', centre.get("/funds").text)
    assert token is not None
    done = centre.post(
        f"/funds/objections/{other}/decision",
        data={"upheld": "false", "reason": "同上，不成立", "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    ret = _ok(centre.post(f"/api/v1/funds/instructions/{frozen.id}/return", json=pro_rata), 201)
    assert sum(s["amount_fen"] for s in ret["shares"]) == 100_001
