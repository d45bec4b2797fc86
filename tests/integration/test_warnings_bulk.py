"""The bulk 12381 intake leaves exactly what the one-by-one path leaves (property test), on both databases."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import ValidationFailed
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine
from fanzha.identity.domain import OrgKind, Role
from fanzha.samples.domain import FraudType
from fanzha.warnings.admin import ContactRow, Warnings
from fanzha.warnings.domain import Level, SignalKind
from fanzha.warnings.service import SignalInput
from fanzha.warnings.sms import MemorySender
from fanzha.warnings.tables import Warning_, WarnPerson, WarnSignal, WarnSms, WarnTask
from tests.conftest import TEST_KEYS, _truncate_pg
from tests.factories import Person, make_org, make_user

GRID = "430104001001"
NUMBER = "+8617012345678"
PEOPLE = 6


@dataclass(frozen=True)
class Desk:
    """A county desk officer, the warnings service and the people's tokens."""

    service: Warnings
    desk: Person
    tokens: list[str]


def _desk(platform: Platform) -> Desk:
    county = make_org(platform, "cx", OrgKind.POLICE_COUNTY, "430104")
    desk = make_user(platform, "desk", county, Role.DESK_OFFICER)
    service = platform.warnings
    assert service is not None
    service.sender = MemorySender()
    service.add_grid(desk.principal, GRID, "网格")
    tokens = [service.vault.derive("bulk-test", str(i)).hex() for i in range(PEOPLE)]
    return Desk(service, desk, tokens)


def _snapshot(platform: Platform) -> dict[str, Any]:
    """Every person's warnings, signals, texts, tasks and contact state, without row ids."""
    with platform.sessions() as s:
        warnings = {w.id: w for w in s.scalars(select(Warning_))}

        def w_key(wid: int) -> tuple[Any, ...]:
            w = warnings[wid]
            return (w.person_token, w.first_at, w.status)

        return {
            "warnings": sorted(
                (
                    w.person_token,
                    w.level,
                    w.status,
                    w.scam_type,
                    w.contact_tail,
                    w.county_code,
                    w.grid_code,
                    w.reasons,
                    w.first_at,
                    w.last_at,
                    w.outcome,
                    w_key(w.merged_into_id) if w.merged_into_id else None,
                )
                for w in warnings.values()
            ),
            "signals": sorted(
                (w_key(x.warning_id), x.kind, x.person_token, x.at, x.level, x.source_ref, x.sample_id)
                for x in s.scalars(select(WarnSignal))
            ),
            "sms": sorted(
                (w_key(x.warning_id), x.person_token, x.phone_token, x.text)
                for x in s.scalars(select(WarnSms))
            ),
            "tasks": sorted(
                (w_key(x.warning_id), x.channel, x.level, x.status, x.county_code, x.due_at)
                for x in s.scalars(select(WarnTask))
            ),
            "people": sorted(
                (
                    p.person_token,
                    p.grid_code,
                    p.county_code,
                    p.phone_token,
                    p.registered,
                    p.warned_level,
                    p.warned_at,
                    p.last_sms_at,
                )
                for p in s.scalars(select(WarnPerson))
            ),
        }


Start = Callable[[], AbstractContextManager[tuple[Platform, FrozenClock]]]


@contextmanager
def _platform(template: Path, tmp: Path) -> Iterator[tuple[Platform, FrozenClock]]:
    shutil.copy(template, tmp / "f.db")
    clock = FrozenClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    settings = Settings(environment="test", data_dir=tmp, **TEST_KEYS)  # type: ignore[arg-type]
    platform = build_platform(settings, clock=clock, engine=build_engine(f"sqlite:///{tmp / 'f.db'}"))
    try:
        yield platform, clock
    finally:
        platform.close()


@contextmanager
def _pg_platform(engine: Engine, tmp: Path) -> Iterator[tuple[Platform, FrozenClock]]:
    """The test run's PostgreSQL schema, emptied (ids restart too: both runs number alike)."""
    _truncate_pg(engine)
    clock = FrozenClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    settings = Settings(environment="test", data_dir=tmp, **TEST_KEYS)  # type: ignore[arg-type]
    yield build_platform(settings, clock=clock, engine=engine), clock  # the schema's engine stays open


