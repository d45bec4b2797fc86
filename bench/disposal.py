"""Linked disposal and appeals speed on SQLite and PostgreSQL.

A province of 100 banks (one BIN each), each with its own API key. 10,000 bank-card samples are
imported; the linked-disposal policy, in a worker process of its own as deployed, turns them into orders
while each bank's system, an HTTP client in a process of its own, fetches its new orders
(`GET /api/v1/disposal/orders?status=issued`) and answers "executed" at once in a bulk receipt
(`POST /api/v1/disposal/receipts`), as docs/disposal.md describes; the requests are served by
`fanzha serve --workers N`: one process on SQLite (one writer at a time), two on PostgreSQL (this
2-core machine; a scratch database of its own). Reported: the time from the import until 99 % of the
orders are executed (target < 10 s). Then 1,000 appeals are upheld and each bank fetches its release
order at once over HTTP: the latency from the decision to the release order being delivered, p50 / p99
(target p99 < 1 s).

Baseline in the same run: the floor, one multi-row INSERT of the same number of order rows with no
routing, state machine, history, outbox or audit (what the platform costs over a bare table).

    python bench/disposal.py --quick      # 1,000 samples, 100 appeals
    python bench/disposal.py              # 10,000 samples, 1,000 appeals
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, insert, select, text

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine, reading
from fanzha.db.migrate import upgrade
from fanzha.disposal.release import appeal_code
from fanzha.disposal.tables import Notice, Order
from fanzha.disposal.worker import DisposalWorker
from fanzha.events.outbox import read_after
from fanzha.identifiers import luhn_check_digit
from fanzha.identity.domain import OrgKind, Principal, Role, key_issuer
from fanzha.identity.tables import Organisation

PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BANKS = 100
KEYS = {"token_key_hex": "ab" * 32, "encryption_key_hex": "cd" * 16}
BIN = Path(sys.executable).parent
CONCURRENCY = 16  # the banks' requests in flight at once (100 banks' systems, each one at a time)


def card(bank: int, n: int) -> str:
    """A Luhn-valid 16-digit card under BIN 62{bank:04d}."""
    body = f"62{bank:04d}{n:09d}"
    return body + luhn_check_digit(body)


def province(platform: Platform) -> tuple[Principal, Principal, dict[int, str]]:
    """The centre's analyst and admin principals, and each bank's API key by its organisation id."""
    now = datetime.now(UTC)
    with platform.sessions() as session:
        centre = Organisation(
            code="hn",
            name_zh="省中心",
            kind="police_province",
            region_code="430000",
            active=True,
            created_at=now,
        )
        banks = [
            Organisation(code=f"bank-{i:03d}", name_zh=f"银行{i}", kind="bank", active=True, created_at=now)
            for i in range(BANKS)
        ]
        session.add_all([centre, *banks])
        session.commit()
        police = Principal(None, "analyst", centre.id, OrgKind.POLICE_PROVINCE, Role.ANALYST)
        admin = Principal(None, "admin", centre.id, OrgKind.POLICE_PROVINCE, Role.PLATFORM_ADMIN)
        bank_ids = [b.id for b in banks]
    assert platform.routing is not None
    bins = "bin,org_code\n" + "".join(f"62{i:04d},bank-{i:03d}\n" for i in range(BANKS))
    platform.routing.import_csv(admin, "bank_bin", bins.encode())
    keys = {}
    for org_id in bank_ids:
        # The bank's own administrator issues its system's key (三员分立); the key acts as an operator.
        head = Principal(None, "bench-head", org_id, OrgKind.BANK, key_issuer(OrgKind.BANK))
        keys[org_id] = platform.auth.create_api_key(head, org_id, "bench-disposal", 1)[1]
    return police, admin, keys


async def answer_bank(http: httpx.AsyncClient, key: str, executed_at: dict[int, float]) -> int:
    """One bank's system: fetch its new orders, answer them "executed" in one bulk receipt; how many."""
    auth = {"Authorization": f"Bearer {key}"}
    page = await http.get("/api/v1/disposal/orders", params={"status": "issued", "limit": 500}, headers=auth)
    page.raise_for_status()
    ids = [o["id"] for o in page.json()["items"] if o["measure"] != "release"]
    if not ids:
        return 0
    # The bank delivers its notices itself and confirms so (Art 34¶1).
    items = [{"order_id": i, "status": "executed", "notice_delivered": True} for i in ids]
    answer = await http.post("/api/v1/disposal/receipts", json={"items": items}, headers=auth)
    answer.raise_for_status()
    now = time.perf_counter()
    for outcome in answer.json():
        assert outcome["ok"], outcome
        executed_at[outcome["order_id"]] = now
    return len(ids)


