"""Art 34¶1 notices on SQLite and PostgreSQL through a real HTTP SMS gateway on loopback, and their resend."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fanzha_client.webhooks import SIGNATURE_HEADER, verify
from sqlalchemy import Engine, select

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.disposal.domain import CODE_SLOT, Measure, OrderStatus, render_notice
from fanzha.disposal.notices import HttpSmsGateway, LoggingNotifier, SmsGatewayFailed, SmsNotifier, SmsRefused
from fanzha.disposal.release import code_hash
from fanzha.disposal.resend import RESEND_JOB, resend_unsent
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Notice, Order
from fanzha.disposal.worker import DisposalWorker
from fanzha.events.tables import SinkCursor
from tests.conftest import TEST_KEYS
from tests.integration.test_disposal_service import (
    PHONE,
    DisposalWorld,
    disposal_of,
    make_disposal_world,
    sampled,
)

KEY = "sms-gateway-test-key-" + "k" * 24  # a test key, made up here
SECOND = "13812340000"  # another CMCC number


@dataclass
class GatewayState:
    """What the stand-in gateway answers, and what reached it."""

    status: int = 200
    delay: float = 0.0
    refuse: set[str] = field(default_factory=set)  # numbers answered 400
    now: Callable[[], float] = time.time  # the signer's clock
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    bad_signatures: int = 0


class Gateway:
    """A real HTTP server on loopback standing for the SMS gateway: checks signatures, records messages."""

    def __init__(self) -> None:
        self.state = GatewayState()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                state = gateway.state
                state.attempts += 1
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if state.delay:
                    time.sleep(state.delay)
                status = state.status
                if not verify(KEY, self.headers.get(SIGNATURE_HEADER, ""), body, now=state.now()):
                    state.bad_signatures += 1
                    status = 401
                elif status == 200:
                    message = json.loads(body)
                    if message["phone"] in state.refuse:
                        status = 400
                    else:
                        message["content_type"] = self.headers["Content-Type"]
                        state.received.append(message)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sms"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def served() -> Iterator[Gateway]:
    server = Gateway()
    yield server
    server.stop()


@pytest.fixture
def gateway(served: Gateway, clock: FrozenClock) -> Gateway:
    served.state = GatewayState(now=lambda: clock.now().timestamp())
    return served


@pytest.fixture
def sms_platform(
    gateway: Gateway, clock: FrozenClock, engine: Engine, tmp_path: Path
) -> Iterator[tuple[Platform, DisposalWorld]]:
    """A platform built from settings naming the gateway (as in production), with the disposal world."""
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        sms_gateway_url=gateway.url,
        sms_gateway_key=KEY,
        **TEST_KEYS,  # type: ignore[arg-type]
    )
    platform = build_platform(settings, clock=clock, engine=engine)
    service = disposal_of(platform)
    wired = service.notifier
    dw = make_disposal_world(platform)  # it swaps in a memory notifier: put the wired one back
    service.notifier = wired
    yield platform, dw
    platform.close()


def executed(platform: Platform, dw: DisposalWorld, phone: str = PHONE) -> Order:
    """A suspension of `phone` the operator executed: its notice is recorded and handed to the port."""
    service = disposal_of(platform)
    police = dw.base.analyst
    [issued] = service.issue(police.principal, sampled(platform, police, "phone", phone, Measure.SUSPEND))
    return service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))


def sent_code(text: str) -> str:
    """The appeal code in a notice as sent."""
    match = re.search(r"申诉码 ([A-Z2-9]{10})", text)
    assert match is not None, text
    return match.group(1)


def notices(platform: Platform) -> list[Notice]:
    with platform.sessions() as session:
        return list(session.scalars(select(Notice).order_by(Notice.id)))


def resend(platform: Platform) -> int:
    return resend_unsent(disposal_of(platform), platform.sessions, "test")


def test_the_notice_reaches_the_gateway_signed(
    sms_platform: tuple[Platform, DisposalWorld], gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    platform, dw = sms_platform
    caplog.set_level(logging.DEBUG)
    assert isinstance(disposal_of(platform).notifier, SmsNotifier)  # bootstrap wired the gateway
    done = executed(platform, dw)
    [notice] = notices(platform)
    assert notice.order_id == done.id and notice.channel == "sms"
    assert notice.sent_at == platform.clock.now()
    [message] = gateway.state.received
    assert gateway.state.bad_signatures == 0 and gateway.state.attempts == 1
    assert message.pop("content_type").startswith("application/json")
    code = sent_code(message["text"])
    # Finding 15: the stored text holds a slot, the code is rendered at send time; only its hash is kept.
    assert CODE_SLOT in notice.text and code not in notice.text and code_hash(code) == notice.code_hash
    rendered = render_notice(notice.text, code)
    assert message == {"phone": "+86" + PHONE, "text": rendered, "request_id": f"notice-{notice.id}"}
    assert "暂停使用" in message["text"] and "申诉码" in message["text"]
    # Neither the number, the text nor the key is logged on the way.
    assert PHONE not in caplog.text and KEY not in caplog.text and rendered not in caplog.text


def test_the_appeal_code_goes_through_the_same_gateway(
    sms_platform: tuple[Platform, DisposalWorld], gateway: Gateway
) -> None:
    platform, dw = sms_platform
    executed(platform, dw)
    assert platform.appeals is not None
    platform.appeals.phone.issue(PHONE, "10.1.1.1")
    notice_sms, code_sms = gateway.state.received
    assert code_sms["phone"] == "+86" + PHONE and "验证码" in code_sms["text"]
    assert code_sms["request_id"].startswith("otp-") and code_sms["request_id"] != notice_sms["request_id"]
    assert gateway.state.bad_signatures == 0


def test_a_failed_notice_is_resent_once_after_the_grace_period(
    sms_platform: tuple[Platform, DisposalWorld], gateway: Gateway, clock: FrozenClock
) -> None:
    platform, dw = sms_platform
    gateway.state.status = 500
    done = executed(platform, dw)  # the receipt is taken although the gateway failed
    assert done.status == OrderStatus.EXECUTED
    [notice] = notices(platform)
    assert notice.sent_at is None and gateway.state.attempts == 1 and gateway.state.received == []
    gateway.state.status = 200
    clock.advance(timedelta(seconds=30))
    assert resend(platform) == 0  # within the grace period: the request may still be sending it
    assert gateway.state.attempts == 1
    clock.advance(timedelta(seconds=31))
    assert resend(platform) == 1
    [message] = gateway.state.received
    assert message["request_id"] == f"notice-{notice.id}" and message["phone"] == "+86" + PHONE
    # The resend renders the same code again: the one the portal knows by its hash.
    code = sent_code(message["text"])
    assert message["text"] == render_notice(notice.text, code) and code_hash(code) == notice.code_hash
    assert gateway.state.bad_signatures == 0
    [notice] = notices(platform)
    assert notice.sent_at == clock.now()
    # Exactly once: later passes find nothing to send.
    clock.advance(timedelta(minutes=5))
    assert resend(platform) == 0
    assert len(gateway.state.received) == 1 and gateway.state.attempts == 2


def test_a_pass_stops_at_a_down_gateway_and_backs_off(
    sms_platform: tuple[Platform, DisposalWorld], gateway: Gateway, clock: FrozenClock
) -> None:
    platform, dw = sms_platform
    gateway.state.status = 503
    executed(platform, dw)
    clock.advance(timedelta(seconds=1))
    executed(platform, dw, SECOND)
    assert gateway.state.attempts == 2  # one try each, by the receipts
    clock.advance(timedelta(minutes=2))
    assert resend(platform) == 0
    assert gateway.state.attempts == 3  # stopped at the first failure: the gateway is down
    with platform.sessions() as session:
        job = session.get(SinkCursor, RESEND_JOB)
        assert job is not None and job.lease_owner is None and job.retry_at is not None
        assert "SMS gateway failed" in job.last_error
    assert resend(platform) == 0 and gateway.state.attempts == 3  # backing off
    gateway.state.status = 200
    clock.advance(timedelta(seconds=2))
    assert resend(platform) == 2
    assert [m["phone"] for m in gateway.state.received] == ["+86" + PHONE, "+86" + SECOND]  # oldest first
    assert all(n.sent_at == clock.now() for n in notices(platform))


def test_a_refused_message_does_not_hold_up_the_others(
    sms_platform: tuple[Platform, DisposalWorld], gateway: Gateway, clock: FrozenClock
) -> None:
    platform, dw = sms_platform
    gateway.state.refuse = {"+86" + PHONE}
    executed(platform, dw)
    gateway.state.status = 500
    executed(platform, dw, SECOND)
    gateway.state.status = 200
    clock.advance(timedelta(minutes=2))
    assert resend(platform) == 1  # the refused one is skipped, the next still goes
    first, second = notices(platform)
    assert first.sent_at is None and second.sent_at == clock.now()
    with platform.sessions() as session:
        job = session.get(SinkCursor, RESEND_JOB)
        assert job is not None and job.retry_at is None  # a refusal is not the gateway being down


def test_the_worker_resends_on_its_schedule(
    sms_platform: tuple[Platform, DisposalWorld], gateway: Gateway, clock: FrozenClock
) -> None:
    platform, dw = sms_platform
    gateway.state.status = 500
    executed(platform, dw)
    gateway.state.status = 200

    async def passes() -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            worker = DisposalWorker(platform, http, worker="test")
            await worker.run_once()  # within the grace period: nothing yet
            assert gateway.state.received == []
            clock.advance(timedelta(seconds=61))
            await worker.run_once()
            assert len(gateway.state.received) == 1

    asyncio.run(passes())
    assert all(n.sent_at is not None for n in notices(platform))


def test_gateway_errors_are_clear(gateway: Gateway, clock: FrozenClock) -> None:
    sms = HttpSmsGateway(gateway.url, KEY, clock, timeout=0.2)
    try:
        gateway.state.delay = 1.0
        with pytest.raises(SmsGatewayFailed) as slow:
            sms.send_sms("+8613812345678", "文本", "r-1")
        assert "timed out" in slow.value.message_en and "超时" in slow.value.message_zh
        assert not isinstance(slow.value, SmsRefused)
        gateway.state.delay = 0.0
        gateway.state.status = 502
        with pytest.raises(SmsGatewayFailed) as down:
            sms.send_sms("+8613812345678", "文本", "r-2")
        assert "HTTP 502" in down.value.message_en and not isinstance(down.value, SmsRefused)
        gateway.state.status = 200
        gateway.state.refuse = {"+8613800000000"}
        with pytest.raises(SmsRefused) as refused:
            sms.send_sms("+8613800000000", "文本", "r-3")
        assert "HTTP 400" in refused.value.message_en and refused.value.code == "sms_refused"
        assert "+8613800000000" not in str(refused.value)
    finally:
        sms.close()
    wrong = HttpSmsGateway(gateway.url, "another-key", clock)
    try:
        # 401: a mis-signed body is refused, and being our key, it stops every message alike.
        with pytest.raises(SmsGatewayFailed) as unsigned:
            wrong.send_sms("+8613812345678", "文本", "r-4")
        assert "HTTP 401" in unsigned.value.message_en and not isinstance(unsigned.value, SmsRefused)
        assert gateway.state.bad_signatures == 1
    finally:
        wrong.close()
    closed = HttpSmsGateway("http://127.0.0.1:9/sms", KEY, clock, timeout=0.5)  # nothing listens on 9
    try:
        with pytest.raises(SmsGatewayFailed) as unreachable:
            closed.send_sms("+8613812345678", "文本", "r-5")
        assert "could not be reached" in unreachable.value.message_en
    finally:
        closed.close()


def test_without_a_gateway_the_demo_logs_notices(
    settings: Settings, clock: FrozenClock, engine: Engine
) -> None:
    platform = build_platform(settings, clock=clock, engine=engine)
    assert isinstance(disposal_of(platform).notifier, LoggingNotifier) and platform.sms_gateway is None
    platform.close()
