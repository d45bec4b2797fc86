"""HTTP API of the identity area: organisations, users, API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from fanzha.identity.domain import Permission, Principal
from fanzha.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    OrganisationCreate,
    OrganisationRead,
    PasswordReset,
    PhoneChange,
    RoleChange,
    RoleRequestRead,
    UserCreate,
    UserCreated,
    UserRead,
)
from fanzha.identity.service import Created
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1", tags=["identity"])

Anyone = Annotated[Principal, Depends(authorize(Permission.HOME))]
OrgManager = Annotated[Principal, Depends(authorize(Permission.ORG_MANAGE))]
UserReader = Annotated[Principal, Depends(authorize(Permission.USER_READ))]
UserManager = Annotated[Principal, Depends(authorize(Permission.USER_MANAGE))]
SecurityAdmin = Annotated[Principal, Depends(authorize(Permission.USER_SECURITY))]
KeyManager = Annotated[Principal, Depends(authorize(Permission.APIKEY_MANAGE))]
KeyIssuer = Annotated[Principal, Depends(authorize(Permission.APIKEY_ISSUE))]
ApprovalReader = Annotated[Principal, Depends(authorize(Permission.APPROVAL_READ))]
Approver = Annotated[Principal, Depends(authorize(Permission.ROLE_APPROVE))]


def _created(outcome: Created, response: Response) -> UserCreated:
    """201 with the user, or 202 with the request a second administrator must approve."""
    if outcome.request is not None:
        response.status_code = 202
    return UserCreated(
        user=UserRead.model_validate(outcome.user) if outcome.user else None,
        request=RoleRequestRead.model_validate(outcome.request) if outcome.request else None,
        activation_sent_to=outcome.sent_to,
    )


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(request: Request, principal: Anyone) -> list[OrganisationRead]:
    """The organisations the caller may see."""
    orgs = platform_of(request).identity.list_organisations(principal)
    return [OrganisationRead.model_validate(o) for o in orgs]


@router.post("/organisations", response_model=OrganisationRead, status_code=201)
def create_organisation(
    request: Request, body: OrganisationCreate, principal: OrgManager
) -> OrganisationRead:
    """Register an organisation."""
    return OrganisationRead.model_validate(platform_of(request).identity.create_organisation(principal, body))


@router.get("/organisations/{org_id}", response_model=OrganisationRead)
def get_organisation(request: Request, org_id: int, principal: Anyone) -> OrganisationRead:
    """One organisation."""
    return OrganisationRead.model_validate(platform_of(request).identity.get_organisation(principal, org_id))


@router.get("/organisations/{org_id}/users", response_model=list[UserRead])
def list_users(request: Request, org_id: int, principal: UserReader) -> list[UserRead]:
    """An organisation's users (private to it; every read audited)."""
    return [UserRead.model_validate(u) for u in platform_of(request).identity.list_users(principal, org_id)]


@router.post("/users", response_model=UserCreated, status_code=201, responses={202: {"model": UserCreated}})
def create_user(
    request: Request, body: UserCreate, principal: UserManager, response: Response
) -> UserCreated:
    """Create a user: an activation code goes to their phone (202: an administrator role awaits approval)."""
    return _created(platform_of(request).identity.create_user(principal, body), response)


@router.post("/users/{user_id}/role", response_model=UserCreated, responses={202: {"model": UserCreated}})
def set_role(
    request: Request, user_id: int, body: RoleChange, principal: UserManager, response: Response
) -> UserCreated:
    """Change a user's role (202: into or out of an administrator role, it awaits approval)."""
    user, pending = platform_of(request).identity.set_role(principal, user_id, body.role)
    return _created(Created(None if pending else user, pending, None), response)


@router.post("/users/{user_id}/phone", response_model=UserRead)
def set_phone(request: Request, user_id: int, body: PhoneChange, principal: UserManager) -> UserRead:
    """Register the user's own mobile, where activation and reset codes go."""
    return UserRead.model_validate(platform_of(request).identity.set_phone(principal, user_id, body.phone))


@router.get("/role-requests", response_model=list[RoleRequestRead])
def list_role_requests(
    request: Request, principal: ApprovalReader, status: str | None = "pending"
) -> list[RoleRequestRead]:
    """Requests for administrator roles (pending by default; status= for others, empty for all)."""
    rows = platform_of(request).identity.list_requests(principal, status or None)
    return [RoleRequestRead.model_validate(r) for r in rows]


@router.post("/role-requests/{request_id}/approve", response_model=RoleRequestRead)
def approve_role_request(request: Request, request_id: int, principal: Approver) -> RoleRequestRead:
    """A second administrator approves: only now does the role take effect."""
    return RoleRequestRead.model_validate(platform_of(request).identity.decide(principal, request_id, True))


@router.post("/role-requests/{request_id}/refuse", response_model=RoleRequestRead)
def refuse_role_request(request: Request, request_id: int, principal: Approver) -> RoleRequestRead:
    """A second administrator refuses: nothing changes."""
    return RoleRequestRead.model_validate(platform_of(request).identity.decide(principal, request_id, False))


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(request: Request, user_id: int, principal: UserReader) -> UserRead:
    """One user."""
    return UserRead.model_validate(platform_of(request).identity.get_user(principal, user_id))


@router.post("/users/{user_id}/unlock", response_model=UserRead)
def unlock_user(request: Request, user_id: int, principal: SecurityAdmin) -> UserRead:
    """Lift a lock-out."""
    return UserRead.model_validate(platform_of(request).identity.unlock(principal, user_id))


@router.post("/users/{user_id}/disable", response_model=UserRead)
def disable_user(request: Request, user_id: int, principal: SecurityAdmin) -> UserRead:
    """Disable a user; their sessions end at the next request."""
    return UserRead.model_validate(platform_of(request).identity.set_active(principal, user_id, False))


@router.post("/users/{user_id}/enable", response_model=UserRead)
def enable_user(request: Request, user_id: int, principal: SecurityAdmin) -> UserRead:
    """Re-enable a user."""
    return UserRead.model_validate(platform_of(request).identity.set_active(principal, user_id, True))


@router.post("/users/{user_id}/reset-password", response_model=PasswordReset)
def reset_password(request: Request, user_id: int, principal: SecurityAdmin) -> PasswordReset:
    """End the user's sessions and password; a reset code goes to their phone (never in this answer)."""
    user = platform_of(request).identity.reset_password(principal, user_id)
    return PasswordReset(user=UserRead.model_validate(user), code_sent_to=user.phone_masked)


@router.get("/organisations/{org_id}/api-keys", response_model=list[ApiKeyRead])
def list_api_keys(request: Request, org_id: int, principal: KeyManager) -> list[ApiKeyRead]:
    """An organisation's API keys (never the secrets)."""
    return [ApiKeyRead.model_validate(k) for k in platform_of(request).auth.list_api_keys(principal, org_id)]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(request: Request, body: ApiKeyCreate, principal: KeyIssuer) -> ApiKeyCreated:
    """Issue an API key for the caller's own organisation; the secret is in this response only."""
    key, secret = platform_of(request).auth.create_api_key(
        principal, body.org_id, body.name, body.days, frozenset(body.grants)
    )
    return ApiKeyCreated(key=ApiKeyRead.model_validate(key), secret=secret)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyRead)
def revoke_api_key(request: Request, key_id: int, principal: KeyManager) -> ApiKeyRead:
    """Revoke a key at once."""
    return ApiKeyRead.model_validate(platform_of(request).auth.revoke_api_key(principal, key_id))
