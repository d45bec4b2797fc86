"""The counter check: is a person (keyed ID token) or unit on the list now? For card and account openings.

Card- and account-opening checks (Art 10, 17; AFL 31¶2 暂停新业务、限制入网) call `listed` inside their
own session, or `Listed(sessions, clock)` as a callable; one indexed read (subject_token, status).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.credit.domain import ListingStatus
from fanzha.credit.tables import Listing


def listed(session: Session, token: str, now: datetime) -> bool:
    """Whether a listing on `token` is in force at `now` (approved, not lifted, within its term)."""
    found = session.scalar(
        select(Listing.id)
        .where(
            Listing.subject_token == token,
            Listing.status == str(ListingStatus.ACTIVE),
            Listing.ends_at > now,
        )
        .limit(1)
    )
    return found is not None


class Listed:
    """`Listed(sessions, clock)(token)`: the check as a callable for another area's service."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def __call__(self, token: str) -> bool:
        """Whether the person or unit is listed now."""
        with self._sessions() as session:
            return listed(session, token, self._clock.now())
