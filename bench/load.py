"""Sustained load: the real server under a realistic mix from locust in a separate process, memory watched.

The server (`fanzha serve`, one process) and the event worker (`fanzha events dispatch`) run on a fresh
SQLite database (or `--database-url`) holding a library of `--samples` phone samples. Locust
(bench/_load_users.py, headless, its own process on loopback) plays banks' screening systems (single and
1,000-item look-ups, the pull feed), a police system publishing samples (linked disposal orders each to
the operator), the operator's system answering its orders with bulk receipts, analysts browsing the
console and people using the public risk check. The server's
RSS is sampled every 2 s. Printed: requests, error rate (429s from the public check's rate limit are
counted apart: they are the limit working), p50 / p99 per request type, throughput, RSS over time and
whether it grows (slope of a straight line through the second half of the run).

    python bench/load.py --quick          # about 45 s of load
    python bench/load.py --minutes 10     # the issue's 10-minute run
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import psutil
from sqlalchemy import select

from fanzha.bootstrap import build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.demo import seed_organisations, seed_users
from fanzha.identity.domain import OrgKind, Principal, Role, key_issuer
from fanzha.identity.tables import Organisation, User

BIN = Path(sys.executable).parent
HERE = Path(__file__).parent
OPERATOR_SEGMENT = "138"
GROWTH_LIMIT_MB_PER_MIN = 2.0  # more than this over the second half is growth without bound
# Shorter runs are mostly warm-up (malloc's arenas growing to the working set), so they are not judged.
JUDGED_AFTER_S = 300

Sample = dict[str, float]
USER_CLASSES = ("Institution", "Police", "Operator", "Analyst", "Person")  # as in bench/_load_users.py


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(url: str, env: dict[str, str], samples: int) -> dict[str, str]:
    """Migrate, seed users, publish the library; returns the keys and password the users need."""
    engine = build_engine(url)
    upgrade(engine)
    settings = Settings(
        environment="test",
        database_url=url,
        token_key_hex=env["FANZHA_TOKEN_KEY_HEX"],  # type: ignore[arg-type]
        encryption_key_hex=env["FANZHA_ENCRYPTION_KEY_HEX"],  # type: ignore[arg-type]
    )
    platform = build_platform(settings, engine=engine)
    seed_organisations(platform)
    passwords = {name: password for name, _role, password in seed_users(platform)}
    with platform.sessions() as session:
        users = {u.username: u for u in session.scalars(select(User)).all()}
        orgs = {o.id: o for o in session.scalars(select(Organisation)).all()}

    def principal(username: str) -> Principal:
        user, org = users[username], orgs[users[username].org_id]
        return Principal(user.id, username, org.id, OrgKind(org.kind), Role(user.role), source_ip="load")

    analyst = principal("analyst")
    rows = ["kind,value,fraud_type,confidence"] + [
        f"phone,+86139{i:08d},fake_investment,85" for i in range(samples)
    ]
    report = platform.bulk.run(analyst, ("\n".join(rows) + "\n").encode(), "library.csv")
    assert report.ok, report.errors[:3]

    def head(org_id: int) -> Principal:  # the unit's own key issuer (institution admin or commander)
        kind = OrgKind(orgs[org_id].kind)
        return Principal(None, "load-head", org_id, kind, key_issuer(kind), source_ip="load")

    keys = {}
    for label, username in (("LOAD_BANK_KEY", "bankop"), ("LOAD_POLICE_KEY", "analyst")):
        org_id = users[username].org_id
        keys[label] = platform.auth.create_api_key(head(org_id), org_id, f"load-{label}", 1)[1]
    # New numbers the police publish (segment 138) go to China Mobile by linked disposal; the library's
    # (139) route nowhere, so the run starts without a backlog of orders.
    assert platform.routing is not None
    platform.routing.import_csv(
        principal("admin"), "phone_segment", f"prefix,org_code\n{OPERATOR_SEGMENT},TEL-CMCC\n".encode()
    )
    cmcc = next(o.id for o in orgs.values() if o.code == "TEL-CMCC")
    keys["LOAD_OPERATOR_KEY"] = platform.auth.create_api_key(head(cmcc), cmcc, "load-operator", 1)[1]
    platform.close()
    return {**keys, "LOAD_ANALYST_PASSWORD": passwords["analyst"], "LOAD_KNOWN_SAMPLES": str(samples)}


def status_mb(pid: int) -> dict[str, float]:
    """The kernel's split of a process's resident memory (MB): anonymous, file-backed, shared."""
    fields = {"RssAnon:": "anon", "RssFile:": "file", "RssShmem:": "shmem"}
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, *value = line.split()
        if name in fields:
            out[fields[name]] = int(value[0]) / 1024
    return out


def watch(pid: int, every: float, out: list[Sample], stop: threading.Event, db: Path | None) -> None:
    """Sample the server's RSS and its split, and the SQLite file and WAL sizes (MB), until `stop`."""
    proc, started = psutil.Process(pid), time.monotonic()
    while not stop.is_set():
        try:
            sample: Sample = {"t": time.monotonic() - started, "rss": proc.memory_info().rss / 2**20}
            sample |= status_mb(pid)
        except (psutil.Error, OSError):
            return
        if db is not None:
            for name, path in (("db", db), ("wal", db.with_name(db.name + "-wal"))):
                sample[name] = path.stat().st_size / 2**20 if path.exists() else 0.0
        out.append(sample)
        stop.wait(every)


