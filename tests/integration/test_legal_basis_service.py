"""Issue 17 on SQLite and PostgreSQL: triggers, graded re-verification, notices, departments, tasks.

Property tests: no restriction or suspension after a monitoring alert without a failed or late
re-verification before it; every order that is not confidential has exactly one notice.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, PermissionDenied, ValidationFailed
from fanzha.disposal.domain import REVERIFY_MEASURES, Measure, OrderStatus, Trigger, Verification
from fanzha.disposal.release import escalate_overdue, wrongful_disposals
from fanzha.disposal.schemas import OrderCreate, ReceiptCreate
from fanzha.disposal.tables import Notice, Order, Task
from fanzha.events import outbox
from fanzha.identifiers import normalise
from fanzha.identity.domain import OrgKind, Role
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from tests.factories import Person, make_org, make_user
from tests.integration.test_disposal_service import (
    CARD_A,
    PHONE,
    DisposalWorld,
    disposal_of,
    make_disposal_world,
    order,
    run_policy,
    sampled,
)


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


def department(platform: Platform, code: str, kind: OrgKind) -> Person:
    """A telecom or cyberspace department and its analyst."""
    return make_user(platform, f"{code}user", make_org(platform, code, kind), Role.ANALYST)


def check_invariants(platform: Platform) -> None:
    """The two properties of issue 17, over every order in the database."""
    with platform.sessions() as session:
        orders = {o.id: o for o in session.scalars(select(Order))}
        counts = dict(session.execute(select(Notice.order_id, func.count()).group_by(Notice.order_id)).all())
    for item in orders.values():
        measure = Measure(item.measure)
        # Art 34¶1: exactly one notice for every order that is not confidential (releases tell by appeal).
        wanted = 0 if item.confidential or measure is Measure.RELEASE else 1
        assert counts.get(item.id, 0) == wanted, (item.id, item.measure, item.confidential)
        if measure in REVERIFY_MEASURES or measure is Measure.RELEASE:
            continue
        # No restriction or suspension on a monitoring alert: it follows a failed or late re-verification.
        assert item.trigger != Trigger.ALERT, item.id
        if item.trigger == Trigger.REVERIFY_FAILED:
            assert item.dedupe_key is not None and item.dedupe_key.startswith("follow:")
            check = orders[int(item.dedupe_key.split(":")[1])]
            assert check.object_token == item.object_token and Measure(check.measure) in REVERIFY_MEASURES
            failed = check.verification == Verification.FAILED
            late = check.due_at <= item.created_at
            assert failed or late, (check.id, item.id)


_NUMBERS = itertools.count()
_STEPS = st.lists(
    st.sampled_from(["alert", "alert_high", "alert_secret", "pass", "fail", "late", "sample", "payee"]),
    min_size=1,
    max_size=8,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_STEPS)
def test_no_restriction_without_a_failed_or_late_reverification_and_one_notice_per_order(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock, steps: list[str]
) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    phone = f"138{next(_NUMBERS):08d}"
    bank = dw.base.bank_a_op.principal

    for step in steps:
        if step.startswith("alert"):
            extra: dict[str, object] = {"risk_level": "high"} if step == "alert_high" else {}
            if step == "alert_secret":
                extra["confidential"] = True
            service.issue(police.principal, order("phone", phone, Measure.REVERIFY, **extra))
            # A restriction on the alert itself is refused whatever else happened.
            with pytest.raises(ValidationFailed):
                service.issue(police.principal, order("phone", phone, Measure.SUSPEND))
        elif step in ("pass", "fail"):
            outcome = Verification.PASSED if step == "pass" else Verification.FAILED
            for open_check in service.search(police.principal, token=_token(platform, phone)):
                if open_check.measure == Measure.REVERIFY and open_check.status in (
                    "issued",
                    "delivered",
                ):
                    receipt = ReceiptCreate(status=OrderStatus.EXECUTED, verification=outcome)
                    service.receipt(dw.cmcc.principal, open_check.id, receipt)
        elif step == "late":
            clock.advance(timedelta(hours=25))
            escalate_overdue(service)
        elif step == "sample":
            service.issue(police.principal, sampled(platform, police, "phone", phone, Measure.RESTRICT))
        elif step == "payee":
            body = order("bank_card", CARD_A, Measure.DELAY_SETTLEMENT, trigger="fraud_payee")
            [held] = service.issue(police.principal, body)
            with pytest.raises(ValidationFailed):  # the bank delivers this notice: confirm it
                service.receipt(bank, held.id, ReceiptCreate(status=OrderStatus.EXECUTED))
            service.receipt(bank, held.id, ReceiptCreate(status=OrderStatus.EXECUTED, notice_delivered=True))
        check_invariants(platform)


def _token(platform: Platform, phone: str) -> str:
    return disposal_of(platform).vault.token(normalise("phone", phone))


def test_a_department_orders_within_its_competence_and_sees_art_23_receipts(
    platform: Platform, dw: DisposalWorld
) -> None:
    service = disposal_of(platform)
    ca = department(platform, "ca-hn", OrgKind.TELECOM_AUTHORITY)
    cac = department(platform, "cac-hn", OrgKind.CYBERSPACE)
    url = "https://login.example.com/x"
    # Art 23¶2: the telecom department notifies the blocking of an unlicensed site.
    [blocked] = service.issue(
        ca.principal, order("url", url, Measure.BLOCK_LINK, trigger="unlicensed_notice")
    )
    assert (blocked.article, blocked.issuer_org_id) == ("第二十三条第二款", ca.org.id)
    # Art 20¶2: re-verification of an account registered with a fraud account.
    body = order("internet_account", "wechat:wxid_abc", Measure.REVERIFY, trigger="associated_account")
    [check] = service.issue(cac.principal, body)
    assert check.article == "第二十条第二款"
    # Outside their competence: a sample's suspension, a monitoring alert, a joint punishment.
    for bad in (
        sampled(platform, dw.base.analyst, "phone", PHONE, Measure.SUSPEND),
        order("phone", PHONE, Measure.REVERIFY),
    ):
        with pytest.raises(PermissionDenied):
            service.issue(cac.principal, bad)
    # The police block a link on monitoring (Art 23¶1); the platform answers.
    [police_block] = service.issue(dw.base.analyst.principal, order("url", url, Measure.CLOSE_SITE))
    service.receipt(
        dw.qq.principal, police_block.id, ReceiptCreate(status=OrderStatus.EXECUTED, notice_delivered=True)
    )
    # Art 23¶1: the receipts of Art 23 measures are visible to the police, telecom and cyberspace
    # departments; a department sees no phone suspension it did not order.
    [suspension] = service.issue(
        dw.base.analyst.principal, sampled(platform, dw.base.analyst, "phone", PHONE, Measure.SUSPEND)
    )
    for person in (ca, cac):
        seen = {o.id for o in service.search(person.principal)}
        assert police_block.id in seen and blocked.id in seen and suspension.id not in seen
        order_seen, events, _ = service.get(person.principal, police_block.id)
        assert order_seen.status == "executed" and events[-1].status_to == "executed"
    assert check.id in {o.id for o in service.search(cac.principal)}  # its own order
    assert check.id not in {o.id for o in service.search(ca.principal)}  # another's Art 20 order


def test_an_appeal_not_decided_in_time_escalates_once(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    [issued] = service.issue(police.principal, sampled(platform, police, "phone", PHONE, Measure.SUSPEND))
    service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    code = next(m.group(1) for n in dw.notifier.sent if (m := re.search(r"申诉码 (\w{10})", n.text)))
    appeals = platform.appeals
    assert appeals is not None
    appeal = appeals.submit(code, "号码一直是我本人使用", "误判", [], "10.1.1.1")
    # Art 34¶2 立即进行核查: the time limit is a setting in hours (default 24), not three days.
    assert appeal.due_at == clock.now() + timedelta(hours=24)
    clock.advance(timedelta(hours=23))
    assert appeals.escalate_overdue() == 0
    clock.advance(timedelta(hours=2))
    assert appeals.escalate_overdue() == 1
    assert appeals.escalate_overdue() == 0  # once
    with platform.sessions() as session:
        [event] = [e for e in outbox.read_after(session, 0, 1000) if e.topic == "appeals.overdue"]
    assert event.payload["escalated_to_org_id"] == dw.base.centre.id  # the unit above the county


def test_a_unit_that_did_its_duty_is_not_counted_as_wrongful(platform: Platform, dw: DisposalWorld) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    appeals = platform.appeals
    assert appeals is not None
    for phone, fulfilled in (("13811110001", True), ("13811110002", False)):
        [issued] = service.issue(police.principal, sampled(platform, police, "phone", phone, Measure.SUSPEND))
        service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))
        code = re.search(r"申诉码 (\w{10})", dw.notifier.sent[-1].text)
        assert code is not None
        appeal = appeals.submit(code.group(1), "号码一直是我本人使用", "误判", [], "10.1.1.1")
        decided, _ = appeals.decide(police.principal, appeal.id, True, "核实无误", fulfilled)
        assert decided.institutions_fulfilled is fulfilled
        _, events, _ = service.get(police.principal, issued.id)
        assert f'"institutions_fulfilled":{str(fulfilled).lower()}' in events[-1].detail
    # Art 34¶3: only the appeal where the operator did not fulfil its duties counts against it.
    with platform.sessions() as session:
        assert wrongful_disposals(session, dw.cmcc.org.id) == 1


def test_a_number_high_risk_again_after_passing_gives_the_unit_a_task_to_close(
    platform: Platform, dw: DisposalWorld
) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    [check] = service.issue(police.principal, order("phone", PHONE, Measure.REVERIFY))
    receipt = ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.PASSED)
    service.receipt(dw.cmcc.principal, check.id, receipt)
    platform.samples.publish(
        police.principal,
        SamplePublish(kind="phone", value=PHONE, fraud_type=FraudType.FAKE_POLICE, confidence=95),
    )
    run_policy(platform)
    [task] = service.tasks(police.principal)
    assert task.order_id == check.id and "第十三条" in task.description
    with pytest.raises(ValidationFailed):
        service.close_task(police.principal, task.id, " ")
    closed = service.close_task(police.principal, task.id, "已会同运营商核查，号码已暂停")
    assert closed.closed_at is not None and service.tasks(police.principal) == []
    with pytest.raises(Conflict):
        service.close_task(police.principal, task.id, "再次关闭")
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 1


def test_orders_of_trigger_and_risk_over_the_api_shape(platform: Platform, dw: DisposalWorld) -> None:
    """OrderCreate refuses an unknown trigger or risk level before anything is looked up."""
    with pytest.raises(ValueError):
        OrderCreate.model_validate(
            {"kind": "phone", "value": PHONE, "measure": "reverify", "reason": "xx", "trigger": "x"}
        )
    with pytest.raises(ValueError):
        OrderCreate.model_validate(
            {"kind": "phone", "value": PHONE, "measure": "reverify", "reason": "xx", "risk_level": "x"}
        )


def test_a_blocked_sites_registrant_is_told_at_the_contact_the_routing_tables_hold(
    platform: Platform, dw: DisposalWorld
) -> None:
    routing = platform.routing
    assert routing is not None
    admin = dw.base.admin.principal
    with pytest.raises(ValidationFailed) as bad:
        routing.import_csv(admin, "domain", b"domain,org_code,contact\nexample.com,net-qq,12\n")
    assert bad.value.field == "line 2"
    routing.import_csv(admin, "domain", b"domain,org_code,contact\nexample.com,net-qq,13700001111\n")
    service = disposal_of(platform)
    [blocked] = service.issue(
        dw.base.analyst.principal, order("url", "https://pay.example.com/x", Measure.BLOCK_LINK)
    )
    # Art 34¶1: the registrant's phone is known, so the platform need not deliver the notice itself.
    service.receipt(dw.qq.principal, blocked.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    [sms] = [n for n in dw.notifier.sent if "封堵链接" in n.text]
    assert sms.recipient == "+8613700001111" and "申诉码" in sms.text
    with platform.sessions() as session:
        stored = session.scalars(select(Notice).where(Notice.order_id == blocked.id)).one()
    assert stored.channel == "sms" and b"13700001111" not in (stored.recipient_ciphertext or b"")
