"""Fund-flow tracing at scale (issue 22): 1,000 victim traces of 6 hops on a large synthetic graph.

Build plus queries by the numpy query path (`fanzha.funds.trace_fast`: sorted arrays built once, all
victims hop by hop) and by the Ibis definition on DuckDB (`fanzha.funds.trace`, the reference; skipped
above --ibis-max transactions), against the same FIFO trace over a networkx MultiDiGraph of the same
transactions, in the same run; the three must give the same rows. The graph
has ordinary accounts paying each other (heavy-tailed), victims' payments into collection accounts,
layering chains and cash-out at ATMs and wallets. networkx (not a dependency of the project: found on
the path, or under --nx-path) holds at most --nx-max transactions: above that it runs on the first
--nx-max transactions by time, with the seeds inside them, and says so in the output.

    PYTHONPATH=src .venv/bin/python bench/funds_trace.py --quick     # 500 k transactions, under a minute
    PYTHONPATH=src .venv/bin/python bench/funds_trace.py             # 10 M transactions

Peak memory: the process's maximum resident set (getrusage) right after the numpy path, before the
other two run (it includes the generated graph itself), and how much the numpy path raised it.
Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import UTC, datetime
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.funds import trace_ref
from fanzha.funds.trace import Tracer, seeds_table
from fanzha.funds.trace_fast import FastTracer

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def _labels(codes: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    """A low-cardinality column as Arrow keeps it when read from Parquet with its dictionary (int8 codes)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)), pa.array(labels))


def _accounts(prefix: str, ids: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(ids).cast(pa.string()), "")


