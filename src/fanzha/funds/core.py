"""What the funds stages share: the unit of work, clock, auditor, vault, routing and the instruction rows."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import SYSTEM, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.disposal.routing import RoutingService
from fanzha.events import outbox
from fanzha.funds import domain
from fanzha.funds.domain import FREEZE_LIVE, IN_FORCE, Kind, LiveFreeze, Status
from fanzha.funds.tables import FundsCase, Instruction, ReturnShare, Trace
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import Organisation

if TYPE_CHECKING:
    from fanzha.funds.intake import VictimReports
    from fanzha.funds.victims import VictimPortal

TOPIC = "disposal.order.funds"  # the order channels (webhook, feed, NATS per institution) carry them
FREEZE_ANSWER = timedelta(hours=24)
OPEN_STOP = frozenset({Status.ISSUED, Status.HELD, Status.UNROUTED})


@dataclass(frozen=True)
class Account:
    """An account tokenised and encrypted by the identifier vault."""

    identifier: Identifier
    token: str
    masked: str
    ciphertext: bytes


class FundsCore:
    """State and helpers every stage of the funds area shares."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault,
        routing: RoutingService,
        answer_minutes: int = 10,
        max_hops: int = 3,
        expiry_warning_days: int = 7,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.audit = auditor
        self.identity = identity
        self.vault = vault
        self.routing = routing
        self.answer = timedelta(minutes=answer_minutes)
        self.max_hops = max_hops
        self.expiry_warning = timedelta(days=expiry_warning_days)
        # The victims' status page (funds.victims), wired by build_platform; None where not needed.
        self.portal: VictimPortal | None = None
        # The victims' own reports on the portal (funds.intake), wired by build_platform.
        self.reports: VictimReports | None = None

    @contextmanager
    def _work(self, principal: Principal) -> Iterator[Session]:
        with self.identity.guarded(principal), UnitOfWork(self._sessions, self.clock) as uow:
            yield uow.session

    def account(self, kind: IdentifierKind | str, value: str, field: str) -> Account:
        """Normalise, tokenise and encrypt an account identifier (no raw number is stored in clear)."""
        identifier = normalise(kind, value, field=field)
        token = self.vault.token(identifier)
        return Account(identifier, token, self.vault.mask(identifier), self.vault.encrypt(identifier, token))

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory (for the area's other modules: objections)."""
        return self._sessions

    def work(self, principal: Principal) -> contextlib.AbstractContextManager[Session]:
        """A unit of work guarded for `principal` (commit explicitly)."""
        return self._work(principal)

    def police(self, principal: Principal, action: str) -> None:
        """Refuse (audited) anyone not of a police unit."""
        self._police(principal, action)

    def record(
        self, session: Session, principal: Principal, action: str, kind: str, oid: object, **detail: Any
    ) -> None:
        """Audit an action of `principal` in `session`."""
        self._audit(session, principal, action, kind, oid, **detail)

    def _police(self, principal: Principal, action: str) -> None:
        if not principal.org_kind.is_police:
            self.identity.deny(principal, action, "funds", "")
            raise PermissionDenied(
                "只有公安机关可以办理涉案资金", "Only police units handle case funds", field="org"
            )

    def _audit(
        self, session: Session, principal: Principal, action: str, kind: str, oid: object, **detail: Any
    ) -> None:
        self.audit.record(
            session,
            actor_of(principal),
            action,
            object_type=kind,
            object_id=str(oid),
            source_ip=principal.source_ip,
            detail=detail,
        )

    def _event(self, session: Session, row: Instruction, event: str, **extra: Any) -> None:
        payload = {
            "instruction_id": row.id,
            "org_id": row.org_id,
            "issuer_org_id": row.issuer_org_id,
            "case_id": row.case_id,
            "kind": row.kind,
            "status": row.status,
            "account_kind": row.account_kind,
            "account_token": row.account_token,
            "amount_fen": row.amount_fen,
            "due_at": row.due_at.isoformat() if row.due_at else None,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
            **extra,
        }
        outbox.record(session, self.clock, f"{TOPIC}.{row.kind}.{event}", payload)

    def _case(self, session: Session, principal: Principal, case_id: int, action: str) -> FundsCase:
        case = session.get(FundsCase, case_id)
        if case is None or not principal.org_kind.is_police:
            raise refused(
                NotFound("案件不存在", "No such case", field="case_id"), action, "funds_case", case_id
            )
        return case

    @staticmethod
    def traced(session: Session, case_id: int, token: str) -> dict[int, int]:
        """Per victim, the case's money traced to an account."""
        rows = session.execute(
            select(Trace.victim_id, func.sum(Trace.amount_fen))
            .where(Trace.case_id == case_id, Trace.account_token == token)
            .group_by(Trace.victim_id)
        ).all()
        return {int(v): int(a) for v, a in rows}

    @staticmethod
    def _returned(session: Session, case_id: int) -> dict[int, int]:
        """Per victim, what return instructions of the case give back (issued or done)."""
        rows = session.execute(
            select(ReturnShare.victim_id, func.sum(ReturnShare.amount_fen))
            .join(Instruction, ReturnShare.instruction_id == Instruction.id)
            .where(Instruction.case_id == case_id, Instruction.status.in_([Status.ISSUED, Status.RETURNED]))
            .group_by(ReturnShare.victim_id)
        ).all()
        return {int(v): int(a) for v, a in rows}

    def _route(self, session: Session, identifier: Identifier, org_id: int | None) -> Organisation | None:
        """The bank or payment institution holding the account: given, or from the routing tables."""
        if org_id is not None:
            org = session.get(Organisation, org_id)
            if org is None or OrgKind(org.kind) not in (OrgKind.BANK, OrgKind.PAYMENT):
                raise ValidationFailed(
                    "接收单位不存在或不是银行、支付机构",
                    "No such bank or payment institution",
                    field="org_id",
                )
            return org
        found = self.routing.responsible(session, identifier)
        return session.get(Organisation, found[0]) if found else None

    def _routed(self, session: Session, identifier: Identifier, org_id: int | None) -> Organisation:
        """As `_route`, refusing when neither the caller nor the routing tables name the institution."""
        org = self._route(session, identifier, org_id)
        if org is None:
            raise ValidationFailed(
                "路由表中没有该账户的开户机构，请指定接收单位",
                "No institution holds this account in the routing tables; give org_id",
                field="org_id",
            )
        return org

    def _instruction(
        self, session: Session, principal: Principal, iid: int, action: str, *, own: bool = False
    ) -> Instruction:
        row = session.get(Instruction, iid, with_for_update=True)
        visible = row is not None and (
            (principal.org_kind.is_police and not own)
            or (row.org_id == principal.org_id and row.org_id is not None)
        )
        if row is None or not visible:
            # An institution sees only its own instructions; "absent" and "not yours" answer alike.
            raise refused(
                NotFound(
                    "指令不存在或不属于本单位",
                    "No such instruction for your organisation",
                    field="instruction_id",
                ),
                action,
                "funds_instruction",
                iid,
            )
        return row

    def _new(self, session: Session, principal: Principal | None, **fields: Any) -> Instruction:
        now = self.clock.now()
        row = Instruction(
            issuer_org_id=fields.pop("issuer_org_id", principal.org_id if principal else None),
            issued_by=fields.pop("issued_by", principal.username if principal else "system"),
            created_at=now,
            updated_at=now,
            result_fen=0,
            extensions=0,
            escalated=False,
            **fields,
        )
        for name in (
            "account_name",
            "scope",
            "reason",
            "method",
            "officers",
            "approved_by",
            "receipt_reason",
        ):
            if getattr(row, name) is None:
                setattr(row, name, "")
        row.include_interest = bool(row.include_interest)
        row.term_months = row.term_months or 0
        row.hop = row.hop or 0
        session.add(row)
        session.flush()
        return row

    def _from_row(
        self, session: Session, principal: Principal, row: Instruction, kind: Kind, **fields: Any
    ) -> Instruction:
        """A new issued instruction of `kind` to the same institution on the same account as `row`."""
        return self._new(
            session,
            principal,
            case_id=row.case_id,
            kind=str(kind),
            status=str(Status.ISSUED),
            org_id=row.org_id,
            account_kind=row.account_kind,
            account_token=row.account_token,
            account_masked=row.account_masked,
            account_ciphertext=row.account_ciphertext,
            target_id=row.id,
            **fields,
        )

    # The freeze queue and ending instructions (shared by receipts, returns and the sweep) ----------

    @staticmethod
    def _live_freezes(session: Session, token: str, but: int | None = None) -> list[Instruction]:
        query = select(Instruction).where(
            Instruction.kind == Kind.FREEZE,
            Instruction.account_token == token,
            Instruction.status.in_(FREEZE_LIVE),
        )
        if but is not None:
            query = query.where(Instruction.id != but)
        return list(session.scalars(query.order_by(Instruction.id)))

    def _end_target(self, session: Session, release: Instruction, status: Status) -> None:
        """A released stop-payment or freeze ends; a freeze waiting its turn on the account takes effect."""
        if release.target_id is None:
            return
        target = session.get_one(Instruction, release.target_id, with_for_update=True)
        if Status(target.status) in IN_FORCE:
            target.status, target.updated_at = str(status), self.clock.now()
            self._event(session, target, "ended", status=str(status))
            self._promote(session, target.account_token)

    def _promote(self, session: Session, token: str) -> int:
        """The first queued (轮候) freeze on an account takes effect once no other holds it."""
        live = self._live_freezes(session, token)  # oldest first
        turn = domain.next_in_line([LiveFreeze(f.case_id, Status(f.status)) for f in live])
        if turn is None:
            return 0
        first = live[turn]
        first.status, first.due_at, first.updated_at = (
            str(Status.ISSUED),
            self.clock.now() + FREEZE_ANSWER,
            self.clock.now(),
        )
        self._event(session, first, "issued", queued=True)
        self.audit.record(
            session, SYSTEM, "funds.freeze.promote", object_type="funds_instruction", object_id=str(first.id)
        )
        return 1

    def _after_return(self, session: Session, ret: Instruction) -> None:
        """A freeze all of whose money went back ends; the next queued freeze may take effect."""
        if ret.target_id is None:
            return
        freeze = session.get_one(Instruction, ret.target_id, with_for_update=True)
        done = session.scalar(
            select(func.coalesce(func.sum(Instruction.result_fen), 0)).where(
                Instruction.kind == Kind.RETURN,
                Instruction.target_id == freeze.id,
                Instruction.status == Status.RETURNED,
            )
        )
        if int(done or 0) >= freeze.result_fen and freeze.status == Status.FROZEN:
            freeze.status, freeze.updated_at = str(Status.RETURNED), self.clock.now()
            self._event(session, freeze, "ended", status=str(Status.RETURNED))
            self._promote(session, freeze.account_token)
