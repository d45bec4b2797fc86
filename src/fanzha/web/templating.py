"""Jinja2 templates with the translator, the clock's display zone and the CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from fanzha.core.clock import local_text
from fanzha.identity.domain import ORG_KIND_LABELS, ROLE_LABELS, OrgKind, Role
from fanzha.web.i18n import language_of, pick, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["local"] = local_text


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a console page in the caller's language."""
    lang = language_of(request)
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "_": translator(lang),
            "role_label": lambda role: pick(ROLE_LABELS[Role(role)], lang),
            "kind_label": lambda kind: pick(ORG_KIND_LABELS[OrgKind(kind)], lang),
            "principal": getattr(request.state, "principal", None),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            **context,
        },
        status_code=status_code,
    )
