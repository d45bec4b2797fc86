"""Virtual-currency cash-out (Art 33): accounts that trade with OTC merchants for fraud money, and the
wallets the money goes to.

Art 33 forbids exchanging fraud money between yuan and virtual currency. The exchanges' trade records
(otc_trades) show which account paid which merchant for USDT into which wallet. An account is suspect
when the yuan it paid had just arrived from others (money passing through, as in the layering the funds
tracing follows), when it buys into a wallet that collects from several such accounts, or into a wallet
tied to fraud money: a sample (optional `sample_wallets.parquet`, column `identifier`) or a place the
funds tracing reached (optional `traced_accounts.parquet`, column `identifier`, as `fanzha funds trace`
exports its located accounts). Banks' transfers to a wallet count as purchases too (merchant
unknown), so a province without the exchanges' records is still judged. Wallets are ordered through
the exchange that serves them (disposal).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanzha.detect.frame import REASON_SEP, Engine, as_alerts, clip01, reasons_of, union_alerts
from fanzha.detect.province import Province

ARTICLE = "第三十三条"
SAMPLE_WALLETS = "sample_wallets.parquet"
TRACED_FILE = "traced_accounts.parquet"
WINDOW_S = 2 * 3600  # yuan that arrived in the two hours before a trade "passes through"
PASS_SHARE = 0.8
COLLECT_PAYERS = 2  # a wallet paid for by several accounts' yuan collects for someone

REASONS: dict[str, tuple[str, str]] = {
    "passing": (
        f"购币资金在交易前两小时内由他人转入（资金过账后即兑换虚拟货币，{ARTICLE}）",
        "The yuan paid for the crypto arrived from others in the two hours before (Art 33)",
    ),
    "sources": (
        f"交易前一日内有多个不同账户转入（{ARTICLE}）",
        "Several different accounts paid in the day before the trade (Art 33)",
    ),
    "collecting": (
        f"买入的虚拟货币转入多个账户共同使用的钱包（{ARTICLE}）",
        "Bought into a wallet that several accounts pay for (Art 33)",
    ),
    "tied": (
        f"交易钱包为涉诈样本或资金查控追踪到的涉诈资金去向（{ARTICLE}）",
        "The wallet is a sample or a place the fund tracing reached (Art 33)",
    ),
    "merchant": (
        f"交易对手承兑商曾为过账资金兑换虚拟货币（{ARTICLE}）",
        "The OTC merchant exchanged passing-through money before (Art 33)",
    ),
    "w_tied": (
        f"钱包为涉诈样本或资金查控追踪到的涉诈资金去向（{ARTICLE}）",
        "Wallet is a sample or a place the fund tracing reached (Art 33)",
    ),
    "w_collecting": (
        f"多个账户为同一钱包购买虚拟货币（{ARTICLE}）",
        "Several accounts buy crypto into this wallet (Art 33)",
    ),
    "w_passing": (
        f"为该钱包付款的资金多为过账资金（{ARTICLE}）",
        "The yuan paid for this wallet mostly passed through other accounts (Art 33)",
    ),
}


def reasons_en(text: str) -> str:
    """The English of an alert's reasons."""
    back = {zh: en for zh, en in REASONS.values()}
    return "; ".join(back.get(part, part) for part in text.split(REASON_SEP) if part)


