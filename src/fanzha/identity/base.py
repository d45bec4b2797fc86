"""The identity services' shared core: sessions, clock, audit, authorisation and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.domain import Outcome
from fanzha.audit.service import Actor, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.disposal.notices import Notifier
from fanzha.identifiers import IdentifierVault
from fanzha.identity.credentials import CodeSender, Phones
from fanzha.identity.domain import (
    OrgKind,
    Permission,
    Principal,
    Role,
    check_role_fits_org,
    may_grant,
)
from fanzha.identity.tables import Organisation, RoleRequest, User

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


@dataclass(frozen=True)
class Created:
    """What creating a user did: the user made (activation code sent to a mask), or a request to approve."""

    user: User | None
    request: RoleRequest | None
    sent_to: str | None


def refused(error: FanzhaError, action: str, object_type: str, object_id: object) -> FanzhaError:
    """Mark `error` as a refusal that `guarded` will audit."""
    error.denial = (action, object_type, str(object_id))
    return error


def actor_of(principal: Principal) -> Actor:
    """The audit log's name for a principal."""
    return Actor(principal.username, principal.user_id, principal.org_id)


class IdentityCore:
    """What every identity use case needs: a unit of work, the audit log and authorisation."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        vault: IdentifierVault,
        notifier: Notifier,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor
        # Activation and reset codes reach the user's registered phone through the SMS port.
        self.codes = CodeSender(Phones(vault), notifier)

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

    def _phone_free(self, session: Session, token: str, user_id: int | None = None) -> None:
        """One registered phone per person: an administrator cannot give a new account their own number."""
        taken = session.scalars(select(User.id).where(User.phone_token == token, User.id != (user_id or 0)))
        pending = session.scalars(
            select(RoleRequest.id).where(RoleRequest.phone_token == token, RoleRequest.status == PENDING)
        )
        if taken.first() is not None or pending.first() is not None:
            raise Conflict(
                "该手机号已登记给其他用户", "That phone number is registered to another user", field="phone"
            )

    def _check_grant(self, org: Organisation, actor: Role, role: Role, action: str) -> None:
        """Refuse, audited, a role the actor may not give or that does not fit the organisation."""
        if not may_grant(actor, role):
            raise refused(PermissionDenied(field="role"), action, "role", role)
        try:
            check_role_fits_org(role, OrgKind(org.kind))
        except ValidationFailed as error:
            raise refused(error, action, "role", role) from None
