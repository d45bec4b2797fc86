"""The transfer-time decision service over HTTP on loopback (Art 18¶4): decisions, refusals, restarts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fanzha.bootstrap import build_platform
from fanzha.core.settings import Settings
from fanzha.detect.realtime.server import PATH
from fanzha.identifiers import luhn_check_digit
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from tests.conftest import TEST_KEYS
from tests.factories import make_world


def card(i: int) -> str:
    """A valid 19-digit card number."""
    body = f"622848{i:012d}"
    return body + luhn_check_digit(body)


SAMPLE_CARD = card(1)
MULE = card(2)


@dataclass
class Service:
    """A running decision service and how to restart it."""

    base: str
    key: str
    env: dict[str, str]
    state_dir: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "fanzha.detect.realtime", "--port", str(self.port)]
        cmd += ["--state-dir", str(self.state_dir)]
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        err = self.proc.stderr.read().decode() if self.proc.stderr and self.proc.poll() is not None else ""
        pytest.fail(f"the real-time service did not start: {err}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.proc = None

    def post(self, body: object, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key if key is None else key}"}
        return httpx.post(self.base + PATH, json=body, headers=headers, timeout=10)

    def health(self) -> dict[str, int]:
        answer: dict[str, int] = httpx.get(self.base + "/healthz", timeout=5).json()
        return answer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def service(tmp_path: Path, sqlite_template: Path) -> Iterator[Service]:
    """A SQLite platform with bank A's key and one sample card, and the service over it."""
    db = tmp_path / "platform.db"
    shutil.copy(sqlite_template, db)
    url = f"sqlite:///{db}"
    platform = build_platform(Settings(environment="test", data_dir=tmp_path, database_url=url, **TEST_KEYS))  # type: ignore[arg-type]
    world = make_world(platform)
    platform.samples.publish(
        world.analyst.principal,
        SamplePublish(kind="bank_card", value=SAMPLE_CARD, fraud_type=FraudType("fake_investment")),
    )
    _, key = platform.auth.create_api_key(world.bank_a_admin.principal, world.bank_a.id, "realtime", 30)
    platform.close()
    env = {
        **os.environ,
        "FANZHA_DATABASE_URL": url,
        "FANZHA_ENVIRONMENT": "test",
        "FANZHA_DATA_DIR": str(tmp_path),
        "FANZHA_TOKEN_KEY_HEX": TEST_KEYS["token_key_hex"],
        "FANZHA_ENCRYPTION_KEY_HEX": TEST_KEYS["encryption_key_hex"],
    }
    port = _free_port()
    svc = Service(f"http://127.0.0.1:{port}", key, env, tmp_path / "state", port)
    svc.start()
    yield svc
    svc.stop()


def transfer(payer: str, payee: str, amount: float = 800.0, at: float | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "payer": {"kind": "bank_card", "value": payer},
        "payee": {"kind": "bank_card", "value": payee},
        "amount": amount,
    }
    if at is not None:
        body["at"] = at
    return body


def test_sample_payee_is_delayed_and_an_ordinary_payment_allowed(service: Service) -> None:
    ordinary = service.post({**transfer(card(10), card(11)), "txn_id": "T1"})
    assert ordinary.status_code == 200, ordinary.text
    answer = ordinary.json()
    assert answer["outcome"] == "allow" and answer["score"] == 0 and answer["txn_id"] == "T1"
    assert answer["payee_sample"] is False and len(answer["payee_token"]) == 64
    spaced = " ".join(SAMPLE_CARD[i : i + 4] for i in range(0, len(SAMPLE_CARD), 4))  # as typed
    delayed = service.post(transfer(card(10), spaced)).json()
    assert delayed["outcome"] == "delay" and delayed["payee_sample"] is True
    assert delayed["legal_basis"] == ["第十八条第四款"] and "涉诈样本" in delayed["reasons_zh"][0]


