"""OTC exchangers (承兑商) and wallets (Art 33): the fraud money's crypto cash-out as the exchanges see it.

Every fraud transfer to a wallet (channel crypto_otc) is, on the exchange's side, a buy from one of a few
merchants who serve the groups; those merchants also serve honest customers (hard negatives), and
honest people buy USDT from honest merchants into their own wallets. Own random stream: the other tables
do not move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fanzha.sim.accounts import wallet_addresses
from fanzha.sim.blocks import Block
from fanzha.sim.config import SimConfig
from fanzha.sim.rng import stream
from fanzha.sim.writer import to_table

EXCHANGES = ("otc-hb", "otc-ok", "otc-bn")
MERCHANTS_PER_EXCHANGE = 4
DIRTY_MERCHANTS = 3  # merchants who take the groups' money; they serve honest buyers too


@dataclass(frozen=True)
class Otc:
    """The trades table and the truth: accounts that cashed fraud money out and the wallets credited."""

    trades: pa.Table
    fraud_accounts: list[str]
    fraud_wallets: list[str]


def build_otc(cfg: SimConfig, fraud_txn: Block, honest_cards: pa.Array) -> Otc:
    """Fraud cash-outs from the money flow (channel crypto_otc) beside honest buyers' trades."""
    rng = stream(cfg.seed, "otc")
    merchants = [f"{e}:m{i:03d}" for e in EXCHANGES for i in range(MERCHANTS_PER_EXCHANGE)]
    dirty = [merchants[int(i)] for i in rng.choice(len(merchants), DIRTY_MERCHANTS, replace=False)]
    clean = [m for m in merchants if m not in dirty]
    rows: list[tuple[int, str, str, str, str, str, int]] = []
    channel = np.asarray(fraud_txn.get("channel", pa.array([], pa.string())).to_pylist() if fraud_txn else [])
    fraud_accounts: set[str] = set()
    fraud_wallets: set[str] = set()
    if len(channel):
        pick = np.flatnonzero(channel == "crypto_otc")
        src = fraud_txn["src_account"].take(pa.array(pick)).to_pylist()
        kind = fraud_txn["src_kind"].take(pa.array(pick)).to_pylist()
        dst = fraud_txn["dst_account"].take(pa.array(pick)).to_pylist()
        amt = np.asarray(fraud_txn["amount_fen"])[pick]
        ts = np.asarray(fraud_txn["ts"])[pick]
        for i in range(len(pick)):
            merchant = dirty[int(rng.integers(0, len(dirty)))]
            rows.append((int(ts[i]), merchant, "buy", kind[i], src[i], dst[i], int(amt[i])))
            fraud_accounts.add(src[i])
            fraud_wallets.add(dst[i])
    # Honest buyers: a small share of card holders, each with a wallet of their own, a few trades each.
    n_buyers = max(20, cfg.people // 150)
    cards = honest_cards.to_pylist()
    buyers = [cards[int(i)] for i in rng.choice(len(cards), min(n_buyers, len(cards)), replace=False)]
    own = wallet_addresses(cfg.seed + 7_000_003, len(buyers)).to_pylist()
    for card, wallet in zip(buyers, own, strict=True):
        for _ in range(int(rng.integers(1, 4))):
            # One in five honest buyers uses a merchant who also serves the groups.
            merchant = (dirty if rng.random() < 0.2 else clean)[int(rng.integers(0, 3))]
            side = "buy" if rng.random() < 0.7 else "sell"
            at = cfg.t0 + int(rng.integers(0, cfg.days * 86_400))
            amount = int(rng.choice([50_000, 100_000, 200_000, 500_000, 1_000_000]))
            rows.append((at, merchant, side, "bank_card", card, wallet, amount))
    rows.sort(key=lambda r: (r[0], r[4]))
    table = to_table(
        "otc_trades",
        {
            "trade_id": np.arange(len(rows), dtype=np.int64),
            "ts": pa.array([r[0] for r in rows], pa.int64()),
            "exchange": [r[1].split(":", 1)[0] for r in rows],
            "merchant": [r[1] for r in rows],
            "side": [r[2] for r in rows],
            "account_kind": [r[3] for r in rows],
            "account": [r[4] for r in rows],
            "wallet": [r[5] for r in rows],
            "amount_fen": pa.array([r[6] for r in rows], pa.int64()),
        },
    )
    return Otc(table, sorted(fraud_accounts), sorted(fraud_wallets))
