"""Recording and verifying the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit import repository
from fanzha.audit.domain import ChainBreak, Outcome, verify_chain
from fanzha.core.clock import Clock


@dataclass(frozen=True)
class Actor:
    """Who acted, as the audit log names them."""

    name: str
    user_id: int | None = None
    org_id: int | None = None


ANONYMOUS = Actor("anonymous")
SYSTEM = Actor("system")
# Details as sorted-key JSON; keys that are not strings (ids) become strings, as json.dumps does.
_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


class Auditor:
    """Writes audit entries inside a caller's transaction, or in one of their own."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def record(
        self,
        session: Session,
        actor: Actor,
        action: str,
        *,
        object_type: str = "",
        object_id: str | int = "",
        result: Outcome = Outcome.SUCCESS,
        source_ip: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append within `session`: the entry commits or rolls back with the action itself."""
        repository.append(
            session,
            {
                "at": self._clock.now(),
                # Columns are bounded; an over-long value is cut rather than failing the action.
                "actor": actor.name[:64],
                "actor_user_id": actor.user_id,
                "org_id": actor.org_id,
                "action": action[:64],
                "object_type": object_type[:64],
                "object_id": str(object_id)[:128],
                "result": str(result),
                "source_ip": source_ip[:64],
                "detail": orjson.dumps(detail or {}, option=_SORTED).decode(),
            },
        )

    def record_apart(self, actor: Actor, action: str, **kwargs: Any) -> None:
        """Append in a transaction of its own, for denials and failures whose work rolls back."""
        with self._sessions() as session:
            self.record(session, actor, action, **kwargs)
            session.commit()

    def verify(self) -> tuple[int, ChainBreak | None]:
        """Check the whole chain: how many entries were read, and the first break if any."""
        with self._sessions() as session:
            head_seq, head_hash = repository.head(session)
            seen = 0

            def counted() -> Any:
                nonlocal seen
                for item in repository.iter_chain(session):
                    seen += 1
                    yield item

            broken = verify_chain(counted(), head_seq, head_hash)
            return seen, broken


def read_page(
    auditor_sessions: sessionmaker[Session],
    where: repository.AuditFilter,
    before: int | None,
    limit: int,
) -> tuple[list[Any], int | None]:
    """A page of entries newest first and the cursor for the next one."""
    with auditor_sessions() as session:
        rows = repository.search(session, where, before, limit)
    return rows, (rows[-1].seq if len(rows) == limit else None)
