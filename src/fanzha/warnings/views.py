"""Console pages of warnings: the task page for phones (grid workers, desk) and the county live board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.identity.domain import Permission, Principal
from fanzha.samples.domain import FRAUD_TYPE_LABELS, FraudType
from fanzha.warnings.domain import Outcome, TaskStatus, overdue
from fanzha.warnings.router import warnings_of
from fanzha.warnings.tasks import reasons_of
from fanzha.web.deps import authorize
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Worker = Annotated[Principal, Depends(authorize(Permission.WARNING_TASK))]
Desk = Annotated[Principal, Depends(authorize(Permission.WARNING_DESK))]


def _scam(value: str, lang: str) -> str:
    try:
        pair = FRAUD_TYPE_LABELS[FraudType(value)]
    except ValueError:
        return value
    return pair[1] if lang == "en" else pair[0]


@router.get("/warnings/tasks", response_class=HTMLResponse)
def tasks(
    request: Request,
    principal: Worker,
    status: Annotated[str, Query(pattern="^(open|done|all)$")] = "open",
) -> HTMLResponse:
    """My tasks (a grid worker: my grid's visits), the most urgent first; large tap targets."""
    service = warnings_of(request)
    rows = service.tasks(principal, None if status == "all" else status, 200)
    now = service.clock.now()
    items = [(t, w, overdue(TaskStatus(t.status), t.due_at, now)) for t, w in rows]
    return render(request, "warnings/tasks.html", items=items, status=status, scam=_scam)


def _task_page(
    request: Request, principal: Principal, task_id: int, error: FanzhaError | None = None, code: int = 200
) -> HTMLResponse:
    service = warnings_of(request)
    view = service.task(principal, task_id)
    return render(
        request,
        "warnings/task.html",
        code,
        view=view,
        reasons=reasons_of(view.warning),
        late=overdue(TaskStatus(view.task.status), view.task.due_at, service.clock.now()),
        mine=view.task.assignee_id == principal.user_id,
        outcomes=[str(o) for o in Outcome],
        scam=_scam,
        error=error,
    )


@router.get("/warnings/tasks/{task_id}", response_class=HTMLResponse)
def task(request: Request, task_id: int, principal: Worker) -> HTMLResponse:
    """One task: what it needs and nothing more, a tap-to-call link, accept, and the outcome form."""
    return _task_page(request, principal, task_id)


@router.post("/warnings/tasks/{task_id}/accept", response_class=HTMLResponse)
def accept(request: Request, task_id: int, principal: Worker) -> Response:
    """Take the task."""
    try:
        warnings_of(request).accept(principal, task_id)
    except FanzhaError as failure:
        return _task_page(request, principal, task_id, failure, failure.status)
    return RedirectResponse(f"/warnings/tasks/{task_id}", status_code=303)


@router.post("/warnings/tasks/{task_id}/outcome", response_class=HTMLResponse)
async def outcome(request: Request, task_id: int, principal: Worker) -> Response:
    """Record the visit's or call's outcome and a note."""
    form = await request.form()
    raw, note = str(form.get("outcome", "")), str(form.get("note", ""))
    try:
        try:
            chosen = Outcome(raw)
        except ValueError:
            raise ValidationFailed("请选择劝阻结果", "Choose an outcome", field="outcome") from None
        warnings_of(request).outcome(principal, task_id, chosen, note)
    except FanzhaError as failure:
        return _task_page(request, principal, task_id, failure, failure.status)
    return RedirectResponse(f"/warnings/tasks/{task_id}", status_code=303)


@router.get("/warnings/board", response_class=HTMLResponse)
def board(request: Request, principal: Desk, fragment: bool = False) -> HTMLResponse:
    """The county live board: open tasks new, in progress and overdue (the fragment refreshes itself)."""
    service = warnings_of(request)
    counts = service.board(principal)
    now = service.clock.now()
    rows = [
        (t, w, overdue(TaskStatus(t.status), t.due_at, now)) for t, w in service.tasks(principal, "open", 100)
    ]
    if fragment:
        return render(request, "warnings/_board.html", counts=counts, items=rows, scam=_scam)
    stats = service.stats(principal)
    return render(request, "warnings/board.html", counts=counts, items=rows, scam=_scam, stats=stats)
