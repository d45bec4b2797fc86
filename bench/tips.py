"""Tips accepted over HTTP (issue 25: 1,000 tips a minute in a burst, p99 < 300 ms, attachments included).

The real server (`python -m fanzha serve`, one process) runs on a fresh SQLite database (or
`--database-url`) with a provincial centre and a county unit. A separate thread pool posts anonymous and
named tips to `POST /api/v1/public/tips`, each with a photo (a JPEG of `--kib` KiB, base64) and every
tenth with a recording too; every tip is sealed (its own SM4 key wrapped for the unit, the files
encrypted), de-duplicated and routed as in production. Two phases:

- **paced**: tips at a fixed 1,000 a minute (open loop: a late answer does not delay the next tip),
  p50 / p99 of the answer time, for `--seconds`;
- **burst**: `--burst` tips sent at once by `--workers` clients; the time to accept them all, tips a
  minute, p50 / p99.

Baseline in the same run: the same tips without files (what the attachments cost).

    python bench/tips.py --quick     # 20 s paced, a burst of 300
    python bench/tips.py             # 60 s paced, a burst of 1,000
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import func, insert, select

from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.identity.tables import Organisation
from fanzha.tips.tables import Tip

HERE = Path(__file__).parent
SRC = HERE.parent / "src"
TARGET_P99_MS = 300.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str) -> None:
    engine = build_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        centre = conn.execute(
            insert(Organisation).values(
                code="hn",
                name_zh="湖南省反诈中心",
                name_en="hn",
                kind="police_province",
                region_code="430000",
                active=True,
                created_at=now,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(Organisation).values(
                code="cx",
                name_zh="芙蓉区反诈中心",
                name_en="cx",
                kind="police_county",
                region_code="430102",
                parent_id=centre,
                active=True,
                created_at=now,
            )
        )
    engine.dispose()


def tip_body(i: int, photo: str, audio: str, files: bool) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "phone",
        "value": f"+86177{i % 100_000_000:08d}",
        "text": "自称客服的人打电话要我下载会议软件共享屏幕，说要注销校园贷",
        "region_code": "430102",
    }
    if i % 3 == 0:
        body["reporter"] = {"name": "张三", "phone": "13800138000"}
    if files:
        body["files"] = [{"name": "来电截图.jpg", "content_base64": photo}]
        if i % 10 == 0:
            body["files"].append({"name": "录音.mp3", "content_base64": audio})  # type: ignore[attr-defined]
    return body


def post(client: httpx.Client, base: str, body: dict[str, object]) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.post(f"{base}/api/v1/public/tips", json=body)
    return (time.perf_counter() - started) * 1000, response.status_code


def paced(
    base: str, seconds: float, per_minute: int, first: int, make: object, workers: int
) -> list[tuple[float, int]]:
    """Open loop: tip n is sent at n / rate whatever happened to the earlier ones."""
    interval = 60.0 / per_minute
    count = int(seconds / interval)
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    clients = [httpx.Client(timeout=30) for _ in range(workers)]
    start = time.perf_counter() + 0.2

    def one(n: int) -> None:
        delay = start + n * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        outcome = post(clients[n % workers], base, make(first + n))  # type: ignore[operator]
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(count)))
    for c in clients:
        c.close()
    return results


def burst(base: str, n: int, first: int, make: object, workers: int) -> tuple[list[tuple[float, int]], float]:
    clients = [httpx.Client(timeout=60) for _ in range(workers)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda k: post(clients[k % workers], base, make(first + k)), range(n)))  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    for c in clients:
        c.close()
    return results, elapsed


def summary(name: str, results: list[tuple[float, int]], elapsed: float | None = None) -> dict[str, float]:
    times = np.array([t for t, s in results if s == 201]) if results else np.array([0.0])
    refused = sum(1 for _, s in results if s != 201)
    figures = {
        "tips": len(results),
        "refused": refused,
        "p50_ms": float(np.percentile(times, 50)) if len(times) else 0.0,
        "p99_ms": float(np.percentile(times, 99)) if len(times) else 0.0,
    }
    line = (
        f"{name:32s} {len(results):5d} tips  p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
    )
    if elapsed is not None:
        figures["seconds"] = elapsed
        figures["per_minute"] = len(results) / elapsed * 60
        line += f"  all in {elapsed:5.1f} s = {figures['per_minute']:,.0f} a minute"
    print(line + (f"  ({refused} refused)" if refused else ""))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 s paced and a burst of 300")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--kib", type=int, default=200, help="size of each photo")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    seconds, size = (20.0, 300) if args.quick else (args.seconds, args.burst)
    photo = base64.b64encode(b"\xff\xd8\xff\xe0" + os.urandom(args.kib * 1024)).decode()
    audio = base64.b64encode(b"ID3\x03\x00" + os.urandom(args.kib * 1024)).decode()

    with tempfile.TemporaryDirectory(prefix="fanzha-tips-") as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'tips.db'}"
        prepare(url)
        env = {
            **os.environ,
            "PYTHONPATH": str(SRC),
            "FANZHA_ENVIRONMENT": "test",
            "FANZHA_DATABASE_URL": url,
            "FANZHA_SECRET_KEY": secrets.token_hex(32),
            "FANZHA_TOKEN_KEY_HEX": secrets.token_hex(32),
            "FANZHA_ENCRYPTION_KEY_HEX": secrets.token_hex(16),
            "FANZHA_LOG_LEVEL": "WARNING",
            # Every tip comes from this one address: lift the per-address window (a deployment keeps it).
            "FANZHA_APPEALS_PER_HOUR_PER_CLIENT": "1000000",
            "FANZHA_PUBLIC_PER_MINUTE_OVERALL": "1000000",
        }
        port = free_port()
        log = (tmp / "server.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "fanzha", "serve", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            server.kill()
            raise SystemExit(f"the server did not start:\n{(tmp / 'server.log').read_text()[-2000:]}")
        try:
            print(
                f"server on {base}, {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}; "
                f"photo {args.kib} KiB; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
            with_files = lambda i: tip_body(i, photo, audio, True)  # noqa: E731
            without = lambda i: tip_body(i, photo, audio, False)  # noqa: E731
            warm = burst(base, 20, 0, with_files, 4)[0]
            assert all(s == 201 for _, s in warm), warm[:3]
            out = {
                "paced_with_files": summary(
                    "paced 1,000/min, with files", paced(base, seconds, 1000, 1_000, with_files, args.workers)
                ),
                "burst_with_files": summary(
                    "burst, with files", *burst(base, size, 100_000, with_files, args.workers)
                ),
                "burst_without_files": summary(
                    "baseline: burst, no files", *burst(base, size, 200_000, without, args.workers)
                ),
            }
        finally:
            server.terminate()
            server.wait(timeout=20)
        engine = build_engine(url)
        with engine.connect() as conn:
            stored = int(conn.execute(select(func.count()).select_from(Tip)).scalar() or 0)
        engine.dispose()
    out["stored"] = {"tips": stored}
    paced_p99 = out["paced_with_files"]["p99_ms"]
    burst_rate = out["burst_with_files"]["per_minute"]
    print(f"stored tips: {stored}")
    print(
        f"target: 1,000 tips a minute with p99 < {TARGET_P99_MS:.0f} ms: paced p99 {paced_p99:.0f} ms "
        f"({'met' if paced_p99 < TARGET_P99_MS else 'NOT met'}); "
        f"the burst is accepted at {burst_rate:,.0f} a minute "
        f"({'met' if burst_rate >= 1000 else 'NOT met'}), its p99 {out['burst_with_files']['p99_ms']:.0f} ms "
        "(queueing behind the other tips of the burst)"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
