"""Use cases for organisations and users, each authorised and audited."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Actor, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.events import outbox
from fanzha.identity import credentials, passwords
from fanzha.identity.approvals import RoleApprovals
from fanzha.identity.base import APPROVED, PENDING, REFUSED, Created, IdentityCore, actor_of, refused
from fanzha.identity.domain import (
    OrgKind,
    Permission,
    Principal,
    Role,
    check_password_strength,
    check_region_code,
    check_role_fits_org,
    check_username,
    needs_approval,
)
from fanzha.identity.schemas import OrganisationCreate, UserCreate
from fanzha.identity.tables import UNSET_PASSWORD, LoginFailure, Organisation, RoleRequest, User

__all__ = [
    "APPROVED",
    "PENDING",
    "REFUSED",
    "Created",
    "IdentityCore",
    "IdentityService",
    "actor_of",
    "bootstrap_user",
    "refused",
]


class IdentityService(RoleApprovals):
    """Organisations and users: who exists and what they may do."""

    def create_organisation(self, principal: Principal, data: OrganisationCreate) -> Organisation:
        """Register an organisation under an optional parent."""
        self.authorise(principal, Permission.ORG_MANAGE, "org.create")
        check_region_code(data.kind, data.region_code)
        with self._uow() as uow:
            if data.parent_id is not None and uow.session.get(Organisation, data.parent_id) is None:
                raise ValidationFailed("上级单位不存在", "Parent organisation not found", field="parent_id")
            org = Organisation(**data.model_dump(), active=True, created_at=self._clock.now())
            org.kind = str(data.kind)
            uow.session.add(org)
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("单位编码已存在", "Organisation code already exists", field="code") from None
            # Institutions' systems learn of new organisations from the event feed.
            outbox.record(
                uow.session,
                self._clock,
                "identity.organisation_created",
                {"id": org.id, "code": org.code, "kind": org.kind, "region_code": org.region_code},
            )
            self._audit.record(
                uow.session,
                actor_of(principal),
                "org.create",
                object_type="organisation",
                object_id=org.id,
                source_ip=principal.source_ip,
                detail={"code": org.code},
            )
            uow.commit()
            return org

    def list_organisations(self, principal: Principal) -> list[Organisation]:
        """The directory of organisations (names and kinds are not private)."""
        if not principal.can(Permission.ORG_READ):
            with self.guarded(principal), self._sessions() as session:
                return [self.visible_org(session, principal, principal.org_id, "org.list")]
        with self._sessions() as session:
            return list(session.scalars(select(Organisation).order_by(Organisation.code)).all())

    def search_organisations(
        self, principal: Principal, *, text: str = "", kind: str = "", after: str = "", limit: int = 100
    ) -> list[Organisation]:
        """A page of the directory by code, after `after`, matching part of a code or name and a kind."""
        if not principal.can(Permission.ORG_READ):
            return self.list_organisations(principal)
        query = select(Organisation).where(Organisation.code > after).order_by(Organisation.code).limit(limit)
        if text:
            query = query.where(
                Organisation.code.contains(text)
                | Organisation.name_zh.contains(text)
                | Organisation.name_en.contains(text)
            )
        if kind:
            query = query.where(Organisation.kind == kind)
        with self._sessions() as session:
            return list(session.scalars(query).all())

    def get_organisation(self, principal: Principal, org_id: int) -> Organisation:
        """One organisation, if the directory or membership lets the principal see it."""
        with self.guarded(principal), self._sessions() as session:
            org = session.get(Organisation, org_id) if principal.can(Permission.ORG_READ) else None
            return org or self.visible_org(session, principal, org_id, "org.read")

    # Users -------------------------------------------------------------------------------

    def _register_phone(self, raw: str | None) -> tuple[str, bytes, str] | None:
        return self.codes.phones.register(raw) if raw else None

    def _name_free(self, session: Session, username: str) -> None:
        taken = session.scalars(select(User.id).where(User.username == username)).first()
        asked = session.scalars(
            select(RoleRequest.id).where(RoleRequest.username == username, RoleRequest.status == PENDING)
        ).first()
        if taken is not None or asked is not None:
            raise Conflict("用户名已存在", "Username already exists", field="username")

    def create_user(self, principal: Principal, data: UserCreate) -> Created:
        """Create a user who sets their own password with a code sent to their phone; admins need approval."""
        self.authorise(principal, Permission.USER_MANAGE, "user.create")
        username = check_username(data.username)
        phone = self._register_phone(data.phone)
        now = self._clock.now()
        with self.guarded(principal), self._uow() as uow:
            org = self.visible_org(uow.session, principal, data.org_id, "user.create")
            self._check_grant(org, principal.role, data.role, "user.create")
            self._name_free(uow.session, username)
            if phone is None:
                raise ValidationFailed(
                    "请填写用户本人手机号：激活码只发送给本人",
                    "Give the user's own mobile number: the activation code goes to them alone",
                    field="phone",
                )
            self._phone_free(uow.session, phone[0])
            if needs_approval(None, data.role):
                request = self._ask(
                    uow.session, principal, "user.create", None, username, data, org.id, phone
                )
                uow.commit()
                return Created(None, request, None)
            user = User(
                username=username,
                display_name=data.display_name.strip(),
                org_id=org.id,
                role=str(data.role),
                password_hash=UNSET_PASSWORD,
                failed_logins=0,
                active=True,
                created_at=now,
            )
            user.phone_token, user.phone_ciphertext, user.phone_masked = phone
            uow.session.add(user)
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("用户名已存在", "Username already exists", field="username") from None
            code = credentials.issue(uow.session, user, "activate", principal.user_id, now)
            self._audit.record(
                uow.session,
                actor_of(principal),
                "user.create",
                object_type="user",
                object_id=user.id,
                source_ip=principal.source_ip,
                detail={
                    "username": username,
                    "role": str(data.role),
                    "org_id": org.id,
                    "activation_to": user.phone_masked,
                },
            )
            uow.commit()
        self.codes.send(user, code, "activate")
        return Created(user, None, user.phone_masked)

    def set_phone(self, principal: Principal, user_id: int, phone: str) -> User:
        """Register a user's mobile (the account keeper, not the security administrator who resets)."""
        self.authorise(principal, Permission.USER_MANAGE, "user.phone")
        registered = self.codes.phones.register(phone)
        with self.guarded(principal), self._uow() as uow:
            user = uow.session.get(User, user_id)
            if user is None or not principal.sees_org(user.org_id):
                raise refused(NotFound(field="user_id"), "user.phone", "user", user_id)
            org = uow.session.get_one(Organisation, user.org_id)
            self._check_grant(org, principal.role, Role(user.role), "user.phone")
            self._phone_free(uow.session, registered[0], user.id)
            before = user.phone_masked
            user.phone_token, user.phone_ciphertext, user.phone_masked = registered
            self._audit.record(
                uow.session,
                actor_of(principal),
                "user.phone",
                object_type="user",
                object_id=user.id,
                source_ip=principal.source_ip,
                detail={"from": before, "to": user.phone_masked},
            )
            uow.commit()
            return user

    # Approval of administrator roles (two people) ---------------------------------------------

    def list_users(self, principal: Principal, org_id: int) -> list[User]:
        """Users of one organisation: private to it and to the platform administrators."""
        self.authorise(principal, Permission.USER_READ, "user.list")
        with self.guarded(principal), self._uow() as uow:
            self.visible_org(uow.session, principal, org_id, "user.list")
            users = list(
                uow.session.scalars(select(User).where(User.org_id == org_id).order_by(User.username)).all()
            )
            # Art 26: names of staff are personal information; every read is audited.
            self._audit.record(
                uow.session,
                actor_of(principal),
                "user.list",
                object_type="organisation",
                object_id=org_id,
                source_ip=principal.source_ip,
                detail={"count": len(users)},
            )
            uow.commit()
            return users

    def get_user(self, principal: Principal, user_id: int) -> User:
        """One user, if the principal may see that user's organisation."""
        self.authorise(principal, Permission.USER_READ, "user.read")
        with self.guarded(principal), self._uow() as uow:
            user = uow.session.get(User, user_id)
            if user is None or not principal.sees_org(user.org_id):
                raise refused(NotFound(field="user_id"), "user.read", "user", user_id)
            self._audit.record(
                uow.session,
                actor_of(principal),
                "user.read",
                object_type="user",
                object_id=user_id,
                source_ip=principal.source_ip,
            )
            uow.commit()
            return user

    def set_active(self, principal: Principal, user_id: int, active: bool) -> User:
        """Disable or re-enable a user (security administrator)."""
        return self._security_change(
            principal,
            user_id,
            "user.disable" if not active else "user.enable",
            lambda _s, u: setattr(u, "active", active),
        )

    def unlock(self, principal: Principal, user_id: int) -> User:
        """Lift a lock-out early (security administrator)."""

        def _clear(session: Session, user: User) -> None:
            user.failed_logins, user.locked_until = 0, None
            session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))

        return self._security_change(principal, user_id, "user.unlock", _clear)

    def reset_password(self, principal: Principal, user_id: int) -> User:
        """End the user's sessions and old password; a reset code goes to their own phone, not the caller."""
        holder: dict[str, str] = {}

        def _reset(session: Session, user: User) -> dict[str, object]:
            if user.phone_token is None:
                raise ValidationFailed(
                    "该用户未登记手机号，无法发送重置码：请系统管理员先登记",
                    "The user has no registered phone for the reset code: the platform administrator adds it",
                    field="phone",
                )
            now = self._clock.now()
            user.password_hash = UNSET_PASSWORD
            user.failed_logins, user.locked_until = 0, None
            session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
            ended = credentials.end_sessions(session, user.id, now)
            holder["code"] = credentials.issue(session, user, "reset", principal.user_id, now)
            return {"sent_to": user.phone_masked, "sessions_ended": ended}

        user = self._security_change(principal, user_id, "user.reset_password", _reset)
        self.codes.send(user, holder.pop("code"), "reset")
        return user

    def _security_change(
        self,
        principal: Principal,
        user_id: int,
        action: str,
        change: Callable[[Session, User], dict[str, object] | None],
    ) -> User:
        self.authorise(principal, Permission.USER_SECURITY, action)
        with self.guarded(principal), self._uow() as uow:
            user = uow.session.get(User, user_id)
            if user is None:
                raise NotFound(field="user_id")
            if user.id == principal.user_id:
                raise refused(
                    PermissionDenied(
                        "不能对自己执行此操作", "Not allowed on your own account", field="user_id"
                    ),
                    action,
                    "user",
                    user_id,
                )
            detail = change(uow.session, user)
            self._audit.record(
                uow.session,
                actor_of(principal),
                action,
                object_type="user",
                object_id=user_id,
                source_ip=principal.source_ip,
                detail=detail or None,
            )
            uow.commit()
            return user


