"""Where victims' money goes: collection, layering (fan-out, chains, scatter-gather), cash-out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim.actors import BANK_ROLES
from fanzha.sim.blocks import Block
from fanzha.sim.rng import stream
from fanzha.sim.spending import face_id, txn_block
from fanzha.sim.vocab import CHANNELS, LAYERINGS, MONEY_PATTERNS, TERMINALS
from fanzha.sim.world import World

I64A = npt.NDArray[np.int64]
MIN = 60
WITHDRAWAL_FEN = 200_000  # an ATM hands out at most 2,000 yuan at a time in this province


@dataclass
class Payment:
    """One payment a victim makes to a group."""

    case: int
    group: int
    payment_no: int
    ts: int
    amount: int
    src: int  # universal account row of the victim
    device: int


@dataclass
class Flows:
    """Fraud transactions and ATM events, as Python lists (there are few)."""

    ts: list[int] = field(default_factory=list)
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)
    amount: list[int] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    device: list[int] = field(default_factory=list)
    case: list[int] = field(default_factory=list)
    payment_no: list[int] = field(default_factory=list)
    hop: list[int] = field(default_factory=list)
    pattern: list[int] = field(default_factory=list)
    layering: list[int] = field(default_factory=list)
    terminal: list[int] = field(default_factory=list)
    atm_txn: list[int] = field(default_factory=list)  # row in these lists
    atm_id: list[int] = field(default_factory=list)
    atm_card: list[int] = field(default_factory=list)  # bank card row
    atm_person: list[int] = field(default_factory=list)
    atm_covered: list[bool] = field(default_factory=list)

    def add(
        self,
        p: Payment,
        lay: int,
        term: int,
        ts: int,
        src: int,
        dst: int,
        amount: int,
        channel: str,
        hop: int,
        pattern: str,
        device: int = -1,
    ) -> int:
        """Append one transaction; returns its row."""
        self.ts.append(ts)
        self.src.append(src)
        self.dst.append(dst)
        self.amount.append(amount)
        self.channel.append(CHANNELS.index(channel))
        self.device.append(device)
        self.case.append(p.case)
        self.payment_no.append(p.payment_no)
        self.hop.append(hop)
        self.pattern.append(MONEY_PATTERNS.index(pattern))
        self.layering.append(lay)
        self.terminal.append(term)
        return len(self.ts) - 1


class Layerer:
    """Moves each payment through a group's mule accounts to an ATM or a wallet."""

    def __init__(self, w: World, rng: np.random.Generator) -> None:
        self.w = w
        self.rng = rng
        plan = w.plan
        self.pools: list[list[I64A]] = []
        rows = w.banks.fraud  # bank rows are the first block of the account universe
        for g in range(plan.n_groups):
            in_g = plan.bank_group == g
            self.pools.append([rows[in_g & (plan.bank_role == r)] for r in range(len(BANK_ROLES))])
        self.pay_pools = [w.pay.fraud[plan.pay_group == g] + w.pay0 for g in range(plan.n_groups)]
        self.wallets = [np.flatnonzero(plan.wallet_group == g) + w.wallet0 for g in range(plan.n_groups)]
        self.hold_rng = stream(w.cfg.seed, "money-hold")  # holds draw apart from the rest
        self.count = 0
        self.group_count = np.zeros(plan.n_groups, dtype=np.int64)
        self.flows = Flows()

    def collection_account(self, g: int) -> int:
        """The account a victim is told to pay: filled four payments at a time (fan-in)."""
        i = int(self.group_count[g])
        self.group_count[g] += 1
        pays = self.pay_pools[g]
        if len(pays) and i % 3 == 2:
            return int(pays[(i // 3) % len(pays)])
        pool = self.pools[g][0]
        return int(pool[(i // 4) % len(pool)])

    def _mins(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo * MIN, hi * MIN + 1))

    def _wait(self, t: int, lo: int, hi: int) -> int:
        """Delay before a mule passes money on: minutes, or for some hops a hold of up to a day.

        A held hop waits log-uniformly from 10 minutes to `layer_hold_max_h` hours (跑分 platforms
        and "卡农" hold funds to dodge rapid in-out rules), but never so long that the money would
        leave the simulated days.
        """
        cfg, r = self.w.cfg, self.hold_rng
        wait = self._mins(lo, hi)
        if r.random() < cfg.layer_hold_share:
            held = int(np.exp(r.uniform(np.log(10 * MIN), np.log(cfg.layer_hold_max_h * 3600))))
            room = cfg.t_end - 6 * 3600 - t
            wait = max(wait, min(held, room))
        return wait

    def _fee(self, amount: int) -> int:
        """What is passed on after a small cut, rounded down to whole yuan."""
        return int(amount * (1 - self.rng.uniform(0, 0.005))) // 100 * 100

    def _split(self, amount: int, k: int) -> list[int]:
        """Split an amount into up to k fairly even parts of at least 100 yuan, less a cut."""
        k = max(2, min(k, amount // 50_000))
        share = self.rng.dirichlet(np.full(k, 5.0))
        parts = [self._fee(int(amount * x)) for x in share]
        return [a for a in parts if a >= 10_000] or [self._fee(amount)]

    def payment(self, p: Payment) -> None:
        """The victim's payment and everything that follows it."""
        f, g = self.flows, p.group
        lay = self.count % len(LAYERINGS)
        term = 1 if self.count % 4 == 3 else 0
        self.count += 1
        l1 = self.collection_account(g)
        f.add(p, lay, term, p.ts, p.src, l1, p.amount, "transfer", 0, "victim_payment", p.device)
        layer = self.pools[g][1]
        t = p.ts + self._wait(p.ts, 1, 10)
        leaves: list[tuple[int, int, int, int]] = []  # (account, amount, ready time, hop)
        if LAYERINGS[lay] == "fan_out":
            parts = self._split(p.amount, int(self.rng.integers(3, 7)))
            to = self.rng.choice(layer, size=len(parts), replace=False)
            for a, amt in zip(to, parts, strict=True):
                t += self._mins(0, 3)
                f.add(p, lay, term, t, l1, int(a), amt, "transfer", 1, "fan_out")
                leaves.append((int(a), amt, t + self._wait(t, 0, 2), 1))
        elif LAYERINGS[lay] == "chain":
            hops = int(self.rng.integers(2, 6))
            path = self.rng.choice(layer, size=min(hops, len(layer)), replace=False)
            src, amt = l1, p.amount
            for h, a in enumerate(path, start=1):
                amt = self._fee(amt)
                f.add(p, lay, term, t, src, int(a), amt, "transfer", h, "chain")
                src = int(a)
                t += self._wait(t, 1, 8)
            leaves.append((src, amt, t, len(path)))
        else:
            parts = self._split(p.amount, int(self.rng.integers(3, 6)))
            picked = self.rng.choice(layer, size=len(parts) + 1, replace=False)
            gather = int(picked[0])
            total, last = 0, t
            for a, amt in zip(picked[1:], parts, strict=True):
                t1 = t + self._mins(0, 3)
                f.add(p, lay, term, t1, l1, int(a), amt, "transfer", 1, "scatter")
                t2 = t1 + self._wait(t1, 5, 20)
                back = self._fee(amt)
                f.add(p, lay, term, t2, int(a), gather, back, "transfer", 2, "gather")
                total += back
                last = max(last, t2)
            leaves.append((gather, total, last + self._mins(1, 5), 2))
        for acct, amt, ready, hop in leaves:
            if TERMINALS[term] == "crypto":
                wal = int(self.rng.choice(self.wallets[g]))
                f.add(
                    p, lay, term, ready + self._mins(1, 10), acct, wal, amt, "crypto_otc", hop + 1, "crypto"
                )
            else:
                self._cash_out(p, lay, term, acct, amt, ready, hop)

    def _cash_out(
        self, p: Payment, lay: int, term: int, acct: int, amount: int, ready: int, hop: int
    ) -> None:
        """Spread to cash-out cards; one casher empties them all at one ATM, often masked."""
        f, w, g = self.flows, self.w, p.group
        pool = self.pools[g][2]
        # About one card per 3,000 yuan, so one casher works through many cards at one ATM.
        k = int(np.clip(amount // 300_000, 1, min(10, len(pool))))
        cards = self.rng.choice(pool, size=k, replace=False)
        share = self.rng.dirichlet(np.full(k, 5.0))
        t = ready
        loads: list[tuple[int, int]] = []
        for c, s in zip(cards, share, strict=True):
            amt = int(amount * s) // 100 * 100
            if amt < 10_000:
                continue
            t += self._mins(0, 2)
            f.add(p, lay, term, t, acct, int(c), amt, "transfer", hop + 1, "to_cashout_card")
            loads.append((int(c), amt))
        cashers = w.plan.group_cashers[g]
        casher = int(cashers[int(self.rng.integers(len(cashers)))])
        county = w.pop.county[np.array([casher])]
        atm = int(w.atms.near(self.rng, county)[0])
        covered = bool(self.rng.random() < 0.7)
        t += self._wait(t, 10, 90)
        for c, amt in loads:
            left = amt
            while left >= 10_000:
                take = min(WITHDRAWAL_FEN, left // 10_000 * 10_000)
                t += int(self.rng.integers(30, 90))
                row = f.add(p, lay, term, t, c, atm + w.atm0, take, "atm", hop + 2, "atm_cashout")
                f.atm_txn.append(row)
                f.atm_id.append(atm)
                f.atm_card.append(c)
                f.atm_person.append(casher)
                f.atm_covered.append(covered)
                left -= take

    def atm_faces(self) -> tuple[I64A, npt.NDArray[np.bool_]]:
        """Face ids of the cashers and whether their faces were covered."""
        person = np.array(self.flows.atm_person, dtype=np.int64)
        return face_id(person), np.array(self.flows.atm_covered, dtype=bool)


def flow_blocks(w: World, layer: Layerer) -> tuple[Block, Block]:
    """The fraud transactions and ATM events as blocks, with their ground truth columns."""
    f = layer.flows
    arr = {
        k: np.array(getattr(f, k), dtype=np.int64)
        for k in (
            "ts",
            "src",
            "dst",
            "amount",
            "channel",
            "device",
            "case",
            "payment_no",
            "hop",
            "pattern",
            "layering",
            "terminal",
            "atm_txn",
            "atm_id",
            "atm_card",
        )
    }
    txn = txn_block(w, arr["ts"], arr["src"], arr["dst"], arr["amount"], arr["channel"], arr["device"])
    for k in ("case", "payment_no", "hop", "pattern", "layering", "terminal"):
        txn["_" + k] = arr[k]
    faces, covered = layer.atm_faces()
    rows = arr["atm_txn"]
    atm: Block = {
        "ts": arr["ts"][rows],
        "atm_id": w.atms.ids.take(pa.array(arr["atm_id"])),
        "card_number": w.accounts.take(pa.array(arr["atm_card"])),
        "amount_fen": arr["amount"][rows],
        "_txn_row": rows,
        "face_covered": covered,
        "face_id": pa.array(faces, mask=covered),
        "face_matches_holder": pa.array(np.zeros(len(rows), dtype=bool), mask=covered),
    }
    return txn, atm
