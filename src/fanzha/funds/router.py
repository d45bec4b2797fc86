"""HTTP API of the funds area: cases, stop-payment, freeze, verification, return, institutions' receipts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import JSONResponse

from fanzha.appeals.otp import NEUTRAL_EN_ANY, NEUTRAL_ZH_ANY, OTP_TTL
from fanzha.appeals.schemas import OtpAccepted
from fanzha.funds import intake, objections, treasury
from fanzha.funds.lead_schemas import LeadAccept, LeadDismiss, LeadRead, LeadVictim, TraceRunCreate
from fanzha.funds.leads import lead_victims
from fanzha.funds.schemas import (
    Approval,
    CaseCreate,
    CaseDetail,
    CaseRead,
    FreezeCreate,
    InboxDetail,
    InstructionRead,
    IntakeConfirmRead,
    NoticeRead,
    ObjectionCreate,
    ObjectionDecision,
    ObjectionPublic,
    ObjectionRead,
    OnwardRead,
    ReceiptCreate,
    Renewal,
    RenewalRead,
    ReturnCreate,
    ReturnRead,
    RouteLead,
    ShareRead,
    StopCreate,
    TraceRead,
    TransferRead,
    TreasuryCreate,
    TreasuryRead,
    TreasuryRefundCreate,
    TreasuryRefundRead,
    VerificationCreate,
    VerificationRead,
    VictimCaseRead,
    VictimOtpRequest,
    VictimRead,
    VictimReportAccepted,
    VictimReportCreate,
    VictimStatus,
    VictimStatusQuery,
    Withdrawal,
)
from fanzha.funds.service import FundsService
from fanzha.funds.tables import TraceLead
from fanzha.funds.victims import VictimPortal
from fanzha.identity.domain import Permission, Principal
from fanzha.web import limits
from fanzha.web.deps import authorize, client_ip, platform_of

router = APIRouter(prefix="/api/v1", tags=["funds"])
Worker = Annotated[Principal, Depends(authorize(Permission.FUNDS_WORK))]
Approver = Annotated[Principal, Depends(authorize(Permission.FUNDS_APPROVE))]
Institution = Annotated[Principal, Depends(authorize(Permission.FUNDS_RECEIPT))]
Id = Annotated[int, Query(ge=1)]


def funds_of(request: Request) -> FundsService:
    """The funds service wired into this app."""
    service = platform_of(request).funds
    assert service is not None, "build_platform wires funds"
    return service


def portal_of(request: Request) -> VictimPortal:
    """The victims' status portal wired into this app."""
    portal = funds_of(request).portal
    assert portal is not None, "build_platform wires the victims' portal"
    return portal


