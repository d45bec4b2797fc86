"""The home page's work queue: what waits for this person now, most urgent first, and a 14-day trend."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from fanzha.appeals.tables import Appeal
from fanzha.disposal.domain import OPEN
from fanzha.disposal.tables import Order
from fanzha.funds.tables import Instruction
from fanzha.identity.domain import OrgKind, Permission, Principal
from fanzha.samples.tables import Sample
from fanzha.web import charts

SHANGHAI = ZoneInfo("Asia/Shanghai")
TREND_DAYS = 14
APPEAL_DUE_SOON = timedelta(hours=24)
_OPEN_ORDER = Order.status.in_([str(s) for s in OPEN])
_OPEN_APPEAL = Appeal.status.in_(["submitted", "reviewing"])


@dataclass(frozen=True)
class QueueItem:
    """One kind of waiting work: its label key, how many, where to do it, and whether it is late."""

    key: str
    count: int
    href: str
    urgent: bool = False


def _count(session: Session, model: type, *where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _institution_orders(session: Session, p: Principal, now: datetime) -> list[QueueItem]:
    mine = Order.org_id == p.org_id
    return [
        QueueItem("work.orders_overdue", _count(session, Order, mine, _OPEN_ORDER, Order.due_at < now),
                  "/disposal/orders?view=overdue", urgent=True),
        QueueItem("work.orders_new", _count(session, Order, mine, Order.status.in_(["issued", "delivered"])),
                  "/disposal/orders?view=new"),
    ]  # fmt: skip


def _issued_orders(session: Session, p: Principal, now: datetime) -> list[QueueItem]:
    ours = Order.issuer_org_id == p.org_id
    overdue = _count(session, Order, ours, _OPEN_ORDER, Order.due_at < now)
    return [QueueItem("work.issued_overdue", overdue, "/disposal/orders?view=overdue", urgent=True)]


def _samples(session: Session, p: Principal, now: datetime) -> list[QueueItem]:
    pending = _count(session, Sample, Sample.status == "pending")
    return [QueueItem("work.samples_pending", pending, "/samples/queue")]


def _appeals(session: Session, p: Principal, now: datetime) -> list[QueueItem]:
    ours = Appeal.deciding_org_id == p.org_id
    return [
        QueueItem("work.appeals_overdue", _count(session, Appeal, ours, _OPEN_APPEAL, Appeal.due_at < now),
                  "/appeals", urgent=True),
        QueueItem("work.appeals_due_soon",
                  _count(session, Appeal, ours, _OPEN_APPEAL, Appeal.due_at >= now,
                         Appeal.due_at < now + APPEAL_DUE_SOON), "/appeals"),
    ]  # fmt: skip


def _funds_inbox(session: Session, p: Principal, now: datetime) -> list[QueueItem]:
    waiting = (Instruction.org_id == p.org_id, Instruction.status == "issued")
    return [
        QueueItem("work.funds_overdue", _count(session, Instruction, *waiting, Instruction.due_at < now),
                  "/funds/inbox", urgent=True),
        QueueItem("work.funds_waiting", _count(session, Instruction, *waiting), "/funds/inbox"),
    ]  # fmt: skip


def _funds_issued(session: Session, p: Principal, now: datetime) -> list[QueueItem]:
    ours = (Instruction.issuer_org_id == p.org_id, Instruction.status == "issued", Instruction.due_at < now)
    return [QueueItem("work.funds_unanswered", _count(session, Instruction, *ours), "/funds", urgent=True)]


# Which queue each permission opens: a person sees only the work their role does.
SOURCES: tuple[tuple[Permission, Callable[[Session, Principal, datetime], list[QueueItem]]], ...] = (
    (Permission.ORDER_RECEIPT, _institution_orders),
    (Permission.ORDER_ISSUE, _issued_orders),
    (Permission.SAMPLE_DECIDE, _samples),
    (Permission.APPEAL_DECIDE, _appeals),
    (Permission.FUNDS_RECEIPT, _funds_inbox),
    (Permission.FUNDS_WORK, _funds_issued),
)


def work_of(session: Session, principal: Principal, now: datetime) -> list[QueueItem]:
    """Every queue this principal's role works, late work first, then the largest."""
    items = [item for permission, source in SOURCES if principal.can(permission)
             for item in source(session, principal, now)]  # fmt: skip
    return sorted(items, key=lambda i: (not (i.urgent and i.count), -i.count))


def order_trend(
    session: Session, principal: Principal, now: datetime, _: Callable[[str], str]
) -> charts.Chart | None:
    """Orders received (institutions) or issued (police) per day over the last two weeks, and closed."""
    if not principal.can(Permission.ORDER_READ):
        return None
    column = Order.org_id if principal.can(Permission.ORDER_RECEIPT) else Order.issuer_org_id
    scope = [] if principal.org_kind == OrgKind.POLICE_PROVINCE else [column == principal.org_id]
    since = now - timedelta(days=TREND_DAYS)
    opened = session.execute(select(Order.created_at).where(*scope, Order.created_at >= since)).scalars()
    closed = session.execute(select(Order.closed_at).where(*scope, Order.closed_at >= since)).scalars()
    days = [(now - timedelta(days=n)).astimezone(SHANGHAI).date() for n in range(TREND_DAYS - 1, -1, -1)]
    new_per_day = _per_day(opened, days)
    closed_per_day = _per_day(closed, days)
    labels = [d.strftime("%m-%d") for d in days]
    return charts.line(
        _("work.trend"), labels, {_("work.trend_new"): new_per_day, _("work.trend_closed"): closed_per_day}
    )


def _per_day(moments: Iterable[datetime | None], days: list[date]) -> list[int]:
    """How many moments fall on each local (Asia/Shanghai) day."""
    counts = dict.fromkeys(days, 0)
    for moment in moments:
        if moment is not None:
            day = moment.astimezone(SHANGHAI).date()
            if day in counts:
                counts[day] += 1
    return list(counts.values())
