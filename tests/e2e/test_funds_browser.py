"""Issue 22 item 9 in Chromium: the police take a case in on the board and the money graph draws."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.e2e.test_browser import ARTIFACTS, CHROMIUM, _browser, served
from tests.funds_world import COLLECTOR, card

__all__ = ["served"]  # the module's served platform (fanzha serve) is used here too


@pytest.mark.browser
def test_the_money_graph_draws_on_the_case_page(served: tuple[str, dict[str, str]]) -> None:
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
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "analyst")
        page.fill("input[name=password]", passwords["analyst"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/funds")
        page.wait_for_selector("[data-testid=funds-charts] .chart-canvas svg", timeout=15_000)
        form = "form[action='/funds/cases']"
        page.fill(f"{form} input[name=number]", "AJ-BROWSER-1")
        page.fill(f"{form} textarea[name=summary]", "冒充客服退款")
        page.fill(f"{form} input[name=victim]", "张某")
        page.fill(f"{form} input[name=loss_fen]", "500000")
        page.fill(f"{form} input[name=account]", card("621700", 777))
        page.fill(f"{form} input[name=at]", "2026-01-05T10:00")
        page.fill(f"{form} input[name=amount_fen]", "500000")
        page.fill(f"{form} input[name=payee]", COLLECTOR)
        page.click(f"{form} button[type=submit]")
        page.wait_for_url(f"{base}/funds/cases/*")
        page.wait_for_selector("[data-testid=money-graph] .chart-canvas svg", timeout=15_000)
        assert "AJ-BROWSER-1" in page.content() and COLLECTOR not in page.content()
        page.screenshot(path=str(ARTIFACTS / "funds-money-graph.png"), full_page=True)
        browser.close()  # type: ignore[attr-defined]
    assert not errors, errors
