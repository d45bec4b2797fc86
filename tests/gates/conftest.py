"""Fixtures of the reliability gates: SQLite only, the gates' province, and the figures printed at the end."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from fanzha.bootstrap import Platform
from fanzha.db.engine import build_engine
from tests.gates.world import FIGURES, Gate, build_gate


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the gates' figures (cases fuzzed, routes × roles checked) after the run."""
    if FIGURES:
        terminalreporter.write_sep("-", "reliability gates")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture
def engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """The gates run on SQLite only: the rules they check live above the database."""
    path = tmp_path / "fanzha.db"
    shutil.copy(sqlite_template, path)
    sqlite = build_engine(f"sqlite:///{path}")
    yield sqlite
    sqlite.dispose()


@pytest.fixture
def gate(platform: Platform) -> Gate:
    """The gates' province on a fresh SQLite file."""
    return build_gate(platform)
