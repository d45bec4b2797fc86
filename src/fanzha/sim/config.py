"""The knobs of one simulated province."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Fewer people leave too few working-age adults for the groups' traders, mules and cashers.
MIN_PEOPLE = 500


@dataclass(frozen=True)
class SimConfig:
    """Size, seed and rates of a simulated province; defaults are modest on purpose."""

    people: int = 10_000
    days: int = 30
    seed: int = 0
    start: date = date(2025, 3, 1)
    # People per block of normal life: bounds memory whatever the province's size.
    block_people: int = 100_000
    # Per person per day (scaled by each person's activity).
    calls_per_day: float = 2.0
    sms_per_day: float = 1.2
    chats_per_day: float = 2.0
    payments_per_day: float = 1.0
    web_visits_per_day: float = 2.0
    app_installs_per_day: float = 0.01
    atm_per_day: float = 0.01
    # Fraud: victims per million people per day, with a floor so each scam type occurs.
    victims_per_million_day: float = 100.0
    min_victims_per_type: int = 2
    engaged_per_victim: float = 2.0
    # Mass dialling per resident per day (0.01-0.1): a fraud card dials tens to hundreds a day.
    broadcast_calls_per_day: float = 0.04
    broadcast_sms_per_day: float = 0.01
    warning_sms_per_day: float = 0.004
    # Harder behaviours (docs/sim.md, "Behaviours that resist memorising", gives ranges and sources).
    # Share of fraud cards bought or "nurtured" (养卡) weeks to a year before first use, 0-1.
    fraud_card_aged_share: float = 0.4
    # Share of scam calls the callee rings back (a missed call, a "case number" to confirm), 0-0.5.
    fraud_callback_share: float = 0.15
    # Cover calls per scam call: ordinary-looking long calls out and in that 养卡 keeps up, 0-1.
    fraud_cover_ratio: float = 0.3
    # Share of layering hops where the mule holds the money before passing it on, 0-1, and
    # the longest hold in hours (holds are log-uniform from 10 minutes to this), 1-48.
    layer_hold_share: float = 0.4
    layer_hold_max_h: float = 24.0
    # Share of mule cards that are their holder's everyday card (salary, shopping, rent), 0-1.
    mule_ordinary_share: float = 0.3
    # Hard negatives: couriers' and riders' short calls per working day (10-60), people who
    # gather money from relatives to pay a bill per million per day, small shops settling the
    # day's QR takings to a supplier (share of merchants per day).
    courier_calls_per_day: float = 25.0
    family_bill_per_million_day: float = 2_000.0
    shop_settle_share: float = 0.3
    # Sales callers (电话销售): share of office workers and the self-employed who dial lists of
    # strangers on working days from their own phone (0-0.2), calls per day each (20-200, each
    # caller's pace lognormal around it), share answered (0.2-0.8), share of answered customers who
    # ring back (0-0.2). The hard negative of "many short calls to strangers" beside couriers.
    sales_caller_share: float = 0.03
    sales_calls_per_day: float = 60.0
    sales_answered_share: float = 0.4
    sales_callback_share: float = 0.05
    # Extra outputs, off by default so the default province stays byte for byte the same:
    # case_stages (each case's stages with times and amounts, for the dissuasion backtest) and
    # dealings (everyone's shops, couriers and platforms, for leak-source analysis, Art 26).
    extras: bool = False
    # A planted leak (Art 26): '' for none, else the kind of party whose customer records reach the
    # rings ('merchant', 'courier' or 'platform'); leak_share of the targets are then its customers.
    leak_kind: str = ""
    leak_share: float = 0.4

    def __post_init__(self) -> None:
        if self.people < MIN_PEOPLE:
            raise ValueError(f"a province needs at least {MIN_PEOPLE} people")
        if not 1 <= self.days <= 366:
            raise ValueError("days must be between 1 and 366")
        if self.seed < 0:
            raise ValueError("seed must be non-negative")
        for name in (
            "fraud_card_aged_share",
            "fraud_callback_share",
            "fraud_cover_ratio",
            "layer_hold_share",
            "sales_caller_share",
            "sales_answered_share",
            "sales_callback_share",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.leak_kind not in ("", "merchant", "courier", "platform"):
            raise ValueError("leak_kind must be merchant, courier or platform")
        if not 0.0 <= self.leak_share <= 1.0:
            raise ValueError("leak_share must be between 0 and 1")
        if not 0.0 < self.layer_hold_max_h <= 48.0:
            raise ValueError("layer_hold_max_h must be between 0 and 48")

    @classmethod
    def classic(cls, **kw: Any) -> SimConfig:
        """The simulator without the harder behaviours: fresh cards, minute-fast layering, no look-alikes.

        The rule engines (V1) were tuned on this world; their regression tests run on it.
        """
        off: dict[str, Any] = {
            "fraud_card_aged_share": 0.0,
            "fraud_callback_share": 0.0,
            "fraud_cover_ratio": 0.0,
            "layer_hold_share": 0.0,
            "mule_ordinary_share": 0.0,
            "broadcast_calls_per_day": 0.01,
            "courier_calls_per_day": 0.0,
            "family_bill_per_million_day": 0.0,
            "shop_settle_share": 0.0,
            "sales_caller_share": 0.0,
        }
        return cls(**{**off, **kw})

    @property
    def with_extras(self) -> bool:
        """Whether case_stages and dealings are written (asked for, or needed by a planted leak)."""
        return self.extras or bool(self.leak_kind)

    @property
    def t0(self) -> int:
        """Epoch seconds of the first simulated midnight in Asia/Shanghai."""
        return int(datetime.combine(self.start, time(0), tzinfo=SHANGHAI).timestamp())

    @property
    def t_end(self) -> int:
        """Epoch seconds just after the last simulated day."""
        return self.t0 + self.days * 86_400

    @property
    def n_victims(self) -> int:
        """Victims to simulate: the rate, floored so every scam type has some."""
        rate = self.victims_per_million_day * self.people / 1e6 * self.days
        return max(round(rate), 10 * self.min_victims_per_type)
