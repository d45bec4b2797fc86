"""The warning policy's backtest on a simulated province (Art 28¶2), and the simulator's extras."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from fanzha.dissuasion.backtest import MissingStages, load, outcome, run
from fanzha.dissuasion.policy import WarningPolicy
from fanzha.sim.config import SimConfig
from fanzha.sim.dissuasion import EffectModel
from fanzha.sim.extras import EXTRA_FILES
from fanzha.sim.generate import generate

CFG = SimConfig(people=2_000, days=10, seed=11)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain")
    generate(CFG, out)
    return out


@pytest.fixture(scope="module")
def extra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extras")
    generate(SimConfig(people=2_000, days=10, seed=11, extras=True), out)
    return out


def test_default_province_unchanged_by_the_extras(plain: Path, extra: Path) -> None:
    assert not any((plain / f"{n}.parquet").exists() for n in EXTRA_FILES)
    for f in sorted(plain.glob("*.parquet")):
        assert f.read_bytes() == (extra / f.name).read_bytes(), f.name
    assert (extra / "case_stages.parquet").exists() and (extra / "dealings.parquet").exists()


def test_backtest_needs_case_stages(plain: Path) -> None:
    with pytest.raises(MissingStages):
        run(plain)


def test_policy_prevents_loss_and_no_warnings_prevent_none(extra: Path) -> None:
    r = run(extra)
    assert r.no_warnings.prevented_fen == 0 and sum(r.no_warnings.warnings.values()) == 0
    assert 0 < r.with_policy.prevented_fen <= r.loss_fen
    assert r.with_policy.victims_reached_before_paying > 0
    assert r.without_low_sms.prevented_fen <= r.with_policy.prevented_fen


def test_faster_contact_prevents_more(extra: Path) -> None:
    sweep = [s["prevented_fen"] for s in run(extra).delay_sweep]
    assert sweep[0] > sweep[-1]
    assert all(a >= b for a, b in itertools.pairwise(sweep))


def test_timeline_ends_at_the_engines_level(extra: Path) -> None:
    w = load(extra)
    assert w.alerts and {k: v[-1][1] for k, v in w.alerts.items()} == w.final_level


def test_quiet_period_limits_texts_to_ordinary_people(extra: Path) -> None:
    w = load(extra)
    quiet = outcome(w, WarningPolicy(), EffectModel())
    noisy = outcome(w, WarningPolicy(quiet_period_h=0), EffectModel())
    assert quiet.max_sms_per_person == 1  # 10 days, a 30-day quiet period
    assert quiet.sms_per_flagged_ordinary <= 1.0
    assert noisy.warnings_to_ordinary["sms"] > quiet.warnings_to_ordinary["sms"]


def test_false_alarms_fall_with_the_level(extra: Path) -> None:
    fa = run(extra).false_alarms["PotentialVictimV1"]
    low, high = fa["low_and_above"], fa["high_and_above"]
    assert low["ordinary_per_target"] > high["ordinary_per_target"]
    assert low["false_alarm_rate"] > high["false_alarm_rate"]


def test_breakdowns_add_up(extra: Path) -> None:
    o = run(extra).with_policy
    assert sum(v["loss_fen"] for v in o.by_scam_type.values()) == sum(
        v["loss_fen"] for v in o.by_region.values()
    )
    assert sum(v["prevented_fen"] for v in o.by_scam_type.values()) == pytest.approx(o.prevented_fen, abs=50)
    stopped = sum(o.stopped_by_channel.values())
    assert stopped == pytest.approx(sum(o.stopped_by_level.values()), abs=0.05) and stopped > 0
    assert o.stopped_by_channel["call"] > 0
