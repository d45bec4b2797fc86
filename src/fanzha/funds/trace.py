"""Fund-flow tracing (Art 35¶2): each victim's money followed through the layers, one Ibis definition.

The trace runs on any Ibis backend (DuckDB embedded, PySpark at scale) and gives the same rows on
both (`tests/integration/detect/test_trace_backends.py`). Definition (docs/funds.md, "Tracing"):

* Every account's money is a queue of lots, one per incoming transfer, ordered by (time, txn_id).
  Money that leaves before any recorded arrival comes from an *opening lot* just large enough that
  the balance never goes negative (the account's unknown balance before the data starts).
* **FIFO** (default): each outgoing transfer takes the oldest money first. On cumulative positions
  this is exact and set-based: lot i covers [opening + inflow before i, opening + inflow through i),
  outgoing o covers [outflow before o, outflow through o); the money lot i gives o is the overlap.
  Because inflows are ordered before outflows of the same second and the opening lot covers every
  deficit, no transfer takes money that had not arrived yet. `build` computes these overlaps once
  for the whole graph (segments between consecutive boundaries, a running max and a lead: linear).
* **Proportional**: money that arrives owns share = amount / balance just after it arrived of the
  account; every later outgoing transfer carries that share of itself until the money is used up;
  when several holdings claim one transfer for more than it moved, the claims are scaled down to it.
  (Later arrivals do not dilute the share: an approximation, stated.)
* A victim's money inside a transfer is split among the segments in proportion to their amounts,
  rounded down to the fen at every hop: nothing is ever located twice or created.
* Only transfers after the money arrived carry it; at most `hops` transfers from the payment.
* Cash-out points end a path: ATM withdrawals (dst_kind cash), crypto wallets (dst_kind wallet) and
  merchants (channel qr). Money still in an account at the end of the data (or at `as_of`) is *held*
  there; money that would go beyond the last hop is *beyond* at the account it reached.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

Method = Literal["fifo", "proportional"]
METHODS: tuple[Method, ...] = ("fifo", "proportional")
DEFAULT_HOPS = 6
LOCATED_COLUMNS = ("victim_id", "hop", "account", "kind", "status", "amount_fen")
ARRIVAL_COLUMNS = ("victim_id", "hop", "account", "amount_fen", "first_ts")


def _terminal(t: ir.Table) -> ir.StringValue:
    """The cash-out point a transfer ends at (atm, crypto, merchant), or null for an account."""
    return (
        ibis.cases(
            (t.dst_kind == "cash", "atm"),
            (t.dst_kind == "wallet", "crypto"),
            (t.channel == "qr", "merchant"),
            else_=ibis.null("string"),
        )
    ).name("terminal")


def _share(money: ir.IntegerValue, part: ir.NumericValue, whole: ir.NumericValue) -> ir.IntegerValue:
    """⌊money × part / whole⌋ in fen: one IEEE multiply and divide, identical on every backend."""
    f = money.cast("float64") * part.cast("float64") / whole.cast("float64")
    return f.floor().cast("int64")


@dataclass
class TraceResult:
    """What a trace found: where each victim's money is, and where it passed."""

    located: pa.Table  # victim_id, hop, account, kind, status (held|cashout|beyond), amount_fen
    arrivals: pa.Table  # victim_id, hop, account, amount_fen, first_ts: the money reaching an account

    def money_at(self) -> dict[tuple[int, str], int]:
        """Each victim's money now at each account or cash-out point (held, cashed out, beyond)."""
        out: dict[tuple[int, str], int] = {}
        for r in self.located.to_pylist():
            key = (int(r["victim_id"]), str(r["account"]))
            out[key] = out.get(key, 0) + int(r["amount_fen"])
        return out

    def traced_to(self, account: str) -> dict[int, int]:
        """Each victim's money now at `account` (held or beyond): the `traced` mapping a return from a
        freeze of that account is shared by (`domain.shares_for`)."""
        out: dict[int, int] = {}
        for r in self.located.to_pylist():
            if r["account"] == account and r["kind"] == "account":
                out[int(r["victim_id"])] = out.get(int(r["victim_id"]), 0) + int(r["amount_fen"])
        return out

    def leads(self, min_fen: int = 1) -> list[tuple[str, int, int]]:
        """Stop-payment leads: (account, nearest hop, victims' money there), most money first."""
        money: dict[str, int] = {}
        hop: dict[str, int] = {}
        for r in self.located.to_pylist():
            if r["kind"] != "account":
                continue
            a = str(r["account"])
            money[a] = money.get(a, 0) + int(r["amount_fen"])
            hop[a] = min(hop.get(a, 1 << 30), int(r["hop"]))
        rows = [(a, hop[a], fen) for a, fen in money.items() if fen >= min_fen]
        return sorted(rows, key=lambda x: (-x[2], x[1], x[0]))


