"""The disposal worker: linked disposal, order webhooks, overdue escalation (funds too), notice resends."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.bootstrap import Platform
from fanzha.core.clock import Clock
from fanzha.disposal.release import escalate_overdue
from fanzha.disposal.resend import resend_unsent
from fanzha.events.dispatcher import EventPublisher, dispatch_all
from fanzha.events.domain import DomainEvent
from fanzha.events.outbox import current_head
from fanzha.samples.tables import Subscription
from fanzha.samples.webhooks import Target, WebhookPublisher

ORDER_TOPICS = "disposal.order."
TARGETS_TTL_S = 5.0  # a new subscription receives its orders within this many seconds
ORDER_IDLE_GAP = 200  # at 100 sample events a second: one cursor write in 2 s instead of ten a second


class OrderWebhookPublisher(WebhookPublisher):
    """Orders reach an institution by the same signed webhook as its samples, and only its own orders."""

    topic_prefix = ORDER_TOPICS

    def __init__(
        self,
        target: Target,
        org_id: int,
        sessions: sessionmaker[Session],
        clock: Clock,
        http: httpx.AsyncClient,
    ) -> None:
        super().__init__(target, sessions, clock, http)
        self.name = f"orders-webhook:{target.subscription_id}"  # a cursor of its own
        self.org_id = org_id

    def wants(self, event: DomainEvent) -> bool:
        """Events of this organisation's orders (issued, reminded, released …)."""
        return event.topic.startswith(ORDER_TOPICS) and event.payload.get("org_id") == self.org_id


class DisposalWorker:
    """One pass runs every disposal sink once; escalation and notice resends run at most once a minute."""

    def __init__(
        self,
        platform: Platform,
        http: httpx.AsyncClient,
        worker: str = "disposal",
        escalate_every: timedelta = timedelta(minutes=1),
        resend_every: timedelta = timedelta(minutes=1),
    ) -> None:
        self._platform = platform
        self._http = http
        self._worker = worker
        # The resend lease needs an owner unique to this process, or two workers would both send.
        self._owner = f"{worker[:20]}:{socket.gethostname()[:30]}:{os.getpid()}"
        self._every = escalate_every
        self._resend_every = resend_every
        self._escalated: datetime | None = None
        self._resent: datetime | None = None
        self._sinks: tuple[float, list[OrderWebhookPublisher]] | None = None

    def _order_sinks(self) -> list[OrderWebhookPublisher]:
        """The order sinks, re-read (secrets decrypted) at most every few seconds, as the sample sinks are.

        Re-read on every pass, ten a second, they were 40 % of a pass in the dispatcher's profile.
        """
        now = time.monotonic()
        if self._sinks is None or now - self._sinks[0] > TARGETS_TTL_S:
            self._sinks = (now, self._read_order_sinks())
        return self._sinks[1]

    def _read_order_sinks(self) -> list[OrderWebhookPublisher]:
        p = self._platform
        targets = p.subscriptions.targets()
        with p.sessions() as session:
            owners = dict(
                session.execute(
                    select(Subscription.id, Subscription.org_id).where(
                        Subscription.id.in_([t.subscription_id for t in targets])
                    )
                ).all()
            )
        return [
            OrderWebhookPublisher(t, owners[t.subscription_id], p.sessions, p.clock, self._http)
            for t in targets
        ]

    async def run_once(self) -> int:
        """Issue linked orders, deliver order events, escalate, resend notices; returns events moved."""
        p = self._platform
        head = current_head(p.sessions)  # caught-up sinks then skip their lease
        sinks: list[EventPublisher] = [*self._order_sinks()]
        if p.linked_disposal is not None:
            sinks.insert(0, p.linked_disposal)
        # One pass for all: two cursor transactions however many institutions subscribe.
        # Order sinks pass runs of other topics (samples) only every ORDER_IDLE_GAP events, not each pass.
        moved = await dispatch_all(p.sessions, p.clock, sinks, self._worker, head, idle_gap=ORDER_IDLE_GAP)
        now = p.clock.now()
        if p.disposal is not None and (self._escalated is None or now - self._escalated >= self._every):
            self._escalated = now
            await asyncio.to_thread(escalate_overdue, p.disposal)
            if p.funds is not None:
                # Art 19: unanswered stop-payments escalate, freezes about to end warn, terms lapse, queued
                # freezes take effect.
                await asyncio.to_thread(p.funds.sweep)
            if p.appeals is not None:
                # Art 34¶2 立即进行核查: appeals past their time limit go to the unit above.
                await asyncio.to_thread(p.appeals.escalate_overdue)
            if p.credit is not None:
                # Art 29 (联合惩戒办法): listings whose term ended are lifted everywhere.
                await asyncio.to_thread(p.credit.expire_due)
            if p.accountability is not None:
                # Art 24 定期报告整治情况, Art 36 书面反馈: overdue items escalate one level.
                await asyncio.to_thread(p.accountability.tracking.sweep)
        if p.disposal is not None and (self._resent is None or now - self._resent >= self._resend_every):
            self._resent = now
            # Art 34¶1: a notice the gateway did not take is sent again, not forgotten.
            await asyncio.to_thread(resend_unsent, p.disposal, p.sessions, self._owner)
        return moved

    async def run(self, stop: asyncio.Event, idle_seconds: float = 0.1) -> None:
        """Work until `stop` is set."""
        while not stop.is_set():
            if await self.run_once() == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_seconds)
