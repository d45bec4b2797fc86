"""Rewards and commendations (Art 38¶2-3): decided within the published standard, approved, claimed, paid."""

from __future__ import annotations

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.audit.service import ANONYMOUS
from fanzha.core.errors import Conflict, PermissionDenied, ValidationFailed
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.service import actor_of, refused
from fanzha.tips import sealing
from fanzha.tips.domain import RewardStatus, TipOutcome, TipStatus, check_reward, check_reward_move
from fanzha.tips.outcomes import TipVerdicts
from fanzha.tips.service import Followed
from fanzha.tips.tables import Commendation, Tip, TipReward


def _reason(text: str, field: str = "reason") -> str:
    text = text.strip()
    if not 4 <= len(text) <= 500:
        raise ValidationFailed("请写明理由（4-500 个字）", "Give the reason (4-500 characters)", field=field)
    return text


class Tips(TipVerdicts):
    """Every use case of tips: intake and follow-up, the officer's work, rewards and commendations."""

    def _unit_member(self, principal: Principal, tip: Tip, action: str) -> None:
        if principal.org_id != tip.unit_org_id:
            raise refused(
                PermissionDenied(
                    "只有承办单位办理奖励", "Only the handling unit handles the reward", field="org"
                ),
                action,
                "tip",
                tip.id,
            )

    def decide_reward(self, principal: Principal, tip_id: int, amount: int, reason: str) -> TipReward:
        """Art 38¶2: the handling officer proposes a verified tip's reward within the standard."""
        action = "tip.reward.decide"
        reason = _reason(reason)
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            self.officer(principal, tip, action)
            outcome = TipOutcome(tip.outcome) if tip.outcome else TipOutcome.NONE
            tier = check_reward(self.standard, TipStatus(tip.status), outcome, amount)
            if self.reward_of(session, tip.id) is not None:
                raise Conflict("该举报已有奖励决定", "This tip already has a reward decision", field="tip_id")
            reward = TipReward(
                tip_id=tip.id,
                amount=amount,
                outcome=str(outcome),
                reason=reason,
                status=str(RewardStatus.DECIDED),
                decided_by=principal.username,
                decided_at=self.clock.now(),
            )
            session.add(reward)
            self.history(
                session,
                tip,
                principal.username,
                "reward_decided",
                f"{amount} 元（标准 {tier.low}-{tier.high} 元）",
            )
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
                detail={"amount": amount},
            )
            session.flush()
            uow.commit()
            return reward

    def approve_reward(self, principal: Principal, tip_id: int, approve: bool, reason: str) -> TipReward:
        """A commander of the handling unit, not the one who proposed it, approves or refuses the reward."""
        action = "tip.reward.approve"
        reason = _reason(reason)
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            self._unit_member(principal, tip, action)
            if not principal.can(Permission.TIP_APPROVE):
                raise refused(PermissionDenied(field=str(Permission.TIP_APPROVE)), action, "tip", tip.id)
            reward = self._locked_reward(session, tip.id)
            if reward.decided_by == principal.username:
                raise refused(
                    PermissionDenied(
                        "拟定奖励的人不能自己审批",
                        "Whoever proposed the reward cannot approve it",
                        field="approver",
                    ),
                    action,
                    "tip",
                    tip.id,
                )
            to = RewardStatus.APPROVED if approve else RewardStatus.REFUSED
            check_reward_move(RewardStatus(reward.status), to)
            # The standard is checked again at approval: a standard lowered since cannot be exceeded.
            check_reward(self.standard, TipStatus(tip.status), TipOutcome(reward.outcome), reward.amount)
            reward.status, reward.approved_by, reward.approval_reason = str(to), principal.username, reason
            reward.approved_at = self.clock.now()
            self.history(session, tip, principal.username, f"reward_{to}", reason)
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
                detail={"approved": approve},
            )
            uow.commit()
            return reward

    def claim(self, code: str, payee_name: str, payee_account: str, source_ip: str) -> Followed:
        """The reporter claims an approved reward with the receipt code; the payee is sealed."""
        name, account = payee_name.strip(), payee_account.strip()
        if not 2 <= len(name) <= 50:
            raise ValidationFailed("请填写领奖人姓名", "Give the payee's name", field="payee_name")
        if not 4 <= len(account) <= 100:
            raise ValidationFailed(
                "请填写收款银行账户或支付账户", "Give the account to pay into", field="payee_account"
            )
        with self.uow() as uow:
            session = uow.session
            tip = self.by_receipt(session, code, "tip.reward.claim", source_ip)
            reward = session.scalars(
                select(TipReward).where(TipReward.tip_id == tip.id).with_for_update()
            ).first()
            if reward is None:
                raise Conflict("该举报暂无奖励", "This tip has no reward", field="receipt_code")
            check_reward_move(RewardStatus(reward.status), RewardStatus.CLAIMED)
            payee = {"name": name, "account": account}
            reward.payee_sealed = sealing.seal(self.data_key(tip), tip.seal_id, "payee", orjson.dumps(payee))
            reward.status, reward.claimed_at = str(RewardStatus.CLAIMED), self.clock.now()
            self.history(session, tip, "举报人", "reward_claimed")
            self.audit.record(
                session,
                ANONYMOUS,
                "tip.reward.claim",
                object_type="tip",
                object_id=tip.id,
                source_ip=source_ip,
            )
            session.flush()
            view = Followed(tip, self._messages(session, tip.id), reward)
            uow.commit()
            return view

    def pay(self, principal: Principal, tip_id: int, reference: str) -> TipReward:
        """The handling unit records the payment of a claimed reward (the payment's reference)."""
        action = "tip.reward.pay"
        reference = reference.strip()
        if not 4 <= len(reference) <= 100:
            raise ValidationFailed("请填写付款凭证号", "Give the payment reference", field="reference")
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            self._unit_member(principal, tip, action)
            reward = self._locked_reward(session, tip.id)
            check_reward_move(RewardStatus(reward.status), RewardStatus.PAID)
            reward.status, reward.paid_by, reward.payment_ref = (
                str(RewardStatus.PAID),
                principal.username,
                reference,
            )
            reward.paid_at = self.clock.now()
            self.history(session, tip, principal.username, "reward_paid", reference)
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return reward

    @staticmethod
    def reward_of(session: Session, tip_id: int) -> TipReward | None:
        """The reward of a tip, if any."""
        return session.scalars(select(TipReward).where(TipReward.tip_id == tip_id)).first()

    def _locked_reward(self, session: Session, tip_id: int) -> TipReward:
        reward = session.scalars(
            select(TipReward).where(TipReward.tip_id == tip_id).with_for_update()
        ).first()
        if reward is None:
            raise Conflict("该举报尚无奖励决定", "This tip has no reward decision yet", field="tip_id")
        return reward

    # Commendations (Art 38¶3) -------------------------------------------------------------------------

    def commend(
        self, principal: Principal, subject_kind: str, name: str, reason: str, tip_id: int | None
    ) -> Commendation:
        """Art 38¶3: a commander records a commendation of a unit or a person, with the reason."""
        action = "tip.commend"
        if subject_kind not in ("unit", "person"):
            raise ValidationFailed(
                "表彰对象为单位或个人", "A commendation names a unit or a person", field="subject_kind"
            )
        if not 2 <= len(name.strip()) <= 200:
            raise ValidationFailed("请填写表彰对象名称", "Give the name", field="name")
        reason = _reason(reason)
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            if not principal.org_kind.is_police or not principal.can(Permission.TIP_APPROVE):
                raise refused(
                    PermissionDenied(field=str(Permission.TIP_APPROVE)), action, "tip_commendation", ""
                )
            if tip_id is not None:
                self.visible(session, principal, tip_id, action)
            row = Commendation(
                subject_kind=subject_kind,
                name=name.strip(),
                reason=reason,
                tip_id=tip_id,
                decided_by=principal.username,
                org_id=principal.org_id,
                at=self.clock.now(),
            )
            session.add(row)
            session.flush()
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip_commendation",
                object_id=row.id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return row

    def commendations(self, principal: Principal) -> list[Commendation]:
        """Commendations recorded by this unit and the units below it, newest first."""
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            if not principal.org_kind.is_police:
                raise refused(
                    PermissionDenied("只有公安机关", "Police units only", field="org"),
                    "tip.commendations",
                    "tip_commendation",
                    "",
                )
            units = self._units_covered(session, principal)
            rows = list(
                session.scalars(
                    select(Commendation)
                    .where(Commendation.org_id.in_(units))
                    .order_by(Commendation.id.desc())
                )
            )
            uow.commit()
            return rows
