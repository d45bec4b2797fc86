"""Console pages of tips: the public portal (no account) and the handling unit's queue and tip page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from fanzha.core.errors import FanzhaError, NotFound, ValidationFailed
from fanzha.core.invalid import invalid
from fanzha.identity.domain import Permission, Principal
from fanzha.samples.domain import FRAUD_TYPE_LABELS
from fanzha.tips.domain import FORM_FIELDS, TipForm, TipKind, TipOutcome, TipStatus, TipVerdict
from fanzha.tips.files import MAX_BYTES, MAX_FILES, check_count, check_file
from fanzha.tips.outcomes import VerdictInput
from fanzha.tips.router import INTAKE, PORTAL, file_response, public_view, standard_view, tips_of
from fanzha.tips.schemas import TipVerdictIn
from fanzha.tips.service import Reporter, TipInput
from fanzha.web import ratelimit
from fanzha.web.deps import authorize, client_ip
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Worker = Annotated[Principal, Depends(authorize(Permission.TIP_WORK))]
Approver = Annotated[Principal, Depends(authorize(Permission.TIP_APPROVE))]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _fields(form: Any) -> dict[str, str]:
    return {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v.strip()}


def _when(raw: str) -> datetime | None:
    """A `datetime-local` value, read as Beijing time, stored UTC."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=SHANGHAI).astimezone(UTC)
    except ValueError:
        raise ValidationFailed("时间格式不正确", "Invalid date and time", field="occurred_at") from None


def _form_of(raw: str | None) -> TipForm:
    try:
        return TipForm(raw or "public")
    except ValueError:
        return TipForm.PUBLIC


# The public portal -------------------------------------------------------------------------------------


def _portal(request: Request, form_kind: TipForm, code: int = 200, **context: Any) -> HTMLResponse:
    values: dict[str, Any] = {"form": {}, "error": None, "receipt": None}
    return render(
        request,
        "tips/portal.html",
        code,
        kinds=[str(k) for k in TipKind],
        forms=[str(f) for f in TipForm],
        form_kind=str(form_kind),
        specs=FORM_FIELDS[form_kind],
        max_files=MAX_FILES,
        **(values | context),
    )


@router.get("/tip", response_class=HTMLResponse)
def portal(request: Request, form: Annotated[str | None, Query(max_length=12)] = None) -> HTMLResponse:
    """Art 38¶1: the tip form for anyone; `?form=` picks the structured form (Art 30, 31, 32)."""
    return _portal(request, _form_of(form))


@router.post("/tip", response_class=HTMLResponse, openapi_extra=INTAKE)
async def submit(request: Request) -> Response:
    """Send a tip with its files (multipart); the answer shows the receipt code once."""
    posted = await request.form(max_files=MAX_FILES + 1)
    fields = _fields(posted)
    form_kind = _form_of(fields.get("form"))
    uploads = [u for u in posted.getlist("files") if isinstance(u, UploadFile) and (u.filename or u.size)]
    try:
        check_count(len(uploads))
        files = [
            check_file(u.filename or "", await u.read(MAX_BYTES + 1), field=f"files.{i}")
            for i, u in enumerate(uploads)
        ]
        try:
            kind = TipKind(fields.get("kind", ""))
        except ValueError:
            raise ValidationFailed("请选择举报类别", "Choose what you report", field="kind") from None
        named = fields.get("name", "")
        data = TipInput(
            kind=kind,
            text=fields.get("text", "")[:4000],
            form=form_kind,
            value=fields.get("value", "")[:2048],
            place=fields.get("place", "")[:300],
            region_code=fields.get("region_code", "")[:9],
            occurred_at=_when(fields.get("occurred_at", "")),
            details={s.name: fields.get(f"d_{s.name}", "") for s in FORM_FIELDS[form_kind]},
            reporter=(
                Reporter(named[:50], fields.get("phone", "")[:20], fields.get("contact", "")[:100])
                if named
                else None
            ),
        )
        tip, code = tips_of(request).submit(data, files, client_ip(request))
    except FanzhaError as failure:
        shown = {k: v for k, v in fields.items() if k not in ("name", "phone", "contact")}
        return ratelimit.with_retry_after(
            _portal(request, form_kind, failure.status, form=shown, error=failure), failure
        )
    return _portal(request, form_kind, 201, receipt={"number": tip.number, "code": code, "files": len(files)})


