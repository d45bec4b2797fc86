"""API models of the identity area, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fanzha.identity.domain import OrgKind, Permission, Role


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
    """A new user: no password is set by anyone but the user, with the code sent to this phone."""

    model_config = ConfigDict(extra="forbid")  # a "password" field is refused, not silently dropped

    username: str = Field(min_length=3, max_length=32)
    display_name: str = Field(min_length=1, max_length=100)
    org_id: int
    role: Role
    phone: str | None = Field(default=None, max_length=32)


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
    phone_masked: str | None
    awaiting_password: bool


class RoleRequestRead(BaseModel):
    """A request for an administrator role, waiting for (or decided by) a second administrator."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    user_id: int | None
    username: str
    display_name: str
    org_id: int
    role: Role
    phone_masked: str | None
    status: str
    requested_by: int | None
    requested_at: datetime
    decided_by: int | None
    decided_at: datetime | None


class UserCreated(BaseModel):
    """The new user (its activation code went to `activation_sent_to`), or the request awaiting approval."""

    user: UserRead | None
    request: RoleRequestRead | None
    activation_sent_to: str | None


class RoleChange(BaseModel):
    """A new role for a user."""

    role: Role


class PhoneChange(BaseModel):
    """A user's registered mobile, where activation and reset codes go."""

    phone: str = Field(min_length=3, max_length=32)


class PasswordReset(BaseModel):
    """A reset done: the user, and the mask of the phone the code went to (never the code)."""

    user: UserRead
    code_sent_to: str | None


class SetPassword(BaseModel):
    """Redeem an activation or reset code with the user's own new password."""

    username: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=16)
    new_password: str = Field(min_length=1, max_length=128)


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
    grants: list[Permission] = Field(
        default_factory=list,
        max_length=4,
        description="permissions beyond the key's role: subscription.manage",
    )


class ApiKeyRead(BaseModel):
    """An API key's metadata; the secret is never shown again."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    name: str
    prefix: str
    role: Role
    grants: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @field_validator("grants", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [g for g in value.split(",") if g] if isinstance(value, str) else value


class ApiKeyCreated(BaseModel):
    """The key's metadata and, once only, the secret."""

    key: ApiKeyRead
    secret: str
