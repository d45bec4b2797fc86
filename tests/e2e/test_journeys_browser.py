"""Journeys 1, 3 and 6 in Chromium from the state `make demo` leaves, with no command outside the browser.

The fixture does what `make demo` does, into a fresh database: migrate, `demo seed`, a (smaller) synthetic
province from `sim generate`, `demo load`, `demo refresh`, then `fanzha run` (web, event dispatcher with
linked disposal, detection worker, warnings sweep and the demo SMS inbox). From there every step is a
click in the browser; screenshots go to test-artifacts/journey-*.png.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from fanzha.core.settings import Settings
from tests.conftest import service_missing

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE_SIZE = {"width": 390, "height": 844}
DESK_SIZE = {"width": 1366, "height": 900}

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Demo:
    """The served demo: its address, the demo users' first passwords, its data directory."""

    base: str
    passwords: dict[str, str]
    home: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load_demo(home: Path) -> dict[str, str]:
    """`make demo`'s loading steps, in process: migrate, seed, generate, load, refresh."""
    from fanzha.bootstrap import build_platform
    from fanzha.db.engine import build_engine
    from fanzha.db.migrate import upgrade
    from fanzha.demo import seed_grids, seed_organisations, seed_users
    from fanzha.demo_province import load_province, refresh_deadlines
    from fanzha.sim import SimConfig
    from fanzha.sim.generate import generate

    database = f"sqlite:///{home}/fanzha.db"
    engine = build_engine(database)
    upgrade(engine)
    engine.dispose()
    platform = build_platform(Settings(database_url=database, data_dir=home, environment="development"))
    seed_organisations(platform)
    created = seed_users(platform)
    seed_grids(platform)
    generate(SimConfig(people=500, days=1, seed=7), home / "sim")  # make demo: 3,000 people, 14 days
    load_province(platform, home / "sim")
    refresh_deadlines(platform)
    return {username: password for username, _, password in created}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo as `make demo` leaves it, served by `fanzha run` on a free port."""
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    running = os.environ.get("FANZHA_JOURNEY_URL")
    if running:  # a `make demo` already running: its data directory holds the first passwords
        home = Path(os.environ.get("FANZHA_DATA_DIR", "var"))
        lines = (home / "demo-passwords.txt").read_text().splitlines()
        ARTIFACTS.mkdir(exist_ok=True)
        yield Demo(running, {ln.split()[0]: ln.split()[2] for ln in lines if ln.strip()}, home)
        return
    home = tmp_path_factory.mktemp("demo")
    passwords = _load_demo(home)
    port = _free_port()
    env = {
        **os.environ,
        "FANZHA_DATABASE_URL": f"sqlite:///{home}/fanzha.db",
        "FANZHA_DATA_DIR": str(home),
        "FANZHA_ENVIRONMENT": "development",
    }
    for name in (
        "FANZHA_SMS_GATEWAY_URL",
        "FANZHA_SMS_GATEWAY_KEY",
        "FANZHA_NATS_URL",
        "FANZHA_DETECT_DATA_ROOT",
    ):
        env.pop(name, None)
    log = (home / "run.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "fanzha", "run", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("fanzha run did not start: " + (home / "run.log").read_text())
        ARTIFACTS.mkdir(exist_ok=True)
        yield Demo(base, passwords, home)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def browser(demo: Demo) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _page(browser: Any, demo: Demo, username: str | None, size: dict[str, int] = DESK_SIZE) -> Any:
    """A page in its own context (its own cookies), logged in as `username` unless None."""
    page = browser.new_context(viewport=size, locale="zh-CN").new_page()
    page.set_default_timeout(20_000)
    if username is not None:
        page.goto(f"{demo.base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", demo.passwords[username])
        page.click("button[type=submit]")
        page.wait_for_url(f"{demo.base}/")
    return page


def _until(page: Any, url: str, found: Callable[[], bool], seconds: float = 60.0) -> None:
    """Reload `url` until `found()` holds: the workers act in the background, as they would for a user."""
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)
        if found():
            return
        if time.monotonic() > deadline:
            page.screenshot(path=str(ARTIFACTS / "journey-timed-out.png"), full_page=True)
            raise AssertionError(f"{url}: not there after {seconds} s")
        time.sleep(0.5)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def _luhn(body: str) -> str:
    """`body` with its Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


