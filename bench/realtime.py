"""Real-time transfer decisions (issue 6, item 3; Art 18¶4): decisions/s and p50/p99 over HTTP on loopback.

Target: at least 3,000 decisions/s on this 2-core machine with p99 at most 35 ms. The decision service
(`python -m fanzha.detect.realtime`, uvicorn + uvloop + httptools, one process) runs in its own process
over a SQLite platform with published sample cards; the load comes from other processes on loopback:

* max throughput: `wrk` (closed loop, 1 thread, 32 connections) posting varied JSON bodies from a Lua
  script: payers and payees from a pool of valid cards, some payees samples, some fan-in mules;
* fixed offered rate: an open-loop generator (Python, uvloop, raw sockets, 64 connections) sending 3,000
  requests/s on a schedule and timing each from when it was due (no coordinated omission, as wrk2);
* baseline: what a user would write instead, a minimal Starlette app on the same uvicorn
  (`bench/_realtime_baseline.py`: the same requests, keys checked, payer and payee keyed, the payee
  looked up in a Python set of the same sample cards; no rules, state or journal), by wrk in the same
  run. `ratio_vs_starlette` is the service's wrk rate over the baseline's (1.0: the rules, state and
  journal cost nothing).

wrk's figures come from a Lua `done()` that prints one JSON line; wrk's own summary is not parsed.

The service journals every transfer and snapshots its state every 5 s here (300 s by default), so the
figures include the journal writes, the batched fsyncs and the forked snapshots.

    .venv/bin/python bench/realtime.py --quick     # 10 s per phase, under a minute
    .venv/bin/python bench/realtime.py             # 30 s per phase
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PATH = "/api/v1/detect/realtime"
KEYS = {"FANZHA_TOKEN_KEY_HEX": "ab" * 32, "FANZHA_ENCRYPTION_KEY_HEX": "cd" * 16}


def card(i: int) -> str:
    """A valid 19-digit card number (Luhn) from an index."""
    from fanzha.identifiers import luhn_check_digit

    body = f"622202{i:012d}"
    return body + luhn_check_digit(body)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(tmp: Path, samples: int) -> tuple[dict[str, str], str, list[str]]:
    """Migrate and seed a SQLite platform with `samples` sample cards; returns env, a bank's key, cards."""
    from sqlalchemy import select

    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings
    from fanzha.db.engine import build_engine
    from fanzha.db.migrate import upgrade
    from fanzha.demo import seed_organisations, seed_users
    from fanzha.identity.domain import OrgKind, Principal, Role
    from fanzha.identity.tables import Organisation, User
    from fanzha.samples.domain import FraudType
    from fanzha.samples.schemas import SamplePublish

    url = f"sqlite:///{tmp / 'platform.db'}"
    env = {**os.environ, **KEYS, "FANZHA_DATABASE_URL": url, "FANZHA_ENVIRONMENT": "test"}
    env["FANZHA_DATA_DIR"] = str(tmp)
    engine = build_engine(url)
    upgrade(engine)
    settings = Settings(
        environment="test", database_url=url, token_key_hex="ab" * 32, encryption_key_hex="cd" * 16
    )
    platform = build_platform(settings, engine=engine)
    seed_organisations(platform)
    seed_users(platform)
    with platform.sessions() as session:
        user = session.scalars(select(User).where(User.username == "analyst")).one()
        org = session.get_one(Organisation, user.org_id)
        bank = session.scalars(select(Organisation).where(Organisation.kind == str(OrgKind.BANK))).first()
        assert bank is not None
    analyst = Principal(user.id, user.username, org.id, OrgKind(org.kind), Role(user.role), source_ip="bench")
    sample_cards = [card(900_000 + i) for i in range(samples)]
    for number in sample_cards:
        platform.samples.publish(
            analyst, SamplePublish(kind="bank_card", value=number, fraud_type=FraudType("fake_investment"))
        )
    admin = Principal(None, "bench", bank.id, OrgKind(bank.kind), Role.INSTITUTION_ADMIN)
    _, secret = platform.auth.create_api_key(admin, bank.id, "bench-realtime", 1)
    platform.close()
    engine.dispose()
    return env, secret, sample_cards


def bodies(n: int, sample_cards: list[str], seed: int = 7) -> list[dict[str, Any]]:
    """Varied transfers: 2 % to samples, 5 % into 20 fan-in mules, the rest between 50,000 cards."""
    rng = random.Random(seed)
    mules = [card(800_000 + i) for i in range(20)]
    out: list[dict[str, Any]] = []
    for i in range(n):
        payer = card(rng.randrange(50_000))
        roll = rng.random()
        if roll < 0.02:
            payee = rng.choice(sample_cards)
        elif roll < 0.07:
            payee = rng.choice(mules)
        else:
            payee = card(rng.randrange(50_000, 100_000))
        amount = round(rng.lognormvariate(7, 1.2), 2)
        out.append(
            {
                "txn_id": f"T{i}",
                "payer": {"kind": "bank_card", "value": payer},
                "payee": {"kind": "bank_card", "value": payee},
                "amount": amount,
            }
        )
    return out


