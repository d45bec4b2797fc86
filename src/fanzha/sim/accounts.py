"""Bank cards, payment accounts, internet accounts and wallets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import encode, idgen
from fanzha.sim.actors import FraudPlan
from fanzha.sim.businesses import Businesses
from fanzha.sim.holdings import DAY, Phones, by_time, person_ids
from fanzha.sim.population import EMPLOYED, Population
from fanzha.sim.reference import BANKS, BINS
from fanzha.sim.regions import Regions
from fanzha.sim.rng import stream
from fanzha.sim.writer import int_or_null

I64A = npt.NDArray[np.int64]
PAY_PLATFORMS = ("alipay", "wechatpay", "unionpay", "jdpay")
NET_PLATFORMS = ("wechat", "qq", "douyin", "taobao", "xianyu", "weibo", "netease", "jiayuan")
CARD_TYPES = ("debit", "credit", "corporate")
# Overseas /16 blocks the groups' proxies and servers sit in (synthetic choice).
_FRAUD_IP_BLOCKS = np.array([(103 << 8) + 216, (103 << 8) + 97, (45 << 8) + 115, (154 << 8) + 39], np.uint32)


def _take_or_null(arr: pa.Array, idx: I64A) -> pa.Array:
    """arr[idx] with null where idx is -1."""
    return arr.take(pa.array(idx, mask=idx < 0))


@dataclass
class Banks:
    """Bank cards in opening order."""

    number: pa.Array
    bin: I64A  # index into BINS
    ctype: npt.NDArray[np.int8]
    holder_person: I64A
    holder_business: I64A
    opened_at: I64A
    county: npt.NDArray[np.int32]
    primary: I64A  # per person: salary card or -1
    corporate: I64A  # per business
    fraud: I64A  # final row of each plan bank card

    def table(self, regions: Regions, pop: Population, phones: Phones) -> pa.Table:
        """The bank_cards table."""
        bound = np.where(self.holder_person >= 0, phones.primary[self.holder_person.clip(0)], -1)
        return pa.table(
            {
                "card_id": pa.array(np.arange(len(self.bin), dtype=np.int64)),
                "card_number": self.number,
                "bank_code": encode.take_strings([b[1] for b in BINS], self.bin),
                "bin": encode.take_strings([b[0] for b in BINS], self.bin),
                "card_type": encode.take_strings(CARD_TYPES, self.ctype),
                "holder_person_id": int_or_null(self.holder_person),
                "holder_business_id": int_or_null(self.holder_business),
                "holder_resident_id": person_ids(pop, self.holder_person),
                "opened_at": pa.array(self.opened_at),
                "opened_region_code": encode.take_strings(regions.county_codes, self.county),
                "bound_phone": _take_or_null(phones.number, bound),
            }
        )


def build_banks(
    t0: int, seed: int, pop: Population, biz: Businesses, plan: FraudPlan, ordinary_share: float = 0.0
) -> Banks:
    """Personal cards by age, one corporate account per business, the plan's mule cards."""
    rng = stream(seed, "banks")
    age = pop.age.astype(np.int64)
    n = np.select([age < 16, age < 18, age < 70], [0, 1, 1], 1) + (age >= 18) * rng.binomial(3, 0.35, pop.n)
    n = np.where((age >= 16) & (age < 18) & (rng.random(pop.n) < 0.5), 0, n)
    n = np.where(age >= 70, 1 + rng.binomial(1, 0.4, pop.n), n)
    n[plan.force_all] = np.maximum(n[plan.force_all], 1)
    holder = np.repeat(np.arange(pop.n, dtype=np.int64), n)
    first = np.r_[True, holder[1:] != holder[:-1]] if len(holder) else np.zeros(0, bool)
    credit_p = (age >= 22) & (age <= 55) & EMPLOYED[pop.occupation] & (rng.random(pop.n) < 0.3)
    c_holder = np.flatnonzero(credit_p).astype(np.int64)
    share = np.array([b[3] for b in BANKS])
    codes = [b[0] for b in BANKS]
    debit_bin = np.array(
        [next(i for i, x in enumerate(BINS) if x[1] == c and x[2] == "debit") for c in codes]
    )
    credit_bins = np.array([i for i, x in enumerate(BINS) if x[2] == "credit"])
    nd, nc, nb, nf = len(holder), len(c_holder), biz.n, len(plan.bank_group)
    bank = rng.choice(len(BANKS), size=nd + nb + nf, p=share / share.sum())
    bins = np.r_[
        debit_bin[bank[:nd]], credit_bins[rng.integers(0, len(credit_bins), nc)], debit_bin[bank[nd:]]
    ].astype(np.int64)
    ctype = np.r_[np.zeros(nd, np.int8), np.ones(nc, np.int8), np.full(nb, 2, np.int8), np.zeros(nf, np.int8)]
    persons = np.r_[holder, c_holder]
    earliest = np.maximum(t0 - (age[persons] - 16).clip(0) * 365 * DAY, t0 - 20 * 365 * DAY)
    opened = earliest + (rng.random(len(persons)) * (t0 - DAY - earliest)).astype(np.int64)
    b_open = t0 - rng.integers(100, 5000, nb) * DAY
    f_open = t0 + plan.bank_opened_day * DAY + rng.integers(0, DAY, nf)
    opened_at = np.r_[opened, b_open, f_open]
    h_person = np.r_[persons, np.full(nb, -1), plan.bank_holder]
    h_biz = np.r_[np.full(nd + nc, -1), np.arange(nb), np.full(nf, -1)]
    county = np.r_[pop.county[persons], biz.county, pop.county[plan.bank_holder]].astype(np.int32)
    number = idgen.bank_card_numbers(rng, [b[0] for b in BINS], [b[3] for b in BINS], bins)
    order, pos = by_time(opened_at)
    primary = np.full(pop.n, -1, dtype=np.int64)
    primary[holder[first]] = pos[np.flatnonzero(first)]
    # Mules with ordinary lives: some lend (卡农) the card their salary and shopping already use, so
    # the fraud money mixes with a normal history. Own stream: the other draws do not move.
    mrng = stream(seed, "banks-ordinary")
    own = (mrng.random(nf) < ordinary_share) & (plan.bank_opened_day < 0)
    primary[plan.bank_holder[own]] = pos[nd + nc + nb + np.flatnonzero(own)]
    return Banks(
        number=number.take(pa.array(order)),
        bin=bins[order],
        ctype=ctype[order],
        holder_person=h_person[order],
        holder_business=h_biz[order],
        opened_at=opened_at[order],
        county=county[order],
        primary=primary,
        corporate=pos[nd + nc + np.arange(nb)],
        fraud=pos[nd + nc + nb :],
    )


