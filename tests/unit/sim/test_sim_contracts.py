"""Files follow their data contracts, and events stay inside the simulated window."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fanzha.contracts import TABLES, contract
from fanzha.sim.config import SimConfig


def test_every_table_matches_its_contract(province: Path) -> None:
    for name, c in TABLES.items():
        schema = pq.read_schema(province / f"{name}.parquet")
        assert schema.names == c.names, name
        for f in c.schema:
            assert schema.field(f.name).type == f.type, (name, f.name)
            assert schema.field(f.name).metadata[b"doc"] == f.metadata[b"doc"]


def test_required_columns_have_no_nulls(tables: dict[str, pa.Table]) -> None:
    for name, t in tables.items():
        for col in contract(name).columns:
            if not col.nullable:
                assert t.column(col.name).null_count == 0, (name, col.name)


def test_keys_are_row_numbers(tables: dict[str, pa.Table]) -> None:
    for name, c in TABLES.items():
        t = tables[name]
        if c.key and pa.types.is_integer(t.schema.field(c.key).type) and not name.startswith("label_"):
            assert t.column(c.key).to_pylist() == list(range(t.num_rows)), name


def test_events_inside_the_window(tables: dict[str, pa.Table], small_config: SimConfig) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime.combine(small_config.start, datetime.min.time(), tz)
    end = start + timedelta(days=small_config.days)
    for name in ("calls", "sms", "chats", "transactions", "atm_events", "web_visits", "app_installs"):
        ts = tables[name].column("ts")
        assert pc.min(ts).as_py() >= start and pc.max(ts).as_py() < end, name


def test_manifest_counts_rows(province: Path, tables: dict[str, pa.Table]) -> None:
    manifest = json.loads((province / "manifest.json").read_text())
    assert manifest["tables"] == {k: t.num_rows for k, t in sorted(tables.items())}
    assert manifest["people"] == 3_000 and manifest["seed"] == 7
