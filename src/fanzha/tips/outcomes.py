"""A tip's verdict (Art 38¶1 调查处理): a sample (or a sighting), a warning, a case, or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from fanzha.core.errors import ValidationFailed
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish, SightingCreate
from fanzha.samples.tables import Sample
from fanzha.tips.desk import TipDesk
from fanzha.tips.domain import TipOutcome, TipStatus, TipVerdict, check_move, check_verdict
from fanzha.tips.tables import Tip


@dataclass(frozen=True)
class VerdictInput:
    """The officer's finding: verified or not (or a repeat), what it led to, why, and a reference."""

    verdict: TipVerdict
    outcome: TipOutcome
    reason: str
    fraud_type: FraudType = FraudType.OTHER
    reference: str = ""
    duplicate_of: int | None = None


class TipVerdicts(TipDesk):
    """The handling officer's verdict; a verified tip about an identifier feeds the sample library."""

    def _precheck(self, principal: Principal, tip_id: int, data: VerdictInput) -> Tip:
        """Refuse early, before the sample library is touched: officer, state, outcome, identifier."""
        action = "tip.verdict"
        status = check_verdict(data.verdict, data.outcome, data.reason)
        with self.identity.guarded(principal), self.uow() as uow:
            tip = self.visible(uow.session, principal, tip_id, action)
            self.officer(principal, tip, action)
            check_move(TipStatus(tip.status), status)
            if data.outcome is TipOutcome.SAMPLE and not tip.identifier_token:
                raise ValidationFailed(
                    "该举报没有号码、链接或账号，不能纳入样本库",
                    "This tip names no number, link or account to add as a sample",
                    field="outcome",
                )
            if data.duplicate_of is not None and (
                data.verdict is not TipVerdict.DUPLICATE
                or data.duplicate_of == tip.id
                or uow.session.get(Tip, data.duplicate_of) is None
            ):
                raise ValidationFailed(
                    "重复举报须指向另一条已有举报",
                    "A duplicate points to another existing tip",
                    field="duplicate_of",
                )
            if data.outcome in (TipOutcome.WARNING, TipOutcome.CASE) and not data.reference.strip():
                raise ValidationFailed(
                    "请填写预警任务或案件编号", "Give the warning task or case number", field="reference"
                )
            uow.session.expunge(tip)
            return tip

    def _sample(self, principal: Principal, tip: Tip, data: VerdictInput) -> tuple[int, str]:
        """A known sample gets the unit's sighting (a hit); an unknown identifier is published as a sample."""
        note = f"举报 {tip.number} 查证属实"
        with self.uow() as uow:
            known = uow.session.scalars(select(Sample.id).where(Sample.token == tip.identifier_token)).first()
        if known is not None:
            sample = self.samples.record_sighting(
                principal, SightingCreate(token=tip.identifier_token, outcome="hit", note=note)
            )
            return sample.id, "sighting"
        assert tip.identifier_ciphertext is not None
        identifier = self.vault.decrypt(tip.identifier_kind, tip.identifier_token, tip.identifier_ciphertext)
        region = tip.region_code[:6] if tip.region_code else None
        sample, _ = self.samples.publish(
            principal,
            SamplePublish(
                kind=identifier.kind.value,
                value=identifier.value,
                fraud_type=data.fraud_type,
                confidence=80,
                evidence=f"{note}：{data.reason.strip()}"[:4000],
                case_ref=data.reference.strip()[:100],
                region_code=region,
            ),
        )
        return sample.id, "published"

    def verdict(self, principal: Principal, tip_id: int, data: VerdictInput) -> Tip:
        """Close the tip with the finding and its reason; a sample outcome adds a sighting or a sample."""
        action = "tip.verdict"
        status = check_verdict(data.verdict, data.outcome, data.reason)
        tip = self._precheck(principal, tip_id, data)
        sample_id, how = (tip.sample_id, "")
        if data.outcome is TipOutcome.SAMPLE:
            sample_id, how = self._sample(principal, tip, data)
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            self.officer(principal, tip, action)
            check_move(TipStatus(tip.status), status)
            now = self.clock.now()
            tip.status, tip.outcome = str(status), str(data.outcome)
            tip.outcome_reason = data.reason.strip()[:1000]
            tip.outcome_ref = (
                f"样本 #{sample_id}" if data.outcome is TipOutcome.SAMPLE else data.reference.strip()
            )[:100]
            tip.sample_id = sample_id
            if status is TipStatus.DUPLICATE and data.duplicate_of is not None:
                tip.duplicate_of = data.duplicate_of
            tip.closed_at = tip.updated_at = now
            detail = f"{data.outcome}：{tip.outcome_reason}" + (
                f"（样本 #{sample_id}，{how}）" if how else ""
            )
            self.history(session, tip, principal.username, str(status), detail)
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
                detail={"status": str(status), "outcome": str(data.outcome), "sample_id": sample_id},
            )
            uow.commit()
            return tip