class CryptoCashoutV1(Engine):
    """Accounts cashing fraud money out through OTC merchants, and the wallets that receive it."""

    name = "CryptoCashoutV1"
    articles = "33"
    title_zh = "虚拟货币兑换涉诈资金监测"
    title_en = "Virtual-currency cash-out of fraud money"
    inputs = ("otc_trades", "transactions")
    truth_roles = frozenset({"otc_cashout_account", "fraud_wallet"})

    def _listed(self, p: Province, name: str) -> ir.Table | None:
        """An optional list of identifiers beside the data (samples, tracing)."""
        if not p.has(name):
            return None
        t = p.con.read_parquet(p.location(name), table_name=name.removesuffix(".parquet"))
        return t.select(wallet=t.identifier.cast("string")).distinct()

    def _tied(self, p: Province) -> ir.Table | None:
        lists = [t for t in (self._listed(p, SAMPLE_WALLETS), self._listed(p, TRACED_FILE)) if t is not None]
        if not lists:
            return None
        return (ibis.union(*lists) if len(lists) > 1 else lists[0]).distinct()

    def buys(self, p: Province) -> ir.Table:
        """Yuan → crypto purchases: the exchanges' records, and the banks' transfers to a wallet.

        A bank sees a purchase as a transfer to a wallet (dst_kind wallet) without the merchant; the same
        purchase in both records counts once, with the exchange's merchant.
        """
        t, x = p["otc_trades"], p["transactions"]
        from_exchange = t.filter(t.side == "buy").select(
            "account", "wallet", "amount_fen", t_s=t.ts.epoch_seconds(), merchant=t.merchant, last=t.ts
        )
        bank = x.filter(x.dst_kind == "wallet")
        from_bank = bank.select(
            account=bank.src_account,
            wallet=bank.dst_account,
            amount_fen=bank.amount_fen,
            t_s=bank.ts.epoch_seconds(),
            merchant=ibis.literal("").cast("string"),
            last=bank.ts,
        )
        both = ibis.union(from_exchange, from_bank)
        return both.group_by("account", "wallet", "amount_fen", "t_s").aggregate(
            merchant=both.merchant.max(), last=both.last.max()
        )

    def trades(self, p: Province) -> ir.Table:
        """Purchases with the yuan that arrived before each and the wallet's and merchant's facts."""
        buys, x = self.buys(p), p["transactions"]
        key = ["account", "wallet", "amount_fen", "t_s"]
        inflow = x.filter((x.channel != "salary") & (x.dst_kind != "wallet")).select(
            dst=x.dst_account, src=x.src_account, x_fen=x.amount_fen, x_s=x.ts.epoch_seconds()
        )
        j = buys.inner_join(
            inflow,
            (buys.account == inflow.dst) & (inflow.x_s <= buys.t_s) & (inflow.x_s >= buys.t_s - 86_400),
        )
        per = j.group_by(key).aggregate(
            in_fen=ibis.ifelse(j.x_s >= j.t_s - WINDOW_S, j.x_fen, 0).sum(),
            n_src=j.src.nunique(),
        )
        f = buys.left_join(per, key)
        f = f.select(*[c for c in f.columns if not c.endswith("_right")])
        f = f.mutate(
            passing=(f.in_fen.fill_null(0).cast("float64") >= PASS_SHARE * f.amount_fen.cast("float64")),
            sources=f.n_src.fill_null(0) >= 3,
        )
        wallets = f.group_by(f.wallet).aggregate(
            n_payers=f.account.nunique(), n_passing=f.passing.cast("int64").sum(), n_trades=f.count()
        )
        merchants = f.group_by(f.merchant).aggregate(m_passing=f.passing.cast("int64").sum())
        f = f.inner_join(wallets, "wallet").inner_join(merchants, "merchant")
        f = f.select(*[c for c in f.columns if not c.endswith("_right")])
        # A bank-only purchase names no merchant: no merchant fact for it.
        f = f.mutate(m_passing=ibis.ifelse(f.merchant == "", 0, f.m_passing))
        tied = self._tied(p)
        if tied is not None:
            f = f.left_join(tied.mutate(is_tied=ibis.literal(1)), "wallet")
            f = f.select(*[c for c in f.columns if c != "wallet_right"])
            f = f.mutate(is_tied=f.is_tied.fill_null(0))
        else:
            f = f.mutate(is_tied=ibis.literal(0))
        return f

    def alerts(self, p: Province) -> ir.Table:
        f = self.trades(p)
        acct = f.group_by(f.account).aggregate(
            passing=f.passing.cast("int64").max(),
            sources=f.sources.cast("int64").max(),
            collecting=(f.n_payers >= COLLECT_PAYERS).cast("int64").max(),
            tied=f.is_tied.max(),
            # the merchant changed other passing money besides this account's
            merchant=(f.m_passing - f.passing.cast("int64") > 0).cast("int64").max(),
            last_seen=f.last.max(),
        )
        kind = ibis.ifelse(acct.account.contains(":"), "payment_account", "bank_card")
        a_score = clip01(
            0.5 * acct.passing.cast("float64")
            + 0.15 * acct.sources.cast("float64")
            + 0.2 * acct.collecting.cast("float64")
            + 0.6 * acct.tied.cast("float64")
            + 0.1 * acct.merchant.cast("float64")
        )
        accounts = as_alerts(
            acct,
            object_kind=kind,
            identifier=acct.account,
            score=a_score,
            reasons=reasons_of(
                *[
                    (acct[k] > 0, REASONS[k][0])
                    for k in ("tied", "passing", "sources", "collecting", "merchant")
                ]
            ),
            last_seen=acct.last_seen,
        )
        w = f.group_by(f.wallet).aggregate(
            tied=f.is_tied.max(),
            collecting=(f.n_payers.max() >= COLLECT_PAYERS).cast("int64"),
            passing_share=f.passing.cast("float64").mean(),
            last_seen=f.last.max(),
        )
        w_passing = w.passing_share >= 0.5
        w_score = clip01(
            0.6 * w.tied.cast("float64")
            + 0.25 * w.collecting.cast("float64")
            + 0.4 * w_passing.cast("float64")
        )
        wallets = as_alerts(
            w,
            object_kind="wallet",
            identifier=w.wallet,
            score=w_score,
            reasons=reasons_of(
                (w.tied > 0, REASONS["w_tied"][0]),
                (w.collecting > 0, REASONS["w_collecting"][0]),
                (w_passing, REASONS["w_passing"][0]),
            ),
            last_seen=w.last_seen,
        )
        return union_alerts([accounts, wallets])

    def truth(self, p: Province) -> ir.Table:
        """Fraud accounts (any labelled role) that bought crypto, and the fraud wallets they bought into."""
        objects, b = p["label_objects"], self.buys(p)
        fraud = objects.filter(objects.role != "trader").select("object_kind", "identifier").distinct()
        buyers = b.select(identifier=b.account).distinct()
        wallets = b.select(identifier=b.wallet).distinct()
        accounts = fraud.filter(fraud.object_kind.isin(["bank_card", "payment_account"])).inner_join(
            buyers, "identifier"
        )
        held = fraud.filter(fraud.object_kind == "wallet").inner_join(wallets, "identifier")
        return ibis.union(
            accounts.select("object_kind", "identifier"), held.select("object_kind", "identifier")
        ).distinct()

    def universe(self, p: Province) -> ir.Table:
        b = self.buys(p)
        kind = ibis.ifelse(b.account.contains(":"), "payment_account", "bank_card")
        accounts = b.select(object_kind=kind, identifier=b.account)
        wallets = b.select(object_kind=ibis.literal("wallet"), identifier=b.wallet)
        return ibis.union(accounts, wallets).distinct()


ENGINES: tuple[type[Engine], ...] = (CryptoCashoutV1,)
