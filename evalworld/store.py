"""Row stores for holdings and events, and the Parquet writer that fits them to the contracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.contracts import TABLES, VERSION

# Hidden truth columns carried with each event table until writing.
EVENT_TRUTH: dict[str, tuple[str, ...]] = {
    "calls": ("_label", "_category", "_case", "_caller_kind"),
    "sms": ("_label", "_category", "_case", "_stage"),
    "chats": ("_label", "_category", "_case", "_stage"),
    "transactions": ("_case", "_payment_no", "_hop", "_pattern", "_layering", "_terminal"),
    "atm_events": (),
    "web_visits": (),
    "app_installs": (),
}
EVENT_KEY = {
    "calls": "call_id",
    "sms": "sms_id",
    "chats": "chat_id",
    "transactions": "txn_id",
    "atm_events": "event_id",
    "web_visits": "visit_id",
    "app_installs": "install_id",
}


class Rows:
    """Column lists of one table; `add` returns the row's number in insertion order."""

    def __init__(self, name: str, extra: tuple[str, ...] = ()) -> None:
        self.name = name
        cols = [c for c in TABLES[name].names if c != EVENT_KEY.get(name)]
        self.cols: dict[str, list[Any]] = {c: [] for c in (*cols, *extra)}
        self.n = 0

    def add(self, **row: Any) -> int:
        """Append one row (missing columns are null)."""
        for c, vals in self.cols.items():
            vals.append(row.get(c))
        self.n += 1
        return self.n - 1

    def extend(self, **cols: Any) -> range:
        """Append many rows given as equal-length sequences or scalars."""
        n = max(len(v) for v in cols.values() if isinstance(v, list | np.ndarray))
        for c, vals in self.cols.items():
            v = cols.get(c)
            if isinstance(v, np.ndarray):
                vals.extend(v.tolist())
            elif isinstance(v, list):
                vals.extend(v)
            else:
                vals.extend([v] * n)
        start = self.n
        self.n += n
        return range(start, self.n)


def _array(values: list[Any], field: pa.Field) -> pa.Array:
    t = field.type
    if pa.types.is_timestamp(t):
        return pa.array(values, type=pa.int64()).cast(t)
    if pa.types.is_date32(t):
        return pa.array(values, type=pa.date32())
    return pa.array(values, type=t)


def write_table(out: Path, name: str, cols: dict[str, list[Any]]) -> int:
    """Write one table exactly in its contract's schema; returns the row count."""
    schema = TABLES[name].schema
    arrays = [_array(cols[f.name], f) for f in schema]
    table = pa.Table.from_arrays(arrays, schema=schema)
    pq.write_table(
        table,
        out / f"{name}.parquet",
        compression="zstd",
        compression_level=3,
        write_statistics=True,
        version="2.6",
    )
    return int(table.num_rows)


def order_events(rows: Rows) -> tuple[dict[str, list[Any]], np.ndarray]:
    """Sort an event table by time; returns the columns with ids and old-number → id map."""
    ts = np.asarray(rows.cols["ts"], dtype=np.int64)
    order = np.argsort(ts, kind="stable")
    new_of_old = np.empty(len(order), dtype=np.int64)
    new_of_old[order] = np.arange(len(order), dtype=np.int64)
    cols: dict[str, list[Any]] = {}
    for c, vals in rows.cols.items():
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
        cols[c] = arr[order].tolist()
    cols[EVENT_KEY[rows.name]] = list(range(len(order)))
    return cols, new_of_old


def write_manifest(out: Path, params: dict[str, Any], counts: dict[str, int]) -> None:
    """manifest.json: parameters, contract version and rows per table."""
    doc = {
        "contract_version": VERSION,
        "generator": "evalworld",
        **params,
        "tables": dict(sorted(counts.items())),
    }
    (out / "manifest.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
