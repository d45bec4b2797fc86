"""Unclaimed money to the treasury and later refunds (Hunan Art 35¶3, issue 22 item 6).

因客观原因无法确定被害人 … 侦查终结或者终止侦查后，可以依法登记后上缴国库。事后发现依法应当退还的，
应当依法及时办理退还手续。Here: a freeze in force whose 30-day notice ran out with no objection
undecided and no claimant is registered and paid to the treasury after the investigation ended (the
bank is told on the freeze's channel, event `treasury`); a claimant found later is refunded, never
more than was paid in and not yet refunded.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, NotFound
from fanzha.funds import domain, objections
from fanzha.funds.domain import Kind, Status, refuse
from fanzha.funds.tables import PublicNotice, TreasuryPayment, TreasuryRefund
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused

if TYPE_CHECKING:
    from fanzha.funds.service import FundsService


def pay_in(
    service: FundsService, principal: Principal, iid: int, investigation_ended_at: datetime, reason: str
) -> TreasuryPayment:
    """Register a freeze's unclaimed money and pay it to the treasury (Art 35¶3); audited."""
    service._police(principal, "funds.treasury.register")
    now = service.clock.now()
    ended = as_utc(investigation_ended_at)
    with service._work(principal) as session:
        row = service._instruction(session, principal, iid, "funds.treasury.register")
        if row.kind != Kind.FREEZE or row.status != Status.FROZEN:
            raise refuse(
                "treasury.unclaimed",
                "instruction_id",
                "只能是生效中的冻结",
                "only a freeze in force",
                Conflict,
            )
        notice = session.scalars(
            select(PublicNotice)
            .where(PublicNotice.freeze_id == row.id, PublicNotice.closed_at.is_(None))
            .order_by(PublicNotice.id.desc())
            .limit(1)
        ).first()
        amount = domain.check_treasury(
            notice.ends_at if notice else None,
            now,
            objections.pending(session, row.id),
            ended,
            service._available(session, row),
        )
        assert notice is not None  # check_treasury refuses without one
        pay = TreasuryPayment(
            case_id=row.case_id,
            freeze_id=row.id,
            notice_id=notice.id,
            amount_fen=amount,
            refunded_fen=0,
            investigation_ended_at=ended,
            reason=reason,
            registered_by=principal.username,
            registered_at=now,
        )
        session.add(pay)
        row.status = Status.TREASURY
        row.updated_at = now
        notice.closed_at = now
        session.flush()
        service._event(session, row, "treasury", treasury_id=pay.id, treasury_fen=amount)
        service._promote(session, row.account_token)
        service._audit(
            session,
            principal,
            "funds.treasury.register",
            "funds_treasury",
            pay.id,
            freeze_id=row.id,
            amount=amount,
        )
        session.commit()
        return pay


def refund(
    service: FundsService,
    principal: Principal,
    treasury_id: int,
    claimant: str,
    account_kind: str,
    account: str,
    amount_fen: int,
    reason: str,
) -> TreasuryRefund:
    """A claimant found later is refunded from the treasury (Art 35¶3), within what is left; audited."""
    service._police(principal, "funds.treasury.refund")
    acc = service.account(account_kind, account, "account")
    now = service.clock.now()
    with service._work(principal) as session:
        pay = session.get(TreasuryPayment, treasury_id, with_for_update=True)
        if pay is None:
            raise refused(
                NotFound("上缴记录不存在", "No such treasury payment", field="treasury_id"),
                "funds.treasury.refund",
                "funds_treasury",
                treasury_id,
            )
        domain.check_refund(amount_fen, pay.amount_fen, pay.refunded_fen)
        row = TreasuryRefund(
            treasury_id=pay.id,
            claimant=claimant,
            account_kind=str(acc.identifier.kind),
            account_token=acc.token,
            account_masked=acc.masked,
            account_ciphertext=acc.ciphertext,
            amount_fen=amount_fen,
            reason=reason,
            decided_by=principal.username,
            decided_at=now,
        )
        session.add(row)
        pay.refunded_fen += amount_fen
        session.flush()
        service._audit(
            session,
            principal,
            "funds.treasury.refund",
            "funds_treasury",
            pay.id,
            refund_id=row.id,
            amount=amount_fen,
        )
        session.commit()
        return row


def listing(service: FundsService, principal: Principal) -> list[TreasuryPayment]:
    """Every treasury payment, newest first (police)."""
    service._police(principal, "funds.treasury.read")
    with service._work(principal) as session:
        rows = list(session.scalars(select(TreasuryPayment).order_by(TreasuryPayment.id.desc())))
        session.expunge_all()
        return rows
