"""Backtest of the warning policy on a simulated province (Art 28¶2): loss prevented, spam, speed.

Replays PotentialVictimV1's alerts as they would arrive (fanzha.dissuasion.timeline), applies the
warning policy (fanzha.dissuasion.policy) and the simulator's effect model (fanzha.sim.dissuasion) to
every scam case's stages (case_stages, written by `fanzha sim generate --extras`). Money in fen;
prevented figures are expected values, so two policies compare without sampling noise.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from fanzha.detect.backtest import score
from fanzha.detect.engines.victims import PotentialVictimV1
from fanzha.detect.province import Province
from fanzha.dissuasion.policy import LEVELS, RANK, Warning, WarningPolicy, plan
from fanzha.dissuasion.timeline import alerts_over_time
from fanzha.sim.dissuasion import (
    Contact,
    EffectModel,
    Stage,
    expected_prevented,
    reached_in_time,
    stops_by_contact,
)

SWEEP_S = (0, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 24 * 3600)


class MissingStages(ValueError):
    """The province was generated without case stages (`fanzha sim generate --extras`)."""


@dataclass
class World:
    """What the backtest needs from a province, read once."""

    days: int
    people: int
    stages: dict[str, list[Stage]]  # resident id → their case's stages (targets only)
    victims: set[str]  # targets who paid
    loss_fen: int  # all victims' payments
    alerts: dict[str, list[tuple[int, str]]]  # resident id → (time, level) as events arrive
    final_level: dict[str, str]  # the engine's own alert level per flagged person
    scam_type: dict[str, str] = field(default_factory=dict)  # resident id → their case's scam type
    region: dict[str, str] = field(default_factory=dict)  # resident id → home city code
    engine: str = PotentialVictimV1.name


@dataclass
class Outcome:
    """One policy's result on the world."""

    prevented_fen: int
    prevented_share: float
    victims_reached_before_paying: int
    warnings: dict[str, int]  # per channel
    warnings_per_victim: float
    warnings_to_ordinary: dict[str, int]
    sms_per_flagged_ordinary: float
    sms_per_ordinary_resident: float  # texts to non-targets ÷ every resident who is not a target
    max_sms_per_person: int
    # Dissuasion success: expected scams stopped before their last payment, by the contact that did it.
    stopped_by_channel: dict[str, float] = field(default_factory=dict)
    stopped_by_level: dict[str, float] = field(default_factory=dict)
    # Loss and prevented (fen) by scam type and by the victim's home city.
    by_scam_type: dict[str, dict[str, int]] = field(default_factory=dict)
    by_region: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Report:
    """The backtest's figures."""

    engine: str
    days: int
    people: int
    victims: int
    targets: int
    loss_fen: int
    policy: dict[str, Any]
    with_policy: Outcome
    no_warnings: Outcome
    # The same policy without the low-level texts: what texting every flagged person buys.
    without_low_sms: Outcome
    delay_sweep: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)


def load(directory: Path) -> World:
    """Read a province (with --extras) and replay PotentialVictimV1's alerts over time."""
    stages_file = directory / "case_stages.parquet"
    if not stages_file.exists():
        raise MissingStages(
            f"{directory} has no case_stages.parquet: generate it with `fanzha sim generate --extras`"
        )
    p = Province.open(directory)
    engine = PotentialVictimV1()
    events = engine.events(p).to_pyarrow()
    final = engine.alerts(p).to_pyarrow()
    cases = pq.read_table(directory / "label_cases.parquet").to_pylist()
    people = pq.read_table(directory / "people.parquet", columns=["resident_id", "home_region_code"])
    home = dict(zip(people["resident_id"].to_pylist(), people["home_region_code"].to_pylist(), strict=True))
    rid_of = {c["case_id"]: c["resident_id"] for c in cases}
    by_case: dict[str, list[Stage]] = defaultdict(list)
    for r in pq.read_table(stages_file).to_pylist():
        by_case[rid_of[r["case_id"]]].append(
            Stage(int(r["ts"].timestamp()), int(r["amount_fen"]), r["action"] == "pay")
        )
    return World(
        days=p.days,
        people=pq.read_metadata(directory / "people.parquet").num_rows,
        stages={k: sorted(v, key=lambda s: s.ts) for k, v in by_case.items()},
        victims={c["resident_id"] for c in cases if c["outcome"] == "victim"},
        loss_fen=sum(int(c["loss_fen"]) for c in cases),
        alerts=alerts_over_time(events),
        scam_type={c["resident_id"]: c["scam_type"] for c in cases},
        region={c["resident_id"]: str(home.get(c["resident_id"], ""))[:4] + "00" for c in cases},
        final_level=dict(zip(final["identifier"].to_pylist(), final["level"].to_pylist(), strict=True)),
    )


