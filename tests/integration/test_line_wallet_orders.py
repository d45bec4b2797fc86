"""Art 11 lines and Art 33 wallets through the disposal orders: re-verification with its deadline, the
measure that follows a failure, and a wallet ordered through the exchange that serves it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import ValidationFailed
from fanzha.disposal.domain import Measure, OrderStatus, Trigger, Verification
from fanzha.disposal.schemas import OrderCreate, ReceiptCreate
from fanzha.identifiers import normalise
from tests.integration.test_disposal_service import (
    DisposalWorld,
    disposal_of,
    make_disposal_world,
    routing_of,
)

PORT = "10690123456789"  # an SMS port: not routed by segment, the operator that gave access acts
TRUNK = "+8673122780275"
WALLET = "T9yED5xMV5ARV98BexN97aLZ1UUq7eKSxm"


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


def _line(
    value: str, org_id: int | None, risk: str = "medium", measure: Measure = Measure.REVERIFY_LINE
) -> OrderCreate:
    body: dict[str, object] = {
        "kind": "phone",
        "value": value,
        "measure": measure,
        "reason": "LineAbuseV1：实际内容为金融、冒充类，与接入时申报的使用场景不符（第十一条）",
        "risk_level": risk,
    }
    if org_id is not None:
        body["org_id"] = org_id
    return OrderCreate.model_validate(body)


@pytest.mark.parametrize(
    ("risk", "hours", "after"), [("high", 2, "stop_line"), ("medium", 24, "restrict_line")]
)
def test_an_abnormal_line_is_reverified_by_its_deadline_then_restricted_or_stopped(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock, risk: str, hours: int, after: str
) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    [check] = service.issue(police.principal, _line(PORT, dw.cucc.org.id, risk))
    assert (check.measure, check.trigger, check.article) == ("reverify_line", "monitoring_alert", "第十一条")
    assert check.due_at == clock.now() + timedelta(hours=hours)  # graded by risk like Art 13
    with pytest.raises(ValidationFailed):  # the result of the re-verification is required
        service.receipt(dw.cucc.principal, check.id, ReceiptCreate(status=OrderStatus.EXECUTED))
    service.receipt(
        dw.cucc.principal,
        check.id,
        ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.FAILED),
    )
    [follow] = [o for o in service.search(police.principal) if o.id != check.id]
    # Art 11 根据核验结果采取相应处置措施, to the same operator, on the failure as its trigger.
    assert (follow.measure, follow.org_id, follow.trigger, follow.article) == (
        after,
        dw.cucc.org.id,
        "reverify_failed",
        "第十一条",
    )


def test_a_line_that_passes_reverification_brings_nothing_more(platform: Platform, dw: DisposalWorld) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    [check] = service.issue(police.principal, _line(TRUNK, dw.cmcc.org.id))
    service.receipt(
        dw.cmcc.principal,
        check.id,
        ReceiptCreate(status=OrderStatus.EXECUTED, verification=Verification.PASSED),
    )
    assert [o.id for o in service.search(police.principal)] == [check.id]


def test_line_orders_are_refused_without_the_operator_or_with_a_measure_art_11_does_not_grant(
    platform: Platform, dw: DisposalWorld
) -> None:
    service, police = disposal_of(platform), dw.base.analyst
    with pytest.raises(ValidationFailed) as error:  # a trunk number routes nowhere: name the operator
        service.issue(police.principal, _line(TRUNK, None))
    assert error.value.field == "org_id"
    with pytest.raises(ValidationFailed) as error:  # stopping a line needs a failed re-verification first
        service.issue(police.principal, _line(PORT, dw.cucc.org.id, measure=Measure.STOP_LINE))
    assert "第十一条" in error.value.message_zh
    with pytest.raises(ValidationFailed):  # an internet platform gives no line access
        service.issue(police.principal, _line(PORT, dw.qq.org.id))
    assert service.search(police.principal) == []


def test_a_wallet_is_ordered_through_the_exchange_that_serves_it(
    platform: Platform, dw: DisposalWorld
) -> None:
    routing, service, police = routing_of(platform), disposal_of(platform), dw.base.analyst
    with pytest.raises(ValidationFailed) as error:  # a bad address names the line, nothing imported
        routing.import_csv(dw.base.admin.principal, "wallet", b"address,org_code\nnot-a-wallet,net-qq\n")
    assert error.value.field == "line 2"
    with pytest.raises(ValidationFailed):  # a bank does not serve wallets
        routing.import_csv(dw.base.admin.principal, "wallet", f"address,org_code\n{WALLET},bank-a\n".encode())
    routing.import_csv(dw.base.admin.principal, "wallet", f"address,org_code\n{WALLET},net-qq\n".encode())
    with platform.sessions() as session:
        assert routing.responsible(session, normalise("wallet", WALLET)) == [dw.qq.org.id]
    data = OrderCreate.model_validate(
        {
            "kind": "wallet",
            "value": WALLET,
            "measure": "stop_exchange",
            "reason": "CryptoCashoutV1（第三十三条）",
        }
    )
    [stop] = service.issue(police.principal, data)
    assert (stop.org_id, stop.measure, stop.trigger, stop.article) == (
        dw.qq.org.id,
        "stop_exchange",
        str(Trigger.ALERT),
        "第三十三条",
    )
    assert stop.object_masked != WALLET  # the wallet is kept as a token and a mask
