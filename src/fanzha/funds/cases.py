"""Funds stage: intake of cases, victims and transfers, and reading them back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanzha.core.errors import Conflict
from fanzha.funds import domain
from fanzha.funds.core import FundsCore
from fanzha.funds.schemas import CaseCreate
from fanzha.funds.tables import FundsCase, Instruction, Onward, Trace, TraceLead, Transfer, Victim
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal


class CaseStage(FundsCore):
    """Cases and intake by the police."""

    def create_case(self, principal: Principal, data: CaseCreate) -> FundsCase:
        """Intake by the police: the case, its victims and every transfer, all or nothing."""
        self._police(principal, "funds.case.create")
        now = self.clock.now()
        with self._work(principal) as session:
            case = self._insert_case(session, data, principal.org_id, principal.username, now, "police")
            self._audit(
                session, principal, "funds.case.create", "funds_case", case.id, victims=len(data.victims)
            )
            session.commit()
            return case

    def _insert_case(
        self, session: Session, data: CaseCreate, org_id: int, by: str, now: datetime, source: str
    ) -> FundsCase:
        """The case, its victims, transfers and hop-0 traces; police intake is confirmed as it is taken."""
        police = source == "police"
        case = FundsCase(
            number=data.number,
            org_id=org_id,
            scam_type=str(data.scam_type),
            summary=data.summary,
            created_by=by,
            created_at=now,
            source=source,
            confirmed_at=now if police else None,
            confirmed_by=by if police else "",
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
                "leads": list(
                    session.scalars(
                        select(TraceLead).where(TraceLead.case_id == case_id).order_by(TraceLead.id.desc())
                    )
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
