"""A small province generated once per test session, and helpers to read it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fanzha.sim.config import SimConfig
from fanzha.sim.generate import generate

SMALL = SimConfig(people=3_000, days=7, seed=7)


@pytest.fixture(scope="session")
def small_config() -> SimConfig:
    """The configuration of the session's province."""
    return SMALL


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-person, 7-day province (seed 7)."""
    out = tmp_path_factory.mktemp("province")
    generate(SMALL, out)
    return out


@pytest.fixture(scope="session")
def tables(province: Path) -> dict[str, pa.Table]:
    """Every table of the small province, read once."""
    return {p.stem: pq.read_table(p) for p in sorted(province.glob("*.parquet"))}