@dataclass
class Accounts:
    """Payment or internet accounts in opening order, with per-person lookups."""

    ident: pa.Array
    platform: I64A  # index into the platform tuple of the kind
    holder_person: I64A
    holder_business: I64A
    phone: I64A  # phone card row used to register
    device: I64A  # device row used to register, or -1
    ip: npt.NDArray[np.uint32]
    opened_at: I64A
    of_person: dict[str, I64A]  # platform -> per person final row or -1
    of_business: dict[str, I64A]  # platform -> per business final row or -1
    fraud: I64A  # final row of each plan account

    def payment_table(self, banks: Banks, phones: Phones) -> pa.Table:
        """The payment_accounts table."""
        card = np.where(
            self.holder_person >= 0,
            banks.primary[self.holder_person.clip(0)],
            banks.corporate[self.holder_business.clip(0)],
        )
        return pa.table(
            {
                "account_id": pa.array(np.arange(len(self.platform), dtype=np.int64)),
                "account": self.ident,
                "platform": encode.take_strings(PAY_PLATFORMS, self.platform),
                "account_type": encode.take_strings(
                    ["personal", "merchant"], (self.holder_business >= 0).astype(np.int64)
                ),
                "holder_person_id": int_or_null(self.holder_person),
                "holder_business_id": int_or_null(self.holder_business),
                "bound_phone": _take_or_null(phones.number, self.phone),
                "linked_card_number": _take_or_null(banks.number, card),
                "opened_at": pa.array(self.opened_at),
            }
        )

    def internet_table(self, phones: Phones) -> pa.Table:
        """The internet_accounts table."""
        return pa.table(
            {
                "account_id": pa.array(np.arange(len(self.platform), dtype=np.int64)),
                "account": self.ident,
                "platform": encode.take_strings(NET_PLATFORMS, self.platform),
                "holder_person_id": int_or_null(self.holder_person),
                "registered_phone": phones.number.take(pa.array(self.phone)),
                "registered_imei": _take_or_null(phones.imei, self.device),
                "registered_ip": encode.ipv4_strings(self.ip),
                "registered_at": pa.array(self.opened_at),
            }
        )