# A PNG of one pixel: the courier's employment proof, checked by its content.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def _execute_receipt(page: Any, row: Any) -> None:
    """The institution's receipt on one board row: executed, with the notice delivered where asked."""
    row.locator("select[name=status]").select_option("executed")
    if row.locator("select[name=verification]").count():
        row.locator("select[name=verification]").select_option("passed")
    if row.locator("input[name=notice_delivered]").count():
        row.locator("input[name=notice_delivered]").check()
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_journey_1_a_bank_reports_a_mule_account(demo: Demo, browser: Any) -> None:
    # Bank of Changsha's BIN, so the card routes to BANK-BCS; new on every run against a kept demo.
    card = _luhn(f"623078{time.time_ns() // 1000 % 10**12:012d}")
    bank = _page(browser, demo, "bankop")
    bank.click("text=发布样本")
    bank.select_option("select[name=kind]", "bank_card")
    bank.fill("input[name=value]", card)
    bank.select_option("select[name=fraud_type]", "fake_investment")
    bank.fill("input[name=evidence]", "一小时内收到 14 笔陌生来账，96% 资金随即转出")
    bank.click("form[action='/samples/new'] button[type=submit]")
    bank.wait_for_selector("[data-testid=value]")
    sample_url = bank.url
    assert "待公安确认" in bank.content()  # an institution's report waits for the police
    _shot(bank, "1-reported")

    centre = _page(browser, demo, "analyst")
    centre.goto(f"{demo.base}/samples/queue")
    centre.locator(f"a[href='{sample_url.removeprefix(demo.base)}']").first.click()
    centre.locator("form[action$='/confirm'] input[name=reason]").fill("核实为涉诈收款账户")
    centre.locator("form[action$='/confirm'] button[type=submit]").click()
    centre.wait_for_selector("[data-testid=timeline]")
    assert "生效" in centre.locator("dl").first.inner_text()
    _shot(centre, "1-confirmed")

    # Linked disposal (the dispatcher `fanzha run` started) orders the bank to suspend the card's business.
    def order_row() -> bool:
        return bank.locator("tr[data-testid^=order-]", has_text=card[-4:]).count() > 0

    _until(bank, f"{demo.base}/disposal/orders", order_row)
    row = bank.locator("tr[data-testid^=order-]", has_text=card[-4:]).first
    assert "第二十八条第一款" in row.inner_text()
    order_id = row.get_attribute("data-testid").removeprefix("order-")
    _execute_receipt(bank, row)
    _shot(bank, "1-executed")

    # The centre's board shows it done, with the time it took.
    centre.goto(f"{demo.base}/disposal/orders/{order_id}")
    assert "已执行" in centre.content()
    centre.goto(f"{demo.base}/disposal/orders?status=executed")
    done = centre.locator(f"[data-testid=order-{order_id}]")
    assert re.search(r"\d+ 分钟", done.inner_text())
    _shot(centre, "1-board")


