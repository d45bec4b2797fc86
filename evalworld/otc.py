"""USDT bought and sold for yuan through OTC merchants (承兑商, U商) as exchanges record it (Art 33)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from evalworld import ids
from evalworld.holdings import HOUR_MS, World
from evalworld.store import Rows

MIN_MS = 60_000
# Exchanges' OTC boards and one private desk run from chat groups (场外群).
EXCHANGES = ("EXC-A", "EXC-B", "EXC-C", "DESK-G")
EXCHANGE_WEIGHT = (0.45, 0.3, 0.15, 0.1)


class Otc:
    """Merchants, ordinary traders and the groups' cash-outs, as trade rows."""

    def __init__(self, w: World, groups: list[Any]) -> None:
        self.w = w
        self.groups = groups
        self.rng = np.random.default_rng(np.random.SeedSequence([w.p.seed, 0x07C, 33]))
        self.rows = Rows("otc_trades")
        self.end = w.ts(w.p.days)
        self.merchants: dict[str, list[str]] = {}
        self.weights: dict[str, np.ndarray] = {}
        self.complicit: list[str] = []
        self.cashout: dict[tuple[str, str], tuple[str, int | None, int]] = {}

    def build(self) -> None:
        """Merchants first, then every kind of trader."""
        self._merchants()
        self._mirror()
        self._investors()
        self._arbitrage()
        self._importers()
        self._backend_sells()

    # ------------------------------------------------------------------ merchants
    def _merchants(self) -> None:
        rng = self.rng
        for ex in EXCHANGES:
            n = int(rng.integers(5, 13))
            names = [f"{ex}:mch{int(x):04d}" for x in rng.choice(10_000, n, replace=False)]
            self.merchants[ex] = names
            # A few large merchants serve most ordinary trades (Zipf-like).
            wt = 1.0 / np.arange(1, n + 1) ** 1.1
            self.weights[ex] = wt / wt.sum()
        # Merchants who knowingly take money of unknown origin: small ones, more on the private desk.
        for ex in EXCHANGES:
            k = 2 if ex == "DESK-G" else int(rng.random() < 0.5)
            self.complicit += self.merchants[ex][-k:] if k else []

    def _exchange(self) -> str:
        return EXCHANGES[int(self.rng.choice(len(EXCHANGES), p=np.array(EXCHANGE_WEIGHT)))]

    def _ordinary_merchant(self) -> str:
        ex = self._exchange()
        return self.merchants[ex][int(self.rng.choice(len(self.merchants[ex]), p=self.weights[ex]))]

    def _trade(
        self, t: int, merchant: str, side: str, kind: str, acct: str, wallet: str, amount: int
    ) -> bool:
        if t >= self.end or t < self.w.t0 or amount <= 0:
            return False
        self.rows.add(
            ts=int(t),
            exchange=merchant.split(":")[0],
            merchant=merchant,
            side=side,
            account_kind=kind,
            account=acct,
            wallet=wallet,
            amount_fen=int(amount),
        )
        return True

    def _bank_buy(self, t: int, kind: str, acct: str, wallet: str, amount: int, imei: str | None) -> None:
        """The bank's side of a buy: yuan leaves the account (the contract records it as to the wallet)."""
        if self.w.t0 <= t < self.end:
            self.w.tables["transactions"].add(
                ts=int(t),
                src_kind=kind,
                src_account=acct,
                dst_kind="wallet",
                dst_account=wallet,
                amount_fen=int(amount),
                channel="crypto_otc",
                device_imei=imei,
            )

    def _wallet(self) -> str:
        w = self.w
        addr = w.uniq.take(lambda: ids.tron_address(self.rng))
        w.wallet_row[addr] = w.tables["wallets"].add(
            wallet_id=w.tables["wallets"].n, address=addr, chain="TRON"
        )
        return addr

    # ------------------------------------------------------------------ the banks' crypto transfers
    def _mirror(self) -> None:
        """Every bank transfer to a wallet is a buy on some exchange, released minutes later."""
        w, rng = self.w, self.rng
        tx = w.tables["transactions"].cols
        cases = w.tables["label_cases"].cols
        group_of = dict(zip(cases["case_id"], cases["group_id"], strict=True))
        for i in range(len(tx["ts"])):
            if tx["channel"][i] != "crypto_otc":
                continue
            case = tx["_case"][i]
            lag = int(rng.uniform(1, 12) * MIN_MS)
            if case is None:
                merchant = self._ordinary_merchant()
            elif rng.random() < w.p.otc_complicit_share:
                merchant = self.complicit[int(rng.integers(len(self.complicit)))]
            else:
                merchant = self._ordinary_merchant()
            kind, acct = tx["src_kind"][i], tx["src_account"][i]
            done = self._trade(
                tx["ts"][i] + lag, merchant, "buy", kind, acct, tx["dst_account"][i], tx["amount_fen"][i]
            )
            if done and case is not None:
                row = (w.bank_row if kind == "bank_card" else w.pay_row)[acct]
                table = "bank_cards" if kind == "bank_card" else "payment_accounts"
                self.cashout.setdefault((kind, acct), (table, row, int(group_of[case])))

    # ------------------------------------------------------------------ ordinary traders
    def _investors(self) -> None:
        """Small investors: a buy or sell every week or two, evenings and weekends, round sums."""
        w, rng = self.w, self.rng
        adults = [q for q in w.people if 20 <= q.age <= 50 and q.cards and q.occ != "student"]
        n = max(3, int(len(adults) * w.p.otc_investor_share))
        for k in rng.choice(len(adults), min(n, len(adults)), replace=False).tolist():
            q = adults[int(k)]
            wallet = self._wallet()
            per_day = rng.uniform(0.05, 0.25)
            held = 0
            for d in range(w.p.days):
                weekend = (w.p.start + dt.timedelta(days=d)).weekday() >= 5
                if rng.random() > per_day * (1.8 if weekend else 1.0):
                    continue
                hour = rng.uniform(10, 18) if weekend and rng.random() < 0.5 else rng.uniform(19, 24.5)
                t = w.ts(d, hour)
                amount = float(np.exp(rng.normal(np.log(3000), 0.9)))
                amount = round(amount, -2) if rng.random() < 0.7 else round(amount, 2)
                fen = max(100_00, int(amount * 100))
                merchant = self._ordinary_merchant() if rng.random() > 0.08 else self.complicit[0]
                if held > 0 and rng.random() < 0.3:
                    fen = min(fen, held)
                    if self._trade(t, merchant, "sell", "bank_card", q.cards[0], wallet, fen):
                        held -= fen
                elif self._trade(
                    t + int(rng.uniform(1, 10) * MIN_MS),
                    merchant,
                    "buy",
                    "bank_card",
                    q.cards[0],
                    wallet,
                    fen,
                ):
                    self._bank_buy(t, "bank_card", q.cards[0], wallet, fen, q.imei)
                    held += fen

    def _arbitrage(self) -> None:
        """搬砖 traders: buy on one board, sell on another within hours, many times a day, day and night."""
        w, rng = self.w, self.rng
        adults = [q for q in w.people if 22 <= q.age <= 40 and q.cards]
        for k in rng.choice(
            len(adults),
            min(len(adults), int(rng.integers(*w.p.otc_arbitrage_traders, endpoint=True))),
            replace=False,
        ).tolist():
            q = adults[int(k)]
            wallet = self._wallet()
            acct_kind, acct = (
                ("payment_account", q.pay[0]) if q.pay and rng.random() < 0.3 else ("bank_card", q.cards[0])
            )
            for d in range(w.p.days):
                if rng.random() < 0.15:
                    continue  # days off
                for _ in range(int(rng.integers(3, 14))):
                    t = w.ts(d, float(rng.uniform(0, 24)))
                    fen = int(rng.uniform(5_000, 50_000)) * 100
                    if self._trade(t, self._ordinary_merchant(), "buy", acct_kind, acct, wallet, fen):
                        self._bank_buy(
                            t - int(rng.uniform(1, 6) * MIN_MS), acct_kind, acct, wallet, fen, q.imei
                        )
                    back = int(fen * rng.uniform(1.002, 1.012))  # sold a little dearer
                    self._trade(
                        t + int(rng.uniform(0.2, 6) * HOUR_MS),
                        self._ordinary_merchant(),
                        "sell",
                        acct_kind,
                        acct,
                        wallet,
                        back,
                    )

    def _importers(self) -> None:
        """Import-export firms pay suppliers abroad in USDT: large buys twice a week from the company card."""
        w, rng = self.w, self.rng
        employers = [b for b, k in enumerate(w.business_kind) if k == "employer" and b in w.business_card]
        for b in rng.choice(
            len(employers), min(len(employers), int(rng.integers(1, 4))), replace=False
        ).tolist():
            card = w.business_card[employers[int(b)]]
            wallet = self._wallet()
            merchant = self._ordinary_merchant()
            for d in range(w.p.days):
                if (w.p.start + dt.timedelta(days=d)).weekday() not in (1, 3) or rng.random() < 0.2:
                    continue
                t = w.ts(d, float(rng.uniform(9.5, 16.5)))
                fen = int(np.exp(rng.uniform(np.log(50_000), np.log(300_000)))) * 100
                if self._trade(t, merchant, "buy", "bank_card", card, wallet, fen):
                    self._bank_buy(t - 5 * MIN_MS, "bank_card", card, wallet, fen, None)

    # ------------------------------------------------------------------ fraud: back to yuan
    def _backend_sells(self) -> None:
        """Back-end launderers sell the groups' USDT for yuan paid into accounts they control (洗白)."""
        w, rng = self.w, self.rng
        got: dict[int, int] = {}
        for i in range(len(self.rows.cols["ts"])):
            key = (self.rows.cols["account_kind"][i], self.rows.cols["account"][i])
            if key in self.cashout:
                got.setdefault(self.cashout[key][2], self.rows.cols["ts"][i])
        for g in self.groups:
            if g.gid not in got or not g.wallets:
                continue
            t0 = got[g.gid]
            for _ in range(int(rng.integers(*w.p.otc_backend_sells_per_group, endpoint=True))):
                t = t0 + int(rng.uniform(2, 72) * HOUR_MS)
                fen = int(rng.uniform(10_000, 50_000)) * 100
                merchant = (
                    self.complicit[int(rng.integers(len(self.complicit)))]
                    if rng.random() < 0.8
                    else self._ordinary_merchant()
                )
                if g.layer and rng.random() < 0.5:
                    a = g.layer[int(rng.integers(len(g.layer)))]
                    kind, acct = a.kind, a.ident
                    table = "bank_cards" if kind == "bank_card" else "payment_accounts"
                    row = (w.bank_row if kind == "bank_card" else w.pay_row).get(acct)
                else:  # a card from another province, seen only on the exchange
                    kind, table, row = "bank_card", "otc_trades", None
                    acct = w.uniq.take(lambda: ids.card_number(rng, "621483", 16))
                if self._trade(
                    t, merchant, "sell", kind, acct, g.wallets[int(rng.integers(len(g.wallets)))], fen
                ):
                    self.cashout.setdefault((kind, acct), (table, row, g.gid))

    # ------------------------------------------------------------------ output
    def label(self) -> None:
        """otc_cashout_account for every account that moved a group's money through a merchant."""
        for (kind, acct), (table, row, gid) in self.cashout.items():
            self.w.label(kind, acct, table, row, "otc_cashout_account", gid)
