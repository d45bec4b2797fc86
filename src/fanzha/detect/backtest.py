"""Backtests: an engine's alerts against the province's ground truth (precision, recall, F1, alerts a day)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from fanzha.detect.frame import Engine
from fanzha.detect.province import Province


@dataclass(frozen=True)
class Scores:
    """How one set of alerts compares with the truth."""

    alerts: int
    truth: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    alerts_per_day: float
    false_alarm_rate: float | None  # false positives / objects judged that are not in the truth


@dataclass(frozen=True)
class Backtest:
    """Scores over every alert and over high-risk alerts only."""

    engine: str
    days: int
    all_levels: Scores
    high_only: Scores

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)


def _keys(table: pa.Table) -> set[tuple[str, str]]:
    """(object_kind, identifier) pairs of an Arrow table."""
    return set(zip(table["object_kind"].to_pylist(), table["identifier"].to_pylist(), strict=True))


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]], days: int, judged: int | None) -> Scores:
    """Precision, recall, F1 and rates of `found` against `truth`."""
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    negatives = None if judged is None else judged - len(truth)
    far = (len(found) - hits) / negatives if negatives else None
    return Scores(
        alerts=len(found),
        truth=len(truth),
        true_positives=hits,
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        alerts_per_day=round(len(found) / max(days, 1), 2),
        false_alarm_rate=None if far is None else round(far, 6),
    )


def backtest(engine: Engine, province: Province, alerts: pa.Table) -> Backtest:
    """Score `alerts` (from `run`) against the engine's truth in `province`."""
    truth = _keys(engine.truth(province).to_pyarrow())
    universe = engine.universe(province)
    judged = None if universe is None else int(universe.count().to_pyarrow().as_py())
    high = alerts.filter(pc.equal(alerts["level"], "high"))
    days = province.days
    return Backtest(
        engine=engine.name,
        days=days,
        all_levels=score(_keys(alerts), truth, days, judged),
        high_only=score(_keys(high), truth, days, judged),
    )
