"""Regions, organisations, people and the victims' profile follow the public figures."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fanzha.contracts import ORG_KINDS, SCAM_TYPES
from fanzha.sim.actors import plan_fraud
from fanzha.sim.config import SimConfig
from fanzha.sim.population import build_population
from fanzha.sim.regions import CITIES, build_regions


def test_region_tree() -> None:
    r = build_regions().table
    levels = pc.value_counts(r.column("level")).to_pylist()
    counts = {x["values"]: x["counts"] for x in levels}
    assert counts["province"] == 1 and counts["city"] == 14 and counts["county"] == 122
    assert 1500 <= counts["township"] <= 2500
    codes = set(r.column("region_code").to_pylist())
    assert {c[0] for c in CITIES} <= codes and "433100" in codes and "430102" in codes
    parents = set(r.column("parent_code").drop_null().to_pylist())
    assert parents <= codes
    towns = r.filter(pc.equal(r.column("level"), "township"))
    assert all(len(c) == 9 and c[:6] in codes for c in towns.column("region_code").to_pylist())


def test_organisations(tables: dict[str, pa.Table]) -> None:
    org = tables["organisations"]
    codes = set(org.column("code").to_pylist())
    assert len(codes) == org.num_rows
    assert set(org.column("kind").to_pylist()) == set(ORG_KINDS)
    assert set(org.column("parent_code").drop_null().to_pylist()) <= codes
    regions = set(tables["regions"].column("region_code").to_pylist())
    assert set(org.column("region_code").to_pylist()) <= regions
    # Every routing table names an organisation that exists.
    for table in ("phone_segments", "bank_bins", "platforms"):
        assert set(tables[table].column("org_code").to_pylist()) <= codes, table
    used = set(tables["payment_accounts"].column("platform").to_pylist()) | set(
        tables["internet_accounts"].column("platform").to_pylist()
    )
    assert used <= set(tables["platforms"].column("platform").to_pylist())


def test_people_spread_by_census_weights() -> None:
    regions = build_regions()
    pop = build_population(50_000, 1, SimConfig().start, regions)
    share = np.bincount(pop.city, minlength=14) / pop.n
    census = np.array([c[3] for c in CITIES])
    assert np.allclose(share, census / census.sum(), atol=0.01)
    assert 0.17 <= (pop.age < 15).mean() <= 0.22
    assert 0.17 <= (pop.age >= 60).mean() <= 0.23


@pytest.fixture(scope="module")
def big_plan() -> tuple[np.ndarray, np.ndarray]:
    """Ages and scam types of about 1,500 victims."""
    cfg = SimConfig(people=60_000, days=30, seed=3, victims_per_million_day=800)
    pop = build_population(cfg.people, cfg.seed, cfg.start, build_regions())
    plan = plan_fraud(cfg, pop)
    v = plan.case_victim
    return pop.age[plan.case_person[v]].astype(float), plan.group_type[plan.case_group[v]]


def test_victims_age_profile(big_plan: tuple[np.ndarray, np.ndarray]) -> None:
    age, _ = big_plan
    assert len(age) >= 1000
    assert 35 <= age.mean() <= 39
    assert abs(((age >= 18) & (age <= 40)).mean() - 0.62) < 0.03
    assert abs(((age >= 41) & (age <= 65)).mean() - 0.33) < 0.03


def test_scam_shares(big_plan: tuple[np.ndarray, np.ndarray]) -> None:
    _, types = big_plan
    share = np.bincount(types, minlength=len(SCAM_TYPES)) / len(types)
    target = np.array([s[3] for s in SCAM_TYPES])
    assert np.abs(share - target).max() < 0.02
    assert share[0] == share.max()  # 刷单返利 leads


def test_small_province_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 500"):
        SimConfig(people=10)
