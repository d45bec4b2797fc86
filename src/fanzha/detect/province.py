"""A province's data files opened on a backend: DuckDB embedded by default, PySpark at scale."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.backends import BaseBackend
from ibis.backends.sql.compilers.duckdb import DuckDBCompiler

from fanzha.contracts import TABLES

Backend = Literal["duckdb", "pyspark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "pyspark")

_spark: Any = None  # one SparkSession per process: starting one costs seconds


def _epoch_of_zoned(self: DuckDBCompiler, op: Any, *, arg: Any) -> Any:
    """EPOCH of a zoned timestamp as it is: the same instant's seconds, without the per-row cast to a
    local timestamp that ibis adds (a quarter of the mule engine's time on 10 M rows)."""
    if getattr(op.arg.dtype, "timezone", None) is not None:
        return self.f.epoch(arg)
    return self.f.epoch(self.cast(arg, dt.timestamp))


DuckDBCompiler.visit_ExtractEpochSeconds = _epoch_of_zoned


def spark_session(master: str = "local[2]") -> Any:
    """The process's SparkSession (UTC, no UI), started on first use."""
    global _spark
    if _spark is None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        from pyspark.sql import SparkSession

        _spark = (
            SparkSession.builder.master(master)
            .appName("fanzha-detect")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "4g")
            .getOrCreate()
        )
        _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def connect(backend: Backend, *, spark_master: str = "local[2]", threads: int | None = None) -> BaseBackend:
    """An Ibis connection on `backend`."""
    if backend == "duckdb":
        con = ibis.duckdb.connect()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return con
    if backend == "pyspark":
        return ibis.pyspark.connect(spark_session(spark_master))
    raise ValueError(f"unknown backend {backend!r}")


@dataclass
class Province:
    """The tables of one data directory (one Parquet file per contract table), read lazily."""

    directory: Path
    con: BaseBackend
    _tables: dict[str, ir.Table] = field(default_factory=dict)

    @classmethod
    def open(cls, directory: Path | str, backend: Backend = "duckdb", **options: Any) -> Province:
        """Open `directory` on `backend`; the directory must hold manifest.json."""
        path = Path(directory)
        if not (path / "manifest.json").is_file():
            raise FileNotFoundError(f"{path} holds no manifest.json: not a province data directory")
        return cls(path, connect(backend, **options))

    @property
    def manifest(self) -> dict[str, Any]:
        """The generator's manifest: days, people, seed, rows per table."""
        loaded: dict[str, Any] = json.loads((self.directory / "manifest.json").read_text())
        return loaded

    @property
    def days(self) -> int:
        """How many days the data covers."""
        return int(self.manifest.get("days", 1))

    def __getitem__(self, name: str) -> ir.Table:
        if name not in self._tables:
            if name not in TABLES:
                raise KeyError(f"no data contract for table {name!r}")
            self._tables[name] = self.con.read_parquet(self.directory / f"{name}.parquet", table_name=name)
        return self._tables[name]

    def __contains__(self, name: str) -> bool:
        return (self.directory / f"{name}.parquet").is_file()

    def __iter__(self) -> Iterator[str]:
        return iter(n for n in TABLES if n in self)
