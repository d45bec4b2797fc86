"""The real thing: `fanzha serve` as a process, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import service_missing

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A migrated, seeded demo platform served by `fanzha serve`; yields (base URL, passwords)."""
    home = tmp_path_factory.mktemp("served")
    env = {
        **os.environ,
        "FANZHA_DATABASE_URL": f"sqlite:///{home}/fanzha.db",
        "FANZHA_ENVIRONMENT": "test",
        "FANZHA_DATA_DIR": str(home),
    }
    subprocess.run([BIN / "fanzha", "db", "upgrade"], env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [BIN / "fanzha", "demo", "seed"], env=env, check=True, capture_output=True, text=True
    )
    passwords = {
        line.split()[0]: line.split()[2] for line in seeded.stdout.splitlines() if line.startswith("  ")
    }
    port = _free_port()
    log = (home / "serve.log").open("w")
    server = subprocess.Popen([BIN / "fanzha", "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("fanzha serve did not start: " + (home / "serve.log").read_text())
    yield base, passwords
    server.terminate()
    server.wait(timeout=10)


def test_served_login_page_answers_in_chinese(served: tuple[str, dict[str, str]]) -> None:
    base, passwords = served
    assert set(passwords) >= {
        "admin",
        "secadmin",
        "auditor",
        "analyst",
        "commander",
        "bankop",
        "bankadmin",
    }
    page = httpx.get(f"{base}/login")
    assert page.status_code == 200 and "登录" in page.text


def _browser(pw: object) -> object:
    return pw.chromium.launch(  # type: ignore[attr-defined]
        executable_path=CHROMIUM,
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


@pytest.mark.browser
def test_log_in_in_chromium_and_screenshot_the_home_page(
    served: tuple[str, dict[str, str]],
) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, passwords = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "auditor")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        assert "用户名或密码错误" in page.text_content("[role=alert]")  # type: ignore[operator]
        page.fill("input[name=password]", passwords["auditor"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert "欢迎" in page.text_content("h1")  # type: ignore[operator]
        page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
        # The audit admin checks the chain from the console: HTMX must work under the CSP.
        page.click("text=审计日志")
        page.click("text=校验哈希链")
        page.wait_for_selector("[data-testid=chain-ok]")
        page.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)
        page.click("text=English")
        page.wait_for_selector("text=Verify hash chain")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
    assert (ARTIFACTS / "home.png").stat().st_size > 10_000


@pytest.mark.browser
def test_an_analyst_publishes_a_sample_in_chromium(served: tuple[str, dict[str, str]]) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, passwords = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "analyst")
        page.fill("input[name=password]", passwords["analyst"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.click("text=发布样本")
        page.select_option("select[name=kind]", "url")
        page.fill("input[name=value]", "http://icbc-refund.example.com/verify")
        page.select_option("select[name=fraud_type]", "fake_customer_service")
        page.fill("input[name=evidence]", "仿冒工商银行退款页面")
        page.click("form[action='/samples/new'] button[type=submit]")
        page.wait_for_selector("[data-testid=value]")
        assert "icbc-refund.example.com" in page.text_content("[data-testid=value]")  # type: ignore[operator]
        assert "冒充电商物流客服" in page.content()
        page.screenshot(path=str(ARTIFACTS / "sample.png"), full_page=True)
        page.goto(f"{base}/samples/stats")
        page.screenshot(path=str(ARTIFACTS / "sample-stats.png"), full_page=True)
        browser.close()  # type: ignore[attr-defined]


@pytest.mark.browser
def test_api_reference_renders_from_the_package_under_the_csp(served: tuple[str, dict[str, str]]) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, _ = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
        errors: list[str] = []
        outside: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        page.goto(f"{base}/api/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)  # the operations are listed
        # A large spec is rendered only where it is scrolled into view: scroll through and collect.
        seen: set[str] = set()
        for _ in range(200):
            seen.update(page.locator(".opblock-summary-path").all_inner_texts())
            if len(seen) > 50:
                break
            page.mouse.wheel(0, 700)
            page.wait_for_timeout(100)
        assert len(seen) > 50, sorted(seen)
        assert "接口文档" in page.text_content("header")
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
        browser.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert not outside, outside  # nothing fetched from a CDN


@pytest.mark.browser
def test_home_work_queue_chart_draws_under_the_csp(served: tuple[str, dict[str, str]]) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, passwords = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = _browser(pw)
        page = browser.new_page(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "bankop")
        page.fill("input[name=password]", passwords["bankop"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert "待办工作" in page.text_content("main")  # type: ignore[operator]
        page.wait_for_selector(".chart-canvas svg", timeout=15_000)  # ECharts drew the trend
        assert page.locator(".chart-canvas").bounding_box()["height"] >= 200  # type: ignore[index]
        page.click(".chart-table summary")  # the table twin opens
        assert page.locator(".chart-table tbody tr").count() == 14
        page.screenshot(path=str(ARTIFACTS / "home-work.png"), full_page=True)
        browser.close()  # type: ignore[attr-defined]
    assert not errors, errors


# Pages per person checked with axe-core (the console's own pages; Swagger UI at /api/docs is vendored).
AXE_PAGES = {
    None: ["/login", "/check", "/appeal"],
    "analyst": [
        "/",
        "/samples",
        "/disposal/orders",
        "/console/detect",
        "/appeals",
        "/funds",
        "/credit",
        "/leaks",
    ],
    "bankop": ["/", "/disposal/orders", "/funds/inbox", "/oversight/scorecard"],
    "commander": ["/", "/oversight"],
}


@pytest.mark.browser
def test_main_pages_have_no_serious_accessibility_violations(served: tuple[str, dict[str, str]]) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    base, passwords = served
    axe, found = Axe(), []
    with sync_playwright() as pw:
        browser = _browser(pw)
        for user, paths in AXE_PAGES.items():
            # axe is injected as a script, which the console's CSP forbids: this context alone bypasses it.
            context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
            page = context.new_page()
            if user is not None:
                page.goto(f"{base}/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", passwords[user])
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/")
            for path in paths:
                assert page.goto(f"{base}{path}").status == 200, path
                for violation in axe.run(page).response["violations"]:
                    if violation["impact"] in ("serious", "critical"):
                        found.append(f"{user} {path}: {violation['id']} at {violation['nodes'][0]['target']}")
            context.close()
        browser.close()
    assert found == []
