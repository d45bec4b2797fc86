"""Sample library speed: bulk import and 100,000-identifier batch lookups over HTTP, SQLite and PostgreSQL.

Baseline in the same run: what a competent user would write without the endpoint, the same tokens computed
in Python and one `IN` query (SQLite, 30,000 a statement) or `= ANY(array)` (PostgreSQL) on the same
database; the naive loop (one SELECT per identifier) is printed beside it. Both databases hold the same
rows; lookups are timed three times (median). Targets (issue 3): 1 M-row import < 60 s on SQLite;
100 k batch HTTP lookup < 2 s on both databases.

    python bench/sample_library.py --quick      # 100 k rows, under a minute
    python bench/sample_library.py              # 1 M rows
    python bench/sample_library.py --profile --no-pg --rows 200000   # cProfile of import and lookup
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import httpx
import uvicorn
from sqlalchemy import select, text

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.db.migrate import upgrade
from fanzha.demo import seed_organisations, seed_users
from fanzha.identity.domain import OrgKind, Principal, Role, key_issuer
from fanzha.identity.tables import Organisation, User
from fanzha.samples.tables import Sample
from fanzha.web.app import create_app

T = TypeVar("T")
PG_URL = os.environ.get("FANZHA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def phones(n: int, offset: int = 0) -> list[str]:
    """Distinct mainland mobile numbers."""
    return [f"+86139{offset + i:08d}" for i in range(n)]


def csv_of(numbers: list[str]) -> bytes:
    """An import file of phone samples."""
    lines = ["kind,value,fraud_type,confidence"] + [f"phone,{n},fake_investment,85" for n in numbers]
    return ("\n".join(lines) + "\n").encode()


def serve(app: object) -> tuple[str, uvicorn.Server]:
    """Run the app on a free loopback port in a thread."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def median_of(times: int, work: Callable[[], int]) -> tuple[float, int]:
    """The median wall time of `times` runs of `work`, and its last answer."""
    seconds, answer = [], 0
    for _ in range(times):
        started = time.perf_counter()
        answer = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), answer


def set_query(platform: Platform, numbers: list[str]) -> int:
    """The baseline: tokens computed here, then a set query (chunked `IN` on SQLite, `= ANY` on PG)."""
    from fanzha.identifiers import normalise

    vault = platform.samples.vault
    tokens = [vault.token(normalise("phone", n)) for n in numbers]
    found = 0
    with platform.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            found = len(
                session.execute(text("SELECT token FROM samples WHERE token = ANY(:t)"), {"t": tokens}).all()
            )
        else:
            for i in range(0, len(tokens), 30_000):
                found += len(
                    session.scalars(
                        select(Sample.token).where(Sample.token.in_(tokens[i : i + 30_000]))
                    ).all()
                )
    return found


