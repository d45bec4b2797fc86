"""Console pages for organisation, user and API-key administration."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError

from fanzha.core.errors import FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.core.invalid import invalid
from fanzha.identity.domain import ORG_KIND_LABELS, ROLE_LABELS, Permission, Principal
from fanzha.identity.schemas import OrganisationCreate, PhoneChange, RoleChange, UserCreate
from fanzha.identity.tables import Organisation
from fanzha.web.deps import authorize, platform_of
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)


async def _form(request: Request) -> dict[str, Any]:
    """The posted form without the CSRF field and with blanks as missing."""
    form = await request.form()
    return {k: v for k, v in form.items() if k != "csrf_token" and v != ""}


def _parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate a form into an API model; the first problem becomes a ValidationFailed."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid(error) from None


def _chosen_org(request: Request, principal: Principal) -> int:
    """The organisation a page is about: platform-wide roles pick it (id or typed code), others their own."""
    asked = request.query_params.get("org_id", "")
    typed = request.query_params.get("org", "").strip()
    if typed and principal.sees_org(-1):
        found = platform_of(request).identity.search_organisations(principal, text=typed, limit=2)
        exact = [o for o in found if o.code == typed] or (found if len(found) == 1 else [])
        return exact[0].id if exact else principal.org_id
    return int(asked) if asked.isdigit() and principal.sees_org(int(asked)) else principal.org_id


def _org_of(request: Request, org_id: int) -> Organisation | None:
    with platform_of(request).sessions() as session:
        return session.get(Organisation, org_id)


# Organisations ---------------------------------------------------------------------------

ORG_PAGE = 100  # rows per page of the directory; the next page starts after the last code shown


def _orgs_page(request: Request, principal: Principal, **extra: Any) -> HTMLResponse:
    q = request.query_params
    text, kind = q.get("q", "").strip(), q.get("kind", "")
    orgs = platform_of(request).identity.search_organisations(
        principal, text=text, kind=kind if kind in ORG_KIND_LABELS else "", after=q.get("after", ""),
        limit=ORG_PAGE + 1,
    )  # fmt: skip
    more = len(orgs) > ORG_PAGE
    orgs = orgs[:ORG_PAGE]
    kept = {k: v for k, v in q.items() if k != "after"}
    next_url = f"/admin/organisations?{urlencode({**kept, 'after': orgs[-1].code})}" if more else None
    return render(
        request,
        "identity/organisations.html",
        orgs=orgs,
        kinds=ORG_KIND_LABELS,
        q=q,
        next_url=next_url,
        **extra,
    )


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisations(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.ORG_READ))]
) -> HTMLResponse:
    """The organisation directory, with a form for platform administrators."""
    return _orgs_page(request, principal)


@router.post("/admin/organisations", response_class=HTMLResponse)
async def organisation_create(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.ORG_MANAGE))]
) -> HTMLResponse:
    """Create an organisation from the console form."""
    try:
        fields = await _form(request)
        parent = str(fields.pop("parent_code", "")).strip()
        if parent:  # the parent is typed by code: a select of every unit in the province does not scale
            found = platform_of(request).identity.search_organisations(principal, text=parent, limit=50)
            match = [o for o in found if o.code == parent]
            if not match:
                raise ValidationFailed(
                    f"上级单位代码「{parent}」不存在",
                    f"No organisation has the code '{parent}'",
                    field="parent_code",
                )
            fields["parent_id"] = match[0].id
        data = _parse(OrganisationCreate, fields)
        platform_of(request).identity.create_organisation(principal, data)
    except FanzhaError as error:
        return _orgs_page(request, principal, error=error)
    return _orgs_page(request, principal, created=data.code)


# Users -----------------------------------------------------------------------------------


def _users_page(request: Request, principal: Principal, org_id: int, **extra: Any) -> HTMLResponse:
    platform = platform_of(request)
    users = platform.identity.list_users(principal, org_id)
    orgs = [_org_of(request, org_id)] if principal.sees_org(-1) else []
    return render(
        request,
        "identity/users.html",
        users=users,
        orgs=orgs,
        org_id=org_id,
        roles=ROLE_LABELS,
        now=platform.clock.now(),
        **extra,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.USER_READ))]
) -> HTMLResponse:
    """Users of one organisation."""
    return _users_page(request, principal, _chosen_org(request, principal))


@router.post("/admin/users", response_class=HTMLResponse)
async def user_create(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.USER_MANAGE))]
) -> HTMLResponse:
    """Create a user from the console; the activation code goes to the user's phone, never to this page."""
    fields = await _form(request)
    org_id = int(fields["org_id"]) if str(fields.get("org_id", "")).isdigit() else principal.org_id
    try:
        outcome = platform_of(request).identity.create_user(
            principal, _parse(UserCreate, {**fields, "org_id": org_id})
        )
    except FanzhaError as error:
        return _users_page(request, principal, org_id, error=error)
    if outcome.request is not None:
        return _users_page(request, principal, org_id, requested=outcome.request)
    return _users_page(request, principal, org_id, code_sent=outcome.sent_to)


