"""On the simulator's province, as the demo loads it: the indicators equal what its orders and appeals imply,
recomputed here in plain Python from the records (a second, independent reading of the definitions)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fanzha.appeals.tables import Appeal
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.demo import seed_organisations
from fanzha.demo_province import load_province
from fanzha.disposal.tables import Order, OrderEvent
from fanzha.oversight.domain import Grain, Scope, month, nearest_rank
from fanzha.oversight.indicators import ANSWERS, Query, compute
from fanzha.oversight.runners import SessionRunner
from fanzha.sim.config import SimConfig
from fanzha.sim.generate import generate


def test_indicators_on_the_simulated_province_match_its_records(
    platform: Platform, tmp_path: Path, clock: FrozenClock
) -> None:
    generate(SimConfig(people=600, days=3, seed=5), tmp_path / "province")
    seed_organisations(platform)
    loaded = load_province(platform, tmp_path / "province")
    assert loaded.orders > 0 and loaded.appeals >= 1
    clock.advance(timedelta(days=2))  # some deadlines pass with the orders unanswered: overdue
    as_of = clock.now()
    period = month("2026-11")
    with platform.sessions() as session:
        found = compute(SessionRunner(session), Query(Grain.INSTITUTION, [period], as_of, Scope()))
        orders = session.scalars(select(Order)).all()
        events = session.scalars(select(OrderEvent).where(OrderEvent.status_to.in_(ANSWERS))).all()
        appeals = session.scalars(select(Appeal)).all()
    answered: dict[int, tuple] = {}
    for e in sorted(events, key=lambda e: e.at):
        answered.setdefault(e.order_id, (e.at, e.status_to))
    expected: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    durations: dict[str, list[float]] = defaultdict(list)
    for o in orders:
        if not period.start <= o.created_at < period.end:
            continue
        row = expected[str(o.org_id)]
        row["orders"] += 1
        answer = answered.get(o.id)
        if answer is None:
            row["late"] += o.due_at < as_of
        else:
            row["late"] += answer[0] > o.due_at
            row["executed"] += answer[1] == "executed"
            row["refused"] += answer[1] == "refused"
            durations[str(o.org_id)].append((answer[0] - o.created_at).total_seconds() / 60)
    for a in appeals:
        expected[str(a.deciding_org_id)]["appeals"] += 1
    assert sum(r["orders"] for r in expected.values()) == len(orders) > 0
    assert any(r["late"] for r in expected.values()), "the advance made some orders overdue"
    for org, values in expected.items():
        got = found[(org, 0)]
        for name in ("orders", "late", "executed", "refused", "appeals"):
            assert got[name] == values.get(name, 0), (org, name)
        median = nearest_rank(durations[org], 0.5) if durations[org] else None
        assert got["exec_median_min"] == (pytest.approx(median, abs=1e-3) if median is not None else None)
        assert (
            got["overdue_rate"] == pytest.approx(values["late"] / values["orders"])
            if values["orders"]
            else True
        )
