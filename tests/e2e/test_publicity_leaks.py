"""Publicity targeting (Art 7-8) and leak reports (Art 26) over HTTP and on the console."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.settings import Settings
from fanzha.dissuasion.tables import PublicityCampaign
from fanzha.leaks.tables import LeakReport
from fanzha.sim.config import SimConfig
from fanzha.sim.generate import generate
from fanzha.web.app import create_app
from tests.conftest import TEST_KEYS
from tests.factories import PASSWORD

CAMPAIGN = {
    "target_dimension": "age_band",
    "target_value": "65+",
    "target_label": "65岁以上老年人",
    "channel": "lecture",
    "held_on": "2026-11-20",
    "reach": 350,
    "note": "社区反诈讲座",
}


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated province with a courier branch leaking its customers' records."""
    out = tmp_path_factory.mktemp("analysis")
    generate(SimConfig(people=3_000, days=7, seed=3, leak_kind="courier", leak_share=0.5), out)
    return out


@pytest.fixture
def settings(tmp_path: Path, province: Path) -> Settings:
    """Test settings pointing the console at the simulated province's analysis files."""
    return Settings(  # type: ignore[arg-type]
        environment="test", data_dir=tmp_path, analysis_province_dir=str(province), **TEST_KEYS
    )


def _count(platform: Platform, table: type) -> int:
    with platform.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_campaigns_over_the_api_refuse_bad_input_and_change_nothing(
    login: Callable[[str], TestClient], platform: Platform
) -> None:
    police = login("analyst")
    made = police.post("/api/v1/publicity/campaigns", json=CAMPAIGN)
    assert made.status_code == 201, made.text
    for bad, field in (
        ({"channel": "fax"}, "channel"),
        ({"target_dimension": "height"}, "target_dimension"),
        ({"reach": 80_000_000}, "reach"),
        ({"held_on": "2030-01-01"}, "held_on"),
    ):
        r = police.post("/api/v1/publicity/campaigns", json=CAMPAIGN | bad)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
        assert r.json()["message_zh"] and r.json()["message_en"]
    assert _count(platform, PublicityCampaign) == 1
    listed = police.get("/api/v1/publicity/campaigns").json()
    assert [c["target_label"] for c in listed] == ["65岁以上老年人"]
    assert login("aop").get("/api/v1/publicity/campaigns").status_code == 403  # banks do not plan publicity


def test_profile_suggests_groups_most_at_risk(login: Callable[[str], TestClient]) -> None:
    police = login("analyst")
    body = police.get("/api/v1/publicity/profile", params={"month": "2025-03"}).json()
    assert body["available"] and body["groups"]
    dims = {g["dimension"] for g in body["groups"]}
    assert dims == {"region", "age_band", "occupation", "scam_type"}
    ratios = [g["risk_ratio"] for g in body["most_at_risk"]]
    assert ratios == sorted(ratios, reverse=True) and all(r > 1 for r in ratios)
    bad = police.get("/api/v1/publicity/profile", params={"month": "2025-3"})
    assert bad.status_code == 422


def test_leak_workflow_from_the_planted_source(
    login: Callable[[str], TestClient], platform: Platform, province: Path
) -> None:
    police = login("analyst")
    ranked = police.get("/api/v1/leaks/candidates").json()
    assert ranked["available"]
    top = ranked["items"][0]
    assert top["party_id"].startswith("courier:") and top["lift"] > 2
    body = {
        k: top[k]
        for k in ("party_id", "party_kind", "party_name", "victims", "victim_share", "population_share")
    }
    made = police.post("/api/v1/leaks/reports", json=body | {"note": "多名受害人在同一网点寄取快递"})
    assert made.status_code == 201 and made.json()["status"] == "suspected"
    rid = made.json()["id"]
    skip = police.post(f"/api/v1/leaks/reports/{rid}/status", json={"status": "confirmed"})
    assert skip.status_code == 422 and skip.json()["field"] == "status"  # must be referred first
    assert police.post(f"/api/v1/leaks/reports/{rid}/status", json={"status": "referred"}).status_code == 200
    done = police.post(
        f"/api/v1/leaks/reports/{rid}/status", json={"status": "confirmed", "note": "网点员工出售面单"}
    )
    assert done.json()["status"] == "confirmed"
    assert police.post(f"/api/v1/leaks/reports/{rid}/status", json={"status": "dismissed"}).status_code == 422
    assert police.post("/api/v1/leaks/reports/999/status", json={"status": "referred"}).status_code == 404
    bad = police.post("/api/v1/leaks/reports", json=body | {"party_kind": "bakery"})
    assert bad.status_code == 422 and _count(platform, LeakReport) == 1
    with platform.sessions() as s:
        actions = set(s.scalars(select(AuditRecord.action)).all())
    assert {"leaks.report.create", "leaks.report.status"} <= actions
    assert login("aop").get("/api/v1/leaks/reports").status_code == 403


def _console(platform: Platform, path: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(platform=platform))
    r = client.post("/login", data={"username": "analyst", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and match is not None
    return client, match.group(1)


def test_console_pages_show_charts_suggestions_and_record(
    platform: Platform, login: Callable[[str], TestClient]
) -> None:
    login("analyst")  # the world exists
    client, csrf = _console(platform, "/publicity")
    page = client.get("/publicity")
    assert "建议重点宣传对象" in page.text and 'data-chart="' in page.text
    bad = client.post(
        "/publicity/campaigns",
        data={"csrf_token": csrf} | {k: str(v) for k, v in CAMPAIGN.items()} | {"channel": "fax"},
    )
    assert bad.status_code == 422 and "宣传渠道" in bad.text
    ok = client.post(
        "/publicity/campaigns",
        data={"csrf_token": csrf} | {k: str(v) for k, v in CAMPAIGN.items()},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and "65岁以上老年人" in client.get("/publicity").text
    leaks = client.get("/leaks")
    assert "可疑泄露源" in leaks.text and "快递网点" in leaks.text
    form = re.search(
        r'<form method="post" action="/leaks/reports" class="inline">(.*?)</form>', leaks.text, re.S
    )
    assert form is not None
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form.group(1)))
    recorded = client.post("/leaks/reports", data=fields, follow_redirects=False)
    assert recorded.status_code == 303
    page = client.get("/leaks")
    assert "疑似" in page.text and "已移交核查" in page.text  # the next step offered
    rid = _count(platform, LeakReport)
    moved = client.post(
        f"/leaks/reports/{rid}/status",
        data={"csrf_token": csrf, "status": "referred"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
