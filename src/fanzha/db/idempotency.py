"""Idempotency keys: a retried create gets the first answer back instead of acting twice."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict
from fanzha.db.base import Base, UTCDateTime


class IdempotencyRecord(Base):
    """The answer given to a create, per organisation and key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def request_hash(body: Any) -> str:
    """A stable fingerprint of the request body."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyStore:
    """Remembers answers by (organisation, key) and refuses a key reused for another request."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def replay(self, org_id: int, key: str, fingerprint: str) -> tuple[int, Any] | None:
        """The stored (status, body) for this key, or None if it is new."""
        with self._sessions() as session:
            row = session.scalars(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.org_id == org_id, IdempotencyRecord.key == key
                )
            ).first()
        if row is None:
            return None
        if row.request_hash != fingerprint:
            raise Conflict(
                "幂等键已用于另一个请求",
                "Idempotency key was used for a different request",
                field="Idempotency-Key",
            )
        return row.status_code, json.loads(row.response)

    def remember(self, org_id: int, key: str, fingerprint: str, status: int, body: Any) -> None:
        """Store the answer; a concurrent retry that stored first wins, which is the same answer."""
        with self._sessions() as session:
            session.add(
                IdempotencyRecord(
                    org_id=org_id,
                    key=key,
                    request_hash=fingerprint,
                    status_code=status,
                    response=json.dumps(body, ensure_ascii=False, default=str),
                    created_at=self._clock.now(),
                )
            )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
