"""Detection runs over HTTP: start with an idempotency key, follow, page alerts, apply policies, refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.detect import registry
from fanzha.detect.runs import DetectRunService
from fanzha.identity.domain import Role
from tests.factories import World, make_user
from tests.integration.detect.small_engine import CARDS, BigPayeeTestV1, write_province

Login = Callable[[str], TestClient]
START = {"engine": BigPayeeTestV1.name, "backend": "duckdb", "data_dir": "small"}


@pytest.fixture(autouse=True)
def small(platform: Platform, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(registry.REGISTRY, BigPayeeTestV1.name, BigPayeeTestV1)
    write_province(DetectRunService.of(platform).data_root / "small")
    make_user(platform, "centreanalyst", world.centre, Role.ANALYST)
    yield


def test_start_follow_and_page_alerts(login: Login, platform: Platform) -> None:
    api = login("centreanalyst")
    engines = api.get("/api/v1/detect/engines").json()
    mine = next(e for e in engines if e["name"] == BigPayeeTestV1.name)
    assert mine["inputs"] == ["transactions"] and mine["articles"] == "18"
    first = api.post("/api/v1/detect/runs", json=START, headers={"Idempotency-Key": "r-1"})
    assert first.status_code == 201 and first.json()["status"] == "queued"
    retry = api.post("/api/v1/detect/runs", json=START, headers={"Idempotency-Key": "r-1"})
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.json()["id"] == first.json()["id"]
    assert len(api.get("/api/v1/detect/runs").json()["items"]) == 1
    run_id = first.json()["id"]
    DetectRunService.of(platform).work_once("test-worker")  # the worker, in process
    run = api.get(f"/api/v1/detect/runs/{run_id}").json()
    assert (run["status"], run["alerts_high"], run["alerts_medium"]) == ("succeeded", 1, 1)
    page = api.get(f"/api/v1/detect/runs/{run_id}/alerts", params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_after"] == page["items"][0]["id"]
    rest = api.get(f"/api/v1/detect/runs/{run_id}/alerts", params={"after": page["next_after"]}).json()
    assert len(rest["items"]) == 1 and rest["next_after"] is None
    high = api.get(f"/api/v1/detect/runs/{run_id}/alerts", params={"level": "high"}).json()["items"]
    assert high[0]["reasons"] == ["收款超过一万元", "多笔收款"] and high[0]["raw_value"] is None
    assert CARDS[0] not in str(high)
    shown = api.get(f"/api/v1/detect/runs/{run_id}/alerts", params={"level": "high", "reveal": True})
    assert shown.json()["items"][0]["raw_value"] == CARDS[0]
    applied = api.post(f"/api/v1/detect/runs/{run_id}/apply-policies")
    assert applied.json() == {"created": {"sample": 1}}
    assert api.post(f"/api/v1/detect/runs/{run_id}/apply-policies").json() == {"created": {}}


def test_bad_input_names_the_field(login: Login) -> None:
    api = login("centreanalyst")
    unknown = api.post("/api/v1/detect/runs", json={**START, "engine": "NoSuchV1"})
    assert (unknown.status_code, unknown.json()["field"]) == (404, "engine")
    outside = api.post("/api/v1/detect/runs", json={**START, "data_dir": "/etc"})
    assert (outside.status_code, outside.json()["field"]) == (422, "data_dir")
    run_id = api.post("/api/v1/detect/runs", json=START).json()["id"]
    bad_level = api.get(f"/api/v1/detect/runs/{run_id}/alerts", params={"level": "severe"})
    assert (bad_level.status_code, bad_level.json()["field"]) == (422, "level")
    assert api.get("/api/v1/detect/runs/9999").status_code == 404


def test_a_county_unit_is_refused_and_audited(login: Login, platform: Platform) -> None:
    county = login("analyst")  # Art 27: the province and city centres run detection, not counties
    assert county.post("/api/v1/detect/runs", json=START).status_code == 403
    assert county.get("/api/v1/detect/runs").status_code == 403
    with platform.sessions() as session:
        denied = list(
            session.scalars(
                select(AuditRecord).where(AuditRecord.actor == "analyst", AuditRecord.result == "denied")
            )
        )
    assert {d.action for d in denied} >= {"POST /api/v1/detect/runs", "GET /api/v1/detect/runs"}


def test_a_bank_runs_only_its_duty_on_its_own_folder(login: Login, platform: Platform, world: World) -> None:
    bank = login("aop")
    shared = bank.post("/api/v1/detect/runs", json=START)  # the centres' shared folder
    assert shared.status_code == 422 and shared.json()["field"] == "data_dir"
    write_province(DetectRunService.of(platform).data_root / world.bank_a.code / "today")
    other_duty = bank.post(
        "/api/v1/detect/runs", json={**START, "engine": "AbnormalCardV1", "data_dir": "today"}
    )
    assert (
        other_duty.status_code == 403 and other_duty.json()["field"] == "engine"
    )  # Art 13 is the operators'
    mine = bank.post("/api/v1/detect/runs", json={**START, "data_dir": "today"})
    assert mine.status_code == 201, mine.text
    assert [r["id"] for r in bank.get("/api/v1/detect/runs").json()["items"]] == [mine.json()["id"]]
    assert login("bop").get(f"/api/v1/detect/runs/{mine.json()['id']}").status_code == 404
