"""Indicators against hand-computed values, on SQLite and PostgreSQL, and the same on DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest
from sqlalchemy import select

from fanzha.bootstrap import Platform
from fanzha.db.models import Base
from fanzha.oversight import indicators
from fanzha.oversight.domain import Grain, Scope, Span, month, trailing
from fanzha.oversight.runners import DuckRunner, SessionRunner
from tests.oversight_world import EXPECTED_BANK_A, EXPECTED_BANK_B, EXPECTED_TELECOM, build

AS_OF = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
NOVEMBER = [month("2026-11")]


def _compute(platform: Platform, grain: Grain, scope: Scope = Scope(), periods=NOVEMBER):  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return indicators.compute(SessionRunner(session), indicators.Query(grain, periods, AS_OF, scope))


def _check(found: dict[str, float | None], expected: dict[str, float]) -> None:
    for key, value in expected.items():
        assert found[key] == pytest.approx(value), key


def test_institution_indicators_match_the_hand_computed_values(platform: Platform) -> None:
    f = build(platform)
    rows = _compute(platform, Grain.INSTITUTION)
    _check(rows[(str(f.bank_a), 0)], EXPECTED_BANK_A)
    _check(rows[(str(f.bank_b), 0)], EXPECTED_BANK_B)
    _check(rows[(str(f.telecom), 0)], EXPECTED_TELECOM)
    # Appeals belong to the unit that decided (Art 34): the county decided two, both upheld, 2 h and 6 h.
    _check(rows[(str(f.county), 0)], {"appeals": 2, "appeals_upheld": 2, "appeal_median_h": 2.0})
    _check(rows[(str(f.city), 0)], {"appeals": 1, "appeals_upheld": 0})
    assert rows[(str(f.city), 0)]["appeal_median_h"] is None


def test_regions_roll_up_along_the_tree_and_sectors_add_up(platform: Platform) -> None:
    build(platform)
    cities = _compute(platform, Grain.CITY)
    province = _compute(platform, Grain.PROVINCE)
    counties = _compute(platform, Grain.COUNTY)
    # Art 4: orders carry the issuing unit's region; the centre's own order stays at province level.
    assert cities[("430100", 0)]["orders"] == 7
    assert cities[("430000", 0)]["orders"] == 1
    assert counties[("430104", 0)]["orders"] == 4 and counties[("430100", 0)]["orders"] == 3
    assert province[("430000", 0)]["orders"] == 8
    assert sum(v["orders"] or 0 for v in cities.values()) == province[("430000", 0)]["orders"]
    sectors = _compute(platform, Grain.SECTOR)
    assert sectors[("bank", 0)]["orders"] == 8 and sectors[("bank", 0)]["late"] == 2
    # Durations of the city's 7 orders: 5 10 20 30 90 150 → median rank 3 = 20, p90 rank 6 = 150.
    assert cities[("430100", 0)]["exec_median_min"] == pytest.approx(20.0)
    assert cities[("430100", 0)]["exec_p90_min"] == pytest.approx(150.0)


def test_scopes_limit_what_is_counted(platform: Platform) -> None:
    f = build(platform)
    own = _compute(platform, Grain.INSTITUTION, Scope(org_id=f.bank_b))
    assert {k for k, _ in own} == {str(f.bank_b)}
    county = _compute(platform, Grain.INSTITUTION, Scope(region_prefix="430104"))
    assert county[(str(f.bank_a), 0)]["orders"] == 4  # the centre's order to bank A is not the county's
    assert (str(f.bank_b), 0) not in county or county[(str(f.bank_b), 0)]["orders"] == 0
    telecoms = _compute(platform, Grain.INSTITUTION, Scope(kinds=frozenset({"telecom"})))
    assert {k for k, _ in telecoms} == {str(f.telecom)}


def test_weekly_and_trend_buckets(platform: Platform) -> None:
    f = build(platform)
    periods = trailing(Span.MONTH, month("2026-11"), 2)
    rows = _compute(platform, Grain.INSTITUTION, periods=periods)
    assert rows[(str(f.bank_a), 0)]["orders"] == 1  # October's one order
    assert rows[(str(f.bank_a), 0)]["stopped_fen"] == 999
    assert rows[(str(f.bank_a), 1)]["orders"] == 5
    weeks = trailing(Span.WEEK, trailing(Span.WEEK, month("2026-11").start and _week_of_nov10(), 1)[0], 1)
    weekly = _compute(platform, Grain.INSTITUTION, periods=weeks)
    assert weekly[(str(f.bank_a), 0)]["orders"] == 5


def _week_of_nov10():  # type: ignore[no-untyped-def]
    from fanzha.oversight.domain import period_of

    return period_of(Span.WEEK, datetime(2026, 11, 10, 8, tzinfo=UTC))


def test_duckdb_gives_the_same_numbers_from_the_same_definitions(platform: Platform) -> None:
    build(platform)
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("copied once from SQLite")
    tables = [
        "organisations",
        "disposal_orders",
        "disposal_order_events",
        "appeals",
        "samples",
        "sample_sources",
        "sample_sightings",
        "detect_runs",
        "detect_alerts",
        "detect_outcomes",
        "funds_instructions",
    ]
    duck = duckdb.connect()
    with platform.engine.connect() as conn:
        for name in tables:
            table = Base.metadata.tables[name]
            rows = [tuple(r) for r in conn.execute(select(table))]
            cols = ", ".join(f'"{c.name}" {_duck_type(c)}' for c in table.columns)
            duck.execute(f"CREATE TABLE {name} ({cols})")
            if rows:
                marks = ", ".join("?" for _ in table.columns)
                duck.executemany(
                    f"INSERT INTO {name} VALUES ({marks})", [tuple(_plain(v) for v in r) for r in rows]
                )
    for grain in Grain:
        q = indicators.Query(grain, NOVEMBER, AS_OF)
        on_duck = indicators.compute(DuckRunner(duck), q)
        assert _same(on_duck, _compute(platform, grain)), grain


def _same(a: dict, b: dict) -> bool:  # type: ignore[type-arg]
    assert a.keys() == b.keys()
    for key in a:
        for name, value in a[key].items():
            assert value == pytest.approx(b[key][name]), (key, name)
    return True


def _duck_type(column) -> str:  # type: ignore[no-untyped-def]
    name = type(column.type).__name__.lower()
    if "datetime" in name:
        return "TIMESTAMP"
    if "bool" in name:
        return "BOOLEAN"
    if "integer" in name:
        return "BIGINT"
    if "float" in name:
        return "DOUBLE"
    if "binary" in name:
        return "BLOB"
    return "VARCHAR"


def _plain(value):  # type: ignore[no-untyped-def]
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value
