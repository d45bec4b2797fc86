"""After execution: notices (Art 34¶1), measures in force, release (Art 34¶2), overdue escalation."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from fanzha.appeals.domain import CODE_ALPHABET
from fanzha.appeals.tables import Appeal
from fanzha.audit.service import SYSTEM, Actor
from fanzha.db import appends
from fanzha.db.engine import reserve_ids
from fanzha.db.rows import among
from fanzha.disposal.domain import (
    OPEN,
    REVERIFY_MEASURES,
    Escalation,
    Measure,
    OrderStatus,
    Trigger,
    escalation_due,
    notice_text,
    render_notice,
)
from fanzha.disposal.notices import OutgoingNotice, deliver
from fanzha.disposal.routing import CONTACT_KINDS
from fanzha.disposal.tables import Holding, Notice, Order
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.identity.tables import Organisation
from fanzha.samples.tables import Sample

if TYPE_CHECKING:
    from fanzha.disposal.orders import OrderCore
    from fanzha.disposal.service import DisposalService

log = logging.getLogger("fanzha.disposal")


def code_hash(code: str) -> str:
    """Notices keep only the SHA-256 of their appeal code."""
    return hashlib.sha256(code.encode()).hexdigest()


def appeal_code(service: OrderCore, salt: str) -> str:
    """The appeal code of a notice: derived from the platform's key and the notice's salt (10 characters).

    Finding 15: the code is in no stored text; it is rendered when the notice is sent or handed over.
    """
    digest = int.from_bytes(service.vault.derive("notice-code", salt)[:8], "big")
    return "".join(CODE_ALPHABET[(digest >> (5 * i)) & 31] for i in range(10))


def render(service: OrderCore, session: Session, notice: Notice) -> str:
    """The notice's text with its appeal code; a notice from before salts gets a fresh code (in `session`)."""
    if notice.code_salt is None:
        notice.code_salt = secrets.token_hex(8)
        notice.code_hash = code_hash(appeal_code(service, notice.code_salt))
    return render_notice(notice.text, appeal_code(service, notice.code_salt))


def _recipients(session: Session, rows: list[dict[str, Any]]) -> dict[str, tuple[str, bytes]]:
    """Per object token, the registered phone (token, ciphertext) of its holder, from the holdings register.

    An account, card or app is looked up as an object; a person (resident ID) as a holder.
    """
    objects = [r["object_token"] for r in rows if r["object_kind"] != IdentifierKind.RESIDENT_ID]
    people = [r["object_token"] for r in rows if r["object_kind"] == IdentifierKind.RESIDENT_ID]
    found: dict[str, tuple[str, bytes]] = {}
    for column, tokens in ((Holding.object_token, objects), (Holding.holder_token, people)):
        if not tokens:
            continue
        query = (
            select(column, Holding.phone_token, Holding.phone_ciphertext)
            .where(among(session, column, tokens), Holding.withdrawn_at.is_(None), Holding.phone_token != "")
            .order_by(Holding.id)
        )
        for token, phone_token, ciphertext in session.execute(query):
            if ciphertext is not None:
                found.setdefault(token, (phone_token, ciphertext))
    return found