def victim_answer() -> OtpAccepted:
    """The one answer to every victim's code request (no telling who is a victim)."""
    return OtpAccepted(
        message_zh=NEUTRAL_ZH_ANY, message_en=NEUTRAL_EN_ANY, valid_minutes=int(OTP_TTL.total_seconds() // 60)
    )


def _read(row: Any) -> InstructionRead:
    return InstructionRead.model_validate(row)


@router.post("/funds/cases", response_model=CaseRead, status_code=201)
def create_case(request: Request, body: CaseCreate, principal: Worker) -> CaseRead:
    """Report a case with its victims and their transfers (police intake)."""
    return CaseRead.model_validate(funds_of(request).create_case(principal, body))


@router.get("/funds/cases", response_model=list[CaseRead])
def list_cases(request: Request, principal: Worker) -> list[CaseRead]:
    """Cases, newest first."""
    return [CaseRead.model_validate(c) for c in funds_of(request).cases(principal)]


@router.get("/funds/cases/{case_id}", response_model=CaseDetail)
def case_detail(request: Request, case_id: int, principal: Worker) -> CaseDetail:
    """A case: victims, transfers, instructions, where the money was traced and the onward transfers."""
    d = funds_of(request).case_detail(principal, case_id)
    return CaseDetail(
        case=CaseRead.model_validate(d["case"]),
        victims=[VictimRead.model_validate(v) for v in d["victims"]],
        transfers=[TransferRead.model_validate(t) for t in d["transfers"]],
        instructions=[_read(i) for i in d["instructions"]],
        traces=[TraceRead.model_validate(t) for t in d["traces"]],
        onward=[OnwardRead.model_validate(o) for o in d["onward"]],
    )


def _lead(row: TraceLead) -> LeadRead:
    victims = [
        LeadVictim(victim_id=d.victim_id, amount_fen=d.amount, arrived_at=d.at) for d in lead_victims(row)
    ]
    fields = {name: getattr(row, name) for name in LeadRead.model_fields if name != "victims"}
    return LeadRead(**fields, victims=victims)


@router.post("/funds/cases/{case_id}/trace-runs", response_model=list[LeadRead], status_code=201)
def trace_case(request: Request, case_id: int, body: TraceRunCreate, principal: Worker) -> list[LeadRead]:
    """Trace the case's confirmed transfers through a transactions dataset (the platform's, or one an
    institution uploaded: org_id) and propose stop-payment leads where the victims' money still is."""
    s = platform_of(request).settings
    root = s.detect_data_root or s.data_dir / "provinces"
    return [_lead(r) for r in funds_of(request).trace_case(principal, case_id, body, root)]


@router.get("/funds/cases/{case_id}/leads", response_model=list[LeadRead])
def case_leads(request: Request, case_id: int, principal: Worker) -> list[LeadRead]:
    """The tracing engine's leads of a case, newest first (police only)."""
    return [_lead(r) for r in funds_of(request).leads(principal, case_id)]


@router.post("/funds/leads/{lead_id}/acceptance", response_model=InstructionRead, status_code=201)
def accept_lead(request: Request, lead_id: int, body: LeadAccept, principal: Worker) -> InstructionRead:
    """Accept a lead: stop-payment on its account for the victims' money traced there."""
    return _read(funds_of(request).accept_lead(principal, lead_id, body.org_id))


@router.post("/funds/leads/{lead_id}/dismissal", response_model=LeadRead)
def dismiss_lead(request: Request, lead_id: int, body: LeadDismiss, principal: Worker) -> LeadRead:
    """Dismiss a lead, with the reason."""
    return _lead(funds_of(request).dismiss_lead(principal, lead_id, body.reason))


@router.post("/funds/transfers/{transfer_id}/stop-payment", response_model=InstructionRead, status_code=201)
def stop_payment(request: Request, transfer_id: int, body: StopCreate, principal: Worker) -> InstructionRead:
    """Emergency stop-payment on the receiving account of a reported transfer."""
    return _read(funds_of(request).stop_payment(principal, transfer_id, body))


@router.get("/funds/instructions", response_model=list[InstructionRead])
def list_instructions(
    request: Request,
    principal: Worker,
    case_id: Id | None = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InstructionRead]:
    """Instructions newest first; `overdue=true`: answers past their deadline."""
    rows = funds_of(request).instructions(
        principal, case_id=case_id, kind=kind, status=status, overdue=overdue, limit=limit
    )
    return [_read(r) for r in rows]


@router.post("/funds/instructions/{instruction_id}/extend", response_model=InstructionRead)
def extend(request: Request, instruction_id: int, principal: Worker) -> InstructionRead:
    """Extend a stop-payment in force once (48 h more)."""
    return _read(funds_of(request).extend(principal, instruction_id))


@router.post("/funds/instructions/{instruction_id}/route", response_model=InstructionRead)
def route_lead(request: Request, instruction_id: int, body: RouteLead, principal: Worker) -> InstructionRead:
    """Send a lead on an account no routing table knew to the bank or payment institution named."""
    return _read(funds_of(request).route_lead(principal, instruction_id, body.org_id))


@router.post("/funds/instructions/{instruction_id}/withdrawal", response_model=list[InstructionRead])
def withdraw(
    request: Request, instruction_id: int, body: Withdrawal, principal: Worker
) -> list[InstructionRead]:
    """Prune a branch of the money's path: this stop-payment and the open leads that followed from it."""
    return [_read(r) for r in funds_of(request).withdraw(principal, instruction_id, body.reason)]


@router.post("/funds/freezes", response_model=InstructionRead, status_code=201)
def request_freeze(request: Request, body: FreezeCreate, principal: Worker) -> InstructionRead:
    """Request a freeze; it waits for the approval of the head of a county-level or higher unit."""
    return _read(funds_of(request).request_freeze(principal, body))


@router.get("/funds/freezes/expiring", response_model=list[InstructionRead])
def expiring(
    request: Request, principal: Worker, days: Annotated[int | None, Query(ge=1, le=366)] = None
) -> list[InstructionRead]:
    """Freezes in force ending within `days` (default `FANZHA_FUNDS_EXPIRY_WARNING_DAYS`), soonest first."""
    return [_read(r) for r in funds_of(request).expiring(principal, days)]


@router.post("/funds/instructions/{instruction_id}/approval", response_model=InstructionRead)
def approve(request: Request, instruction_id: int, body: Approval, principal: Approver) -> InstructionRead:
    """Approve or refuse a freeze (the head of the applying unit or a superior, county level or above)."""
    return _read(funds_of(request).approve(principal, instruction_id, body.approve, body.reason))


@router.post("/funds/instructions/{instruction_id}/renewal", response_model=RenewalRead, status_code=201)
def renew(request: Request, instruction_id: int, body: Renewal, principal: Worker) -> RenewalRead:
    """Request a renewal (续冻) of a freeze in force before it ends; it waits for the head's approval."""
    renewal = funds_of(request).renew(principal, instruction_id, body.term_months, body.reason)
    return RenewalRead.model_validate(renewal)


@router.get("/funds/renewals", response_model=list[RenewalRead])
def renewals(
    request: Request,
    principal: Worker,
    status: Annotated[str | None, Query(max_length=20)] = None,
    instruction_id: Annotated[int | None, Query(ge=1)] = None,
) -> list[RenewalRead]:
    """Renewals newest first; `status=pending_approval`: those awaiting the head."""
    rows = funds_of(request).renewals(principal, status=status, instruction_id=instruction_id)
    return [RenewalRead.model_validate(r) for r in rows]


@router.post("/funds/renewals/{renewal_id}/approval", response_model=RenewalRead)
def approve_renewal(request: Request, renewal_id: int, body: Approval, principal: Approver) -> RenewalRead:
    """Approve or refuse a renewal (the head of the requesting unit or a superior, county level or above)."""
    return RenewalRead.model_validate(
        funds_of(request).decide_renewal(principal, renewal_id, body.approve, body.reason)
    )


@router.post(
    "/funds/instructions/{instruction_id}/verification", response_model=VerificationRead, status_code=201
)
def verify(
    request: Request, instruction_id: int, body: VerificationCreate, principal: Worker
) -> VerificationRead:
    """Record the verification outcome: continue, release (within 3 days of the finding) or return."""
    return VerificationRead.model_validate(funds_of(request).verify(principal, instruction_id, body))


@router.post("/funds/instructions/{instruction_id}/notice", response_model=NoticeRead, status_code=201)
def publish_notice(request: Request, instruction_id: int, principal: Worker) -> NoticeRead:
    """Publish the 30-day public notice before a pro-rata return."""
    return NoticeRead.model_validate(funds_of(request).publish_notice(principal, instruction_id))


@router.post("/funds/instructions/{instruction_id}/return", response_model=ReturnRead, status_code=201)
def order_return(request: Request, instruction_id: int, body: ReturnCreate, principal: Worker) -> ReturnRead:
    """Order the return from a frozen account to the victims, signed by two officers."""
    row, shares = funds_of(request).order_return(principal, instruction_id, body)
    return ReturnRead(instruction=_read(row), shares=[ShareRead.model_validate(s) for s in shares])


@router.get("/funds/inbox", response_model=list[InstructionRead])
def inbox(
    request: Request,
    principal: Institution,
    status: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InstructionRead]:
    """The institution's own instructions, newest first."""
    return [_read(r) for r in funds_of(request).inbox(principal, status, limit)]


@router.get("/funds/inbox/{instruction_id}", response_model=InboxDetail)
def inbox_detail(request: Request, instruction_id: int, principal: Institution) -> InboxDetail:
    """One own instruction with the account number to act on (and a return's victim accounts); audited."""
    row, value, shares, accounts = funds_of(request).inbox_detail(principal, instruction_id)
    return InboxDetail(
        instruction=_read(row),
        account_value=value,
        shares=[ShareRead.model_validate(s) for s in shares],
        return_accounts=accounts,
    )


@router.post("/funds/inbox/{instruction_id}/receipt", response_model=InstructionRead)
def receipt(
    request: Request, instruction_id: int, body: ReceiptCreate, principal: Institution
) -> InstructionRead:
    """The institution's receipt: held / not found / nothing left / moved (with onward transfers), frozen …"""
    return _read(funds_of(request).receipt(principal, instruction_id, body))


@router.get(
    "/public/funds/notices",
    response_model=list[NoticeRead],
    tags=["public"],
    openapi_extra=limits.declare(rate=("portal",)),
)
def public_notices(request: Request) -> list[NoticeRead]:
    """Open public notices before pro-rata returns (no personal information); rate-limited per client."""
    return [NoticeRead.model_validate(n) for n in funds_of(request).notices()]


@router.post(
    "/public/funds/victim/otp",
    response_model=OtpAccepted,
    status_code=202,
    tags=["public"],
    openapi_extra=limits.declare(rate=("otp",)),
)
def victim_otp(request: Request, body: VictimOtpRequest, tasks: BackgroundTasks) -> OtpAccepted:
    """A code by SMS if the number is a victim's on record; the same answer either way."""
    portal_of(request).ask(body.phone, client_ip(request), tasks.add_task)
    return victim_answer()


@router.post(
    "/public/funds/victim/status",
    response_model=VictimStatus,
    tags=["public"],
    openapi_extra=limits.declare(rate=("portal",)),
)
def victim_status(request: Request, body: VictimStatusQuery) -> VictimStatus:
    """The victim's own cases: transfers, amounts held, frozen and returned, with dates; audited."""
    masked, cases = portal_of(request).status(body.phone, body.otp, client_ip(request))
    return VictimStatus(phone_masked=masked, cases=[VictimCaseRead.model_validate(c) for c in cases])


@router.post(
    "/public/funds/notices/{notice_id}/objections",
    response_model=ObjectionPublic,
    status_code=201,
    tags=["public"],
    # A submission that writes a row: the appeals' submission window per client (web.ratelimit).
    openapi_extra=limits.declare(rate=("appeal",)),
)
def lodge_objection(request: Request, notice_id: int, body: ObjectionCreate) -> Any:
    """Anyone may object to a return notice during its 30 days; the return waits for the decision."""
    row = objections.lodge(
        funds_of(request), notice_id, body.name, body.phone, body.grounds, client_ip(request)
    )
    return JSONResponse(ObjectionPublic.model_validate(row).model_dump(mode="json"), status_code=201)


@router.get("/funds/objections", response_model=list[ObjectionRead])
def list_objections(
    request: Request, principal: Worker, status: Annotated[str | None, Query(max_length=20)] = None
) -> list[ObjectionRead]:
    """Objections to return notices, undecided first (audited)."""
    return [ObjectionRead.model_validate(o) for o in objections.listing(funds_of(request), principal, status)]


@router.post("/funds/objections/{objection_id}/decision", response_model=ObjectionRead)
def decide_objection(
    request: Request, objection_id: int, body: ObjectionDecision, principal: Worker
) -> ObjectionRead:
    """Uphold (the notice closes) or dismiss an objection; a return waits while any is undecided."""
    row = objections.decide(funds_of(request), principal, objection_id, body.upheld, body.reason)
    return ObjectionRead.model_validate(row)


def reports_of(request: Request) -> intake.VictimReports:
    """The victims' own reports wired into this app."""
    reports = funds_of(request).reports
    assert reports is not None, "build_platform wires the victims' reports"
    return reports


@router.post(
    "/public/funds/reports/otp",
    response_model=OtpAccepted,
    status_code=202,
    tags=["public"],
    openapi_extra=limits.declare(rate=("otp",)),
)
def report_otp(request: Request, body: VictimOtpRequest, tasks: BackgroundTasks) -> OtpAccepted:
    """Item 1: a code by SMS to the victim's phone before an own report (windows per client and number)."""
    reports_of(request).ask(body.phone, client_ip(request), tasks.add_task)
    return victim_answer()


@router.post(
    "/public/funds/reports",
    response_model=VictimReportAccepted,
    status_code=201,
    tags=["public"],
    openapi_extra=limits.declare(rate=("appeal",)),
)
def report(request: Request, body: VictimReportCreate) -> Any:
    """Item 1: the victim's own report, proven by the code; the police confirm it before acting."""
    case = reports_of(request).submit(body, client_ip(request))
    return JSONResponse(VictimReportAccepted(number=case.number).model_dump(mode="json"), status_code=201)


@router.get("/funds/reports", response_model=list[IntakeConfirmRead])
def unconfirmed_reports(request: Request, principal: Worker) -> list[IntakeConfirmRead]:
    """Victims' own reports awaiting the police's confirmation, oldest first."""
    return [IntakeConfirmRead.model_validate(c) for c in intake.unconfirmed(funds_of(request), principal)]


@router.post("/funds/cases/{case_id}/confirmation", response_model=IntakeConfirmRead)
def confirm_report(request: Request, case_id: int, principal: Worker) -> IntakeConfirmRead:
    """Confirm a victim's own report: the case becomes the unit's and stop-payment opens (Art 35¶1)."""
    return IntakeConfirmRead.model_validate(intake.confirm(funds_of(request), principal, case_id))


@router.post("/funds/instructions/{instruction_id}/treasury", response_model=TreasuryRead, status_code=201)
def pay_to_treasury(
    request: Request, instruction_id: int, body: TreasuryCreate, principal: Worker
) -> TreasuryRead:
    """Art 35¶3: a freeze's unclaimed money, after its notice and the investigation, to the treasury."""
    row = treasury.pay_in(
        funds_of(request), principal, instruction_id, body.investigation_ended_at, body.reason
    )
    return TreasuryRead.model_validate(row)


@router.get("/funds/treasury", response_model=list[TreasuryRead])
def treasury_payments(request: Request, principal: Worker) -> list[TreasuryRead]:
    """Payments to the treasury, newest first, with what was refunded."""
    return [TreasuryRead.model_validate(r) for r in treasury.listing(funds_of(request), principal)]


@router.post("/funds/treasury/{treasury_id}/refunds", response_model=TreasuryRefundRead, status_code=201)
def treasury_refund(
    request: Request, treasury_id: int, body: TreasuryRefundCreate, principal: Worker
) -> TreasuryRefundRead:
    """Art 35¶3: refund a claimant found later, never above what is left of the payment."""
    row = treasury.refund(
        funds_of(request),
        principal,
        treasury_id,
        body.claimant,
        str(body.account_kind),
        body.account,
        body.amount_fen,
        body.reason,
    )
    return TreasuryRefundRead.model_validate(row)