def bootstrap_user(
    sessions: sessionmaker[Session],
    clock: Clock,
    auditor: Auditor,
    *,
    username: str,
    display_name: str,
    org_code: str,
    role: Role,
    password: str,
) -> User:
    """Create a user from the command line (no principal yet, e.g. the first admin)."""
    name = check_username(username)
    check_password_strength(password)
    with UnitOfWork(sessions, clock) as uow:
        org = uow.session.scalars(select(Organisation).where(Organisation.code == org_code)).first()
        if org is None:
            raise NotFound("单位不存在", "Organisation not found", field="org")
        check_role_fits_org(role, OrgKind(org.kind))
        if uow.session.scalars(select(User).where(User.username == name)).first():
            raise Conflict("用户名已存在", "Username already exists", field="username")
        user = User(
            username=name,
            display_name=display_name,
            org_id=org.id,
            role=str(role),
            password_hash=passwords.hash_password(password),
            failed_logins=0,
            active=True,
            created_at=clock.now(),
        )
        uow.session.add(user)
        uow.session.flush()
        auditor.record(
            uow.session,
            Actor("cli"),
            "user.create",
            object_type="user",
            object_id=user.id,
            detail={"username": name, "role": str(role), "org_id": org.id},
        )
        uow.commit()
        return user
