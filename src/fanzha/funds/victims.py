"""The victim's own status page (issue 22 item 8): proven by an SMS code to the phone on record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.appeals.otp import Later, PhoneProof
from fanzha.audit.service import ANONYMOUS, Auditor
from fanzha.core.clock import Clock
from fanzha.db.uow import UnitOfWork
from fanzha.funds.domain import Kind, Status
from fanzha.funds.tables import FundsCase, Instruction, ReturnShare, Transfer, Victim

VICTIM_SMS = (
    "【湖南反诈】您正在查询被骗资金的止付、冻结和返还情况，验证码 {code}，10 分钟内有效。请勿告知他人。"
)
# What the victim sees of the instructions: the money held or frozen, and what came back.
SHOWN = (Kind.STOP_PAYMENT, Kind.FREEZE)


def victim_on_record(session: Session, token: str) -> bool:
    """A code goes only to a number recorded for a victim (the answer is the same either way)."""
    return session.scalars(select(Victim.id).where(Victim.phone_token == token).limit(1)).first() is not None


@dataclass(frozen=True)
class Paid:
    """A transfer the victim reported."""

    at: datetime
    amount_fen: int
    channel: str
    payee_masked: str


@dataclass(frozen=True)
class Measure:
    """A stop-payment or freeze of the case: what the institution held or froze, and until when."""

    kind: str
    status: str
    account_masked: str
    amount_fen: int
    held_fen: int
    since: datetime | None
    until: datetime | None


@dataclass(frozen=True)
class Returned:
    """The victim's share of a return instruction: ordered, then returned by the bank."""

    amount_fen: int
    status: str
    ordered_at: datetime
    returned_at: datetime | None


@dataclass(frozen=True)
class VictimCase:
    """One case of the proven victim, with nothing about the other victims."""

    number: str
    scam_type: str
    loss_fen: int
    held_fen: int
    frozen_fen: int
    returned_fen: int
    transfers: list[Paid] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    returns: list[Returned] = field(default_factory=list)


class VictimPortal:
    """Asks for a code and shows, once per code, the proven victim's own cases; every view audited."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, auditor: Auditor, proof: PhoneProof
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.audit = auditor
        self.proof = proof

    def ask(self, phone: str, source_ip: str, later: Later | None = None) -> None:
        """Send a code if the number is a victim's on record; the caller answers the same either way."""
        self.proof.issue(phone, source_ip, later)

    def status(self, phone: str, otp: str, source_ip: str) -> tuple[str, list[VictimCase]]:
        """The proven number's mask and its victims' cases (the code is consumed); audited."""
        with UnitOfWork(self._sessions, self.clock) as uow:
            session = uow.session
            proven = self.proof.verify(session, phone, otp, source_ip)
            victims = list(
                session.scalars(select(Victim).where(Victim.phone_token == proven.token).order_by(Victim.id))
            )
            cases = [self._case(session, v) for v in victims]
            self.audit.record(
                session,
                ANONYMOUS,
                "funds.victim.status",
                object_type="phone",
                object_id=proven.token,
                source_ip=source_ip,
                detail={"masked": proven.masked, "victim_ids": [v.id for v in victims]},
            )
            uow.commit()
            return proven.masked, cases

    @staticmethod
    def _case(session: Session, victim: Victim) -> VictimCase:
        case = session.get_one(FundsCase, victim.case_id)
        paid = [
            Paid(t.at, t.amount_fen, t.channel, t.payee_masked)
            for t in session.scalars(
                select(Transfer).where(Transfer.victim_id == victim.id).order_by(Transfer.at, Transfer.id)
            )
        ]
        rows = session.scalars(
            select(Instruction)
            .where(Instruction.case_id == case.id, Instruction.kind.in_([str(k) for k in SHOWN]))
            .order_by(Instruction.id)
        )
        measures = [
            Measure(
                r.kind,
                r.status,
                r.account_masked,
                r.amount_fen,
                r.result_fen,
                r.starts_at or r.answered_at,
                r.expires_at,
            )
            for r in rows
            for since in (r.starts_at or r.answered_at,)
        ]
        shares = session.execute(
            select(
                ReturnShare.amount_fen, Instruction.status, Instruction.created_at, Instruction.answered_at
            )
            .join(Instruction, ReturnShare.instruction_id == Instruction.id)
            .where(ReturnShare.victim_id == victim.id)
            .order_by(Instruction.id)
        ).all()
        returns = [
            Returned(
                int(a),
                str(s),
                ordered,
                answered if s == Status.RETURNED else None,
            )
            for a, s, ordered, answered in shares
        ]
        live = {Status.HELD, Status.FROZEN}
        return VictimCase(
            number=case.number,
            scam_type=case.scam_type,
            loss_fen=victim.loss_fen,
            held_fen=sum(m.held_fen for m in measures if m.kind == Kind.STOP_PAYMENT and m.status in live),
            frozen_fen=sum(m.held_fen for m in measures if m.kind == Kind.FREEZE and m.status in live),
            returned_fen=sum(r.amount_fen for r in returns if r.status == Status.RETURNED),
            transfers=paid,
            measures=measures,
            returns=returns,
        )