def disposal_worker(
    url: str, connect_args: dict[str, str] | None, data_dir: str, ready: Any, stop: Any
) -> None:
    """The disposal worker process (the disposal half of `fanzha events dispatch`) until `stop` is set."""
    engine = build_engine(url, connect_args=connect_args) if connect_args else build_engine(url)
    settings = Settings(environment="test", data_dir=data_dir, database_url=url, **KEYS)  # type: ignore[arg-type]
    platform = build_platform(settings, engine=engine)

    async def passes() -> None:
        async with httpx.AsyncClient() as http:
            worker = DisposalWorker(platform, http, "bench")
            ready.set()
            while not stop.is_set():
                if await worker.run_once() == 0:
                    await asyncio.sleep(0.01)

    asyncio.run(passes())
    engine.dispose()


def floor_insert(engine: Engine, rows: int) -> float:
    """The baseline: one multi-row INSERT of `rows` orders into a scratch copy of the table."""
    now = datetime.now(UTC)
    values = [
        {
            "org_id": 1,
            "issuer_org_id": 1,
            "issued_by": "floor",
            "object_kind": "bank_card",
            "object_token": f"{i:064x}",
            "object_masked": "x",
            "object_ciphertext": b"x",
            "measure": "suspend_business",
            "article": "第十八条",
            "reason": "floor",
            "evidence_ref": "",
            "confidential": False,
            "status": "executed",
            "escalation": "none",
            "due_at": now,
            "receipt_reason": "",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(rows)
    ]
    with engine.begin() as conn:
        start = time.perf_counter()
        conn.execute(insert(Order.__table__), values)
        elapsed = time.perf_counter() - start
        conn.rollback()  # the floor's rows are not kept
    return elapsed


def banks(
    url: str,
    connect_args: dict[str, str] | None,
    base: str,
    keys: dict[int, str],
    expected: int,
    ready: Any,
    go: Any,
    stop: Any,
    results: Any,
) -> None:
    """The banks' systems, over HTTP with their own keys, until they have executed `expected` orders."""
    engine = build_engine(url, connect_args=connect_args) if connect_args else build_engine(url)
    settings = Settings(environment="test", database_url=url, **KEYS)  # type: ignore[arg-type]
    platform = build_platform(settings, engine=engine)
    executed_at: dict[int, float] = {}

    async def answer() -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
            gate = asyncio.Semaphore(CONCURRENCY)

            async def one(key: str) -> int:
                async with gate:
                    return await answer_bank(http, key, executed_at)

            await http.get("/healthz")  # connections warm before the clock starts
            ready.set()
            while not go.is_set():
                await asyncio.sleep(0.005)
            after = 0
            while len(executed_at) < expected and not stop.is_set():
                # Woken by its new orders' events, as a push (NATS, webhook: the event names the
                # institution) wakes a bank's system, not by asking every bank every few milliseconds.
                with reading(platform.sessions) as session:  # a read: never the SQLite write lock
                    events = read_after(session, after, 10_000, "disposal.order.issued")
                if not events:
                    await asyncio.sleep(0.01)
                    continue
                after = events[-1].position
                woken = {int(e.payload["org_id"]) for e in events}
                await asyncio.gather(*(one(keys[org]) for org in woken if org in keys))

    asyncio.run(answer())
    results.put(list(executed_at.values()))
    engine.dispose()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, data_dir: str, workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    """`fanzha serve --workers N` on the run's database, as deployed; waits until it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANZHA_")}
    env.update(
        FANZHA_ENVIRONMENT="test",
        FANZHA_DATABASE_URL=url,
        FANZHA_DATA_DIR=data_dir,
        FANZHA_TOKEN_KEY_HEX=KEYS["token_key_hex"],
        FANZHA_ENCRYPTION_KEY_HEX=KEYS["encryption_key_hex"],
        FANZHA_LOG_LEVEL="WARNING",
    )
    log = Path(data_dir, "server.log").open("wb")  # noqa: SIM115 (the server writes it until the end)
    command = [str(BIN / "fanzha"), "serve", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit(Path(data_dir, "server.log").read_text()[-2000:])
        time.sleep(0.2)


def scratch_database() -> tuple[str, str]:
    """A fresh PostgreSQL database for the run (the server processes connect to it by URL)."""
    name = f"fz_disposal_{uuid.uuid4().hex[:8]}"
    admin = build_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, PG_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    """Drop the run's database."""
    admin = build_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(url: str, samples: int, appeals: int, servers: int) -> dict[str, float | None]:
    """One database: linked disposal to 99 % executed, then upheld appeals to release delivered."""
    engine = build_engine(url)
    upgrade(engine)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="test", data_dir=tmp, database_url=url, **KEYS)  # type: ignore[arg-type]
        platform = build_platform(settings, engine=engine)
        assert platform.disposal is not None and platform.linked_disposal is not None and platform.appeals
        police, _admin, keys = province(platform)
        lines = ["kind,value,fraud_type,confidence"] + [
            f"bank_card,{card(i % BANKS, i)},fake_investment,90" for i in range(samples)
        ]
        # As deployed: the disposal worker (`fanzha events dispatch`) in a process of its own, the
        # banks' requests served by `fanzha serve --workers N`, and the banks' systems in another.
        base, server = serve(url, tmp, servers)
        spawn = multiprocessing.get_context("spawn")
        stop, go, results = spawn.Event(), spawn.Event(), spawn.Queue()
        ready = [spawn.Event() for _ in range(2)]
        clients = (url, None, base, keys, samples, ready[1], go, stop, results)
        processes = [
            spawn.Process(target=disposal_worker, args=(url, None, tmp, ready[0], stop)),
            spawn.Process(target=banks, args=clients),
        ]
        try:
            for process in processes:
                process.start()
            assert all(r.wait(60) for r in ready), "the worker or the banks' process did not start"
            start, started_at = time.perf_counter(), datetime.now(UTC)
            go.set()
            report = platform.bulk.run(police, ("\n".join(lines) + "\n").encode(), "cards.csv")
            assert report.ok, report.errors[:3]
            imported_s = time.perf_counter() - start
            try:
                executed: list[float] = results.get(timeout=300)
            finally:
                stop.set()
                for process in processes:
                    process.join(30)
            assert len(executed) == samples, (len(executed), samples)
            waits = sorted(t - start for t in executed)
            p99_executed = waits[int(0.99 * (len(waits) - 1))]
            # Appeals: the notices the banks' executions recorded carry no code in their stored text (it is
            # rendered at send time from the platform's key and the notice's salt), so derive it here.
            with platform.sessions() as session:
                last_issued = session.scalar(select(func.max(Order.created_at)))
                issued_s = (last_issued - started_at).total_seconds() if last_issued else 0.0
                salts = session.scalars(
                    select(Notice.code_salt)
                    .where(Notice.code_salt.is_not(None))
                    .order_by(Notice.id)
                    .limit(appeals)
                ).all()
            codes = [appeal_code(platform.disposal, salt) for salt in salts if salt]
            latencies = []
            with httpx.Client(base_url=base, timeout=30) as http:
                for code in codes:
                    appeal = platform.appeals.submit(code, "本人正常使用的工资卡", "误判", [], "bench")
                    began = time.perf_counter()
                    _, releases = platform.appeals.decide(police, appeal.id, True, "核实为正常使用")
                    for release in releases:
                        # The bank's system fetches its new orders with its own key.
                        page = http.get(
                            "/api/v1/disposal/orders",
                            params={"status": "issued", "limit": 10},
                            headers={"Authorization": f"Bearer {keys[release.org_id]}"},
                        )
                        page.raise_for_status()
                        assert any(o["id"] == release.id for o in page.json()["items"])
                    latencies.append(time.perf_counter() - began)
        finally:
            server.terminate()
            server.wait(30)
        floor = floor_insert(engine, samples)
    engine.dispose()
    latencies.sort()
    return {
        "samples": samples,
        "servers": servers,
        "p99_executed_s": round(p99_executed, 3),
        "imported_s": round(imported_s, 3),
        "last_issued_s": round(issued_s, 3),
        "floor_insert_s": round(floor, 3),
        "ratio_to_floor": round(p99_executed / floor, 1) if floor else 0.0,
        "appeals": len(latencies),
        # None when no appeal could be made (the run still reports its disposal figures).
        "release_p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "release_p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--servers", type=int, help="`fanzha serve --workers` (default: 1 on SQLite, 2 on PostgreSQL)"
    )
    args = parser.parse_args()
    samples, appeals = (1_000, 100) if args.quick else (10_000, 1_000)
    results = {}
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            # One server process: SQLite has one writer at a time, so a second would only queue for it.
            results["sqlite"] = run(f"sqlite:///{tmp}/bench.db", samples, appeals, args.servers or 1)
    if not args.skip_pg:
        name, url = scratch_database()
        try:
            results["postgresql"] = run(url, samples, appeals, args.servers or 2)
        finally:
            drop_database(name)
    for name, figures in results.items():
        print(
            f"{name:10s} {figures['samples']} samples, banks over HTTP, {figures['servers']} server "
            f"process(es): "
            f"99 % executed after {figures['p99_executed_s']} s (imported after {figures['imported_s']} s, "
            f"the last order issued after {figures['last_issued_s']} s) "
            f"({figures['ratio_to_floor']}x a bare INSERT of as many rows, {figures['floor_insert_s']} s); "
            f"{figures['appeals']} appeals: release delivered p50 {figures['release_p50_ms']} ms, "
            f"p99 {figures['release_p99_ms']} ms"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
