"""Disposal on SQLite and PostgreSQL: routing, issuing, receipts, notices, escalation, linked disposal."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.disposal.domain import OPEN, RECEIPT_STATUSES, Measure, OrderStatus, Verification
from fanzha.disposal.notices import MemoryNotifier
from fanzha.disposal.policy import LinkedDisposalPolicy, drain
from fanzha.disposal.release import escalate_overdue
from fanzha.disposal.routing import RoutingService
from fanzha.disposal.schemas import OrderCreate, ReceiptCreate
from fanzha.disposal.service import DisposalService
from fanzha.disposal.tables import Order, OrderEvent
from fanzha.events import outbox
from fanzha.events.dispatcher import Dispatcher
from fanzha.identifiers import luhn_check_digit, normalise
from fanzha.identity.domain import OrgKind, Role
from fanzha.identity.tables import Organisation
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from tests.factories import Person, World, make_org, make_user, make_world

CARD_A = "622202000012345" + ""  # completed with its Luhn digit below
CARD_A += luhn_check_digit(CARD_A)
PHONE = "13812345678"  # segment 138 → operator CMCC
PORTED = "13800000099"  # a 138 number ported to CUCC


PLATFORMS = (
    b"platform,kind,name_zh,org_code\n"
    b"alipay,payment,x,pay-alipay\nwechat,internet,x,net-wechat\nqq,internet,x,net-qq\n"
)


def routing_files() -> dict[str, bytes]:
    """The demo's routing tables as CSV (the simulator's parquet tables export to the same columns)."""
    return {
        "phone_segment": b"prefix,operator_code,org_code\n138,CMCC,tel-cmcc\n186,CUCC,tel-cucc\n"
        b"1703,VNO,tel-cucc\n",
        "portability": f"number,org_code\n{PORTED},tel-cucc\n".encode(),
        "bank_bin": b"bin,bank_code,org_code\n622202,A,bank-a\n621700,B,bank-b\n",
        # One platforms file feeds both tables; each keeps the rows of its own kind.
        "payment_platform": PLATFORMS,
        "internet_platform": PLATFORMS,
        "domain": b"domain,org_code\nexample.com,net-qq\n",
        "app": b"app,org_code\n*,net-qq\n*,net-wechat\n",
        "regulator": b"sector,org_code\ntelecom,reg-ca\nbank,reg-pbc\n",
    }


@dataclass(frozen=True)
class DisposalWorld:
    """The small province plus operators, platforms, a payment institution and regulators."""

    base: World
    cmcc: Person
    cucc: Person
    wechat: Person
    qq: Person
    alipay: Person
    reg_ca: Organisation
    notifier: MemoryNotifier


def make_disposal_world(platform: Platform) -> DisposalWorld:
    """Organisations, users and imported routing tables; notices go to a memory notifier."""
    base = make_world(platform)
    people = {}
    for code, kind, username in (
        ("tel-cmcc", OrgKind.TELECOM, "cmccop"),
        ("tel-cucc", OrgKind.TELECOM, "cuccop"),
        ("net-wechat", OrgKind.INTERNET, "wechatop"),
        ("net-qq", OrgKind.INTERNET, "qqop"),
        ("pay-alipay", OrgKind.PAYMENT, "alipayop"),
    ):
        people[code] = make_user(
            platform, username, make_org(platform, code, kind), Role.INSTITUTION_OPERATOR
        )
    reg_ca = make_org(platform, "reg-ca", OrgKind.REGULATOR)
    make_org(platform, "reg-pbc", OrgKind.REGULATOR)
    routing = platform.routing
    assert routing is not None
    for table, data in routing_files().items():
        routing.import_csv(base.admin.principal, table, data)
    notifier = MemoryNotifier()
    disposal_of(platform).notifier = notifier
    return DisposalWorld(
        base,
        people["tel-cmcc"],
        people["tel-cucc"],
        people["net-wechat"],
        people["net-qq"],
        people["pay-alipay"],
        reg_ca,
        notifier,
    )


def disposal_of(platform: Platform) -> DisposalService:
    assert platform.disposal is not None
    return platform.disposal


def routing_of(platform: Platform) -> RoutingService:
    assert platform.routing is not None
    return platform.routing


def order(kind: str, value: str, measure: Measure, **extra: object) -> OrderCreate:
    return OrderCreate.model_validate(
        {"kind": kind, "value": value, "measure": measure, "reason": "一日内外呼陌生号码百余次", **extra}
    )


def sampled(
    platform: Platform, police: Person, kind: str, value: str, measure: Measure, **extra: object
) -> OrderCreate:
    """An order on a sample the police published (Art 28¶1: the trigger of immediate measures)."""
    sample, _ = platform.samples.publish(
        police.principal, SamplePublish(kind=kind, value=value, fraud_type=FraudType.FAKE_INVESTMENT)
    )
    return OrderCreate.model_validate(
        {"sample_id": sample.id, "measure": measure, "reason": "一日内外呼陌生号码百余次", **extra}
    )


def run_policy(platform: Platform) -> int:
    """Let the linked-disposal policy consume the outbox until it has caught up."""
    assert platform.linked_disposal is not None
    dispatcher = Dispatcher(platform.sessions, platform.clock, platform.linked_disposal, "test")
    return drain(platform.linked_disposal, dispatcher)


def _count(platform: Platform, model: type[object]) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _audit_actions(platform: Platform) -> list[tuple[str, str]]:
    with platform.sessions() as session:
        return [(r.action, r.result) for r in session.scalars(select(AuditRecord).order_by(AuditRecord.seq))]


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


# Routing -----------------------------------------------------------------------------------------


def test_identifiers_route_to_the_institution_that_holds_them(platform: Platform, dw: DisposalWorld) -> None:
    routing = routing_of(platform)
    cases = {
        ("phone", PHONE): [dw.cmcc.org.id],
        ("phone", PORTED): [dw.cucc.org.id],  # the portability table overrides the segment
        ("phone", "17031234567"): [dw.cucc.org.id],  # the longest prefix wins
        ("phone", "13012345678"): [],  # no table knows it
        ("bank_card", CARD_A): [dw.base.bank_a.id],
        ("payment_account", "alipay:2088001"): [dw.alipay.org.id],
        ("internet_account", "wechat:wxid_abc"): [dw.wechat.org.id],
        ("domain", "pay.evil.example.com"): [dw.qq.org.id],  # sub-domains follow their domain
        ("url", "https://login.example.com/x"): [dw.qq.org.id],
        ("app", "com.fake.invest"): sorted([dw.qq.org.id, dw.wechat.org.id]),  # every app store
    }
    with platform.sessions() as session:
        for (kind, value), expected in cases.items():
            assert routing.responsible(session, normalise(kind, value)) == expected, (kind, value)


def test_a_bad_routing_file_changes_nothing_and_names_the_line(platform: Platform, dw: DisposalWorld) -> None:
    routing = routing_of(platform)
    before = {t["table"]: t for t in routing.tables()}
    admin = dw.base.admin.principal
    bad_files = {
        "phone_segment": b"prefix,org_code\n139,tel-cmcc\n139x,tel-cmcc\n",  # bad key on line 3
        "bank_bin": b"bin,org_code\n622202,no-such-org\n",  # unknown organisation
        "domain": b"domain,org_code\nexample.org,bank-a\n",  # a bank cannot host a domain
    }
    for table, data in bad_files.items():
        with pytest.raises(ValidationFailed) as error:
            routing.import_csv(admin, table, data)
        assert error.value.field and error.value.field.startswith("line"), error.value.field
    with pytest.raises(ValidationFailed):
        routing.import_csv(admin, "phone_segment", b"segment,org\n138,tel-cmcc\n")  # wrong columns
    with pytest.raises(ValidationFailed):
        routing.import_csv(admin, "no_such_table", b"x,org_code\n")
    with pytest.raises(PermissionDenied):
        routing.import_csv(dw.base.analyst.principal, "phone_segment", b"prefix,org_code\n138,tel-cucc\n")
    assert {t["table"]: t for t in routing.tables()} == before
    # A good file is a new version that replaces the old rows.
    report = routing.import_csv(admin, "phone_segment", b"prefix,org_code\n138,tel-cucc\n")
    assert report.version == before["phone_segment"]["version"] + 1
    with platform.sessions() as session:
        assert routing.responsible(session, normalise("phone", PHONE)) == [dw.cucc.org.id]
        assert routing.responsible(session, normalise("phone", "18612345678")) == []


# Issuing -----------------------------------------------------------------------------------------


def test_an_order_is_routed_with_its_legal_basis_and_deadline(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    police = dw.base.analyst
    [issued] = disposal_of(platform).issue(
        police.principal, sampled(platform, police, "phone", PHONE, Measure.SUSPEND)
    )
    assert issued.org_id == dw.cmcc.org.id and issued.issuer_org_id == dw.base.county_x.id
    # Art 28¶1: a notified sample is suspended at once; Art 13 needs a failed re-verification first.
    assert issued.article == "第二十八条第一款" and issued.trigger == "sample_notified"
    assert issued.status == OrderStatus.ISSUED
    assert issued.due_at == clock.now() + timedelta(minutes=30)
    assert issued.object_masked != PHONE and "5678" in issued.object_masked
    assert ("order.issue", "success") in _audit_actions(platform)
    with platform.sessions() as session:
        topics = [e.topic for e in outbox.read_after(session, 0, 100)]
    assert "disposal.order.issued" in topics


def test_bad_orders_are_refused_and_change_nothing(platform: Platform, dw: DisposalWorld) -> None:
    service, police = disposal_of(platform), dw.base.analyst.principal
    refusals: list[tuple[OrderCreate, str]] = [
        (order("phone", PHONE, Measure.BLOCK_LINK), "measure"),  # not a measure for a phone card
        (order("phone", PHONE, Measure.REVERIFY, org_id=dw.cucc.org.id), "org_id"),  # 138 is not CUCC's
        (
            order("phone", PHONE, Measure.REVERIFY, org_id=dw.base.bank_a.id),
            "org_id",
        ),  # a bank, not an operator
        (order("phone", "13012345678", Measure.REVERIFY), "org_id"),  # nobody is responsible
        (order("phone", "12", Measure.REVERIFY), "value"),
        (order("phone", PHONE, Measure.RELEASE), "measure"),  # releases come from appeal decisions
        # Art 13: a monitored card is re-verified first; suspending it on the alert is refused.
        (order("phone", PHONE, Measure.SUSPEND), "trigger"),
        (order("phone", PHONE, Measure.SUSPEND, trigger="reverify_failed"), "trigger"),  # the platform's
        (order("phone", PHONE, Measure.SUSPEND, trigger="sample_notified"), "sample_id"),  # which sample?
        (order("bank_card", CARD_A, Measure.SUSPEND_BUSINESS, trigger="monitoring_alert"), "trigger"),
    ]
    for data, field in refusals:
        with pytest.raises(ValidationFailed) as error:
            service.issue(police, data)
        assert error.value.field == field, data
    with pytest.raises(PermissionDenied):
        service.issue(dw.cmcc.principal, order("phone", PHONE, Measure.REVERIFY))
    assert _count(platform, Order) == 0
    assert ("order.issue", "denied") in _audit_actions(platform)


def test_receipts_walk_the_states_and_the_person_gets_a_notice(platform: Platform, dw: DisposalWorld) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    [issued] = service.issue(police.principal, sampled(platform, police, "phone", PHONE, Measure.SUSPEND))
    # The operator fetches its orders: that is their delivery.
    assert [o.id for o in service.search(dw.cmcc.principal)] == [issued.id]
    assert service.search(dw.cucc.principal) == []  # an institution sees only its own orders
    done = service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    assert done.status == OrderStatus.EXECUTED
    with platform.sessions() as session:
        steps = list(session.scalars(select(OrderEvent.status_to).where(OrderEvent.order_id == issued.id)))
    assert steps == ["issued", "delivered", "acknowledged", "executed"]  # no state skipped
    [sent] = dw.notifier.sent
    assert sent.channel == "sms" and sent.recipient == "+86" + PHONE
    assert "暂停使用" in sent.text and "申诉码" in sent.text
    # The same receipt again changes nothing and sends nothing.
    service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    assert len(dw.notifier.sent) == 1
    assert ("order.receipt", "success") in _audit_actions(platform)


def test_a_receipt_for_someone_elses_order_is_refused(platform: Platform, dw: DisposalWorld) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    [issued] = service.issue(police.principal, sampled(platform, police, "phone", PHONE, Measure.SUSPEND))
    with pytest.raises(NotFound):
        service.receipt(dw.cucc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    with pytest.raises(NotFound):
        service.get(dw.cucc.principal, issued.id)
    with pytest.raises(ValidationFailed):
        service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.REFUSED, reason=" "))
    with pytest.raises(ValidationFailed):
        service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.RELEASED))
    with platform.sessions() as session:
        assert session.get(Order, issued.id).status == OrderStatus.ISSUED  # type: ignore[union-attr]
    assert ("order.receipt", "denied") in _audit_actions(platform)
    assert dw.notifier.sent == []


def test_a_confidential_order_sends_no_notice(platform: Platform, dw: DisposalWorld) -> None:
    service = disposal_of(platform)
    police = dw.base.analyst
    [issued] = service.issue(
        police.principal, sampled(platform, police, "phone", PHONE, Measure.RESTRICT, confidential=True)
    )
    service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    assert dw.notifier.sent == []  # Art 34¶1: secrecy required by law


def test_a_failed_reverification_brings_a_suspension(platform: Platform, dw: DisposalWorld) -> None:
    service = disposal_of(platform)
    [check] = service.issue(dw.base.analyst.principal, order("phone", PHONE, Measure.REVERIFY))
    with pytest.raises(ValidationFailed):  # the outcome of the re-verification is required
        service.receipt(dw.cmcc.principal, check.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    service.receipt(
        dw.cmcc.principal,
        check.id,
        ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.FAILED),
    )
    follow = [o for o in service.search(dw.base.analyst.principal) if o.id != check.id]
    # Art 13: failed → restrict or suspend, by risk level (medium: restrict), on the failure as its trigger.
    assert [(o.measure, o.org_id, o.status, o.trigger, o.article) for o in follow] == [
        ("restrict", dw.cmcc.org.id, "issued", "reverify_failed", "第十三条")
    ]
    # Repeating the receipt brings no second follow-up.
    service.receipt(
        dw.cmcc.principal,
        check.id,
        ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.FAILED),
    )
    assert _count(platform, Order) == 2


def test_a_high_risk_card_that_fails_is_suspended_within_two_hours(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    service = disposal_of(platform)
    [check] = service.issue(
        dw.base.analyst.principal, order("phone", PHONE, Measure.REVERIFY, risk_level="high")
    )
    assert check.due_at == clock.now() + timedelta(hours=2)  # Art 13: re-verification graded by risk
    service.receipt(
        dw.cmcc.principal,
        check.id,
        ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.FAILED),
    )
    [follow] = [o for o in service.search(dw.base.analyst.principal) if o.id != check.id]
    assert (follow.measure, follow.risk_level) == ("suspend", "high")


def test_overdue_orders_are_reminded_then_reported_to_issuer_and_regulator(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    [late] = service.issue(police.principal, sampled(platform, police, "phone", PHONE, Measure.SUSPEND))
    assert escalate_overdue(service) == {"reminded": 0, "reported": 0}
    clock.advance(timedelta(minutes=31))
    assert escalate_overdue(service) == {"reminded": 1, "reported": 0}
    assert escalate_overdue(service) == {"reminded": 0, "reported": 0}  # one reminder, not one a minute
    clock.advance(timedelta(minutes=31))
    assert escalate_overdue(service) == {"reminded": 0, "reported": 1}
    with platform.sessions() as session:
        [report] = [e for e in outbox.read_after(session, 0, 100) if e.topic == "disposal.order.reported"]
    assert report.payload["order_id"] == late.id
    assert report.payload["issuer_org_id"] == dw.base.county_x.id
    assert report.payload["regulator_org_ids"] == [dw.reg_ca.id]


_NUMBERS = itertools.count()
_STEPS = st.lists(st.sampled_from(["fetch", *sorted(RECEIPT_STATUSES), "late"]), max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_STEPS)
def test_an_order_is_found_among_the_open_ones_exactly_while_it_is_open(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock, steps: list[str]
) -> None:
    """Fetches, receipts and time in any order: the board and the overdue scan, read through the
    open-orders indexes (closed_at empty), see the order exactly while its status is open."""
    service = disposal_of(platform)
    phone = f"138{next(_NUMBERS):08d}"  # a fresh object for every example
    police_user = dw.base.analyst
    [issued] = service.issue(
        police_user.principal, sampled(platform, police_user, "phone", phone, Measure.RESTRICT)
    )
    operator = dw.cmcc.principal
    for step in steps:
        if step == "fetch":
            service.search(operator, status="issued")
        elif step == "late":
            clock.advance(timedelta(hours=2))
        else:
            with contextlib.suppress(Conflict, ValidationFailed):  # not every receipt is legal now
                service.receipt(operator, issued.id, ReceiptCreate(status=OrderStatus(step), reason="核实"))
        with platform.sessions() as session:
            now = session.get(Order, issued.id)
            assert now is not None
            assert (now.closed_at is None) == (OrderStatus(now.status) in OPEN)
        police = dw.base.analyst.principal
        for status in OPEN:
            listed = [o.id for o in service.search(police, status=str(status), token=now.object_token)]
            assert listed == ([issued.id] if now.status == status else []), (status, now.status)
        overdue = [o.id for o in service.search(police, overdue=True, token=now.object_token)]
        late = now.closed_at is None and now.due_at < clock.now()
        assert overdue == ([issued.id] if late else [])


# Linked disposal (Art 28¶1) ----------------------------------------------------------------------


def test_a_new_sample_orders_the_responsible_institutions_once(platform: Platform, dw: DisposalWorld) -> None:
    police = dw.base.analyst.principal
    for kind, value in (("phone", PHONE), ("bank_card", CARD_A), ("payment_account", "alipay:2088001")):
        platform.samples.publish(
            police, SamplePublish(kind=kind, value=value, fraud_type=FraudType.FAKE_INVESTMENT)
        )
    assert run_policy(platform) > 0
    orders = disposal_of(platform).search(police)
    got = sorted((o.org_id, o.measure, o.issuer_org_id) for o in orders)
    assert got == sorted(
        [
            (dw.cmcc.org.id, "suspend", dw.base.county_x.id),
            (dw.base.bank_a.id, "suspend_business", dw.base.county_x.id),
            (dw.alipay.org.id, "restrict", dw.base.county_x.id),
        ]
    )
    assert all(o.sample_id is not None for o in orders)
    # Events delivered again (a crashed worker) issue nothing twice.
    assert platform.linked_disposal is not None
    with platform.sessions() as session:
        events = outbox.read_after(session, 0, 100, "samples.published.")
    for event in events:
        asyncio.run(platform.linked_disposal.publish(event))
    assert _count(platform, Order) == 3


def test_a_pending_report_orders_nothing_until_the_police_confirm(
    platform: Platform, dw: DisposalWorld
) -> None:
    sample, _ = platform.samples.publish(
        dw.base.bank_a_op.principal,
        SamplePublish(kind="bank_card", value=CARD_A, fraud_type=FraudType.FAKE_INVESTMENT),
    )
    run_policy(platform)
    assert _count(platform, Order) == 0
    platform.samples.decide(dw.base.analyst.principal, sample.id, True, "核实")
    run_policy(platform)
    [made] = disposal_of(platform).search(dw.base.analyst.principal)
    # 谁决定谁负责: the unit that confirmed the report issues the order.
    assert made.org_id == dw.base.bank_a.id and made.issuer_org_id == dw.base.county_x.id


def test_a_policy_can_be_narrowed_by_confidence(platform: Platform, dw: DisposalWorld) -> None:
    strict = LinkedDisposalPolicy(disposal_of(platform), min_confidence=90)
    platform.samples.publish(
        dw.base.analyst.principal,
        SamplePublish(kind="phone", value=PHONE, fraud_type=FraudType.FAKE_POLICE, confidence=60),
    )
    with platform.sessions() as session:
        [event] = outbox.read_after(session, 0, 100, "samples.published.")
    assert strict.apply(event) == []
    assert LinkedDisposalPolicy(disposal_of(platform)).apply(event) != []


def test_a_number_not_reverified_in_time_is_suspended(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    service = disposal_of(platform)
    [check] = service.issue(dw.base.analyst.principal, order("phone", PHONE, Measure.REVERIFY))
    clock.advance(timedelta(hours=23, minutes=59))
    assert escalate_overdue(service) == {"reminded": 0, "reported": 0}
    assert _count(platform, Order) == 1  # within its time (medium risk: 24 h) nothing is restricted
    clock.advance(timedelta(minutes=2))
    assert escalate_overdue(service) == {"reminded": 1, "reported": 0}
    follow = [o for o in service.search(dw.base.analyst.principal) if o.id != check.id]
    # Art 13 未按规定核验: late → the measure of its risk level, once.
    assert [(o.measure, o.org_id, o.status, o.trigger) for o in follow] == [
        ("restrict", dw.cmcc.org.id, "issued", "reverify_failed")
    ]
    assert str(check.id) in follow[0].reason
    clock.advance(timedelta(minutes=31))
    assert escalate_overdue(service) == {"reminded": 1, "reported": 1}  # the follow-up is late too
    assert _count(platform, Order) == 2
