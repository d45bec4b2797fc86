"""The coverage floor: `check` fails below the figure in .coverage-floor, `raise` lifts it (never lowers it).

Run after `pytest --cov=fanzha` (make check-reliability does both); reads the total from the .coverage data.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from coverage import Coverage

FLOOR = Path(__file__).parents[2] / ".coverage-floor"


def measured() -> float:
    """The total line coverage of the last run, in percent."""
    cov = Coverage()
    cov.load()
    return round(cov.report(file=io.StringIO()), 1)


def floor() -> float:
    """The figure coverage may not fall below."""
    return float(FLOOR.read_text().split()[0]) if FLOOR.exists() else 0.0


def main(command: str) -> int:
    """`check` or `raise`; prints the figures and a JSON line like a benchmark."""
    now, was = measured(), floor()
    print(f"coverage {now:.1f}% (floor {was:.1f}%)")
    if command == "raise":
        if now > was:
            FLOOR.write_text(f"{now:.1f}\n")
            print(f"floor raised to {now:.1f}% in {FLOOR.name}: commit it")
        return 0
    if now < was:
        print(f"coverage fell below the floor: {now:.1f}% < {was:.1f}%", file=sys.stderr)
        return 1
    print(f'{{"gate": "coverage", "percent": {now:.1f}, "floor": {was:.1f}}}')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "check"))
