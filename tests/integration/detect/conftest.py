"""A small simulated province, generated once per session, opened on DuckDB and on PySpark."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from fanzha.detect.province import Province
from fanzha.sim import SimConfig
from fanzha.sim.generate import generate
from tests.conftest import service_missing


@pytest.fixture(scope="session")
def province_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 people over 10 days (seed 11): every scam type, a few seconds to make."""
    out = tmp_path_factory.mktemp("province")
    generate(SimConfig(people=3000, days=10, seed=11), out)
    return out


@pytest.fixture(scope="session")
def classic_province(tmp_path_factory: pytest.TempPathFactory) -> Province:
    """The same size and seed without the simulator's harder behaviours (SimConfig.classic), on DuckDB:
    where the rule engines (V1) were tuned, so their figures stay a regression guard."""
    out = tmp_path_factory.mktemp("classic")
    generate(SimConfig.classic(people=3000, days=10, seed=11), out)
    return Province.open(out, "duckdb")


@pytest.fixture(scope="session")
def duckdb_province(province_dir: Path) -> Province:
    return Province.open(province_dir, "duckdb")


@pytest.fixture(scope="session")
def spark_province(province_dir: Path) -> Province:
    if importlib.util.find_spec("pyspark") is None:
        service_missing("pyspark", "PySpark is not installed (pip install -e '.[spark]')")
    return Province.open(province_dir, "pyspark", spark_master="local[1]")
