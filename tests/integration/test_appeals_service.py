"""Appeals on SQLite and PostgreSQL: from the notice's code to release everywhere, or a reasoned rejection."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from fanzha.appeals.domain import AppealStatus
from fanzha.appeals.service import AppealService
from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.disposal.domain import Measure, OrderStatus, Verification
from fanzha.disposal.release import in_force
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Order
from fanzha.events import outbox
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish
from fanzha.samples.tables import Sample
from tests.integration.test_disposal_service import (
    PHONE,
    DisposalWorld,
    disposal_of,
    make_disposal_world,
    order,
    run_policy,
)


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


def appeals_of(platform: Platform) -> AppealService:
    assert platform.appeals is not None
    return platform.appeals


def executed_everywhere(platform: Platform, dw: DisposalWorld) -> tuple[str, list[Order]]:
    """Journey 3's measures: the operator suspends the number, two platforms restrict its accounts."""
    service = disposal_of(platform)
    platform.samples.publish(
        dw.base.analyst.principal,
        SamplePublish(kind="phone", value=PHONE, fraud_type=FraudType.FAKE_CUSTOMER_SERVICE),
    )
    run_policy(platform)
    # Art 20¶2: the platforms re-verify the accounts registered with the number; they fail, so restrict.
    for platform_user in (dw.wechat, dw.qq):
        service.issue(
            dw.base.analyst.principal,
            order(
                "phone",
                PHONE,
                Measure.ASSOCIATED_REVERIFY,
                org_id=platform_user.org.id,
                trigger="associated_account",
            ),
        )
    people = {dw.cmcc.org.id: dw.cmcc, dw.wechat.org.id: dw.wechat, dw.qq.org.id: dw.qq}
    done: set[int] = set()
    while todo := [o for o in service.search(dw.base.analyst.principal) if o.id not in done]:
        for item in todo:
            failed = Verification.FAILED if item.measure == Measure.ASSOCIATED_REVERIFY else None
            receipt = ReceiptCreate(status=OrderStatus.EXECUTED, verification=failed)
            service.receipt(people[item.org_id].principal, item.id, receipt)
            done.add(item.id)
    orders = [
        o for o in service.search(dw.base.analyst.principal) if o.measure != Measure.ASSOCIATED_REVERIFY
    ]
    codes = {n.text: m.group(1) for n in dw.notifier.sent if (m := re.search(r"申诉码 ([A-Z0-9]+)", n.text))}
    assert len(codes) == 5  # one notice per order: suspension, two re-verifications, two restrictions
    [suspension] = [c for text, c in codes.items() if "暂停使用" in text]
    return suspension, orders


