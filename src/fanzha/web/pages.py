"""Log-in, log-out, the home page per role, language switch and health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.identity.domain import ROLE_PERMISSIONS, Permission, Principal
from fanzha.identity.schemas import LoginRequest, Me, SetPassword
from fanzha.identity.tables import Organisation, User
from fanzha.web import ratelimit, readiness, workqueue
from fanzha.web.deps import SESSION_COOKIE, authorize, client_ip, platform_of
from fanzha.web.i18n import LANG_COOKIE, LANGUAGES, language_of, translator
from fanzha.web.templating import render

router = APIRouter()

# Console destinations per permission, shown as work tiles on the home page.
TILES: list[tuple[Permission, str, str]] = [
    (Permission.SAMPLE_READ, "/samples", "nav.samples"),
    (Permission.SAMPLE_PUBLISH, "/samples/new", "samples.publish"),
    (Permission.SAMPLE_DECIDE, "/samples/queue", "samples.queue"),
    (Permission.SUBSCRIPTION_MANAGE, "/samples/subscriptions", "samples.subscriptions"),
    (Permission.ORG_READ, "/admin/organisations", "nav.organisations"),
    (Permission.USER_READ, "/admin/users", "nav.users"),
    (Permission.APIKEY_MANAGE, "/admin/api-keys", "nav.api_keys"),
    (Permission.APPROVAL_READ, "/admin/approvals", "nav.approvals"),
    (Permission.AUDIT_READ, "/audit", "nav.audit"),
]


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = platform_of(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
    )


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers (restart it if not); /readyz says whether it can serve."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> dict[str, object]:
    """Readiness: the database answers and, when configured, NATS JetStream; else 503 with Retry-After."""
    platform = platform_of(request)
    checks = await readiness.check(platform.engine, platform.settings.nats_url)
    return {"status": "ready", "checks": checks}


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request) -> HTMLResponse:
    """The log-in form."""
    return render(request, "login.html", error=None)


@router.post("/login", include_in_schema=False)
def login_form(
    request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = ""
) -> Response:
    """Log in from the console form."""
    try:
        ratelimit.check(request, "login", f"user:{username.strip().lower()[:64]}")
        token, _csrf, _principal = platform_of(request).auth.login(username, password, client_ip(request))
    except FanzhaError as error:
        page = render(request, "login.html", status_code=error.status, error=error, username=username)
        return ratelimit.with_retry_after(page, error)
    response = RedirectResponse("/", status_code=303)
    _set_session_cookie(request, response, token)
    return response


@router.post("/api/v1/auth/login", response_model=Me, tags=["auth"])
def login_api(request: Request, body: LoginRequest, response: Response) -> Me:
    """Log in over the API; sets the session cookie and returns the CSRF token in a header."""
    ratelimit.check(request, "login", f"user:{body.username.strip().lower()[:64]}")
    token, csrf, principal = platform_of(request).auth.login(body.username, body.password, client_ip(request))
    _set_session_cookie(request, response, token)
    response.headers["X-CSRF-Token"] = csrf
    return _me(principal)


@router.get("/activate", response_class=HTMLResponse, include_in_schema=False)
def activate_page(request: Request) -> HTMLResponse:
    """Set one's own password with the activation or reset code sent to one's phone."""
    return render(request, "activate.html", error=None)


@router.post("/activate", response_class=HTMLResponse, include_in_schema=False)
def activate_form(
    request: Request,
    username: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Redeem the code from the console form; the user then logs in with the new password."""
    try:
        ratelimit.check(request, "login", f"user:{username.strip().lower()[:64]}")
        if new_password != confirm:
            raise ValidationFailed("两次输入的密码不一致", "The two passwords differ", field="confirm")
        platform_of(request).auth.set_password(username, code, new_password, client_ip(request))
    except FanzhaError as error:
        page = render(request, "activate.html", status_code=error.status, error=error, username=username)
        return ratelimit.with_retry_after(page, error)
    return render(request, "activate.html", error=None, done=True)


@router.post("/api/v1/auth/set-password", status_code=204, tags=["auth"])
def set_password_api(request: Request, body: SetPassword) -> Response:
    """Redeem an activation or reset code with one's own new password; every session of the user ends."""
    ratelimit.check(request, "login", f"user:{body.username.strip().lower()[:64]}")
    platform_of(request).auth.set_password(body.username, body.code, body.new_password, client_ip(request))
    return Response(status_code=204)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, _p: Annotated[Principal, Depends(authorize(Permission.HOME))]) -> Response:
    """End the session."""
    token = request.cookies.get(SESSION_COOKIE, "")
    platform_of(request).auth.logout(token, client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _me(principal: Principal) -> Me:
    return Me(
        username=principal.username,
        role=principal.role,
        org_id=principal.org_id,
        org_kind=principal.org_kind,
        permissions=sorted(ROLE_PERMISSIONS[principal.role]),
    )


@router.get("/api/v1/auth/me", response_model=Me, tags=["auth"])
def me(principal: Annotated[Principal, Depends(authorize(Permission.HOME))]) -> Me:
    """The caller's identity and permissions."""
    return _me(principal)


@router.get("/lang/{lang}", include_in_schema=False)
def switch_language(lang: str, request: Request) -> Response:
    """Remember the chosen console language."""
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400, path="/")
    return response


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.HOME))]
) -> HTMLResponse:
    """The home page: what this role can do, and a glance at the platform."""
    platform = platform_of(request)
    with platform.sessions() as session:
        org = session.get_one(Organisation, principal.org_id)
        user = session.get(User, principal.user_id) if principal.user_id else None
        stats: dict[str, int] = {}
        if principal.can(Permission.ORG_READ):
            stats["home.org_count"] = session.scalar(select(func.count()).select_from(Organisation)) or 0
        if principal.can(Permission.USER_READ):
            query = select(func.count()).select_from(User)
            if not principal.sees_org(-1):
                query = query.where(User.org_id == principal.org_id)
            stats["home.user_count"] = session.scalar(query) or 0
        if principal.can(Permission.AUDIT_READ):
            stats["home.audit_count"] = session.scalar(select(func.count()).select_from(AuditRecord)) or 0
        now = platform.clock.now()
        work = workqueue.work_of(session, principal, now)
        trend = workqueue.order_trend(session, principal, now, translator(language_of(request)))
    tiles = [(href, key) for permission, href, key in TILES if principal.can(permission)]
    return render(request, "home.html", org=org, user=user, tiles=tiles, stats=stats, work=work, trend=trend)
