"""Leak-source analysis finds the source the simulator planted, with its share (Art 26)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanzha.leaks.simulated import MissingDealings, analyse, planted
from fanzha.sim.config import SimConfig
from fanzha.sim.generate import generate


def _targets(d: Path) -> set[int]:
    import pyarrow.parquet as pq

    return set(pq.read_table(d / "label_cases.parquet")["person_id"].to_pylist())


@pytest.mark.parametrize(("kind", "seed"), [("courier", 3), ("merchant", 4), ("platform", 5)])
def test_planted_source_ranks_first(tmp_path: Path, kind: str, seed: int) -> None:
    generate(SimConfig(people=3_000, days=7, seed=seed, leak_kind=kind, leak_share=0.5), tmp_path)
    leak = planted(tmp_path)
    assert leak is not None and leak["party_kind"] == kind
    ranked = analyse(tmp_path)
    top = ranked[0]
    assert top.party_id == leak["party_id"]
    assert top.victims == leak["targets_among_customers"]
    assert top.lift > 1.5 and top.significant
    assert top.victim_share == pytest.approx(top.victims / len(_targets(tmp_path)), abs=1e-4)


def test_no_leak_no_planted_and_plain_province_refused(tmp_path: Path) -> None:
    generate(SimConfig(people=2_000, days=3, seed=1, extras=True), tmp_path / "a")
    assert planted(tmp_path / "a") is None
    assert not any(c.significant for c in analyse(tmp_path / "a"))  # no leak, nothing beyond chance
    generate(SimConfig(people=2_000, days=3, seed=1), tmp_path / "b")
    with pytest.raises(MissingDealings):
        analyse(tmp_path / "b")


def test_bad_leak_kind_refused() -> None:
    with pytest.raises(ValueError):
        SimConfig(leak_kind="hospital")
