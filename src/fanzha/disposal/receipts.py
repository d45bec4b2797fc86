"""Receipts, notices delivered, follow-up measures and the police units' tasks (Art 13, 34¶1)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.errors import Conflict, FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.rows import among, flush_alike
from fanzha.disposal.domain import (
    REVERIFY_MEASURES,
    Measure,
    OrderStatus,
    RiskLevel,
    Trigger,
    Verification,
    check_receipt,
    follow_up,
    path_to,
)
from fanzha.disposal.orders import OrderCore
from fanzha.disposal.release import due_notices, render, send_notices
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Notice, Order, Task
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import actor_of, refused
from fanzha.identity.tables import Organisation

log = logging.getLogger("fanzha.disposal")


class ReceiptWork(OrderCore):
    """What comes back from institutions, and what a failed or late re-verification leads to."""

    def receipt(self, principal: Principal, order_id: int, data: ReceiptCreate) -> Order:
        """An institution reports on its order; repeating the same receipt changes nothing."""
        outcome = self.receipts(principal, [(order_id, data)])[0]
        if isinstance(outcome, FanzhaError):
            raise outcome
        return outcome

    def receipts(
        self, principal: Principal, items: list[tuple[int, ReceiptCreate]]
    ) -> list[Order | FanzhaError]:
        """Receipts in one transaction, each applied or refused on its own, their rows written together."""
        outcomes: list[Order | FanzhaError] = []
        told: list[Order] = []
        with self.uow() as uow:
            session = uow.session
            ids = [order_id for order_id, _ in items]
            # Locked in one query; the checks below then read the identity map, not the database.
            held = {
                o.id: o
                for o in session.scalars(select(Order).where(among(session, Order.id, ids)).with_for_update())
            }
            notices = {
                n.order_id: n
                for n in session.scalars(select(Notice).where(among(session, Notice.order_id, list(held))))
            }
            now = self.clock.now()
            with session.no_autoflush:  # the orders' changes are written below, alike ones together
                for order_id, data in items:
                    try:
                        order = self._receivable(principal, held.get(order_id), order_id, data)
                        self._check_delivery(order, notices.get(order.id), data)
                    except FanzhaError as error:
                        outcomes.append(error)
                        continue
                    # A retried receipt changes nothing: the first answer stands.
                    if order.status != data.status and self._apply_receipt(
                        session, principal, order, data, now
                    ):
                        told.append(order)
                        notice = notices.get(order.id)
                        if notice is not None and notice.channel == "institution" and data.notice_delivered:
                            # Art 34¶1: the institution delivered the notice and confirms it here.
                            notice.sent_at, notice.delivered_by = now, principal.username
                    outcomes.append(order)
            flush_alike(session, Order, held.values())
            outgoing = due_notices(self, session, told)
            uow.commit()
        for outcome in outcomes:
            if isinstance(outcome, FanzhaError) and outcome.denial is not None:
                self.identity.deny(principal, *outcome.denial)  # audited after the batch committed
        send_notices(self, outgoing)
        return outcomes

    @staticmethod
    def _check_delivery(order: Order, notice: Notice | None, data: ReceiptCreate) -> None:
        """Art 34¶1: an institution delivering a notice confirms the delivery in its execution receipt."""
        if (
            data.status is OrderStatus.EXECUTED
            and order.status != data.status
            and notice is not None
            and notice.channel == "institution"
            and not data.notice_delivered
        ):
            raise ValidationFailed(
                "该指令的告知书由本机构送达：执行回执须确认已向被处置对象送达告知书（第三十四条第一款）",
                "Your institution delivers this order's notice: the execution receipt must confirm its "
                "delivery (notice_delivered, Art 34¶1)",
                field="notice_delivered",
            )

    def notice_for(self, principal: Principal, order_id: int) -> str | None:
        """The notice the order's institution delivers, with its appeal code (audited); None otherwise."""
        with self.uow() as uow:
            order = uow.session.get(Order, order_id)
            if order is None or order.org_id != principal.org_id:
                return None
            notice = uow.session.scalars(select(Notice).where(Notice.order_id == order.id)).first()
            if notice is None or notice.channel != "institution":
                return None
            self.audit.record(
                uow.session,
                actor_of(principal),
                "notice.read",
                object_type="notice",
                object_id=notice.id,
                source_ip=principal.source_ip,
            )
            text = render(self, uow.session, notice)
            uow.commit()
            return text

    def _receivable(
        self, principal: Principal, order: Order | None, order_id: int, data: ReceiptCreate
    ) -> Order:
        """The order a receipt may answer, or the refusal; changes nothing."""
        check_receipt(data.status, data.reason)
        if order is None or order.org_id != principal.org_id:
            # An institution answers only its own orders; "absent" and "not yours" answer alike.
            raise refused(
                NotFound("指令不存在或不属于本单位", "No such order for your organisation", field="order_id"),
                "order.receipt",
                "order",
                order_id,
            )
        if order.status == data.status:
            return order
        if (
            data.status is OrderStatus.EXECUTED
            and Measure(order.measure) in REVERIFY_MEASURES
            and data.verification is None
        ):
            raise ValidationFailed(
                "核验指令的执行回执须注明核验结果（passed 或 failed）",
                "A re-verification receipt needs verification: passed or failed",
                field="verification",
            )
        path_to(OrderStatus(order.status), data.status)  # Conflict now, before anything changed
        return order

    def _apply_receipt(
        self, session: Session, principal: Principal, order: Order, data: ReceiptCreate, at: datetime
    ) -> bool:
        """Move the order, record event and audit entry; whether its person is to be told."""
        detail = {"reason": data.reason, "verification": data.verification}
        self.move(session, order, data.status, principal.username, detail, at)
        order.receipt_reason = data.reason
        told = False
        if data.status is OrderStatus.EXECUTED:
            is_reverify = Measure(order.measure) in REVERIFY_MEASURES
            order.verification = str(data.verification) if is_reverify and data.verification else None
            told = self._after_execution(session, order)
        outbox.record(session, self.clock, f"disposal.order.{data.status}", self.payload(order))
        self.audit.record(
            session,
            actor_of(principal),
            "order.receipt",
            object_type="order",
            object_id=order.id,
            source_ip=principal.source_ip,
            detail={"status": str(data.status), "reason": data.reason},
        )
        return told

    def _after_execution(self, session: Session, order: Order) -> bool:
        """Follow-up of an executed order (Art 13 re-verification); whether a notice is due (Art 34¶1)."""
        if Measure(order.measure) is Measure.RELEASE:
            return False
        if order.verification == Verification.FAILED:
            # Art 13, 18¶3, 20¶2: a failed re-verification → the measure its risk level calls for.
            self.follow_up(session, order, "核验未通过")
        return not order.confidential  # Art 34¶1: no notice where secrecy is required by law

    def follow_up(self, session: Session, order: Order, why: str) -> Order | None:
        """The measure after a failed or late re-verification, to the same institution, once per order."""
        kind, measure = IdentifierKind(order.object_kind), Measure(order.measure)
        risk = RiskLevel(order.risk_level)
        nxt = follow_up(kind, measure, risk)
        if nxt is None:
            return None
        key = f"follow:{order.id}"
        if session.scalars(select(Order.id).where(Order.dedupe_key == key)).first() is not None:
            return None  # failed after it was late, or late twice: one follow-up
        org = session.get(Organisation, order.org_id)
        assert org is not None
        return self.create(
            session,
            org=org,
            rule=self.rule(kind, nxt, OrgKind(org.kind), Trigger.REVERIFY_FAILED, risk),
            target=self.target_of(order),
            issuer_org_id=order.issuer_org_id,
            issued_by="system",
            reason=f"{why}（指令 {order.id}）；{order.reason}"[:500],
            evidence_ref=order.evidence_ref,
            confidential=order.confidential,
            sample_id=order.sample_id,
            dedupe_key=key,
            risk_level=risk,
            basis=order.basis,
        )

    # Tasks of police units (Art 13) ----------------------------------------------------------------

    def tasks(self, principal: Principal, *, open_only: bool = True) -> list[Task]:
        """The tasks of the principal's police unit, oldest deadline first."""
        if not principal.org_kind.is_police:
            raise PermissionDenied("只有公安机关有处置任务", "Only police units have tasks", field="org")
        query = select(Task).where(Task.org_id == principal.org_id).order_by(Task.due_at, Task.id)
        if open_only:
            query = query.where(Task.closed_at.is_(None))
        with self.uow(read_only=True) as uow:
            rows = list(uow.session.scalars(query))
            uow.session.expunge_all()
            return rows

    def close_task(self, principal: Principal, task_id: int, report: str) -> Task:
        """Art 13: the unit closes its task with a report of what it did; a closed task stays closed."""
        text = report.strip()
        if not text:
            raise ValidationFailed("关闭任务须填写处置情况", "Closing a task needs a report", field="report")
        with self.identity.guarded(principal), self.uow() as uow:
            task = uow.session.get(Task, task_id, with_for_update=True)
            if task is None or task.org_id != principal.org_id:
                raise refused(
                    NotFound("任务不存在或不属于本单位", "No such task for your unit", field="task_id"),
                    "task.close",
                    "task",
                    task_id,
                )
            if task.closed_at is not None:
                raise Conflict("任务已关闭", "The task is closed already", field="task_id")
            task.closed_at, task.closed_by, task.report = self.clock.now(), principal.username, text[:1000]
            self.audit.record(
                uow.session,
                actor_of(principal),
                "task.close",
                object_type="task",
                object_id=task.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return task
