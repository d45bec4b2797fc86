"""Subscriptions by kind and region, their webhook secrets, delivery health and replays."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import NotFound, ValidationFailed
from fanzha.core.sm import sm4_gcm_decrypt, sm4_gcm_encrypt
from fanzha.events.domain import DomainEvent
from fanzha.events.egress import check_url
from fanzha.events.outbox import read_after
from fanzha.events.tables import OutboxHead, SinkCursor
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.samples.tables import DeadLetter, Subscription
from fanzha.samples.webhooks import Target


@dataclass(frozen=True)
class Health:
    """How one subscription's deliveries are doing."""

    subscription: Subscription
    position: int
    lag: int
    delivered: int
    failures: int
    last_error: str
    updated_at: datetime | None
    dead_letters: int


class SubscriptionService:
    """Who receives which sample changes, and how delivery to them is going."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        key: bytes,
        allow_private: bool = False,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor
        self._identity = identity
        self._key = key
        self.allow_private = allow_private  # webhooks to loopback or private addresses (tests, demo)

    def create(
        self, principal: Principal, kinds: list[str], region_prefix: str, webhook_url: str
    ) -> tuple[Subscription, str | None]:
        """Subscribe the caller's organisation; a webhook's signing secret is returned once."""
        for kind in kinds:
            if kind not in {k.value for k in IdentifierKind}:
                raise ValidationFailed("未知的标识类型", f"Unknown kind: {kind}", field="kinds")
        if region_prefix and not region_prefix.isdigit():
            raise ValidationFailed(
                "行政区划前缀只能是数字", "Region prefix must be digits", field="region_prefix"
            )
        if webhook_url:
            # Resolved now and again at every connection (events/egress.py): no loopback or private target.
            check_url(webhook_url, self.allow_private)
        secret = secrets.token_urlsafe(32) if webhook_url else None
        with self._sessions() as session:
            subscription = Subscription(
                org_id=principal.org_id,
                kinds=",".join(sorted(set(kinds))),
                region_prefix=region_prefix,
                webhook_url=webhook_url,
                active=1,
                created_at=self._clock.now(),
            )
            session.add(subscription)
            session.flush()
            if secret:
                subscription.secret_ciphertext = sm4_gcm_encrypt(
                    self._key, secret.encode(), self._aad(subscription)
                )
            self._audit.record(
                session,
                actor_of(principal),
                "subscription.create",
                object_type="subscription",
                object_id=subscription.id,
                source_ip=principal.source_ip,
                detail={"kinds": kinds, "region_prefix": region_prefix, "webhook": bool(webhook_url)},
            )
            session.commit()
            return subscription, secret

    @staticmethod
    def _aad(subscription: Subscription) -> bytes:
        return f"subscription:{subscription.id}".encode()

    def _own(self, session: Session, principal: Principal, subscription_id: int) -> Subscription:
        subscription = session.get(Subscription, subscription_id)
        if subscription is None or not principal.sees_org(subscription.org_id):
            raise refused(
                NotFound(field="subscription_id"), "subscription.read", "subscription", subscription_id
            )
        return subscription

    def deactivate(self, principal: Principal, subscription_id: int) -> Subscription:
        """Stop deliveries to a subscription."""
        with self._identity.guarded(principal), self._sessions() as session:
            subscription = self._own(session, principal, subscription_id)
            subscription.active = 0
            self._audit.record(
                session,
                actor_of(principal),
                "subscription.deactivate",
                object_type="subscription",
                object_id=subscription_id,
                source_ip=principal.source_ip,
            )
            session.commit()
            return subscription

    def targets(self) -> list[Target]:
        """Every active webhook subscription, secrets decrypted, for the dispatchers."""
        with self._sessions() as session:
            rows = session.scalars(
                select(Subscription).where(Subscription.active == 1, Subscription.webhook_url != "")
            ).all()
            return [
                Target(
                    row.id,
                    row.webhook_url,
                    sm4_gcm_decrypt(self._key, row.secret_ciphertext or b"", self._aad(row)).decode(),
                    frozenset(k for k in row.kinds.split(",") if k),
                    row.region_prefix,
                )
                for row in rows
            ]

    def health(self, principal: Principal) -> list[Health]:
        """Per subscription: delivered position, lag behind the outbox, failures, dead letters."""
        with self._sessions() as session:
            query = select(Subscription).order_by(Subscription.id)
            if not principal.org_kind.is_police:
                query = query.where(Subscription.org_id == principal.org_id)
            head = int(session.scalar(select(OutboxHead.last_position)) or 0)
            result = []
            for subscription in session.scalars(query):
                cursor = session.get(SinkCursor, f"webhook:{subscription.id}")
                dead = (
                    session.scalar(
                        select(func.count())
                        .select_from(DeadLetter)
                        .where(
                            DeadLetter.subscription_id == subscription.id, DeadLetter.replayed_at.is_(None)
                        )
                    )
                    or 0
                )
                position = cursor.position if cursor else 0
                result.append(
                    Health(
                        subscription,
                        position,
                        head - position,
                        cursor.delivered if cursor else 0,
                        cursor.failures if cursor else 0,
                        cursor.last_error if cursor else "",
                        cursor.updated_at if cursor else None,
                        int(dead),
                    )
                )
            return result

    def dead_letters(self, principal: Principal, subscription_id: int) -> list[DeadLetter]:
        """Events set aside for a subscription."""
        with self._identity.guarded(principal), self._sessions() as session:
            self._own(session, principal, subscription_id)
            return list(
                session.scalars(
                    select(DeadLetter)
                    .where(DeadLetter.subscription_id == subscription_id)
                    .order_by(DeadLetter.id.desc())
                    .limit(500)
                )
            )

    def replay_target(self, principal: Principal, dead_letter_id: int) -> tuple[Target, DomainEvent]:
        """Where and what to re-send for a dead letter the caller may see."""
        with self._identity.guarded(principal), self._sessions() as session:
            letter = session.get(DeadLetter, dead_letter_id)
            if letter is None:
                raise NotFound(field="dead_letter_id")
            self._own(session, principal, letter.subscription_id)
            events = read_after(session, letter.position - 1, 1)
        targets = [t for t in self.targets() if t.subscription_id == letter.subscription_id]
        if not targets or not events:
            raise NotFound(
                "订阅已停用或事件不存在", "Subscription inactive or event gone", field="dead_letter_id"
            )
        return targets[0], events[0]

    def mark_replayed(self, principal: Principal, dead_letter_id: int) -> DeadLetter:
        """Record that a dead letter was delivered by hand."""
        with self._sessions() as session:
            letter = session.get_one(DeadLetter, dead_letter_id)
            letter.replayed_at = self._clock.now()
            self._audit.record(
                session,
                actor_of(principal),
                "subscription.replay",
                object_type="dead_letter",
                object_id=dead_letter_id,
                source_ip=principal.source_ip,
            )
            session.commit()
            return letter
