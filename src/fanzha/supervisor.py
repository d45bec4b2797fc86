"""Runs a deployment's processes together (web, event dispatcher, detection worker); restarts the dead."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from fanzha.core.settings import Settings

SINK_KEY_FILE = ".sms-sink-key"
STOP_GRACE_SECONDS = 10.0
RESTARTS_PER_MINUTE = 5  # a program that dies more often than this is broken, not unlucky


@dataclass(frozen=True)
class Program:
    """One process kind: a name for the log and the `fanzha` arguments that start it."""

    name: str
    args: tuple[str, ...]


def programs(host: str, port: int) -> list[Program]:
    """What a deployment runs: web, linked disposal with event delivery, detection worker, warnings sweep."""
    return [
        Program("web", ("serve", "--host", host, "--port", str(port))),
        Program("events", ("events", "dispatch")),
        Program("detect", ("detect", "worker")),
        # Art 28¶2 及时: tasks not taken escalate, warning texts reach the gateway.
        Program("warnings", ("warnings", "sweep", "--every", "10")),
    ]


def sink_environment(settings: Settings, host: str, port: int) -> dict[str, str]:
    """Point the platform's SMS at the web app's demo sink, unless a real gateway is configured."""
    if settings.sms_gateway_url or settings.environment == "production":
        return {}
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a URL, not a bind
    return {
        "FANZHA_SMS_GATEWAY_URL": f"http://{local}:{port}/demo/sms/gateway",
        "FANZHA_SMS_GATEWAY_KEY": _sink_key(settings.data_dir),
        "FANZHA_DEMO_SMS_SINK": "true",
    }


def _sink_key(directory: Path) -> str:
    """The key the platform signs demo SMS with, kept in the data directory for the owner only."""
    path = directory / SINK_KEY_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


@dataclass
class _Running:
    program: Program
    process: subprocess.Popen[bytes]
    restarts: deque[float] = field(default_factory=deque)


class Supervisor:
    """Starts every program, restarts one that exits, and stops them all on SIGINT or SIGTERM."""

    def __init__(
        self, wanted: list[Program], environment: dict[str, str], restart_delay: float = 1.0
    ) -> None:
        self._wanted = wanted
        self._environment = {**os.environ, **environment}
        self._restart_delay = restart_delay
        self._running: list[_Running] = []
        self._stopping = False

    def run(self) -> int:
        """Run until asked to stop (0) or until a program keeps dying (1)."""
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._ask_to_stop)
        self._running = [_Running(p, self._start(p)) for p in self._wanted]
        try:
            while not self._stopping:
                for running in self._running:
                    exited = running.process.poll() is not None and not self._stopping
                    if exited and not self._restart(running):
                        return 1
                time.sleep(0.5)
            return 0
        finally:
            self._stop_all()

    def _ask_to_stop(self, number: int, frame: FrameType | None) -> None:
        self._stopping = True

    def _start(self, program: Program) -> subprocess.Popen[bytes]:
        print(f"[fanzha run] 启动 start {program.name}: fanzha {' '.join(program.args)}", flush=True)
        command = [sys.executable, "-m", "fanzha", *program.args]  # our own program, our own arguments
        return subprocess.Popen(command, env=self._environment)  # noqa: S603

    def _restart(self, running: _Running) -> bool:
        now = time.monotonic()
        while running.restarts and now - running.restarts[0] > 60:
            running.restarts.popleft()
        code = running.process.returncode
        if len(running.restarts) >= RESTARTS_PER_MINUTE:
            print(
                f"[fanzha run] {running.program.name} 一分钟内反复退出，全部停止 / keeps exiting "
                f"(code {code}): stopping everything",
                file=sys.stderr,
                flush=True,
            )
            return False
        print(f"[fanzha run] {running.program.name} 退出（{code}），重启 / exited, restarting", flush=True)
        running.restarts.append(now)
        time.sleep(self._restart_delay)
        running.process = self._start(running.program)
        return True

    def _stop_all(self) -> None:
        for running in self._running:
            if running.process.poll() is None:
                running.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for running in self._running:
            try:
                running.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
