"""The naive baseline of issue 19: "many short outbound calls" against AbnormalCardV2, on two worlds.

A card is flagged when it makes at least N calls of under 30 s (or unanswered) per active day. N is
chosen where the rule's F1 is best on the development world (`--sim`) and reported on the evaluation
world (`--eval`) together with the rule's best F1 there (an upper bound no threshold chosen in advance
can beat), beside AbnormalCardV2's all-level and high-only figures on both. Ends with one JSON line.

    python bench/short_calls.py --sim DIR --eval DIR
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pyarrow as pa

from fanzha.detect.backtest import backtest, score
from fanzha.detect.engines.telecom import SHORT_CALL_S
from fanzha.detect.engines.telecom_v2 import AbnormalCardV2
from fanzha.detect.province import Province
from fanzha.detect.runner import run

GRID = (2, 3, 5, 8, 10, 15, 20, 30, 40, 60, 80, 120)


def short_per_day(p: Province) -> pa.Table:
    """Per calling card: short outbound calls per active day."""
    calls = p["calls"]
    per = calls.group_by(identifier=calls.caller).aggregate(
        n_short=(calls.duration_s < SHORT_CALL_S).cast("int64").sum(), n_days=calls.ts.date().nunique()
    )
    return per.select("identifier", rate=per.n_short.cast("float64") / per.n_days).to_pyarrow()


def rule_scores(p: Province) -> dict[int, dict[str, float]]:
    """The rule's precision, recall and F1 at each N of the grid."""
    engine = AbnormalCardV2()
    truth = {(k, i) for k, i in zip(*engine.truth(p).to_pyarrow().to_pydict().values(), strict=True)}
    t = short_per_day(p).to_pydict()
    out = {}
    for n in GRID:
        found = {("phone", i) for i, r in zip(t["identifier"], t["rate"], strict=True) if r >= n}
        s = score(found, truth, p.days, None)
        out[n] = {"precision": s.precision, "recall": s.recall, "f1": s.f1}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sim", type=Path, required=True, help="development world (fanzha sim)")
    ap.add_argument("--eval", type=Path, required=True, help="evaluation world (evalworld), a black box")
    a = ap.parse_args()
    began = time.perf_counter()
    worlds = {"sim": Province.open(a.sim, "duckdb"), "eval": Province.open(a.eval, "duckdb")}
    rules = {w: rule_scores(p) for w, p in worlds.items()}
    chosen = max(GRID, key=lambda n: rules["sim"][n]["f1"])
    best_eval = max(GRID, key=lambda n: rules["eval"][n]["f1"])
    model = {}
    for w, p in worlds.items():
        bt = backtest(AbnormalCardV2(), p, run(AbnormalCardV2(), p))
        model[w] = {
            "all": {
                "precision": bt.all_levels.precision,
                "recall": bt.all_levels.recall,
                "f1": bt.all_levels.f1,
            },
            "high": {
                "precision": bt.high_only.precision,
                "recall": bt.high_only.recall,
                "f1": bt.high_only.f1,
            },
        }
    for w in worlds:
        r = rules[w][chosen]
        m = model[w]
        print(
            f"{w:<5} short-call rule (N={chosen}/day, chosen on sim) "
            f"P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f}"
            f" | AbnormalCardV2 all F1 {m['all']['f1']:.3f} high F1 {m['high']['f1']:.3f}"
        )
    print(
        f"eval  short-call rule at its best N on eval ({best_eval}/day): "
        f"F1 {rules['eval'][best_eval]['f1']:.3f}"
    )
    print(
        json.dumps(
            {
                "bench": "short_calls",
                "chosen_n": chosen,
                "rule": {w: rules[w][chosen] for w in worlds},
                "rule_best_on_eval": {"n": best_eval, **rules["eval"][best_eval]},
                "AbnormalCardV2": model,
                "seconds": round(time.perf_counter() - began, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
