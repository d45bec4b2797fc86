"""Precision and recall of LineAbuseV1 (Art 11) and CryptoCashoutV1 (Art 33) on the simulator and evalworld.

CryptoCashoutV1 runs twice on each province: on the trades and transfers alone, and with the funds
tracing's located places (`traced_accounts.parquet`) from half the victims' payments, as if only every
other victim had reported to the police (cases with an even case_id). evalworld simulates its own line
records (leased lines labelled `abnormal_line`) and OTC trades (cash-out accounts labelled
`otc_cashout_account`), written from public case reports without reading the engines (evalworld/README.md).

    PYTHONPATH=src:. .venv/bin/python bench/art11_33_eval.py --quick   # 3,000 people, 10-14 days
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.detect.backtest import backtest
from fanzha.detect.engines.crypto import TRACED_FILE, CryptoCashoutV1
from fanzha.detect.engines.lines import LineAbuseV1
from fanzha.detect.frame import Engine
from fanzha.detect.province import Province
from fanzha.detect.runner import run
from fanzha.funds.trace import Tracer
from fanzha.funds.trace_truth import victim_seeds


def _scores(engine: Engine, directory: Path) -> dict[str, object]:
    p = Province.open(directory, "duckdb")
    s = backtest(engine, p, run(engine, p)).all_levels
    return {"alerts": s.alerts, "truth": s.truth, "tp": s.true_positives, "precision": s.precision,
            "recall": s.recall}  # fmt: skip


def _with_tracing(directory: Path, work: Path) -> Path:
    """A view of the province with the located places of the even cases' money beside it."""
    view = work / f"{directory.name}-traced"
    view.mkdir()
    for f in directory.iterdir():
        (view / f.name).symlink_to(f.resolve())
    p = Province.open(directory, "duckdb")
    seeds = victim_seeds(p)
    seeds = seeds.filter(seeds.victim_id % 2 == 0)
    with Tracer(p.con, p["transactions"]) as tracer:
        located = tracer.trace(seeds).located
    places = sorted({str(a) for a in located.column("account").to_pylist()})
    pq.write_table(pa.table({"identifier": places}), view / TRACED_FILE)
    return view


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, nargs="*", default=[21, 22])
    args = ap.parse_args()
    people = 3000 if args.quick else 20_000
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for seed in args.seeds[:1] if args.quick else args.seeds:
            for family in ("sim", "evalworld"):
                d = work / f"{family}-{seed}"
                if family == "sim":
                    from fanzha.sim import SimConfig
                    from fanzha.sim.generate import generate

                    generate(SimConfig(people=people, days=10, seed=seed), d)
                else:
                    cmd = [sys.executable, "-m", "evalworld", "generate", "--out", str(d)]
                    cmd += ["--seed", str(seed), "--people", str(people), "--days", "14"]
                    subprocess.run(cmd, check=True, capture_output=True)
                traced = _with_tracing(d, work)
                out[f"{family}-{seed}"] = {
                    "LineAbuseV1": _scores(LineAbuseV1(), d),
                    "CryptoCashoutV1": _scores(CryptoCashoutV1(), d),
                    "CryptoCashoutV1+tracing": _scores(CryptoCashoutV1(), traced),
                }
                shutil.rmtree(traced)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
