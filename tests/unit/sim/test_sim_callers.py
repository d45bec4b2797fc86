"""Sales callers: the hard negative of "many short calls to strangers", on the small province."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from fanzha.sim.cli import _settings
from fanzha.sim.config import SimConfig


def test_sales_callers_dial_many_strangers_briefly_and_are_not_fraud(tables: dict[str, pa.Table]) -> None:
    cards = tables["phone_cards"]
    people = tables["people"]
    occupation = dict(
        zip(people.column("person_id").to_pylist(), people.column("occupation").to_pylist(), strict=True)
    )
    holder = dict(
        zip(cards.column("msisdn").to_pylist(), cards.column("holder_person_id").to_pylist(), strict=True)
    )
    calls = tables["calls"]
    busy = Counter(calls.column("caller").to_pylist())
    office = [
        c
        for c, n in busy.items()
        if n >= 80 and occupation.get(holder.get(c)) in ("employee", "self_employed")
    ]
    assert len(office) >= 3, "no sales callers in the province"
    mine = calls.filter(pc.is_in(calls.column("caller"), value_set=pa.array(office)))
    short = pc.mean(pc.less(mine.column("duration_s"), 30).cast(pa.float64())).as_py()
    assert short > 0.5  # most are unanswered or seconds long
    fraud = tables["label_objects"].filter(pc.equal(tables["label_objects"].column("object_kind"), "phone"))
    assert not set(office) & set(fraud.column("identifier").to_pylist())


def test_classic_world_has_no_sales_callers() -> None:
    assert SimConfig.classic().sales_caller_share == 0.0 and SimConfig().sales_caller_share > 0


def test_set_names_numeric_settings_only() -> None:
    assert _settings(["sales_calls_per_day=120", "min_victims_per_type=3"]) == {
        "sales_calls_per_day": 120.0,
        "min_victims_per_type": 3,
    }
    for bad in ("people=5", "leak_kind=merchant", "nothing=1", "calls_per_day=many"):
        with pytest.raises(ValueError):
            _settings([bad])
