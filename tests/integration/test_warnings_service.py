"""Warnings on both databases: episodes, contacts, tasks, escalation, bank delays and refusals."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.disposal.tables import Order
from fanzha.warnings import domain
from fanzha.warnings.domain import Level, Outcome, SignalKind
from fanzha.warnings.service import SignalInput
from fanzha.warnings.tables import Warning_, WarnSignal, WarnSms, WarnTask
from tests.integration.test_holdings import CARD_A
from tests.warnings_world import FRAUD_NUMBER, PHONE, WarnWorld, make_warn_world, warnings_of


@pytest.fixture
def ww(platform: Platform) -> WarnWorld:
    return make_warn_world(platform)


def _counts(platform: Platform) -> tuple[int, ...]:
    with platform.sessions() as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Warning_, WarnSignal, WarnTask, WarnSms, Order)
        )


def test_low_signals_join_one_warning_and_text_once(
    platform: Platform, ww: WarnWorld, clock: FrozenClock
) -> None:
    service = warnings_of(platform)
    bank = ww.dw.base.bank_a_op.principal
    items = [
        SignalInput(
            SignalKind.SAMPLE_CONTACT, f"c{i}", person_token=ww.holder_token, fraud_number=FRAUD_NUMBER
        )
        for i in range(3)
    ]
    got = service.ingest(ww.dw.cmcc.principal, items[:1])
    assert got[0].action == "sms" and got[0].level == "low"
    clock.advance(timedelta(hours=2))
    again = service.ingest(ww.dw.cmcc.principal, items[1:2])
    assert again[0].warning_id == got[0].warning_id and again[0].action == "none"
    # The same reference again is dropped; the person's data stays tokens only.
    assert service.ingest(ww.dw.cmcc.principal, items[:1])[0].action == "duplicate"
    assert service.deliver() == 1
    assert ww.sender.sent[0][1] == "+86" + PHONE and "尾号5678" in ww.sender.sent[0][2]
    # Five days later: a new episode, but no second text within the quiet period.
    clock.advance(timedelta(days=5))
    later = service.ingest(bank, [SignalInput(SignalKind.SAMPLE_CONTACT, "x", person_token=ww.holder_token)])
    assert later[0].warning_id != got[0].warning_id and later[0].action == "quiet"
    assert service.deliver() == 0


def test_journey_2_payee_check_call_visit_dissuaded_release(
    platform: Platform, ww: WarnWorld, clock: FrozenClock
) -> None:
    service = warnings_of(platform)
    bank = ww.dw.base.bank_a_op.principal
    got = service.ingest(
        bank,
        [
            SignalInput(
                SignalKind.PAYEE_CHECK,
                "txn-1",
                person_token=ww.holder_token,
                payer_kind="bank_card",
                payer_value=CARD_A,
                fraud_number="6222020000999988",
                scam_type="fake_police",
            )
        ],
    )[0]
    assert got.level == "high" and got.action == "call" and got.task_id
    with platform.sessions() as s:
        order = s.scalars(select(Order)).one()
        assert order.measure == "delay_settlement" and order.article == "第十八条第四款"
    # The desk sees the call; the grid worker does not (calls are the desk's).
    assert [t.id for t, _ in service.tasks(ww.desk.principal, "open")] == [got.task_id]
    assert service.tasks(ww.grid_worker.principal, "open") == []
    view = service.task(ww.desk.principal, got.task_id)
    assert view.phone == "+86" + PHONE
    # Nobody takes the call for 5 minutes: the sweep escalates to a visit and asks for the bank delay.
    clock.advance(timedelta(minutes=5))
    swept = service.sweep()
    assert swept["missed"] == 1 and swept["visits"] == 1
    visits = service.tasks(ww.grid_worker.principal, "open")
    assert len(visits) == 1 and visits[0][0].channel == "visit" and visits[0][0].grid_code == "430104001001"
    assert visits[0][0].due_at == clock.now() + timedelta(minutes=30)
    assert service.tasks(ww.other_worker.principal, "open") == []  # another grid sees nothing
    with pytest.raises(NotFound):
        service.task(ww.other_worker.principal, visits[0][0].id)
    visit_id = visits[0][0].id
    # An outcome from someone who has not accepted the task is refused and changes nothing.
    before = _counts(platform)
    with pytest.raises(PermissionDenied):
        service.outcome(ww.grid_worker.principal, visit_id, Outcome.DISSUADED)
    assert _counts(platform) == before
    service.accept(ww.grid_worker.principal, visit_id)
    with pytest.raises(PermissionDenied):
        service.outcome(ww.desk.principal, visit_id, Outcome.DISSUADED)
    clock.advance(timedelta(minutes=12))
    service.outcome(ww.grid_worker.principal, visit_id, Outcome.DISSUADED, "已上门，老人取消转账")
    warning, signals, tasks = service.warning(ww.desk.principal, got.warning_id)
    assert [s.kind for s in signals] == ["payee_check"]
    assert warning.status == "closed" and warning.outcome == "dissuaded"
    assert warning.first_contact_at == clock.now() and warning.outcome_at == clock.now()
    assert [t.status for t in tasks] == ["cancelled", "done"]  # the missed call ends with the warning
    with platform.sessions() as s:
        orders = s.scalars(select(Order).order_by(Order.id)).all()
    assert [o.measure for o in orders] == ["delay_settlement", "release"]
    assert orders[0].status == "released" and orders[1].releases_order_id == orders[0].id
    assert service.board(ww.desk.principal)["overdue"] == 0


def test_bad_input_changes_nothing(platform: Platform, ww: WarnWorld) -> None:
    service = warnings_of(platform)
    before = _counts(platform)
    unknown = "b" * 64
    with pytest.raises(ValidationFailed) as e:
        service.ingest(
            ww.desk.principal,
            [
                SignalInput(SignalKind.TIP, "t1", person_token=ww.holder_token),
                SignalInput(SignalKind.TIP, "t2", person_token=unknown),
            ],
        )
    assert e.value.field == "items.1.person_token"
    with pytest.raises(ValidationFailed) as e:
        service.ingest(ww.desk.principal, [SignalInput(SignalKind.TIP, "t3", person_token="Z" * 64)])
    assert e.value.field == "items.0.person_token"
    with pytest.raises(ValidationFailed) as e:
        service.set_templates(
            ww.desk.principal,
            {"fake_police": "【反诈预警】尾号{tail}来电是诈骗，详询 http://fz.cn 请勿转账谢谢"},
        )
    assert e.value.field == "templates.fake_police"
    assert _counts(platform) == before
    assert service.current_templates(ww.desk.principal)["fake_police"].startswith("【反诈预警】")


def test_levels_rise_within_an_episode_and_false_alarms_count_per_engine(
    platform: Platform, ww: WarnWorld, clock: FrozenClock
) -> None:
    service = warnings_of(platform)
    analyst = ww.dw.base.analyst.principal
    low = service.ingest(
        analyst,
        [
            SignalInput(
                SignalKind.PV_ALERT,
                "run7-1",
                person_token=ww.other_token,
                level=Level.LOW,
                engine="PotentialVictimV1",
                engine_version=1,
                run_id=7,
            )
        ],
    )[0]
    assert low.action == "sms"
    clock.advance(timedelta(hours=1))
    medium = service.ingest(analyst, [SignalInput(SignalKind.CALL_96110, "d1", person_token=ww.other_token)])[
        0
    ]
    assert medium.warning_id == low.warning_id and medium.level == "medium" and medium.action == "call"
    service.accept(ww.desk.principal, medium.task_id or 0)
    service.outcome(ww.desk.principal, medium.task_id or 0, Outcome.FALSE_ALARM, "本人在做正常生意")
    stats = service.stats(analyst)
    assert stats["false_alarms_by_engine"] == {"PotentialVictimV1 v1": {"signals": 1, "false_alarms": 1}}
    assert stats["false_alarms_by_run"] == {"7": 1}
    with pytest.raises(PermissionDenied):
        service.stats(ww.grid_worker.principal)


def test_a_potential_victim_run_becomes_signals_for_known_people(
    platform: Platform, ww: WarnWorld, clock: FrozenClock
) -> None:
    from fanzha.detect.tables import DetectAlert, DetectRun
    from fanzha.identity.domain import Role
    from tests.factories import make_user

    centre = make_user(platform, "centreanalyst", ww.dw.base.centre, Role.ANALYST).principal
    now = clock.now()
    with platform.sessions() as s:
        run = DetectRun(
            engine="PotentialVictimV1",
            engine_version=1,
            backend="duckdb",
            data_dir="/x",
            requested_by="c",
            org_id=ww.dw.base.centre.id,
            status="succeeded",
            created_at=now,
        )
        s.add(run)
        s.flush()
        for token, level in ((ww.holder_token, "high"), (ww.other_token, "low"), ("e" * 64, "low")):
            s.add(
                DetectAlert(
                    run_id=run.id,
                    kind="resident_id",
                    token=token,
                    masked="4301**",
                    ciphertext=b"",
                    score=0.9,
                    level=level,
                    reasons="接到涉诈号码来电",
                    last_seen=now,
                )
            )
        s.commit()
        run_id = run.id
    service = warnings_of(platform)
    with pytest.raises(PermissionDenied):
        service.from_run(ww.dw.base.analyst.principal, run_id)  # a county unit: Art 27, the centres
    counts = service.from_run(centre, run_id)
    assert counts == {"alerts": 3, "unknown": 1, "call": 1, "sms": 1}
    assert service.from_run(centre, run_id) == {"alerts": 3, "unknown": 1, "duplicate": 2}
    # The call finds a false alarm: the run's alert learns it (detect_outcomes), counted per engine.
    from fanzha.detect.tables import DetectOutcome

    call = next(t for t, _ in service.tasks(ww.desk.principal, "open") if t.channel == "call")
    service.accept(ww.desk.principal, call.id)
    service.outcome(ww.desk.principal, call.id, Outcome.FALSE_ALARM, "本人确认是正常业务")
    with platform.sessions() as s:
        fed = s.scalars(select(DetectOutcome).where(DetectOutcome.outcome == "false_alarm")).all()
    assert [(o.run_id, o.outcome) for o in fed] == [(run_id, "false_alarm")]
    assert service.stats(centre)["false_alarms_by_engine"]["PotentialVictimV1 v1"] == {
        "signals": 2,
        "false_alarms": 1,
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.integers(0, 10 * 24 * 60), min_size=1, max_size=7, unique=True),
    st.randoms(use_true_random=False),
)
def test_one_warning_per_episode_whatever_the_order_in_the_database(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, minutes: list[int], rnd: Any
) -> None:
    """Signals sent in a random order (merging where one bridges two) leave the sorted grouping's warnings."""
    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings
    from fanzha.db.engine import build_engine
    from tests.conftest import TEST_KEYS

    tmp = tmp_path_factory.mktemp("order")
    shutil.copy(sqlite_template, tmp / "f.db")
    clock = FrozenClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    settings = Settings(environment="test", data_dir=tmp, **TEST_KEYS)  # type: ignore[arg-type]
    platform = build_platform(settings, clock=clock, engine=build_engine(f"sqlite:///{tmp / 'f.db'}"))
    try:
        ww = make_warn_world(platform)
        service = warnings_of(platform)
        clock.advance(timedelta(days=11))
        start = clock.now() - timedelta(days=10, minutes=1)
        times = [start + timedelta(minutes=m) for m in minutes]
        order = list(range(len(times)))
        rnd.shuffle(order)
        for i in order:
            service.ingest(
                ww.desk.principal,
                [SignalInput(SignalKind.TIP, f"t{i}", person_token=ww.holder_token, at=times[i])],
            )
        window = service.deadlines.window
        with platform.sessions() as s:
            live = s.scalars(select(Warning_).where(Warning_.status != "merged")).all()
            groups = sorted(
                sorted(
                    t.replace(tzinfo=UTC) if t.tzinfo is None else t
                    for t in s.scalars(select(WarnSignal.at).where(WarnSignal.warning_id == w.id))
                )
                for w in live
            )
        want = sorted(sorted(times[j] for j in g) for g in domain.episodes(times, window))
        assert groups == want
    finally:
        platform.close()


