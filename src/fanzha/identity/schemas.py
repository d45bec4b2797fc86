"""API models of the identity area, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from fanzha.identity.domain import OrgKind, Role


class OrganisationCreate(BaseModel):
    """A new organisation."""

    code: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    kind: OrgKind
    region_code: str | None = Field(default=None, max_length=12)
    parent_id: int | None = None


class OrganisationRead(BaseModel):
    """An organisation as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_zh: str
    name_en: str
    kind: OrgKind
    region_code: str | None
    parent_id: int | None
    active: bool


class UserCreate(BaseModel):
    """A new user; without a password one is generated and shown once."""

    username: str = Field(min_length=3, max_length=32)
    display_name: str = Field(min_length=1, max_length=100)
    org_id: int
    role: Role
    password: str | None = Field(default=None, max_length=128)


class UserRead(BaseModel):
    """A user as the API shows it; never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    org_id: int
    role: Role
    active: bool
    locked_until: datetime | None
    last_login_at: datetime | None


class UserCreated(BaseModel):
    """The new user and, once only, the generated password."""

    user: UserRead
    initial_password: str | None


class LoginRequest(BaseModel):
    """Log-in form."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class Me(BaseModel):
    """The logged-in principal."""

    username: str
    role: Role
    org_id: int
    org_kind: OrgKind
    permissions: list[str]


class ApiKeyCreate(BaseModel):
    """A new API key for an organisation's system."""

    name: str = Field(min_length=1, max_length=100)
    org_id: int
    days: int | None = Field(default=None, ge=1, le=730)


class ApiKeyRead(BaseModel):
    """An API key's metadata; the secret is never shown again."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    name: str
    prefix: str
    role: Role
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(BaseModel):
    """The key's metadata and, once only, the secret."""

    key: ApiKeyRead
    secret: str
