"""The counter check against the serious-dishonesty list: `is_listed(token)` latency, SQLite and PostgreSQL.

A list of N listings in force (plus as many lifted ones) is bulk-inserted; then 5,000 checks of random
tokens (half listed, half not) run one at a time as a counter would, each in its own session (target
p99 < 20 ms). Baseline in the same run: a Python set of the listed tokens (what an in-memory cache
would answer, without terms, expiry or release).

    python bench/credit_lookup.py --quick     # 10,000 listings, 1,000 checks
    python bench/credit_lookup.py             # 1,000,000 listings, 5,000 checks
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, text

from fanzha.core.clock import SystemClock
from fanzha.credit.lookup import Listed
from fanzha.credit.tables import Listing
from fanzha.db.engine import build_engine, session_factory
from fanzha.db.migrate import upgrade
from fanzha.identity.tables import Organisation

PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _fill(engine: Engine, n: int) -> list[str]:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        org = conn.execute(
            insert(Organisation).values(
                code="cs", name_zh="长沙", name_en="cs", kind="police_city", active=True, created_at=now
            )
        ).inserted_primary_key[0]
        tokens, batch = [], []
        for i in range(2 * n):
            token = uuid.uuid4().hex + uuid.uuid4().hex
            active = i % 2 == 0
            if active:
                tokens.append(token)
            batch.append(
                {
                    "number": f"B{i:011d}",
                    "subject_kind": "person",
                    "subject_token": token,
                    "subject_masked": "430104********1234",
                    "subject_name": "",
                    "ground": "cards",
                    "facts_items": 3,
                    "facts_times": 0,
                    "facts_counterparties": 0,
                    "evidence": "[]",
                    "basis": "bench",
                    "deciding_org_id": org,
                    "proposed_by": "bench",
                    "status": "active" if active else "expired",
                    "approved_by": "",
                    "decision_reason": "",
                    "ends_at": now + timedelta(days=700) if active else now - timedelta(days=1),
                    "lift_reason": "",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(batch) == 20_000:
                conn.execute(insert(Listing), batch)
                batch = []
        if batch:
            conn.execute(insert(Listing), batch)
    return tokens


def _measure(engine: Engine, tokens: list[str], checks: int) -> dict[str, float]:
    check = Listed(session_factory(engine), SystemClock())
    rng = random.Random(7)
    queries = [rng.choice(tokens) if i % 2 else uuid.uuid4().hex * 2 for i in range(checks)]
    check(queries[0])  # warm the pool
    times, hits = [], 0
    for token in queries:
        start = time.perf_counter()
        hits += check(token)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    assert hits == checks // 2, hits
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
        "max_ms": round(times[-1], 3),
    }


def _set_baseline(tokens: list[str], checks: int) -> float:
    listed = set(tokens)
    queries = [t if i % 2 else uuid.uuid4().hex * 2 for i, t in enumerate(tokens[:checks])]
    start = time.perf_counter()
    for token in queries:
        _ = token in listed
    return round((time.perf_counter() - start) * 1e6 / len(queries), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, checks = (10_000, 1_000) if args.quick else (1_000_000, 5_000)
    results: dict[str, object] = {"listings_in_force": n, "checks": checks}
    with tempfile.TemporaryDirectory() as tmp:
        engines = {"sqlite": build_engine(f"sqlite:///{tmp}/credit.db")}
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = build_engine(PG_URL)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            engines["postgresql"] = build_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
        except Exception as error:  # noqa: BLE001 - PostgreSQL is optional for this bench
            print(f"PostgreSQL skipped: {error}")
        try:
            for name, engine in engines.items():
                upgrade(engine)
                started = time.perf_counter()
                tokens = _fill(engine, n)
                fill = round(time.perf_counter() - started, 1)
                figures = _measure(engine, tokens, checks)
                results[name] = figures | {"fill_s": fill}
                print(f"{name}: {figures} (filled {2 * n} rows in {fill} s)")
                engine.dispose()
            results["python_set_us"] = _set_baseline(tokens, checks)
            print(f"baseline python set: {results['python_set_us']} µs a check")
        finally:
            if "postgresql" in engines:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
