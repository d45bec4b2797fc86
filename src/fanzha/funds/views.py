"""Console pages of the funds area: the police's case board and intake, the institutions' instructions,
and the public page of notices before pro-rata returns."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core.clock import SHANGHAI
from fanzha.core.errors import FanzhaError
from fanzha.core.invalid import invalid
from fanzha.funds import intake, objections, stats, treasury
from fanzha.funds.domain import ANSWERS, Kind
from fanzha.funds.graph import money_graph
from fanzha.funds.lead_schemas import LeadDismiss, TraceRunCreate
from fanzha.funds.router import funds_of, portal_of, reports_of, victim_answer
from fanzha.funds.schemas import (
    Approval,
    CaseCreate,
    FreezeCreate,
    ObjectionCreate,
    ObjectionDecision,
    ReceiptCreate,
    Renewal,
    ReturnCreate,
    StopCreate,
    TreasuryCreate,
    VerificationCreate,
    VictimCaseRead,
    VictimOtpRequest,
    VictimReportCreate,
    VictimStatus,
    VictimStatusQuery,
)
from fanzha.identity.domain import Permission, Principal
from fanzha.web import limits, ratelimit
from fanzha.web.deps import authorize, client_ip, platform_of
from fanzha.web.i18n import language_of, translator
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Worker = Annotated[Principal, Depends(authorize(Permission.FUNDS_WORK))]
Approver = Annotated[Principal, Depends(authorize(Permission.FUNDS_APPROVE))]
Institution = Annotated[Principal, Depends(authorize(Permission.FUNDS_RECEIPT))]


def _fields(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}


def _board(
    request: Request, principal: Principal, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    service = funds_of(request)
    return render(
        request,
        "funds/board.html",
        status,
        cases=service.cases(principal),
        overdue=service.instructions(principal, overdue=True),
        pending=service.instructions(principal, status="pending_approval"),
        objections=objections.listing(service, principal, objections.PENDING),
        expiring=service.expiring(principal),
        renewals=service.renewals(principal, status="pending_approval"),
        warning_days=service.expiry_warning.days,
        charts_=stats.charts_of(stats.totals(service, principal), _text(request)),
        reports=intake.unconfirmed(service, principal),
        error=error,
    )


def _text(request: Request) -> Callable[[str], str]:
    """The request's translator (the `_` the templates use)."""
    return translator(language_of(request))


@router.get("/funds", response_class=HTMLResponse)
def board(request: Request, principal: Worker) -> HTMLResponse:
    """Police: cases, answers overdue, freezes awaiting approval, and the intake form."""
    return _board(request, principal)


@router.post("/funds/cases", response_class=HTMLResponse)
async def report(request: Request, principal: Worker) -> Response:
    """Intake of a case with one victim and one transfer from the console form (more by the API)."""
    f = _fields(await request.form())
    at = _beijing(f.get("at", ""))  # the form's datetime-local is Beijing time
    body = {
        "number": f.get("number", ""),
        "scam_type": f.get("scam_type", ""),
        "summary": f.get("summary", ""),
        "victims": [
            {
                "name": f.get("victim", ""),
                "loss_fen": f.get("loss_fen", ""),
                "account_kind": f.get("account_kind", "bank_card"),
                "account": f.get("account", ""),
                "phone": f.get("phone") or None,  # optional: the victim's status page sends its code there
                "transfers": [
                    {
                        "at": at,
                        "amount_fen": f.get("amount_fen", ""),
                        "channel": f.get("channel", "mobile_banking"),
                        "payer_kind": f.get("account_kind", "bank_card"),
                        "payer": f.get("account", ""),
                        "payee_kind": f.get("payee_kind", "bank_card"),
                        "payee": f.get("payee", ""),
                    }
                ],
            }
        ],
    }
    try:
        case = funds_of(request).create_case(principal, CaseCreate.model_validate(body))
    except ValidationError as wrong:
        return _board(request, principal, invalid(wrong), 422)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse(f"/funds/cases/{case.id}", status_code=303)