def graph(n: int, seed: int = 0, chunk: int = 1_000_000) -> pa.Table:
    """n transactions over n/8 accounts in 30 days: ordinary payments, layering, cash-out.

    Account numbers are strings (as any upload has them); kinds and channels are dictionary columns, as
    Parquet stores them and `pq.read_table(read_dictionary=...)` gives them. Built a million rows at a
    time so the strings' temporaries stay small (10 M Python strings would take gigabytes).
    """
    rng = np.random.default_rng(seed)
    accounts = max(1000, n // 8)
    ts = np.sort(rng.integers(0, 30 * 86400, n))
    src = (rng.pareto(1.2, n) * 50).astype(np.int64) % accounts
    dst = rng.integers(0, accounts, n)
    # layering: one transfer in four leaves the account that received the previous one
    chain = rng.random(n) < 0.25
    np.copyto(src, np.roll(dst, 1), where=chain)
    del chain
    amount = (rng.lognormal(10, 1.2, n)).astype(np.int64) + 100
    r = rng.random(n)
    # dst_kind: 0 bank_card, 1 cash (ATM), 2 wallet; channel: 0 transfer, 1 qr, 2 atm, 3 crypto_otc
    kind = np.where(r < 0.02, 1, np.where(r < 0.025, 2, 0)).astype(np.int8)
    channel = np.where(r > 0.9, 1, np.where(kind == 1, 2, np.where(kind == 2, 3, 0))).astype(np.int8)
    del r
    dst_chunks = []
    src_chunks = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        k, d = kind[lo:hi], dst[lo:hi]
        dst_chunks.append(
            pc.if_else(
                pa.array(k == 1),
                _accounts("atm:", d % 500),
                pc.if_else(pa.array(k == 2), _accounts("T", d % 300), _accounts("A", d)),
            )
        )
        src_chunks.append(_accounts("A", src[lo:hi]))
    del src, dst
    ms = (int(T0.timestamp()) + ts) * 1000
    return pa.table(
        {
            "txn_id": pa.array(np.arange(n, dtype=np.int64)),
            "ts": pa.array(ms, pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
            "src_kind": _labels(np.zeros(n, np.int8), ["bank_card"]),
            "src_account": pa.chunked_array(src_chunks, pa.string()),
            "dst_kind": _labels(kind, ["bank_card", "cash", "wallet"]),
            "dst_account": pa.chunked_array(dst_chunks, pa.string()),
            "amount_fen": pa.array(amount),
            "channel": _labels(channel, ["transfer", "qr", "atm", "crypto_otc"]),
        }
    )


def plain(t: pa.Table) -> pa.Table:
    """The table with dictionary columns decoded to strings (for the Ibis engine's memtable)."""
    return pa.table(
        {c: t[c].cast(pa.string()) if pa.types.is_dictionary(t[c].type) else t[c] for c in t.column_names}
    )


def pick_seeds(t: pa.Table, k: int, within: int, seed: int = 1) -> list[tuple[int, int]]:
    """k victims' payments: transfers to an account among the first `within` transactions."""
    rng = np.random.default_rng(seed)
    head = t.slice(0, within)
    ok = np.flatnonzero(
        np.asarray(pc.and_(pc.equal(head["dst_kind"], "bank_card"), pc.equal(head["channel"], "transfer")))
    )
    return [(v, int(x)) for v, x in enumerate(np.sort(rng.choice(ok, size=k, replace=False)))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(t: pa.Table, seeds: list[tuple[int, int]], hops: int) -> tuple[dict[str, Any], Any]:
    con = ibis.duckdb.connect()
    t0 = time.perf_counter()
    with Tracer(con, ibis.memtable(plain(t))) as tr:
        tr.edges.count().execute()  # build: transfers, events, FIFO lot flows
        built = time.perf_counter() - t0
        res = tr.trace(seeds_table(seeds), hops)
        queried = time.perf_counter() - t0 - built
    return {"build_s": round(built, 2), "query_s": round(queried, 2)}, res


def run_fast(t: pa.Table, seeds: list[tuple[int, int]], hops: int) -> tuple[dict[str, Any], Any]:
    t0 = time.perf_counter()
    tr = FastTracer(t)
    built = time.perf_counter() - t0
    res = tr.trace(seeds, hops)
    queried = time.perf_counter() - t0 - built
    return {"build_s": round(built, 3), "query_s": round(queried, 3)}, res


def rows(res: Any) -> dict[tuple[Any, ...], int]:
    """A trace's located rows keyed as the networkx baseline keys them."""
    return {
        (r["victim_id"], r["hop"], r["account"], r["kind"], r["status"]): r["amount_fen"]
        for r in res.located.to_pylist()
    }


def run_networkx(t: pa.Table, seeds: list[tuple[int, int]], hops: int) -> tuple[dict[str, Any], Any]:
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.MultiDiGraph()
    cols = [t[c].to_pylist() for c in ("txn_id", "ts", "src_account", "dst_account", "amount_fen")]
    terms = [
        "atm" if k == "cash" else "crypto" if k == "wallet" else "merchant" if c == "qr" else None
        for k, c in zip(t["dst_kind"].to_pylist(), t["channel"].to_pylist(), strict=True)
    ]
    by_id: dict[int, trace_ref.Txn] = {}
    for tid, ts, s, d, a, term in zip(*cols, terms, strict=True):
        x = trace_ref.Txn(tid, int(ts.timestamp()), s, d, a, term)
        by_id[tid] = x
        g.add_edge(s, d, key=tid, txn=x)
    built = time.perf_counter() - t0

    def flows(acct: str) -> list[tuple[int | None, int | None, int]]:
        ins = [e["txn"] for _, _, e in g.in_edges(acct, data=True) if e["txn"].terminal is None]
        outs = [e["txn"] for _, _, e in g.out_edges(acct, data=True)]
        return trace_ref.fifo_flows(ins, outs)

    got: dict[tuple[int, int, str, str, str], int] = {}
    for v, tid in seeds:  # one victim at a time, as a graph library answers a query
        got.update(trace_ref.trace([(v, tid)], by_id.__getitem__, flows, hops))
    queried = time.perf_counter() - t0 - built
    return {"build_s": round(built, 2), "query_s": round(queried, 2), "transactions": t.num_rows}, got


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500 k transactions instead of 10 M")
    ap.add_argument("--transactions", type=int)
    ap.add_argument("--victims", type=int, default=1000)
    ap.add_argument("--hops", type=int, default=6)
    ap.add_argument("--nx-max", type=int, default=1_000_000, help="largest graph given to networkx")
    ap.add_argument("--ibis-max", type=int, default=1_000_000, help="largest graph given to the Ibis engine")
    ap.add_argument("--nx-path", help="a folder holding networkx, if it is not installed")
    ap.add_argument("--skip-nx", action="store_true", help="no networkx baseline (memory and time only)")
    ap.add_argument("--profile", action="store_true", help="print where the numpy path's build spends time")
    a = ap.parse_args(argv)
    if a.nx_path:
        sys.path.insert(0, a.nx_path)
    n = a.transactions or (500_000 if a.quick else 10_000_000)
    t = graph(n)
    nx_n = min(n, a.nx_max)
    seeds = pick_seeds(t, a.victims, within=nx_n // 4)
    before = rss_mb()
    if a.profile:
        import cProfile
        import pstats

        with cProfile.Profile() as prof:
            fast, fres = run_fast(t, seeds, a.hops)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(12)
    else:
        fast, fres = run_fast(t, seeds, a.hops)
    fast_total = fast["build_s"] + fast["query_s"]
    out: dict[str, Any] = {
        "bench": "funds_trace",
        "transactions": n,
        "victims": a.victims,
        "hops": a.hops,
        "fast": {**fast, "backend": "numpy", "total_s": round(fast_total, 3)},
        "peak_rss_mb_after_fast": round(rss_mb()),
        # What the numpy path added to the peak over the generated graph's (the process's high-water mark).
        "fast_peak_increase_mb": round(rss_mb() - before),
        "located_rows": fres.located.num_rows,
    }
    if n <= a.ibis_max:
        engine, res = run_engine(t, seeds, a.hops)
        out["ibis"] = {**engine, "backend": "duckdb", "same_result_as_fast": rows(res) == rows(fres)}
    try:
        if a.skip_nx:
            raise ImportError
        import networkx  # noqa: F401
    except ImportError:
        out["networkx"] = "skipped" if a.skip_nx else "not installed (pass --nx-path)"
    else:
        sample = t.slice(0, nx_n)
        # On a sample, the numpy path runs again on the same sample so the two answer the same question.
        same, sres = run_fast(sample, seeds, a.hops) if nx_n < n else (fast, fres)
        nxr, got = run_networkx(sample, seeds, a.hops)
        nx_total = nxr["build_s"] + nxr["query_s"]
        same_total = same["build_s"] + same["query_s"]
        out["networkx"] = {
            **nxr,
            "sample": nx_n < n,
            "fast_on_same": same,
            "same_result": rows(sres) == got,
            "speedup_build_plus_queries": round(nx_total / max(same_total, 1e-9), 1),
            "speedup_queries": round(nxr["query_s"] / max(same["query_s"], 1e-9), 1),
        }
        if "ibis" in out and not out["networkx"]["sample"]:
            ibis_total = out["ibis"]["build_s"] + out["ibis"]["query_s"]
            out["networkx"]["ibis_speedup_build_plus_queries"] = round(nx_total / max(ibis_total, 1e-9), 1)
    out["peak_rss_mb"] = round(rss_mb())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
