"""Ordinary money: shopping, transfers, top-ups, salaries, rent and ATM withdrawals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import encode
from fanzha.sim.blocks import PAY_HOURS, Block, time_of_day
from fanzha.sim.population import OCCUPATIONS, SALARY
from fanzha.sim.social import contacts
from fanzha.sim.vocab import CHANNELS, TXN_KINDS
from fanzha.sim.world import World

I64A = npt.NDArray[np.int64]


def txn_block(w: World, ts: I64A, src: I64A, dst: I64A, amount: I64A, channel: I64A, device: I64A) -> Block:
    """Transactions between universal account rows (see World.accounts)."""
    return {
        "ts": ts,
        "src_kind": encode.take_strings(TXN_KINDS, w.kind_of(src)),
        "src_account": w.accounts.take(pa.array(src)),
        "dst_kind": encode.take_strings(TXN_KINDS, w.kind_of(dst)),
        "dst_account": w.accounts.take(pa.array(dst)),
        "amount_fen": amount.astype(np.int64),
        "channel": encode.take_strings(CHANNELS, channel),
        "device_imei": w.phones.imei.take(pa.array(device, mask=device < 0)),
    }


def face_id(person: I64A) -> I64A:
    """A stable pseudonym for a person's face (an odd multiplier modulo 2^40 is a bijection)."""
    out: I64A = (person.astype(np.int64) * 0x9E3779B1 + 0x5BD1E995) % (1 << 40)
    return out


@dataclass
class _Flow:
    """One kind of payment made by some people: universal account rows, amounts in fen."""

    who: I64A
    src: I64A
    dst: I64A
    amount: I64A
    channel: str
    mobile: bool  # initiated on the payer's handset
    ts: I64A | None = None  # seconds into the day when the flow fixes them itself


