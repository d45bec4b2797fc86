"""HTTP API of warnings (Art 28¶2, 4¶2): signals in, tasks, outcomes, warnings, board, grids, register."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from fanzha.identity.domain import Permission, Principal
from fanzha.warnings.admin import ContactRow, Warnings
from fanzha.warnings.domain import TaskStatus, overdue
from fanzha.warnings.schemas import (
    WarningBoard,
    WarningContactList,
    WarningContactSummary,
    WarningCount,
    WarningCountMap,
    WarningDetail,
    WarningGridIn,
    WarningGridRead,
    WarningGridWorker,
    WarningOutcomeIn,
    WarningRead,
    WarningRegister,
    WarningRouteIn,
    WarningSignalBatch,
    WarningSignalRead,
    WarningSignalResult,
    WarningSignalResults,
    WarningStats,
    WarningTaskDetail,
    WarningTaskPage,
    WarningTaskRead,
    WarningTemplates,
)
from fanzha.warnings.service import SignalInput
from fanzha.warnings.tables import Warning_, WarnTask
from fanzha.web.deps import authorize, platform_of
from fanzha.web.limits import MiB, declare

router = APIRouter(prefix="/api/v1/warnings", tags=["warnings"])
Sender = Annotated[Principal, Depends(authorize(Permission.WARNING_SIGNAL))]
Desk = Annotated[Principal, Depends(authorize(Permission.WARNING_DESK))]
Worker = Annotated[Principal, Depends(authorize(Permission.WARNING_TASK))]


def warnings_of(request: Request) -> Warnings:
    """The warnings service wired into this app."""
    service = platform_of(request).warnings
    assert service is not None, "build_platform wires warnings"
    return service


def task_read(service: Warnings, task: WarnTask, warning: Warning_) -> WarningTaskRead:
    """A task for a list: no identifier."""
    return WarningTaskRead(
        id=task.id,
        warning_id=task.warning_id,
        channel=task.channel,
        level=task.level,
        status=task.status,
        county_code=task.county_code,
        grid_code=task.grid_code,
        widened=task.widened,
        assignee=task.assignee,
        due_at=task.due_at,
        overdue=overdue(TaskStatus(task.status), task.due_at, service.clock.now()),
        accepted_at=task.accepted_at,
        done_at=task.done_at,
        outcome=task.outcome,
        scam_type=warning.scam_type,
        contact_tail=warning.contact_tail,
    )


@router.post("/signals", response_model=WarningSignalResults, openapi_extra=declare(body=2 * MiB))
def signals(request: Request, body: WarningSignalBatch, principal: Sender) -> WarningSignalResults:
    """Signals (alerts, contacts, payee-check hits, reports, tips, 96110 calls); a bad one refuses all.

    The request's items go set-based in one transaction (warnings/bulk.py), with the one-by-one rules.
    """
    items = [SignalInput(**item.model_dump()) for item in body.items]
    results = warnings_of(request).ingest_bulk(principal, items)
    return WarningSignalResults(
        results=[
            WarningSignalResult(
                warning_id=r.warning_id,
                level=r.level,
                action=r.action,
                task_id=r.task_id,
                merged=r.merged,
                visit_task_id=r.visit_task_id,
            )
            for r in results
        ]
    )


@router.post("/contacts", response_model=WarningContactSummary, openapi_extra=declare(body=16 * MiB))
def contacts(request: Request, body: WarningContactList, principal: Sender) -> WarningContactSummary:
    """12381: a sample number's contacts from the operator's call records; each person texted once."""
    rows = [
        ContactRow(c.person_token, c.id_number, c.phone, c.calls, c.longest_call_s, c.last_at)
        for c in body.contacts
    ]
    actions = warnings_of(request).contacts(
        principal, body.fraud_number, body.scam_type, body.sample_id, rows
    )
    return WarningContactSummary(received=len(rows), actions=actions)


@router.post("/runs/{run_id}", response_model=WarningCountMap)
def from_run(request: Request, run_id: int, principal: Sender) -> WarningCountMap:
    """A PotentialVictimV1 run's alerts become signals (province and city centres, Art 27, 28)."""
    return WarningCountMap(counts=warnings_of(request).from_run(principal, run_id))


