"""Tables of the identity area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class Organisation(Base):
    """A police unit, institution or regulator."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(32), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True, nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class User(Base):
    """A person who logs in; one role each keeps the three administrators apart."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The registered mobile that activation and reset codes go to: keyed token, SM4 ciphertext and mask.
    phone_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary(), nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)

    @property
    def awaiting_password(self) -> bool:
        """True until the user sets a password with an activation or reset code."""
        return self.password_hash == UNSET_PASSWORD


# A password hash no password matches: a new or reset user has no way in but the code sent to them.
UNSET_PASSWORD = "!unset"  # noqa: S105 - a marker, not a password


class CredentialCode(Base):
    """A one-time activation or reset code sent to the user's own phone; only its salted hash is kept."""

    __tablename__ = "credential_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "activate" or "reset"
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginFailure(Base):
    """Failed log-ins of one name from one address: the lock is per pair, so nobody locks out another."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("username", "source_ip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    source_ip: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoleRequest(Base):
    """An administrator role asked for (a new user or a role change), in force only once approved."""

    __tablename__ = "role_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # "user.create" or "user.role"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    username: Mapped[str] = mapped_column(String(32), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(32))
    phone_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary(), nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, approved, refused
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginSession(Base):
    """A console session; only the SHA-256 of its token is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiKey(Base):
    """A key for an institution's system: shown once, stored hashed, expiring, revocable."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    # Permissions beyond the role, comma-separated (identity.domain.KEY_GRANTS).
    grants: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