def _accounts(
    rng: np.random.Generator,
    platforms: tuple[str, ...],
    own: dict[str, npt.NDArray[np.bool_]],
    t0: int,
    pop: Population,
    phones: Phones,
    extra_platform: list[str],
    extra_holder: I64A,
    extra_business: I64A,
    extra_phone: I64A,
    extra_device: I64A,
    extra_ip: npt.NDArray[np.uint32],
    extra_opened: I64A,
) -> Accounts:
    """People's accounts (own[platform] says who has one) followed by the extra rows."""
    plat_l, holder_l = [], []
    for k, p in enumerate(platforms):
        who = np.flatnonzero(own[p])
        plat_l.append(np.full(len(who), k, dtype=np.int64))
        holder_l.append(who.astype(np.int64))
    holder = np.concatenate(holder_l)
    ne = len(extra_platform)
    plat = np.r_[
        np.concatenate(plat_l), np.array([platforms.index(p) for p in extra_platform], dtype=np.int64)
    ]
    opened = np.r_[
        t0 - rng.integers(1, 3000, len(holder)) * DAY - rng.integers(0, DAY, len(holder)), extra_opened
    ]
    idents: list[pa.Array] = []
    for k, p in enumerate(platforms):
        idents.append(idgen.platform_accounts(rng, p, int((plat == k).sum())))
    cat = pa.concat_arrays(idents)
    grouped = np.argsort(plat, kind="stable")
    ident_pos = np.empty(len(plat), dtype=np.int64)
    ident_pos[grouped] = np.arange(len(plat))
    ident = cat.take(pa.array(ident_pos))
    order, pos = by_time(opened)
    h_person = np.r_[holder, extra_holder]
    n_norm = len(holder)
    of_person: dict[str, I64A] = {}
    start = 0
    for k, p in enumerate(platforms):
        arr = np.full(pop.n, -1, dtype=np.int64)
        m = len(holder_l[k])
        arr[holder_l[k]] = pos[start : start + m]
        of_person[p] = arr
        start += m
    of_business: dict[str, I64A] = {}
    biz_rows = np.flatnonzero(extra_business >= 0)
    extra_plat = np.array(extra_platform, dtype=object)
    for p in platforms:
        rows = biz_rows[extra_plat[biz_rows] == p]
        arr = np.full(int(extra_business.max()) + 1 if len(extra_business) else 0, -1, dtype=np.int64)
        arr[extra_business[rows]] = pos[n_norm + rows]
        of_business[p] = arr
    dev = np.r_[phones.person_device[holder], extra_device]
    return Accounts(
        ident=ident.take(pa.array(order)),
        platform=plat[order],
        holder_person=h_person[order],
        holder_business=np.r_[np.full(n_norm, -1), extra_business][order],
        phone=np.r_[phones.primary[holder], extra_phone][order],
        device=dev[order],
        ip=np.r_[pop.home_ip[holder], extra_ip][order].astype(np.uint32),
        opened_at=opened[order],
        of_person=of_person,
        of_business=of_business,
        fraud=pos[n_norm:][extra_business < 0] if ne else np.zeros(0, np.int64),
    )


