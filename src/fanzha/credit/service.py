"""Use cases of the serious-dishonesty list: propose, approve, push measures, read (Art 29)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.appeals.domain import new_code
from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.credit import domain
from fanzha.credit.domain import (
    SECTOR_MEASURE,
    Facts,
    Ground,
    ListingStatus,
    SubjectKind,
    Term,
    Terms,
)
from fanzha.credit.notices import send_listing_notice, write_listing_notice
from fanzha.credit.tables import Listing, ListingEvent, ListingOrder
from fanzha.db import appends
from fanzha.disposal.domain import Measure, OrderStatus, Trigger
from fanzha.disposal.orders import Target
from fanzha.disposal.service import DisposalService
from fanzha.disposal.tables import Holding, Order
from fanzha.events import outbox
from fanzha.identifiers import Identifier, IdentifierKind
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import actor_of, refused
from fanzha.identity.tables import Organisation

_UNIT_CODE_CHARS = set("0123456789ABCDEFGHJKLMNPQRTUWXY")  # GB 32100 unified social credit code


@dataclass(frozen=True)
class ListingInput:
    """What the deciding unit submits (validated by the schema, then by the Measures' rules)."""

    subject_kind: SubjectKind
    subject_id: str  # a person's resident ID number, or a unit's unified social credit code
    subject_name: str
    ground: Ground
    facts: Facts
    evidence: list[str]
    basis: str
    term_months: int | None = None


class ListingCore:
    """State every stage of the list shares: the disposal core (orders, vault, audit) and the terms."""

    def __init__(self, disposal: DisposalService, terms: Terms | None = None) -> None:
        self.disposal = disposal
        self.clock = disposal.clock
        self.audit = disposal.audit
        self.identity = disposal.identity
        self.vault = disposal.vault
        self.terms = terms or Terms()

    def history(
        self, session: Session, listing: Listing, actor: str, before: str, detail: dict[str, Any]
    ) -> None:
        """Append one step of a listing's history."""
        appends.append(
            session,
            ListingEvent,
            {
                "listing_id": listing.id,
                "at": self.clock.now(),
                "actor": actor,
                "status_from": before,
                "status_to": listing.status,
                "detail": orjson.dumps(detail).decode(),
            },
        )

    @staticmethod
    def police(principal: Principal, action: str) -> None:
        """Only police units keep the list (Art 29¶1 公安机关…开展联合惩戒)."""
        if not principal.org_kind.is_police:
            raise refused(
                PermissionDenied("只有公安机关办理联合惩戒", "Only police units keep the list", field="org"),
                action,
                "credit_listing",
                "",
            )

    def subject(self, kind: SubjectKind, raw: str) -> tuple[str, str]:
        """The keyed token and mask of the subject; a person's ID number is never kept (Art 9)."""
        if kind is SubjectKind.PERSON:
            identifier, token = self.vault.token_of(IdentifierKind.RESIDENT_ID, raw, field="subject_id")
            return token, self.vault.mask(identifier)
        code = raw.strip().upper()
        if len(code) != 18 or not set(code) <= _UNIT_CODE_CHARS:
            raise ValidationFailed(
                "统一社会信用代码须为 18 位（GB 32100）",
                "A unit's unified social credit code has 18 characters (GB 32100)",
                field="subject_id",
            )
        return self.vault.derive("credit-unit", code).hex(), code[:6] + "********" + code[-4:]

    def in_force_listing(self, session: Session, token: str, now: datetime) -> Listing | None:
        """The listing in force on a subject now, if any."""
        return session.scalars(
            select(Listing)
            .where(
                Listing.subject_token == token,
                Listing.status == str(ListingStatus.ACTIVE),
                Listing.ends_at > now,
            )
            .order_by(Listing.id.desc())
            .with_for_update()
        ).first()

    def visible(self, session: Session, principal: Principal, listing_id: int, action: str) -> Listing:
        """A listing, locked, for a police principal; else an audited 404."""
        self.police(principal, action)
        listing = session.get(Listing, listing_id, with_for_update=True)
        if listing is None:
            raise refused(
                NotFound("名单记录不存在", "No such listing", field="listing_id"),
                action,
                "credit_listing",
                listing_id,
            )
        return listing


class ListingService(ListingCore):
    """Propose, approve or refuse a listing, and push its measures to the institutions."""

    def propose(self, principal: Principal, data: ListingInput) -> Listing:
        """A determination by a city-level unit or above, with ground, facts and evidence (办法第三条)."""
        self.police(principal, "credit.propose")
        with self.identity.guarded(principal), self.disposal.uow() as uow:
            try:
                domain.check_listing(
                    data.ground,
                    data.facts,
                    data.evidence,
                    data.basis,
                    principal.org_kind,
                    data.subject_kind,
                    data.term_months,
                    self.terms,
                )
            except PermissionDenied as error:
                raise refused(error, "credit.propose", "credit_listing", "") from None
            if data.subject_kind is SubjectKind.UNIT and not data.subject_name.strip():
                raise ValidationFailed("单位须写明名称", "A unit needs its name", field="subject_name")
            token, masked = self.subject(data.subject_kind, data.subject_id)
            now = self.clock.now()
            listing = Listing(
                number=new_code(12),
                subject_kind=str(data.subject_kind),
                subject_token=token,
                subject_masked=masked,
                subject_name=data.subject_name.strip(),
                ground=str(data.ground),
                facts_items=data.facts.items,
                facts_times=data.facts.times,
                facts_counterparties=data.facts.counterparties,
                evidence=json.dumps([e.strip() for e in data.evidence if e.strip()], ensure_ascii=False),
                basis=data.basis.strip(),
                deciding_org_id=principal.org_id,
                proposed_by=principal.username,
                term_months=data.term_months,
                status=str(ListingStatus.PENDING),
                created_at=now,
                updated_at=now,
            )
            uow.session.add(listing)
            uow.session.flush()
            self.history(uow.session, listing, principal.username, "", {"ground": listing.ground})
            self.audit.record(
                uow.session,
                actor_of(principal),
                "credit.propose",
                object_type="credit_listing",
                object_id=listing.id,
                source_ip=principal.source_ip,
                detail={"ground": listing.ground, "subject_kind": listing.subject_kind},
            )
            uow.commit()
            return listing

    def decide(self, principal: Principal, listing_id: int, approve: bool, reason: str) -> Listing:
        """Approve (the term starts, measures go out, the notice is written) or refuse, with the reason."""
        text = reason.strip()
        if not text:
            raise ValidationFailed("审批须说明理由", "A decision needs a reason", field="reason")
        outgoing = None
        with self.identity.guarded(principal), self.disposal.uow() as uow:
            session = uow.session
            listing = self.visible(session, principal, listing_id, "credit.decide")
            domain.check_step(ListingStatus(listing.status), ListingStatus.ACTIVE)
            try:
                domain.check_approver(
                    Ground(listing.ground), principal.org_kind, listing.proposed_by, principal.username
                )
            except PermissionDenied as error:
                raise refused(error, "credit.decide", "credit_listing", listing_id) from None
            now, before = self.clock.now(), listing.status
            listing.approver_org_id, listing.approved_by = principal.org_id, principal.username
            listing.decision_reason, listing.decided_at, listing.updated_at = text, now, now
            if not approve:
                listing.status = str(ListingStatus.REFUSED)
                self.history(session, listing, principal.username, before, {"reason": text})
            else:
                self._activate(session, principal, listing, now)
                self.history(
                    session,
                    listing,
                    principal.username,
                    before,
                    {"reason": text, "ends_at": listing.ends_at.isoformat() if listing.ends_at else None},
                )
                outgoing = write_listing_notice(self, session, listing)
            outbox.record(
                session,
                self.clock,
                "credit.listing.decided",
                {"listing_id": listing.id, "status": listing.status, "subject_token": listing.subject_token},
            )
            self.audit.record(
                session,
                actor_of(principal),
                "credit.decide",
                object_type="credit_listing",
                object_id=listing.id,
                source_ip=principal.source_ip,
                detail={"approve": approve, "reason": text},
            )
            uow.commit()
        if outgoing is not None:
            send_listing_notice(self, outgoing)
        return listing

    def _activate(self, session: Session, principal: Principal, listing: Listing, now: datetime) -> None:
        """The term (extended when already listed, at most 5 continuous years) and the measures."""
        current = self.in_force_listing(session, listing.subject_token, now)
        run = None
        if current is not None and current.id != listing.id:
            assert current.chain_start is not None and current.ends_at is not None
            run = Term(current.chain_start, current.ends_at)
        term = domain.term_for(Ground(listing.ground), now, self.terms, listing.term_months, run)
        listing.status = str(ListingStatus.ACTIVE)
        listing.chain_start, listing.starts_at, listing.ends_at = term.chain_start, now, term.ends_at
        covered: set[int] = set()
        if current is not None and current.id != listing.id:
            # 办法: re-listed during a term, one continuous run: the earlier listing's measures carry on.
            before = current.status
            current.status, current.updated_at = str(ListingStatus.SUPERSEDED), now
            current.lift_reason = f"并入新的认定 {listing.number}（期限延长）"
            listing.supersedes_id = current.id
            self.history(session, current, principal.username, before, {"superseded_by": listing.id})
            for link in self.links(session, current.id, "measure"):
                order = session.get(Order, link.order_id)
                if order is not None and order.status != OrderStatus.RELEASED:
                    covered.add(order.org_id)
                    session.add(ListingOrder(listing_id=listing.id, order_id=order.id, role="measure"))
        if SubjectKind(listing.subject_kind) is SubjectKind.PERSON:
            self._push_measures(session, principal, listing, covered)

    def _push_measures(
        self, session: Session, principal: Principal, listing: Listing, covered: set[int]
    ) -> None:
        """One order per institution holding the person's accounts, by the holdings register (Art 29¶2)."""
        held = (
            select(Holding.org_id)
            .where(Holding.holder_token == listing.subject_token, Holding.withdrawn_at.is_(None))
            .distinct()
            .order_by(Holding.org_id)
        )
        org_ids = [i for i in session.scalars(held) if i not in covered]
        target = Target(
            Identifier(IdentifierKind.RESIDENT_ID, listing.subject_masked),
            listing.subject_token,
            listing.subject_masked,
            b"",
        )
        reason = (
            f"列入严重失信主体名单（{domain.GROUND_LABELS[Ground(listing.ground)][0]}），"
            f"惩戒至 {listing.ends_at:%Y-%m-%d}（依据第二十九条、{domain.MEASURES_ACT}）"
        )
        for org_id in org_ids:
            org = session.get(Organisation, org_id)
            if org is None or OrgKind(org.kind) not in SECTOR_MEASURE:
                continue
            kind = OrgKind(org.kind)
            rule = self.disposal.rule(
                IdentifierKind.RESIDENT_ID, Measure(SECTOR_MEASURE[kind]), kind, Trigger.JOINT_PUNISHMENT
            )
            order = self.disposal.create(
                session,
                org=org,
                rule=rule,
                target=target,
                issuer_org_id=listing.deciding_org_id,
                issued_by=principal.username,
                reason=reason[:500],
                evidence_ref=f"credit:{listing.number}",
                # The listing's one written notice replaces a notice per institution (credit.notices).
                confidential=True,
                basis=f"联合惩戒名单 {listing.number}",
            )
            session.add(ListingOrder(listing_id=listing.id, order_id=order.id, role="measure"))
        session.flush()

    @staticmethod
    def links(session: Session, listing_id: int, role: str | None = None) -> list[ListingOrder]:
        """The orders of a listing (its measures, and the releases that lifted them)."""
        query = select(ListingOrder).where(ListingOrder.listing_id == listing_id).order_by(ListingOrder.id)
        if role:
            query = query.where(ListingOrder.role == role)
        return list(session.scalars(query))

    # Reading ------------------------------------------------------------------------------------------

    def search(
        self,
        principal: Principal,
        *,
        status: str | None = None,
        ground: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Listing]:
        """Police: listings newest first, filtered, paged by id."""
        self.police(principal, "credit.list")
        query = select(Listing).order_by(Listing.id.desc()).limit(limit)
        if status:
            query = query.where(Listing.status == status)
        if ground:
            query = query.where(Listing.ground == ground)
        if before is not None:
            query = query.where(Listing.id < before)
        with self.disposal.uow(read_only=True) as uow:
            rows = list(uow.session.scalars(query))
            uow.session.expunge_all()
            return rows

    def get(
        self, principal: Principal, listing_id: int
    ) -> tuple[Listing, list[tuple[ListingOrder, Order]], list[ListingEvent]]:
        """A listing with its orders (measures, releases, receipts' status) and history; audited."""
        with self.identity.guarded(principal), self.disposal.uow() as uow:
            session = uow.session
            listing = self.visible(session, principal, listing_id, "credit.read")
            pairs = []
            for link in self.links(session, listing.id):
                order = session.get(Order, link.order_id)
                if order is not None:
                    pairs.append((link, order))
            events = list(
                session.scalars(
                    select(ListingEvent)
                    .where(ListingEvent.listing_id == listing.id)
                    .order_by(ListingEvent.id)
                )
            )
            # Art 26: a listing is personal information; every read is audited.
            self.audit.record(
                session,
                actor_of(principal),
                "credit.read",
                object_type="credit_listing",
                object_id=listing.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            session.expunge_all()
            return listing, pairs, events
