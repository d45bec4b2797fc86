"""Run a slice of the e2e flows with every log captured, then look for secrets and raw identifiers in it."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.identifiers import luhn_check_digit
from tests.factories import PASSWORD
from tests.gates.world import FIGURES, build_gate
from tests.integration.test_disposal_service import PHONE

CARD = "622202000099887" + luhn_check_digit("622202000099887")
RESIDENT_ID = "430102199003075155"
OTHER_PHONE = "13912345678"


def test_the_logs_of_the_flows_hold_no_secret_token_or_raw_identifier(
    platform: Platform, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    # The production level (Settings.log_level), for every logger.
    caplog.set_level(logging.getLevelName(platform.settings.log_level))
    # Log in everyone, issue API keys, publish, order, execute, notify, appeal (tests/gates/world.py).
    gate = build_gate(platform)
    analyst, key = gate.clients["analyst"], gate.api_keys["cmccadmin-key"]
    system = TestClient(gate.app, headers={"Authorization": f"Bearer {key}"})
    for kind, value in (("bank_card", CARD), ("resident_id", RESIDENT_ID), ("phone", OTHER_PHONE)):
        published = analyst.post(
            "/api/v1/samples",
            json={"kind": kind, "value": value, "fraud_type": "fake_loan", "confidence": 80},
        )
        assert published.status_code == 201, published.text
        looked = system.post("/api/v1/samples/lookup", json={"items": [{"kind": kind, "value": value}]})
        assert looked.status_code == 200 and looked.json()["hits"] == 1
    anonymous = TestClient(gate.app)
    assert anonymous.post("/api/v1/public/check", json={"kind": "phone", "value": PHONE}).status_code == 200
    assert anonymous.post("/api/v1/public/notices", json={"code": gate.appeal_code}).status_code == 200
    wrong = anonymous.post("/api/v1/auth/login", json={"username": "analyst", "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    assert system.get("/api/v1/disposal/feed").status_code == 200
    # A forged API key is refused (and audited by its id only).
    faulty = TestClient(gate.app, headers={"Authorization": "Bearer fz_" + "q" * 40})
    assert faulty.get("/api/v1/samples/feed").status_code == 401

    secrets = {
        "password": PASSWORD,
        "wrong password": PASSWORD + "x",
        "appeal code": gate.appeal_code,
        **{f"API key {name}": value for name, value in gate.api_keys.items()},
        "bogus API key": "fz_" + "q" * 40,
        **{f"session of {name}": c.cookies["fanzha_session"] for name, c in gate.clients.items()},
        **{f"CSRF token of {name}": c.headers["X-CSRF-Token"] for name, c in gate.clients.items()},
        "phone": PHONE,
        "other phone": OTHER_PHONE,
        "card number": CARD,
        "resident ID": RESIDENT_ID,
        "token key": platform.settings.token_key_hex.get_secret_value(),
        "encryption key": platform.settings.encryption_key_hex.get_secret_value(),
        "audit key": platform.settings.audit_key_hex.get_secret_value(),
        "audit checkpoint key": platform.settings.audit_checkpoint_key_hex.get_secret_value(),
    }
    out, err = capfd.readouterr()
    logs = "\n".join([caplog.text, out, err])
    leaked = sorted(name for name, value in secrets.items() if value and value in logs)
    FIGURES["log hygiene: secrets and identifiers looked for"] = len(secrets)
    FIGURES["log hygiene: log lines scanned"] = len(caplog.records) + logs.count("\n")
    assert leaked == []
    assert len(caplog.records) >= 1  # the flows did log (notices sent): the scan read something


def test_the_access_log_of_a_real_server_masks_identifiers_in_addresses(
    platform: Platform, capfd: pytest.CaptureFixture[str]
) -> None:
    """Raw identifiers left in addresses (old links, wrong clients) are masked in uvicorn's access log."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    gate = build_gate(platform)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(gate.app, host="127.0.0.1", port=port, access_log=True))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            targets = [
                f"/api/v1/disposal/responsible?kind=phone&value={PHONE}",  # the old query-string form
                f"/api/v1/samples?kind=resident_id&value={RESIDENT_ID}",
                f"/appeal/status?number={gate.appeal_code}",
                f"/api/v1/public/appeals/{gate.appeal_code}/attachments",
                f"/api/v1/lookup/{CARD}",
                f"/api/v1/samples?limit=5&before=12&token={'ab' * 32}",
            ]
            statuses = [client.get(target).status_code for target in targets]
            statuses.append(client.post("/api/v1/public/check", params={"value": OTHER_PHONE}).status_code)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert all(s < 500 for s in statuses), statuses
    out, err = capfd.readouterr()
    access = out + err
    identifiers = {
        "phone": PHONE,
        "other phone": OTHER_PHONE,
        "resident ID": RESIDENT_ID,
        "card": CARD,
        "appeal code": gate.appeal_code,
        "token": "ab" * 32,
    }
    assert sorted(name for name, value in identifiers.items() if value in access) == []
    # The requests were logged, with what is harmless kept for the operator.
    assert "/api/v1/disposal/responsible?kind=phone&value=***" in access
    assert "/api/v1/public/appeals/***/attachments" in access
    assert "/api/v1/samples?limit=5&before=12&token=***" in access
    FIGURES["log hygiene: access-log lines of a real server scanned"] = access.count("HTTP/1.1")


def test_json_logs_of_a_real_server_are_one_object_a_line_masked_and_carry_the_request_id(
    platform: Platform, capfd: pytest.CaptureFixture[str]
) -> None:
    """FANZHA_LOG_FORMAT=json: every line parses, names its request, and the access log is still masked."""
    import json
    import socket
    import threading
    import time
    from datetime import datetime

    import httpx
    import uvicorn

    from fanzha.core import logs

    gate = build_gate(platform)
    settings = platform.settings.model_copy(update={"log_format": "json", "log_level": "INFO"})
    root, kept = logging.getLogger(), {}
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        kept[name] = (logger.level, list(logger.handlers), logger.propagate)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(gate.app, host="127.0.0.1", port=port, log_config=logs.dict_config(settings))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    capfd.readouterr()
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            named = client.get(f"/api/v1/lookup/{CARD}", headers={"X-Request-Id": "probe-request-0001"})
            fresh = client.get(f"/api/v1/samples?kind=resident_id&value={RESIDENT_ID}")
            anonymous = client.post("/api/v1/public/check", json={"kind": "phone", "value": OTHER_PHONE})
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        for name, (level, handlers, propagate) in kept.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate
        assert root is logging.getLogger()
    assert named.headers["X-Request-Id"] == "probe-request-0001"
    assert anonymous.status_code == 200
    out, err = capfd.readouterr()
    lines = [line for line in (out + err).splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert records and all({"time", "level", "logger", "message", "request_id"} <= r.keys() for r in records)
    assert all(datetime.fromisoformat(r["time"]).utcoffset() is not None for r in records)
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert {r["request_id"] for r in access} >= {"probe-request-0001", fresh.headers["X-Request-Id"]}
    assert any("/api/v1/lookup/***" in r["message"] for r in access)
    text = "\n".join(lines)
    leaked = [value for value in (CARD, RESIDENT_ID, OTHER_PHONE, PHONE) if value in text]
    assert leaked == [], [line for line in lines if any(value in line for value in leaked)]
    FIGURES["log hygiene: JSON log lines of a real server parsed"] = len(records)