@router.post("/admin/users/{user_id}/manage/{action}", response_class=HTMLResponse)
async def user_manage(
    request: Request,
    user_id: int,
    action: str,
    principal: Annotated[Principal, Depends(authorize(Permission.USER_MANAGE))],
) -> HTMLResponse:
    """Change a user's role (administrator roles wait for approval) or register their phone."""
    identity = platform_of(request).identity
    fields = await _form(request)
    extra: dict[str, Any] = {}
    try:
        if action == "role":
            _user, extra["requested"] = identity.set_role(principal, user_id, _parse(RoleChange, fields).role)
        elif action == "phone":
            identity.set_phone(principal, user_id, _parse(PhoneChange, fields).phone)
        else:
            raise NotFound(field="action")
    except (NotFound, PermissionDenied):
        raise  # another organisation's user, or a role not the caller's to give: the error page, audited
    except FanzhaError as error:
        extra = {"error": error}
    return _users_page(request, principal, _chosen_org(request, principal), **extra)


@router.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
async def user_security(
    request: Request,
    user_id: int,
    action: str,
    principal: Annotated[Principal, Depends(authorize(Permission.USER_SECURITY))],
) -> HTMLResponse:
    """Unlock, disable, enable or reset a user's password."""
    identity = platform_of(request).identity
    extra: dict[str, Any] = {}
    try:
        if action == "unlock":
            user = identity.unlock(principal, user_id)
        elif action in ("disable", "enable"):
            user = identity.set_active(principal, user_id, action == "enable")
        elif action == "reset":
            user = identity.reset_password(principal, user_id)
            extra["code_sent"] = user.phone_masked
        else:
            raise ValidationFailed("未知操作", "Unknown action", field="action")
    except FanzhaError as error:
        return _users_page(request, principal, _chosen_org(request, principal), error=error)
    return _users_page(request, principal, user.org_id, **extra)


# API keys --------------------------------------------------------------------------------


def _keys_page(request: Request, principal: Principal, org_id: int, **extra: Any) -> HTMLResponse:
    platform = platform_of(request)
    keys = platform.auth.list_api_keys(principal, org_id)
    orgs = [_org_of(request, org_id)] if principal.sees_org(-1) else []
    return render(
        request,
        "identity/api_keys.html",
        keys=keys,
        orgs=orgs,
        org_id=org_id,
        now=platform.clock.now(),
        **extra,
    )


@router.get("/admin/api-keys", response_class=HTMLResponse)
def api_keys(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.APIKEY_MANAGE))]
) -> HTMLResponse:
    """An organisation's API keys."""
    return _keys_page(request, principal, _chosen_org(request, principal))


@router.post("/admin/api-keys", response_class=HTMLResponse)
async def api_key_create(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.APIKEY_ISSUE))]
) -> HTMLResponse:
    """Issue a key for one's own organisation from the console; the secret shows once."""
    fields = await _form(request)
    org_id = int(fields["org_id"]) if str(fields.get("org_id", "")).isdigit() else principal.org_id
    days = str(fields.get("days", ""))
    try:
        name = str(fields.get("name", "")).strip()
        if not name:
            raise ValidationFailed("请填写密钥名称", "Name the key", field="name")
        grants = frozenset({Permission.SUBSCRIPTION_MANAGE}) if fields.get("subscribe") else frozenset()
        _key, secret = platform_of(request).auth.create_api_key(
            principal, org_id, name, int(days) if days.isdigit() else None, grants
        )
    except FanzhaError as error:
        return _keys_page(request, principal, org_id, error=error)
    return _keys_page(request, principal, org_id, secret_once=secret)


@router.post("/admin/api-keys/{key_id}/revoke", response_class=HTMLResponse)
def api_key_revoke(
    request: Request,
    key_id: int,
    principal: Annotated[Principal, Depends(authorize(Permission.APIKEY_MANAGE))],
) -> HTMLResponse:
    """Revoke a key from the console."""
    key = platform_of(request).auth.revoke_api_key(principal, key_id)
    return _keys_page(request, principal, key.org_id)


# Approval of administrator roles ---------------------------------------------------------------


def _approvals_page(request: Request, principal: Principal, **extra: Any) -> HTMLResponse:
    identity = platform_of(request).identity
    status = request.query_params.get("status", "pending")
    rows = identity.list_requests(principal, status if status in ("pending", "approved", "refused") else None)
    return render(request, "identity/approvals.html", rows=rows, status=status, roles=ROLE_LABELS, **extra)


@router.get("/admin/approvals", response_class=HTMLResponse)
def approvals(
    request: Request, principal: Annotated[Principal, Depends(authorize(Permission.APPROVAL_READ))]
) -> HTMLResponse:
    """Requests for administrator roles; security administrators approve or refuse them."""
    return _approvals_page(request, principal)


@router.post("/admin/approvals/{request_id}/{decision}", response_class=HTMLResponse)
def approval_decide(
    request: Request,
    request_id: int,
    decision: str,
    principal: Annotated[Principal, Depends(authorize(Permission.ROLE_APPROVE))],
) -> HTMLResponse:
    """Approve or refuse from the console."""
    try:
        if decision not in ("approve", "refuse"):
            raise ValidationFailed("未知操作", "Unknown action", field="decision")
        platform_of(request).identity.decide(principal, request_id, decision == "approve")
    except FanzhaError as error:
        return _approvals_page(request, principal, error=error)
    return _approvals_page(request, principal, decided=decision)
