"""The disposal worker on SQLite and PostgreSQL: a sample becomes an order, delivered by signed webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fanzha_client.webhooks import standard_secret
from standardwebhooks import Webhook

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.disposal.worker import DisposalWorker
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from tests.integration.test_disposal_service import PHONE, DisposalWorld, make_disposal_world
from tests.receiver import Served


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    server = Served()
    yield server
    server.stop()


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


def _work(platform: Platform) -> int:
    async def once() -> int:
        async with httpx.AsyncClient(timeout=5) as http:
            worker = DisposalWorker(platform, http, worker="test")
            return await worker.run_once() + await worker.run_once()

    return asyncio.run(once())


def test_orders_reach_only_the_institution_they_address(
    platform: Platform, dw: DisposalWorld, served: Served, clock: FrozenClock, request: pytest.FixtureRequest
) -> None:
    clock.advance(datetime.now(UTC) - clock.now())  # the Standard Webhooks library checks the wall clock
    tag = request.node.callspec.id
    receivers = {}
    for person, name in ((dw.cmcc, f"cmcc-{tag}"), (dw.cucc, f"cucc-{tag}")):
        _, secret = platform.subscriptions.create(person.principal, ["phone"], "", served.url(name))
        assert secret
        served.receivers[name].secret = secret
        served.receivers[name].now = platform.clock.now().timestamp()
        receivers[person.org.code] = served.receivers[name]
    platform.samples.publish(
        dw.base.analyst.principal, SamplePublish(kind="phone", value=PHONE, fraud_type=FraudType.FAKE_POLICE)
    )
    assert _work(platform) > 0
    got = receivers["tel-cmcc"].received
    assert [e["topic"] for e in got] == ["disposal.order.issued"]
    assert got[0]["payload"]["org_id"] == dw.cmcc.org.id and got[0]["payload"]["measure"] == "suspend"
    assert receivers["tel-cmcc"].bad_signatures == 0 and PHONE not in str(got)
    assert receivers["tel-cucc"].received == []  # another operator's order never reaches it
    ((headers, body),) = receivers["tel-cmcc"].posts
    order = Webhook(standard_secret(receivers["tel-cmcc"].secret)).verify(body, headers)
    assert order == got[0] and headers["webhook-id"] == order["event_id"]
