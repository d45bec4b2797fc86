"""Local sample filters: snapshots, deltas, membership, and the client syncing them from a fake platform."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest
from fanzha_client import FilterNotSynced, FilterSyncError, SampleFilter, SyncOutcome
from fanzha_client.filters import (
    FilterChecksumMismatch,
    FilterCorrupt,
    FilterDelta,
    FilterSnapshot,
    FilterVersionGap,
    PrefixIndex,
    apply_delta,
    checksum_of,
    contains,
    make_delta,
    prefix64,
    sorted_unique,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanzha.core.clock import FrozenClock
from fanzha.core.sm import hmac_sm3
from fanzha.identifiers import IdentifierVault, normalise

TOKEN_KEY = bytes(range(32))
U64 = st.integers(min_value=0, max_value=2**64 - 1)
# Small values crowd one directory bucket; the edges catch off-by-one shifts.
VALUES = st.one_of(U64, st.integers(min_value=0, max_value=300), st.sampled_from([0, 1, 2**63, 2**64 - 1]))
SETS = st.sets(VALUES, max_size=300)


def snap(values: set[int] | list[int], version: int = 1, kind: str = "phone") -> FilterSnapshot:
    """A snapshot of Python ints."""
    return FilterSnapshot.from_prefixes(kind, version, np.array(sorted(values), dtype=np.uint64))


def token(kind: str, value: str) -> str:
    """The keyed token the platform shares for a normalised value."""
    return hmac_sm3(TOKEN_KEY, f"{kind}\x1f{value}".encode()).hex()


def random_tokens(n: int) -> list[str]:
    """Random 64-hex tokens."""
    return [os.urandom(32).hex() for _ in range(n)]


# --- prefixes and snapshots --------------------------------------------------------------------------


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=50))
def test_prefix64_is_the_first_16_hex_digits(digests: list[bytes]) -> None:
    tokens = [d.hex() for d in digests]
    expected = [int(t[:16], 16) for t in tokens]
    assert prefix64(tokens).tolist() == expected
    assert prefix64(np.array(tokens)).tolist() == expected
    assert prefix64(np.array(tokens, dtype="S64")).tolist() == expected
    assert prefix64(tokens).dtype == np.uint64


@pytest.mark.parametrize("bad", ["abc", "g" * 64, "0123456789abcde " + "0" * 48, "é" * 64, ""])
def test_prefix64_refuses_what_is_not_a_token(bad: str) -> None:
    with pytest.raises(ValueError, match=r"hex|ASCII"):
        prefix64([random_tokens(1)[0], bad])


def test_snapshot_checksum_is_sha256_of_little_endian_prefixes() -> None:
    snapshot = snap([3, 1, 2, 2**64 - 1])
    raw = b"".join(v.to_bytes(8, "little") for v in (1, 2, 3, 2**64 - 1))
    assert snapshot.checksum == hashlib.sha256(raw).hexdigest() == checksum_of(snapshot.prefixes)
    assert snapshot.prefixes.tolist() == [1, 2, 3, 2**64 - 1]


def test_snapshot_refuses_unsorted_or_duplicate_prefixes_and_is_read_only() -> None:
    with pytest.raises(ValueError, match="sorted and unique"):
        FilterSnapshot("phone", 1, np.array([2, 1], dtype=np.uint64))
    with pytest.raises(ValueError, match="sorted and unique"):
        FilterSnapshot("phone", 1, np.array([1, 1], dtype=np.uint64))
    with pytest.raises(ValueError, match="uint64"):
        FilterSnapshot("phone", 1, np.array([1, 2], dtype=np.int64))
    snapshot = snap([1, 2])
    with pytest.raises(ValueError, match="read-only"):
        snapshot.prefixes[0] = 5


def test_sorted_unique_matches_python() -> None:
    values = np.random.default_rng(7).integers(0, 50, size=1000).astype(np.uint64)
    assert sorted_unique(values).tolist() == sorted(set(values.tolist()))
    assert sorted_unique(np.empty(0, dtype=np.uint64)).size == 0


@given(SETS, st.integers(min_value=0, max_value=2**64 - 1), st.sampled_from(["phone", "bank_card", "x" * 32]))
def test_snapshot_round_trips_through_bytes(values: set[int], version: int, kind: str) -> None:
    snapshot = snap(values, version, kind)
    data = snapshot.to_bytes()
    back = FilterSnapshot.from_bytes(data)
    assert back == snapshot
    assert back.checksum == snapshot.checksum
    assert (back.kind, back.version, len(back)) == (kind, version, len(values))
    assert len(data) == 88 + 8 * len(values) + 32
    assert FilterSnapshot.from_bytes(bytearray(data)) == snapshot


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(SETS, st.data())
def test_any_damage_to_a_snapshot_is_refused(values: set[int], data: st.DataObject) -> None:
    blob = bytearray(snap(values).to_bytes())
    at = data.draw(st.integers(min_value=0, max_value=len(blob) - 1), label="byte")
    flip = data.draw(st.integers(min_value=1, max_value=255), label="xor")
    blob[at] ^= flip
    with pytest.raises(FilterCorrupt):
        FilterSnapshot.from_bytes(blob)
    cut = data.draw(st.integers(min_value=0, max_value=len(blob) - 1), label="cut")
    with pytest.raises(FilterCorrupt):
        FilterSnapshot.from_bytes(bytes(snap(values).to_bytes()[:cut]))


def test_a_consistent_but_lying_checksum_is_refused() -> None:
    """Even with a valid trailer, a header checksum that does not match the prefixes is refused."""
    body = bytearray(snap([1, 2, 3]).to_bytes()[:-32])
    body[56:88] = bytes(32)  # the checksum field
    forged = bytes(body) + hashlib.sha256(body).digest()
    with pytest.raises(FilterCorrupt, match="checksum"):
        FilterSnapshot.from_bytes(forged)


def test_a_delta_is_not_a_snapshot() -> None:
    delta = make_delta(snap([1], 1), snap([2], 2))
    with pytest.raises(FilterCorrupt, match="magic"):
        FilterSnapshot.from_bytes(delta.to_bytes())
    with pytest.raises(FilterCorrupt, match="magic"):
        FilterDelta.from_bytes(snap([1]).to_bytes())
    assert isinstance(FilterCorrupt("x"), ValueError)


# --- deltas --------------------------------------------------------------------------------------------


@st.composite
def old_and_new(draw: st.DrawFn) -> tuple[set[int], set[int]]:
    """Two sets that share some members, as successive versions do."""
    old = draw(SETS)
    kept = draw(st.sets(st.sampled_from(sorted(old)))) if old else set()
    return old, kept | draw(SETS)


@given(old_and_new(), st.integers(min_value=0, max_value=2**40), st.integers(min_value=1, max_value=2**40))
def test_applying_the_delta_gives_the_new_set(
    sets: tuple[set[int], set[int]], version: int, step: int
) -> None:
    old_set, new_set = sets
    old, new = snap(old_set, version), snap(new_set, version + step)
    delta = make_delta(old, new)
    assert set(delta.additions.tolist()) == new_set - old_set
    assert set(delta.removals.tolist()) == old_set - new_set
    result = apply_delta(old, delta)
    assert result == new
    assert result.checksum == new.checksum == delta.checksum
    assert result.version == new.version
    assert old.prefixes.tolist() == sorted(old_set)  # the base is untouched


@given(old_and_new())
def test_delta_round_trips_through_bytes(sets: tuple[set[int], set[int]]) -> None:
    delta = make_delta(snap(sets[0], 4), snap(sets[1], 9))
    data = delta.to_bytes()
    back = FilterDelta.from_bytes(data)
    assert back == delta
    assert (back.from_version, back.to_version, back.checksum) == (4, 9, delta.checksum)
    assert len(data) == 104 + 8 * (delta.additions.size + delta.removals.size) + 32


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(old_and_new(), st.data())
def test_any_damage_to_a_delta_is_refused(sets: tuple[set[int], set[int]], data: st.DataObject) -> None:
    blob = bytearray(make_delta(snap(sets[0], 1), snap(sets[1], 2)).to_bytes())
    at = data.draw(st.integers(min_value=0, max_value=len(blob) - 1), label="byte")
    blob[at] ^= data.draw(st.integers(min_value=1, max_value=255), label="xor")
    with pytest.raises(FilterCorrupt):
        FilterDelta.from_bytes(blob)


@given(old_and_new(), st.integers(min_value=0, max_value=100).filter(lambda v: v != 5))
def test_a_delta_from_another_version_is_refused(sets: tuple[set[int], set[int]], base_version: int) -> None:
    delta = make_delta(snap(sets[0], 5), snap(sets[1], 200))
    with pytest.raises(FilterVersionGap, match="version 5"):
        apply_delta(snap(sets[0], base_version), delta)


def test_a_delta_for_another_kind_is_refused() -> None:
    delta = make_delta(snap([1], 1, "phone"), snap([2], 2, "phone"))
    with pytest.raises(FilterVersionGap, match="kind"):
        apply_delta(snap([1], 1, "bank_card"), delta)


def test_a_delta_on_a_different_base_is_a_checksum_mismatch() -> None:
    delta = make_delta(snap([1, 2], 1), snap([2, 3], 2))
    with pytest.raises(FilterChecksumMismatch):
        apply_delta(snap([1, 2, 7], 1), delta)  # same version, one extra prefix
    with pytest.raises(FilterChecksumMismatch, match="removals"):
        apply_delta(snap([2], 1), delta)  # 1 cannot be removed
    with pytest.raises(FilterChecksumMismatch, match="already"):
        apply_delta(snap([1, 2, 3], 1), delta)  # 3 is already there


def test_a_wrong_announced_checksum_is_a_mismatch() -> None:
    good = make_delta(snap([1], 1), snap([1, 2], 2))
    bad = FilterDelta("phone", 1, 2, good.additions, good.removals, "0" * 64)
    with pytest.raises(FilterChecksumMismatch, match="checksum"):
        apply_delta(snap([1], 1), bad)


def test_a_delta_must_move_forward_and_be_disjoint() -> None:
    none = np.empty(0, dtype=np.uint64)
    with pytest.raises(ValueError, match="forward"):
        FilterDelta("phone", 3, 3, none, none, "0" * 64)
    one = np.array([1], dtype=np.uint64)
    with pytest.raises(ValueError, match="both added and removed"):
        FilterDelta("phone", 1, 2, one, one, "0" * 64)
    with pytest.raises(ValueError, match="forward"):
        make_delta(snap([1], 2), snap([1], 2))
    with pytest.raises(ValueError, match="kind"):
        make_delta(snap([1], 1, "phone"), snap([1], 2, "url"))


# --- membership ----------------------------------------------------------------------------------------


@given(SETS, st.lists(VALUES, max_size=400), st.booleans())
def test_contains_agrees_with_python_sets(members: set[int], extra: list[int], presort: bool) -> None:
    prefixes = np.array(sorted(members), dtype=np.uint64)
    # Half members, half anything, with duplicates; long enough to take the sorted-batch path too.
    queries = list(members)[: len(extra)] + extra + extra[:10]
    if presort:
        queries.sort()
    q = np.array(queries, dtype=np.uint64)
    expected = [v in members for v in queries]
    assert contains(prefixes, q).tolist() == expected
    assert PrefixIndex(prefixes).contains(q).tolist() == expected


def test_contains_handles_empty_sides() -> None:
    empty = np.empty(0, dtype=np.uint64)
    assert contains(empty, [1, 2]).tolist() == [False, False]
    assert contains(np.array([1], dtype=np.uint64), empty).shape == (0,)
    assert PrefixIndex(empty).contains([0, 2**64 - 1]).tolist() == [False, False]
    assert PrefixIndex(np.array([5], dtype=np.uint64)).contains([]).shape == (0,)


def test_index_on_many_random_prefixes_matches_searchsorted() -> None:
    rng = np.random.default_rng(11)
    prefixes = sorted_unique(rng.integers(0, 2**64, size=200_000, dtype=np.uint64))
    queries = np.concatenate(
        [rng.choice(prefixes, 50_000), rng.integers(0, 2**64, size=50_000, dtype=np.uint64)]
    )
    rng.shuffle(queries)
    index = PrefixIndex(prefixes)
    found = index.contains(queries)
    assert np.array_equal(found, contains(prefixes, queries))
    assert 49_000 <= int(found.sum()) <= 50_100
    assert index.nbytes <= 16 * prefixes.size


# --- the client against a fake platform ---------------------------------------------------------------


class FakePlatform:
    """Serves snapshots and deltas from an in-memory history, as the real endpoints must."""

    def __init__(self) -> None:
        self.history: dict[str, dict[int, FilterSnapshot]] = {}
        self.requests: list[str] = []
        self.accept: list[str | None] = []
        self.override: Callable[[httpx.Request], httpx.Response | None] | None = None

    def publish(self, kind: str, tokens: list[str]) -> FilterSnapshot:
        """A new version of `kind` holding exactly `tokens`."""
        versions = self.history.setdefault(kind, {})
        snapshot = FilterSnapshot.from_tokens(kind, max(versions, default=0) + 1, tokens)
        versions[snapshot.version] = snapshot
        return snapshot

    def prune(self, kind: str, keep_from: int) -> None:
        """Forget versions before `keep_from`, so deltas from them answer 410."""
        versions = self.history[kind]
        for version in [v for v in versions if v < keep_from]:
            del versions[version]

    def current(self, kind: str) -> FilterSnapshot:
        versions = self.history[kind]
        return versions[max(versions)]

    def handle(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")  # "", api, v1, samples, filters, kind, what
        self.requests.append(f"{parts[5]}/{parts[6]}")
        self.accept.append(request.headers.get("accept"))
        if self.override is not None and (answer := self.override(request)) is not None:
            return answer
        kind, what = parts[5], parts[6]
        if kind not in self.history:
            return httpx.Response(404)
        current = self.current(kind)
        octets = {"content-type": "application/octet-stream"}
        if what == "snapshot":
            return httpx.Response(200, content=current.to_bytes(), headers=octets)
        base_version = int(request.url.params["from"])
        if base_version == current.version:
            return httpx.Response(204)
        base = self.history[kind].get(base_version)
        if base is None:
            return httpx.Response(410)
        return httpx.Response(200, content=make_delta(base, current).to_bytes(), headers=octets)


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def frozen() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))


def client_for(
    platform: FakePlatform, clock: FrozenClock, kinds: tuple[str, ...] = ("phone",)
) -> SampleFilter:
    http = httpx.Client(transport=httpx.MockTransport(platform.handle), base_url="http://platform.test")
    return SampleFilter(http, TOKEN_KEY, kinds, max_age=timedelta(minutes=30), clock=clock.now)


PHONES = ["+8613800138000", "+8613900139000", "+8618612345678"]


def test_first_sync_fetches_the_snapshot_and_answers_lookups(
    platform: FakePlatform, frozen: FrozenClock
) -> None:
    others = random_tokens(500)
    platform.publish("phone", [token("phone", p) for p in PHONES] + others)
    client = client_for(platform, frozen)
    assert client.stale and client.last_synced is None and client.version("phone") is None

    assert client.sync() == {"phone": SyncOutcome.SNAPSHOT}
    assert platform.requests == ["phone/snapshot"]
    assert platform.accept == ["application/octet-stream"]
    assert client.version("phone") == 1
    assert client.checksum("phone") == platform.current("phone").checksum
    assert not client.stale and client.last_synced == frozen.now()
    assert len(client) == 503
    assert client.size_bytes() <= 16 * 503

    misses = random_tokens(200)
    assert client.contains_tokens("phone", others + misses).tolist() == [True] * 500 + [False] * 200
    raw = ["138 0013 8000", "+86 139 0013 9000", "13700137000", "not a phone", "", "186-1234-5678"]
    assert client.check("phone", raw).tolist() == [True, True, False, False, False, True]
    assert client.check("phone", []).tolist() == []


def test_binary_tokens_answer_as_their_hex_forms(platform: FakePlatform, frozen: FrozenClock) -> None:
    members, misses = random_tokens(300), random_tokens(100)
    platform.publish("phone", members)
    client = client_for(platform, frozen)
    client.sync()
    queries = members[:150] + misses + members[150:]
    expected = client.contains_tokens("phone", queries).tolist()
    assert expected == [True] * 150 + [False] * 100 + [True] * 150
    digests = [bytes.fromhex(t) for t in queries]
    assert client.contains_digests("phone", digests).tolist() == expected
    assert client.contains_prefixes("phone", prefix64(queries)).tolist() == expected
    assert client.contains_digests("phone", b"".join(digests)).tolist() == expected
    assert client.contains_digests("phone", b"".join(d[:8] for d in digests), width=8).tolist() == expected
    with pytest.raises(ValueError, match="8 bytes"):
        client.contains_digests("phone", [b"short"])
    with pytest.raises(ValueError, match="same length"):
        client.contains_digests("phone", [digests[0], digests[1][:9]])
    with pytest.raises(ValueError, match="whole number"):
        client.contains_digests("phone", b"".join(digests)[:-1])


def test_check_uses_the_same_tokens_as_the_identifier_vault(
    platform: FakePlatform, frozen: FrozenClock
) -> None:
    vault = IdentifierVault(TOKEN_KEY, bytes(16))
    platform.publish("bank_card", [vault.token(normalise("bank_card", "6222021234567890128"))])
    client = client_for(platform, frozen, ("bank_card",))
    client.sync()
    found = client.check("bank_card", ["6222 0212 3456 7890 128", "6222021234567890129"])
    assert found.tolist() == [True, False]


def test_a_later_sync_applies_a_delta(platform: FakePlatform, frozen: FrozenClock) -> None:
    first, second = random_tokens(300), random_tokens(100)
    platform.publish("phone", first)
    client = client_for(platform, frozen)
    client.sync()
    platform.publish("phone", first[100:] + second)  # 100 revoked, 100 published
    platform.publish("phone", first[150:] + second)  # and 50 more revoked: one delta spans both versions
    frozen.advance(timedelta(minutes=5))

    assert client.sync() == {"phone": SyncOutcome.DELTA}
    assert platform.requests == ["phone/snapshot", "phone/delta"]
    assert client.version("phone") == 3
    assert client.checksum("phone") == platform.current("phone").checksum
    found = client.contains_tokens("phone", first + second)
    assert found.tolist() == [False] * 150 + [True] * 150 + [True] * 100
    assert client.last_synced == frozen.now()


def test_no_change_answers_204_and_counts_as_a_sync(platform: FakePlatform, frozen: FrozenClock) -> None:
    platform.publish("phone", random_tokens(10))
    client = client_for(platform, frozen)
    client.sync()
    frozen.advance(timedelta(minutes=20))
    assert client.sync() == {"phone": SyncOutcome.UNCHANGED}
    assert platform.requests == ["phone/snapshot", "phone/delta"]
    assert client.last_synced == frozen.now()
    assert client.version("phone") == 1


def test_410_falls_back_to_a_snapshot(platform: FakePlatform, frozen: FrozenClock) -> None:
    tokens = random_tokens(50)
    platform.publish("phone", tokens)
    client = client_for(platform, frozen)
    client.sync()
    platform.publish("phone", tokens[:10])
    platform.prune("phone", keep_from=2)

    assert client.sync() == {"phone": SyncOutcome.SNAPSHOT}
    assert platform.requests == ["phone/snapshot", "phone/delta", "phone/snapshot"]
    assert client.version("phone") == 2
    assert client.contains_tokens("phone", tokens).sum() == 10


@pytest.mark.parametrize("damage", ["checksum", "version gap", "bytes"])
def test_an_unusable_delta_falls_back_to_a_snapshot(
    platform: FakePlatform, frozen: FrozenClock, damage: str
) -> None:
    tokens = random_tokens(40)
    platform.publish("phone", tokens)
    client = client_for(platform, frozen)
    client.sync()
    platform.publish("phone", tokens[:20])

    def bad_delta(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith("/delta"):
            return None
        good = make_delta(platform.history["phone"][1], platform.current("phone"))
        if damage == "checksum":
            body = FilterDelta("phone", 1, 2, good.additions, good.removals, "ab" * 32).to_bytes()
        elif damage == "version gap":
            body = FilterDelta("phone", 0, 2, good.additions, good.removals, good.checksum).to_bytes()
        else:
            body = good.to_bytes()[:-1] + b"\0"
        return httpx.Response(200, content=body)

    platform.override = bad_delta
    assert client.sync() == {"phone": SyncOutcome.SNAPSHOT}
    assert platform.requests == ["phone/snapshot", "phone/delta", "phone/snapshot"]
    assert client.version("phone") == 2
    assert client.checksum("phone") == platform.current("phone").checksum
    assert client.contains_tokens("phone", tokens).tolist() == [True] * 20 + [False] * 20
    assert not client.stale


def test_stale_after_max_age(platform: FakePlatform, frozen: FrozenClock) -> None:
    platform.publish("phone", random_tokens(5))
    client = client_for(platform, frozen)
    client.sync()
    frozen.advance(timedelta(minutes=30))
    assert not client.stale
    frozen.advance(timedelta(seconds=1))
    assert client.stale
    client.sync()
    assert not client.stale


@pytest.mark.parametrize("failure", ["503", "connect", "damaged snapshot"])
def test_stale_after_a_failed_sync_but_still_answering(
    platform: FakePlatform, frozen: FrozenClock, failure: str
) -> None:
    tokens = random_tokens(20)
    platform.publish("phone", tokens)
    client = client_for(platform, frozen)
    client.sync()
    platform.publish("phone", tokens[:5])

    def broken(request: httpx.Request) -> httpx.Response:
        if failure == "connect":
            raise httpx.ConnectError("platform unreachable", request=request)
        if failure == "503":
            return httpx.Response(503)
        if request.url.path.endswith("/delta"):
            return httpx.Response(410)
        return httpx.Response(200, content=platform.current("phone").to_bytes()[:-3])

    platform.override = broken
    with pytest.raises(FilterSyncError) as caught:
        client.sync()
    assert set(caught.value.failures) == {"phone"}
    assert client.stale
    assert client.version("phone") == 1  # the old set, untouched
    assert client.contains_tokens("phone", tokens).all()

    platform.override = None
    assert client.sync() == {"phone": SyncOutcome.DELTA}
    assert not client.stale
    assert int(client.contains_tokens("phone", tokens).sum()) == 5


def test_one_failing_kind_leaves_the_others_synced(platform: FakePlatform, frozen: FrozenClock) -> None:
    phones = random_tokens(10)
    platform.publish("phone", phones)  # no "url" history: the platform answers 404 for it
    client = client_for(platform, frozen, ("phone", "url"))
    with pytest.raises(FilterSyncError) as caught:
        client.sync()
    assert caught.value.outcomes == {"phone": SyncOutcome.SNAPSHOT}
    assert set(caught.value.failures) == {"url"}
    assert client.stale and client.last_synced is None
    assert client.contains_tokens("phone", phones).all()
    with pytest.raises(FilterNotSynced):
        client.contains_tokens("url", random_tokens(1))

    platform.publish("url", random_tokens(3))
    assert client.sync() == {"phone": SyncOutcome.UNCHANGED, "url": SyncOutcome.SNAPSHOT}
    assert not client.stale


def test_lookups_before_a_sync_or_in_an_unknown_kind_are_refused(
    platform: FakePlatform, frozen: FrozenClock
) -> None:
    client = client_for(platform, frozen)
    with pytest.raises(FilterNotSynced):
        client.contains_tokens("phone", random_tokens(1))
    with pytest.raises(FilterNotSynced):
        client.check("phone", ["13800138000"])
    with pytest.raises(KeyError, match="imei"):
        client.version("imei")
    with pytest.raises(ValueError, match="32 bytes"):
        SampleFilter(httpx.Client(), b"short", ["phone"])