def read_stats(prefix: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Locust's per-request-type statistics and its failures, from the CSV files."""
    with open(f"{prefix}_stats.csv", newline="") as f:
        stats = list(csv.DictReader(f))
    with open(f"{prefix}_failures.csv", newline="") as f:
        failures = list(csv.DictReader(f))
    return stats, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 45 s of load")
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--probe", action="store_true", help="sample the server's malloc and SQLite heap")
    parser.add_argument(
        "--skip-user",
        action="append",
        default=[],
        choices=USER_CLASSES,
        help="leave a kind of user out (Police: no publishes, so the database stops growing)",
    )
    args = parser.parse_args()
    seconds = 45 if args.quick else int(args.minutes * 60)

    with tempfile.TemporaryDirectory(prefix="fanzha-load-") as tmp_name:
        tmp = Path(tmp_name)
        url = args.database_url or f"sqlite:///{tmp / 'load.db'}"
        env = {
            **os.environ,
            "FANZHA_ENVIRONMENT": "test",
            "FANZHA_DATABASE_URL": url,
            "FANZHA_SECRET_KEY": secrets.token_hex(32),
            "FANZHA_TOKEN_KEY_HEX": secrets.token_hex(32),
            "FANZHA_ENCRYPTION_KEY_HEX": secrets.token_hex(16),
            "FANZHA_LOG_LEVEL": "WARNING",
            # Every locust user shares one address: lift the per-client limits a deployment sets per
            # institution, keep the public check's own limit so its 429s show.
            "FANZHA_FEED_PER_MINUTE_PER_CLIENT": "100000",
            "FANZHA_FEED_PER_MINUTE_PER_ORG": "100000",
            "FANZHA_LOGIN_PER_MINUTE_PER_CLIENT": "1000",
        }
        started = time.perf_counter()
        user_env = prepare(url, env, args.samples)
        print(f"set-up: {args.samples:,} samples, users and keys in {time.perf_counter() - started:.1f} s")

        port = free_port()
        server_log = (tmp / "server.log").open("w")
        probe = tmp / "probe.jsonl"
        server_env = {**env, "PYTHONPATH": str(HERE / "probe"), "FANZHA_MEMORY_PROBE": str(probe)}
        server = subprocess.Popen(
            [str(BIN / "fanzha"), "serve", "--port", str(port)],
            env=server_env if args.probe else env,
            cwd=tmp,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        # The event worker runs beside the server, as in production: linked disposal turns the police's
        # new samples into orders for the operator, whose system answers them with bulk receipts.
        worker = subprocess.Popen(
            [str(BIN / "fanzha"), "events", "dispatch"],
            env=env,
            cwd=tmp,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # slow under a profiler (tracemalloc: some 50 s)
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            for process in (worker, server):
                process.kill()  # not left running behind the failed run
            raise SystemExit(f"the server did not start:\n{(tmp / 'server.log').read_text()[-2000:]}")

        memory: list[Sample] = []
        stop = threading.Event()
        db = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
        watcher = threading.Thread(target=watch, args=(server.pid, 2.0, memory, stop, db), daemon=True)
        watcher.start()
        prefix = tmp / "locust"
        print(
            f"load: {args.users} locust users on {base} for {seconds} s "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "_load_users.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{seconds}s",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                *[name for name in USER_CLASSES if name not in args.skip_user],
            ],
            env={**env, **user_env},
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        stop.set()
        watcher.join()
        for process in (worker, server):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        if not Path(f"{prefix}_stats.csv").exists():
            raise SystemExit(f"locust failed:\n{locust.stderr[-3000:]}")
        stats, failures = read_stats(prefix)
        native = [json.loads(line) for line in probe.read_text().splitlines()] if args.probe else []
    if native:
        report_probe(native)  # before the report, which exits non-zero when memory grows
    report(stats, failures, memory, seconds, args)


def report(
    stats: list[dict[str, str]],
    failures: list[dict[str, str]],
    memory: list[Sample],
    seconds: int,
    args: argparse.Namespace,
) -> None:
    """Print the figures and the closing JSON line."""
    limited_by: dict[str, int] = {}
    for f in failures:
        if "429" in f["Error"]:
            limited_by[f["Name"]] = limited_by.get(f["Name"], 0) + int(f["Occurrences"])
    limited = sum(limited_by.values())
    print(f"{'request':<18}{'count':>9}{'errors':>8}{'429s':>7}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}")
    total = next(s for s in stats if s["Name"] == "Aggregated")
    for s in stats:
        if s["Name"] == "Aggregated":
            continue
        n429 = limited_by.get(s["Name"], 0)
        print(
            f"{s['Name']:<18}{int(s['Request Count']):>9,}{int(s['Failure Count']) - n429:>8,}{n429:>7,}"
            f"{float(s['50%']):>9,.0f}{float(s['99%']):>9,.0f}{float(s['Requests/s']):>9,.1f}"
        )
    for f in sorted(failures, key=lambda f: -int(f["Occurrences"]))[:5]:
        if "429" not in f["Error"]:
            print(f"  error: {f['Name']}: {f['Error'][:120]} × {int(f['Occurrences']):,}")
    requests = int(total["Request Count"])
    errors = int(total["Failure Count"]) - limited
    error_rate = errors / max(requests, 1)
    rss = np.array([m["rss"] for m in memory])
    slope = second_half_slope(memory, "rss")
    names = [name for name in ("anon", "file", "shmem", "db", "wal") if name in memory[0]]
    parts = {name: second_half_slope(memory, name) for name in names}
    judged = seconds >= JUDGED_AFTER_S
    bounded = slope <= GROWTH_LIMIT_MB_PER_MIN or not judged
    marks = [f"{m['t'] / 60:.1f} min {m['rss']:.0f} MB" for m in memory[:: max(1, len(memory) // 8)]]
    print(
        f"all: {requests:,} requests in {seconds} s = {requests / seconds:,.0f}/s; errors {errors:,} "
        f"({error_rate:.3%}); public-check 429s {limited:,} (the rate limit, not errors); "
        f"p50 {float(total['50%']):,.0f} ms, p99 {float(total['99%']):,.0f} ms"
    )
    print(f"server RSS: {' → '.join(marks)}; peak {rss.max():.0f} MB")
    verdict = ("bounded" if bounded else "GROWING") if judged else "not judged: a run under 5 min is warm-up"
    print(
        f"memory over the second half: {slope:+.2f} MB/min "
        f"({verdict}, limit {GROWTH_LIMIT_MB_PER_MIN} MB/min)"
    )
    # Which memory grows: anonymous (heap) is the server's own; file-backed and shared pages are
    # mapped files (SQLite's WAL index), which follow the database, not the requests.
    print(
        "second-half slopes, MB/min: "
        + ", ".join(f"{name} {value:+.2f}" for name, value in parts.items())
        + f"; at the end: {', '.join(f'{k} {v:.0f} MB' for k, v in memory[-1].items() if k != 't')}"
    )
    figures = {
        "bench": "load",
        "seconds": seconds,
        "users": args.users,
        "requests": requests,
        "requests_per_s": round(requests / seconds, 1),
        "error_rate": round(error_rate, 5),
        "rate_limited": limited,
        "p50_ms": float(total["50%"]),
        "p99_ms": float(total["99%"]),
        "rss_start_mb": round(float(rss[0]), 1),
        "rss_peak_mb": round(float(rss.max()), 1),
        "rss_slope_mb_per_min": round(slope, 3),
        "memory_bounded": bounded,
        **{f"{name}_slope_mb_per_min": round(value, 3) for name, value in parts.items()},
    }
    print(json.dumps(figures))
    if error_rate > 0.01 or not bounded:
        sys.exit(1)  # a gate in `make check-reliability`


def second_half_slope(samples: list[Sample], name: str) -> float:
    """Per minute, the slope of a straight line through the second half of a figure's samples."""
    times = np.array([s["t"] - samples[0]["t"] for s in samples])
    values = np.array([s.get(name, 0.0) for s in samples])
    half = times >= times[-1] / 2
    return float(np.polyfit(times[half] / 60, values[half], 1)[0]) if half.sum() >= 3 else 0.0


def report_probe(native: list[Sample]) -> None:
    """The server's native memory from bench/probe: start, end and second-half slope of each figure."""
    for name in (
        "malloc_in_use_mb",
        "malloc_free_kept_mb",
        "anon_outside_malloc_mb",
        "sqlite_heap_mb",
        "gc_objects",
    ):
        values = np.array([n.get(name, 0.0) for n in native])
        slope = second_half_slope(native, name)
        print(
            f"probe {name}: {values[0]:,.1f} at start, {values[-1]:,.1f} at the end, "
            f"max {values.max():,.1f}; second half {slope:+,.2f}/min"
        )


if __name__ == "__main__":
    main()