def outcome(w: World, policy: WarningPolicy, model: EffectModel) -> Outcome:
    """Apply `policy` to every flagged person and the effect model to every case."""
    sent: dict[str, list[Warning]] = {rid: plan(policy, a) for rid, a in w.alerts.items()}
    prevented, reached = 0.0, 0
    by_channel: dict[str, float] = defaultdict(float)
    by_level: dict[str, float] = defaultdict(float)
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    by_region: dict[str, Counter[str]] = defaultdict(Counter)
    for rid, stages in w.stages.items():
        contacts = [Contact(x.ts, x.channel, x.level) for x in sent.get(rid, [])]
        saved = expected_prevented(stages, contacts, model)
        prevented += saved
        loss = sum(s.amount_fen for s in stages if s.is_payment)
        for key, table in ((w.scam_type.get(rid, ""), by_type), (w.region.get(rid, ""), by_region)):
            table[key]["loss_fen"] += loss
            table[key]["prevented_fen"] += round(saved)
        for c, p in zip(contacts, stops_by_contact(stages, contacts, model), strict=True):
            by_channel[c.channel] += p
            by_level[c.level] += p
        if rid in w.victims and reached_in_time(stages, contacts):
            reached += 1
    per_channel: Counter[str] = Counter()
    ordinary: Counter[str] = Counter()
    to_victims, max_sms = 0, 0
    for rid, ws in sent.items():
        for x in ws:
            per_channel[x.channel] += 1
            if rid not in w.stages:
                ordinary[x.channel] += 1
        to_victims += len(ws) if rid in w.victims else 0
        max_sms = max(max_sms, sum(1 for x in ws if x.channel == "sms"))
    flagged_ordinary = sum(1 for rid in w.alerts if rid not in w.stages)
    return Outcome(
        prevented_fen=round(prevented),
        prevented_share=round(prevented / w.loss_fen, 4) if w.loss_fen else 0.0,
        victims_reached_before_paying=reached,
        warnings={ch: per_channel[ch] for ch in ("sms", "call", "visit")},
        warnings_per_victim=round(to_victims / len(w.victims), 2) if w.victims else 0.0,
        warnings_to_ordinary={ch: ordinary[ch] for ch in ("sms", "call", "visit")},
        sms_per_flagged_ordinary=round(ordinary["sms"] / flagged_ordinary, 3) if flagged_ordinary else 0.0,
        sms_per_ordinary_resident=round(ordinary["sms"] / max(1, w.people - len(w.stages)), 4),
        max_sms_per_person=max_sms,
        stopped_by_channel={ch: round(by_channel[ch], 2) for ch in ("sms", "call", "visit")},
        stopped_by_level={lvl: round(by_level[lvl], 2) for lvl in LEVELS},
        by_scam_type={k: dict(v) for k, v in sorted(by_type.items()) if v["loss_fen"]},
        by_region={k: dict(v) for k, v in sorted(by_region.items()) if v["loss_fen"]},
    )


def false_alarms(w: World) -> dict[str, Any]:
    """Per engine and level: alerts, precision, false-alarm rate, ordinary people per target."""
    truth = {("resident_id", r) for r in w.stages}
    out: dict[str, Any] = {}
    for lvl in LEVELS:
        found = {("resident_id", r) for r, f in w.final_level.items() if RANK[f] >= RANK[lvl]}
        s = score(found, truth, w.days, w.people)
        ordinary = s.alerts - s.true_positives
        out[f"{lvl}_and_above"] = asdict(s) | {
            "ordinary_per_target": round(ordinary / max(1, len(truth)), 2),
            "ordinary_per_victim": round(ordinary / max(1, len(w.victims)), 2),
        }
    return {w.engine: out}


def run(directory: Path, policy: WarningPolicy | None = None, model: EffectModel | None = None) -> Report:
    """The backtest of `policy` on the province in `directory`, with the delay sweep."""
    policy = policy or WarningPolicy()
    model = model or EffectModel()
    w = load(directory)
    sweep = []
    for d in SWEEP_S:
        o = outcome(w, policy.with_delay(d), model)
        sweep.append(
            {"contact_delay_s": d, "prevented_fen": o.prevented_fen, "prevented_share": o.prevented_share}
        )
    return Report(
        engine=w.engine,
        days=w.days,
        people=w.people,
        victims=len(w.victims),
        targets=len(w.stages),
        loss_fen=w.loss_fen,
        policy={
            "contacts": {k: [list(c) for c in v] for k, v in policy.contacts.items()},
            "quiet_period_h": policy.quiet_period_h,
            "detection_lag_s": policy.detection_lag_s,
            "min_level": policy.min_level,
        },
        with_policy=outcome(w, policy, model),
        no_warnings=outcome(w, WarningPolicy(contacts={}), model),
        without_low_sms=outcome(w, replace(policy, min_level="medium"), model),
        delay_sweep=sweep,
        false_alarms=false_alarms(w),
    )
