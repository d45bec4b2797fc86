"""Objections to a pro-rata return notice (issue 22 item 6): lodged by anyone, decided by the police."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.audit.service import ANONYMOUS
from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, NotFound
from fanzha.db.uow import UnitOfWork
from fanzha.funds.tables import Objection, PublicNotice
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused

if TYPE_CHECKING:
    from fanzha.funds.service import FundsService

PENDING, UPHELD, DISMISSED = "pending", "upheld", "dismissed"


def pending(session: Session, freeze_id: int) -> int:
    """How many objections to the freeze's notices are still undecided."""
    count = session.scalar(
        select(func.count(Objection.id)).where(Objection.freeze_id == freeze_id, Objection.status == PENDING)
    )
    return int(count or 0)


def upheld(session: Session, notice_id: int) -> bool:
    """Whether an objection to the notice was upheld (the notice no longer supports a return)."""
    found = session.scalar(
        select(Objection.id).where(Objection.notice_id == notice_id, Objection.status == UPHELD).limit(1)
    )
    return found is not None


def lodge(
    service: FundsService, notice_id: int, name: str, phone: str, grounds: str, source_ip: str
) -> Objection:
    """Anyone may object while the notice is open (its 30 days); the phone is kept as token and cipher."""
    acc = service.account(IdentifierKind.PHONE, phone, "phone")
    now = service.clock.now()
    with UnitOfWork(service.sessions, service.clock) as uow:
        session = uow.session
        notice = session.get(PublicNotice, notice_id)
        if notice is None or notice.closed_at is not None:
            raise NotFound("公告不存在或已结束", "No such open notice", field="notice_id")
        if as_utc(notice.ends_at) <= now:
            raise Conflict("公告期已满，不再受理异议", "The notice period is over", field="notice_id")
        row = Objection(
            notice_id=notice.id,
            case_id=notice.case_id,
            freeze_id=notice.freeze_id,
            name=name,
            phone_token=acc.token,
            phone_masked=acc.masked,
            phone_ciphertext=acc.ciphertext,
            grounds=grounds,
            status=PENDING,
            decision_reason="",
            decided_by="",
            created_at=now,
        )
        session.add(row)
        session.flush()
        service.audit.record(
            session,
            ANONYMOUS,
            "funds.objection.lodge",
            object_type="funds_objection",
            object_id=str(row.id),
            source_ip=source_ip,
            detail={"notice_id": notice.id, "freeze_id": notice.freeze_id, "phone": acc.masked},
        )
        uow.commit()
        return row


def listing(service: FundsService, principal: Principal, status: str | None = None) -> list[Objection]:
    """Objections for the police, undecided first; the read of names and masked phones is audited."""
    service.police(principal, "funds.objection.list")
    with service.work(principal) as session:
        query = select(Objection).order_by((Objection.status != PENDING), Objection.id.desc()).limit(200)
        if status is not None:
            query = query.where(Objection.status == status)
        rows = list(session.scalars(query))
        service.record(
            session, principal, "funds.objection.list", "funds_objection", "", ids=[r.id for r in rows]
        )
        session.commit()
        return rows


def decide(service: FundsService, principal: Principal, oid: int, upheld: bool, reason: str) -> Objection:
    """Uphold (the notice is closed: a pro-rata return needs a new verification and notice) or dismiss."""
    service.police(principal, "funds.objection.decide")
    now = service.clock.now()
    with service.work(principal) as session:
        row = session.get(Objection, oid)
        if row is None:
            raise refused(
                NotFound("异议不存在", "No such objection", field="objection_id"),
                "funds.objection.decide",
                "funds_objection",
                oid,
            )
        if row.status != PENDING:
            raise Conflict("该异议已处理", "The objection is already decided", field="objection_id")
        row.status = UPHELD if upheld else DISMISSED
        row.decision_reason = reason
        row.decided_by = principal.username
        row.decided_at = now
        if upheld:
            notice = session.get_one(PublicNotice, row.notice_id)
            notice.closed_at = notice.closed_at or now
        service.record(
            session, principal, "funds.objection.decide", "funds_objection", row.id, status=row.status
        )
        session.commit()
        return row
