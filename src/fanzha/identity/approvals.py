"""Administrator roles take a second administrator's approval (三员分立): requests, decisions, grants."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.errors import Conflict, NotFound, PermissionDenied
from fanzha.identity import credentials
from fanzha.identity.base import APPROVED, PENDING, REFUSED, IdentityCore, actor_of, refused
from fanzha.identity.domain import (
    Permission,
    Principal,
    Role,
    needs_approval,
)
from fanzha.identity.schemas import UserCreate
from fanzha.identity.tables import UNSET_PASSWORD, Organisation, RoleRequest, User


class RoleApprovals(IdentityCore):
    """Creating or raising an administrator waits for a different security administrator to approve it."""

    def _ask(
        self,
        session: Session,
        principal: Principal,
        action: str,
        user_id: int | None,
        username: str,
        data: UserCreate | None,
        org_id: int,
        phone: tuple[str, bytes, str] | None,
        role: Role | None = None,
        display_name: str = "",
    ) -> RoleRequest:
        """Record a pending request for an administrator role; a security administrator decides."""
        request = RoleRequest(
            action=action,
            user_id=user_id,
            username=username,
            display_name=data.display_name.strip() if data else display_name,
            org_id=org_id,
            role=str(data.role if data else role),
            status=PENDING,
            requested_by=principal.user_id,
            requested_at=self._clock.now(),
        )
        if phone is not None:
            request.phone_token, request.phone_ciphertext, request.phone_masked = phone
        session.add(request)
        session.flush()
        self._audit.record(
            session,
            actor_of(principal),
            "role.request",
            object_type="role_request",
            object_id=request.id,
            source_ip=principal.source_ip,
            detail={"action": action, "username": username, "role": request.role, "org_id": org_id},
        )
        return request

    def set_role(self, principal: Principal, user_id: int, role: Role) -> tuple[User, RoleRequest | None]:
        """Change a user's role; into or out of an administrator role it waits for approval."""
        self.authorise(principal, Permission.USER_MANAGE, "user.role")
        with self.guarded(principal), self._uow() as uow:
            user = uow.session.get(User, user_id)
            if user is None or not principal.sees_org(user.org_id):
                raise refused(NotFound(field="user_id"), "user.role", "user", user_id)
            if user.id == principal.user_id:
                raise refused(
                    PermissionDenied("不能更改自己的角色", "Not allowed on your own role", field="user_id"),
                    "user.role",
                    "user",
                    user_id,
                )
            org = uow.session.get_one(Organisation, user.org_id)
            old = Role(user.role)
            self._check_grant(org, principal.role, old, "user.role")
            self._check_grant(org, principal.role, role, "user.role")
            if needs_approval(old, role):
                request = self._ask(
                    uow.session,
                    principal,
                    "user.role",
                    user.id,
                    user.username,
                    None,
                    org.id,
                    None,
                    role=role,
                    display_name=user.display_name,
                )
                uow.commit()
                return user, request
            self._apply_role(uow.session, principal, user, role)
            uow.commit()
            return user, None

    def _apply_role(self, session: Session, principal: Principal, user: User, role: Role) -> None:
        old, user.role = user.role, str(role)
        # A new role starts with a new log-in: sessions carry the role they were opened with.
        ended = credentials.end_sessions(session, user.id, self._clock.now())
        self._audit.record(
            session,
            actor_of(principal),
            "user.role",
            object_type="user",
            object_id=user.id,
            source_ip=principal.source_ip,
            detail={"from": old, "to": str(role), "sessions_ended": ended},
        )

    def list_requests(self, principal: Principal, status: str | None = PENDING) -> list[RoleRequest]:
        """Requests for administrator roles, newest first (names of staff: the read is audited)."""
        self.authorise(principal, Permission.APPROVAL_READ, "role.request.list")
        with self._uow() as uow:
            query = select(RoleRequest).order_by(RoleRequest.id.desc()).limit(200)
            if status:
                query = query.where(RoleRequest.status == status)
            rows = list(uow.session.scalars(query).all())
            self._audit.record(
                uow.session,
                actor_of(principal),
                "role.request.list",
                object_type="role_request",
                source_ip=principal.source_ip,
                detail={"count": len(rows), "status": status or "all"},
            )
            uow.commit()
            return rows

    def decide(self, principal: Principal, request_id: int, approve: bool) -> RoleRequest:
        """A second administrator (security) approves or refuses; only an approval gives the role."""
        action = "role.approve" if approve else "role.refuse"
        self.authorise(principal, Permission.ROLE_APPROVE, action)
        created: tuple[User, str] | None = None
        with self.guarded(principal), self._uow() as uow:
            request = uow.session.get(RoleRequest, request_id, with_for_update=True)
            if request is None:
                raise refused(NotFound(field="request_id"), action, "role_request", request_id)
            if request.status != PENDING:
                raise Conflict("该申请已处理", "The request was already decided", field="request_id")
            if principal.user_id is None or principal.user_id in (request.requested_by, request.user_id):
                raise refused(
                    PermissionDenied(
                        "须由另一名管理员审批", "Another administrator must decide", field="request_id"
                    ),
                    action,
                    "role_request",
                    request_id,
                )
            if approve:
                created = self._grant(uow.session, principal, request)
            request.status = APPROVED if approve else REFUSED
            request.decided_by, request.decided_at = principal.user_id, self._clock.now()
            self._audit.record(
                uow.session,
                actor_of(principal),
                action,
                object_type="role_request",
                object_id=request.id,
                source_ip=principal.source_ip,
                detail={
                    "action": request.action,
                    "username": request.username,
                    "role": request.role,
                    "requested_by": request.requested_by,
                },
            )
            uow.commit()
        if created is not None:
            self.codes.send(created[0], created[1], "activate")
        return request

    def _grant(self, session: Session, principal: Principal, request: RoleRequest) -> tuple[User, str] | None:
        """Put an approved request into force; a new user gets an activation code."""
        now = self._clock.now()
        if request.action == "user.role":
            user = session.get(User, request.user_id)
            if user is None:
                raise NotFound(field="user_id")
            self._apply_role(session, principal, user, Role(request.role))
            return None
        if session.scalars(select(User.id).where(User.username == request.username)).first() is not None:
            raise Conflict("用户名已存在", "Username already exists", field="username")
        user = User(
            username=request.username,
            display_name=request.display_name,
            org_id=request.org_id,
            role=request.role,
            password_hash=UNSET_PASSWORD,
            failed_logins=0,
            active=True,
            created_at=now,
            phone_token=request.phone_token,
            phone_ciphertext=request.phone_ciphertext,
            phone_masked=request.phone_masked,
        )
        session.add(user)
        session.flush()
        request.user_id = user.id
        code = credentials.issue(session, user, "activate", principal.user_id, now)
        self._audit.record(
            session,
            actor_of(principal),
            "user.create",
            object_type="user",
            object_id=user.id,
            source_ip=principal.source_ip,
            detail={
                "username": user.username,
                "role": user.role,
                "org_id": user.org_id,
                "approved_request": request.id,
                "activation_to": user.phone_masked,
            },
        )
        return user, code