def record_notices(service: OrderCore, session: Session, rows: list[dict[str, Any]]) -> None:
    """Art 34¶1: a notice for each new order that is not confidential (nor a release), in one statement.

    The notice names the measure, the reason, the deciding unit (谁决定谁负责) and the article, and
    goes by SMS to the number itself or to the holder's registered phone; otherwise the institution
    delivers it and confirms so in its receipt. Sent once the order is executed.
    """
    wanted = [r for r in rows if not r["confidential"] and r["measure"] != Measure.RELEASE]
    if not wanted:
        return
    issuers = {r["issuer_org_id"] for r in wanted}
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name_zh).where(among(session, Organisation.id, issuers))
        ).all()
    )
    contacts = _recipients(session, wanted)
    # URLs, domains and apps: the registrant's or developer's phone the routing tables hold.
    links = [r for r in wanted if r["object_kind"] in CONTACT_KINDS and r["object_token"] not in contacts]
    identifiers = [
        service.vault.decrypt(r["object_kind"], r["object_token"], r["object_ciphertext"]) for r in links
    ]
    for row, contact in zip(links, service.routing.contacts(session, identifiers), strict=True):
        if contact is not None:
            contacts[row["object_token"]] = contact
    ids = reserve_ids(session, cast(Table, Notice.__table__), len(wanted))
    now, notices = service.clock.now(), []
    for notice_id, row in zip(ids, wanted, strict=True):
        kind, salt = IdentifierKind(row["object_kind"]), secrets.token_hex(8)
        recipient_token, recipient_ciphertext = contacts.get(row["object_token"], ("", None))
        if kind is IdentifierKind.PHONE:
            channel = "sms"  # the number itself
        elif recipient_ciphertext is not None:
            channel = "sms"  # the holder's registered phone, or the registrant's or developer's
        else:
            channel = "institution"  # the institution delivers it and confirms in its receipt
        text = notice_text(
            kind,
            row["object_masked"],
            Measure(row["measure"]),
            row["reason"],
            names.get(row["issuer_org_id"], ""),
            row["article"],
        )
        notices.append(
            {
                "id": notice_id,
                "order_id": row["id"],
                "issuer_org_id": row["issuer_org_id"],
                "object_kind": row["object_kind"],
                "object_token": row["object_token"],
                "code_hash": code_hash(appeal_code(service, salt)),
                "code_salt": salt,
                "text": text,
                "channel": channel,
                "recipient_token": recipient_token,
                "recipient_ciphertext": recipient_ciphertext,
                "created_at": now,
                "sent_at": None,
                "delivered_by": "",
            }
        )
    appends.insert_now(session, Notice, notices)


def recipient(service: OrderCore, notice: Notice, order: Order) -> str:
    """The phone an SMS notice goes to: the holder's registered phone, else the number itself."""
    if notice.recipient_ciphertext:
        phone = service.vault.decrypt(
            IdentifierKind.PHONE, notice.recipient_token, notice.recipient_ciphertext
        )
        return phone.value
    if order.object_kind == IdentifierKind.PHONE and order.object_ciphertext:
        return service.target_of(order).identifier.value
    return ""


def due_notices(service: OrderCore, session: Session, orders: list[Order]) -> list[OutgoingNotice]:
    """The SMS notices of orders just executed, rendered with their codes; sent after commit."""
    if not orders:
        return []
    by_id = {o.id: o for o in orders}
    notices = session.scalars(
        select(Notice)
        .where(among(session, Notice.order_id, list(by_id)), Notice.channel == "sms")
        .order_by(Notice.id)
    ).all()
    return [
        OutgoingNotice(n.id, "sms", recipient(service, n, by_id[n.order_id]), render(service, session, n))
        for n in notices
    ]


def send_notices(service: OrderCore, notices: list[OutgoingNotice]) -> None:
    """Hand notices to the port after commit; a gateway failure leaves sent_at empty for the resend pass."""
    # Stops at the first gateway failure: a batch of 1000 receipts must not wait 1000 time-outs.
    sent, _ = deliver(service.notifier, notices)
    if sent:
        with service.uow() as uow:
            uow.session.execute(
                update(Notice).where(among(uow.session, Notice.id, sent)).values(sent_at=service.clock.now())
            )
            uow.commit()


def in_force(session: Session, token: str, *, derived: bool = False) -> list[Order]:
    """Orders whose measure restricts the object now, or may soon (open orders).

    `derived` adds the orders a sample on the object brought on other objects: the associated
    restrictions on its holder's accounts elsewhere (Art 18¶3, 20¶2), which fall with the sample.
    """
    states = [str(OrderStatus.EXECUTED), *(str(s) for s in OPEN)]
    on_object = Order.object_token == token
    if derived:
        samples = select(Sample.id).where(Sample.token == token).scalar_subquery()
        on_object = on_object | Order.sample_id.in_(samples)
    # A re-verification done restricts nothing; one still open is withdrawn with the measures.
    reverify = Order.measure.in_([str(m) for m in REVERIFY_MEASURES])
    checked = reverify & (Order.status == str(OrderStatus.EXECUTED))
    return list(
        session.scalars(
            select(Order)
            .where(on_object, Order.status.in_(states), Order.measure != str(Measure.RELEASE), ~checked)
            .order_by(Order.id)
        )
    )


