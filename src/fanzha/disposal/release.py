"""After execution: notices (Art 34¶1), measures in force, release (Art 34¶2), overdue escalation."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from fanzha.appeals.domain import new_code
from fanzha.audit.service import SYSTEM, Actor
from fanzha.db import appends
from fanzha.db.engine import reserve_ids
from fanzha.db.rows import among
from fanzha.disposal.domain import (
    FOLLOW_UP,
    OPEN,
    Escalation,
    Measure,
    OrderStatus,
    escalation_due,
    notice_text,
)
from fanzha.disposal.notices import OutgoingNotice, deliver
from fanzha.disposal.tables import Notice, Order
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.identity.tables import Organisation
from fanzha.samples.tables import Sample

if TYPE_CHECKING:
    from fanzha.disposal.service import DisposalService

log = logging.getLogger("fanzha.disposal")


def code_hash(code: str) -> str:
    """Notices keep only the SHA-256 of their appeal code."""
    return hashlib.sha256(code.encode()).hexdigest()


def record_notices(service: DisposalService, session: Session, orders: list[Order]) -> list[OutgoingNotice]:
    """Record executed orders' notices with fresh appeal codes in one statement; sent after commit."""
    if not orders:
        return []
    ids = reserve_ids(session, cast(Table, Notice.__table__), len(orders))
    now, rows, outgoing = service.clock.now(), [], []
    for notice_id, order in zip(ids, orders, strict=True):
        code = new_code()
        kind = IdentifierKind(order.object_kind)
        text = notice_text(kind, order.object_masked, Measure(order.measure), order.reason, code)
        # A number is told by SMS; for accounts, URLs and apps the institution forwards the notice.
        channel = "sms" if kind is IdentifierKind.PHONE else "institution"
        rows.append(
            {
                "id": notice_id,
                "order_id": order.id,
                "issuer_org_id": order.issuer_org_id,
                "object_kind": order.object_kind,
                "object_token": order.object_token,
                "code_hash": code_hash(code),
                "text": text,
                "channel": channel,
                "created_at": now,
            }
        )
        recipient = service.target_of(order).identifier.value if channel == "sms" else ""
        outgoing.append(OutgoingNotice(notice_id, channel, recipient, text))
    appends.insert_now(session, Notice, rows)
    return outgoing


def send_notices(service: DisposalService, notices: list[OutgoingNotice]) -> None:
    """Hand notices to the port after commit; a gateway failure leaves sent_at empty for the resend pass."""
    # Stops at the first gateway failure: a batch of 1000 receipts must not wait 1000 time-outs.
    sent, _ = deliver(service.notifier, notices)
    if sent:
        with service.uow() as uow:
            uow.session.execute(
                update(Notice).where(among(uow.session, Notice.id, sent)).values(sent_at=service.clock.now())
            )
            uow.commit()


def in_force(session: Session, token: str, *, derived: bool = False) -> list[Order]:
    """Orders whose measure restricts the object now, or may soon (open orders).

    `derived` adds the orders a sample on the object brought on other objects: the associated
    restrictions on its holder's accounts elsewhere (Art 18¶3, 20¶2), which fall with the sample.
    """
    states = [str(OrderStatus.EXECUTED), *(str(s) for s in OPEN)]
    on_object = Order.object_token == token
    if derived:
        samples = select(Sample.id).where(Sample.token == token).scalar_subquery()
        on_object = on_object | Order.sample_id.in_(samples)
    return list(
        session.scalars(
            select(Order)
            .where(on_object, Order.status.in_(states), Order.measure != str(Measure.RELEASE))
            .order_by(Order.id)
        )
    )


def release_object(
    service: DisposalService,
    session: Session,
    actor: Actor,
    token: str,
    issuer_org_id: int,
    reason: str,
    appeal_id: int | None,
) -> list[Order]:
    """Lift every measure on an object and those its sample brought on its holder; a release order each."""
    releases: list[Order] = []
    for order in in_force(session, token, derived=True):
        detail = {"reason": reason, "appeal_id": appeal_id}
        service.move(session, order, OrderStatus.RELEASED, actor.name, detail)
        outbox.record(session, service.clock, "disposal.order.released", service.payload(order))
        org = session.get(Organisation, order.org_id)
        assert org is not None
        releases.append(
            service.create(
                session,
                org=org,
                rule=service.rule(IdentifierKind(order.object_kind), Measure.RELEASE, OrgKind(org.kind)),
                target=service.target_of(order),
                issuer_org_id=issuer_org_id,
                issued_by=actor.name,
                reason=reason,
                releases_order_id=order.id,
                appeal_id=appeal_id,
                sample_id=order.sample_id,
            )
        )
    return releases


def escalate_overdue(service: DisposalService, limit: int = 5000) -> dict[str, int]:
    """A scheduled job: remind institutions of overdue orders, then report them to issuer and regulator."""
    now = service.clock.now()
    counts = {str(Escalation.REMINDED): 0, str(Escalation.REPORTED): 0}
    with service.uow() as uow:
        due = uow.session.scalars(
            select(Order)
            .where(Order.closed_at.is_(None), Order.due_at < now)  # open: through their own index
            .order_by(Order.id)
            .limit(limit)
            .with_for_update()
        ).all()
        for order in due:
            step = escalation_due(OrderStatus(order.status), Escalation(order.escalation), order.due_at, now)
            if step is None:
                continue
            order.escalation, order.updated_at = str(step), now
            payload = service.payload(order) | {"issuer_org_id": order.issuer_org_id}
            if step is Escalation.REPORTED:
                org = uow.session.get(Organisation, order.org_id)
                sector = OrgKind(org.kind) if org else OrgKind.BANK
                payload["regulator_org_ids"] = service.routing.regulators(uow.session, sector)
                kind = IdentifierKind(order.object_kind)
                if org is not None and order.measure == Measure.REVERIFY and kind in FOLLOW_UP:
                    # Art 13, 18¶3, 20¶2: not re-verified in time → restrict or suspend.
                    follow = service.create(
                        uow.session,
                        org=org,
                        rule=service.rule(kind, FOLLOW_UP[kind], sector),
                        target=service.target_of(order),
                        issuer_org_id=order.issuer_org_id,
                        issued_by="system",
                        reason=f"未按期完成核验（指令 {order.id}）；{order.reason}"[:500],
                        evidence_ref=order.evidence_ref,
                        confidential=order.confidential,
                        sample_id=order.sample_id,
                    )
                    payload["follow_up_order_id"] = follow.id
            outbox.record(uow.session, service.clock, f"disposal.order.{step}", payload)
            service.audit.record(
                uow.session, SYSTEM, f"order.{step}", object_type="order", object_id=order.id, detail=payload
            )
            counts[str(step)] += 1
        uow.commit()
    return counts
