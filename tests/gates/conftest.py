"""Fixtures of the reliability gates: SQLite only, the gates' province, and the figures printed at the end."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from fanzha.bootstrap import Platform
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from tests.conftest import TEST_KEYS
from tests.gates.world import FIGURES, Gate, build_gate


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the gates' figures (cases fuzzed, routes × roles checked) after the run."""
    if FIGURES:
        terminalreporter.write_sep("-", "reliability gates")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings; the fuzzer and the matrix log in far more often than a person would."""
    return Settings(
        environment="test",
        data_dir=tmp_path,
        login_per_minute_per_client=10_000,
        login_per_minute_per_account=10_000,
        **TEST_KEYS,  # type: ignore[arg-type]
    )


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
