"""Console pages of the funds area: the police's case board and intake, the institutions' instructions,
and the public page of notices before pro-rata returns."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.core.clock import SHANGHAI
from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.funds.domain import ANSWERS, Kind
from fanzha.funds.router import funds_of
from fanzha.funds.schemas import Approval, CaseCreate, ReceiptCreate, StopCreate
from fanzha.identity.domain import Permission, Principal
from fanzha.web import limits
from fanzha.web.deps import authorize
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Worker = Annotated[Principal, Depends(authorize(Permission.FUNDS_WORK))]
Approver = Annotated[Principal, Depends(authorize(Permission.FUNDS_APPROVE))]
Institution = Annotated[Principal, Depends(authorize(Permission.FUNDS_RECEIPT))]


def _invalid(error: ValidationError) -> ValidationFailed:
    name = ".".join(str(p) for p in error.errors()[0]["loc"])
    return ValidationFailed(f"字段「{name}」不符合要求", f"Field '{name}' is invalid", field=name)


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
        error=error,
    )


@router.get("/funds", response_class=HTMLResponse)
def board(request: Request, principal: Worker) -> HTMLResponse:
    """Police: cases, answers overdue, freezes awaiting approval, and the intake form."""
    return _board(request, principal)


@router.post("/funds/cases", response_class=HTMLResponse)
async def report(request: Request, principal: Worker) -> Response:
    """Intake of a case with one victim and one transfer from the console form (more by the API)."""
    f = _fields(await request.form())
    at = f.get("at", "")
    with contextlib.suppress(ValueError):
        moment = datetime.fromisoformat(at)
        # The form's datetime-local is Beijing time.
        at = (moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment).isoformat()
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
    except ValidationError as invalid:
        return _board(request, principal, _invalid(invalid), 422)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse(f"/funds/cases/{case.id}", status_code=303)


def _case(
    request: Request, principal: Principal, case_id: int, error: FanzhaError | None = None, status: int = 200
) -> HTMLResponse:
    detail = funds_of(request).case_detail(principal, case_id)
    return render(request, "funds/case.html", status, error=error, **detail)


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


@router.post("/funds/instructions/{instruction_id}/approval", response_class=HTMLResponse)
async def approve(request: Request, instruction_id: int, principal: Approver) -> Response:
    """The head approves or refuses a freeze from the board."""
    f = _fields(await request.form())
    try:
        data = Approval.model_validate({"approve": f.get("approve", ""), "reason": f.get("reason", "")})
        funds_of(request).approve(principal, instruction_id, data.approve, data.reason)
    except ValidationError as invalid:
        return _board(request, principal, _invalid(invalid), 422)
    except FanzhaError as failure:
        return _board(request, principal, failure, failure.status)
    return RedirectResponse("/funds", status_code=303)


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
    except ValidationError as invalid:
        return _inbox(request, principal, _invalid(invalid), 422)
    except FanzhaError as failure:
        return _inbox(request, principal, failure, failure.status)
    return RedirectResponse("/funds/inbox", status_code=303)


@router.get("/funds/notices", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("portal",)))
def notices_page(request: Request) -> HTMLResponse:
    """The public notices (公告) listing the accounts whose money is to be returned pro rata."""
    return render(request, "funds/notices.html", notices=funds_of(request).notices())
