"""The engine frame's helpers: levels, reasons, alert shaping, backtest arithmetic."""

from __future__ import annotations

import ibis
import pytest

from fanzha.core.errors import NotFound
from fanzha.detect.backtest import score
from fanzha.detect.frame import ALERT_COLUMNS, as_alerts, clip01, reasons_of, union_alerts
from fanzha.detect.registry import engine


def _candidates() -> ibis.Table:
    return ibis.memtable(
        {
            "card": ["a", "b", "c"],
            "fan_in": [30, 3, 12],
            "night": [True, False, None],
            "ts": ["2025-03-01 01:00:00", "2025-03-01 02:00:00", "2025-03-02 03:00:00"],
        }
    ).mutate(ts=ibis._.ts.cast("timestamp"))


def _alerts(min_score: float = 0.5) -> list[dict[str, object]]:
    t = _candidates()
    shaped = as_alerts(
        t,
        object_kind="bank_card",
        identifier=t.card,
        score=clip01(t.fan_in / 20),
        reasons=reasons_of((t.fan_in >= 10, "多人转入"), (t.night, "夜间集中交易")),
        last_seen=t.ts,
        min_score=min_score,
    )
    assert tuple(shaped.columns) == ALERT_COLUMNS
    return sorted(ibis.duckdb.connect().to_pyarrow(shaped).to_pylist(), key=lambda r: str(r["identifier"]))


def test_scores_become_levels_and_low_scores_are_dropped() -> None:
    rows = _alerts()
    assert [(r["identifier"], r["score"], r["level"]) for r in rows] == [
        ("a", 1.0, "high"),
        ("c", 0.6, "medium"),
    ]
    assert [r["identifier"] for r in _alerts(min_score=0.0)] == ["a", "b", "c"]
    assert _alerts(min_score=0.0)[1]["level"] == "low"


def test_reasons_join_only_what_holds_and_ignore_nulls() -> None:
    rows = {r["identifier"]: r["reasons"] for r in _alerts(min_score=0.0)}
    assert rows == {"a": "多人转入；夜间集中交易", "b": "", "c": "多人转入"}


def test_union_keeps_the_highest_score_per_object() -> None:
    t = _candidates()
    low = as_alerts(
        t,
        object_kind="bank_card",
        identifier=t.card,
        score=ibis.literal(0.6),
        reasons=ibis.literal("乙"),
        last_seen=t.ts,
    )
    high = as_alerts(
        t.filter(t.card == "a"),
        object_kind="bank_card",
        identifier=t.card,
        score=ibis.literal(0.9),
        reasons=ibis.literal("甲"),
        last_seen=t.ts,
    )
    rows = ibis.duckdb.connect().to_pyarrow(union_alerts([low, high])).to_pylist()
    by_id = {r["identifier"]: (r["score"], r["reasons"]) for r in rows}
    assert by_id == {"a": (0.9, "甲"), "b": (0.6, "乙"), "c": (0.6, "乙")}


def test_backtest_arithmetic() -> None:
    found = {("bank_card", x) for x in "abcd"}
    truth = {("bank_card", x) for x in "abxyz"}
    s = score(found, truth, days=2, judged=105)
    assert (s.true_positives, s.precision, s.recall) == (2, 0.5, 0.4)
    assert s.f1 == pytest.approx(0.4444, abs=1e-4)
    assert s.alerts_per_day == 2.0
    assert s.false_alarm_rate == pytest.approx(2 / 100)
    assert score(set(), truth, 1, None).precision == 0.0


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(NotFound) as err:
        engine("NoSuchEngineV9")
    assert err.value.field == "engine"
    assert "NoSuchEngineV9" in err.value.message_zh