def test_paying_again_after_a_closed_warning_is_called_despite_the_quiet_period(
    platform: Platform, ww: WarnWorld, clock: FrozenClock
) -> None:
    service = warnings_of(platform)
    bank = ww.dw.base.bank_a_op.principal
    first = service.ingest(bank, [SignalInput(SignalKind.PAYEE_CHECK, "p1", person_token=ww.holder_token)])[0]
    service.accept(ww.desk.principal, first.task_id or 0)
    service.outcome(ww.desk.principal, first.task_id or 0, Outcome.DISSUADED)
    clock.advance(timedelta(hours=3))
    again = service.ingest(bank, [SignalInput(SignalKind.PAYEE_CHECK, "p2", person_token=ww.holder_token)])[0]
    assert again.warning_id == first.warning_id and again.action == "call" and again.task_id
    warning, _, _ = service.warning(ww.desk.principal, first.warning_id)
    assert warning.status == "open" and warning.outcome is None
    # While that call is open, a third hit adds no second call.
    third = service.ingest(bank, [SignalInput(SignalKind.PAYEE_CHECK, "p3", person_token=ww.holder_token)])[0]
    assert third.action == "none"


def test_a_visit_nobody_takes_widens_to_the_township(
    platform: Platform, ww: WarnWorld, clock: FrozenClock
) -> None:
    from fanzha.identity.domain import OrgKind, Role
    from tests.factories import make_org, make_user

    service = warnings_of(platform)
    township = make_org(platform, "tx1b", OrgKind.POLICE_TOWNSHIP, "430104001", ww.dw.base.county_x.id)
    neighbour = make_user(platform, "gridw3", township, Role.GRID_WORKER)
    service.add_grid(ww.desk.principal, "430104001002", "青石桥社区第二网格")
    service.assign(ww.desk.principal, neighbour.user.id, "430104001002")
    got = service.ingest(
        ww.dw.base.bank_a_op.principal,
        [SignalInput(SignalKind.INSTITUTION_REPORT, "r1", person_token=ww.holder_token, still_paying=True)],
    )[0]
    clock.advance(timedelta(minutes=5))
    assert service.sweep()["visits"] == 1  # the high call was not taken: a visit
    assert service.tasks(neighbour.principal, "open") == []  # not their grid
    clock.advance(timedelta(minutes=30))
    assert service.sweep()["missed"] == 1  # nor was the visit: every grid of the township sees it
    widened = service.tasks(neighbour.principal, "open")
    assert [(t.channel, t.status, t.widened) for t, _ in widened] == [("visit", "missed", True)]
    assert service.tasks(ww.other_worker.principal, "open") == []  # another township still does not
    service.accept(neighbour.principal, widened[0][0].id)
    service.outcome(neighbour.principal, widened[0][0].id, Outcome.DISSUADED)
    warning, _, _ = service.warning(ww.desk.principal, got.warning_id)
    assert warning.outcome == "dissuaded"
    board = service.board(ww.desk.principal)
    assert board["overdue"] == 0 and board["new"] == 0
