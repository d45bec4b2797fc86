"""The institution-side local filter of fraud samples (Art 28¶1): sync from the platform, look up in-process.

Banks and operators check every call or payment against the active samples without a network round
trip: `SampleFilter` keeps one `FilterSnapshot` per kind in memory, brings it up to date with deltas in
the manner of Safe Browsing's update protocol, and answers vectorised lookups with numpy.

Endpoint contract (served by the platform; `http` carries base URL and the API key)::

    GET /api/v1/samples/filters/{kind}/snapshot
        Accept: application/octet-stream
        200  Content-Type: application/octet-stream
             body = FilterSnapshot.to_bytes() of every active token of `kind`, at the current version
        404  unknown kind; 401 / 403 no valid key or not allowed

    GET /api/v1/samples/filters/{kind}/delta?from={version}
        Accept: application/octet-stream
        200  Content-Type: application/octet-stream
             body = FilterDelta.to_bytes() with from_version == {version}, to_version == the current
             version (one delta straight to the latest, however many versions lie between) and the
             checksum of the current set, i.e. make_delta(snapshot_at(version), current)
        204  no body: {version} is the current version
        410  the server cannot produce a delta from {version} (too old, pruned, or not a version it
             issued, e.g. ahead of it); the client then fetches the snapshot
        404 / 401 / 403 as above; 422 when `from` is not a non-negative integer

Versions per kind only grow, and one version always names one set, so a delta from version v is the
same for every client. The wire format is in `fanzha_client.filters`; every payload ends with a
SHA-256 trailer, so a damaged body is refused rather than used. A delta that does not fit (version gap,
checksum mismatch, damaged) makes the client fetch a fresh snapshot. Any other failure leaves the filter
as it was, still answering, but `stale` until a sync succeeds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt

from fanzha_client.filters import (
    FilterDelta,
    FilterError,
    FilterSnapshot,
    PrefixIndex,
    apply_delta,
    prefix64,
    prefix64_of_digests,
)
from fanzha_client.tokens import KeyedSM3

__all__ = ["FilterNotSynced", "FilterSyncError", "SampleFilter", "SyncOutcome"]

API = "/api/v1/samples/filters"
MEDIA_TYPE = "application/octet-stream"
BoolArray = npt.NDArray[np.bool_]
_SEP = "\x1f"  # the separator fanzha.identifiers.IdentifierVault puts between kind and value


class SyncOutcome(StrEnum):
    """What one kind's sync did."""

    SNAPSHOT = "snapshot"
    DELTA = "delta"
    UNCHANGED = "unchanged"


class FilterSyncError(RuntimeError):
    """Some kinds could not be synced; the others were, and the filter still answers but is stale."""

    def __init__(self, failures: Mapping[str, Exception], outcomes: Mapping[str, SyncOutcome]) -> None:
        self.failures = dict(failures)
        self.outcomes = dict(outcomes)
        detail = "; ".join(f"{kind}: {type(exc).__name__}: {exc}" for kind, exc in self.failures.items())
        super().__init__(f"filter sync failed for {len(self.failures)} kind(s): {detail}")


class FilterNotSynced(RuntimeError):
    """A lookup in a kind that has never been synced: answering "no" would be unsafe."""


@dataclass(frozen=True)
class _KindState:
    """One kind's filter, swapped whole so lookups in other threads never see half an update."""

    snapshot: FilterSnapshot
    index: PrefixIndex
    synced_at: datetime


