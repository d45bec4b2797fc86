"""The fraud plan drawn before holdings: groups, cases, traders, mules, cashers, and what they need."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fanzha.contracts import SCAM_TYPES
from fanzha.sim.config import SimConfig
from fanzha.sim.playbooks import PLAYBOOKS
from fanzha.sim.population import Population
from fanzha.sim.rng import stream

I64A = npt.NDArray[np.int64]
BoolA = npt.NDArray[np.bool_]

CARD_LIFE_DAYS = 4  # a fraud card is burnt after a few days of dialling
CALLS_PER_CARD_DAY = 40
# Victims' ages (public figures: mean about 37; 18-40 about 62 %, 41-65 about 33 %).
VICTIM_AGE_BUCKETS = ((12, 17, 0.02), (18, 40, 0.62), (41, 65, 0.33), (66, 85, 0.03))
COUNTRIES = ("KH", "MM", "PH", "LA", "AE")
BANK_ROLES = ("collection_account", "layering_account", "cashout_card")
PAY_TYPES = {"order_brushing", "fake_shopping", "fake_loan", "game_trading"}


@dataclass
class FraudPlan:
    """Who the fraud actors are and how many cards, accounts and devices they need."""

    group_type: I64A
    group_country: list[str]
    group_simbox: BoolA
    group_conc: I64A
    case_person: I64A
    case_group: I64A
    case_victim: BoolA
    case_payments: I64A
    traders: I64A
    mules: I64A
    cashers: I64A
    group_cashers: list[I64A]
    phone_group: I64A
    phone_holder: I64A
    phone_start_day: I64A
    simbox_group: I64A
    handset_group: I64A
    bank_group: I64A
    bank_role: I64A
    bank_holder: I64A
    bank_opened_day: I64A  # day relative to the first simulated day (negative: before)
    pay_group: I64A
    pay_holder: I64A
    inet_group: I64A
    inet_platform: list[str]
    inet_phone: I64A  # index into the plan's phone cards
    wallet_group: I64A
    force_all: I64A
    force_platform: dict[str, I64A] = field(default_factory=dict)

    @property
    def n_groups(self) -> int:
        """Number of fraud groups."""
        return len(self.group_type)

    def scam(self, group: int) -> str:
        """Scam type code of a group."""
        return SCAM_TYPES[int(self.group_type[group])][0]


def _quota(total: int, shares: npt.NDArray[np.float64], floor: int) -> I64A:
    """Largest-remainder split of total by shares, each at least floor."""
    raw = shares / shares.sum() * total
    base = np.floor(raw).astype(np.int64)
    rest = total - base.sum()
    base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    out: I64A = np.maximum(base, floor)
    return out


def _pick(rng: np.random.Generator, pool: I64A, k: int, used: BoolA) -> I64A:
    """k people from pool not used yet, marking them used."""
    free = pool[~used[pool]]
    if len(free) < k:
        raise ValueError("province too small for the fraud plan; raise --people")
    got = rng.choice(free, size=k, replace=False)
    used[got] = True
    return np.sort(got).astype(np.int64)


def _pick_leaky(
    rng: np.random.Generator, pool: I64A, k: int, used: BoolA, leaked: BoolA | None, share: float
) -> I64A:
    """k people from pool; with a leak, `share` of them from the leaked party's customers (Art 26)."""
    if leaked is None:
        return _pick(rng, pool, k, used)
    inside = pool[leaked[pool]]
    k_in = min(round(k * share), int((~used[inside]).sum()))
    got = _pick(rng, inside, k_in, used)
    return np.sort(np.r_[got, _pick(rng, pool, k - k_in, used)]).astype(np.int64)


