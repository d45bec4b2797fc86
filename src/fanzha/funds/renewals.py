"""Funds stage: renewal (续冻) of a freeze before it ends, approved by the head like the freeze (Art 19¶1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.audit.service import SYSTEM, Auditor
from fanzha.core.errors import Conflict, NotFound, PermissionDenied
from fanzha.funds import domain
from fanzha.funds.core import FundsCore
from fanzha.funds.domain import Kind, RenewalStatus, Status
from fanzha.funds.freezes import is_unit_or_superior
from fanzha.funds.tables import FreezeRenewal, Instruction
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused


class RenewalStage(FundsCore):
    """Renewals: requested before the freeze ends, decided by the head, lapsing with the freeze."""

    def renew(self, principal: Principal, iid: int, months: int, reason: str = "") -> FreezeRenewal:
        """Request a renewal of a freeze in force before it ends; it waits for the head's approval."""
        self._police(principal, "funds.freeze.renew")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.freeze.renew")
            if row.kind != Kind.FREEZE:
                raise refused(
                    NotFound("该指令不是冻结", "The instruction is not a freeze", field="instruction_id"),
                    "funds.freeze.renew",
                    "funds_instruction",
                    iid,
                )
            ends = domain.check_renewable(Status(row.status), row.expires_at, now)
            domain.renewed_expiry(ends, months)  # the term bound, before anything is written
            if self._pending(session, row.id) is not None:
                raise domain.refuse(
                    "freeze.renewal_single",
                    "instruction_id",
                    "该冻结已有待审批的续冻申请",
                    "a renewal of this freeze already awaits approval",
                    Conflict,
                )
            renewal = FreezeRenewal(
                instruction_id=row.id,
                case_id=row.case_id,
                months=months,
                status=str(RenewalStatus.PENDING_APPROVAL),
                reason=reason,
                requested_by=principal.username,
                requester_org_id=principal.org_id,
                requested_at=now,
                decided_by="",
                decision_reason="",
                expires_before=ends,
            )
            session.add(renewal)
            session.flush()
            self._audit(
                session,
                principal,
                "funds.freeze.renew",
                "funds_renewal",
                renewal.id,
                freeze=row.id,
                months=months,
            )
            session.commit()
            return renewal

    def decide_renewal(
        self, principal: Principal, rid: int, approve: bool, reason: str = ""
    ) -> FreezeRenewal:
        """Art 19¶1 不得超权限: the head of a county+ unit (the requester's or above) approves or refuses."""
        self._police(principal, "funds.freeze.renewal_approve")
        now = self.clock.now()
        with self._work(principal) as session:
            renewal = session.get(FreezeRenewal, rid, with_for_update=True)
            if renewal is None:
                raise refused(
                    NotFound("续冻申请不存在", "No such renewal", field="renewal_id"),
                    "funds.freeze.renewal_approve",
                    "funds_renewal",
                    rid,
                )
            if renewal.status != RenewalStatus.PENDING_APPROVAL:
                raise Conflict(
                    "该续冻申请不在待审批状态", "The renewal is not awaiting approval", field="renewal_id"
                )
            try:
                domain.check_approver(
                    principal.org_kind,
                    is_unit_or_superior(session, principal.org_id, renewal.requester_org_id),
                    "freeze.renewal_approval",
                )
            except PermissionDenied as error:
                raise refused(error, "funds.freeze.renewal_approve", "funds_renewal", rid) from None
            row = session.get_one(Instruction, renewal.instruction_id, with_for_update=True)
            if approve:
                # Still before the end: a freeze that ended while the request waited is not revived.
                ends = domain.check_renewable(Status(row.status), row.expires_at, now)
                row.expires_at = domain.renewed_expiry(ends, renewal.months)
                row.warned_at = None  # the new term gets its own warning
                row.term_months, row.updated_at = renewal.months, now
                renewal.expires_after = row.expires_at
                self._event(session, row, "renewed", renewal_id=renewal.id)
            renewal.status = str(RenewalStatus.APPROVED if approve else RenewalStatus.REFUSED)
            renewal.decided_by, renewal.decider_org_id = principal.username, principal.org_id
            renewal.decided_at, renewal.decision_reason = now, reason
            self._audit(
                session,
                principal,
                "funds.freeze.renewal_approve",
                "funds_renewal",
                renewal.id,
                freeze=row.id,
                approve=approve,
            )
            session.commit()
            return renewal

    def renewals(
        self, principal: Principal, *, status: str | None = None, instruction_id: int | None = None
    ) -> list[FreezeRenewal]:
        """Police: renewals newest first (the board lists those awaiting approval)."""
        self._police(principal, "funds.freeze.renewals")
        query = select(FreezeRenewal).order_by(FreezeRenewal.id.desc()).limit(200)
        if status:
            query = query.where(FreezeRenewal.status == status)
        if instruction_id is not None:
            query = query.where(FreezeRenewal.instruction_id == instruction_id)
        with self._sessions() as session:
            return list(session.scalars(query))

    @staticmethod
    def _pending(session: Session, iid: int) -> FreezeRenewal | None:
        return session.scalars(
            select(FreezeRenewal).where(
                FreezeRenewal.instruction_id == iid, FreezeRenewal.status == RenewalStatus.PENDING_APPROVAL
            )
        ).first()


def lapse_pending(session: Session, audit: Auditor, now: datetime) -> int:
    """The sweep: renewals still awaiting approval when their freeze ended (or left force) lapse with it."""
    rows = session.execute(
        select(FreezeRenewal, Instruction)
        .join(Instruction, Instruction.id == FreezeRenewal.instruction_id)
        .where(FreezeRenewal.status == RenewalStatus.PENDING_APPROVAL)
        .with_for_update(of=FreezeRenewal)
    ).all()
    lapsed = 0
    for renewal, freeze in rows:
        if freeze.status == Status.FROZEN and freeze.expires_at is not None and now < freeze.expires_at:
            continue
        renewal.status, renewal.decided_at = str(RenewalStatus.LAPSED), now
        audit.record(
            session,
            SYSTEM,
            "funds.freeze.renewal_lapse",
            object_type="funds_renewal",
            object_id=str(renewal.id),
        )
        lapsed += 1
    return lapsed
