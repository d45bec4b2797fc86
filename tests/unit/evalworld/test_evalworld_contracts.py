"""Every table evalworld writes fits its data contract exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fanzha.contracts import TABLES, VERSION


def test_every_contract_table_is_written(world: Path) -> None:
    written = {p.stem for p in world.glob("*.parquet")}
    assert written == set(TABLES)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_fits_contract(world: Path, name: str) -> None:
    table = pq.read_table(world / f"{name}.parquet")
    contract = TABLES[name]
    assert table.column_names == contract.names
    for col in contract.columns:
        field = table.schema.field(col.name)
        assert field.type == col.type, (name, col.name, field.type)
        assert field.nullable == col.nullable, (name, col.name)
        if not col.nullable:
            assert table.column(col.name).null_count == 0, (name, col.name)
    if contract.key is not None and table.num_rows:
        keys = table.column(contract.key)
        assert pc.count_distinct(keys).as_py() == table.num_rows, (name, "key not unique")


def test_event_ids_are_write_order_and_time_sorted(world: Path) -> None:
    for name, key in (
        ("calls", "call_id"),
        ("sms", "sms_id"),
        ("chats", "chat_id"),
        ("transactions", "txn_id"),
        ("atm_events", "event_id"),
        ("web_visits", "visit_id"),
        ("app_installs", "install_id"),
    ):
        t = pq.read_table(world / f"{name}.parquet").to_pandas()
        assert t[key].tolist() == list(range(len(t))), name
        assert t["ts"].is_monotonic_increasing, name


def test_manifest(world: Path) -> None:
    m = json.loads((world / "manifest.json").read_text())
    assert m["contract_version"] == VERSION
    assert m["people"] == 600 and m["days"] == 5 and m["seed"] == 7
    for name in TABLES:
        assert m["tables"][name] == pq.read_metadata(world / f"{name}.parquet").num_rows
