"""Tips in Chromium: an anonymous tip with a photo, the officer's question, the answer by receipt code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.e2e.test_browser import ARTIFACTS, CHROMIUM, served

__all__ = ["served"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 256


@pytest.mark.browser
def test_a_tip_from_the_portal_is_asked_about_and_answered_in_the_browser(
    served: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base, passwords = served
    photo = tmp_path / "截图.jpg"
    photo.write_bytes(JPEG)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        errors: list[str] = []
        public = browser.new_page(viewport={"width": 1280, "height": 900})
        public.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        public.goto(f"{base}/tip")
        assert "我要举报" in (public.text_content("h1") or "")
        public.select_option("select[name=kind]", "phone")
        public.fill("input[name=value]", "+8617712349876")
        public.fill("textarea[name=text]", "冒充客服要求我共享屏幕")
        public.fill("input[name=region_code]", "430100")
        public.set_input_files("input[name=files]", str(photo))
        public.click("form[action='/tip'] button[type=submit]")
        code = (public.text_content("[data-testid=receipt-code]") or "").strip()
        assert len(code.replace("-", "")) == 20
        public.screenshot(path=str(ARTIFACTS / "tips-portal-receipt.png"), full_page=True)

        officer = browser.new_page(viewport={"width": 1280, "height": 900})
        officer.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        officer.goto(f"{base}/login")
        officer.fill("input[name=username]", "analyst")
        officer.fill("input[name=password]", passwords["analyst"])
        officer.click("button[type=submit]")
        officer.wait_for_url(f"{base}/")
        officer.click("text=举报线索")
        officer.click("table a >> nth=0")
        officer.click("form[action$='/take'] button")
        officer.fill("form[action$='/ask'] textarea[name=text]", "对方让您下载的是哪个软件？")
        officer.click("form[action$='/ask'] button")
        officer.wait_for_selector("text=对方让您下载的是哪个软件")
        officer.screenshot(path=str(ARTIFACTS / "tips-officer-page.png"), full_page=True)

        public.goto(f"{base}/tip/follow")
        public.fill("input[name=receipt_code]", code)
        public.click("form[action='/tip/follow'] button")
        public.wait_for_selector("text=对方让您下载的是哪个软件")
        public.fill("form[action='/tip/answer'] textarea[name=text]", "一个叫“云会议”的软件")
        public.click("form[action='/tip/answer'] button")
        public.wait_for_selector("text=云会议")
        assert "核查中" in (public.text_content("[data-testid=status]") or "")
        officer.reload()
        officer.wait_for_selector("text=云会议")
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
