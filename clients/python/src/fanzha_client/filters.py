"""Local filters of active sample tokens (Art 28¶1): versioned snapshots, deltas, vectorised membership.

A filter holds the first 64 bits of each active token of one kind as a sorted ``uint64`` array, in the
manner of Safe Browsing's hash-prefix lists. With HMAC-SM3 tokens the prefixes are uniformly random, so
a miss is wrongly reported as a hit with probability ``n / 2**64`` (about 5e-13 with 10 million tokens).

Wire format (all integers little-endian; the last 32 bytes are the SHA-256 of every byte before them)::

    snapshot  "FZFS" u16 format=1, u16 0, kind 32 bytes (ASCII, NUL-padded), u64 version, u64 count,
              32-byte checksum, count x u64 prefixes (strictly increasing), 32-byte trailer
    delta     "FZFD" u16 format=1, u16 0, kind 32 bytes, u64 from_version, u64 to_version,
              u64 n_additions, u64 n_removals, 32-byte checksum of the resulting set,
              n_additions x u64, n_removals x u64 (each strictly increasing), 32-byte trailer

A checksum is the SHA-256 of a set's sorted prefixes as little-endian ``uint64`` bytes.
"""

from __future__ import annotations

import binascii
import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "FilterChecksumMismatch",
    "FilterCorrupt",
    "FilterDelta",
    "FilterError",
    "FilterSnapshot",
    "FilterVersionGap",
    "PrefixIndex",
    "apply_delta",
    "checksum_of",
    "contains",
    "make_delta",
    "prefix64",
    "sorted_unique",
]

U64Array = npt.NDArray[np.uint64]
BoolArray = npt.NDArray[np.bool_]

FORMAT = 1
_WIRE = np.dtype("<u8")
_TRAILER = 32
_KIND_BYTES = 32
_SNAPSHOT_HEAD = struct.Struct("<4sHH32sQQ32s")
_DELTA_HEAD = struct.Struct("<4sHH32sQQQQ32s")
_SORT_QUERIES_ABOVE = 64  # below this, sorting the batch costs more than the cache misses it saves


class FilterError(ValueError):
    """A filter payload or update that cannot be used."""


class FilterCorrupt(FilterError):
    """Bytes that are not a well-formed snapshot or delta."""


class FilterChecksumMismatch(FilterError):
    """A delta does not turn this snapshot into the set the server announced."""


class FilterVersionGap(FilterError):
    """A delta starts from another version than the snapshot it is applied to."""


def prefix64(tokens: Sequence[str] | npt.NDArray[Any]) -> U64Array:
    """The first 16 hex characters of each token as ``uint64``; raises ValueError on anything else."""
    try:
        # Cutting each token to 16 bytes in C while building the array is the costly step (~45 ns a token);
        # shorter tokens come out NUL-padded and are refused by unhexlify below.
        if isinstance(tokens, np.ndarray):
            arr = tokens if tokens.dtype == np.dtype("S16") else tokens.astype("S16")
        else:
            arr = np.asarray(tokens, dtype="S16")
    except (UnicodeEncodeError, TypeError) as exc:
        raise ValueError("tokens must be ASCII hex strings") from exc
    if arr.ndim != 1:
        raise ValueError(f"tokens must be one-dimensional, got shape {arr.shape}")
    try:
        # unhexlify, unlike bytes.fromhex, skips no whitespace, so every 16-character slot is 8 bytes.
        raw = binascii.unhexlify(np.ascontiguousarray(arr).tobytes())
    except binascii.Error as exc:
        raise ValueError("every token must start with 16 hex characters") from exc
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def prefix64_of_digests(digests: Sequence[bytes] | bytes, width: int = 32) -> U64Array:
    """The first 8 bytes of each raw token digest as ``uint64``.

    `digests` is a sequence of equal-length digests, or one buffer of digests `width` bytes each; both are
    read in C, with no per-digest Python work. Raises ValueError on mixed or too short lengths.
    """
    if isinstance(digests, bytes | bytearray | memoryview):
        buffer = bytes(digests)
    else:
        widths = set(map(len, digests))
        if len(widths) > 1:
            raise ValueError("every digest must have the same length")
        width = widths.pop() if widths else width
        buffer = b"".join(digests)
    if width < 8 or len(buffer) % width:
        raise ValueError("every digest must be at least 8 bytes, the buffer a whole number of digests")
    rows = np.frombuffer(buffer, dtype=np.uint8).reshape(-1, width)
    return np.ascontiguousarray(rows[:, :8]).view(">u8").ravel().astype(np.uint64)


