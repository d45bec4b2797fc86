"""Counter checks on the real-time service (issue 24; Art 10, 12, 17, 18¶2): checks/s and p50/p99 over HTTP.

Target: at least 5,000 counter checks/s with p99 at most 20 ms on this 2-core machine, mixed with the
transfer decisions at their own rate (3,000/s), measured from a separate process. The service
(`python -m fanzha.detect.realtime`, one process) runs over a SQLite platform with an operator's and a
bank's key; before the run 20,000 persons get card reports (1-5 cards across two operators) and 2,000
ATM withdrawals are recorded, so the checks read real state. The load is one open-loop generator in
another process (uvloop, raw sockets, 64 connections) offering both streams on one schedule — card-opening
checks, call screens, account-opening checks and ATM withdrawals, interleaved with transfers — timing
each request from when it was due (no coordinated omission) and reporting each stream on its own.
Baseline, in the same run: the transfer decisions alone at their rate (the service without the checks).
Beside the batched phase, new sample numbers are published in the platform one after another
(`--publish`, 20) and the call screen is asked until it blocks each: p99 from publication to block
(target < 1 s under load, Art 12¶2).

    .venv/bin/python bench/prevention.py --quick     # 7 s a phase, under a minute
    .venv/bin/python bench/prevention.py             # 30 s
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realtime import PATH, PYTHON, _Conn, bodies, card, free_port, prepare, start, stop

BASE = "/api/v1/prevention/"
PERSONS = 20_000


def telecom_key(tmp: Path) -> tuple[str, int]:
    """An API key of a seeded telecom operator (the platform `prepare` made)."""
    from sqlalchemy import select

    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings
    from fanzha.identity.domain import OrgKind, Principal, Role
    from fanzha.identity.tables import Organisation

    url = f"sqlite:///{tmp / 'platform.db'}"
    settings = Settings(
        environment="test", database_url=url, token_key_hex="ab" * 32, encryption_key_hex="cd" * 16
    )
    platform = build_platform(settings)
    with platform.sessions() as session:
        org = session.scalars(select(Organisation).where(Organisation.kind == str(OrgKind.TELECOM))).first()
        assert org is not None
    admin = Principal(None, "bench", org.id, OrgKind.TELECOM, Role.INSTITUTION_ADMIN)
    _, secret = platform.auth.create_api_key(admin, org.id, "bench-prevention", 1)
    platform.close()
    return secret, org.id


def token(i: int) -> str:
    """A person's ID token (64 hex): the bench sends tokens, as a counter system that hashes locally."""
    return f"{i:064x}"


def phone(i: int) -> str:
    """A mainland mobile number from an index."""
    return f"+86139{i:08d}"


def checks(n: int, seed: int = 3) -> list[tuple[str, dict[str, Any]]]:
    """The counter mix: 50 % card-opening checks, 25 % call screens, 15 % account checks, 10 % ATM."""
    rng = random.Random(seed)
    out: list[tuple[str, dict[str, Any]]] = []
    for _ in range(n):
        roll = rng.random()
        who = {"id_token": token(rng.randrange(PERSONS))}
        if roll < 0.5:
            out.append(("card-opening/check", {"person": who, "age": rng.randrange(16, 80)}))
        elif roll < 0.75:
            caller = rng.choice([phone(rng.randrange(10**6)), "+85512345678", "+86123"])
            out.append(("call-screen", {"caller": caller, "via_international": rng.random() < 0.1}))
        elif roll < 0.9:
            body = {
                "person": who,
                "device": f"dev-{rng.randrange(5000)}",
                "contact": phone(rng.randrange(10**6)),
            }
            out.append(("account-opening/check", body))
        else:
            atm = {
                "card": card(rng.randrange(3000)),
                "atm_id": f"ATM{rng.randrange(200)}",
                "amount_fen": 100_000,
            }
            out.append(("atm-withdrawals", {**atm, "face_covered": rng.random() < 0.05, "face_id": None}))
    return out


