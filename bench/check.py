"""Regression guard: each benchmark's quick mode, its ratio compared with the one accepted in baseline.json.

Ratios (the project's figure over a floor or a baseline measured in the same run) survive a noisy machine far
better than absolute times, so the guard compares only ratios, each with a tolerance stated beside it.

    python bench/check.py                   # every benchmark in bench/baseline.json; exit 1 if one got worse
    python bench/check.py --only identifiers
    python bench/check.py --update          # accept today's figures (commit, date, cores and load recorded)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"


@dataclass(frozen=True)
class Verdict:
    """One benchmark's figure against its accepted value."""

    bench: str
    figure: str
    value: float | None
    accepted: float | None
    limit: float | None
    ok: bool

    def line(self) -> str:
        """One line for the terminal."""
        mark = "ok  " if self.ok else "FAIL"
        figures = f"{self.value!s:>10} (accepted {self.accepted}, limit {self.limit})"
        return f"{mark} {self.bench:<26} {self.figure:<28} {figures}"


def figure_of(result: dict[str, Any], path: str) -> float | None:
    """The number at a dotted path in a benchmark's JSON line, or None when it is missing."""
    value: Any = result
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def run_bench(script: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run one benchmark and parse the last line of its output as JSON."""
    command = [sys.executable, str(HERE / script), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{script} failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
    parsed: dict[str, Any] = json.loads(lines[-1])
    return parsed


def judge(name: str, spec: dict[str, Any], value: float | None) -> Verdict:
    """Pass when the ratio is no worse than the accepted one by more than the tolerance factor."""
    accepted = spec.get("accepted")
    factor = float(spec.get("tolerance", 1.5))
    if value is None or accepted is None:
        return Verdict(name, spec["figure"], value, accepted, None, ok=accepted is None and value is not None)
    higher = spec.get("better", "higher") == "higher"
    limit = accepted / factor if higher else accepted * factor
    ok = value >= limit if higher else value <= limit
    return Verdict(name, spec["figure"], value, accepted, round(limit, 3), ok)


def git_commit() -> str:
    """The commit of the working tree, or 'unknown' outside git."""
    command = ["git", "rev-parse", "--short", "HEAD"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def main() -> int:
    """Run the guard; return the process exit code."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="accepted figures")
    parser.add_argument("--only", action="append", default=[], help="check only this benchmark (repeatable)")
    parser.add_argument("--update", action="store_true", help="accept today's figures instead of checking")
    options = parser.parse_args()
    baseline = json.loads(options.baseline.read_text(encoding="utf-8"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, ["src", os.environ.get("PYTHONPATH")]))}
    verdicts: list[Verdict] = []
    runs: dict[tuple[str, ...], dict[str, Any]] = {}  # entries reading two figures of one run share it
    for name, spec in baseline["benches"].items():
        if options.only and name not in options.only:
            continue
        command = (spec["script"], *spec.get("args", ["--quick"]))
        try:
            if command not in runs:
                runs[command] = run_bench(command[0], list(command[1:]), env)
            value = figure_of(runs[command], spec["figure"])
        except (RuntimeError, json.JSONDecodeError) as error:
            print(f"FAIL {name}: {error}")
            value = None
        if options.update and value is not None:
            spec["accepted"] = value
        verdicts.append(judge(name, spec, value))
        print(verdicts[-1].line(), flush=True)
    if options.update:
        load = os.getloadavg()[0]
        baseline["accepted_at"] = {
            "commit": git_commit(),
            "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
            "cores": os.cpu_count(),
            "load_1min": round(load, 2),
        }
        text = json.dumps(baseline, ensure_ascii=False, indent=2) + "\n"
        options.baseline.write_text(text, encoding="utf-8")
    failed = [v.bench for v in verdicts if not v.ok]
    summary = {"bench": "check", "checked": len(verdicts), "failed": failed, "updated": options.update}
    print(json.dumps(summary))
    return 1 if failed and not options.update else 0


if __name__ == "__main__":
    sys.exit(main())
