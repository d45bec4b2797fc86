"""The institutions' client (clients/python, `fanzha-client`) against the real app: lookups, the feed,
orders and receipts with idempotency keys, sightings, subscriptions, webhook checks (issue 21 item 5)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fanzha_client import FanzhaApiError, FanzhaClient, verify_delivery
from fanzha_client.webhooks import sign, standard_headers, standard_secret
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from fanzha.bootstrap import Platform
from fanzha.identity.domain import Permission, Role
from fanzha.samples.schemas import SamplePublish
from fanzha.web.app import create_app
from tests.factories import make_user
from tests.integration.test_disposal_service import PHONE, DisposalWorld, make_disposal_world, run_policy

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


def _client(platform: Platform, dw: DisposalWorld) -> FanzhaClient:
    """CMCC's system, with a key its administrator issued with the subscription grant."""
    admin = make_user(platform, "cmccadmin", dw.cmcc.org, Role.INSTITUTION_ADMIN)
    grants = frozenset({Permission.SUBSCRIPTION_MANAGE})
    _key, secret = platform.auth.create_api_key(admin.principal, dw.cmcc.org.id, "核心系统", None, grants)
    return FanzhaClient("http://testserver", secret, http=TestClient(create_app(platform=platform)))


def test_a_bank_system_does_its_work_with_the_client(platform: Platform, dw: DisposalWorld) -> None:
    data = SamplePublish(kind="phone", value=PHONE, fraud_type="fake_customer_service", confidence=90)
    platform.samples.publish(dw.base.analyst.principal, data)
    run_policy(platform)  # linked disposal orders CMCC to act on its number
    client = _client(platform, dw)

    hit, miss = client.lookup([("phone", PHONE), ("phone", "13900001111")])
    assert (hit.found, hit.status, miss.found) == (True, "active", False)
    changes = list(client.changes(kind="phone"))
    assert [c["topic"] for c in changes] == ["samples.published.phone"]
    assert list(client.changes(after=changes[-1]["position"], kind="phone")) == []

    (order,) = client.orders()
    assert order.object_kind == "phone" and order.status == "delivered"  # fetching it delivered it
    done = client.receipt(order.id, "executed", notice_delivered=True, idempotency_key="receipt-1")
    again = client.receipt(order.id, "executed", notice_delivered=True, idempotency_key="receipt-1")
    assert done == again and done.status == "executed"  # a retried receipt is answered once
    with pytest.raises(FanzhaApiError) as refused:
        client.receipt(order.id, "nonsense")  # type: ignore[arg-type]
    assert refused.value.status == 422 and refused.value.message_zh and refused.value.field

    assert hit.token is not None
    client.report_sighting(hit.token, "hit", "客户来电核实")
    subscribed = client.subscribe(["phone"])
    assert subscribed["subscription"]["kinds"] == "phone"


def test_webhook_deliveries_verify_by_either_scheme_and_tampering_fails() -> None:
    secret, body, now = "s3cret-of-the-subscription", json.dumps({"topic": "x"}).encode(), int(time.time())
    assert verify_delivery(secret, {"X-Fanzha-Signature": sign(secret, body, now)}, body)
    standard = standard_headers(secret, "msg_1", body, now)
    assert verify_delivery(secret, standard, body)
    # The Standard Webhooks reference library signs what the client accepts, and checks what we sign.
    reference = Webhook(standard_secret(secret))
    signed = reference.sign("msg_2", datetime.fromtimestamp(now, UTC), body.decode())
    headers = {"webhook-id": "msg_2", "webhook-timestamp": str(now), "webhook-signature": signed}
    assert verify_delivery(secret, headers, body)
    assert reference.verify(body, standard) is not None
    assert not verify_delivery(secret, standard, body + b" ")
    assert not verify_delivery("another", standard, body)
    assert not verify_delivery(secret, standard_headers(secret, "m", body, now - 3600), body)  # a replay
    assert not verify_delivery(secret, {}, body)
    assert base64.b64decode(standard_secret(secret).removeprefix("whsec_")).decode() == secret


def test_the_client_stands_alone() -> None:
    declared = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not [d for d in declared if d.startswith("fanzha")]
    probe = "import sys, fanzha_client; print(sorted(m for m in sys.modules if m.split('.')[0] == 'fanzha'))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"  # no module of the platform is imported
