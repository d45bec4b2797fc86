"""Unit of work: one transaction per use case; all or nothing."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.clock import Clock
from fanzha.db.engine import reading


class UnitOfWork:
    """Opens a session, commits on `commit()`, rolls back whatever was not committed."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, *, read_only: bool = False) -> None:
        self._sessions = sessions
        self.clock = clock
        self._read_only = read_only
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session; only inside `with`."""
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = reading(self._sessions) if self._read_only else self._sessions()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        """Make the work durable."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard the work."""
        self.session.rollback()