class _Day:
    """The money of one block of people on one day."""

    def __init__(self, rng: np.random.Generator, w: World, people: I64A) -> None:
        self.rng, self.w, self.people = rng, w, people
        self.wx = w.pay.of_person["wechatpay"]
        self.ali = w.pay.of_person["alipay"]
        self.card = w.banks.primary
        self.payer = (self.wx[people] >= 0) | (self.ali[people] >= 0)

    def _many(self, rate: npt.NDArray[np.floating[Any]]) -> I64A:
        """Each person repeated by a Poisson number of payments."""
        return np.repeat(self.people, self.rng.poisson(rate))

    def shopping(self) -> _Flow:
        """QR payments to merchants in the home city, popular shops first (WeChat Pay or Alipay)."""
        w, rng = self.w, self.rng
        who = self._many(w.cfg.payments_per_day * 0.75 * w.pop.activity[self.people] * self.payer)
        use_wx = (self.ali[who] < 0) | ((self.wx[who] >= 0) & (rng.random(len(who)) < 0.6))
        city = w.pop.city[who]
        pos = w.biz.merchant_city_start[city] + (rng.random(len(who)) ** 2 * w.biz.merchant_city_size[city])
        merchant = w.biz.merchants[pos.astype(np.int64)]
        src = np.where(use_wx, self.wx[who], self.ali[who])
        shop = w.pay.of_business
        dst = np.where(use_wx, shop["wechatpay"][merchant], shop["alipay"][merchant])
        amount = (rng.lognormal(np.log(35), 1.0, len(who)) * 100).astype(np.int64) + 1
        return _Flow(who, src + w.pay0, dst + w.pay0, amount, "qr", True)

    def transfers(self) -> list[_Flow]:
        """Money to relatives and friends: WeChat Pay when both have it, else bank to bank."""
        w, rng = self.w, self.rng
        who = self._many(0.1 * w.pop.activity[self.people] * self.payer)
        to = contacts(rng, w, who, 0.5, 0.3)
        amount = (rng.lognormal(np.log(200), 1.0, len(who)) * 100).astype(np.int64) + 1
        by_pay = (self.wx[who] >= 0) & (self.wx[to] >= 0) & (to != who)
        by_bank = ~by_pay & (self.card[who] >= 0) & (self.card[to] >= 0) & (to != who)
        p, b = by_pay, by_bank
        return [
            _Flow(who[p], self.wx[who[p]] + w.pay0, self.wx[to[p]] + w.pay0, amount[p], "transfer", True),
            _Flow(who[b], self.card[who[b]], self.card[to[b]], amount[b], "transfer", True),
        ]

    def top_ups(self) -> _Flow:
        """From one's own bank card into WeChat Pay (or Alipay)."""
        w, rng = self.w, self.rng
        who = self._many(0.04 * self.payer * (self.card[self.people] >= 0))
        dst = np.where(self.wx[who] >= 0, self.wx[who], self.ali[who])
        amount = (rng.lognormal(np.log(500), 0.8, len(who)) * 100).astype(np.int64)
        return _Flow(who, self.card[who], dst + w.pay0, amount, "topup", True)

    def salaries(self) -> _Flow:
        """From each employer's corporate account to its staff (paid on the 10th)."""
        w = self.w
        who = self.people[(w.employer[self.people] >= 0) & (self.card[self.people] >= 0)]
        amount = (SALARY[w.pop.occupation[who]] * self.rng.lognormal(0, 0.3, len(who)) * 100).astype(np.int64)
        return _Flow(who, w.banks.corporate[w.employer[who]], self.card[who], amount, "salary", False)

    def rent(self) -> _Flow:
        """From tenants to their landlords (paid on the 5th)."""
        w = self.w
        who = self.people[w.landlord[self.people] >= 0]
        amount = self.rng.integers(8, 30, len(who)) * 10_000
        return _Flow(who, self.card[who], self.card[w.landlord[who]], amount, "rent", True)

    def family_bills(self) -> list[_Flow]:
        """Hard negative: relatives send money in the day, and it leaves within hours for a bill.

        A hospital deposit, school fees or a utility bill gathered from two to four relatives and
        paid on from WeChat Pay: money in from several payers, passed on within hours.
        """
        w, rng = self.w, self.rng
        rate = w.cfg.family_bill_per_million_day / 1e6 * (self.wx[self.people] >= 0)
        who = self.people[rng.random(len(self.people)) < rate]
        k = rng.integers(2, 5, len(who))
        to = np.repeat(who, k)
        frm = contacts(rng, w, to, 0.8, 0.0)
        ok = (self.wx[frm] >= 0) & (frm != to)
        amt = (rng.lognormal(np.log(800), 0.7, len(to)) * 100).astype(np.int64) // 100 * 100 + 100
        t_in = rng.integers(8 * 3600, 18 * 3600, len(to))
        gift = _Flow(
            to[ok], self.wx[frm[ok]] + w.pay0, self.wx[to[ok]] + w.pay0, amt[ok], "transfer", True, t_in[ok]
        )
        got = np.bincount(np.searchsorted(who, to[ok]), weights=amt[ok], minlength=len(who)).astype(np.int64)
        last = np.zeros(len(who), np.int64)
        np.maximum.at(last, np.searchsorted(who, to[ok]), t_in[ok])
        paid = got > 0
        city = w.pop.city[who]
        pos = w.biz.merchant_city_start[city] + (rng.random(len(who)) * w.biz.merchant_city_size[city])
        shop = w.pay.of_business["wechatpay"][w.biz.merchants[pos.astype(np.int64)]]
        t_out = np.minimum(last + rng.integers(1800, 6 * 3600, len(who)), 86_399)
        share = rng.uniform(0.85, 1.0, len(who))
        paid &= shop >= 0
        bill = _Flow(
            who[paid],
            self.wx[who[paid]] + w.pay0,
            shop[paid] + w.pay0,
            (got[paid] * share[paid]).astype(np.int64),
            "qr",
            True,
            t_out[paid],
        )
        return [gift, bill]

    def shop_settlements(self) -> _Flow:
        """Hard negative: small shops pay the day's QR takings on to a supplier in the evening."""
        w, rng = self.w, self.rng
        shop_acc = w.pay.of_business["wechatpay"]
        m = w.biz.merchants[rng.random(len(w.biz.merchants)) < w.cfg.shop_settle_share]
        src = shop_acc[m]
        sup = w.biz.merchants[rng.integers(0, len(w.biz.merchants), len(m))]
        dst = shop_acc[sup]
        ok = (src >= 0) & (dst >= 0) & (m != sup)
        amount = (rng.lognormal(np.log(600), 0.6, int(ok.sum())) * 100).astype(np.int64)
        t = rng.integers(20 * 3600, 23 * 3600, int(ok.sum()))
        who = np.full(int(ok.sum()), -1, dtype=np.int64)
        return _Flow(who, src[ok] + w.pay0, dst[ok] + w.pay0, amount, "transfer", False, t)

    def withdrawals(self) -> tuple[_Flow, I64A]:
        """Cash from an ATM in the home county; also returns the ATM rows."""
        w = self.w
        who = self._many(w.cfg.atm_per_day * (self.card[self.people] >= 0))
        atm = w.atms.near(self.rng, w.pop.county[who])
        amount = self.rng.integers(1, 31, len(who)) * 10_000
        return _Flow(who, self.card[who], atm + w.atm0, amount, "atm", False), atm


