"""The grid worker's task page on a phone (390 × 844) in Chromium: accept, tap-to-call, record the visit."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.warnings.domain import SignalKind
from fanzha.warnings.service import SignalInput
from fanzha.web.app import create_app
from tests.conftest import service_missing
from tests.e2e.test_browser import ARTIFACTS, CHROMIUM
from tests.factories import PASSWORD
from tests.integration.test_holdings import CARD_A
from tests.warnings_world import PHONE, make_warn_world, warnings_of

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(
    settings: Settings, clock: FrozenClock, tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[str, Platform, int]]:
    """The app on a real port over a SQLite copy: a high warning whose call was missed, so a visit waits."""
    path = tmp_path / "fanzha.db"
    shutil.copy(sqlite_template, path)
    platform = build_platform(settings, clock=clock, engine=build_engine(f"sqlite:///{path}"))
    ww = make_warn_world(platform)
    service = warnings_of(platform)
    service.ingest(
        ww.dw.base.bank_a_op.principal,
        [
            SignalInput(
                SignalKind.PAYEE_CHECK,
                "t1",
                person_token=ww.holder_token,
                payer_kind="bank_card",
                payer_value=CARD_A,
                fraud_number="6222020000999988",
                scam_type="fake_police",
            )
        ],
    )
    clock.advance(timedelta(minutes=6))
    service.sweep()
    visit = service.tasks(ww.grid_worker.principal, "open")[0][0]
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(platform=platform), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield base, platform, visit.id
    server.should_exit = True
    thread.join(timeout=10)
    platform.close()


@pytest.mark.browser
def test_the_grid_worker_takes_the_visit_on_a_phone(served: tuple[str, Platform, int]) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, platform, task_id = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "gridw")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.click("text=劝阻任务")
        card = page.locator(f"[data-testid=task-{task_id}]")
        assert "上门劝阻" in card.inner_text() and "高风险" in card.inner_text()
        card.locator("a").click()
        page.wait_for_selector("[data-testid=accept]")
        # Only what the visit needs: the phone to dial, no ID number or account.
        call = page.locator("[data-testid=call]")
        assert call.get_attribute("href") == "tel:+86" + PHONE
        body = page.inner_text("main")
        assert "6222" not in body.replace("6222020000999988", "") and "430104199" not in body
        # Large tap targets fit the phone's width.
        box = page.locator("[data-testid=accept]").bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        page.click("[data-testid=accept]")
        page.wait_for_selector("[data-testid=record]")
        page.check("input[value=dissuaded]")
        page.fill("[data-testid=note]", "已上门，老人取消转账")
        page.screenshot(path=str(ARTIFACTS / "warnings-task-phone.png"), full_page=True)
        page.click("[data-testid=record]")
        page.wait_for_selector("[data-testid=closed]")
        assert "劝阻成功" in page.inner_text("[data-testid=closed]")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
    with platform.sessions() as s:
        from fanzha.warnings.tables import Warning_

        w = s.query(Warning_).one()
        assert w.outcome == "dissuaded"
