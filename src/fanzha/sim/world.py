"""The whole standing world of one province, built once before the days are simulated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.sim import encode
from fanzha.sim.accounts import (
    Accounts,
    Banks,
    build_banks,
    build_internet_accounts,
    build_payment_accounts,
    wallet_addresses,
)
from fanzha.sim.actors import FraudPlan, plan_fraud
from fanzha.sim.businesses import Atms, Businesses, build_atms, build_businesses
from fanzha.sim.catalogue import Catalogue, build_catalogue
from fanzha.sim.config import SimConfig
from fanzha.sim.dealings import Dealings, build_dealings, choose_leak
from fanzha.sim.holdings import Phones, build_phones
from fanzha.sim.population import EMPLOYED, Population, build_population
from fanzha.sim.regions import Regions, build_regions
from fanzha.sim.rng import stream
from fanzha.sim.texts import TextPool, build_text_pool

I64A = npt.NDArray[np.int64]


@dataclass
class World:
    """Everything that exists, and the lookups the daily simulation needs."""

    cfg: SimConfig
    regions: Regions
    pop: Population
    biz: Businesses
    atms: Atms
    plan: FraudPlan
    phones: Phones
    banks: Banks
    pay: Accounts
    net: Accounts
    catalogue: Catalogue
    wallets: pa.Array
    texts: TextPool
    accounts: pa.Array  # bank cards, payment accounts, 'atm:<id>', wallets, in that order
    pay0: int
    atm0: int
    wallet0: int
    person_ip: pa.Array
    with_phone: I64A
    employer: I64A  # per person: business or -1
    landlord: I64A  # per person: landlord person or -1
    dealings: Dealings | None = None  # only with cfg.with_extras
    leak: str = ""  # the party whose customer records leaked ('' for none)

    def kind_of(self, acct: I64A) -> I64A:
        """TXN_KINDS index of universal account rows."""
        return np.searchsorted(np.array([self.pay0, self.atm0, self.wallet0]), acct, side="right").astype(
            np.int64
        )


def _employers(rng: np.random.Generator, pop: Population, biz: Businesses) -> I64A:
    """An employer in the home county for every salaried person."""
    out = np.full(pop.n, -1, dtype=np.int64)
    salaried = np.flatnonzero(EMPLOYED[pop.occupation])
    for c in np.unique(pop.county[salaried]):
        emp = biz.employers_by_county[int(c)]
        if len(emp) == 0:
            emp = np.concatenate(biz.employers_by_county)
        who = salaried[pop.county[salaried] == c]
        out[who] = emp[rng.integers(0, len(emp), len(who))]
    return out


def _landlords(rng: np.random.Generator, pop: Population, banks: Banks) -> I64A:
    """A fifth of people aged 20-45 rent from an older person in their city."""
    out = np.full(pop.n, -1, dtype=np.int64)
    age = pop.age
    has_bank = banks.primary >= 0
    renters = np.flatnonzero((age >= 20) & (age <= 45) & has_bank & (rng.random(pop.n) < 0.2))
    owners = np.flatnonzero((age >= 45) & (age <= 75) & has_bank)
    if len(owners) == 0:
        return out
    own_city = pop.city[owners]
    for c in np.unique(pop.city[renters]):
        pool = owners[own_city == c]
        if len(pool) == 0:
            pool = owners
        who = renters[pop.city[renters] == c]
        out[who] = pool[rng.integers(0, len(pool), len(who))]
    return out


def build_world(cfg: SimConfig) -> World:
    """Regions, people, businesses, the fraud plan, every holding, the catalogues."""
    seed = cfg.seed
    regions = build_regions()
    pop = build_population(cfg.people, seed, cfg.start, regions)
    biz = build_businesses(cfg.people, seed, regions)
    atms = build_atms(cfg.people, seed, regions)
    dealings, leak, leaked = None, "", None
    if cfg.with_extras:  # own random streams: the rest of the world is unchanged
        dealings = build_dealings(seed, pop, biz, regions)
        if cfg.leak_kind:
            leak = choose_leak(seed, dealings, cfg.leak_kind, pop.n)
            leaked = np.zeros(pop.n, dtype=bool)
            leaked[dealings.customers(leak)] = True
    plan = plan_fraud(cfg, pop, leaked)
    phones = build_phones(cfg.t0, seed, pop, biz, plan, regions, cfg.fraud_card_aged_share)
    banks = build_banks(cfg.t0, seed, pop, biz, plan, cfg.mule_ordinary_share)
    pay = build_payment_accounts(cfg.t0, seed, pop, biz, phones, plan)
    net = build_internet_accounts(cfg.t0, seed, pop, phones, plan)
    catalogue = build_catalogue(seed, cfg.start, plan)
    wallets = wallet_addresses(seed, len(plan.wallet_group))
    atm_acct = pc.binary_join_element_wise("atm:", atms.ids, "")
    accounts = pa.concat_arrays([banks.number, pay.ident, atm_acct, wallets])
    pay0 = len(banks.number)
    atm0 = pay0 + len(pay.ident)
    rng = stream(seed, "world")
    return World(
        cfg=cfg,
        regions=regions,
        pop=pop,
        biz=biz,
        atms=atms,
        plan=plan,
        phones=phones,
        banks=banks,
        pay=pay,
        net=net,
        catalogue=catalogue,
        wallets=wallets,
        texts=build_text_pool(seed),
        accounts=accounts,
        pay0=pay0,
        atm0=atm0,
        wallet0=atm0 + len(atm_acct),
        person_ip=encode.ipv4_strings(pop.home_ip),
        with_phone=np.flatnonzero(phones.primary >= 0).astype(np.int64),
        employer=_employers(rng, pop, biz),
        landlord=_landlords(rng, pop, banks),
        dealings=dealings,
        leak=leak,
    )
