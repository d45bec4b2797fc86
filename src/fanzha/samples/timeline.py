"""A sample's whole story in time order: published, orders issued and executed, sightings, appeals."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.appeals.tables import Appeal
from fanzha.disposal.tables import Order
from fanzha.identity.domain import Principal
from fanzha.samples.tables import SampleHistory, Sighting


@dataclass(frozen=True)
class Moment:
    """One thing that happened: when, what (a text key), by whom, a detail, and where to read more."""

    at: datetime
    what: str
    who: str = ""
    detail: str = ""
    href: str = ""


@dataclass(frozen=True)
class Story:
    """The moments, oldest first, and how fast the platform acted on the sample."""

    moments: list[Moment]
    first_order_after: timedelta | None  # from publication to the first order
    executed: int  # orders executed
    orders: int
    median_execution: timedelta | None  # order issued → executed


def story_of(session: Session, principal: Principal, sample_id: int, names: dict[int, str]) -> Story:
    """The sample's story as `principal` may see it: institutions see only their own orders and appeals."""
    moments = [
        Moment(h.at, f"change.{h.change}", h.actor, _readable(h.detail, names))
        for h in session.scalars(select(SampleHistory).where(SampleHistory.sample_id == sample_id))
    ]
    moments += [
        Moment(s.seen_at, f"sighting.{s.outcome}", names.get(s.org_id, str(s.org_id)), s.note)
        for s in session.scalars(select(Sighting).where(Sighting.sample_id == sample_id))
    ]
    query = select(Order).where(Order.sample_id == sample_id)
    if not principal.org_kind.is_police:
        query = query.where(Order.org_id == principal.org_id)
    orders = list(session.scalars(query))
    for order in orders:
        href = f"/disposal/orders/{order.id}"
        moments.append(
            Moment(
                order.created_at, "timeline.order_issued", names.get(order.org_id, ""), order.measure, href
            )
        )
        if order.closed_at is not None:
            moments.append(
                Moment(
                    order.closed_at, f"timeline.order_{order.status}", names.get(order.org_id, ""), "", href
                )
            )
    appeal_ids = [o.appeal_id for o in orders if o.appeal_id is not None]
    for appeal in session.scalars(select(Appeal).where(Appeal.id.in_(appeal_ids))) if appeal_ids else []:
        moments.append(Moment(appeal.created_at, "timeline.appeal_lodged", "", appeal.number))
        if appeal.decided_at is not None:
            moments.append(
                Moment(appeal.decided_at, f"timeline.appeal_{appeal.status}", appeal.decided_by, "")
            )
    moments.sort(key=lambda m: m.at)
    published = next((m.at for m in moments if m.what == "change.published"), None)
    first_order = min((o.created_at for o in orders), default=None)
    took = sorted(o.closed_at - o.created_at for o in orders if o.status == "executed" and o.closed_at)
    return Story(
        moments=moments,
        first_order_after=first_order - published if first_order and published else None,
        executed=len(took),
        orders=len(orders),
        median_execution=took[len(took) // 2] if took else None,
    )


def _readable(detail: str, names: dict[int, str]) -> str:
    """A history entry's detail as words: the organisation's name, the reason; never the stored JSON."""
    try:
        fields = json.loads(detail) if detail else {}
    except ValueError:
        return detail
    if not isinstance(fields, dict):
        return ""
    parts = []
    if isinstance(fields.get("org_id"), int):
        parts.append(names.get(fields["org_id"], ""))
    if fields.get("reason"):
        parts.append(str(fields["reason"]))
    return " ".join(p for p in parts if p)