def profiled(label: str, work: Callable[[], T], top: int = 25) -> T:
    """Run `work` under cProfile; print its top lines by own time to stderr."""
    profile = cProfile.Profile()
    answer: T = profile.runcall(work)
    print(f"--- profile: {label} (top {top} by own time) ---", file=sys.stderr)
    stats = pstats.Stats(profile, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(top)
    return answer


def server_side_lookup(platform: Platform, principal: Principal, raw: bytes) -> int:
    """What the lookup route does with a body, without the HTTP: parse, look up, encode the answer."""
    import orjson

    from fanzha.samples.schemas import LookupRequest
    from fanzha.web.deps import parse_body

    body = parse_body(LookupRequest, raw)
    results = platform.lookup.batch(principal, body.items)
    orjson.dumps({"results": results, "hits": sum(1 for r in results if r["found"])})
    return sum(1 for r in results if r["found"])


def run(
    url: str,
    rows: int,
    lookups: int,
    label: str,
    engine_kwargs: dict[str, object],
    profile: bool = False,
) -> dict[str, float]:
    """Import `rows` samples, then look up `lookups` identifiers (half hits) three ways."""
    engine = build_engine(url, **engine_kwargs)
    upgrade(engine)
    keys = {"token_key_hex": "ab" * 32, "encryption_key_hex": "cd" * 16}
    settings = Settings(environment="test", **keys)  # type: ignore[arg-type]
    platform = build_platform(settings, engine=engine)
    seed_organisations(platform)
    seed_users(platform)
    with platform.sessions() as session:
        user = session.scalars(select(User).where(User.username == "analyst")).one()
        org = session.get_one(Organisation, user.org_id)
    analyst = Principal(user.id, user.username, org.id, OrgKind(org.kind), Role(user.role), source_ip="bench")
    numbers = phones(rows)
    data = csv_of(numbers)
    started = time.perf_counter()
    if profile:
        report = profiled(
            f"{label} import of {rows:,}", lambda: platform.bulk.run(analyst, data, "bench.csv")
        )
    else:
        report = platform.bulk.run(analyst, data, "bench.csv")
    import_s = time.perf_counter() - started
    assert report.ok and report.created == rows, report.errors[:3]
    print(f"[{label}] import {rows:,} rows: {import_s:.1f} s ({rows / import_s:,.0f} rows/s)")

    key, secret = platform.auth.create_api_key(
        Principal(None, "bench", org.id, OrgKind(org.kind), key_issuer(OrgKind(org.kind))), org.id, "bench", 1
    )
    del key
    base, server = serve(create_app(platform=platform))
    query = numbers[: lookups // 2] + phones(lookups - lookups // 2, offset=rows + 1)
    items = [{"kind": "phone", "value": n} for n in query]
    if profile:
        raw = json.dumps({"items": items}).encode()
        looker = Principal(None, "bench", org.id, OrgKind(org.kind), Role(user.role))
        profiled(
            f"{label} lookup of {lookups:,} (server side)", lambda: server_side_lookup(platform, looker, raw)
        )
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {secret}"}, timeout=120) as client:
        client.post("/api/v1/samples/lookup", json={"items": items[:10]})  # warm up

        def lookup() -> int:
            answer = client.post("/api/v1/samples/lookup", json={"items": items})
            assert answer.status_code == 200
            return int(answer.json()["hits"])

        http_s, hits = median_of(3, lookup)
    assert hits == lookups // 2
    print(
        f"[{label}] batch HTTP lookup of {lookups:,}: {http_s:.2f} s ({lookups / http_s:,.0f}/s, median of 3)"
    )
    server.should_exit = True
    in_query_s, in_hits = median_of(3, lambda: set_query(platform, query))
    assert in_hits == lookups // 2
    print(f"[{label}] baseline, tokens in Python + one set query: {in_query_s:.2f} s (median of 3)")

    sample = min(lookups, 5000)  # the naive loop is slow: time a slice and scale
    vault = platform.samples.vault
    from fanzha.identifiers import normalise

    started = time.perf_counter()
    with platform.sessions() as session:
        for n in query[:sample]:
            session.scalars(select(Sample).where(Sample.token == vault.token(normalise("phone", n)))).first()
    naive_s = (time.perf_counter() - started) * lookups / sample
    print(f"[{label}] baseline, one SELECT per identifier: {naive_s:.2f} s for {lookups:,} (from {sample:,})")
    platform.close()
    return {
        "import_s": import_s,
        "import_rows_per_s": rows / import_s,
        "lookup_s": http_s,
        "naive_s": naive_s,
        "in_query_s": in_query_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the import and the lookup (stderr)")
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    lookups = 100_000
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{tmp}/bench.db", rows, lookups, "sqlite", {}, args.profile)
    if not args.no_pg:
        schema = f"fz_bench_{uuid.uuid4().hex[:8]}"
        admin = build_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            results["postgresql"] = run(
                PG_URL,
                rows,
                lookups,
                "postgresql",
                {"connect_args": {"options": f"-csearch_path={schema}"}},
                args.profile,
            )
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    figures = {
        "bench": "sample_library",
        "rows": rows,
        "import_rows_per_s_sqlite": round(results["sqlite"]["import_rows_per_s"]),
        "import_s_sqlite": round(results["sqlite"]["import_s"], 2),
        "lookup_100k_s_sqlite": round(results["sqlite"]["lookup_s"], 3),
        "ratio_vs_naive_sqlite": round(results["sqlite"]["naive_s"] / results["sqlite"]["lookup_s"], 1),
        "ratio_vs_in_query_sqlite": round(results["sqlite"]["in_query_s"] / results["sqlite"]["lookup_s"], 2),
    }
    if "postgresql" in results:
        pg = results["postgresql"]
        figures["import_s_postgresql"] = round(pg["import_s"], 2)
        figures["lookup_100k_s_postgresql"] = round(pg["lookup_s"], 3)
        figures["ratio_vs_naive_postgresql"] = round(pg["naive_s"] / pg["lookup_s"], 1)
        figures["ratio_vs_in_query_postgresql"] = round(pg["in_query_s"] / pg["lookup_s"], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
