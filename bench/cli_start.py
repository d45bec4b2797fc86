"""How fast `fanzha --help` starts (median of 5), beside a bare `python -c "import typer"` in the same run."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

FANZHA = Path(sys.executable).parent / "fanzha"


def _median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print both medians, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 5")
    runs = 3 if parser.parse_args().quick else 5
    help_s = _median_seconds([str(FANZHA), "--help"], runs)
    baseline_s = _median_seconds([sys.executable, "-c", "import typer"], runs)
    print(f"fanzha --help: median {help_s:.3f} s; python -c 'import typer': {baseline_s:.3f} s")
    result = {"bench": "cli_start", "runs": runs, "help_s": round(help_s, 3)}
    result |= {"typer_only_s": round(baseline_s, 3), "ratio_to_typer": round(help_s / baseline_s, 2)}
    result |= {"target_met": help_s < 1.0}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
