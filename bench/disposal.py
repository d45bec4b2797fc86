"""Linked disposal and appeals speed on SQLite and PostgreSQL.

A province of 100 banks (one BIN each). 10,000 bank-card samples are imported; the linked-disposal
policy, in a worker process of its own as deployed, turns them into orders while each bank, a small
client, fetches its new orders and answers "executed" at once in a bulk receipt; the banks' requests are
served by `--servers` processes: one on SQLite (one writer at a time), two on PostgreSQL (`fanzha serve
--workers 2` on this 2-core machine). Reported:
the time from the import until 99 % of the orders are executed (target < 10 s). Then 1,000 appeals
are upheld and each bank fetches its release order at once: the latency from the decision to the
release order being delivered, p50 / p99 (target p99 < 1 s).

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
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, func, insert, select, text

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.disposal.notices import MemoryNotifier
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Notice, Order
from fanzha.disposal.worker import DisposalWorker
from fanzha.events.outbox import current_head
from fanzha.identifiers import luhn_check_digit
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation

PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BANKS = 100
KEYS = {"token_key_hex": "ab" * 32, "encryption_key_hex": "cd" * 16}


def card(bank: int, n: int) -> str:
    """A Luhn-valid 16-digit card under BIN 62{bank:04d}."""
    body = f"62{bank:04d}{n:09d}"
    return body + luhn_check_digit(body)


def province(platform: Platform) -> tuple[Principal, Principal, list[Principal]]:
    """The centre, an analyst principal, the admin, and one operator principal per bank."""
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
        operators = [
            Principal(None, f"op{i}", b.id, OrgKind.BANK, Role.INSTITUTION_OPERATOR)
            for i, b in enumerate(banks)
        ]
    assert platform.routing is not None
    bins = "bin,org_code\n" + "".join(f"62{i:04d},bank-{i:03d}\n" for i in range(BANKS))
    platform.routing.import_csv(admin, "bank_bin", bins.encode())
    return police, admin, operators


def answer_all(platform: Platform, operators: list[Principal], executed_at: dict[int, float]) -> int:
    """Every bank fetches its new orders and answers them at once in one bulk receipt; returns how many."""
    assert platform.disposal is not None
    done = 0
    # The bank delivers its notices itself and confirms so (Art 34¶1).
    executed = ReceiptCreate(status="executed", notice_delivered=True)  # type: ignore[arg-type]
    for operator in operators:
        orders = platform.disposal.search(operator, status="issued", limit=1000)
        items = [(order.id, executed) for order in orders if order.measure != "release"]
        if not items:
            continue
        outcomes = platform.disposal.receipts(operator, items)
        now = time.perf_counter()
        for (order_id, _), outcome in zip(items, outcomes, strict=True):
            assert not isinstance(outcome, Exception), outcome
            executed_at[order_id] = now
        done += len(items)
    return done


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


def bank_server(
    url: str,
    connect_args: dict[str, str] | None,
    data_dir: str,
    operators: list[Principal],
    expected: int,
    ready: Any,
    go: Any,
    stop: Any,
    results: Any,
) -> None:
    """One server process answering its share of the banks until they have executed `expected` orders."""
    engine = build_engine(url, connect_args=connect_args) if connect_args else build_engine(url)
    settings = Settings(environment="test", data_dir=data_dir, database_url=url, **KEYS)  # type: ignore[arg-type]
    platform = build_platform(settings, engine=engine)
    assert platform.disposal is not None
    platform.disposal.notifier = MemoryNotifier()
    executed_at: dict[int, float] = {}
    ready.set()
    go.wait()
    seen = -1
    while len(executed_at) < expected and not stop.is_set():
        # Woken by new events, as a push (NATS, webhook) wakes a bank's client, not by asking every
        # bank for its orders every few milliseconds.
        head = current_head(platform.sessions)
        if head == seen:
            time.sleep(0.01)
            continue
        seen = head
        answer_all(platform, operators, executed_at)
    results.put(list(executed_at.values()))
    engine.dispose()


def run(
    url: str, samples: int, appeals: int, servers: int, connect_args: dict[str, str] | None = None
) -> dict[str, float]:
    """One database: linked disposal to 99 % executed, then upheld appeals to release delivered."""
    engine = build_engine(url, connect_args=connect_args) if connect_args else build_engine(url)
    upgrade(engine)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="test", data_dir=tmp, database_url=url, **KEYS)  # type: ignore[arg-type]
        platform = build_platform(settings, engine=engine)
        assert platform.disposal is not None and platform.linked_disposal is not None and platform.appeals
        police, _admin, operators = province(platform)
        lines = ["kind,value,fraud_type,confidence"] + [
            f"bank_card,{card(i % BANKS, i)},fake_investment,90" for i in range(samples)
        ]
        # As deployed: the disposal worker (`fanzha events dispatch`) in a process of its own, and the
        # banks' requests served by `servers` processes (`fanzha serve --workers N`), each bank by one.
        spawn = multiprocessing.get_context("spawn")
        stop, go, results = spawn.Event(), spawn.Event(), spawn.Queue()
        ready = [spawn.Event() for _ in range(servers + 1)]
        processes = [spawn.Process(target=disposal_worker, args=(url, connect_args, tmp, ready[0], stop))]
        for n in range(servers):
            share = operators[n::servers]
            expected = sum(1 for i in range(samples) if i % BANKS % servers == n)
            args = (url, connect_args, tmp, share, expected, ready[n + 1], go, stop, results)
            processes.append(spawn.Process(target=bank_server, args=args))
        for process in processes:
            process.start()
        assert all(r.wait(60) for r in ready), "a worker or server process did not start"
        start, started_at = time.perf_counter(), datetime.now(UTC)
        go.set()
        report = platform.bulk.run(police, ("\n".join(lines) + "\n").encode(), "cards.csv")
        assert report.ok, report.errors[:3]
        imported_s = time.perf_counter() - start
        executed: list[float] = []
        try:
            for _ in range(servers):
                executed += results.get(timeout=300)
        finally:
            stop.set()
            for process in processes:
                process.join(30)
        assert len(executed) == samples, (len(executed), samples)
        waits = sorted(t - start for t in executed)
        p99_executed = waits[int(0.99 * (len(waits) - 1))]
        # Appeals: the codes are in the notices the banks' executions recorded (and sent).
        with platform.sessions() as session:
            last_issued = session.scalar(select(func.max(Order.created_at)))
            issued_s = (last_issued - started_at).total_seconds() if last_issued else 0.0
            texts = session.scalars(select(Notice.text).order_by(Notice.id).limit(appeals)).all()
        codes = [m.group(1) for text in texts if (m := re.search(r"申诉码 ([A-Z0-9]+)", text))]
        by_org = {o.org_id: o for o in operators}
        latencies = []
        for code in codes:
            appeal = platform.appeals.submit(code, "本人正常使用的工资卡", "误判", [], "bench")
            began = time.perf_counter()
            _, releases = platform.appeals.decide(police, appeal.id, True, "核实为正常使用")
            for release in releases:
                seen = platform.disposal.search(by_org[release.org_id], status="issued", limit=10)
                assert any(o.id == release.id for o in seen)
            latencies.append(time.perf_counter() - began)
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
        "release_p50_ms": round(1000 * statistics.median(latencies), 1),
        "release_p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--servers", type=int, help="processes serving the banks (default: 1 on SQLite, 2 on PostgreSQL)"
    )
    args = parser.parse_args()
    samples, appeals = (1_000, 100) if args.quick else (10_000, 1_000)
    results = {}
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            # One server process: SQLite has one writer at a time, so a second would only queue for it.
            results["sqlite"] = run(f"sqlite:///{tmp}/bench.db", samples, appeals, args.servers or 1)
    if not args.skip_pg:
        schema = f"fz_bench_{uuid.uuid4().hex[:8]}"
        admin = build_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            results["postgresql"] = run(
                PG_URL, samples, appeals, args.servers or 2, {"options": f"-csearch_path={schema}"}
            )
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    for name, figures in results.items():
        print(
            f"{name:10s} {figures['samples']} samples, {figures['servers']} server process(es): "
            f"99 % executed after {figures['p99_executed_s']} s (imported after {figures['imported_s']} s, "
            f"the last order issued after {figures['last_issued_s']} s) "
            f"({figures['ratio_to_floor']}x a bare INSERT of as many rows, {figures['floor_insert_s']} s); "
            f"{figures['appeals']} appeals: release delivered p50 {figures['release_p50_ms']} ms, "
            f"p99 {figures['release_p99_ms']} ms"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
