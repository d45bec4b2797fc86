"""The detection console: a centre analyst starts a run in Chromium, follows it, reads the reasons."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.detect import registry
from fanzha.detect.runs import DetectRunService
from fanzha.detect.tables import DetectRun
from fanzha.identity.domain import Role
from fanzha.web.app import create_app
from tests.conftest import service_missing
from tests.factories import PASSWORD, World, make_user
from tests.integration.detect.small_engine import CARDS, BigPayeeTestV1, write_province

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
Login = Callable[[str], TestClient]


@pytest.fixture(autouse=True)
def small(platform: Platform, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The small test engine in the registry, a data directory under the root, a centre analyst."""
    monkeypatch.setitem(registry.REGISTRY, BigPayeeTestV1.name, BigPayeeTestV1)
    write_province(DetectRunService.of(platform).data_root / "small")
    make_user(platform, "centreanalyst", world.centre, Role.ANALYST)
    yield


def _console(platform: Platform, username: str) -> tuple[TestClient, str]:
    """A browser-like client logged in through the form, and its CSRF token read from a page."""
    client = TestClient(create_app(platform=platform), headers={"Accept": "text/html"})
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text  # followed the redirect home
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert found
    return client, found.group(1)


def test_a_county_analyst_is_refused_and_a_bank_kept_to_its_folder(platform: Platform) -> None:
    client, csrf = _console(platform, "analyst")
    assert "/console/detect" not in client.get("/").text  # no navigation entry
    page = client.get("/console/detect")
    assert page.status_code == 403 and 'role="alert"' in page.text
    # The role may read detection, a county unit may not (Art 27).
    assert "只有省、市反诈中心和负有监测义务的机构可以运行检测" in page.text
    form = {"csrf_token": csrf, "engine": BigPayeeTestV1.name, "backend": "duckdb", "data_dir": "small"}
    assert client.post("/console/detect/runs", data=form).status_code == 403
    assert client.get("/console/detect/runs/1").status_code == 403
    with platform.sessions() as session:
        denied = {
            (r.actor, r.action)
            for r in session.scalars(select(AuditRecord).where(AuditRecord.result == "denied"))
        }
    assert ("analyst", "GET /console/detect") in denied
    # A bank monitors its own accounts (Art 18), from its own folder: the centres' shared one is refused.
    bank, bank_csrf = _console(platform, "aop")
    assert 'href="/console/detect"' in bank.get("/").text
    shared = str(DetectRunService.of(platform).data_root / "small")
    start = bank.post("/console/detect/runs", data={**form, "csrf_token": bank_csrf, "data_dir": shared})
    assert start.status_code == 422 and "数据目录必须位于" in start.text
    page = bank.get("/console/detect").text
    assert str(DetectRunService.of(platform).data_root) not in page  # no server path for an institution
    assert 'data-testid="uploads-link"' in page  # it uploads its own data instead


def test_bad_input_shows_its_error_on_the_form(platform: Platform) -> None:
    client, csrf = _console(platform, "centreanalyst")
    home = client.get("/")
    assert 'href="/console/detect"' in home.text and "检测" in home.text
    form = {"csrf_token": csrf, "engine": "NoSuchV1", "backend": "duckdb", "data_dir": "small"}
    unknown = client.post("/console/detect/runs", data=form)
    assert unknown.status_code == 404 and "没有名为 NoSuchV1 的检测引擎" in unknown.text
    assert 'data-testid="start-form"' in unknown.text and 'value="small"' in unknown.text
    english = client.post("/console/detect/runs?lang=en", data=form)
    assert "no detection engine named NoSuchV1" in english.text
    outside = client.post(
        "/console/detect/runs", data={**form, "engine": BigPayeeTestV1.name, "data_dir": "/etc"}
    )
    assert outside.status_code == 422 and "数据目录必须位于" in outside.text
    backend = client.post(
        "/console/detect/runs", data={**form, "engine": BigPayeeTestV1.name, "backend": "x"}
    )
    assert backend.status_code == 422 and "未知的计算后端" in backend.text
    empty = client.post("/console/detect/runs", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "engine" in empty.text
    no_csrf = client.post("/console/detect/runs", data={**form, "csrf_token": "wrong"})
    assert no_csrf.status_code == 403
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DetectRun)) == 0
    assert client.get("/console/detect/runs/999").status_code == 404


