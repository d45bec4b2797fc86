"""HTTP API of the audit log: read and verify, never edit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from fanzha.audit.repository import AuditFilter
from fanzha.audit.schemas import AuditPage, AuditRead, ChainReport
from fanzha.audit.service import read_page
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.service import actor_of
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AuditAdmin = Annotated[Principal, Depends(authorize(Permission.AUDIT_READ))]


def verify_report(request: Request, principal: Principal) -> ChainReport:
    """Walk the chain and record that it was checked."""
    platform = platform_of(request)
    entries, broken = platform.auditor.verify()
    platform.auditor.record_apart(
        actor_of(principal),
        "audit.verify",
        source_ip=principal.source_ip,
        detail={"entries": entries, "intact": broken is None},
    )
    if broken is None:
        return ChainReport(entries=entries, intact=True)
    return ChainReport(
        entries=entries,
        intact=False,
        first_broken_seq=broken.seq,
        reason_zh=broken.reason_zh,
        reason_en=broken.reason_en,
    )


def search(
    request: Request, principal: Principal, where: AuditFilter, before: int | None, limit: int
) -> AuditPage:
    """A page of the log; reading the log is itself audited."""
    platform = platform_of(request)
    platform.auth.flush_failures()  # the summaries of failed-authentication windows that are over
    rows, cursor = read_page(platform.sessions, where, before, limit)
    platform.auditor.record_apart(
        actor_of(principal),
        "audit.read",
        source_ip=principal.source_ip,
        detail={"before": before, "count": len(rows)},
    )
    return AuditPage(items=[AuditRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get("", response_model=AuditPage)
def list_entries(
    request: Request,
    principal: AuditAdmin,
    before: Annotated[int | None, Query(ge=1, description="cursor: entries older than this sequence")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    result: Annotated[str | None, Query(pattern="^(success|denied|failed)$")] = None,
    org_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    """Search the audit log, newest first."""
    where = AuditFilter(action=action, actor=actor, org_id=org_id, result=result, since=since, until=until)
    return search(request, principal, where, before, limit)


@router.get("/verify", response_model=ChainReport)
def verify(request: Request, principal: AuditAdmin) -> ChainReport:
    """Check the SM3 hash chain from the first entry to the head."""
    return verify_report(request, principal)
