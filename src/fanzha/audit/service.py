"""Recording and verifying the audit log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit import repository
from fanzha.audit.checkpoints import TOPIC, CheckpointFile, check_all, to_record
from fanzha.audit.domain import ORIGIN, ChainBreak, Checkpoint, Outcome, Sealer, Signer, Walk
from fanzha.core.clock import Clock
from fanzha.db.engine import reading
from fanzha.events import outbox
from fanzha.events.tables import OutboxEvent

log = logging.getLogger(__name__)


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

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        sealer: Sealer,
        signer: Signer,
        checkpoints: CheckpointFile,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._sealer = sealer
        self._signer = signer
        self._file = checkpoints
        repository.seal_with(sessions, sealer)

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
        """Check the whole chain against the signed checkpoints: entries read, and the first break if any."""
        with self._snapshot() as session:
            checkpoints, forged = self._checkpoints(session)
            head_seq, head_hash = repository.head(session)
            walk = Walk(self._sealer, checkpoints)
            broken = None
            for entry, version, stored in repository.iter_chain(session):
                if (broken := walk.step(entry, version, stored)) is not None:
                    break
            else:
                broken = walk.finish(head_seq, head_hash)
            return walk.seq, forged or broken

    def checkpoint(self) -> tuple[Checkpoint | None, ChainBreak | None]:
        """Check the entries since the last checkpoint and, when they hold, sign and write a new one.

        Only the stretch since the last checkpoint is read (the first checkpoint reads the whole log),
        so this is cheap enough to run every few minutes; a log that does not hold is never signed.
        """
        with self._snapshot() as session:
            checkpoints, forged = self._checkpoints(session)
            if forged is not None:
                return None, forged
            start = max(checkpoints, key=lambda c: c.seq, default=ORIGIN)
            head_seq, head_hash = repository.head(session)
            walk = Walk(self._sealer, [start] if checkpoints else (), start=start)
            for entry, version, stored in repository.iter_chain(session, after=start.seq, upto=head_seq):
                if (broken := walk.step(entry, version, stored)) is not None:
                    return None, broken
            if (broken := walk.finish(head_seq, head_hash)) is not None:
                return None, broken
        if checkpoints and head_seq == start.seq:
            return start, None  # nothing new since the last one
        made = Checkpoint(head_seq, head_hash, walk.legacy, self._clock.now())
        self._file.append(made)  # outside the database first: the copy an attacker there cannot reach
        with self._sessions() as session:
            outbox.record(session, self._clock, TOPIC, to_record(made, self._signer))
            session.commit()
        return made, None

    def _snapshot(self) -> Session:
        """A read-only session seeing one moment: the head and the entries appended by then, no later."""
        session = reading(self._sessions)
        if session.get_bind().dialect.name == "postgresql":  # SQLite's read transaction is a snapshot already
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return session

    def _checkpoints(self, session: Session) -> tuple[list[Checkpoint], ChainBreak | None]:
        """The file's checkpoints and those published through the outbox, every signature checked."""
        published = session.execute(
            select(OutboxEvent.id, OutboxEvent.payload).where(OutboxEvent.topic == TOPIC)
        ).all()
        sources = [*self._file.records(), *((f"outbox #{p}", _parsed(payload)) for p, payload in published)]
        return check_all(sources, self._signer)


def _parsed(payload: str) -> Any:
    """A stored payload's JSON, or None when it is not JSON (its checkpoint is then refused)."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None


async def keep_checkpoints(auditor: Auditor, every_seconds: float, stop: asyncio.Event) -> None:
    """Write a checkpoint every `every_seconds` until `stop` is set (the event dispatcher runs this)."""
    while not stop.is_set():
        try:
            _, broken = await asyncio.to_thread(auditor.checkpoint)
        except Exception:  # a failed round must not stop event delivery; the next round retries
            log.exception("audit checkpoint failed")
        else:
            if broken is not None:
                log.error("audit log does not verify at entry %s: %s", broken.seq, broken.reason_en)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)


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
