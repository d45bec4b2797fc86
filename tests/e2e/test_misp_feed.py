"""The MISP feed read by MISP's own libraries (PyMISP, misp-stix) and the CSV feed (issue 21 item 4)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from misp_stix_converter import MISPtoSTIX21Parser
from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_instance

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.identifiers import luhn_check_digit
from fanzha.samples.feeds import CSV_COLUMNS
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.tables import Sample
from tests.factories import World

Login = Callable[[str], TestClient]
_CARD = "622202020011223344"
PUBLISHED = {
    ("phone", "13800138000", "fake_investment"),
    ("phone", "13800138001", "order_brushing"),
    ("bank_card", _CARD + luhn_check_digit(_CARD), "fake_investment"),
    ("url", "https://fake-invest.example.com/login", "fake_investment"),
    ("domain", "fake-shop.example.cn", "order_brushing"),
    ("ip", "198.51.100.7", "fake_investment"),
    ("app", "com.fake.invest", "fake_investment"),
}
_OTHER = "621700001234567"
_PENDING = _OTHER + luhn_check_digit(_OTHER)
PERSONAL = ("13800138000", "13800138001", _CARD, _PENDING)


def _publish(platform: Platform, world: World) -> dict[str, Sample]:
    samples = {}
    for kind, value, fraud_type in sorted(PUBLISHED):
        data = SamplePublish(kind=kind, value=value, fraud_type=fraud_type, confidence=90)
        samples[value], _ = platform.samples.publish(world.analyst.principal, data)
    return samples


def test_misp_reads_the_feed_and_misp_stix_turns_it_into_the_indicators_taxii_serves(
    platform: Platform, world: World, clock: FrozenClock, login: Login
) -> None:
    samples = _publish(platform, world)
    pending, _ = platform.samples.publish(
        world.bank_a_op.principal, SamplePublish(kind="bank_card", value=_PENDING, fraud_type="fake_loan")
    )
    clock.advance(timedelta(minutes=5))
    revoked = platform.samples.revoke(world.analyst.principal, samples["13800138001"].id, "申诉成立")

    bank = login("aop")
    manifest = bank.get("/api/v1/feeds/misp/manifest.json").json()
    assert len(manifest) == 2  # two scam types, one month
    hashes = [line.split(",") for line in bank.get("/api/v1/feeds/misp/hashes.csv").text.splitlines()]
    attributes = []
    for event_uuid, entry in manifest.items():
        response = bank.get(f"/api/v1/feeds/misp/{event_uuid}.json")
        assert response.status_code == 200
        event = MISPEvent()
        event.load(response.text)  # PyMISP's own parser of feed event files
        assert event.uuid == event_uuid
        # What MISP computes from the event file is what the manifest promised.
        computed = event.manifest[event_uuid]
        assert computed["timestamp"] == entry["timestamp"] and computed["info"] == entry["info"]
        assert [t["name"] for t in computed["Tag"]] == [t["name"] for t in entry["Tag"]]
        assert set(event.attributes_hashes("md5")) == {h for h, e in hashes if e == event_uuid}
        attributes += event.attributes
        # misp-stix, MISP's converter, makes STIX 2.1 of it; the strict validator accepts the indicators.
        parser = MISPtoSTIX21Parser()
        parser.parse_misp_event(json.loads(response.text))
        indicators = [o for o in parser.stix_objects if o["type"] == "indicator"]
        for indicator in indicators:
            result = validate_instance(json.loads(indicator.serialize()), ValidationOptions(version="2.1"))
            assert result.is_valid, result.errors
        ids = {o["id"] for o in indicators}
        for attribute in event.attributes:
            if attribute.to_ids and attribute.type in ("url", "domain", "ip-dst"):
                assert f"indicator--{attribute.uuid}" in ids
    assert len(attributes) == len(PUBLISHED)  # the pending report is not shared
    by_uuid = {a.uuid: a for a in attributes}
    gone = by_uuid[revoked.stix_indicator]
    assert gone.to_ids is False and 'fanzha:status="revoked"' in [t.name for t in gone.tags]
    for value in ("https://fake-invest.example.com/login", "fake-shop.example.cn", "198.51.100.7"):
        assert by_uuid[samples[value].stix_indicator].value == value
    assert by_uuid[samples["com.fake.invest"].stix_indicator].type == "mobile-application-id"
    phone = by_uuid[samples["13800138000"].stix_indicator]
    assert phone.type == "text" and phone.value == f"hmac-sm3:phone:{samples['13800138000'].token}"
    everything = json.dumps(manifest) + "".join(str(a.to_dict()) for a in attributes)
    assert pending.token not in everything
    assert not [v for v in PERSONAL if v in everything or v[-8:] in everything]


def test_the_csv_feed_lists_every_shared_sample_and_no_personal_number(
    platform: Platform, world: World, login: Login
) -> None:
    samples = _publish(platform, world)
    response = login("aop").get("/api/v1/feeds/samples.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(PUBLISHED)
    assert {r["value"] for r in rows if r["kind"] == "domain"} == {"fake-shop.example.cn"}
    assert {r["value"] for r in rows if r["kind"] == "phone"} == {
        f"hmac-sm3:phone:{samples[v].token}" for v in ("13800138000", "13800138001")
    }
    assert not [v for v in PERSONAL if v in response.text]


def test_feeds_refuse_strangers_and_unknown_events(client: TestClient, login: Login) -> None:
    for path in ("/api/v1/feeds/misp/manifest.json", "/api/v1/feeds/samples.csv"):
        assert client.get(path).status_code == 401
    missing = login("aop").get("/api/v1/feeds/misp/00000000-0000-4000-8000-000000000000.json")
    assert missing.status_code == 404 and missing.json()["field"] == "event_uuid"