def plan_fraud(cfg: SimConfig, pop: Population, leaked: BoolA | None = None) -> FraudPlan:
    """Draw the groups, cases and actors, and size their holdings.

    `leaked` marks the customers of a leaked party: a share of the targets come from them.
    """
    rng = stream(cfg.seed, "fraud-plan")
    shares = np.array([s[3] for s in SCAM_TYPES])
    n_types = len(SCAM_TYPES)
    victims_t = _quota(cfg.n_victims, shares, cfg.min_victims_per_type)
    engaged_t = _quota(round(cfg.n_victims * cfg.engaged_per_victim), shares, 1)
    cases_t = victims_t + engaged_t
    groups_t = np.maximum(1, np.ceil(cases_t / 40).astype(np.int64))
    group_type = np.repeat(np.arange(n_types, dtype=np.int64), groups_t)
    g = len(group_type)
    country = [COUNTRIES[int(i)] for i in rng.integers(0, len(COUNTRIES), g)]
    domestic = rng.random(g) < 0.2
    group_country = ["CN" if d else c for d, c in zip(domestic, country, strict=True)]
    group_simbox = domestic | (rng.random(g) < 0.4)
    group_simbox[: min(g, 2)] = True  # SIM boxes always occur
    group_simbox[-1] = False  # and so do groups dialling from abroad
    group_first = np.r_[0, np.cumsum(groups_t)[:-1]]
    used = np.zeros(pop.n, dtype=bool)
    age = pop.age.astype(np.int64)
    working = np.flatnonzero((age >= 18) & (age <= 45))
    n_traders = max(2, g // 2)
    traders = _pick(rng, working, n_traders, used)
    cashers_per = 1 + (rng.random(g) < 0.5)
    cashers = _pick(rng, working, int(cashers_per.sum()), used)
    group_cashers = np.split(cashers, np.cumsum(cashers_per)[:-1])
    # Cases: victims by age quota, then engaged targets of any adult age.
    vq = _quota(int(victims_t.sum()), np.array([b[2] for b in VICTIM_AGE_BUCKETS]), 0)
    victims = np.concatenate(
        [
            _pick_leaky(rng, np.flatnonzero((age >= lo) & (age <= hi)), int(k), used, leaked, cfg.leak_share)
            for (lo, hi, _), k in zip(VICTIM_AGE_BUCKETS, vq, strict=True)
        ]
    )
    victims = rng.permutation(victims)
    engaged = rng.permutation(
        _pick_leaky(
            rng, np.flatnonzero((age >= 16) & (age <= 80)), int(engaged_t.sum()), used, leaked, cfg.leak_share
        )
    )
    v_type = np.repeat(np.arange(n_types), victims_t)
    e_type = np.repeat(np.arange(n_types), engaged_t)
    case_person = np.r_[victims, engaged].astype(np.int64)
    case_type = np.r_[v_type, e_type].astype(np.int64)
    case_victim = np.r_[np.ones(len(victims), bool), np.zeros(len(engaged), bool)]
    # Spread each type's cases over its groups in turn.
    rank = np.zeros(len(case_type), dtype=np.int64)
    for t in range(n_types):
        m = np.flatnonzero(case_type == t)
        rank[m] = np.arange(len(m))
    case_group = group_first[case_type] + rank % groups_t[case_type]
    lo = np.array([PLAYBOOKS[s[0]].payments[0] for s in SCAM_TYPES])
    hi = np.array([PLAYBOOKS[s[0]].payments[1] for s in SCAM_TYPES])
    pays = lo[case_type] + (rng.random(len(case_type)) * (hi - lo + 1)[case_type]).astype(np.int64)
    case_payments = np.where(case_victim, np.minimum(pays, hi[case_type]), 0).astype(np.int64)
    # Phone cards: enough concurrent cards for the broadcasts, rotated every few days.
    cases_g = np.bincount(case_group, minlength=g)
    daily = cfg.people * (cfg.broadcast_calls_per_day + cfg.broadcast_sms_per_day)
    conc = np.maximum(2, np.ceil(daily * cases_g / max(1, cases_g.sum()) / CALLS_PER_CARD_DAY)).astype(
        np.int64
    )
    rotations = -(-(cfg.days + 1) // CARD_LIFE_DAYS)
    n_cards_g = conc * rotations
    phone_group = np.repeat(np.arange(g, dtype=np.int64), n_cards_g)
    within = np.arange(len(phone_group)) - np.repeat(np.cumsum(n_cards_g) - n_cards_g, n_cards_g)
    phone_start_day = (within // conc[phone_group]) * CARD_LIFE_DAYS - 1
    simbox_group = np.repeat(np.arange(g, dtype=np.int64), np.where(group_simbox, -(-conc // 16), 0))
    handset_group = np.repeat(np.arange(g, dtype=np.int64), np.where(group_simbox, 0, conc) + 2)
    # Bank cards: collection, layering and cash-out pools sized by the group's payments.
    pay_g = np.bincount(case_group, weights=case_payments, minlength=g).astype(np.int64)
    sizes = np.stack(
        [np.maximum(2, -(-pay_g // 4)), np.clip(6 + 3 * pay_g, 8, 120), np.clip(8 + 2 * pay_g, 10, 120)],
        axis=1,
    )
    bank_group = np.repeat(np.repeat(np.arange(g, dtype=np.int64), 3), sizes.ravel())
    bank_role = np.repeat(np.tile(np.arange(3, dtype=np.int64), g), sizes.ravel())
    nb = len(bank_group)
    # Half the cards were opened long ago and sold later (dormant, then suddenly active).
    bank_opened_day = np.where(rng.random(nb) < 0.5, -rng.integers(200, 1200, nb), -rng.integers(3, 40, nb))
    n_pay = np.where([SCAM_TYPES[int(t)][0] in PAY_TYPES for t in group_type], 2, 0)
    pay_group = np.repeat(np.arange(g, dtype=np.int64), n_pay)
    n_mules = max(2, int(np.ceil((0.6 * nb + 0.3 * len(phone_group) + len(pay_group)) / 2.5)))
    mules = _pick(rng, working, n_mules, used)
    # Traders open cards in bulk; mules sell the few opened in their own name.
    bank_holder = np.where(
        rng.random(nb) < 0.4, traders[rng.integers(0, n_traders, nb)], mules[rng.integers(0, n_mules, nb)]
    )
    np_ = len(phone_group)
    group_trader = traders[np.arange(g) % n_traders]
    phone_holder = np.where(
        rng.random(np_) < 0.7, group_trader[phone_group], mules[rng.integers(0, n_mules, np_)]
    )
    pay_holder = mules[rng.integers(0, n_mules, len(pay_group))]
    inet_group_l: list[int] = []
    inet_platform: list[str] = []
    inet_phone_l: list[int] = []
    card_first = np.r_[0, np.cumsum(n_cards_g)[:-1]]
    for grp in range(g):
        pb = PLAYBOOKS[SCAM_TYPES[int(group_type[grp])][0]]
        k = 2 + int(cases_g[grp]) // 6
        for plat in pb.platforms:
            for i in range(k):
                inet_group_l.append(grp)
                inet_platform.append(plat)
                inet_phone_l.append(int(card_first[grp] + (len(inet_platform) + i) % n_cards_g[grp]))
    force_platform: dict[str, list[int]] = {}
    for person, grp in zip(case_person, case_group, strict=True):
        for plat in PLAYBOOKS[SCAM_TYPES[int(group_type[grp])][0]].platforms:
            force_platform.setdefault(plat, []).append(int(person))
    return FraudPlan(
        group_type=group_type,
        group_country=group_country,
        group_simbox=group_simbox,
        group_conc=conc,
        case_person=case_person,
        case_group=case_group.astype(np.int64),
        case_victim=case_victim,
        case_payments=case_payments,
        traders=traders,
        mules=mules,
        cashers=cashers,
        group_cashers=list(group_cashers),
        phone_group=phone_group,
        phone_holder=phone_holder.astype(np.int64),
        phone_start_day=phone_start_day.astype(np.int64),
        simbox_group=simbox_group,
        handset_group=handset_group,
        bank_group=bank_group,
        bank_role=bank_role,
        bank_holder=bank_holder.astype(np.int64),
        bank_opened_day=bank_opened_day.astype(np.int64),
        pay_group=pay_group,
        pay_holder=pay_holder.astype(np.int64),
        inet_group=np.array(inet_group_l, dtype=np.int64),
        inet_platform=inet_platform,
        inet_phone=np.array(inet_phone_l, dtype=np.int64),
        wallet_group=np.repeat(np.arange(g, dtype=np.int64), 2),
        force_all=np.unique(np.r_[case_person, traders, mules, cashers]).astype(np.int64),
        force_platform={k: np.unique(np.array(v, dtype=np.int64)) for k, v in force_platform.items()},
    )
