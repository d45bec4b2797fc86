"""Victims' money can be followed from the victim to cash-out through the transaction table alone."""

from __future__ import annotations

import bisect
from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

TERMINAL_KINDS = {"cash", "wallet"}
WINDOW_S = 24 * 3600


def epoch_s(col: pa.ChunkedArray) -> list[int]:
    """Timestamps as whole epoch seconds."""
    out: list[int] = pc.divide(pc.cast(col, pa.int64()), 1000).to_pylist()
    return out


def _outgoing(txn: pa.Table) -> dict[str, tuple[list[int], list[tuple[int, int, str, str]]]]:
    """Per paying account: its payments sorted by time (ts, txn_id, dst_account, dst_kind)."""
    out: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    cols = [txn.column(c).to_pylist() for c in ("txn_id", "src_account", "dst_account", "dst_kind")]
    ts = epoch_s(txn.column("ts"))
    for t, i, s, d, k in zip(ts, *cols, strict=True):
        out[s].append((t, i, d, k))
    return {s: ([r[0] for r in sorted(v)], sorted(v)) for s, v in out.items()}


def trace(
    txn_index: dict[str, tuple[list[int], list[tuple[int, int, str, str]]]], account: str, since: int
) -> set[int]:
    """Rows that take money out of the system, reachable from `account` forward in time."""
    reached: set[int] = set()
    best: dict[str, int] = {}
    frontier = [(account, since)]
    while frontier:
        acct, t0 = frontier.pop()
        if best.get(acct, 1 << 62) <= t0:
            continue
        best[acct] = t0
        times, rows = txn_index.get(acct, ([], []))
        for t, i, dst, kind in rows[bisect.bisect_left(times, t0) :]:
            if t > t0 + WINDOW_S:
                break
            if kind in TERMINAL_KINDS:
                reached.add(i)
            else:
                frontier.append((dst, t))
    return reached


def test_every_victim_payment_reaches_cash_out(tables: dict[str, pa.Table]) -> None:
    txn, money = tables["transactions"], tables["label_money"]
    index = _outgoing(txn)
    ts = epoch_s(txn.column("ts"))
    dst = txn.column("dst_account").to_pylist()
    labelled_ends: dict[tuple[int, int], set[int]] = defaultdict(set)
    starts: dict[tuple[int, int], int] = {}
    for r in money.to_pylist():
        key = (r["case_id"], r["payment_no"])
        if r["hop"] == 0:
            starts[key] = r["txn_id"]
        if r["pattern"] in ("atm_cashout", "crypto"):
            labelled_ends[key].add(r["txn_id"])
    assert len(starts) >= 20
    for key, start in starts.items():
        # Only the victim's reported payment is taken from the labels; the rest is followed.
        reached = trace(index, dst[start], ts[start])
        assert reached, f"payment {key} never leaves the system"
        assert labelled_ends[key] <= reached, f"payment {key}: cash-out rows not reachable"
        kinds = set(txn.column("dst_kind").take(pa.array(sorted(reached))).to_pylist())
        assert kinds <= TERMINAL_KINDS


def test_most_of_the_money_reaches_the_end(tables: dict[str, pa.Table]) -> None:
    txn, money = tables["transactions"], tables["label_money"]
    amount = txn.column("amount_fen")
    paid = pc.sum(amount.take(money.filter(pc.equal(money.column("hop"), 0)).column("txn_id"))).as_py()
    ends = money.filter(pc.is_in(money.column("pattern"), pa.array(["atm_cashout", "crypto"])))
    out = pc.sum(amount.take(ends.column("txn_id"))).as_py()
    assert 0.9 * paid <= out <= paid