_prior = st.tuples(
    st.integers(0, PEOPLE - 1),  # who
    st.integers(0, 20 * 24),  # hours before the list
    st.sampled_from(["tip", "contact_low", "contact_same_number"]),
)
_contact = st.tuples(
    st.integers(0, PEOPLE - 1),  # who (a person may be listed twice)
    st.integers(1, 4),  # calls (3 or more: medium)
    st.integers(0, 48),  # hours before the list
)


def _run(
    start: Start,
    registered: list[bool],
    prior: list[tuple[int, int, str]],
    gap_days: int,
    contacts: list[tuple[int, int, int]],
    bulk: bool,
) -> tuple[dict[str, int], dict[str, Any]]:
    with start() as (platform, clock):
        d = _desk(platform)
        rows = [(t, f"1391234{i:04d}", GRID) for i, t in enumerate(d.tokens) if registered[i]]
        if rows:
            d.service.register(d.desk.principal, rows)
        clock.advance(timedelta(days=21))
        for k, (who, hours, kind) in enumerate(prior):
            at = clock.now() - timedelta(hours=hours)
            token = d.tokens[who]
            if kind == "contact_same_number":
                d.service.contacts(
                    d.desk.principal, NUMBER, FraudType.OTHER, None,
                    [ContactRow(token, None, f"1371234{who:04d}", last_at=at)], one_by_one=True,
                )  # fmt: skip
            else:
                signal = SignalInput(
                    SignalKind.TIP if kind == "tip" else SignalKind.SAMPLE_CONTACT, f"p{k}",
                    person_token=token,
                    phone=f"1361234{who:04d}", at=at, fraud_number="+8617000001111",
                )  # fmt: skip
                d.service.ingest(d.desk.principal, [signal])
        clock.advance(timedelta(days=gap_days))
        listed = [
            ContactRow(d.tokens[who], None, f"1371234{who:04d}", calls=calls,
                       last_at=clock.now() - timedelta(hours=hours))
            for who, calls, hours in contacts
        ]  # fmt: skip
        actions = d.service.contacts(
            d.desk.principal, NUMBER, FraudType.FAKE_POLICE, 7, listed, one_by_one=not bulk
        )
        return actions, _snapshot(platform)


