"""The knobs of one simulated province."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
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
    broadcast_calls_per_day: float = 0.01
    broadcast_sms_per_day: float = 0.01
    warning_sms_per_day: float = 0.004

    def __post_init__(self) -> None:
        if self.people < MIN_PEOPLE:
            raise ValueError(f"a province needs at least {MIN_PEOPLE} people")
        if not 1 <= self.days <= 366:
            raise ValueError("days must be between 1 and 366")
        if self.seed < 0:
            raise ValueError("seed must be non-negative")

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
