"""TAXII 2.1 over HTTP: OASIS stix2-validator checks what is served, OASIS taxii2-client reads it live."""

from __future__ import annotations

import copy
import json
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import requests
import uvicorn
from fastapi.testclient import TestClient
from stix2validator import ValidationOptions, validate_instance, validate_string
from taxii2client.v21 import Server, as_pages

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.identifiers import IdentifierKind, luhn_check_digit, resident_id_check_char
from fanzha.samples import stix
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.tables import Sample
from fanzha.samples.taxii import TAXII_MEDIA_TYPE, collection_id
from fanzha.web.app import create_app
from tests.conftest import TEST_KEYS
from tests.factories import PASSWORD, World, make_world

Login = Callable[[str], TestClient]
TAXII = {"Accept": TAXII_MEDIA_TYPE}
# Strict: every SHOULD is an error, no check disabled (the id check included: SDOs and the custom SCO
# carry UUIDv4 ids, standard SCOs UUIDv5).
STRICT = ValidationOptions(version="2.1", strict=True)
# stix2-validator 3.3.2's --strict-types lists SDOs and SROs only, so it refuses every SCO, standard
# ones included; what it says beyond that is checked by hand below.
STRICT_TYPES = ValidationOptions(version="2.1", strict=True, strict_types=True)
_CARD = "622202020011223344"
_OTHER_CARD = "621700001234567"
_RESIDENT = "43010219900307123"
VALUES: dict[str, list[str]] = {
    "phone": ["13800138000", "13800138001", "13800138002"],
    "bank_card": [_CARD + luhn_check_digit(_CARD)],
    "payment_account": ["alipay:2088001234567"],
    "internet_account": ["wechat:wxid_fraud01"],
    "url": ["https://fake-invest.example.com/登录?ref=a'b"],  # a quote the pattern must escape
    "domain": ["fake-shop.example.cn"],
    "app": ["com.fake.invest", "sha256:" + "ab" * 32],
    "imei": ["35209900176148"],
    "ip": ["198.51.100.7", "2001:db8::1"],
    "wallet": ["0x52908400098527886E0F7030069857D2E4169EE7"],
    "resident_id": [_RESIDENT + resident_id_check_char(_RESIDENT)],
}
FIXED = 4  # identity, TLP:AMBER and the two extension definitions open every collection
PER_SAMPLE = 4  # indicator, observable, observed-data and the based-on relationship
STANDARD_SCOS = {"url", "domain-name", "ipv4-addr", "ipv6-addr", "user-account", "software", "file"}


def _publish(platform: Platform, world: World, kind: str, value: str) -> Sample:
    sample, _ = platform.samples.publish(
        world.analyst.principal,
        SamplePublish(
            kind=kind, value=value, fraud_type="fake_investment", confidence=90, region_code="430104"
        ),
    )
    return sample


def _read_all(client: TestClient, key: str, limit: int = 7) -> list[dict[str, Any]]:
    """Every object of a collection, following `next`."""
    objects: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        response = client.get(f"/taxii2/fanzha/collections/{key}/objects/", params=params, headers=TAXII)
        assert response.status_code == 200 and response.headers["content-type"] == TAXII_MEDIA_TYPE
        body = response.json()
        objects += body.get("objects", [])
        if not body.get("more"):
            return objects
        params["next"] = body["next"]


def _problems(objects: list[dict[str, Any]]) -> list[str]:
    """Everything stix2-validator (strict) says about `objects`, one by one and as a bundle."""
    found = []
    for obj in objects:
        result = validate_instance(obj, STRICT)
        found += [f"{obj['id']}: {e}" for e in [*result.errors, *result.warnings]]
    bundle = validate_string(json.dumps(stix.bundle(objects), ensure_ascii=False), STRICT)
    return found + [f"bundle: {e}" for e in [*bundle.errors, *bundle.warnings]]


def _id_problems(obj: dict[str, Any]) -> list[str]:
    """STIX 2.1 §2.9, computed here without the code under test: UUIDv5 for standard SCOs, else v4."""
    if obj["type"] not in STANDARD_SCOS:
        version = uuid.UUID(obj["id"].partition("--")[2]).version
        return [] if version == 4 else [f"{obj['id']}: UUIDv{version}"]
    keys = {"user-account": ("user_id",), "software": ("name",), "file": ("hashes", "extensions")}
    contributing = {k: obj[k] for k in keys.get(obj["type"], ("value",))}
    text = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = f"{obj['type']}--{uuid.uuid5(uuid.UUID('00abedb4-aa42-466c-9c01-fed23315a9b7'), text)}"
    return [] if obj["id"] == expected else [f"{obj['id']}: expected {expected}"]