@router.get("/tasks", response_model=WarningTaskPage)
def tasks(
    request: Request,
    principal: Worker,
    status: Annotated[str | None, Query(pattern="^(open|new|accepted|done|missed|cancelled)$")] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> WarningTaskPage:
    """The tasks the caller may see (a grid worker: their grid's visits), most urgent first."""
    service = warnings_of(request)
    rows = service.tasks(principal, status, limit)
    return WarningTaskPage(items=[task_read(service, t, w) for t, w in rows])


@router.get("/tasks/{task_id}", response_model=WarningTaskDetail)
def task(request: Request, task_id: int, principal: Worker) -> WarningTaskDetail:
    """One task with the phone to dial while it is open (audited, Art 26)."""
    service = warnings_of(request)
    view = service.task(principal, task_id)
    base = task_read(service, view.task, view.warning).model_dump()
    return WarningTaskDetail(
        **base,
        phone=view.phone,
        phone_masked=view.phone_masked,
        reasons=json.loads(view.warning.reasons),
        grid_name=view.grid_name,
        note=view.task.note,
    )


@router.post("/tasks/{task_id}/accept", response_model=WarningTaskRead)
def accept(request: Request, task_id: int, principal: Worker) -> WarningTaskRead:
    """Take a task."""
    service = warnings_of(request)
    t = service.accept(principal, task_id)
    return _read(service, principal, t)


@router.post("/tasks/{task_id}/route", response_model=WarningTaskRead)
def route(request: Request, task_id: int, body: WarningRouteIn, principal: Desk) -> WarningTaskRead:
    """The county desk routes a visit of its unassigned queue (someone not in the grid register) to a grid."""
    service = warnings_of(request)
    return _read(service, principal, service.route(principal, task_id, body.grid_code))


@router.post("/tasks/{task_id}/outcome", response_model=WarningTaskRead)
def outcome(request: Request, task_id: int, body: WarningOutcomeIn, principal: Worker) -> WarningTaskRead:
    """Record the outcome (only the one who accepted it); escalate or close."""
    service = warnings_of(request)
    t = service.outcome(principal, task_id, body.outcome, body.note)
    return _read(service, principal, t)


def _read(service: Warnings, principal: Principal, t: WarnTask) -> WarningTaskRead:
    with service.uow(read_only=True) as uow:
        warning = uow.session.get(Warning_, t.warning_id)
        assert warning is not None
        return task_read(service, t, warning)


@router.get("/board", response_model=WarningBoard)
def board(request: Request, principal: Desk) -> WarningBoard:
    """The live board of the caller's region: open tasks new, in progress, overdue."""
    return WarningBoard(**warnings_of(request).board(principal))


@router.get("/stats", response_model=WarningStats)
def stats(request: Request, principal: Desk) -> WarningStats:
    """Outcomes by level, times to contact, false alarms per engine and detection run."""
    return WarningStats(**warnings_of(request).stats(principal))


@router.get("/grids", response_model=list[WarningGridRead])
def grids(request: Request, principal: Desk) -> list[WarningGridRead]:
    """Grids of the caller's region."""
    return [
        WarningGridRead(
            code=g.code, township_code=g.township_code, county_code=g.county_code, name_zh=g.name_zh
        )
        for g in warnings_of(request).grids(principal)
    ]


@router.post("/grids", response_model=WarningGridRead, status_code=201)
def add_grid(request: Request, body: WarningGridIn, principal: Desk) -> WarningGridRead:
    """Add (or rename) a grid of the caller's region (Art 4¶2)."""
    g = warnings_of(request).add_grid(principal, body.code, body.name_zh)
    return WarningGridRead(
        code=g.code, township_code=g.township_code, county_code=g.county_code, name_zh=g.name_zh
    )


@router.post("/grids/{grid_code}/workers", response_model=WarningCount)
def assign(request: Request, grid_code: str, body: WarningGridWorker, principal: Desk) -> WarningCount:
    """Put a grid worker on a grid."""
    warnings_of(request).assign(principal, body.user_id, grid_code)
    return WarningCount(count=1)


@router.post("/register", response_model=WarningCount, openapi_extra=declare(body=16 * MiB))
def register(request: Request, body: WarningRegister, principal: Desk) -> WarningCount:
    """The grid register: residents' ID tokens (or numbers, tokenised), phones and grids; all or none."""
    service = warnings_of(request)
    rows = []
    family: dict[int, tuple[str, str]] = {}
    for i, r in enumerate(body.items):
        token = r.person_token or ""
        if r.id_number:
            token = service.vault.token_of("resident_id", r.id_number, field=f"items.{i}.id_number")[1]
        rows.append((token, r.phone, r.grid_code))
        if r.family_phone is not None:
            kin = r.family_person_token or ""
            if r.family_id_number:
                field = f"items.{i}.family_id_number"
                kin = service.vault.token_of("resident_id", r.family_id_number, field=field)[1]
            family[i] = (kin, r.family_phone)
    return WarningCount(count=service.register(principal, rows, family))


@router.get("/templates", response_model=WarningTemplates)
def templates(request: Request, principal: Desk) -> WarningTemplates:
    """The SMS texts in force per scam type."""
    return WarningTemplates(templates=warnings_of(request).current_templates(principal))


@router.put("/templates", response_model=WarningTemplates)
def set_templates(request: Request, body: WarningTemplates, principal: Desk) -> WarningTemplates:
    """Replace texts; one with a link, a number to call or no {tail} is refused and nothing changes."""
    return WarningTemplates(templates=warnings_of(request).set_templates(principal, body.templates))


@router.get("/{warning_id}", response_model=WarningDetail)
def detail(request: Request, warning_id: int, principal: Desk) -> WarningDetail:
    """A warning with its signals and tasks (audited)."""
    service = warnings_of(request)
    w, signals_, tasks_ = service.warning(principal, warning_id)
    return WarningDetail(
        warning=WarningRead(**service.detail_json(w)),
        signals=[
            WarningSignalRead(
                kind=s.kind,
                at=s.at,
                level=s.level,
                reasons=json.loads(s.reasons),
                engine=s.engine,
                run_id=s.run_id,
                sample_id=s.sample_id,
            )
            for s in signals_
        ],
        tasks=[task_read(service, t, w) for t in tasks_],
    )
