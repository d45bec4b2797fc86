"""The numpy query path gives the Ibis definition's rows exactly (hypothesis, random graphs)."""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanzha.funds.trace import Tracer, seeds_table
from fanzha.funds.trace_fast import FastTracer
from tests.unit.test_funds_trace import CON, _table, graphs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.integers(0, 5))
def test_the_fast_path_equals_the_ibis_definition(g: tuple[Any, Any], hops: int) -> None:
    txns, seeds = g
    table = _table(txns)
    with Tracer(CON, ibis.memtable(table)) as tr:
        want = tr.trace(seeds_table(seeds), hops)
    got = FastTracer(table).trace(seeds, hops)
    assert got.located.to_pylist() == want.located.to_pylist()
    assert got.arrivals.to_pylist() == want.arrivals.to_pylist()


def test_unsorted_input_and_unknown_seeds() -> None:
    """Rows out of time order are ordered first; a seed not in the data is dropped, as by the join."""
    from fanzha.funds import trace_ref

    txns = [
        trace_ref.Txn(3, 12, "B", "atm:1", 700, "atm"),
        trace_ref.Txn(2, 10, "A", "B", 1200),
        trace_ref.Txn(0, 0, "V1", "A", 1000),
        trace_ref.Txn(1, 5, "V2", "A", 500),
    ]
    table = _table(txns)
    with Tracer(CON, ibis.memtable(table)) as tr:
        want = tr.trace(seeds_table([(1, 0), (2, 1), (3, 99)]), 6)
    got = FastTracer(table).trace([(1, 0), (2, 1), (3, 99)], 6)
    assert got.located.to_pylist() == want.located.to_pylist() and got.located.num_rows > 0
    with pytest.raises(ValueError):
        FastTracer(table).trace([(1, 0)], -1)


def _as_stored(table: pa.Table, pieces: int) -> pa.Table:
    """The same transfers as a reader gives them: several chunks, kinds and channels dictionary-encoded."""
    step = max(1, table.num_rows // pieces)
    chunks = [table.slice(i, step) for i in range(0, table.num_rows, step)] or [table]
    cols = {}
    for name in table.column_names:
        col = pa.chunked_array([c[name].combine_chunks() for c in chunks], table.schema.field(name).type)
        cols[name] = col.dictionary_encode() if name in ("dst_kind", "channel") else col
    return pa.table(cols)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.integers(0, 5), st.integers(1, 4))
def test_chunked_and_dictionary_columns_give_the_same_rows(
    g: tuple[Any, Any], hops: int, pieces: int
) -> None:
    """Accounts encoded per column (payees' dictionary mapped onto the payers'), over chunks and
    dictionary-encoded kinds, trace as the plain table does."""
    txns, seeds = g
    table = _table(txns)
    want = FastTracer(table).trace(seeds, hops)
    got = FastTracer(_as_stored(table, pieces)).trace(seeds, hops)
    assert got.located.to_pylist() == want.located.to_pylist()
    assert got.arrivals.to_pylist() == want.arrivals.to_pylist()


def test_the_build_keeps_only_numeric_arrays() -> None:
    """Memory: after the build the tracer holds int arrays and the account dictionary, no string column
    and no per-transfer start arrays (derived from the ends at query time)."""
    from fanzha.funds import trace_ref

    txns = [trace_ref.Txn(i, i, f"A{i % 7}", f"A{(i * 3) % 7}", 100 + i) for i in range(50)]
    tr = FastTracer(_table(txns))
    held = {k: v for k, v in vars(tr).items() if k.startswith("_")}
    assert "_lot_start" not in held and "_okey_start" not in held
    arrays = [v for v in held.values() if isinstance(v, np.ndarray)]
    assert arrays and all(a.dtype.kind in "iu" or a.dtype == np.int8 for a in arrays)
    assert tr._in_pos.dtype == np.int32 and tr._out_txn_row.dtype == np.int32 and tr._dst.dtype == np.int32
    assert not any(isinstance(v, pa.ChunkedArray | pa.Table) for v in held.values())
