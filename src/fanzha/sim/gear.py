"""The fraud groups' telephony gear: which card dials when, from which box or handset, as whom."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import encode, idgen
from fanzha.sim.accounts import fraud_ips
from fanzha.sim.actors import CARD_LIFE_DAYS
from fanzha.sim.blocks import DAY
from fanzha.sim.rng import stream
from fanzha.sim.world import World

I64A = npt.NDArray[np.int64]
CALLER_MIX = (("roaming_card", 0.45), ("spoofed", 0.30), ("overseas", 0.25))


class Gear:
    """Per group: rotating cards, SIM-box cells, spoofed and overseas numbers, proxies."""

    def __init__(self, w: World) -> None:
        self.w = w
        plan = w.plan
        rng = stream(w.cfg.seed, "gear")
        g = plan.n_groups
        self.card_first = np.searchsorted(plan.phone_group, np.arange(g))
        self.card_count = np.bincount(plan.phone_group, minlength=g)
        # Display numbers of spoofed calls: fixed lines in Beijing, Shanghai and Guangzhou.
        area = np.array([10, 21, 20])[rng.integers(0, 3, 3 * g)]
        body = rng.integers(20_000_000, 99_999_999, 3 * g)
        self.spoofed = pa.array([f"+86{a}{b}" for a, b in zip(area, body, strict=True)], pa.string())
        self.overseas = idgen.overseas_numbers(rng, 3 * g)
        self.ips = fraud_ips(w.cfg.seed, g)
        self.ip_str = encode.ipv4_strings(self.ips.ravel())
        towns = w.regions.town_code_int
        dev = np.arange(len(w.phones.dev_kind), dtype=np.int64)
        self.device_cell = towns[(dev * 7919) % len(towns)] * 100 + 9
        self.inet_platform = np.array(plan.inet_platform)
        self.used_spoofed: set[int] = set()
        self.used_overseas: set[int] = set()

    def pick_numbers(self, rng: np.random.Generator, g: int, n: int, *, spoofed: bool) -> pa.Array:
        """n display numbers of a group (spoofed fixed lines or overseas), remembering which were used."""
        idx = 3 * g + rng.integers(0, 3, n)
        (self.used_spoofed if spoofed else self.used_overseas).update(int(i) for i in np.unique(idx))
        return (self.spoofed if spoofed else self.overseas).take(pa.array(idx))

    def active_cards(self, g: int, ts: I64A, u: npt.NDArray[np.float64]) -> I64A:
        """Phone card rows a group dials from at the given times (u picks a slot)."""
        plan = self.w.plan
        day = (ts - self.w.cfg.t0) // DAY
        conc = int(plan.group_conc[g])
        rot = (day + 1) // CARD_LIFE_DAYS
        idx = rot * conc + (u * conc).astype(np.int64)
        idx = np.minimum(idx, self.card_count[g] - 1)
        rows: I64A = self.w.phones.fraud_cards[self.card_first[g] + idx]
        return rows

    def account(self, g: int, platform: str, u: float) -> int:
        """One of the group's internet accounts on a platform (row of internet_accounts)."""
        w = self.w
        plan = w.plan
        rows = w.net.fraud[(plan.inet_group == g) & (self.inet_platform == platform)]
        return int(rows[int(u * len(rows))])
