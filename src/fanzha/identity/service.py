"""Use cases for organisations and users, each authorised and audited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.domain import Outcome
from fanzha.audit.service import Actor, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.events import outbox
from fanzha.identity import passwords
from fanzha.identity.domain import (
    PLATFORM_WIDE,
    OrgKind,
    Permission,
    Principal,
    Role,
    check_password_strength,
    check_region_code,
    check_role_fits_org,
    check_username,
)
from fanzha.identity.schemas import OrganisationCreate, UserCreate
from fanzha.identity.tables import Organisation, User


def refused(error: FanzhaError, action: str, object_type: str, object_id: object) -> FanzhaError:
    """Mark `error` as a refusal that `guarded` will audit."""
    error.denial = (action, object_type, str(object_id))
    return error


def actor_of(principal: Principal) -> Actor:
    """The audit log's name for a principal."""
    return Actor(principal.username, principal.user_id, principal.org_id)


class IdentityService:
    """Organisations and users: who exists and what they may do."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, auditor: Auditor) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor

    def _uow(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self._clock)

    def deny(self, principal: Principal, action: str, object_type: str, object_id: object) -> None:
        """Audit a refusal in its own transaction (the refused work never commits)."""
        self._audit.record_apart(
            actor_of(principal),
            action,
            object_type=object_type,
            object_id=str(object_id),
            result=Outcome.DENIED,
            source_ip=principal.source_ip,
        )

    @contextmanager
    def guarded(self, principal: Principal) -> Iterator[None]:
        """Audit refusals raised inside, after their transaction has rolled back."""
        try:
            yield
        except FanzhaError as error:
            if error.denial is not None:
                self.deny(principal, *error.denial)
            raise

    def authorise(self, principal: Principal, permission: Permission, action: str) -> None:
        """Raise PermissionDenied, audited, unless the role holds `permission`."""
        if not principal.can(permission):
            self.deny(principal, action, "permission", permission)
            raise PermissionDenied(field=str(permission))

    def visible_org(self, session: Session, principal: Principal, org_id: int, action: str) -> Organisation:
        """An organisation whose private records the principal may see; 404 otherwise."""
        org = session.get(Organisation, org_id)
        if org is None or not principal.sees_org(org_id):
            # Same answer for "absent" and "not yours": existence is not leaked.
            raise refused(NotFound(field="org_id"), action, "organisation", org_id)
        return org

    # Organisations -----------------------------------------------------------------------

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

    def get_organisation(self, principal: Principal, org_id: int) -> Organisation:
        """One organisation, if the directory or membership lets the principal see it."""
        with self.guarded(principal), self._sessions() as session:
            org = session.get(Organisation, org_id) if principal.can(Permission.ORG_READ) else None
            return org or self.visible_org(session, principal, org_id, "org.read")

    # Users -------------------------------------------------------------------------------

    def create_user(self, principal: Principal, data: UserCreate) -> tuple[User, str | None]:
        """Create a user; returns the generated password once when none was given."""
        self.authorise(principal, Permission.USER_MANAGE, "user.create")
        username = check_username(data.username)
        password = data.password or passwords.generate_password()
        check_password_strength(password)
        with self.guarded(principal), self._uow() as uow:
            org = self.visible_org(uow.session, principal, data.org_id, "user.create")
            check_role_fits_org(data.role, OrgKind(org.kind))
            if principal.role not in PLATFORM_WIDE and data.role in PLATFORM_WIDE:
                raise refused(PermissionDenied(field="role"), "user.create", "role", data.role)
            user = User(
                username=username,
                display_name=data.display_name.strip(),
                org_id=org.id,
                role=str(data.role),
                password_hash=passwords.hash_password(password),
                failed_logins=0,
                active=True,
                created_at=self._clock.now(),
            )
            uow.session.add(user)
            try:
                uow.session.flush()
            except IntegrityError:
                raise Conflict("用户名已存在", "Username already exists", field="username") from None
            self._audit.record(
                uow.session,
                actor_of(principal),
                "user.create",
                object_type="user",
                object_id=user.id,
                source_ip=principal.source_ip,
                detail={"username": username, "role": str(data.role), "org_id": org.id},
            )
            uow.commit()
            return user, (None if data.password else password)

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
            lambda u: setattr(u, "active", active),
        )

    def unlock(self, principal: Principal, user_id: int) -> User:
        """Lift a lock-out early (security administrator)."""

        def _clear(user: User) -> None:
            user.failed_logins, user.locked_until = 0, None

        return self._security_change(principal, user_id, "user.unlock", _clear)

    def reset_password(self, principal: Principal, user_id: int) -> tuple[User, str]:
        """Give a user a new generated password, shown once."""
        new_password = passwords.generate_password()

        def _reset(user: User) -> None:
            user.password_hash = passwords.hash_password(new_password)
            user.failed_logins, user.locked_until = 0, None

        return self._security_change(principal, user_id, "user.reset_password", _reset), new_password

    def _security_change(
        self, principal: Principal, user_id: int, action: str, change: Callable[[User], None]
    ) -> User:
        self.authorise(principal, Permission.USER_SECURITY, action)
        with self._uow() as uow:
            user = uow.session.get(User, user_id)
            if user is None:
                raise NotFound(field="user_id")
            if user.id == principal.user_id:
                raise PermissionDenied(
                    "不能对自己执行此操作", "Not allowed on your own account", field="user_id"
                )
            change(user)
            self._audit.record(
                uow.session,
                actor_of(principal),
                action,
                object_type="user",
                object_id=user_id,
                source_ip=principal.source_ip,
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
