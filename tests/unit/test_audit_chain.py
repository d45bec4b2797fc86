"""The pure audit chain: any change to any entry is found at that entry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fanzha.audit.domain import GENESIS, AuditEntry, verify_chain

T0 = datetime(2026, 11, 28, tzinfo=UTC)


def build(n: int) -> list[tuple[AuditEntry, str]]:
    """A valid chain of n entries."""
    chain, prev = [], GENESIS
    for i in range(1, n + 1):
        entry = AuditEntry(
            seq=i,
            at=T0 + timedelta(seconds=i),
            actor=f"u{i % 3}",
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
        prev = entry.digest()
        chain.append((entry, prev))
    return chain


def test_an_intact_chain_verifies() -> None:
    chain = build(10)
    assert verify_chain(chain, 10, chain[-1][1]) is None
    assert verify_chain([], 0, GENESIS) is None


@given(n=st.integers(1, 25), data=st.data())
def test_any_altered_field_is_found_at_its_entry(n: int, data: st.DataObject) -> None:
    chain = build(n)
    victim = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(["actor", "action", "object_id", "result", "source_ip", "detail"]))
    entry, stored = chain[victim]
    chain[victim] = (dataclasses.replace(entry, **{field: getattr(entry, field) + "x"}), stored)
    broken = verify_chain(chain, n, chain[-1][1])
    assert broken is not None and broken.seq == victim + 1


@given(n=st.integers(2, 25), data=st.data())
def test_any_removed_entry_is_found(n: int, data: st.DataObject) -> None:
    chain = build(n)
    head = chain[-1][1]
    victim = data.draw(st.integers(0, n - 1))
    del chain[victim]
    broken = verify_chain(chain, n, head)
    assert broken is not None and broken.seq == victim + 1


def test_the_time_is_covered_too() -> None:
    chain = build(3)
    entry, stored = chain[1]
    chain[1] = (dataclasses.replace(entry, at=entry.at + timedelta(microseconds=1)), stored)
    assert verify_chain(chain, 3, chain[-1][1]).seq == 2  # type: ignore[union-attr]
