"""Publicity targeting (Art 7¶2: "结合重点行业、区域、群体特点和案件态势" — by sector, region, group and
case trends; Art 8: by the victims' distribution): a month's victim profile and the groups most at risk.

A group is at risk when its share of the month's victims exceeds its share of the population
(risk ratio = victims' share / population share); the console and the CLI suggest the groups and
regions with the highest ratio among those with enough victims to mean something.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from fanzha.web.charts import Chart, bar

# Art 7¶2 and Art 8¶1: aim publicity by region, group and case trends, and by the victims' distribution.
BASIS = (
    ("第七条第二款", "结合重点行业、区域、群体特点和案件态势"),
    ("第八条第一款", "结合电信网络诈骗受害群体分布特征"),
)
DIMENSIONS = ("region", "age_band", "occupation", "scam_type")
AGE_BANDS = ((0, 17, "0-17"), (18, 29, "18-29"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 64, "50-64"),
             (65, 200, "65+"))  # fmt: skip
# Occupations as the console names them (the simulator's codes, fanzha.sim.population.OCCUPATIONS).
OCCUPATION_LABELS = {
    "child": "儿童", "student": "学生", "farmer": "农民", "worker": "工人", "employee": "企业职员",
    "civil_servant": "公务员", "teacher": "教师", "medical": "医务人员", "self_employed": "个体经营者",
    "driver": "司机", "courier": "快递员", "retired": "退休人员", "unemployed": "无业人员",
}  # fmt: skip
MIN_VICTIMS = 2  # a single victim is not a pattern to campaign on


def age_band(age: int) -> str:
    """The publicity age band of an age."""
    return next(label for lo, hi, label in AGE_BANDS if lo <= age <= hi)


@dataclass(frozen=True)
class Group:
    """One group of one dimension: victims, population and the risk ratio."""

    dimension: str
    value: str
    label: str
    victims: int
    population: int
    victim_share: float
    population_share: float
    risk_ratio: float


@dataclass(frozen=True)
class Victim:
    """What the profile needs of one victim."""

    region: str
    age: int
    occupation: str
    scam_type: str


def profile(
    victims: Iterable[Victim],
    population: dict[str, Counter[str]],
    labels: dict[str, str] | None = None,
) -> list[Group]:
    """Every group of every dimension; `population` counts people per value of region, age_band,
    occupation (scam_type has no population: its ratio is the share itself)."""
    vs = list(victims)
    labels = labels or {}
    out: list[Group] = []
    for dim in DIMENSIONS:
        got = Counter(age_band(v.age) if dim == "age_band" else getattr(v, dim) for v in vs)
        pop = population.get(dim, Counter())
        total_pop = sum(pop.values())
        for value in sorted(set(got) | set(pop)):
            v_share = got[value] / len(vs) if vs else 0.0
            p_share = pop[value] / total_pop if total_pop else 0.0
            out.append(
                Group(
                    dimension=dim,
                    value=value,
                    label=labels.get(value, value),
                    victims=got[value],
                    population=pop[value],
                    victim_share=round(v_share, 4),
                    population_share=round(p_share, 4),
                    risk_ratio=round(v_share / p_share, 2) if p_share else 0.0,
                )
            )
    return out


def most_at_risk(groups: Iterable[Group], top: int = 5, min_victims: int = MIN_VICTIMS) -> list[Group]:
    """Groups with a population to compare against, highest risk ratio first (Art 7¶2 精准性)."""
    ranked = [g for g in groups if g.population and g.victims >= min_victims and g.risk_ratio > 1.0]
    return sorted(ranked, key=lambda g: (-g.risk_ratio, -g.victims, g.dimension, g.value))[:top]


def charts(groups: list[Group]) -> list[Chart]:
    """One bar chart per dimension: victims' share against population share (percent)."""
    titles = {"region": "受害人地区分布 Victims by city", "age_band": "年龄段 Age band",
              "occupation": "职业 Occupation", "scam_type": "诈骗类型 Scam type"}  # fmt: skip
    out = []
    for dim in DIMENSIONS:
        gs = [g for g in groups if g.dimension == dim and (g.victims or dim != "scam_type")]
        shares = [round(100 * g.victim_share, 1) for g in gs]
        series: dict[str, Sequence[float]] = {"受害人占比 % victims": shares}
        if dim != "scam_type":
            series["人口占比 % population"] = [round(100 * g.population_share, 1) for g in gs]
        out.append(bar(titles[dim], [g.label for g in gs], series))
    return out


def simulated_profile(directory: Path, month: date | None = None) -> list[Group]:
    """The profile of a simulated province's victims (cases that paid) in `month` (all when None)."""
    cols = ["person_id", "age", "occupation", "home_region_code"]
    people = pq.read_table(directory / "people.parquet", columns=cols).to_pylist()
    regions = pq.read_table(directory / "regions.parquet").to_pylist()
    names = {r["region_code"]: r["name_zh"] for r in regions}
    types = {r["code"]: r["name_zh"] for r in pq.read_table(directory / "scam_types.parquet").to_pylist()}
    city = {p["person_id"]: p["home_region_code"][:4] + "00" for p in people}
    by_id = {p["person_id"]: p for p in people}
    pop: dict[str, Counter[str]] = {
        "region": Counter(city.values()),
        "age_band": Counter(age_band(int(p["age"])) for p in people),
        "occupation": Counter(p["occupation"] for p in people),
    }
    victims = []
    for c in pq.read_table(directory / "label_cases.parquet").to_pylist():
        at = c["first_payment_at"]
        if c["outcome"] != "victim" or (
            month and (at is None or (at.year, at.month) != (month.year, month.month))
        ):
            continue
        p = by_id[c["person_id"]]
        victims.append(Victim(city[c["person_id"]], int(p["age"]), p["occupation"], c["scam_type"]))
    return profile(victims, pop, names | types | OCCUPATION_LABELS)
