"""Linked disposal (Art 28¶1): when a sample becomes active, order the responsible institutions to act."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.audit.service import SYSTEM
from fanzha.core.errors import ValidationFailed
from fanzha.disposal.domain import LINKED_DEFAULTS, Measure, OrderStatus, Verification
from fanzha.disposal.service import DisposalService, Target
from fanzha.disposal.tables import Order
from fanzha.events import outbox
from fanzha.events.dispatcher import Dispatcher
from fanzha.events.domain import DomainEvent
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.identity.tables import Organisation, User
from fanzha.samples.domain import SampleStatus
from fanzha.samples.tables import Sample, SampleHistory, SampleSource

log = logging.getLogger("fanzha.disposal.policy")
TOPIC_PREFIX = "samples.published."


class LinkedDisposalPolicy:
    """An outbox sink: each `samples.published.<kind>` event becomes orders; re-delivery is harmless."""

    name = "disposal.linked"

    def __init__(
        self,
        disposal: DisposalService,
        measures: Mapping[IdentifierKind, Measure] | None = None,
        min_confidence: int = 0,
    ) -> None:
        self._disposal = disposal
        self.measures = dict(measures or LINKED_DEFAULTS)
        self.min_confidence = min_confidence

    def wants(self, event: DomainEvent) -> bool:
        """Only newly active samples (published, or a report confirmed by the police)."""
        return event.topic.startswith(TOPIC_PREFIX)

    async def publish(self, event: DomainEvent) -> None:
        """Issue the orders for one event."""
        await asyncio.to_thread(self.apply, event)

    def dead_letter(self, event: DomainEvent, attempts: int, error: str) -> None:
        """Log an event that kept failing; the police can still issue by hand."""
        log.error(
            "linked disposal gave up on event %s after %d attempts: %s", event.event_id, attempts, error
        )

    def apply(self, event: DomainEvent) -> list[Order]:
        """Orders for the sample of `event`, at most once per (event, institution, measure)."""
        service = self._disposal
        with service.uow() as uow:
            session = uow.session
            sample = session.get(Sample, int(event.payload["sample_id"]))
            if (
                sample is None
                or sample.status != SampleStatus.ACTIVE
                or sample.confidence < self.min_confidence
            ):
                return []
            kind = IdentifierKind(sample.kind)
            measure = self.measures.get(kind)
            if measure is None:
                return []
            identifier = service.vault.decrypt(kind, sample.token, sample.ciphertext)
            target = Target(identifier, sample.token, sample.masked, sample.ciphertext)
            issuer = self._issuer(session, sample)
            self._again_after_verification(session, sample, issuer)
            orders: list[Order] = []
            for org_id in service.routing.responsible(session, identifier):
                org = session.get(Organisation, org_id)
                key = f"{event.event_id}:{org_id}:{measure}"
                if org is None or session.scalars(select(Order.id).where(Order.dedupe_key == key)).first():
                    continue
                if self._already_in_force(session, sample.token, org_id, measure):
                    continue
                try:
                    rule = service.rule(kind, measure, OrgKind(org.kind))
                except ValidationFailed:
                    log.warning("routing sends %s to %s, which cannot %s", kind, org.code, measure)
                    continue
                order = service.create(
                    session,
                    org=org,
                    rule=rule,
                    target=target,
                    issuer_org_id=issuer,
                    issued_by="policy:linked",
                    # Art 28¶1: institutions restrict or suspend at once on a notified sample.
                    reason=f"涉诈样本（{sample.fraud_type}），联动处置",
                    evidence_ref=f"sample:{sample.id}",
                    sample_id=sample.id,
                    dedupe_key=key,
                )
                service.audit.record(
                    session,
                    SYSTEM,
                    "order.issue",
                    object_type="order",
                    object_id=order.id,
                    detail={
                        "policy": self.name,
                        "sample_id": sample.id,
                        "org_id": org_id,
                        "measure": str(measure),
                    },
                )
                orders.append(order)
            uow.commit()
            return orders

    @staticmethod
    def _already_in_force(session: Session, token: str, org_id: int, measure: Measure) -> bool:
        live = [str(OrderStatus.ISSUED), str(OrderStatus.DELIVERED), str(OrderStatus.ACKNOWLEDGED)]
        live.append(str(OrderStatus.EXECUTED))
        return (
            session.scalars(
                select(Order.id).where(
                    Order.object_token == token,
                    Order.org_id == org_id,
                    Order.measure == str(measure),
                    Order.status.in_(live),
                )
            ).first()
            is not None
        )

    @staticmethod
    def _issuer(session: Session, sample: Sample) -> int:
        """The deciding unit (谁决定谁负责): the police source, else who confirmed it, else the province."""
        police = [str(k) for k in OrgKind if k.is_police]
        source = session.scalars(
            select(SampleSource.org_id)
            .join(Organisation, Organisation.id == SampleSource.org_id)
            .where(SampleSource.sample_id == sample.id, Organisation.kind.in_(police))
            .order_by(SampleSource.id)
        ).first()
        if source is not None:
            return source
        actor = session.scalars(
            select(SampleHistory.actor)
            .where(SampleHistory.sample_id == sample.id, SampleHistory.change == "published")
            .order_by(SampleHistory.id.desc())
        ).first()
        confirmer = (
            session.scalars(select(User.org_id).where(User.username == actor)).first() if actor else None
        )
        if confirmer is not None:
            return confirmer
        province = session.scalars(
            select(Organisation.id)
            .where(Organisation.kind == str(OrgKind.POLICE_PROVINCE))
            .order_by(Organisation.id)
        ).first()
        if province is None:
            raise ValidationFailed("没有省级反诈中心", "No provincial anti-fraud centre exists", field="org")
        return province

    def _again_after_verification(self, session: Session, sample: Sample, issuer: int) -> None:
        """Art 13: a card that passed re-verification and is high-risk again → the police are notified."""
        passed = session.scalars(
            select(Order)
            .where(
                Order.object_token == sample.token,
                Order.measure == str(Measure.REVERIFY),
                Order.verification == str(Verification.PASSED),
            )
            .order_by(Order.id.desc())
        ).first()
        if passed is None or sample.risk_level != "high":
            return
        outbox.record(
            session,
            self._disposal.clock,
            "disposal.high_risk_after_verification",
            {"sample_id": sample.id, "order_id": passed.id, "issuer_org_id": issuer, "kind": sample.kind},
        )
        self._disposal.audit.record(
            session,
            SYSTEM,
            "order.high_risk_again",
            object_type="sample",
            object_id=sample.id,
            detail={"reverified_order_id": passed.id, "notified_org_id": issuer},
        )


def drain(policy: LinkedDisposalPolicy, dispatcher: Dispatcher, rounds: int = 100) -> int:
    """Run the policy's dispatcher until it has caught up (tests, CLI, demo); returns events moved."""
    moved = 0
    for _ in range(rounds):
        step = asyncio.run(dispatcher.run_once())
        if step == 0:
            break
        moved += step
    return moved
