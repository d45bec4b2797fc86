"""The fund-flow trace (issue 22 item 7) gives the same rows on DuckDB and on PySpark, and finds the money."""

from __future__ import annotations

import pytest

from fanzha.detect.province import Province
from fanzha.funds.trace import METHODS, Method, Tracer
from fanzha.funds.trace_truth import score, truth_places, victim_seeds


@pytest.mark.parametrize("method", METHODS)
def test_same_trace_on_duckdb_and_pyspark(
    method: Method, duckdb_province: Province, spark_province: Province
) -> None:
    with Tracer(duckdb_province.con, duckdb_province["transactions"]) as a:
        on_duckdb = a.trace(victim_seeds(duckdb_province), 6, method)
    with Tracer(spark_province.con, spark_province["transactions"]) as b:
        on_spark = b.trace(victim_seeds(spark_province), 6, method)
    assert on_duckdb.located.num_rows > 0
    assert on_duckdb.located.to_pylist() == on_spark.located.to_pylist()
    assert on_duckdb.arrivals.to_pylist() == on_spark.arrivals.to_pylist()


def test_fifo_trace_locates_the_victims_money(duckdb_province: Province) -> None:
    """Against label_money: FIFO puts ≥ 90 % of each victim's money at the right place (measured 94.9 %)."""
    with Tracer(duckdb_province.con, duckdb_province["transactions"]) as tr:
        result = tr.trace(victim_seeds(duckdb_province), 8)
    s = score(result, truth_places(duckdb_province))
    assert s.estimated_fen <= s.truth_fen
    assert s.located_share >= 0.9
    assert s.cashout_share >= 0.9


def test_as_of_keeps_the_money_where_it_was(duckdb_province: Province) -> None:
    """Traced at the moment of each payment, all of the victims' money is still at the first account."""
    t = duckdb_province["transactions"]
    first = victim_seeds(duckdb_province).join(t, "txn_id").ts.min().to_pyarrow().as_py()
    with Tracer(duckdb_province.con, t, as_of=first) as tr:
        result = tr.trace(victim_seeds(duckdb_province), 6)
    rows = result.located.to_pylist()
    assert rows and all(r["hop"] == 0 and r["status"] == "held" for r in rows)