def _strict_types_problems(objects: list[dict[str, Any]]) -> list[str]:
    """What --strict-types says beyond its refusal of SCOs and of the custom SCO declared by extension."""
    bundle = validate_string(json.dumps(stix.bundle(objects), ensure_ascii=False), STRICT_TYPES)
    refused = [f"'{t}'" for t in (*STANDARD_SCOS, stix.IDENTIFIER_TYPE)]
    reasons = ("not one of those defined in the specification", "is not a valid stix observable type")
    return [
        message
        for message in (str(e) for e in [*bundle.errors, *bundle.warnings])
        if not (any(r in message for r in reasons) and any(t in message for t in refused))
    ]


def _schema_problems(objects: list[dict[str, Any]]) -> list[str]:
    """Extension content checked against the JSON schemas the extension definitions publish."""
    schemas = {o["id"]: json.loads(o["schema"]) for o in objects if o["type"] == "extension-definition"}
    found = []
    for obj in objects:
        if obj["type"] == stix.IDENTIFIER_TYPE:
            checked = [(stix.IDENTIFIER_EXTENSION_ID, obj)]
        else:
            checked = [(stix.TOKEN_EXTENSION_ID, obj.get("extensions", {}).get(stix.TOKEN_EXTENSION_ID))]
        for schema_id, instance in checked:
            if instance is not None:
                found += [
                    f"{obj['id']}: {e.message}"
                    for e in jsonschema.Draft202012Validator(schemas[schema_id]).iter_errors(instance)
                ]
    return found


# Output checked by OASIS stix2-validator ----------------------------------------------------------


def test_every_object_served_is_valid_stix_and_only_shared_samples_appear(
    platform: Platform, world: World, clock: FrozenClock, login: Login
) -> None:
    samples = {}
    for kind, values in VALUES.items():
        for value in values:
            samples[(kind, value)] = _publish(platform, world, kind, value)
            clock.advance(timedelta(seconds=1))
    # A bank's own report awaits police confirmation; another one the police turned down.
    pending, _ = platform.samples.publish(
        world.bank_a_op.principal,
        SamplePublish(
            kind="bank_card", value=_OTHER_CARD + luhn_check_digit(_OTHER_CARD), fraud_type="fake_loan"
        ),
    )
    rejected, _ = platform.samples.publish(
        world.bank_a_op.principal, SamplePublish(kind="wallet", value="0x" + "1" * 40, fraud_type="other")
    )
    platform.samples.decide(world.analyst.principal, rejected.id, False, "证据不足")
    samples_by_token = {s.token: s for s in samples.values()}
    clock.advance(timedelta(minutes=1))
    revoked = platform.samples.revoke(
        world.analyst.principal, samples[("phone", "13800138000")].id, "申诉成立"
    )
    clock.advance(timedelta(days=31))  # IP samples live 30 days
    assert platform.samples.expire_due() == 2

    bank = login("aop")
    listed = bank.get("/taxii2/fanzha/collections/", headers=TAXII).json()["collections"]
    assert [c["alias"] for c in listed] == [k.value for k in IdentifierKind]
    served = {c["alias"]: _read_all(bank, c["id"]) for c in listed}

    everything = [o for objects in served.values() for o in objects]
    unique = list({o["id"]: o for o in everything}.values())
    assert _problems(unique) == []
    assert _strict_types_problems(unique) == []
    assert _schema_problems(unique) == []
    from_samples = [
        o for o in unique if o["type"] not in ("identity", "marking-definition", "extension-definition")
    ]
    assert len(from_samples) == PER_SAMPLE * sum(len(v) for v in VALUES.values())
    assert [p for o in unique for p in _id_problems(o)] == []
    for kind, objects in served.items():
        assert len(objects) == FIXED + PER_SAMPLE * len(VALUES[kind]), kind
        assert [o["type"] for o in objects[:FIXED]] == [
            "identity",
            "marking-definition",
            "extension-definition",
            "extension-definition",
        ]
    indicators = {
        o["extensions"][stix.TOKEN_EXTENSION_ID]["token"]: o for o in everything if o["type"] == "indicator"
    }
    assert pending.token not in indicators and rejected.token not in indicators
    assert indicators[revoked.token]["revoked"] is True
    assert indicators[revoked.token]["extensions"][stix.TOKEN_EXTENSION_ID]["sample_status"] == "revoked"
    # valid_until: the revocation time, the expiry, and none while a sample is active.
    assert indicators[revoked.token]["valid_until"] == stix.timestamp(revoked.updated_at)
    expired = [indicators[samples[("ip", v)].token] for v in VALUES["ip"]]
    assert all(i["valid_until"] < stix.timestamp(clock.now()) and "revoked" not in i for i in expired)
    assert "valid_until" not in indicators[samples[("wallet", VALUES["wallet"][0])].token]
    for token, indicator in indicators.items():
        assert indicator["id"] == f"indicator--{samples_by_token[token].stix_indicator}"
        assert (
            indicator["object_marking_refs"] == [stix.TLP_AMBER_ID]
            and "fake_investment" in indicator["labels"]
        )
    by_id = {o["id"]: o for o in unique}
    for link in (o for o in unique if o["type"] == "relationship"):
        basis = by_id[link["target_ref"]]
        assert link["relationship_type"] == "based-on" and by_id[link["source_ref"]]["type"] == "indicator"
        assert basis["type"] == "observed-data" and basis["object_refs"][0] in by_id
    assert {o["type"] for o in served["ip"]} >= {"ipv4-addr", "ipv6-addr"}
    assert {o["type"] for o in served["app"]} >= {"software", "file"}
    assert {o["type"] for o in served["internet_account"]} >= {"user-account"}
    custom = {o["kind"] for o in unique if o["type"] == stix.IDENTIFIER_TYPE}
    assert custom == {"phone", "bank_card", "payment_account", "imei", "wallet", "resident_id"}
    url, url_sco = served["url"][FIXED : FIXED + 2]
    assert url_sco["value"].startswith("https://fake-invest.example.com/") and url_sco["value"].endswith(
        "a'b"
    )
    assert url["pattern"] == "[url:value = '" + url_sco["value"].replace("'", "\\'") + "']"
    # Personal identifiers leave as tokens: no raw value anywhere in what was served.
    text = json.dumps(everything, ensure_ascii=False)
    for kind in ("phone", "bank_card", "payment_account", "imei", "resident_id"):
        for value in VALUES[kind]:
            assert value not in text and value[-9:] not in text, kind


