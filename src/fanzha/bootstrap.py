"""Wire the real adapters together from settings: the one place that connects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock, SystemClock
from fanzha.core.settings import Settings
from fanzha.db.engine import build_engine, session_factory
from fanzha.identity.auth import AuthService
from fanzha.identity.domain import LockoutPolicy, SessionPolicy
from fanzha.identity.service import IdentityService


@dataclass
class Platform:
    """Every service of a running platform, built once per process."""

    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    auditor: Auditor
    identity: IdentityService
    auth: AuthService

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def build_platform(settings: Settings, clock: Clock | None = None, engine: Engine | None = None) -> Platform:
    """Build the services; the engine connects lazily, on first use."""
    clock = clock or SystemClock()
    engine = engine or build_engine(settings.database_url)
    sessions = session_factory(engine)
    auditor = Auditor(sessions, clock)
    identity = IdentityService(sessions, clock, auditor)
    auth = AuthService(
        sessions,
        clock,
        auditor,
        identity,
        LockoutPolicy(settings.max_failed_logins, timedelta(minutes=settings.lockout_minutes)),
        SessionPolicy(
            timedelta(minutes=settings.session_idle_minutes),
            timedelta(hours=settings.session_absolute_hours),
        ),
        settings.api_key_default_days,
    )
    return Platform(settings, clock, engine, sessions, auditor, identity, auth)
