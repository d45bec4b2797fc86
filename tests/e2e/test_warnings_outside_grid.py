"""Over HTTP: a resident outside the grid register is not dropped; the county desk routes the visit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.warnings.tables import WarnTask
from tests.e2e.test_warnings_journey import _counts, _login, _ok
from tests.warnings_world import GRID, OTHER_GRID, make_warn_world

STRANGER = "c" * 64  # a keyed ID token nobody registered


def _visit_for_stranger(desk: TestClient) -> dict[str, object]:
    """A 96110 call about a stranger (phone given, no grid): high → call; unreachable → a visit."""
    signal = {"kind": "call_96110", "ref": "96110-1", "person_token": STRANGER, "level": "high",
              "phone": "13700001111"}  # fmt: skip
    result = _ok(desk.post("/api/v1/warnings/signals", json={"items": [signal]}))["results"][0]
    assert result["action"] == "call"
    _ok(desk.post(f"/api/v1/warnings/tasks/{result['task_id']}/accept"))
    _ok(desk.post(f"/api/v1/warnings/tasks/{result['task_id']}/outcome", json={"outcome": "unreachable"}))
    visits = [t for t in _ok(desk.get("/api/v1/warnings/tasks"))["items"] if t["channel"] == "visit"]
    assert len(visits) == 1
    return visits[0]


def test_a_visit_outside_the_grid_register_waits_at_the_county_desk_then_goes_to_a_grid(
    platform: Platform,
) -> None:
    make_warn_world(platform)
    desk, worker, other = _login(platform, "desk"), _login(platform, "gridw"), _login(platform, "gridw2")
    visit = _visit_for_stranger(desk)
    # The county's unassigned queue: the desk's county, no grid; no grid worker sees it yet.
    assert visit["county_code"] == "430104" and visit["grid_code"] is None
    assert _ok(worker.get("/api/v1/warnings/tasks"))["items"] == []
    # Bad input is refused with the field and both languages; nothing changes.
    before = _counts(platform)
    bad = _ok(
        desk.post(f"/api/v1/warnings/tasks/{visit['id']}/route", json={"grid_code": "430104009009"}), 422
    )
    assert bad["field"] == "grid_code" and "网格" in bad["message_zh"] and bad["message_en"]
    _ok(desk.post(f"/api/v1/warnings/tasks/{visit['id']}/route", json={"grid_code": "12"}), 422)
    _ok(worker.post(f"/api/v1/warnings/tasks/{visit['id']}/route", json={"grid_code": GRID}), 403)
    assert _counts(platform) == before
    routed = _ok(desk.post(f"/api/v1/warnings/tasks/{visit['id']}/route", json={"grid_code": GRID}))
    assert routed["grid_code"] == GRID
    # Now it is that grid's worker's, and only theirs; routing it again is refused.
    assert [t["id"] for t in _ok(worker.get("/api/v1/warnings/tasks"))["items"]] == [visit["id"]]
    assert _ok(other.get("/api/v1/warnings/tasks"))["items"] == []
    again = _ok(desk.post(f"/api/v1/warnings/tasks/{visit['id']}/route", json={"grid_code": OTHER_GRID}), 422)
    assert again["field"] == "task_id"
    with platform.sessions() as s:
        assert s.get(WarnTask, visit["id"]).township_code == GRID[:9]  # type: ignore[union-attr]
        routes = s.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "warnings.task.route")
        )
    assert routes == 1