def test_run_page_filters_pages_reveals_and_applies(platform: Platform) -> None:
    client, csrf = _console(platform, "centreanalyst")
    form = {"csrf_token": csrf, "engine": BigPayeeTestV1.name, "backend": "duckdb", "data_dir": "small"}
    started = client.post("/console/detect/runs", data=form, follow_redirects=False)
    assert started.status_code == 303
    url = started.headers["location"]
    queued = client.get(url)
    assert queued.headers["Refresh"] == "2" and "排队中" in queued.text
    DetectRunService.of(platform).work_once("test-worker")
    done = client.get(url)
    assert "Refresh" not in done.headers and "已完成" in done.text
    assert "收款超过一万元" in done.text and CARDS[0] not in done.text
    high = client.get(url, params={"level": "high"})
    assert high.text.count('data-testid="alert-') == 1
    assert client.get(url, params={"level": "severe"}).status_code == 422
    alert_id = int(re.findall(r'data-testid="reveal-(\d+)"', high.text)[0])
    shown = client.get(url, params={"level": "high", "reveal": alert_id})
    assert CARDS[0] in shown.text and CARDS[1] not in shown.text
    with platform.sessions() as session:
        reveals = list(
            session.scalars(select(AuditRecord).where(AuditRecord.action == "detect.alerts.reveal"))
        )
    assert len(reveals) == 1
    applied = client.post(url + "/apply-policies", data={"csrf_token": csrf})
    assert applied.status_code == 200 and 'data-testid="outcomes"' in applied.text
    listing = client.get("/console/detect")
    assert BigPayeeTestV1.title_zh in listing.text and "已完成" in listing.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(platform: Platform) -> Iterator[str]:
    """The app over the test platform, served by uvicorn in a thread (the test engine is registered)."""
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
    else:
        pytest.fail("uvicorn did not start")
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_centre_analyst_starts_a_run_and_reads_reasons_in_chromium(served: str, platform: Platform) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{served}/login")
        page.fill("input[name=username]", "centreanalyst")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{served}/")
        page.click('header nav a[href="/console/detect"]')
        page.wait_for_url(f"{served}/console/detect")
        assert BigPayeeTestV1.title_zh in (page.text_content("[data-testid=engines]") or "")
        page.select_option("select[name=engine]", BigPayeeTestV1.name)
        page.select_option("select[name=backend]", "duckdb")
        page.fill("input[name=data_dir]", "small")
        # Not full_page: resizing for a page taller than the window left the submit click unanswered.
        page.screenshot(path=str(ARTIFACTS / "detect.png"))
        page.click("[data-testid=start-form] button[type=submit]")
        page.wait_for_url(re.compile(r".*/console/detect/runs/\d+$"))
        assert "排队中" in (page.text_content("[data-testid=run-status]") or "")
        page.wait_for_selector("[data-testid=refreshing]")
        DetectRunService.of(platform).work_once("test-worker")  # the worker, in process
        # The page refreshes itself until the run ends.
        page.wait_for_selector("[data-testid=run-status]:has-text('已完成')", timeout=15_000)
        assert "高风险 1" in (page.text_content("[data-testid=run-counts]") or "")
        high = page.locator("[data-testid=alerts] tr", has_text="高风险")
        reasons = high.locator("ul.reasons li").all_text_contents()
        assert reasons == ["收款超过一万元", "多笔收款"]
        assert CARDS[0] not in (page.text_content("[data-testid=alerts]") or "")
        high.locator("a[data-testid^=reveal-]").click()
        page.wait_for_selector(f"text={CARDS[0]}")
        page.click("[data-testid=apply-policies]")
        page.wait_for_selector("[data-testid=outcomes]")
        page.screenshot(path=str(ARTIFACTS / "detect-run.png"), full_page=True)
        page.click("text=English")
        page.wait_for_selector("text=Reasons")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