def test_an_upheld_appeal_releases_every_measure_and_revokes_the_sample(
    platform: Platform, dw: DisposalWorld
) -> None:
    code, orders = executed_everywhere(platform, dw)
    service = appeals_of(platform)
    notice, masked, live = service.notice_view(code)
    assert live == 3 and masked.endswith("5678") and "暂停使用" in notice.text
    appeal = service.submit(
        code, "我是快递员，每天给客户打电话", "正常工作使用", ["工作证明.pdf"], "10.1.1.1"
    )
    assert appeal.status == AppealStatus.SUBMITTED and appeal.deciding_org_id == dw.base.county_x.id
    # The deciding unit and the province above it see it; a sibling county does not.
    assert [a.id for a in service.queue(dw.base.analyst.principal)] == [appeal.id]
    with pytest.raises(NotFound):
        service.decide(_county_y_analyst(platform, dw), appeal.id, True, "核实无误")
    service.review(dw.base.analyst.principal, appeal.id)
    decided, releases = service.decide(dw.base.analyst.principal, appeal.id, True, "经核实为正常快递业务")
    assert decided.status == AppealStatus.RELEASED
    assert sorted(r.org_id for r in releases) == sorted({o.org_id for o in orders})
    assert all(r.measure == Measure.RELEASE and r.appeal_id == appeal.id for r in releases)
    with platform.sessions() as session:
        originals = list(
            session.scalars(select(Order).where(Order.measure.not_in(["release", "associated_reverify"])))
        )
        sample = session.scalars(select(Sample)).one()
        topics = [e.topic for e in outbox.read_after(session, 0, 1000)]
    assert {o.status for o in originals} == {"released"}
    assert sample.status == "revoked" and "申诉成立" in sample.status_reason
    assert "samples.revoked.phone" in topics and "appeals.decided" in topics
    with platform.sessions() as session:
        assert in_force(session, sample.token) == []  # nothing in force any more
    told = dw.notifier.sent[-1]
    assert told.recipient == "+86" + PHONE and "申诉成立" in told.text
    assert service.status(appeal.number).status == AppealStatus.RELEASED
    # The institution sees the release order on its board.
    cmcc_orders = disposal_of(platform).search(dw.cmcc.principal)
    assert any(o.measure == "release" and o.status == "delivered" for o in cmcc_orders)
    # A released decision cannot be changed without a new appeal.
    with pytest.raises(Conflict):
        service.decide(dw.base.analyst.principal, appeal.id, False, "改判")
    with platform.sessions() as session:
        actions = {r.action for r in session.scalars(select(AuditRecord))}
    assert {"appeal.submit", "appeal.review", "appeal.decide", "order.issue", "order.receipt"} <= actions


def _county_y_analyst(platform: Platform, dw: DisposalWorld):  # type: ignore[no-untyped-def]
    from fanzha.identity.domain import Role
    from tests.factories import make_user

    return make_user(platform, "yanalyst", dw.base.county_y, Role.ANALYST).principal


def test_a_rejected_appeal_gives_the_reason_and_a_new_appeal_may_follow(
    platform: Platform, dw: DisposalWorld
) -> None:
    code, _ = executed_everywhere(platform, dw)
    service = appeals_of(platform)
    first = service.submit(code, "号码一直是我本人使用", "误判", [], "10.1.1.1")
    with pytest.raises(Conflict):  # one open appeal per object
        service.submit(code, "再次申诉同一号码", "误判", [], "10.1.1.1")
    with pytest.raises(ValidationFailed):
        service.decide(dw.base.analyst.principal, first.id, False, "  ")
    decided, releases = service.decide(dw.base.analyst.principal, first.id, False, "通话记录显示冒充客服话术")
    assert decided.status == AppealStatus.REJECTED and releases == []
    assert service.status(first.number).decision_reason == "通话记录显示冒充客服话术"
    assert "不成立" in dw.notifier.sent[-1].text
    with platform.sessions() as session:
        assert {o.status for o in session.scalars(select(Order))} == {"executed"}  # nothing lifted
    with pytest.raises(Conflict):
        service.decide(dw.base.analyst.principal, first.id, True, "改判")
    second = service.submit(code, "补充了劳动合同", "新证据", ["劳动合同.pdf"], "10.1.1.1")
    assert second.id != first.id and second.status == AppealStatus.SUBMITTED


def test_the_portal_refuses_unknown_codes_and_institutions_cannot_decide(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    code, _ = executed_everywhere(platform, dw)
    service = appeals_of(platform)
    with pytest.raises(NotFound):
        service.notice_view("ABCDEFGHJK")
    with pytest.raises(ValidationFailed):
        service.notice_view("not a code!")
    with pytest.raises(NotFound):
        service.status("ABCDEFGHJKLM")
    appeal = service.submit(code, "我是快递员，每天给客户打电话", "正常工作使用", [], "10.1.1.1")
    with pytest.raises(PermissionDenied):
        service.queue(dw.cmcc.principal)
    with pytest.raises(NotFound):
        service.decide(dw.cmcc.principal, appeal.id, True, "自行解除")
    clock.advance(timedelta(days=4))
    assert service.queue(dw.base.analyst.principal)[0].due_at < clock.now()  # overdue shows in the queue
