"""Report → stop-payment at three levels of onward transfers, in a burst (issue 22, speed).

A province of 20 banks (one BIN each) on a scratch PostgreSQL database, served by `fanzha serve` as
deployed (`--workers`, default 2 on this 2-core machine). The police's system (an API key of the
provincial centre) reports `--reports` cases at once, one victim and one transfer each, and issues
the emergency stop-payment on the receiving account. The 20 banks answer over HTTP with their own API
keys, all at once, each polling its inbox: level 0, 1 and 2 answer "moved" with the onward transfer
to an account at the next bank, which the platform turns into the next level's stop-payment by
itself (Art 35¶2); level 3's bank answers "held". Reported: from the victim's report (the police's
first request) to the last level's instruction, issued (its row's creation) and seen by its bank,
p50 / p99 (target p99 < 2 s at 1,000 reports).

Floor in the same run: a bare HTTP round trip to the same server (`GET /healthz`, p50 / p99 under the
same concurrency), and the ratio of the p99 to that p99 (the report path is eight requests end to end).

    PYTHONPATH=src .venv/bin/python bench/funds_burst.py --quick    # 50 reports, under a minute
    PYTHONPATH=src .venv/bin/python bench/funds_burst.py            # 1,000 reports

Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

from fanzha.bootstrap import build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.funds.tables import Instruction
from fanzha.identifiers import luhn_check_digit
from fanzha.identity.domain import OrgKind, Principal, Role, key_issuer
from fanzha.identity.tables import Organisation

PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent
BANKS = 20
LEVELS = 3  # onward transfers: level 0 → 1 → 2 → 3
# An idle bank's system asks again after 0.1 s, backing off to 1 s while nothing comes (20 banks polling
# every 0.1 s would be 200 requests a second on their own).
POLL_S, POLL_MAX_S = 0.1, 1.0


def card(bank: int, serial: int) -> str:
    """A Luhn-valid 16-digit card under BIN 62{bank:04d}."""
    body = f"62{bank:04d}{serial:09d}"
    return body + luhn_check_digit(body)


def scratch_database() -> tuple[str, str]:
    """A fresh database for the run (the server processes connect to it by URL); its name and URL."""
    name = f"fz_burst_{uuid.uuid4().hex[:8]}"
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


def province(url: str, env: dict[str, str]) -> tuple[str, list[str], list[int]]:
    """Migrate, create the centre and 20 banks with their routing; the police key, the banks' keys and ids."""
    engine = build_engine(url)
    upgrade(engine)
    settings = Settings(
        environment="test",
        database_url=url,
        token_key_hex=env["FANZHA_TOKEN_KEY_HEX"],
        encryption_key_hex=env["FANZHA_ENCRYPTION_KEY_HEX"],
    )
    platform = build_platform(settings, engine=engine)
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
        centre_id, bank_ids = centre.id, [b.id for b in banks]
    admin = Principal(None, "admin", centre_id, OrgKind.POLICE_PROVINCE, Role.PLATFORM_ADMIN)
    assert platform.routing is not None
    bins = "bin,org_code\n" + "".join(f"62{i:04d},bank-{i:03d}\n" for i in range(BANKS))
    platform.routing.import_csv(admin, "bank_bin", bins.encode())

    def issue(org_id: int, kind: OrgKind) -> str:
        # The unit's own head issues its keys (三员分立): the commander, or the bank's administrator.
        head = Principal(None, "bench-head", org_id, kind, key_issuer(kind), source_ip="bench")
        return platform.auth.create_api_key(head, org_id, "burst", 1)[1]

    police = issue(centre_id, OrgKind.POLICE_PROVINCE)
    keys = [issue(b, OrgKind.BANK) for b in bank_ids]
    platform.close()
    return police, keys, bank_ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Run:
    """The burst's clocks: when each report began, when its last level was seen; case → report."""

    def __init__(self, reports: int) -> None:
        self.began: dict[int, float] = {}
        self.seen: dict[int, float] = {}
        self.case_of: dict[int, int] = {}  # case id → report
        self.done = asyncio.Event()
        self.reports = reports
        self.errors: list[str] = []
        self.exceptions: list[str] = []  # transport failures (timeouts): the item is retried, counted here


def body_of(r: int, at: datetime) -> dict[str, Any]:
    """Report r: one victim who paid ¥500 + r fen to an account at bank r mod 20."""
    return {
        "number": f"AJ-BURST-{r:05d}",
        "scam_type": "investment",
        "summary": "投资理财诈骗（压测）",
        "victims": [
            {
                "name": f"被害人{r}",
                "loss_fen": 50_000 + r,
                "account_kind": "bank_card",
                "account": card(19 - r % BANKS, 500_000 + r),
                "transfers": [
                    {
                        "at": at.isoformat(),
                        "amount_fen": 50_000 + r,
                        "channel": "mobile_banking",
                        "payer_kind": "bank_card",
                        "payer": card(19 - r % BANKS, 500_000 + r),
                        "payee_kind": "bank_card",
                        "payee": card(r % BANKS, r),
                    }
                ],
            }
        ],
    }


