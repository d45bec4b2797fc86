"""HTTP API of the identity area: organisations, users, API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from fanzha.identity.domain import Permission, Principal
from fanzha.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    OrganisationCreate,
    OrganisationRead,
    UserCreate,
    UserCreated,
    UserRead,
)
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1", tags=["identity"])

Anyone = Annotated[Principal, Depends(authorize(Permission.HOME))]
OrgManager = Annotated[Principal, Depends(authorize(Permission.ORG_MANAGE))]
UserReader = Annotated[Principal, Depends(authorize(Permission.USER_READ))]
UserManager = Annotated[Principal, Depends(authorize(Permission.USER_MANAGE))]
SecurityAdmin = Annotated[Principal, Depends(authorize(Permission.USER_SECURITY))]
KeyManager = Annotated[Principal, Depends(authorize(Permission.APIKEY_MANAGE))]


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


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(request: Request, body: UserCreate, principal: UserManager) -> UserCreated:
    """Create a user; a generated password is returned once."""
    user, password = platform_of(request).identity.create_user(principal, body)
    return UserCreated(user=UserRead.model_validate(user), initial_password=password)


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


@router.post("/users/{user_id}/reset-password", response_model=UserCreated)
def reset_password(request: Request, user_id: int, principal: SecurityAdmin) -> UserCreated:
    """Set a generated password, returned once."""
    user, password = platform_of(request).identity.reset_password(principal, user_id)
    return UserCreated(user=UserRead.model_validate(user), initial_password=password)


@router.get("/organisations/{org_id}/api-keys", response_model=list[ApiKeyRead])
def list_api_keys(request: Request, org_id: int, principal: KeyManager) -> list[ApiKeyRead]:
    """An organisation's API keys (never the secrets)."""
    return [ApiKeyRead.model_validate(k) for k in platform_of(request).auth.list_api_keys(principal, org_id)]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_api_key(request: Request, body: ApiKeyCreate, principal: KeyManager) -> ApiKeyCreated:
    """Issue an API key; the secret is in this response only."""
    key, secret = platform_of(request).auth.create_api_key(principal, body.org_id, body.name, body.days)
    return ApiKeyCreated(key=ApiKeyRead.model_validate(key), secret=secret)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyRead)
def revoke_api_key(request: Request, key_id: int, principal: KeyManager) -> ApiKeyRead:
    """Revoke a key at once."""
    return ApiKeyRead.model_validate(platform_of(request).auth.revoke_api_key(principal, key_id))