_NIGHT_JOBS = np.array([OCCUPATIONS.index(o) for o in ("worker", "medical", "driver")])


def _night_shift(w: World, who: I64A) -> npt.NDArray[np.bool_]:
    """About one in eight workers, medics and drivers work nights (a stable hash of the person)."""
    on_nights: npt.NDArray[np.bool_] = np.isin(w.pop.occupation[who], _NIGHT_JOBS) & (
        (who * 2_654_435_761) % 8 == 0
    )
    return on_nights


def spend(rng: np.random.Generator, w: World, people: I64A, day: int, t_day: int) -> tuple[Block, Block]:
    """The block's transactions and ATM events of one day."""
    d = _Day(rng, w, people)
    dom = int((np.datetime64(w.cfg.start) + np.timedelta64(day, "D")).astype(object).day)
    flows = [d.shopping(), *d.transfers(), d.top_ups(), *d.family_bills()]
    if people[0] == 0:  # once a day, with the first block
        flows.append(d.shop_settlements())
    if dom == 10:
        flows.append(d.salaries())
    if dom == 5:
        flows.append(d.rent())
    cash, atm = d.withdrawals()
    flows.append(cash)  # last, so the ATM events can point at the block's final rows
    ts = [
        t_day
        + (
            f.ts
            if f.ts is not None
            else rng.integers(
                9 * 3600, 11 * 3600, len(f.who)
            )  # payroll and standing orders run in the morning
            if f.channel in ("salary", "rent")
            else time_of_day(rng, len(f.who), PAY_HOURS)
        )
        for f in flows
    ]
    # Hard negative: night-shift workers (a fixed share of workers, medics, drivers) shop at night.
    f0 = flows[0]
    night = _night_shift(w, f0.who) & (rng.random(len(f0.who)) < 0.6)
    ts[0] = np.where(night, t_day + rng.integers(0, 6 * 3600, len(f0.who)), ts[0])
    device = [
        np.where(f.who >= 0, w.phones.person_device[f.who.clip(0)], -1)
        if f.mobile
        else np.full(len(f.who), -1)
        for f in flows
    ]
    txn = txn_block(
        w,
        np.concatenate(ts),
        np.concatenate([f.src for f in flows]),
        np.concatenate([f.dst for f in flows]),
        np.concatenate([f.amount for f in flows]),
        np.concatenate([np.full(len(f.who), CHANNELS.index(f.channel)) for f in flows]),
        np.concatenate(device),
    )
    n_txn, who = len(txn["ts"]), cash.who
    first = n_txn - len(who)
    # The camera: mostly the holder's own face; sometimes a relative's; rarely a covered face.
    covered = rng.random(len(who)) < 0.003
    size = w.pop.hh_size[who].astype(np.int64)
    relative = (rng.random(len(who)) < 0.05) & (size > 1)
    start = w.pop.hh_start[who]
    face_person = np.where(relative, start + (who - start + 1) % np.maximum(size, 1), who)
    atm_ev: Block = {
        "ts": txn["ts"][first:],
        "atm_id": w.atms.ids.take(pa.array(atm)),
        "card_number": w.banks.number.take(pa.array(cash.src)),
        "amount_fen": cash.amount.astype(np.int64),
        "_txn_row": np.arange(first, n_txn, dtype=np.int64),
        "face_covered": covered,
        "face_id": pa.array(face_id(face_person), mask=covered),
        "face_matches_holder": pa.array(~relative, mask=covered),
    }
    txn["_case"] = np.full(n_txn, -1, dtype=np.int64)
    return txn, atm_ev
