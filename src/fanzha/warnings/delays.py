"""Bank delays for warnings (Art 18¶4), through disposal: requested on a delayed payer or an unsettled high
warning, released when the person is dissuaded or the alarm was false.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.disposal.domain import Measure, MeasureRule, OrderStatus, Routing, Trigger, rule_for
from fanzha.disposal.orders import OrderCore, Target
from fanzha.disposal.tables import Holding, Order
from fanzha.events import outbox
from fanzha.identifiers import Identifier, IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.identity.tables import Organisation
from fanzha.warnings.domain import BASIS_18_4
from fanzha.warnings.people import police_unit
from fanzha.warnings.tables import WarnDelay, Warning_

ACCOUNT_KINDS = (IdentifierKind.BANK_CARD, IdentifierKind.PAYMENT_ACCOUNT)
RELEASE_DEADLINE = timedelta(minutes=30)
_LIVE = (OrderStatus.ISSUED, OrderStatus.DELIVERED, OrderStatus.ACKNOWLEDGED, OrderStatus.EXECUTED)


def _order(
    disposal: OrderCore, session: Session, warning: Warning_, org: Organisation, target: Target, actor: str
) -> Order:
    # Art 18¶4: a transfer whose payee is a fraud account may be delayed at once (有权直接采取延迟支付结算).
    rule = rule_for(target.identifier.kind, Measure.DELAY_SETTLEMENT, OrgKind(org.kind), Trigger.FRAUD_PAYEE)
    order = disposal.create(
        session,
        org=org,
        rule=rule,
        target=target,
        issuer_org_id=police_unit(session, warning.county_code).id,
        issued_by=actor,
        reason=f"预警劝阻（第{warning.id}号预警）：客户疑似正在被骗，延迟其向外转账的结算（{BASIS_18_4[0]}）",
        confidential=True,  # the person is being warned by the police, not served a notice
    )
    session.add(
        WarnDelay(warning_id=warning.id, order_id=order.id, role="delay", created_at=disposal.clock.now())
    )
    return order


def delay_payer(
    disposal: OrderCore, session: Session, warning: Warning_, org: Organisation, payer: Identifier, actor: str
) -> Order:
    """Record the payer's bank's own delay (Art 18¶4) as an order to it, so its release can follow."""
    return _order(disposal, session, warning, org, disposal.target(payer), actor)


def delay_accounts(disposal: OrderCore, session: Session, warning: Warning_, actor: str) -> list[Order]:
    """Ask every bank and payment institution holding the person's accounts to delay outgoing transfers."""
    have = set(
        session.scalars(
            select(Order.object_token)
            .join(WarnDelay, WarnDelay.order_id == Order.id)
            .where(WarnDelay.warning_id == warning.id, WarnDelay.role == "delay")
        )
    )
    holdings = session.scalars(
        select(Holding)
        .where(
            Holding.holder_token == warning.person_token,
            Holding.withdrawn_at.is_(None),
            Holding.object_kind.in_([str(k) for k in ACCOUNT_KINDS]),
        )
        .order_by(Holding.id)
    ).all()
    orders = []
    for h in holdings:
        org = session.get(Organisation, h.org_id)
        if org is None or h.object_token in have:
            continue
        identifier = disposal.vault.decrypt(h.object_kind, h.object_token, h.object_ciphertext)
        target = Target(identifier, h.object_token, h.object_masked, h.object_ciphertext)
        orders.append(_order(disposal, session, warning, org, target, actor))
    return orders


def release_delays(
    disposal: OrderCore, session: Session, warning: Warning_, actor: str, reason: str
) -> list[Order]:
    """Lift the warning's delays: each order released and a release order to its bank (Art 18¶4)."""
    now = disposal.clock.now()
    releases = []
    ids = session.scalars(
        select(WarnDelay.order_id).where(WarnDelay.warning_id == warning.id, WarnDelay.role == "delay")
    ).all()
    for order_id in ids:
        order = session.get(Order, order_id, with_for_update=True)
        if order is None or OrderStatus(order.status) not in _LIVE:
            continue
        disposal.move(session, order, OrderStatus.RELEASED, actor, {"reason": reason})
        outbox.record(session, disposal.clock, "disposal.order.released", disposal.payload(order))
        org = session.get(Organisation, order.org_id)
        assert org is not None
        kind = IdentifierKind(order.object_kind)
        # Not an appeal's release (Art 34¶2): the emergency of Art 18¶4 is over for this person.
        rule = MeasureRule(
            kind, Measure.RELEASE, OrgKind(org.kind), Trigger.FRAUD_PAYEE, BASIS_18_4[0], BASIS_18_4[1],
            RELEASE_DEADLINE, Routing.TABLE,
        )  # fmt: skip
        release = disposal.create(
            session,
            org=org,
            rule=rule,
            target=disposal.target_of(order),
            issuer_org_id=order.issuer_org_id,
            issued_by=actor,
            reason=reason[:500],
            releases_order_id=order.id,
            confidential=True,
        )
        session.add(WarnDelay(warning_id=warning.id, order_id=release.id, role="release", created_at=now))
        releases.append(release)
    return releases
