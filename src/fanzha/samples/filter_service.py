"""Server side of the local filters: versioned snapshots of active tokens per kind, and exact deltas.

A version is an outbox position: the set of a kind at version v is the active samples of that kind
once every event up to v is applied. A delta from v replays the events after v: a token whose first
change after v is `published` was not in the set at v; one whose first change is `updated`,
`revoked` or `expired` was. Compared with the current set, that gives exactly what the client must
add and remove, whatever happened in between.
"""

from __future__ import annotations

from collections import OrderedDict

from fanzha_client.filters import FilterDelta, FilterSnapshot, contains, prefix64, sorted_unique
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.errors import FanzhaError
from fanzha.core.paging import advance
from fanzha.events.outbox import read_after
from fanzha.events.tables import OutboxHead
from fanzha.samples.domain import SampleStatus
from fanzha.samples.tables import Sample

_WAS_ACTIVE = {"updated": True, "revoked": True, "expired": True, "published": False}


class FilterTooOld(FanzhaError):
    """The client's version is not one this server can build a delta from."""

    code = "filter_version_gone"
    status = 410
    message_zh = "本地过滤器版本无效，请重新下载快照"
    message_en = "Unknown filter version; fetch a fresh snapshot"


class FilterService:
    """Snapshots cached per (kind, version); deltas computed from the outbox."""

    def __init__(self, sessions: sessionmaker[Session], cache_size: int = 8) -> None:
        self._sessions = sessions
        self._cache: OrderedDict[tuple[str, int], FilterSnapshot] = OrderedDict()
        self._cache_size = cache_size

    def snapshot(self, kind: str) -> FilterSnapshot:
        """Every active token of `kind` at the current version."""
        with self._sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # The head and the tokens must come from one snapshot of the database.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            version = int(session.scalar(select(OutboxHead.last_position).where(OutboxHead.id == 1)) or 0)
            cached = self._cache.get((kind, version))
            if cached is not None:
                self._cache.move_to_end((kind, version))
                return cached
            tokens = session.scalars(
                select(Sample.token).where(Sample.kind == kind, Sample.status == SampleStatus.ACTIVE)
            ).all()
        snapshot = FilterSnapshot.from_tokens(kind, version, list(tokens))
        self._cache[(kind, version)] = snapshot
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return snapshot

    def delta(self, kind: str, from_version: int) -> FilterDelta | None:
        """What a client at `from_version` must add and remove; None when it is current."""
        current = self.snapshot(kind)
        if from_version > current.version:
            raise FilterTooOld(field="from")
        if from_version == current.version:
            return None
        first_change: dict[str, bool] = {}
        with self._sessions() as session:
            position = from_version
            while position < current.version:
                events = read_after(session, position, 10_000, "samples.")
                for event in events:
                    if event.position > current.version:
                        break
                    change = event.topic.split(".")[1]
                    if change in _WAS_ACTIVE and event.payload.get("kind") == kind:
                        first_change.setdefault(event.payload["token"], _WAS_ACTIVE[change])
                if not events or events[-1].position >= current.version:
                    break
                position = advance(position, events[-1].position)
        was = [t for t, active in first_change.items() if active]
        was_not = [t for t, active in first_change.items() if not active]
        was_prefixes, was_not_prefixes = prefix64(was), prefix64(was_not)
        additions = was_not_prefixes[contains(current.prefixes, was_not_prefixes)]
        removals = was_prefixes[~contains(current.prefixes, was_prefixes)]
        return FilterDelta(
            kind,
            from_version,
            current.version,
            sorted_unique(additions),
            sorted_unique(removals),
            current.checksum,
        )
