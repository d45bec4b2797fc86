"""Funds stage: verification, release, public notice and return to the victims."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict
from fanzha.funds import domain, objections
from fanzha.funds.core import FundsCore
from fanzha.funds.domain import IN_FORCE, Deposit, Kind, Method, Status, Verdict, refuse
from fanzha.funds.leads import traced_deposits
from fanzha.funds.schemas import ReturnCreate, VerificationCreate
from fanzha.funds.tables import FundsCase, Instruction, PublicNotice, ReturnShare, Trace, Verification, Victim
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.tables import Organisation, User


class ReturnStage(FundsCore):
    """Verification, release and returns (Art 19¶3, Art 35¶2)."""

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
                release = self._from_row(
                    session,
                    principal,
                    row,
                    Kind.RELEASE,
                    amount_fen=max(row.result_fen, 1),
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
            if not deposits:  # money the tracing engine located there arrived at known times (Art 35)
                deposits = traced_deposits(session, row.case_id, row.account_token)
            victims = list(session.scalars(select(Victim).where(Victim.case_id == row.case_id)))
            returned = self._returned(session, row.case_id)
            remaining = {v.id: v.loss_fen - returned.get(v.id, 0) for v in victims}
            shares = domain.shares_for(data.method, available, traced, deposits, row.result_fen, remaining)
            domain.check_return(shares, available, remaining)
            ret = self._from_row(
                session,
                principal,
                row,
                Kind.RETURN,
                amount_fen=sum(shares.values()),
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

    def shares(self, session: Session, iid: int) -> list[ReturnShare]:
        """The shares of a return instruction."""
        return list(
            session.scalars(
                select(ReturnShare).where(ReturnShare.instruction_id == iid).order_by(ReturnShare.id)
            )
        )
