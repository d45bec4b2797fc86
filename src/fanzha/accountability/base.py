"""What every accountability use case shares: units of work, the audit log, who sees what."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied
from fanzha.db.uow import UnitOfWork
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import Organisation
from fanzha.oversight.domain import SECTORS_OF_REGULATOR
from fanzha.oversight.service import OversightService

REGULATOR_KINDS = frozenset({OrgKind.REGULATOR, OrgKind.TELECOM_AUTHORITY, OrgKind.CYBERSPACE})


class Core:
    """Units of work whose refusals are audited, and the reader's reach (Art 4, 5, 25)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        oversight: OversightService,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.audit = auditor
        self.identity = identity
        self.oversight = oversight

    @contextmanager
    def work(self, principal: Principal) -> Iterator[Session]:
        """A unit of work whose refusals are audited; commit explicitly."""
        with self.identity.guarded(principal), UnitOfWork(self.sessions, self.clock) as uow:
            yield uow.session

    def record(
        self,
        session: Session,
        principal: Principal,
        action: str,
        object_type: str,
        oid: object = "",
        **detail: Any,
    ) -> None:
        """Audit a read or an action of `principal` in `session`."""
        self.audit.record(
            session,
            actor_of(principal),
            action,
            object_type=object_type,
            object_id=str(oid),
            source_ip=principal.source_ip,
            detail=detail or None,
        )

    def sectors(self, session: Session, principal: Principal) -> frozenset[str] | None:
        """Organisation kinds a reader oversees: None for police (all), a regulator's sector, else empty."""
        if principal.org_kind.is_police:
            return None
        if principal.org_kind in REGULATOR_KINDS:
            scope = self.oversight.scope(session, principal)
            return scope.kinds or frozenset(str(k) for k in SECTORS_OF_REGULATOR.get(principal.org_kind, ()))
        return frozenset()

    def reaches(self, session: Session, principal: Principal, org_id: int | None, *also: int | None) -> bool:
        """Whether the reader sees records about `org_id`: its own, its sector's, or any (police)."""
        if principal.org_id in (org_id, *also):
            return True
        sectors = self.sectors(session, principal)
        if sectors is None:
            return True
        if org_id is None or not sectors:
            return False
        org = session.get(Organisation, org_id)
        return org is not None and org.kind in sectors

    def visible_org_ids(self, session: Session, principal: Principal) -> list[int] | None:
        """Ids of the organisations whose records the reader sees (None: every one)."""
        sectors = self.sectors(session, principal)
        if sectors is None:
            return None
        ids = set(session.scalars(select(Organisation.id).where(Organisation.kind.in_(sectors))).all())
        return sorted(ids | {principal.org_id})

    def org(self, session: Session, org_id: int, field: str = "org_id") -> Organisation:
        """An organisation by id; NotFound naming `field`."""
        org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound(field=field)
        return org

    def denied(self, message_zh: str, message_en: str, action: str, kind: str, oid: object) -> Exception:
        """An audited PermissionDenied."""
        return refused(PermissionDenied(message_zh, message_en, field="org"), action, kind, oid)

    def hidden(self, action: str, kind: str, oid: object, field: str = "id") -> Exception:
        """An audited NotFound: the same answer for absent and not yours."""
        return refused(NotFound(field=field), action, kind, oid)


def next_number(session: Session, column: Any, prefix: str, year: int) -> str:
    """The next yearly number: 「CF-2026-000001」."""
    stem = f"{prefix}-{year}-"
    count = session.scalar(select(func.count()).where(column.like(stem + "%"))) or 0
    return f"{stem}{count + 1:06d}"


def flush_numbered(session: Session) -> None:
    """Flush a new numbered record; two creates racing for one number: the later is asked to retry."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("编号冲突，请重试", "Another record took this number; retry", field="number") from None