def sorted_unique(values: npt.ArrayLike) -> U64Array:
    """`values` as sorted, deduplicated ``uint64``."""
    # np.unique in numpy 2.4 took 26 s on 10 M uint64 here; sort and mask take 0.7 s.
    out = np.sort(np.asarray(values, dtype=np.uint64).ravel())
    if out.size > 1:
        keep = np.empty(out.size, dtype=np.bool_)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def checksum_of(sorted_prefixes: U64Array) -> str:
    """SHA-256 hex of sorted prefixes as little-endian ``uint64`` bytes."""
    wire = np.ascontiguousarray(sorted_prefixes, dtype=_WIRE)
    return hashlib.sha256(wire.data.cast("B")).hexdigest()


def contains(sorted_prefixes: U64Array, queries: npt.ArrayLike) -> BoolArray:
    """Whether each query is in `sorted_prefixes` (sorted, unique ``uint64``), in query order."""
    q = np.asarray(queries, dtype=np.uint64)
    if q.ndim != 1:
        raise ValueError(f"queries must be one-dimensional, got shape {q.shape}")
    if sorted_prefixes.size == 0 or q.size == 0:
        return np.zeros(q.size, dtype=np.bool_)
    if q.size <= _SORT_QUERIES_ABOVE:
        return _member(sorted_prefixes, q)
    # searchsorted narrows each search from the previous answer when needles are sorted: ~10x faster.
    order = np.argsort(q)
    found = np.empty(q.size, dtype=np.bool_)
    found[order] = _member(sorted_prefixes, q[order])
    return found


def _member(sorted_prefixes: U64Array, q: U64Array) -> BoolArray:
    at = np.searchsorted(sorted_prefixes, q)
    np.minimum(at, sorted_prefixes.size - 1, out=at)
    hit: BoolArray = sorted_prefixes[at] == q
    return hit


def _check_sorted_unique(values: U64Array, what: str) -> None:
    if values.ndim != 1 or values.dtype != np.uint64:
        raise ValueError(f"{what} must be a one-dimensional uint64 array, got {values.dtype} {values.shape}")
    if values.size > 1 and not bool(np.all(values[1:] > values[:-1])):
        raise ValueError(f"{what} must be sorted and unique")


def _frozen(values: U64Array) -> U64Array:
    view = values.view()
    view.flags.writeable = False
    return view


def _check_kind(kind: str) -> bytes:
    if not kind or len(kind) > _KIND_BYTES or not kind.isascii() or "\0" in kind:
        raise ValueError(f"kind must be 1 to {_KIND_BYTES} ASCII characters, got {kind!r}")
    return kind.encode("ascii")


def _check_version(version: int, what: str) -> None:
    if not 0 <= version < 2**64:
        raise ValueError(f"{what} must fit an unsigned 64-bit integer, got {version}")


def _seal(head: bytes, *arrays: U64Array) -> bytes:
    """Header, arrays as little-endian bytes, then the SHA-256 trailer over all of it."""
    parts = [head, *(np.ascontiguousarray(a, dtype=_WIRE).tobytes() for a in arrays)]
    body = b"".join(parts)
    return body + hashlib.sha256(body).digest()


