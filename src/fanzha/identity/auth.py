"""Log-in with lock-out, idle session time-out, and API keys for institutions' systems."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.domain import Outcome
from fanzha.audit.service import ANONYMOUS, Actor, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import NotAuthenticated, NotFound
from fanzha.db.uow import UnitOfWork
from fanzha.identity import passwords
from fanzha.identity.domain import (
    LockoutPolicy,
    OrgKind,
    Permission,
    Principal,
    Role,
    SessionPolicy,
)
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import ApiKey, LoginSession, Organisation, User

KEY_PREFIX = "fz_"


def _sha256(text: str) -> str:
    # Session tokens and API keys are 256-bit random: a fast hash suffices, no salt needed.
    return hashlib.sha256(text.encode()).hexdigest()


def _principal(user: User, org: Organisation, source_ip: str) -> Principal:
    return Principal(user.id, user.username, org.id, OrgKind(org.kind), Role(user.role), source_ip=source_ip)


class AuthService:
    """Who is calling: sessions for people, API keys for systems."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        lockout: LockoutPolicy,
        session_policy: SessionPolicy,
        api_key_days: int,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor
        self._identity = identity
        self._lockout = lockout
        self._session_policy = session_policy
        self._api_key_days = api_key_days

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self._clock)

    def login(self, username: str, password: str, source_ip: str) -> tuple[str, str, Principal]:
        """Check the password; returns (session token, CSRF token, principal)."""
        name = username.strip().lower()
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.session.scalars(select(User).where(User.username == name).with_for_update()).first()
            if user is not None and user.locked_until is not None and user.locked_until > now:
                self._audit.record(
                    uow.session,
                    Actor(name, user.id, user.org_id),
                    "auth.login",
                    result=Outcome.DENIED,
                    source_ip=source_ip,
                    detail={"locked": True},
                )
                uow.commit()
                self._lockout.check_not_locked(user.locked_until, now)
            ok = passwords.verify_password(user.password_hash if user else None, password)
            if user is None or not ok or not user.active:
                detail: dict[str, object] = {"username": name[:64]}
                if user is not None and user.active and not ok:
                    user.failed_logins, user.locked_until = self._lockout.after_failure(
                        user.failed_logins, now
                    )
                    detail["failures"] = user.failed_logins
                    if user.locked_until:
                        detail["locked_until"] = user.locked_until.isoformat()
                actor = Actor(name[:64], user.id if user else None, user.org_id if user else None)
                self._audit.record(
                    uow.session,
                    actor,
                    "auth.login",
                    result=Outcome.FAILED,
                    source_ip=source_ip,
                    detail=detail,
                )
                uow.commit()
                raise NotAuthenticated("用户名或密码错误", "Wrong username or password", field="password")
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
            uow.session.add(
                LoginSession(
                    token_hash=_sha256(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    last_seen_at=now,
                    source_ip=source_ip,
                )
            )
            org = uow.session.get_one(Organisation, user.org_id)
            principal = _principal(user, org, source_ip)
            self._audit.record(uow.session, actor_of(principal), "auth.login", source_ip=source_ip)
            uow.commit()
            return token, csrf, principal

    def resolve_session(self, token: str, source_ip: str) -> tuple[Principal, str]:
        """The principal and CSRF token behind a session cookie; ends idle sessions."""
        now = self._clock.now()
        with self._uow() as uow:
            row = uow.session.scalars(
                select(LoginSession).where(LoginSession.token_hash == _sha256(token))
            ).first()
            if row is None or row.ended_at is not None:
                raise NotAuthenticated()
            user = uow.session.get_one(User, row.user_id)
            if not self._session_policy.is_alive(row.created_at, row.last_seen_at, now) or not user.active:
                row.ended_at = now
                uow.commit()
                raise NotAuthenticated("会话已超时，请重新登录", "Session expired; log in again")
            # Refresh at most once a minute so reads do not all write.
            if now - row.last_seen_at > timedelta(minutes=1):
                row.last_seen_at = now
                uow.commit()
            org = uow.session.get_one(Organisation, user.org_id)
            return _principal(user, org, source_ip), row.csrf_token

    def logout(self, token: str, source_ip: str) -> None:
        """End a session."""
        with self._uow() as uow:
            row = uow.session.scalars(
                select(LoginSession).where(LoginSession.token_hash == _sha256(token))
            ).first()
            if row is None or row.ended_at is not None:
                return
            row.ended_at = self._clock.now()
            user = uow.session.get_one(User, row.user_id)
            self._audit.record(
                uow.session,
                Actor(user.username, user.id, user.org_id),
                "auth.logout",
                source_ip=source_ip,
            )
            uow.commit()

    # API keys ----------------------------------------------------------------------------

    def create_api_key(
        self, principal: Principal, org_id: int, name: str, days: int | None
    ) -> tuple[ApiKey, str]:
        """Issue a key for an organisation's system; the secret is returned once only."""
        self._identity.authorise(principal, Permission.APIKEY_MANAGE, "apikey.create")
        now = self._clock.now()
        with self._identity.guarded(principal), self._uow() as uow:
            org = self._identity.visible_org(uow.session, principal, org_id, "apikey.create")
            kind = OrgKind(org.kind)
            prefix = secrets.token_hex(4)
            secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
            key = ApiKey(
                org_id=org.id,
                name=name.strip(),
                prefix=prefix,
                key_hash=_sha256(secret),
                role=str(Role.INSTITUTION_OPERATOR if kind.is_institution else Role.ANALYST),
                created_by=principal.user_id,
                created_at=now,
                expires_at=now + timedelta(days=days or self._api_key_days),
            )
            uow.session.add(key)
            uow.session.flush()
            self._audit.record(
                uow.session,
                actor_of(principal),
                "apikey.create",
                object_type="api_key",
                object_id=key.id,
                source_ip=principal.source_ip,
                detail={"org_id": org.id},
            )
            uow.commit()
            return key, secret

    def list_api_keys(self, principal: Principal, org_id: int) -> list[ApiKey]:
        """An organisation's keys (metadata only)."""
        self._identity.authorise(principal, Permission.APIKEY_MANAGE, "apikey.list")
        with self._identity.guarded(principal), self._sessions() as session:
            self._identity.visible_org(session, principal, org_id, "apikey.list")
            return list(
                session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id)).all()
            )

    def revoke_api_key(self, principal: Principal, key_id: int) -> ApiKey:
        """Revoke a key at once."""
        self._identity.authorise(principal, Permission.APIKEY_MANAGE, "apikey.revoke")
        with self._identity.guarded(principal), self._uow() as uow:
            key = uow.session.get(ApiKey, key_id)
            if key is None or not principal.sees_org(key.org_id):
                raise refused(NotFound(field="key_id"), "apikey.revoke", "api_key", key_id)
            if key.revoked_at is None:
                key.revoked_at = self._clock.now()
                self._audit.record(
                    uow.session,
                    actor_of(principal),
                    "apikey.revoke",
                    object_type="api_key",
                    object_id=key.id,
                    source_ip=principal.source_ip,
                )
            uow.commit()
            return key

    def resolve_api_key(self, secret: str, source_ip: str) -> Principal:
        """The organisation's system behind a key; refuses revoked and expired keys."""
        now = self._clock.now()
        with self._uow() as uow:
            key = uow.session.scalars(select(ApiKey).where(ApiKey.key_hash == _sha256(secret))).first()
            if key is None or key.revoked_at is not None or key.expires_at <= now:
                self._audit.record(
                    uow.session,
                    ANONYMOUS,
                    "auth.api_key",
                    result=Outcome.FAILED,
                    source_ip=source_ip,
                    detail={"key_id": key.id if key else None},
                )
                uow.commit()
                raise NotAuthenticated("API 密钥无效、已过期或已吊销", "API key invalid, expired or revoked")
            if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
                key.last_used_at = now
                uow.commit()
            org = uow.session.get_one(Organisation, key.org_id)
            return Principal(
                None,
                f"apikey:{key.prefix}",
                org.id,
                OrgKind(org.kind),
                Role(key.role),
                api_key_id=key.id,
                source_ip=source_ip,
            )
