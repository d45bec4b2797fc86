"""Engines on a standalone Spark cluster (a master and a worker from the pyspark package, on loopback)
give the same alerts as DuckDB; Spark settings come from FANZHA_SPARK_*; data is read by URI."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from fanzha.detect.province import Province, spark_conf
from fanzha.detect.registry import REGISTRY
from fanzha.detect.runner import run
from tests.conftest import service_missing

ENGINES = ("MuleAccountV1", "AbnormalCardV1")
# One driver runs both engines against the cluster, reading the data through a file:// URI.
DRIVER = """
import sys
from fanzha.detect.province import Province
from fanzha.detect.registry import REGISTRY
from fanzha.detect.runner import run
import pyarrow.parquet as pq
province = Province.open("file://" + sys.argv[1], "pyspark")
for name in sys.argv[3:]:
    pq.write_table(run(REGISTRY[name](), province), f"{sys.argv[2]}/{name}.parquet")
print(province.con._session.sparkContext.master)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        service_missing("pyspark", "PySpark is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        service_missing("Java", "no java on PATH (Spark needs a JRE)")
    return Path(pyspark.__file__).parent


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A standalone master and one worker; yields (master URL, master's web UI URL)."""
    home, work = _spark_home(), tmp_path_factory.mktemp("spark-cluster")
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
    }
    spark_class = str(home / "bin" / "spark-class")
    log = (work / "cluster.log").open("w")
    master_url = f"spark://127.0.0.1:{port}"
    daemons = [
        subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
             "--port", str(port), "--webui-port", str(master_ui)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2",
             "--memory", "2g", "--webui-port", str(worker_ui), "--work-dir", str(work), master_url],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        ),
    ]  # fmt: skip
    ui = f"http://127.0.0.1:{master_ui}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{ui}/json/", timeout=2).json().get("aliveworkers", 0) >= 1:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1)
        else:
            pytest.fail(
                "the Spark master and worker did not come up:\n" + (work / "cluster.log").read_text()[-3000:]
            )
        yield master_url, ui
    finally:
        for daemon in daemons:
            daemon.terminate()
        for daemon in daemons:
            daemon.wait(timeout=30)


def test_two_engines_on_a_standalone_cluster_give_duckdbs_alerts(
    cluster: tuple[str, str], province_dir: Path, duckdb_province: Province, tmp_path: Path
) -> None:
    master_url, ui = cluster
    env = {
        **os.environ,
        "FANZHA_SPARK_MASTER": master_url,
        "FANZHA_SPARK_CONF": "spark.driver.memory=1g,spark.executor.memory=1g,spark.cores.max=2",
        "PYSPARK_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(Path.cwd() / "src"), os.environ.get("PYTHONPATH")) if p
        ),
    }
    started = time.monotonic()
    driver = subprocess.run(
        [sys.executable, "-c", DRIVER, str(province_dir), str(tmp_path), *ENGINES],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert driver.returncode == 0, driver.stderr[-3000:]
    assert driver.stdout.strip().splitlines()[-1] == master_url  # ran on the cluster, not in local mode
    on_cluster = time.monotonic() - started
    started = time.monotonic()
    for name in ENGINES:
        on_duckdb = run(REGISTRY[name](), duckdb_province)
        assert on_duckdb.num_rows > 0
        assert pq.read_table(tmp_path / f"{name}.parquet").to_pylist() == on_duckdb.to_pylist(), name
    # Quoted in docs/scale.md: the cluster's time includes starting the driver and its executors.
    print(f"spark standalone {on_cluster:.1f} s, duckdb {time.monotonic() - started:.1f} s: {ENGINES}")
    apps = httpx.get(f"{ui}/json/", timeout=5).json()
    assert "fanzha-detect" in [a["name"] for a in apps["completedapps"] + apps["activeapps"]]


def test_spark_settings_are_checked() -> None:
    assert spark_conf("spark.executor.memory=8g,\nspark.sql.shuffle.partitions = 400") == {
        "spark.executor.memory": "8g",
        "spark.sql.shuffle.partitions": "400",
    }
    for bad in ("executor.memory=8g", "spark.executor.memory"):
        with pytest.raises(ValueError, match="FANZHA_SPARK_CONF"):
            spark_conf(bad)


def test_a_remote_uri_needs_spark_and_is_read_through_hadoop(
    province_dir: Path, spark_province: Province
) -> None:
    with pytest.raises(ValueError, match="pyspark"):
        Province.open("s3a://bucket/province", "duckdb")
    # The Hadoop file system path, exercised with its file: scheme (hdfs:// and s3a:// go the same way).
    remote = Province(province_dir, spark_province.con, uri=f"file://{province_dir}")
    assert remote.has("manifest.json") and not remote.has("nothing.parquet")
    assert remote.manifest == json.loads((province_dir / "manifest.json").read_text())
    assert remote["calls"].count().execute() == spark_province["calls"].count().execute()
