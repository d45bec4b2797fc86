"""Console pages of the audit log for audit administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from fanzha.audit.repository import AuditFilter
from fanzha.audit.router import search, verify_report
from fanzha.identity.domain import Permission, Principal
from fanzha.web.deps import authorize
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
AuditAdmin = Annotated[Principal, Depends(authorize(Permission.AUDIT_READ))]
PAGE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, principal: AuditAdmin) -> HTMLResponse:
    """The log with filters; HTMX asks for older rows and for a chain check."""
    params = request.query_params
    where = AuditFilter(
        action=params.get("action") or None,
        actor=params.get("actor") or None,
        result=params.get("result") if params.get("result") in ("success", "denied", "failed") else None,
    )
    before = params.get("before", "")
    page = search(request, principal, where, int(before) if before.isdigit() else None, PAGE)
    query = "&".join(
        f"{k}={v}"
        for k, v in (("action", where.action), ("actor", where.actor), ("result", where.result))
        if v
    )
    template = "audit/_rows.html" if request.headers.get("HX-Request") else "audit/index.html"
    return render(request, template, page=page, where=where, query=query)


@router.get("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, principal: AuditAdmin) -> HTMLResponse:
    """The chain check's verdict as a fragment."""
    return render(request, "audit/_verify.html", report=verify_report(request, principal))
