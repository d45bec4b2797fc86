"""Per-account money features for the mule engine (Art 18), in Ibis: the same on DuckDB and PySpark."""

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

FEATURES = (
    "n_in",
    "n_out",
    "in_fen",
    "out_fen",
    "pass_fen",
    "n_src",
    "n_dst",
    "n_cash",
    "n_night",
)


def movements(txns: ir.Table) -> ir.Table:
    """Every transaction twice: money in on the payee's account (+1), money out of the payer's (-1)."""
    incoming = txns.filter(txns.dst_kind.isin(ACCOUNT_KINDS)).select(
        account=txns.dst_account,
        kind=txns.dst_kind,
        ts=txns.ts,
        fen=txns.amount_fen,
        way=ibis.literal(1),
        txn_id=txns.txn_id,
        peer=txns.src_account,
        cash=ibis.literal(False),
    )
    outgoing = txns.select(
        account=txns.src_account,
        kind=txns.src_kind,
        ts=txns.ts,
        fen=txns.amount_fen,
        way=ibis.literal(-1),
        txn_id=txns.txn_id,
        peer=txns.dst_account,
        cash=txns.channel.isin(("atm", "crypto_otc")),
    )
    return ibis.union(incoming, outgoing)


def account_features(txns: ir.Table) -> ir.Table:
    """One row per account that moved money: counts, sums, pass-through, fan-in/out, cash, night."""
    moves = movements(txns)
    is_in = moves.way == 1
    # The latest arrival before each row, over a total order (ts, arrivals first, txn_id).
    window = ibis.window(
        group_by=moves.account,
        order_by=[moves.ts, ibis.desc(moves.way), moves.txn_id],
        preceding=None,
        following=0,
    )
    last_in = ibis.ifelse(is_in, moves.ts.epoch_seconds(), ibis.null("int64")).max().over(window)
    moves = moves.mutate(gap_s=moves.ts.epoch_seconds() - last_in, hour=local_hour(moves.ts))
    is_in = moves.way == 1
    out = moves.way == -1
    passed = out & (moves.gap_s <= PASS_WINDOW_S)
    night = (moves.hour >= NIGHT_HOURS[0]) & (moves.hour < NIGHT_HOURS[1])
    zero = ibis.literal(0, "int64")
    return moves.group_by("account").aggregate(
        kind=moves.kind.max(),
        n_in=is_in.sum().cast("int64"),
        n_out=out.sum().cast("int64"),
        in_fen=ibis.ifelse(is_in, moves.fen, zero).sum().cast("int64"),
        out_fen=ibis.ifelse(out, moves.fen, zero).sum().cast("int64"),
        pass_fen=ibis.ifelse(passed.fill_null(False), moves.fen, zero).sum().cast("int64"),
        n_src=moves.peer.nunique(where=is_in).cast("int64"),
        n_dst=moves.peer.nunique(where=out).cast("int64"),
        n_cash=(out & moves.cash).sum().cast("int64"),
        n_night=night.sum().cast("int64"),
        first_ts=moves.ts.min(),
        last_ts=moves.ts.max(),
    )
