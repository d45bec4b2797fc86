"""Console pages of accountability: penalty cases (with the fine range), interviews and a unit's own items."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from fanzha.accountability.domain import ItemKind
from fanzha.accountability.penalties import (
    CIRCUMSTANCE_LABELS,
    HIGHER_LAW,
    RULES,
    STATE_LABELS,
    Circumstance,
    yuan_text,
)
from fanzha.accountability.router import accountability_of
from fanzha.accountability.schemas import AccCaseOpen, AccInterviewCreate, AccItemCreate, case_read
from fanzha.accountability.tracking import NewItem
from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.core.invalid import invalid
from fanzha.identity.domain import INSTITUTION_KINDS, SHARING_KINDS, Permission, Principal
from fanzha.identity.tables import Organisation
from fanzha.web.deps import authorize
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(authorize(Permission.ACCOUNTABILITY_READ))]
Worker = Annotated[Principal, Depends(authorize(Permission.ACCOUNTABILITY_WORK))]
# The units a case or an interview may name: institutions and the Art 27¶2 sharing sectors.
UNIT_KINDS = sorted(str(k) for k in INSTITUTION_KINDS | SHARING_KINDS)
STEPS = ("order", "correct", "propose", "request_hearing", "hold_hearing", "decide", "pay", "appeal", "close")


def _ranges(rule_id: str) -> list[tuple[str, str, str]]:
    rule = RULES[rule_id]
    return [
        (str(c), CIRCUMSTANCE_LABELS[c][0], f"{yuan_text(lo)} – {yuan_text(hi)}")
        for c, (lo, hi) in ((c, rule.range_fen(c)) for c in rule.ranges)
    ]


def _units(request: Request) -> list[tuple[int, str, str]]:
    """(id, Chinese name, English name) of the units the forms offer (the service checks the reach)."""
    with accountability_of(request).core.sessions() as session:
        query = select(Organisation.id, Organisation.name_zh, Organisation.name_en)
        query = query.where(Organisation.kind.in_(UNIT_KINDS), Organisation.active).order_by(Organisation.id)
        return [(i, zh, en) for i, zh, en in session.execute(query)]


def _board(
    request: Request,
    principal: Principal,
    error: FanzhaError | None = None,
    code: int = 200,
    form_error: tuple[str, FanzhaError] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    service = accountability_of(request)
    interviews = service.tracking.interviews(principal)
    cases = service.cases.listing(principal)
    inspections = service.records.inspections(principal)
    ids = {i.org_id for i in interviews} | {c.respondent_org_id for c in cases if c.respondent_org_id}
    return render(
        request,
        "accountability/board.html",
        code,
        cases=cases,
        names=service.org_names(ids | {i.subject_org_id for i in inspections if i.subject_org_id}),
        inspections=inspections,
        controls=service.records.controls(principal),
        ranges={r: _ranges(r) for r in RULES},
        interviews=interviews,
        reasons={i.id: json.loads(i.reasons) for i in interviews},
        items=service.tracking.items(principal),
        states={str(k): v for k, v in STATE_LABELS.items()},
        rules=RULES,
        yuan=yuan_text,
        error=error,
        # The forms to open a case and record an interview (Art 24, 39-41), for those who may.
        units=_units(request) if principal.can(Permission.ACCOUNTABILITY_WORK) else [],
        higher_law=HIGHER_LAW,
        item_kinds=[str(k) for k in ItemKind],
        form_error=form_error,
        values=values or {},
    )


@router.get("/accountability", response_class=HTMLResponse)
def board(request: Request, principal: Reader) -> HTMLResponse:
    """Penalty cases, interviews and rectification items the reader sees (an institution: its own)."""
    return _board(request, principal)


def _case(
    request: Request, principal: Principal, case_id: int, error: FanzhaError | None = None, code: int = 200
) -> HTMLResponse:
    row, events, names = accountability_of(request).cases.read(principal, case_id)
    view = case_read(row, events, names)
    rule = RULES[row.applied_rule]
    return render(
        request,
        "accountability/case.html",
        code,
        case=view,
        rule=rule,
        provision=RULES[row.rule],
        ranges=_ranges(row.applied_rule),
        states={str(k): v for k, v in STATE_LABELS.items()},
        circumstances=[
            (str(c), CIRCUMSTANCE_LABELS[c][0]) for c in rule.ranges if isinstance(c, Circumstance)
        ],
        decider=row.deciding_org_id == principal.org_id,
        respondent=row.respondent_org_id == principal.org_id,
        yuan=yuan_text,
        evidence_json=json.dumps(view.evidence, ensure_ascii=False),
        error=error,
    )


@router.get("/accountability/cases/{case_id}", response_class=HTMLResponse)
def case(request: Request, case_id: int, principal: Reader) -> HTMLResponse:
    """A penalty case: the article and its fine range, evidence, history, the next steps."""
    return _case(request, principal, case_id)


def _int(form: Any, name: str) -> int:
    raw = str(form.get(name) or "").strip()
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"「{name}」须为整数", f"{name} must be a whole number", field=name) from None


def _fen(form: Any) -> int:
    """Amounts are typed in yuan on the console (at most two decimals); stored in fen."""
    raw = str(form.get("amount_yuan") or "").strip().replace(",", "")
    match = re.fullmatch(r"(\d{1,10})(?:\.(\d{1,2}))?", raw)
    if match is None:
        raise ValidationFailed(
            "罚款金额须为数字（元，最多两位小数）",
            "The fine must be a number of yuan (two decimals at most)",
            field="amount_yuan",
        )
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


@router.post("/accountability/cases/{case_id}/act", response_class=HTMLResponse)
async def act(request: Request, case_id: int, principal: Reader) -> Response:
    """Take a step on a case from its page (the service checks who may take which)."""
    form = await request.form()
    step = str(form.get("step") or "")
    note = str(form.get("note") or "")[:2000]
    cases = accountability_of(request).cases
    try:
        if step not in STEPS:
            raise ValidationFailed("请选择办理步骤", "Choose a step", field="step")
        if step == "order":
            days = str(form.get("days") or "").strip()
            cases.order(principal, case_id, _int(form, "days") if days else None, note)
        elif step == "propose":
            circumstance = str(form.get("circumstance") or "")
            if circumstance not in set(Circumstance):
                raise ValidationFailed("请选择情节", "Choose the circumstance", field="circumstance")
            cases.propose(principal, case_id, Circumstance(circumstance), _fen(form), note)
        elif step == "decide":
            cases.decide(principal, case_id, _fen(form), note)
        elif step == "pay":
            cases.pay(principal, case_id, _fen(form), str(form.get("reference") or "")[:64] or "-")
        elif step == "appeal":
            kind = str(form.get("kind") or "reconsideration")
            if kind not in ("reconsideration", "litigation"):
                raise ValidationFailed(
                    "请选择复议或诉讼", "Choose reconsideration or litigation", field="kind"
                )
            cases.appeal(principal, case_id, kind, note)
        elif step == "hold_hearing":
            cases.hold_hearing(principal, case_id, note or "-")
        else:
            getattr(cases, step)(principal, case_id, note)
    except FanzhaError as failure:
        if failure.status == 404:
            raise
        return _case(request, principal, case_id, failure, failure.status)
    return RedirectResponse(f"/accountability/cases/{case_id}", status_code=303)


def _item(
    request: Request, principal: Principal, item_id: int, error: FanzhaError | None = None, code: int = 200
) -> HTMLResponse:
    view = accountability_of(request).tracking.item(principal, item_id)
    return render(
        request,
        "accountability/item.html",
        code,
        v=view,
        unit=view.item.unit_org_id == principal.org_id,
        error=error,
    )


@router.get("/accountability/items/{item_id}", response_class=HTMLResponse)
def item(request: Request, item_id: int, principal: Reader) -> HTMLResponse:
    """An item: target, deadline, the unit's reports; the unit reports from here."""
    return _item(request, principal, item_id)


