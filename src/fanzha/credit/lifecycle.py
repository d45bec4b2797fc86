"""The list over time: expiry at term end, release on appeal, the counter lookup and the export (Art 29)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.appeals.tables import Appeal
from fanzha.audit.service import SYSTEM, Actor
from fanzha.credit import domain
from fanzha.credit.domain import ListingStatus
from fanzha.credit.lookup import listed
from fanzha.credit.service import ListingService
from fanzha.credit.tables import Listing, ListingOrder
from fanzha.disposal.domain import Measure, MeasureRule, OrderStatus, Routing, Trigger
from fanzha.disposal.tables import Order
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import actor_of
from fanzha.identity.tables import Organisation

# 办法: the measures end with the term; the lifting order is due as fast as an appeal's release (Art 34¶2).
EXPIRY_RELEASE_DEADLINE = timedelta(minutes=30)
_LIVE = (OrderStatus.ISSUED, OrderStatus.DELIVERED, OrderStatus.ACKNOWLEDGED, OrderStatus.EXECUTED)


class ListingLifecycle(ListingService):
    """Expiry and release of listings, the lookup institutions call and the export for the credit platform."""

    def _lift(self, session: Session, listing: Listing, actor: Actor, reason: str) -> list[Order]:
        """Lift every measure of a listing still in force: the order released, a release order each."""
        releases: list[Order] = []
        for link in self.links(session, listing.id, "measure"):
            order = session.get(Order, link.order_id, with_for_update=True)
            if order is None or OrderStatus(order.status) not in _LIVE:
                continue
            self.disposal.move(session, order, OrderStatus.RELEASED, actor.name, {"reason": reason})
            outbox.record(session, self.clock, "disposal.order.released", self.disposal.payload(order))
            org = session.get(Organisation, order.org_id)
            assert org is not None
            # Not an appeal's release (rule_for ties those to Art 34¶2): the term of Art 29¶2 has run out.
            rule = MeasureRule(
                IdentifierKind.RESIDENT_ID,
                Measure.RELEASE,
                OrgKind(org.kind),
                Trigger.JOINT_PUNISHMENT,
                "第二十九条第二款",
                "相关业务限制办理",
                EXPIRY_RELEASE_DEADLINE,
                Routing.SECTOR,
            )
            release = self.disposal.create(
                session,
                org=org,
                rule=rule,
                target=self.disposal.target_of(order),
                issuer_org_id=listing.deciding_org_id,
                issued_by=actor.name,
                reason=reason[:500],
                releases_order_id=order.id,
                confidential=True,
            )
            session.add(ListingOrder(listing_id=listing.id, order_id=release.id, role="release"))
            releases.append(release)
        return releases

    def expire_due(self, limit: int = 1000) -> int:
        """The sweep: listings whose term has ended are lifted everywhere, with release orders; how many."""
        now = self.clock.now()
        with self.disposal.uow() as uow:
            session = uow.session
            due = session.scalars(
                select(Listing)
                .where(Listing.status == str(ListingStatus.ACTIVE), Listing.ends_at <= now)
                .order_by(Listing.id)
                .limit(limit)
                .with_for_update()
            ).all()
            for listing in due:
                reason = f"惩戒期限于 {listing.ends_at:%Y-%m-%d} 届满，自动解除（{domain.MEASURES_ACT}）"
                releases = self._lift(session, listing, SYSTEM, reason)
                listing.status, listing.lifted_at, listing.updated_at = str(ListingStatus.EXPIRED), now, now
                listing.lift_reason = reason
                self.history(
                    session, listing, SYSTEM.name, str(ListingStatus.ACTIVE), {"releases": len(releases)}
                )
                outbox.record(
                    session,
                    self.clock,
                    "credit.listing.expired",
                    {"listing_id": listing.id, "subject_token": listing.subject_token},
                )
                self.audit.record(
                    session, SYSTEM, "credit.expire", object_type="credit_listing", object_id=listing.id
                )
            uow.commit()
            return len(due)

    def on_appeal_upheld(
        self, session: Session, appeal: Appeal, principal: Principal, releases: list[Order]
    ) -> None:
        """Art 29¶2 申诉: an upheld appeal on a listed person ends the listing (a hook of appeals).

        The appeals module has lifted every order on the person already; here the listing itself ends and
        the release orders are linked to it, so the list, the lookup and the export drop the person at once.
        """
        now = self.clock.now()
        rows = session.scalars(
            select(Listing)
            .where(Listing.subject_token == appeal.object_token, Listing.status == str(ListingStatus.ACTIVE))
            .with_for_update()
        ).all()
        for listing in rows:
            lifted = self._lift(session, listing, actor_of(principal), f"申诉成立：{appeal.decision_reason}")
            measure_ids = {link.order_id for link in self.links(session, listing.id, "measure")}
            for release in releases:
                if release.releases_order_id in measure_ids:
                    session.add(ListingOrder(listing_id=listing.id, order_id=release.id, role="release"))
            listing.status, listing.lifted_at, listing.updated_at = str(ListingStatus.RELEASED), now, now
            listing.lift_reason = f"申诉成立（申诉编号 {appeal.number}）：{appeal.decision_reason}"
            self.history(
                session,
                listing,
                principal.username,
                str(ListingStatus.ACTIVE),
                {"appeal_id": appeal.id, "releases": len(lifted)},
            )
            outbox.record(
                session,
                self.clock,
                "credit.listing.released",
                {"listing_id": listing.id, "subject_token": listing.subject_token},
            )

    # The counter lookup and the export --------------------------------------------------------------

    def is_listed(self, token: str) -> bool:
        """Whether the person (keyed ID token) or unit is on the list now: the check before any opening."""
        with self.disposal.uow(read_only=True) as uow:
            return listed(uow.session, token, self.clock.now())

    def export(self, principal: Principal, fmt: str = "json") -> str:
        """Listings in force for the credit platform (tokens, masks, grounds, terms); audited."""
        self.police(principal, "credit.export")
        now = self.clock.now()
        with self.disposal.uow() as uow:
            rows = uow.session.scalars(
                select(Listing)
                .where(Listing.status == str(ListingStatus.ACTIVE), Listing.ends_at > now)
                .order_by(Listing.id)
            ).all()
            items = [export_row(r) for r in rows]
            self.audit.record(
                uow.session,
                actor_of(principal),
                "credit.export",
                object_type="credit_listing",
                object_id="",
                source_ip=principal.source_ip,
                detail={"rows": len(items), "format": fmt},
            )
            uow.commit()
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS), lineterminator="\n")
            writer.writeheader()
            writer.writerows(items)
            return out.getvalue()
        return json.dumps({"generated_at": now.isoformat(), "items": items}, ensure_ascii=False)


EXPORT_FIELDS = (
    "number",
    "subject_kind",
    "subject_token",
    "subject_masked",
    "subject_name",
    "ground",
    "starts_at",
    "ends_at",
)


def export_row(listing: Listing) -> dict[str, Any]:
    """One line of the export: no evidence, no basis (the credit platform needs the fact of listing only)."""
    return {
        "number": listing.number,
        "subject_kind": listing.subject_kind,
        "subject_token": listing.subject_token,
        "subject_masked": listing.subject_masked,
        "subject_name": listing.subject_name,
        "ground": listing.ground,
        "starts_at": listing.starts_at.isoformat() if listing.starts_at else "",
        "ends_at": listing.ends_at.isoformat() if listing.ends_at else "",
    }