def _follow(request: Request, code: int = 200, **context: Any) -> HTMLResponse:
    values: dict[str, Any] = {"view": None, "error": None, "receipt_code": ""}
    return render(request, "tips/follow.html", code, **(values | context))


@router.get("/tip/follow", response_class=HTMLResponse)
def follow_form(request: Request) -> HTMLResponse:
    """The form to follow a tip; the receipt code is posted, never in an address or a log."""
    return _follow(request)


@router.post("/tip/follow", response_class=HTMLResponse, openapi_extra=PORTAL)
async def follow(request: Request) -> Response:
    """Follow a tip by its receipt code: state, questions, answers and the reward."""
    fields = _fields(await request.form())
    code = fields.get("receipt_code", "")
    try:
        view = public_view(tips_of(request).follow(code, client_ip(request)))
    except FanzhaError as failure:
        return ratelimit.with_retry_after(_follow(request, failure.status, error=failure), failure)
    return _follow(request, view=view, receipt_code=code)


@router.post("/tip/answer", response_class=HTMLResponse, openapi_extra=PORTAL)
async def answer(request: Request) -> Response:
    """Answer the officer's questions with the receipt code."""
    fields = _fields(await request.form())
    code = fields.get("receipt_code", "")
    service = tips_of(request)
    try:
        view = public_view(service.answer(code, fields.get("text", ""), client_ip(request)))
    except FanzhaError as failure:
        return ratelimit.with_retry_after(_follow(request, failure.status, error=failure), failure)
    return _follow(request, view=view, receipt_code=code)


@router.post("/tip/claim", response_class=HTMLResponse, openapi_extra=PORTAL)
async def claim(request: Request) -> Response:
    """Art 38¶2: claim an approved reward with the receipt code."""
    fields = _fields(await request.form())
    code = fields.get("receipt_code", "")
    try:
        view = public_view(
            tips_of(request).claim(
                code, fields.get("payee_name", ""), fields.get("payee_account", ""), client_ip(request)
            )
        )
    except FanzhaError as failure:
        return ratelimit.with_retry_after(_follow(request, failure.status, error=failure), failure)
    return _follow(request, view=view, receipt_code=code)


@router.get("/tip/rewards", response_class=HTMLResponse)
def rewards(request: Request) -> HTMLResponse:
    """Art 38¶2: the published reward standard and the ways to report."""
    return render(request, "tips/rewards.html", standard=standard_view(tips_of(request)))


# The handling unit -------------------------------------------------------------------------------------


@router.get("/tips", response_class=HTMLResponse)
def queue(
    request: Request, principal: Worker, status: Annotated[str | None, Query(max_length=12)] = None
) -> HTMLResponse:
    """Tips of this unit and the units below it, newest first."""
    error: FanzhaError | None = None
    try:
        rows = tips_of(request).queue(principal, status or None)
    except ValidationFailed as failure:
        rows, error = tips_of(request).queue(principal), failure
    return render(
        request,
        "tips/queue.html",
        rows=rows,
        statuses=[str(s) for s in TipStatus],
        status=status or "",
        error=error,
    )


def _commendations(
    request: Request, principal: Principal, error: FanzhaError | None = None, code: int = 200
) -> HTMLResponse:
    rows = tips_of(request).commendations(principal)
    return render(request, "tips/commendations.html", code, rows=rows, error=error)


@router.get("/tips/commendations", response_class=HTMLResponse)
def commendations(request: Request, principal: Worker) -> HTMLResponse:
    """Art 38¶3: commendations of units and people recorded by this unit and the units below it."""
    return _commendations(request, principal)


@router.post("/tips/commendations", response_class=HTMLResponse)
async def commend(request: Request, principal: Approver) -> Response:
    """Record a commendation (commanders)."""
    fields = _fields(await request.form())
    tip = fields.get("tip_id", "")
    try:
        if tip and not tip.isdigit():
            raise ValidationFailed("举报编号为数字", "The tip id is a number", field="tip_id")
        tips_of(request).commend(
            principal,
            fields.get("subject_kind", ""),
            fields.get("name", ""),
            fields.get("reason", ""),
            int(tip) if tip else None,
        )
    except FanzhaError as failure:
        return _commendations(request, principal, failure, failure.status)
    return RedirectResponse("/tips/commendations", status_code=303)


