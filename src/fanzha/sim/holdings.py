"""Phone cards and devices: every person's, the call centres', and the fraud groups'."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import encode, idgen
from fanzha.sim.actors import FraudPlan
from fanzha.sim.businesses import Businesses
from fanzha.sim.population import Population
from fanzha.sim.reference import OPERATORS, SEGMENTS
from fanzha.sim.regions import Regions
from fanzha.sim.rng import stream
from fanzha.sim.writer import int_or_null

I64A = npt.NDArray[np.int64]
DAY = 86_400
BRANDS = ("Huawei", "Apple", "Xiaomi", "OPPO", "vivo", "Honor")
_BRAND_P = np.array([0.26, 0.20, 0.16, 0.14, 0.16, 0.08])
CALL_CENTRE_CARDS = 30


def by_time(t: I64A) -> tuple[I64A, I64A]:
    """Stable order by time, and where each original row ends up."""
    order = np.argsort(t, kind="stable")
    pos = np.empty(len(t), dtype=np.int64)
    pos[order] = np.arange(len(t))
    return order, pos


def person_ids(pop: Population, person: I64A) -> pa.Array:
    """Resident IDs of the given people; null where person is -1."""
    return pop.resident_id.take(pa.array(person, mask=person < 0))


@dataclass
class Phones:
    """Phone cards (final row order = opening order) and devices (order = first seen)."""

    number: pa.Array
    segment: I64A  # index into SEGMENT_LIST
    holder_person: I64A
    holder_business: I64A
    opened_at: I64A
    county: npt.NDArray[np.int32]
    outlet: npt.NDArray[np.int32]
    device: I64A  # device each card lives in
    fraud_cards: I64A  # final row of each plan phone card
    primary: I64A  # per person: main card or -1
    secondary: I64A
    cc_cards: list[I64A]  # per call centre
    imei: pa.Array
    dev_kind: npt.NDArray[np.int8]  # 0 phone, 1 sim_box
    dev_brand: I64A
    dev_person: I64A
    dev_business: I64A
    dev_seen: I64A
    person_device: I64A  # -1 without a phone
    simboxes: I64A  # final device row of each plan SIM box
    handsets: I64A  # final device row of each plan handset

    def card_table(self, regions: Regions, pop: Population) -> pa.Table:
        """The phone_cards table."""
        seg = SEGMENT_LIST
        op = [s[1] for s in seg]
        return pa.table(
            {
                "card_id": pa.array(np.arange(len(self.segment), dtype=np.int64)),
                "msisdn": self.number,
                "operator_code": encode.take_strings(op, self.segment),
                "segment": encode.take_strings([s[0] for s in seg], self.segment),
                "is_virtual": pa.array(np.array([o.startswith("VNO-") for o in op])[self.segment]),
                "holder_person_id": int_or_null(self.holder_person),
                "holder_business_id": int_or_null(self.holder_business),
                "holder_resident_id": person_ids(pop, self.holder_person),
                "opened_at": pa.array(self.opened_at),
                "opened_region_code": encode.take_strings(regions.county_codes, self.county),
                "outlet_id": pa.array(self.outlet),
            }
        )

    def device_table(self) -> pa.Table:
        """The devices table."""
        return pa.table(
            {
                "device_id": pa.array(np.arange(len(self.dev_kind), dtype=np.int64)),
                "imei": self.imei,
                "kind": encode.take_strings(["phone", "sim_box"], self.dev_kind),
                "brand": encode.take_strings([*BRANDS, "GoIP"], self.dev_brand),
                "owner_person_id": int_or_null(self.dev_person),
                "owner_business_id": int_or_null(self.dev_business),
                "first_seen_at": pa.array(self.dev_seen),
            }
        )


SEGMENT_LIST: list[tuple[str, str]] = [(p, op) for op, ps in SEGMENTS.items() for p in ps]


def _segments(rng: np.random.Generator, n: int, virtual_share: float) -> I64A:
    """A segment per card: operator by market share, a virtual segment with some probability."""
    ops = [o[0] for o in OPERATORS]
    share = np.array([o[4] for o in OPERATORS])
    op = rng.choice(len(ops), size=n, p=share / share.sum())
    segs_of = [np.array([i for i, s in enumerate(SEGMENT_LIST) if s[1] == o]) for o in ops]
    virtual = np.array([i for i, s in enumerate(SEGMENT_LIST) if s[1].startswith("VNO-")])
    u = rng.random(n)
    out = np.empty(n, dtype=np.int64)
    for k, segs in enumerate(segs_of):
        m = op == k
        out[m] = segs[(u[m] * len(segs)).astype(np.int64)]
    v = rng.random(n) < virtual_share
    out[v] = virtual[(u[v] * len(virtual)).astype(np.int64)]
    return out


def build_phones(
    t0: int,
    seed: int,
    pop: Population,
    biz: Businesses,
    plan: FraudPlan,
    regions: Regions,
    aged_share: float = 0.0,
) -> Phones:
    """Cards for people (by age), call centres, and the fraud plan; then the devices."""
    rng = stream(seed, "phones")
    age = pop.age.astype(np.int64)
    p_has = np.select([age < 10, age < 15, age < 18, age < 70], [0.0, 0.4, 0.85, 0.98], 0.75)
    has = rng.random(pop.n) < p_has
    has[plan.force_all] = True
    second = has & (age >= 18) & (age <= 60) & (rng.random(pop.n) < 0.15)
    p1 = np.flatnonzero(has)
    p2 = np.flatnonzero(second)
    n_norm = len(p1) + len(p2)
    holder = np.r_[p1, p2]
    # Opened some time after the 16th birthday (or 2005) and before the first day.
    earliest = np.maximum(t0 - (age[holder] - 16).clip(0) * 365 * DAY, t0 - 20 * 365 * DAY)
    opened = earliest + (rng.random(n_norm) * (t0 - DAY - earliest)).astype(np.int64)
    n_cc = len(biz.call_centres) * CALL_CENTRE_CARDS
    cc_biz = np.repeat(biz.call_centres, CALL_CENTRE_CARDS)
    cc_opened = t0 - rng.integers(30, 1500, n_cc) * DAY
    nf = len(plan.phone_group)
    f_open = t0 + plan.phone_start_day * DAY - rng.integers(DAY, 3 * DAY, nf)
    # Bought or nurtured cards (养卡): opened 15-365 days before their first scam call, so
    # "new card" is no tell for them. Own stream: the other draws do not move.
    arng = stream(seed, "phones-aged")
    aged = arng.random(nf) < aged_share
    f_open = np.where(aged, f_open - arng.integers(15, 366, nf) * DAY, f_open)
    segment = np.r_[_segments(rng, n_norm + n_cc, 0.03), _segments(rng, nf, 0.4)]
    h_person = np.r_[holder, np.full(n_cc, -1), plan.phone_holder]
    h_biz = np.r_[np.full(n_norm, -1), cc_biz, np.full(nf, -1)]
    opened_at = np.r_[opened, cc_opened, f_open]
    county = np.r_[pop.county[holder], biz.county[cc_biz], pop.county[plan.phone_holder]].astype(np.int32)
    county_int = np.array([int(c) for c in regions.county_codes], dtype=np.int64)[county]
    outlet = county_int * 100 + rng.integers(0, 30, len(county))
    # Traders open their cards at the same few complicit outlets.
    outlet[n_norm + n_cc :] = county_int[n_norm + n_cc :] * 100 + 90 + plan.phone_holder % 10
    numbers = idgen.mobile_numbers(rng, [s[0] for s in SEGMENT_LIST], segment, home=True)
    order, pos = by_time(opened_at)
    # Devices: one handset per card-holding person, call-centre gateways, the groups' gear.
    dev_person = p1
    n_gw = len(biz.call_centres) * (CALL_CENTRE_CARDS // 10)
    gw_biz = np.repeat(biz.call_centres, CALL_CENTRE_CARDS // 10)
    n_sb, n_hs = len(plan.simbox_group), len(plan.handset_group)
    n_dev = len(p1) + n_gw + n_sb + n_hs
    seen = np.r_[
        t0 - rng.integers(1, 1100, len(p1) + n_gw) * DAY, t0 - rng.integers(5 * DAY, 20 * DAY, n_sb + n_hs)
    ]
    kind = np.r_[
        np.zeros(len(p1), np.int8), np.ones(n_gw, np.int8), np.ones(n_sb, np.int8), np.zeros(n_hs, np.int8)
    ]
    brand = rng.choice(len(BRANDS), size=n_dev, p=_BRAND_P)
    brand[kind == 1] = len(BRANDS)
    tac = np.where(brand == 1, 35, 86).astype(np.int64)
    imei = idgen.imeis(rng, tac)
    d_order, d_pos = by_time(seen)
    person_device = np.full(pop.n, -1, dtype=np.int64)
    person_device[p1] = d_pos[np.arange(len(p1))]
    # Which device each card (logical order) lives in.
    card_dev = np.empty(len(segment), dtype=np.int64)
    card_dev[:n_norm] = person_device[holder]
    card_dev[n_norm : n_norm + n_cc] = d_pos[len(p1) + np.arange(n_cc) // 10]
    sb_first = np.searchsorted(plan.simbox_group, np.arange(plan.n_groups))
    sb_count = np.bincount(plan.simbox_group, minlength=plan.n_groups)
    hs_first = np.searchsorted(plan.handset_group, np.arange(plan.n_groups))
    g = plan.phone_group
    slot = np.arange(nf) - np.searchsorted(g, g)
    via_box = plan.group_simbox[g]
    box = len(p1) + n_gw + sb_first[g] + slot % np.maximum(sb_count[g], 1)
    hand = len(p1) + n_gw + n_sb + hs_first[g] + slot % plan.group_conc[g]
    card_dev[n_norm + n_cc :] = d_pos[np.where(via_box, box, hand)]
    primary = np.full(pop.n, -1, dtype=np.int64)
    primary[p1] = pos[np.arange(len(p1))]
    secondary = np.full(pop.n, -1, dtype=np.int64)
    secondary[p2] = pos[len(p1) + np.arange(len(p2))]
    cc_pos = pos[n_norm : n_norm + n_cc]
    return Phones(
        number=idgen.e164(numbers[order]),
        segment=segment[order],
        holder_person=h_person[order],
        holder_business=h_biz[order],
        opened_at=opened_at[order],
        county=county[order],
        outlet=outlet[order].astype(np.int32),
        device=card_dev[order],
        fraud_cards=pos[n_norm + n_cc :],
        primary=primary,
        secondary=secondary,
        cc_cards=list(cc_pos.reshape(len(biz.call_centres), CALL_CENTRE_CARDS)),
        imei=imei.take(pa.array(d_order)),
        dev_kind=kind[d_order],
        dev_brand=brand[d_order],
        dev_person=np.r_[dev_person, np.full(n_dev - len(p1), -1)][d_order],
        dev_business=np.r_[np.full(len(p1), -1), gw_biz, np.full(n_sb + n_hs, -1)][d_order],
        dev_seen=seen[d_order],
        person_device=person_device,
        simboxes=d_pos[len(p1) + n_gw + np.arange(n_sb)],
        handsets=d_pos[len(p1) + n_gw + n_sb + np.arange(n_hs)],
    )
