"""The same seed gives byte-identical files; another seed gives another province."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fanzha.sim.config import SimConfig
from fanzha.sim.generate import generate


def test_same_seed_same_bytes(province: Path, small_config: SimConfig, tmp_path: Path) -> None:
    generate(small_config, tmp_path)
    names = sorted(p.name for p in province.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 33  # 32 tables and the manifest
    for name in names:
        assert (province / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_other_seed_other_province(province: Path, small_config: SimConfig, tmp_path: Path) -> None:
    generate(replace(small_config, seed=small_config.seed + 1, days=1), tmp_path)
    assert (province / "people.parquet").read_bytes() != (tmp_path / "people.parquet").read_bytes()
    # The fixed parts of the province do not depend on the seed.
    for name in ("regions.parquet", "organisations.parquet", "phone_segments.parquet", "bank_bins.parquet"):
        assert (province / name).read_bytes() == (tmp_path / name).read_bytes(), name