@dataclass
class Tracer:
    """The transactions of one backend, prepared once (`build`), then traced for any victims."""

    con: BaseBackend
    txns: ir.Table
    as_of: datetime | None = None
    _t: ir.Table | None = field(default=None, repr=False)
    _events: ir.Table | None = field(default=None, repr=False)
    _edges: ir.Table | None = field(default=None, repr=False)
    _cached: list[ir.Table] = field(default_factory=list, repr=False)

    def _cache(self, expr: ir.Table) -> ir.Table:
        """Materialise `expr` on the backend (each hop reads the last one twice); released by close()."""
        if self.con.name == "pyspark":
            cached = expr.cache()  # a persisted DataFrame behind a temporary view
        else:  # a temporary table (ibis' own cache cannot drop its tables with this sqlglot)
            cached = self.con.create_table(f"_fanzha_trace_{uuid.uuid4().hex}", expr, temp=True)
        self._cached.append(cached)
        return cached

    def _release(self, tables: list[ir.Table]) -> None:
        for c in tables:
            if self.con.name == "pyspark":
                c.release()
            else:
                self.con.raw_sql(f'DROP TABLE IF EXISTS "{c.get_name()}"')

    def close(self) -> None:
        """Drop the tables this tracer materialised."""
        self._release(self._cached)
        self._cached.clear()
        self._t = self._events = self._edges = None

    def __enter__(self) -> Tracer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- build ---------------------------------------------------------------------------------

    @property
    def t(self) -> ir.Table:
        """Transfers with a positive amount (up to `as_of`), with the cash-out point they end at."""
        if self._t is None:
            x = self.txns.filter(self.txns.amount_fen > 0)
            if self.as_of is not None:
                x = x.filter(x.ts <= self.as_of)
            self._t = x.select(
                "txn_id",
                "ts",
                src=x.src_account,
                dst=x.dst_account,
                amt=x.amount_fen.cast("int64"),
                terminal=_terminal(x),
            )
            self._t = self._cache(self._t)
        return self._t

    @property
    def events(self) -> ir.Table:
        """Every account's ins and outs in order, with cumulative sums and the opening lot."""
        if self._events is None:
            t, zero = self.t, ibis.literal(0, "int64")
            ins = t.filter(t.terminal.isnull()).select(
                account=t.dst, txn_id=t.txn_id, ts=t.ts, d=ibis.literal(0, "int8"), a_in=t.amt, a_out=zero
            )
            outs = t.select(
                account=t.src, txn_id=t.txn_id, ts=t.ts, d=ibis.literal(1, "int8"), a_in=zero, a_out=t.amt
            )
            e = ibis.union(ins, outs)
            w = ibis.cumulative_window(group_by=e.account, order_by=[e.ts, e.d, e.txn_id])
            e = e.mutate(cin=e.a_in.sum().over(w), cout=e.a_out.sum().over(w))
            deficit = (e.cout - e.cin).max().over(ibis.window(group_by=e.account))
            self._events = self._cache(e.mutate(opening=ibis.greatest(deficit, 0)))
        return self._events

    @property
    def edges(self) -> ir.Table:
        """FIFO lot flows: (account, in_txn or null = opening lot, out_txn or null = still there, amount)."""
        if self._edges is None:
            self._edges = self._cache(self._fifo_edges())
        return self._edges

    def _fifo_edges(self) -> ir.Table:
        e = self.events
        lots = e.filter(e.d == 0).select(
            "account", in_txn=e.txn_id, start=e.opening + e.cin - e.a_in, end=e.opening + e.cin
        )
        per = e.group_by("account").aggregate(
            opening=e.opening.max(), total_in=e.a_in.sum(), total_out=e.a_out.sum()
        )
        opening = per.filter(per.opening > 0).select(
            "account", in_txn=ibis.null("int64"), start=ibis.literal(0, "int64"), end=per.opening
        )
        lots = ibis.union(lots, opening.cast(lots.schema()))
        outs = e.filter(e.d == 1).select("account", out_txn=e.txn_id, ostart=e.cout - e.a_out, oend=e.cout)
        null = ibis.null("int64")
        bounds = ibis.union(
            lots.select("account", pos=lots.start, lot=lots.start, out=null),
            outs.select("account", pos=outs.ostart, lot=null, out=outs.ostart),
            per.select("account", pos=per.total_out, lot=null, out=null),
            per.select("account", pos=per.opening + per.total_in, lot=null, out=null),
        )
        b = bounds.group_by("account", "pos").aggregate(lot=bounds.lot.max(), out=bounds.out.max())
        w = ibis.cumulative_window(group_by=b.account, order_by=b.pos)
        seg = b.select(
            "account",
            "pos",
            lot=b.lot.max().over(w),
            out=b.out.max().over(w),
            nxt=b.pos.lead().over(ibis.window(group_by=b.account, order_by=b.pos)),
        )
        seg = seg.filter(seg.nxt.notnull() & seg.lot.notnull())
        j = seg.join(lots, (seg.account == lots.account) & (seg.lot == lots.start)).left_join(
            outs, (seg.account == outs.account) & (seg.out == outs.ostart)
        )
        gone = j.oend.notnull() & (j.pos < j.oend)
        return j.select(
            account=j.account,
            in_txn=j.in_txn,
            out_txn=ibis.ifelse(gone, j.out_txn, ibis.null("int64")),
            amount=(j.nxt - j.pos).cast("int64"),
        )

    # -- trace ---------------------------------------------------------------------------------

    def trace(self, seeds: ir.Table, hops: int = DEFAULT_HOPS, method: Method = "fifo") -> TraceResult:
        """Follow every seed (victim_id, txn_id: the victim's payment) at most `hops` transfers on."""
        if hops < 0:
            raise ValueError("hops must be ≥ 0")
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}")
        t = self.t
        mark = len(self._cached)
        h = seeds.join(t, seeds.txn_id == t.txn_id).select(
            victim_id=seeds.victim_id.cast("int64"),
            txn_id=t.txn_id,
            money=t.amt,
            amt=t.amt,
            dst=t.dst,
            ts=t.ts,
            terminal=t.terminal,
        )
        h = self._cache(h)
        located: list[ir.Table] = []
        arrivals: list[ir.Table] = [self._arrived(h, 0)]
        located.append(self._ends(h, 0))
        for hop in range(hops):
            live = h.filter(h.terminal.isnull())
            moved, held = self._step(live, method)
            located.append(
                held.select(
                    "victim_id",
                    hop=ibis.literal(hop, "int64"),
                    account=held.account,
                    kind=ibis.literal("account"),
                    status=ibis.literal("held"),
                    amount_fen=held.amount_fen,
                )
            )
            nxt = moved.join(t, moved.out_txn == t.txn_id).select(
                victim_id=moved.victim_id,
                txn_id=t.txn_id,
                money=moved.money,
                amt=t.amt,
                dst=t.dst,
                ts=t.ts,
                terminal=t.terminal,
            )
            h = self._cache(nxt.filter(nxt.money > 0))
            arrivals.append(self._arrived(h, hop + 1))
            located.append(self._ends(h, hop + 1))
        live = h.filter(h.terminal.isnull())
        located.append(
            live.group_by("victim_id", account=live.dst)
            .aggregate(amount_fen=live.money.sum())
            .select(
                "victim_id",
                hop=ibis.literal(hops, "int64"),
                account="account",
                kind=ibis.literal("account"),
                status=ibis.literal("beyond"),
                amount_fen="amount_fen",
            )
        )
        loc = ibis.union(*located)
        loc = loc.filter(loc.amount_fen > 0)
        arr = ibis.union(*arrivals)
        result = TraceResult(
            located=_sorted(loc.to_pyarrow(), LOCATED_COLUMNS),
            arrivals=_sorted(arr.to_pyarrow(), ARRIVAL_COLUMNS),
        )
        self._release(self._cached[mark:])
        del self._cached[mark:]
        return result

    @staticmethod
    def _ends(h: ir.Table, hop: int) -> ir.Table:
        """Money that reached a cash-out point at this hop."""
        c = h.filter(h.terminal.notnull())
        return (
            c.group_by("victim_id", account=c.dst, kind=c.terminal)
            .aggregate(amount_fen=c.money.sum())
            .select(
                "victim_id",
                hop=ibis.literal(hop, "int64"),
                account="account",
                kind="kind",
                status=ibis.literal("cashout"),
                amount_fen="amount_fen",
            )
        )

    @staticmethod
    def _arrived(h: ir.Table, hop: int) -> ir.Table:
        """The victim's money reaching each account at this hop, and when it first did."""
        return (
            h.group_by("victim_id", account=h.dst)
            .aggregate(amount_fen=h.money.sum(), first_ts=h.ts.min())
            .select(
                "victim_id",
                hop=ibis.literal(hop, "int64"),
                account="account",
                amount_fen="amount_fen",
                first_ts="first_ts",
            )
        )

    def _step(self, live: ir.Table, method: Method) -> tuple[ir.Table, ir.Table]:
        """One hop: (victim_id, out_txn, money) moved on, (victim_id, account, amount_fen) left."""
        if method == "fifo":
            g = self.edges
            j = live.join(g, live.txn_id == g.in_txn)
            j = j.mutate(carried=_share(j.money, j.amount, j.amt))
            gone = j.filter(j.out_txn.notnull())
            moved = gone.group_by("victim_id", "out_txn").aggregate(money=gone.carried.sum())
            stay = j.filter(j.out_txn.isnull())
            held = stay.group_by("victim_id", "account").aggregate(amount_fen=stay.carried.sum())
            return moved, held
        return self._proportional(live)

    def _proportional(self, live: ir.Table) -> tuple[ir.Table, ir.Table]:
        e = self.events
        ein = e.filter(e.d == 0)
        arr = live.join(ein, (live.txn_id == ein.txn_id) & (live.dst == ein.account)).select(
            "victim_id",
            "money",
            hold=live.txn_id,
            account=ein.account,
            ts=ein.ts,
            bal=ein.opening + ein.cin - ein.cout,
            cout0=ein.cout,
        )
        eo = e.filter(e.d == 1)
        j = arr.join(eo, (arr.account == eo.account) & (eo.ts >= arr.ts))
        since = j.cout - j.cout0
        upto = ibis.least(j.money, _share(j.money, since, j.bal))
        before = ibis.least(j.money, _share(j.money, since - j.a_out, j.bal))
        c = j.select(
            "victim_id", "hold", "account", "money", out_txn=j.txn_id, a_out=j.a_out, claim=upto - before
        )
        c = c.filter(c.claim > 0)
        tot = c.claim.sum().over(ibis.window(group_by=c.out_txn))
        c = c.mutate(carried=ibis.ifelse(tot > c.a_out, _share(c.claim, c.a_out, tot), c.claim))
        moved = c.group_by("victim_id", "out_txn").aggregate(money=c.carried.sum())
        used = c.group_by("victim_id", "hold").aggregate(used=c.carried.sum())
        k = arr.left_join(used, (arr.victim_id == used.victim_id) & (arr.hold == used.hold))
        k = k.select(victim_id=arr.victim_id, account=arr.account, left=arr.money - k.used.fill_null(0))
        held = k.group_by("victim_id", "account").aggregate(amount_fen=k.left.sum())
        return moved, held


def _sorted(table: pa.Table, columns: Sequence[str]) -> pa.Table:
    """Rows in a fixed order with the columns typed alike on every backend."""
    table = table.select(list(columns))
    types = {
        "victim_id": pa.int64(),
        "hop": pa.int64(),
        "amount_fen": pa.int64(),
        "first_ts": pa.timestamp("us", tz="UTC"),  # PySpark hands back naive UTC, DuckDB zoned
    }
    table = table.cast(
        pa.schema([pa.field(n, types.get(n, table.schema.field(n).type)) for n in table.column_names])
    )
    keys = [(c, "ascending") for c in columns if c not in ("amount_fen", "first_ts")]
    return table.sort_by(keys)


def seeds_table(pairs: Sequence[tuple[int, int]]) -> ir.Table:
    """A seeds table (victim_id, txn_id) from Python pairs (the victims' reported payments)."""
    schema = pa.schema([("victim_id", pa.int64()), ("txn_id", pa.int64())])
    cols = {"victim_id": [v for v, _ in pairs], "txn_id": [t for _, t in pairs]}
    return ibis.memtable(pa.table(cols, schema))