def test_the_validator_options_reject_broken_objects() -> None:
    """The strict options above are strict enough: each of these breakages is reported."""
    moment = FrozenClock().now()
    facts = stix.SampleFacts(
        1,
        "phone",
        "ab" * 32,
        "+86138****8000",
        "romance",
        "active",
        70,
        "medium",
        None,
        moment,
        moment,
        0,
        moment + timedelta(days=1),
        moment,
        moment,
        str(uuid.uuid4()),
        str(uuid.uuid4()),
    )
    indicator, observable, observed, link = stix.sample_objects(facts)
    assert _problems([*stix.static_objects(), indicator, observable, observed, link]) == []
    broken: list[dict[str, Any]] = []
    for change in (
        {"valid_until": indicator["valid_from"].replace("2026", "2025")},
        {"pattern": "[fanzha-identifier:token = 'x'"},
        {"indicator_types": ["fraud"]},
        {"x": 1},
        {"modified": "2026-01-01 00:00:00Z"},
        {"confidence": 101},
    ):
        broken.append({**copy.deepcopy(indicator), **change})
    broken.append({k: v for k, v in observable.items() if k != "extensions"})
    broken.append({k: v for k, v in indicator.items() if k != "description"})
    broken.append({**indicator, "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, 'x')}"})  # UUIDv5 SDO
    broken.append({**link, "target_ref": observable["id"]})  # based-on an SCO is not suggested
    for obj in broken:
        result = validate_instance(obj, STRICT)
        assert not result.is_valid, obj


