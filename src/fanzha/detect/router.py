"""HTTP API of detection: start a run, follow it, browse alerts with their reasons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request

from fanzha.detect.frame import REASON_SEP
from fanzha.detect.runs import AlertView, DetectRunService
from fanzha.detect.schemas import AlertPage, AlertRead, EngineRead, PolicyResult, RunCreate, RunPage, RunRead
from fanzha.identity.domain import Permission, Principal
from fanzha.web.deps import authorize, platform_of
from fanzha.web.idempotent import idempotent

router = APIRouter(prefix="/api/v1/detect", tags=["detect"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]


def runs_of(request: Request) -> DetectRunService:
    """The detection run service over this app's platform."""
    return DetectRunService.of(platform_of(request))


def _gated(permission: Permission, centres_only: bool) -> Callable[..., Principal]:
    """A dependency: the role's permission, then the organisation's (refused before the body)."""

    def dependency(request: Request, principal: Principal = Depends(authorize(permission))) -> Principal:
        runs = runs_of(request)
        gate = runs.centre_only if centres_only else runs.detecting_only
        route = request.scope.get("route")  # audited like `authorize`: one action per endpoint
        gate(principal, f"{request.method} {getattr(route, 'path', request.url.path)}")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the access-matrix test
    return dependency


def at_centre(permission: Permission) -> Callable[..., Principal]:
    """Province and city centres only (Art 27): turning alerts into samples and warnings."""
    return _gated(permission, centres_only=True)


def detecting(permission: Permission) -> Callable[..., Principal]:
    """The centres and institutions bound to monitor their sector (Art 10-14, 16-18, 20-23)."""
    return _gated(permission, centres_only=False)


Reader = Annotated[Principal, Depends(authorize(Permission.DETECT_READ))]
RunReader = Annotated[Principal, Depends(detecting(Permission.DETECT_READ))]
Runner = Annotated[Principal, Depends(detecting(Permission.DETECT_RUN))]
PolicyApplier = Annotated[Principal, Depends(at_centre(Permission.DETECT_RUN))]


def engines() -> list[EngineRead]:
    """The registry, in its order."""
    from fanzha.detect.modelcard import evaluation
    from fanzha.detect.registry import REGISTRY

    out = []
    for e in REGISTRY.values():
        ev = evaluation(e.name) or {}
        out.append(
            EngineRead(
                name=e.name,
                version=e.version,
                articles=e.articles,
                title_zh=e.title_zh,
                title_en=e.title_en,
                inputs=list(e.inputs),
                evaluated_precision_high=ev.get("high"),
                evaluated_precision_all=ev.get("all"),
            )
        )
    return out


def alert_read(view: AlertView) -> AlertRead:
    """An alert for the API, its reasons split into a list."""
    a = view.alert
    return AlertRead(
        id=a.id,
        kind=a.kind,
        token=a.token,
        masked=a.masked,
        raw_value=view.raw_value,
        score=a.score,
        level=a.level,
        reasons=[r for r in a.reasons.split(REASON_SEP) if r],
        last_seen=a.last_seen,
    )


@router.get("/engines", response_model=list[EngineRead])
def list_engines(principal: Reader) -> list[EngineRead]:
    """The engines: name, version, articles served, titles, input tables."""
    return engines()


@router.post("/runs", response_model=RunRead, status_code=201)
def start(request: Request, body: RunCreate, principal: Runner, key: IdempotencyKey = None) -> Any:
    """Queue a run (a worker executes it); retries with the same Idempotency-Key start it once."""

    def run() -> tuple[int, Any]:
        created = runs_of(request).start(principal, body.engine, body.backend, body.data_dir)
        return 201, RunRead.model_validate(created).model_dump(mode="json")

    return idempotent(request, principal, key, body.model_dump(mode="json"), run)


@router.get("/runs", response_model=RunPage)
def recent(
    request: Request, principal: RunReader, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> RunPage:
    """The latest runs the caller may see, newest first."""
    return RunPage(items=[RunRead.model_validate(r) for r in runs_of(request).recent(principal, limit)])


@router.get("/runs/{run_id}", response_model=RunRead)
def detail(request: Request, run_id: int, principal: RunReader) -> RunRead:
    """A run's status and progress stage."""
    return RunRead.model_validate(runs_of(request).get(principal, run_id))


@router.get("/runs/{run_id}/alerts", response_model=AlertPage)
def alerts(
    request: Request,
    run_id: int,
    principal: RunReader,
    level: str | None = None,
    kind: str | None = None,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    reveal: bool = False,
) -> AlertPage:
    """A page of a run's alerts with reasons; `reveal=true` shows raw identifiers (audited)."""
    views = runs_of(request).alerts(
        principal, run_id, level=level, kind=kind, after=after, limit=limit, reveal=reveal
    )
    return AlertPage(
        items=[alert_read(v) for v in views],
        next_after=views[-1].alert.id if len(views) == limit else None,
    )


@router.post("/runs/{run_id}/apply-policies", response_model=PolicyResult)
def apply_policies(request: Request, run_id: int, principal: PolicyApplier) -> PolicyResult:
    """Turn the run's alerts into sample candidates and warning tasks; applying again adds nothing."""
    return PolicyResult(created=runs_of(request).apply_policies(principal, run_id))
