"""Telecom engines (Art 10, 12, 13, 14) backtested on a held-out province, with run times on DuckDB.

The rules were tuned on seed 1 (10,000 people × 30 days) and are measured here on seed 2, the same
size (--quick: 3,000 people × 10 days, seed 2). Each engine is compared with a one-rule baseline
run in the same process on the same data, to show what the extra evidence buys:

- CardOpeningV1 vs "over the per-operator limit" alone;
- AbnormalCardV1 vs "new card" alone (first call within 15 days of opening);
- CallerScreenV1 vs "any caller through the international gateway";
- SimBoxV1 vs "5 or more cards in one IMEI" alone.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from fanzha.detect.backtest import backtest, score
from fanzha.detect.engines.telecom import CARD_LIMIT, DAY_S, ENGINES, NEW_CARD_DAYS, SIMBOX_MIN_CARDS
from fanzha.detect.province import Province
from fanzha.detect.runner import run
from fanzha.sim import SimConfig
from fanzha.sim.generate import generate

COMMAND = "  .venv/bin/python bench/detect_telecom.py"

# One-rule baselines, in plain SQL over the same Parquet files: (object_kind, identifier).
BASELINES = {
    "CardOpeningV1": f"""
        SELECT DISTINCT 'resident_id', holder_resident_id FROM (
          SELECT holder_resident_id, operator_code, count(*) n FROM phone_cards
          WHERE holder_resident_id IS NOT NULL GROUP BY ALL) WHERE n > {CARD_LIMIT}""",
    "AbnormalCardV1": f"""
        SELECT DISTINCT 'phone', pc.msisdn FROM phone_cards pc
        JOIN (SELECT caller, min(ts) t0 FROM calls GROUP BY caller) c ON c.caller = pc.msisdn
        WHERE epoch(c.t0) - epoch(pc.opened_at) <= {NEW_CARD_DAYS * DAY_S}""",
    "CallerScreenV1": "SELECT DISTINCT 'phone', caller FROM calls WHERE gateway = 'international'",
    "SimBoxV1": f"""
        SELECT 'imei', caller_imei FROM calls WHERE caller_imei IS NOT NULL
        GROUP BY caller_imei HAVING count(DISTINCT caller) >= {SIMBOX_MIN_CARDS}""",
}


def province(cache: Path, people: int, days: int, seed: int) -> Path:
    """A simulated province, generated once into the cache."""
    out = cache / f"p{people}-d{days}-s{seed}"
    if not (out / "manifest.json").is_file():
        generate(SimConfig(people=people, days=days, seed=seed), out)
    return out


def baseline_keys(directory: Path, engine: str) -> set[tuple[str, str]]:
    """The baseline's alerts as (object_kind, identifier) pairs."""
    con = duckdb.connect()
    for table in ("phone_cards", "calls"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{directory / table}.parquet')")
    return {(str(k), str(i)) for k, i in con.execute(BASELINES[engine]).fetchall()}


def measure(directory: Path) -> dict[str, Any]:
    """Run and backtest every telecom engine and its baseline on one province."""
    p = Province.open(directory, "duckdb")
    out: dict[str, Any] = {}
    for cls in ENGINES:
        engine = cls()
        t0 = time.perf_counter()
        alerts = run(engine, p)
        seconds = time.perf_counter() - t0
        bt = backtest(engine, p, alerts)
        truth_t = engine.truth(p).to_pyarrow()
        truth_keys = set(
            zip(truth_t["object_kind"].to_pylist(), truth_t["identifier"].to_pylist(), strict=True)
        )
        universe = engine.universe(p)
        judged = None if universe is None else int(universe.count().execute())
        base = score(baseline_keys(directory, cls.name), truth_keys, p.days, judged)
        s = bt.all_levels
        out[cls.name] = {
            "seconds": round(seconds, 2),
            "alerts": s.alerts,
            "truth": s.truth,
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "false_alarm_rate": s.false_alarm_rate,
            "alerts_per_day": s.alerts_per_day,
            "high_f1": bt.high_only.f1,
            "baseline_f1": base.f1,
            "baseline_false_alarm_rate": base.false_alarm_rate,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 people × 10 days instead of 10,000 × 30")
    parser.add_argument("--seed", type=int, default=2, help="held-out seed (the rules were tuned on 1)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "fanzha-bench-telecom")
    args = parser.parse_args()
    people, days = (3000, 10) if args.quick else (10_000, 30)

    print("复现 reproduce:")
    print(COMMAND + (" --quick" if args.quick else "") + f" --seed {args.seed}")
    t0 = time.perf_counter()
    directory = province(args.cache, people, days, args.seed)
    made = time.perf_counter() - t0
    print(f"held-out province: {people} people × {days} days, seed {args.seed} ({made:.1f} s)")
    results = measure(directory)
    print(
        f"{'engine':<16}{'s':>6}{'alerts':>8}{'truth':>7}{'P':>8}{'R':>8}{'F1':>8}{'FAR':>10}"
        f"{'base F1':>9}{'×':>7}"
    )
    for name, r in results.items():
        ratio = r["f1"] / r["baseline_f1"] if r["baseline_f1"] else float("inf")
        r["f1_vs_baseline"] = round(ratio, 2) if ratio != float("inf") else None
        far = "-" if r["false_alarm_rate"] is None else f"{r['false_alarm_rate']:.5f}"
        print(
            f"{name:<16}{r['seconds']:>6.2f}{r['alerts']:>8}{r['truth']:>7}{r['precision']:>8.3f}"
            f"{r['recall']:>8.3f}{r['f1']:>8.3f}{far:>10}{r['baseline_f1']:>9.3f}{ratio:>7.2f}"
        )
    print("(times on a shared 2-core machine: noisy under contention)")
    print(
        json.dumps(
            {
                "bench": "detect_telecom",
                "people": people,
                "days": days,
                "seed": args.seed,
                "backend": "duckdb",
                "engines": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
