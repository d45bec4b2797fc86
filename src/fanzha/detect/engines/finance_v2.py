"""Mule accounts scored by a calibrated model (Art 18): money passed on within a day, not only minutes.

V1 counts money passed on within three hours and cubes the share, so layering that holds funds for
hours escapes it, while a family gathering money for a hospital bill or a shop paying its supplier
in the evening looks like pass-through. V2 measures pass-through at three hours and at a day, and
gives the model what tells them apart: who paid in (many small payers is a shop), where the money
went (a merchant's QR code is a purchase; new payees, cash and crypto are not), and amounts.
"""

from __future__ import annotations

from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect.engines.finance import MULE_ROLES, MuleAccountV1
from fanzha.detect.engines.finance_features import arrivals, departures, passed_on
from fanzha.detect.engines.telecom_v2 import ModelEngine
from fanzha.detect.frame import Engine, local_hour
from fanzha.detect.province import Province

DAY_WINDOW_S = 24 * 3600  # mules paid by 跑分 platforms hold funds for hours to dodge in-out rules
QUICK_WINDOW_S = 3 * 3600
MIN_IN_FEN = 20_000  # 200 yuan: pocket money passing through is not laundering


def _log1p(x: ir.NumericValue) -> ir.FloatingValue:
    return (x.cast("float64") + 1.0).ln()


def _share(a: ir.NumericValue, b: ir.NumericValue) -> ir.FloatingValue:
    return a.cast("float64") / ibis.greatest(b, 1).cast("float64")


class MuleAccountV2(ModelEngine):
    """Accounts that pass money on within a day, told from shops and families by whom they pay."""

    name = "MuleAccountV2"
    version = 2
    articles = "18"
    title_zh = "涉诈账户与可疑交易监测（模型）"
    title_en = "Mule accounts (model)"
    inputs = ("transactions", "bank_cards", "payment_accounts")
    truth_roles = MULE_ROLES
    object_kind = "bank_card"  # the frame's `kind` column gives each row its own
    REASONS: ClassVar[dict[str, str]] = {
        "pass_day": "转入资金在24小时内大部分转出",
        "pass_quick": "资金快进快出（3小时内转出）",
        "amount": "过账金额大",
        "payers": "多个付款方转入",
        "payees": "资金分散转出到多个账户",
        "avg_in": "单笔转入金额大",
        "to_accounts": "转出多为转账而非消费",
        "cash": "转入后通过ATM取现或购买虚拟币",
        "night": "夜间（0-6时）转账占比高",
    }

    def frame(self, p: Province) -> ir.Table:
        txns = p["transactions"]
        ins, outs = arrivals(txns), departures(txns)
        day = passed_on(ins, outs, DAY_WINDOW_S)
        quick = passed_on(ins, outs, QUICK_WINDOW_S).rename(quick_fen="pass_fen")
        ins = ins.semi_join(day, ins.account == day.account)
        outs = outs.semi_join(day, outs.account == day.account)
        chan = txns.select(txn_id=txns.txn_id, channel=txns.channel)
        outs = outs.join(chan, "txn_id")
        hour = local_hour(outs.ts)
        got = ins.group_by("account").aggregate(
            kind=ins.kind.max(),
            n_in=ins.count(),
            in_fen=ins.fen.sum(),
            n_src=ins.peer.nunique(),
        )
        sent = outs.group_by("account").aggregate(
            n_out=outs.count(),
            out_fen=outs.fen.sum(),
            n_dst=outs.peer.nunique(),
            n_cash=outs.cash.cast("int64").sum(),
            n_qr=(outs.channel == "qr").cast("int64").sum(),
            n_night=(hour < 6).cast("int64").sum(),
            last_seen=outs.ts.max(),
        )
        f = day.join(got, "account").join(sent, "account").left_join(quick, "account")
        f = f.select(*[c for c in f.columns if not c.endswith("_right")])
        f = f.filter(f.in_fen >= MIN_IN_FEN)
        quick_fen = f.quick_fen.fill_null(0)
        pass_day = ibis.least(_share(f.pass_fen, f.in_fen), _share(f.pass_fen, f.out_fen))
        pass_quick = ibis.least(_share(quick_fen, f.in_fen), _share(quick_fen, f.out_fen))
        return f.select(
            identifier=f.account,
            kind=f.kind,
            last_seen=f.last_seen,
            pass_day=ibis.least(pass_day, 1.0),
            pass_quick=ibis.least(pass_quick, 1.0),
            amount=_log1p(f.pass_fen / 100),
            payers=_log1p(f.n_src),
            payees=_log1p(f.n_dst),
            avg_in=_log1p(f.in_fen / f.n_in / 100),
            to_accounts=1.0 - _share(f.n_qr, f.n_out),
            cash=_share(f.n_cash, f.n_out),
            night=_share(f.n_night, f.n_out),
        )

    def truth(self, p: Province) -> ir.Table:
        return MuleAccountV1().truth(p)

    def universe(self, p: Province) -> ir.Table:
        return MuleAccountV1().universe(p)


ENGINES: tuple[type[Engine], ...] = (MuleAccountV2,)
