"""Resend Art 34¶1 notices the gateway did not take: oldest first, in bounded passes, under a lease."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fanzha.disposal.domain import OrderStatus
from fanzha.disposal.notices import OutgoingNotice, deliver
from fanzha.disposal.release import recipient, render
from fanzha.disposal.tables import Notice, Order
from fanzha.events.dispatcher import Outcome, RetryPolicy, record_outcomes, take_leases
from fanzha.events.tables import SinkCursor

if TYPE_CHECKING:
    from fanzha.disposal.service import DisposalService

log = logging.getLogger("fanzha.notices")

RESEND_JOB = "notices:resend"  # the job's lease and back-off live in its row of the sink cursors
# Not before a minute: the request that recorded a notice sends it itself right after its commit.
RESEND_GRACE = timedelta(minutes=1)
RESEND_BATCH = 100
# A pass stops sending after its budget; one send takes a few time-outs at most, so the lease outlasts
# the pass (two workers never send the same notice) and a dead worker holds the job this long at most.
RESEND_BUDGET = timedelta(minutes=2)
RESEND_LEASE = timedelta(minutes=5)


def _unsent(
    service: DisposalService, sessions: sessionmaker[Session], grace: timedelta, limit: int
) -> list[OutgoingNotice]:
    """The oldest SMS notices unsent after `grace` whose measure is still in force, rendered to send.

    Notices the institution delivers are confirmed in its receipt, not sent from here.
    """
    with sessions() as session:
        rows = session.execute(
            select(Notice, Order)
            .join(Order, Order.id == Notice.order_id)
            # A released object's old notice would tell of a measure no longer there.
            .where(
                Notice.sent_at.is_(None),
                Notice.channel == "sms",
                Notice.created_at < service.clock.now() - grace,
                Order.status == str(OrderStatus.EXECUTED),
            )
            .order_by(Notice.created_at, Notice.id)
            .limit(limit)
        ).all()
        # Recipients and appeal codes exist in memory only, never in a stored text (as due_notices).
        outgoing = [
            OutgoingNotice(
                notice.id, notice.channel, recipient(service, notice, order), render(service, session, notice)
            )
            for notice, order in rows
        ]
        session.commit()  # a notice from before salts got its code's salt and hash
        return outgoing


def resend_unsent(
    service: DisposalService,
    sessions: sessionmaker[Session],
    worker: str,
    *,
    grace: timedelta = RESEND_GRACE,
    limit: int = RESEND_BATCH,
    retry: RetryPolicy | None = None,
) -> int:
    """Art 34¶1: send the notices still unsent after `grace`, oldest first; returns how many went out."""
    clock = service.clock
    if not take_leases(sessions, clock, worker, [RESEND_JOB], RESEND_LEASE):
        return 0  # another worker is at it, or the gateway failed lately and the job is backing off
    outgoing = _unsent(service, sessions, grace, limit)
    # Sent outside any transaction: on SQLite every writer would otherwise wait on the gateway.
    sent: list[int] = []
    stopped, started = False, clock.now()
    for item in outgoing:
        if clock.now() - started > RESEND_BUDGET:
            break  # the rest next pass, well inside the lease
        ids, stopped = deliver(service.notifier, [item])
        sent += ids
        if stopped:
            break  # the gateway is down: the next pass tries again
    if sent:
        with sessions() as session:
            unsent = Notice.id.in_(sent) & Notice.sent_at.is_(None)
            session.execute(update(Notice).where(unsent).values(sent_at=clock.now()))
            session.commit()
    # A gateway failure backs the job off (1 s, 2 s … 5 min); a message refused on its own does not.
    error = f"SMS gateway failed after {len(sent)} of {len(outgoing)} notices" if stopped else None
    outcome = Outcome(RESEND_JOB, 0, len(sent), error)
    record_outcomes(sessions, clock, worker, [outcome], retry or RetryPolicy())
    with sessions() as session:
        # Free the lease at once, so a restarted worker does not wait for it to run out.
        session.execute(
            update(SinkCursor)
            .where(SinkCursor.sink == RESEND_JOB, SinkCursor.lease_owner == worker)
            .values(lease_owner=None, lease_until=None)
        )
        session.commit()
    if outgoing:
        log.info("resend pass: %d of %d unsent notices sent", len(sent), len(outgoing))
    return len(sent)