def test_a_fan_in_mule_is_held(service: Service) -> None:
    start = time.time() - 300
    outcomes = [
        service.post(transfer(card(100 + i), MULE, 2000.0, start + i * 20)).json()["outcome"]
        for i in range(10)
    ]
    assert outcomes[:4] == ["allow"] * 4
    assert outcomes[4] == "review" and outcomes[-1] == "delay"
    last = service.post(transfer(card(200), MULE, 2000.0, start + 240)).json()
    assert "fan_in" in last["rules"] and any("快进" in r for r in last["reasons_zh"])
    # The mule passes the money on within minutes: pass-through and fan-in together.
    onward = service.post(transfer(MULE, card(300), 1900.0, start + 260)).json()
    assert "pass_through" in onward["rules"] and onward["outcome"] in {"review", "delay"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payee": {"kind": "bank_card", "value": MULE}, "amount": 1}, "payer"),
        (transfer(card(1), MULE[:-1] + str((int(MULE[-1]) + 1) % 10)), "payee.value"),
        ({**transfer(card(3), MULE), "payee": {"kind": "phone", "value": "13800138000"}}, "payee.kind"),
        (transfer(card(3), MULE, -5), "amount"),
        ({**transfer(card(3), MULE), "amount": "100"}, "amount"),
        ({**transfer(card(3), MULE), "at": "yesterday"}, "at"),
        (transfer(card(3), card(3)), "payee"),
        ([1, 2], "body"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(
    service: Service, body: object, field: str
) -> None:
    before = service.health()
    refused = service.post(body)
    assert refused.status_code == 400, refused.text
    error = refused.json()
    assert error["field"] == field and error["code"] == "validation_failed"
    assert error["message_zh"] and error["message_en"]
    assert service.health() == before
    garbled = httpx.post(
        service.base + PATH, content=b"{not json", headers={"Authorization": f"Bearer {service.key}"}
    )
    assert garbled.status_code == 400 and garbled.json()["field"] == "body"


def test_a_wrong_or_missing_key_is_refused(service: Service) -> None:
    assert service.post(transfer(card(5), card(6)), key="fz_00000000_wrong").status_code == 401
    assert service.post(transfer(card(5), card(6)), key="not-a-key").status_code == 401
    unauthorised = httpx.post(service.base + PATH, json=transfer(card(5), card(6)))
    assert unauthorised.status_code == 401 and unauthorised.json()["code"] == "not_authenticated"
    assert service.health()["recorded"] == 0


def test_the_state_survives_a_kill_and_a_restart(service: Service) -> None:
    start = time.time() - 600
    for i in range(4):
        assert (
            service.post(transfer(card(400 + i), MULE, 3000.0, start + i * 10)).json()["outcome"] == "allow"
        )
    before = service.health()
    service.stop(signal.SIGKILL)  # no snapshot: the journal alone brings it back
    service.start()
    assert service.health() == {**before, "ok": True}
    fifth = service.post(transfer(card(404), MULE, 3000.0, start + 50)).json()
    assert fifth["outcome"] == "review" and "fan_in" in fifth["rules"]
    service.stop(signal.SIGTERM)  # a clean stop snapshots; the next start reads the snapshot
    service.start()
    assert service.health()["recorded"] == 5
    sixth = service.post(transfer(card(405), MULE, 3000.0, start + 60)).json()
    assert "fan_in" in sixth["rules"] and "6 个不同账户" in sixth["reasons_zh"][0]


def test_the_service_logs_as_settings_say(service: Service) -> None:
    """FANZHA_LOG_FORMAT and FANZHA_LOG_LEVEL reach the real-time service as they reach the web server."""
    import json

    service.stop()
    service.env = {**service.env, "FANZHA_LOG_FORMAT": "json", "FANZHA_LOG_LEVEL": "INFO"}
    service.start()
    proc = service.proc
    assert proc is not None and proc.stderr is not None
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    lines = [line for line in proc.stderr.read().decode().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
    assert any("startup complete" in str(r.get("message", r.get("msg", ""))) for r in records), lines
    service.proc = None