def test_journey_3_a_courier_wrongly_suspended_appeals_on_his_phone(demo: Demo, browser: Any) -> None:
    courier_number = f"134{time.time_ns() // 1000 % 10**8:08d}"  # segment 134: China Mobile
    centre = _page(browser, demo, "analyst")
    centre.click("text=发布样本")
    centre.select_option("select[name=kind]", "phone")
    centre.fill("input[name=value]", courier_number)
    centre.select_option("select[name=fraud_type]", "fake_customer_service")
    centre.fill("input[name=evidence]", "一日内外呼陌生号码百余次，通话均短")
    centre.click("form[action='/samples/new'] button[type=submit]")
    centre.wait_for_selector("[data-testid=value]")

    operator = _page(browser, demo, "telecomop")
    masked_tail = courier_number[-4:]
    _until(
        operator,
        f"{demo.base}/disposal/orders",
        lambda: operator.locator("tr[data-testid^=order-]", has_text=masked_tail).count() > 0,
    )
    _execute_receipt(operator, operator.locator("tr[data-testid^=order-]", has_text=masked_tail).first)
    _shot(operator, "3-suspended")

    # The courier, on his phone: the notice in the demo SMS inbox carries the appeal code.
    phone = _page(browser, demo, None, PHONE_SIZE)
    sms = phone.locator("[data-testid=sms-inbox] tr", has_text=courier_number[-4:])
    _until(phone, f"{demo.base}/demo/sms", lambda: sms.count() > 0)
    _shot(phone, "3-sms")
    text = sms.first.inner_text()
    assert "暂停使用" in text and "冒充电商物流客服" in text  # the measure and the reason in words
    code = re.search(r"申诉码\s*([A-Z0-9]{8,20})", text)
    assert code is not None, text
    phone.goto(f"{demo.base}/appeal")
    phone.fill("input[name=code]", code.group(1))
    phone.fill("textarea[name=facts]", "我是快递员，每天给收件人打电话通知取件，号码被停机。")
    phone.fill("textarea[name=reasons]", "通话对象均为快递收件人，属正常工作。")
    phone.fill("textarea[name=documents]", "工作证明")
    phone.set_input_files(
        "input[name=files]", {"name": "work-proof.png", "mimeType": "image/png", "buffer": PNG}
    )
    # The form fits the phone: no field wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
    phone.click("form[action='/appeal'] button[type=submit]")
    number = phone.locator("[data-testid=number]").inner_text()
    assert phone.locator("[data-testid=attached]").inner_text() == "1"
    _shot(phone, "3-appealed")

    # The deciding unit upholds it from its queue.
    centre.goto(f"{demo.base}/appeals")
    row = centre.locator("tr", has_text=number).first
    row.locator("select[name=outcome]").select_option("upheld")
    row.locator("input[name=reason]").fill("核实为快递员正常工作通话")
    row.locator("button[type=submit]").click()
    centre.wait_for_load_state()
    _shot(centre, "3-upheld")

    # The release order reaches the operator, which lifts the suspension.
    _until(
        operator,
        f"{demo.base}/disposal/orders",
        lambda: operator.locator("tr[data-testid^=order-]", has_text="解除").count() > 0,
    )
    _execute_receipt(operator, operator.locator("tr[data-testid^=order-]", has_text="解除").first)

    # He follows his appeal on his phone: upheld, in Chinese, and in English with the switch.
    phone.goto(f"{demo.base}/appeal/status")
    phone.fill("input[name=number]", number)
    phone.locator("form[action='/appeal/status'] button[type=submit]").click()
    assert "申诉成立" in phone.locator("[data-testid=status]").inner_text()
    _shot(phone, "3-status")
    phone.click("[data-testid=language]")
    phone.goto(f"{demo.base}/appeal/status")
    phone.fill("input[name=number]", number)
    phone.locator("form[action='/appeal/status'] button[type=submit]").click()
    assert "Upheld" in phone.locator("[data-testid=status]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
    _shot(phone, "3-status-en")


def test_journey_6_an_operator_runs_detection_on_a_day_of_call_records(
    demo: Demo, browser: Any, tmp_path: Path
) -> None:
    from tests.e2e.test_console_bulk import day_of_calls_files

    stamp = time.time_ns() // 1000
    dataset = f"cdr-{stamp % 10**8}"
    files = day_of_calls_files(f"+86138{stamp % 10**5:05d}0")  # the operator's own export, new each run
    operator = _page(browser, demo, "telecomop")
    operator.goto(f"{demo.base}/console/detect")
    operator.click("[data-testid=uploads-link]")
    for table, data in files.items():
        path = tmp_path / f"{table}.parquet"
        path.write_bytes(data)
        operator.fill("input[name=dataset]", dataset)
        operator.select_option("select[name=table]", table)
        operator.set_input_files("input[name=file]", str(path))
        operator.locator("[data-testid=upload-form] button[type=submit]").click()
        operator.click("[data-testid=confirm]")
        assert table in operator.locator("[data-testid=stored]").inner_text()
    assert "/tmp" not in operator.content() and str(demo.home) not in operator.content()  # no server path
    _shot(operator, "6-uploaded")

    operator.goto(f"{demo.base}/console/detect")
    operator.select_option("select[name=engine]", "AbnormalCardV1")
    operator.select_option("select[name=backend]", "duckdb")
    operator.fill("input[name=data_dir]", dataset)
    operator.locator("[data-testid=start-form] button[type=submit]").click()
    operator.wait_for_selector("[data-testid=run-status]")
    run_url = operator.url
    status = operator.locator("[data-testid=run-status]")
    _until(operator, run_url, lambda: "已完成" in status.inner_text() or "失败" in status.inner_text())
    assert "已完成" in status.inner_text(), operator.content()[-3000:]
    _shot(operator, "6-run")

    # The provincial centre reviews the alerts with their reasons, ticks them, previews and issues.
    centre = _page(browser, demo, "commander")
    centre.goto(run_url)
    assert "只呼出不呼入" in centre.locator("[data-testid=alerts]").inner_text()
    boxes = centre.locator("input[name=alert_ids]")
    assert boxes.count() == 8
    for i in range(boxes.count()):
        boxes.nth(i).check()
    centre.select_option("[data-testid=bulk-measure]", "reverify")
    centre.click("[data-testid=preview-orders]")
    assert centre.locator("[data-testid=bulk-report] tr.accepted").count() == 8
    assert "预览（尚未提交）" in centre.locator("[data-testid=bulk-summary]").inner_text()
    _shot(centre, "6-preview")
    centre.click("[data-testid=confirm]")
    assert centre.locator("[data-testid=order-link]").count() == 8
    _shot(centre, "6-issued")

    # The operator answers six re-verifications at once with a CSV from its own system.
    operator.goto(f"{demo.base}/disposal/orders")
    rows = operator.locator("tr[data-testid^=order-]", has_text="重新核验")
    ids = [rows.nth(i).get_attribute("data-testid").removeprefix("order-") for i in range(8)]
    receipts = tmp_path / "receipts.csv"
    lines = [f"{order_id},executed,passed,,false" for order_id in ids[:6]]
    receipts.write_text("order_id,status,verification,reason,notice_delivered\n" + "\n".join(lines) + "\n")
    operator.click("[data-testid=bulk-receipts-link]")
    operator.set_input_files("input[name=file]", str(receipts))
    operator.locator("[data-testid=upload-form] button[type=submit]").click()
    assert operator.locator("[data-testid=bulk-report] tr.accepted").count() == 6
    operator.click("[data-testid=confirm]")
    assert "已提交" in operator.locator("[data-testid=bulk-summary]").inner_text()
    _shot(operator, "6-receipts")
    operator.goto(f"{demo.base}/disposal/orders?status=executed")
    for order_id in ids[:6]:
        assert operator.locator(f"[data-testid=order-{order_id}]").count() == 1
