"""The tracing engine's bounds (hypothesis): FIFO equals the plain-Python reference; nothing created."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanzha.funds import trace_ref
from fanzha.funds.trace import Tracer, seeds_table

ACCOUNTS = ["A", "B", "C", "D", "E"]
T0 = datetime(2025, 3, 1, tzinfo=UTC)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[trace_ref.Txn], list[tuple[int, int]]]:
    n = draw(st.integers(1, 18))
    txns = []
    for i in range(n):
        src = draw(st.sampled_from(ACCOUNTS))
        end = draw(st.sampled_from([*ACCOUNTS, "atm:1", "T1", "shop"]))
        term = {"atm:1": "atm", "T1": "crypto", "shop": "merchant"}.get(end)
        ts = draw(st.integers(0, 20))
        amount = draw(st.integers(0, 10_000))
        txns.append(trace_ref.Txn(i, ts, src, end, amount, term))
    payers = [t.txn_id for t in txns if t.terminal is None and t.amount > 0]
    seeds = draw(st.lists(st.sampled_from(payers), max_size=4, unique=True)) if payers else []
    return txns, [(k, tid) for k, tid in enumerate(seeds)]


def _table(txns: list[trace_ref.Txn]) -> pa.Table:
    kinds = {"atm": "cash", "crypto": "wallet", "merchant": "payment_account"}
    return pa.table(
        {
            "txn_id": pa.array([t.txn_id for t in txns], pa.int64()),
            "ts": pa.array([T0 + timedelta(seconds=t.ts) for t in txns], pa.timestamp("ms", tz="UTC")),
            "src_account": [t.src for t in txns],
            "dst_account": [t.dst for t in txns],
            "dst_kind": [kinds.get(t.terminal or "", "bank_card") for t in txns],
            "amount_fen": pa.array([t.amount for t in txns], pa.int64()),
            "channel": ["qr" if t.terminal == "merchant" else "transfer" for t in txns],
        }
    )


def _reference(txns: list[trace_ref.Txn], seeds: list[tuple[int, int]], hops: int) -> dict[tuple, int]:
    by_id = {t.txn_id: t for t in txns}

    def flows(acct: str) -> list[tuple[int | None, int | None, int]]:
        ins = [t for t in txns if t.dst == acct and t.terminal is None]
        outs = [t for t in txns if t.src == acct]
        return trace_ref.fifo_flows(ins, outs)

    return trace_ref.trace(seeds, by_id.__getitem__, flows, hops)


CON = ibis.duckdb.connect()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.integers(0, 4))
def test_fifo_equals_the_reference_and_creates_no_money(g: tuple, hops: int) -> None:
    txns, seeds = g
    with Tracer(CON, ibis.memtable(_table(txns))) as tr:
        res = tr.trace(seeds_table(seeds), hops)
    got = {
        (r["victim_id"], r["hop"], r["account"], r["kind"], r["status"]): r["amount_fen"]
        for r in res.located.to_pylist()
    }
    assert got == _reference(txns, seeds, hops)
    paid = {v: next(t.amount for t in txns if t.txn_id == tid) for v, tid in seeds}
    for v, total in paid.items():
        assert sum(a for k, a in got.items() if k[0] == v) <= total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.integers(0, 4))
def test_proportional_never_moves_more_than_was_paid_or_sent(g: tuple, hops: int) -> None:
    txns, seeds = g
    by_id = {t.txn_id: t for t in txns}
    with Tracer(CON, ibis.memtable(_table(txns))) as tr:
        res = tr.trace(seeds_table(seeds), hops, "proportional")
    located = res.located.to_pylist()
    for v, tid in seeds:
        assert sum(r["amount_fen"] for r in located if r["victim_id"] == v) <= by_id[tid].amount
    # at one hop an account never receives more of the victims' money than was sent to it
    arrived: dict[tuple[int, str], int] = {}
    for r in res.arrivals.to_pylist():
        arrived[(r["hop"], r["account"])] = arrived.get((r["hop"], r["account"]), 0) + r["amount_fen"]
    sent: dict[str, int] = {}
    for t in txns:
        sent[t.dst] = sent.get(t.dst, 0) + t.amount
    for (_, acct), fen in arrived.items():
        assert fen <= sent[acct]
    assert all(r["amount_fen"] > 0 for r in located)


def test_a_layered_path_fifo_and_the_leads() -> None:
    """Two victims pay A; A passes the first payment to B, B withdraws part at an ATM; leads follow."""
    txns = [
        trace_ref.Txn(0, 0, "V1", "A", 1000),
        trace_ref.Txn(1, 5, "V2", "A", 500),
        trace_ref.Txn(2, 10, "A", "B", 1200),  # FIFO: 1000 of V1's and 200 of V2's
        trace_ref.Txn(3, 12, "B", "atm:1", 700, "atm"),  # one lot at B: each victim's share of it
        trace_ref.Txn(4, -5, "A", "C", 50),  # before any victim's money arrived: an opening balance
    ]
    with Tracer(CON, ibis.memtable(_table(txns))) as tr:
        res = tr.trace(seeds_table([(1, 0), (2, 1)]), 6)
    assert res.traced_to("A") == {2: 300}
    assert res.traced_to("B") == {1: 416, 2: 83}  # ⌊1000·500/1200⌋, ⌊200·500/1200⌋
    assert res.money_at()[(1, "atm:1")] == 583
    assert res.leads() == [("B", 1, 499), ("A", 0, 300)]
