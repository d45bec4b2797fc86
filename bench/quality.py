"""Every engine's precision, recall and F1 on a fresh simulator world and on an evaluation world (issue 19).

The first world comes from `fanzha.sim` (the family the engines are developed on) with a seed not used in
development; the second from `evalworld` (written apart from the engines, for evaluation only). Only the
second is evidence that an engine generalises: the first shows what it does on the world it was tuned on.
Both are generated fresh, each engine in the registry runs on both through the backtest API, and the
script prints one table per engine (all levels and high only, both worlds) and ends with one JSON line.

    python bench/quality.py --quick     # 1,000 people × 7 days (a minute or two)
    python bench/quality.py             # 3,000 people × 14 days
    python bench/quality.py --sim DIR --eval DIR   # reuse worlds already generated
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fanzha.detect.backtest import Backtest, Scores, backtest
from fanzha.detect.province import Province
from fanzha.detect.registry import REGISTRY
from fanzha.detect.runner import run
from fanzha.detect.text.model import shipped
from fanzha.detect.text.train import evaluate, labelled_messages, notices_flagged

SEED = 101  # never used in development
WORLDS = ("sim", "eval")


def generate(world: str, out: Path, people: int, days: int, seed: int) -> float:
    """Generate one world into `out` by its own command line; seconds taken."""
    size = ["--out", str(out), "--seed", str(seed), "--people", str(people), "--days", str(days)]
    cmd = (
        [sys.executable, "-m", "fanzha", "sim", "generate", *size]
        if world == "sim"
        else [sys.executable, "-m", "evalworld", "generate", *size]
    )
    began = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def measure(directory: Path, only: list[str] | None) -> dict[str, Backtest | str]:
    """Backtest every registered engine (or those named) on one world; an engine that fails says why."""
    province = Province.open(directory, "duckdb")
    out: dict[str, Backtest | str] = {}
    for name, cls in REGISTRY.items():
        if only and name not in only:
            continue
        engine = cls()
        try:
            out[name] = backtest(engine, province, run(engine, province))
        except Exception as exc:  # noqa: BLE001 - one engine's failure must not hide the others' figures
            out[name] = f"{type(exc).__name__}: {exc}"[:200]
    return out


def text_messages(directory: Path) -> dict[str, Any]:
    """The scam-text classifier message by message: macro-F1 over the classes, fraud precision and recall."""
    try:
        flagged, notices = notices_flagged(shipped(), directory)
        scores = evaluate(shipped(), *labelled_messages(directory))
        return scores | {"notices_flagged": f"{flagged} of {notices}"}
    except Exception as exc:  # noqa: BLE001 - a world without message labels still gets its engine figures
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}


def _cells(s: Scores) -> str:
    return f"{s.precision:5.3f} {s.recall:5.3f} {s.f1:5.3f} {s.true_positives:>5}/{s.truth:<5} {s.alerts:>6}"


def table(results: dict[str, dict[str, Backtest | str]]) -> list[str]:
    """One block per engine: rows world × level, columns P R F1 TP/truth alerts."""
    lines = []
    names = list(dict.fromkeys(n for w in WORLDS for n in results.get(w, {})))
    for name in names:
        lines.append(f"\n{name}")
        lines.append(f"  {'world':<6} {'level':<5}   P     R     F1    TP/truth    alerts")
        for world in WORLDS:
            result = results.get(world, {}).get(name)
            if isinstance(result, Backtest):
                lines.append(f"  {world:<6} {'all':<5} {_cells(result.all_levels)}")
                lines.append(f"  {world:<6} {'high':<5} {_cells(result.high_only)}")
            elif result is not None:
                lines.append(f"  {world:<6} failed: {result}")
    return lines


def _summary(result: Backtest | str) -> dict[str, Any]:
    if not isinstance(result, Backtest):
        return {"error": result}
    pick = ("precision", "recall", "f1", "truth", "alerts")
    return {
        "all": {k: getattr(result.all_levels, k) for k in pick},
        "high": {k: getattr(result.high_only, k) for k in pick},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1,000 people × 7 days instead of 3,000 × 14")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sim", type=Path, help="an existing simulator world (skip generating it)")
    parser.add_argument("--eval", type=Path, help="an existing evaluation world (skip generating it)")
    parser.add_argument("--engine", action="append", help="only these engines (repeatable)")
    args = parser.parse_args()
    people, days = (1000, 7) if args.quick else (3000, 14)
    results: dict[str, dict[str, Backtest | str]] = {}
    texts: dict[str, dict[str, Any]] = {}
    timing: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="fanzha-quality-") as tmp:
        for world, given in (("sim", args.sim), ("eval", args.eval)):
            directory = given or Path(tmp) / world
            if given is None:
                timing[f"{world}_generate_s"] = round(generate(world, directory, people, days, args.seed), 1)
            began = time.perf_counter()
            results[world] = measure(directory, args.engine)
            texts[world] = text_messages(directory)
            timing[f"{world}_engines_s"] = round(time.perf_counter() - began, 1)
    print(f"worlds: sim = fanzha.sim (development), eval = evalworld (evaluation only); seed {args.seed}")
    print(f"size: {people:,} people × {days} days (ignored for worlds given with --sim/--eval)")
    print("\n".join(table(results)))
    print("\nScamTextV1 classifier, message by message (11 classes)")
    for world in WORLDS:
        m = texts[world]
        print(
            f"  {world:<6} "
            + (
                m["error"]
                if "error" in m
                else f"macro-F1 {m['macro_f1']} (with normal {m.get('macro_f1_eleven')}) "
                f"fraud P {m['fraud_precision']} R {m['fraud_recall']} "
                f"false alarms {m['false_alarm_rate']} ({m['fraud_messages']:,} fraud of {m['messages']:,}), "
                f"anti-fraud notices flagged {m.get('notices_flagged')}"
            )
        )
    print(
        json.dumps(
            {
                "bench": "quality",
                "seed": args.seed,
                "people": people,
                "days": days,
                **timing,
                "text_classifier": texts,
                "engines": {
                    name: {w: _summary(results[w][name]) for w in WORLDS if name in results.get(w, {})}
                    for name in dict.fromkeys(n for w in WORLDS for n in results.get(w, {}))
                },
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
