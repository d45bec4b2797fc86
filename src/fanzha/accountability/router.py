"""HTTP API of accountability: penalty cases, interviews and items, inspections, controls, registries."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from fanzha.accountability.domain import ItemKind
from fanzha.accountability.penalties import RULES, CaseState
from fanzha.accountability.records import NewInspection
from fanzha.accountability.schemas import (
    AccCaseAppeal,
    AccCaseDecide,
    AccCaseNote,
    AccCaseOpen,
    AccCaseOrder,
    AccCasePay,
    AccCasePropose,
    AccCaseRead,
    AccControlCreate,
    AccControlRead,
    AccHearingRecord,
    AccInspectionCase,
    AccInspectionCreate,
    AccInspectionRead,
    AccInterviewCreate,
    AccInterviewRead,
    AccItemCreate,
    AccItemRead,
    AccLicensedCheck,
    AccLicensedCreate,
    AccLicensedRead,
    AccReportCreate,
    AccReportRead,
    AccRosterCreate,
    AccRosterRead,
    AccRuleRead,
    AccSweepRead,
    case_read,
    interview_read,
    item_read,
    report_read,
)
from fanzha.accountability.service import Accountability
from fanzha.accountability.tables import ControlRecord, Inspection, LicensedInstitution, RosterEntry
from fanzha.accountability.tracking import NewItem
from fanzha.identity.domain import Permission, Principal
from fanzha.web.deps import authorize, platform_of
from fanzha.web.idempotent import idempotent

router = APIRouter(prefix="/api/v1/accountability", tags=["accountability"])
Reader = Annotated[Principal, Depends(authorize(Permission.ACCOUNTABILITY_READ))]
Worker = Annotated[Principal, Depends(authorize(Permission.ACCOUNTABILITY_WORK))]
Owner = Annotated[Principal, Depends(authorize(Permission.ACCOUNTABILITY_OWN))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]


def accountability_of(request: Request) -> Accountability:
    """The accountability service wired into this app."""
    service = platform_of(request).accountability
    assert service is not None, "build_platform wires accountability"
    return service


@router.get("/rules")
def rules(principal: Reader) -> list[AccRuleRead]:
    """Every penalty rule: article, its words, the deciding departments and the fine ranges in fen."""
    return [
        AccRuleRead(
            id=r.id,
            article=r.cited,
            quote=r.quote,
            duty=r.duty,
            decider=r.decider_zh,
            deciders=sorted(str(k) for k in r.deciders),
            order_to_correct=r.order_to_correct,
            fine_ranges_fen={str(c): list(r.range_fen(c)) for c in r.ranges},
            title_zh=r.title_zh,
            title_en=r.title_en,
        )
        for r in RULES.values()
    ]


@router.get("/cases")
def cases(
    request: Request, principal: Reader, state: Annotated[CaseState | None, Query()] = None
) -> list[AccCaseRead]:
    """Penalty cases the caller sees: an institution its own, a regulator its sector's, police all."""
    rows = accountability_of(request).cases.listing(principal, str(state) if state else None)
    return [case_read(c) for c in rows]


@router.post("/cases", status_code=201)
def open_case(request: Request, body: AccCaseOpen, principal: Worker) -> AccCaseRead:
    """Open a case under Art 40 or 41 (or the higher law, Art 39) by the competent department."""
    return case_read(accountability_of(request).cases.open(principal, body.opening()))


@router.get("/cases/{case_id}")
def case(request: Request, case_id: int, principal: Reader) -> AccCaseRead:
    """A case with its history."""
    row, events, names = accountability_of(request).cases.read(principal, case_id)
    return case_read(row, events, names)


@router.post("/cases/{case_id}/order")
def order(request: Request, case_id: int, body: AccCaseOrder, principal: Worker) -> AccCaseRead:
    """Order to correct and warn, with the deadline to correct."""
    return case_read(accountability_of(request).cases.order(principal, case_id, body.days, body.note))


@router.post("/cases/{case_id}/correct")
def correct(request: Request, case_id: int, body: AccCaseNote, principal: Worker) -> AccCaseRead:
    """Record the correction."""
    return case_read(accountability_of(request).cases.correct(principal, case_id, body.note))


@router.post("/cases/{case_id}/propose")
def propose(request: Request, case_id: int, body: AccCasePropose, principal: Worker) -> AccCaseRead:
    """Notify the proposed fine (within the article's range), which opens the hearing right."""
    service = accountability_of(request).cases
    return case_read(service.propose(principal, case_id, body.circumstance, body.amount_fen, body.note))


@router.post("/cases/{case_id}/hearing-request")
def hearing_request(request: Request, case_id: int, body: AccCaseNote, principal: Owner) -> AccCaseRead:
    """The respondent asks for a hearing."""
    return case_read(accountability_of(request).cases.request_hearing(principal, case_id, body.note))