def test_republishing_keeps_the_id_advances_modified_and_added_after_sees_only_changes(
    platform: Platform, world: World, clock: FrozenClock, login: Login
) -> None:
    first = _publish(platform, world, "phone", "13900139000")
    clock.advance(timedelta(seconds=5))
    _publish(platform, world, "phone", "13900139001")
    bank = login("aop")
    phones = collection_id(IdentifierKind.PHONE)
    before = {o["id"]: o for o in _read_all(bank, phones) if o["type"] == "indicator"}
    listing = bank.get(f"/taxii2/fanzha/collections/{phones}/objects/", headers=TAXII)
    last_added = listing.headers["X-TAXII-Date-Added-Last"]
    assert listing.headers["X-TAXII-Date-Added-First"] == "2026-01-01T00:00:00.000000Z"
    clock.advance(timedelta(minutes=3))
    again = _publish(platform, world, "phone", "139 0013 9000")
    assert again.id == first.id
    changed = bank.get(
        f"/taxii2/fanzha/collections/{phones}/objects/", params={"added_after": last_added}, headers=TAXII
    ).json()["objects"]
    assert [o["type"] for o in changed] == [
        "indicator",
        stix.IDENTIFIER_TYPE,
        "observed-data",
        "relationship",
    ]
    assert changed[0]["id"] == f"indicator--{first.stix_indicator}" and changed[0]["id"] in before
    assert changed[0]["modified"] > before[changed[0]["id"]]["modified"]
    assert changed[0]["created"] == before[changed[0]["id"]]["created"]
    assert _problems(changed) == []

    # Revocation is final in STIX: published again after a revocation, the sample is a new indicator.
    original = f"/taxii2/fanzha/collections/{phones}/objects/{changed[0]['id']}/"
    clock.advance(timedelta(minutes=1))
    platform.samples.revoke(world.analyst.principal, first.id, "申诉成立")
    assert bank.get(original, headers=TAXII).json()["objects"][0]["revoked"] is True
    clock.advance(timedelta(minutes=1))
    revived_sample = _publish(platform, world, "phone", "13900139000")
    assert revived_sample.stix_indicator != first.stix_indicator
    assert bank.get(original, headers=TAXII).status_code == 404
    revived_id = f"indicator--{revived_sample.stix_indicator}"
    revived = bank.get(original.replace(changed[0]["id"], revived_id), headers=TAXII)
    assert revived.status_code == 200 and "revoked" not in revived.json()["objects"][0]
    assert _problems(revived.json()["objects"]) == []
    # The observable and its observed-data keep their ids; the link follows the new indicator.
    again_all = {o["type"]: o for o in _read_all(bank, phones) if o.get("id") != revived_id}
    assert again_all[stix.IDENTIFIER_TYPE]["id"] in {o["id"] for o in changed}


# Refusals -----------------------------------------------------------------------------------------


def test_unauthenticated_wrong_role_and_wrong_media_type_are_refused(
    platform: Platform, world: World, client: TestClient, login: Login
) -> None:
    objects = f"/taxii2/fanzha/collections/{collection_id(IdentifierKind.PHONE)}/objects/"
    for path in ("/taxii2/", "/taxii2/fanzha/", objects):
        anonymous = client.get(path, headers=TAXII)
        assert anonymous.status_code == 401 and anonymous.headers["content-type"] == TAXII_MEDIA_TYPE
        assert anonymous.json()["http_status"] == "401" and anonymous.json()["title"]
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    wrong_key = client.get("/taxii2/", headers={**TAXII, "Authorization": "Bearer fz_0000_nope"})
    assert wrong_key.status_code == 401 and wrong_key.json()["error_code"] == "not_authenticated"
    for username in ("auditor", "secadmin", "admin"):  # no sample.read
        # By alias: the audited denial of a path over 60 characters overflows audit_log.action on PostgreSQL.
        refused = login(username).get("/taxii2/fanzha/collections/phone/objects/", headers=TAXII)
        assert refused.status_code == 403 and refused.json()["http_status"] == "403", username
    bank = login("aop")
    assert bank.get("/taxii2/", headers={"Accept": "text/html"}).status_code == 406
    assert bank.get("/taxii2/", headers={"Accept": "application/taxii+json;version=2.0"}).status_code == 406
    assert (
        bank.get(objects, params={"added_after": "yesterday"}, headers=TAXII).json()["http_status"] == "400"
    )
    assert bank.get(objects, params={"next": "x"}, headers=TAXII).status_code == 400
    assert bank.get("/taxii2/fanzha/collections/nope/", headers=TAXII).status_code == 404
    assert (
        bank.get(objects + "indicator--00000000-0000-5000-8000-000000000000/", headers=TAXII).status_code
        == 404
    )


# The running server, read by OASIS taxii2-client --------------------------------------------------


