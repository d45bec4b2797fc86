"""`fanzha sim generate` and `fanzha sim describe` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fanzha.sim.cli import app

runner = CliRunner()


def test_generate_then_describe(tmp_path: Path) -> None:
    out = tmp_path / "p"
    res = runner.invoke(
        app, ["generate", "--people", "1000", "--days", "2", "--seed", "5", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert (out / "calls.parquet").exists() and "tables" in res.output
    res = runner.invoke(app, ["describe", str(out)])
    assert res.exit_code == 0, res.output
    for word in ("calls", "fraud %", "刷单返利", "victims", "fan_out"):
        assert word in res.output
    res = runner.invoke(app, ["describe", str(out), "--json"])
    report = json.loads(res.output)
    assert report["rows"]["people"] == 1000
    assert report["fraud_rows"]["calls"] > 0


def test_describe_refuses_other_directories(tmp_path: Path) -> None:
    res = runner.invoke(app, ["describe", str(tmp_path)])
    assert res.exit_code == 2


def test_generate_rejects_bad_options(tmp_path: Path) -> None:
    res = runner.invoke(app, ["generate", "--people", "10", "--out", str(tmp_path)])
    assert res.exit_code == 2
    res = runner.invoke(app, ["generate", "--start", "2025-02-30", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "bad option" in res.output
    assert not list(tmp_path.iterdir())
