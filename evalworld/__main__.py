"""python -m evalworld generate --out DIR --seed S --people N --days D"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from evalworld.generate import generate
from evalworld.params import Params


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(prog="python -m evalworld", description="independent evaluation world")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write a world as Parquet files and manifest.json")
    g.add_argument("--out", required=True, type=Path)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--people", type=int, default=3000)
    g.add_argument("--days", type=int, default=14)
    g.add_argument("--start", type=dt.date.fromisoformat, default=Params.start)
    a = ap.parse_args(argv)
    if a.people < 300 or not 1 <= a.days <= 120:
        ap.error("--people must be at least 300 and --days between 1 and 120")
    t = time.perf_counter()
    counts = generate(Params(people=a.people, days=a.days, seed=a.seed, start=a.start), a.out)
    n = sum(counts.values())
    print(f"{n:,} rows in {len(counts)} tables in {time.perf_counter() - t:.1f} s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
