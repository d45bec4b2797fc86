"""Per-account money features for the mule engine (Art 18), in Ibis: the same on DuckDB and PySpark.

Pass-through is found with equi-joins on (account, 3-hour bucket) instead of a window over every
account's history (see `passed_on`), so no sort of the whole table is needed. The costly
features (distinct payers and payees, night, dormancy) are computed only for accounts that passed
money on at all, since the score of every other account is zero.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanzha.detect.frame import local_hour

ACCOUNT_KINDS = ("bank_card", "payment_account")
# Money passed on within this many seconds of arriving counts as pass-through: cash-out cards are
# emptied at an ATM within about two hours of being loaded, layering hops within minutes.
PASS_WINDOW_S = 3 * 3600
NIGHT_HOURS = (0, 6)  # 00:00-05:59 Asia/Shanghai
DORMANT_DAYS = 180  # opened this long before its first movement in the data
QUIET_DAYS = 3  # and no movement in the data's first days

FEATURES = ("n_in", "n_out", "in_fen", "out_fen", "pass_fen", "n_src", "n_dst", "n_cash", "n_night")


def arrivals(txns: ir.Table) -> ir.Table:
    """Money in, on the payee's account."""
    t = txns.filter(txns.dst_kind.isin(ACCOUNT_KINDS))
    return t.select(
        account=t.dst_account,
        kind=t.dst_kind,
        ts=t.ts,
        s=t.ts.epoch_seconds(),
        fen=t.amount_fen,
        peer=t.src_account,
    )


def departures(txns: ir.Table) -> ir.Table:
    """Money out, of the payer's account."""
    return txns.select(
        account=txns.src_account,
        kind=txns.src_kind,
        ts=txns.ts,
        s=txns.ts.epoch_seconds(),
        fen=txns.amount_fen,
        peer=txns.dst_account,
        txn_id=txns.txn_id,
        cash=txns.channel.isin(("atm", "crypto_otc")),
    )


def passed_on(ins: ir.Table, outs: ir.Table, window: int = PASS_WINDOW_S) -> ir.Table:
    """Per account, the money that left within `window` seconds after some arrival: (account, pass_fen).

    With time cut into buckets of PASS_WINDOW_S, a departure at second s of bucket b follows an
    arrival by at most the window exactly when bucket b holds an arrival at or before s (its
    earliest, `lo`, is ≤ s) or bucket b - 1 holds one at or after s - window (its latest, `hi`).
    Both tests take one equi-join on (account, bucket): each bucket's `lo` is keyed to itself and
    its `hi` to the bucket after, so one hash table serves both; a departure passing both tests is
    counted once. No sort, no pairs of transactions.
    """
    w = window
    per = ins.mutate(b=ins.s // w).group_by(["account", "b"]).aggregate(lo=ins.s.min(), hi=ins.s.max())
    keyed = per.select("account", "b", v=per.lo, here=ibis.literal(True)).union(
        per.select("account", b=per.b + 1, v=per.hi, here=ibis.literal(False)), distinct=False
    )
    o = outs.mutate(b=outs.s // w)
    both = o.join(keyed, (o.account == keyed.account) & (o.b == keyed.b))
    hit = both.filter(ibis.ifelse(both.here, both.v <= both.s, both.v >= both.s - w))
    passed = hit.select("txn_id", "account", "s", "fen").distinct()
    return passed.group_by("account").aggregate(pass_fen=passed.fen.sum().cast("int64"))


def account_features(txns: ir.Table) -> ir.Table:
    """One row per account that passed money on: counts, sums, pass-through, fan-in/out, cash, night."""
    ins, outs = arrivals(txns), departures(txns)
    passed = passed_on(ins, outs)
    ins = ins.semi_join(passed, ins.account == passed.account)
    outs = outs.semi_join(passed, outs.account == passed.account)

    def night(ts: ir.TimestampValue) -> ir.IntegerValue:
        hour = local_hour(ts)
        return ibis.ifelse((hour >= NIGHT_HOURS[0]) & (hour < NIGHT_HOURS[1]), 1, 0).cast("int64")

    got = ins.group_by("account").aggregate(
        in_kind=ins.kind.max(),
        n_in=ins.count().cast("int64"),
        in_fen=ins.fen.sum().cast("int64"),
        n_src=ins.peer.nunique().cast("int64"),
        in_night=night(ins.ts).sum(),
        in_first=ins.ts.min(),
        in_last=ins.ts.max(),
    )
    sent = outs.group_by("account").aggregate(
        n_out=outs.count().cast("int64"),
        out_fen=outs.fen.sum().cast("int64"),
        n_dst=outs.peer.nunique().cast("int64"),
        n_cash=ibis.ifelse(outs.cash, 1, 0).sum().cast("int64"),
        out_night=night(outs.ts).sum(),
        out_first=outs.ts.min(),
        out_last=outs.ts.max(),
    )
    both = passed.join(got, passed.account == got.account).join(sent, passed.account == sent.account)
    return both.select(
        "account",
        kind=both.in_kind,
        n_in=both.n_in,
        n_out=both.n_out,
        in_fen=both.in_fen,
        out_fen=both.out_fen,
        pass_fen=both.pass_fen,
        n_src=both.n_src,
        n_dst=both.n_dst,
        n_cash=both.n_cash,
        n_night=(both.in_night + both.out_night).cast("int64"),
        first_ts=ibis.least(both.in_first, both.out_first),
        last_ts=ibis.greatest(both.in_last, both.out_last),
    )
