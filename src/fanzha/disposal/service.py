"""Use cases of disposal: issue orders, deliver them, take receipts (Art 13, 18, 20, 23, 28¶1)."""

from __future__ import annotations

from sqlalchemy import select

from fanzha.disposal.domain import (
    OPEN,
)
from fanzha.disposal.orders import JOINT_PUNISHMENT_UNITS, OrderCore, Target
from fanzha.disposal.receipts import ReceiptWork
from fanzha.disposal.tables import Order, OrderEvent
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of

__all__ = ["JOINT_PUNISHMENT_UNITS", "DisposalService", "OrderCore", "Target"]


class DisposalService(ReceiptWork):
    """Disposal orders: who must do what to which object, by when, and on what legal basis."""

    def search(
        self,
        principal: Principal,
        *,
        status: str | None = None,
        org_id: int | None = None,
        token: str | None = None,
        overdue: bool = False,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Order]:
        """Newest first; institutions see their own orders only, police all of them."""
        query = select(Order).order_by(Order.id.desc()).limit(limit)
        if principal.org_kind.is_department:
            query = query.where(
                (Order.issuer_org_id == principal.org_id) | Order.article.startswith("第二十三条")
            )
            if org_id is not None:
                query = query.where(Order.org_id == org_id)
        elif not principal.org_kind.is_police:
            query = query.where(Order.org_id == principal.org_id)
        elif org_id is not None:
            query = query.where(Order.org_id == org_id)
        if before is not None:
            query = query.where(Order.id < before)
        if status:
            query = query.where(Order.status == status)
        if status in OPEN or overdue:
            query = query.where(Order.closed_at.is_(None))  # open orders: read through their own index
        if token:
            query = query.where(Order.object_token == token)
        if overdue:
            query = query.where(Order.due_at < self.clock.now())
        with self.uow(read_only=True) as uow:
            orders = list(uow.session.scalars(query).all())
            uow.session.expunge_all()  # loaded, they outlive the session's closing rollback
        if not self._fresh(principal, orders):
            return orders
        # Fetching is delivery, written apart: a poll that finds nothing new keeps no writer waiting.
        with self.uow() as uow:
            self._delivered(uow.session, principal, orders)
            uow.commit()
        return orders

    def get(self, principal: Principal, order_id: int) -> tuple[Order, list[OrderEvent], str | None]:
        """An order, its timeline and the raw object (for its institution and police; audited)."""
        with self.identity.guarded(principal), self.uow() as uow:
            order = self._visible(uow.session, principal, order_id, "order.read")
            self._delivered(uow.session, principal, [order])
            events = list(
                uow.session.scalars(
                    select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
                )
            )
            value = self.target_of(order).identifier.value if order.object_ciphertext else None
            # Art 26: the raw identifier is personal information; every read is audited.
            self.audit.record(
                uow.session,
                actor_of(principal),
                "order.read",
                object_type="order",
                object_id=order.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return order, events, value

    # Receipts -----------------------------------------------------------------------------------
