"""Hard negatives of "many short calls to strangers": sales callers (电话销售) and their call-backs.

A share of employees spend their working days dialling lists of strangers from their own phone: most
calls go unanswered or last seconds, a few customers ring back. They look like a fraud card in volume,
brevity and strangers; what differs is an ordinary life beside the job (contacts calling, long calls).
Drawn from their own random stream, so turning them off leaves every other draw unchanged.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim import encode
from fanzha.sim.blocks import Block
from fanzha.sim.config import SHANGHAI
from fanzha.sim.population import OCCUPATIONS
from fanzha.sim.rng import stream
from fanzha.sim.social import phone_of
from fanzha.sim.vocab import GATEWAYS, ROAMING
from fanzha.sim.world import World

I64A = npt.NDArray[np.int64]
_OFFICE = (OCCUPATIONS.index("employee"), OCCUPATIONS.index("self_employed"))
MIN = 60


def sales_callers(w: World, people: I64A) -> npt.NDArray[np.bool_]:
    """Whether each person is a sales caller: fixed per person and seed (a hash, no draw)."""
    h = ((people * 2_654_435_761 + w.cfg.seed * 40_503) % 100_003) / 100_003.0
    office = np.isin(w.pop.occupation[people], _OFFICE) & (w.phones.primary[people] >= 0)
    share = w.cfg.sales_caller_share
    out: npt.NDArray[np.bool_] = office & (h < share)
    return out


def sales_calls(w: World, people: I64A, day: int, t_day: int) -> Block:
    """One working day of sales calls by the block's sales callers, and the customers' call-backs."""
    if w.cfg.sales_caller_share <= 0 or datetime.fromtimestamp(t_day, SHANGHAI).weekday() >= 5:
        return {}
    who = people[sales_callers(w, people)]
    if not len(who):
        return {}
    rng = stream(w.cfg.seed, "sales", day, int(people[0]))
    # Each caller's own pace (lognormal around the setting): some ring 30 numbers, some 200.
    pace = w.cfg.sales_calls_per_day * np.exp(rng.normal(0.0, 0.5, len(who)))
    k = rng.poisson(pace)
    caller = np.repeat(who, k)
    n = len(caller)
    callee = phone_of(rng, w, rng.integers(0, w.pop.n, n), caller)
    answered = rng.random(n) < w.cfg.sales_answered_share
    dur = np.where(answered, np.clip(rng.lognormal(np.log(35), 0.9, n), 3, 1200), 0).astype(np.int32)
    ts = t_day + rng.integers(9 * 3600, 18 * 3600, n)
    card = w.phones.primary[caller]
    # A few interested customers ring back within two hours.
    back = answered & (rng.random(n) < w.cfg.sales_callback_share)
    m = int(back.sum())
    src = np.r_[card, callee[back]]
    dst = np.r_[callee, card[back]]
    ts = np.r_[ts, ts[back] + rng.integers(2 * MIN, 120 * MIN, m)]
    dur = np.r_[dur, rng.integers(20, 300, m).astype(np.int32)]
    dev = w.phones.device[src]
    total = n + m
    ph = w.phones
    return {
        "ts": ts.astype(np.int64),
        "caller": ph.number.take(pa.array(src)),
        "callee": ph.number.take(pa.array(dst)),
        "duration_s": dur,
        "caller_imei": ph.imei.take(pa.array(dev, mask=dev < 0)),
        "cell_id": pa.array(
            w.pop.home_cell[np.r_[caller, np.zeros(m, np.int64)]],
            mask=np.r_[np.zeros(n, bool), np.ones(m, bool)],
        ),
        "roaming": encode.take_strings(ROAMING, np.zeros(total, np.int64)),
        "gateway": encode.take_strings(GATEWAYS, np.zeros(total, np.int64)),
        "_category": np.full(total, -1, dtype=np.int64),
    }
