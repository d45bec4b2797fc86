"""Log-in with lock-out, idle session time-out, and API keys for institutions' systems."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.domain import Outcome
from fanzha.audit.service import ANONYMOUS, Actor, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import NotAuthenticated, NotFound, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.identity import credentials, passwords
from fanzha.identity.domain import (
    KEY_ISSUERS,
    LockoutPolicy,
    OrgKind,
    Permission,
    Principal,
    Role,
    SessionPolicy,
    check_grants,
    check_password_strength,
    key_grants,
    key_role,
)
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import ApiKey, CredentialCode, LoginFailure, LoginSession, Organisation, User
from fanzha.identity.throttle import FailedAuth, Summary

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
        failures: FailedAuth | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor
        self._identity = identity
        self._lockout = lockout
        self._session_policy = session_policy
        self._api_key_days = api_key_days
        self.failures = failures or FailedAuth(30, timedelta(minutes=1))

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self._clock)

    def _failures_of(self, session: Session, name: str, source_ip: str) -> LoginFailure:
        """The (name, address) failure row, created if missing and locked for this log-in."""
        query = (
            select(LoginFailure)
            .where(LoginFailure.username == name, LoginFailure.source_ip == source_ip)
            .with_for_update()
        )
        row = session.scalars(query).first()
        if row is None:
            try:
                with session.begin_nested():
                    session.add(
                        LoginFailure(
                            username=name, source_ip=source_ip, failures=0, last_failed_at=self._clock.now()
                        )
                    )
            except IntegrityError:
                pass  # a concurrent log-in from the same address made it first
            row = session.scalars(query).one()
        return row

    def login(self, username: str, password: str, source_ip: str) -> tuple[str, str, Principal]:
        """Check the password; returns (session token, CSRF token, principal)."""
        name = username.strip().lower()[:64]
        ip = source_ip[:64]
        now = self._clock.now()
        with self._uow() as uow:
            # The lock is per (name, address) and looked up by name alone, so known and unknown names get
            # the same answer and nobody can lock another person out from their own address.
            tried = uow.session.scalars(
                select(LoginFailure).where(LoginFailure.username == name, LoginFailure.source_ip == ip)
            ).first()
            user = uow.session.scalars(select(User).where(User.username == name).with_for_update()).first()
            if tried is not None and tried.locked_until is not None and tried.locked_until > now:
                self._audit.record(
                    uow.session,
                    Actor(name, user.id if user else None, user.org_id if user else None),
                    "auth.login",
                    result=Outcome.DENIED,
                    source_ip=ip,
                    detail={"locked": True},
                )
                uow.commit()
                self._lockout.check_not_locked(tried.locked_until, now)
            ok = passwords.verify_password(user.password_hash if user else None, password)
            if user is None or not ok or not user.active:
                failure = self._failures_of(uow.session, name, ip)
                failure.failures, failure.locked_until = self._lockout.after_failure(failure.failures, now)
                failure.last_failed_at = now
                detail: dict[str, object] = {"username": name, "failures": failure.failures}
                if failure.locked_until:
                    detail["locked_until"] = failure.locked_until.isoformat()
                if user is not None:
                    # Shown to the security administrator: some address is locked out of this account.
                    user.failed_logins += 1
                    if failure.locked_until and (user.locked_until is None or user.locked_until < now):
                        user.locked_until = failure.locked_until
                actor = Actor(name, user.id if user else None, user.org_id if user else None)
                self._audit.record(
                    uow.session,
                    actor,
                    "auth.login",
                    result=Outcome.FAILED,
                    source_ip=ip,
                    detail=detail,
                )
                uow.commit()
                raise NotAuthenticated("用户名或密码错误", "Wrong username or password", field="password")
            if tried is not None:
                uow.session.delete(tried)
            user.failed_logins, user.last_login_at = 0, now
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
            uow.session.add(
                LoginSession(
                    token_hash=_sha256(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    last_seen_at=now,
                    source_ip=ip,
                )
            )
            org = uow.session.get_one(Organisation, user.org_id)
            principal = _principal(user, org, ip)
            self._audit.record(uow.session, actor_of(principal), "auth.login", source_ip=ip)
            uow.commit()
            return token, csrf, principal

    def set_password(self, username: str, code: str, new_password: str, source_ip: str) -> None:
        """Redeem an activation or reset code sent to the user's phone; every session of the user ends."""
        check_password_strength(new_password)
        name = username.strip().lower()[:64]
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.session.scalars(select(User).where(User.username == name)).first()
            row = credentials.live_code(uow.session, user.id) if user is not None else None
            live = row is not None and row.expires_at > now and row.attempts < credentials.CODE_MAX_ATTEMPTS
            if user is not None and row is not None and live and credentials.code_matches(row, code):
                row.used_at = now
                user.password_hash = passwords.hash_password(new_password)
                user.failed_logins, user.locked_until = 0, None
                uow.session.execute(delete(LoginFailure).where(LoginFailure.username == name))
                ended = credentials.end_sessions(uow.session, user.id, now)
                self._audit.record(
                    uow.session,
                    Actor(name, user.id, user.org_id),
                    "auth.set_password",
                    object_type="user",
                    object_id=user.id,
                    source_ip=source_ip,
                    detail={"purpose": row.purpose, "sessions_ended": ended},
                )
                uow.commit()
                return
            counted = row.id if row is not None and live else None
            actor = Actor(name, user.id if user else None, user.org_id if user else None)
            uow.session.rollback()
        # A wrong code costs one of its tries; the answer is the same for unknown names and spent codes.
        with self._uow() as uow:
            if counted is not None:
                uow.session.execute(
                    update(CredentialCode)
                    .where(CredentialCode.id == counted)
                    .values(attempts=CredentialCode.attempts + 1)
                )
            self._audit.record(
                uow.session,
                actor,
                "auth.set_password",
                result=Outcome.FAILED,
                source_ip=source_ip,
                detail={"username": name},
            )
            uow.commit()
        raise ValidationFailed(*credentials.BAD_CODE, field="code")

    def resolve_session(self, token: str, source_ip: str) -> tuple[Principal, str]:
        """The principal and CSRF token behind a session cookie; ends idle sessions."""
        now = self._clock.now()
        self.failures.check(source_ip, now)
        with self._uow() as uow:
            row = uow.session.scalars(
                select(LoginSession).where(LoginSession.token_hash == _sha256(token))
            ).first()
            if row is None:
                # A token that never existed is a guess (a stale cookie of an ended session is not).
                uow.session.rollback()
                self._failed(None, source_ip, now, {})
                raise NotAuthenticated()
            if row.ended_at is not None:
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
        self,
        principal: Principal,
        org_id: int,
        name: str,
        days: int | None,
        grants: frozenset[Permission] = frozenset(),
    ) -> tuple[ApiKey, str]:
        """Issue a key for the caller's own organisation's system; the secret is returned once only."""
        # 三员分立: a key acts with an operational role, so only the unit's own responsible person issues it
        # (institution administrator, police unit commander), never a platform-wide administrator.
        self._identity.authorise(principal, Permission.APIKEY_ISSUE, "apikey.create")
        check_grants(principal, grants)
        now = self._clock.now()
        with self._identity.guarded(principal), self._uow() as uow:
            if org_id != principal.org_id or principal.role not in KEY_ISSUERS:
                raise refused(NotFound(field="org_id"), "apikey.create", "organisation", org_id)
            org = self._identity.visible_org(uow.session, principal, org_id, "apikey.create")
            kind = OrgKind(org.kind)
            prefix = secrets.token_hex(4)
            secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
            key = ApiKey(
                org_id=org.id,
                name=name.strip(),
                prefix=prefix,
                key_hash=_sha256(secret),
                role=str(key_role(kind)),
                grants=",".join(sorted(grants)),
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
                detail={"org_id": org.id, "role": key.role, "grants": sorted(grants)},
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
        self.failures.check(source_ip, now)
        with self._uow() as uow:
            key = uow.session.scalars(select(ApiKey).where(ApiKey.key_hash == _sha256(secret))).first()
            if key is None or key.revoked_at is not None or key.expires_at <= now:
                key_id = key.id if key else None
                uow.session.rollback()  # the write lock is free before the failure is written
                self._failed("auth.api_key", source_ip, now, {"key_id": key_id})
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
                grants=key_grants(key.grants),
            )

    def _failed(self, action: str | None, source_ip: str, now: datetime, detail: dict[str, object]) -> None:
        """Count a failed authentication; audit the first of each address's window and sum up the rest."""
        first, over = self.failures.failed(source_ip, now)
        closed = [c for c in over if c.window.failures + c.window.throttled > 1]  # one: its row says it all
        if not (first and action) and not closed:
            return
        with self._uow() as uow:
            if first and action:
                self._audit.record(
                    uow.session, ANONYMOUS, action, result=Outcome.FAILED, source_ip=source_ip, detail=detail
                )
            self._summarise(uow.session, closed)
            uow.commit()

    def flush_failures(self) -> None:
        """Write the summaries of the windows over by now (the audit page calls it before reading)."""
        closed = [
            c for c in self.failures.close(self._clock.now()) if c.window.failures + c.window.throttled > 1
        ]
        if closed:
            with self._uow() as uow:
                self._summarise(uow.session, closed)
                uow.commit()

    def _summarise(self, session: Session, closed: list[Summary]) -> None:
        for summary in closed:
            window = summary.window
            # One row for the repeats of a closed window, instead of one per bogus credential.
            self._audit.record(
                session,
                ANONYMOUS,
                "auth.failures_repeated",
                result=Outcome.FAILED,
                source_ip=summary.source_ip,
                detail={
                    "failures": window.failures,
                    "throttled": window.throttled,
                    "from": window.start.isoformat(),
                    "to": window.last.isoformat(),
                },
            )
