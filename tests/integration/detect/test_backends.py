"""Every registered engine gives identical alerts on DuckDB and on PySpark (DESIGN: one definition)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fanzha.detect.frame import ALERT_SCHEMA, LEVELS
from fanzha.detect.province import Province
from fanzha.detect.registry import REGISTRY
from fanzha.detect.runner import run


def test_registry_is_not_empty() -> None:
    assert REGISTRY, "no detection engine is registered"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_same_alerts_on_duckdb_and_pyspark(
    name: str, duckdb_province: Province, spark_province: Province
) -> None:
    engine = REGISTRY[name]()
    on_duckdb = run(engine, duckdb_province)
    on_spark = run(engine, spark_province)
    assert on_duckdb.schema.equals(ALERT_SCHEMA.to_pyarrow())
    assert on_duckdb.num_rows > 0, f"{name} raised no alert on the test province"
    assert on_duckdb.to_pylist() == on_spark.to_pylist()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_alerts_are_well_formed(name: str, duckdb_province: Province) -> None:
    alerts = run(REGISTRY[name](), duckdb_province)
    keys = list(zip(alerts["object_kind"].to_pylist(), alerts["identifier"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys)), "one alert per object"
    assert set(alerts["level"].to_pylist()) <= set(LEVELS)
    scores = alerts["score"].to_pylist()
    assert all(0.0 <= s <= 1.0 for s in scores)
    reasons = alerts["reasons"].to_pylist()
    assert all(r and any("\u4e00" <= ch <= "\u9fff" for ch in r) for r in reasons), "reasons in Chinese"
    assert pa.compute.min(alerts["last_seen"]).is_valid