async def report(http: httpx.AsyncClient, run: Run, r: int, gate: asyncio.Semaphore) -> None:
    """The police's system: the victim's report, then the emergency stop-payment on the payee account."""
    async with gate:
        at = datetime.now(UTC) - timedelta(minutes=20)
        run.began[r] = time.time()
        made = await http.post("/api/v1/funds/cases", json=body_of(r, at))
        if made.status_code != 201:
            run.errors.append(f"case {made.status_code} {made.text[:200]}")
            return
        case_id = made.json()["id"]
        run.case_of[case_id] = r
        detail = (await http.get(f"/api/v1/funds/cases/{case_id}")).json()
        transfer = detail["transfers"][0]["id"]
        stop = await http.post(f"/api/v1/funds/transfers/{transfer}/stop-payment", json={})
        if stop.status_code != 201:
            run.errors.append(f"stop {stop.status_code} {stop.text[:200]}")


BANK_IN_FLIGHT = 4  # a bank's system answers a few instructions at a time, not its whole inbox at once


async def bank(http: httpx.AsyncClient, run: Run, index: int) -> None:
    """A bank's system: poll its inbox, answer each new stop-payment (moved on, or held at level 3).

    A failed request (timeout, connection) neither ends the bank's polling nor loses the instruction:
    it is counted and answered again on a later poll."""
    handled: set[int] = set()
    gate = asyncio.Semaphore(BANK_IN_FLIGHT)
    wait = POLL_S
    while not run.done.is_set():
        try:
            got = await http.get("/api/v1/funds/inbox", params={"status": "issued", "limit": 500})
        except httpx.HTTPError as error:
            run.exceptions.append(f"inbox {type(error).__name__}")
            await asyncio.sleep(wait)
            continue
        fresh = [i for i in got.json() if i["id"] not in handled] if got.status_code == 200 else []
        if not fresh:
            await asyncio.sleep(wait)
            wait = min(POLL_MAX_S, wait * 2)
            continue
        wait = POLL_S
        now = time.time()
        for item in fresh:
            handled.add(item["id"])
            if item["hop"] == LEVELS and item["case_id"] in run.case_of:
                run.seen.setdefault(run.case_of[item["case_id"]], now)

        async def one(item: dict[str, Any]) -> None:
            async with gate:
                if not await answer(http, run, item, index):
                    handled.discard(item["id"])  # still issued: the next poll answers it again

        await asyncio.gather(*(one(item) for item in fresh))
        if len(run.seen) >= len(run.case_of) == run.reports:
            run.done.set()


async def answer(http: httpx.AsyncClient, run: Run, item: dict[str, Any], index: int) -> bool:
    """Level < 3: moved on to the next bank's account a minute later; level 3: held. False: not delivered."""
    hop, r = item["hop"], run.case_of.get(item["case_id"], 0)
    if hop >= LEVELS:
        body: dict[str, Any] = {"outcome": "held", "amount_fen": item["amount_fen"]}
    else:
        at = datetime.now(UTC) - timedelta(minutes=15 - hop)
        nxt = card((index + 1) % BANKS, 100_000 * (hop + 1) + r)
        onward = [{"kind": "bank_card", "value": nxt, "amount_fen": item["amount_fen"], "at": at.isoformat()}]
        body = {"outcome": "moved", "onward": onward}
    try:
        done = await http.post(f"/api/v1/funds/inbox/{item['id']}/receipt", json=body)
    except httpx.HTTPError as error:
        run.exceptions.append(f"receipt {type(error).__name__}")
        return False
    if done.status_code >= 500:
        run.exceptions.append(f"receipt {done.status_code}")
        return False
    if done.status_code != 200:
        run.errors.append(f"receipt {done.status_code} {done.text[:200]}")
    return True


async def floor(base: str, headers: dict[str, str], calls: int, concurrency: int) -> list[float]:
    """The floor: bare HTTP round trips to the same server at the same concurrency (seconds each)."""
    out: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:

        async def one() -> None:
            async with gate:
                began = time.perf_counter()
                (await http.get("/healthz")).raise_for_status()
                out.append(time.perf_counter() - began)

        await asyncio.gather(*(one() for _ in range(calls)))
    return sorted(out)