def _unseal(data: bytes | bytearray | memoryview, head: struct.Struct, magic: bytes, what: str) -> bytes:
    """The payload as immutable bytes, after checking magic, format and trailer; raises FilterCorrupt."""
    blob = data if isinstance(data, bytes) else bytes(data)  # frozen arrays must not share mutable memory
    if blob[:4] != magic:
        raise FilterCorrupt(f"not a {what} payload (magic {blob[:4]!r}, expected {magic!r})")
    if len(blob) < head.size + _TRAILER:
        raise FilterCorrupt(f"{what} payload too short ({len(blob)} bytes)")
    fmt = int.from_bytes(blob[4:6], "little")
    if fmt != FORMAT:
        raise FilterCorrupt(f"unsupported {what} format {fmt} (this client reads format {FORMAT})")
    if hashlib.sha256(memoryview(blob)[:-_TRAILER]).digest() != blob[-_TRAILER:]:
        raise FilterCorrupt(f"{what} payload damaged: SHA-256 trailer does not match")
    return blob


def _kind_from(raw: bytes, what: str) -> str:
    try:
        return raw.rstrip(b"\0").decode("ascii")
    except UnicodeDecodeError as exc:
        raise FilterCorrupt(f"{what} kind is not ASCII") from exc


def _array_at(blob: bytes, offset: int, count: int) -> U64Array:
    # Zero-copy on little-endian hosts; read-only because `blob` is immutable bytes.
    return np.frombuffer(blob, dtype=_WIRE, count=count, offset=offset).astype(np.uint64, copy=False)


@dataclass(frozen=True, eq=False)
class FilterSnapshot:
    """All active token prefixes of one kind at one version."""

    MAGIC: ClassVar[bytes] = b"FZFS"

    kind: str
    version: int
    prefixes: U64Array

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        _check_version(self.version, "version")
        _check_sorted_unique(self.prefixes, "prefixes")
        object.__setattr__(self, "prefixes", _frozen(self.prefixes))

    @classmethod
    def from_prefixes(cls, kind: str, version: int, prefixes: npt.ArrayLike) -> FilterSnapshot:
        """A snapshot of any ``uint64`` prefixes, sorted and deduplicated here."""
        return cls(kind, version, sorted_unique(prefixes))

    @classmethod
    def from_tokens(cls, kind: str, version: int, tokens: Sequence[str] | npt.NDArray[Any]) -> FilterSnapshot:
        """A snapshot of 64-hex tokens (any order, duplicates allowed)."""
        return cls.from_prefixes(kind, version, prefix64(tokens))

    @cached_property
    def checksum(self) -> str:
        """SHA-256 hex of the sorted prefixes as little-endian bytes."""
        return checksum_of(self.prefixes)

    def __len__(self) -> int:
        return int(self.prefixes.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FilterSnapshot):
            return NotImplemented
        return (
            self.kind == other.kind
            and self.version == other.version
            and np.array_equal(self.prefixes, other.prefixes)
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.version, self.checksum))

    def __repr__(self) -> str:
        return f"FilterSnapshot(kind={self.kind!r}, version={self.version}, size={len(self)})"

    def to_bytes(self) -> bytes:
        """The wire form (see the module docstring)."""
        head = _SNAPSHOT_HEAD.pack(
            self.MAGIC,
            FORMAT,
            0,
            _check_kind(self.kind),
            self.version,
            self.prefixes.size,
            bytes.fromhex(self.checksum),
        )
        return _seal(head, self.prefixes)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> FilterSnapshot:
        """Parse and verify the wire form; raises FilterCorrupt (a ValueError) on any damage."""
        blob = _unseal(data, _SNAPSHOT_HEAD, cls.MAGIC, "snapshot")
        _, _, _, kind_raw, version, count, checksum = _SNAPSHOT_HEAD.unpack_from(blob)
        expected = _SNAPSHOT_HEAD.size + 8 * count + _TRAILER
        if len(blob) != expected:
            raise FilterCorrupt(
                f"snapshot announces {count} prefixes but is {len(blob)} bytes, not {expected}"
            )
        try:
            snapshot = cls(
                _kind_from(kind_raw, "snapshot"), version, _array_at(blob, _SNAPSHOT_HEAD.size, count)
            )
        except FilterCorrupt:
            raise
        except ValueError as exc:
            raise FilterCorrupt(f"snapshot invalid: {exc}") from exc
        if snapshot.checksum != checksum.hex():
            raise FilterCorrupt("snapshot checksum does not match its prefixes")
        return snapshot