@router.post("/accountability/items/{item_id}/report", response_class=HTMLResponse)
async def report(request: Request, item_id: int, principal: Reader) -> Response:
    """The unit's progress report, reply, feedback or closing report from the item's page."""
    form = await request.form()
    try:
        percent_raw = str(form.get("percent") or "").strip()
        percent = _int(form, "percent") if percent_raw else None
        if percent is not None and not 0 <= percent <= 100:
            raise ValidationFailed("进度须在 0-100 之间", "Progress is 0-100", field="percent")
        text = str(form.get("text") or "").strip()[:4000]
        if not text:
            raise ValidationFailed("请填写内容", "Write the report", field="text")
        accountability_of(request).tracking.report(
            principal, item_id, str(form.get("kind") or ""), text, percent
        )
    except FanzhaError as failure:
        if failure.status == 404:
            raise
        return _item(request, principal, item_id, failure, failure.status)
    return RedirectResponse(f"/accountability/items/{item_id}", status_code=303)


def _text(form: Any) -> dict[str, str]:
    return {k: str(v).strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _optional_id(values: dict[str, str], name: str) -> int | None:
    raw = values.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(f"「{name}」须为整数", f"{name} must be a whole number", field=name)
    return int(raw)


def _evidence(values: dict[str, str]) -> list[dict[str, Any]]:
    """One link typed on the form: an indicator of a month, or a record by its number."""
    kind = values.get("evidence_kind", "")
    if not kind:
        return []
    link: dict[str, Any] = {"kind": kind}
    if kind == "indicator":
        link |= {"key": values.get("evidence_key", ""), "period": values.get("evidence_period", "")}
    else:
        link["id"] = _optional_id(values, "evidence_id")
    return [link]


@router.post("/accountability/cases", response_class=HTMLResponse)
async def open_case(request: Request, principal: Worker) -> Response:
    """Open a penalty case from the console (Art 39-41); a refusal is shown on the form, nothing kept."""
    values = _text(await request.form())
    try:
        body = AccCaseOpen.model_validate(
            {
                "rule": values.get("rule", ""),
                "facts": values.get("facts", ""),
                "respondent_org_id": _optional_id(values, "respondent_org_id"),
                "venue_name": values.get("venue_name", ""),
                "venue_type": values.get("venue_type", ""),
                "venue_address": values.get("venue_address", ""),
                "higher_law": values.get("higher_law") or None,
                "evidence": _evidence(values),
            }
        )
        row = accountability_of(request).cases.open(principal, body.opening())
    except ValidationError as wrong:
        return _board(request, principal, None, 422, ("case", invalid(wrong)), values)
    except FanzhaError as failure:
        return _board(request, principal, None, failure.status, ("case", failure), values)
    return RedirectResponse(f"/accountability/cases/{row.id}", status_code=303)


@router.post("/accountability/interviews", response_class=HTMLResponse)
async def record_interview(request: Request, principal: Worker) -> Response:
    """Record an interview from the console (Art 24): reasons from the unit's indicators of the month."""
    values = _text(await request.form())
    try:
        body = AccInterviewCreate.model_validate(
            {
                "org_id": _optional_id(values, "org_id"),
                "month": values.get("month", ""),
                "attendees": values.get("attendees", ""),
                "commitments": values.get("commitments", ""),
                "reasons": [line for line in values.get("reasons", "").splitlines() if line.strip()],
            }
        )
        accountability_of(request).tracking.interview(
            principal, body.org_id, body.month, body.attendees, body.commitments, body.reasons
        )
    except ValidationError as wrong:
        return _board(request, principal, None, 422, ("interview", invalid(wrong)), values)
    except FanzhaError as failure:
        return _board(request, principal, None, failure.status, ("interview", failure), values)
    return RedirectResponse("/accountability#interviews", status_code=303)


@router.post("/accountability/items", response_class=HTMLResponse)
async def set_item(request: Request, principal: Worker) -> Response:
    """Set an item for a unit from the console (Art 5¶1 督办, Art 24¶1 整治, Art 36); refusals on the form."""
    values = _text(await request.form())
    try:
        body = AccItemCreate.model_validate(
            {
                "kind": values.get("kind", ""),
                "unit_org_id": _optional_id(values, "unit_org_id"),
                "title": values.get("title", ""),
                "target": values.get("target", ""),
                "deadline_days": _optional_id(values, "deadline_days"),
                "report_every_days": _optional_id(values, "report_every_days"),
                "interview_id": _optional_id(values, "interview_id"),
            }
        )
        row = accountability_of(request).tracking.open(principal, NewItem(**body.model_dump()))
    except ValidationError as wrong:
        return _board(request, principal, None, 422, ("item", invalid(wrong)), values)
    except FanzhaError as failure:
        return _board(request, principal, None, failure.status, ("item", failure), values)
    return RedirectResponse(f"/accountability/items/{row.id}", status_code=303)