async def burst(
    base: str, police: str, keys: list[str], reports: int, concurrency: int, budget: float
) -> Run:
    """All reports at once (`concurrency` in flight), 20 banks answering; until every level 3 is seen."""
    run = Run(reports)
    limits = httpx.Limits(max_connections=concurrency + 4)
    police_http = httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {police}"}, timeout=120, limits=limits
    )
    banks_http = [
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {k}"}, timeout=120) for k in keys
    ]
    tasks = [asyncio.create_task(bank(h, run, i)) for i, h in enumerate(banks_http)]
    gate = asyncio.Semaphore(concurrency)
    try:
        await asyncio.gather(*(report(police_http, run, r, gate) for r in range(reports)))
        if run.errors:
            print(f"{len(run.errors)} errors, first: {run.errors[0]}", file=sys.stderr, flush=True)
        await asyncio.wait_for(run.done.wait(), timeout=budget)
    except TimeoutError:
        print(f"timed out: {len(run.seen)} of {reports} complete", file=sys.stderr, flush=True)
    finally:
        run.done.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for h in (police_http, *banks_http):
            await h.aclose()
    return run


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="50 reports (under a minute)")
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--floor-calls", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="server processes (fanzha serve --workers)")
    parser.add_argument("--concurrency", type=int, default=32, help="the police's requests in flight")
    args = parser.parse_args()
    reports = 50 if args.quick else args.reports
    env = {
        **os.environ,
        "FANZHA_ENVIRONMENT": "test",
        "FANZHA_SECRET_KEY": secrets.token_hex(32),
        "FANZHA_TOKEN_KEY_HEX": secrets.token_hex(32),
        "FANZHA_ENCRYPTION_KEY_HEX": secrets.token_hex(16),
        "FANZHA_LOG_LEVEL": "WARNING",
        "FANZHA_FEED_PER_MINUTE_PER_CLIENT": "1000000",
        "FANZHA_FEED_PER_MINUTE_PER_ORG": "1000000",
    }
    name, url = scratch_database()
    env["FANZHA_DATABASE_URL"] = url
    server: subprocess.Popen[bytes] | None = None
    try:
        started = time.perf_counter()
        police, keys, _ = province(url, env)
        setup_s = time.perf_counter() - started
        print(f"set-up: 20 banks, keys and routing in {setup_s:.1f} s", file=sys.stderr, flush=True)
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp, "server.log").open("wb")  # noqa: SIM115 (the server writes it until the end)
            server = subprocess.Popen(
                [str(BIN / "fanzha"), "serve", "--port", str(port), "--workers", str(args.workers)],
                env=env,
                cwd=tmp,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    log.flush()
                    raise SystemExit(Path(tmp, "server.log").read_text()[-2000:])
                time.sleep(0.2)
            asyncio.run(floor(base, {}, 40, 4))  # warm-up: each worker's first requests load the app
            bare = asyncio.run(floor(base, {}, args.floor_calls, args.concurrency))
            print(f"floor: {len(bare)} bare round trips", file=sys.stderr, flush=True)
            began = time.perf_counter()
            run = asyncio.run(burst(base, police, keys, reports, args.concurrency, 40 if args.quick else 600))
            wall = time.perf_counter() - began
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    # The last level's instructions as issued: their rows' creation, on the same machine's clock.
    engine = build_engine(url)
    with engine.connect() as conn:
        issued = {
            case_id: created.timestamp()
            for case_id, created in conn.execute(
                select(Instruction.case_id, Instruction.created_at).where(Instruction.hop == LEVELS)
            )
        }
    engine.dispose()
    drop_database(name)
    to_issued = [issued[c] - run.began[r] for c, r in run.case_of.items() if c in issued]
    to_seen = [run.seen[r] - run.began[r] for r in run.seen]
    floor_p99 = quantile(bare, 0.99)
    figures = {
        "bench": "funds_burst",
        "reports": reports,
        "banks": BANKS,
        "levels": LEVELS,
        "server_workers": args.workers,
        "concurrency": args.concurrency,
        "setup_s": round(setup_s, 1),
        "wall_s": round(wall, 2),
        "completed": len(to_seen),
        "errors": len(run.errors),
        "transport_retries": len(run.exceptions),
        "first_error": run.errors[0] if run.errors else "",
        "issued_p50_s": round(quantile(to_issued, 0.5), 3),
        "issued_p99_s": round(quantile(to_issued, 0.99), 3),
        "seen_p50_s": round(quantile(to_seen, 0.5), 3),
        "seen_p99_s": round(quantile(to_seen, 0.99), 3),
        "floor_http_p50_ms": round(1000 * quantile(bare, 0.5), 2),
        "floor_http_p99_ms": round(1000 * floor_p99, 2),
        "ratio_p99_to_floor_p99": round(quantile(to_issued, 0.99) / floor_p99, 1) if floor_p99 else 0.0,
        "target_p99_s": 2.0,
        "machine": "loaded (2 CPUs shared)",
    }
    print(
        f"{reports} reports, {BANKS} banks, {LEVELS} levels onward: last level issued p50 "
        f"{figures['issued_p50_s']} s p99 {figures['issued_p99_s']} s, seen by its bank p99 "
        f"{figures['seen_p99_s']} s; {figures['completed']} complete, {figures['errors']} errors; "
        f"a bare HTTP round trip p99 {figures['floor_http_p99_ms']} ms "
        f"({figures['ratio_p99_to_floor_p99']}x); wall {figures['wall_s']} s"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
