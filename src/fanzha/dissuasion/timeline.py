"""When each person's PotentialVictimV1 alert appears and rises: the engine's score, event by event.

The engine scores a person once over all their events; a warning system sees the events as they
come. Replaying the same score after every event gives the alerts a live system would raise (one per
event, at the level reached so far). The final level equals the engine's (checked by a test).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pyarrow as pa

from fanzha.detect.engines.victims import LONG_CALL_S, REPEAT, PotentialVictimV1

HIGH, MEDIUM = 0.8, 0.5  # fanzha.detect.frame cut points


def level_of(score: float) -> str:
    """high ≥ 0.8, medium ≥ 0.5, else low (as fanzha.detect.frame.level_of)."""
    return "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"


@dataclass
class _State:
    """What one person's events have shown so far."""

    per_obj: Counter[str]
    contact: bool = False
    replied: bool = False
    clicked: bool = False
    paid: bool = False
    long_call: bool = False

    def score(self, e: type[PotentialVictimV1]) -> float:
        led = self.contact or self.clicked or self.replied
        if self.paid and led:
            stage = e.PAID
        elif self.clicked or self.paid:
            stage = e.CLICKED
        elif self.replied:
            stage = e.REPLIED
        else:
            stage = e.CONTACTED
        repeated = max(self.per_obj.values(), default=0) >= REPEAT
        engaged = self.replied and (self.clicked or self.paid)
        s = stage + e.W_REPEAT * repeated + e.W_LONG * self.long_call + e.W_ENGAGED * engaged
        return round(min(1.0, max(0.0, s)), 4)


def alerts_over_time(
    events: pa.Table, engine: type[PotentialVictimV1] = PotentialVictimV1
) -> dict[str, list[tuple[int, str]]]:
    """Per resident id: (event time in epoch seconds, level so far) for every event of a flagged person."""
    rows = sorted(
        zip(
            events["rid"].to_pylist(),
            [int(t.timestamp()) for t in events["ts"].to_pylist()],
            events["ev"].to_pylist(),
            events["obj"].to_pylist(),
            events["dur"].to_pylist(),
            strict=True,
        ),
        key=lambda r: (r[0], r[1], r[2]),
    )
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    states: dict[str, _State] = {}
    for rid, ts, ev, obj, dur in rows:
        st = states.setdefault(rid, _State(Counter()))
        if ev in ("call", "sms", "chat"):
            st.contact = True
            st.per_obj[obj] += 1
        if ev in ("reply", "callback"):
            st.replied = True
        if ev in ("visit", "install"):
            st.clicked = True
        if ev == "pay":
            st.paid = True
        if ev == "call" and (dur or 0) >= LONG_CALL_S:
            st.long_call = True
        score = st.score(engine)
        if score >= engine.MIN_SCORE:
            out[rid].append((ts, level_of(score)))
    return dict(out)
