"""A tip's verdict (Art 38¶1 调查处理): a sample (or a sighting), a warning, a case, or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.funds.intake import draft_from_tip
from fanzha.identifiers import IdentifierKind, normalise
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of
from fanzha.samples.domain import FraudType
from fanzha.samples.schemas import SamplePublish, SightingCreate
from fanzha.samples.tables import Sample
from fanzha.tips.desk import TipDesk
from fanzha.tips.domain import TipOutcome, TipStatus, TipVerdict, check_move, check_verdict
from fanzha.tips.tables import Tip
from fanzha.warnings.domain import SignalKind
from fanzha.warnings.service import SignalInput

if TYPE_CHECKING:
    from fanzha.funds.service import FundsService
    from fanzha.warnings.service import WarningService

# The case-level scam type of each sample fraud type (a tip's case draft, fanzha.funds).
SCAM_OF: dict[FraudType, str] = {
    FraudType.FAKE_INVESTMENT: "investment",
    FraudType.FAKE_POLICE: "impersonation",
    FraudType.FAKE_CUSTOMER_SERVICE: "impersonation",
    FraudType.FAKE_ACQUAINTANCE: "impersonation",
    FraudType.FAKE_LOAN: "loan",
    FraudType.FAKE_CREDIT: "loan",
    FraudType.FAKE_SHOPPING: "shopping",
    FraudType.GAME_TRADING: "shopping",
    FraudType.ROMANCE: "romance",
    FraudType.ORDER_BRUSHING: "task",
    FraudType.OTHER: "other",
}


@dataclass(frozen=True)
class VerdictInput:
    """The officer's finding: verified or not (or a repeat), what it led to, why, and a reference."""

    verdict: TipVerdict
    outcome: TipOutcome
    reason: str
    fraud_type: FraudType = FraudType.OTHER
    reference: str = ""
    duplicate_of: int | None = None
    # A warning outcome: the person at risk the verification found (ID number tokenised at once, Art 9).
    person_id_number: str = ""
    person_phone: str = ""


class TipVerdicts(TipDesk):
    """The handling officer's verdict; it creates the sample, the warning or the case draft it names."""

    # Wired by the platform (fanzha.bootstrap): the warnings' own intake and the funds cases.
    warnings: WarningService | None = None
    funds: FundsService | None = None

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
            if data.outcome is TipOutcome.WARNING:
                self._check_person(data)
            if data.outcome is TipOutcome.CASE and self.funds is None:
                raise Conflict("未配置案件办理", "Cases are not configured", field="outcome")
            uow.session.expunge(tip)
            return tip

    def _check_person(self, data: VerdictInput) -> None:
        """A warning needs the person at risk: a valid ID number, and a phone that is a phone."""
        if self.warnings is None:
            raise Conflict("未配置预警劝阻", "Warnings are not configured", field="outcome")
        if not data.person_id_number.strip():
            raise ValidationFailed(
                "预警劝阻须填写被劝阻人的身份证号（第二十八条第二款）",
                "A warning names the person at risk by ID number (Art 28¶2)",
                field="person_id_number",
            )
        self.vault.token_of(IdentifierKind.RESIDENT_ID, data.person_id_number, field="person_id_number")
        if data.person_phone.strip():
            normalise(IdentifierKind.PHONE, data.person_phone, field="person_phone")

    def _warning(self, principal: Principal, tip: Tip, data: VerdictInput) -> tuple[int, str]:
        """Art 28¶2: a tip signal for the person at risk, through the warnings' own intake."""
        assert self.warnings is not None
        number = ""
        if tip.identifier_kind == str(IdentifierKind.PHONE) and tip.identifier_ciphertext is not None:
            number = self.vault.decrypt(
                tip.identifier_kind, tip.identifier_token, tip.identifier_ciphertext
            ).value
        [done] = self.warnings.ingest(
            principal,
            [
                SignalInput(
                    kind=SignalKind.TIP,
                    ref=f"tip:{tip.id}",  # the same tip twice is one signal (the intake de-duplicates)
                    id_number=data.person_id_number.strip(),
                    phone=data.person_phone.strip() or None,
                    scam_type=data.fraud_type,
                    fraud_number=number,
                    region_code=tip.region_code[:6] or None,
                    sample_id=tip.sample_id,
                )
            ],
        )
        task = f"，任务 #{done.task_id}" if done.task_id else ""
        return done.warning_id, f"预警 #{done.warning_id}{task}"

    def _case(self, principal: Principal, tip: Tip, data: VerdictInput) -> tuple[int, str]:
        """A case draft of the handling unit, named after the tip, awaiting confirmation."""
        assert self.funds is not None
        summary = f"举报 {tip.number} 查证属实：{data.reason.strip()}"
        case = draft_from_tip(self.funds, principal, f"TIP-{tip.number}", SCAM_OF[data.fraud_type], summary)
        return case.id, f"案件 {case.number}"

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
        warning_id = case_id = None
        made = data.reference.strip()
        if data.outcome is TipOutcome.SAMPLE:
            sample_id, how = self._sample(principal, tip, data)
            made = f"样本 #{sample_id}"
        elif data.outcome is TipOutcome.WARNING:
            warning_id, made = self._warning(principal, tip, data)
        elif data.outcome is TipOutcome.CASE:
            case_id, made = self._case(principal, tip, data)
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            tip = self.visible(session, principal, tip_id, action)
            self.officer(principal, tip, action)
            check_move(TipStatus(tip.status), status)
            now = self.clock.now()
            tip.status, tip.outcome = str(status), str(data.outcome)
            tip.outcome_reason = data.reason.strip()[:1000]
            tip.outcome_ref = made[:100]
            tip.sample_id = sample_id
            tip.warning_id, tip.case_id = warning_id, case_id
            if status is TipStatus.DUPLICATE and data.duplicate_of is not None:
                tip.duplicate_of = data.duplicate_of
            tip.closed_at = tip.updated_at = now
            detail = f"{data.outcome}：{tip.outcome_reason}" + (
                f"（样本 #{sample_id}，{how}）" if how else f"（{made}）" if made else ""
            )
            self.history(session, tip, principal.username, str(status), detail)
            self.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="tip",
                object_id=tip.id,
                source_ip=principal.source_ip,
                detail={
                    "status": str(status),
                    "outcome": str(data.outcome),
                    "sample_id": sample_id,
                    "warning_id": warning_id,
                    "case_id": case_id,
                },
            )
            uow.commit()
            return tip
