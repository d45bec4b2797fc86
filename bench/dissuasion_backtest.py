"""Backtest of the warning policy on the synthetic province (Art 28¶2); the last line is one JSON object.

Generates a province with case stages (`--extras`), replays PotentialVictimV1's alerts through the
warning policy and the simulator's effect model, and reports loss prevented against no warnings, the
contact-delay sweep, warnings per victim and SMS per ordinary person.

    .venv/bin/python bench/dissuasion_backtest.py --quick     # 3,000 people x 14 days, seconds
    .venv/bin/python bench/dissuasion_backtest.py             # 20,000 people x 30 days
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from fanzha.dissuasion.backtest import run
from fanzha.sim.config import SimConfig
from fanzha.sim.generate import generate


def main() -> None:
    """Generate, backtest, print a summary and one JSON line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a small province")
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    people, days = (3_000, 14) if a.quick else (a.people, a.days)
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-dissuasion-") as tmp:
        t = time.perf_counter()
        generate(SimConfig(people=people, days=days, seed=a.seed, extras=True), Path(tmp))
        t_gen = time.perf_counter() - t
        t = time.perf_counter()
        r = run(Path(tmp))
        t_bt = time.perf_counter() - t
    o = r.with_policy
    low = r.false_alarms[r.engine]["low_and_above"]
    sweep = {str(s["contact_delay_s"]): s["prevented_fen"] for s in r.delay_sweep}
    print(f"{people:,} people x {days} days: generated in {t_gen:.1f} s, backtest in {t_bt:.1f} s")
    print(
        f"loss {r.loss_fen / 100:,.0f} yuan; prevented {o.prevented_fen / 100:,.0f} yuan "
        f"({o.prevented_share:.1%})"
    )
    print(
        json.dumps(
            {
                "bench": "dissuasion_backtest",
                "people": people,
                "days": days,
                "seed": a.seed,
                "victims": r.victims,
                "targets": r.targets,
                "loss_fen": r.loss_fen,
                "prevented_fen": o.prevented_fen,
                "prevented_share": o.prevented_share,
                "no_warnings_prevented_fen": r.no_warnings.prevented_fen,
                "without_low_sms_prevented_fen": r.without_low_sms.prevented_fen,
                "victims_reached_before_paying": o.victims_reached_before_paying,
                "warnings": o.warnings,
                "warnings_per_victim": o.warnings_per_victim,
                "sms_to_ordinary": o.warnings_to_ordinary["sms"],
                "sms_per_flagged_ordinary": o.sms_per_flagged_ordinary,
                "sms_per_ordinary_resident": o.sms_per_ordinary_resident,
                "max_sms_per_person": o.max_sms_per_person,
                "false_alarm_rate_low": low["false_alarm_rate"],
                "ordinary_per_target_low": low["ordinary_per_target"],
                "ordinary_per_victim_low": low["ordinary_per_victim"],
                "prevented_fen_by_contact_delay_s": sweep,
                "generate_s": round(t_gen, 2),
                "backtest_s": round(t_bt, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