def release_object(
    service: DisposalService,
    session: Session,
    actor: Actor,
    token: str,
    issuer_org_id: int,
    reason: str,
    appeal_id: int | None,
    institutions_fulfilled: bool = True,
) -> list[Order]:
    """Lift every measure on an object and those its sample brought on its holder; a release order each.

    The order's history records whether its institution fulfilled its duties (Art 34¶3).
    """
    releases: list[Order] = []
    for order in in_force(session, token, derived=True):
        detail = {"reason": reason, "appeal_id": appeal_id, "institutions_fulfilled": institutions_fulfilled}
        service.move(session, order, OrderStatus.RELEASED, actor.name, detail)
        outbox.record(session, service.clock, "disposal.order.released", service.payload(order))
        org = session.get(Organisation, order.org_id)
        assert org is not None
        releases.append(
            service.create(
                session,
                org=org,
                rule=service.rule(
                    IdentifierKind(order.object_kind),
                    Measure.RELEASE,
                    OrgKind(org.kind),
                    Trigger.APPEAL_UPHELD,
                ),
                target=service.target_of(order),
                issuer_org_id=issuer_org_id,
                issued_by=actor.name,
                reason=reason,
                releases_order_id=order.id,
                appeal_id=appeal_id,
                sample_id=order.sample_id,
            )
        )
    return releases


def escalate_overdue(service: DisposalService, limit: int = 5000) -> dict[str, int]:
    """A scheduled job: remind institutions of overdue orders, then report them to issuer and regulator."""
    now = service.clock.now()
    counts = {str(Escalation.REMINDED): 0, str(Escalation.REPORTED): 0}
    with service.uow() as uow:
        due = uow.session.scalars(
            select(Order)
            .where(Order.closed_at.is_(None), Order.due_at < now)  # open: through their own index
            .order_by(Order.id)
            .limit(limit)
            .with_for_update()
        ).all()
        for order in due:
            step = escalation_due(OrderStatus(order.status), Escalation(order.escalation), order.due_at, now)
            if step is None:
                continue
            order.escalation, order.updated_at = str(step), now
            payload = service.payload(order) | {"issuer_org_id": order.issuer_org_id}
            if step is Escalation.REPORTED:
                org = uow.session.get(Organisation, order.org_id)
                sector = OrgKind(org.kind) if org else OrgKind.BANK
                payload["regulator_org_ids"] = service.routing.regulators(uow.session, sector)
            if step is Escalation.REMINDED and Measure(order.measure) in REVERIFY_MEASURES:
                # Art 13 未按规定核验, 18¶3, 20¶2: not re-verified within its risk-graded time → the measure.
                follow = service.follow_up(uow.session, order, "未按期完成核验")
                if follow is not None:
                    payload["follow_up_order_id"] = follow.id
            outbox.record(uow.session, service.clock, f"disposal.order.{step}", payload)
            service.audit.record(
                uow.session, SYSTEM, f"order.{step}", object_type="order", object_id=order.id, detail=payload
            )
            counts[str(step)] += 1
        uow.commit()
    return counts


def wrongful_disposals(session: Session, org_id: int) -> int:
    """An institution's orders lifted on an upheld appeal where it did not fulfil its duties (Art 34¶3).

    A unit that executed a lawful order did its duty and is not blamed: an appeal decided with
    `institutions_fulfilled` leaves its count alone (the figure oversight reads).
    """
    query = (
        select(func.count())
        .select_from(Order)
        .join(Appeal, Appeal.id == Order.appeal_id)
        .where(
            Order.org_id == org_id,
            Order.measure == str(Measure.RELEASE),
            Appeal.institutions_fulfilled.is_(False),
        )
    )
    return int(session.scalar(query) or 0)
