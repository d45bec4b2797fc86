"""Funds stage: freeze requests and their approval (renewals: funds.renewals)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanzha.core.errors import Conflict, PermissionDenied
from fanzha.funds import domain
from fanzha.funds.core import FREEZE_ANSWER, Account, FundsCore
from fanzha.funds.domain import Kind, LiveFreeze, Status
from fanzha.funds.schemas import FreezeCreate
from fanzha.funds.tables import Instruction
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused
from fanzha.identity.tables import Organisation


class FreezeStage(FundsCore):
    """Freezes and approvals (Art 19)."""

    # Freeze --------------------------------------------------------------------------------------------

    def request_freeze(self, principal: Principal, data: FreezeCreate) -> Instruction:
        """A freeze request awaiting approval: within the amount traced and the term, no duplicate."""
        self._police(principal, "funds.freeze.request")
        with self._work(principal) as session:
            case = self._case(session, principal, data.case_id, "funds.freeze.request")
            acc = self.account(data.kind, data.value, "value")
            domain.check_term(data.term_months)
            traced = sum(self.traced(session, case.id, acc.token).values())
            domain.check_freeze_amount(data.amount_fen, traced)
            live = self._live_freezes(session, acc.token)
            domain.placement(case.id, [LiveFreeze(f.case_id, Status(f.status)) for f in live])
            org = self._routed(session, acc.identifier, data.org_id)
            try:
                row = self._new_freeze(session, principal, case.id, org, acc, data)
            except IntegrityError:
                # A concurrent request of the same case got there first (the live-freeze index).
                raise domain.refuse(
                    "freeze.no_duplicate",
                    "account",
                    "本案已冻结或申请冻结该账户",
                    "this case already freezes the account",
                    Conflict,
                ) from None
            self._audit(
                session,
                principal,
                "funds.freeze.request",
                "funds_instruction",
                row.id,
                amount_fen=data.amount_fen,
            )
            session.commit()
            return row

    def _new_freeze(
        self,
        session: Session,
        principal: Principal,
        case_id: int,
        org: Organisation,
        acc: Account,
        data: FreezeCreate,
    ) -> Instruction:
        return self._new(
            session,
            principal,
            case_id=case_id,
            kind=str(Kind.FREEZE),
            status=str(Status.PENDING_APPROVAL),
            org_id=org.id,
            account_kind=str(acc.identifier.kind),
            account_token=acc.token,
            account_masked=acc.masked,
            account_ciphertext=acc.ciphertext,
            account_name=data.account_name,
            amount_fen=data.amount_fen,
            term_months=data.term_months,
            scope=data.scope,
            include_interest=data.include_interest,
            reason=data.reason,
        )

    def approve(self, principal: Principal, iid: int, approve: bool, reason: str) -> Instruction:
        """Art 19¶1 不得超权限: the head of a county+ unit (the applicant's or above) decides."""
        self._police(principal, "funds.freeze.approve")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.freeze.approve")
            if row.kind != Kind.FREEZE or row.status != Status.PENDING_APPROVAL:
                raise Conflict(
                    "该指令不在待审批状态", "The instruction is not awaiting approval", field="instruction_id"
                )
            try:
                domain.check_approver(
                    principal.org_kind,
                    is_unit_or_superior(session, principal.org_id, row.issuer_org_id),
                )
            except PermissionDenied as error:
                raise refused(error, "funds.freeze.approve", "funds_instruction", iid) from None
            row.approved_by, row.approver_org_id, row.approved_at, row.updated_at = (
                principal.username,
                principal.org_id,
                now,
                now,
            )
            if not approve:
                row.status, row.receipt_reason = str(Status.REFUSED), reason
            else:
                live = self._live_freezes(session, row.account_token, but=row.id)
                placed = domain.placement(
                    row.case_id, [LiveFreeze(f.case_id, Status(f.status)) for f in live]
                )
                row.status = str(placed)
                if placed is Status.ISSUED:
                    row.due_at = now + FREEZE_ANSWER
                    self._event(session, row, "issued")
            self._audit(
                session,
                principal,
                "funds.freeze.approve",
                "funds_instruction",
                row.id,
                approve=approve,
                status=row.status,
            )
            session.commit()
            return row


def is_unit_or_superior(session: Session, approver_org: int, applicant_org: int) -> bool:
    """The approver's unit is the applicant's own or one above it in the region tree."""
    org_id: int | None = applicant_org
    for _ in range(10):  # the region tree is shallow: province, city, county, township
        if org_id is None:
            return False
        if org_id == approver_org:
            return True
        org = session.get(Organisation, org_id)
        org_id = org.parent_id if org else None
    return False