@dataclass(frozen=True, eq=False)
class FilterDelta:
    """What changed in one kind's set between two versions, and the checksum of the result."""

    MAGIC: ClassVar[bytes] = b"FZFD"

    kind: str
    from_version: int
    to_version: int
    additions: U64Array
    removals: U64Array
    checksum: str

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        _check_version(self.from_version, "from_version")
        _check_version(self.to_version, "to_version")
        if self.to_version <= self.from_version:
            raise ValueError(f"delta must move forward, got {self.from_version} -> {self.to_version}")
        _check_sorted_unique(self.additions, "additions")
        _check_sorted_unique(self.removals, "removals")
        if len(self.checksum) != 64 or self.checksum != self.checksum.lower():
            raise ValueError("checksum must be 64 lowercase hex characters")
        bytes.fromhex(self.checksum)  # raises ValueError when not hex
        if bool(contains(self.removals, self.additions).any()):
            raise ValueError("a prefix cannot be both added and removed")
        object.__setattr__(self, "additions", _frozen(self.additions))
        object.__setattr__(self, "removals", _frozen(self.removals))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FilterDelta):
            return NotImplemented
        return (
            (self.kind, self.from_version, self.to_version, self.checksum)
            == (other.kind, other.from_version, other.to_version, other.checksum)
            and np.array_equal(self.additions, other.additions)
            and np.array_equal(self.removals, other.removals)
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.from_version, self.to_version, self.checksum))

    def __repr__(self) -> str:
        return (
            f"FilterDelta(kind={self.kind!r}, {self.from_version}->{self.to_version}, "
            f"+{self.additions.size} -{self.removals.size})"
        )

    def to_bytes(self) -> bytes:
        """The wire form (see the module docstring)."""
        head = _DELTA_HEAD.pack(
            self.MAGIC,
            FORMAT,
            0,
            _check_kind(self.kind),
            self.from_version,
            self.to_version,
            self.additions.size,
            self.removals.size,
            bytes.fromhex(self.checksum),
        )
        return _seal(head, self.additions, self.removals)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> FilterDelta:
        """Parse and verify the wire form; raises FilterCorrupt (a ValueError) on any damage."""
        blob = _unseal(data, _DELTA_HEAD, cls.MAGIC, "delta")
        _, _, _, kind_raw, from_version, to_version, n_add, n_rem, checksum = _DELTA_HEAD.unpack_from(blob)
        expected = _DELTA_HEAD.size + 8 * (n_add + n_rem) + _TRAILER
        if len(blob) != expected:
            raise FilterCorrupt(f"delta announces {n_add}+{n_rem} prefixes but is {len(blob)} bytes")
        start = _DELTA_HEAD.size
        try:
            return cls(
                _kind_from(kind_raw, "delta"),
                from_version,
                to_version,
                _array_at(blob, start, n_add),
                _array_at(blob, start + 8 * n_add, n_rem),
                checksum.hex(),
            )
        except FilterCorrupt:
            raise
        except ValueError as exc:
            raise FilterCorrupt(f"delta invalid: {exc}") from exc


def make_delta(old: FilterSnapshot, new: FilterSnapshot) -> FilterDelta:
    """The delta that turns `old` into `new` (same kind, later version)."""
    if old.kind != new.kind:
        raise ValueError(f"cannot diff kind {old.kind!r} against {new.kind!r}")
    # Both arrays are sorted, so searchsorted walks them nearly sequentially.
    additions = new.prefixes[~_member_sorted(old.prefixes, new.prefixes)]
    removals = old.prefixes[~_member_sorted(new.prefixes, old.prefixes)]
    return FilterDelta(new.kind, old.version, new.version, additions, removals, new.checksum)


def _member_sorted(haystack: U64Array, sorted_needles: U64Array) -> BoolArray:
    if haystack.size == 0:
        return np.zeros(sorted_needles.size, dtype=np.bool_)
    return _member(haystack, sorted_needles)


