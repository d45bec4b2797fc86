"""Content engines on the session province: scam-text senders (Art 21, 22), fraud URLs and apps (Art 23)."""

from __future__ import annotations

from typing import Any

import pytest

from fanzha.detect.backtest import backtest
from fanzha.detect.engines.content_text import ScamTextV1
from fanzha.detect.province import Province
from fanzha.detect.runner import run
from fanzha.detect.text.model import shipped
from fanzha.detect.text.train import evaluate, labelled_messages


def test_text_classifier_on_the_session_province(duckdb_province: Province) -> None:
    figures = evaluate(shipped(), *labelled_messages(duckdb_province.directory))
    assert figures["fraud_messages"] > 50
    assert figures["macro_f1"] >= 0.90 and figures["fraud_precision"] >= 0.98, figures
    assert figures["false_alarm_rate"] < 0.0005, figures


def test_text_engine_alerts_on_senders_with_type_and_cues(duckdb_province: Province) -> None:
    alerts = run(ScamTextV1(), duckdb_province).to_pylist()
    assert alerts and {a["object_kind"] for a in alerts} == {"phone", "internet_account"}
    for a in alerts:
        assert a["reasons"].startswith("发送") and "诈骗信息" in a["reasons"] and "线索词：" in a["reasons"]


@pytest.mark.parametrize(
    ("engine", "precision", "recall"), [(ScamTextV1(), 0.95, 0.9)], ids=lambda e: getattr(e, "name", str(e))
)
def test_text_backtest_on_the_session_province(
    engine: Any, precision: float, recall: float, duckdb_province: Province
) -> None:
    result = backtest(engine, duckdb_province, run(engine, duckdb_province)).all_levels
    assert result.truth > 0
    assert result.precision >= precision and result.recall >= recall, result
    assert result.false_alarm_rate is not None and result.false_alarm_rate < 0.001
