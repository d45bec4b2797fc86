"""Use cases of the funds area: intake, stop-payment, following the money, freeze, verification, return."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import SYSTEM, Auditor
from fanzha.core.clock import Clock, as_utc
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.disposal.routing import RoutingService
from fanzha.events import outbox
from fanzha.funds import domain, objections
from fanzha.funds.domain import (
    ANSWERS,
    FREEZE_LIVE,
    IN_FORCE,
    Deposit,
    Kind,
    LiveFreeze,
    Method,
    Outcome,
    Status,
    Verdict,
    refuse,
)
from fanzha.funds.domain import (
    Onward as OnwardMove,
)
from fanzha.funds.schemas import (
    CaseCreate,
    FreezeCreate,
    ReceiptCreate,
    ReturnCreate,
    StopCreate,
    VerificationCreate,
)
from fanzha.funds.tables import (
    FundsCase,
    Instruction,
    Onward,
    PublicNotice,
    ReturnShare,
    Trace,
    Transfer,
    Verification,
    Victim,
)
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import Organisation, User

if TYPE_CHECKING:
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


class FundsService:
    """Victims' money from the report to its return, within the bounds of Art 19 and Art 35."""

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

    # Cases ----------------------------------------------------------------------------------------

    def create_case(self, principal: Principal, data: CaseCreate) -> FundsCase:
        """Intake by the police: the case, its victims and every transfer, all or nothing."""
        self._police(principal, "funds.case.create")
        now = self.clock.now()
        with self._work(principal) as session:
            case = FundsCase(
                number=data.number,
                org_id=principal.org_id,
                scam_type=str(data.scam_type),
                summary=data.summary,
                created_by=principal.username,
                created_at=now,
            )
            session.add(case)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict("案件编号已存在", "Case number already exists", field="number") from None
            for i, v in enumerate(data.victims):
                acc = self.account(v.account_kind, v.account, f"victims.{i}.account")
                domain.check_fen(v.loss_fen, f"victims.{i}.loss_fen")
                phone = self.account(IdentifierKind.PHONE, v.phone, f"victims.{i}.phone") if v.phone else None
                victim = Victim(
                    case_id=case.id,
                    name=v.name,
                    loss_fen=v.loss_fen,
                    account_kind=str(acc.identifier.kind),
                    account_token=acc.token,
                    account_masked=acc.masked,
                    account_ciphertext=acc.ciphertext,
                    phone_token=phone.token if phone else None,
                    phone_masked=phone.masked if phone else "",
                    phone_ciphertext=phone.ciphertext if phone else None,
                )
                session.add(victim)
                session.flush()
                for j, t in enumerate(v.transfers):
                    field = f"victims.{i}.transfers.{j}"
                    at = domain.check_transfer_time(t.at, now, f"{field}.at")
                    domain.check_fen(t.amount_fen, f"{field}.amount_fen")
                    payer = self.account(t.payer_kind, t.payer, f"{field}.payer")
                    payee = self.account(t.payee_kind, t.payee, f"{field}.payee")
                    transfer = Transfer(
                        case_id=case.id,
                        victim_id=victim.id,
                        at=at,
                        amount_fen=t.amount_fen,
                        channel=str(t.channel),
                        payer_kind=str(payer.identifier.kind),
                        payer_token=payer.token,
                        payer_masked=payer.masked,
                        payer_ciphertext=payer.ciphertext,
                        payee_kind=str(payee.identifier.kind),
                        payee_token=payee.token,
                        payee_masked=payee.masked,
                        payee_ciphertext=payee.ciphertext,
                    )
                    session.add(transfer)
                    session.flush()
                    # The victim's money is at the receiving account from the moment it arrived (hop 0).
                    session.add(
                        Trace(
                            case_id=case.id,
                            victim_id=victim.id,
                            account_token=payee.token,
                            hop=0,
                            amount_fen=t.amount_fen,
                            arrived_at=at,
                            transfer_id=transfer.id,
                        )
                    )
            self._audit(
                session, principal, "funds.case.create", "funds_case", case.id, victims=len(data.victims)
            )
            session.commit()
            return case

    def _case(self, session: Session, principal: Principal, case_id: int, action: str) -> FundsCase:
        case = session.get(FundsCase, case_id)
        if case is None or not principal.org_kind.is_police:
            raise refused(
                NotFound("案件不存在", "No such case", field="case_id"), action, "funds_case", case_id
            )
        return case

    def cases(self, principal: Principal, limit: int = 100) -> list[FundsCase]:
        """Cases newest first (police units coordinate across the province, like orders)."""
        self._police(principal, "funds.case.list")
        with self._sessions() as session:
            return list(session.scalars(select(FundsCase).order_by(FundsCase.id.desc()).limit(limit)))

    def case_detail(self, principal: Principal, case_id: int) -> dict[str, Any]:
        """Everything about a case (victims' personal information: audited)."""
        self._police(principal, "funds.case.read")
        with self._work(principal) as session:
            case = self._case(session, principal, case_id, "funds.case.read")
            victims = list(
                session.scalars(select(Victim).where(Victim.case_id == case_id).order_by(Victim.id))
            )
            returned = self._returned(session, case_id)
            detail = {
                "case": case,
                "victims": [
                    {
                        **{
                            c: getattr(v, c)
                            for c in ("id", "name", "loss_fen", "account_kind", "account_masked")
                        },
                        "returned_fen": returned.get(v.id, 0),
                    }
                    for v in victims
                ],
                "transfers": list(
                    session.scalars(select(Transfer).where(Transfer.case_id == case_id).order_by(Transfer.id))
                ),
                "instructions": list(
                    session.scalars(
                        select(Instruction).where(Instruction.case_id == case_id).order_by(Instruction.id)
                    )
                ),
                "traces": list(
                    session.scalars(select(Trace).where(Trace.case_id == case_id).order_by(Trace.id))
                ),
                "onward": list(
                    session.scalars(
                        select(Onward)
                        .join(Instruction, Onward.instruction_id == Instruction.id)
                        .where(Instruction.case_id == case_id)
                        .order_by(Onward.id)
                    )
                ),
            }
            self._audit(session, principal, "funds.case.read", "funds_case", case_id)
            session.commit()
            return detail

    # Money located at accounts ------------------------------------------------------------------------

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

    # Stop-payment ---------------------------------------------------------------------------------

    def stop_payment(self, principal: Principal, transfer_id: int, data: StopCreate) -> Instruction:
        """Emergency stop-payment on a confirmed transfer's receiving account (national law Art 20)."""
        self._police(principal, "funds.stop.issue")
        with self._work(principal) as session:
            transfer = session.get(Transfer, transfer_id)
            if transfer is None:
                raise refused(
                    NotFound("转账不存在", "No such transfer", field="transfer_id"),
                    "funds.stop.issue",
                    "funds_transfer",
                    transfer_id,
                )
            open_stop = session.scalar(
                select(Instruction.id).where(
                    Instruction.case_id == transfer.case_id,
                    Instruction.kind == Kind.STOP_PAYMENT,
                    Instruction.account_token == transfer.payee_token,
                    Instruction.status.in_(OPEN_STOP),
                )
            )
            if open_stop is not None:
                raise Conflict(
                    f"该账户已有止付指令 {open_stop}",
                    f"Stop-payment {open_stop} already open on the account",
                    field="transfer_id",
                )
            identifier = self.vault.decrypt(
                transfer.payee_kind, transfer.payee_token, transfer.payee_ciphertext
            )
            org = self._route(session, identifier, data.org_id)
            if org is None:
                raise ValidationFailed(
                    "路由表中没有该账户的开户机构，请指定接收单位",
                    "No institution holds this account in the routing tables; give org_id",
                    field="org_id",
                )
            amount = sum(self.traced(session, transfer.case_id, transfer.payee_token).values())
            row = self._issue_stop(
                session,
                principal,
                case_id=transfer.case_id,
                org=org,
                kind=transfer.payee_kind,
                token=transfer.payee_token,
                masked=transfer.payee_masked,
                ciphertext=transfer.payee_ciphertext,
                amount=amount,
                hop=0,
                parent_id=None,
                reason=data.reason,
            )
            self._audit(
                session,
                principal,
                "funds.stop.issue",
                "funds_instruction",
                row.id,
                org_id=org.id,
                amount_fen=amount,
            )
            session.commit()
            return row

    def _issue_stop(
        self,
        session: Session,
        principal: Principal | None,
        *,
        case_id: int,
        org: Organisation | None,
        kind: str,
        token: str,
        masked: str,
        ciphertext: bytes,
        amount: int,
        hop: int,
        parent_id: int | None,
        reason: str,
        issuer_org_id: int | None = None,
    ) -> Instruction:
        now = self.clock.now()
        extra: dict[str, Any] = (
            {} if issuer_org_id is None else {"issuer_org_id": issuer_org_id, "issued_by": "system"}
        )
        row = self._new(
            session,
            principal,
            case_id=case_id,
            kind=str(Kind.STOP_PAYMENT),
            status=str(Status.ISSUED if org else Status.UNROUTED),
            org_id=org.id if org else None,
            account_kind=kind,
            account_token=token,
            account_masked=masked,
            account_ciphertext=ciphertext,
            amount_fen=amount,
            hop=hop,
            parent_id=parent_id,
            reason=reason,
            # Art 18¶4: the institution acts at once; the answer is due within minutes (a setting).
            due_at=now + self.answer if org else None,
            **extra,
        )
        if org is not None:
            self._event(session, row, "issued", hop=hop)
        return row

    def extend(self, principal: Principal, iid: int) -> Instruction:
        """Extend a stop-payment once by another 48 hours, while it is in force."""
        self._police(principal, "funds.stop.extend")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.stop.extend")
            if row.kind != Kind.STOP_PAYMENT or row.status != Status.HELD or row.expires_at is None:
                raise refuse(
                    "stop.term",
                    "instruction_id",
                    "只能延长生效中的止付",
                    "only a stop-payment in force",
                    Conflict,
                )
            domain.check_extension(row.extensions, row.expires_at, now)
            row.extensions += 1
            assert row.starts_at is not None
            row.expires_at = domain.stop_expiry(row.starts_at, row.extensions)
            row.updated_at = now
            self._event(session, row, "extended")
            self._audit(
                session,
                principal,
                "funds.stop.extend",
                "funds_instruction",
                row.id,
                expires_at=row.expires_at.isoformat(),
            )
            session.commit()
            return row

    def route_lead(self, principal: Principal, iid: int, org_id: int) -> Instruction:
        """Send a lead no routing table knew to the institution the police name."""
        self._police(principal, "funds.stop.route")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.stop.route")
            if row.status != Status.UNROUTED:
                raise Conflict("该线索已有接收机构", "The lead is routed already", field="instruction_id")
            identifier = self.vault.decrypt(row.account_kind, row.account_token, row.account_ciphertext)
            org = self._route(session, identifier, org_id)
            assert org is not None  # given org_id: found or refused
            row.org_id, row.status, row.due_at, row.updated_at = (
                org.id,
                str(Status.ISSUED),
                now + self.answer,
                now,
            )
            self._event(session, row, "issued", hop=row.hop)
            self._audit(session, principal, "funds.stop.route", "funds_instruction", row.id, org_id=org.id)
            session.commit()
            return row

    def withdraw(self, principal: Principal, iid: int, reason: str) -> list[Instruction]:
        """Prune a branch: the stop-payment and every lead that followed from it, still open, end."""
        self._police(principal, "funds.stop.withdraw")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.stop.withdraw")
            if row.kind != Kind.STOP_PAYMENT:
                raise Conflict(
                    "只能撤回止付分支", "Only stop-payment branches are withdrawn", field="instruction_id"
                )
            branch, frontier = [row], [row.id]
            while frontier:
                children = list(
                    session.scalars(
                        select(Instruction)
                        .where(Instruction.parent_id.in_(frontier))
                        .order_by(Instruction.id)
                        .with_for_update()
                    )
                )
                branch += children
                frontier = [c.id for c in children]
            pruned = [i for i in branch if i.kind == Kind.STOP_PAYMENT and Status(i.status) in OPEN_STOP]
            if not pruned:
                raise Conflict(
                    "该分支没有未结束的止付", "Nothing open in this branch", field="instruction_id"
                )
            for item in pruned:
                item.status, item.receipt_reason, item.updated_at = str(Status.WITHDRAWN), reason, now
                if item.org_id is not None:
                    self._event(session, item, "withdrawn")
            self._audit(
                session,
                principal,
                "funds.stop.withdraw",
                "funds_instruction",
                row.id,
                pruned=[i.id for i in pruned],
            )
            session.commit()
            return pruned

    # Receipts --------------------------------------------------------------------------------------

    def inbox(self, principal: Principal, status: str | None = None, limit: int = 100) -> list[Instruction]:
        """An institution's own instructions, newest first."""
        with self._sessions() as session:
            query = select(Instruction).where(Instruction.org_id == principal.org_id)
            if status:
                query = query.where(Instruction.status == status)
            return list(session.scalars(query.order_by(Instruction.id.desc()).limit(limit)))

    def inbox_detail(
        self, principal: Principal, iid: int
    ) -> tuple[Instruction, str, list[ReturnShare], dict[str, str]]:
        """An own instruction with the raw account (and, for a return, the victims' accounts)."""
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.instruction.read", own=True)
            value = self.vault.decrypt(row.account_kind, row.account_token, row.account_ciphertext).value
            shares = list(
                session.scalars(
                    select(ReturnShare).where(ReturnShare.instruction_id == iid).order_by(ReturnShare.id)
                )
            )
            accounts: dict[str, str] = {}
            for share in shares:
                victim = session.get_one(Victim, share.victim_id)
                accounts[str(victim.id)] = self.vault.decrypt(
                    victim.account_kind, victim.account_token, victim.account_ciphertext
                ).value
            self._audit(session, principal, "funds.instruction.read", "funds_instruction", iid)
            session.commit()
            return row, value, shares, accounts

    def receipt(self, principal: Principal, iid: int, data: ReceiptCreate) -> Instruction:
        """The institution's answer; a stop-payment answered "moved" sets off the next leads."""
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.receipt", own=True)
            kind = Kind(row.kind)
            if data.outcome not in ANSWERS[kind]:
                allowed = ", ".join(sorted(ANSWERS[kind]))
                raise ValidationFailed(
                    f"该指令的回执只能是 {allowed}", f"Outcome must be one of {allowed}", field="outcome"
                )
            if row.status != Status.ISSUED:
                raise Conflict(
                    "指令已回执或不在待回执状态",
                    "The instruction was answered already",
                    field="instruction_id",
                )
            amount = data.amount_fen
            if data.outcome in (Outcome.HELD, Outcome.FROZEN):
                if amount is None:
                    raise ValidationFailed("须填写金额（分）", "amount_fen is required", field="amount_fen")
                if amount > row.amount_fen:
                    rule = "stop.amount_cap" if kind is Kind.STOP_PAYMENT else "freeze.amount_cap"
                    raise refuse(
                        rule,
                        "amount_fen",
                        f"{amount} 分超过指令金额 {row.amount_fen} 分",
                        f"{amount} > {row.amount_fen} fen",
                    )
            if data.onward and data.outcome is not Outcome.MOVED:
                raise ValidationFailed(
                    "只有「已转出」回执可报告后续转账",
                    "Onward transfers only with outcome moved",
                    field="onward",
                )
            if data.outcome is Outcome.MOVED and not data.onward:
                raise refuse("trace.onward", "onward", "须报告后续转账", "report the onward transfers")
            row.answered_at = row.updated_at = now
            row.receipt_reason = data.reason
            detail: dict[str, Any] = {"outcome": str(data.outcome)}
            if data.outcome is Outcome.HELD:
                row.status, row.result_fen, row.starts_at = str(Status.HELD), amount or 0, now
                row.expires_at = domain.stop_expiry(now, 0)
            elif data.outcome is Outcome.FROZEN:
                row.status, row.result_fen, row.starts_at = str(Status.FROZEN), amount or 0, now
                row.expires_at = domain.add_months(now, row.term_months)
            elif data.outcome is Outcome.MOVED:
                row.status = str(Status.MOVED)
                detail["leads"] = self._follow(session, row, data)
            elif data.outcome is Outcome.RELEASED:
                row.status, row.result_fen = str(Status.RELEASED), row.amount_fen
                self._end_target(session, row, Status.RELEASED)
            elif data.outcome is Outcome.RETURNED:
                row.status, row.result_fen = str(Status.RETURNED), row.amount_fen
                self._after_return(session, row)
            else:
                row.status = str(Status(data.outcome.value))
            self._event(session, row, "answered", outcome=str(data.outcome), result_fen=row.result_fen)
            self._audit(session, principal, "funds.receipt", "funds_instruction", row.id, **detail)
            session.commit()
            return row

    def _follow(self, session: Session, row: Instruction, data: ReceiptCreate) -> list[int]:
        """Art 35¶2: locate the victims' money at the next accounts and stop it there (within the hops)."""
        traced = self.traced(session, row.case_id, row.account_token)
        arrived = session.scalar(
            select(func.min(Trace.arrived_at)).where(
                Trace.case_id == row.case_id, Trace.account_token == row.account_token
            )
        )
        accounts = [self.account(o.kind, o.value, f"onward.{i}.value") for i, o in enumerate(data.onward)]
        moves = [
            OnwardMove(
                str(i), domain.check_transfer_time(o.at, self.clock.now(), f"onward.{i}.at"), o.amount_fen
            )
            for i, o in enumerate(data.onward)
        ]
        carried = domain.follow(traced, as_utc(arrived) if arrived else self.clock.now(), moves)
        leads: list[int] = []
        for i, (o, acc) in enumerate(zip(data.onward, accounts, strict=True)):
            share = carried.get(str(i), {})
            onward = Onward(
                instruction_id=row.id,
                at=as_utc(o.at),
                amount_fen=o.amount_fen,
                account_kind=str(acc.identifier.kind),
                account_token=acc.token,
                account_masked=acc.masked,
                account_ciphertext=acc.ciphertext,
                traced_fen=sum(share.values()),
            )
            session.add(onward)
            for victim, amount in share.items():
                session.add(
                    Trace(
                        case_id=row.case_id,
                        victim_id=victim,
                        account_token=acc.token,
                        hop=row.hop + 1,
                        amount_fen=amount,
                        arrived_at=as_utc(o.at),
                        via_id=row.id,
                    )
                )
            session.flush()
            if not share or row.hop + 1 > self.max_hops:
                continue  # none of the victims' money went there, or beyond the hops followed
            existing = session.scalar(
                select(Instruction).where(
                    Instruction.case_id == row.case_id,
                    Instruction.kind == Kind.STOP_PAYMENT,
                    Instruction.account_token == acc.token,
                    Instruction.status.in_(OPEN_STOP),
                )
            )
            if existing is not None:
                onward.lead_id = existing.id
                continue
            org = self._route(session, acc.identifier, None)
            lead = self._issue_stop(
                session,
                None,
                case_id=row.case_id,
                org=org,
                kind=str(acc.identifier.kind),
                token=acc.token,
                masked=acc.masked,
                ciphertext=acc.ciphertext,
                amount=sum(self.traced(session, row.case_id, acc.token).values()),
                hop=row.hop + 1,
                parent_id=row.id,
                reason=f"资金流向追踪（指令 {row.id} 回执）",
                issuer_org_id=row.issuer_org_id,
            )
            onward.lead_id = lead.id
            leads.append(lead.id)
        return leads

    # Freeze --------------------------------------------------------------------------------------------

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
            org = self._route(session, acc.identifier, data.org_id)
            if org is None:
                raise ValidationFailed(
                    "路由表中没有该账户的开户机构，请指定接收单位",
                    "No institution holds this account in the routing tables; give org_id",
                    field="org_id",
                )
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
                    self._is_unit_or_superior(session, principal.org_id, row.issuer_org_id),
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

    @staticmethod
    def _is_unit_or_superior(session: Session, approver_org: int, applicant_org: int) -> bool:
        org_id: int | None = applicant_org
        for _ in range(10):  # the region tree is shallow: province, city, county, township
            if org_id is None:
                return False
            if org_id == approver_org:
                return True
            org = session.get(Organisation, org_id)
            org_id = org.parent_id if org else None
        return False

    def renew(self, principal: Principal, iid: int, months: int) -> Instruction:
        """Renew a freeze in force before it ends; each renewal at most six months."""
        self._police(principal, "funds.freeze.renew")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.freeze.renew")
            domain.check_term(months)
            if (
                row.kind != Kind.FREEZE
                or row.status != Status.FROZEN
                or row.expires_at is None
                or now >= row.expires_at
            ):
                raise refuse(
                    "freeze.renew_before_expiry",
                    "instruction_id",
                    "只能续冻生效中且未到期的冻结",
                    "only a freeze in force, before it ends",
                    Conflict,
                )
            row.expires_at = domain.add_months(row.expires_at, months)
            row.warned_at = None  # the new term gets its own warning
            row.term_months, row.updated_at = months, now
            self._event(session, row, "renewed")
            self._audit(session, principal, "funds.freeze.renew", "funds_instruction", row.id, months=months)
            session.commit()
            return row

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

    # Verification and release ---------------------------------------------------------------------------

    def verify(self, principal: Principal, iid: int, data: VerificationCreate) -> Verification:
        """Art 19¶3: continue, release or return; a release is due within three days of the finding (¶2)."""
        self._police(principal, "funds.verify")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.verify")
            if Kind(row.kind) not in (Kind.STOP_PAYMENT, Kind.FREEZE) or Status(row.status) not in IN_FORCE:
                raise refuse(
                    "verification.outcome",
                    "instruction_id",
                    "只能对生效中的止付或冻结作出核查决定",
                    "only a stop-payment or freeze in force",
                    Conflict,
                )
            found = domain.check_transfer_time(data.found_at or now, now, "found_at")
            verification = Verification(
                instruction_id=row.id,
                verdict=str(data.verdict),
                reason=data.reason,
                found_at=found,
                decided_by=principal.username,
                decided_at=now,
            )
            if data.verdict is Verdict.RELEASE:
                release = self._new(
                    session,
                    principal,
                    case_id=row.case_id,
                    kind=str(Kind.RELEASE),
                    status=str(Status.ISSUED),
                    org_id=row.org_id,
                    account_kind=row.account_kind,
                    account_token=row.account_token,
                    account_masked=row.account_masked,
                    account_ciphertext=row.account_ciphertext,
                    amount_fen=max(row.result_fen, 1),
                    target_id=row.id,
                    reason=data.reason,
                    # Art 19¶2: released within three days of the finding.
                    due_at=domain.release_due(found),
                )
                verification.release_id = release.id
                self._event(session, release, "issued")
            session.add(verification)
            session.flush()
            self._audit(
                session, principal, "funds.verify", "funds_instruction", row.id, verdict=str(data.verdict)
            )
            session.commit()
            return verification

    # Return -------------------------------------------------------------------------------------------

    def publish_notice(self, principal: Principal, iid: int) -> PublicNotice:
        """The 30-day public notice before a pro-rata return from a frozen account."""
        self._police(principal, "funds.notice.publish")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.notice.publish")
            self._check_returnable(session, row)
            case = session.get_one(FundsCase, row.case_id)
            available = self._available(session, row)
            text = (
                f"案件 {case.number}：{row.account_masked} 账户冻结涉案资金 {available / 100:.2f} 元，"
                f"拟按被害人损失比例返还。公告期三十日，自 {now.date().isoformat()} 起；"
                f"有异议者请于公告期内持身份证件及相关凭证向办案公安机关提出。"
            )
            notice = PublicNotice(
                case_id=row.case_id,
                freeze_id=row.id,
                text=text,
                published_at=now,
                ends_at=domain.notice_ends(now),
            )
            session.add(notice)
            session.flush()
            self._audit(
                session, principal, "funds.notice.publish", "funds_notice", notice.id, freeze_id=row.id
            )
            session.commit()
            return notice

    def notices(self) -> list[PublicNotice]:
        """Open public notices, newest first (the public page)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(PublicNotice)
                    .where(PublicNotice.closed_at.is_(None))
                    .order_by(PublicNotice.id.desc())
                    .limit(200)
                )
            )

    def _check_returnable(self, session: Session, row: Instruction) -> None:
        if row.kind != Kind.FREEZE or row.status != Status.FROZEN:
            raise refuse(
                "return.cap_frozen",
                "instruction_id",
                "只能从生效中的冻结返还",
                "only from a freeze in force",
                Conflict,
            )
        verdict = session.scalar(
            select(Verification.verdict)
            .where(Verification.instruction_id == row.id)
            .order_by(Verification.id.desc())
            .limit(1)
        )
        if verdict != Verdict.RETURN:
            raise refuse(
                "verification.outcome",
                "instruction_id",
                "须先作出资金返还的核查决定",
                "verification must decide return first",
                Conflict,
            )

    @staticmethod
    def _available(session: Session, freeze: Instruction) -> int:
        committed = session.scalar(
            select(func.coalesce(func.sum(Instruction.amount_fen), 0)).where(
                Instruction.kind == Kind.RETURN,
                Instruction.target_id == freeze.id,
                Instruction.status.in_([Status.ISSUED, Status.RETURNED]),
            )
        )
        return freeze.result_fen - int(committed or 0)

    def order_return(
        self, principal: Principal, iid: int, data: ReturnCreate
    ) -> tuple[Instruction, list[ReturnShare]]:
        """A return from a frozen account to the victims' accounts (Art 35¶2), signed by two officers."""
        self._police(principal, "funds.return.issue")
        now = self.clock.now()
        with self._work(principal) as session:
            row = self._instruction(session, principal, iid, "funds.return.issue")
            self._check_returnable(session, row)
            officers = self._officers(session, data.officers)
            if objections.pending(session, row.id):
                # National law Art 34 (处置制度): no return while an objection to the notice is undecided.
                raise refuse(
                    "return.objection",
                    "instruction_id",
                    "公告期内提出的异议尚未处理",
                    "an objection to the notice is undecided",
                    Conflict,
                )
            if data.method is Method.PRO_RATA:
                notice = session.scalar(
                    select(PublicNotice)
                    .where(PublicNotice.freeze_id == row.id)
                    .order_by(PublicNotice.id.desc())
                    .limit(1)
                )
                if notice is None or notice.ends_at > now:
                    raise refuse(
                        "return.notice",
                        "method",
                        "公告期未满三十日",
                        "the 30-day notice has not ended",
                        Conflict,
                    )
                if objections.upheld(session, notice.id):
                    raise refuse(
                        "return.objection",
                        "instruction_id",
                        "公告的异议成立，须重新核查并公告",
                        "an objection to the notice was upheld: verify again and publish a new notice",
                        Conflict,
                    )
                notice.closed_at = now
            available = self._available(session, row)
            traced = self.traced(session, row.case_id, row.account_token)
            deposits = [
                Deposit(t.victim_id, as_utc(t.arrived_at), t.amount_fen)
                for t in session.scalars(
                    select(Trace).where(
                        Trace.case_id == row.case_id, Trace.account_token == row.account_token, Trace.hop == 0
                    )
                )
            ]
            victims = list(session.scalars(select(Victim).where(Victim.case_id == row.case_id)))
            returned = self._returned(session, row.case_id)
            remaining = {v.id: v.loss_fen - returned.get(v.id, 0) for v in victims}
            shares = domain.shares_for(data.method, available, traced, deposits, row.result_fen, remaining)
            domain.check_return(shares, available, remaining)
            ret = self._new(
                session,
                principal,
                case_id=row.case_id,
                kind=str(Kind.RETURN),
                status=str(Status.ISSUED),
                org_id=row.org_id,
                account_kind=row.account_kind,
                account_token=row.account_token,
                account_masked=row.account_masked,
                account_ciphertext=row.account_ciphertext,
                amount_fen=sum(shares.values()),
                target_id=row.id,
                method=str(data.method),
                officers=",".join(officers),
                reason="资金返还",
                due_at=domain.add_working_days(now, domain.RETURN_WORKING_DAYS),
            )
            rows = [
                ReturnShare(instruction_id=ret.id, victim_id=v, amount_fen=a)
                for v, a in sorted(shares.items())
            ]
            session.add_all(rows)
            session.flush()
            self._event(
                session,
                ret,
                "issued",
                shares=[{"victim_id": r.victim_id, "amount_fen": r.amount_fen} for r in rows],
            )
            self._audit(
                session,
                principal,
                "funds.return.issue",
                "funds_instruction",
                ret.id,
                method=str(data.method),
                officers=officers,
            )
            session.commit()
            return ret, rows

    @staticmethod
    def _officers(session: Session, names: list[str]) -> list[str]:
        wanted = sorted({n.strip().lower() for n in names})
        if len(wanted) != 2:
            raise refuse("return.officers", "officers", "须为两名不同的民警", "two different officers")
        users = session.execute(
            select(User.username, Organisation.kind)
            .join(Organisation, User.org_id == Organisation.id)
            .where(User.username.in_(wanted), User.active.is_(True))
        ).all()
        if len(users) != 2 or not all(OrgKind(k).is_police for _, k in users):
            raise refuse("return.officers", "officers", "须为公安机关的在职民警", "active police officers")
        return wanted

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

    def shares(self, session: Session, iid: int) -> list[ReturnShare]:
        """The shares of a return instruction."""
        return list(
            session.scalars(
                select(ReturnShare).where(ReturnShare.instruction_id == iid).order_by(ReturnShare.id)
            )
        )

    # Lists and the sweep --------------------------------------------------------------------------------

    def instructions(
        self,
        principal: Principal,
        *,
        case_id: int | None = None,
        kind: str | None = None,
        status: str | None = None,
        overdue: bool = False,
        limit: int = 100,
    ) -> list[Instruction]:
        """Police: instructions newest first; `overdue`: answers past their deadline."""
        self._police(principal, "funds.instruction.list")
        query = select(Instruction).order_by(Instruction.id.desc()).limit(limit)
        if case_id is not None:
            query = query.where(Instruction.case_id == case_id)
        if kind:
            query = query.where(Instruction.kind == kind)
        if status:
            query = query.where(Instruction.status == status)
        if overdue:
            query = query.where(Instruction.status == Status.ISSUED, Instruction.due_at < self.clock.now())
        with self._sessions() as session:
            return list(session.scalars(query))

    def _warn_expiring(self, session: Session, now: datetime) -> int:
        """Warn once per term of each freeze ending within the warning window (so renewal is not missed)."""
        rows = session.scalars(
            select(Instruction)
            .where(
                Instruction.kind == Kind.FREEZE,
                Instruction.status == Status.FROZEN,
                Instruction.warned_at.is_(None),
                Instruction.expires_at > now,
                Instruction.expires_at <= now + self.expiry_warning,
            )
            .with_for_update()
        ).all()
        for row in rows:
            row.warned_at, row.updated_at = now, now
            # Art 19¶1 (不得超时限): a renewal is possible only while the freeze is in force.
            self._event(session, row, "expiring")
            self.audit.record(
                session,
                SYSTEM,
                "funds.freeze.expiring",
                object_type="funds_instruction",
                object_id=str(row.id),
            )
        return len(rows)

    def expiring(self, principal: Principal, days: int | None = None) -> list[Instruction]:
        """Freezes in force ending within `days` (default: the warning setting), soonest first."""
        self._police(principal, "funds.freeze.expiring")
        now = self.clock.now()
        window = timedelta(days=days) if days is not None else self.expiry_warning
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Instruction)
                    .where(
                        Instruction.kind == Kind.FREEZE,
                        Instruction.status == Status.FROZEN,
                        Instruction.expires_at > now,
                        Instruction.expires_at <= now + window,
                    )
                    .order_by(Instruction.expires_at, Instruction.id)
                    .limit(500)
                )
            )

    def sweep(self) -> dict[str, int]:
        """A scheduled job: escalate overdue answers, lapse stop-payments and freezes, start queued ones."""
        now = self.clock.now()
        counts = {"overdue": 0, "lapsed": 0, "promoted": 0}
        with UnitOfWork(self._sessions, self.clock) as uow:
            session = uow.session
            overdue = session.scalars(
                select(Instruction)
                .where(
                    Instruction.status == Status.ISSUED,
                    Instruction.escalated.is_(False),
                    Instruction.due_at < now,
                )
                .with_for_update()
            ).all()
            for row in overdue:
                if not domain.escalation_due(Status(row.status), row.escalated, row.due_at, now):
                    continue
                row.escalated, row.updated_at = True, now
                issuer = session.get(Organisation, row.issuer_org_id)
                # Art 19¶2: a late release alarms the deciding unit and its superior.
                self._event(session, row, "overdue", superior_org_id=issuer.parent_id if issuer else None)
                self.audit.record(
                    session,
                    SYSTEM,
                    f"funds.{row.kind}.overdue",
                    object_type="funds_instruction",
                    object_id=str(row.id),
                )
                counts["overdue"] += 1
            counts["expiring"] = self._warn_expiring(session, now)
            ending = session.scalars(
                select(Instruction)
                .where(Instruction.status.in_([Status.HELD, Status.FROZEN]), Instruction.expires_at <= now)
                .with_for_update()
            ).all()
            tokens: set[str] = set()
            for row in ending:
                row.status, row.updated_at = str(Status.LAPSED), now
                self._event(session, row, "lapsed")
                self.audit.record(
                    session,
                    SYSTEM,
                    f"funds.{row.kind}.lapse",
                    object_type="funds_instruction",
                    object_id=str(row.id),
                )
                counts["lapsed"] += 1
                if row.kind == Kind.FREEZE:
                    tokens.add(row.account_token)
            session.flush()
            for token in sorted(tokens):
                counts["promoted"] += self._promote(session, token)
            uow.commit()
        return counts
