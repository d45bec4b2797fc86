"""Use cases of the sample library: publish and merge, confirm, revoke, expire, sightings, read."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import SYSTEM, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied
from fanzha.db.uow import UnitOfWork
from fanzha.events import outbox
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import Organisation
from fanzha.samples.domain import (
    Expiry,
    SampleStatus,
    check_may_publish,
    check_not_protected,
    merged_confidence,
    risk_of,
    shifted,
    sighting_shift,
)
from fanzha.samples.lookup import measures_in_force
from fanzha.samples.schemas import SamplePublish, SightingCreate
from fanzha.samples.tables import Sample, SampleHistory, SampleSource, Sighting, new_stix_uuid


@dataclass(frozen=True)
class Prepared:
    """A publish request checked and tokenised, ready to write."""

    identifier: Identifier
    token: str
    data: SamplePublish
    status_if_new: SampleStatus


def event_payload(
    sample: Sample | Mapping[str, Any], iso: Callable[[datetime], str] = datetime.isoformat
) -> dict[str, Any]:
    """What subscribers learn of a sample: its token and facts, never the raw value."""
    get: Callable[[str], Any] = (
        sample.__getitem__ if isinstance(sample, Mapping) else partial(getattr, sample)
    )
    return {
        "sample_id": get("id"),
        "kind": get("kind"),
        "token": get("token"),
        "status": get("status"),
        "fraud_type": get("fraud_type"),
        "risk_level": get("risk_level"),
        "confidence": get("confidence"),
        "region_code": get("region_code"),
        "first_seen": iso(get("first_seen")),
        "expires_at": iso(get("expires_at")),
    }


class SampleService:
    """The province's shared library of fraud samples."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault,
        expiry: Expiry,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.audit = auditor
        self._identity = identity
        self.vault = vault
        self.expiry = expiry

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self.clock)

    # Publishing ----------------------------------------------------------------------------

    def prepare(self, principal: Principal, data: SamplePublish, field: str = "value") -> Prepared:
        """Normalise, refuse protected identifiers and check the publisher's sector. No I/O."""
        identifier = normalise(data.kind, data.value, field=field)
        check_not_protected(identifier)
        status = check_may_publish(principal.org_kind, identifier.kind)
        return Prepared(identifier, self.vault.token(identifier), data, status)

    def publish(self, principal: Principal, data: SamplePublish) -> tuple[Sample, bool]:
        """Publish one sample, or merge into the existing one for the same identifier."""
        prepared = self.prepare(principal, data)
        with self._identity.guarded(principal), self.uow() as uow:
            sample, created = self.write(uow.session, principal, prepared)
            self.audit.record(
                uow.session,
                actor_of(principal),
                "sample.publish",
                object_type="sample",
                object_id=sample.id,
                source_ip=principal.source_ip,
                detail={"created": created, "kind": sample.kind, "status": sample.status},
            )
            uow.commit()
            return sample, created

    def write(self, session: Session, principal: Principal, prepared: Prepared) -> tuple[Sample, bool]:
        """Insert or merge within the caller's transaction; records history and events."""
        now = self.clock.now()
        data = prepared.data
        sample = session.scalars(
            select(Sample).where(Sample.token == prepared.token).with_for_update()
        ).first()
        created = sample is None
        if sample is None:
            sample = Sample(
                kind=str(prepared.identifier.kind),
                token=prepared.token,
                ciphertext=self.vault.encrypt(prepared.identifier, prepared.token),
                masked=self.vault.mask(prepared.identifier),
                fraud_type=str(data.fraud_type),
                status=str(prepared.status_if_new),
                confidence=data.confidence,
                risk_level=str(risk_of(data.confidence)),
                region_code=data.region_code,
                first_seen=now,
                last_seen=now,
                expires_at=self.expiry.until(prepared.identifier.kind, now),
                status_reason="",
                hits=0,
                false_positives=0,
                created_at=now,
                updated_at=now,
            )
            session.add(sample)
            session.flush()
            change = "published" if sample.status == SampleStatus.ACTIVE else "reported"
        else:
            change = self._merge(sample, prepared, principal, now)
        source = session.scalars(
            select(SampleSource).where(
                SampleSource.sample_id == sample.id,
                SampleSource.org_id == principal.org_id,
                SampleSource.case_ref == data.case_ref,
            )
        ).first()
        if source is None:
            session.add(
                SampleSource(
                    sample_id=sample.id,
                    org_id=principal.org_id,
                    fraud_type=str(data.fraud_type),
                    confidence=data.confidence,
                    evidence=data.evidence,
                    case_ref=data.case_ref,
                    reported_at=now,
                )
            )
        elif data.evidence and data.evidence not in source.evidence:
            source.evidence = f"{source.evidence}\n{data.evidence}".strip()
        self._changed(session, sample, principal.username, change, {"org_id": principal.org_id})
        return sample, created

    def _merge(self, sample: Sample, prepared: Prepared, principal: Principal, now: datetime) -> str:
        """Fold a new report into an existing sample; returns the change name."""
        # Reports merge into what publishing set; the sightings' shift stays on top of it.
        base = merged_confidence(sample.confidence - sample.sighting_shift, prepared.data.confidence)
        sample.confidence = shifted(base, sample.sighting_shift)
        sample.sighting_shift = sample.confidence - base
        sample.risk_level = str(risk_of(sample.confidence))
        sample.last_seen, sample.updated_at = now, now
        sample.expires_at = max(sample.expires_at, self.expiry.until(prepared.identifier.kind, now))
        sample.region_code = sample.region_code or prepared.data.region_code
        if principal.org_kind.is_police and sample.status != SampleStatus.ACTIVE:
            # Police re-publishing confirms a pending report or revives a revoked or expired sample.
            if sample.status == SampleStatus.REVOKED:
                # STIX revocation is final: the revived sample is shared as a new indicator.
                sample.stix_indicator = new_stix_uuid()
            sample.status, sample.status_reason = str(SampleStatus.ACTIVE), ""
            return "published"
        return "updated" if sample.status == SampleStatus.ACTIVE else "merged"

    def _changed(
        self, session: Session, sample: Sample, actor: str, change: str, detail: dict[str, Any]
    ) -> None:
        """History for the detail page; an event for subscribers when the active library changed."""
        session.add(
            SampleHistory(
                sample_id=sample.id,
                at=self.clock.now(),
                actor=actor,
                change=change,
                detail=json.dumps(detail, ensure_ascii=False),
            )
        )
        if change in ("published", "updated", "revoked", "expired"):
            outbox.record(session, self.clock, f"samples.{change}.{sample.kind}", event_payload(sample))
        elif change == "reported":
            outbox.record(
                session, self.clock, "samples.pending", {"sample_id": sample.id, "kind": sample.kind}
            )

    # Police decisions ------------------------------------------------------------------------

    def _police_only(self, principal: Principal, action: str, sample_id: int) -> None:
        if not principal.org_kind.is_police:
            self._identity.deny(principal, action, "sample", sample_id)
            raise PermissionDenied(
                "只有公安机关可以执行此操作", "Only police units may do this", field="sample_id"
            )

    @staticmethod
    def _locked(session: Session, sample_id: int) -> Sample:
        sample = session.get(Sample, sample_id, with_for_update=True)
        if sample is None:
            raise NotFound(field="sample_id")
        return sample

    def decide(self, principal: Principal, sample_id: int, accept: bool, reason: str) -> Sample:
        """Confirm or reject an institution's report (Art 28¶1: police confirm before it is active)."""
        action = "sample.confirm" if accept else "sample.reject"
        self._police_only(principal, action, sample_id)
        with self.uow() as uow:
            sample = self._locked(uow.session, sample_id)
            if sample.status != SampleStatus.PENDING:
                raise Conflict(
                    "只有待确认的样本可以确认或驳回", "Only pending samples can be decided", field="status"
                )
            sample.status = str(SampleStatus.ACTIVE if accept else SampleStatus.REJECTED)
            sample.status_reason, sample.updated_at = ("" if accept else reason), self.clock.now()
            self._changed(
                uow.session,
                sample,
                principal.username,
                "published" if accept else "rejected",
                {"reason": reason},
            )
            self.audit.record(
                uow.session,
                actor_of(principal),
                action,
                object_type="sample",
                object_id=sample.id,
                source_ip=principal.source_ip,
                detail={"reason": reason},
            )
            uow.commit()
            return sample

    def revoke(self, principal: Principal, sample_id: int, reason: str) -> Sample:
        """Withdraw a sample (wrongly listed, appeal upheld); subscribers are told at once."""
        self._police_only(principal, "sample.revoke", sample_id)
        with self.uow() as uow:
            sample = self._locked(uow.session, sample_id)
            if sample.status in (SampleStatus.REVOKED, SampleStatus.REJECTED):
                raise Conflict("样本已撤销", "Sample already revoked", field="status")
            if sample.status == SampleStatus.PENDING:
                # A report that was never shared is rejected, not revoked: revoking would publish it.
                raise Conflict(
                    "待确认的报送请驳回而非撤销",
                    "Reject a pending report instead of revoking it",
                    field="status",
                )
            sample.status, sample.status_reason = str(SampleStatus.REVOKED), reason
            sample.updated_at = self.clock.now()
            self._changed(uow.session, sample, principal.username, "revoked", {"reason": reason})
            self.audit.record(
                uow.session,
                actor_of(principal),
                "sample.revoke",
                object_type="sample",
                object_id=sample.id,
                source_ip=principal.source_ip,
                detail={"reason": reason},
            )
            uow.commit()
            return sample

    def expire_due(self, limit: int = 10_000) -> int:
        """Expire active samples past their expiry; returns how many (a scheduled job)."""
        now = self.clock.now()
        with self.uow() as uow:
            due = uow.session.scalars(
                select(Sample)
                .where(Sample.status == SampleStatus.ACTIVE, Sample.expires_at <= now)
                .order_by(Sample.id)
                .limit(limit)
                .with_for_update()
            ).all()
            for sample in due:
                sample.status, sample.status_reason, sample.updated_at = (
                    str(SampleStatus.EXPIRED),
                    "到期",
                    now,
                )
                self._changed(uow.session, sample, SYSTEM.name, "expired", {})
            if due:
                self.audit.record(uow.session, SYSTEM, "sample.expire", detail={"count": len(due)})
            uow.commit()
            return len(due)

    # Sightings and reading -------------------------------------------------------------------

    def record_sighting(self, principal: Principal, data: SightingCreate) -> Sample:
        """An organisation met a sample it may read: its one vote (hit or false positive) moves confidence.

        A repeated sighting replaces the organisation's vote rather than adding one, so no organisation
        can walk a sample's confidence down by repeating itself (`sighting_shift` bounds them all).
        """
        with self._identity.guarded(principal), self.uow() as uow:
            session = uow.session
            query = select(Sample).where(Sample.token == data.token).with_for_update()
            sample = session.scalars(query).first()
            if sample is None or not self._visible(session, principal, sample):
                # The same answer as reading it: another institution's pending report stays unseen.
                raise refused(
                    NotFound("没有该令牌对应的样本", "No sample has this token", field="token"),
                    "sample.sighting",
                    "sample",
                    sample.id if sample is not None else data.token[:16],
                )
            now = self.clock.now()
            vote = session.scalars(
                select(Sighting)
                .where(Sighting.sample_id == sample.id, Sighting.org_id == principal.org_id)
                .order_by(Sighting.id.desc())
                .limit(1)
            ).first()
            # Sightings are append-only (fanzha.db.append_only): a new vote is a new row, the latest counts.
            session.add(
                Sighting(
                    sample_id=sample.id,
                    org_id=principal.org_id,
                    outcome=data.outcome,
                    note=data.note,
                    seen_at=now,
                )
            )
            session.flush()
            before = sample.confidence
            self._recount(session, sample)
            sample.updated_at = now
            if sample.confidence != before and sample.status == SampleStatus.ACTIVE:
                self._changed(session, sample, principal.username, "updated", {"sighting": data.outcome})
            self.audit.record(
                session,
                actor_of(principal),
                "sample.sighting",
                object_type="sample",
                object_id=sample.id,
                source_ip=principal.source_ip,
                detail={"outcome": data.outcome, "replaced": vote is not None},
            )
            uow.commit()
            return sample

    @staticmethod
    def _recount(session: Session, sample: Sample) -> None:
        """Count each organisation's latest vote and set the sample's confidence from them."""
        rows = session.execute(
            select(Sighting.org_id, Sighting.outcome, Organisation.kind)
            .join(Organisation, Organisation.id == Sighting.org_id)
            .where(Sighting.sample_id == sample.id)
            .order_by(Sighting.id)
        ).all()
        votes = {org_id: (outcome, kind) for org_id, outcome, kind in rows}  # the latest row wins
        hits = sum(1 for outcome, _ in votes.values() if outcome == "hit")
        police = sum(1 for outcome, kind in votes.values() if outcome != "hit" and OrgKind(kind).is_police)
        institutions = len(votes) - hits - police
        base = sample.confidence - sample.sighting_shift
        sample.confidence = shifted(base, sighting_shift(hits, institutions, police))
        sample.sighting_shift = sample.confidence - base
        sample.hits, sample.false_positives = hits, institutions + police
        sample.risk_level = str(risk_of(sample.confidence))

    def _visible(self, session: Session, principal: Principal, sample: Sample) -> bool:
        """Police see every sample; institutions active ones and their own reports (Art 28¶1)."""
        return (
            principal.org_kind.is_police
            or sample.status == SampleStatus.ACTIVE
            or self._is_source(session, sample.id, principal.org_id)
        )

    def get(
        self, principal: Principal, sample_id: int, reveal: bool = False
    ) -> tuple[Sample, dict[str, Any]]:
        """A sample with sources, sightings and history; police may reveal the raw value (audited)."""
        if reveal and not principal.org_kind.is_police:
            self._identity.deny(principal, "sample.reveal", "sample", sample_id)
            raise PermissionDenied(
                "只有公安机关可以查看原始值", "Only police units may see raw values", field="reveal"
            )
        with self._identity.guarded(principal), self.uow() as uow:
            sample = uow.session.get(Sample, sample_id)
            if sample is None or not self._visible(uow.session, principal, sample):
                raise refused(NotFound(field="sample_id"), "sample.read", "sample", sample_id)
            extra: dict[str, Any] = {
                "sources": list(
                    uow.session.scalars(
                        select(SampleSource)
                        .where(SampleSource.sample_id == sample.id)
                        .order_by(SampleSource.id)
                    )
                ),
                # Each organisation's latest sighting is its vote; earlier rows stay in the log.
                "sightings": list(
                    uow.session.scalars(
                        select(Sighting)
                        .where(
                            Sighting.id.in_(
                                select(func.max(Sighting.id))
                                .where(Sighting.sample_id == sample.id)
                                .group_by(Sighting.org_id)
                            )
                        )
                        .order_by(Sighting.id.desc())
                        .limit(200)
                    )
                ),
                "history": list(
                    uow.session.scalars(
                        select(SampleHistory)
                        .where(SampleHistory.sample_id == sample.id)
                        .order_by(SampleHistory.id)
                    )
                ),
                "raw_value": None,
                "measures_in_force": measures_in_force(uow.session, [sample.token]).get(sample.token, []),
            }
            if not principal.org_kind.is_police:
                # Institutions see that others reported it, not who: sources stay anonymous.
                extra["sources"] = [s for s in extra["sources"] if s.org_id == principal.org_id]
                extra["sightings"] = [s for s in extra["sightings"] if s.org_id == principal.org_id]
            if reveal:
                # Art 26: revealing personal information is audited with the reason of access.
                extra["raw_value"] = self.vault.decrypt(
                    IdentifierKind(sample.kind), sample.token, sample.ciphertext
                ).value
            self.audit.record(
                uow.session,
                actor_of(principal),
                "sample.reveal" if reveal else "sample.read",
                object_type="sample",
                object_id=sample.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return sample, extra

    @staticmethod
    def _is_source(session: Session, sample_id: int, org_id: int) -> bool:
        return (
            session.scalars(
                select(SampleSource.id).where(
                    SampleSource.sample_id == sample_id, SampleSource.org_id == org_id
                )
            ).first()
            is not None
        )

    def search(
        self,
        principal: Principal,
        *,
        kind: str | None = None,
        status: str | None = None,
        fraud_type: str | None = None,
        token: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Sample]:
        """Newest first; institutions see active samples and their own reports."""
        query = select(Sample).order_by(Sample.id.desc()).limit(limit)
        if before is not None:
            query = query.where(Sample.id < before)
        for column, value in (
            (Sample.kind, kind),
            (Sample.status, status),
            (Sample.fraud_type, fraud_type),
            (Sample.token, token),
        ):
            if value:
                query = query.where(column == value)
        if not principal.org_kind.is_police:
            own = select(SampleSource.sample_id).where(SampleSource.org_id == principal.org_id)
            query = query.where((Sample.status == SampleStatus.ACTIVE) | Sample.id.in_(own))
        with self._sessions() as session:
            return list(session.scalars(query).all())
