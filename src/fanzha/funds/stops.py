"""Funds stage: stop-payments, institutions' receipts and following the money onward."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, NotFound, ValidationFailed
from fanzha.funds import domain
from fanzha.funds.core import OPEN_STOP, FundsCore
from fanzha.funds.domain import ANSWERS, Kind, Outcome, Status, refuse
from fanzha.funds.domain import Onward as OnwardMove
from fanzha.funds.schemas import ReceiptCreate, StopCreate
from fanzha.funds.tables import FundsCase, Instruction, Onward, ReturnShare, Trace, Transfer, Victim
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused
from fanzha.identity.tables import Organisation


def refuse_second_stop(session: Session, case_id: int, account_token: str, field: str) -> None:
    """Refuse a stop-payment on an account that already has one open in the case."""
    open_stop = session.scalar(
        select(Instruction.id).where(
            Instruction.case_id == case_id,
            Instruction.kind == Kind.STOP_PAYMENT,
            Instruction.account_token == account_token,
            Instruction.status.in_(OPEN_STOP),
        )
    )
    if open_stop is not None:
        raise Conflict(
            f"该账户已有止付指令 {open_stop}",
            f"Stop-payment {open_stop} already open on the account",
            field=field,
        )


class StopStage(FundsCore):
    """Stop-payments, receipts and follow-the-money (Art 18, Art 35)."""

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
            case = session.get_one(FundsCase, transfer.case_id)
            if case.confirmed_at is None:  # a victim's own report waits for the police (Art 35¶1)
                raise refuse(
                    "intake.confirmed", "transfer_id", "请先确认该报案", "confirm the report first", Conflict
                )
            refuse_second_stop(session, transfer.case_id, transfer.payee_token, "transfer_id")
            identifier = self.vault.decrypt(
                transfer.payee_kind, transfer.payee_token, transfer.payee_ciphertext
            )
            org = self._routed(session, identifier, data.org_id)
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