@router.post("/cases/{case_id}/hearing")
def hearing(request: Request, case_id: int, body: AccHearingRecord, principal: Worker) -> AccCaseRead:
    """Record the hearing held."""
    return case_read(accountability_of(request).cases.hold_hearing(principal, case_id, body.record))


@router.post("/cases/{case_id}/decide")
def decide(request: Request, case_id: int, body: AccCaseDecide, principal: Worker) -> AccCaseRead:
    """Issue the decision document (PDF) with the fine."""
    return case_read(accountability_of(request).cases.decide(principal, case_id, body.amount_fen, body.note))


@router.get(
    "/cases/{case_id}/decision.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def decision(request: Request, case_id: int, principal: Reader) -> Response:
    """The decision document as issued."""
    row, data = accountability_of(request).cases.decision(principal, case_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{row.decision_no}.pdf"'},
    )


@router.get(
    "/cases/{case_id}/notice.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def notice(request: Request, case_id: int, principal: Reader) -> Response:
    """The notice of the proposed penalty (行政处罚告知书) with the hearing right."""
    row, data = accountability_of(request).cases.notice(principal, case_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{row.number}-notice.pdf"'},
    )


@router.post("/cases/{case_id}/payment")
def payment(request: Request, case_id: int, body: AccCasePay, principal: Worker) -> AccCaseRead:
    """Record the fine paid."""
    return case_read(
        accountability_of(request).cases.pay(principal, case_id, body.amount_fen, body.reference)
    )


@router.post("/cases/{case_id}/appeal")
def appeal(request: Request, case_id: int, body: AccCaseAppeal, principal: Reader) -> AccCaseRead:
    """Record a reconsideration or lawsuit (either party)."""
    return case_read(accountability_of(request).cases.appeal(principal, case_id, body.kind, body.note))


@router.post("/cases/{case_id}/close")
def close(request: Request, case_id: int, body: AccCaseNote, principal: Worker) -> AccCaseRead:
    """Close the case."""
    return case_read(accountability_of(request).cases.close(principal, case_id, body.note))


@router.get("/interviews")
def interviews(request: Request, principal: Reader) -> list[AccInterviewRead]:
    """Interviews the caller sees (a unit: its own)."""
    return [interview_read(i) for i in accountability_of(request).tracking.interviews(principal)]


@router.post("/interviews", status_code=201)
def interview(request: Request, body: AccInterviewCreate, principal: Worker) -> AccInterviewRead:
    """Record an interview, its reasons drawn from the unit's indicators of the month (Art 24, 25)."""
    row = accountability_of(request).tracking.interview(
        principal, body.org_id, body.month, body.attendees, body.commitments, body.reasons
    )
    return interview_read(row)


@router.get("/items")
def items(
    request: Request,
    principal: Reader,
    kind: Annotated[ItemKind | None, Query()] = None,
    overdue: bool = False,
) -> list[AccItemRead]:
    """Items the caller sees: rectification, supervised items, suggestions and transfers, soonest first."""
    rows = accountability_of(request).tracking.items(principal, str(kind) if kind else None, overdue)
    return [item_read(v) for v in rows]


@router.post("/items", status_code=201)
def new_item(request: Request, body: AccItemCreate, principal: Worker) -> AccItemRead:
    """Set an item for a unit (Art 5 督办, Art 24 整治, Art 36 建议、移送)."""
    tracking = accountability_of(request).tracking
    row = tracking.open(
        principal,
        NewItem(
            kind=body.kind,
            unit_org_id=body.unit_org_id,
            title=body.title,
            target=body.target,
            deadline_days=body.deadline_days,
            report_every_days=body.report_every_days,
            interview_id=body.interview_id,
            issuer_name=body.issuer_name,
        ),
    )
    return item_read(tracking.item(principal, row.id))


@router.post("/items/sweep")
def sweep(request: Request, principal: Worker) -> AccSweepRead:
    """Escalate every overdue item one level (the scheduler runs the same)."""
    return AccSweepRead(escalated=accountability_of(request).tracking.sweep(principal))


@router.get("/items/{item_id}")
def item(request: Request, item_id: int, principal: Reader) -> AccItemRead:
    """An item with its reports."""
    return item_read(accountability_of(request).tracking.item(principal, item_id))


@router.post("/items/{item_id}/reports", status_code=201, response_model=AccReportRead)
def report(
    request: Request, item_id: int, body: AccReportCreate, principal: Reader, key: IdempotencyKey = None
) -> Any:
    """The unit's progress report, written reply, feedback or closing report (a police unit or an
    administrative organ may be the unit: a supervised item, a transfer)."""

    def run() -> tuple[int, Any]:
        tracking = accountability_of(request).tracking
        row = tracking.report(principal, item_id, body.kind, body.text, body.percent)
        return 201, report_read(row).model_dump(mode="json")

    return idempotent(request, principal, key, body.model_dump(mode="json"), run)


@router.post("/items/{item_id}/close")
def close_item(request: Request, item_id: int, body: AccCaseNote, principal: Worker) -> AccItemRead:
    """The owner accepts the unit's answer and closes the item."""
    tracking = accountability_of(request).tracking
    tracking.close(principal, item_id, body.note)
    return item_read(tracking.item(principal, item_id))


def _inspection(row: Inspection) -> AccInspectionRead:
    return AccInspectionRead(
        id=row.id,
        kind=row.kind,
        inspector=row.inspector,
        subject_org_id=row.subject_org_id,
        venue_name=row.venue_name,
        venue_type=row.venue_type,
        findings=json.loads(row.findings),
        measures=row.measures,
        reported_to_police=row.reported_to_police,
        duty_failed=row.duty_failed,
        case_id=row.case_id,
        inspected_at=row.inspected_at,
    )


@router.get("/inspections")
def inspections(request: Request, principal: Reader) -> list[AccInspectionRead]:
    """Inspections the caller sees."""
    return [_inspection(r) for r in accountability_of(request).records.inspections(principal)]


@router.post("/inspections", status_code=201, response_model=AccInspectionRead)
def inspect(
    request: Request, body: AccInspectionCreate, principal: Reader, key: IdempotencyKey = None
) -> Any:
    """Record an inspection (police: venues and facilities; an operator: its own facilities)."""

    def run() -> tuple[int, Any]:
        row = accountability_of(request).records.inspect(principal, NewInspection(**body.model_dump()))
        return 201, _inspection(row).model_dump(mode="json")

    return idempotent(request, principal, key, body.model_dump(mode="json"), run)


@router.post("/inspections/{inspection_id}/case", status_code=201)
def inspection_case(
    request: Request, inspection_id: int, body: AccInspectionCase, principal: Worker
) -> AccCaseRead:
    """A venue or operator that failed to inspect or report becomes a penalty case (Art 40)."""
    return case_read(accountability_of(request).records.to_case(principal, inspection_id, body.facts))


def _control(r: ControlRecord) -> AccControlRead:
    return AccControlRead(
        id=r.id,
        org_id=r.org_id,
        kind=r.kind,
        business_line=r.business_line,
        summary=r.summary,
        risk_level=r.risk_level,
        conclusion=r.conclusion,
        recorded_by=r.recorded_by,
        at=r.at,
    )


@router.get("/controls")
def controls(
    request: Request, principal: Reader, org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
) -> list[AccControlRead]:
    """Internal controls and risk assessments: an institution its own, its regulator its sector's."""
    return [_control(r) for r in accountability_of(request).records.controls(principal, org_id)]


@router.post("/controls", status_code=201, response_model=AccControlRead)
def control(request: Request, body: AccControlCreate, principal: Owner, key: IdempotencyKey = None) -> Any:
    """An institution records an internal-control measure or a new business line's risk assessment."""

    def run() -> tuple[int, Any]:
        row = accountability_of(request).records.control(
            principal, body.kind, body.business_line, body.summary, body.risk_level, body.conclusion
        )
        return 201, _control(row).model_dump(mode="json")

    return idempotent(request, principal, key, body.model_dump(mode="json"), run)


def _roster(r: RosterEntry) -> AccRosterRead:
    return AccRosterRead(id=r.id, org_id=r.org_id, kind=r.kind, name=r.name, speciality=r.speciality)


@router.get("/roster")
def roster(
    request: Request, principal: Reader, org_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
) -> list[AccRosterRead]:
    """Specialists and volunteers (Art 6): an organisation its own; police every organisation's."""
    return [_roster(r) for r in accountability_of(request).records.roster(principal, org_id)]


@router.post("/roster", status_code=201)
def enrol(request: Request, body: AccRosterCreate, principal: Reader) -> AccRosterRead:
    """Add a specialist or volunteer to the caller's organisation."""
    return _roster(accountability_of(request).records.enrol(principal, body.kind, body.name, body.speciality))


def _licensed(r: LicensedInstitution) -> AccLicensedRead:
    return AccLicensedRead(
        id=r.id,
        name=r.name,
        licence_no=r.licence_no,
        kind=r.kind,
        credit_code=r.credit_code,
        valid_until=r.valid_until,
    )


@router.post("/licensed", status_code=201)
def register_licensed(request: Request, body: AccLicensedCreate, principal: Worker) -> AccLicensedRead:
    """The finance regulator registers a licensed financial institution (Art 22¶1)."""
    return _licensed(accountability_of(request).records.license(principal, body.model_dump()))


@router.get("/licensed/check")
def check_licensed(
    request: Request,
    principal: Reader,
    name: Annotated[str | None, Query(max_length=200)] = None,
    licence_no: Annotated[str | None, Query(max_length=64)] = None,
    credit_code: Annotated[str | None, Query(max_length=18)] = None,
) -> AccLicensedCheck:
    """A platform checks a financial-information account's institution before it publishes (Art 22¶1)."""
    rows = accountability_of(request).records.check_licensed(principal, name, licence_no, credit_code)
    return AccLicensedCheck(licensed=bool(rows), matches=[_licensed(r) for r in rows])