def _case(
    request: Request, principal: Principal, case_id: int, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    detail = funds_of(request).case_detail(principal, case_id)
    graph = money_graph(detail, _text(request))
    return render(request, "funds/case.html", status, error=error, graph=graph, **detail)


@router.get("/funds/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, principal: Worker) -> HTMLResponse:
    """A case: victims, transfers (stop-payment button), instructions by hop, the money's onward path."""
    return _case(request, principal, case_id)


@router.post("/funds/cases/{case_id}/transfers/{transfer_id}/stop-payment", response_class=HTMLResponse)
def stop(request: Request, case_id: int, transfer_id: int, principal: Worker) -> Response:
    """Emergency stop-payment from the case page."""
    try:
        funds_of(request).stop_payment(principal, transfer_id, StopCreate())
    except FanzhaError as failure:
        return _case(request, principal, case_id, failure, failure.status)
    return RedirectResponse(f"/funds/cases/{case_id}", status_code=303)


def _act(request: Request, principal: Principal, case_id: int, action: Any) -> Response:
    """Run a case-page action; the page again with the error (nothing changed) when refused."""
    try:
        action()
    except ValidationError as wrong:
        return _case(request, principal, case_id, invalid(wrong), 422)
    except FanzhaError as failure:
        return _case(request, principal, case_id, failure, failure.status)
    return RedirectResponse(f"/funds/cases/{case_id}", status_code=303)


@router.post("/funds/cases/{case_id}/instructions/{instruction_id}/extend", response_class=HTMLResponse)
def extend(request: Request, case_id: int, instruction_id: int, principal: Worker) -> Response:
    """Extend a stop-payment in force once (Art 19¶3)."""
    return _act(request, principal, case_id, lambda: funds_of(request).extend(principal, instruction_id))


@router.post("/funds/cases/{case_id}/instructions/{instruction_id}/verification", response_class=HTMLResponse)
async def verify(request: Request, case_id: int, instruction_id: int, principal: Worker) -> Response:
    """Record continue, release or return with reasons (Art 19¶3); the finding's time in Beijing time."""
    f = _fields(await request.form())
    body: dict[str, Any] = {"verdict": f.get("verdict", ""), "reason": f.get("reason", "")}
    if f.get("found_at"):
        body["found_at"] = _beijing(f["found_at"])
    return _act(
        request,
        principal,
        case_id,
        lambda: funds_of(request).verify(principal, instruction_id, VerificationCreate.model_validate(body)),
    )


@router.post("/funds/cases/{case_id}/trace-runs", response_class=HTMLResponse)
async def trace_run(request: Request, case_id: int, principal: Worker) -> Response:
    """Trace the case through a dataset; the leads appear on the page and the money graph (Art 35¶2)."""
    f = _fields(await request.form())
    body = {k: f[k] for k in ("dataset", "org_id", "hops") if f.get(k)}
    s = platform_of(request).settings
    root = s.detect_data_root or s.data_dir / "provinces"
    return _act(
        request,
        principal,
        case_id,
        lambda: funds_of(request).trace_case(principal, case_id, TraceRunCreate.model_validate(body), root),
    )


@router.post("/funds/cases/{case_id}/leads/{lead_id}/accept", response_class=HTMLResponse)
def accept_lead(request: Request, case_id: int, lead_id: int, principal: Worker) -> Response:
    """Accept a trace lead: stop-payment on its account by the normal path."""
    return _act(request, principal, case_id, lambda: funds_of(request).accept_lead(principal, lead_id, None))


@router.post("/funds/cases/{case_id}/leads/{lead_id}/dismiss", response_class=HTMLResponse)
async def dismiss_lead(request: Request, case_id: int, lead_id: int, principal: Worker) -> Response:
    """Dismiss a trace lead with the reason."""
    f = _fields(await request.form())
    return _act(
        request,
        principal,
        case_id,
        lambda: funds_of(request).dismiss_lead(
            principal, lead_id, LeadDismiss.model_validate({"reason": f.get("reason", "")}).reason
        ),
    )


@router.post("/funds/cases/{case_id}/instructions/{instruction_id}/notice", response_class=HTMLResponse)
def notice(request: Request, case_id: int, instruction_id: int, principal: Worker) -> Response:
    """Publish the 30-day public notice before a pro-rata return."""
    service = funds_of(request)
    return _act(request, principal, case_id, lambda: service.publish_notice(principal, instruction_id))


@router.post("/funds/cases/{case_id}/instructions/{instruction_id}/return", response_class=HTMLResponse)
async def order_return(request: Request, case_id: int, instruction_id: int, principal: Worker) -> Response:
    """Order a return from a frozen account, signed by two officers (Art 35)."""
    f = _fields(await request.form())
    body = {"method": f.get("method", ""), "officers": [f.get("officer1", ""), f.get("officer2", "")]}
    return _act(
        request,
        principal,
        case_id,
        lambda: funds_of(request).order_return(principal, instruction_id, ReturnCreate.model_validate(body)),
    )


@router.post("/funds/cases/{case_id}/freezes", response_class=HTMLResponse)
async def freeze(request: Request, case_id: int, principal: Worker) -> Response:
    """Request a freeze from the case page; it waits for the head's approval (Art 19¶1)."""
    f = _fields(await request.form())
    keys = ("kind", "value", "account_name", "amount_fen", "term_months", "scope", "reason")
    body: dict[str, Any] = {k: f[k] for k in keys if k in f} | {"case_id": case_id}
    body["include_interest"] = f.get("include_interest") == "on"
    return _act(
        request,
        principal,
        case_id,
        lambda: funds_of(request).request_freeze(principal, FreezeCreate.model_validate(body)),
    )


@router.post("/funds/cases/{case_id}/instructions/{instruction_id}/renewal", response_class=HTMLResponse)
async def renew(request: Request, case_id: int, instruction_id: int, principal: Worker) -> Response:
    """Request a renewal (续冻) of a freeze in force from the case page; the head approves it (Art 19¶1)."""
    f = _fields(await request.form())

    def act() -> None:
        data = Renewal.model_validate(
            {"term_months": f.get("term_months", ""), "reason": f.get("reason", "")}
        )
        funds_of(request).renew(principal, instruction_id, data.term_months, data.reason)

    return _act(request, principal, case_id, act)


@router.post("/funds/renewals/{renewal_id}/approval", response_class=HTMLResponse)
async def approve_renewal(request: Request, renewal_id: int, principal: Approver) -> Response:
    """The head approves or refuses a renewal from the board."""
    decide = functools.partial(funds_of(request).decide_renewal, principal, renewal_id)
    return await _decide_on_board(request, principal, decide)


async def _decide_on_board(
    request: Request, principal: Principal, decide: Callable[[bool, str], object]
) -> Response:
    """A head's approval or refusal posted from the board; a refusal re-shows the board with its reason."""
    f = _fields(await request.form())
    try:
        data = Approval.model_validate({"approve": f.get("approve", ""), "reason": f.get("reason", "")})
        decide(data.approve, data.reason)
    except ValidationError as wrong:
        return _board(request, principal, invalid(wrong), 422)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse("/funds", status_code=303)


def _beijing(text: str) -> str:
    """A datetime-local value from a form, read as Beijing time."""
    with contextlib.suppress(ValueError):
        moment = datetime.fromisoformat(text)
        return (moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment).isoformat()
    return text


@router.post("/funds/instructions/{instruction_id}/approval", response_class=HTMLResponse)
async def approve(request: Request, instruction_id: int, principal: Approver) -> Response:
    """The head approves or refuses a freeze from the board."""
    decide = functools.partial(funds_of(request).approve, principal, instruction_id)
    return await _decide_on_board(request, principal, decide)


def _inbox(
    request: Request, principal: Principal, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    rows = funds_of(request).inbox(principal)
    answers = {str(k): sorted(str(o) for o in v) for k, v in ANSWERS.items()}
    return render(request, "funds/inbox.html", status, rows=rows, answers=answers, error=error, kinds=Kind)


@router.get("/funds/inbox", response_class=HTMLResponse)
def inbox(request: Request, principal: Institution) -> HTMLResponse:
    """Institutions: their stop-payment, freeze, release and return instructions, with receipt forms."""
    return _inbox(request, principal)


@router.post("/funds/inbox/{instruction_id}/receipt", response_class=HTMLResponse)
async def receipt(request: Request, instruction_id: int, principal: Institution) -> Response:
    """A receipt from the institution's board (onward transfers are reported through the API)."""
    fields = _fields(await request.form())
    try:
        funds_of(request).receipt(principal, instruction_id, ReceiptCreate.model_validate(fields))
    except ValidationError as wrong:
        return _inbox(request, principal, invalid(wrong), 422)
    except FanzhaError as failure:
        return _inbox(request, principal, failure, failure.status)
    return RedirectResponse("/funds/inbox", status_code=303)


@router.get("/funds/notices", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("portal",)))
def notices_page(request: Request) -> HTMLResponse:
    """The public notices (公告) listing the accounts whose money is to be returned pro rata."""
    return _notices(request)


def _notices(request: Request, code: int = 200, **context: Any) -> HTMLResponse:
    values: dict[str, Any] = {"error": None, "lodged": None}
    return render(
        request, "funds/notices.html", code, notices=funds_of(request).notices(), **(values | context)
    )


@router.post(
    "/funds/notices/{notice_id}/objection",
    response_class=HTMLResponse,
    openapi_extra=limits.declare(rate=("appeal",)),
)
async def object_to(request: Request, notice_id: int) -> Response:
    """Anyone objects to a notice during its 30 days: who, a contact phone, the grounds."""
    f = _fields(await request.form())
    try:
        data = ObjectionCreate.model_validate({k: f.get(k, "") for k in ("name", "phone", "grounds")})
        row = objections.lodge(
            funds_of(request), notice_id, data.name, data.phone, data.grounds, client_ip(request)
        )
    except ValidationError as wrong:
        return _notices(request, 422, error=invalid(wrong))
    except FanzhaError as failure:
        return _notices(request, failure.status, error=failure)
    return _notices(request, 201, lodged=row)


@router.post("/funds/objections/{objection_id}/decision", response_class=HTMLResponse)
async def decide_objection(request: Request, objection_id: int, principal: Worker) -> Response:
    """The police uphold or dismiss an objection from the board."""
    f = _fields(await request.form())
    try:
        data = ObjectionDecision.model_validate(
            {"upheld": f.get("upheld", ""), "reason": f.get("reason", "")}
        )
        objections.decide(funds_of(request), principal, objection_id, data.upheld, data.reason)
    except ValidationError as wrong:
        return _board(request, principal, invalid(wrong), 422)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse("/funds", status_code=303)


def _mine(request: Request, code: int = 200, **context: Any) -> HTMLResponse:
    values: dict[str, Any] = {"phone": "", "sent": None, "status": None, "error": None}
    return render(request, "funds/mine.html", code, **(values | context))


@router.get("/funds/mine", response_class=HTMLResponse)
def mine_form(request: Request) -> HTMLResponse:
    """Item 8: the victim's form (phone, SMS code); the answer is posted, never in an address."""
    return _mine(request)


@router.post("/funds/mine/otp", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("otp",)))
async def mine_otp(request: Request, tasks: BackgroundTasks) -> Response:
    """Ask for a code to the phone recorded at intake; the same neutral answer either way."""
    phone = _fields(await request.form()).get("phone", "")
    try:
        data = VictimOtpRequest.model_validate({"phone": phone})
        portal_of(request).ask(data.phone, client_ip(request), tasks.add_task)
    except ValidationError as wrong:
        return _mine(request, 422, phone=phone, error=invalid(wrong))
    except FanzhaError as failure:
        return ratelimit.with_retry_after(_mine(request, failure.status, phone=phone, error=failure), failure)
    return _mine(request, 202, phone=phone, sent=victim_answer())


@router.post("/funds/mine", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("portal",)))
async def mine(request: Request) -> Response:
    """The proven victim's own cases, in Beijing time; audited."""
    fields = _fields(await request.form())
    phone = fields.get("phone", "")
    try:
        data = VictimStatusQuery.model_validate({"phone": phone, "otp": fields.get("otp", "")})
        masked, cases = portal_of(request).status(data.phone, data.otp, client_ip(request))
    except ValidationError as wrong:
        return _mine(request, 422, phone=phone, error=invalid(wrong))
    except FanzhaError as failure:
        return _mine(request, failure.status, phone=phone, error=failure)
    status = VictimStatus(phone_masked=masked, cases=[VictimCaseRead.model_validate(c) for c in cases])
    return _mine(request, phone=phone, status=status)


