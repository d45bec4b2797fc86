"""Transfer-time rules as pure functions over an account's recent history (Art 18, 18¶4).

Each rule looks at what the payer and the payee did in their recent windows, plus the transfer being
made, and returns a `Hit` (score and reasons in Chinese and English) or None. `decide` adds the scores
up: a sample payee always delays settlement (Art 18¶4); otherwise 80 or more delays, 40 or more asks
for review, anything less settles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["allow", "review", "delay"]
# One recorded movement of money seen from an account: (unix seconds, yuan, counterparty key).
Event = tuple[float, float, bytes]

FAN_SPAN_S = 10 * 60  # fan-in / fan-out window
FAN_REVIEW = 5  # distinct counterparties within the window, the current transfer included
FAN_DELAY = 10
PASS_SPAN_S = 30 * 60  # money out within 30 minutes of money in
PASS_LOW, PASS_HIGH = 0.8, 1.05  # out / in: a mule keeps a small commission, seldom adds to it
PASS_MIN_YUAN = 1_000.0
NIGHT_SPAN_S = 60 * 60
NIGHT_HOURS = range(0, 6)  # local time, UTC+8
NIGHT_BURST = 3  # outgoing transfers within the hour, the current one included
DORMANT_S = 90 * 24 * 3600
DORMANT_MIN_YUAN = 5_000.0
LOCAL_OFFSET_S = 8 * 3600
REVIEW_AT, DELAY_AT = 40, 80
SPAN_S = max(FAN_SPAN_S, PASS_SPAN_S, NIGHT_SPAN_S)  # how long the state must remember events


@dataclass(frozen=True)
class Hit:
    """One rule that fired: its name, score and why."""

    rule: str
    score: int
    reason_zh: str
    reason_en: str
    basis: str = "第十八条"


@dataclass(frozen=True)
class Decision:
    """The answer for one transfer: allow | review | delay, a 0-100 score and the reasons."""

    outcome: Outcome
    score: int
    hits: tuple[Hit, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """The JSON-ready body of the decision."""
        return {
            "outcome": self.outcome,
            "score": self.score,
            "rules": [h.rule for h in self.hits],
            "reasons_zh": [h.reason_zh for h in self.hits] or ["未发现异常，可正常结算"],
            "reasons_en": [h.reason_en for h in self.hits] or ["Nothing unusual: settle as usual"],
            "legal_basis": sorted({h.basis for h in self.hits}),
        }


def distinct_within(events: Iterable[Event], now: float, span: float, current: bytes) -> int:
    """Distinct counterparties of the events in (now - span, now], the current one included."""
    seen = {current}
    seen.update(e[2] for e in events if now - span < e[0] <= now)
    return len(seen)


def count_within(events: Iterable[Event], now: float, span: float) -> int:
    """Events in (now - span, now]."""
    return sum(1 for e in events if now - span < e[0] <= now)


def sample_payee(is_sample: bool) -> Hit | None:
    """The payee is an active fraud sample: delay settlement and warn the payer (Art 18¶4)."""
    if not is_sample:
        return None
    return Hit(
        "sample_payee",
        100,
        "收款账户已列入涉诈样本库，依照第十八条第四款延迟结算并提示付款人核实",
        "The payee is a fraud sample: settlement is delayed under Art 18(4) and the payer warned",
        "第十八条第四款",
    )


def fan_in(payee_inbound: Sequence[Event], now: float, payer: bytes) -> Hit | None:
    """Many distinct payers into one account within minutes: a collecting mule (Art 18)."""
    n = distinct_within(payee_inbound, now, FAN_SPAN_S, payer)
    if n < FAN_REVIEW:
        return None
    return Hit(
        "fan_in",
        85 if n >= FAN_DELAY else 50,
        f"收款账户 {FAN_SPAN_S // 60} 分钟内收到 {n} 个不同账户转入（快进）",
        f"The payee received money from {n} distinct accounts within {FAN_SPAN_S // 60} minutes",
    )


def fan_out(payer_outbound: Sequence[Event], now: float, payee: bytes) -> Hit | None:
    """One account paying many distinct payees within minutes: a dispersing mule (Art 18)."""
    n = distinct_within(payer_outbound, now, FAN_SPAN_S, payee)
    if n < FAN_REVIEW:
        return None
    return Hit(
        "fan_out",
        85 if n >= FAN_DELAY else 50,
        f"付款账户 {FAN_SPAN_S // 60} 分钟内向 {n} 个不同账户转出（快出）",
        f"The payer paid {n} distinct accounts within {FAN_SPAN_S // 60} minutes",
    )


def similar(out_amount: float, in_amount: float) -> bool:
    """Whether money out is of a size that passes money in straight on."""
    return in_amount >= PASS_MIN_YUAN and PASS_LOW * in_amount <= out_amount <= PASS_HIGH * in_amount


def pass_through(payer_inbound: Sequence[Event], now: float, amount: float) -> Hit | None:
    """Money out within 30 minutes of money in of similar size: a pass-through account (Art 18)."""
    for t, received, _ in payer_inbound:
        if now - PASS_SPAN_S <= t <= now and similar(amount, received):
            minutes = max(0, round((now - t) / 60))
            return Hit(
                "pass_through",
                60,
                f"付款账户在 {minutes} 分钟前收到 {received:,.2f} 元后转出相近金额（过渡账户）",
                f"The payer passes on {received:,.2f} yuan received {minutes} minutes ago",
            )
    return None


def night_burst(payer_outbound: Sequence[Event], now: float) -> Hit | None:
    """Several payments out in one hour in the small hours, local time (Art 18)."""
    hour = int((now + LOCAL_OFFSET_S) // 3600) % 24
    if hour not in NIGHT_HOURS:
        return None
    n = count_within(payer_outbound, now, NIGHT_SPAN_S) + 1
    if n < NIGHT_BURST:
        return None
    return Hit(
        "night_burst",
        35,
        f"付款账户在凌晨一小时内转出 {n} 笔",
        f"The payer made {n} payments within an hour in the small hours",
    )


def dormant_then_active(payer_last_seen: float | None, now: float, amount: float) -> Hit | None:
    """A long-dormant account suddenly paying out a large amount (Art 18)."""
    if payer_last_seen is None or now - payer_last_seen < DORMANT_S or amount < DORMANT_MIN_YUAN:
        return None
    days = int((now - payer_last_seen) // 86400)
    return Hit(
        "dormant_then_active",
        40,
        f"付款账户休眠 {days} 天后突然转出 {amount:,.2f} 元",
        f"The payer, dormant for {days} days, suddenly pays out {amount:,.2f} yuan",
    )


def decide(hits: Iterable[Hit | None]) -> Decision:
    """Combine the rules: a sample payee delays; otherwise the summed score (capped at 100) decides."""
    fired = tuple(h for h in hits if h is not None)
    score = min(100, sum(h.score for h in fired))
    if any(h.rule == "sample_payee" for h in fired) or score >= DELAY_AT:
        return Decision("delay", score, fired)
    return Decision("review" if score >= REVIEW_AT else "allow", score, fired)
