"""Every behaviour of the evaluation world as a parameter (ranges and sources in README.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Params:
    """Knobs of the world; defaults are the values the evaluation uses."""

    people: int = 3000
    days: int = 14
    seed: int = 1
    start: dt.date = dt.date(2025, 6, 2)

    # --- fraud volume -------------------------------------------------------------------
    cases_per_10k_person_days: float = 12.0  # engaged targets (victims + engaged non-payers)
    victim_share: float = 0.55  # engaged targets who pay at least once
    extra_groups_per_1000_people: float = 1.0  # groups beyond one per scam type
    broadcast_calls_per_box_card_day: tuple[int, int] = (25, 220)
    broadcast_answer_rate: tuple[float, float] = (0.08, 0.30)
    broadcast_sms_per_box_day: tuple[int, int] = (40, 400)
    callback_rate: float = 0.04  # missed fraud calls the callee calls back
    dissuasion_rate: float = 0.35  # cases where 96110 calls the target
    dissuasion_success: float = 0.55  # of dissuaded targets not yet paying, share who stop

    # --- fraud devices and numbers -------------------------------------------------------
    sim_box_share: float = 0.55  # groups that dial through SIM boxes in the province
    cards_per_box: tuple[int, int] = (8, 48)
    card_active_days: tuple[int, int] = (1, 6)  # a box card is burned after this many days
    old_card_share: float = 0.45  # box cards bought from 卡农 years before use (not fresh)
    moving_box_share: float = 0.3  # boxes run from a car: cell changes through the day
    roaming_cards_per_group: tuple[int, int] = (0, 5)
    spoof_share: float = 0.25  # scripted calls with a spoofed caller (the rest not from boxes: overseas)
    bought_account_share: float = 0.35  # fraud internet accounts bought from real residents
    domestic_proxy_share: float = 0.3  # fraud chat traffic through domestic proxies

    # --- money ---------------------------------------------------------------------------
    hold_minutes_median: float = 35.0  # how long a mule holds money before passing it on
    hold_sigma: float = 1.5  # lognormal spread of the hold (minutes to a day)
    hold_max_hours: float = 26.0
    commission: tuple[float, float] = (0.005, 0.03)  # each mule keeps this share
    layering_mix: dict[str, float] = field(
        default_factory=lambda: {"chain": 0.4, "fan_out": 0.35, "scatter_gather": 0.25}
    )
    chain_hops: tuple[int, int] = (1, 4)
    fan_width: tuple[int, int] = (2, 6)
    atm_share: float = 0.5  # terminal: ATM cash-out, else USDT over the counter
    atm_max_withdrawal_yuan: int = 5000
    atm_daily_limit_yuan: int = 20000
    casher_face_covered: float = 0.65
    mules_per_group: tuple[int, int] = (4, 14)
    shared_mule_share: float = 0.3  # mules (跑分 accounts) that serve several groups
    fresh_mule_card_share: float = 0.5  # mule cards opened weeks before use, else old own cards

    # --- lines held by enterprises (Art 11; lines.py) ---------------------------------------
    lines_per_1000_people: float = (
        20.0  # ordinary line holders (logistics, hospitals, schools, call centres ...)
    )
    line_lease_share: float = 0.8  # call- or SMS-first groups that lease lines through shell companies
    fraud_line_days: tuple[int, int] = (2, 11)  # a leased line is cut off after this many days

    # --- OTC USDT trades (Art 33; otc.py) ---------------------------------------------------
    otc_investor_share: float = 0.012  # adults 20-50 who trade USDT now and then
    otc_arbitrage_traders: tuple[int, int] = (2, 6)  # 搬砖 traders: many trades both ways, any hour
    otc_complicit_share: float = 0.6  # fraud trades served by a merchant who takes dirty money (黑U商)
    otc_backend_sells_per_group: tuple[int, int] = (0, 6)  # the group's wallets sell USDT back to yuan

    # --- ordinary life (occupation shares: holdings.OCC_BY_AGE) ----------------------------
    renter_share: float = 0.25
    legit_crypto_share: float = 0.002
    ordinary_scale: float = 1.0  # multiplies every ordinary event rate

    def as_dict(self) -> dict[str, Any]:
        """Parameters as JSON-friendly values."""
        d = asdict(self)
        d["start"] = self.start.isoformat()
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}