def apply_delta(snapshot: FilterSnapshot, delta: FilterDelta) -> FilterSnapshot:
    """`snapshot` with `delta` applied; raises FilterVersionGap or FilterChecksumMismatch."""
    if delta.kind != snapshot.kind:
        raise FilterVersionGap(f"delta for kind {delta.kind!r} applied to a {snapshot.kind!r} snapshot")
    if delta.from_version != snapshot.version:
        raise FilterVersionGap(
            f"delta starts at version {delta.from_version}, snapshot is at version {snapshot.version}"
        )
    base = snapshot.prefixes
    if delta.removals.size:
        present = _member_sorted(base, delta.removals)
        if not bool(present.all()):
            raise FilterChecksumMismatch(f"{int((~present).sum())} removals are not in the snapshot")
        keep = np.ones(base.size, dtype=np.bool_)
        keep[np.searchsorted(base, delta.removals)] = False
        base = base[keep]
    if delta.additions.size:
        if bool(_member_sorted(base, delta.additions).any()):
            raise FilterChecksumMismatch("some additions are already in the snapshot")
        # Inserting sorted additions at their positions is O(n + m), cheaper than re-sorting the union.
        base = np.insert(base, np.searchsorted(base, delta.additions), delta.additions)
    result = FilterSnapshot(snapshot.kind, delta.to_version, base)
    if result.checksum != delta.checksum:
        raise FilterChecksumMismatch(
            f"{snapshot.kind} v{snapshot.version} + delta -> v{delta.to_version}: checksum "
            f"{result.checksum[:12]}… differs from the announced {delta.checksum[:12]}…"
        )
    return result


class PrefixIndex:
    """Sorted prefixes plus a directory by top bits: O(1) expected probes, about 3-4 bytes more a prefix."""

    def __init__(self, sorted_prefixes: U64Array) -> None:
        _check_sorted_unique(sorted_prefixes, "prefixes")
        n = int(sorted_prefixes.size)
        if n >= 2**32:
            raise ValueError("a filter holds fewer than 2**32 prefixes")
        self.prefixes = sorted_prefixes
        # 2**bits buckets with n/2 < 2**bits <= n: one or two prefixes a bucket on average.
        self._bits = min(max(n.bit_length() - 1, 1), 32)
        self._shift = np.uint64(64 - self._bits)
        counts = np.bincount((sorted_prefixes >> self._shift).astype(np.intp), minlength=1 << self._bits)
        self._starts = np.zeros((1 << self._bits) + 1, dtype=np.uint32)
        np.cumsum(counts, out=self._starts[1:])

    def __len__(self) -> int:
        return int(self.prefixes.size)

    @property
    def nbytes(self) -> int:
        """Memory held by the prefixes and the directory."""
        return int(self.prefixes.nbytes + self._starts.nbytes)

    def contains(self, queries: npt.ArrayLike) -> BoolArray:
        """Whether each ``uint64`` query is in the index, in query order."""
        q = np.asarray(queries, dtype=np.uint64)
        if q.ndim != 1:
            raise ValueError(f"queries must be one-dimensional, got shape {q.shape}")
        if self.prefixes.size == 0 or q.size == 0:
            return np.zeros(q.size, dtype=np.bool_)
        bucket = (q >> self._shift).astype(np.intp)
        lo = self._starts[bucket].astype(np.intp)
        hi = self._starts[bucket + 1].astype(np.intp)
        # First probe for every query, then only those still below the value they seek.
        value = self.prefixes[np.minimum(lo, self.prefixes.size - 1)]
        found: BoolArray = (value == q) & (lo < hi)
        pending = np.flatnonzero((value < q) & (lo + 1 < hi))
        step = 1
        while pending.size:
            at = lo[pending] + step
            sought = q[pending]
            value = self.prefixes[at]
            found[pending[value == sought]] = True
            pending = pending[(value < sought) & (at + 1 < hi[pending])]
            step += 1
        return found

    def contains_tokens(self, tokens: Sequence[str] | npt.NDArray[Any]) -> BoolArray:
        """Whether each 64-hex token's prefix is in the index."""
        return self.contains(prefix64(tokens))
