"""Chunked, deterministic Parquet output: one file per table, row groups of a fixed size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fanzha.contracts import TABLES, VERSION, contract

ROW_GROUP = 262_144
# Fixed options: the same seed gives byte-identical files (pyarrow writes no timestamps).
_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


def to_table(name: str, cols: dict[str, Any]) -> pa.Table:
    """A table in its contract's schema from numpy or Arrow columns."""
    schema = contract(name).schema
    arrays = []
    for f in schema:
        v = cols[f.name]
        arr = v if isinstance(v, pa.Array | pa.ChunkedArray) else pa.array(v)
        if pa.types.is_timestamp(f.type) and pa.types.is_integer(arr.type):
            # The simulator counts whole seconds; the contract stores milliseconds.
            arr = pc.multiply(arr.cast(pa.int64()), 1000)
        arrays.append(arr.cast(f.type) if arr.type != f.type else arr)
    return pa.Table.from_arrays(arrays, schema=schema)


class Sink:
    """Writes tables under one directory, buffering rows into fixed-size row groups."""

    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._buffers: dict[str, list[pa.Table]] = {}
        self._buffered: dict[str, int] = {}
        self.rows: dict[str, int] = {}  # rows written so far
        self._next: dict[str, int] = {}

    def reserve(self, name: str, n: int) -> int:
        """Claim n event ids of a table; returns the first."""
        first = self._next.get(name, 0)
        self._next[name] = first + n
        return first

    def write(self, name: str, cols: dict[str, Any]) -> None:
        """Append rows (ids already assigned) to a table."""
        table = to_table(name, cols)
        if name not in self._buffers:
            self._buffers[name] = []
            self._buffered[name] = 0
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        self._buffers[name].append(table)
        self._buffered[name] += table.num_rows
        if self._buffered[name] >= ROW_GROUP:
            self._flush(name, final=False)

    def write_whole(self, name: str, table: pa.Table) -> None:
        """Write a small table in one go."""
        self.write(name, {c: table.column(c) for c in table.column_names})

    def _flush(self, name: str, *, final: bool) -> None:
        table = pa.concat_tables(self._buffers[name]).combine_chunks()
        keep = table.num_rows if final else table.num_rows // ROW_GROUP * ROW_GROUP
        if name not in self._writers:
            self._writers[name] = pq.ParquetWriter(
                self.out / f"{name}.parquet", contract(name).schema, **_OPTIONS
            )
        if keep:
            self._writers[name].write_table(table.slice(0, keep), row_group_size=ROW_GROUP)
        rest = table.slice(keep)
        self._buffers[name] = [rest] if rest.num_rows else []
        self._buffered[name] = rest.num_rows

    def close(self, manifest: dict[str, Any]) -> None:
        """Flush everything, write empty files for tables never written, and the manifest."""
        for name in list(self._buffers):
            self._flush(name, final=True)
        for w in self._writers.values():
            w.close()
        for name in TABLES:
            if not (self.out / f"{name}.parquet").exists():
                pq.write_table(contract(name).schema.empty_table(), self.out / f"{name}.parquet", **_OPTIONS)
                self.rows[name] = 0
        manifest = manifest | {
            "contract_version": VERSION,
            "tables": {k: self.rows[k] for k in sorted(self.rows)},
        }
        (self.out / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        )


def int_or_null(a: np.ndarray) -> pa.Array:
    """int64 Arrow array, null where negative."""
    a = np.asarray(a, dtype=np.int64)
    return pa.array(a, mask=a < 0)
