"""The command lines: sim extras and leaks, `fanzha dissuasion backtest|profile`, `fanzha leaks analyse`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fanzha.cli import app

runner = CliRunner()


def test_leak_planted_on_the_command_line_is_found(tmp_path: Path) -> None:
    out = tmp_path / "p"
    args = ["sim", "generate", "--people", "2000", "--days", "3", "--seed", "2", "--out", str(out)]
    res = runner.invoke(app, [*args, "--leak-kind", "platform", "--leak-share", "0.5"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["leaks", "analyse", str(out), "--json", "--top", "3"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert body["candidates"][0]["party_id"] == body["planted"]["party_id"]
    profile = runner.invoke(app, ["dissuasion", "profile", str(out)])
    assert profile.exit_code == 0 and "重点宣传对象" in profile.output


def test_backtest_prints_its_figures_and_refuses_a_plain_province(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["dissuasion", "backtest", "--people", "1500", "--days", "3", "--seed", "4", "--json"]
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["no_warnings"]["prevented_fen"] == 0
    assert report["with_policy"]["prevented_fen"] <= report["loss_fen"]
    plain = tmp_path / "plain"
    assert (
        runner.invoke(
            app, ["sim", "generate", "--people", "1000", "--days", "2", "--out", str(plain)]
        ).exit_code
        == 0
    )
    refused = runner.invoke(app, ["dissuasion", "backtest", "--province", str(plain)])
    assert refused.exit_code == 2 and "--extras" in refused.output
    bad = runner.invoke(app, ["sim", "generate", "--out", str(tmp_path / "x"), "--leak-kind", "hospital"])
    assert bad.exit_code == 2
