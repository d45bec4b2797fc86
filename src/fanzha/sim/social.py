"""Who talks to whom: households, workplaces, the city, anyone."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fanzha.sim.world import World

I64A = npt.NDArray[np.int64]


def contacts(rng: np.random.Generator, w: World, who: I64A, p_family: float, p_work: float) -> I64A:
    """Someone each person in `who` talks to: household, workplace, city, anyone."""
    pop = w.pop
    n = len(who)
    u = rng.random(n)
    out = pop.city_start[who] + (rng.random(n) * pop.city_size[who]).astype(np.int64)
    far = u > 0.95
    out[far] = rng.integers(0, pop.n, int(far.sum()))
    fam = (u < p_family) & (pop.hh_size[who] > 1)
    size = pop.hh_size[who[fam]].astype(np.int64)
    start = pop.hh_start[who[fam]]
    out[fam] = start + (who[fam] - start + 1 + (rng.random(len(size)) * (size - 1)).astype(np.int64)) % size
    g = pop.work_group[who]
    wk = (u >= p_family) & (u < p_family + p_work) & (g >= 0)
    gs, ge = pop.wg_start[g[wk]], pop.wg_start[g[wk] + 1]
    out[wk] = pop.wg_members[gs + (rng.random(len(gs)) * (ge - gs)).astype(np.int64)]
    return out


def phone_of(rng: np.random.Generator, w: World, people: I64A, avoid: I64A) -> I64A:
    """A phone card of each person; someone random with a phone when they have none."""
    card = w.phones.primary[people]
    bad = (card < 0) | (people == avoid)
    card[bad] = w.phones.primary[w.with_phone[rng.integers(0, len(w.with_phone), int(bad.sum()))]]
    return card