def seed_state(state_dir: Path, operator: int) -> None:
    """Write the store's journal before the service starts (it replays it): every person holds 1-5 cards
    at this operator and another, and 200 ATMs have recent withdrawals; far quicker than 60,000 reports."""
    rng = random.Random(5)
    now = time.time()
    lines: list[bytes] = []
    n = 0
    for i in range(PERSONS):
        for _ in range(rng.randrange(1, 6)):
            op = str(operator) if rng.random() < 0.7 else "other"
            entry = {
                "t": "card_opened",
                "person": token(i),
                "card": f"{n:064x}",
                "op": op,
                "at": now - 86400 * 30,
            }
            lines.append(json.dumps(entry).encode())
            n += 1
    for i in range(2000):
        entry = {"t": "atm", "at": now - 600 + i * 0.3, "atm": f"ATM{i % 200}", "card": f"{i:064x}",
                 "face": f"f{i % 500}", "covered": False, "matches": True}  # fmt: skip
        lines.append(json.dumps(entry).encode())
    (state_dir / "prevention").mkdir(parents=True, exist_ok=True)
    (state_dir / "prevention" / "prevention.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    print(f"state seeded: {PERSONS:,} persons with {n:,} cards, 2,000 ATM withdrawals")


def publish_to_block(
    tmp: Path, checks_base: str, telecom: str, count: int, seconds: float, out: list[float]
) -> None:
    """Art 12¶2 under load: publish a new sample number every `seconds / count` s (in the platform, as the
    analyst), then ask the call screen until it blocks; each wait from publication to block, into `out`."""
    import httpx
    from sqlalchemy import select

    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings
    from fanzha.identity.domain import OrgKind, Principal, Role
    from fanzha.identity.tables import Organisation, User
    from fanzha.samples.domain import FraudType
    from fanzha.samples.schemas import SamplePublish

    url = f"sqlite:///{tmp / 'platform.db'}"
    settings = Settings(
        environment="test", database_url=url, token_key_hex="ab" * 32, encryption_key_hex="cd" * 16
    )
    platform = build_platform(settings)
    with platform.sessions() as session:
        user = session.scalars(select(User).where(User.username == "analyst")).one()
        org = session.get_one(Organisation, user.org_id)
    analyst = Principal(user.id, user.username, org.id, OrgKind(org.kind), Role(user.role), source_ip="bench")
    headers = {"Authorization": f"Bearer {telecom}"}
    gap = seconds / count
    try:
        with httpx.Client(base_url=checks_base, headers=headers, timeout=10) as http:
            for i in range(count):
                began = time.monotonic()
                caller = f"+86137{88_000_000 + i:08d}"
                sample = SamplePublish(kind="phone", value=caller, fraud_type=FraudType("fake_police"))
                platform.samples.publish(analyst, sample)
                published = time.monotonic()
                while time.monotonic() - published < 10:
                    answer = http.post(BASE + "call-screen", json={"caller": caller})
                    if answer.status_code == 200 and answer.json()["action"] == "block":
                        out.append(time.monotonic() - published)
                        break
                    time.sleep(0.01)
                time.sleep(max(0.0, gap - (time.monotonic() - began)))
    finally:
        platform.close()


def key_of(route: str, bank: str, telecom: str) -> str:
    """The bank's key for its checks, the operator's for the others."""
    return bank if route in ("account-opening/check", "atm-withdrawals") else telecom


def batches(
    counter: list[tuple[str, dict[str, Any]]], size: int, bank: str, telecom: str
) -> list[tuple[str, str, str]]:
    """The same checks, `size` to a `batch` request, each request holding one institution's checks."""
    queues: dict[str, list[dict[str, Any]]] = {bank: [], telecom: []}
    out: list[tuple[str, str, str]] = []
    for route, body in counter:
        key = key_of(route, bank, telecom)
        queues[key].append({"route": route, "body": body})
        if len(queues[key]) == size:
            out.append((BASE + "batch", key, json.dumps({"items": queues[key]}, separators=(",", ":"))))
            queues[key] = []
    return out


def interleave(
    checks_: list[tuple[str, str, str]],
    transfers: list[str],
    check_rate: float,
    transfer_rate: float,
    bank: str,
) -> list[tuple[int, str, str, str]]:
    """Both streams on one schedule, in proportion to their rates (tag 0 checks, 1 transfers)."""
    rng = random.Random(11)
    c, t = iter(checks_), iter(transfers)
    out: list[tuple[int, str, str, str]] = []
    share = check_rate / (check_rate + transfer_rate)
    try:
        while True:
            if rng.random() < share:
                path, key, payload = next(c)
                out.append((0, path, key, payload))
            else:
                out.append((1, PATH, bank, next(t)))
    except StopIteration:  # one stream ran out: the generator cycles through what there is
        return out


async def _mixed(
    ports: dict[int, int], raw: list[tuple[int, bytes]], rate: float, seconds: float, conns: int
) -> dict[str, Any]:
    """Offer `raw` (stream tag, request) at `rate`/s, each tag to its port; latencies and statuses per tag."""
    loop = asyncio.get_running_loop()
    latencies: dict[int, list[float]] = {0: [], 1: []}
    statuses: dict[int, int] = {}
    tags = sorted(set(ports.values()))
    # One pool of connections per port: a stream's requests go only to the process that serves them.
    free: dict[int, list[_Conn]] = {port: [] for port in tags}
    backlog: dict[int, collections.deque[tuple[float, int, bytes]]] = {p: collections.deque() for p in tags}
    sent_tag: dict[int, int] = {}
    port_of: dict[int, int] = {}
    counter = [0]
    clock = time.perf_counter

    def send(conn: _Conn, due: float, tag: int, request: bytes) -> None:
        conn.due = due
        sent_tag[id(conn)] = tag
        assert conn.transport is not None
        conn.transport.write(request)

    def done(conn: _Conn, status: int) -> None:
        latencies[sent_tag[id(conn)]].append(clock() - conn.due)
        statuses[status] = statuses.get(status, 0) + 1
        waiting = backlog[port_of[id(conn)]]
        if waiting:
            send(conn, *waiting.popleft())
        else:
            free[port_of[id(conn)]].append(conn)

    for port in tags:
        for _ in range(conns):
            _, proto = await loop.create_connection(lambda: _Conn(done), "127.0.0.1", port)
            port_of[id(proto)] = port
            free[port].append(proto)
    start_at = clock() + 0.05
    sent, total = 0, int(rate * seconds)
    while sent < total:
        due_count = min(total, int((clock() - start_at) * rate) + 1) - sent
        for k in range(max(due_count, 0)):
            due = start_at + (sent + k) / rate
            counter[0] += 1
            tag, request = raw[counter[0] % len(raw)]
            port = ports[tag]
            if free[port]:
                send(free[port].pop(), due, tag, request)
            else:
                backlog[port].append((due, tag, request))
        sent += max(due_count, 0)
        await asyncio.sleep(0.0005)
    deadline = clock() + 30
    while sum(len(v) for v in latencies.values()) < total and clock() < deadline:
        await asyncio.sleep(0.01)
    return {"latencies": latencies, "statuses": statuses, "elapsed": clock() - start_at, "offered": total}


def generator_main(args: argparse.Namespace) -> None:
    """Child process: offer the mixed stream, print JSON of each stream's figures."""
    import numpy as np

    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    spec = json.loads(Path(args.payloads).read_text())
    raw: list[tuple[int, bytes]] = []
    for tag, path, key, payload in spec:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: {len(payload.encode())}\r\n\r\n"
        )
        raw.append((tag, head.encode() + payload.encode()))
    ports = {0: args.checks_port or args.port, 1: args.port}  # tag 0 checks, tag 1 transfers
    result = asyncio.run(_mixed(ports, raw, args.rate, args.seconds, args.connections))
    out: dict[str, Any] = {"statuses": {str(k): v for k, v in result["statuses"].items()}}
    for tag, name in ((0, "checks"), (1, "transfers")):
        lat = np.array(result["latencies"][tag]) * 1e3
        out[name] = {
            "answered": int(lat.size),
            "per_s": lat.size / result["elapsed"],
            "p50_ms": float(np.percentile(lat, 50)) if lat.size else None,
            "p99_ms": float(np.percentile(lat, 99)) if lat.size else None,
            "max_ms": float(lat.max()) if lat.size else None,
        }
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--checks", type=float, default=5000.0, help="counter checks offered per second")
    parser.add_argument(
        "--transfers", type=float, default=3000.0, help="transfer decisions offered per second"
    )
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--batch", type=int, default=32, help="checks a request in the batched phase")
    parser.add_argument("--_gen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int)
    parser.add_argument("--checks-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--split", action="store_true", help="two service processes: --role transfers and --role checks"
    )
    parser.add_argument("--payloads")
    parser.add_argument("--rate", type=float)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--publish", type=int, default=20, help="new sample numbers in the batched phase")
    args = parser.parse_args()
    if args._gen:
        generator_main(args)
        return
    seconds = args.seconds or (7 if args.quick else 30)
    tmp = Path(tempfile.mkdtemp(prefix="fanzha-prevention-"))
    try:
        env, bank, sample_cards = prepare(tmp, samples=200)
        telecom, operator = telecom_key(tmp)
        seed_state(tmp / "state", operator)
        counter = checks(20_000)
        transfers = [json.dumps(b, separators=(",", ":")) for b in bodies(20_000, sample_cards)]
        single = [(BASE + route, key_of(route, bank, telecom), json.dumps(body, separators=(",", ":")))
                  for route, body in counter]  # fmt: skip
        batched = batches(counter, args.batch, bank, telecom)
        write = {
            "baseline.json": [(1, PATH, bank, t) for t in transfers],
            "single.json": interleave(single, transfers, args.checks, args.transfers, bank),
            "batched.json": interleave(batched, transfers, args.checks / args.batch, args.transfers, bank),
        }
        for name, spec in write.items():
            (tmp / name).write_text(json.dumps(spec))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cmd = [PYTHON, "-m", "fanzha.detect.realtime", "--port", str(port), "--state-dir", str(tmp / "state")]
        servers = [start([*cmd, "--role", "transfers"] if args.split else cmd, env, base, "/healthz")]
        checks_port = port
        if args.split:  # the counter checks in a second process on their own port (Art 10, 12, 17, 18¶2)
            checks_port = free_port()
            cmd2 = [*cmd[:3], "--port", str(checks_port), *cmd[5:], "--role", "checks"]
            servers.append(start(cmd2, env, f"http://127.0.0.1:{checks_port}", "/healthz"))
        try:

            def load(name: str, rate: float, secs: float) -> dict[str, Any]:
                gen = [PYTHON, __file__, "--_gen", "--port", str(port), "--payloads", str(tmp / name)]
                gen += ["--checks-port", str(checks_port)]
                done = subprocess.run(
                    [*gen, "--rate", str(rate), "--seconds", str(secs)], capture_output=True, text=True
                )
                if done.returncode != 0:
                    raise RuntimeError(f"the generator failed: {done.stderr[-2000:]}")
                out: dict[str, Any] = json.loads(done.stdout)
                return out

            load("single.json", 2000, 2)  # warm-up
            # Baseline: the transfer decisions alone at their rate, the service as it was before the checks.
            baseline = load("baseline.json", args.transfers, seconds)["transfers"]
            one = load("single.json", args.checks + args.transfers, seconds)
            # Beside the batched phase (both streams at their rates): new sample numbers until blocked.
            waits: list[float] = []
            checks_base = f"http://127.0.0.1:{checks_port}"
            publisher = threading.Thread(
                target=publish_to_block,
                args=(tmp, checks_base, telecom, args.publish, seconds * 0.8, waits),
            )
            publisher.start()
            many = load("batched.json", args.checks / args.batch + args.transfers, seconds)
            publisher.join()
        finally:
            for server in servers:
                stop(server)
        b = baseline
        print(
            f"baseline, transfers alone: {b['per_s']:,.0f}/s of {args.transfers:,.0f}/s, "
            f"p99 {b['p99_ms']:.2f} ms"
        )
        figures: dict[str, Any] = {}
        for label, result, per in (
            ("one check a request", one, 1),
            (f"{args.batch} checks a request", many, args.batch),
        ):
            c, t = result["checks"], result["transfers"]
            ok = set(result["statuses"]) == {"200"}
            rate = c["per_s"] * per
            met = rate >= 0.98 * args.checks and c["p99_ms"] <= 20.0 and ok
            print(
                f"{label}: {rate:,.0f} checks/s answered of {args.checks:,.0f}/s offered, "
                f"p50 {c['p50_ms']:.2f} ms, p99 {c['p99_ms']:.2f} ms; "
                f"transfers beside them {t['per_s']:,.0f}/s, p99 {t['p99_ms']:.2f} ms; "
                f"statuses {result['statuses']}; target ≥ 5,000/s p99 ≤ 20 ms {'met' if met else 'NOT met'}"
            )
            key = "single" if per == 1 else "batched"
            figures.update(
                {
                    f"{key}_checks_per_s": round(rate, 1),
                    f"{key}_checks_p99_ms": round(c["p99_ms"], 2),
                    f"{key}_transfers_p99_ms": round(t["p99_ms"], 2),
                    f"{key}_target_met": bool(met),
                }
            )
        waits.sort()
        block_p99 = waits[int(0.99 * (len(waits) - 1))] if waits else None
        block_met = block_p99 is not None and block_p99 < 1.0 and len(waits) == args.publish
        print(
            f"new sample number → blocked at call set-up, under the batched load: {len(waits)} of "
            f"{args.publish} blocked, p50 {1000 * waits[len(waits) // 2] if waits else 0:.0f} ms, "
            f"p99 {1000 * block_p99 if block_p99 is not None else 0:.0f} ms (target p99 < 1 s: "
            f"{'met' if block_met else 'NOT met'})"
        )
        print(
            json.dumps(
                {
                    "bench": "prevention",
                    "split": bool(args.split),
                    "seconds": seconds,
                    "offered_checks_per_s": args.checks,
                    "offered_transfers_per_s": args.transfers,
                    "batch": args.batch,
                    **figures,
                    "baseline_transfers_alone_per_s": round(b["per_s"], 1),
                    "baseline_transfers_alone_p99_ms": round(b["p99_ms"], 2),
                    "published": args.publish,
                    "blocked": len(waits),
                    "publish_to_block_p99_ms": round(1000 * block_p99, 1) if block_p99 is not None else None,
                }
            )
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