class BearerAuth(requests.auth.AuthBase):
    """taxii2-client's `auth` hook: Fanzha API keys travel as bearer tokens."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.key}"
        return request


@dataclass
class Served:
    """A live server over a prepared SQLite file."""

    base: str
    platform: Platform
    world: World
    clock: FrozenClock
    key: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Served]:
    """uvicorn on a free loopback port, serving a migrated SQLite file with phone samples and a bank key."""
    home = tmp_path_factory.mktemp("taxii")
    shutil.copy(sqlite_template, home / "fanzha.db")
    clock = FrozenClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    settings = Settings(environment="test", data_dir=home, **TEST_KEYS)  # type: ignore[arg-type]
    platform = build_platform(settings, clock=clock, engine=build_engine(f"sqlite:///{home}/fanzha.db"))
    world = make_world(platform)
    for n in range(5):
        _publish(platform, world, "phone", f"1370013700{n}")
        clock.advance(timedelta(seconds=1))
    _publish(platform, world, "url", "https://fake-invest.example.com/")
    _, key = platform.auth.create_api_key(world.bank_a_admin.principal, world.bank_a.id, "TAXII", 30)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(platform=platform), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    else:
        pytest.fail("uvicorn did not start")
    yield Served(f"http://127.0.0.1:{port}", platform, world, clock, key)
    server.should_exit = True
    thread.join(timeout=10)
    platform.close()


def test_taxii2_client_discovers_lists_pages_and_reads_the_manifest(served: Served) -> None:
    server = Server(f"{served.base}/taxii2/", auth=BearerAuth(served.key))
    assert server.title and server.default is not None
    root = server.default
    assert root.url == f"{served.base}/taxii2/fanzha/" and root.versions == [TAXII_MEDIA_TYPE]
    collections = {c.alias: c for c in root.collections}
    assert set(collections) == {k.value for k in IdentifierKind}
    phones = collections["phone"]
    assert phones.can_read and not phones.can_write and phones.media_types == [stix.STIX_MEDIA_TYPE]

    pages = list(as_pages(phones.get_objects, per_request=5))
    paged = [o for page in pages for o in page["objects"]]
    assert [len(p["objects"]) for p in pages] == [5, 5, 5, 5, 4]
    whole = phones.get_objects()
    assert [o["id"] for o in paged] == [o["id"] for o in whole["objects"]] and whole["more"] is False
    assert len({o["id"] for o in paged}) == FIXED + PER_SAMPLE * 5
    assert _problems(paged) == []

    manifest = phones.get_manifest()["objects"]
    assert [r["id"] for r in manifest] == [o["id"] for o in paged]
    assert {r["media_type"] for r in manifest} == {stix.STIX_MEDIA_TYPE}
    assert [r["date_added"] for r in manifest] == sorted(r["date_added"] for r in manifest)
    indicator = paged[FIXED]
    assert next(r for r in manifest if r["id"] == indicator["id"])["version"] == indicator["modified"]

    last_added = manifest[-1]["date_added"]
    served.clock.advance(timedelta(minutes=10))
    _publish(served.platform, served.world, "phone", "13700137001")  # re-published: a new version
    fresh = _publish(served.platform, served.world, "phone", "13700137099")
    changed = phones.get_objects(added_after=last_added)["objects"]
    fresh_id = f"indicator--{fresh.stix_indicator}"
    assert len(changed) == 2 * PER_SAMPLE and fresh_id in {o["id"] for o in changed}
    updated = next(o for o in changed if o["type"] == "indicator" and o["id"] != fresh_id)
    assert updated["id"] in {o["id"] for o in paged}
    assert phones.get_objects(added_after="2027-01-01T00:00:00Z") == {}

    indicators = phones.get_objects(type="indicator")["objects"]
    assert {o["type"] for o in indicators} == {"indicator"} and len(indicators) == 6
    one = phones.get_object(updated["id"])["objects"]
    assert [o["modified"] for o in one] == [updated["modified"]]
    assert phones.object_versions(updated["id"])["versions"] == [updated["modified"]]
    urls = collections["url"].get_objects()["objects"]
    assert [o["type"] for o in urls[FIXED:]] == ["indicator", "url", "observed-data", "relationship"]


def test_the_running_server_refuses_clients_without_a_valid_key_or_role(served: Served) -> None:
    for auth in (None, BearerAuth("fz_00000000_not-a-key")):
        with pytest.raises(requests.HTTPError) as refused:
            _ = Server(f"{served.base}/taxii2/", auth=auth).title
        assert refused.value.response.status_code == 401
        assert refused.value.response.json()["http_status"] == "401"
    with httpx.Client(base_url=served.base) as auditor:
        logged_in = auditor.post("/api/v1/auth/login", json={"username": "auditor", "password": PASSWORD})
        assert logged_in.status_code == 200
        answer = auditor.get("/taxii2/fanzha/collections/", headers=TAXII)
        assert answer.status_code == 403 and answer.headers["content-type"] == TAXII_MEDIA_TYPE
    with httpx.Client(base_url=served.base) as bank:
        ok = bank.get(
            "/taxii2/fanzha/collections/", headers={**TAXII, "Authorization": f"Bearer {served.key}"}
        )
        assert ok.status_code == 200 and len(ok.json()["collections"]) == len(IdentifierKind)
