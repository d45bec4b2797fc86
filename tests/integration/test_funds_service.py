"""Funds on SQLite and PostgreSQL: intake, stop-payment, following the money, freeze, verification, return."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fanzha.audit.domain import Outcome as AuditOutcome
from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.events import outbox
from fanzha.funds.domain import Status
from fanzha.funds.schemas import (
    FreezeCreate,
    ReceiptCreate,
    ReturnCreate,
    StopCreate,
    VerificationCreate,
)
from fanzha.funds.service import FundsService
from fanzha.funds.tables import FundsCase, Instruction, Trace, Transfer, Victim
from tests.funds_world import (
    COLLECTOR,
    LAYER_A2,
    LAYER_B,
    UNKNOWN,
    FundsWorld,
    case_of,
    funds_of,
    make_funds_world,
)


@pytest.fixture
def fw(platform: Platform) -> FundsWorld:
    return make_funds_world(platform)


def _count(platform: Platform, model: type[Any]) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _denials(platform: Platform) -> int:
    with platform.sessions() as session:
        query = (
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.result == str(AuditOutcome.DENIED))
        )
        return int(session.scalar(query) or 0)


def _topics(platform: Platform) -> list[str]:
    with platform.sessions() as session:
        return [e.topic for e in outbox.read_after(session, 0, 1000)]


def _case(
    platform: Platform, fw: FundsWorld, clock: FrozenClock, **kw: Any
) -> tuple[FundsService, int, list[int]]:
    service = funds_of(platform)
    case = service.create_case(fw.analyst.principal, case_of(clock.now(), **kw))
    with platform.sessions() as session:
        transfers = list(
            session.scalars(select(Transfer.id).where(Transfer.case_id == case.id).order_by(Transfer.id))
        )
    return service, case.id, transfers


def _stopped_and_held(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> tuple[FundsService, int, Instruction]:
    service, case_id, transfers = _case(platform, fw, clock)
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    held = service.receipt(fw.bank_a.principal, stop.id, ReceiptCreate(outcome="held", amount_fen=500_000))
    return service, case_id, held


def _frozen(
    platform: Platform, fw: FundsWorld, clock: FrozenClock, amount: int = 600_000
) -> tuple[FundsService, int, Instruction]:
    service, case_id, _ = _case(platform, fw, clock)
    freeze = service.request_freeze(fw.analyst.principal, _freeze(case_id, amount))
    service.approve(fw.commander.principal, freeze.id, True, "")
    done = service.receipt(fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="frozen", amount_fen=amount))
    return service, case_id, done


def _freeze(case_id: int, amount: int, **extra: Any) -> FreezeCreate:
    return FreezeCreate.model_validate(
        {
            "case_id": case_id,
            "kind": "bank_card",
            "value": COLLECTOR,
            "account_name": "李某",
            "amount_fen": amount,
            **extra,
        }
    )


# 1. Cases and victims ---------------------------------------------------------------------------


def test_intake_stores_accounts_as_tokens_only_and_traces_each_deposit(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, case_id, transfers = _case(platform, fw, clock)
    assert len(transfers) == 3
    with platform.sessions() as session:
        for t in session.scalars(select(Transfer)):
            row = {c: getattr(t, c) for c in ("payer_token", "payer_masked", "payee_token", "payee_masked")}
            assert COLLECTOR not in str(row) and COLLECTOR not in t.payee_ciphertext.decode("latin-1")
            assert t.payee_masked.startswith("6222 ****")
        traces = list(session.scalars(select(Trace).where(Trace.case_id == case_id)))
        assert sorted(t.amount_fen for t in traces) == [100_000, 200_000, 300_000]
        assert {t.hop for t in traces} == {0}
        created = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "funds.case.create")
        )
        assert created == 1
    detail = service.case_detail(fw.analyst.principal, case_id)
    assert [v["loss_fen"] for v in detail["victims"]] == [100_000, 200_000, 300_000]


def test_a_transfer_in_the_future_is_refused_naming_the_rule_and_nothing_is_kept(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    body = case_of(clock.now())
    body.victims[1].transfers[0].at = clock.now() + timedelta(minutes=5)
    with pytest.raises(ValidationFailed) as error:
        funds_of(platform).create_case(fw.analyst.principal, body)
    assert error.value.field == "victims.1.transfers.0.at"
    assert "transfer.in_past" in error.value.message_en and "Hunan Art 35¶1" in error.value.message_en
    assert _count(platform, FundsCase) == _count(platform, Victim) == _count(platform, Transfer) == 0


def test_only_police_report_cases_and_the_refusal_is_audited(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    before = _denials(platform)
    with pytest.raises(PermissionDenied):
        funds_of(platform).create_case(fw.bank_a.principal, case_of(clock.now()))
    assert _denials(platform) == before + 1 and _count(platform, FundsCase) == 0


def test_a_repeated_case_number_is_a_conflict(platform: Platform, fw: FundsWorld, clock: FrozenClock) -> None:
    _case(platform, fw, clock)
    with pytest.raises(Conflict):
        _case(platform, fw, clock)
    assert _count(platform, FundsCase) == 1


# 2. Stop-payment ---------------------------------------------------------------------------------


def test_stop_payment_goes_to_the_holding_bank_only_and_is_answered_held(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _case_id, transfers = _case(platform, fw, clock)
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    assert stop.org_id == fw.bank_a.org.id and stop.amount_fen == 600_000  # every victim's money there
    assert stop.due_at == clock.now() + timedelta(minutes=10)
    assert "disposal.order.funds.stop_payment.issued" in _topics(platform)
    # Bank B neither sees nor answers bank A's instruction; the attempt is audited.
    assert service.inbox(fw.bank_b.principal) == []
    before = _denials(platform)
    with pytest.raises(NotFound):
        service.receipt(fw.bank_b.principal, stop.id, ReceiptCreate(outcome="held", amount_fen=1))
    with pytest.raises(NotFound):
        service.inbox_detail(fw.bank_b.principal, stop.id)
    assert _denials(platform) == before + 2
    _row, value, _, _ = service.inbox_detail(fw.bank_a.principal, stop.id)
    assert value == COLLECTOR
    # Held above the amount involved: refused, nothing changed.
    with pytest.raises(ValidationFailed) as error:
        service.receipt(fw.bank_a.principal, stop.id, ReceiptCreate(outcome="held", amount_fen=600_001))
    assert "stop.amount_cap" in error.value.message_en
    held = service.receipt(fw.bank_a.principal, stop.id, ReceiptCreate(outcome="held", amount_fen=450_000))
    assert held.status == Status.HELD and held.result_fen == 450_000
    assert held.expires_at == clock.now() + timedelta(hours=48)
    with pytest.raises(Conflict):  # a second answer
        service.receipt(fw.bank_a.principal, stop.id, ReceiptCreate(outcome="not_found"))
    with pytest.raises(Conflict):  # a second stop on the same account
        service.stop_payment(fw.analyst.principal, transfers[1], StopCreate())


def test_stop_payment_extends_once_and_then_lapses(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, held = _stopped_and_held(platform, fw, clock)
    start = held.starts_at
    assert start is not None
    clock.advance(timedelta(hours=47))
    extended = service.extend(fw.analyst.principal, held.id)
    assert extended.expires_at == start + timedelta(hours=96)
    with pytest.raises(Conflict) as error:
        service.extend(fw.analyst.principal, held.id)
    assert "stop.term" in error.value.message_en
    clock.advance(timedelta(hours=48))
    assert service.sweep()["lapsed"] == 0
    clock.advance(timedelta(hours=2))
    assert service.sweep()["lapsed"] == 1
    with platform.sessions() as session:
        assert session.get_one(Instruction, held.id).status == Status.LAPSED
    assert "disposal.order.funds.stop_payment.lapsed" in _topics(platform)


def test_an_unanswered_stop_payment_escalates_once_after_its_deadline(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, transfers = _case(platform, fw, clock)
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    clock.advance(timedelta(minutes=10))
    assert service.sweep()["overdue"] == 0 and service.instructions(fw.analyst.principal, overdue=True) == []
    clock.advance(timedelta(seconds=1))
    assert service.sweep()["overdue"] == 1
    assert service.sweep()["overdue"] == 0  # once
    [late] = service.instructions(fw.analyst.principal, overdue=True)
    assert late.id == stop.id and late.escalated
    with platform.sessions() as session:
        [event] = [e for e in outbox.read_after(session, 0, 100) if e.topic.endswith("stop_payment.overdue")]
    assert event.payload["issuer_org_id"] == fw.analyst.org.id
    assert event.payload["superior_org_id"] == fw.dw.base.centre.id


def test_the_answer_deadline_is_a_setting(platform: Platform, fw: FundsWorld, clock: FrozenClock) -> None:
    service, _, transfers = _case(platform, fw, clock)
    service.answer = timedelta(minutes=3)
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    assert stop.due_at == clock.now() + timedelta(minutes=3)


# 3. Follow the money ------------------------------------------------------------------------------


def test_a_moved_receipt_creates_leads_bounded_by_the_money_traced_and_the_hops(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, case_id, transfers = _case(platform, fw, clock)
    service.max_hops = 2
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    now = clock.now()
    moved = ReceiptCreate.model_validate(
        {
            "outcome": "moved",
            "onward": [
                # Before any victim's money arrived: carries none of it.
                {
                    "kind": "bank_card",
                    "value": UNKNOWN,
                    "amount_fen": 50_000,
                    "at": (now - timedelta(hours=20)).isoformat(),
                },
                {
                    "kind": "bank_card",
                    "value": LAYER_B,
                    "amount_fen": 400_000,
                    "at": (now - timedelta(hours=1)).isoformat(),
                },
                # More than is left of the victims' money: only the rest (200,000) is theirs.
                {
                    "kind": "payment_account",
                    "value": "alipay:mule_77",
                    "amount_fen": 900_000,
                    "at": (now - timedelta(minutes=30)).isoformat(),
                },
            ],
        }
    )
    answered = service.receipt(fw.bank_a.principal, stop.id, moved)
    assert answered.status == Status.MOVED
    leads = service.instructions(fw.analyst.principal, case_id=case_id, kind="stop_payment")
    by_hop = sorted((i.hop, i.amount_fen, i.org_id) for i in leads if i.parent_id == stop.id)
    assert by_hop == [(1, 200_000, fw.dw.alipay.org.id), (1, 400_000, fw.bank_b.org.id)]
    # Level 2 from bank B: to bank A again and to an account no table knows (left for the police to route).
    lead_b = next(i for i in leads if i.org_id == fw.bank_b.org.id)
    service.receipt(
        fw.bank_b.principal,
        lead_b.id,
        ReceiptCreate.model_validate(
            {
                "outcome": "moved",
                "onward": [
                    {
                        "kind": "bank_card",
                        "value": LAYER_A2,
                        "amount_fen": 300_000,
                        "at": (now - timedelta(minutes=20)).isoformat(),
                    },
                    {
                        "kind": "bank_card",
                        "value": UNKNOWN,
                        "amount_fen": 100_000,
                        "at": (now - timedelta(minutes=10)).isoformat(),
                    },
                ],
            }
        ),
    )
    level2 = [
        i for i in service.instructions(fw.analyst.principal, case_id=case_id) if i.parent_id == lead_b.id
    ]
    assert sorted((i.amount_fen, i.status) for i in level2) == [
        (100_000, Status.UNROUTED),
        (300_000, Status.ISSUED),
    ]
    lead_a2 = next(i for i in level2 if i.status == Status.ISSUED)
    # Level 3 is beyond max_hops = 2: traced, but no further lead.
    service.receipt(
        fw.bank_a.principal,
        lead_a2.id,
        ReceiptCreate.model_validate(
            {
                "outcome": "moved",
                "onward": [
                    {"kind": "bank_card", "value": card_c(), "amount_fen": 300_000, "at": now.isoformat()}
                ],
            }
        ),
    )
    assert [
        i for i in service.instructions(fw.analyst.principal, case_id=case_id) if i.parent_id == lead_a2.id
    ] == []
    with platform.sessions() as session:
        total_by_hop = dict(
            session.execute(
                select(Trace.hop, func.sum(Trace.amount_fen))
                .where(Trace.case_id == case_id)
                .group_by(Trace.hop)
            ).all()
        )
    # Never more of the victims' money at a level than at the one before.
    assert total_by_hop == {0: 600_000, 1: 600_000, 2: 400_000, 3: 300_000}


def card_c() -> str:
    from tests.funds_world import card

    return card("622202", 9)


def test_a_moved_receipt_needs_the_onward_transfers(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, transfers = _case(platform, fw, clock)
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    with pytest.raises(ValidationFailed) as error:
        service.receipt(fw.bank_a.principal, stop.id, ReceiptCreate(outcome="moved"))
    assert "trace.onward" in error.value.message_en and "Hunan Art 35¶2" in error.value.message_en
    with platform.sessions() as session:
        assert session.get_one(Instruction, stop.id).status == Status.ISSUED


# 4. Freeze -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "term", "rule"),
    [(600_001, 6, "freeze.amount_cap"), (600_000, 7, "freeze.term_cap")],
)
def test_a_freeze_above_the_amount_or_beyond_the_term_is_refused(
    platform: Platform, fw: FundsWorld, clock: FrozenClock, amount: int, term: int, rule: str
) -> None:
    service, case_id, _ = _case(platform, fw, clock)
    with pytest.raises(ValidationFailed) as error:
        service.request_freeze(fw.analyst.principal, _freeze(case_id, amount, term_months=term))
    assert rule in error.value.message_en and "Hunan Art 19¶1" in error.value.message_en
    assert "第十九条第一款" in error.value.message_zh
    assert service.instructions(fw.analyst.principal, kind="freeze") == []


def test_approval_needs_the_head_of_a_county_level_unit_over_the_applicant(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, case_id, _ = _case(platform, fw, clock)
    freeze = service.request_freeze(fw.analyst.principal, _freeze(case_id, 600_000))
    assert freeze.status == Status.PENDING_APPROVAL and freeze.due_at is None
    before = _denials(platform)
    for person in (fw.township_commander, fw.peer_commander):
        with pytest.raises(PermissionDenied) as error:
            service.approve(person.principal, freeze.id, True, "")
        assert "freeze.approval" in error.value.message_en
    assert _denials(platform) == before + 2
    with platform.sessions() as session:
        assert session.get_one(Instruction, freeze.id).status == Status.PENDING_APPROVAL
    # The provincial centre is a superior of county X.
    approved = service.approve(fw.centre_commander.principal, freeze.id, True, "")
    assert approved.status == Status.ISSUED and approved.approved_by == "fcentre"
    frozen = service.receipt(
        fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="frozen", amount_fen=600_000)
    )
    assert frozen.expires_at is not None and frozen.expires_at.month == (clock.now().month + 6 - 1) % 12 + 1


def test_no_duplicate_freeze_but_another_case_queues_and_takes_effect_when_the_first_ends(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, case_id, first = _frozen(platform, fw, clock)
    with pytest.raises(Conflict) as error:
        service.request_freeze(fw.analyst.principal, _freeze(case_id, 1))
    assert "freeze.no_duplicate" in error.value.message_en
    _, other_case, _ = _case(platform, fw, clock, number="AJ-2026-002", victims=1)
    second = service.request_freeze(fw.analyst.principal, _freeze(other_case, 100_000))
    assert service.approve(fw.commander.principal, second.id, True, "").status == Status.QUEUED
    assert service.inbox(fw.bank_a.principal)[0].id != second.id or second.status != Status.ISSUED
    # The first freeze is released after verification; the queued one is then sent to the bank.
    verification = service.verify(
        fw.analyst.principal, first.id, VerificationCreate(verdict="release", reason="资金与案件无关")
    )
    assert verification.release_id is not None
    service.receipt(fw.bank_a.principal, verification.release_id, ReceiptCreate(outcome="released"))
    with platform.sessions() as session:
        assert session.get_one(Instruction, first.id).status == Status.RELEASED
        promoted = session.get_one(Instruction, second.id)
        assert promoted.status == Status.ISSUED and promoted.due_at is not None


def test_renewal_only_before_expiry_else_the_freeze_lapses(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock)
    assert frozen.expires_at is not None
    with pytest.raises(ValidationFailed):
        service.renew(fw.analyst.principal, frozen.id, 7)
    renewal = service.renew(fw.analyst.principal, frozen.id, 6)
    decided = service.decide_renewal(fw.commander.principal, renewal.id, True, "")
    assert decided.expires_after is not None and decided.expires_after > frozen.expires_at
    clock.advance(decided.expires_after - clock.now())
    assert service.sweep()["lapsed"] == 1
    with pytest.raises(Conflict) as error:
        service.renew(fw.analyst.principal, frozen.id, 6)
    assert "freeze.renew_before_expiry" in error.value.message_en


# 5. Verification -----------------------------------------------------------------------------------


def test_release_is_due_three_days_after_the_finding_and_alarms_when_late(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock)
    found = clock.now() - timedelta(days=1)
    verification = service.verify(
        fw.analyst.principal,
        frozen.id,
        VerificationCreate(verdict="release", reason="工资收入，与案件无关", found_at=found),
    )
    assert verification.release_id is not None
    with platform.sessions() as session:
        release = session.get_one(Instruction, verification.release_id)
        assert release.due_at == found + timedelta(days=3) and release.org_id == fw.bank_a.org.id
    clock.advance(timedelta(days=2, seconds=1))
    assert service.sweep()["overdue"] == 1
    assert "disposal.order.funds.release.overdue" in _topics(platform)


def test_verification_needs_a_measure_in_force_and_a_finding_in_the_past(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _case_id, transfers = _case(platform, fw, clock)
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    with pytest.raises(Conflict) as error:
        service.verify(fw.analyst.principal, stop.id, VerificationCreate(verdict="continue", reason="继续"))
    assert "verification.outcome" in error.value.message_en and "Hunan Art 19¶3" in error.value.message_en
    service.receipt(fw.bank_a.principal, stop.id, ReceiptCreate(outcome="held", amount_fen=1000))
    with pytest.raises(ValidationFailed):
        service.verify(
            fw.analyst.principal,
            stop.id,
            VerificationCreate(verdict="continue", reason="继续", found_at=clock.now() + timedelta(hours=1)),
        )
    assert (
        service.verify(
            fw.analyst.principal, stop.id, VerificationCreate(verdict="continue", reason="继续")
        ).verdict
        == "continue"
    )


# 6. Return -----------------------------------------------------------------------------------------


def _decide_return(service: FundsService, fw: FundsWorld, freeze_id: int) -> None:
    service.verify(
        fw.analyst.principal, freeze_id, VerificationCreate(verdict="return", reason="核实为被害人资金")
    )


def _ret(method: str, officers: tuple[str, str] = ("analyst", "fofficer")) -> ReturnCreate:
    return ReturnCreate.model_validate({"method": method, "officers": list(officers)})


def test_return_by_time_gives_each_victim_the_latest_deposits(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, case_id, frozen = _frozen(platform, fw, clock, amount=450_000)
    with pytest.raises(Conflict):  # verification first (Art 19¶3)
        service.order_return(fw.analyst.principal, frozen.id, _ret("by_time"))
    _decide_return(service, fw, frozen.id)
    ret, shares = service.order_return(fw.analyst.principal, frozen.id, _ret("by_time"))
    # 600,000 paid in, 150,000 gone first-in-first-out: victim 1 (100,000) and half of victim 2's.
    assert {s.amount_fen for s in shares} == {150_000, 300_000} and ret.amount_fen == 450_000
    assert ret.officers == "analyst,fofficer"
    # Bank A executes within 3 working days and sees the victims' accounts to pay.
    assert ret.due_at is not None and ret.due_at > clock.now() + timedelta(days=3)
    _, _, _, accounts = service.inbox_detail(fw.bank_a.principal, ret.id)
    assert len(accounts) == 2
    # Not executed by the end of the third working day: the return alarms.
    clock.advance(ret.due_at - clock.now())
    assert service.sweep()["overdue"] == 0
    clock.advance(timedelta(seconds=1))
    assert service.sweep()["overdue"] == 1
    assert "disposal.order.funds.return.overdue" in _topics(platform)
    service.receipt(fw.bank_a.principal, ret.id, ReceiptCreate(outcome="returned"))
    with platform.sessions() as session:
        assert session.get_one(Instruction, frozen.id).status == Status.RETURNED
    detail = service.case_detail(fw.analyst.principal, case_id)
    assert [v["returned_fen"] for v in detail["victims"]] == [0, 150_000, 300_000]


def test_pro_rata_only_after_the_notice_and_shares_add_up_to_the_fen(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock, amount=100_001)
    _decide_return(service, fw, frozen.id)
    with pytest.raises(Conflict) as error:
        service.order_return(fw.analyst.principal, frozen.id, _ret("pro_rata"))
    assert "return.notice" in error.value.message_en
    notice = service.publish_notice(fw.analyst.principal, frozen.id)
    assert [n.id for n in service.notices()] == [notice.id] and COLLECTOR not in notice.text
    clock.advance(timedelta(days=29))
    with pytest.raises(Conflict):
        service.order_return(fw.analyst.principal, frozen.id, _ret("pro_rata"))
    clock.advance(timedelta(days=1))
    _, shares = service.order_return(fw.analyst.principal, frozen.id, _ret("pro_rata"))
    # Losses 1:2:3 → 16,666.83 · 33,333.67 · 50,000.5 fen: the odd fen go to the largest remainders.
    assert [s.amount_fen for s in shares] == [16_667, 33_334, 50_000]
    assert sum(s.amount_fen for s in shares) == 100_001
    assert service.notices() == []  # closed by the return


def test_single_deposit_and_the_officers_rule(platform: Platform, fw: FundsWorld, clock: FrozenClock) -> None:
    service, case_id, _transfers = _case(platform, fw, clock, victims=1)
    freeze = service.request_freeze(fw.analyst.principal, _freeze(case_id, 100_000))
    service.approve(fw.commander.principal, freeze.id, True, "")
    service.receipt(fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="frozen", amount_fen=80_000))
    _decide_return(service, fw, freeze.id)
    for officers in (("analyst", "analyst"), ("analyst", "aop"), ("analyst", "nobody")):
        with pytest.raises(ValidationFailed) as error:
            service.order_return(fw.analyst.principal, freeze.id, _ret("single", officers))
        assert "return.officers" in error.value.message_en
    _, shares = service.order_return(fw.analyst.principal, freeze.id, _ret("single"))
    assert [(s.amount_fen) for s in shares] == [80_000]
    # Everything frozen is committed: a second return finds nothing (≤ frozen per account).
    with pytest.raises(ValidationFailed) as error:
        service.order_return(fw.analyst.principal, freeze.id, _ret("single"))
    assert "return.cap_frozen" in error.value.message_en


def test_an_institution_receipt_cannot_claim_another_outcome(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, case_id, _ = _case(platform, fw, clock)
    freeze = service.request_freeze(fw.analyst.principal, _freeze(case_id, 600_000))
    with pytest.raises(Conflict):  # not yet approved: nothing to answer
        service.receipt(fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="frozen", amount_fen=1))
    service.approve(fw.commander.principal, freeze.id, True, "")
    with pytest.raises(ValidationFailed):
        service.receipt(fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="held", amount_fen=1))
    with pytest.raises(FanzhaError) as error:
        service.receipt(fw.bank_a.principal, freeze.id, ReceiptCreate(outcome="frozen", amount_fen=600_001))
    assert "freeze.amount_cap" in error.value.message_en


def test_the_disposal_worker_runs_the_funds_sweep(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    import asyncio

    import httpx

    from fanzha.disposal.worker import DisposalWorker

    _, _, held = _stopped_and_held(platform, fw, clock)
    clock.advance(timedelta(hours=48, seconds=1))

    async def once() -> int:
        async with httpx.AsyncClient(timeout=5) as http:
            return await DisposalWorker(platform, http, worker="test").run_once()

    asyncio.run(once())
    with platform.sessions() as session:
        assert session.get_one(Instruction, held.id).status == Status.LAPSED


def test_concurrent_freeze_requests_of_one_case_leave_one_freeze(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    import threading

    service, case_id, _ = _case(platform, fw, clock)
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def request() -> None:
        barrier.wait()
        try:
            outcomes.append(service.request_freeze(fw.analyst.principal, _freeze(case_id, 100_000)).id)
        except Conflict as error:
            outcomes.append(error)

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    created = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(created) == 1 and len(refused) == 3
    assert all("freeze.no_duplicate" in e.message_en for e in refused)
    assert len(service.instructions(fw.analyst.principal, kind="freeze")) == 1


def test_police_route_an_unknown_account_and_prune_a_branch(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, case_id, transfers = _case(platform, fw, clock)
    stop = service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())
    now = clock.now()
    service.receipt(
        fw.bank_a.principal,
        stop.id,
        ReceiptCreate.model_validate(
            {
                "outcome": "moved",
                "onward": [
                    {"kind": "bank_card", "value": UNKNOWN, "amount_fen": 100_000, "at": now.isoformat()},
                    {"kind": "bank_card", "value": LAYER_B, "amount_fen": 200_000, "at": now.isoformat()},
                ],
            }
        ),
    )
    leads = {
        i.status: i
        for i in service.instructions(fw.analyst.principal, case_id=case_id)
        if i.parent_id == stop.id
    }
    unrouted, lead_b = leads[Status.UNROUTED], leads[Status.ISSUED]
    with pytest.raises(ValidationFailed):  # a telecom operator holds no bank account
        service.route_lead(fw.analyst.principal, unrouted.id, fw.dw.cmcc.org.id)
    routed = service.route_lead(fw.analyst.principal, unrouted.id, fw.bank_b.org.id)
    assert routed.status == Status.ISSUED and routed.org_id == fw.bank_b.org.id and routed.due_at is not None
    assert {i.id for i in service.inbox(fw.bank_b.principal)} == {unrouted.id, lead_b.id}
    # Bank B's lead moved on again; pruning it withdraws it and the lead that followed from it.
    service.receipt(
        fw.bank_b.principal,
        lead_b.id,
        ReceiptCreate.model_validate(
            {
                "outcome": "moved",
                "onward": [
                    {"kind": "bank_card", "value": LAYER_A2, "amount_fen": 200_000, "at": now.isoformat()}
                ],
            }
        ),
    )
    [grandchild] = [
        i for i in service.instructions(fw.analyst.principal, case_id=case_id) if i.parent_id == lead_b.id
    ]
    # Pruning bank B's branch (answered "moved") withdraws the open lead that followed from it.
    pruned = [i.id for i in service.withdraw(fw.analyst.principal, lead_b.id, "经研判为正常商户结算")]
    assert pruned == [grandchild.id]
    assert "disposal.order.funds.stop_payment.withdrawn" in _topics(platform)
    with pytest.raises(Conflict):  # nothing open is left in that branch
        service.withdraw(fw.analyst.principal, lead_b.id, "再次剪除")
    # Pruning from the root withdraws what is still open anywhere below it (the routed lead).
    assert [i.id for i in service.withdraw(fw.analyst.principal, stop.id, "误报")] == [unrouted.id]


_NUMBERS = iter(range(10**6))
_STEP = st.one_of(
    st.tuples(st.just("hold"), st.integers(1, 700_000)),
    st.tuples(st.just("extend"), st.just(0)),
    st.tuples(st.just("hours"), st.integers(1, 80)),
    st.tuples(st.just("freeze"), st.integers(1, 700_000)),
    st.tuples(st.just("approve"), st.just(0)),
    st.tuples(st.just("frozen"), st.integers(1, 700_000)),
    st.tuples(st.just("return"), st.sampled_from(["single", "by_time", "pro_rata"])),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_STEP, max_size=12))
def test_any_sequence_keeps_every_bound_in_the_database(
    platform: Platform, fw: FundsWorld, clock: FrozenClock, steps: list[tuple[str, Any]]
) -> None:
    """Stop-payment, freeze and return steps in any order, refused or not: what is stored stays within
    the amount traced, the terms, one live freeze per case and account, frozen and loss."""
    service, case_id, transfers = _case(platform, fw, clock, number=f"AJ-P-{next(_NUMBERS)}")
    officers = _ret("by_time")
    for step, value in steps:
        try:
            stops = service.instructions(fw.analyst.principal, case_id=case_id, kind="stop_payment")
            freezes = service.instructions(fw.analyst.principal, case_id=case_id, kind="freeze")
            if step == "hold":
                if not stops:
                    stops = [service.stop_payment(fw.analyst.principal, transfers[0], StopCreate())]
                service.receipt(
                    fw.bank_a.principal, stops[0].id, ReceiptCreate(outcome="held", amount_fen=value)
                )
            elif step == "extend" and stops:
                service.extend(fw.analyst.principal, stops[0].id)
            elif step == "hours":
                clock.advance(timedelta(hours=value))
                service.sweep()
            elif step == "freeze":
                service.request_freeze(fw.analyst.principal, _freeze(case_id, value))
            elif step == "approve" and freezes:
                service.approve(fw.commander.principal, freezes[0].id, True, "")
            elif step == "frozen" and freezes:
                service.receipt(
                    fw.bank_a.principal, freezes[0].id, ReceiptCreate(outcome="frozen", amount_fen=value)
                )
            elif step == "return" and freezes:
                service.verify(
                    fw.analyst.principal, freezes[0].id, VerificationCreate(verdict="return", reason="返还")
                )
                service.order_return(
                    fw.analyst.principal, freezes[0].id, officers.model_copy(update={"method": value})
                )
        except FanzhaError:
            pass  # refused: the invariants below must hold all the same
        _check_bounds(platform, case_id, clock, swept=step == "hours")


def _check_bounds(platform: Platform, case_id: int, clock: FrozenClock, swept: bool) -> None:
    from fanzha.funds.tables import ReturnShare

    with platform.sessions() as session:
        rows = list(session.scalars(select(Instruction).where(Instruction.case_id == case_id)))
        traced = {
            token: int(total)
            for token, total in session.execute(
                select(Trace.account_token, func.sum(Trace.amount_fen))
                .where(Trace.case_id == case_id)
                .group_by(Trace.account_token)
            ).all()
        }
        live: dict[str, int] = {}
        for row in rows:
            if row.kind in ("stop_payment", "freeze"):
                assert 0 <= row.result_fen <= row.amount_fen <= traced[row.account_token]
            if row.kind == "stop_payment" and row.starts_at and row.expires_at:
                assert row.extensions <= 1 and row.expires_at - row.starts_at <= timedelta(hours=96)
                # Lapsing on its own: after a sweep nothing is held past its term.
                assert not (swept and row.status == "held" and row.expires_at <= clock.now())
            if row.kind == "freeze" and row.starts_at and row.expires_at:
                assert row.expires_at - row.starts_at <= timedelta(days=184)
                assert not (swept and row.status == "frozen" and row.expires_at <= clock.now())
            if row.kind == "freeze" and row.status in ("pending_approval", "queued", "issued", "frozen"):
                live[row.account_token] = live.get(row.account_token, 0) + 1
        assert all(n == 1 for n in live.values())
        for freeze in (r for r in rows if r.kind == "freeze"):
            returned = sum(r.amount_fen for r in rows if r.kind == "return" and r.target_id == freeze.id)
            assert returned <= freeze.result_fen
        per_victim: dict[int, int] = {}
        for share in session.scalars(
            select(ReturnShare)
            .join(Instruction, ReturnShare.instruction_id == Instruction.id)
            .where(Instruction.case_id == case_id)
        ):
            per_victim[share.victim_id] = per_victim.get(share.victim_id, 0) + share.amount_fen
        for victim in session.scalars(select(Victim).where(Victim.case_id == case_id)):
            assert per_victim.get(victim.id, 0) <= victim.loss_fen
