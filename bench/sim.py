"""Benchmark of the synthetic province: rows per second per table, peak memory, against a baseline.

The baseline is what a user would otherwise write: a pure-Python loop building the call records as a
list of dicts (random, datetime, f-strings), then pyarrow.Table.from_pylist and one Parquet file.
Both run in this process; the ratio compares rows per second.

    .venv/bin/python bench/sim.py                          # 10,000 people x 30 days (target < 15 s)
    .venv/bin/python bench/sim.py --quick                  # a small province, under a minute
    .venv/bin/python bench/sim.py --people 1000000 --days 7   # the big target (< 15 min, < 8 GB)
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.sim.blocks import DAY
from fanzha.sim.config import SimConfig
from fanzha.sim.emit import emit
from fanzha.sim.generate import generate
from fanzha.sim.life import calls
from fanzha.sim.rng import stream
from fanzha.sim.world import build_world
from fanzha.sim.writer import Sink

EVENTS = ("calls", "sms", "chats", "transactions", "atm_events", "web_visits", "app_installs")
BASELINE_CAP = 300_000  # rows: enough to measure a rate without minutes of waiting


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_calls(people: int, days: int, out: Path, cap: int) -> tuple[int, float]:
    """Naive call records: a Python dict per row. Returns rows and seconds."""
    rnd = random.Random(0)
    numbers = [f"+86138{rnd.randrange(10**8):08d}" for _ in range(people)]
    imeis = [f"86{rnd.randrange(10**13):013d}" for _ in range(people)]
    t = time.perf_counter()  # per-row work only, as for the simulator below
    start = datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    rows: list[dict[str, object]] = []
    for day in range(days):
        for p in range(people):
            for _ in range(min(8, int(rnd.expovariate(0.5)))):
                callee = numbers[rnd.randrange(people)]
                answered = rnd.random() < 0.85
                rows.append({
                    "call_id": len(rows),
                    "ts": start + timedelta(days=day, seconds=rnd.randrange(86_400)),
                    "caller": numbers[p],
                    "callee": callee,
                    "duration_s": int(min(7200, rnd.lognormvariate(math.log(60), 1.1))) if answered else 0,
                    "caller_imei": imeis[p],
                    "cell_id": 430102001 * 100 + rnd.randrange(8),
                    "roaming": "none",
                    "gateway": "local",
                })  # fmt: skip
                if len(rows) >= cap:
                    break
            if len(rows) >= cap:
                break
        if len(rows) >= cap:
            break
    pq.write_table(pa.Table.from_pylist(rows), out / "baseline_calls.parquet", compression="zstd")
    return len(rows), time.perf_counter() - t


def ours_calls(cfg: SimConfig, out: Path, cap: int) -> tuple[int, float]:
    """The same job done by the simulator: call records only, to Parquet (world built beforehand)."""
    w = build_world(cfg)
    t = time.perf_counter()
    sink = Sink(out)
    done = 0
    for day in range(cfg.days):
        for lo in range(0, cfg.people, cfg.block_people):
            people = np.arange(lo, min(cfg.people, lo + cfg.block_people), dtype=np.int64)
            block = calls(stream(cfg.seed, "bench", day, lo), w, people, cfg.t0 + day * DAY)
            done += len(emit(sink, "calls", block))
        if done >= cap:
            break
    sink.close({})
    return done, time.perf_counter() - t


def main() -> None:
    """Run the generator, then the baseline, and report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="2,000 people x 7 days")
    ap.add_argument("--out", type=Path, help="keep the files here (default: a temporary directory)")
    args = ap.parse_args()
    people, days = (2_000, 7) if args.quick else (args.people, args.days)
    work = Path(tempfile.mkdtemp(prefix="fanzha-bench-"))
    out = args.out or work / "province"
    try:
        t = time.perf_counter()
        rows = generate(SimConfig(people=people, days=days, seed=args.seed), out)
        seconds = time.perf_counter() - t
        peak = peak_rss_mb()
        total = sum(rows.values())
        print(f"province: {people:,} people x {days} days, seed {args.seed}")
        print(f"generated {total:,} rows in {seconds:.2f} s")
        print(f"{'table':<20}{'rows':>14}{'rows/s':>14}")
        for name in sorted(rows, key=lambda n: -rows[n]):
            if rows[name] >= 1000:
                print(f"{name:<20}{rows[name]:>14,}{rows[name] / seconds:>14,.0f}")
        events = sum(rows[n] for n in EVENTS)
        print(f"{'all tables':<20}{total:>14,}{total / seconds:>14,.0f}")
        print(f"{'events only':<20}{events:>14,}{events / seconds:>14,.0f}")
        disk = sum(f.stat().st_size for f in out.glob("*")) / 2**20
        print(f"peak RSS {peak:,.0f} MB; on disk {disk:,.0f} MB")
        cap = min(BASELINE_CAP, rows["calls"])
        b_rows, b_secs = baseline_calls(people, days, work, cap)
        o_rows, o_secs = ours_calls(SimConfig(people=people, days=days, seed=args.seed), work / "calls", cap)
        base, ours = b_rows / b_secs, o_rows / o_secs
        print(f"call records alone, same process, about {cap:,} rows each, setup excluded:")
        print(f"  baseline (Python list of dicts -> from_pylist -> Parquet): {base:>12,.0f} rows/s")
        print(f"  fanzha.sim (numpy blocks -> Arrow -> Parquet):            {ours:>12,.0f} rows/s")
        print(f"  ratio {ours / base:.1f}x (the simulator's calls also follow households and workplaces)")
        if (people, days) == (10_000, 30):
            print(f"target 10k x 30 days < 15 s: {'met' if seconds < 15 else 'MISSED'}")
        if people >= 1_000_000:
            ok = seconds < 900 and peak < 8192
            print(f"target 1M x 7 days < 15 min and < 8 GB: {'met' if ok else 'MISSED'}")
        print(json.dumps({
            "bench": "sim", "people": people, "days": days, "seconds": round(seconds, 2),
            "rows_per_s": round(total / seconds), "peak_rss_mb": round(peak),
            "ratio_vs_baseline": round(ours / base, 1),
        }))  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
