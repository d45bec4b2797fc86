"""The FIFO trace in plain Python, account by account: the reference the Ibis engine is tested against.

Same definition as `fanzha.funds.trace` (lots ordered by (time, txn_id), inflows before outflows of
the same second, an opening lot for money that leaves before any recorded arrival, ⌊money × part /
whole⌋ at every hop). `bench/funds_trace.py` runs it over a networkx graph as the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Key = tuple[int, int, int]  # (ts, 0 in | 1 out, txn_id)


@dataclass(frozen=True)
class Txn:
    """One transfer: id, time (any integer clock), accounts, amount in fen, cash-out point or None."""

    txn_id: int
    ts: int
    src: str
    dst: str
    amount: int
    terminal: str | None = None


def fifo_flows(ins: Sequence[Txn], outs: Sequence[Txn]) -> list[tuple[int | None, int | None, int]]:
    """An account's lot flows: (in txn or None = opening lot, out txn or None = still there, fen)."""
    events = sorted(
        [((t.ts, 0, t.txn_id), t) for t in ins if t.amount > 0]
        + [((t.ts, 1, t.txn_id), t) for t in outs if t.amount > 0]
    )
    lots: list[list[int | None]] = []  # [txn_id, left]
    flows: dict[tuple[int | None, int | None], int] = {}
    deficit_lot: list[int | None] = [None, 0]
    balance = 0
    opening = 0
    for (_, d, _), t in events:  # the opening lot is as large as the deepest deficit
        balance += t.amount if d == 0 else -t.amount
        opening = max(opening, -balance)
    if opening:
        deficit_lot[1] = opening
        lots.append(deficit_lot)
    for (_, d, _), t in events:
        if d == 0:
            lots.append([t.txn_id, t.amount])
            continue
        need = t.amount
        while need:
            lot = lots[0]
            take = min(need, int(lot[1] or 0))
            key = (lot[0], t.txn_id)
            flows[key] = flows.get(key, 0) + take
            lot[1] = int(lot[1] or 0) - take
            need -= take
            if lot[1] == 0:
                lots.pop(0)
    for lot in lots:
        flows[(lot[0], None)] = flows.get((lot[0], None), 0) + int(lot[1] or 0)
    return [(i, o, a) for (i, o), a in flows.items() if a > 0]


def share(money: int, part: int, whole: int) -> int:
    """⌊money × part / whole⌋ as the engine computes it (IEEE double)."""
    return math.floor(float(money) * float(part) / float(whole))


def trace(
    seeds: Iterable[tuple[int, int]],
    txn: Callable[[int], Txn],
    flows_of: Callable[[str], list[tuple[int | None, int | None, int]]],
    hops: int,
) -> dict[tuple[int, int, str, str, str], int]:
    """(victim, hop, account, kind, status) → fen, as `Tracer.trace(...).located` with FIFO."""
    out: dict[tuple[int, int, str, str, str], int] = {}

    def put(key: tuple[int, int, str, str, str], fen: int) -> None:
        if fen > 0:
            out[key] = out.get(key, 0) + fen

    by_in: dict[str, dict[int | None, list[tuple[int | None, int]]]] = {}
    hold: dict[tuple[int, int], int] = {}
    for v, tid in seeds:
        t = txn(tid)
        if t.amount > 0:
            hold[(v, tid)] = hold.get((v, tid), 0) + t.amount
    for hop in range(hops + 1):
        nxt: dict[tuple[int, int], int] = {}
        for (v, tid), money in sorted(hold.items()):
            t = txn(tid)
            if t.terminal is not None:
                put((v, hop, t.dst, t.terminal, "cashout"), money)
                continue
            if hop == hops:
                put((v, hop, t.dst, "account", "beyond"), money)
                continue
            if t.dst not in by_in:
                idx: dict[int | None, list[tuple[int | None, int]]] = {}
                for i, o, a in flows_of(t.dst):
                    idx.setdefault(i, []).append((o, a))
                by_in[t.dst] = idx
            for o, a in by_in[t.dst].get(tid, []):
                c = share(money, a, t.amount)
                if o is None:
                    put((v, hop, t.dst, "account", "held"), c)
                elif c > 0:
                    nxt[(v, o)] = nxt.get((v, o), 0) + c
        hold = nxt
    return out
