"""Item 6 on SQLite and PostgreSQL: objections to a pro-rata return notice hold the return until decided."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied
from fanzha.funds import objections
from fanzha.funds.tables import Objection
from tests.funds_world import FundsWorld, make_funds_world
from tests.integration.test_funds_service import _decide_return, _frozen, _ret

PHONE = "13812345678"


@pytest.fixture
def fw(platform: Platform) -> FundsWorld:
    return make_funds_world(platform)


def test_an_undecided_objection_holds_the_return_and_a_dismissal_releases_it(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock, amount=100_001)
    _decide_return(service, fw, frozen.id)
    notice = service.publish_notice(fw.analyst.principal, frozen.id)
    row = objections.lodge(service, notice.id, "张某", PHONE, "该账户资金含本人货款", "203.0.113.9")
    assert row.status == objections.PENDING and PHONE not in row.phone_masked
    with platform.sessions() as session:
        stored = session.get_one(Objection, row.id)
        assert PHONE.encode() not in stored.phone_ciphertext and PHONE not in stored.phone_token
        lodged = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "funds.objection.lodge")
        ).one()
        assert PHONE not in lodged.detail
    clock.advance(timedelta(days=30))
    for method in ("pro_rata", "single"):
        with pytest.raises(Conflict) as error:
            service.order_return(fw.analyst.principal, frozen.id, _ret(method))
        assert "return.objection" in error.value.message_en
    # After the 30 days no objection is taken any more.
    with pytest.raises(Conflict):
        objections.lodge(service, notice.id, "王某", PHONE, "逾期异议", "203.0.113.9")
    # Only the police see and decide them.
    with pytest.raises(PermissionDenied):
        objections.listing(service, fw.bank_a.principal)
    assert [o.id for o in objections.listing(service, fw.analyst.principal, objections.PENDING)] == [row.id]
    decided = objections.decide(service, fw.analyst.principal, row.id, False, "货款已另行核实，与该账户无关")
    assert decided.status == objections.DISMISSED and decided.decided_by == fw.analyst.principal.username
    with pytest.raises(Conflict):
        objections.decide(service, fw.analyst.principal, row.id, True, "再次处理")
    with pytest.raises(NotFound):
        objections.decide(service, fw.analyst.principal, 999_999, True, "不存在")
    _, shares = service.order_return(fw.analyst.principal, frozen.id, _ret("pro_rata"))
    assert sum(s.amount_fen for s in shares) == 100_001
    with platform.sessions() as session:
        actions = set(
            session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("funds.objection%")))
        )
    assert actions == {"funds.objection.lodge", "funds.objection.list", "funds.objection.decide"}


def test_an_upheld_objection_closes_the_notice_and_no_pro_rata_return_rests_on_it(
    platform: Platform, fw: FundsWorld, clock: FrozenClock
) -> None:
    service, _, frozen = _frozen(platform, fw, clock, amount=100_001)
    _decide_return(service, fw, frozen.id)
    notice = service.publish_notice(fw.analyst.principal, frozen.id)
    row = objections.lodge(service, notice.id, "张某", PHONE, "该账户资金系本人合法收入", "203.0.113.9")
    objections.decide(service, fw.analyst.principal, row.id, True, "经核实异议成立")
    assert service.notices() == []
    with pytest.raises(NotFound):  # a closed notice takes no objection
        objections.lodge(service, notice.id, "王某", PHONE, "再提异议", "203.0.113.9")
    clock.advance(timedelta(days=30))
    with pytest.raises(Conflict) as error:
        service.order_return(fw.analyst.principal, frozen.id, _ret("pro_rata"))
    assert "return.objection" in error.value.message_en
