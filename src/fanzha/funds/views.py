"""Public page of the funds area: open notices before pro-rata returns (no account needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from fanzha.funds.router import funds_of
from fanzha.web import ratelimit
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/funds/notices", response_class=HTMLResponse)
def notices_page(request: Request) -> HTMLResponse:
    """The public notices (公告) listing the accounts whose money is to be returned pro rata."""
    ratelimit.check(request, "public")
    return render(request, "funds/notices.html", notices=funds_of(request).notices())
