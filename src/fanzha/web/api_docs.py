"""The API reference at /api/docs: Swagger UI served from the package, under the console's CSP."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI over /api/openapi.json (no CDN, no inline script)."""
    return render(request, "api_docs.html")
