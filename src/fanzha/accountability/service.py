"""The accountability use cases wired together."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from fanzha.accountability.base import Core
from fanzha.accountability.cases import PenaltyCases
from fanzha.accountability.records import Records
from fanzha.accountability.tracking import Tracking
from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.identity.service import IdentityService
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
