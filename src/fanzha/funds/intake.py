"""Intake by the victim on the public portal (issue 22 item 1): proven by a one-time code to the phone,
then confirmed by the police before any stop-payment (Art 35¶1).

The report lands as a case of the provincial centre (`source` portal, not confirmed) with the proven
phone recorded for the victim, so the status page (`/funds/mine`) shows it at once. A police unit
confirms it (`POST /api/v1/funds/cases/{id}/confirmation`): the case becomes that unit's and
stop-payment is open. Codes: the appeals' `PhoneProof`, sent to any number (the victim is not on
record yet), with its own audit action and windows.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from sqlalchemy import select

from fanzha.appeals.otp import Later, PhoneProof
from fanzha.audit.service import ANONYMOUS
from fanzha.core.errors import Conflict, NotFound
from fanzha.db.uow import UnitOfWork
from fanzha.funds.schemas import CaseCreate, VictimReportCreate
from fanzha.funds.tables import FundsCase
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused
from fanzha.identity.tables import Organisation

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from fanzha.funds.service import FundsService

INTAKE_SMS = "【湖南反诈】您正在网上报案（被骗资金），验证码 {code}，10 分钟内有效。请勿告知他人。"
PORTAL = "portal"


def anyone(_session: Session, _token: str) -> bool:
    """Any number may report (it becomes the victim's number on record)."""
    return True


class VictimReports:
    """The victim's own report: a code, then the report; the police confirm it."""

    def __init__(self, service: FundsService, proof: PhoneProof) -> None:
        self.service = service
        self.proof = proof

    def ask(self, phone: str, source_ip: str, later: Later | None = None) -> None:
        """Send a code to the number (windows per client and number apply)."""
        self.proof.issue(phone, source_ip, later)

    def submit(self, data: VictimReportCreate, source_ip: str) -> FundsCase:
        """The proven victim's report as an unconfirmed case of the provincial centre; audited."""
        s = self.service
        now = s.clock.now()
        with UnitOfWork(s.sessions, s.clock) as uow:
            session = uow.session
            proven = self.proof.verify(session, data.phone, data.otp, source_ip)
            centre = session.scalars(
                select(Organisation).where(Organisation.kind == "police_province").order_by(Organisation.id)
            ).first()
            if centre is None:
                raise NotFound("未设置省级反诈中心", "No provincial centre configured", field="org")
            number = f"WB-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
            body = CaseCreate.model_validate(
                {
                    "number": number,
                    "scam_type": data.scam_type,
                    "summary": data.summary,
                    "victims": [
                        {
                            "name": data.name,
                            "loss_fen": data.loss_fen,
                            "account_kind": data.account_kind,
                            "account": data.account,
                            "transfers": [t.model_dump() for t in data.transfers],
                            "phone": data.phone,
                        }
                    ],
                }
            )
            case = s._insert_case(session, body, centre.id, PORTAL, now, PORTAL)
            s.audit.record(
                session,
                ANONYMOUS,
                "funds.intake.submit",
                object_type="funds_case",
                object_id=str(case.id),
                source_ip=source_ip,
                detail={"phone": proven.masked, "transfers": len(data.transfers)},
            )
            uow.commit()
            return case


def confirm(service: FundsService, principal: Principal, case_id: int) -> FundsCase:
    """A police unit confirms a victim's own report and takes the case; audited."""
    service._police(principal, "funds.intake.confirm")
    now = service.clock.now()
    with service._work(principal) as session:
        case = session.get(FundsCase, case_id, with_for_update=True)
        if case is None:
            raise refused(
                NotFound("案件不存在", "No such case", field="case_id"),
                "funds.intake.confirm",
                "funds_case",
                case_id,
            )
        if case.confirmed_at is not None:
            raise Conflict("该案件已确认", "The case is already confirmed", field="case_id")
        case.confirmed_at, case.confirmed_by, case.org_id = now, principal.username, principal.org_id
        service._audit(session, principal, "funds.intake.confirm", "funds_case", case.id)
        session.commit()
        return case


def unconfirmed(service: FundsService, principal: Principal) -> list[FundsCase]:
    """Victims' reports awaiting confirmation, oldest first (police)."""
    service._police(principal, "funds.intake.list")
    with service._work(principal) as session:
        rows = list(
            session.scalars(select(FundsCase).where(FundsCase.confirmed_at.is_(None)).order_by(FundsCase.id))
        )
        session.expunge_all()
        return rows


TIP = "tip"


def draft_from_tip(
    service: FundsService, principal: Principal, number: str, scam_type: str, summary: str
) -> FundsCase:
    """A verified tip's case draft for the handling unit, awaiting confirmation (its article: fanzha.tips).

    It has no victim yet (the officer adds them on intake) and, like a victim's own report, waits for
    a police confirmation before any stop-payment (Art 35¶1). The same number twice is the same draft.
    """
    service._police(principal, "funds.case.create")
    now = service.clock.now()
    with service._work(principal) as session:
        case = session.scalars(select(FundsCase).where(FundsCase.number == number)).first()
        if case is not None:
            return case
        case = FundsCase(
            number=number,
            org_id=principal.org_id,
            scam_type=scam_type,
            summary=summary[:1000],
            created_by=principal.username,
            created_at=now,
            source=TIP,
        )
        session.add(case)
        session.flush()
        service._audit(session, principal, "funds.case.create", "funds_case", case.id, source=TIP)
        session.commit()
        return case
