"""Which duty an inspection shows failed (Art 15¶1 venues, Art 15¶2 operators), and console amounts."""

from __future__ import annotations

import pytest

from fanzha.accountability.records import NewInspection, duty_failed
from fanzha.accountability.views import _fen
from fanzha.core.errors import ValidationFailed


def test_venue_duties() -> None:
    found = NewInspection("venue", "police", ["sim_box"], venue_name="宾馆")
    assert "第十五条第一款" in duty_failed(found) and "报告" in duty_failed(found)
    reported = NewInspection("venue", "police", ["sim_box"], reported_to_police=True, venue_name="宾馆")
    assert duty_failed(reported) == ""
    unchecked = NewInspection("venue", "police", [], venue_inspected=False, venue_name="网吧")
    assert "排查" in duty_failed(unchecked)
    flyers = NewInspection("premises", "police", ["flyers"], venue_name="商场")
    assert duty_failed(flyers) == ""  # Art 31 sets no penalty in Art 40-41


def test_operator_duties() -> None:
    idle = NewInspection("facility", "police", ["multi_card"], measures="")
    assert "第十五条第二款" in duty_failed(idle) and "处置" in duty_failed(idle)
    unreported = NewInspection("facility", "police", ["multi_card"], measures="关停")
    assert "报告" in duty_failed(unreported)
    done = NewInspection("facility", "police", ["multi_card"], measures="关停", reported_to_police=True)
    assert duty_failed(done) == ""


@pytest.mark.parametrize(("typed", "fen"), [("120000", 12_000_000), ("1.5", 150), ("50,000.05", 5_000_005)])
def test_console_amounts_in_yuan(typed: str, fen: int) -> None:
    assert _fen({"amount_yuan": typed}) == fen


@pytest.mark.parametrize("typed", ["", "inf", "nan", "-1", "1e9", "1.234", "12345678901"])
def test_console_amounts_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed):
        _fen({"amount_yuan": typed})
