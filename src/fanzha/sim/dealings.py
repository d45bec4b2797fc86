"""Everyone's dealings with shops, couriers and online platforms, and the leak the rings may buy (Art 26).

A dealing is a customer relation whose records hold the person's name, phone and address: the shops
they buy from in their city, the courier branches that deliver to them, the online platforms they
shop on. A leak is one such party whose customer records reach the fraud rings; its customers then
become targets at a higher rate (SimConfig.leak_share). Drawn from their own random streams, so a
province without a leak is the same province byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim.businesses import Businesses
from fanzha.sim.population import Population
from fanzha.sim.regions import CITIES, Regions
from fanzha.sim.rng import stream

I64A = npt.NDArray[np.int64]
PARTY_KINDS = ("merchant", "courier", "platform")
# Express companies and rough parcel shares (public State Post Bureau rankings, rounded).
COURIERS: tuple[tuple[str, str, float], ...] = (
    ("zto", "中通快递", 0.22),
    ("yto", "圆通速递", 0.16),
    ("yunda", "韵达快递", 0.15),
    ("jtexpress", "极兔速递", 0.12),
    ("sto", "申通快递", 0.12),
    ("sf", "顺丰速运", 0.10),
    ("jd", "京东物流", 0.07),
    ("ems", "中国邮政EMS", 0.06),
)
# Online shops and services people register with a phone and an address.
SHOPPING: tuple[tuple[str, str, float], ...] = (
    ("taobao", "淘宝", 0.75),
    ("pinduoduo", "拼多多", 0.6),
    ("jdmall", "京东商城", 0.45),
    ("meituan", "美团", 0.55),
    ("douyinmall", "抖音商城", 0.4),
    ("xianyu", "闲鱼", 0.2),
    ("vipshop", "唯品会", 0.08),
    ("dangdang", "当当", 0.04),
)
MIN_AGE = 12  # younger children have no customer records of their own


@dataclass
class Dealings:
    """One row per (person, party): who dealt with whom."""

    person: I64A
    kind: npt.NDArray[np.int8]  # index into PARTY_KINDS
    party: list[str]  # party key, e.g. 'courier:zto:430100'
    names: dict[str, str]  # party key → display name
    regions: dict[str, str]  # party key → region code ('' for province-wide platforms)

    def customers(self, key: str) -> I64A:
        """People who dealt with the party `key`."""
        rows = np.flatnonzero(np.array(self.party, dtype=object) == key)
        return np.unique(self.person[rows]).astype(np.int64)


def build_dealings(seed: int, pop: Population, biz: Businesses, regions: Regions) -> Dealings:
    """Shops in the home city (1-4), courier branches (1-3), online platforms (each by its reach)."""
    rng = stream(seed, "dealings")
    people = np.flatnonzero(pop.age >= MIN_AGE).astype(np.int64)
    person: list[I64A] = []
    kind: list[npt.NDArray[np.int8]] = []
    party: list[str] = []
    names: dict[str, str] = {}
    where: dict[str, str] = {}
    city = pop.city[people].astype(np.int64)
    # Shops: a few of the home city's merchants, the nearer ones more often (first ones of the range).
    n_shops = rng.integers(1, 5, len(people))
    starts, sizes = biz.merchant_city_start[city], biz.merchant_city_size[city]
    for j in range(4):
        on = n_shops > j
        idx = people[on]
        pick = starts[on] + np.minimum((rng.power(0.6, on.sum()) * sizes[on]).astype(np.int64), sizes[on] - 1)
        bid = biz.merchants[pick]
        person.append(idx)
        kind.append(np.zeros(len(idx), np.int8))
        for b in bid.tolist():
            key = f"merchant:{b}"
            party.append(key)
            if key not in names:
                names[key] = str(biz.name[int(b)].as_py())
                where[key] = str(regions.county_codes[int(biz.county[int(b)])])
    # Couriers: 1-3 companies by parcel share, the branch of the home city.
    share = np.array([c[2] for c in COURIERS])
    n_cour = rng.integers(1, 4, len(people))
    for j in range(3):
        on = n_cour > j
        idx = people[on]
        comp = rng.choice(len(COURIERS), size=len(idx), p=share / share.sum())
        person.append(idx)
        kind.append(np.ones(len(idx), np.int8))
        for c, ci in zip(comp.tolist(), city[on].tolist(), strict=True):
            code, zh, _ = COURIERS[c]
            key = f"courier:{code}:{CITIES[ci][0]}"
            party.append(key)
            if key not in names:
                names[key] = f"{zh}{CITIES[ci][1]}网点"
                where[key] = CITIES[ci][0]
    # Platforms: each independently by its reach among adults.
    for code, zh, reach in SHOPPING:
        on = rng.random(len(people)) < reach
        idx = people[on]
        person.append(idx)
        kind.append(np.full(len(idx), 2, np.int8))
        key = f"platform:{code}"
        party.extend([key] * len(idx))
        names[key], where[key] = zh, ""
    all_person = np.concatenate(person)
    all_kind = np.concatenate(kind)
    # Duplicates (the same shop twice, the same courier twice) are one dealing.
    index = {k: i for i, k in enumerate(dict.fromkeys(party))}
    code = np.array([index[k] for k in party], dtype=np.int64)
    _, first = np.unique(all_person * len(index) + code, return_index=True)
    first.sort()
    return Dealings(
        person=all_person[first],
        kind=all_kind[first],
        party=[party[i] for i in first.tolist()],
        names=names,
        regions=where,
    )


def choose_leak(seed: int, d: Dealings, kind: str, population: int) -> str:
    """The party of `kind` whose records leak: one with 2-25 % of the population as customers."""
    rng = stream(seed, "leak")
    k = PARTY_KINDS.index(kind)
    keys = np.array([p for p, kk in zip(d.party, d.kind.tolist(), strict=True) if kk == k], dtype=object)
    uniq, counts = np.unique(keys, return_counts=True)
    fits = uniq[(counts >= max(20, 0.02 * population)) & (counts <= 0.25 * population)]
    if len(fits) == 0:  # a tiny province: the party nearest a tenth of the people
        fits = uniq[[int(np.argmin(np.abs(counts - 0.1 * population)))]]
    return str(fits[int(rng.integers(len(fits)))])


def dealings_table(d: Dealings, pop: Population) -> pa.Table:
    """dealings: person, party kind, party key, name and region."""
    return pa.table(
        {
            "person_id": pa.array(d.person, pa.int64()),
            "resident_id": pop.resident_id.take(pa.array(d.person)),
            "party_kind": pa.array([PARTY_KINDS[int(k)] for k in d.kind], pa.string()),
            "party_id": pa.array(d.party, pa.string()),
            "party_name": pa.array([d.names[p] for p in d.party], pa.string()),
            "party_region": pa.array([d.regions[p] for p in d.party], pa.string()),
        }
    )
