"""Extra-high warnings (call, visit and bank delay at once) and the family contact, on both databases."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.errors import ValidationFailed
from fanzha.disposal.tables import Order
from fanzha.warnings.domain import Outcome, SignalKind
from fanzha.warnings.service import SignalInput
from fanzha.warnings.tables import WarnPerson, WarnTask
from tests.integration.test_holdings import CARD_A
from tests.warnings_world import GRID, PHONE, WarnWorld, make_warn_world, warnings_of

KIN_PHONE = "13800138000"


@pytest.fixture
def ww(platform: Platform) -> WarnWorld:
    return make_warn_world(platform)


def _paying(ww: WarnWorld, platform: Platform, ref: str) -> list[object]:
    report = SignalInput(
        SignalKind.INSTITUTION_REPORT,
        ref,
        person_token=ww.holder_token,
        still_paying=True,
        scam_type="fake_police",
    )
    return warnings_of(platform).ingest(ww.dw.base.bank_a_op.principal, [report])  # type: ignore[return-value]


def test_extra_high_calls_visits_and_delays_at_once(platform: Platform, ww: WarnWorld) -> None:
    service = warnings_of(platform)
    service.deadlines = replace(service.deadlines, extra_high=True)
    got = _paying(ww, platform, "r1")[0]
    assert got.level == "extra_high" and got.action == "call_visit"  # type: ignore[attr-defined]
    with platform.sessions() as s:
        tasks = s.scalars(select(WarnTask).order_by(WarnTask.id)).all()
        assert [(t.channel, t.level, t.grid_code) for t in tasks] == [
            ("call", "extra_high", None),
            ("visit", "extra_high", GRID),
        ]
        orders = s.scalars(select(Order)).all()
    # The bank holding the person's card is asked to delay outgoing transfers at once (Art 18¶4).
    assert [(o.measure, o.article) for o in orders] == [("delay_settlement", "第十八条第四款")]
    assert service.board(ww.desk.principal)["extra_high"] == 2  # the call and the visit, both open
    # The grid worker sees the visit at once, without waiting for the call to fail.
    assert [t.channel for t, _ in service.tasks(ww.grid_worker.principal, "open")] == ["visit"]


def test_extra_high_off_maps_onto_high(platform: Platform, ww: WarnWorld) -> None:
    got = _paying(ww, platform, "r2")[0]
    assert got.level == "high" and got.action == "call"  # type: ignore[attr-defined]
    with platform.sessions() as s:
        assert s.scalar(select(func.count()).select_from(WarnTask)) == 1


def test_refused_to_believe_escalates_to_the_family_contact(platform: Platform, ww: WarnWorld) -> None:
    service = warnings_of(platform)
    desk = ww.desk.principal
    kin = service.vault.derive("kin", "1").hex()
    service.register(desk, [(ww.holder_token, PHONE, GRID)], {0: (kin, KIN_PHONE)})
    got = _paying(ww, platform, "r3")[0]
    service.accept(desk, got.task_id)  # type: ignore[attr-defined]
    service.outcome(desk, got.task_id, Outcome.REFUSED, "坚称是公安办案")  # type: ignore[attr-defined]
    open_tasks = {t.channel: t for t, _ in service.tasks(desk, "open")}
    assert set(open_tasks) == {"visit", "family"}
    family = open_tasks["family"]
    assert family.escalated_from_id == got.task_id and "家属" in family.note  # type: ignore[attr-defined]
    # The desk officer sees the family contact's phone, not the person's; the read is audited.
    view = service.task(desk, family.id)
    assert view.phone == "+86" + KIN_PHONE and view.phone_masked.endswith("8000")
    assert service.tasks(ww.grid_worker.principal, "open")[0][0].channel == "visit"  # not the family call
    with platform.sessions() as s:
        audit = s.scalars(select(AuditRecord).where(AuditRecord.action == "warnings.family")).one()
        assert f'"family_token": "{kin}"' in str(audit.detail) or kin in str(audit.detail)
        read = s.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "warnings.task.read", AuditRecord.object_id == str(family.id)
            )
        ).one()
        assert "family" in str(read.detail)
    # The family reached them: dissuaded, the warning closes and the visit is cancelled.
    service.accept(desk, family.id)
    service.outcome(desk, family.id, Outcome.DISSUADED, "女儿劝住了")
    warning, _, tasks = service.warning(desk, got.warning_id)  # type: ignore[attr-defined]
    assert warning.status == "closed" and warning.outcome == "dissuaded"
    assert {t.channel: t.status for t in tasks} == {"call": "done", "visit": "cancelled", "family": "done"}


def test_refused_without_a_family_contact_makes_no_family_task(platform: Platform, ww: WarnWorld) -> None:
    service = warnings_of(platform)
    got = _paying(ww, platform, "r4")[0]
    service.accept(ww.desk.principal, got.task_id)  # type: ignore[attr-defined]
    service.outcome(ww.desk.principal, got.task_id, Outcome.REFUSED)  # type: ignore[attr-defined]
    assert [t.channel for t, _ in service.tasks(ww.desk.principal, "open")] == ["visit"]


def test_a_bad_family_contact_is_refused_and_nothing_changes(platform: Platform, ww: WarnWorld) -> None:
    service = warnings_of(platform)
    with pytest.raises(ValidationFailed) as e:
        service.register(
            ww.desk.principal, [(ww.holder_token, PHONE, GRID)], {0: (ww.holder_token, KIN_PHONE)}
        )
    assert e.value.field == "items.0.family_person_token" and "本人" in e.value.message_zh
    with pytest.raises(ValidationFailed) as e:
        service.register(ww.desk.principal, [(ww.holder_token, PHONE, GRID)], {0: ("b" * 64, "x")})
    assert e.value.field == "items.0.family_phone"
    with platform.sessions() as s:
        assert s.get(WarnPerson, ww.holder_token).family_token == ""  # type: ignore[union-attr]
    assert CARD_A
