"""The accountability use cases wired together."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.accountability.base import Core
from fanzha.accountability.cases import PenaltyCases
from fanzha.accountability.records import Records
from fanzha.accountability.tracking import Tracking
from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.identity.service import IdentityService
from fanzha.identity.tables import Organisation
from fanzha.oversight.service import OversightService


class Accountability:
    """Penalty cases, interviews and tracked items, inspections and registries."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        oversight: OversightService,
    ) -> None:
        self.core = Core(sessions, clock, auditor, identity, oversight)
        self.cases = PenaltyCases(self.core)
        self.tracking = Tracking(self.core)
        self.records = Records(self.core, self.cases)

    def org_names(self, ids: set[int]) -> dict[int, tuple[str, str]]:
        """Organisations' names (Chinese, English) for pages that list them."""
        with self.core.sessions() as session:
            query = select(Organisation.id, Organisation.name_zh, Organisation.name_en)
            return {i: (zh, en) for i, zh, en in session.execute(query.where(Organisation.id.in_(ids)))}
