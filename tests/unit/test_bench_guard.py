"""The benchmark guard passes on the code as it is and fails when a measured path is slowed on purpose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "bench" / "check.py"


def _guard(baseline: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, str(CHECK), "--baseline", str(baseline), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return done.returncode, json.loads(done.stdout.splitlines()[-1])


@pytest.fixture
def baseline(tmp_path: Path) -> Path:
    """A baseline of one small benchmark, accepted from a run made here."""
    path = tmp_path / "baseline.json"
    spec = {"script": "identifiers.py", "args": ["-n", "4000"], "figure": "ratio_vs_sha256", "tolerance": 2.0}
    path.write_text(json.dumps({"benches": {"identifiers": spec}}), encoding="utf-8")
    code, summary = _guard(path, "--update")
    assert code == 0 and summary["updated"] is True
    accepted = json.loads(path.read_text(encoding="utf-8"))
    assert accepted["benches"]["identifiers"]["accepted"] > 0
    assert accepted["accepted_at"]["cores"] == os.cpu_count()
    return path


def test_the_guard_passes_on_the_code_as_it_is(baseline: Path) -> None:
    code, summary = _guard(baseline)
    assert (code, summary["failed"]) == (0, [])


def test_the_guard_fails_when_the_token_path_is_slowed(baseline: Path) -> None:
    # 300 µs a token against about 8 µs: the ratio to SHA-256 falls some thirty-fold, far past the tolerance.
    code, summary = _guard(baseline, env={"FANZHA_BENCH_SLOW_TOKEN_US": "300"})
    assert (code, summary["failed"]) == (1, ["identifiers"])


def test_a_missing_figure_fails_the_guard(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    spec = {"script": "identifiers.py", "args": ["-n", "1000"], "figure": "no_such_ratio", "accepted": 1.0}
    path.write_text(json.dumps({"benches": {"identifiers": spec}}), encoding="utf-8")
    code, summary = _guard(path)
    assert (code, summary["failed"]) == (1, ["identifiers"])
