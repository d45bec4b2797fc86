"""The FIFO trace on sorted numpy arrays: the same rows as `fanzha.funds.trace` (the Ibis definition,
the reference), built once in a few sorts and answered hop by hop for all victims at once.

Build: accounts dictionary-encoded; each account's incoming lots and outgoing transfers as contiguous
runs (CSR) ordered by (time, txn_id); cumulative positions within the account, the opening lot from
the deepest deficit (an incoming transfer of the same second counts before an outgoing one). Lot i
covers [opening + inflow before i, opening + inflow through i), outgoing o covers [outflow before o,
outflow through o), exactly as in the Ibis definition. Query: for the transfers holding a victim's
money, the outgoing transfers whose range overlaps the lot are found by binary search on composite
(account, position) keys; ⌊money × overlap / amount⌋ in one IEEE multiply and divide, as the engine.
Equality with the Ibis engine on random graphs: `tests/unit/test_funds_trace_fast.py` (hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.funds.trace import DEFAULT_HOPS, TraceResult, _sorted

TERMINALS = ("", "atm", "crypto", "merchant")
_I64 = np.int64


def _codes(src: pa.ChunkedArray, dst: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Accounts as dense int32 codes (one dictionary for payers and payees) and the dictionary.

    Each column is dictionary-encoded by Arrow in one hash pass without concatenating the strings (a
    chunked column's chunks share the final dictionary); the payees' dictionary is mapped onto the
    payers' (only the few distinct accounts are hashed again), so no string array is copied.
    """

    def encoded(col: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
        if col.type != pa.string():
            col = col.cast(pa.string())
        enc = pc.dictionary_encode(col)
        if enc.num_chunks == 0:
            return np.zeros(0, np.int32), pa.array([], pa.string())
        idx = pa.chunked_array([c.indices for c in enc.chunks], pa.int32()).to_numpy()
        return idx.astype(np.int32, copy=False), enc.chunk(0).dictionary

    src_idx, src_names = encoded(src)
    dst_idx, dst_names = encoded(dst)
    extra = dst_names.filter(pc.invert(pc.is_in(dst_names, value_set=src_names)))
    names = pa.concat_arrays([src_names, extra]) if len(extra) else src_names
    remap = pc.index_in(dst_names, value_set=names).to_numpy(zero_copy_only=False).astype(np.int32)
    return src_idx, remap[dst_idx], names


def _stable_order(codes: np.ndarray) -> np.ndarray:
    """A stable argsort of non-negative int32 codes: two LSD radix passes on 16-bit halves (numpy sorts
    16-bit keys stably by radix in linear time; a stable sort of 32-bit keys would be a timsort)."""
    low = (codes & 0xFFFF).astype(np.uint16)
    order = np.argsort(low, kind="stable")
    high = (codes[order] >> 16).astype(np.uint16)
    if not high.any():
        return order
    return order[np.argsort(high, kind="stable")]


def _runs(keys: np.ndarray, n: int) -> np.ndarray:
    """Start of each account's run in `keys` (sorted account codes), n + 1 offsets."""
    return np.searchsorted(keys, np.arange(n + 1), side="left")


@dataclass
class FastTracer:
    """The transactions prepared once in numpy arrays (build), then traced for any victims (FIFO)."""

    txns: pa.Table
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        # Memory: only int32 account codes, int64 fen, int64 times and a few int32 row maps are kept
        # (about 55 bytes a transfer); the strings stay in the caller's table, and every temporary is
        # dropped as soon as the next array is built (the 10 M build peaks below 1 GB over its input).
        t = self.txns
        keep = pc.greater(t["amount_fen"], 0)
        if self.as_of is not None:
            keep = pc.and_(keep, pc.less_equal(t["ts"], pa.scalar(self.as_of, t.schema.field("ts").type)))
        if not pc.all(keep).as_py():  # a filter copies every column: only when something goes
            t = t.filter(keep)
        del keep
        ts = t["ts"].cast(pa.int64()).to_numpy().astype(_I64, copy=False)
        txn = t["txn_id"].to_numpy().astype(_I64, copy=False)
        # Transfers in (time, txn_id) order: every per-account run below inherits it from a stable sort.
        dts = np.diff(ts)
        if len(ts) > 1 and not bool(np.all((dts > 0) | ((dts == 0) & (np.diff(txn) > 0)))):
            order = np.lexsort((txn, ts))
            t, ts, txn = t.take(pa.array(order)), ts[order], txn[order]
            del order
        del dts
        n = len(ts)
        src, dst, names = _codes(t["src_account"], t["dst_account"])
        term = np.zeros(n, np.int8)

        def kind_is(column: str, value: str) -> np.ndarray:
            return np.asarray(pc.fill_null(pc.equal(t[column], value), False), dtype=bool)

        term[kind_is("channel", "qr")] = 3  # the first that applies wins, as in `trace._terminal`
        term[kind_is("dst_kind", "wallet")] = 2
        term[kind_is("dst_kind", "cash")] = 1
        amt = t["amount_fen"].to_numpy().astype(_I64, copy=False)
        accounts = len(names)
        # Incoming lots: transfers into accounts (not cash-out points), by (account, time, txn_id).
        ins = np.flatnonzero(term == 0)
        ins = ins[_stable_order(dst[ins])]
        in_acct = dst[ins]
        in_start = _runs(in_acct, accounts)
        cin = np.zeros(len(ins) + 1, _I64)  # global; an account's base is cin[in_start[a]]
        np.cumsum(amt[ins], out=cin[1:])
        in_pos = np.full(n, -1, np.int32)
        in_pos[ins] = np.arange(len(ins), dtype=np.int32)
        span = int(ts.max() - ts.min() + 1) if n else 1
        shift = max(1, int(span).bit_length())
        if accounts.bit_length() + shift > 62:
            raise ValueError("too many accounts for the time span (composite keys need 63 bits)")
        rel = ts - (ts.min() if n else 0)
        in_key = in_acct.astype(_I64)
        in_key <<= shift
        in_key |= rel[ins]
        del ins
        # Outgoing transfers: every transfer from its payer, by (account, time, txn_id).
        outs = _stable_order(src)
        out_acct = src[outs]
        del src
        out_start = _runs(out_acct, accounts)
        cout = np.zeros(n + 1, _I64)
        np.cumsum(amt[outs], out=cout[1:])
        oend = cout[1:] - cout[out_start[out_acct]]  # outflow through o within its account
        self._total_out = cout[out_start[1:]] - cout[out_start[:-1]]
        del cout
        # Inflow before each outgoing transfer: the account's lots up to and including its second.
        out_key = out_acct.astype(_I64)
        out_key <<= shift
        out_key |= rel[outs]
        del rel
        upto = np.searchsorted(in_key, out_key, side="right")
        del in_key, out_key
        deficit = cin[upto]
        del upto
        deficit -= cin[in_start[out_acct]]
        np.subtract(oend, deficit, out=deficit)  # outflow beyond the inflow so far
        opening = np.zeros(accounts, _I64)
        payers = np.flatnonzero(out_start[1:] > out_start[:-1])  # accounts with outgoing transfers
        if len(payers):  # the deepest deficit per account: its outgoing run is contiguous
            opening[payers] = np.maximum(np.maximum.reduceat(deficit, out_start[payers]), 0)
        del deficit, payers
        lot_end = cin[1:] - cin[in_start[in_acct]]
        lot_end += opening[in_acct]
        del cin, in_acct, opening
        self._lot_end = lot_end  # lot i covers [end - amount, end)
        # Composite (account, position) keys for the overlap search; positions stay below 2^pbits.
        top = int(max(int(lot_end.max()) if len(lot_end) else 0, int(oend.max()) if len(oend) else 0)) + 1
        self._pbits = max(1, top.bit_length())
        if accounts.bit_length() + self._pbits > 62:
            raise ValueError("amounts too large for composite keys")
        okey = out_acct.astype(_I64)
        del out_acct
        okey <<= self._pbits
        okey |= oend
        del oend
        self._okey_end = okey  # outgoing o covers [end - amount, end) of its account's outflow
        self._out_start = out_start
        self._out_txn_row = outs.astype(np.int32)  # row (in sorted transfers) of each outgoing transfer
        del outs
        self._in_pos = in_pos
        self._txn, self._dst, self._amt, self._term = txn, dst, amt, term
        self._ts_np, self._ts_type = ts, t.schema.field("ts").type
        self._names = names
        # Seeds are looked up by txn_id: no sort needed when ids already rise with time (the usual case).
        increasing = len(txn) < 2 or bool(np.all(np.diff(txn) > 0))
        self._txn_order = None if increasing else np.argsort(txn, kind="stable")

    def _rows(self, txn_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the given txn ids (and which were found)."""
        if not len(self._txn):
            return np.zeros(len(txn_ids), _I64), np.zeros(len(txn_ids), bool)
        pos = np.minimum(np.searchsorted(self._txn, txn_ids, sorter=self._txn_order), len(self._txn) - 1)
        rows = pos if self._txn_order is None else self._txn_order[pos]
        return rows, self._txn[rows] == txn_ids

    def trace(self, seeds: list[tuple[int, int]], hops: int = DEFAULT_HOPS) -> TraceResult:
        """Follow every seed (victim_id, txn_id) at most `hops` transfers on (FIFO)."""
        if hops < 0:
            raise ValueError("hops must be ≥ 0")
        victims = np.array([v for v, _ in seeds], _I64)
        rows, found = self._rows(np.array([x for _, x in seeds], _I64))
        v, r = victims[found], rows[found]
        money = self._amt[r]
        located: list[tuple[Any, ...]] = []  # victim, hop, account code, kind, status code, fen
        arrivals: list[tuple[np.ndarray, ...]] = []  # victim, hop, account code, fen, first ts
        for hop in range(hops + 1):
            arrivals.append(self._arrived(v, r, money, hop))
            term = self._term[r]
            end = term > 0
            located.append(
                (v[end], np.full(end.sum(), hop), self._dst[r[end]], term[end].astype(_I64), 1, money[end])
            )
            v, r, money = v[~end], r[~end], money[~end]
            if hop == hops:
                located.append((v, np.full(len(v), hop), self._dst[r], np.zeros(len(v), _I64), 2, money))
                break
            v, r, money, held = self._step(v, r, money)
            located.append(
                (held[0], np.full(len(held[0]), hop), held[1], np.zeros(len(held[0]), _I64), 0, held[2])
            )
        return TraceResult(located=self._located(located), arrivals=self._arrivals(arrivals))

    def _step(
        self, v: np.ndarray, r: np.ndarray, money: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """One hop for every holding: (victim, row of the onward transfer, money) moved, and what stayed."""
        i = self._in_pos[r]
        acct, amt = self._dst[r].astype(_I64), self._amt[r]
        e = self._lot_end[i]
        s = e - amt
        hi = acct << self._pbits
        j0 = np.searchsorted(self._okey_end, hi | s, side="right")  # first outgoing ending after s
        # Outgoing transfers starting before e: up to the first ending at or after e (starts are the
        # previous ends within the account's run), never past the run.
        j1 = np.minimum(np.searchsorted(self._okey_end, hi | e, side="left") + 1, self._out_start[acct + 1])
        k = np.maximum(j1 - j0, 0)
        item = np.repeat(np.arange(len(r)), k)
        j = np.repeat(j0, k) + (np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))
        row = self._out_txn_row[j]
        oend = self._okey_end[j] & ((1 << self._pbits) - 1)
        ostart = oend - self._amt[row]
        part = np.minimum(e[item], oend) - np.maximum(s[item], ostart)
        carried = _share(money[item], part, amt[item])
        tot = self._total_out[acct]
        left = np.where(e > tot, e - np.maximum(s, tot), 0)
        kept = _share(money, left, amt)
        held = _grouped(v, acct, kept)
        mv, mr, mm = _grouped(v[item], row, carried)
        nz = mm > 0
        return mv[nz], mr[nz], mm[nz], held

    def _arrived(self, v: np.ndarray, r: np.ndarray, money: np.ndarray, hop: int) -> tuple[np.ndarray, ...]:
        acct = self._dst[r].astype(_I64)
        if not len(v):
            empty = np.zeros(0, _I64)
            return empty, empty, empty, empty, empty
        key = np.lexsort((acct, v))
        v, acct, money, ts = v[key], acct[key], money[key], self._ts_np[r][key]
        new = np.concatenate(([True], (v[1:] != v[:-1]) | (acct[1:] != acct[:-1])))
        starts = np.flatnonzero(new)
        return (
            v[starts],
            np.full(len(starts), hop),
            acct[starts],
            np.add.reduceat(money, starts),
            np.minimum.reduceat(ts, starts),
        )

    def _located(self, parts: list[tuple[Any, ...]]) -> pa.Table:
        kinds = ("account", *TERMINALS[1:])
        statuses = ("held", "cashout", "beyond")
        v = np.concatenate([p[0] for p in parts]).astype(_I64)
        hop = np.concatenate([p[1] for p in parts]).astype(_I64)
        acct = np.concatenate([p[2] for p in parts]).astype(_I64)
        kind = np.concatenate([p[3] for p in parts]).astype(_I64)
        status = np.concatenate([np.full(len(p[0]), p[4]) for p in parts]).astype(_I64)
        fen = np.concatenate([p[5] for p in parts]).astype(_I64)
        # Sum rows of the same (victim, hop, account, kind, status), keep those above zero.
        key = np.lexsort((status, kind, acct, hop, v))
        v, hop, acct, kind, status, fen = (x[key] for x in (v, hop, acct, kind, status, fen))
        new = np.ones(len(v), bool)
        if len(v):
            new[1:] = (
                (v[1:] != v[:-1])
                | (hop[1:] != hop[:-1])
                | (acct[1:] != acct[:-1])
                | (kind[1:] != kind[:-1])
                | (status[1:] != status[:-1])
            )
        starts = np.flatnonzero(new)
        fen = np.add.reduceat(fen, starts) if len(starts) else fen[:0]
        v, hop, acct, kind, status = (x[starts] for x in (v, hop, acct, kind, status))
        pos = fen > 0
        table = pa.table(
            {
                "victim_id": pa.array(v[pos]),
                "hop": pa.array(hop[pos]),
                "account": self._names.take(pa.array(acct[pos])),
                "kind": pa.array(np.array(kinds, dtype=object)[kind[pos]].tolist(), pa.string()),
                "status": pa.array(np.array(statuses, dtype=object)[status[pos]].tolist(), pa.string()),
                "amount_fen": pa.array(fen[pos]),
            }
        )
        return _sorted(table, ("victim_id", "hop", "account", "kind", "status", "amount_fen"))

    def _arrivals(self, parts: list[tuple[np.ndarray, ...]]) -> pa.Table:
        ts_type = self._ts_type
        cols = [np.concatenate([p[k] for p in parts]).astype(_I64) for k in range(5)]
        table = pa.table(
            {
                "victim_id": pa.array(cols[0]),
                "hop": pa.array(cols[1]),
                "account": self._names.take(pa.array(cols[2])),
                "amount_fen": pa.array(cols[3]),
                "first_ts": pa.array(cols[4]).cast(ts_type),
            }
        )
        return _sorted(table, ("victim_id", "hop", "account", "amount_fen", "first_ts"))


def _share(money: np.ndarray, part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """⌊money × part / whole⌋ in fen: one IEEE multiply and divide, as the Ibis definition."""
    if not len(money):
        return money.astype(_I64)
    return np.floor(money.astype(np.float64) * part.astype(np.float64) / whole.astype(np.float64)).astype(
        _I64
    )


def _grouped(a: np.ndarray, b: np.ndarray, fen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum `fen` by (a, b)."""
    if not len(a):
        return a.astype(_I64), b.astype(_I64), fen.astype(_I64)
    key = np.lexsort((b, a))
    a, b, fen = a[key], b[key], fen[key]
    new = np.concatenate(([True], (a[1:] != a[:-1]) | (b[1:] != b[:-1])))
    starts = np.flatnonzero(new)
    return a[starts].astype(_I64), b[starts].astype(_I64), np.add.reduceat(fen, starts).astype(_I64)
