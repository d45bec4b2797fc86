"""Run an engine on a province and collect its alerts in a fixed order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.detect.frame import ALERT_COLUMNS, ALERT_SCHEMA, Engine
from fanzha.detect.province import Province

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """No progress reporting."""


def run(engine: Engine, province: Province, progress: Progress = _quiet) -> pa.Table:
    """The engine's alerts as Arrow, sorted by kind and identifier, checked against ALERT_SCHEMA."""
    progress("构建查询 building the query")
    expr = engine.alerts(province)
    if tuple(expr.columns) != ALERT_COLUMNS:
        raise TypeError(f"{engine.name} returned columns {expr.columns}, expected {ALERT_COLUMNS}")
    progress("计算 computing")
    table = expr.to_pyarrow().cast(ALERT_SCHEMA.to_pyarrow())
    progress("整理 sorting")
    return table.sort_by([("object_kind", "ascending"), ("identifier", "ascending")])


def write_alerts(table: pa.Table, path: Path) -> Path:
    """Write alerts as Parquet (zstd), creating the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path
