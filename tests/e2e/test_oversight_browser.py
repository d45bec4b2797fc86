"""The oversight dashboard in Chromium: charts drawn under the CSP, a notification drafted from the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.e2e.test_browser import ARTIFACTS, CHROMIUM, served

__all__ = ["served"]


@pytest.mark.browser
def test_the_commander_sees_the_dashboard_and_drafts_a_notification(
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
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "commander")
        page.fill("input[name=password]", passwords["commander"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.click("text=考核通报")
        page.wait_for_selector(".chart-canvas canvas, .chart-canvas svg", timeout=15_000)
        assert page.locator("[data-testid=ranking]").count() == 1
        page.screenshot(path=str(ARTIFACTS / "oversight-dashboard.png"), full_page=True)
        page.goto(f"{base}/oversight/notifications")
        page.click("form[action='/oversight/notifications/draft'] button[type=submit]")
        page.wait_for_selector("text=草稿（待审核）")
        assert "全省反电信网络诈骗工作情况通报" in (page.text_content("h1") or "")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