@router.post("/funds/cases/{case_id}/confirmation", response_class=HTMLResponse)
def confirm_report(request: Request, case_id: int, principal: Worker) -> Response:
    """Confirm a victim's own report from the board: the case becomes the unit's."""
    try:
        intake.confirm(funds_of(request), principal, case_id)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse(f"/funds/cases/{case_id}", status_code=303)


@router.post("/funds/cases/{case_id}/instructions/{instruction_id}/treasury", response_class=HTMLResponse)
async def to_treasury(request: Request, case_id: int, instruction_id: int, principal: Worker) -> Response:
    """Art 35¶3: a freeze's unclaimed money to the treasury after its notice and the investigation."""
    f = _fields(await request.form())
    body = {
        "investigation_ended_at": _beijing(f.get("investigation_ended_at", "")),
        "reason": f.get("reason", ""),
    }

    def act() -> None:
        data = TreasuryCreate.model_validate(body)
        treasury.pay_in(
            funds_of(request), principal, instruction_id, data.investigation_ended_at, data.reason
        )

    return _act(request, principal, case_id, act)


def _report(request: Request, code: int = 200, **context: Any) -> HTMLResponse:
    values: dict[str, Any] = {"phone": "", "sent": None, "accepted": None, "error": None}
    return render(request, "funds/report.html", code, **(values | context))