_CASES = (
    st.lists(st.booleans(), min_size=PEOPLE, max_size=PEOPLE),
    st.lists(_prior, max_size=6),
    st.integers(0, 40),
    st.lists(_contact, min_size=1, max_size=10),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(*_CASES)
def test_bulk_and_one_by_one_leave_the_same_warnings(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    registered: list[bool],
    prior: list[tuple[int, int, str]],
    gap_days: int,
    contacts: list[tuple[int, int, int]],
) -> None:
    """Whatever came before (episodes, texts in the quiet period, the same list), both paths agree."""
    case = (registered, prior, gap_days, contacts)
    one = _run(lambda: _platform(sqlite_template, tmp_path_factory.mktemp("one")), *case, False)
    many = _run(lambda: _platform(sqlite_template, tmp_path_factory.mktemp("bulk")), *case, True)
    assert many[0] == one[0]
    assert many[1] == one[1]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(*_CASES)
def test_bulk_and_one_by_one_leave_the_same_warnings_on_postgresql(
    pg_engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
    registered: list[bool],
    prior: list[tuple[int, int, str]],
    gap_days: int,
    contacts: list[tuple[int, int, int]],
) -> None:
    """The same on PostgreSQL, whose bulk path differs (array INSERT … RETURNING, COPY, sequence ids)."""
    case = (registered, prior, gap_days, contacts)
    tmp = tmp_path_factory.mktemp("pg")
    one = _run(lambda: _pg_platform(pg_engine, tmp), *case, False)
    many = _run(lambda: _pg_platform(pg_engine, tmp), *case, True)
    assert many[0] == one[0]
    assert many[1] == one[1]


_signal = st.tuples(
    st.integers(0, PEOPLE - 1),  # who (a person may be named twice in one request)
    st.sampled_from(
        [SignalKind.PV_ALERT, SignalKind.TIP, SignalKind.INSTITUTION_REPORT, SignalKind.CALL_96110]
    ),
    st.sampled_from([Level.LOW, Level.MEDIUM, Level.HIGH]),
    st.booleans(),  # still paying
    st.booleans(),  # with a phone
    st.integers(0, 48),  # hours before the request
    st.integers(0, 3),  # ref (a repeated ref is a duplicate)
)


def _run_signals(
    template: Path,
    tmp: Path,
    registered: list[bool],
    prior: list[tuple[int, int, str]],
    signals: list[tuple[int, SignalKind, Level, bool, bool, int, int]],
    bulk: bool,
) -> tuple[list[tuple[str, ...]] | str, dict[str, Any]]:
    """A request of mixed signals (what POST /signals takes) after some history; the results and state."""
    with _platform(template, tmp) as (platform, clock):
        d = _desk(platform)
        rows = [(t, f"1391234{i:04d}", GRID) for i, t in enumerate(d.tokens) if registered[i]]
        if rows:
            d.service.register(d.desk.principal, rows)
        clock.advance(timedelta(days=21))
        for k, (who, hours, _) in enumerate(prior):
            d.service.ingest(
                d.desk.principal,
                [SignalInput(SignalKind.TIP, f"p{k}", person_token=d.tokens[who], phone=f"1361234{who:04d}",
                             at=clock.now() - timedelta(hours=hours))],
            )  # fmt: skip
        items = [
            SignalInput(
                kind, f"s{ref}-{who}", person_token=d.tokens[who],
                phone=f"1351234{who:04d}" if phone else None,
                at=clock.now() - timedelta(hours=hours), level=level if kind is SignalKind.PV_ALERT else None,
                still_paying=paying, fraud_number="+8617012345678",
            )
            for who, kind, level, paying, phone, hours, ref in signals
        ]  # fmt: skip
        take = d.service.ingest_bulk if bulk else d.service.ingest
        try:
            results: list[tuple[str, ...]] | str = [
                (r.level, r.action, str(r.task_id is not None), str(len(r.merged)))
                for r in take(d.desk.principal, items)
            ]
        except ValidationFailed as e:  # an unknown person without a phone: the same refusal, nothing written
            results = f"{e.code}:{e.field}"
        return results, _snapshot(platform)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.booleans(), min_size=PEOPLE, max_size=PEOPLE),
    st.lists(_prior, max_size=4),
    st.lists(_signal, min_size=1, max_size=10),
)
def test_signals_in_one_request_bulk_and_one_by_one_agree(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    registered: list[bool],
    prior: list[tuple[int, int, str]],
    signals: list[tuple[int, SignalKind, Level, bool, bool, int, int]],
) -> None:
    """POST /signals goes set-based: results, refusals and state are the one-by-one path's."""
    case = (registered, prior, signals)
    one = _run_signals(sqlite_template, tmp_path_factory.mktemp("one"), *case, False)
    many = _run_signals(sqlite_template, tmp_path_factory.mktemp("bulk"), *case, True)
    assert many == one


def test_bulk_contacts_text_each_person_once_and_respect_the_quiet_period(platform: Platform) -> None:
    """On both databases: 300 contacts (one listed twice) → 300 texts; the same list again → duplicates."""
    d = _desk(platform)
    service = d.service
    tokens = [service.vault.derive("bulk-db", str(i)).hex() for i in range(300)]
    rows = [ContactRow(t, None, f"1380000{i:04d}") for i, t in enumerate(tokens)]
    actions = service.contacts(d.desk.principal, NUMBER, FraudType.OTHER, None, [*rows, rows[0]])
    assert actions == {"sms": 300, "duplicate": 1}
    assert service.contacts(d.desk.principal, NUMBER, FraudType.OTHER, None, rows) == {"duplicate": 300}
    # Another sample number the next day: a new signal joins each open episode; no second text.
    again = service.contacts(d.desk.principal, "+8617099990000", FraudType.OTHER, None, rows[:50])
    assert again == {"none": 50}
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WarnSms)) == 300
        assert s.scalar(select(func.count()).select_from(Warning_)) == 300
        assert s.scalar(select(func.count()).select_from(WarnSignal)) == 350
    assert service.deliver(limit=1000) == 300


def test_bulk_refuses_a_bad_phone_and_writes_nothing(platform: Platform) -> None:
    d = _desk(platform)
    good = ContactRow(d.tokens[0], None, "13800000001")
    bad = ContactRow(d.tokens[1], None, "not-a-phone")
    with pytest.raises(ValidationFailed) as e:
        d.service.contacts(d.desk.principal, NUMBER, FraudType.OTHER, None, [good, bad])
    assert e.value.field == "items.1.phone"
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Warning_)) == 0
        assert s.scalar(select(func.count()).select_from(WarnPerson)) == 0
