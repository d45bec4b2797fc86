"""The numpy query path gives the Ibis definition's rows exactly (hypothesis, random graphs)."""

from __future__ import annotations

from typing import Any

import ibis
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
