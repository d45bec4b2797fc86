"""The sample API over HTTP: publish with idempotency, bulk import, lookup, feed, public check."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.samples.tables import Sample
from tests.factories import World

Login = Callable[[str], TestClient]
PHONE = {"kind": "phone", "value": "13800138000", "fraud_type": "fake_investment", "confidence": 90}


def _count(platform: Platform) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Sample)) or 0)


def test_publish_is_idempotent_with_a_key(login: Login, platform: Platform) -> None:
    analyst = login("analyst")
    first = analyst.post("/api/v1/samples", json=PHONE, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and first.json()["created"] is True
    retry = analyst.post("/api/v1/samples", json=PHONE, headers={"Idempotency-Key": "k-1"})
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    other = analyst.post(
        "/api/v1/samples", json={**PHONE, "confidence": 10}, headers={"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert _count(platform) == 1
    raw = first.json()["sample"]
    assert "13800138000" not in str(raw) and raw["masked"].startswith("+86138")


def test_bad_csv_rows_are_reported_by_line_and_nothing_is_imported(login: Login, platform: Platform) -> None:
    csv_text = (
        "kind,value,fraud_type,confidence\n"
        "phone,13800138001,fake_police,90\n"
        "phone,12,fake_police,90\n"
        "bank_card,4111111111111111,fake_loan,80\n"
        "url,https://example.gov.cn/,fake_police,80\n"
        "phone,13800138002,no_such_type,80\n"
    )
    analyst = login("analyst")
    response = analyst.post("/api/v1/samples/import", files={"file": ("s.csv", csv_text, "text/csv")})
    assert response.status_code == 422
    report = response.json()
    assert report["error_count"] == 3 and report["created"] == 0
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (3, "value"),
        (5, "value"),
        (6, "fraud_type"),
    ]
    assert _count(platform) == 0
    lines = csv_text.splitlines()
    good = "\n".join([*lines[:2], lines[3]]) + "\n"
    ok = analyst.post("/api/v1/samples/import", files={"file": ("s.csv", good, "text/csv")})
    assert ok.status_code == 201 and ok.json()["created"] == 2
    jsonl = (
        '{"kind":"ip","value":"198.51.100.7","fraud_type":"other"}\n'
        '{"kind":"phone","value":"13800138001","fraud_type":"fake_police"}\n'
    )
    merged = analyst.post(
        "/api/v1/samples/import", files={"file": ("s.jsonl", jsonl, "application/x-ndjson")}
    )
    assert merged.json()["created"] == 1 and merged.json()["merged"] == 1
    assert _count(platform) == 3


def test_batch_lookup_and_feed_cursor(login: Login, world: World) -> None:
    analyst, bank = login("analyst"), login("aop")
    for n in range(5):
        analyst.post("/api/v1/samples", json={**PHONE, "value": f"1380013810{n}"})
    items = [{"kind": "phone", "value": f"1380013810{n}"} for n in range(8)]
    answer = bank.post("/api/v1/samples/lookup", json={"items": items}).json()
    assert answer["hits"] == 5 and [r["found"] for r in answer["results"]] == [True] * 5 + [False] * 3
    page = bank.get("/api/v1/samples/feed", params={"after": 0, "limit": 3}).json()
    assert [i["position"] for i in page["items"]] == [1, 2, 3]
    rest = bank.get("/api/v1/samples/feed", params={"after": page["next_after"]}).json()
    assert [i["position"] for i in rest["items"]] == [4, 5]
    assert all("value" not in i["payload"] for i in rest["items"])  # tokens only, never raw values


def test_public_check_is_coarse_and_rate_limited(
    client: TestClient, login: Login, platform: Platform
) -> None:
    login("analyst").post("/api/v1/samples", json=PHONE)
    answer = client.post("/api/v1/public/check", json={"kind": "phone", "value": "138-0013-8000"})
    assert answer.status_code == 200 and answer.json()["level"] == "high"
    assert set(answer.json()) == {"level", "advice_zh", "advice_en"}  # nothing that identifies a sample
    limit = platform.settings.public_check_per_minute
    statuses = [
        client.post("/api/v1/public/check", json={"kind": "phone", "value": f"1390013{n:04d}"}).status_code
        for n in range(limit + 3)
    ]
    assert statuses.count(429) >= 3
    refused = client.post("/api/v1/public/check", json={"kind": "phone", "value": "13900130000"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["code"] == "rate_limited"


def test_a_retried_sighting_counts_once(login: Login, world: World) -> None:
    token = login("analyst").post("/api/v1/samples", json=PHONE).json()["sample"]["token"]
    bank = login("aop")
    for _ in range(3):
        answer = bank.post(
            "/api/v1/samples/sightings",
            json={"token": token, "outcome": "hit"},
            headers={"Idempotency-Key": "sight-1"},
        )
        assert answer.status_code == 201
    assert answer.json()["hits"] == 1
