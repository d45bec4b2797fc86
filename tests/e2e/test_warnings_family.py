"""Over HTTP: a resident registered with a family contact refuses to believe → the desk calls the family."""

from __future__ import annotations

from fanzha.bootstrap import Platform
from tests.e2e.test_warnings_journey import _counts, _login, _ok
from tests.integration.test_holdings import HOLDER
from tests.warnings_world import GRID, PHONE, make_warn_world

KIN_ID = "110101199003074514"


def test_family_contact_over_http(platform: Platform) -> None:
    make_warn_world(platform)
    desk = _login(platform, "desk")
    # A family contact needs its phone; a half one is refused and nothing changes.
    before = _counts(platform)
    half = {"items": [{"id_number": HOLDER, "phone": PHONE, "grid_code": GRID, "family_id_number": KIN_ID}]}
    _ok(desk.post("/api/v1/warnings/register", json=half), 422)
    assert _counts(platform) == before
    whole = {"items": [{**half["items"][0], "family_phone": "13800138000"}]}
    assert _ok(desk.post("/api/v1/warnings/register", json=whole))["count"] == 1
    signal = {"kind": "call_96110", "ref": "96110-9", "id_number": HOLDER, "level": "high"}
    got = _ok(desk.post("/api/v1/warnings/signals", json={"items": [signal]}))["results"][0]
    _ok(desk.post(f"/api/v1/warnings/tasks/{got['task_id']}/accept"))
    _ok(desk.post(f"/api/v1/warnings/tasks/{got['task_id']}/outcome", json={"outcome": "refused_to_believe"}))
    family = [t for t in _ok(desk.get("/api/v1/warnings/tasks"))["items"] if t["channel"] == "family"]
    assert len(family) == 1
    shown = _ok(desk.get(f"/api/v1/warnings/tasks/{family[0]['id']}"))
    assert shown["phone"] == "+8613800138000" and KIN_ID not in str(shown) and HOLDER not in str(shown)


def test_already_paid_drafts_a_funds_case_for_the_police_to_confirm(platform: Platform) -> None:
    from fanzha.funds import intake
    from fanzha.funds.tables import FundsCase

    ww = make_warn_world(platform)
    desk = _login(platform, "desk")
    signal = {"kind": "call_96110", "ref": "96110-7", "id_number": HOLDER, "level": "high",
              "scam_type": "fake_police", "fraud_number": "+8617012349999"}  # fmt: skip
    got = _ok(desk.post("/api/v1/warnings/signals", json={"items": [signal]}))["results"][0]
    _ok(desk.post(f"/api/v1/warnings/tasks/{got['task_id']}/accept"))
    _ok(
        desk.post(
            f"/api/v1/warnings/tasks/{got['task_id']}/outcome",
            json={"outcome": "already_paid", "note": "已转账 3 万元"},
        )
    )
    detail = _ok(desk.get(f"/api/v1/warnings/{got['warning_id']}"))["warning"]
    assert detail["outcome"] == "already_paid" and detail["funds_case_id"]
    assert platform.funds is not None
    drafts = intake.unconfirmed(platform.funds, ww.dw.base.analyst.principal)
    assert [c.id for c in drafts] == [detail["funds_case_id"]]
    with platform.sessions() as s:
        case = s.get(FundsCase, detail["funds_case_id"])
        assert case is not None and case.source == "warning" and case.confirmed_at is None
        assert (
            ww.holder_token in case.summary and "尾号 9999" in case.summary and "冒充公检法" in case.summary
        )
        assert case.scam_type == "impersonation" and "3 万元" in case.summary
    # The police confirm it: it becomes their case.
    confirmed = intake.confirm(platform.funds, ww.dw.base.analyst.principal, detail["funds_case_id"])
    assert confirmed.confirmed_at is not None
