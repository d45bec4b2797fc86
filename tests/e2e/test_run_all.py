"""`fanzha run`: web, event dispatcher and detection worker together, with the demo's SMS inbox."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fanzha.core.clock import SystemClock
from fanzha.core.errors import InsecureSettings
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.disposal.notices import HttpSmsGateway, SmsGatewayFailed
from fanzha.supervisor import SINK_KEY_FILE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> dict[int, str]:
    """The supervisor's child processes and their command lines."""
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True)
    found = {}
    for line in out.stdout.splitlines():
        child, _, args = line.strip().partition(" ")
        found[int(child)] = args
    return found


def _wait_for(condition: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    database = f"sqlite:///{tmp_path}/run.db"
    engine = build_engine(database)
    upgrade(engine)
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "FANZHA_DATABASE_URL": database,
        "FANZHA_DATA_DIR": str(tmp_path),
        "FANZHA_ENVIRONMENT": "development",
    }
    for name in ("FANZHA_SMS_GATEWAY_URL", "FANZHA_SMS_GATEWAY_KEY", "FANZHA_NATS_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "fanzha", "run", "--port", str(port)], env=env, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait_for(up)
        yield process, base, tmp_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_every_process_runs_the_sink_shows_sms_and_a_dead_worker_comes_back(
    running: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base, data_dir = running
    _wait_for(lambda: len(_children(process.pid)) == 4)
    kinds = " | ".join(_children(process.pid).values())
    assert "serve" in kinds and "events dispatch" in kinds and "detect worker" in kinds
    assert "warnings sweep" in kinds

    # The platform's own SMS adapter, with the key `fanzha run` gave its processes, reaches the inbox.
    key = (data_dir / SINK_KEY_FILE).read_text().strip()
    assert (data_dir / SINK_KEY_FILE).stat().st_mode & 0o077 == 0  # the owner's only
    gateway = HttpSmsGateway(f"{base}/demo/sms/gateway", key, SystemClock())
    gateway.send_sms("+8613800000001", "【湖南反诈】验证码 123456", "req-1")
    gateway.send_sms("+8613800000001", "【湖南反诈】验证码 123456", "req-1")  # a resend is kept once
    shown = httpx.get(f"{base}/demo/sms.json").json()
    assert [m["text"] for m in shown] == ["【湖南反诈】验证码 123456"]
    page = httpx.get(f"{base}/demo/sms").text
    assert "演示短信收件箱" in page and "123456" in page

    # A forged message is refused and not kept.
    with pytest.raises(SmsGatewayFailed):  # 401: our key is wrong
        HttpSmsGateway(f"{base}/demo/sms/gateway", "wrong-key", SystemClock()).send_sms("+86138", "x", "r2")
    assert len(httpx.get(f"{base}/demo/sms.json").json()) == 1

    # The dispatcher dies; the supervisor starts another.
    events = next(pid for pid, args in _children(process.pid).items() if "events dispatch" in args)
    os.kill(events, signal.SIGKILL)
    _wait_for(lambda: any("events dispatch" in a and p != events for p, a in _children(process.pid).items()))

    # SIGTERM stops everything within the grace period.
    children = list(_children(process.pid))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    for child in children:
        with pytest.raises(ProcessLookupError):
            os.kill(child, 0)


def test_the_sink_is_refused_in_production() -> None:
    with pytest.raises(InsecureSettings) as refused:
        Settings(environment="production", demo_sms_sink=True)
    assert refused.value.field == "FANZHA_DEMO_SMS_SINK"
