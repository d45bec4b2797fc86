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
