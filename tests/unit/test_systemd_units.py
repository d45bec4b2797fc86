"""The shipped systemd units start real `fanzha` commands, cover every process the supervisor runs, and read
settings the platform knows, from an example that names every secret to replace."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fanzha.cli import app
from fanzha.core.settings import Settings
from fanzha.supervisor import programs

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("fanzha-*.service"))


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(path)
    return parser


def _command(path: Path) -> list[str]:
    words = shlex.split(_unit(path)["Service"]["ExecStart"])
    assert words[0].endswith("/bin/fanzha")
    return words[1:]


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_each_unit_starts_a_fanzha_command_that_exists(path: Path) -> None:
    words = _command(path)
    subcommand = [w for w in words if not w.startswith("-")][:2]
    if words[0] == "serve":
        subcommand = ["serve"]
    result = CliRunner().invoke(app, [*subcommand, "--help"])
    assert result.exit_code == 0, result.output
    for option in (w for w in words if w.startswith("--")):
        assert option in result.output, option
    service = _unit(path)["Service"]
    assert service["User"] == "fanzha" and service["NoNewPrivileges"] == "yes"
    assert service["EnvironmentFile"] == "/etc/fanzha/fanzha.env"
    assert "fanzha.target" in _unit(path)["Install"]["WantedBy"]


def test_units_cover_every_process_the_supervisor_runs() -> None:
    started = {" ".join(_command(p)[:2]) for p in SERVICES}
    for program in programs("127.0.0.1", 8000):
        assert " ".join(program.args[:2]) in started or program.args[0] in {c.split()[0] for c in started}
    wanted = _unit(UNITS / "fanzha.target")["Unit"]["Wants"].split()
    assert sorted(wanted) == sorted(p.name for p in SERVICES)


def test_the_environment_example_names_real_settings_and_every_secret() -> None:
    keys = {
        line.split("=", 1)[0]
        for line in (UNITS / "fanzha.env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    known = {f"FANZHA_{name.upper()}" for name in Settings.model_fields}
    assert keys <= known, keys - known
    assert set(Settings().development_keys()) <= keys  # every key production refuses at its default
