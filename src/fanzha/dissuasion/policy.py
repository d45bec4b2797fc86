"""The warning policy (Art 28¶2): which alert level gets which contact, how fast, and how often.

Pure rules, replayed by the backtest: an alert level maps to contacts (channel, delay after the
alert); a person already warned at the same or a higher level within the quiet period is not warned
again, so ordinary people flagged at the lowest level get at most one text per quiet period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

# Art 28¶2: the cited paragraph and the phrase the policy implements (checked against the shipped text).
BASIS = ("第二十八条第二款", "根据风险高低，及时采取电话、短信、上门见面等方式进行劝阻")
LEVELS = ("low", "medium", "high")
RANK = {lvl: i for i, lvl in enumerate(LEVELS)}


def _default_contacts() -> dict[str, tuple[tuple[str, int], ...]]:
    # Grading and channels of the four-tier warning mechanism: low → text, medium → call,
    # high → call at once and a visit (ministry of public security, 2023). Delays in seconds.
    return {
        "low": (("sms", 60),),
        "medium": (("call", 30 * 60),),
        "high": (("call", 5 * 60), ("visit", 30 * 60)),
    }


@dataclass(frozen=True)
class WarningPolicy:
    """Level → contacts, the quiet period, the detection lag and the lowest level warned."""

    contacts: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=_default_contacts)
    # A month: a person flagged again and again at the same level gets one text a month at most.
    quiet_period_h: float = 30 * 24.0
    # Time from the event to the alert: the realtime engine's seconds, a batch run's minutes.
    detection_lag_s: int = 10 * 60
    min_level: str = "low"

    def __post_init__(self) -> None:
        if self.min_level not in LEVELS:
            raise ValueError("min_level must be low, medium or high")
        if self.quiet_period_h < 0 or self.detection_lag_s < 0:
            raise ValueError("quiet period and detection lag must not be negative")
        for lvl, cs in self.contacts.items():
            if lvl not in LEVELS:
                raise ValueError(f"unknown level {lvl}")
            for ch, delay in cs:
                if ch not in ("sms", "call", "visit") or delay < 0:
                    raise ValueError(f"bad contact {ch} after {delay} s")

    def with_delay(self, delay_s: int) -> WarningPolicy:
        """The same policy with every contact made `delay_s` after the alert (the delay sweep)."""
        return replace(
            self,
            contacts={lvl: tuple((ch, delay_s) for ch, _ in cs) for lvl, cs in self.contacts.items()},
        )


@dataclass(frozen=True)
class Warning:
    """A contact the policy makes: when, by which channel, for which level."""

    ts: int
    channel: str
    level: str


def plan(policy: WarningPolicy, alerts: Iterable[tuple[int, str]]) -> list[Warning]:
    """Warnings for one person from their alerts (event time, level), in time order.

    A new alert is warned when the person was never warned, or only at a lower level, or not within
    the quiet period; otherwise it is suppressed (no spam, Art 28¶2 "timely", not repeated).
    """
    out: list[Warning] = []
    last_ts: int | None = None
    last_rank = -1
    last_sms: int | None = None
    quiet = policy.quiet_period_h * 3600
    for ts, level in sorted(alerts):
        r = RANK[level]
        if r < RANK[policy.min_level]:
            continue
        at = ts + policy.detection_lag_s
        within = last_ts is not None and at - last_ts < quiet
        if within and r <= last_rank:
            continue
        last_rank = max(r, last_rank) if within else r  # an escalation keeps the window's highest level
        last_ts = at
        for ch, delay in policy.contacts.get(level, ()):
            when = at + delay
            if ch == "sms":
                # One text per quiet period whatever the levels: texts are what ordinary people see.
                if last_sms is not None and when - last_sms < quiet:
                    continue
                last_sms = when
            out.append(Warning(when, ch, level))
    return sorted(out, key=lambda w: (w.ts, w.channel))