def build_payment_accounts(
    t0: int, seed: int, pop: Population, biz: Businesses, phones: Phones, plan: FraudPlan
) -> Accounts:
    """Personal accounts by age, two merchant accounts per merchant, the plan's mule accounts."""
    rng = stream(seed, "payment-accounts")
    age = pop.age.astype(np.int64)
    has_phone = phones.primary >= 0
    u = rng.random((4, pop.n))
    own = {
        "alipay": has_phone & (age >= 16) & (u[0] < 0.75),
        "wechatpay": has_phone & (age >= 12) & (u[1] < 0.9),
        "unionpay": has_phone & (age >= 18) & (u[2] < 0.15),
        "jdpay": has_phone & (age >= 18) & (u[3] < 0.08),
    }
    own["alipay"][plan.force_all] = True
    own["wechatpay"][plan.force_all] = True
    m = biz.merchants
    nm, nf = len(m), len(plan.pay_group)
    plats = ["alipay"] * nm + ["wechatpay"] * nm + ["alipay"] * nf
    e_biz = np.r_[m, m, np.full(nf, -1)]
    e_holder = np.r_[np.full(2 * nm, -1), plan.pay_holder]
    e_phone = np.r_[np.full(2 * nm, -1), phones.primary[plan.pay_holder]]
    opened = np.r_[t0 - rng.integers(30, 2000, 2 * nm) * DAY, t0 - rng.integers(3, 60, nf) * DAY]
    return _accounts(
        rng,
        PAY_PLATFORMS,
        own,
        t0,
        pop,
        phones,
        plats,
        e_holder,
        e_biz,
        e_phone,
        np.full(2 * nm + nf, -1),
        np.zeros(2 * nm + nf, np.uint32),
        opened,
    )


def fraud_ips(seed: int, n_groups: int) -> npt.NDArray[np.uint32]:
    """Two overseas proxy addresses per group, (n_groups, 2)."""
    rng = stream(seed, "fraud-ips")
    block = _FRAUD_IP_BLOCKS[rng.integers(0, len(_FRAUD_IP_BLOCKS), 2 * n_groups)]
    low = rng.integers(1, 65_535, 2 * n_groups).astype(np.uint32)
    return ((block << np.uint32(16)) | low).reshape(n_groups, 2)


def build_internet_accounts(t0: int, seed: int, pop: Population, phones: Phones, plan: FraudPlan) -> Accounts:
    """Accounts on the internet platforms; the groups' accounts use their cards, gear and proxies."""
    rng = stream(seed, "internet-accounts")
    age = pop.age.astype(np.int64)
    ph = phones.primary >= 0
    u = rng.random((len(NET_PLATFORMS), pop.n))
    p = {
        "wechat": np.where(age >= 10, 0.92, 0.0),
        "qq": np.where(age < 30, 0.8, 0.4),
        "douyin": np.full(pop.n, 0.55),
        "taobao": np.where(age >= 16, 0.55, 0.0),
        "xianyu": np.where(age >= 18, 0.15, 0.0),
        "weibo": np.full(pop.n, 0.25),
        "netease": np.where(age < 35, 0.25, 0.05),
        "jiayuan": np.where((age >= 22) & (age <= 50), 0.04, 0.0),
    }
    own = {k: ph & (u[i] < p[k]) for i, k in enumerate(NET_PLATFORMS)}
    for plat, who in plan.force_platform.items():
        own[plat][who] = True
    own["wechat"][plan.force_all] = True
    card = phones.fraud_cards[plan.inet_phone]
    hand_first = np.searchsorted(plan.handset_group, plan.inet_group)
    device = phones.handsets[hand_first + np.arange(len(card)) % 2]
    ips = fraud_ips(seed, plan.n_groups)[plan.inet_group, np.arange(len(card)) % 2]
    opened = np.maximum(phones.opened_at[card], t0 - 20 * DAY) + rng.integers(3600, 2 * DAY, len(card))
    return _accounts(
        rng,
        NET_PLATFORMS,
        own,
        t0,
        pop,
        phones,
        plan.inet_platform,
        phones.holder_person[card],
        np.full(len(card), -1),
        card,
        device,
        ips,
        opened,
    )


def wallet_addresses(seed: int, n: int) -> pa.Array:
    """n TRON addresses."""
    rng = stream(seed, "wallets")
    raw = rng.integers(0, 256, size=(n, 20), dtype=np.uint8)
    return pa.array([encode.tron_address(bytes(r)) for r in raw], pa.string())