def lua_script(path: Path, payloads: list[str], url_path: str, key: str) -> None:
    """A wrk script cycling through the payloads (a different start per thread)."""
    quoted = ",\n".join(json.dumps(p) for p in payloads)
    path.write_text(
        f"""
local bodies = {{
{quoted}
}}
local requests = {{}}
local i = 0
init = function(args)
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer {key}"
  for k, b in ipairs(bodies) do
    requests[k] = wrk.format("POST", "{url_path}", headers, b)
  end
  i = math.random(#requests)
end
request = function()
  i = i % #requests + 1
  return requests[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{WRK_MARK}{{"requests":%.0f,"duration_us":%.0f,"p50_us":%.0f,"p99_us":%.0f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""
    )


WRK_MARK = "WRK-JSON "  # the done() line, so wrk's own summary (Stdev cells and all) is never parsed


def parse_wrk(out: str) -> dict[str, Any]:
    """The figures the script's done() printed: requests/s, p50/p99 (ms), non-2xx and socket errors."""
    line = next((x for x in out.splitlines() if x.startswith(WRK_MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary line: {out[-500:]!r}")
    raw = json.loads(line[len(WRK_MARK) :])
    seconds = raw["duration_us"] / 1e6
    sockets = {k: int(raw[k]) for k in ("connect", "read", "write", "timeout") if raw[k]}
    return {
        "rps": raw["requests"] / seconds if seconds > 0 else 0.0,
        "p50_ms": raw["p50_us"] / 1e3,
        "p99_ms": raw["p99_us"] / 1e3,
        "requests": int(raw["requests"]),
        "non_2xx": int(raw["status"]),
        "socket_errors": ", ".join(f"{k} {v}" for k, v in sockets.items()),
    }


def run_wrk(base: str, script: Path, seconds: int, connections: int = 32) -> dict[str, Any]:
    """wrk -t1 on the other core: requests/s, p50/p99 (ms) and the share of non-2xx answers."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


# --- the open-loop, fixed-rate generator (run in its own process) -----------------------------------


class _Conn(asyncio.Protocol):
    """One keep-alive connection: one request in flight, the answer complete at Content-Length."""

    def __init__(self, done: Any) -> None:
        self.done = done
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.due = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        head_end = self.buf.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.buf[:head_end].lower()
        at = head.find(b"content-length:")
        length = int(head[at + 15 : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
        if len(self.buf) < head_end + 4 + length:
            return
        status = int(self.buf[9:12])
        self.buf = self.buf[head_end + 4 + length :]
        self.done(self, status)


async def _open_loop(port: int, raw: list[bytes], rate: float, seconds: float, conns: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    backlog: collections.deque[float] = collections.deque()
    free: collections.deque[_Conn] = collections.deque()  # round robin: no connection idles out
    counter = [0]
    clock = time.perf_counter  # uvloop's loop.time() is cached per iteration, in whole milliseconds

    def send(conn: _Conn, due: float) -> None:
        conn.due = due
        counter[0] += 1
        assert conn.transport is not None
        conn.transport.write(raw[counter[0] % len(raw)])

    def done(conn: _Conn, status: int) -> None:
        latencies.append(clock() - conn.due)
        statuses[status] = statuses.get(status, 0) + 1
        if backlog:
            send(conn, backlog.popleft())
        else:
            free.append(conn)

    for _ in range(conns):
        _, proto = await loop.create_connection(lambda: _Conn(done), "127.0.0.1", port)
        free.append(proto)
    start = clock() + 0.05
    sent = 0
    total = int(rate * seconds)
    while sent < total:
        now = clock()
        due_count = min(total, int((now - start) * rate) + 1) - sent
        for k in range(max(due_count, 0)):
            due = start + (sent + k) / rate
            if free:
                send(free.popleft(), due)
            else:
                backlog.append(due)
        sent += max(due_count, 0)
        await asyncio.sleep(0.0005)
    deadline = clock() + 30
    while len(latencies) < total and clock() < deadline:
        await asyncio.sleep(0.01)
    elapsed = clock() - start
    return {"latencies": latencies, "statuses": statuses, "elapsed": elapsed, "offered": total}


def fixed_rate_main(args: argparse.Namespace) -> None:
    """Child process: offer `--rate` requests/s for `--seconds`, print JSON of the latencies."""
    import numpy as np

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    payloads = json.loads(Path(args.payloads).read_text())
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {args.key}\r\n"
    )
    raw = [(head + f"Content-Length: {len(p.encode())}\r\n\r\n").encode() + p.encode() for p in payloads]
    result = asyncio.run(_open_loop(args.port, raw, args.rate, args.seconds, args.connections))
    lat = np.array(result["latencies"]) * 1e3
    print(
        json.dumps(
            {
                "offered_per_s": args.rate,
                "answered": int(lat.size),
                "offered": result["offered"],
                "achieved_per_s": lat.size / result["elapsed"],
                "p50_ms": float(np.percentile(lat, 50)),
                "p99_ms": float(np.percentile(lat, 99)),
                "max_ms": float(lat.max()),
                "statuses": {str(k): v for k, v in result["statuses"].items()},
            }
        )
    )


# --- orchestration ----------------------------------------------------------------------------------


def start(cmd: list[str], env: dict[str, str], base: str, probe: str) -> subprocess.Popen[bytes]:
    """Start a server process and wait until `probe` answers."""
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + probe, timeout=1).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{cmd} did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a clean shutdown snapshots the state), then wait."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=3000.0)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--_fixed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int)
    parser.add_argument("--key")
    parser.add_argument("--payloads")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if args._fixed:
        fixed_rate_main(args)
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    seconds = args.seconds or (10 if args.quick else 30)
    tmp = Path(tempfile.mkdtemp(prefix="fanzha-realtime-"))
    try:
        started = time.perf_counter()
        env, key, sample_cards = prepare(tmp, samples=200)
        print(f"platform ready in {time.perf_counter() - started:.1f} s (200 sample cards, SQLite)")
        transfers = bodies(5000, sample_cards)
        payloads = [json.dumps(b, separators=(",", ":")) for b in transfers]
        (tmp / "payloads.json").write_text(json.dumps(payloads))
        lua_script(tmp / "realtime.lua", payloads, PATH, key)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [PYTHON, "-m", "fanzha.detect.realtime", "--port", str(port), "--state-dir", str(tmp / "state")]
        cmd += ["--snapshot", "5"]  # snapshots (forked) and journal rotations happen under the load
        server = start(cmd, env, base, "/healthz")
        try:
            check = httpx.post(base + PATH, content=payloads[0], headers={"Authorization": f"Bearer {key}"})
            assert check.status_code == 200, check.text
            run_wrk(base, tmp / "realtime.lua", 2)  # warm-up
            fast = run_wrk(base, tmp / "realtime.lua", seconds)
            print(
                f"realtime, wrk closed loop (1 thread, 32 connections, {seconds} s): "
                f"{fast['rps']:,.0f} decisions/s, "
                f"p50 {fast['p50_ms']:.2f} ms, p99 {fast['p99_ms']:.2f} ms, non-2xx {fast['non_2xx']}"
            )
            fixed_cmd = [
                PYTHON, __file__, "--_fixed", "--port", str(port), "--key", key,
                "--payloads", str(tmp / "payloads.json"), "--rate", str(args.rate), "--seconds", str(seconds),
            ]  # fmt: skip
            done = subprocess.run(fixed_cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"the fixed-rate generator failed: {done.stderr[-2000:]}")
            fixed = json.loads(done.stdout)
            print(
                f"realtime, open loop at {args.rate:,.0f}/s offered ({seconds} s, 64 connections): "
                f"{fixed['achieved_per_s']:,.0f} decisions/s answered, p50 {fixed['p50_ms']:.2f} ms, "
                f"p99 {fixed['p99_ms']:.2f} ms, max {fixed['max_ms']:.1f} ms, statuses {fixed['statuses']}"
            )
            health = httpx.get(base + "/healthz").json()
            print(f"state: {health['accounts']:,} accounts, {health['recorded']:,} transfers recorded")
        finally:
            stop(server)

        # The baseline: a minimal Starlette app on the same uvicorn (uvloop, httptools, one process),
        # answering the same requests with the same sample lookup and nothing else.
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [
            PYTHON, "-m", "uvicorn", "--factory", "bench._realtime_baseline:create", "--port", str(port),
            "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        server = start(cmd, {**env, "BENCH_REALTIME_KEY": key}, base, "/healthz")
        try:
            check = httpx.post(base + PATH, content=payloads[0], headers={"Authorization": f"Bearer {key}"})
            assert check.status_code == 200, check.text
            run_wrk(base, tmp / "realtime.lua", 2)
            slow = run_wrk(base, tmp / "realtime.lua", seconds)
            print(
                f"baseline, a minimal Starlette app doing the sample lookup alone (wrk, 32 connections, "
                f"{seconds} s): {slow['rps']:,.0f} requests/s, p50 {slow['p50_ms']:.2f} ms, "
                f"p99 {slow['p99_ms']:.2f} ms, non-2xx {slow['non_2xx']}"
            )
        finally:
            stop(server)
        ratio = fast["rps"] / slow["rps"] if slow["rps"] else float("inf")
        met = fixed["achieved_per_s"] >= 0.98 * args.rate and fixed["p99_ms"] <= 35.0
        ok_statuses = fixed["statuses"].get("200", 0) == fixed["answered"]
        print(f"target ≥ 3,000/s with p99 ≤ 35 ms: {'met' if met and ok_statuses else 'NOT met'}")
        print(
            json.dumps(
                {
                    "bench": "realtime",
                    "offered_per_s": args.rate,
                    "decisions_per_s": round(fixed["achieved_per_s"], 1),
                    "p50_ms": round(fixed["p50_ms"], 2),
                    "p99_ms": round(fixed["p99_ms"], 2),
                    "max_decisions_per_s": round(fast["rps"], 1),
                    "p99_ms_at_max": round(fast["p99_ms"], 2),
                    "starlette_lookups_per_s": round(slow["rps"], 1),
                    "ratio_vs_starlette": round(ratio, 2),
                    "target_met": bool(met and ok_statuses),
                }
            )
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