@router.get("/funds/report", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("portal",)))
def report_form(request: Request) -> HTMLResponse:
    """Item 1: the victim's own report: a code to the phone, then one transfer (more through the API)."""
    return _report(request)


@router.post("/funds/report/otp", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("otp",)))
async def report_otp(request: Request, tasks: BackgroundTasks) -> Response:
    """Send a code to the victim's phone."""
    phone = _fields(await request.form()).get("phone", "")
    try:
        data = VictimOtpRequest.model_validate({"phone": phone})
        reports_of(request).ask(data.phone, client_ip(request), tasks.add_task)
    except ValidationError as wrong:
        return _report(request, 422, phone=phone, error=invalid(wrong))
    except FanzhaError as failure:
        return ratelimit.with_retry_after(
            _report(request, failure.status, phone=phone, error=failure), failure
        )
    return _report(request, 202, phone=phone, sent=victim_answer())


@router.post("/funds/report", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("appeal",)))
async def report_submit(request: Request) -> Response:
    """The proven victim's report; the police confirm it before any stop-payment (Art 35¶1)."""
    f = _fields(await request.form())
    phone = f.get("phone", "")
    kind = f.get("account_kind", "bank_card")
    body = {
        "phone": phone,
        "otp": f.get("otp", ""),
        "name": f.get("name", ""),
        "scam_type": f.get("scam_type", ""),
        "summary": f.get("summary", ""),
        "loss_fen": f.get("loss_fen", ""),
        "account_kind": kind,
        "account": f.get("account", ""),
        "transfers": [
            {
                "at": _beijing(f.get("at", "")),
                "amount_fen": f.get("amount_fen", ""),
                "channel": f.get("channel", "mobile_banking"),
                "payer_kind": kind,
                "payer": f.get("account", ""),
                "payee_kind": f.get("payee_kind", "bank_card"),
                "payee": f.get("payee", ""),
            }
        ],
    }
    try:
        case = reports_of(request).submit(VictimReportCreate.model_validate(body), client_ip(request))
    except ValidationError as wrong:
        return _report(request, 422, phone=phone, error=invalid(wrong))
    except FanzhaError as failure:
        return _report(request, failure.status, phone=phone, error=failure)
    return _report(request, 201, phone=phone, accepted=case.number)