def _tip(
    request: Request,
    principal: Principal,
    tip_id: int,
    error: FanzhaError | None = None,
    code: int = 200,
    reporter: dict[str, Any] | None = None,
) -> HTMLResponse:
    view = tips_of(request).get(principal, tip_id)
    return render(
        request,
        "tips/tip.html",
        code,
        view=view,
        tip=view.tip,
        details=_shown(view.tip.form, orjson.loads(view.tip.details or "{}")),
        is_officer=view.tip.officer_user_id == principal.user_id and principal.api_key_id is None,
        verdicts=[str(v) for v in TipVerdict],
        outcomes=[str(o) for o in TipOutcome],
        fraud_types={str(k): v for k, v in FRAUD_TYPE_LABELS.items()},
        reporter=reporter,
        error=error,
    )


def _shown(form: str, details: dict[str, str]) -> list[tuple[str, str | None, str]]:
    """The form's answers as (label key, choice label key or None, raw value), in the form's order."""
    specs = FORM_FIELDS[_form_of(form)]
    return [
        (
            f"tips.field.{form}.{s.name}",
            f"tips.choice.{form}.{s.name}.{details[s.name]}" if s.choices else None,
            details[s.name],
        )
        for s in specs
        if s.name in details
    ]


@router.get("/tips/{tip_id}", response_class=HTMLResponse)
def tip_page(request: Request, tip_id: int, principal: Worker) -> HTMLResponse:
    """One tip: what, where, when, files, questions and answers, history, verdict and reward."""
    return _tip(request, principal, tip_id)


@router.get("/tips/{tip_id}/files/{file_id}")
def download(request: Request, tip_id: int, file_id: int, principal: Worker) -> Response:
    """Download one file of the tip (decrypted, never rendered); each download audited."""
    row, data = tips_of(request).file(principal, tip_id, file_id)
    return file_response(row, data)


@router.post("/tips/{tip_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, tip_id: int, action: str, principal: Worker) -> Response:
    """The tip page's actions: take, ask, open the reporter, verdict, reward, approval, payment."""
    fields = _fields(await request.form())
    service = tips_of(request)
    try:
        if action == "take":
            service.take(principal, tip_id)
        elif action == "ask":
            service.ask(principal, tip_id, fields.get("text", ""))
        elif action == "reporter":
            return _tip(request, principal, tip_id, reporter=service.reporter(principal, tip_id))
        elif action == "verdict":
            body = TipVerdictIn.model_validate(
                {
                    k: fields[k]
                    for k in (
                        "verdict",
                        "outcome",
                        "reason",
                        "fraud_type",
                        "reference",
                        "person_id_number",
                        "person_phone",
                    )
                    if k in fields
                }
            )
            service.verdict(
                principal,
                tip_id,
                VerdictInput(
                    body.verdict,
                    body.outcome,
                    body.reason,
                    body.fraud_type,
                    body.reference,
                    person_id_number=body.person_id_number,
                    person_phone=body.person_phone,
                ),
            )
        elif action == "reward":
            amount = fields.get("amount", "")
            if not amount.isdigit():
                raise ValidationFailed(
                    "金额为整数（元）", "The amount is a whole number of yuan", field="amount"
                )
            service.decide_reward(principal, tip_id, int(amount), fields.get("reason", ""))
        elif action == "approval":
            service.approve_reward(
                principal, tip_id, fields.get("approve") == "true", fields.get("reason", "")
            )
        elif action == "payment":
            service.pay(principal, tip_id, fields.get("reference", ""))
        else:
            raise NotFound("没有该操作", "No such action", field="action")
    except ValidationError as wrong:
        return _tip(request, principal, tip_id, invalid(wrong), 422)
    except FanzhaError as failure:
        if failure.status == 404:
            raise
        return _tip(request, principal, tip_id, failure, failure.status)
    return RedirectResponse(f"/tips/{tip_id}", status_code=303)