class SampleFilter:
    """In-process filter of the active sample tokens of some kinds, synced from the platform."""

    def __init__(
        self,
        http: httpx.Client,
        token_key: bytes,
        kinds: Sequence[str],
        max_age: timedelta = timedelta(minutes=30),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if len(token_key) != 32:
            raise ValueError("token key must be 32 bytes")
        if not kinds:
            raise ValueError("name at least one kind")
        if max_age <= timedelta(0):
            raise ValueError("max_age must be positive")
        self._http = http
        self._mac = KeyedSM3(token_key)
        self.kinds: tuple[str, ...] = tuple(dict.fromkeys(kinds))
        self.max_age = max_age
        self._clock = clock or (lambda: datetime.now(UTC))
        self._states: dict[str, _KindState] = {}
        self._failed: set[str] = set()
        self._sync_lock = threading.Lock()  # one sync at a time; lookups never wait for it

    # --- syncing ---------------------------------------------------------------------------------

    def sync(self) -> dict[str, SyncOutcome]:
        """Bring every kind up to date; raises FilterSyncError naming the kinds that failed."""
        with self._sync_lock:
            outcomes: dict[str, SyncOutcome] = {}
            failures: dict[str, Exception] = {}
            for kind in self.kinds:
                try:
                    outcomes[kind] = self._sync_kind(kind)
                except (httpx.HTTPError, FilterError) as exc:
                    failures[kind] = exc
                    self._failed.add(kind)
                else:
                    self._failed.discard(kind)
            if failures:
                raise FilterSyncError(failures, outcomes)
            return outcomes

    def _sync_kind(self, kind: str) -> SyncOutcome:
        state = self._states.get(kind)
        if state is None:
            self._install(kind, self._fetch_snapshot(kind))
            return SyncOutcome.SNAPSHOT
        response = self._http.get(
            f"{API}/{kind}/delta", params={"from": state.snapshot.version}, headers={"Accept": MEDIA_TYPE}
        )
        if response.status_code == 204:
            self._states[kind] = _KindState(state.snapshot, state.index, self._clock())
            return SyncOutcome.UNCHANGED
        if response.status_code == 410:
            self._install(kind, self._fetch_snapshot(kind))
            return SyncOutcome.SNAPSHOT
        response.raise_for_status()
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"unexpected status {response.status_code} for a delta",
                request=response.request,
                response=response,
            )
        try:
            delta = FilterDelta.from_bytes(response.content)
            if delta.kind != kind:
                raise FilterError(f"asked for a {kind} delta, got {delta.kind}")
            updated = apply_delta(state.snapshot, delta)
        except FilterError:
            # Version gap, checksum mismatch or a damaged body: a full snapshot puts things right.
            self._install(kind, self._fetch_snapshot(kind))
            return SyncOutcome.SNAPSHOT
        self._install(kind, updated)
        return SyncOutcome.DELTA

    def _fetch_snapshot(self, kind: str) -> FilterSnapshot:
        response = self._http.get(f"{API}/{kind}/snapshot", headers={"Accept": MEDIA_TYPE})
        response.raise_for_status()
        if response.status_code != 200:
            raise httpx.HTTPStatusError(
                f"unexpected status {response.status_code} for a snapshot",
                request=response.request,
                response=response,
            )
        snapshot = FilterSnapshot.from_bytes(response.content)
        if snapshot.kind != kind:
            raise FilterError(f"asked for a {kind} snapshot, got {snapshot.kind}")
        return snapshot

    def _install(self, kind: str, snapshot: FilterSnapshot) -> None:
        self._states[kind] = _KindState(snapshot, PrefixIndex(snapshot.prefixes), self._clock())

    # --- state -----------------------------------------------------------------------------------

    def version(self, kind: str) -> int | None:
        """The version held for `kind`, or None before its first sync."""
        state = self._states.get(self._known(kind))
        return None if state is None else state.snapshot.version

    def checksum(self, kind: str) -> str | None:
        """The checksum of the set held for `kind`, or None before its first sync."""
        state = self._states.get(self._known(kind))
        return None if state is None else state.snapshot.checksum

    @property
    def last_synced(self) -> datetime | None:
        """When the least recently synced kind last synced, or None if some kind never has."""
        states = [self._states.get(kind) for kind in self.kinds]
        if any(state is None for state in states):
            return None
        return min(state.synced_at for state in states if state is not None)

    @property
    def stale(self) -> bool:
        """True when some kind never synced, synced longer than `max_age` ago, or failed its last sync."""
        last = self.last_synced
        return last is None or bool(self._failed) or self._clock() - last > self.max_age

    def size_bytes(self) -> int:
        """Memory held by the prefixes and their directories, all kinds together."""
        return sum(state.index.nbytes for state in self._states.values())

    def __len__(self) -> int:
        return sum(len(state.snapshot) for state in self._states.values())

    # --- lookups ---------------------------------------------------------------------------------

    def contains_tokens(
        self, kind: str, tokens_hex: Sequence[str] | npt.NDArray[Any]
    ) -> npt.NDArray[np.bool_]:
        """Whether each 64-hex token of `kind` is an active sample; raises FilterNotSynced before a sync."""
        return self._index(kind).contains(prefix64(tokens_hex))

    def contains_digests(
        self, kind: str, digests: Sequence[bytes] | bytes, width: int = 32
    ) -> npt.NDArray[np.bool_]:
        """Whether each token, given as its raw MAC bytes (not hex), is an active sample.

        `digests`: equal-length digests, or one buffer of `width`-byte digests. The binary form skips the
        hex parsing that is half the cost of `contains_tokens`; only the first 8 bytes are looked up.
        """
        return self._index(kind).contains(prefix64_of_digests(digests, width))

    def contains_prefixes(self, kind: str, prefixes: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        """Whether each token, given as its first 8 bytes read big-endian into ``uint64``, is active."""
        return self._index(kind).contains(np.asarray(prefixes, dtype=np.uint64))

    def check(self, kind: str, raw_values: Iterable[str]) -> BoolArray:
        """Whether each raw value of `kind` is an active sample; values that do not normalise are False."""
        # The normalisation rules are the platform's (fanzha.identifiers): a filter that only takes tokens
        # runs with this package alone; raw values need `pip install fanzha` beside it.
        try:
            from fanzha.core.errors import ValidationFailed
            from fanzha.identifiers import normalise
        except ImportError as missing:
            raise RuntimeError(
                "checking raw values needs the fanzha package; pass tokens instead"
            ) from missing

        index = self._index(kind)
        values = list(raw_values)
        valid = np.zeros(len(values), dtype=np.bool_)
        digests: list[bytes] = []
        for i, raw in enumerate(values):
            try:
                identifier = normalise(kind, raw)
            except (ValidationFailed, ValueError, TypeError):
                continue
            valid[i] = True
            # Same bytes as IdentifierVault.token; only the first 8 bytes of the MAC are looked up.
            digests.append(self._mac.digest(f"{identifier.kind.value}{_SEP}{identifier.value}".encode())[:8])
        found = np.zeros(len(values), dtype=np.bool_)
        if digests:
            found[valid] = index.contains(prefix64_of_digests(digests))
        return found

    def _known(self, kind: str) -> str:
        if kind not in self.kinds:
            raise KeyError(f"kind {kind!r} is not one of this filter's kinds {self.kinds}")
        return kind

    def _index(self, kind: str) -> PrefixIndex:
        state = self._states.get(self._known(kind))
        if state is None:
            raise FilterNotSynced(f"the {kind} filter has never been synced; call sync() first")
        return state.index
