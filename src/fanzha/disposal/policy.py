"""Linked disposal (Art 28¶1): when a sample becomes active, order the responsible institutions to act.

Besides the institution that holds the object (routing tables), the holdings register
(`fanzha.disposal.holdings`) names the person who holds it; every other internet platform where that
person holds accounts is ordered `associated_reverify` on the person (by the keyed token of the ID
number), i.e. to re-verify the accounts registered with the fraud account (Art 20¶2). Restricting
them comes only after that re-verification fails or is late. Restricting a person's accounts across
institutions outright is joint punishment (Art 29): never automatic, see `DisposalService.issue`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from fanzha.audit.service import SYSTEM
from fanzha.core.errors import ValidationFailed
from fanzha.db.rows import among
from fanzha.disposal.domain import LINKED_DEFAULTS, Measure, OrderStatus, RiskLevel, Trigger, Verification
from fanzha.disposal.service import DisposalService, Target
from fanzha.disposal.tables import Holding, Order, Task
from fanzha.events import outbox
from fanzha.events.dispatcher import Dispatcher
from fanzha.events.domain import DomainEvent
from fanzha.identifiers import Identifier, IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.identity.tables import Organisation, User
from fanzha.samples.domain import FRAUD_TYPE_LABELS, SampleStatus
from fanzha.samples.tables import Sample, SampleHistory, SampleSource

log = logging.getLogger("fanzha.disposal.policy")
TOPIC_PREFIX = "samples.published."
# Sectors whose accounts of the same person are re-verified, per kind of sample (Art 20¶2: the internet
# accounts registered with a case- or fraud-involved number or account).
ASSOCIATED_SECTORS: dict[IdentifierKind, frozenset[OrgKind]] = {
    IdentifierKind.PHONE: frozenset({OrgKind.INTERNET}),
    IdentifierKind.INTERNET_ACCOUNT: frozenset({OrgKind.INTERNET}),
}
# Art 13: a unit told of a number high-risk again after passing re-verification closes its task in this.
TASK_DEADLINE = timedelta(hours=24)


class _Sample(NamedTuple):
    """The facts of a sample linked disposal reads: columns, not an ORM object, for a batch of hundreds."""

    id: int
    kind: str
    token: str
    masked: str
    ciphertext: bytes
    status: str
    confidence: int
    fraud_type: str
    risk_level: str


@dataclass(frozen=True)
class _Plan:
    """What one event asks for: the sample, its measure, its object and the institutions responsible.

    An associated plan's target is the holder (token of the ID number), not the sample's object.
    """

    event_id: str
    sample: _Sample
    measure: Measure
    target: Target
    org_ids: list[int]
    associated: bool = False


class LinkedDisposalPolicy:
    """An outbox sink: each `samples.published.<kind>` event becomes orders; re-delivery is harmless."""

    name = "disposal.linked"
    topic_prefix = TOPIC_PREFIX  # the dispatcher reads it only these, not the orders it issues itself

    def __init__(
        self,
        disposal: DisposalService,
        measures: Mapping[IdentifierKind, Measure] | None = None,
        min_confidence: int = 0,
        associated: Mapping[IdentifierKind, frozenset[OrgKind]] | None = None,
    ) -> None:
        self._disposal = disposal
        self.measures = dict(measures or LINKED_DEFAULTS)
        self.min_confidence = min_confidence
        self.associated = dict(ASSOCIATED_SECTORS if associated is None else associated)

    def wants(self, event: DomainEvent) -> bool:
        """Only newly active samples (published, or a report confirmed by the police)."""
        return event.topic.startswith(TOPIC_PREFIX)

    async def publish(self, event: DomainEvent) -> None:
        """Issue the orders for one event."""
        await asyncio.to_thread(self.apply, event)

    async def publish_many(self, events: list[DomainEvent]) -> None:
        """Issue the orders for a batch of events in one transaction."""
        await asyncio.to_thread(self.apply_many, events)

    def dead_letter(self, event: DomainEvent, attempts: int, error: str) -> None:
        """Log an event that kept failing; the police can still issue by hand."""
        log.error(
            "linked disposal gave up on event %s after %d attempts: %s", event.event_id, attempts, error
        )

    def apply(self, event: DomainEvent) -> list[int]:
        """Ids of the orders for the sample of `event`, at most once per (event, institution, measure)."""
        return self.apply_many([event])

    def apply_many(self, events: list[DomainEvent]) -> list[int]:
        """Orders for the samples of `events` in one transaction, their ids; a lookup is one query a batch."""
        service = self._disposal
        with service.uow() as uow:
            session = uow.session
            plans = self._plans(session, [e for e in events if self.wants(e)])
            if not plans:
                return []
            samples = [plan.sample for plan in plans]
            issuers = self._issuers(session, samples)
            tokens = list({s.token for s in samples})
            plans += self._associated(session, plans)
            in_force = self._in_force(session, list({p.target.token for p in plans}))
            passed = self._passed_verification(session, tokens)
            tasked: set[str] = set()
            keys = [f"{p.event_id}:{org_id}:{p.measure}" for p in plans for org_id in p.org_ids]
            taken = set(
                session.scalars(select(Order.dedupe_key).where(among(session, Order.dedupe_key, keys)))
            )
            org_ids = {org_id for p in plans for org_id in p.org_ids}
            orgs = {
                o.id: o
                for o in session.scalars(select(Organisation).where(among(session, Organisation.id, org_ids)))
            }
            orders: list[dict[str, Any]] = []
            for plan in plans:
                sample, issuer = plan.sample, issuers[plan.sample.id]
                if (
                    not plan.associated
                    and sample.token in passed
                    and sample.risk_level == "high"
                    and sample.token not in tasked
                ):
                    tasked.add(sample.token)
                    self._notify_high_risk_again(session, sample, passed[sample.token], issuer)
                for org_id in plan.org_ids:
                    key, org = f"{plan.event_id}:{org_id}:{plan.measure}", orgs.get(org_id)
                    live = (plan.target.token, org_id, str(plan.measure))
                    if org is None or key in taken or live in in_force:
                        continue
                    order = self._order(plan, org, issuer, key)
                    if order is not None:
                        taken.add(key)
                        in_force.add(live)
                        orders.append(order)
            service.add_orders(session, orders)
            for order in orders:
                service.audit.record(
                    session,
                    SYSTEM,
                    "order.issue",
                    object_type="order",
                    object_id=order["id"],
                    detail={
                        "policy": self.name,
                        "sample_id": order["sample_id"],
                        "org_id": order["org_id"],
                        "measure": order["measure"],
                    },
                )
            uow.commit()
            return [order["id"] for order in orders]

    def _plans(self, session: Session, events: list[DomainEvent]) -> list[_Plan]:
        """The active, confident enough samples of `events`, with their measure and institutions."""
        ids = {int(e.payload["sample_id"]) for e in events}
        columns = [getattr(Sample, name) for name in _Sample._fields]
        query = select(*columns).where(among(session, Sample.id, ids))
        found = {row.id: _Sample(*row) for row in session.execute(query)}
        wanted: list[tuple[str, _Sample, Measure, Target]] = []
        for event in events:
            sample = found.get(int(event.payload["sample_id"]))
            if (
                sample is None
                or sample.status != SampleStatus.ACTIVE
                or sample.confidence < self.min_confidence
            ):
                continue
            kind = IdentifierKind(sample.kind)
            measure = self.measures.get(kind)
            if measure is None:
                continue
            identifier = self._disposal.vault.decrypt(kind, sample.token, sample.ciphertext)
            target = Target(identifier, sample.token, sample.masked, sample.ciphertext)
            wanted.append((event.event_id, sample, measure, target))
        identifiers = [target.identifier for *_, target in wanted]
        routes = self._disposal.routing.responsible_many(session, identifiers)
        return [_Plan(*w, org_ids) for w, org_ids in zip(wanted, routes, strict=True)]

    def _order(self, plan: _Plan, org: Organisation, issuer: int, key: str) -> dict[str, Any] | None:
        """One linked order's row, not yet written; None when the institution cannot take the measure."""
        service, sample, kind = self._disposal, plan.sample, plan.target.identifier.kind
        # Art 20¶2: associated accounts are re-verified; Art 28¶1: the sample's object restricted at once.
        trigger = Trigger.ASSOCIATED if plan.associated else Trigger.SAMPLE
        risk = RiskLevel(sample.risk_level) if sample.risk_level in set(RiskLevel) else RiskLevel.MEDIUM
        try:
            rule = service.rule(kind, plan.measure, OrgKind(org.kind), trigger, risk)
        except ValidationFailed:
            log.warning("routing sends %s to %s, which cannot %s", kind, org.code, plan.measure)
            return None
        # The scam type in words: the reason reaches the person in the notice (Art 34¶1), never a code.
        scam = FRAUD_TYPE_LABELS.get(sample.fraud_type, (sample.fraud_type, ""))[0]  # type: ignore[call-overload]
        if plan.associated:
            # Art 20¶2: the person holding the sample's object registered accounts here too.
            reason = f"涉诈样本（{scam}）的持有人在本平台注册的账号，关联核验"
        else:
            # Art 28¶1: institutions restrict or suspend at once on a notified sample.
            reason = f"涉诈样本（{scam}），联动处置"
        return service.new_order(
            org=org,
            rule=rule,
            target=plan.target,
            issuer_org_id=issuer,
            issued_by="policy:linked",
            reason=reason,
            evidence_ref=f"sample:{sample.id}",
            sample_id=sample.id,
            dedupe_key=key,
            risk_level=risk,
        )

    def _associated(self, session: Session, plans: list[_Plan]) -> list[_Plan]:
        """Per plan, the holder's other institutions of the associated sectors: one query for the batch.

        The holding of the sample's object (at any institution) names the holder; that person's holdings
        at every other institution of the sectors `ASSOCIATED_SECTORS` gives for the sample's kind are the
        institutions ordered to restrict the accounts the person holds with them.
        """
        wanted = {p.sample.token: p for p in plans if IdentifierKind(p.sample.kind) in self.associated}
        if not wanted:
            return []
        sectors = {str(k) for p in wanted.values() for k in self.associated[IdentifierKind(p.sample.kind)]}
        own, other = aliased(Holding), aliased(Holding)
        query = (
            select(own.object_token, own.holder_token, own.holder_masked, other.org_id, Organisation.kind)
            .join(
                other,
                and_(
                    other.holder_token == own.holder_token,
                    other.org_id != own.org_id,
                    other.withdrawn_at.is_(None),
                ),
            )
            .join(Organisation, Organisation.id == other.org_id)
            .where(
                among(session, own.object_token, wanted),
                own.withdrawn_at.is_(None),
                Organisation.kind.in_(sectors),
                Organisation.active.is_(True),
            )
        )
        found: dict[tuple[str, str], tuple[str, set[int]]] = {}
        for object_token, holder_token, masked, org_id, org_kind in session.execute(query):
            sample_kind = IdentifierKind(wanted[object_token].sample.kind)
            if OrgKind(org_kind) in self.associated[sample_kind]:
                found.setdefault((object_token, holder_token), (masked, set()))[1].add(org_id)
        associated = []
        by_token: dict[str, list[_Plan]] = {}
        for plan in plans:
            by_token.setdefault(plan.sample.token, []).append(plan)
        for (object_token, holder_token), (masked, org_ids) in found.items():
            # Art 9: the person is addressed by the keyed token of the ID number and its mask only.
            target = Target(Identifier(IdentifierKind.RESIDENT_ID, masked), holder_token, masked, b"")
            for plan in by_token[object_token]:
                associated.append(
                    _Plan(
                        plan.event_id,
                        plan.sample,
                        Measure.ASSOCIATED_REVERIFY,
                        target,
                        sorted(org_ids),
                        associated=True,
                    )
                )
        return associated

    @staticmethod
    def _in_force(session: Session, tokens: list[str]) -> set[tuple[str, int, str]]:
        """(token, institution, measure) of the orders open or executed on `tokens`."""
        live = [str(OrderStatus.ISSUED), str(OrderStatus.DELIVERED), str(OrderStatus.ACKNOWLEDGED)]
        live.append(str(OrderStatus.EXECUTED))
        query = select(Order.object_token, Order.org_id, Order.measure).where(
            among(session, Order.object_token, tokens), Order.status.in_(live)
        )
        return {(token, org_id, measure) for token, org_id, measure in session.execute(query)}

    @staticmethod
    def _passed_verification(session: Session, tokens: list[str]) -> dict[str, Order]:
        """The latest re-verification order each token passed (Art 13)."""
        query = (
            select(Order)
            .where(
                among(session, Order.object_token, tokens),
                Order.measure == str(Measure.REVERIFY),
                Order.verification == str(Verification.PASSED),
            )
            .order_by(Order.id)
        )
        return {order.object_token: order for order in session.scalars(query)}

    def _issuers(self, session: Session, samples: list[_Sample]) -> dict[int, int]:
        """The deciding unit of each sample: its first police source in one query, else `_issuer`."""
        police = [str(k) for k in OrgKind if k.is_police]
        query = (
            select(SampleSource.sample_id, SampleSource.org_id)
            .join(Organisation, Organisation.id == SampleSource.org_id)
            .where(
                among(session, SampleSource.sample_id, {s.id for s in samples}), Organisation.kind.in_(police)
            )
            .order_by(SampleSource.id.desc())
        )
        # Descending: the last one written for a sample, the one kept, is its first source.
        found = {sample_id: org_id for sample_id, org_id in session.execute(query)}
        return {s.id: found[s.id] if s.id in found else self._issuer(session, s) for s in samples}

    @staticmethod
    def _issuer(session: Session, sample: _Sample) -> int:
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

    def _notify_high_risk_again(self, session: Session, sample: _Sample, passed: Order, issuer: int) -> None:
        """Art 13: a card that passed re-verification and is high-risk again → the police unit gets a task.

        The task (`disposal_tasks`) stays open on the unit's list until it is closed with a report.
        """
        now = self._disposal.clock.now()
        session.add(
            Task(
                org_id=issuer,
                kind="high_risk_after_verification",
                sample_id=sample.id,
                order_id=passed.id,
                object_masked=sample.masked,
                description=(
                    f"{sample.masked} 通过重新核验（指令 {passed.id}）后再次出现涉诈高风险，"
                    "请协同电信业务经营者开展处置（第十三条）"
                ),
                due_at=now + TASK_DEADLINE,
                created_at=now,
                closed_by="",
                report="",
            )
        )
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
