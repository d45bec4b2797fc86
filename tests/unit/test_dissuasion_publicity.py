"""Publicity targeting (Art 7-8): the profile's shares and ratios, the groups most at risk, charts."""

from __future__ import annotations

from collections import Counter

from fanzha.dissuasion.publicity import Victim, age_band, charts, most_at_risk, profile

POP = {
    "region": Counter({"430100": 600, "430500": 400}),
    "age_band": Counter({"18-29": 300, "30-39": 300, "65+": 400}),
    "occupation": Counter({"student": 200, "retired": 400, "worker": 400}),
}
VICTIMS = [Victim("430500", 70, "retired", "impersonating_police")] * 6 + [
    Victim("430100", 25, "student", "order_brushing")
] * 4


def test_shares_and_ratio_checked_by_hand() -> None:
    groups = {(g.dimension, g.value): g for g in profile(VICTIMS, POP, {"430500": "邵阳市"})}
    g = groups[("region", "430500")]
    assert (g.victims, g.victim_share, g.population_share, g.risk_ratio, g.label) == (
        6,
        0.6,
        0.4,
        1.5,
        "邵阳市",
    )
    assert groups[("age_band", "65+")].risk_ratio == 1.5
    assert groups[("occupation", "worker")].victims == 0
    assert groups[("scam_type", "order_brushing")].victim_share == 0.4


def test_most_at_risk_highest_ratio_first_and_needs_victims() -> None:
    risk = most_at_risk(profile(VICTIMS, POP), top=3)
    assert [(g.dimension, g.value) for g in risk] == [("occupation", "student"), ("age_band", "65+"),
                                                      ("occupation", "retired")]  # fmt: skip
    assert most_at_risk(profile(VICTIMS[:1], POP)) == []  # one victim is not a pattern


def test_age_bands_and_charts_have_table_twins() -> None:
    assert [age_band(a) for a in (12, 18, 39, 64, 65)] == ["0-17", "18-29", "30-39", "50-64", "65+"]
    cs = charts(profile(VICTIMS, POP))
    assert len(cs) == 4 and all(c.rows for c in cs)
