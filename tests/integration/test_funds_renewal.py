"""Renewal (续冻) of a freeze on SQLite and PostgreSQL: requested before expiry, approved by the head of a
county-level or higher unit (Hunan Art 19¶1), audited, bounded, lapsing with the freeze if not renewed."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock, as_utc
from fanzha.core.errors import Conflict, FanzhaError, PermissionDenied, ValidationFailed
from fanzha.funds import domain
from fanzha.funds.domain import RenewalStatus, Status
from fanzha.funds.schemas import ReceiptCreate
from fanzha.funds.tables import FreezeRenewal, Instruction
from tests.e2e.test_funds_victim_status import _login
from tests.factories import Person
from tests.funds_world import FundsWorld, make_funds_world
from tests.integration.test_funds_service import _case, _freeze, _frozen


@pytest.fixture
def fw(platform: Platform) -> FundsWorld:
    return make_funds_world(platform)


def _audited(platform: Platform, action: str, object_id: int) -> list[str]:
    with platform.sessions() as session:
        return list(
            session.scalars(
                select(AuditRecord.result).where(
                    AuditRecord.action == action, AuditRecord.object_id == str(object_id)
                )
            )
        )


def test_renewal_waits_for_the_head_and_extends_the_freeze_by_its_term(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock)
    ends = as_utc(frozen.expires_at or clock.now())
    renewal = service.renew(fw.analyst.principal, frozen.id, 3, "仍需查明资金来源")
    assert renewal.status == RenewalStatus.PENDING_APPROVAL and as_utc(renewal.expires_before) == ends
    with platform.sessions() as session:  # nothing extended before the approval
        assert as_utc(session.get_one(Instruction, frozen.id).expires_at or ends) == ends
    # A township station's head, and the head of a unit beside the requester's, may not approve.
    for person in (fw.township_commander, fw.peer_commander):
        with pytest.raises(PermissionDenied) as error:
            service.decide_renewal(person.principal, renewal.id, True, "")
        assert "freeze.renewal_approval" in error.value.message_en and "Art 19¶1" in error.value.message_en
        assert "第十九条第一款" in error.value.message_zh
    with platform.sessions() as session:
        assert session.get_one(FreezeRenewal, renewal.id).status == RenewalStatus.PENDING_APPROVAL
    decided = service.decide_renewal(fw.centre_commander.principal, renewal.id, True, "同意")
    assert decided.status == RenewalStatus.APPROVED and decided.decided_by == "fcentre"
    assert as_utc(decided.expires_after or ends) == domain.add_months(ends, 3)
    with platform.sessions() as session:
        assert as_utc(session.get_one(Instruction, frozen.id).expires_at or ends) == domain.add_months(
            ends, 3
        )
    assert _audited(platform, "funds.freeze.renew", renewal.id) == ["success"]
    assert _audited(platform, "funds.freeze.renewal_approve", renewal.id).count("denied") == 2
    with pytest.raises(Conflict):  # decided once
        service.decide_renewal(fw.commander.principal, renewal.id, False, "")


def test_bad_renewals_are_refused_naming_the_rule_and_nothing_changes(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock)
    with pytest.raises(ValidationFailed) as error:
        service.renew(fw.analyst.principal, frozen.id, 7)
    assert "freeze.term_cap" in error.value.message_en and "第十九条第一款" in error.value.message_zh
    first = service.renew(fw.analyst.principal, frozen.id, 6)
    with pytest.raises(Conflict) as single:
        service.renew(fw.analyst.principal, frozen.id, 1)
    assert "freeze.renewal_single" in single.value.message_en
    with pytest.raises(PermissionDenied):
        service.renew(fw.bank_a.principal, frozen.id, 1)
    _, other_case, _ = _case(platform, fw, clock, number="AJ-2026-002")
    pending = service.request_freeze(fw.analyst.principal, _freeze(other_case, 1))
    with pytest.raises(Conflict) as early:  # not in force yet: nothing to renew
        service.renew(fw.analyst.principal, pending.id, 1)
    assert "freeze.renew_before_expiry" in early.value.message_en
    assert [r.id for r in service.renewals(fw.analyst.principal)] == [first.id]


def test_a_renewal_not_approved_before_the_end_lapses_with_the_freeze(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock)
    renewal = service.renew(fw.analyst.principal, frozen.id, 6)
    clock.advance(as_utc(frozen.expires_at or clock.now()) - clock.now())
    # At the end, before the sweep: the head can no longer renew it (the freeze is not revived).
    with pytest.raises(Conflict) as error:
        service.decide_renewal(fw.commander.principal, renewal.id, True, "")
    assert "freeze.renew_before_expiry" in error.value.message_en
    counts = service.sweep()
    assert counts["lapsed"] == 1 and counts["renewals_lapsed"] == 1
    with platform.sessions() as session:
        assert session.get_one(Instruction, frozen.id).status == Status.LAPSED
        assert session.get_one(FreezeRenewal, renewal.id).status == RenewalStatus.LAPSED
    assert _audited(platform, "funds.freeze.renewal_lapse", renewal.id) == ["success"]


def test_renewal_over_http_and_in_the_console(platform: Platform, fw: FundsWorld, clock: FrozenClock) -> None:
    _, case_id, frozen = _frozen(platform, fw, clock)
    analyst, head, bank = (_login(platform, u) for u in ("analyst", "fcommander", "aop"))
    url = f"/api/v1/funds/instructions/{frozen.id}/renewal"
    too_long = analyst.post(url, json={"term_months": 9})
    assert too_long.status_code == 422 and "freeze.term_cap" in too_long.text
    assert bank.post(url, json={"term_months": 3}).status_code == 403
    made = analyst.post(url, json={"term_months": 3, "reason": "继续侦查"})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert made.json()["status"] == "pending_approval"
    assert [r["id"] for r in analyst.get("/api/v1/funds/renewals?status=pending_approval").json()] == [rid]
    assert bank.get("/api/v1/funds/renewals").status_code == 403
    # The analyst lacks the approval permission; the head of the unit has it.
    assert analyst.post(f"/api/v1/funds/renewals/{rid}/approval", json={"approve": True}).status_code == 403
    board = head.get("/funds").text
    assert f'data-testid="renewal-{rid}"' in board and f'action="/funds/renewals/{rid}/approval"' in board
    done = head.post(f"/api/v1/funds/renewals/{rid}/approval", json={"approve": True, "reason": "同意"})
    assert done.status_code == 200 and done.json()["status"] == "approved", done.text
    # The case page offers renewal of a freeze in force; a refused one re-renders with the rule.
    page = analyst.get(f"/funds/cases/{case_id}").text
    assert f'data-testid="renew-{frozen.id}"' in page
    form = f"/funds/cases/{case_id}/instructions/{frozen.id}/renewal"
    bad = analyst.post(form, data={"term_months": "8"}, follow_redirects=False)
    assert bad.status_code == 422 and ("第十九条第一款" in bad.text or "Art 19¶1" in bad.text), bad.text
    ok = analyst.post(form, data={"term_months": "2", "reason": "再续"}, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    second = analyst.get("/api/v1/funds/renewals?status=pending_approval").json()
    assert len(second) == 1 and second[0]["months"] == 2
    refused = head.post(
        f"/funds/renewals/{second[0]['id']}/approval",
        data={"approve": "false", "reason": "无需续冻"},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert analyst.get(f"/api/v1/funds/renewals?instruction_id={frozen.id}").json()[0]["status"] == "refused"


_NUMBERS = itertools.count(1)
_HEADS = ("commander", "centre_commander", "township_commander", "peer_commander", "analyst")
_STEP = st.one_of(
    st.tuples(st.just("days"), st.integers(1, 120)),
    st.tuples(st.just("request"), st.integers(0, 8)),
    st.tuples(st.sampled_from(_HEADS), st.booleans()),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_STEP, max_size=10))
def test_no_freeze_beyond_its_term_and_renewals_only_before_expiry_by_the_right_head(
    platform: Platform, fw: FundsWorld, clock: FrozenClock, steps: list[tuple[str, Any]]
) -> None:
    """Any order of time passing, requests and decisions by anyone: the freeze never runs past its first
    term plus the renewals approved, each approved before the end, by a county+ head over the requester."""
    clock.advance(timedelta(days=3 * 366))  # earlier examples' freezes end and the sweep lapses them
    service = platform.funds
    assert service is not None
    service.sweep()
    _, case_id, _ = _case(platform, fw, clock, number=f"AJ-R-{next(_NUMBERS)}")
    freeze = service.request_freeze(fw.analyst.principal, _freeze(case_id, 600_000))
    service.approve(fw.commander.principal, freeze.id, True, "")
    service.receipt(fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="frozen", amount_fen=600_000))
    allowed = {fw.commander.principal.org_id, fw.centre_commander.principal.org_id}
    for step, value in steps:
        try:
            if step == "days":
                clock.advance(timedelta(days=value))
                service.sweep()
            elif step == "request":
                service.renew(fw.analyst.principal, freeze.id, value)
            else:
                pending = service.renewals(
                    fw.analyst.principal, status="pending_approval", instruction_id=freeze.id
                )
                if pending:
                    person: Person = getattr(fw, step)
                    service.decide_renewal(person.principal, pending[0].id, value, "")
        except FanzhaError:
            pass  # refused: the invariants must hold all the same
        with platform.sessions() as session:
            row = session.get_one(Instruction, freeze.id)
            renewals = list(
                session.scalars(
                    select(FreezeRenewal)
                    .where(FreezeRenewal.instruction_id == freeze.id)
                    .order_by(FreezeRenewal.id)
                )
            )
        approved = [r for r in renewals if r.status == RenewalStatus.APPROVED]
        end = domain.add_months(as_utc(row.starts_at or clock.now()), 6)
        for r in approved:
            assert 1 <= r.months <= domain.FREEZE_TERM_MONTHS
            assert r.decider_org_id in allowed
            assert r.decided_at is not None and as_utc(r.decided_at) < as_utc(r.expires_before) == end
            end = domain.add_months(end, r.months)
            assert r.expires_after is not None and as_utc(r.expires_after) == end
        assert as_utc(row.expires_at or end) == end  # never beyond the first term plus approved renewals
        if row.status == Status.FROZEN and step == "days":
            assert as_utc(row.expires_at or end) > clock.now()  # the sweep lapsed every freeze past its end
        assert sum(r.status == RenewalStatus.PENDING_APPROVAL for r in renewals) <= 1
