"""Detection runs on SQLite and PostgreSQL: queue, lease, execute, protected alerts, audit, policies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.detect import registry
from fanzha.detect.runs import FAILED, QUEUED, RUNNING, SUCCEEDED, DetectRunService, LeaseLost
from fanzha.detect.tables import DetectAlert, DetectOutcome, DetectRun
from fanzha.identity.domain import OrgKind, Role
from fanzha.samples.domain import SampleStatus
from fanzha.samples.tables import Sample
from tests.factories import Person, World, make_org, make_user, make_world
from tests.integration.detect.small_engine import CARDS, BigPayeeTestV1, BrokenTestV1, write_province


@pytest.fixture(autouse=True)
def test_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(registry.REGISTRY, BigPayeeTestV1.name, BigPayeeTestV1)
    monkeypatch.setitem(registry.REGISTRY, BrokenTestV1.name, BrokenTestV1)
    yield


@pytest.fixture
def service(platform: Platform) -> DetectRunService:
    return DetectRunService.of(platform)


@pytest.fixture
def data(service: DetectRunService) -> Path:
    return write_province(service.data_root / "small")


@pytest.fixture
def world(platform: Platform) -> World:
    return make_world(platform)


@pytest.fixture
def centre_analyst(platform: Platform, world: World) -> Person:
    return make_user(platform, "centreanalyst", world.centre, Role.ANALYST)


def audit_count(platform: Platform, action: str) -> int:
    with platform.sessions() as session:
        return session.scalar(select(func.count()).where(AuditRecord.action == action)) or 0


def test_run_stores_alerts_protected_and_counts_levels(
    platform: Platform, service: DetectRunService, centre_analyst: Person, data: Path
) -> None:
    run = service.start(centre_analyst.principal, "BigPayeeTestV1", "duckdb", "small")
    assert (run.status, run.engine_version, run.data_dir) == (QUEUED, 3, str(data.resolve()))
    assert service.work_once("w1") == run.id
    done = service.get(centre_analyst.principal, run.id)
    assert done.status == SUCCEEDED, done.error
    assert (done.alerts_high, done.alerts_medium, done.alerts_low) == (1, 1, 0)
    assert done.lease_owner is None and done.finished_at is not None
    with platform.sessions() as session:
        stored = list(session.scalars(select(DetectAlert).order_by(DetectAlert.score.desc())))
    # The raw card number is nowhere in clear: token, mask and SM4 ciphertext only.
    assert all(CARDS[0] not in (a.masked + a.token) and CARDS[0].encode() not in a.ciphertext for a in stored)
    assert [a.level for a in stored] == ["high", "medium"]
    assert stored[0].reasons == "收款超过一万元；多笔收款"
    page = service.alerts(centre_analyst.principal, run.id, level="high")
    assert [(v.alert.score, v.raw_value) for v in page] == [(1.0, None)]
    revealed = service.alerts(centre_analyst.principal, run.id, reveal=True)
    assert sorted(v.raw_value or "" for v in revealed) == sorted(CARDS[:2])
    assert audit_count(platform, "detect.alerts.reveal") == 1
    assert audit_count(platform, "detect.alerts.read") == 1
    assert service.work_once("w1") is None  # the queue is empty


def test_alert_pages_follow_ids(service: DetectRunService, centre_analyst: Person, data: Path) -> None:
    run = service.start(centre_analyst.principal, "BigPayeeTestV1", "duckdb", str(data))
    service.work_once("w1")
    first = service.alerts(centre_analyst.principal, run.id, limit=1)
    second = service.alerts(centre_analyst.principal, run.id, limit=1, after=first[0].alert.id)
    third = service.alerts(centre_analyst.principal, run.id, limit=1, after=second[0].alert.id)
    assert len(first) == len(second) == 1 and third == []
    assert first[0].alert.id < second[0].alert.id
    assert service.alerts(centre_analyst.principal, run.id, kind="phone") == []


def test_bad_input_is_refused_with_its_field(
    service: DetectRunService, centre_analyst: Person, data: Path, tmp_path: Path
) -> None:
    p = centre_analyst.principal
    outside = write_province(tmp_path / "outside")
    cases = [
        (("NoSuchEngineV9", "duckdb", "small"), NotFound, "engine"),
        (("BigPayeeTestV1", "oracle", "small"), ValidationFailed, "backend"),
        (("BigPayeeTestV1", "duckdb", str(outside)), ValidationFailed, "data_dir"),
        (("BigPayeeTestV1", "duckdb", "../outside"), ValidationFailed, "data_dir"),
        (("BigPayeeTestV1", "duckdb", "missing"), ValidationFailed, "data_dir"),
        (("BigPayeeTestV1", "duckdb", ""), ValidationFailed, "data_dir"),
    ]
    for args, error, field in cases:
        with pytest.raises(error) as raised:
            service.start(p, *args)
        assert raised.value.field == field, args
    run = service.start(p, "BigPayeeTestV1", "duckdb", "small")
    for kwargs, field in (({"level": "severe"}, "level"), ({"kind": "x"}, "kind"), ({"limit": 0}, "limit")):
        with pytest.raises(ValidationFailed) as refused:
            service.alerts(p, run.id, **kwargs)  # type: ignore[arg-type]
        assert refused.value.field == field


def test_centres_detect_and_county_units_do_not(
    platform: Platform, service: DetectRunService, world: World, centre_analyst: Person, data: Path
) -> None:
    with pytest.raises(PermissionDenied):
        service.start(world.analyst.principal, "BigPayeeTestV1", "duckdb", "small")  # a county analyst
    assert audit_count(platform, "detect.start") == 1  # the refusal is audited
    city = make_org(platform, "cs", OrgKind.POLICE_CITY, "430100", world.centre.id)
    city_analyst = make_user(platform, "cityanalyst", city, Role.ANALYST)
    mine = service.start(city_analyst.principal, "BigPayeeTestV1", "duckdb", "small")
    theirs = service.start(centre_analyst.principal, "BigPayeeTestV1", "duckdb", "small")
    assert [r.id for r in service.recent(city_analyst.principal)] == [mine.id]
    assert [r.id for r in service.recent(centre_analyst.principal)] == [theirs.id, mine.id]
    with pytest.raises(NotFound):
        service.get(city_analyst.principal, theirs.id)


def test_an_institution_runs_its_sectors_engines_on_its_own_data(
    platform: Platform, service: DetectRunService, world: World, centre_analyst: Person, data: Path
) -> None:
    bank = world.bank_a_op.principal
    # The shared root is the centres'; a bank reads only its own folder (named by its code).
    with pytest.raises(ValidationFailed) as outside:
        service.start(bank, "BigPayeeTestV1", "duckdb", "small")
    assert outside.value.field == "data_dir"
    with pytest.raises(ValidationFailed):
        service.start(bank, "BigPayeeTestV1", "duckdb", "../small")
    write_province(service.data_root / world.bank_a.code / "day1")
    run = service.start(bank, "BigPayeeTestV1", "duckdb", "day1")  # Art 18: a bank's own duty
    # Art 28 (potential victims) is the police's work, not a bank's.
    with pytest.raises(PermissionDenied) as other_duty:
        service.start(bank, "PotentialVictimV1", "duckdb", "day1")
    assert other_duty.value.field == "engine"
    service.work_once("w")
    assert service.get(bank, run.id).status == SUCCEEDED
    assert service.alerts(bank, run.id)  # the bank reads its own alerts …
    with pytest.raises(NotFound):
        service.get(world.bank_b_op.principal, run.id)  # … another bank does not see them
    assert run.id in {r.id for r in service.recent(centre_analyst.principal)}  # the province oversees
    with pytest.raises(PermissionDenied):
        service.apply_policies(bank, run.id)  # alerts become samples and warnings only by the police
    assert service.apply_policies(centre_analyst.principal, run.id)


def test_engine_failure_fails_the_run_with_its_error(
    service: DetectRunService, centre_analyst: Person, data: Path
) -> None:
    run = service.start(centre_analyst.principal, "BrokenTestV1", "duckdb", "small")
    service.work_once("w1")
    failed = service.get(centre_analyst.principal, run.id)
    assert failed.status == FAILED
    assert "no_such_column" in failed.error


def test_expired_lease_lets_another_worker_take_over(
    platform: Platform, clock: FrozenClock, service: DetectRunService, centre_analyst: Person, data: Path
) -> None:
    run = service.start(centre_analyst.principal, "BigPayeeTestV1", "duckdb", "small")
    lease = timedelta(minutes=5)
    assert service.claim("w1", lease) == run.id
    assert service.claim("w2", lease) is None  # held
    clock.advance(timedelta(minutes=4))
    assert service.claim("w2", lease) is None  # still held
    clock.advance(timedelta(minutes=2))  # w1 went silent past its lease
    assert service.claim("w2", lease) == run.id
    with pytest.raises(LeaseLost):  # the first worker wakes up: it may write nothing
        service.execute(run.id, "w1", lease)
    assert service.get(centre_analyst.principal, run.id).status == RUNNING
    assert service.execute(run.id, "w2", lease) == SUCCEEDED
    with platform.sessions() as session:
        finished = session.get_one(DetectRun, run.id)
        assert (finished.attempts, finished.status) == (2, SUCCEEDED)
        assert session.scalar(select(func.count()).select_from(DetectAlert)) == 2


def test_policies_make_sample_candidates_once(
    platform: Platform, service: DetectRunService, centre_analyst: Person, data: Path
) -> None:
    run = service.start(centre_analyst.principal, "BigPayeeTestV1", "duckdb", "small")
    with pytest.raises(Conflict):
        service.apply_policies(centre_analyst.principal, run.id)  # not run yet
    service.work_once("w1")
    assert service.apply_policies(centre_analyst.principal, run.id) == {"sample": 1}
    assert service.apply_policies(centre_analyst.principal, run.id) == {}  # idempotent
    with platform.sessions() as session:
        samples = list(session.scalars(select(Sample)))
        outcomes = list(session.scalars(select(DetectOutcome)))
    # Art 28¶1: the high alert waits for police confirmation as a candidate.
    assert [(s.status, s.kind, s.confidence) for s in samples] == [(SampleStatus.PENDING, "bank_card", 100)]
    assert [(o.outcome, o.sample_id) for o in outcomes] == [("sample", samples[0].id)]
    assert service.outcomes(centre_analyst.principal, run.id) == {"sample": 1}
