"""Use cases of appeals: submit from the public portal, review, decide, release everywhere at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.appeals.attachments import AttachmentStore
from fanzha.appeals.domain import (
    APPEAL_TIME_LIMIT_HOURS,
    OPEN_APPEALS,
    AppealStatus,
    check_appeal_step,
    check_decision_reason,
    clean_code,
    new_code,
)
from fanzha.appeals.otp import OtpLimits, PhoneProof, latest_notice
from fanzha.appeals.tables import Appeal, AppealAttachment
from fanzha.audit.service import ANONYMOUS, SYSTEM
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.core.limiter import Limiters, memory_limiters
from fanzha.disposal.notices import OutgoingNotice
from fanzha.disposal.release import code_hash, in_force, recipient, release_object, send_notices
from fanzha.disposal.service import DisposalService
from fanzha.disposal.tables import Notice, Order
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of, refused
from fanzha.identity.tables import Organisation
from fanzha.samples.domain import SampleStatus
from fanzha.samples.service import event_payload
from fanzha.samples.tables import Sample, SampleHistory

_NO_CODE = ("申诉码无效", "Unknown appeal code")
_ONE_PROOF = (
    "请提供通知中的申诉码，或手机号码及短信验证码（二选一）",
    "Give the appeal code from the notice, or the phone number and its SMS code (one of the two)",
)
# Runs in the appeal's transaction once it has an id (the portal's attachments), or not at all.
Attach = Callable[[Session, Appeal], object]
# Runs in an upheld appeal's transaction after the release orders (fanzha.credit ends a listing there).
UpheldHook = Callable[[Session, Appeal, Principal, list[Order]], None]


class AppealService:
    """Appeals by the person or unit affected; one appeal covers every measure on the object."""

    def __init__(
        self,
        disposal: DisposalService,
        otp_limits: OtpLimits | None = None,
        time_limit_hours: int = APPEAL_TIME_LIMIT_HOURS,
        limiters: Limiters = memory_limiters,
    ) -> None:
        self._disposal = disposal
        # Art 34¶2 立即进行核查: the time to verify and decide, after which the appeal escalates.
        self.time_limit = timedelta(hours=time_limit_hours)
        self.disposal = disposal
        self.clock = disposal.clock
        # Art 34¶2: the person proves control of the number by a one-time SMS code.
        self.phone = PhoneProof(disposal, otp_limits, limiters)
        # Art 29¶2: an appeal against a listing is upheld here too; the list registers its hook.
        self.upheld_hooks: list[UpheldHook] = []

    # The public portal (no account) -----------------------------------------------------------

    def _notice(self, session: Session, code: str) -> Notice:
        notice = session.scalars(
            select(Notice).where(Notice.code_hash == code_hash(clean_code(code)))
        ).first()
        if notice is None:
            raise NotFound(*_NO_CODE, field="code")
        return notice

    def notice_view(self, code: str) -> tuple[Notice, str, int]:
        """The notice a code belongs to, the object's mask and how many measures are in force."""
        with self._disposal.uow() as uow:
            notice = self._notice(uow.session, code)
            order = uow.session.get(Order, notice.order_id)
            assert order is not None
            count = len(in_force(uow.session, notice.object_token))
            uow.commit()
            return notice, order.object_masked, count

    def submit(
        self,
        code: str | None,
        facts: str,
        reasons: str,
        documents: list[str],
        source_ip: str,
        *,
        phone: str | None = None,
        otp: str | None = None,
        attach: Attach | None = None,
        obj: tuple[IdentifierKind, str] | None = None,
    ) -> Appeal:
        """Art 34¶2: the person appeals by the notice's code or phone and SMS code, with facts and reasons."""
        with self._disposal.uow() as uow:
            session = uow.session
            if code and not otp:
                notice, proof = self._notice(session, code), "code"
            elif phone and otp and not code:
                object_token = self._disposal.vault.token_of(*obj)[1] if obj is not None else None
                proven = self.phone.verify(session, phone, otp, source_ip)
                # The number itself, or any object whose holder registered it (a card, an account, the
                # person): one appeal covers every measure on the object; the newest notice names the unit.
                found = latest_notice(session, proven.token, object_token)
                if found is None:
                    raise NotFound(
                        "该号码及以其登记的对象均没有正在执行的处置措施",
                        "No measure is in force on this number or an object registered with it",
                        field="phone",
                    )
                notice, proof = found, "phone"
            else:
                raise ValidationFailed(*_ONE_PROOF, field="code")
            open_one = session.scalars(
                select(Appeal).where(
                    Appeal.object_token == notice.object_token,
                    Appeal.status.in_([str(s) for s in OPEN_APPEALS]),
                )
            ).first()
            if open_one is not None:
                raise Conflict(
                    f"该对象已有申诉在处理中（申诉编号 {open_one.number}）",
                    f"An appeal on this object is already open (number {open_one.number})",
                    field=proof,
                )
            order = session.get(Order, notice.order_id)
            assert order is not None
            now = self.clock.now()
            appeal = Appeal(
                number=new_code(12),
                notice_id=notice.id,
                # 谁决定谁负责 (Art 34¶1): the unit that issued the order decides the appeal.
                deciding_org_id=notice.issuer_org_id,
                object_kind=notice.object_kind,
                object_token=notice.object_token,
                object_masked=order.object_masked,
                facts=facts.strip(),
                reasons=reasons.strip(),
                documents=json.dumps(documents, ensure_ascii=False),
                status=str(AppealStatus.SUBMITTED),
                due_at=now + self.time_limit,
                created_at=now,
                updated_at=now,
            )
            session.add(appeal)
            session.flush()
            if attach is not None:
                attach(session, appeal)
            outbox.record(
                session,
                self.clock,
                "appeals.submitted",
                {
                    "appeal_id": appeal.id,
                    "deciding_org_id": appeal.deciding_org_id,
                    "kind": appeal.object_kind,
                },
            )
            self._disposal.audit.record(
                session,
                ANONYMOUS,
                "appeal.submit",
                object_type="appeal",
                object_id=appeal.id,
                source_ip=source_ip,
                detail={"notice_id": notice.id, "proof": proof},
            )
            uow.commit()
            return appeal

    def status(self, number: str) -> Appeal:
        """An appeal by its number (what the appellant follows); nothing else is revealed."""
        with self._disposal.uow() as uow:
            appeal = uow.session.scalars(
                select(Appeal).where(Appeal.number == clean_code(number, "number"))
            ).first()
            if appeal is None:
                raise NotFound("申诉编号不存在", "Unknown appeal number", field="number")
            uow.commit()
            return appeal

    # The deciding unit --------------------------------------------------------------------------

    @staticmethod
    def _ancestors(session: Session, org_id: int) -> set[int]:
        seen: set[int] = set()
        current: int | None = org_id
        while current is not None and current not in seen:
            seen.add(current)
            org = session.get(Organisation, current)
            current = org.parent_id if org else None
        return seen

    def _may_decide(self, session: Session, principal: Principal, appeal: Appeal) -> bool:
        # The deciding unit (a police unit, or the department that ordered, 谁决定谁负责), or one above it.
        deciders = principal.org_kind.is_police or principal.org_kind.is_department
        return deciders and principal.org_id in self._ancestors(session, appeal.deciding_org_id)

    def mine(self, session: Session, principal: Principal, appeal_id: int, action: str) -> Appeal:
        """The appeal, locked, if the principal's unit decides it; else an audited 404."""
        appeal = session.get(Appeal, appeal_id, with_for_update=True)
        if appeal is None or not self._may_decide(session, principal, appeal):
            raise refused(
                NotFound("申诉不存在", "No such appeal", field="appeal_id"), action, "appeal", appeal_id
            )
        return appeal

    def queue(self, principal: Principal, status: str | None = None, limit: int = 100) -> list[Appeal]:
        """Appeals the principal's unit decides, oldest deadline first."""
        if not (principal.org_kind.is_police or principal.org_kind.is_department):
            raise PermissionDenied("只有公安机关处理申诉", "Only police units handle appeals", field="org")
        with self._disposal.uow() as uow:
            query = select(Appeal).order_by(Appeal.due_at, Appeal.id).limit(limit * 5)
            if status:
                query = query.where(Appeal.status == status)
            rows = [a for a in uow.session.scalars(query) if self._may_decide(uow.session, principal, a)]
            uow.commit()
            return rows[:limit]

    def get(self, principal: Principal, appeal_id: int) -> tuple[Appeal, list[Order], list[AppealAttachment]]:
        """An appeal with every order on its object (the object's history) and its attachments."""
        with self._disposal.identity.guarded(principal), self._disposal.uow() as uow:
            appeal = self.mine(uow.session, principal, appeal_id, "appeal.read")
            orders = list(
                uow.session.scalars(
                    select(Order).where(Order.object_token == appeal.object_token).order_by(Order.id)
                )
            )
            attachments = AttachmentStore.rows(uow.session, appeal.id)
            self._disposal.audit.record(
                uow.session, actor_of(principal), "appeal.read", object_type="appeal", object_id=appeal.id
            )
            uow.commit()
            return appeal, orders, attachments

    def review(self, principal: Principal, appeal_id: int) -> Appeal:
        """Start verification with the institutions (submitted → reviewing)."""
        with self._disposal.identity.guarded(principal), self._disposal.uow() as uow:
            appeal = self.mine(uow.session, principal, appeal_id, "appeal.review")
            check_appeal_step(AppealStatus(appeal.status), AppealStatus.REVIEWING)
            appeal.status, appeal.updated_at = str(AppealStatus.REVIEWING), self.clock.now()
            self._disposal.audit.record(
                uow.session, actor_of(principal), "appeal.review", object_type="appeal", object_id=appeal.id
            )
            uow.commit()
            return appeal

    def decide(
        self,
        principal: Principal,
        appeal_id: int,
        upheld: bool,
        reason: str,
        institutions_fulfilled: bool = True,
    ) -> tuple[Appeal, list[Order]]:
        """Uphold (release everywhere, revoke the sample, tell the appellant) or reject with the reason."""
        text = check_decision_reason(upheld, reason)
        outgoing: list[OutgoingNotice] = []
        with self._disposal.identity.guarded(principal), self._disposal.uow() as uow:
            session = uow.session
            appeal = self.mine(session, principal, appeal_id, "appeal.decide")
            decision = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
            check_appeal_step(AppealStatus(appeal.status), decision)
            now = self.clock.now()
            appeal.status, appeal.decision_reason = str(decision), text
            appeal.decided_by, appeal.decided_at, appeal.updated_at = principal.username, now, now
            # Art 34¶3: an institution that executed a lawful order fulfilled its duties.
            appeal.institutions_fulfilled = institutions_fulfilled
            releases: list[Order] = []
            if upheld:
                # Art 34¶2: release at once, in every institution that applied a measure on the object.
                releases = release_object(
                    self._disposal,
                    session,
                    actor_of(principal),
                    appeal.object_token,
                    principal.org_id,
                    f"申诉成立：{text}",
                    appeal.id,
                    institutions_fulfilled,
                )
                self._revoke_samples(session, appeal, principal.username, text)
                for hook in self.upheld_hooks:
                    hook(session, appeal, principal, releases)
                check_appeal_step(decision, AppealStatus.RELEASED)
                appeal.status = str(AppealStatus.RELEASED)
            outbox.record(
                session,
                self.clock,
                "appeals.decided",
                {
                    "appeal_id": appeal.id,
                    "status": appeal.status,
                    "release_order_ids": [o.id for o in releases],
                },
            )
            self._disposal.audit.record(
                session,
                actor_of(principal),
                "appeal.decide",
                object_type="appeal",
                object_id=appeal.id,
                source_ip=principal.source_ip,
                detail={"upheld": upheld, "reason": text, "release_orders": len(releases)},
            )
            outgoing.append(self._tell_appellant(session, appeal, upheld, text))
            uow.commit()
        send_notices(self._disposal, outgoing)
        return appeal, releases

    def _revoke_samples(self, session: Session, appeal: Appeal, actor: str, reason: str) -> None:
        """The sample on the object is revoked with the reason; subscribers are told at once."""
        sample = session.scalars(
            select(Sample).where(Sample.token == appeal.object_token).with_for_update()
        ).first()
        if sample is None or sample.status in (SampleStatus.REVOKED, SampleStatus.REJECTED):
            return
        now = self.clock.now()
        sample.status, sample.status_reason, sample.updated_at = (
            str(SampleStatus.REVOKED),
            f"申诉成立：{reason}",
            now,
        )
        session.add(
            SampleHistory(
                sample_id=sample.id,
                at=now,
                actor=actor,
                change="revoked",
                detail=json.dumps({"reason": reason, "appeal_id": appeal.id}, ensure_ascii=False),
            )
        )
        outbox.record(session, self.clock, f"samples.revoked.{sample.kind}", event_payload(sample))

    def _tell_appellant(self, session: Session, appeal: Appeal, upheld: bool, reason: str) -> OutgoingNotice:
        """The appellant learns the outcome by SMS when the object is a number, always on the portal."""
        outcome = "申诉成立，相关处置措施已解除" if upheld else f"申诉不成立，理由：{reason}"
        text = f"【湖南反诈】您的申诉（编号 {appeal.number}，对象 {appeal.object_masked}）{outcome}。"
        # The same phone the notice went to: the number itself or the holder's registered phone.
        notice = session.get(Notice, appeal.notice_id)
        order = session.get(Order, notice.order_id) if notice is not None else None
        phone = recipient(self._disposal, notice, order) if notice is not None and order is not None else ""
        return OutgoingNotice(0, "sms" if phone else "portal", phone, text)

    def escalate_overdue(self) -> int:
        """Art 34¶2 立即进行核查: appeals undecided past their time limit go to the unit above; how many."""
        now = self.clock.now()
        with self._disposal.uow() as uow:
            session = uow.session
            late = session.scalars(
                select(Appeal)
                .where(
                    Appeal.status.in_([str(s) for s in OPEN_APPEALS]),
                    Appeal.due_at < now,
                    Appeal.escalated_at.is_(None),
                )
                .with_for_update()
            ).all()
            for appeal in late:
                appeal.escalated_at = appeal.updated_at = now
                unit = session.get(Organisation, appeal.deciding_org_id)
                payload = {
                    "appeal_id": appeal.id,
                    "deciding_org_id": appeal.deciding_org_id,
                    "escalated_to_org_id": unit.parent_id if unit is not None else None,
                    "due_at": appeal.due_at.isoformat(),
                }
                outbox.record(session, self.clock, "appeals.overdue", payload)
                self._disposal.audit.record(
                    session,
                    SYSTEM,
                    "appeal.overdue",
                    object_type="appeal",
                    object_id=appeal.id,
                    detail=payload,
                )
            uow.commit()
            return len(late)
