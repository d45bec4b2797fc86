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


# Settings for one machine; a cluster overrides them with FANZHA_SPARK_CONF (docs/scale.md).
SPARK_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",  # the engines' times are UTC instants; never the JVM's zone
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.memory": "4g",
}


def spark_conf(text: str) -> dict[str, str]:
    """`FANZHA_SPARK_CONF`: `key=value` pairs separated by commas or new lines."""
    pairs = [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip().startswith("spark."):
            raise ValueError(f"FANZHA_SPARK_CONF: {pair!r} is not spark.<key>=<value>")
        conf[key.strip()] = value.strip()
    return conf


def spark_session(master: str | None = None) -> Any:
    """The process's SparkSession, started on first use.

    Inside spark-submit the active session is used as it is. Otherwise FANZHA_SPARK_REMOTE (a Spark
    Connect URL, sc://host:15002) or the master (argument, FANZHA_SPARK_MASTER, else local[2]) with
    SPARK_DEFAULTS overridden by FANZHA_SPARK_CONF.
    """
    global _spark
    if _spark is None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            _spark = active
            return _spark
        builder = SparkSession.builder.appName("fanzha-detect")
        remote = os.environ.get("FANZHA_SPARK_REMOTE")
        if remote:
            builder = builder.remote(remote)
        else:
            builder = builder.master(master or os.environ.get("FANZHA_SPARK_MASTER") or "local[2]")
            for key, value in (SPARK_DEFAULTS | spark_conf(os.environ.get("FANZHA_SPARK_CONF", ""))).items():
                builder = builder.config(key, value)
        _spark = builder.getOrCreate()
        if not remote:
            _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def connect(backend: Backend, *, spark_master: str | None = None, threads: int | None = None) -> BaseBackend:
    """An Ibis connection on `backend`."""
    if backend == "duckdb":
        con = ibis.duckdb.connect()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return con
    if backend == "pyspark":
        return ibis.pyspark.connect(spark_session(spark_master))
    raise ValueError(f"unknown backend {backend!r}")


def _remote(location: str) -> bool:
    """Whether `location` is a URI that only Spark's own readers reach (hdfs://, s3a://, …)."""
    return "://" in location and not location.startswith("file://")


@dataclass
class Province:
    """The tables of one data directory (one Parquet file per contract table), read lazily.

    The directory is a local path or `file://` URI, or on PySpark any URI Spark reads (hdfs://, s3a://).
    """

    directory: Path
    con: BaseBackend
    _tables: dict[str, ir.Table] = field(default_factory=dict)
    uri: str = ""  # set for a remote directory: files are read through Spark, never the local disk

    @classmethod
    def open(cls, directory: Path | str, backend: Backend = "duckdb", **options: Any) -> Province:
        """Open `directory` on `backend`; the directory must hold manifest.json."""
        location = str(directory)
        if _remote(location):
            if backend != "pyspark":
                raise ValueError(f"{location}: a remote URI needs the pyspark backend")
            province = cls(Path(location), connect(backend, **options), uri=location.rstrip("/"))
            if not province.has("manifest.json"):
                raise FileNotFoundError(f"{location} holds no manifest.json: not a province data directory")
            return province
        path = Path(location.removeprefix("file://"))
        if not (path / "manifest.json").is_file():
            raise FileNotFoundError(f"{path} holds no manifest.json: not a province data directory")
        return cls(path, connect(backend, **options))

    def location(self, name: str) -> str:
        """Where the file `name` of this directory is, as the backend reads it."""
        return f"{self.uri}/{name}" if self.uri else str(self.directory / name)

    def has(self, name: str) -> bool:
        """Whether the directory holds the file `name` (through Hadoop's file system when remote)."""
        if not self.uri:
            return (self.directory / name).is_file()
        jvm, conf = _spark._jvm, _spark._jsc.hadoopConfiguration()
        path = jvm.org.apache.hadoop.fs.Path(self.location(name))
        return bool(path.getFileSystem(conf).exists(path))

    @property
    def manifest(self) -> dict[str, Any]:
        """The generator's manifest: days, people, seed, rows per table."""
        if self.uri:
            text = _spark.read.text(self.location("manifest.json"), wholetext=True).first()[0]
        else:
            text = (self.directory / "manifest.json").read_text()
        loaded: dict[str, Any] = json.loads(text)
        return loaded

    @property
    def days(self) -> int:
        """How many days the data covers."""
        return int(self.manifest.get("days", 1))

    def __getitem__(self, name: str) -> ir.Table:
        if name not in self._tables:
            if name not in TABLES:
                raise KeyError(f"no data contract for table {name!r}")
            self._tables[name] = self.con.read_parquet(self.location(f"{name}.parquet"), table_name=name)
        return self._tables[name]

    def __contains__(self, name: str) -> bool:
        return self.has(f"{name}.parquet")

    def __iter__(self) -> Iterator[str]:
        return iter(n for n in TABLES if n in self)
