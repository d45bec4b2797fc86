"""The pure audit chain: any change to any entry is found at that entry, even by someone re-hashing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.audit.checkpoints import check_all, from_record, to_record
from fanzha.audit.domain import (
    GENESIS,
    KEYED,
    LEGACY,
    AuditEntry,
    ChainBreak,
    Checkpoint,
    Sealer,
    Signer,
    verify_chain,
)

T0 = datetime(2026, 11, 28, tzinfo=UTC)
SEALER = Sealer(bytes.fromhex("ab" * 32))
SIGNER = Signer(bytes.fromhex("cd" * 32))
Row = tuple[AuditEntry, int, str]


def _entry(i: int, prev: str, actor: str | None = None) -> AuditEntry:
    return AuditEntry(
        seq=i,
        at=T0 + timedelta(seconds=i),
        actor=actor or f"u{i % 3}",
        actor_user_id=i % 3,
        org_id=1,
        action="sample.read",
        object_type="sample",
        object_id=str(i),
        result="success",
        source_ip="10.0.0.1",
        detail="{}",
        prev_hash=prev,
    )


def build(n: int, legacy: int = 0) -> list[Row]:
    """A valid chain of n entries, the first `legacy` of them with the unkeyed SM3 hash."""
    chain: list[Row] = []
    prev = GENESIS
    for i in range(1, n + 1):
        entry = _entry(i, prev)
        version = LEGACY if i <= legacy else KEYED
        prev = entry.digest() if version == LEGACY else SEALER.seal(entry)
        chain.append((entry, version, prev))
    return chain


def rehash_unkeyed(chain: list[Row], start: int) -> list[Row]:
    """What a database superuser without the key can do: re-link from `start` with plain SM3."""
    out = chain[:start]
    prev = out[-1][2] if out else GENESIS
    for entry, _version, _stored in chain[start:]:
        moved = dataclasses.replace(entry, seq=len(out) + 1, prev_hash=prev)
        prev = moved.digest()
        out.append((moved, LEGACY, prev))
    return out


def check(chain: list[Row], checkpoints: list[Checkpoint] = ()) -> ChainBreak | None:  # type: ignore[assignment]
    head = (chain[-1][0].seq, chain[-1][2]) if chain else (0, GENESIS)
    return verify_chain(chain, *head, SEALER, checkpoints)


def pin(chain: list[Row], at: int, legacy: int = 0) -> Checkpoint:
    return Checkpoint(at, chain[at - 1][2] if at else GENESIS, legacy, T0)


def test_an_intact_chain_verifies() -> None:
    chain = build(10)
    assert check(chain) is None
    assert check(chain, [pin(chain, 4), pin(chain, 10)]) is None
    assert check([]) is None


def test_legacy_entries_before_the_keyed_ones_verify() -> None:
    chain = build(10, legacy=4)
    assert check(chain, [pin(chain, 6, legacy=4)]) is None


@given(n=st.integers(1, 25), data=st.data())
def test_any_altered_field_is_found_at_its_entry(n: int, data: st.DataObject) -> None:
    chain = build(n)
    victim = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(["actor", "action", "object_id", "result", "source_ip", "detail"]))
    entry, version, stored = chain[victim]
    chain[victim] = (dataclasses.replace(entry, **{field: getattr(entry, field) + "x"}), version, stored)
    broken = verify_chain(chain, n, chain[-1][2], SEALER)
    assert broken is not None and broken.seq == victim + 1


@given(n=st.integers(2, 25), data=st.data())
def test_any_removed_entry_is_found(n: int, data: st.DataObject) -> None:
    chain = build(n)
    head = chain[-1][2]
    victim = data.draw(st.integers(0, n - 1))
    del chain[victim]
    broken = verify_chain(chain, n, head, SEALER)
    assert broken is not None and broken.seq == victim + 1


@given(n=st.integers(2, 25), data=st.data())
def test_delete_renumber_and_rehash_without_the_key_is_found(n: int, data: st.DataObject) -> None:
    chain = build(n)
    victim = data.draw(st.integers(0, n - 1))
    forged = rehash_unkeyed(chain[:victim] + chain[victim + 1 :], victim)
    # The head moved to match, as a superuser would. Found by the MACs, and by the checkpoint written
    # before the attack when the whole log would otherwise pass for a legacy one or the last entry goes.
    broken = check(forged, [pin(chain, n)])
    assert broken is not None and broken.seq == victim + 1


def test_rehashing_everything_without_the_key_is_found_by_a_checkpoint() -> None:
    chain = build(10)
    checkpoints = [pin(chain, 5)]
    forged = rehash_unkeyed(chain[1:], 0)  # entry 1 gone, all re-hashed unkeyed: legacy-looking
    broken = check(forged, checkpoints)
    assert broken is not None and broken.seq == 1 and "downgraded" in broken.reason_en


def test_a_legacy_entry_after_the_migration_is_refused() -> None:
    chain = build(6, legacy=3)
    forged = rehash_unkeyed(chain, 3)  # the keyed entries re-hashed unkeyed, still one legacy prefix
    # Only a checkpoint knows how many legacy entries there were (before the first, this goes unseen).
    broken = check(forged, [pin(chain, 3, legacy=3)])
    assert broken is not None and broken.seq == 4 and "downgraded" in broken.reason_en


def test_a_truncated_log_is_found_by_the_checkpoints() -> None:
    chain = build(8)
    checkpoints = [pin(chain, 8)]
    assert check([], checkpoints).seq == 1  # type: ignore[union-attr]
    broken = check(chain[:5], checkpoints)
    assert broken is not None and broken.seq == 6 and "truncated" in broken.reason_en


def test_a_rewound_head_is_found() -> None:
    chain = build(6)
    broken = verify_chain(chain, 5, chain[4][2], SEALER)
    assert broken is not None and broken.seq == 6 and "head" in broken.reason_en


def test_a_rewritten_entry_at_a_checkpoint_is_named() -> None:
    chain = build(6)
    checkpoint = Checkpoint(3, "e" * 64, 0, T0)  # signed when entry 3 had another MAC
    broken = check(chain, [checkpoint])
    assert broken is not None and broken.seq == 3 and "checkpoint" in broken.reason_en


def test_the_time_is_covered_too() -> None:
    chain = build(3)
    entry, version, stored = chain[1]
    chain[1] = (dataclasses.replace(entry, at=entry.at + timedelta(microseconds=1)), version, stored)
    assert check(chain).seq == 2  # type: ignore[union-attr]


def test_a_different_key_does_not_verify() -> None:
    chain = build(3)
    assert verify_chain(chain, 3, chain[-1][2], Sealer(bytes(32))).seq == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("field", ["seq", "mac", "legacy", "at", "sig"])
def test_a_checkpoint_changed_in_any_field_is_refused(field: str) -> None:
    record = to_record(Checkpoint(7, "a" * 64, 2, T0), SIGNER)
    assert from_record(record, SIGNER) == Checkpoint(7, "a" * 64, 2, T0)
    changed = dict(record)
    changed[field] = {
        "seq": 6,
        "mac": "b" * 64,
        "legacy": 0,
        "at": "2026-11-28T00:00:01+00:00",
        "sig": "0" * 64,
    }[field]
    assert from_record(changed, SIGNER) is None
    found, broken = check_all([("file:1", record), ("file:2", changed)], SIGNER)
    assert len(found) == 1 and broken is not None and "file:2" in broken.reason_en
